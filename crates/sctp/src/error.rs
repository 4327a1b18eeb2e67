//! Error types shared by the SCTP and DCEP codecs.

/// Why bytes could not be parsed as an SCTP packet, chunk, parameter or DCEP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The buffer ends before the structure it declares (or its fixed part).
    #[error("buffer too short for the declared structure")]
    Truncated,
    /// A chunk, parameter or error cause length field is smaller than its own header or
    /// disagrees with the fixed size its type requires.
    #[error("length field is impossible for this type")]
    InvalidLength,
    /// A count field disagrees with the bytes present (for example the number of gap ack
    /// blocks and duplicate TSNs of a SACK).
    #[error("count field disagrees with the contents")]
    CountMismatch,
    /// A HEARTBEAT chunk does not carry a Heartbeat Info parameter.
    #[error("HEARTBEAT chunk without a Heartbeat Info parameter")]
    MissingHeartbeatInfo,
    /// A RE-CONFIG response carries only one of the sender's and receiver's next TSN.
    #[error("re-configuration response with a lone next-TSN field")]
    InvalidNextTsn,
    /// The CRC32c in the common header does not match the packet.
    #[error("CRC32c mismatch: header says {found:#010x}, packet computes to {computed:#010x}")]
    ChecksumMismatch {
        /// The checksum carried in the common header.
        found: u32,
        /// The checksum computed over the packet.
        computed: u32,
    },
    /// A DCEP message type other than DATA_CHANNEL_OPEN (3) or DATA_CHANNEL_ACK (2).
    #[error("unknown DCEP message type {0}")]
    UnknownMessageType(u8),
    /// A DCEP label or protocol is not valid UTF-8.
    #[error("DCEP label or protocol is not UTF-8")]
    InvalidUtf8,
}

/// Why a representation could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The output buffer is smaller than `buffer_len()`.
    #[error("buffer too small: need {needed} bytes, have {available}")]
    BufferTooSmall {
        /// Bytes required.
        needed: usize,
        /// Bytes provided.
        available: usize,
    },
    /// A chunk, parameter or label would exceed its 16-bit length field.
    #[error("structure too long for its 16-bit length field")]
    TooLong,
    /// A field holds a value outside its wire range or inconsistent with another field;
    /// the name says which.
    #[error("value out of range for field `{0}`")]
    ValueOutOfRange(&'static str),
}
