//! Error types shared by the RTP and RTCP codecs.

/// Why a buffer could not be parsed as RTP or RTCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The buffer ends before the structure it declares.
    #[error("buffer too short for the declared structure")]
    Truncated,
    /// The version field is not 2.
    #[error("unsupported version {0}, expected 2")]
    UnsupportedVersion(u8),
    /// The padding count is zero or larger than the room left for it.
    #[error("padding count is zero or exceeds the packet")]
    InvalidPadding,
    /// The RTCP length field disagrees with the bytes present.
    #[error("RTCP length field disagrees with the buffer")]
    InvalidLength,
    /// A count field (RC, SC, PSC, number of SSRCs) disagrees with the contents.
    #[error("count field disagrees with the packet contents")]
    CountMismatch,
    /// An SDES chunk has no terminating null item before the packet ends.
    #[error("SDES chunk is not terminated by a null item")]
    UnterminatedSdesChunk,
    /// A transport-wide CC chunk uses the reserved status symbol `11`.
    #[error("transport-wide CC feedback uses the reserved status symbol")]
    ReservedPacketStatus,
    /// A count exceeds a limit the RFC sets (RFC 8888: at most 16384 metric blocks per
    /// report block).
    #[error("count exceeds the protocol limit")]
    LimitExceeded,
    /// A header extension element's value has the wrong length or content.
    #[error("header extension value has the wrong length or content")]
    InvalidExtensionValue,
    /// A compound packet breaks an RFC 3550 section 6.1 rule (first packet not SR/RR,
    /// or padding on a packet other than the last).
    #[error("compound packet violates RFC 3550 section 6.1")]
    InvalidCompound,
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
    /// More items than the packet's count field can express (15 CSRCs, 31 reports...).
    #[error("too many items for the count field")]
    TooManyItems,
    /// The packet would exceed the 16-bit length field.
    #[error("packet too long for its length field")]
    TooLong,
    /// A field holds a value outside its wire range; the name says which.
    #[error("value out of range for field `{0}`")]
    ValueOutOfRange(&'static str),
    /// A raw RTP header extension block is not a whole number of 32-bit words.
    #[error("header extension data is not a multiple of 4 bytes")]
    UnalignedExtension,
    /// A header extension element does not fit the chosen form (id or length out of range).
    #[error("header extension element id or length does not fit the form")]
    InvalidExtensionElement,
    /// A text value (MID, RID) is not a valid token.
    #[error("value is not a valid token")]
    InvalidToken,
}
