//! Errors of protect and unprotect.

/// Why a packet could not be protected or unprotected, or a context not be built.
///
/// Every unprotect error leaves the per-SSRC state (rollover counter, replay window, SRTCP
/// index) untouched: only authenticated packets move it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The packet is shorter than its header plus the SRTP/SRTCP trailer.
    #[error("packet too short: {len} bytes, need at least {min}")]
    PacketTooShort {
        /// Length of the packet.
        len: usize,
        /// Least length this packet needs.
        min: usize,
    },
    /// The RTP or RTCP header is not version 2.
    #[error("not an RTP/RTCP version 2 packet")]
    BadVersion,
    /// The caller's buffer has no room for the trailer that protect appends.
    #[error("buffer too small: need {needed} bytes, have {available}")]
    BufferTooSmall {
        /// Bytes needed (packet plus trailer).
        needed: usize,
        /// Bytes available in the buffer.
        available: usize,
    },
    /// The authentication tag does not match (wrong key, tampered packet, or garbage).
    #[error("authentication failed")]
    AuthenticationFailed,
    /// The packet index was already received (or, on protect, already protected).
    #[error("replayed packet (index {index})")]
    Replayed {
        /// The packet index (SRTP: ROC * 65536 + SEQ; SRTCP: the SRTCP index).
        index: u64,
    },
    /// The packet index lies behind the replay window, so it cannot be checked for replay.
    #[error("packet index {index} is older than the replay window")]
    TooOld {
        /// The packet index.
        index: u64,
    },
    /// The SSRC has no state and the context does not create streams on demand.
    #[error("unknown SSRC {0:#010x}")]
    UnknownSsrc(u32),
    /// The context already holds the configured maximum number of SSRCs.
    #[error("too many SSRCs (limit {max})")]
    TooManySsrcs {
        /// The configured limit.
        max: usize,
    },
    /// The 48-bit SRTP index or the 31-bit SRTCP index would wrap: the session must be rekeyed
    /// (RFC 3711 §3.3.1, §9.2).
    #[error("packet index exhausted, rekey required")]
    IndexExhausted,
    /// A master key or salt has the wrong length for the protection profile.
    #[error("{what} must be {expected} bytes, got {actual}")]
    KeyLength {
        /// Which input: "master key", "master salt" or "keying material".
        what: &'static str,
        /// Length the profile needs.
        expected: usize,
        /// Length given.
        actual: usize,
    },
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
}
