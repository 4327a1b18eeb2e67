//! The RE-CONFIG chunk and its parameters (RFC 6525 sections 3.1 and 4).
//!
//! The codec accepts any number of parameters; the RFC 6525 section 3.1 rule that a
//! RE-CONFIG carries one or two of them, in allowed combinations, is the association's
//! to enforce. Unknown parameter types are kept raw.

use super::ParamType;
use crate::bytes::{put_u16, put_u32, u16_at, u32_at};
use crate::items::{Items, WireItem, read_tlv, tlv_pad_len, tlv_wire_len, write_tlv_header};
use crate::{EmitError, ParseError};

/// The Result field of a Re-configuration Response (RFC 6525 section 4.4), an open set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ReconfigResult(pub u32);

impl ReconfigResult {
    /// Success - Nothing to do.
    pub const SUCCESS_NOTHING_TO_DO: Self = Self(0);
    /// Success - Performed.
    pub const SUCCESS_PERFORMED: Self = Self(1);
    /// Denied.
    pub const DENIED: Self = Self(2);
    /// Error - Wrong SSN.
    pub const ERROR_WRONG_SSN: Self = Self(3);
    /// Error - Request already in progress.
    pub const ERROR_REQUEST_ALREADY_IN_PROGRESS: Self = Self(4);
    /// Error - Bad Sequence Number.
    pub const ERROR_BAD_SEQUENCE_NUMBER: Self = Self(5);
    /// In progress.
    pub const IN_PROGRESS: Self = Self(6);
}

/// A RE-CONFIG parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReconfigParam<'a> {
    /// Outgoing SSN Reset Request (type 13, section 4.1).
    OutgoingSsnResetRequest {
        /// Re-configuration Request Sequence Number.
        request_seq: u32,
        /// Re-configuration Response Sequence Number.
        response_seq: u32,
        /// Sender's Last Assigned TSN.
        senders_last_tsn: u32,
        /// The streams to reset; empty means all.
        streams: Items<'a, u16>,
    },
    /// Incoming SSN Reset Request (type 14, section 4.2).
    IncomingSsnResetRequest {
        /// Re-configuration Request Sequence Number.
        request_seq: u32,
        /// The streams to reset; empty means all.
        streams: Items<'a, u16>,
    },
    /// SSN/TSN Reset Request (type 15, section 4.3).
    SsnTsnResetRequest {
        /// Re-configuration Request Sequence Number.
        request_seq: u32,
    },
    /// Re-configuration Response (type 16, section 4.4).
    Response {
        /// Re-configuration Response Sequence Number.
        response_seq: u32,
        /// Result.
        result: ReconfigResult,
        /// Sender's Next TSN and Receiver's Next TSN, present together or not at all
        /// (only in a response to an SSN/TSN Reset Request).
        next_tsns: Option<(u32, u32)>,
    },
    /// Add Outgoing Streams Request (type 17, section 4.5).
    AddOutgoingStreams {
        /// Re-configuration Request Sequence Number.
        request_seq: u32,
        /// Number of new streams.
        new_streams: u16,
    },
    /// Add Incoming Streams Request (type 18, section 4.6).
    AddIncomingStreams {
        /// Re-configuration Request Sequence Number.
        request_seq: u32,
        /// Number of new streams.
        new_streams: u16,
    },
    /// Any other parameter, kept raw.
    Unknown {
        /// The parameter type.
        param_type: ParamType,
        /// The value (after the 4-byte header, without padding).
        value: &'a [u8],
    },
}

impl<'a> ReconfigParam<'a> {
    /// The parameter type.
    pub const fn param_type(&self) -> ParamType {
        match self {
            Self::OutgoingSsnResetRequest { .. } => ParamType::OUTGOING_SSN_RESET_REQUEST,
            Self::IncomingSsnResetRequest { .. } => ParamType::INCOMING_SSN_RESET_REQUEST,
            Self::SsnTsnResetRequest { .. } => ParamType::SSN_TSN_RESET_REQUEST,
            Self::Response { .. } => ParamType::RECONFIG_RESPONSE,
            Self::AddOutgoingStreams { .. } => ParamType::ADD_OUTGOING_STREAMS,
            Self::AddIncomingStreams { .. } => ParamType::ADD_INCOMING_STREAMS,
            Self::Unknown { param_type, .. } => *param_type,
        }
    }

    /// Parses a parameter from its type and value.
    pub fn parse(param_type: ParamType, v: &'a [u8]) -> Result<Self, ParseError> {
        let streams_from = |at: usize| -> Result<Items<'a, u16>, ParseError> {
            let list = v.get(at..).ok_or(ParseError::InvalidLength)?;
            if !list.len().is_multiple_of(2) {
                return Err(ParseError::InvalidLength);
            }
            Ok(Items::Wire(list))
        };
        Ok(match param_type {
            ParamType::OUTGOING_SSN_RESET_REQUEST => {
                let streams = streams_from(12)?;
                Self::OutgoingSsnResetRequest {
                    request_seq: u32_at(v, 0),
                    response_seq: u32_at(v, 4),
                    senders_last_tsn: u32_at(v, 8),
                    streams,
                }
            }
            ParamType::INCOMING_SSN_RESET_REQUEST => {
                let streams = streams_from(4)?;
                Self::IncomingSsnResetRequest {
                    request_seq: u32_at(v, 0),
                    streams,
                }
            }
            ParamType::SSN_TSN_RESET_REQUEST => {
                if v.len() != 4 {
                    return Err(ParseError::InvalidLength);
                }
                Self::SsnTsnResetRequest {
                    request_seq: u32_at(v, 0),
                }
            }
            ParamType::RECONFIG_RESPONSE => {
                let next_tsns = match v.len() {
                    8 => None,
                    16 => Some((u32_at(v, 8), u32_at(v, 12))),
                    12 => return Err(ParseError::InvalidNextTsn),
                    _ => return Err(ParseError::InvalidLength),
                };
                Self::Response {
                    response_seq: u32_at(v, 0),
                    result: ReconfigResult(u32_at(v, 4)),
                    next_tsns,
                }
            }
            ParamType::ADD_OUTGOING_STREAMS | ParamType::ADD_INCOMING_STREAMS => {
                if v.len() != 8 {
                    return Err(ParseError::InvalidLength);
                }
                let (request_seq, new_streams) = (u32_at(v, 0), u16_at(v, 4));
                if param_type == ParamType::ADD_OUTGOING_STREAMS {
                    Self::AddOutgoingStreams {
                        request_seq,
                        new_streams,
                    }
                } else {
                    Self::AddIncomingStreams {
                        request_seq,
                        new_streams,
                    }
                }
            }
            _ => Self::Unknown {
                param_type,
                value: v,
            },
        })
    }

    /// The value length (parameter length minus the 4-byte header, without padding).
    pub fn value_len(&self) -> usize {
        match self {
            Self::OutgoingSsnResetRequest { streams, .. } => 12 + streams.wire_len(),
            Self::IncomingSsnResetRequest { streams, .. } => 4 + streams.wire_len(),
            Self::SsnTsnResetRequest { .. } => 4,
            Self::Response { next_tsns, .. } => {
                if next_tsns.is_some() {
                    16
                } else {
                    8
                }
            }
            Self::AddOutgoingStreams { .. } | Self::AddIncomingStreams { .. } => 8,
            Self::Unknown { value, .. } => value.len(),
        }
    }
}

impl<'a> WireItem<'a> for ReconfigParam<'a> {
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
            Self::OutgoingSsnResetRequest {
                request_seq,
                response_seq,
                senders_last_tsn,
                streams,
            } => {
                put_u32(v, 0, *request_seq);
                put_u32(v, 4, *response_seq);
                put_u32(v, 8, *senders_last_tsn);
                streams.write(&mut v[12..])?;
            }
            Self::IncomingSsnResetRequest {
                request_seq,
                streams,
            } => {
                put_u32(v, 0, *request_seq);
                streams.write(&mut v[4..])?;
            }
            Self::SsnTsnResetRequest { request_seq } => put_u32(v, 0, *request_seq),
            Self::Response {
                response_seq,
                result,
                next_tsns,
            } => {
                put_u32(v, 0, *response_seq);
                put_u32(v, 4, result.0);
                if let Some((sender, receiver)) = next_tsns {
                    put_u32(v, 8, *sender);
                    put_u32(v, 12, *receiver);
                }
            }
            Self::AddOutgoingStreams {
                request_seq,
                new_streams,
            }
            | Self::AddIncomingStreams {
                request_seq,
                new_streams,
            } => {
                put_u32(v, 0, *request_seq);
                put_u16(v, 4, *new_streams);
                put_u16(v, 6, 0);
            }
            Self::Unknown { value, .. } => v.copy_from_slice(value),
        }
        Ok(())
    }
}

/// A RE-CONFIG chunk (type 130).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReConfig<'a> {
    /// The re-configuration parameters (one or two in a valid chunk).
    pub params: Items<'a, ReconfigParam<'a>>,
}

impl<'a> ReConfig<'a> {
    /// Parses the chunk value; every parameter is validated once here.
    pub fn parse(value: &'a [u8]) -> Result<Self, ParseError> {
        Ok(Self {
            params: Items::parse(value)?,
        })
    }
}
