//! Error types shared by the DTLS codecs.

use crate::codes::ExtensionType;

/// Why bytes could not be parsed as a DTLS structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The buffer ends before the structure it declares.
    #[error("buffer too short for the declared structure")]
    Truncated,
    /// Bytes are left over after a structure that must fill its buffer.
    #[error("trailing bytes after the structure")]
    TrailingData,
    /// A length field lies outside the bounds the RFC gives for it, or is not a multiple
    /// of the element size; `field` names the RFC field.
    #[error("length of `{field}` is out of range")]
    InvalidLength {
        /// The RFC name of the field.
        field: &'static str,
    },
    /// A record's length exceeds 2^14 + 2048 (RFC 6347 section 4.1, RFC 5246 section 6.2.3).
    #[error("record length exceeds 2^14 + 2048")]
    RecordOverflow,
    /// A handshake fragment reaches past the message length it declares
    /// (fragment_offset + fragment_length > length).
    #[error("handshake fragment reaches past the message length")]
    FragmentOutOfBounds,
    /// The same extension type appears twice in one list (RFC 5246 section 7.4.1.4).
    #[error("duplicate extension {0:?}")]
    DuplicateExtension(ExtensionType),
    /// A ServerKeyExchange uses an ECCurveType other than named_curve (RFC 8422 section 5.4
    /// deprecates the explicit forms).
    #[error("unsupported ECCurveType {0}")]
    UnsupportedCurveType(u8),
    /// A field holds a value its definition forbids (e.g. a ChangeCipherSpec other than 1);
    /// `field` names the RFC field.
    #[error("invalid value in `{field}`")]
    InvalidValue {
        /// The RFC name of the field.
        field: &'static str,
    },
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
    /// A vector's length lies outside the bounds the RFC gives for it (so the peer would
    /// refuse it); `field` names the RFC field.
    #[error("length of `{field}` is out of range")]
    InvalidLength {
        /// The RFC name of the field.
        field: &'static str,
    },
    /// A field holds a value outside its wire range (a 48-bit sequence number above
    /// 2^48 - 1, a 24-bit length above 2^24 - 1...); `field` names it.
    #[error("value out of range for `{field}`")]
    ValueOutOfRange {
        /// The RFC name of the field.
        field: &'static str,
    },
}
