//! Deterministic client tests against an in-test fake server, with a virtual clock.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use strata_stun::{
    AttrType, Attribute, Class, ErrorCode, IntegrityKey, Message, MessageBuilder, MessageType,
    Method, PasswordAlgorithmId, Rng,
};

use super::*;
use crate::channel_data::{self, ChannelData, ChannelNumber};
use crate::framing::{Frame, StreamDecoder};

const SERVER: &str = "192.0.2.1:3478";
const RELAYED: &str = "192.0.2.1:50000";
const MAPPED: &str = "198.51.100.7:40000";
const PEER: &str = "203.0.113.9:6000";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// A xorshift generator: deterministic transaction ids.
struct TestRng(u64);

impl Rng for TestRng {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *b = self.0 as u8;
        }
    }
}

/// A minimal TURN server: long-term auth, nonce changes on demand, and a log of what it got.
struct FakeServer {
    realm: &'static str,
    nonce: String,
    key: IntegrityKey,
    lifetime: u32,
    /// Answer every authenticated request with 438 this many times.
    stale_answers: u32,
    /// Sign success responses with this key instead (to test integrity checks).
    wrong_key: Option<IntegrityKey>,
    /// Requests and indications received: (method, class, had integrity).
    log: Vec<(Method, Class, bool)>,
    /// Peer addresses of Send indications and their data.
    sent: Vec<(SocketAddr, Vec<u8>)>,
    /// ChannelData received.
    channel_data: Vec<(ChannelNumber, Vec<u8>)>,
    /// Requested LIFETIME of each Refresh.
    refresh_lifetimes: Vec<Option<u32>>,
}

impl FakeServer {
    fn new() -> FakeServer {
        FakeServer {
            realm: "example.org",
            nonce: "nonce-1".into(),
            key: IntegrityKey::long_term("user", "example.org", "pass", PasswordAlgorithmId::MD5)
                .unwrap(),
            lifetime: 600,
            stale_answers: 0,
            wrong_key: None,
            log: Vec::new(),
            sent: Vec::new(),
            channel_data: Vec::new(),
            refresh_lifetimes: Vec::new(),
        }
    }

    fn count(&self, method: Method) -> usize {
        self.log
            .iter()
            .filter(|(m, c, _)| *m == method && *c == Class::Request)
            .count()
    }

    fn error(&self, m: &Message<&[u8]>, code: u16, with_auth_attrs: bool) -> Vec<u8> {
        let mut b = MessageBuilder::new(
            MessageType::new(m.method(), Class::ErrorResponse),
            m.transaction_id(),
        );
        b.add(&Attribute::ErrorCode(ErrorCode {
            code,
            reason: ErrorCode::default_reason(code),
        }))
        .unwrap();
        if with_auth_attrs {
            b.add(&Attribute::Realm(self.realm)).unwrap();
            b.add(&Attribute::Nonce(&self.nonce)).unwrap();
        }
        b.finish()
    }

    /// Feed one frame the client sent; return the response, if any.
    fn answer(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        if channel_data::is_channel_data(bytes) {
            let cd = ChannelData::new_checked(bytes).unwrap();
            self.channel_data.push((cd.channel(), cd.data().to_vec()));
            return None;
        }
        let m = Message::new_checked(bytes).unwrap();
        let has_mi = m.get(AttrType::MESSAGE_INTEGRITY).is_some();
        self.log.push((m.method(), m.class(), has_mi));
        if m.class() == Class::Indication {
            assert_eq!(m.method(), Method::SEND);
            let Some(Ok(Attribute::XorPeerAddress(peer))) = m.get_typed(AttrType::XOR_PEER_ADDRESS)
            else {
                panic!("Send indication without XOR-PEER-ADDRESS")
            };
            let data = m.get(AttrType::DATA).unwrap().value.to_vec();
            self.sent.push((peer, data));
            return None;
        }
        if !has_mi {
            return Some(self.error(&m, 401, true));
        }
        let nonce_ok = matches!(m.get_typed(AttrType::NONCE), Some(Ok(Attribute::Nonce(n))) if n == self.nonce);
        if self.stale_answers > 0 || !nonce_ok {
            self.stale_answers = self.stale_answers.saturating_sub(1);
            self.nonce = format!("{}x", self.nonce);
            return Some(self.error(&m, 438, true));
        }
        if m.verify_message_integrity(&self.key).is_err() {
            return Some(self.error(&m, 401, true));
        }
        let mut b = MessageBuilder::new(
            MessageType::new(m.method(), Class::SuccessResponse),
            m.transaction_id(),
        );
        match m.method() {
            Method::ALLOCATE => {
                b.add(&Attribute::XorRelayedAddress(addr(RELAYED))).unwrap();
                b.add(&Attribute::XorMappedAddress(addr(MAPPED))).unwrap();
                b.add(&Attribute::Lifetime(self.lifetime)).unwrap();
            }
            Method::REFRESH => {
                let asked = match m.get_typed(AttrType::LIFETIME) {
                    Some(Ok(Attribute::Lifetime(s))) => Some(s),
                    _ => None,
                };
                self.refresh_lifetimes.push(asked);
                b.add(&Attribute::Lifetime(asked.unwrap_or(self.lifetime)))
                    .unwrap();
            }
            Method::CREATE_PERMISSION => {
                assert!(m.get(AttrType::XOR_PEER_ADDRESS).is_some());
            }
            Method::CHANNEL_BIND => {
                assert!(m.get(AttrType::CHANNEL_NUMBER).is_some());
                assert!(m.get(AttrType::XOR_PEER_ADDRESS).is_some());
            }
            other => panic!("unexpected method {other:?}"),
        }
        b.add_message_integrity(self.wrong_key.as_ref().unwrap_or(&self.key))
            .unwrap();
        Some(b.finish())
    }

    /// A Data indication from `peer`.
    fn data_indication(peer: SocketAddr, data: &[u8]) -> Vec<u8> {
        let mut b = MessageBuilder::new(
            MessageType::new(Method::DATA, Class::Indication),
            strata_stun::TransactionId([9; 12]),
        );
        b.add(&Attribute::XorPeerAddress(peer)).unwrap();
        b.add(&Attribute::Data(data)).unwrap();
        b.finish()
    }
}

fn new_client(transport: Transport) -> (Client, Instant) {
    let now = Instant::now();
    let mut config = Config::new(addr(SERVER), transport, "user", "pass");
    config.software = Some("strata test".into());
    (
        Client::with_rng(config, Box::new(TestRng(0x1234_5678)), now),
        now,
    )
}

/// Move everything the client wants to send through the server and back; return events.
fn pump(client: &mut Client, server: &mut FakeServer, now: Instant) -> Vec<Event> {
    let mut events = Vec::new();
    loop {
        let mut progressed = false;
        while let Some(t) = client.poll_transmit() {
            progressed = true;
            assert_eq!(t.destination, addr(SERVER));
            let frames = if client.config().transport.is_stream() {
                split_stream(&t.contents)
            } else {
                vec![t.contents.clone()]
            };
            for frame in frames {
                if let Some(reply) = server.answer(&frame) {
                    if client.config().transport.is_stream() {
                        client.handle_stream_data(now, &reply).unwrap();
                    } else {
                        assert_eq!(client.handle_packet(now, addr(SERVER), &reply), None);
                    }
                }
            }
        }
        while let Some(e) = client.poll_event() {
            progressed = true;
            events.push(e);
        }
        if !progressed {
            return events;
        }
    }
}

/// Split one stream transmit into frames with the crate's decoder.
fn split_stream(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut d = StreamDecoder::new();
    d.push(bytes).unwrap();
    let mut out = Vec::new();
    while let Some(f) = d.next_frame().unwrap() {
        out.push(match f {
            Frame::Stun(m) => m.to_vec(),
            Frame::ChannelData { channel, data } => {
                let mut v = Vec::new();
                channel_data::encode_into(&mut v, channel, data, false).unwrap();
                v
            }
        });
    }
    assert_eq!(d.buffered(), 0, "a transmit holds whole frames");
    out
}

fn allocated(transport: Transport) -> (Client, FakeServer, Instant) {
    let (mut c, now) = new_client(transport);
    let mut s = FakeServer::new();
    let events = pump(&mut c, &mut s, now);
    assert_eq!(
        events,
        vec![Event::Allocated {
            relayed: addr(RELAYED),
            mapped: Some(addr(MAPPED)),
            lifetime: Duration::from_secs(600),
        }]
    );
    (c, s, now)
}

#[test]
fn allocate_401_then_authenticated_success() {
    let (c, s, _) = allocated(Transport::Udp);
    assert_eq!(
        s.log,
        vec![
            (Method::ALLOCATE, Class::Request, false),
            (Method::ALLOCATE, Class::Request, true),
        ]
    );
    assert_eq!(c.relayed_address(), Some(addr(RELAYED)));
    assert_eq!(c.mapped_address(), Some(addr(MAPPED)));
}

#[test]
fn allocate_request_carries_transport_family_and_software() {
    let now = Instant::now();
    let mut config = Config::new(addr(SERVER), Transport::Udp, "user", "pass");
    config.address_family = AddressFamily::Ipv6;
    config.software = Some("sw".into());
    config.requested_lifetime = Some(Duration::from_secs(1200));
    let mut c = Client::with_rng(config, Box::new(TestRng(1)), now);
    let t = c.poll_transmit().unwrap();
    let m = Message::new_checked(&t.contents[..]).unwrap();
    assert_eq!(m.method(), Method::ALLOCATE);
    assert_eq!(
        m.get_typed(AttrType::REQUESTED_TRANSPORT),
        Some(Ok(Attribute::RequestedTransport(17)))
    );
    assert_eq!(
        m.get_typed(AttrType::REQUESTED_ADDRESS_FAMILY),
        Some(Ok(Attribute::RequestedAddressFamily(
            strata_stun::AddressFamily::IPV6
        )))
    );
    assert_eq!(
        m.get_typed(AttrType::LIFETIME),
        Some(Ok(Attribute::Lifetime(1200)))
    );
    assert_eq!(
        m.get_typed(AttrType::SOFTWARE),
        Some(Ok(Attribute::Software("sw")))
    );
    assert!(m.get(AttrType::MESSAGE_INTEGRITY).is_none());
}

#[test]
fn wrong_password_fails_with_unauthenticated() {
    let (mut c, now) = new_client(Transport::Udp);
    let mut s = FakeServer::new();
    s.key =
        IntegrityKey::long_term("user", "example.org", "other", PasswordAlgorithmId::MD5).unwrap();
    let events = pump(&mut c, &mut s, now);
    assert_eq!(
        events,
        vec![Event::AllocationFailed(RequestError::Unauthenticated)]
    );
    assert!(c.is_closed());
    assert_eq!(c.poll_timeout(), None);
}

#[test]
fn stale_nonce_is_retried_then_bounded() {
    let (mut c, mut s, now) = allocated(Transport::Udp);
    s.stale_answers = 2;
    let ip: IpAddr = addr(PEER).ip();
    c.create_permission(now, ip).unwrap();
    assert_eq!(
        pump(&mut c, &mut s, now),
        vec![Event::PermissionCreated(ip)]
    );
    assert_eq!(s.count(Method::CREATE_PERMISSION), 3);
    assert!(c.has_permission(ip));

    // A server that never accepts the nonce: three retries, then the request fails.
    s.stale_answers = u32::MAX;
    let other: IpAddr = "203.0.113.10".parse().unwrap();
    c.create_permission(now, other).unwrap();
    assert_eq!(
        pump(&mut c, &mut s, now),
        vec![Event::PermissionFailed {
            peer: other,
            error: RequestError::StaleNonce
        }]
    );
    assert_eq!(s.count(Method::CREATE_PERMISSION), 3 + 4);
    assert!(!c.has_permission(other));
    assert!(c.is_allocated());
}

#[test]
fn refresh_at_eighty_percent_of_the_lifetime() {
    let (mut c, mut s, start) = allocated(Transport::Udp);
    assert_eq!(c.poll_timeout(), Some(start + Duration::from_secs(480)));
    let t = start + Duration::from_secs(479);
    c.handle_timeout(t);
    assert_eq!(pump(&mut c, &mut s, t), vec![]);
    let t = start + Duration::from_secs(480);
    c.handle_timeout(t);
    assert_eq!(
        pump(&mut c, &mut s, t),
        vec![Event::Refreshed {
            lifetime: Duration::from_secs(600)
        }]
    );
    assert_eq!(s.refresh_lifetimes, vec![None]);
    assert_eq!(c.poll_timeout(), Some(t + Duration::from_secs(480)));
}

#[test]
fn short_lifetime_refreshes_halfway() {
    let (mut c, now) = new_client(Transport::Udp);
    let mut s = FakeServer::new();
    s.lifetime = 60;
    pump(&mut c, &mut s, now);
    assert_eq!(c.poll_timeout(), Some(now + Duration::from_secs(30)));
}

#[test]
fn allocation_expires_when_refresh_times_out() {
    let (mut c, _s, start) = allocated(Transport::Udp);
    let mut now = start;
    let mut events = Vec::new();
    // Nobody answers any more: follow the timers until the client gives up.
    let mut sent = 0;
    while let Some(t) = c.poll_timeout() {
        now = t;
        c.handle_timeout(now);
        while c.poll_transmit().is_some() {
            sent += 1;
        }
        events.extend(std::iter::from_fn(|| c.poll_event()));
    }
    // The Refresh at 480 s times out after Rc = 7 transmissions (39.5 s) and is sent again
    // at 519.5 s and 559 s (7 each) and 598.5 s (2 before the end); the allocation is lost
    // when its lifetime ends.
    assert_eq!(events, vec![Event::AllocationLost(RequestError::Expired)]);
    assert_eq!(now, start + Duration::from_secs(600));
    assert_eq!(sent, 7 + 7 + 7 + 2);
}

#[test]
fn unanswered_permission_refresh_is_retried_until_expiry() {
    let (mut c, mut s, start) = allocated(Transport::Tcp);
    let ip = addr(PEER).ip();
    c.create_permission(start, ip).unwrap();
    pump(&mut c, &mut s, start);
    // The refresh at 240 s is lost; over TCP it times out at 279.5 s and is sent again.
    let t = start + PERMISSION_REFRESH;
    c.handle_timeout(t);
    assert!(c.poll_transmit().is_some());
    let t = t + Duration::from_millis(39_500);
    c.handle_timeout(t);
    assert_eq!(
        c.poll_event(),
        None,
        "no failure while the permission lasts"
    );
    assert_eq!(pump(&mut c, &mut s, t), vec![]);
    assert!(c.has_permission(ip));
    assert_eq!(
        s.count(Method::CREATE_PERMISSION),
        2,
        "the first and the resent refresh"
    );
}

#[test]
fn udp_retransmits_stream_does_not() {
    let (mut c, now) = new_client(Transport::Udp);
    assert!(c.poll_transmit().is_some());
    assert!(c.poll_transmit().is_none());
    assert_eq!(c.poll_timeout(), Some(now + Duration::from_millis(500)));
    c.handle_timeout(now + Duration::from_millis(500));
    assert!(c.poll_transmit().is_some(), "retransmission");

    let (mut c, now) = new_client(Transport::Tcp);
    assert!(c.poll_transmit().is_some());
    assert_eq!(c.poll_timeout(), Some(now + Duration::from_millis(39_500)));
    c.handle_timeout(now + Duration::from_millis(39_500));
    assert!(c.poll_transmit().is_none());
    assert_eq!(
        c.poll_event(),
        Some(Event::AllocationFailed(RequestError::TimedOut))
    );
}

#[test]
fn permission_refreshed_every_240_seconds() {
    let (mut c, mut s, start) = allocated(Transport::Udp);
    let ip = addr(PEER).ip();
    c.create_permission(start, ip).unwrap();
    pump(&mut c, &mut s, start);
    assert_eq!(c.poll_timeout(), Some(start + PERMISSION_REFRESH));
    let t = start + PERMISSION_REFRESH;
    c.handle_timeout(t);
    // Refreshes are silent.
    assert_eq!(pump(&mut c, &mut s, t), vec![]);
    assert_eq!(s.count(Method::CREATE_PERMISSION), 2);
    assert!(c.has_permission(ip));
    // Removed: no more refreshes, and sending needs a permission again.
    c.remove_permission(ip);
    assert_eq!(
        c.send_to(t, addr(PEER), b"x"),
        Err(CommandError::NoPermission(ip))
    );
}

#[test]
fn channel_bind_installs_permission_and_refreshes() {
    let (mut c, mut s, start) = allocated(Transport::Udp);
    let peer = addr(PEER);
    let ch = c.bind_channel(start, peer).unwrap();
    assert_eq!(ch, ChannelNumber(0x4000));
    assert_eq!(c.bind_channel(start, peer), Ok(ch), "idempotent");
    assert_eq!(
        pump(&mut c, &mut s, start),
        vec![Event::ChannelBound { peer, channel: ch }]
    );
    assert_eq!(c.channel(peer), Some(ch));
    assert!(c.has_permission(peer.ip()));
    assert_eq!(
        c.bind_channel(start, addr("203.0.113.9:6001")),
        Ok(ChannelNumber(0x4001))
    );
    pump(&mut c, &mut s, start);

    // The permission is refreshed at 240 s (CreatePermission) and the channels at 540 s.
    while let Some(now) = c.poll_timeout().filter(|t| *t <= start + CHANNEL_REFRESH) {
        c.handle_timeout(now);
        for e in pump(&mut c, &mut s, now) {
            assert!(matches!(e, Event::Refreshed { .. }), "{e:?}");
        }
    }
    assert_eq!(s.count(Method::CHANNEL_BIND), 4);
    assert_eq!(s.count(Method::CREATE_PERMISSION), 2, "at 240 s and 480 s");
    assert_eq!(c.channel(peer), Some(ch));
    // The channel refresh reinstalled the permission: next refresh 240 s later.
    assert_eq!(
        c.poll_timeout(),
        Some(start + CHANNEL_REFRESH + PERMISSION_REFRESH)
    );
}

#[test]
fn send_uses_indication_until_channel_confirmed() {
    let (mut c, mut s, now) = allocated(Transport::Udp);
    let peer = addr(PEER);
    assert_eq!(
        c.send_to(now, peer, b"a"),
        Err(CommandError::NoPermission(peer.ip()))
    );
    c.create_permission(now, peer.ip()).unwrap();
    c.send_to(now, peer, b"a").unwrap();
    c.bind_channel(now, peer).unwrap();
    c.send_to(now, peer, b"b").unwrap();
    pump(&mut c, &mut s, now);
    c.send_to(now, peer, b"c").unwrap();
    pump(&mut c, &mut s, now);
    assert_eq!(s.sent, vec![(peer, b"a".to_vec()), (peer, b"b".to_vec())]);
    assert_eq!(s.channel_data, vec![(ChannelNumber(0x4000), b"c".to_vec())]);
    assert_eq!(c.stats().data_sent, 3);
}

#[test]
fn commands_need_an_allocation() {
    let (mut c, now) = new_client(Transport::Udp);
    let peer = addr(PEER);
    assert_eq!(
        c.create_permission(now, peer.ip()),
        Err(CommandError::NotAllocated)
    );
    assert_eq!(c.bind_channel(now, peer), Err(CommandError::NotAllocated));
    assert_eq!(c.send_to(now, peer, b"x"), Err(CommandError::NotAllocated));
}

#[test]
fn tables_and_queues_are_bounded() {
    let now = Instant::now();
    let mut config = Config::new(addr(SERVER), Transport::Udp, "user", "pass");
    config.max_permissions = 2;
    config.max_channels = 1;
    config.max_queued_transmits = 2;
    let mut c = Client::with_rng(config, Box::new(TestRng(5)), now);
    let mut s = FakeServer::new();
    pump(&mut c, &mut s, now);
    c.create_permission(now, "10.0.0.1".parse().unwrap())
        .unwrap();
    c.create_permission(now, "10.0.0.2".parse().unwrap())
        .unwrap();
    assert_eq!(
        c.create_permission(now, "10.0.0.3".parse().unwrap()),
        Err(CommandError::TooManyPermissions)
    );
    assert_eq!(
        c.bind_channel(now, addr("10.0.0.3:1")),
        Err(CommandError::TooManyPermissions)
    );
    c.bind_channel(now, addr("10.0.0.1:1")).unwrap();
    assert_eq!(
        c.bind_channel(now, addr("10.0.0.1:2")),
        Err(CommandError::TooManyChannels)
    );
    pump(&mut c, &mut s, now);
    let peer = addr("10.0.0.2:9");
    c.send_to(now, peer, b"1").unwrap();
    c.send_to(now, peer, b"2").unwrap();
    assert_eq!(c.send_to(now, peer, b"3"), Err(CommandError::QueueFull));
}

#[test]
fn inbound_data_indication_and_channel_data() {
    let (mut c, mut s, now) = allocated(Transport::Udp);
    let peer = addr(PEER);
    let server = addr(SERVER);
    let indication = FakeServer::data_indication(peer, b"hello");
    // No permission yet: dropped.
    assert_eq!(c.handle_packet(now, server, &indication), None);
    assert_eq!(c.stats().unknown_peer, 1);
    c.create_permission(now, peer.ip()).unwrap();
    pump(&mut c, &mut s, now);
    let got = c.handle_packet(now, server, &indication).unwrap();
    assert_eq!(got.peer, peer);
    assert_eq!(got.data, b"hello");
    // Zero-copy: the slice points into the packet.
    assert!(indication.as_ptr_range().contains(&got.data.as_ptr()));

    let ch = c.bind_channel(now, peer).unwrap();
    pump(&mut c, &mut s, now);
    let mut cd = Vec::new();
    channel_data::encode_into(&mut cd, ch, b"world", false).unwrap();
    let got = c.handle_packet(now, server, &cd).unwrap();
    assert_eq!((got.peer, got.data), (peer, &b"world"[..]));
    // Unknown channel, or not from the server: dropped.
    let mut other = Vec::new();
    channel_data::encode_into(&mut other, ChannelNumber(0x4abc), b"x", false).unwrap();
    assert_eq!(c.handle_packet(now, server, &other), None);
    assert_eq!(c.handle_packet(now, peer, &cd), None);
    assert_eq!(c.stats().foreign_source, 1);
    assert_eq!(c.stats().data_received, 2);
}

#[test]
fn tcp_pads_channel_data_and_reassembles_the_stream() {
    let (mut c, mut s, now) = allocated(Transport::Tcp);
    let peer = addr(PEER);
    let ch = c.bind_channel(now, peer).unwrap();
    pump(&mut c, &mut s, now);
    c.send_to(now, peer, b"abcde").unwrap();
    let t = c.poll_transmit().unwrap();
    assert_eq!(
        t.contents,
        [0x40, 0x00, 0, 5, b'a', b'b', b'c', b'd', b'e', 0, 0, 0]
    );

    // Inbound: a Data indication and two padded ChannelData messages, fed a byte at a time.
    let mut stream = FakeServer::data_indication(peer, b"one");
    channel_data::encode_into(&mut stream, ch, b"two", true).unwrap();
    channel_data::encode_into(&mut stream, ch, b"three", true).unwrap();
    for b in &stream {
        c.handle_stream_data(now, std::slice::from_ref(b)).unwrap();
    }
    let events: Vec<_> = std::iter::from_fn(|| c.poll_event()).collect();
    assert_eq!(
        events,
        vec![
            Event::Data {
                peer,
                data: b"one".to_vec()
            },
            Event::Data {
                peer,
                data: b"two".to_vec()
            },
            Event::Data {
                peer,
                data: b"three".to_vec()
            },
        ]
    );
    // Garbage on the stream breaks it for good.
    assert_eq!(
        c.handle_stream_data(now, &[0xFF, 0, 0, 0]),
        Err(crate::Error::InvalidFrame)
    );
    assert!(c.is_closed());
}

#[test]
fn malformed_and_forged_responses_are_ignored() {
    let (mut c, now) = new_client(Transport::Udp);
    let mut s = FakeServer::new();
    let server = addr(SERVER);
    // 401 round trip by hand so the authenticated Allocate is outstanding.
    let first = c.poll_transmit().unwrap();
    let reply = s.answer(&first.contents).unwrap();
    c.handle_packet(now, server, &reply);
    let second = c.poll_transmit().unwrap();

    // Garbage, a truncated response and a response to another transaction.
    let good = s.answer(&second.contents).unwrap();
    for junk in [
        &b"\x01\x01\x00"[..],
        &good[..good.len() - 4],
        &[0u8; 20][..],
    ] {
        assert_eq!(c.handle_packet(now, server, junk), None);
    }
    let mut other_tid = good.clone();
    other_tid[8] ^= 1;
    assert_eq!(c.handle_packet(now, server, &other_tid), None);
    // A success signed with the wrong key.
    s.wrong_key = Some(IntegrityKey::short_term("forged").unwrap());
    let forged = s.answer(&second.contents).unwrap();
    assert_eq!(c.handle_packet(now, server, &forged), None);
    assert!(!c.is_allocated());
    let stats = c.stats();
    assert_eq!(stats.unauthenticated, 1);
    assert_eq!(stats.unknown_transaction, 1);
    assert!(stats.malformed >= 2, "{stats:?}");
    assert!(c.poll_event().is_none());

    // The genuine answer still completes the transaction.
    c.handle_packet(now, server, &good);
    assert!(matches!(c.poll_event(), Some(Event::Allocated { .. })));
}

#[test]
fn try_alternate_and_rejections_are_typed() {
    let (mut c, now) = new_client(Transport::Udp);
    let t = c.poll_transmit().unwrap();
    let m = Message::new_checked(&t.contents[..]).unwrap();
    let mut b = MessageBuilder::new(
        MessageType::new(Method::ALLOCATE, Class::ErrorResponse),
        m.transaction_id(),
    );
    b.add(&Attribute::ErrorCode(ErrorCode {
        code: 300,
        reason: "Try Alternate",
    }))
    .unwrap();
    b.add(&Attribute::AlternateServer(addr("192.0.2.2:3478")))
        .unwrap();
    c.handle_packet(now, addr(SERVER), &b.finish());
    assert_eq!(
        c.poll_event(),
        Some(Event::AllocationFailed(RequestError::TryAlternate(addr(
            "192.0.2.2:3478"
        ))))
    );

    let (mut c, now) = new_client(Transport::Udp);
    let t = c.poll_transmit().unwrap();
    let s = FakeServer::new();
    let m = Message::new_checked(&t.contents[..]).unwrap();
    c.handle_packet(now, addr(SERVER), &s.error(&m, 486, false));
    assert_eq!(
        c.poll_event(),
        Some(Event::AllocationFailed(RequestError::Rejected {
            code: 486,
            reason: "Allocation Quota Reached".into()
        }))
    );
}

#[test]
fn delete_sends_lifetime_zero() {
    let (mut c, mut s, now) = allocated(Transport::Udp);
    c.delete(now);
    assert_eq!(pump(&mut c, &mut s, now), vec![Event::Deleted]);
    assert_eq!(s.refresh_lifetimes, vec![Some(0)]);
    assert!(c.is_closed());
    assert_eq!(c.poll_timeout(), None);
}

proptest! {
    #[test]
    fn arbitrary_input_never_panics(
        packets in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..120), 1..8),
        stream in any::<bool>(),
    ) {
        let transport = if stream { Transport::Tcp } else { Transport::Udp };
        let (mut c, mut s, now) = allocated(transport);
        c.bind_channel(now, addr(PEER)).unwrap();
        pump(&mut c, &mut s, now);
        for p in &packets {
            if stream {
                let _ = c.handle_stream_data(now, p);
            } else if let Some(r) = c.handle_packet(now, addr(SERVER), p) {
                prop_assert!(r.data.len() <= p.len());
            }
            c.handle_timeout(now);
            while c.poll_transmit().is_some() {}
            while c.poll_event().is_some() {}
        }
    }
}

#[test]
fn client_can_move_to_another_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<Client>();
}

/// Found by the fuzz target: two requests timing out in one call, the first failure closing
/// the client, used to index the table the close had emptied.
#[test]
fn several_timeouts_at_once_after_expiry() {
    let (mut c, start) = new_client(Transport::Tls);
    let mut s = FakeServer::new();
    s.lifetime = 700;
    pump(&mut c, &mut s, start);
    c.bind_channel(start, addr(PEER)).unwrap();
    pump(&mut c, &mut s, start);
    // Nobody answers from now on: the channel refresh goes at 540 s, the allocation's at
    // 560 s (80 % of 700 s); both time out (39.5 s over TLS) and are still pending at 800 s.
    for t in [540, 560] {
        c.handle_timeout(start + Duration::from_secs(t));
        assert_eq!(
            std::iter::from_fn(|| c.poll_transmit()).count(),
            1,
            "at {t} s"
        );
    }
    c.handle_timeout(start + Duration::from_secs(800));
    let events: Vec<_> = std::iter::from_fn(|| c.poll_event()).collect();
    assert_eq!(events, vec![Event::AllocationLost(RequestError::TimedOut)]);
    assert!(c.is_closed());
}
