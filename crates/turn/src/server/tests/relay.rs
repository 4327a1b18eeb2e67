//! Permissions, channels, the data path, rate limits and malformed input.

use super::*;

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
