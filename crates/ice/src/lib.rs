#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod agent;
mod candidate;
mod checks;
mod config;
mod gather;
#[cfg(feature = "host-addresses")]
mod host;
mod inbound;
pub mod mdns;
mod pair;
mod select;

pub use agent::{Agent, random_credentials};
pub use candidate::{
    Address, Candidate, CandidateParseError, CandidateType, TcpType, Transport, candidate_priority,
};
pub use config::{AgentConfig, Role};
pub use gather::HostCandidate;
#[cfg(feature = "host-addresses")]
pub use host::{HostFilter, host_addresses};
pub use strata_stun::{OsRng, Rng};

use std::net::SocketAddr;

/// Identifies a TURN allocation the caller manages. Datagrams from a relayed candidate leave
/// [`Agent::poll_transmit`] marked with it (the caller wraps them in a Send indication or
/// ChannelData), and relayed datagrams are fed back with the same marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelayId(pub u32);

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The local base to send from (for a relayed candidate: its relayed address).
    pub source: SocketAddr,
    /// The remote address.
    pub destination: SocketAddr,
    /// `Some` when the datagram goes through the caller's TURN allocation.
    pub via: Option<RelayId>,
    /// The datagram.
    pub data: Vec<u8>,
}

/// A datagram that arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input<'a> {
    /// Where it came from.
    pub source: SocketAddr,
    /// The local address it arrived on (the base; for relayed data the relayed address).
    pub destination: SocketAddr,
    /// `Some` when it came out of the caller's TURN allocation.
    pub via: Option<RelayId>,
    /// The datagram.
    pub data: &'a [u8],
}

/// What [`Agent::handle_packet`] did with a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Received<'a> {
    /// A STUN message the agent consumed (or dropped: malformed, unauthenticated, unknown
    /// transaction).
    Stun,
    /// Not STUN, and it arrived on a candidate pair of the check list (or the selected
    /// pair kept through a restart): the caller's data (DTLS, SRTP), handed back without a
    /// copy.
    Data(&'a [u8]),
    /// Not STUN and not from a known pair: dropped.
    Dropped,
}

/// ICE gathering state (W3C `RTCIceGatheringState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GatheringState {
    /// Nothing gathered yet.
    New,
    /// Candidates are being gathered.
    Gathering,
    /// Gathering is over (after [`Agent::end_of_local_candidates`] and every STUN server
    /// answered or timed out).
    Complete,
}

/// ICE connection state (W3C `RTCIceConnectionState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    /// No checks yet.
    New,
    /// Checks under way, no pair selected.
    Checking,
    /// A pair is selected; checks may go on.
    Connected,
    /// A pair is selected and checks are over.
    Completed,
    /// Consent checks on the selected pair went unanswered for a while (it may recover).
    Disconnected,
    /// Every pair failed, or consent was lost (RFC 7675: 30 s without a response).
    Failed,
    /// [`Agent::close`] was called.
    Closed,
}

/// Something that happened, from [`Agent::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A local candidate to signal to the peer (trickle ICE).
    LocalCandidate(Candidate),
    /// Every local candidate has been signalled (send end-of-candidates).
    EndOfLocalCandidates,
    /// The gathering state changed.
    GatheringStateChanged(GatheringState),
    /// The connection state changed.
    ConnectionStateChanged(ConnectionState),
    /// A new pair was selected for data (first selection, switch, or after a restart).
    SelectedPairChanged {
        /// Our candidate.
        local: Candidate,
        /// The peer's candidate.
        remote: Candidate,
    },
    /// A remote candidate names a host (an mDNS `<uuid>.local` name): resolve it and call
    /// [`Agent::resolve_remote_hostname`].
    ResolveHostname(String),
    /// The agent's role changed after a role conflict (RFC 8445 §7.3.1.1, §7.2.5.1).
    RoleChanged(Role),
}

/// What an agent command can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No pair is selected yet (or consent was lost).
    #[error("no candidate pair is selected")]
    NoSelectedPair,
    /// The agent was closed.
    #[error("the agent is closed")]
    Closed,
    /// The ufrag or password is empty, too long or not made of ice-chars.
    #[error("bad ICE credentials")]
    BadCredentials,
    /// The configured bound on candidates is reached.
    #[error("too many candidates")]
    TooManyCandidates,
    /// The candidate cannot be used: not UDP, not component 1, or an unusable address.
    #[error("unsupported candidate: {0}")]
    UnsupportedCandidate(&'static str),
}

/// Counters of what the agent did with its input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connectivity-check requests sent (first transmissions).
    pub checks_sent: u64,
    /// Binding requests answered with success.
    pub requests_answered: u64,
    /// STUN messages dropped: malformed, bad fingerprint or integrity, unknown transaction.
    pub stun_dropped: u64,
    /// Binding requests answered with an error (400, 401, 487).
    pub requests_rejected: u64,
    /// Non-STUN datagrams dropped because no valid pair matched.
    pub data_dropped: u64,
}
