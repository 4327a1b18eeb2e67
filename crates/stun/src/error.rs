//! Error types, split by cause.

use crate::attributes::AttrType;

/// A buffer is not a well-formed STUN message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Fewer than the 20 header bytes.
    #[error("message truncated: {len} bytes, the header alone needs 20")]
    Truncated {
        /// Bytes available.
        len: usize,
    },
    /// The two most significant bits are not zero (RFC 8489 §5): not STUN.
    #[error("not a STUN message: the first two bits are not zero")]
    NotStun,
    /// The magic cookie is missing (RFC 3489 messages are not accepted).
    #[error("magic cookie missing")]
    BadMagicCookie,
    /// The length field is not a multiple of four.
    #[error("length field {length} is not a multiple of 4")]
    UnalignedLength {
        /// The length field.
        length: usize,
    },
    /// The length field disagrees with the buffer.
    #[error("length field says {header} bytes of attributes but {actual} follow the header")]
    LengthMismatch {
        /// The length field.
        header: usize,
        /// Bytes after the header.
        actual: usize,
    },
    /// An attribute runs past the end of the message.
    #[error("attribute at offset {offset} runs past the end of the message")]
    TruncatedAttribute {
        /// Offset of the attribute header.
        offset: usize,
    },
    /// An attribute value is malformed.
    #[error(transparent)]
    Attribute(#[from] AttributeError),
}

/// An attribute value is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AttributeError {
    /// The value has a length its type does not allow.
    #[error("{attr_type}: a value of {len} bytes is not allowed")]
    BadLength {
        /// The attribute type.
        attr_type: AttrType,
        /// The value length.
        len: usize,
    },
    /// A text attribute is not UTF-8.
    #[error("{attr_type}: value is not UTF-8")]
    InvalidUtf8 {
        /// The attribute type.
        attr_type: AttrType,
    },
    /// An address family other than IPv4 (1) or IPv6 (2).
    #[error("unknown address family {family:#04x}")]
    BadAddressFamily {
        /// The family byte.
        family: u8,
    },
    /// An error code outside 300..=699.
    #[error("invalid error code: class {class}, number {number}")]
    BadErrorCode {
        /// The class field.
        class: u8,
        /// The number field.
        number: u8,
    },
}

/// Message integrity or fingerprint verification failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntegrityError {
    /// The message has no MESSAGE-INTEGRITY(-SHA256) attribute.
    #[error("no message integrity attribute")]
    Missing,
    /// The HMAC does not match.
    #[error("message integrity check failed")]
    Mismatch,
    /// The integrity attribute has a length its type does not allow.
    #[error("message integrity attribute has a bad length")]
    BadLength,
    /// The message has no FINGERPRINT attribute.
    #[error("no FINGERPRINT attribute")]
    FingerprintMissing,
    /// FINGERPRINT is not the last attribute.
    #[error("FINGERPRINT is not the last attribute")]
    FingerprintNotLast,
    /// The CRC does not match.
    #[error("fingerprint check failed")]
    FingerprintMismatch,
}

/// A credential cannot be prepared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The string holds characters that SASLprep / OpaqueString prohibit (control characters,
    /// unassigned code points, bidirectional mixes and so on).
    #[error("{what} contains characters that SASLprep prohibits")]
    Prohibited {
        /// Which input: "username", "realm" or "password".
        what: &'static str,
    },
    /// A password algorithm this crate does not implement.
    #[error("unsupported password algorithm {0:#06x}")]
    UnsupportedAlgorithm(u16),
}

/// A message cannot be built as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The message would exceed the 16-bit length field.
    #[error("message would be longer than 65535 bytes of attributes")]
    MessageTooLong,
    /// A text value exceeds the RFC's limit (RFC 8489 §14: 509 bytes for USERNAME, 763 bytes
    /// and 128 characters for REALM, NONCE, SOFTWARE and reason phrases).
    #[error("{attr_type} value exceeds its limit of {limit}")]
    TextTooLong {
        /// The attribute type.
        attr_type: AttrType,
        /// The limit that was exceeded.
        limit: usize,
    },
    /// An error code outside 300..=699.
    #[error("error code {0} is outside 300..=699")]
    BadErrorCode(u16),
    /// MESSAGE-INTEGRITY-SHA256 may be truncated to 16..=32 bytes in steps of 4 only.
    #[error("MESSAGE-INTEGRITY-SHA256 length {0} is not 16, 20, 24, 28 or 32")]
    BadIntegrityLength(usize),
    /// Nothing may follow FINGERPRINT.
    #[error("no attribute may follow FINGERPRINT")]
    AfterFingerprint,
}
