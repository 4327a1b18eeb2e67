//! The TURN client (RFC 8656), sans-IO.
//!
//! Implements, in the RFC's words:
//! - section 7.1 / 7.3: the Allocate request (REQUESTED-TRANSPORT UDP, optional
//!   REQUESTED-ADDRESS-FAMILY IPv6, LIFETIME, SOFTWARE) and its success response
//!   (XOR-RELAYED-ADDRESS, XOR-MAPPED-ADDRESS, LIFETIME);
//! - RFC 8489 section 9.2 as TURN uses it (section 5): the first Allocate goes without
//!   credentials, a 401 teaches REALM and NONCE and the request is retried with USERNAME,
//!   REALM, NONCE and MESSAGE-INTEGRITY (long-term MD5 key); a 438 (Stale Nonce) retries with
//!   the new nonce, a bounded number of times; every later request is authenticated, and
//!   success responses to them must carry a valid MESSAGE-INTEGRITY or they are dropped;
//! - section 7.4 / 8: 300 (Try Alternate) is reported as [`RequestError::TryAlternate`];
//! - section 7 / 8: Refresh before expiry (at 80 % of the lifetime, or one minute before the
//!   end when that comes first for short lifetimes) and deletion with LIFETIME 0 (437 counts
//!   as deleted); a refresh (of the allocation, a permission or a channel) that gets no
//!   answer is sent again while what it refreshes lasts;
//! - section 9: CreatePermission for one peer IP per request, refreshed every 240 s while the
//!   permission is kept (permissions last 300 s);
//! - section 11: Send indications out, Data indications in (dropped without a permission);
//! - section 12: ChannelBind with numbers from 0x4000, refreshed 60 s before the 10-minute
//!   expiry; a bound channel also installs the peer's permission; ChannelData out once the
//!   binding is confirmed, ChannelData in on bound channels; padding to four bytes over TCP
//!   and TLS (section 12.5).
//!
//! Left out: EVEN-PORT and RESERVATION-TOKEN, DONT-FRAGMENT, ADDITIONAL-ADDRESS-FAMILY (dual
//! allocations), PASSWORD-ALGORITHMS negotiation (MD5 keys only, as coturn uses), following
//! ALTERNATE-SERVER by itself (the caller may restart against the reported server), ICMP
//! attributes, and RFC 6062 TCP allocations. Permissions are kept and refreshed until
//! [`Client::remove_permission`] or the client closes; the caller decides what is in use.
//!
//! # Driving the client
//! After [`Client::new`] and after every `handle_*` call or command, drain
//! [`Client::poll_transmit`] (send each to the server) and [`Client::poll_event`] until both
//! return `None`, then call [`Client::handle_timeout`] at [`Client::poll_timeout`].
//! On UDP, feed every datagram from the server to [`Client::handle_packet`]: relayed peer data
//! comes back from it as a slice of your buffer. On TCP/TLS feed the received stream bytes to
//! [`Client::handle_stream_data`]; relayed data then arrives as [`Event::Data`].

mod config;
mod requests;
mod responses;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::time::{Duration, Instant};

use strata_stun::{
    AttrType, Attribute, Class, ClientTransaction, IntegrityKey, Message, Method, OsRng, Rng,
    TransactionEvent,
};

pub use config::{AddressFamily, CommandError, Config, Event, RequestError, Stats, Transport};
pub use strata_stun::Transmit;

use crate::channel_data::{self, ChannelData, ChannelNumber};
use crate::framing::{Frame, StreamDecoder};

/// How long a permission lasts (RFC 8656 section 9).
pub const PERMISSION_LIFETIME: Duration = Duration::from_secs(300);
/// When a permission is refreshed, counted from its last installation.
pub const PERMISSION_REFRESH: Duration = Duration::from_secs(240);
/// How long a channel binding lasts (RFC 8656 section 12).
pub const CHANNEL_LIFETIME: Duration = Duration::from_secs(600);
/// When a channel binding is refreshed, counted from its last confirmation.
pub const CHANNEL_REFRESH: Duration = Duration::from_secs(540);
/// The lifetime assumed when a success response carries no LIFETIME (section 7).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(600);

/// Data relayed from a peer, borrowed from the packet given to [`Client::handle_packet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received<'a> {
    /// The peer that sent it (XOR-PEER-ADDRESS, or the peer bound to the channel).
    pub peer: SocketAddr,
    /// The application data.
    pub data: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Allocating,
    Allocated(Allocation),
    Deleting,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Allocation {
    relayed: SocketAddr,
    mapped: Option<SocketAddr>,
    expires_at: Instant,
    /// `None` while a Refresh is outstanding.
    refresh_at: Option<Instant>,
}

struct Auth {
    realm: String,
    nonce: String,
    key: IntegrityKey,
}

/// What an outstanding request asks for, enough to rebuild it with a new nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Allocate,
    Refresh {
        lifetime: Option<u32>,
    },
    CreatePermission(IpAddr),
    ChannelBind {
        channel: ChannelNumber,
        peer: SocketAddr,
    },
}

impl Kind {
    fn method(self) -> Method {
        match self {
            Kind::Allocate => Method::ALLOCATE,
            Kind::Refresh { .. } => Method::REFRESH,
            Kind::CreatePermission(_) => Method::CREATE_PERMISSION,
            Kind::ChannelBind { .. } => Method::CHANNEL_BIND,
        }
    }
}

struct Pending {
    kind: Kind,
    tx: ClientTransaction,
    authenticated: bool,
    stale_retries: u8,
}

#[derive(Debug, Clone, Copy, Default)]
struct Permission {
    installed: bool,
    in_flight: bool,
    refresh_at: Option<Instant>,
    expires_at: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
struct Channel {
    number: ChannelNumber,
    bound: bool,
    in_flight: bool,
    refresh_at: Option<Instant>,
    expires_at: Option<Instant>,
}

/// A TURN client: one allocation on one server.
///
/// Methods come in four groups: getters ([`Client::relayed_address`], [`Client::stats`], ...),
/// inputs ([`Client::handle_packet`], [`Client::handle_stream_data`],
/// [`Client::handle_timeout`]), commands ([`Client::create_permission`],
/// [`Client::bind_channel`], [`Client::send_to`], [`Client::delete`]) and outputs
/// ([`Client::poll_transmit`], [`Client::poll_event`], [`Client::poll_timeout`]).
pub struct Client {
    config: Config,
    rng: Box<dyn Rng + Send>,
    state: State,
    auth: Option<Auth>,
    pending: Vec<Pending>,
    permissions: HashMap<IpAddr, Permission>,
    channels: HashMap<SocketAddr, Channel>,
    channel_peers: HashMap<ChannelNumber, SocketAddr>,
    next_channel: u16,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
    decoder: Option<StreamDecoder>,
    stats: Stats,
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.config.server)
            .field("transport", &self.config.transport)
            .field("state", &self.state)
            .field("permissions", &self.permissions.len())
            .field("channels", &self.channels.len())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client that starts allocating at once, with transaction ids from the OS CSPRNG.
    pub fn new(config: Config, now: Instant) -> Client {
        Client::with_rng(config, Box::new(OsRng::default()), now)
    }

    /// A client with its own random source (tests pass a seeded one).
    pub fn with_rng(mut config: Config, rng: Box<dyn Rng + Send>, now: Instant) -> Client {
        if config.transport.is_stream() {
            config.transaction.reliable = true;
        }
        config.max_channels = config
            .max_channels
            .min(usize::from(ChannelNumber::MAX.0 - ChannelNumber::MIN.0) + 1);
        let decoder = config.transport.is_stream().then(StreamDecoder::new);
        let mut client = Client {
            config,
            rng,
            state: State::Allocating,
            auth: None,
            pending: Vec::new(),
            permissions: HashMap::new(),
            channels: HashMap::new(),
            channel_peers: HashMap::new(),
            next_channel: ChannelNumber::MIN.0,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            decoder,
            stats: Stats::default(),
        };
        client.start_request(now, Kind::Allocate, false, 0);
        client
    }

    // ---- getters ----

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The relayed transport address, once allocated.
    pub fn relayed_address(&self) -> Option<SocketAddr> {
        match self.state {
            State::Allocated(a) => Some(a.relayed),
            _ => None,
        }
    }

    /// Our address as the server saw it (XOR-MAPPED-ADDRESS), once allocated.
    pub fn mapped_address(&self) -> Option<SocketAddr> {
        match self.state {
            State::Allocated(a) => a.mapped,
            _ => None,
        }
    }

    /// Whether the allocation exists.
    pub fn is_allocated(&self) -> bool {
        matches!(self.state, State::Allocated(_))
    }

    /// Whether the client is finished (allocation failed, lost or deleted).
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// Whether a permission for `peer` is installed on the server.
    pub fn has_permission(&self, peer: IpAddr) -> bool {
        self.permissions.get(&peer).is_some_and(|p| p.installed)
    }

    /// The channel bound to `peer`, once the server confirmed it.
    pub fn channel(&self, peer: SocketAddr) -> Option<ChannelNumber> {
        self.channels
            .get(&peer)
            .filter(|c| c.bound)
            .map(|c| c.number)
    }

    /// Counters of dropped and delivered input.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    // ---- inputs ----

    /// A datagram arrived from `from` (UDP). Responses and indications are consumed; relayed
    /// peer data (Data indication or ChannelData) is returned as a slice of `packet`.
    /// Anything malformed, unauthenticated or not from the server is dropped and counted.
    pub fn handle_packet<'a>(
        &mut self,
        now: Instant,
        from: SocketAddr,
        packet: &'a [u8],
    ) -> Option<Received<'a>> {
        if from != self.config.server {
            self.stats.foreign_source += 1;
            return None;
        }
        if channel_data::is_channel_data(packet) {
            let Ok(cd) = ChannelData::new_checked(packet) else {
                self.stats.malformed += 1;
                return None;
            };
            let peer = self.channel_peer(cd.channel())?;
            self.stats.data_received += 1;
            let len = cd.data_len();
            return packet
                .get(channel_data::HEADER_LEN..channel_data::HEADER_LEN + len)
                .map(|data| Received { peer, data });
        }
        let (peer, range) = self.handle_stun(now, packet)?;
        self.stats.data_received += 1;
        packet.get(range).map(|data| Received { peer, data })
    }

    /// Bytes arrived on the TCP or TLS stream to the server. Relayed peer data is queued as
    /// [`Event::Data`]. An `Err` means the stream is broken (not STUN/ChannelData framing or
    /// over the decoder's bound): close the connection, the client is closed too.
    pub fn handle_stream_data(&mut self, now: Instant, bytes: &[u8]) -> Result<(), crate::Error> {
        let Some(mut decoder) = self.decoder.take() else {
            // A datagram client given stream bytes: treat them as one datagram.
            let server = self.config.server;
            if let Some(r) = self.handle_packet(now, server, bytes) {
                let (peer, data) = (r.peer, r.data.to_vec());
                self.push_data_event(peer, data);
            }
            return Ok(());
        };
        let result = self.drain_stream(now, &mut decoder, bytes);
        self.decoder = Some(decoder);
        if result.is_err() {
            self.close();
        }
        result
    }

    fn drain_stream(
        &mut self,
        now: Instant,
        decoder: &mut StreamDecoder,
        bytes: &[u8],
    ) -> Result<(), crate::Error> {
        decoder.push(bytes)?;
        while let Some(frame) = decoder.next_frame()? {
            match frame {
                Frame::Stun(message) => {
                    if let Some((peer, range)) = self.handle_stun(now, message)
                        && let Some(data) = message.get(range)
                    {
                        self.stats.data_received += 1;
                        self.push_data_event(peer, data.to_vec());
                    }
                }
                Frame::ChannelData { channel, data } => {
                    if let Some(peer) = self.channel_peer(channel) {
                        self.stats.data_received += 1;
                        self.push_data_event(peer, data.to_vec());
                    }
                }
            }
        }
        Ok(())
    }

    /// A timer fired: retransmit, refresh, expire.
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut timed_out = Vec::new();
        for (i, p) in self.pending.iter_mut().enumerate() {
            p.tx.handle_timeout(now);
            if let Some(TransactionEvent::TimedOut) = p.tx.poll_event() {
                timed_out.push(i);
            }
        }
        // Take every timed-out request out first: failing one may close the client, which
        // empties the table.
        let failed: Vec<Kind> = timed_out
            .into_iter()
            .rev()
            .map(|i| self.pending.swap_remove(i).kind)
            .collect();
        for kind in failed {
            self.fail(now, kind, RequestError::TimedOut);
        }
        if let State::Allocated(mut a) = self.state {
            if now >= a.expires_at {
                self.lose(RequestError::Expired);
                return;
            }
            if a.refresh_at.is_some_and(|t| now >= t) {
                a.refresh_at = None;
                self.state = State::Allocated(a);
                let lifetime = self.requested_lifetime_secs();
                self.start_request(now, Kind::Refresh { lifetime }, true, 0);
            }
            self.refresh_permissions(now);
            self.refresh_channels(now);
        }
    }

    fn refresh_permissions(&mut self, now: Instant) {
        let mut due = Vec::new();
        self.permissions.retain(|ip, p| {
            if p.in_flight {
                return true;
            }
            if p.expires_at.is_some_and(|t| now >= t) {
                return false;
            }
            if p.refresh_at.is_some_and(|t| now >= t) {
                p.refresh_at = None;
                p.in_flight = true;
                due.push(*ip);
            }
            true
        });
        for ip in due {
            self.start_request(now, Kind::CreatePermission(ip), true, 0);
        }
    }

    fn refresh_channels(&mut self, now: Instant) {
        let mut due = Vec::new();
        let mut expired = Vec::new();
        for (peer, c) in &mut self.channels {
            if c.in_flight {
                continue;
            }
            if c.expires_at.is_some_and(|t| now >= t) {
                expired.push(*peer);
            } else if c.refresh_at.is_some_and(|t| now >= t) {
                c.refresh_at = None;
                c.in_flight = true;
                due.push((c.number, *peer));
            }
        }
        for peer in expired {
            self.remove_channel(peer);
        }
        for (channel, peer) in due {
            self.start_request(now, Kind::ChannelBind { channel, peer }, true, 0);
        }
    }

    // ---- commands ----

    /// Ask the server to install a permission for `peer` (RFC 8656 section 9). Idempotent:
    /// an existing permission is kept (and keeps being refreshed).
    pub fn create_permission(&mut self, now: Instant, peer: IpAddr) -> Result<(), CommandError> {
        if !self.is_allocated() {
            return Err(CommandError::NotAllocated);
        }
        if let Some(p) = self.permissions.get(&peer) {
            if p.installed || p.in_flight {
                return Ok(());
            }
        } else if self.permissions.len() >= self.config.max_permissions {
            return Err(CommandError::TooManyPermissions);
        }
        self.permissions.insert(
            peer,
            Permission {
                in_flight: true,
                ..Permission::default()
            },
        );
        self.start_request(now, Kind::CreatePermission(peer), true, 0);
        Ok(())
    }

    /// Stop refreshing the permission for `peer`; the server lets it expire. Channels bound
    /// to addresses of `peer` are kept (each refresh of theirs reinstalls the permission).
    pub fn remove_permission(&mut self, peer: IpAddr) {
        self.permissions.remove(&peer);
    }

    /// Bind a channel to `peer` (RFC 8656 section 12): returns its number at once; data uses
    /// it after [`Event::ChannelBound`]. The binding also installs the peer's permission.
    pub fn bind_channel(
        &mut self,
        now: Instant,
        peer: SocketAddr,
    ) -> Result<ChannelNumber, CommandError> {
        if !self.is_allocated() {
            return Err(CommandError::NotAllocated);
        }
        if let Some(c) = self.channels.get(&peer) {
            return Ok(c.number);
        }
        if self.channels.len() >= self.config.max_channels {
            return Err(CommandError::TooManyChannels);
        }
        if !self.permissions.contains_key(&peer.ip())
            && self.permissions.len() >= self.config.max_permissions
        {
            return Err(CommandError::TooManyPermissions);
        }
        let number = self
            .free_channel_number()
            .ok_or(CommandError::TooManyChannels)?;
        self.permissions.entry(peer.ip()).or_default();
        self.channels.insert(
            peer,
            Channel {
                number,
                bound: false,
                in_flight: true,
                refresh_at: None,
                expires_at: None,
            },
        );
        self.channel_peers.insert(number, peer);
        self.start_request(
            now,
            Kind::ChannelBind {
                channel: number,
                peer,
            },
            true,
            0,
        );
        Ok(number)
    }

    /// Queue `data` for `peer` through the relay: as ChannelData when a channel to `peer` is
    /// bound, else as a Send indication (which needs a permission for the peer's IP).
    pub fn send_to(
        &mut self,
        _now: Instant,
        peer: SocketAddr,
        data: &[u8],
    ) -> Result<(), CommandError> {
        if self.transmits.len() >= self.config.max_queued_transmits {
            return Err(CommandError::QueueFull);
        }
        let mut contents = Vec::with_capacity(data.len() + 40);
        self.encode_send(peer, data, &mut contents)?;
        self.transmits.push_back(Transmit {
            destination: self.config.server,
            contents,
        });
        Ok(())
    }

    /// Like [`Client::send_to`] but appends the bytes for the server to `out` instead of
    /// queueing them, so a caller can reuse one buffer: write `out` to the server (as one
    /// datagram on UDP). Nothing is queued.
    pub fn encode_send(
        &mut self,
        peer: SocketAddr,
        data: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CommandError> {
        if !self.is_allocated() {
            return Err(CommandError::NotAllocated);
        }
        if let Some(c) = self.channels.get(&peer).filter(|c| c.bound) {
            let padded = self.config.transport.is_stream();
            channel_data::encode_into(out, c.number, data, padded)
                .map_err(|_| CommandError::TooLong(data.len()))?;
        } else if self.permissions.contains_key(&peer.ip()) {
            requests::send_indication(&mut *self.rng, peer, data, out)?;
        } else {
            return Err(CommandError::NoPermission(peer.ip()));
        }
        self.stats.data_sent += 1;
        Ok(())
    }

    /// Delete the allocation: a Refresh with LIFETIME 0. [`Event::Deleted`] follows (also
    /// when the server does not answer). Without an allocation the client just closes.
    pub fn delete(&mut self, now: Instant) {
        let was_allocated = self.is_allocated();
        for p in &mut self.pending {
            p.tx.cancel();
        }
        self.pending.clear();
        self.permissions.clear();
        self.channels.clear();
        self.channel_peers.clear();
        if was_allocated {
            self.state = State::Deleting;
            self.start_request(now, Kind::Refresh { lifetime: Some(0) }, true, 0);
        } else if self.state != State::Closed {
            self.close();
            self.events.push_back(Event::Deleted);
        }
    }

    // ---- outputs ----

    /// The next bytes to send to the server.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        for p in &mut self.pending {
            if let Some(t) = p.tx.poll_transmit() {
                return Some(t);
            }
        }
        self.transmits.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`Client::handle_timeout`] next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        for p in &self.pending {
            consider(p.tx.poll_timeout());
        }
        if let State::Allocated(a) = self.state {
            consider(Some(a.expires_at));
            consider(a.refresh_at);
            for p in self.permissions.values().filter(|p| !p.in_flight) {
                consider(p.refresh_at);
                consider(p.expires_at);
            }
            for c in self.channels.values().filter(|c| !c.in_flight) {
                consider(c.refresh_at);
                consider(c.expires_at);
            }
        }
        next
    }

    // ---- internals ----

    fn channel_peer(&mut self, channel: ChannelNumber) -> Option<SocketAddr> {
        let peer = self.channel_peers.get(&channel).copied();
        if peer.is_none() {
            self.stats.unknown_peer += 1;
        }
        peer
    }

    fn push_data_event(&mut self, peer: SocketAddr, data: Vec<u8>) {
        if self.events.len() >= self.config.max_queued_events {
            self.stats.events_dropped += 1;
        } else {
            self.events.push_back(Event::Data { peer, data });
        }
    }

    fn requested_lifetime_secs(&self) -> Option<u32> {
        self.config
            .requested_lifetime
            .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
    }

    fn free_channel_number(&mut self) -> Option<ChannelNumber> {
        let span = ChannelNumber::MAX.0 - ChannelNumber::MIN.0 + 1;
        for _ in 0..span {
            let candidate = ChannelNumber(self.next_channel);
            self.next_channel = if self.next_channel >= ChannelNumber::MAX.0 {
                ChannelNumber::MIN.0
            } else {
                self.next_channel + 1
            };
            if !self.channel_peers.contains_key(&candidate) {
                return Some(candidate);
            }
        }
        None
    }

    fn remove_channel(&mut self, peer: SocketAddr) {
        if let Some(c) = self.channels.remove(&peer) {
            self.channel_peers.remove(&c.number);
        }
    }

    /// Build and send a request; a request that cannot be built fails at once.
    fn start_request(&mut self, now: Instant, kind: Kind, authenticated: bool, stale_retries: u8) {
        let authenticated = authenticated && self.auth.is_some();
        let built = self.build_request(kind, authenticated).and_then(|request| {
            ClientTransaction::new(now, self.config.server, request, self.config.transaction)
                .map_err(|_| RequestError::MalformedResponse("request could not be built"))
        });
        match built {
            Ok(tx) => self.pending.push(Pending {
                kind,
                tx,
                authenticated,
                stale_retries,
            }),
            Err(e) => self.fail(now, kind, e),
        }
    }

    /// A STUN message from the server. Returns the peer and the DATA range of a Data
    /// indication to deliver.
    fn handle_stun(&mut self, now: Instant, packet: &[u8]) -> Option<(SocketAddr, Range<usize>)> {
        let Ok(m) = Message::new_checked(packet) else {
            self.stats.malformed += 1;
            return None;
        };
        match m.class() {
            Class::Indication if m.method() == Method::DATA => self.data_indication(&m),
            Class::SuccessResponse | Class::ErrorResponse => {
                self.handle_response(now, &m);
                None
            }
            _ => {
                self.stats.malformed += 1;
                None
            }
        }
    }

    fn data_indication(&mut self, m: &Message<&[u8]>) -> Option<(SocketAddr, Range<usize>)> {
        let peer = match m.get_typed(AttrType::XOR_PEER_ADDRESS) {
            Some(Ok(Attribute::XorPeerAddress(peer))) => peer,
            _ => {
                self.stats.malformed += 1;
                return None;
            }
        };
        let Some(data) = m.get(AttrType::DATA) else {
            self.stats.malformed += 1;
            return None;
        };
        if !self.permissions.contains_key(&peer.ip()) {
            self.stats.unknown_peer += 1;
            return None;
        }
        let start = data.offset + strata_stun::ATTR_HEADER_LEN;
        Some((peer, start..start + data.value.len()))
    }

    fn lose(&mut self, error: RequestError) {
        if self.is_allocated() {
            self.close();
            self.events.push_back(Event::AllocationLost(error));
        }
    }

    fn close(&mut self) {
        self.state = State::Closed;
        for p in &mut self.pending {
            p.tx.cancel();
        }
        self.pending.clear();
        self.permissions.clear();
        self.channels.clear();
        self.channel_peers.clear();
        self.transmits.clear();
    }
}

fn install_permission(p: &mut Permission, now: Instant) {
    p.installed = true;
    p.in_flight = false;
    p.expires_at = Some(now + PERMISSION_LIFETIME);
    p.refresh_at = Some(now + PERMISSION_REFRESH);
}

/// When to refresh an allocation granted for `lifetime`: at 80 % of it, but at least a
/// minute before the end when the lifetime allows (and never later than half-way for short
/// lifetimes).
fn refresh_delay(lifetime: Duration) -> Duration {
    let margin = (lifetime / 5).max(Duration::from_secs(60).min(lifetime / 2));
    lifetime - margin
}
