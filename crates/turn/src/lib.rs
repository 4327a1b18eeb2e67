#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod channel_data;
pub mod client;
pub mod framing;
pub mod server;

/// Errors of the TURN wire helpers (ChannelData and stream framing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes end before the message does.
    #[error("truncated ChannelData message")]
    Truncated,
    /// The first two bits are not `01`.
    #[error("not a ChannelData message")]
    NotChannelData,
    /// The channel number is outside 0x4000..=0x4FFF.
    #[error("channel number {0:#06x} is outside 0x4000..=0x4FFF")]
    InvalidChannelNumber(u16),
    /// More than 65535 bytes of data for one ChannelData message.
    #[error("{0} bytes do not fit one ChannelData message")]
    TooLong(usize),
    /// The output buffer is too small.
    #[error("output buffer too small")]
    BufferTooSmall,
    /// A stream decoder's buffer would exceed its limit.
    #[error("stream decoder buffer full")]
    BufferFull,
    /// A byte stream holds something that is neither STUN nor ChannelData.
    #[error("stream is not STUN/ChannelData framing")]
    InvalidFrame,
}
