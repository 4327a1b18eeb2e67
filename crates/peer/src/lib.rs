#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod channel;
mod config;
#[cfg(feature = "tokio")]
mod pc;
mod rtc;
mod sdp;
pub mod stats;

pub use channel::{ChannelId, ChannelInfo, ChannelState, DataChannelInit};
pub use config::{BundlePolicy, RtcConfig, TurnServer, TurnTransport};
#[cfg(feature = "webrtc-util")]
pub use pc::Transport;
#[cfg(feature = "tokio")]
pub use pc::{Configuration, DataChannel, IceServer, IceTransportPolicy, PeerConnection};
pub use rtc::Rtc;
pub use sdp::Setup;
pub use strata_ice::{ConnectionState as IceConnectionState, GatheringState as IceGatheringState};
/// The SCTP association's counters ([`Rtc::sctp_stats`]).
pub use strata_sctp::association::Stats as SctpStats;
pub use strata_sdp::{SdpType, SessionDescriptionInit};

use std::net::SocketAddr;

/// The W3C `RTCSignalingState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignalingState {
    /// No offer/answer exchange under way.
    Stable,
    /// We applied our offer and wait for the answer.
    HaveLocalOffer,
    /// We applied the remote offer and owe an answer.
    HaveRemoteOffer,
    /// We applied a provisional answer of ours.
    HaveLocalPranswer,
    /// We applied the remote provisional answer.
    HaveRemotePranswer,
    /// The connection is closed.
    Closed,
}

/// The W3C `RTCPeerConnectionState`: ICE and DTLS together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeerConnectionState {
    /// Nothing started.
    New,
    /// ICE checks or the DTLS handshake under way.
    Connecting,
    /// ICE has a pair and DTLS is up.
    Connected,
    /// ICE lost consent for a while; it may recover.
    Disconnected,
    /// ICE failed or the DTLS handshake failed.
    Failed,
    /// [`Rtc::close`] was called.
    Closed,
}

/// A datagram to send.
///
/// Datagrams whose `destination` is the mDNS group ([`strata_ice::mdns::MDNS_V4`]) are mDNS
/// queries: send them from the mDNS socket and feed its packets to [`Rtc::handle_mdns`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The local address to send from (one of those given to [`Rtc::add_local_address`]).
    pub source: SocketAddr,
    /// Where to.
    pub destination: SocketAddr,
    /// The datagram.
    pub contents: Vec<u8>,
}

/// Something that happened, from [`Rtc::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A local ICE candidate to signal (`candidate:...` attribute value) for `mid`; `None`
    /// when gathering is complete (signal end-of-candidates).
    IceCandidate {
        /// The candidate, or `None` at the end.
        candidate: Option<String>,
        /// The media section it belongs to.
        mid: String,
    },
    /// `icegatheringstatechange`.
    IceGatheringStateChange(IceGatheringState),
    /// `iceconnectionstatechange`.
    IceConnectionStateChange(IceConnectionState),
    /// `connectionstatechange`.
    ConnectionStateChange(PeerConnectionState),
    /// `signalingstatechange`.
    SignalingStateChange(SignalingState),
    /// `negotiationneeded`: create and apply an offer.
    NegotiationNeeded,
    /// `datachannel`: the peer opened a channel.
    DataChannel(ChannelId),
    /// A channel's `open`.
    ChannelOpen(ChannelId),
    /// A channel's `message`.
    ChannelMessage {
        /// The channel.
        channel: ChannelId,
        /// The payload.
        data: Vec<u8>,
        /// Binary (`ArrayBuffer`) rather than text.
        binary: bool,
    },
    /// A channel's `bufferedamountlow`.
    ChannelBufferedAmountLow(ChannelId),
    /// A channel's `close`.
    ChannelClose(ChannelId),
}

/// Why a command failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The command is not allowed in this signaling state (W3C `InvalidStateError`).
    #[error("invalid signaling state for this operation: {0:?}")]
    InvalidState(SignalingState),
    /// The remote description cannot be used; the reason is one line.
    #[error("bad session description: {0}")]
    BadDescription(String),
    /// A candidate string does not parse or cannot be used.
    #[error("bad ICE candidate: {0}")]
    BadCandidate(String),
    /// No such data channel, or it is not open.
    #[error("no open data channel {0:?}")]
    NoSuchChannel(ChannelId),
    /// The message exceeds the max-message-size (the peer's `a=max-message-size`, or ours
    /// when that is lower).
    #[error("message of {len} bytes exceeds the max-message-size {max}")]
    MessageTooLarge {
        /// The message length.
        len: usize,
        /// The peer's limit.
        max: usize,
    },
    /// The data channel layer refused (no free stream id, buffers full, label too long).
    #[error("data channel: {0}")]
    Channel(String),
    /// The certificate could not be generated.
    #[error("certificate: {0}")]
    Certificate(String),
    /// The connection is closed.
    #[error("the peer connection is closed")]
    Closed,
    /// Not implemented yet; the text says what.
    #[error("not supported yet: {0}")]
    Unsupported(&'static str),
    /// The configuration is unusable (bad ICE server URL...).
    #[error("bad configuration: {0}")]
    BadConfiguration(String),
    /// A socket operation failed.
    #[error("I/O: {0}")]
    Io(String),
}
