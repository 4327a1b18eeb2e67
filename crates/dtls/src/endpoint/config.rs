//! Endpoint settings, events and counters.

use std::sync::Arc;
use std::time::Duration;

use crate::codes::{CipherSuite, NamedGroup, SrtpProtectionProfile};
use crate::crypto::cert::{Certificate as LocalCertificate, Fingerprint};

/// Endpoint settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Our certificate (ECDSA P-256).
    pub certificate: Arc<LocalCertificate>,
    /// The peer's certificate fingerprints from its SDP: its certificate must match one.
    pub remote_fingerprints: Vec<Fingerprint>,
    /// Cipher suites in our order of preference.
    pub cipher_suites: Vec<CipherSuite>,
    /// SRTP protection profiles in our order of preference; empty to not negotiate SRTP.
    pub srtp_profiles: Vec<SrtpProtectionProfile>,
    /// ECDHE groups in our order of preference (X25519 and P-256 are implemented).
    pub groups: Vec<NamedGroup>,
    /// Largest datagram to send; handshake messages are fragmented to fit (default 1200).
    pub mtu: usize,
    /// First retransmission timeout (RFC 6347 suggests 1 s).
    pub initial_retransmit: Duration,
    /// Upper bound of the doubling retransmission timeout (RFC 6347: 60 s).
    pub max_retransmit: Duration,
    /// How many times a flight is sent again before the handshake fails.
    pub max_retransmits: u32,
    /// Server: answer a ClientHello without a valid cookie with a HelloVerifyRequest
    /// (RFC 6347 §4.2.1).
    pub hello_verify: bool,
    /// Anti-replay window size in records (default 64, at least 64).
    pub replay_window: usize,
    /// Bytes of handshake data buffered for reassembly at most.
    pub max_reassembly_bytes: usize,
    /// Records of the next epoch (the peer's Finished or first application data) kept when
    /// they arrive before the keys of that epoch, and processed once the keys are installed
    /// (RFC 6347 §4.1); 0 drops them and waits for a retransmission. Default 8.
    pub max_buffered_next_epoch_records: usize,
}

impl Config {
    /// Defaults for a WebRTC endpoint with `certificate`, expecting a peer certificate that
    /// matches `remote_fingerprint`.
    pub fn new(
        certificate: Arc<LocalCertificate>,
        remote_fingerprints: Vec<Fingerprint>,
    ) -> Config {
        Config {
            certificate,
            remote_fingerprints,
            cipher_suites: vec![
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            ],
            srtp_profiles: vec![
                SrtpProtectionProfile::SRTP_AEAD_AES_128_GCM,
                SrtpProtectionProfile::SRTP_AEAD_AES_256_GCM,
                SrtpProtectionProfile::SRTP_AES128_CM_HMAC_SHA1_80,
                SrtpProtectionProfile::SRTP_AES128_CM_HMAC_SHA1_32,
            ],
            groups: vec![NamedGroup::X25519, NamedGroup::SECP256R1],
            mtu: 1200,
            initial_retransmit: Duration::from_secs(1),
            max_retransmit: Duration::from_secs(60),
            max_retransmits: 8,
            hello_verify: true,
            replay_window: 64,
            max_reassembly_bytes: 80 * 1024,
            max_buffered_next_epoch_records: 8,
        }
    }
}

/// What the connection reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The handshake finished.
    Connected(Connected),
    /// Application data arrived.
    ApplicationData(Vec<u8>),
    /// The peer closed the connection (close_notify).
    CloseNotify,
}

/// The outcome of a handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connected {
    /// The negotiated cipher suite.
    pub cipher_suite: CipherSuite,
    /// The negotiated SRTP profile, if SRTP was negotiated.
    pub srtp_profile: Option<SrtpProtectionProfile>,
    /// The peer's certificate (DER), already checked against its fingerprint.
    pub peer_certificate: Vec<u8>,
}

/// Counters of input that was dropped rather than acted on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Datagrams or records that did not parse.
    pub malformed_records: u64,
    /// Records that failed to authenticate, or arrived for an epoch without keys.
    pub undecryptable_records: u64,
    /// Records refused by the replay window.
    pub replayed_records: u64,
    /// Handshake fragments that were duplicates or stale (retransmissions).
    pub duplicate_fragments: u64,
    /// Flights we sent again.
    pub retransmitted_flights: u64,
    /// Records of the next epoch that arrived before its keys and were kept for later
    /// (see [`Config::max_buffered_next_epoch_records`]).
    pub buffered_next_epoch_records: u64,
    /// Application data records dropped because the buffer for data arriving before the
    /// handshake completed (or before the peer was verified) was full (64 records or
    /// 256 KiB).
    pub dropped_early_data: u64,
}
