//! Peer connection settings (the parts of W3C `RTCConfiguration` a sans-IO core needs).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use strata_dtls::crypto::cert::Certificate;

/// Settings of an [`crate::Rtc`]. `RtcConfig::default()` is what browsers do.
#[derive(Debug, Clone)]
pub struct RtcConfig {
    /// The DTLS certificate; `None` generates a fresh ECDSA P-256 one.
    pub certificate: Option<Arc<Certificate>>,
    /// STUN servers to gather server-reflexive candidates from (already resolved; the async
    /// layer parses `stun:` URLs).
    pub stun_servers: Vec<SocketAddr>,
    /// TURN servers to allocate relay candidates on (UDP to the server; already resolved).
    pub turn_servers: Vec<TurnServer>,
    /// Gather relay candidates only (W3C `iceTransportPolicy: "relay"`).
    pub relay_only: bool,
    /// Be an ICE-lite agent (servers with a public address).
    pub ice_lite: bool,
    /// The SCTP port we announce and use (RFC 8841, default 5000).
    pub sctp_port: u16,
    /// The largest message we accept (`a=max-message-size`, default 256 KiB as Chromium).
    pub max_message_size: usize,
    /// The DTLS/SCTP MTU budget (default 1200).
    pub mtu: usize,
    /// How many DTLS datagrams are held while the DTLS role is still unknown (default 16).
    pub max_early_dtls: usize,
    /// ICE Ta pacing (default 50 ms; RFC 8445 section 14.2).
    pub ice_ta: Duration,
}

impl Default for RtcConfig {
    fn default() -> Self {
        RtcConfig {
            certificate: None,
            stun_servers: Vec::new(),
            turn_servers: Vec::new(),
            relay_only: false,
            ice_lite: false,
            sctp_port: 5000,
            max_message_size: 256 * 1024,
            mtu: 1200,
            max_early_dtls: 16,
            ice_ta: Duration::from_millis(50),
        }
    }
}

/// A TURN server and its long-term credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnServer {
    /// The server's address.
    pub server: SocketAddr,
    /// The username.
    pub username: String,
    /// The password.
    pub password: String,
}
