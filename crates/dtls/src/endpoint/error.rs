//! Why a connection failed, and the alert each failure is reported with.

use crate::codes::{AlertDescription, HandshakeType};
use crate::crypto::cert::CertificateError;

/// Why a connection failed. Every variant is fatal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The peer's certificate does not match its SDP fingerprint.
    #[error("peer certificate does not match the remote fingerprint")]
    FingerprintMismatch,
    /// No remote fingerprint was configured, so the peer cannot be authenticated. (The
    /// endpoint itself waits for [`super::Endpoint::set_remote_fingerprints`] instead; kept
    /// for callers that give up waiting.)
    #[error("no remote fingerprint to check the peer certificate against")]
    NoRemoteFingerprint,
    /// The peer sent no certificate (WebRTC requires one on both sides).
    #[error("peer sent no certificate")]
    NoCertificate,
    /// No cipher suite in common.
    #[error("no cipher suite in common")]
    NoCommonCipherSuite,
    /// No ECDHE group in common.
    #[error("no key exchange group in common")]
    NoCommonGroup,
    /// Both sides want SRTP but share no profile.
    #[error("no SRTP protection profile in common")]
    NoCommonSrtpProfile,
    /// The peer does not support the extended master secret (RFC 7627), which we require.
    #[error("peer does not support extended_master_secret")]
    NoExtendedMasterSecret,
    /// The peer does not speak DTLS 1.2.
    #[error("unsupported protocol version")]
    UnsupportedVersion,
    /// A signature (ServerKeyExchange or CertificateVerify) failed.
    #[error("bad signature: {0}")]
    BadSignature(CertificateError),
    /// The peer's Finished does not verify.
    #[error("bad Finished")]
    BadFinished,
    /// A handshake message was malformed.
    #[error("malformed handshake message: {0}")]
    Decode(String),
    /// A message arrived that the handshake does not allow here.
    #[error("unexpected {0:?} message")]
    UnexpectedMessage(HandshakeType),
    /// The server chose something we did not offer.
    #[error("peer chose a parameter we did not offer: {0}")]
    IllegalParameter(&'static str),
    /// The peer's key exchange value is invalid.
    #[error("invalid key exchange value")]
    BadKeyExchange,
    /// The peer sent a fatal alert.
    #[error("peer sent fatal alert {0:?}")]
    PeerAlert(AlertDescription),
    /// The flight was retransmitted the maximum number of times without an answer.
    #[error("handshake timed out")]
    Timeout,
    /// A command that needs a connected endpoint.
    #[error("not connected")]
    NotConnected,
    /// Application data longer than a record can carry (2^14 bytes).
    #[error("application data of {0} bytes exceeds the 16384-byte record limit")]
    TooLong(usize),
    /// Record sequence numbers are exhausted (2^48 records in one epoch).
    #[error("record sequence numbers exhausted")]
    SequenceExhausted,
    /// The handshake is too large to reassemble within the configured bound.
    #[error("handshake reassembly limit exceeded")]
    ReassemblyLimit,
    /// Our own certificate or signature could not be used.
    #[error("local certificate error: {0}")]
    Local(CertificateError),
    /// The connection already failed or closed.
    #[error("connection closed")]
    Closed,
}

impl Error {
    /// The alert this error is reported to the peer with.
    pub(super) fn alert(&self) -> AlertDescription {
        match self {
            Error::FingerprintMismatch | Error::NoRemoteFingerprint => {
                AlertDescription::BAD_CERTIFICATE
            }
            Error::NoCertificate => AlertDescription::HANDSHAKE_FAILURE,
            Error::NoCommonCipherSuite
            | Error::NoCommonGroup
            | Error::NoCommonSrtpProfile
            | Error::NoExtendedMasterSecret => AlertDescription::HANDSHAKE_FAILURE,
            Error::UnsupportedVersion => AlertDescription::PROTOCOL_VERSION,
            Error::BadSignature(_) | Error::BadFinished => AlertDescription::DECRYPT_ERROR,
            Error::Decode(_) => AlertDescription::DECODE_ERROR,
            Error::UnexpectedMessage(_) => AlertDescription::UNEXPECTED_MESSAGE,
            Error::IllegalParameter(_) | Error::BadKeyExchange => {
                AlertDescription::ILLEGAL_PARAMETER
            }
            _ => AlertDescription::INTERNAL_ERROR,
        }
    }
}
