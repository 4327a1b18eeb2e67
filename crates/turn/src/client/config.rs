//! The client's configuration, events, errors and counters.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use strata_stun::TransactionConfig;

use crate::channel_data::ChannelNumber;

/// How the client reaches its server (RFC 8656 section 3.1).
///
/// The core only produces and consumes bytes: for [`Transport::Udp`] every transmit is one
/// datagram; for [`Transport::Tcp`] and [`Transport::Tls`] transmits are chunks of the byte
/// stream (the caller runs TLS), ChannelData messages are padded to four bytes (section 12.5)
/// and requests are sent once, without retransmissions (RFC 8489 section 6.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// UDP: datagrams, retransmitted requests.
    Udp,
    /// TCP: a byte stream.
    Tcp,
    /// TLS over TCP (`turns:`): a byte stream the caller encrypts.
    Tls,
}

impl Transport {
    /// Whether this is a byte-stream transport (TCP or TLS).
    #[inline]
    pub fn is_stream(self) -> bool {
        !matches!(self, Transport::Udp)
    }
}

/// The address family of the relayed address to request (RFC 8656 section 7.1,
/// REQUESTED-ADDRESS-FAMILY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AddressFamily {
    /// An IPv4 relayed address (the server's default; no attribute is sent).
    #[default]
    Ipv4,
    /// An IPv6 relayed address.
    Ipv6,
}

/// Client settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The TURN server's address (for stream transports, the connected peer of the stream).
    pub server: SocketAddr,
    /// The transport to the server.
    pub transport: Transport,
    /// Long-term credential username.
    pub username: String,
    /// Long-term credential password.
    pub password: String,
    /// The relayed address family to request.
    pub address_family: AddressFamily,
    /// SOFTWARE attribute to send in Allocate requests, if any.
    pub software: Option<String>,
    /// LIFETIME to ask for in Allocate and Refresh requests (the server may grant less);
    /// `None` lets the server pick (600 s by default).
    pub requested_lifetime: Option<Duration>,
    /// Retransmission settings for UDP; for stream transports `reliable` is forced on.
    pub transaction: TransactionConfig,
    /// How many 438 (Stale Nonce) answers one request may get before it fails.
    pub max_stale_nonce_retries: u8,
    /// Upper bound on permissions (peer IP addresses).
    pub max_permissions: usize,
    /// Upper bound on channel bindings (at most 4096 numbers exist).
    pub max_channels: usize,
    /// Upper bound on queued outbound data transmits (`send_to`).
    pub max_queued_transmits: usize,
    /// Upper bound on queued events; inbound data events beyond it are dropped and counted.
    pub max_queued_events: usize,
}

impl Config {
    /// A configuration with defaults for everything but the server and credentials.
    pub fn new(
        server: SocketAddr,
        transport: Transport,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Config {
        Config {
            server,
            transport,
            username: username.into(),
            password: password.into(),
            address_family: AddressFamily::Ipv4,
            software: None,
            requested_lifetime: None,
            transaction: TransactionConfig::default(),
            max_stale_nonce_retries: 3,
            max_permissions: 64,
            max_channels: 64,
            max_queued_transmits: 256,
            max_queued_events: 256,
        }
    }
}

/// Why a request (Allocate, Refresh, CreatePermission, ChannelBind) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The server answered with an error response.
    #[error("server error {code}: {reason}")]
    Rejected {
        /// The ERROR-CODE number.
        code: u16,
        /// Its reason phrase.
        reason: String,
    },
    /// A 401 answered a request that carried our credentials: wrong username or password.
    #[error("server refused our credentials (401)")]
    Unauthenticated,
    /// 438 (Stale Nonce) answered every retry.
    #[error("too many stale nonce (438) answers")]
    StaleNonce,
    /// 300 (Try Alternate): the server redirects us (RFC 8656 section 7.2 / RFC 8489 10).
    #[error("server redirects to {0}")]
    TryAlternate(SocketAddr),
    /// No response arrived in time.
    #[error("request timed out")]
    TimedOut,
    /// A success response lacked a required attribute or carried a malformed one.
    #[error("malformed response: {0}")]
    MalformedResponse(&'static str),
    /// The credentials could not be prepared (RFC 8489 section 9.2.2).
    #[error("bad credentials: {0}")]
    Credentials(#[from] strata_stun::CredentialError),
    /// The allocation expired without a successful refresh.
    #[error("allocation expired")]
    Expired,
}

/// Why [`super::Client::send_to`], [`super::Client::create_permission`] or
/// [`super::Client::bind_channel`] refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// There is no allocation (yet, or any more).
    #[error("no allocation")]
    NotAllocated,
    /// No permission was created for the peer's IP address.
    #[error("no permission for {0}")]
    NoPermission(IpAddr),
    /// The permission table is full.
    #[error("too many permissions")]
    TooManyPermissions,
    /// The channel table is full.
    #[error("too many channels")]
    TooManyChannels,
    /// The outbound queue is full; poll transmits first.
    #[error("transmit queue full")]
    QueueFull,
    /// The data does not fit one message.
    #[error("{0} bytes do not fit one TURN message")]
    TooLong(usize),
}

/// What the client reports through [`super::Client::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The allocation exists.
    Allocated {
        /// XOR-RELAYED-ADDRESS: where peers send to reach us.
        relayed: SocketAddr,
        /// XOR-MAPPED-ADDRESS: our address as the server sees it, if it said.
        mapped: Option<SocketAddr>,
        /// The granted lifetime.
        lifetime: Duration,
    },
    /// The Allocate request failed; the client is closed.
    AllocationFailed(RequestError),
    /// A Refresh failed or the allocation expired; the client is closed.
    AllocationLost(RequestError),
    /// A Refresh succeeded.
    Refreshed {
        /// The newly granted lifetime.
        lifetime: Duration,
    },
    /// The allocation was deleted (`delete` finished); the client is closed.
    Deleted,
    /// A permission for this peer IP address was installed (or refreshed for the first time
    /// after a channel binding installed it).
    PermissionCreated(IpAddr),
    /// Creating or refreshing a permission failed; it was removed.
    PermissionFailed {
        /// The peer IP address.
        peer: IpAddr,
        /// Why.
        error: RequestError,
    },
    /// A channel was bound: data to `peer` now travels as ChannelData.
    ChannelBound {
        /// The peer transport address.
        peer: SocketAddr,
        /// The channel number.
        channel: ChannelNumber,
    },
    /// Binding or refreshing a channel failed; it was removed (Send indications are used).
    ChannelBindFailed {
        /// The peer transport address.
        peer: SocketAddr,
        /// Why.
        error: RequestError,
    },
    /// Data relayed from a peer (stream transports; on UDP it is returned by
    /// [`super::Client::handle_packet`] without a copy).
    Data {
        /// The peer that sent it.
        peer: SocketAddr,
        /// The data.
        data: Vec<u8>,
    },
}

/// Counters of dropped input, for diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Packets that were neither valid STUN nor valid ChannelData.
    pub malformed: u64,
    /// Packets from another address than the server (UDP).
    pub foreign_source: u64,
    /// Responses whose transaction id matched no outstanding request.
    pub unknown_transaction: u64,
    /// Responses with a missing or wrong MESSAGE-INTEGRITY.
    pub unauthenticated: u64,
    /// Data indications from peers without a permission, ChannelData on unknown channels.
    pub unknown_peer: u64,
    /// Data events dropped because the event queue was full.
    pub events_dropped: u64,
    /// Peer data delivered (returned or queued).
    pub data_received: u64,
    /// Peer data queued for the server.
    pub data_sent: u64,
}
