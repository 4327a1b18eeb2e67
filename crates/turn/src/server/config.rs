//! Server configuration: realm, credentials, lifetimes, quotas, rate limits and the peer
//! address filter (RFC 8656 sections 3.2, 5, 6, 7.2, 9 and 21).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::filter::{IpPrefix, PeerFilter};

/// How clients prove who they are (RFC 8656 section 5, long-term credentials of RFC 8489
/// section 9.2).
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// Static `(username, password)` pairs.
    pub users: Vec<(String, String)>,
    /// The shared secret of the TURN REST ephemeral scheme (coturn's `use-auth-secret`):
    /// the username is `expiry:user` (expiry in UNIX seconds) and the password is
    /// base64(HMAC-SHA1(secret, username)). `None` turns the scheme off.
    pub auth_secret: Option<String>,
}

/// A token bucket limit: a sustained rate and a burst size, in the bucket's unit (bytes or
/// packets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Units added per second.
    pub per_second: u64,
    /// The bucket size: the most units spent at once after a quiet period.
    pub burst: u64,
}

/// The TURN server's configuration. [`ServerConfig::new`] gives the RFC's defaults.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The REALM (RFC 8489 section 14.9) sent in 401 and 438 answers.
    pub realm: String,
    /// The accepted credentials.
    pub credentials: Credentials,
    /// SOFTWARE attribute of responses; `None` leaves it out.
    pub software: Option<String>,
    /// Lifetime given when the client asks for none (RFC 8656 section 3.2: 10 minutes).
    pub default_lifetime: Duration,
    /// The longest allocation lifetime granted (RFC 8656 section 7.2: 3600 s recommended).
    pub max_lifetime: Duration,
    /// Permission lifetime (RFC 8656 section 9: 300 s, not configurable by the client).
    pub permission_lifetime: Duration,
    /// Channel binding lifetime (RFC 8656 section 12: 600 s).
    pub channel_lifetime: Duration,
    /// How long a NONCE stays valid before requests get 438 Stale Nonce.
    pub nonce_lifetime: Duration,
    /// Allocations one username may hold at once (486 beyond); 0 means no limit.
    pub user_quota: u32,
    /// Allocations the server holds at once (486 beyond); 0 means no limit. The default,
    /// 16384, keeps the tables bounded even when the relay port range is larger.
    pub total_quota: u32,
    /// Permissions one allocation may hold (508 beyond).
    pub max_permissions: usize,
    /// Channels one allocation may bind (508 beyond).
    pub max_channels: usize,
    /// Per-allocation limit on relayed bytes (both directions together).
    pub bandwidth: Option<RateLimit>,
    /// Per-allocation limit on relayed packets (both directions together).
    pub packet_rate: Option<RateLimit>,
    /// Which peers may be relayed to.
    pub peer_filter: PeerFilter,
    /// Whether IPv4 relayed addresses can be allocated.
    pub ipv4_relay: bool,
    /// Whether IPv6 relayed addresses can be allocated.
    pub ipv6_relay: bool,
    /// Accept ChannelBind for numbers 0x5000..=0x7FFF too, the range RFC 5766 allowed before
    /// RFC 8656 section 12 narrowed it to 0x4000..=0x4FFF. Clients such as coturn's
    /// `turnutils_uclient` still pick numbers up there. On by default.
    pub rfc5766_channel_numbers: bool,
    /// Most datagrams waiting in [`super::Server::poll_transmit`]; more are dropped and counted.
    pub max_queued_transmits: usize,
    /// Secret keying the stateless nonces; fill it from a CSPRNG (the default is all zero,
    /// which only suits tests).
    pub nonce_secret: [u8; 32],
}

impl ServerConfig {
    /// A configuration with the RFC's lifetimes, no users, loopback/private peers refused and
    /// IPv4 relaying only.
    pub fn new(realm: impl Into<String>) -> ServerConfig {
        ServerConfig {
            realm: realm.into(),
            credentials: Credentials::default(),
            software: None,
            default_lifetime: Duration::from_secs(600),
            max_lifetime: Duration::from_secs(3600),
            permission_lifetime: Duration::from_secs(300),
            channel_lifetime: Duration::from_secs(600),
            nonce_lifetime: Duration::from_secs(600),
            user_quota: 0,
            total_quota: 16_384,
            max_permissions: 64,
            max_channels: 64,
            bandwidth: None,
            packet_rate: None,
            peer_filter: PeerFilter::default(),
            ipv4_relay: true,
            ipv6_relay: false,
            rfc5766_channel_numbers: true,
            max_queued_transmits: 4096,
            nonce_secret: [0; 32],
        }
    }

    /// Adds a static user.
    pub fn with_user(mut self, username: &str, password: &str) -> ServerConfig {
        self.credentials
            .users
            .push((username.to_owned(), password.to_owned()));
        self
    }

    /// Lets peers in `prefix` through the filter even where the defaults refuse them.
    pub fn allow_peers(mut self, prefix: IpPrefix) -> ServerConfig {
        self.peer_filter.allowed.push(prefix);
        self
    }

    /// Adds one of the server's own addresses, which peers may never be.
    pub fn own_address(mut self, addr: SocketAddr) -> ServerConfig {
        self.peer_filter.own.push(addr.ip());
        self
    }

    /// Adds one of the server's own IP addresses.
    pub fn own_ip(mut self, ip: IpAddr) -> ServerConfig {
        self.peer_filter.own.push(ip);
        self
    }
}
