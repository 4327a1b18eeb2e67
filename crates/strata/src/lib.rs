#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

/// STUN messages, credentials and transactions: the `strata-stun` crate.
pub use strata_stun as stun;

/// RTP and RTCP wire formats: the `strata-rtp` crate.
pub use strata_rtp as rtp;

/// SDP parsing and serialization: the `strata-sdp` crate.
pub use strata_sdp as sdp;

/// SRTP and SRTCP: the `strata-srtp` crate.
pub use strata_srtp as srtp;

/// DTLS 1.2: the `strata-dtls` crate.
pub use strata_dtls as dtls;

/// SCTP wire formats and the data channel establishment protocol: the `strata-sctp` crate.
pub use strata_sctp as sctp;

/// The ICE agent, candidates and mDNS: the `strata-ice` crate.
pub use strata_ice as ice;

/// TURN client and server cores: the `strata-turn` crate.
pub use strata_turn as turn;

/// RTCPeerConnection: the sans-IO `Rtc` core and the async `PeerConnection` (the
/// `strata-peer` crate).
pub use strata_peer as peer;
