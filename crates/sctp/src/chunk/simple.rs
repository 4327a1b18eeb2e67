//! HEARTBEAT / HEARTBEAT ACK, ABORT, SHUTDOWN, ERROR, COOKIE ECHO and SHUTDOWN COMPLETE
//! (RFC 9260 sections 3.3.5 to 3.3.13). SHUTDOWN ACK and COOKIE ACK carry nothing and are
//! unit variants of [`super::Chunk`].

use super::ErrorCause;
use super::ParamType;
use crate::bytes::u32_at;
use crate::items::{Items, read_tlv, tlv_wire_len, write_tlv_header};
use crate::{EmitError, ParseError};

/// A HEARTBEAT or HEARTBEAT ACK chunk: the Heartbeat Info parameter, opaque to the peer,
/// which echoes it back unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Heartbeat<'a> {
    /// The Heartbeat Information (the parameter's value, without its 4-byte header).
    pub info: &'a [u8],
}

impl<'a> Heartbeat<'a> {
    /// Parses the chunk value: a Heartbeat Info parameter (type 1). Anything after it is
    /// ignored.
    pub fn parse(value: &'a [u8]) -> Result<Self, ParseError> {
        let (ty, info, _) = read_tlv(value).map_err(|e| match e {
            ParseError::Truncated if value.is_empty() => ParseError::MissingHeartbeatInfo,
            e => e,
        })?;
        if ParamType(ty) != ParamType::HEARTBEAT_INFO {
            return Err(ParseError::MissingHeartbeatInfo);
        }
        Ok(Self { info })
    }

    /// The value length (chunk length minus the header).
    pub const fn value_len(&self) -> usize {
        4 + self.info.len()
    }

    pub(crate) fn emit_value(&self, v: &mut [u8]) -> Result<(), EmitError> {
        let n = self.info.len();
        let b = crate::bytes::room(v, tlv_wire_len(n))?;
        write_tlv_header(b, ParamType::HEARTBEAT_INFO.0, n)?;
        b[4..4 + n].copy_from_slice(self.info);
        Ok(())
    }
}

/// An ABORT chunk (section 3.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abort<'a> {
    /// The T bit: the sender filled in the peer's verification tag (reflected) rather than
    /// its own.
    pub t_bit: bool,
    /// Zero or more error causes.
    pub causes: Items<'a, ErrorCause<'a>>,
}

impl<'a> Abort<'a> {
    /// Parses the chunk value with the chunk's flags.
    pub fn parse(flags: u8, value: &'a [u8]) -> Result<Self, ParseError> {
        Ok(Self {
            t_bit: flags & 1 != 0,
            causes: Items::parse(value)?,
        })
    }
}

/// An ERROR chunk (section 3.3.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorChunk<'a> {
    /// One or more error causes.
    pub causes: Items<'a, ErrorCause<'a>>,
}

impl<'a> ErrorChunk<'a> {
    /// Parses the chunk value.
    pub fn parse(value: &'a [u8]) -> Result<Self, ParseError> {
        Ok(Self {
            causes: Items::parse(value)?,
        })
    }
}

/// A SHUTDOWN chunk (section 3.3.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shutdown {
    /// Cumulative TSN Ack.
    pub cumulative_tsn_ack: u32,
}

impl Shutdown {
    /// Parses the chunk value (exactly 4 bytes).
    pub fn parse(value: &[u8]) -> Result<Self, ParseError> {
        if value.len() != 4 {
            return Err(ParseError::InvalidLength);
        }
        Ok(Self {
            cumulative_tsn_ack: u32_at(value, 0),
        })
    }
}

/// A COOKIE ECHO chunk (section 3.3.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CookieEcho<'a> {
    /// The State Cookie received in the INIT ACK.
    pub cookie: &'a [u8],
}

/// A SHUTDOWN COMPLETE chunk (section 3.3.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShutdownComplete {
    /// The T bit: the verification tag is reflected.
    pub t_bit: bool,
}

impl ShutdownComplete {
    /// Reads the chunk flags.
    pub const fn parse(flags: u8) -> Self {
        Self {
            t_bit: flags & 1 != 0,
        }
    }
}
