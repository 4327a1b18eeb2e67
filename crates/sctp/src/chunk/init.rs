//! INIT and INIT ACK chunks (RFC 9260 sections 3.3.2 and 3.3.3) and their parameters.
//!
//! Parameters known here: IPv4 and IPv6 Address, State Cookie, Unrecognized Parameter,
//! Cookie Preservative, Host Name Address (deprecated by RFC 9260; parsed, never needed
//! over DTLS), Supported Address Types, ECN Capable (reserved code 0x8000),
//! Forward-TSN-Supported (RFC 3758 section 3.1) and Supported Extensions (RFC 5061
//! section 4.2.7). Any other parameter (RFC 4895 AUTH parameters, RFC 4820 Padding, ...)
//! is kept raw with its type, whose [`ParamType::action`] says what section 3.2.1
//! prescribes for it. The codec does not check which parameters are mandatory (a State
//! Cookie in INIT ACK): that is the association's job.

use core::net::{Ipv4Addr, Ipv6Addr};

use super::UnrecognizedAction;
use crate::bytes::{put_u16, put_u32, u32_at};
use crate::items::{Items, WireItem, read_tlv, tlv_pad_len, tlv_wire_len, write_tlv_header};
use crate::{EmitError, ParseError};

/// A parameter type (RFC 9260 section 3.2.1), an open set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ParamType(pub u16);

impl ParamType {
    /// Heartbeat Info (section 3.3.5).
    pub const HEARTBEAT_INFO: Self = Self(1);
    /// IPv4 Address (section 3.3.2.1.1).
    pub const IPV4_ADDRESS: Self = Self(5);
    /// IPv6 Address (section 3.3.2.1.2).
    pub const IPV6_ADDRESS: Self = Self(6);
    /// State Cookie (section 3.3.3.1).
    pub const STATE_COOKIE: Self = Self(7);
    /// Unrecognized Parameter (section 3.3.3.1).
    pub const UNRECOGNIZED_PARAMETER: Self = Self(8);
    /// Cookie Preservative (section 3.3.2.1.3).
    pub const COOKIE_PRESERVATIVE: Self = Self(9);
    /// Host Name Address (deprecated, section 3.3.2.1.4).
    pub const HOST_NAME_ADDRESS: Self = Self(11);
    /// Supported Address Types (section 3.3.2.1.5).
    pub const SUPPORTED_ADDRESS_TYPES: Self = Self(12);
    /// Outgoing SSN Reset Request (RFC 6525 section 4.1).
    pub const OUTGOING_SSN_RESET_REQUEST: Self = Self(13);
    /// Incoming SSN Reset Request (RFC 6525 section 4.2).
    pub const INCOMING_SSN_RESET_REQUEST: Self = Self(14);
    /// SSN/TSN Reset Request (RFC 6525 section 4.3).
    pub const SSN_TSN_RESET_REQUEST: Self = Self(15);
    /// Re-configuration Response (RFC 6525 section 4.4).
    pub const RECONFIG_RESPONSE: Self = Self(16);
    /// Add Outgoing Streams Request (RFC 6525 section 4.5).
    pub const ADD_OUTGOING_STREAMS: Self = Self(17);
    /// Add Incoming Streams Request (RFC 6525 section 4.6).
    pub const ADD_INCOMING_STREAMS: Self = Self(18);
    /// ECN Capable (reserved by RFC 9260 section 3.3.2.1).
    pub const ECN_CAPABLE: Self = Self(0x8000);
    /// Zero Checksum Acceptable (RFC 9653; kept raw: its value is the 32-bit Error
    /// Detection Method Identifier, 1 for SCTP over DTLS).
    pub const ZERO_CHECKSUM_ACCEPTABLE: Self = Self(0x8001);
    /// Random (RFC 4895).
    pub const RANDOM: Self = Self(0x8002);
    /// Chunk List (RFC 4895).
    pub const CHUNK_LIST: Self = Self(0x8003);
    /// Requested HMAC Algorithm (RFC 4895).
    pub const REQUESTED_HMAC_ALGORITHM: Self = Self(0x8004);
    /// Padding (RFC 4820).
    pub const PADDING: Self = Self(0x8005);
    /// Supported Extensions (RFC 5061 section 4.2.7).
    pub const SUPPORTED_EXTENSIONS: Self = Self(0x8008);
    /// Forward-TSN-Supported (RFC 3758 section 3.1).
    pub const FORWARD_TSN_SUPPORTED: Self = Self(0xc000);

    /// What a receiver that does not know this parameter does (the two high-order bits).
    #[inline]
    pub const fn action(self) -> UnrecognizedAction {
        UnrecognizedAction::from_bits((self.0 >> 14) as u8)
    }
}

impl<'a> WireItem<'a> for ParamType {
    #[inline]
    fn read(buf: &'a [u8]) -> Result<(Self, &'a [u8]), ParseError> {
        u16::read(buf).map(|(v, rest)| (Self(v), rest))
    }
    #[inline]
    fn wire_len(&self) -> usize {
        2
    }
    #[inline]
    fn write(&self, buf: &mut [u8]) -> Result<(), EmitError> {
        self.0.write(buf)
    }
}

/// A variable-length parameter of INIT or INIT ACK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InitParam<'a> {
    /// IPv4 Address (type 5).
    Ipv4Address(Ipv4Addr),
    /// IPv6 Address (type 6).
    Ipv6Address(Ipv6Addr),
    /// State Cookie (type 7): opaque to the receiver of INIT ACK.
    StateCookie(&'a [u8]),
    /// Unrecognized Parameter (type 8): the whole unrecognized parameter (header included)
    /// as received in the INIT.
    UnrecognizedParameter(&'a [u8]),
    /// Cookie Preservative (type 9): suggested cookie life-span increment, milliseconds.
    CookiePreservative(u32),
    /// Host Name Address (type 11, deprecated): the raw host name bytes, padding and NUL
    /// terminator included as sent.
    HostNameAddress(&'a [u8]),
    /// Supported Address Types (type 12): a list of parameter type codes (5, 6, 11).
    SupportedAddressTypes(Items<'a, ParamType>),
    /// ECN Capable (type 0x8000), no value.
    EcnCapable,
    /// Forward-TSN-Supported (type 0xC000), no value.
    ForwardTsnSupported,
    /// Supported Extensions (type 0x8008): one chunk type code per byte.
    SupportedExtensions(&'a [u8]),
    /// Any other parameter, kept raw. Emitting one whose type is listed above produces
    /// that parameter, which then parses as its typed variant.
    Unknown {
        /// The parameter type.
        param_type: ParamType,
        /// The value (after the 4-byte header, without padding).
        value: &'a [u8],
    },
}

impl<'a> InitParam<'a> {
    /// The parameter type.
    pub const fn param_type(&self) -> ParamType {
        match self {
            Self::Ipv4Address(_) => ParamType::IPV4_ADDRESS,
            Self::Ipv6Address(_) => ParamType::IPV6_ADDRESS,
            Self::StateCookie(_) => ParamType::STATE_COOKIE,
            Self::UnrecognizedParameter(_) => ParamType::UNRECOGNIZED_PARAMETER,
            Self::CookiePreservative(_) => ParamType::COOKIE_PRESERVATIVE,
            Self::HostNameAddress(_) => ParamType::HOST_NAME_ADDRESS,
            Self::SupportedAddressTypes(_) => ParamType::SUPPORTED_ADDRESS_TYPES,
            Self::EcnCapable => ParamType::ECN_CAPABLE,
            Self::ForwardTsnSupported => ParamType::FORWARD_TSN_SUPPORTED,
            Self::SupportedExtensions(_) => ParamType::SUPPORTED_EXTENSIONS,
            Self::Unknown { param_type, .. } => *param_type,
        }
    }

    /// Parses a parameter from its type and value.
    pub fn parse(param_type: ParamType, v: &'a [u8]) -> Result<Self, ParseError> {
        let exact = |n: usize| {
            if v.len() == n {
                Ok(())
            } else {
                Err(ParseError::InvalidLength)
            }
        };
        Ok(match param_type {
            ParamType::IPV4_ADDRESS => {
                let a: [u8; 4] = v.try_into().map_err(|_| ParseError::InvalidLength)?;
                Self::Ipv4Address(Ipv4Addr::from(a))
            }
            ParamType::IPV6_ADDRESS => {
                let a: [u8; 16] = v.try_into().map_err(|_| ParseError::InvalidLength)?;
                Self::Ipv6Address(Ipv6Addr::from(a))
            }
            ParamType::STATE_COOKIE => Self::StateCookie(v),
            ParamType::UNRECOGNIZED_PARAMETER => Self::UnrecognizedParameter(v),
            ParamType::COOKIE_PRESERVATIVE => {
                exact(4)?;
                Self::CookiePreservative(u32_at(v, 0))
            }
            ParamType::HOST_NAME_ADDRESS => Self::HostNameAddress(v),
            ParamType::SUPPORTED_ADDRESS_TYPES => {
                if !v.len().is_multiple_of(2) {
                    return Err(ParseError::InvalidLength);
                }
                Self::SupportedAddressTypes(Items::Wire(v))
            }
            ParamType::ECN_CAPABLE => {
                exact(0)?;
                Self::EcnCapable
            }
            ParamType::FORWARD_TSN_SUPPORTED => {
                exact(0)?;
                Self::ForwardTsnSupported
            }
            ParamType::SUPPORTED_EXTENSIONS => Self::SupportedExtensions(v),
            _ => Self::Unknown {
                param_type,
                value: v,
            },
        })
    }

    /// The value length (parameter length minus the 4-byte header, without padding).
    pub fn value_len(&self) -> usize {
        match self {
            Self::Ipv4Address(_) | Self::CookiePreservative(_) => 4,
            Self::Ipv6Address(_) => 16,
            Self::StateCookie(v)
            | Self::UnrecognizedParameter(v)
            | Self::HostNameAddress(v)
            | Self::SupportedExtensions(v)
            | Self::Unknown { value: v, .. } => v.len(),
            Self::SupportedAddressTypes(t) => t.wire_len(),
            Self::EcnCapable | Self::ForwardTsnSupported => 0,
        }
    }
}

impl<'a> WireItem<'a> for InitParam<'a> {
    fn read(buf: &'a [u8]) -> Result<(Self, &'a [u8]), ParseError> {
        let (ty, value, rest) = read_tlv(buf)?;
        Ok((Self::parse(ParamType(ty), value)?, rest))
    }
    fn wire_len(&self) -> usize {
        tlv_wire_len(self.value_len())
    }
    fn pad_len(&self) -> usize {
        tlv_pad_len(self.value_len())
    }
    fn write(&self, buf: &mut [u8]) -> Result<(), EmitError> {
        let n = self.value_len();
        write_tlv_header(buf, self.param_type().0, n)?;
        let v = &mut buf[4..4 + n];
        match self {
            Self::Ipv4Address(a) => v.copy_from_slice(&a.octets()),
            Self::Ipv6Address(a) => v.copy_from_slice(&a.octets()),
            Self::CookiePreservative(ms) => put_u32(v, 0, *ms),
            Self::StateCookie(b)
            | Self::UnrecognizedParameter(b)
            | Self::HostNameAddress(b)
            | Self::SupportedExtensions(b)
            | Self::Unknown { value: b, .. } => v.copy_from_slice(b),
            Self::SupportedAddressTypes(t) => {
                t.write(v)?;
            }
            Self::EcnCapable | Self::ForwardTsnSupported => {}
        }
        Ok(())
    }
}

/// An INIT or INIT ACK chunk (types 1 and 2 share this layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Init<'a> {
    /// Initiate Tag: the verification tag the peer must put in every packet it sends.
    pub initiate_tag: u32,
    /// Advertised Receiver Window Credit (a_rwnd).
    pub a_rwnd: u32,
    /// Number of Outbound Streams (OS).
    pub outbound_streams: u16,
    /// Number of Inbound Streams (MIS).
    pub inbound_streams: u16,
    /// Initial TSN.
    pub initial_tsn: u32,
    /// The optional and variable-length parameters.
    pub params: Items<'a, InitParam<'a>>,
}

impl<'a> Init<'a> {
    /// Length of the fixed fields after the chunk header.
    pub const FIXED_LEN: usize = 16;

    /// Parses the chunk value; every parameter is validated once here.
    pub fn parse(value: &'a [u8]) -> Result<Self, ParseError> {
        if value.len() < Self::FIXED_LEN {
            return Err(ParseError::Truncated);
        }
        Ok(Self {
            initiate_tag: u32_at(value, 0),
            a_rwnd: u32_at(value, 4),
            outbound_streams: crate::bytes::u16_at(value, 8),
            inbound_streams: crate::bytes::u16_at(value, 10),
            initial_tsn: u32_at(value, 12),
            params: Items::parse(&value[Self::FIXED_LEN..])?,
        })
    }

    /// The State Cookie parameter, if present (first one wins).
    pub fn state_cookie(&self) -> Option<&'a [u8]> {
        self.params.iter().find_map(|p| match p {
            InitParam::StateCookie(c) => Some(c),
            _ => None,
        })
    }

    /// Whether the Forward-TSN-Supported parameter is present (RFC 3758), or FORWARD TSN
    /// is listed in Supported Extensions.
    pub fn supports_forward_tsn(&self) -> bool {
        self.params.iter().any(|p| match p {
            InitParam::ForwardTsnSupported => true,
            InitParam::SupportedExtensions(e) => e.contains(&super::ChunkType::FORWARD_TSN.0),
            _ => false,
        })
    }

    /// Whether the given chunk type is listed in the Supported Extensions parameter.
    pub fn supports_extension(&self, chunk_type: super::ChunkType) -> bool {
        self.params.iter().any(|p| match p {
            InitParam::SupportedExtensions(e) => e.contains(&chunk_type.0),
            _ => false,
        })
    }

    /// The value length (chunk length minus the header).
    pub fn value_len(&self) -> usize {
        Self::FIXED_LEN + self.params.wire_len()
    }

    pub(crate) fn emit_value(&self, v: &mut [u8]) -> Result<(), EmitError> {
        put_u32(v, 0, self.initiate_tag);
        put_u32(v, 4, self.a_rwnd);
        put_u16(v, 8, self.outbound_streams);
        put_u16(v, 10, self.inbound_streams);
        put_u32(v, 12, self.initial_tsn);
        self.params.write(&mut v[Self::FIXED_LEN..])?;
        Ok(())
    }
}
