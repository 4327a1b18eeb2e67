//! The TURN server core (RFC 8656), sans-IO.
//!
//! [`Server`] holds every allocation and answers clients; it never touches a socket. The
//! caller feeds it:
//! - datagrams and stream frames from clients with [`Server::handle_packet`] (STUN requests,
//!   Send indications, ChannelData, section 12.4), tagged with their 5-tuple
//!   ([`Input`]);
//! - datagrams that peers sent to a relayed address with [`Server::handle_relay_packet`];
//! - the passing of time with [`Server::handle_timeout`];
//! - the end of a TCP/TLS connection with [`Server::handle_connection_closed`];
//!
//! then drains [`Server::poll_transmit`] (each [`Transmit`] says whether it goes to a client
//! over its 5-tuple or from a relayed address to a peer) and [`Server::poll_event`] until
//! both return `None`, and sleeps until [`Server::poll_timeout`]. Relayed addresses are
//! opened and closed by the caller through the [`RelayPorts`] trait, so the core stays
//! sans-IO and tests use a fake.
//!
//! Implemented (RFC 8656): Allocate (section 7.2) with REQUESTED-TRANSPORT, REQUESTED-
//! ADDRESS-FAMILY, EVEN-PORT without reservation, DONT-FRAGMENT accepted (the caller decides
//! whether it can honour it); Refresh (7.5) including deletion with a zero lifetime;
//! CreatePermission (9); ChannelBind (12.2, 12.3) with its consistency rules; Send and Data
//! indications (10); ChannelData both ways (12.4-12.6); Binding requests (RFC 8489); the
//! long-term credential mechanism with stateless nonces ([`auth`]) and TURN REST usernames;
//! allocation, permission, channel and nonce lifetimes; quotas; per-allocation token buckets;
//! the peer filter ([`filter`]). Malformed and unauthenticated input is dropped and counted
//! in [`ServerStats`].
//!
//! EVEN-PORT with the R bit reserves the next port for 30 s behind a RESERVATION-TOKEN
//! (the caller's [`RelayPorts`] opens both ports).
//!
//! Left out: dual allocations (an
//! ADDITIONAL-ADDRESS-FAMILY request gets the IPv4 allocation and an ADDRESS-ERROR-CODE for
//! IPv6), ICMP attributes, the five-minute quarantine of expired channel numbers
//! (section 12), RFC 6062 TCP relaying, the RFC 8489 SHA-256 password algorithms.

mod allocation;
pub mod auth;
pub mod config;
pub mod filter;
mod handlers;
mod relay;
#[cfg(test)]
mod tests;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use strata_stun::{AddressFamily, IntegrityKey};

use allocation::Allocation;
pub use config::{Credentials, RateLimit, ServerConfig};
pub use filter::{InvalidPrefix, IpPrefix, PeerFilter};

use crate::channel_data::ChannelNumber;

/// The transport between a client and the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transport {
    /// UDP.
    Udp,
    /// TCP (messages framed as RFC 8656 section 12.5 says).
    Tcp,
    /// TLS over TCP.
    Tls,
}

impl Transport {
    /// Whether the transport is a byte stream (ChannelData is then padded).
    #[inline]
    pub fn is_stream(self) -> bool {
        !matches!(self, Transport::Udp)
    }
}

/// The 5-tuple that names an allocation (RFC 8656 section 2): transport, client address and
/// the server address the client talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FiveTuple {
    /// The transport.
    pub transport: Transport,
    /// The client's address as the server sees it.
    pub client: SocketAddr,
    /// The server's address the client sent to.
    pub server: SocketAddr,
}

/// Bytes received from a client.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The transport they came over.
    pub transport: Transport,
    /// The client's address.
    pub client: SocketAddr,
    /// The server's local address they arrived at.
    pub local: SocketAddr,
    /// One datagram, or one frame taken from a stream by [`crate::framing::StreamDecoder`].
    pub data: &'a [u8],
}

impl Input<'_> {
    /// The 5-tuple of this input.
    #[inline]
    pub fn five_tuple(&self) -> FiveTuple {
        FiveTuple {
            transport: self.transport,
            client: self.client,
            server: self.local,
        }
    }
}

/// Where a [`Transmit`] goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// To a client over its 5-tuple (send from `server` to `client` on `transport`).
    Client(FiveTuple),
    /// From a relayed address to a peer.
    Peer {
        /// The relayed address (the socket to send from).
        relayed: SocketAddr,
        /// The peer.
        peer: SocketAddr,
    },
}

/// Bytes to send. Hand the buffer back with [`Server::recycle`] once sent, so that relaying
/// does not allocate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Where to send.
    pub route: Route,
    /// The datagram or stream bytes.
    pub contents: Vec<u8>,
}

/// What the server asks of [`RelayPorts::open`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelayRequest {
    /// The address family of the relayed address.
    pub family: AddressFamily,
    /// EVEN-PORT was requested: the port must be even.
    pub even_port: bool,
    /// EVEN-PORT's R bit: the next-higher port must be opened too (the server hands it out
    /// later to the Allocate that presents the RESERVATION-TOKEN, or closes it after 30 s).
    pub reserve_next: bool,
    /// The allocation the address is for.
    pub five_tuple: FiveTuple,
}

/// Opens and closes relayed transport addresses for the server core. The binary binds real
/// UDP sockets in its port range; tests use a fake.
pub trait RelayPorts {
    /// Opens a relayed address. An error is answered 508 (Insufficient Capacity).
    fn open(&mut self, request: &RelayRequest) -> io::Result<SocketAddr>;
    /// Closes a relayed address opened before.
    fn close(&mut self, relayed: SocketAddr);
}

/// Why an allocation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeleteReason {
    /// Its lifetime ran out.
    Expired,
    /// The client sent a Refresh with LIFETIME 0.
    Refreshed,
    /// Its TCP or TLS connection closed.
    ConnectionClosed,
}

/// Something that happened in the server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// An allocation was created.
    AllocationCreated {
        /// Its 5-tuple.
        five_tuple: FiveTuple,
        /// Its relayed address.
        relayed: SocketAddr,
        /// The username that authenticated it.
        username: String,
    },
    /// An allocation was deleted (its relayed address is already closed).
    AllocationDeleted {
        /// Its 5-tuple.
        five_tuple: FiveTuple,
        /// Its relayed address.
        relayed: SocketAddr,
        /// Why.
        reason: DeleteReason,
    },
    /// A channel was bound (not refreshed).
    ChannelBound {
        /// The allocation.
        five_tuple: FiveTuple,
        /// The channel number.
        channel: ChannelNumber,
        /// The peer.
        peer: SocketAddr,
    },
}

/// Counters; every dropped input lands in exactly one of the `dropped_*` or `malformed`
/// fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerStats {
    /// Inputs that are neither valid STUN nor ChannelData, or STUN messages of a class or
    /// method the server does not take.
    pub malformed: u64,
    /// Requests refused for missing or wrong credentials (401 answers).
    pub unauthenticated: u64,
    /// Requests refused for an expired or foreign NONCE (438 answers).
    pub stale_nonce: u64,
    /// Error responses of any kind sent.
    pub error_responses: u64,
    /// Success responses sent.
    pub success_responses: u64,
    /// Packets relayed from clients to peers.
    pub relayed_to_peer_packets: u64,
    /// Bytes (application data) relayed from clients to peers.
    pub relayed_to_peer_bytes: u64,
    /// Packets relayed from peers to clients.
    pub relayed_to_client_packets: u64,
    /// Bytes relayed from peers to clients.
    pub relayed_to_client_bytes: u64,
    /// Data or indications that match no allocation, or ChannelData on an unbound channel.
    pub dropped_no_allocation: u64,
    /// Data to or from a peer without a permission.
    pub dropped_no_permission: u64,
    /// Send indications to a peer the filter refuses.
    pub dropped_forbidden_peer: u64,
    /// Data over an allocation's bandwidth or packet-rate limit.
    pub dropped_rate_limited: u64,
    /// Transmits dropped because the queue was full.
    pub dropped_queue_full: u64,
    /// Events dropped because the queue was full.
    pub dropped_events: u64,
    /// Allocations created.
    pub allocations_created: u64,
    /// Allocations that expired.
    pub allocations_expired: u64,
}

/// Most events kept waiting for [`Server::poll_event`].
const MAX_EVENTS: usize = 1024;
/// Most spare buffers kept for reuse.
const MAX_POOL: usize = 1024;

/// The TURN server core. See the module docs for how to drive it.
#[derive(Debug)]
pub struct Server<P: RelayPorts> {
    config: ServerConfig,
    ports: P,
    allocations: HashMap<FiveTuple, Allocation>,
    by_relayed: HashMap<SocketAddr, FiveTuple>,
    user_allocations: HashMap<String, u32>,
    static_keys: HashMap<String, IntegrityKey>,
    timers: BinaryHeap<Reverse<(Instant, FiveTuple)>>,
    /// RESERVATION-TOKEN -> reserved relayed address and its expiry.
    reservations: HashMap<[u8; 8], (SocketAddr, Instant)>,
    /// Reservations in the order they expire (they all live equally long).
    reservation_queue: VecDeque<(Instant, [u8; 8])>,
    reservation_counter: u64,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
    pool: Vec<Vec<u8>>,
    stats: ServerStats,
    epoch: Option<Instant>,
    wall_clock: Option<(Instant, u64)>,
}

impl<P: RelayPorts> Server<P> {
    /// A server with `config` that opens relayed addresses through `ports`.
    pub fn new(config: ServerConfig, ports: P) -> Server<P> {
        let static_keys = config
            .credentials
            .users
            .iter()
            .filter_map(|(u, p)| Some((u.clone(), auth::long_term_key(u, &config.realm, p)?)))
            .collect();
        Server {
            config,
            ports,
            allocations: HashMap::new(),
            by_relayed: HashMap::new(),
            user_allocations: HashMap::new(),
            static_keys,
            timers: BinaryHeap::new(),
            reservations: HashMap::new(),
            reservation_queue: VecDeque::new(),
            reservation_counter: 0,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            pool: Vec::new(),
            stats: ServerStats::default(),
            epoch: None,
            wall_clock: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// The counters.
    pub fn stats(&self) -> ServerStats {
        self.stats
    }

    /// The relay port opener.
    pub fn relay_ports(&self) -> &P {
        &self.ports
    }

    /// The relay port opener, mutably.
    pub fn relay_ports_mut(&mut self) -> &mut P {
        &mut self.ports
    }

    /// How many allocations exist.
    pub fn allocation_count(&self) -> usize {
        self.allocations.len()
    }

    /// The relayed address of the allocation on `five_tuple`, if any.
    pub fn relayed_address(&self, five_tuple: &FiveTuple) -> Option<SocketAddr> {
        self.allocations.get(five_tuple).map(|a| a.relayed)
    }

    /// Tells the server which UNIX time (seconds) `now` is, for TURN REST username expiry.
    /// Without it, REST usernames are refused. Call it at start and now and then.
    pub fn set_unix_time(&mut self, now: Instant, unix_seconds: u64) {
        self.wall_clock = Some((now, unix_seconds));
    }

    /// Takes a datagram (or a stream frame) from a client.
    pub fn handle_packet(&mut self, now: Instant, input: Input<'_>) {
        let five_tuple = input.five_tuple();
        match input.data.first() {
            Some(b) if b & 0xC0 == 0x40 => {
                match crate::channel_data::ChannelData::new_checked(input.data) {
                    Ok(m) => self.handle_channel_data(now, five_tuple, m.channel(), m.data()),
                    Err(_) => self.stats.malformed += 1,
                }
            }
            Some(b) if b & 0xC0 == 0 => self.handle_stun(now, five_tuple, input.data),
            _ => self.stats.malformed += 1,
        }
    }

    /// A TCP or TLS connection from a client closed: its allocation goes (RFC 8656
    /// section 3.1).
    pub fn handle_connection_closed(&mut self, now: Instant, five_tuple: FiveTuple) {
        let _ = now;
        self.delete_allocation(&five_tuple, DeleteReason::ConnectionClosed);
    }

    /// Expires what is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&(at, token)) = self.reservation_queue.front() {
            if at > now {
                break;
            }
            self.reservation_queue.pop_front();
            if let Some((addr, _)) = self.reservations.remove(&token) {
                self.ports.close(addr);
            }
        }
        while let Some(&Reverse((at, five_tuple))) = self.timers.peek() {
            if at > now {
                break;
            }
            self.timers.pop();
            let Some(alloc) = self.allocations.get_mut(&five_tuple) else {
                continue;
            };
            if alloc.scheduled != Some(at) {
                continue;
            }
            alloc.scheduled = None;
            if alloc.expire(now) {
                self.stats.allocations_expired += 1;
                self.delete_allocation(&five_tuple, DeleteReason::Expired);
            } else {
                self.schedule(five_tuple);
            }
        }
    }

    /// The next bytes to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`Server::handle_timeout`] next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let allocations = self.timers.peek().map(|Reverse((at, _))| *at);
        let reservations = self.reservation_queue.front().map(|(at, _)| *at);
        match (allocations, reservations) {
            (Some(a), Some(r)) => Some(a.min(r)),
            (a, r) => a.or(r),
        }
    }

    /// Returns a sent [`Transmit`]'s buffer for reuse.
    pub fn recycle(&mut self, mut buffer: Vec<u8>) {
        if self.pool.len() < MAX_POOL {
            buffer.clear();
            self.pool.push(buffer);
        }
    }

    /// An unguessable RESERVATION-TOKEN: a keyed hash of a counter.
    fn reservation_token(&mut self) -> [u8; 8] {
        self.reservation_counter += 1;
        auth::token(&self.config.nonce_secret, self.reservation_counter)
    }

    fn buffer(&mut self) -> Vec<u8> {
        self.pool.pop().unwrap_or_else(|| Vec::with_capacity(1500))
    }

    fn push_transmit(&mut self, route: Route, contents: Vec<u8>) {
        if self.transmits.len() >= self.config.max_queued_transmits {
            self.stats.dropped_queue_full += 1;
            self.recycle(contents);
            return;
        }
        self.transmits.push_back(Transmit { route, contents });
    }

    fn push_event(&mut self, event: Event) {
        if self.events.len() >= MAX_EVENTS {
            self.events.pop_front();
            self.stats.dropped_events += 1;
        }
        self.events.push_back(event);
    }

    /// Seconds since the server first saw time, for nonces.
    fn seconds(&mut self, now: Instant) -> u64 {
        let epoch = *self.epoch.get_or_insert(now);
        now.saturating_duration_since(epoch).as_secs()
    }

    fn unix_time(&self, now: Instant) -> Option<u64> {
        let (at, unix) = self.wall_clock?;
        Some(if now >= at {
            unix.saturating_add(now.duration_since(at).as_secs())
        } else {
            unix.saturating_sub(at.duration_since(now).as_secs())
        })
    }

    /// Makes sure the timer heap wakes the server by the allocation's next deadline.
    fn schedule(&mut self, five_tuple: FiveTuple) {
        let Some(alloc) = self.allocations.get_mut(&five_tuple) else {
            return;
        };
        let deadline = alloc.next_deadline();
        if alloc.scheduled.is_none_or(|s| deadline < s) {
            alloc.scheduled = Some(deadline);
            self.timers.push(Reverse((deadline, five_tuple)));
        }
    }

    fn delete_allocation(&mut self, five_tuple: &FiveTuple, reason: DeleteReason) {
        let Some(alloc) = self.allocations.remove(five_tuple) else {
            return;
        };
        self.by_relayed.remove(&alloc.relayed);
        if let Some(n) = self.user_allocations.get_mut(&alloc.username) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.user_allocations.remove(&alloc.username);
            }
        }
        self.ports.close(alloc.relayed);
        self.push_event(Event::AllocationDeleted {
            five_tuple: *five_tuple,
            relayed: alloc.relayed,
            reason,
        });
    }
}
