//! Error causes carried by ABORT and ERROR chunks (RFC 9260 section 3.3.10).
//!
//! All thirteen causes of section 3.3.10 are typed. Causes that wrap other wire structures
//! (Unresolvable Address, Unrecognized Chunk Type, Unrecognized Parameters, Restart of an
//! Association with New Addresses) keep those bytes raw; [`crate::chunk::RawChunk::parse`]
//! reads the chunk header of an Unrecognized Chunk Type if needed. Other cause codes
//! (RFC 4895, RFC 5061, ...) are kept raw.

use crate::bytes::{put_u16, put_u32, u16_at, u32_at};
use crate::items::{Items, WireItem, read_tlv, tlv_pad_len, tlv_wire_len, write_tlv_header};
use crate::{EmitError, ParseError};

use super::ParamType;

/// An error cause code (RFC 9260 section 3.3.10), an open set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct CauseCode(pub u16);

impl CauseCode {
    /// Invalid Stream Identifier.
    pub const INVALID_STREAM_IDENTIFIER: Self = Self(1);
    /// Missing Mandatory Parameter.
    pub const MISSING_MANDATORY_PARAMETER: Self = Self(2);
    /// Stale Cookie Error.
    pub const STALE_COOKIE: Self = Self(3);
    /// Out of Resource.
    pub const OUT_OF_RESOURCE: Self = Self(4);
    /// Unresolvable Address.
    pub const UNRESOLVABLE_ADDRESS: Self = Self(5);
    /// Unrecognized Chunk Type.
    pub const UNRECOGNIZED_CHUNK_TYPE: Self = Self(6);
    /// Invalid Mandatory Parameter.
    pub const INVALID_MANDATORY_PARAMETER: Self = Self(7);
    /// Unrecognized Parameters.
    pub const UNRECOGNIZED_PARAMETERS: Self = Self(8);
    /// No User Data.
    pub const NO_USER_DATA: Self = Self(9);
    /// Cookie Received While Shutting Down.
    pub const COOKIE_RECEIVED_WHILE_SHUTTING_DOWN: Self = Self(10);
    /// Restart of an Association with New Addresses.
    pub const RESTART_WITH_NEW_ADDRESSES: Self = Self(11);
    /// User-Initiated Abort.
    pub const USER_INITIATED_ABORT: Self = Self(12);
    /// Protocol Violation.
    pub const PROTOCOL_VIOLATION: Self = Self(13);
}

/// One error cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCause<'a> {
    /// Invalid Stream Identifier (1): the stream the DATA was sent to.
    InvalidStreamIdentifier {
        /// The invalid stream identifier.
        stream_id: u16,
    },
    /// Missing Mandatory Parameter (2): the types of the missing parameters.
    MissingMandatoryParameter {
        /// The missing parameter types.
        missing: Items<'a, ParamType>,
    },
    /// Stale Cookie Error (3).
    StaleCookie {
        /// Measure of Staleness: how late the cookie was, in microseconds.
        staleness_us: u32,
    },
    /// Out of Resource (4).
    OutOfResource,
    /// Unresolvable Address (5): the address parameter (header included), raw.
    UnresolvableAddress {
        /// The unresolvable address parameter.
        address: &'a [u8],
    },
    /// Unrecognized Chunk Type (6): the unrecognized chunk (header included), raw.
    UnrecognizedChunkType {
        /// The unrecognized chunk.
        chunk: &'a [u8],
    },
    /// Invalid Mandatory Parameter (7).
    InvalidMandatoryParameter,
    /// Unrecognized Parameters (8): the unrecognized parameters, raw.
    UnrecognizedParameters {
        /// The unrecognized parameters.
        params: &'a [u8],
    },
    /// No User Data (9): the TSN of the empty DATA chunk.
    NoUserData {
        /// The TSN.
        tsn: u32,
    },
    /// Cookie Received While Shutting Down (10).
    CookieReceivedWhileShuttingDown,
    /// Restart of an Association with New Addresses (11): the new address parameters, raw.
    RestartWithNewAddresses {
        /// The new address parameters.
        addresses: &'a [u8],
    },
    /// User-Initiated Abort (12): the upper layer's reason, raw.
    UserInitiatedAbort {
        /// The Upper Layer Abort Reason.
        reason: &'a [u8],
    },
    /// Protocol Violation (13): free-form information, raw.
    ProtocolViolation {
        /// The Additional Information.
        info: &'a [u8],
    },
    /// Any other cause, kept raw. Emitting one with a code listed above produces that
    /// cause, which then parses as its typed variant.
    Unknown {
        /// The cause code.
        code: CauseCode,
        /// The cause information (after the 4-byte header, without padding).
        info: &'a [u8],
    },
}

impl<'a> ErrorCause<'a> {
    /// The cause code.
    pub const fn code(&self) -> CauseCode {
        match self {
            Self::InvalidStreamIdentifier { .. } => CauseCode::INVALID_STREAM_IDENTIFIER,
            Self::MissingMandatoryParameter { .. } => CauseCode::MISSING_MANDATORY_PARAMETER,
            Self::StaleCookie { .. } => CauseCode::STALE_COOKIE,
            Self::OutOfResource => CauseCode::OUT_OF_RESOURCE,
            Self::UnresolvableAddress { .. } => CauseCode::UNRESOLVABLE_ADDRESS,
            Self::UnrecognizedChunkType { .. } => CauseCode::UNRECOGNIZED_CHUNK_TYPE,
            Self::InvalidMandatoryParameter => CauseCode::INVALID_MANDATORY_PARAMETER,
            Self::UnrecognizedParameters { .. } => CauseCode::UNRECOGNIZED_PARAMETERS,
            Self::NoUserData { .. } => CauseCode::NO_USER_DATA,
            Self::CookieReceivedWhileShuttingDown => CauseCode::COOKIE_RECEIVED_WHILE_SHUTTING_DOWN,
            Self::RestartWithNewAddresses { .. } => CauseCode::RESTART_WITH_NEW_ADDRESSES,
            Self::UserInitiatedAbort { .. } => CauseCode::USER_INITIATED_ABORT,
            Self::ProtocolViolation { .. } => CauseCode::PROTOCOL_VIOLATION,
            Self::Unknown { code, .. } => *code,
        }
    }

    /// Parses a cause from its code and information bytes.
    pub fn parse(code: CauseCode, v: &'a [u8]) -> Result<Self, ParseError> {
        let exact = |n: usize| {
            if v.len() == n {
                Ok(())
            } else {
                Err(ParseError::InvalidLength)
            }
        };
        Ok(match code {
            CauseCode::INVALID_STREAM_IDENTIFIER => {
                exact(4)?;
                Self::InvalidStreamIdentifier {
                    stream_id: u16_at(v, 0),
                }
            }
            CauseCode::MISSING_MANDATORY_PARAMETER => {
                if v.len() < 4 {
                    return Err(ParseError::InvalidLength);
                }
                let count = u32_at(v, 0) as usize;
                let list = &v[4..];
                if count.checked_mul(2) != Some(list.len()) {
                    return Err(ParseError::CountMismatch);
                }
                Self::MissingMandatoryParameter {
                    missing: Items::Wire(list),
                }
            }
            CauseCode::STALE_COOKIE => {
                exact(4)?;
                Self::StaleCookie {
                    staleness_us: u32_at(v, 0),
                }
            }
            CauseCode::OUT_OF_RESOURCE => {
                exact(0)?;
                Self::OutOfResource
            }
            CauseCode::UNRESOLVABLE_ADDRESS => Self::UnresolvableAddress { address: v },
            CauseCode::UNRECOGNIZED_CHUNK_TYPE => Self::UnrecognizedChunkType { chunk: v },
            CauseCode::INVALID_MANDATORY_PARAMETER => {
                exact(0)?;
                Self::InvalidMandatoryParameter
            }
            CauseCode::UNRECOGNIZED_PARAMETERS => Self::UnrecognizedParameters { params: v },
            CauseCode::NO_USER_DATA => {
                exact(4)?;
                Self::NoUserData { tsn: u32_at(v, 0) }
            }
            CauseCode::COOKIE_RECEIVED_WHILE_SHUTTING_DOWN => {
                exact(0)?;
                Self::CookieReceivedWhileShuttingDown
            }
            CauseCode::RESTART_WITH_NEW_ADDRESSES => Self::RestartWithNewAddresses { addresses: v },
            CauseCode::USER_INITIATED_ABORT => Self::UserInitiatedAbort { reason: v },
            CauseCode::PROTOCOL_VIOLATION => Self::ProtocolViolation { info: v },
            _ => Self::Unknown { code, info: v },
        })
    }

    /// The information length (cause length minus the 4-byte header, without padding).
    pub fn value_len(&self) -> usize {
        match self {
            Self::InvalidStreamIdentifier { .. }
            | Self::StaleCookie { .. }
            | Self::NoUserData { .. } => 4,
            Self::MissingMandatoryParameter { missing } => 4 + missing.wire_len(),
            Self::OutOfResource
            | Self::InvalidMandatoryParameter
            | Self::CookieReceivedWhileShuttingDown => 0,
            Self::UnresolvableAddress { address: b }
            | Self::UnrecognizedChunkType { chunk: b }
            | Self::UnrecognizedParameters { params: b }
            | Self::RestartWithNewAddresses { addresses: b }
            | Self::UserInitiatedAbort { reason: b }
            | Self::ProtocolViolation { info: b }
            | Self::Unknown { info: b, .. } => b.len(),
        }
    }
}

impl<'a> WireItem<'a> for ErrorCause<'a> {
    fn read(buf: &'a [u8]) -> Result<(Self, &'a [u8]), ParseError> {
        let (code, value, rest) = read_tlv(buf)?;
        Ok((Self::parse(CauseCode(code), value)?, rest))
    }
    fn wire_len(&self) -> usize {
        tlv_wire_len(self.value_len())
    }
    fn pad_len(&self) -> usize {
        tlv_pad_len(self.value_len())
    }
    fn write(&self, buf: &mut [u8]) -> Result<(), EmitError> {
        let n = self.value_len();
        write_tlv_header(buf, self.code().0, n)?;
        let v = &mut buf[4..4 + n];
        match self {
            Self::InvalidStreamIdentifier { stream_id } => {
                put_u16(v, 0, *stream_id);
                put_u16(v, 2, 0);
            }
            Self::MissingMandatoryParameter { missing } => {
                let count = u32::try_from(missing.len())
                    .map_err(|_| EmitError::ValueOutOfRange("missing"))?;
                put_u32(v, 0, count);
                missing.write(&mut v[4..])?;
            }
            Self::StaleCookie { staleness_us: x } | Self::NoUserData { tsn: x } => {
                put_u32(v, 0, *x);
            }
            Self::OutOfResource
            | Self::InvalidMandatoryParameter
            | Self::CookieReceivedWhileShuttingDown => {}
            Self::UnresolvableAddress { address: b }
            | Self::UnrecognizedChunkType { chunk: b }
            | Self::UnrecognizedParameters { params: b }
            | Self::RestartWithNewAddresses { addresses: b }
            | Self::UserInitiatedAbort { reason: b }
            | Self::ProtocolViolation { info: b }
            | Self::Unknown { info: b, .. } => v.copy_from_slice(b),
        }
        Ok(())
    }
}
