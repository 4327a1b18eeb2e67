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
    /// TURN servers to allocate relay candidates on (already resolved).
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
    /// The bundle policy (W3C `RTCBundlePolicy`, RFC 8829 section 4.1.1).
    pub bundle_policy: BundlePolicy,
    /// Offer SCTP message interleaving (I-DATA, RFC 8260; default false, as in Chromium).
    /// Used only when the peer offers it too: then a large message on one data channel no
    /// longer holds back the messages of the others until it has been sent. Costs about 4
    /// bytes per chunk.
    pub message_interleaving: bool,
}

/// Which m-sections get their own ICE transport (W3C `RTCBundlePolicy`, RFC 8829 section
/// 4.1.1). The peer connection carries one data section today, and for one section the three
/// policies describe the same thing: one m-section in an `a=group:BUNDLE` group with one
/// set of ICE candidates, which is what every policy gets. The setting matters once media
/// sections exist (the media work honours it there).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BundlePolicy {
    /// `balanced`: one transport per media type in use (data: one).
    #[default]
    Balanced,
    /// `max-compat`: one transport per m-section, for peers that do not bundle.
    MaxCompat,
    /// `max-bundle`: one transport for everything.
    MaxBundle,
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
            bundle_policy: BundlePolicy::Balanced,
            message_interleaving: false,
        }
    }
}

/// How we reach a TURN server (RFC 8656 section 3.1). Over TCP and TLS the caller owns the
/// stream: it connects, tells the core the stream's local address
/// ([`TurnServer::over_stream`]), writes the bytes of every [`crate::Transmit`] from that
/// address to the stream, and feeds what it reads with [`crate::Rtc::handle_packet`] (source
/// the server, destination that local address), in order, in chunks of any size.
pub use strata_turn::client::Transport as TurnTransport;

/// A TURN server and its long-term credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnServer {
    /// The server's address.
    pub server: SocketAddr,
    /// The username.
    pub username: String,
    /// The password.
    pub password: String,
    /// UDP (the default), TCP or TLS.
    pub transport: TurnTransport,
    /// The local address the allocation is reached from: for UDP, `None` picks the first
    /// local address of the server's family; for TCP and TLS, the local address of the
    /// caller's stream to the server (required: a stream server without it is skipped).
    pub local: Option<SocketAddr>,
}

impl TurnServer {
    /// A TURN server over UDP.
    pub fn new(server: SocketAddr, username: &str, password: &str) -> TurnServer {
        TurnServer {
            server,
            username: username.to_owned(),
            password: password.to_owned(),
            transport: TurnTransport::Udp,
            local: None,
        }
    }

    /// The same server over a TCP or TLS stream the caller opened from `local`.
    #[must_use]
    pub fn over_stream(mut self, transport: TurnTransport, local: SocketAddr) -> TurnServer {
        self.transport = transport;
        self.local = Some(local);
        self
    }
}
