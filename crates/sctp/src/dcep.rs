//! The Data Channel Establishment Protocol messages (RFC 8832 section 5).
//!
//! DCEP messages travel as SCTP user messages with PPID [`crate::chunk::Ppid::DCEP`] (50).
//! Left out: the protocol's rules (stream id parity, when to send the ACK) belong to the
//! data channel layer.

use crate::bytes::{put_u16, put_u32, room, u16_at, u32_at};
use crate::{EmitError, ParseError};

/// The DATA_CHANNEL_ACK message type.
pub const DATA_CHANNEL_ACK: u8 = 0x02;
/// The DATA_CHANNEL_OPEN message type.
pub const DATA_CHANNEL_OPEN: u8 = 0x03;

/// The Channel Type of a DATA_CHANNEL_OPEN (RFC 8832 section 5.1), an open set. The high
/// bit (0x80) means unordered; the low bits say how reliability is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ChannelType(pub u8);

impl ChannelType {
    /// DATA_CHANNEL_RELIABLE: reliable, ordered.
    pub const RELIABLE: Self = Self(0x00);
    /// DATA_CHANNEL_RELIABLE_UNORDERED.
    pub const RELIABLE_UNORDERED: Self = Self(0x80);
    /// DATA_CHANNEL_PARTIAL_RELIABLE_REXMIT: ordered, at most N retransmissions.
    pub const PARTIAL_RELIABLE_REXMIT: Self = Self(0x01);
    /// DATA_CHANNEL_PARTIAL_RELIABLE_REXMIT_UNORDERED.
    pub const PARTIAL_RELIABLE_REXMIT_UNORDERED: Self = Self(0x81);
    /// DATA_CHANNEL_PARTIAL_RELIABLE_TIMED: ordered, retransmitted for at most N ms.
    pub const PARTIAL_RELIABLE_TIMED: Self = Self(0x02);
    /// DATA_CHANNEL_PARTIAL_RELIABLE_TIMED_UNORDERED.
    pub const PARTIAL_RELIABLE_TIMED_UNORDERED: Self = Self(0x82);

    /// Whether messages are delivered unordered.
    #[inline]
    pub const fn is_unordered(self) -> bool {
        self.0 & 0x80 != 0
    }

    /// Whether the reliability parameter is a retransmission count.
    #[inline]
    pub const fn is_rexmit_limited(self) -> bool {
        self.0 & 0x7f == 0x01
    }

    /// Whether the reliability parameter is a lifetime in milliseconds.
    #[inline]
    pub const fn is_time_limited(self) -> bool {
        self.0 & 0x7f == 0x02
    }
}

/// A DATA_CHANNEL_OPEN message (RFC 8832 section 5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DataChannelOpen<'a> {
    /// Channel Type.
    pub channel_type: ChannelType,
    /// Priority (RFC 8831 section 6.4 / RFC 8832 section 5.1).
    pub priority: u16,
    /// Reliability Parameter: retransmissions or milliseconds, per the channel type
    /// (ignored for reliable channels).
    pub reliability_parameter: u32,
    /// Label (UTF-8).
    pub label: &'a str,
    /// Protocol (UTF-8, a WebSocket subprotocol name or empty).
    pub protocol: &'a str,
}

/// A DCEP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DcepMessage<'a> {
    /// DATA_CHANNEL_OPEN (0x03).
    Open(DataChannelOpen<'a>),
    /// DATA_CHANNEL_ACK (0x02).
    Ack,
}

impl<'a> DcepMessage<'a> {
    /// Fixed length of DATA_CHANNEL_OPEN before the label.
    pub const OPEN_FIXED_LEN: usize = 12;

    /// Parses a DCEP user message. Bytes after the protocol (or after the ACK's type
    /// byte) are ignored.
    pub fn parse(buf: &'a [u8]) -> Result<Self, ParseError> {
        match buf.first() {
            None => Err(ParseError::Truncated),
            Some(&DATA_CHANNEL_ACK) => Ok(Self::Ack),
            Some(&DATA_CHANNEL_OPEN) => {
                if buf.len() < Self::OPEN_FIXED_LEN {
                    return Err(ParseError::Truncated);
                }
                let label_len = usize::from(u16_at(buf, 8));
                let protocol_len = usize::from(u16_at(buf, 10));
                let label_end = Self::OPEN_FIXED_LEN + label_len;
                let label = buf
                    .get(Self::OPEN_FIXED_LEN..label_end)
                    .ok_or(ParseError::Truncated)?;
                let protocol = buf
                    .get(label_end..label_end + protocol_len)
                    .ok_or(ParseError::Truncated)?;
                let utf8 = |b| core::str::from_utf8(b).map_err(|_| ParseError::InvalidUtf8);
                Ok(Self::Open(DataChannelOpen {
                    channel_type: ChannelType(buf[1]),
                    priority: u16_at(buf, 2),
                    reliability_parameter: u32_at(buf, 4),
                    label: utf8(label)?,
                    protocol: utf8(protocol)?,
                }))
            }
            Some(&t) => Err(ParseError::UnknownMessageType(t)),
        }
    }

    /// The encoded length.
    pub const fn buffer_len(&self) -> usize {
        match self {
            Self::Open(o) => Self::OPEN_FIXED_LEN + o.label.len() + o.protocol.len(),
            Self::Ack => 1,
        }
    }

    /// Writes the message into the front of `buf` and returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let n = self.buffer_len();
        let b = room(buf, n)?;
        match self {
            Self::Ack => b[0] = DATA_CHANNEL_ACK,
            Self::Open(o) => {
                let label_len = u16::try_from(o.label.len()).map_err(|_| EmitError::TooLong)?;
                let protocol_len =
                    u16::try_from(o.protocol.len()).map_err(|_| EmitError::TooLong)?;
                b[0] = DATA_CHANNEL_OPEN;
                b[1] = o.channel_type.0;
                put_u16(b, 2, o.priority);
                put_u32(b, 4, o.reliability_parameter);
                put_u16(b, 8, label_len);
                put_u16(b, 10, protocol_len);
                let l = Self::OPEN_FIXED_LEN + o.label.len();
                b[Self::OPEN_FIXED_LEN..l].copy_from_slice(o.label.as_bytes());
                b[l..n].copy_from_slice(o.protocol.as_bytes());
            }
        }
        Ok(n)
    }
}
