//! Deterministic tests of the server core with a virtual clock and a fake relay port opener.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use strata_stun::{
    AddressFamily, AttrType, Attribute, Class, IntegrityKey, Message, MessageBuilder, MessageType,
    Method, PasswordAlgorithmId, TransactionId,
};

use super::*;
use crate::channel_data::{ChannelData, encode_into};

#[derive(Debug, Default)]
struct FakePorts {
    next: u16,
    open: Vec<SocketAddr>,
    closed: Vec<SocketAddr>,
    fail: bool,
}

impl RelayPorts for FakePorts {
    fn open(&mut self, request: &RelayRequest) -> io::Result<SocketAddr> {
        if self.fail {
            return Err(io::Error::other("no ports"));
        }
        self.next += 2;
        let ip = if request.family == AddressFamily::IPV6 {
            "2001:db8::10".parse().unwrap()
        } else {
            "203.0.113.10".parse().unwrap()
        };
        let addr = SocketAddr::new(ip, 50_000 + self.next);
        self.open.push(addr);
        if request.reserve_next {
            self.open.push(SocketAddr::new(ip, addr.port() + 1));
        }
        Ok(addr)
    }

    fn close(&mut self, relayed: SocketAddr) {
        self.open.retain(|a| *a != relayed);
        self.closed.push(relayed);
    }
}

const REALM: &str = "example.org";
const SERVER: &str = "192.0.2.1:3478";
const PEER: &str = "198.51.100.7:6000";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn config() -> ServerConfig {
    let mut c = ServerConfig::new(REALM).with_user("alice", "secret");
    c.nonce_secret = [9; 32];
    c
}

struct Harness {
    server: Server<FakePorts>,
    now: Instant,
    tid: u8,
}

/// A client's view: its 5-tuple, credentials and last nonce.
#[derive(Clone)]
struct Client {
    tuple: FiveTuple,
    username: String,
    password: String,
    nonce: Option<String>,
}

fn client(port: u16, transport: Transport) -> Client {
    Client {
        tuple: FiveTuple {
            transport,
            client: SocketAddr::new("198.51.100.1".parse().unwrap(), port),
            server: addr(SERVER),
        },
        username: "alice".into(),
        password: "secret".into(),
        nonce: None,
    }
}

/// A parsed response: class, method, error code and its attributes' raw bytes.
struct Reply {
    bytes: Vec<u8>,
}

impl Reply {
    fn message(&self) -> Message<&[u8]> {
        Message::new_checked(&self.bytes[..]).unwrap()
    }
    fn class(&self) -> Class {
        self.message().class()
    }
    fn error(&self) -> Option<u16> {
        match self.message().get_typed(AttrType::ERROR_CODE) {
            Some(Ok(Attribute::ErrorCode(e))) => Some(e.code),
            _ => None,
        }
    }
    fn attr(&self, t: AttrType) -> Option<Attribute<'_>> {
        let (offset, len, tid) = {
            let m = self.message();
            let raw = m.get(t)?;
            (raw.offset, raw.value.len(), m.transaction_id())
        };
        let value = &self.bytes[offset + 4..offset + 4 + len];
        Some(Attribute::parse(t, value, &tid).unwrap())
    }
}

impl Harness {
    fn new(config: ServerConfig) -> Harness {
        Harness {
            server: Server::new(config, FakePorts::default()),
            now: Instant::now(),
            tid: 0,
        }
    }

    fn advance(&mut self, d: Duration) {
        self.now += d;
        self.server.handle_timeout(self.now);
    }

    fn next_tid(&mut self) -> TransactionId {
        self.tid = self.tid.wrapping_add(1);
        TransactionId([self.tid; 12])
    }

    fn feed(&mut self, c: &Client, data: &[u8]) {
        self.server.handle_packet(
            self.now,
            Input {
                transport: c.tuple.transport,
                client: c.tuple.client,
                local: c.tuple.server,
                data,
            },
        );
    }

    /// [`Harness::request_once`], repeated with the new nonce after a 438 as a client would.
    fn request(
        &mut self,
        c: &Client,
        method: Method,
        attrs: &[Attribute<'_>],
        tid: Option<TransactionId>,
    ) -> Reply {
        let r = self.request_once(c, method, attrs, tid);
        if r.error() != Some(438) {
            return r;
        }
        let Some(Attribute::Nonce(n)) = r.attr(AttrType::NONCE) else {
            panic!("438 without a nonce")
        };
        let mut fresh = c.clone();
        fresh.nonce = Some(n.to_owned());
        self.request_once(&fresh, method, attrs, tid)
    }

    /// Sends a request signed with the client's credentials (if it has a nonce) and returns
    /// the single response.
    fn request_once(
        &mut self,
        c: &Client,
        method: Method,
        attrs: &[Attribute<'_>],
        tid: Option<TransactionId>,
    ) -> Reply {
        let tid = tid.unwrap_or_else(|| self.next_tid());
        let mut b = MessageBuilder::new(MessageType::new(method, Class::Request), tid);
        for a in attrs {
            b.add(a).unwrap();
        }
        if let Some(nonce) = &c.nonce {
            b.add(&Attribute::Username(&c.username)).unwrap();
            b.add(&Attribute::Realm(REALM)).unwrap();
            b.add(&Attribute::Nonce(nonce)).unwrap();
            b.add_message_integrity(&key(c)).unwrap();
        }
        b.add_fingerprint().unwrap();
        let bytes = b.finish();
        self.feed(c, &bytes);
        let t = self.server.poll_transmit().expect("a response");
        assert_eq!(t.route, Route::Client(c.tuple));
        assert!(self.server.poll_transmit().is_none());
        let reply = Reply { bytes: t.contents };
        let m = reply.message();
        assert_eq!(m.transaction_id(), tid);
        assert_eq!(m.method(), method);
        m.verify_fingerprint().unwrap();
        reply
    }

    /// Runs the 401 challenge and an authenticated Allocate; returns the relayed address.
    fn allocate(&mut self, c: &mut Client) -> SocketAddr {
        let r = self.request(
            c,
            Method::ALLOCATE,
            &[Attribute::RequestedTransport(17)],
            None,
        );
        assert_eq!(r.error(), Some(401));
        c.nonce = match r.attr(AttrType::NONCE) {
            Some(Attribute::Nonce(n)) => Some(n.to_owned()),
            other => panic!("no nonce: {other:?}"),
        };
        let r = self.request(
            c,
            Method::ALLOCATE,
            &[Attribute::RequestedTransport(17)],
            None,
        );
        assert_eq!(r.class(), Class::SuccessResponse, "error {:?}", r.error());
        r.message().verify_integrity(&key(c)).unwrap();
        match r.attr(AttrType::XOR_RELAYED_ADDRESS) {
            Some(Attribute::XorRelayedAddress(a)) => a,
            other => panic!("{other:?}"),
        }
    }

    fn drain_events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.server.poll_event()).collect()
    }
}

fn key(c: &Client) -> IntegrityKey {
    IntegrityKey::long_term(&c.username, REALM, &c.password, PasswordAlgorithmId::MD5).unwrap()
}

fn send_indication(peer: SocketAddr, data: &[u8]) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        MessageType::new(Method::SEND, Class::Indication),
        TransactionId([0xAB; 12]),
    );
    b.add(&Attribute::XorPeerAddress(peer)).unwrap();
    b.add(&Attribute::Data(data)).unwrap();
    b.finish()
}

#[test]
fn binding_request_is_answered_without_credentials() {
    let mut h = Harness::new(config());
    let c = client(40_000, Transport::Udp);
    let r = h.request(&c, Method::BINDING, &[], None);
    assert_eq!(r.class(), Class::SuccessResponse);
    assert_eq!(
        r.attr(AttrType::XOR_MAPPED_ADDRESS),
        Some(Attribute::XorMappedAddress(c.tuple.client))
    );
}

#[test]
fn allocate_challenges_then_succeeds() {
    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Udp);
    let r = h.request(
        &c,
        Method::ALLOCATE,
        &[Attribute::RequestedTransport(17)],
        None,
    );
    assert_eq!(r.error(), Some(401));
    assert!(matches!(
        r.attr(AttrType::REALM),
        Some(Attribute::Realm(REALM))
    ));
    assert!(r.message().get(AttrType::MESSAGE_INTEGRITY).is_none());
    let relayed = h.allocate(&mut c);
    assert_eq!(h.server.relay_ports().open, vec![relayed]);
    assert_eq!(h.server.relayed_address(&c.tuple), Some(relayed));
    assert_eq!(
        h.drain_events(),
        vec![Event::AllocationCreated {
            five_tuple: c.tuple,
            relayed,
            username: "alice".into()
        }]
    );
    assert_eq!(
        h.server.poll_timeout(),
        Some(h.now + Duration::from_secs(600))
    );
    assert_eq!(h.server.stats().allocations_created, 1);
}

#[test]
fn allocate_success_carries_lifetime_and_mapped_address() {
    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Udp);
    h.allocate(&mut c);
    let mut c2 = client(40_001, Transport::Udp);
    c2.nonce = c.nonce.clone();
    let r = h.request(
        &c2,
        Method::ALLOCATE,
        &[
            Attribute::RequestedTransport(17),
            Attribute::Lifetime(100_000),
        ],
        None,
    );
    assert_eq!(r.attr(AttrType::LIFETIME), Some(Attribute::Lifetime(3600)));
    assert_eq!(
        r.attr(AttrType::XOR_MAPPED_ADDRESS),
        Some(Attribute::XorMappedAddress(c2.tuple.client))
    );
    let mut c3 = client(40_002, Transport::Udp);
    c3.nonce = c.nonce.clone();
    let r = h.request(
        &c3,
        Method::ALLOCATE,
        &[Attribute::RequestedTransport(17), Attribute::Lifetime(30)],
        None,
    );
    assert_eq!(r.attr(AttrType::LIFETIME), Some(Attribute::Lifetime(600)));
}

#[test]
fn wrong_password_and_unknown_user_get_401() {
    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Udp);
    h.allocate(&mut c);
    let mut other = client(40_001, Transport::Udp);
    other.nonce = c.nonce.clone();
    other.password = "wrong".into();
    let r = h.request(
        &other,
        Method::ALLOCATE,
        &[Attribute::RequestedTransport(17)],
        None,
    );
    assert_eq!(r.error(), Some(401));
    assert!(r.attr(AttrType::NONCE).is_some());
    other.username = "mallory".into();
    let r = h.request(
        &other,
        Method::ALLOCATE,
        &[Attribute::RequestedTransport(17)],
        None,
    );
    assert_eq!(r.error(), Some(401));
    // Two challenges without integrity (the first Allocate) plus these two.
    assert_eq!(h.server.stats().unauthenticated, 3);
    assert_eq!(h.server.allocation_count(), 1);
}

#[test]
fn missing_username_is_a_bad_request() {
    let mut h = Harness::new(config());
    let c = client(40_000, Transport::Udp);
    let mut b = MessageBuilder::new(
        MessageType::new(Method::ALLOCATE, Class::Request),
        TransactionId([1; 12]),
    );
    b.add(&Attribute::RequestedTransport(17)).unwrap();
    b.add_message_integrity(&key(&c)).unwrap();
    h.feed(&c, &b.finish());
    let t = h.server.poll_transmit().unwrap();
    let r = Reply { bytes: t.contents };
    assert_eq!(r.error(), Some(400));
}

#[test]
fn stale_nonce_gets_438_and_a_fresh_nonce_works() {
    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Udp);
    h.allocate(&mut c);
    h.advance(Duration::from_secs(599));
    let r = h.request_once(&c, Method::REFRESH, &[], None);
    assert_eq!(r.class(), Class::SuccessResponse);
    h.advance(Duration::from_secs(2));
    let r = h.request_once(&c, Method::REFRESH, &[], None);
    assert_eq!(r.error(), Some(438));
    assert_eq!(h.server.stats().stale_nonce, 1);
    let Some(Attribute::Nonce(n)) = r.attr(AttrType::NONCE) else {
        panic!("no nonce")
    };
    assert_ne!(Some(n), c.nonce.as_deref());
    c.nonce = Some(n.to_owned());
    let r = h.request(&c, Method::REFRESH, &[], None);
    assert_eq!(r.class(), Class::SuccessResponse);
    // A nonce we never issued is refused too.
    c.nonce = Some("0".repeat(32));
    assert_eq!(
        h.request_once(&c, Method::REFRESH, &[], None).error(),
        Some(438)
    );
}

#[test]
fn second_allocate_is_437_but_a_retransmission_is_answered_again() {
    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Udp);
    let relayed = h.allocate(&mut c);
    let tid = TransactionId([h.tid; 12]);
    let r = h.request(
        &c,
        Method::ALLOCATE,
        &[Attribute::RequestedTransport(17)],
        Some(tid),
    );
    assert_eq!(r.class(), Class::SuccessResponse);
    assert_eq!(
        r.attr(AttrType::XOR_RELAYED_ADDRESS),
        Some(Attribute::XorRelayedAddress(relayed))
    );
    let r = h.request(
        &c,
        Method::ALLOCATE,
        &[Attribute::RequestedTransport(17)],
        None,
    );
    assert_eq!(r.error(), Some(437));
    r.message().verify_integrity(&key(&c)).unwrap();
    assert_eq!(h.server.relay_ports().open.len(), 1);
}

#[test]
fn allocate_checks_transport_and_family() {
    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Udp);
    h.allocate(&mut c);
    let mut c2 = client(40_001, Transport::Udp);
    c2.nonce = c.nonce.clone();
    let alloc = Method::ALLOCATE;
    assert_eq!(
        h.request(&c2, alloc, &[Attribute::RequestedTransport(6)], None)
            .error(),
        Some(442)
    );
    assert_eq!(h.request(&c2, alloc, &[], None).error(), Some(400));
    let v6 = [
        Attribute::RequestedTransport(17),
        Attribute::RequestedAddressFamily(AddressFamily::IPV6),
    ];
    assert_eq!(h.request(&c2, alloc, &v6, None).error(), Some(440));
    let bad = [
        Attribute::RequestedTransport(17),
        Attribute::RequestedAddressFamily(AddressFamily(9)),
    ];
    assert_eq!(h.request(&c2, alloc, &bad, None).error(), Some(440));
    let token_and_family = [
        Attribute::RequestedTransport(17),
        Attribute::ReservationToken([1; 8]),
        Attribute::RequestedAddressFamily(AddressFamily::IPV4),
    ];
    assert_eq!(
        h.request(&c2, alloc, &token_and_family, None).error(),
        Some(400)
    );

    let mut cfg = config();
    cfg.ipv6_relay = true;
    let mut h = Harness::new(cfg);
    let mut c = client(40_000, Transport::Udp);
    h.allocate(&mut c);
    let mut c2 = client(40_001, Transport::Udp);
    c2.nonce = c.nonce.clone();
    let r = h.request(&c2, alloc, &v6, None);
    let Some(Attribute::XorRelayedAddress(a)) = r.attr(AttrType::XOR_RELAYED_ADDRESS) else {
        panic!()
    };
    assert!(a.is_ipv6());
}

#[test]
fn even_port_reserves_the_next_port_behind_a_token() {
    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Udp);
    h.allocate(&mut c);
    let mut rtp = client(40_001, Transport::Udp);
    rtp.nonce = c.nonce.clone();
    let even = [
        Attribute::RequestedTransport(17),
        Attribute::EvenPort { reserve_next: true },
    ];
    let r = h.request(&rtp, Method::ALLOCATE, &even, None);
    let Some(Attribute::XorRelayedAddress(a)) = r.attr(AttrType::XOR_RELAYED_ADDRESS) else {
        panic!("error {:?}", r.error())
    };
    assert_eq!(a.port() % 2, 0);
    let Some(Attribute::ReservationToken(token)) = r.attr(AttrType::RESERVATION_TOKEN) else {
        panic!("no token")
    };
    let mut rtcp = client(40_002, Transport::Udp);
    rtcp.nonce = c.nonce.clone();
    let with_token = [
        Attribute::RequestedTransport(17),
        Attribute::ReservationToken(token),
    ];
    let r = h.request(&rtcp, Method::ALLOCATE, &with_token, None);
    let Some(Attribute::XorRelayedAddress(b)) = r.attr(AttrType::XOR_RELAYED_ADDRESS) else {
        panic!("error {:?}", r.error())
    };
    assert_eq!(b, SocketAddr::new(a.ip(), a.port() + 1));
    // A token works once.
    let mut again = client(40_003, Transport::Udp);
    again.nonce = c.nonce.clone();
    assert_eq!(
        h.request(&again, Method::ALLOCATE, &with_token, None)
            .error(),
        Some(508)
    );

    // An unclaimed reservation closes its port after 30 s.
    let mut other = client(40_004, Transport::Udp);
    other.nonce = c.nonce.clone();
    let r = h.request(&other, Method::ALLOCATE, &even, None);
    let Some(Attribute::XorRelayedAddress(x)) = r.attr(AttrType::XOR_RELAYED_ADDRESS) else {
        panic!()
    };
    let reserved = SocketAddr::new(x.ip(), x.port() + 1);
    assert!(h.server.relay_ports().open.contains(&reserved));
    assert_eq!(
        h.server.poll_timeout(),
        Some(h.now + Duration::from_secs(30))
    );
    h.advance(Duration::from_secs(30));
    assert!(h.server.relay_ports().closed.contains(&reserved));
    assert!(!h.server.relay_ports().open.contains(&reserved));
}

#[test]
fn port_exhaustion_is_508() {
    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Udp);
    h.allocate(&mut c);
    h.server.relay_ports_mut().fail = true;
    let mut c2 = client(40_001, Transport::Udp);
    c2.nonce = c.nonce.clone();
    let r = h.request(
        &c2,
        Method::ALLOCATE,
        &[Attribute::RequestedTransport(17)],
        None,
    );
    assert_eq!(r.error(), Some(508));
}

#[test]
fn quotas_give_486() {
    let mut cfg = config().with_user("bob", "pw");
    cfg.user_quota = 1;
    cfg.total_quota = 2;
    let mut h = Harness::new(cfg);
    let mut a1 = client(40_000, Transport::Udp);
    h.allocate(&mut a1);
    let mut a2 = client(40_001, Transport::Udp);
    a2.nonce = a1.nonce.clone();
    let req = [Attribute::RequestedTransport(17)];
    assert_eq!(
        h.request(&a2, Method::ALLOCATE, &req, None).error(),
        Some(486)
    );
    let mut b1 = client(40_002, Transport::Udp);
    b1.username = "bob".into();
    b1.password = "pw".into();
    b1.nonce = a1.nonce.clone();
    assert_eq!(
        h.request(&b1, Method::ALLOCATE, &req, None).class(),
        Class::SuccessResponse
    );
    let mut b2 = b1.clone();
    b2.tuple.client.set_port(40_003);
    b2.username = "carol".into();
    // Total quota: refused before anything else about the user matters... carol is unknown,
    // so she is refused by authentication; use alice's freed slot instead.
    assert_eq!(
        h.request(&b2, Method::ALLOCATE, &req, None).error(),
        Some(401)
    );
    // Deleting alice's allocation frees her quota but the total still counts bob.
    assert_eq!(
        h.request(&a1, Method::REFRESH, &[Attribute::Lifetime(0)], None)
            .class(),
        Class::SuccessResponse
    );
    assert_eq!(
        h.request(&a2, Method::ALLOCATE, &req, None).class(),
        Class::SuccessResponse
    );
    let mut a3 = a1.clone();
    a3.tuple.client.set_port(40_004);
    assert_eq!(
        h.request(&a3, Method::ALLOCATE, &req, None).error(),
        Some(486)
    );
}

#[test]
fn refresh_extends_and_zero_deletes() {
    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Udp);
    let relayed = h.allocate(&mut c);
    h.drain_events();
    h.advance(Duration::from_secs(500));
    let r = h.request(&c, Method::REFRESH, &[Attribute::Lifetime(1200)], None);
    assert_eq!(r.attr(AttrType::LIFETIME), Some(Attribute::Lifetime(1200)));
    // The old deadline passes without effect.
    h.advance(Duration::from_secs(200));
    assert_eq!(h.server.allocation_count(), 1);
    let r = h.request(&c, Method::REFRESH, &[Attribute::Lifetime(0)], None);
    assert_eq!(r.attr(AttrType::LIFETIME), Some(Attribute::Lifetime(0)));
    assert_eq!(h.server.allocation_count(), 0);
    assert_eq!(h.server.relay_ports().closed, vec![relayed]);
    assert_eq!(
        h.drain_events(),
        vec![Event::AllocationDeleted {
            five_tuple: c.tuple,
            relayed,
            reason: DeleteReason::Refreshed
        }]
    );
    assert_eq!(h.request(&c, Method::REFRESH, &[], None).error(), Some(437));
}

#[test]
fn refresh_by_another_user_is_441_and_family_mismatch_is_443() {
    let mut h = Harness::new(config().with_user("bob", "pw"));
    let mut c = client(40_000, Transport::Udp);
    h.allocate(&mut c);
    let mut bob = c.clone();
    bob.username = "bob".into();
    bob.password = "pw".into();
    assert_eq!(
        h.request(&bob, Method::REFRESH, &[], None).error(),
        Some(441)
    );
    let v6 = [Attribute::RequestedAddressFamily(AddressFamily::IPV6)];
    assert_eq!(h.request(&c, Method::REFRESH, &v6, None).error(), Some(443));
}

#[test]
fn allocation_expires_on_its_timer() {
    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Udp);
    let relayed = h.allocate(&mut c);
    h.drain_events();
    h.advance(Duration::from_secs(599));
    assert_eq!(h.server.allocation_count(), 1);
    h.advance(Duration::from_secs(1));
    assert_eq!(h.server.allocation_count(), 0);
    assert_eq!(h.server.stats().allocations_expired, 1);
    assert_eq!(h.server.relay_ports().closed, vec![relayed]);
    assert!(matches!(
        h.drain_events()[..],
        [Event::AllocationDeleted {
            reason: DeleteReason::Expired,
            ..
        }]
    ));
    assert_eq!(h.server.poll_timeout(), None);
}

#[test]
fn tcp_connection_close_deletes_the_allocation() {
    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Tcp);
    h.allocate(&mut c);
    h.server.handle_connection_closed(h.now, c.tuple);
    assert_eq!(h.server.allocation_count(), 0);
}

#[test]
fn permissions_gate_relaying_both_ways() {
    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Udp);
    let relayed = h.allocate(&mut c);
    let peer = addr(PEER);
    // No permission yet: a Send indication and a peer datagram are both dropped.
    h.feed(&c, &send_indication(peer, b"hello"));
    h.server.handle_relay_packet(h.now, relayed, peer, b"back");
    assert!(h.server.poll_transmit().is_none());
    assert_eq!(h.server.stats().dropped_no_permission, 2);

    let r = h.request(
        &c,
        Method::CREATE_PERMISSION,
        &[Attribute::XorPeerAddress(peer)],
        None,
    );
    assert_eq!(r.class(), Class::SuccessResponse);
    r.message().verify_integrity(&key(&c)).unwrap();

    h.feed(&c, &send_indication(peer, b"hello"));
    let t = h.server.poll_transmit().unwrap();
    assert_eq!(t.route, Route::Peer { relayed, peer });
    assert_eq!(t.contents, b"hello");
    h.server.recycle(t.contents);

    // Any port of the permitted IP may answer; it arrives as a Data indication.
    let other_port = SocketAddr::new(peer.ip(), 7000);
    h.server
        .handle_relay_packet(h.now, relayed, other_port, b"back");
    let t = h.server.poll_transmit().unwrap();
    assert_eq!(t.route, Route::Client(c.tuple));
    let r = Reply { bytes: t.contents };
    assert_eq!(
        r.message().message_type(),
        MessageType::new(Method::DATA, Class::Indication)
    );
    assert_eq!(
        r.attr(AttrType::XOR_PEER_ADDRESS),
        Some(Attribute::XorPeerAddress(other_port))
    );
    assert_eq!(r.attr(AttrType::DATA), Some(Attribute::Data(b"back")));
    let s = h.server.stats();
    assert_eq!((s.relayed_to_peer_packets, s.relayed_to_peer_bytes), (1, 5));
    assert_eq!(
        (s.relayed_to_client_packets, s.relayed_to_client_bytes),
        (1, 4)
    );

    // Permissions last 300 s unless refreshed.
    h.advance(Duration::from_secs(300));
    h.server.handle_relay_packet(h.now, relayed, peer, b"late");
    assert!(h.server.poll_transmit().is_none());
    assert_eq!(h.server.allocation_count(), 1);
}

#[test]
fn forbidden_and_mismatched_peers() {
    let mut h = Harness::new(config().own_ip("192.0.2.1".parse().unwrap()));
    let mut c = client(40_000, Transport::Udp);
    h.allocate(&mut c);
    for bad in [
        "127.0.0.1:5000",
        "10.0.0.1:5000",
        "192.0.2.1:5000",
        "[::ffff:127.0.0.1]:1",
    ] {
        let peer = addr(bad);
        let perm = [Attribute::XorPeerAddress(peer)];
        let r = h.request(&c, Method::CREATE_PERMISSION, &perm, None);
        let expected = if bad.starts_with('[') { 443 } else { 403 };
        assert_eq!(r.error(), Some(expected), "{bad}");
    }
    let v6 = [Attribute::XorPeerAddress(addr("[2001:db8::1]:5000"))];
    assert_eq!(
        h.request(&c, Method::CREATE_PERMISSION, &v6, None).error(),
        Some(443)
    );
    assert_eq!(
        h.request(&c, Method::CREATE_PERMISSION, &[], None).error(),
        Some(400)
    );
    h.feed(&c, &send_indication(addr("127.0.0.1:5000"), b"x"));
    assert_eq!(h.server.stats().dropped_forbidden_peer, 1);

    // The allow-list opens loopback.
    let mut h = Harness::new(config().allow_peers("127.0.0.0/8".parse().unwrap()));
    let mut c = client(40_000, Transport::Udp);
    h.allocate(&mut c);
    let perm = [Attribute::XorPeerAddress(addr("127.0.0.1:5000"))];
    assert_eq!(
        h.request(&c, Method::CREATE_PERMISSION, &perm, None)
            .class(),
        Class::SuccessResponse
    );
}

#[test]
fn permission_table_is_bounded() {
    let mut cfg = config();
    cfg.max_permissions = 2;
    let mut h = Harness::new(cfg);
    let mut c = client(40_000, Transport::Udp);
    h.allocate(&mut c);
    let perm = |s: &str| [Attribute::XorPeerAddress(addr(s))];
    let cp = Method::CREATE_PERMISSION;
    assert_eq!(
        h.request(&c, cp, &perm("8.8.8.1:1"), None).class(),
        Class::SuccessResponse
    );
    assert_eq!(
        h.request(&c, cp, &perm("8.8.8.2:1"), None).class(),
        Class::SuccessResponse
    );
    assert_eq!(
        h.request(&c, cp, &perm("8.8.8.2:9"), None).class(),
        Class::SuccessResponse
    );
    assert_eq!(
        h.request(&c, cp, &perm("8.8.8.3:1"), None).error(),
        Some(508)
    );
}

#[test]
fn channel_bind_rules_and_channel_data_both_ways() {
    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Udp);
    let relayed = h.allocate(&mut c);
    h.drain_events();
    let peer = addr(PEER);
    let bind = |n: u16, p: SocketAddr| [Attribute::ChannelNumber(n), Attribute::XorPeerAddress(p)];
    let cb = Method::CHANNEL_BIND;
    assert_eq!(
        h.request(&c, cb, &bind(0x3FFF, peer), None).error(),
        Some(400)
    );
    assert_eq!(
        h.request(&c, cb, &bind(0x8000, peer), None).error(),
        Some(400)
    );
    assert_eq!(
        h.request(&c, cb, &[Attribute::ChannelNumber(0x4000)], None)
            .error(),
        Some(400)
    );
    assert_eq!(
        h.request(&c, cb, &bind(0x4000, addr("10.0.0.1:1")), None)
            .error(),
        Some(403)
    );
    let r = h.request(&c, cb, &bind(0x4000, peer), None);
    assert_eq!(r.class(), Class::SuccessResponse);
    r.message().verify_integrity(&key(&c)).unwrap();
    assert_eq!(
        h.drain_events(),
        vec![Event::ChannelBound {
            five_tuple: c.tuple,
            channel: ChannelNumber(0x4000),
            peer
        }]
    );
    // The same binding again is a refresh; other combinations are refused.
    assert_eq!(
        h.request(&c, cb, &bind(0x4000, peer), None).class(),
        Class::SuccessResponse
    );
    assert!(h.drain_events().is_empty());
    assert_eq!(
        h.request(&c, cb, &bind(0x4000, addr("8.8.8.8:1")), None)
            .error(),
        Some(400)
    );
    assert_eq!(
        h.request(&c, cb, &bind(0x4001, peer), None).error(),
        Some(400)
    );

    // Client to peer.
    let mut msg = Vec::new();
    encode_into(&mut msg, ChannelNumber(0x4000), b"media", false).unwrap();
    msg.extend_from_slice(&[0, 0, 0]); // UDP padding is ignored
    h.feed(&c, &msg);
    let t = h.server.poll_transmit().unwrap();
    assert_eq!(t.route, Route::Peer { relayed, peer });
    assert_eq!(t.contents, b"media");
    // An unbound channel is dropped.
    let mut msg = Vec::new();
    encode_into(&mut msg, ChannelNumber(0x4002), b"x", false).unwrap();
    h.feed(&c, &msg);
    assert!(h.server.poll_transmit().is_none());
    assert_eq!(h.server.stats().dropped_no_allocation, 1);

    // Peer to client: ChannelData for the bound peer, a Data indication for another port.
    h.server.handle_relay_packet(h.now, relayed, peer, b"reply");
    let t = h.server.poll_transmit().unwrap();
    let m = ChannelData::new_checked(&t.contents[..]).unwrap();
    assert_eq!(
        (m.channel(), m.data()),
        (ChannelNumber(0x4000), &b"reply"[..])
    );
    assert_eq!(t.contents.len(), 9, "no padding over UDP");
    h.server
        .handle_relay_packet(h.now, relayed, SocketAddr::new(peer.ip(), 1), b"r");
    let t = h.server.poll_transmit().unwrap();
    assert!(strata_stun::is_stun(&t.contents));
}

#[test]
fn rfc5766_channel_numbers_are_optional() {
    let peer = addr(PEER);
    let bind = [
        Attribute::ChannelNumber(0x5738),
        Attribute::XorPeerAddress(peer),
    ];
    let mut cfg = config();
    cfg.rfc5766_channel_numbers = false;
    let mut h = Harness::new(cfg);
    let mut c = client(40_000, Transport::Udp);
    h.allocate(&mut c);
    assert_eq!(
        h.request(&c, Method::CHANNEL_BIND, &bind, None).error(),
        Some(400)
    );

    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Tcp);
    let relayed = h.allocate(&mut c);
    assert_eq!(
        h.request(&c, Method::CHANNEL_BIND, &bind, None).class(),
        Class::SuccessResponse
    );
    h.server.handle_relay_packet(h.now, relayed, peer, b"abcde");
    let t = h.server.poll_transmit().unwrap();
    assert_eq!(t.contents, b"\x57\x38\x00\x05abcde\0\0\0");
    h.feed(&c, b"\x57\x38\x00\x02hi");
    assert_eq!(h.server.poll_transmit().unwrap().contents, b"hi");
}

#[test]
fn channels_expire_after_ten_minutes() {
    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Udp);
    let relayed = h.allocate(&mut c);
    let peer = addr(PEER);
    let bind = [
        Attribute::ChannelNumber(0x4000),
        Attribute::XorPeerAddress(peer),
    ];
    h.request(&c, Method::CHANNEL_BIND, &bind, None);
    // Keep the allocation and permission alive but not the channel.
    for _ in 0..2 {
        h.advance(Duration::from_secs(290));
        let fresh = [Attribute::XorPeerAddress(peer)];
        let r = h.request(&c, Method::CREATE_PERMISSION, &fresh, None);
        assert_eq!(r.class(), Class::SuccessResponse);
        h.request(&c, Method::REFRESH, &[], None);
    }
    h.advance(Duration::from_secs(19));
    h.server.handle_relay_packet(h.now, relayed, peer, b"x");
    assert!(is_channel(&h.server.poll_transmit().unwrap().contents));
    h.advance(Duration::from_secs(1));
    h.server.handle_relay_packet(h.now, relayed, peer, b"x");
    assert!(strata_stun::is_stun(
        &h.server.poll_transmit().unwrap().contents
    ));
    // The number can be bound again.
    assert_eq!(
        h.request(&c, Method::CHANNEL_BIND, &bind, None).class(),
        Class::SuccessResponse
    );
}

fn is_channel(b: &[u8]) -> bool {
    crate::channel_data::is_channel_data(b)
}

#[test]
fn channel_data_to_tcp_clients_is_padded() {
    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Tcp);
    let relayed = h.allocate(&mut c);
    let peer = addr(PEER);
    let bind = [
        Attribute::ChannelNumber(0x4ABC),
        Attribute::XorPeerAddress(peer),
    ];
    h.request(&c, Method::CHANNEL_BIND, &bind, None);
    h.server.handle_relay_packet(h.now, relayed, peer, b"hello");
    let t = h.server.poll_transmit().unwrap();
    assert_eq!(t.contents.len(), 12);
    assert_eq!(
        ChannelData::new_checked(&t.contents[..]).unwrap().data(),
        b"hello"
    );
}

#[test]
fn rest_credentials() {
    let mut cfg = ServerConfig::new(REALM);
    cfg.credentials.auth_secret = Some("north".into());
    let mut h = Harness::new(cfg);
    let wall = 1_800_000_000;
    let mut c = client(40_000, Transport::Udp);
    c.username = format!("{}:alice", wall + 3600);
    c.password = auth::rest_password("north", &c.username);
    // Without a wall clock the server cannot judge expiry and refuses.
    let r = h.request(
        &c,
        Method::ALLOCATE,
        &[Attribute::RequestedTransport(17)],
        None,
    );
    let Some(Attribute::Nonce(n)) = r.attr(AttrType::NONCE) else {
        panic!()
    };
    c.nonce = Some(n.to_owned());
    let req = [Attribute::RequestedTransport(17)];
    assert_eq!(
        h.request(&c, Method::ALLOCATE, &req, None).error(),
        Some(401)
    );
    h.server.set_unix_time(h.now, wall);
    assert_eq!(
        h.request(&c, Method::ALLOCATE, &req, None).class(),
        Class::SuccessResponse
    );
    // A wrong password for a REST username fails; an expired username fails.
    let mut bad = client(40_001, Transport::Udp);
    bad.nonce = c.nonce.clone();
    bad.username = c.username.clone();
    bad.password = "guess".into();
    assert_eq!(
        h.request(&bad, Method::ALLOCATE, &req, None).error(),
        Some(401)
    );
    bad.username = format!("{}:alice", wall - 1);
    bad.password = auth::rest_password("north", &bad.username);
    assert_eq!(
        h.request(&bad, Method::ALLOCATE, &req, None).error(),
        Some(401)
    );
    // Once the username expires, even its allocation can no longer be refreshed.
    h.now += Duration::from_secs(3601);
    h.server.handle_timeout(h.now);
    let r = h.request(&c, Method::REFRESH, &[], None);
    assert_eq!(r.error(), Some(401));
}

#[test]
fn rate_limits_drop_excess_packets() {
    let mut cfg = config();
    cfg.packet_rate = Some(RateLimit {
        per_second: 1,
        burst: 2,
    });
    let mut h = Harness::new(cfg);
    let mut c = client(40_000, Transport::Udp);
    let relayed = h.allocate(&mut c);
    let peer = addr(PEER);
    h.request(
        &c,
        Method::CREATE_PERMISSION,
        &[Attribute::XorPeerAddress(peer)],
        None,
    );
    for _ in 0..3 {
        h.server.handle_relay_packet(h.now, relayed, peer, b"x");
    }
    assert_eq!(std::iter::from_fn(|| h.server.poll_transmit()).count(), 2);
    assert_eq!(h.server.stats().dropped_rate_limited, 1);
    h.now += Duration::from_secs(1);
    h.feed(&c, &send_indication(peer, b"y"));
    assert!(h.server.poll_transmit().is_some());

    let mut cfg = config();
    cfg.bandwidth = Some(RateLimit {
        per_second: 1000,
        burst: 1000,
    });
    let mut h = Harness::new(cfg);
    let mut c = client(40_000, Transport::Udp);
    let relayed = h.allocate(&mut c);
    h.request(
        &c,
        Method::CREATE_PERMISSION,
        &[Attribute::XorPeerAddress(peer)],
        None,
    );
    h.server
        .handle_relay_packet(h.now, relayed, peer, &[0; 800]);
    h.server
        .handle_relay_packet(h.now, relayed, peer, &[0; 800]);
    assert_eq!(std::iter::from_fn(|| h.server.poll_transmit()).count(), 1);
}

#[test]
fn unknown_comprehension_required_attribute_is_420() {
    let mut h = Harness::new(config());
    let mut c = client(40_000, Transport::Udp);
    h.allocate(&mut c);
    let r = h.request(
        &c,
        Method::REFRESH,
        &[Attribute::Unknown {
            attr_type: AttrType(0x0077),
            value: b"?",
        }],
        None,
    );
    assert_eq!(r.error(), Some(420));
    assert_eq!(
        r.attr(AttrType::UNKNOWN_ATTRIBUTES),
        Some(Attribute::UnknownAttributes(vec![AttrType(0x0077)]))
    );
}

#[test]
fn junk_is_counted_not_answered() {
    let mut h = Harness::new(config());
    let c = client(40_000, Transport::Udp);
    for junk in [
        &b""[..],
        b"\x80\x00",
        b"\x40\x00\x00\x09abc",
        b"\x00\x01\x00\x00",
    ] {
        h.feed(&c, junk);
    }
    assert!(h.server.poll_transmit().is_none());
    assert_eq!(h.server.stats().malformed, 4);
    assert_eq!(h.server.stats().dropped_no_allocation, 0);
    // A response sent to the server is not a request: dropped.
    let b = MessageBuilder::new(MessageType::BINDING_SUCCESS, TransactionId([1; 12]));
    h.feed(&c, &b.finish());
    assert_eq!(h.server.stats().malformed, 5);
}

#[test]
fn transmit_queue_is_bounded() {
    let mut cfg = config();
    cfg.max_queued_transmits = 3;
    let mut h = Harness::new(cfg);
    let c = client(40_000, Transport::Udp);
    let mut b = MessageBuilder::new(MessageType::BINDING_REQUEST, TransactionId([1; 12]));
    b.add_fingerprint().unwrap();
    let req = b.finish();
    for _ in 0..5 {
        h.feed(&c, &req);
    }
    assert_eq!(std::iter::from_fn(|| h.server.poll_transmit()).count(), 3);
    assert_eq!(h.server.stats().dropped_queue_full, 2);
}

proptest! {
    /// Arbitrary datagrams from a client with an allocation, a channel and a permission, and
    /// from peers, never panic and never make the server answer more than once per input.
    #[test]
    fn arbitrary_input_never_panics(inputs in proptest::collection::vec(
        (any::<bool>(), proptest::collection::vec(any::<u8>(), 0..64)), 0..32)) {
        let mut h = Harness::new(config());
        let mut c = client(40_000, Transport::Udp);
        let relayed = h.allocate(&mut c);
        let peer = addr(PEER);
        let bind = [Attribute::ChannelNumber(0x4000), Attribute::XorPeerAddress(peer)];
        h.request(&c, Method::CHANNEL_BIND, &bind, None);
        for (from_peer, mut data) in inputs {
            if from_peer {
                h.server.handle_relay_packet(h.now, relayed, peer, &data);
            } else {
                // Make every other input look like STUN or ChannelData to get past the
                // first check.
                if let Some(b) = data.first_mut() {
                    *b &= 0x7F;
                }
                h.feed(&c, &data);
            }
            prop_assert!(std::iter::from_fn(|| h.server.poll_transmit()).count() <= 1);
        }
    }

    /// Whatever lifetime a client asks for, the granted one lies in [default, max].
    #[test]
    fn granted_lifetime_is_clamped(requested in 1u32..) {
        let mut h = Harness::new(config());
        let mut c = client(40_000, Transport::Udp);
        h.allocate(&mut c);
        let r = h.request(&c, Method::REFRESH, &[Attribute::Lifetime(requested)], None);
        let Some(Attribute::Lifetime(granted)) = r.attr(AttrType::LIFETIME) else {
            panic!("no lifetime")
        };
        prop_assert!((600..=3600).contains(&granted));
        prop_assert_eq!(granted, requested.clamp(600, 3600));
    }
}
