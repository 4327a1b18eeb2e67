//! Attribute types and their typed values.
//!
//! - RFC 8489 §14 (STUN): MAPPED-ADDRESS, XOR-MAPPED-ADDRESS, USERNAME, USERHASH,
//!   MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256, FINGERPRINT, ERROR-CODE, REALM, NONCE,
//!   PASSWORD-ALGORITHMS, PASSWORD-ALGORITHM, UNKNOWN-ATTRIBUTES, SOFTWARE, ALTERNATE-SERVER,
//!   ALTERNATE-DOMAIN.
//! - RFC 8445 §16.1 (ICE): PRIORITY, USE-CANDIDATE, ICE-CONTROLLED, ICE-CONTROLLING.
//! - RFC 8656 §18 (TURN): CHANNEL-NUMBER, LIFETIME, XOR-PEER-ADDRESS, DATA,
//!   XOR-RELAYED-ADDRESS, REQUESTED-ADDRESS-FAMILY, EVEN-PORT, REQUESTED-TRANSPORT,
//!   DONT-FRAGMENT, RESERVATION-TOKEN, ADDITIONAL-ADDRESS-FAMILY, ADDRESS-ERROR-CODE, ICMP.
//!
//! Every other type parses as [`Attribute::Unknown`] and is emitted back unchanged.
//! Parsing checks lengths and UTF-8; the RFC's character-count limits on text attributes are
//! enforced when building (see [`crate::MessageBuilder`]), not when parsing, so that a sloppy
//! peer's SOFTWARE string does not cost a transaction.

use core::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::error::AttributeError;
use crate::message::{MAGIC_COOKIE, TransactionId};

/// An attribute type code point (RFC 8489 §18.3). Unknown values are kept as they are.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttrType(pub u16);

macro_rules! attr_types {
    ($($(#[$doc:meta])* $name:ident = $value:expr, $text:expr;)*) => {
        impl AttrType {
            $($(#[$doc])* pub const $name: AttrType = AttrType($value);)*

            /// The RFC name of a known type.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($text),)*
                    _ => None,
                }
            }
        }
    };
}

attr_types! {
    /// MAPPED-ADDRESS (RFC 8489 §14.1).
    MAPPED_ADDRESS = 0x0001, "MAPPED-ADDRESS";
    /// USERNAME (RFC 8489 §14.3).
    USERNAME = 0x0006, "USERNAME";
    /// MESSAGE-INTEGRITY (RFC 8489 §14.5).
    MESSAGE_INTEGRITY = 0x0008, "MESSAGE-INTEGRITY";
    /// ERROR-CODE (RFC 8489 §14.8).
    ERROR_CODE = 0x0009, "ERROR-CODE";
    /// UNKNOWN-ATTRIBUTES (RFC 8489 §14.13).
    UNKNOWN_ATTRIBUTES = 0x000A, "UNKNOWN-ATTRIBUTES";
    /// CHANNEL-NUMBER (RFC 8656 §18.1).
    CHANNEL_NUMBER = 0x000C, "CHANNEL-NUMBER";
    /// LIFETIME (RFC 8656 §18.2).
    LIFETIME = 0x000D, "LIFETIME";
    /// XOR-PEER-ADDRESS (RFC 8656 §18.3).
    XOR_PEER_ADDRESS = 0x0012, "XOR-PEER-ADDRESS";
    /// DATA (RFC 8656 §18.4).
    DATA = 0x0013, "DATA";
    /// REALM (RFC 8489 §14.9).
    REALM = 0x0014, "REALM";
    /// NONCE (RFC 8489 §14.10).
    NONCE = 0x0015, "NONCE";
    /// XOR-RELAYED-ADDRESS (RFC 8656 §18.5).
    XOR_RELAYED_ADDRESS = 0x0016, "XOR-RELAYED-ADDRESS";
    /// REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.6).
    REQUESTED_ADDRESS_FAMILY = 0x0017, "REQUESTED-ADDRESS-FAMILY";
    /// EVEN-PORT (RFC 8656 §18.7).
    EVEN_PORT = 0x0018, "EVEN-PORT";
    /// REQUESTED-TRANSPORT (RFC 8656 §18.8).
    REQUESTED_TRANSPORT = 0x0019, "REQUESTED-TRANSPORT";
    /// DONT-FRAGMENT (RFC 8656 §18.9).
    DONT_FRAGMENT = 0x001A, "DONT-FRAGMENT";
    /// MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6).
    MESSAGE_INTEGRITY_SHA256 = 0x001C, "MESSAGE-INTEGRITY-SHA256";
    /// PASSWORD-ALGORITHM (RFC 8489 §14.12).
    PASSWORD_ALGORITHM = 0x001D, "PASSWORD-ALGORITHM";
    /// USERHASH (RFC 8489 §14.4).
    USERHASH = 0x001E, "USERHASH";
    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2).
    XOR_MAPPED_ADDRESS = 0x0020, "XOR-MAPPED-ADDRESS";
    /// RESERVATION-TOKEN (RFC 8656 §18.10).
    RESERVATION_TOKEN = 0x0022, "RESERVATION-TOKEN";
    /// PRIORITY (RFC 8445 §16.1).
    PRIORITY = 0x0024, "PRIORITY";
    /// USE-CANDIDATE (RFC 8445 §16.1).
    USE_CANDIDATE = 0x0025, "USE-CANDIDATE";
    /// ADDITIONAL-ADDRESS-FAMILY (RFC 8656 §18.11).
    ADDITIONAL_ADDRESS_FAMILY = 0x8000, "ADDITIONAL-ADDRESS-FAMILY";
    /// ADDRESS-ERROR-CODE (RFC 8656 §18.12).
    ADDRESS_ERROR_CODE = 0x8001, "ADDRESS-ERROR-CODE";
    /// PASSWORD-ALGORITHMS (RFC 8489 §14.11).
    PASSWORD_ALGORITHMS = 0x8002, "PASSWORD-ALGORITHMS";
    /// ALTERNATE-DOMAIN (RFC 8489 §14.16).
    ALTERNATE_DOMAIN = 0x8003, "ALTERNATE-DOMAIN";
    /// ICMP (RFC 8656 §18.13).
    ICMP = 0x8004, "ICMP";
    /// SOFTWARE (RFC 8489 §14.14).
    SOFTWARE = 0x8022, "SOFTWARE";
    /// ALTERNATE-SERVER (RFC 8489 §14.15).
    ALTERNATE_SERVER = 0x8023, "ALTERNATE-SERVER";
    /// FINGERPRINT (RFC 8489 §14.7).
    FINGERPRINT = 0x8028, "FINGERPRINT";
    /// ICE-CONTROLLED (RFC 8445 §16.1).
    ICE_CONTROLLED = 0x8029, "ICE-CONTROLLED";
    /// ICE-CONTROLLING (RFC 8445 §16.1).
    ICE_CONTROLLING = 0x802A, "ICE-CONTROLLING";
}

impl AttrType {
    /// Types 0x0000..=0x7FFF are comprehension-required (RFC 8489 §14): a request carrying
    /// one the receiver does not understand fails with 420.
    #[inline]
    pub const fn is_comprehension_required(self) -> bool {
        self.0 < 0x8000
    }

    /// Whether this crate knows the type.
    #[inline]
    pub const fn is_known(self) -> bool {
        self.name().is_some()
    }
}

impl fmt::Debug for AttrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "AttrType({:#06x})", self.0),
        }
    }
}

impl fmt::Display for AttrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// An address family code in STUN and TURN attributes (RFC 8489 §14.1, RFC 8656 §18.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressFamily(pub u8);

impl AddressFamily {
    /// IPv4 (0x01).
    pub const IPV4: AddressFamily = AddressFamily(0x01);
    /// IPv6 (0x02).
    pub const IPV6: AddressFamily = AddressFamily(0x02);

    /// The family of an IP address.
    pub const fn of(ip: &IpAddr) -> AddressFamily {
        match ip {
            IpAddr::V4(_) => AddressFamily::IPV4,
            IpAddr::V6(_) => AddressFamily::IPV6,
        }
    }
}

/// An ERROR-CODE value (RFC 8489 §14.8): a code in 300..=699 and a reason phrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode<'a> {
    /// The numeric code: class * 100 + number.
    pub code: u16,
    /// The reason phrase.
    pub reason: &'a str,
}

impl ErrorCode<'_> {
    /// 300 Try Alternate.
    pub const TRY_ALTERNATE: u16 = 300;
    /// 400 Bad Request.
    pub const BAD_REQUEST: u16 = 400;
    /// 401 Unauthenticated.
    pub const UNAUTHENTICATED: u16 = 401;
    /// 403 Forbidden (RFC 8656).
    pub const FORBIDDEN: u16 = 403;
    /// 420 Unknown Attribute.
    pub const UNKNOWN_ATTRIBUTE: u16 = 420;
    /// 437 Allocation Mismatch (RFC 8656).
    pub const ALLOCATION_MISMATCH: u16 = 437;
    /// 438 Stale Nonce.
    pub const STALE_NONCE: u16 = 438;
    /// 440 Address Family not Supported (RFC 8656).
    pub const ADDRESS_FAMILY_NOT_SUPPORTED: u16 = 440;
    /// 441 Wrong Credentials (RFC 8656).
    pub const WRONG_CREDENTIALS: u16 = 441;
    /// 442 Unsupported Transport Protocol (RFC 8656).
    pub const UNSUPPORTED_TRANSPORT_PROTOCOL: u16 = 442;
    /// 443 Peer Address Family Mismatch (RFC 8656).
    pub const PEER_ADDRESS_FAMILY_MISMATCH: u16 = 443;
    /// 486 Allocation Quota Reached (RFC 8656).
    pub const ALLOCATION_QUOTA_REACHED: u16 = 486;
    /// 487 Role Conflict (RFC 8445).
    pub const ROLE_CONFLICT: u16 = 487;
    /// 500 Server Error.
    pub const SERVER_ERROR: u16 = 500;
    /// 508 Insufficient Capacity (RFC 8656).
    pub const INSUFFICIENT_CAPACITY: u16 = 508;

    /// The RFC's suggested reason phrase for a code, or "" for codes it does not name.
    pub const fn default_reason(code: u16) -> &'static str {
        match code {
            300 => "Try Alternate",
            400 => "Bad Request",
            401 => "Unauthenticated",
            403 => "Forbidden",
            420 => "Unknown Attribute",
            437 => "Allocation Mismatch",
            438 => "Stale Nonce",
            440 => "Address Family not Supported",
            441 => "Wrong Credentials",
            442 => "Unsupported Transport Protocol",
            443 => "Peer Address Family Mismatch",
            486 => "Allocation Quota Reached",
            487 => "Role Conflict",
            500 => "Server Error",
            508 => "Insufficient Capacity",
            _ => "",
        }
    }
}

/// A password algorithm code (RFC 8489 §18.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PasswordAlgorithmId(pub u16);

impl PasswordAlgorithmId {
    /// MD5 (0x0001): the RFC 5389 long-term key.
    pub const MD5: PasswordAlgorithmId = PasswordAlgorithmId(0x0001);
    /// SHA-256 (0x0002).
    pub const SHA256: PasswordAlgorithmId = PasswordAlgorithmId(0x0002);
}

/// One entry of PASSWORD-ALGORITHMS, or the value of PASSWORD-ALGORITHM (RFC 8489 §14.11,
/// §14.12): an algorithm and its parameters (empty for MD5 and SHA-256).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordAlgorithm<'a> {
    /// The algorithm.
    pub algorithm: PasswordAlgorithmId,
    /// Its parameters.
    pub parameters: &'a [u8],
}

/// A typed STUN attribute, borrowing from the message it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Attribute<'a> {
    /// MAPPED-ADDRESS.
    MappedAddress(SocketAddr),
    /// XOR-MAPPED-ADDRESS (un-XORed).
    XorMappedAddress(SocketAddr),
    /// USERNAME.
    Username(&'a str),
    /// USERHASH: SHA-256 of the username and realm.
    UserHash([u8; 32]),
    /// MESSAGE-INTEGRITY: the HMAC-SHA1 value as carried.
    MessageIntegrity([u8; 20]),
    /// MESSAGE-INTEGRITY-SHA256: the (possibly truncated, 16 to 32 bytes) HMAC-SHA256 value.
    MessageIntegritySha256(&'a [u8]),
    /// FINGERPRINT: the CRC-32 value as carried.
    Fingerprint(u32),
    /// ERROR-CODE.
    ErrorCode(ErrorCode<'a>),
    /// REALM.
    Realm(&'a str),
    /// NONCE.
    Nonce(&'a str),
    /// PASSWORD-ALGORITHMS.
    PasswordAlgorithms(Vec<PasswordAlgorithm<'a>>),
    /// PASSWORD-ALGORITHM.
    PasswordAlgorithm(PasswordAlgorithm<'a>),
    /// UNKNOWN-ATTRIBUTES.
    UnknownAttributes(Vec<AttrType>),
    /// SOFTWARE.
    Software(&'a str),
    /// ALTERNATE-SERVER.
    AlternateServer(SocketAddr),
    /// ALTERNATE-DOMAIN.
    AlternateDomain(&'a str),
    /// PRIORITY (ICE).
    Priority(u32),
    /// USE-CANDIDATE (ICE).
    UseCandidate,
    /// ICE-CONTROLLED with its tie-breaker.
    IceControlled(u64),
    /// ICE-CONTROLLING with its tie-breaker.
    IceControlling(u64),
    /// CHANNEL-NUMBER (TURN).
    ChannelNumber(u16),
    /// LIFETIME in seconds (TURN).
    Lifetime(u32),
    /// XOR-PEER-ADDRESS (TURN, un-XORed).
    XorPeerAddress(SocketAddr),
    /// DATA (TURN).
    Data(&'a [u8]),
    /// XOR-RELAYED-ADDRESS (TURN, un-XORed).
    XorRelayedAddress(SocketAddr),
    /// REQUESTED-ADDRESS-FAMILY (TURN).
    RequestedAddressFamily(AddressFamily),
    /// EVEN-PORT (TURN): whether the next-higher port should be reserved too.
    EvenPort {
        /// The R bit.
        reserve_next: bool,
    },
    /// REQUESTED-TRANSPORT (TURN): an IP protocol number, 17 for UDP.
    RequestedTransport(u8),
    /// DONT-FRAGMENT (TURN).
    DontFragment,
    /// RESERVATION-TOKEN (TURN).
    ReservationToken([u8; 8]),
    /// ADDITIONAL-ADDRESS-FAMILY (TURN).
    AdditionalAddressFamily(AddressFamily),
    /// ADDRESS-ERROR-CODE (TURN): the family an allocation failed for and why.
    AddressErrorCode {
        /// The family the error is about.
        family: AddressFamily,
        /// The error.
        error: ErrorCode<'a>,
    },
    /// ICMP (TURN): an ICMP error a relay received for the peer.
    Icmp {
        /// ICMP type.
        icmp_type: u8,
        /// ICMP code.
        code: u8,
        /// Type-specific error data (for example the MTU of "fragmentation needed").
        error_data: u32,
    },
    /// Any other attribute, kept as bytes.
    Unknown {
        /// Its type.
        attr_type: AttrType,
        /// Its value.
        value: &'a [u8],
    },
}

fn fixed<const N: usize>(t: AttrType, value: &[u8]) -> Result<[u8; N], AttributeError> {
    value.try_into().map_err(|_| AttributeError::BadLength {
        attr_type: t,
        len: value.len(),
    })
}

fn text(t: AttrType, value: &[u8]) -> Result<&str, AttributeError> {
    core::str::from_utf8(value).map_err(|_| AttributeError::InvalidUtf8 { attr_type: t })
}

fn error_code(t: AttrType, value: &[u8]) -> Result<ErrorCode<'_>, AttributeError> {
    if value.len() < 4 {
        return Err(AttributeError::BadLength {
            attr_type: t,
            len: value.len(),
        });
    }
    let class = u16::from(value[2] & 0x07);
    let number = u16::from(value[3]);
    if !(3..=6).contains(&class) || number > 99 {
        return Err(AttributeError::BadErrorCode {
            class: class as u8,
            number: number as u8,
        });
    }
    Ok(ErrorCode {
        code: class * 100 + number,
        reason: text(t, &value[4..])?,
    })
}

/// Decode a (non-XOR) address value: 0, family, port, address (RFC 8489 §14.1).
fn address(t: AttrType, value: &[u8]) -> Result<SocketAddr, AttributeError> {
    let bad_len = || AttributeError::BadLength {
        attr_type: t,
        len: value.len(),
    };
    if value.len() < 4 {
        return Err(bad_len());
    }
    let port = u16::from_be_bytes([value[2], value[3]]);
    match AddressFamily(value[1]) {
        AddressFamily::IPV4 => {
            let a: [u8; 4] = value[4..].try_into().map_err(|_| bad_len())?;
            Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::from(a)), port))
        }
        AddressFamily::IPV6 => {
            let a: [u8; 16] = value[4..].try_into().map_err(|_| bad_len())?;
            Ok(SocketAddr::new(IpAddr::V6(Ipv6Addr::from(a)), port))
        }
        AddressFamily(family) => Err(AttributeError::BadAddressFamily { family }),
    }
}

/// XOR an address value with the magic cookie and transaction id (RFC 8489 §14.2). The
/// operation is its own inverse.
fn xor_address(addr: SocketAddr, tid: &TransactionId) -> SocketAddr {
    let port = addr.port() ^ (MAGIC_COOKIE >> 16) as u16;
    match addr.ip() {
        IpAddr::V4(ip) => SocketAddr::new(
            IpAddr::V4(Ipv4Addr::from(u32::from(ip) ^ MAGIC_COOKIE)),
            port,
        ),
        IpAddr::V6(ip) => {
            let mut key = [0u8; 16];
            key[..4].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
            key[4..].copy_from_slice(&tid.0);
            let x = u128::from(ip) ^ u128::from_be_bytes(key);
            SocketAddr::new(IpAddr::V6(Ipv6Addr::from(x)), port)
        }
    }
}

fn address_family(t: AttrType, value: &[u8]) -> Result<AddressFamily, AttributeError> {
    let v: [u8; 4] = fixed(t, value)?;
    Ok(AddressFamily(v[0]))
}

fn password_algorithm(
    t: AttrType,
    value: &[u8],
) -> Result<(PasswordAlgorithm<'_>, usize), AttributeError> {
    if value.len() < 4 {
        return Err(AttributeError::BadLength {
            attr_type: t,
            len: value.len(),
        });
    }
    let algorithm = PasswordAlgorithmId(u16::from_be_bytes([value[0], value[1]]));
    let len = usize::from(u16::from_be_bytes([value[2], value[3]]));
    let parameters = value.get(4..4 + len).ok_or(AttributeError::BadLength {
        attr_type: t,
        len: value.len(),
    })?;
    let consumed = (4 + crate::message::padded_len(len)).min(value.len());
    Ok((
        PasswordAlgorithm {
            algorithm,
            parameters,
        },
        consumed,
    ))
}

impl<'a> Attribute<'a> {
    /// Parse an attribute value. `tid` is the message's transaction id, needed to un-XOR
    /// IPv6 addresses.
    pub fn parse(
        t: AttrType,
        value: &'a [u8],
        tid: &TransactionId,
    ) -> Result<Attribute<'a>, AttributeError> {
        Ok(match t {
            AttrType::MAPPED_ADDRESS => Attribute::MappedAddress(address(t, value)?),
            AttrType::XOR_MAPPED_ADDRESS => {
                Attribute::XorMappedAddress(xor_address(address(t, value)?, tid))
            }
            AttrType::USERNAME => Attribute::Username(text(t, value)?),
            AttrType::USERHASH => Attribute::UserHash(fixed(t, value)?),
            AttrType::MESSAGE_INTEGRITY => Attribute::MessageIntegrity(fixed(t, value)?),
            AttrType::MESSAGE_INTEGRITY_SHA256 => {
                if !(16..=32).contains(&value.len()) || !value.len().is_multiple_of(4) {
                    return Err(AttributeError::BadLength {
                        attr_type: t,
                        len: value.len(),
                    });
                }
                Attribute::MessageIntegritySha256(value)
            }
            AttrType::FINGERPRINT => Attribute::Fingerprint(u32::from_be_bytes(fixed(t, value)?)),
            AttrType::ERROR_CODE => Attribute::ErrorCode(error_code(t, value)?),
            AttrType::REALM => Attribute::Realm(text(t, value)?),
            AttrType::NONCE => Attribute::Nonce(text(t, value)?),
            AttrType::PASSWORD_ALGORITHMS => {
                let mut list = Vec::with_capacity(value.len() / 4);
                let mut rest = value;
                while !rest.is_empty() {
                    let (alg, used) = password_algorithm(t, rest)?;
                    list.push(alg);
                    rest = &rest[used..];
                }
                Attribute::PasswordAlgorithms(list)
            }
            AttrType::PASSWORD_ALGORITHM => {
                let (alg, used) = password_algorithm(t, value)?;
                if used != value.len() {
                    return Err(AttributeError::BadLength {
                        attr_type: t,
                        len: value.len(),
                    });
                }
                Attribute::PasswordAlgorithm(alg)
            }
            AttrType::UNKNOWN_ATTRIBUTES => {
                if !value.len().is_multiple_of(2) {
                    return Err(AttributeError::BadLength {
                        attr_type: t,
                        len: value.len(),
                    });
                }
                Attribute::UnknownAttributes(
                    value
                        .chunks_exact(2)
                        .map(|c| AttrType(u16::from_be_bytes([c[0], c[1]])))
                        .collect(),
                )
            }
            AttrType::SOFTWARE => Attribute::Software(text(t, value)?),
            AttrType::ALTERNATE_SERVER => Attribute::AlternateServer(address(t, value)?),
            AttrType::ALTERNATE_DOMAIN => Attribute::AlternateDomain(text(t, value)?),
            AttrType::PRIORITY => Attribute::Priority(u32::from_be_bytes(fixed(t, value)?)),
            AttrType::USE_CANDIDATE => {
                let _: [u8; 0] = fixed(t, value)?;
                Attribute::UseCandidate
            }
            AttrType::ICE_CONTROLLED => {
                Attribute::IceControlled(u64::from_be_bytes(fixed(t, value)?))
            }
            AttrType::ICE_CONTROLLING => {
                Attribute::IceControlling(u64::from_be_bytes(fixed(t, value)?))
            }
            AttrType::CHANNEL_NUMBER => {
                let v: [u8; 4] = fixed(t, value)?;
                Attribute::ChannelNumber(u16::from_be_bytes([v[0], v[1]]))
            }
            AttrType::LIFETIME => Attribute::Lifetime(u32::from_be_bytes(fixed(t, value)?)),
            AttrType::XOR_PEER_ADDRESS => {
                Attribute::XorPeerAddress(xor_address(address(t, value)?, tid))
            }
            AttrType::DATA => Attribute::Data(value),
            AttrType::XOR_RELAYED_ADDRESS => {
                Attribute::XorRelayedAddress(xor_address(address(t, value)?, tid))
            }
            AttrType::REQUESTED_ADDRESS_FAMILY => {
                Attribute::RequestedAddressFamily(address_family(t, value)?)
            }
            AttrType::EVEN_PORT => {
                let v: [u8; 1] = fixed(t, value)?;
                Attribute::EvenPort {
                    reserve_next: v[0] & 0x80 != 0,
                }
            }
            AttrType::REQUESTED_TRANSPORT => {
                let v: [u8; 4] = fixed(t, value)?;
                Attribute::RequestedTransport(v[0])
            }
            AttrType::DONT_FRAGMENT => {
                let _: [u8; 0] = fixed(t, value)?;
                Attribute::DontFragment
            }
            AttrType::RESERVATION_TOKEN => Attribute::ReservationToken(fixed(t, value)?),
            AttrType::ADDITIONAL_ADDRESS_FAMILY => {
                Attribute::AdditionalAddressFamily(address_family(t, value)?)
            }
            AttrType::ADDRESS_ERROR_CODE => {
                if value.len() < 4 {
                    return Err(AttributeError::BadLength {
                        attr_type: t,
                        len: value.len(),
                    });
                }
                Attribute::AddressErrorCode {
                    family: AddressFamily(value[0]),
                    error: error_code(t, value)?,
                }
            }
            AttrType::ICMP => {
                let v: [u8; 8] = fixed(t, value)?;
                Attribute::Icmp {
                    icmp_type: v[2],
                    code: v[3],
                    error_data: u32::from_be_bytes([v[4], v[5], v[6], v[7]]),
                }
            }
            _ => Attribute::Unknown {
                attr_type: t,
                value,
            },
        })
    }

    /// The attribute's type.
    pub fn attr_type(&self) -> AttrType {
        match self {
            Attribute::MappedAddress(_) => AttrType::MAPPED_ADDRESS,
            Attribute::XorMappedAddress(_) => AttrType::XOR_MAPPED_ADDRESS,
            Attribute::Username(_) => AttrType::USERNAME,
            Attribute::UserHash(_) => AttrType::USERHASH,
            Attribute::MessageIntegrity(_) => AttrType::MESSAGE_INTEGRITY,
            Attribute::MessageIntegritySha256(_) => AttrType::MESSAGE_INTEGRITY_SHA256,
            Attribute::Fingerprint(_) => AttrType::FINGERPRINT,
            Attribute::ErrorCode(_) => AttrType::ERROR_CODE,
            Attribute::Realm(_) => AttrType::REALM,
            Attribute::Nonce(_) => AttrType::NONCE,
            Attribute::PasswordAlgorithms(_) => AttrType::PASSWORD_ALGORITHMS,
            Attribute::PasswordAlgorithm(_) => AttrType::PASSWORD_ALGORITHM,
            Attribute::UnknownAttributes(_) => AttrType::UNKNOWN_ATTRIBUTES,
            Attribute::Software(_) => AttrType::SOFTWARE,
            Attribute::AlternateServer(_) => AttrType::ALTERNATE_SERVER,
            Attribute::AlternateDomain(_) => AttrType::ALTERNATE_DOMAIN,
            Attribute::Priority(_) => AttrType::PRIORITY,
            Attribute::UseCandidate => AttrType::USE_CANDIDATE,
            Attribute::IceControlled(_) => AttrType::ICE_CONTROLLED,
            Attribute::IceControlling(_) => AttrType::ICE_CONTROLLING,
            Attribute::ChannelNumber(_) => AttrType::CHANNEL_NUMBER,
            Attribute::Lifetime(_) => AttrType::LIFETIME,
            Attribute::XorPeerAddress(_) => AttrType::XOR_PEER_ADDRESS,
            Attribute::Data(_) => AttrType::DATA,
            Attribute::XorRelayedAddress(_) => AttrType::XOR_RELAYED_ADDRESS,
            Attribute::RequestedAddressFamily(_) => AttrType::REQUESTED_ADDRESS_FAMILY,
            Attribute::EvenPort { .. } => AttrType::EVEN_PORT,
            Attribute::RequestedTransport(_) => AttrType::REQUESTED_TRANSPORT,
            Attribute::DontFragment => AttrType::DONT_FRAGMENT,
            Attribute::ReservationToken(_) => AttrType::RESERVATION_TOKEN,
            Attribute::AdditionalAddressFamily(_) => AttrType::ADDITIONAL_ADDRESS_FAMILY,
            Attribute::AddressErrorCode { .. } => AttrType::ADDRESS_ERROR_CODE,
            Attribute::Icmp { .. } => AttrType::ICMP,
            Attribute::Unknown { attr_type, .. } => *attr_type,
        }
    }

    /// Length of the value in bytes, without padding.
    pub fn value_len(&self) -> usize {
        match self {
            Attribute::MappedAddress(a)
            | Attribute::XorMappedAddress(a)
            | Attribute::AlternateServer(a)
            | Attribute::XorPeerAddress(a)
            | Attribute::XorRelayedAddress(a) => address_len(a),
            Attribute::Username(s)
            | Attribute::Realm(s)
            | Attribute::Nonce(s)
            | Attribute::Software(s)
            | Attribute::AlternateDomain(s) => s.len(),
            Attribute::UserHash(_) => 32,
            Attribute::MessageIntegrity(_) => 20,
            Attribute::MessageIntegritySha256(v) | Attribute::Data(v) => v.len(),
            Attribute::Fingerprint(_) | Attribute::Priority(_) | Attribute::Lifetime(_) => 4,
            Attribute::ErrorCode(e) => 4 + e.reason.len(),
            Attribute::AddressErrorCode { error, .. } => 4 + error.reason.len(),
            Attribute::PasswordAlgorithms(list) => list
                .iter()
                .map(|a| 4 + crate::message::padded_len(a.parameters.len()))
                .sum(),
            Attribute::PasswordAlgorithm(a) => 4 + crate::message::padded_len(a.parameters.len()),
            Attribute::UnknownAttributes(list) => 2 * list.len(),
            Attribute::UseCandidate | Attribute::DontFragment => 0,
            Attribute::IceControlled(_) | Attribute::IceControlling(_) => 8,
            Attribute::ChannelNumber(_)
            | Attribute::RequestedAddressFamily(_)
            | Attribute::AdditionalAddressFamily(_)
            | Attribute::RequestedTransport(_) => 4,
            Attribute::EvenPort { .. } => 1,
            Attribute::ReservationToken(_) | Attribute::Icmp { .. } => 8,
            Attribute::Unknown { value, .. } => value.len(),
        }
    }

    /// Write the value (without header or padding) to the start of `out`, which must be at
    /// least [`Attribute::value_len`] bytes long. `tid` is needed for XOR addresses.
    pub(crate) fn emit_value(&self, out: &mut [u8], tid: &TransactionId) {
        match self {
            Attribute::MappedAddress(a) | Attribute::AlternateServer(a) => emit_address(*a, out),
            Attribute::XorMappedAddress(a)
            | Attribute::XorPeerAddress(a)
            | Attribute::XorRelayedAddress(a) => {
                emit_address(xor_address(*a, tid), out);
            }
            Attribute::Username(s)
            | Attribute::Realm(s)
            | Attribute::Nonce(s)
            | Attribute::Software(s)
            | Attribute::AlternateDomain(s) => out[..s.len()].copy_from_slice(s.as_bytes()),
            Attribute::UserHash(h) => out[..32].copy_from_slice(h),
            Attribute::MessageIntegrity(h) => out[..20].copy_from_slice(h),
            Attribute::MessageIntegritySha256(v) | Attribute::Data(v) => {
                out[..v.len()].copy_from_slice(v);
            }
            Attribute::Fingerprint(v) | Attribute::Priority(v) | Attribute::Lifetime(v) => {
                out[..4].copy_from_slice(&v.to_be_bytes());
            }
            Attribute::ErrorCode(e) => emit_error_code(0, e, out),
            Attribute::AddressErrorCode { family, error } => emit_error_code(family.0, error, out),
            Attribute::PasswordAlgorithms(list) => {
                let mut at = 0;
                for a in list {
                    at += emit_password_algorithm(a, &mut out[at..]);
                }
            }
            Attribute::PasswordAlgorithm(a) => {
                emit_password_algorithm(a, out);
            }
            Attribute::UnknownAttributes(list) => {
                for (chunk, t) in out.chunks_exact_mut(2).zip(list) {
                    chunk.copy_from_slice(&t.0.to_be_bytes());
                }
            }
            Attribute::UseCandidate | Attribute::DontFragment => {}
            Attribute::IceControlled(v) | Attribute::IceControlling(v) => {
                out[..8].copy_from_slice(&v.to_be_bytes());
            }
            Attribute::ChannelNumber(n) => {
                out[..2].copy_from_slice(&n.to_be_bytes());
                out[2..4].fill(0);
            }
            Attribute::RequestedAddressFamily(f) | Attribute::AdditionalAddressFamily(f) => {
                out[..4].copy_from_slice(&[f.0, 0, 0, 0]);
            }
            Attribute::EvenPort { reserve_next } => out[0] = if *reserve_next { 0x80 } else { 0 },
            Attribute::RequestedTransport(p) => out[..4].copy_from_slice(&[*p, 0, 0, 0]),
            Attribute::ReservationToken(t) => out[..8].copy_from_slice(t),
            Attribute::Icmp {
                icmp_type,
                code,
                error_data,
            } => {
                out[..4].copy_from_slice(&[0, 0, *icmp_type, *code]);
                out[4..8].copy_from_slice(&error_data.to_be_bytes());
            }
            Attribute::Unknown { value, .. } => out[..value.len()].copy_from_slice(value),
        }
    }
}

fn address_len(a: &SocketAddr) -> usize {
    match a {
        SocketAddr::V4(_) => 8,
        SocketAddr::V6(_) => 20,
    }
}

fn emit_address(a: SocketAddr, out: &mut [u8]) {
    out[0] = 0;
    out[1] = AddressFamily::of(&a.ip()).0;
    out[2..4].copy_from_slice(&a.port().to_be_bytes());
    match a.ip() {
        IpAddr::V4(ip) => out[4..8].copy_from_slice(&ip.octets()),
        IpAddr::V6(ip) => out[4..20].copy_from_slice(&ip.octets()),
    }
}

fn emit_error_code(first: u8, e: &ErrorCode<'_>, out: &mut [u8]) {
    out[0] = first;
    out[1] = 0;
    out[2] = ((e.code / 100) & 0x07) as u8;
    out[3] = (e.code % 100) as u8;
    out[4..4 + e.reason.len()].copy_from_slice(e.reason.as_bytes());
}

fn emit_password_algorithm(a: &PasswordAlgorithm<'_>, out: &mut [u8]) -> usize {
    out[..2].copy_from_slice(&a.algorithm.0.to_be_bytes());
    out[2..4].copy_from_slice(&(a.parameters.len() as u16).to_be_bytes());
    out[4..4 + a.parameters.len()].copy_from_slice(a.parameters);
    let padded = crate::message::padded_len(a.parameters.len());
    out[4 + a.parameters.len()..4 + padded].fill(0);
    4 + padded
}

#[cfg(test)]
mod tests {
    use super::*;

    const TID: TransactionId = TransactionId([
        0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
    ]);

    #[test]
    fn xor_mapped_address_ipv4_matches_rfc5769() {
        // RFC 5769 §2.2: 192.0.2.1:32853 encodes as port 0xa147, address 0xe112a643.
        let value = [0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43];
        let a = Attribute::parse(AttrType::XOR_MAPPED_ADDRESS, &value, &TID).unwrap();
        assert_eq!(
            a,
            Attribute::XorMappedAddress("192.0.2.1:32853".parse().unwrap())
        );
        let mut out = [0u8; 8];
        a.emit_value(&mut out, &TID);
        assert_eq!(out, value);
    }

    #[test]
    fn rejects_bad_values() {
        assert!(matches!(
            Attribute::parse(
                AttrType::XOR_MAPPED_ADDRESS,
                &[0, 3, 0, 0, 1, 2, 3, 4],
                &TID
            ),
            Err(AttributeError::BadAddressFamily { family: 3 })
        ));
        assert!(matches!(
            Attribute::parse(AttrType::MAPPED_ADDRESS, &[0, 1, 0, 0, 1, 2, 3], &TID),
            Err(AttributeError::BadLength { .. })
        ));
        assert!(matches!(
            Attribute::parse(AttrType::ERROR_CODE, &[0, 0, 4, 100], &TID),
            Err(AttributeError::BadErrorCode { .. })
        ));
        assert!(matches!(
            Attribute::parse(AttrType::USERNAME, &[0xff, 0xfe], &TID),
            Err(AttributeError::InvalidUtf8 { .. })
        ));
        assert!(matches!(
            Attribute::parse(AttrType::MESSAGE_INTEGRITY_SHA256, &[0; 12], &TID),
            Err(AttributeError::BadLength { .. })
        ));
        assert!(matches!(
            Attribute::parse(AttrType::PASSWORD_ALGORITHMS, &[0, 1, 0, 8, 0, 0], &TID),
            Err(AttributeError::BadLength { .. })
        ));
    }

    #[test]
    fn error_code_layout() {
        let a =
            Attribute::parse(AttrType::ERROR_CODE, b"\0\0\x04\x01Unauthenticated", &TID).unwrap();
        assert_eq!(
            a,
            Attribute::ErrorCode(ErrorCode {
                code: 401,
                reason: "Unauthenticated"
            })
        );
    }

    #[test]
    fn names_and_comprehension() {
        assert_eq!(
            AttrType::XOR_MAPPED_ADDRESS.name(),
            Some("XOR-MAPPED-ADDRESS")
        );
        assert!(AttrType::USERNAME.is_comprehension_required());
        assert!(!AttrType::SOFTWARE.is_comprehension_required());
        assert!(!AttrType(0x7777).is_known());
        assert_eq!(format!("{:?}", AttrType(0x7777)), "AttrType(0x7777)");
    }
}
