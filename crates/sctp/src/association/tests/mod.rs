//! Association tests: two associations joined by a deterministic in-memory network with a
//! virtual clock that jumps to the next event, and seeded loss, duplication, reordering
//! and latency; plus hand-crafted hostile packets.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::*;
use crate::chunk::{Abort, Data, Init};

/// xorshift64*: enough randomness for a network simulation, seeded for repeatability.
struct TestRng(u64);

impl TestRng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// Network conditions.
#[derive(Clone, Copy)]
struct Net {
    loss: f64,
    duplicate: f64,
    /// Probability that a packet gets extra delay (and so is reordered).
    reorder: f64,
    latency: Duration,
}

impl Net {
    const PERFECT: Net = Net {
        loss: 0.0,
        duplicate: 0.0,
        reorder: 0.0,
        latency: Duration::from_millis(10),
    };

    fn lossy(loss: f64) -> Net {
        Net {
            loss,
            duplicate: 0.01,
            reorder: 0.02,
            ..Net::PERFECT
        }
    }
}

thread_local! {
    /// Set by [`interleaved`]: [`config`] turns message interleaving (RFC 8260) on, so
    /// that the same scenarios run over I-DATA.
    static INTERLEAVE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with [`config`] asking for message interleaving.
fn interleaved<R>(f: impl FnOnce() -> R) -> R {
    INTERLEAVE.set(true);
    let r = f();
    INTERLEAVE.set(false);
    r
}

fn config(seed: u64) -> Config {
    Config {
        seed,
        message_interleaving: INTERLEAVE.get(),
        // Above the 200 ms delayed SACK, or T3 would fire before a lone packet's SACK.
        rto_min: Duration::from_millis(300),
        rto_initial: Duration::from_millis(300),
        // Off so that idle pairs go quiet; the heartbeat tests turn them on.
        heartbeat_interval: None,
        ..Config::default()
    }
}

struct Pair {
    a: Association,
    b: Association,
    now: Instant,
    rng: TestRng,
    net: Net,
    /// (deliver at, to a?, packet)
    in_flight: Vec<(Instant, bool, Vec<u8>)>,
    a_events: Vec<Event>,
    b_events: Vec<Event>,
    /// Largest packet seen and packets sent.
    max_packet: usize,
    packets: usize,
    /// Drop everything sent by a (true) or b (false) when set.
    blackhole: Option<bool>,
    /// Every packet sent (from a?, bytes), when recording.
    log: Option<Vec<(bool, Vec<u8>)>>,
    /// Take packets with `poll_transmit_into` on this reused buffer (refilled with junk
    /// before each call) instead of `poll_transmit`.
    into: Option<Vec<u8>>,
}

impl Pair {
    fn new(a: Config, b: Config, net: Net, seed: u64) -> Pair {
        Pair::new_at(a, b, net, seed, Instant::now())
    }

    fn new_at(a: Config, b: Config, net: Net, seed: u64, now: Instant) -> Pair {
        Pair {
            a: Association::new(a, now),
            b: Association::new(b, now),
            now,
            rng: TestRng(seed | 1),
            net,
            in_flight: Vec::new(),
            a_events: Vec::new(),
            b_events: Vec::new(),
            max_packet: 0,
            packets: 0,
            blackhole: None,
            log: None,
            into: None,
        }
    }

    /// The next packet from a (true) or b, through whichever poll this pair uses.
    fn poll(&mut self, from_a: bool) -> Option<Vec<u8>> {
        let x = if from_a { &mut self.a } else { &mut self.b };
        match &mut self.into {
            None => x.poll_transmit(),
            Some(buf) => {
                buf.fill(0xa5);
                let n = x.poll_transmit_into(buf)?;
                Some(buf[..n].to_vec())
            }
        }
    }

    fn drain(&mut self) {
        loop {
            let mut any = false;
            while let Some(p) = self.poll(true) {
                self.send(true, &p);
                any = true;
            }
            while let Some(p) = self.poll(false) {
                self.send(false, &p);
                any = true;
            }
            while let Some(e) = self.a.poll_event() {
                self.a_events.push(e);
                any = true;
            }
            while let Some(e) = self.b.poll_event() {
                self.b_events.push(e);
                any = true;
            }
            if !any {
                return;
            }
        }
    }

    fn send(&mut self, from_a: bool, packet: &[u8]) {
        self.max_packet = self.max_packet.max(packet.len());
        self.packets += 1;
        if let Some(log) = &mut self.log {
            log.push((from_a, packet.to_vec()));
        }
        if self.blackhole == Some(from_a) {
            return;
        }
        let copies = if self.rng.chance(self.net.duplicate) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            if self.rng.chance(self.net.loss) {
                continue;
            }
            let mut delay = self.net.latency;
            if self.rng.chance(self.net.reorder) {
                delay += Duration::from_millis(1 + self.rng.next() % 40);
            }
            self.in_flight
                .push((self.now + delay, !from_a, packet.to_vec()));
        }
    }

    /// Advances the virtual clock to the next delivery or timer and processes it.
    /// Returns false when nothing is left to do.
    fn step(&mut self) -> bool {
        self.drain();
        let next_delivery = self.in_flight.iter().map(|(t, ..)| *t).min();
        let timers = [self.a.poll_timeout(), self.b.poll_timeout()];
        let next_timer = timers.iter().flatten().min().copied();
        let Some(next) = [next_delivery, next_timer].into_iter().flatten().min() else {
            return false;
        };
        self.now = self.now.max(next);
        if let Some(i) = self.in_flight.iter().position(|(t, ..)| *t <= self.now) {
            let (_, to_a, packet) = self.in_flight.remove(i);
            let target = if to_a { &mut self.a } else { &mut self.b };
            let _ = target.handle_packet(self.now, &packet);
        } else {
            for x in [&mut self.a, &mut self.b] {
                if x.poll_timeout().is_some_and(|t| t <= self.now) {
                    x.handle_timeout(self.now);
                }
            }
        }
        self.drain();
        true
    }

    fn run_until(&mut self, max_steps: usize, mut done: impl FnMut(&Pair) -> bool) -> bool {
        for _ in 0..max_steps {
            if done(self) {
                return true;
            }
            if !self.step() {
                return done(self);
            }
        }
        done(self)
    }

    fn connect(&mut self) {
        self.a.connect(self.now).unwrap();
        assert!(
            self.run_until(10_000, |p| p.a.is_established() && p.b.is_established()),
            "handshake did not complete: {:?} / {:?}",
            self.a.state(),
            self.b.state()
        );
    }

    fn messages(events: &[Event]) -> Vec<(u16, Ppid, &[u8], bool)> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Message {
                    stream,
                    ppid,
                    data,
                    ordered,
                } => Some((*stream, *ppid, &data[..], *ordered)),
                _ => None,
            })
            .collect()
    }
}

fn connected_count(events: &[Event]) -> usize {
    events.iter().filter(|e| **e == Event::Connected).count()
}

/// Deterministic message content: every byte depends on the message number.
fn payload(n: u64, len: usize) -> Vec<u8> {
    let mut rng = TestRng(n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut v = Vec::with_capacity(len + 8);
    while v.len() < len {
        v.extend_from_slice(&rng.next().to_le_bytes());
    }
    v.truncate(len);
    v
}

/// Builds a packet from chunks, with a correct CRC32c.
fn craft(tag: u32, chunks: &[Chunk<'_>]) -> Vec<u8> {
    let mut buf = vec![0u8; 65_536];
    let header = CommonHeader {
        source_port: 5000,
        destination_port: 5000,
        verification_tag: tag,
    };
    let mut b = PacketBuilder::new(&mut buf, header).unwrap();
    for c in chunks {
        b.push(c).unwrap();
    }
    let n = b.finish();
    buf.truncate(n);
    buf
}

// ---- handshake ----

#[test]
fn handshake_active_passive_both_ways() {
    for a_connects in [true, false] {
        let mut p = Pair::new(config(1), config(2), Net::PERFECT, 3);
        if a_connects {
            p.a.connect(p.now).unwrap();
        } else {
            p.b.connect(p.now).unwrap();
        }
        assert!(p.run_until(1000, |p| p.a.is_established() && p.b.is_established()));
        p.drain();
        assert_eq!(connected_count(&p.a_events), 1);
        assert_eq!(connected_count(&p.b_events), 1);
        assert_eq!(p.a.peer_tag(), p.b.local_tag());
        assert_eq!(p.b.peer_tag(), p.a.local_tag());
        // 4 packets: INIT, INIT ACK, COOKIE ECHO, COOKIE ACK.
        assert_eq!(p.packets, 4);
        assert!(p.a.poll_timeout().is_none() && p.b.poll_timeout().is_none());
        // The initiator measured an RTT from INIT / INIT ACK (20 ms round trip).
        let initiator = if a_connects { &p.a } else { &p.b };
        assert_eq!(initiator.srtt(), Some(Duration::from_millis(20)));
    }
}

#[test]
fn simultaneous_open() {
    for (delay_b, seed) in [(0u64, 5u64), (3, 6), (15, 7)] {
        let mut p = Pair::new(config(seed), config(seed + 100), Net::PERFECT, seed);
        p.a.connect(p.now).unwrap();
        p.drain();
        p.now += Duration::from_millis(delay_b);
        p.b.connect(p.now).unwrap();
        assert!(
            p.run_until(1000, |p| p.a.is_established() && p.b.is_established()),
            "delay {delay_b}"
        );
        p.run_until(1000, |_| false);
        assert_eq!(connected_count(&p.a_events), 1, "delay {delay_b}");
        assert_eq!(connected_count(&p.b_events), 1, "delay {delay_b}");
        assert_eq!(p.a.peer_tag(), p.b.local_tag());
        assert_eq!(p.b.peer_tag(), p.a.local_tag());
        // Data flows both ways afterwards.
        p.a.send(p.now, 1, Ppid::BINARY, b"from a", true).unwrap();
        p.b.send(p.now, 1, Ppid::BINARY, b"from b", true).unwrap();
        p.run_until(1000, |_| false);
        assert_eq!(
            Pair::messages(&p.b_events),
            [(1, Ppid::BINARY, &b"from a"[..], true)]
        );
        assert_eq!(
            Pair::messages(&p.a_events),
            [(1, Ppid::BINARY, &b"from b"[..], true)]
        );
    }
}

#[test]
fn handshake_survives_loss_and_duplication() {
    for seed in 0..20 {
        let net = Net {
            loss: 0.3,
            duplicate: 0.3,
            reorder: 0.3,
            latency: Duration::from_millis(10),
        };
        let mut p = Pair::new(config(seed), config(seed + 1000), net, seed);
        p.connect();
        p.run_until(10_000, |_| false);
        assert_eq!(connected_count(&p.a_events), 1, "seed {seed}");
        assert_eq!(connected_count(&p.b_events), 1, "seed {seed}");
    }
}

#[test]
fn handshake_gives_up_after_max_init_retransmits() {
    let mut p = Pair::new(config(1), config(2), Net::PERFECT, 1);
    p.blackhole = Some(true);
    p.a.connect(p.now).unwrap();
    p.run_until(10_000, |_| false);
    assert_eq!(p.a.state(), State::Terminated);
    assert_eq!(
        p.a_events,
        [Event::Closed {
            reason: CloseReason::HandshakeTimeout
        }]
    );
    // The first INIT plus Max.Init.Retransmits retransmissions.
    assert_eq!(p.packets, 1 + 8);
    assert_eq!(p.a.connect(p.now), Err(Error::Closed));
    assert_eq!(p.a.handle_packet(p.now, &[0; 16]), Err(Error::Closed));
}

#[test]
fn stale_cookie_is_retried_with_a_preservative() {
    // Cookies live 1 s but the one-way latency is 600 ms: the first COOKIE ECHO arrives
    // 1.2 s after the cookie was made.
    let server = Config {
        valid_cookie_life: Duration::from_secs(1),
        ..config(2)
    };
    let client = Config {
        rto_initial: Duration::from_secs(3),
        rto_min: Duration::from_secs(3),
        ..config(1)
    };
    let net = Net {
        latency: Duration::from_millis(600),
        ..Net::PERFECT
    };
    let mut p = Pair::new(client, server, net, 1);
    p.connect();
    // INIT, INIT ACK, COOKIE ECHO, ERROR (stale), INIT, INIT ACK, COOKIE ECHO, COOKIE ACK.
    assert_eq!(p.packets, 8);
}

#[test]
fn init_ack_and_cookie_without_the_right_tags_are_dropped() {
    let mut p = Pair::new(config(1), config(2), Net::PERFECT, 1);
    p.connect();
    let b_tag = p.b.local_tag();
    // An INIT with a non-zero tag is dropped.
    let init = Init {
        initiate_tag: 77,
        a_rwnd: 1000,
        outbound_streams: 1,
        inbound_streams: 1,
        initial_tsn: 5,
        params: Items::EMPTY,
    };
    let before = p.b.stats();
    p.b.handle_packet(p.now, &craft(b_tag, &[Chunk::Init(init)]))
        .unwrap();
    assert_eq!(p.b.stats().dropped_tag, before.dropped_tag + 1);
    assert!(p.b.poll_transmit().is_none());
    // A forged COOKIE ECHO is dropped.
    let echo = Chunk::CookieEcho(crate::chunk::CookieEcho { cookie: &[0u8; 72] });
    p.b.handle_packet(p.now, &craft(b_tag, &[echo])).unwrap();
    assert_eq!(p.b.stats().dropped_malformed, before.dropped_malformed + 1);
    assert!(p.b.poll_transmit().is_none());
    assert!(p.b.is_established());
}

// ---- data ----

#[test]
fn messages_of_every_size_arrive_identical() {
    for ordered in [true, false] {
        let mut p = Pair::new(config(1), config(2), Net::PERFECT, 1);
        p.connect();
        let sizes = [1usize, 1024, 65_536, 262_144];
        for (i, &len) in sizes.iter().enumerate() {
            p.a.send(
                p.now,
                i as u16,
                Ppid::BINARY,
                &payload(i as u64, len),
                ordered,
            )
            .unwrap();
        }
        p.run_until(100_000, |p| {
            Pair::messages(&p.b_events).len() == sizes.len()
        });
        p.run_until(100_000, |_| false);
        let got = Pair::messages(&p.b_events);
        assert_eq!(got.len(), sizes.len());
        for (i, &len) in sizes.iter().enumerate() {
            let m = got.iter().find(|m| m.0 == i as u16).unwrap();
            assert_eq!(m.2, &payload(i as u64, len)[..], "size {len}");
            assert_eq!(m.3, ordered);
        }
        assert!(p.max_packet <= 1200);
        assert_eq!(p.a.buffered_bytes(), 0, "everything acknowledged");
        assert_eq!(p.b.receive_buffered(), 0);
    }
}

#[test]
fn oversized_empty_and_bad_stream_sends_fail() {
    let mut p = Pair::new(config(1), config(2), Net::PERFECT, 1);
    p.connect();
    let max = 262_144;
    assert_eq!(
        p.a.send(p.now, 0, Ppid::BINARY, &vec![0; max + 1], true),
        Err(Error::MessageTooLarge { len: max + 1, max })
    );
    assert_eq!(
        p.a.send(p.now, 0, Ppid::BINARY, &[], true),
        Err(Error::EmptyMessage)
    );
    let mut p = Pair::new(
        Config {
            outbound_streams: 4,
            ..config(1)
        },
        config(2),
        Net::PERFECT,
        1,
    );
    p.connect();
    assert_eq!(
        p.a.send(p.now, 4, Ppid::BINARY, b"x", true),
        Err(Error::InvalidStream {
            stream: 4,
            limit: 4
        })
    );
}

/// Sends `total` bytes in `msg_len` messages over several streams through `net`, and
/// checks that every message arrives once, intact and in order per stream.
fn bulk_transfer(net: Net, total: usize, msg_len: usize, seed: u64) {
    bulk_transfer_with(net, total, msg_len, seed, false);
}

/// `shared`: every other message goes through `send_bytes` (held, not copied), so
/// ring-backed and shared messages alternate on every stream.
fn bulk_transfer_with(net: Net, total: usize, msg_len: usize, seed: u64, shared: bool) {
    let mut p = Pair::new(config(seed), config(seed + 1), net, seed);
    p.connect();
    assert_eq!(p.a.message_interleaving(), INTERLEAVE.get());
    let count = total / msg_len;
    let streams = 3u16;
    let mut next = 0usize;
    let mut steps = 0usize;
    while Pair::messages(&p.b_events).len() < count {
        while next < count {
            let stream = (next % streams as usize) as u16;
            let data = payload(next as u64, msg_len);
            let sent = if shared && next % 2 == 1 {
                let options = SendOptions::default();
                p.a.send_bytes(p.now, stream, Ppid::BINARY, data, options)
            } else {
                p.a.send(p.now, stream, Ppid::BINARY, &data, true)
            };
            match sent {
                Ok(()) => next += 1,
                Err(Error::SendBufferFull { buffered, limit }) => {
                    assert!(buffered <= limit);
                    break;
                }
                Err(e) => panic!("{e}"),
            }
        }
        assert!(
            p.step(),
            "stalled with {} delivered",
            Pair::messages(&p.b_events).len()
        );
        steps += 1;
        assert!(steps < 5_000_000, "too many steps");
        assert!(p.a.buffered_bytes() <= 2 * p.a.config().send_buffer + msg_len);
        assert!(p.b.receive_buffered() <= p.b.config().receive_buffer + 1200);
        assert!(p.a.is_established() && p.b.is_established());
    }
    let got = Pair::messages(&p.b_events);
    assert_eq!(got.len(), count);
    let mut expected_next = [0usize; 3];
    for (stream, ppid, data, ordered) in got {
        let s = usize::from(stream);
        let n = expected_next[s] * streams as usize + s;
        assert_eq!(data, &payload(n as u64, msg_len)[..], "message {n}");
        assert_eq!((ppid, ordered), (Ppid::BINARY, true));
        expected_next[s] += 1;
    }
    assert!(p.max_packet <= 1200);
}

fn bulk_size() -> usize {
    8 << 20
}

#[test]
pub(super) fn shared_and_copied_messages_alternate_under_loss() {
    // 3000-byte messages: three fragments, held (shared) or in the ring by turns, with
    // retransmissions reading either.
    bulk_transfer_with(Net::lossy(0.05), 2 << 20, 3000, 41, true);
    // Short shared messages are copied into the ring: mixed with borrowed ones.
    bulk_transfer_with(Net::lossy(0.01), 1 << 20, 700, 43, true);
}

#[test]
fn bulk_transfer_no_loss() {
    bulk_transfer(Net::PERFECT, bulk_size(), 16_384, 1);
}

#[test]
fn bulk_transfer_1_percent_loss() {
    bulk_transfer(Net::lossy(0.01), bulk_size(), 16_384, 2);
}

#[test]
fn bulk_transfer_5_percent_loss() {
    bulk_transfer(Net::lossy(0.05), bulk_size(), 65_536, 3);
}

#[test]
fn bulk_transfer_20_percent_loss() {
    bulk_transfer(Net::lossy(0.20), bulk_size(), 4096, 4);
}

#[test]
#[ignore = "64 MiB: run in release"]
fn bulk_transfer_64_mib() {
    for (i, loss) in [0.0, 0.01, 0.05, 0.2].into_iter().enumerate() {
        bulk_transfer(Net::lossy(loss), 64 << 20, 65_536, 10 + i as u64);
    }
}

#[test]
pub(super) fn unordered_messages_are_delivered_exactly_once() {
    let net = Net {
        loss: 0.1,
        duplicate: 0.2,
        reorder: 0.3,
        latency: Duration::from_millis(10),
    };
    let mut p = Pair::new(config(9), config(10), net, 9);
    p.connect();
    let count = 2000u32;
    for i in 0..count {
        let len = 1 + (i as usize * 37) % 3000;
        let mut m = i.to_be_bytes().to_vec();
        m.extend(payload(u64::from(i), len));
        p.a.send(p.now, (i % 5) as u16, Ppid::BINARY, &m, false)
            .unwrap();
    }
    p.run_until(10_000_000, |p| {
        Pair::messages(&p.b_events).len() >= count as usize
    });
    p.run_until(100_000, |_| false);
    let got = Pair::messages(&p.b_events);
    assert_eq!(got.len(), count as usize);
    let mut seen = HashSet::new();
    for (stream, _, data, ordered) in got {
        assert!(!ordered);
        let i = u32::from_be_bytes(data[..4].try_into().unwrap());
        assert!(seen.insert(i), "message {i} delivered twice");
        assert_eq!(stream, (i % 5) as u16);
        let len = 1 + (i as usize * 37) % 3000;
        assert_eq!(&data[4..], &payload(u64::from(i), len)[..]);
    }
    assert!(
        p.b.stats().data_duplicates > 0,
        "the network duplicated packets"
    );
}

#[test]
fn send_buffer_is_bounded() {
    let mut p = Pair::new(
        Config {
            send_buffer: 300_000,
            ..config(1)
        },
        config(2),
        Net::PERFECT,
        1,
    );
    p.connect();
    // The peer never acknowledges anything.
    p.blackhole = Some(true);
    let mut accepted = 0;
    let err = loop {
        match p.a.send(p.now, 0, Ppid::BINARY, &[7; 10_000], true) {
            Ok(()) => accepted += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(accepted, 30);
    assert_eq!(
        err,
        Error::SendBufferFull {
            buffered: 300_000,
            limit: 300_000
        }
    );
    assert_eq!(p.a.buffered_amount(0), 300_000);
    p.drain();
    let left = 300_000 - p.a.buffered_amount(0);
    assert!(left > 0, "the first window left");
    assert_eq!(
        p.a.buffered_bytes(),
        300_000,
        "but nothing was acknowledged"
    );
    // The limit is on what waits: as much as left may be queued again, no more.
    let mut more = 0;
    while p.a.send(p.now, 0, Ppid::BINARY, &[7; 1000], true).is_ok() {
        more += 1000;
    }
    assert!(more <= left && left - more < 1000, "{more} of {left}");
    assert!(p.a.buffered_amount(0) > 299_000);
    assert!(p.a.sender.chunk_count() <= 2 * 300_000 / 1000);
}

/// What was sent and waits for acknowledgement is bounded by the send buffer too: with a
/// window far larger than the send buffer, new data waits while that much is unacknowledged,
/// and the transfer still completes.
#[test]
fn sent_data_held_is_bounded_by_the_send_buffer() {
    let cfg = |seed| Config {
        send_buffer: 40_000,
        max_message_size: 10_000,
        ..config(seed)
    };
    let net = Net {
        latency: Duration::from_millis(50),
        ..Net::PERFECT
    };
    let mut p = Pair::new(cfg(1), cfg(2), net, 1);
    p.connect();
    let (count, mut next, mut most_held) = (200usize, 0usize, 0usize);
    let mut steps = 0;
    while Pair::messages(&p.b_events).len() < count {
        while next < count && p.a.send(p.now, 0, Ppid::BINARY, &[9; 10_000], true).is_ok() {
            next += 1;
        }
        assert!(p.step(), "stalled");
        steps += 1;
        assert!(steps < 1_000_000);
        let held = p.a.buffered_bytes() - p.a.buffered_amount(0);
        most_held = most_held.max(held);
    }
    assert!(most_held <= 40_000 + 1200, "held {most_held}");
    // The bound was what limited it (the window grew past it).
    assert!(most_held > 30_000, "held at most {most_held}");
    assert!(p.a.cwnd() > 40_000, "cwnd {}", p.a.cwnd());
}

#[test]
fn retransmission_limit_closes_the_association() {
    let mut p = Pair::new(config(1), config(2), Net::PERFECT, 1);
    p.connect();
    p.blackhole = Some(true);
    p.a.send(p.now, 0, Ppid::BINARY, b"lost", true).unwrap();
    p.run_until(100_000, |_| false);
    assert_eq!(p.a.state(), State::Terminated);
    assert_eq!(
        p.a_events.last(),
        Some(&Event::Closed {
            reason: CloseReason::RetransmissionLimit
        })
    );
    assert_eq!(p.a.stats().t3_expiries, 11);
}

#[test]
fn rto_backs_off_and_karn_skips_retransmitted_samples() {
    let mut p = Pair::new(config(1), config(2), Net::PERFECT, 1);
    p.connect();
    p.a.send(p.now, 0, Ppid::BINARY, b"x", true).unwrap();
    p.run_until(1000, |_| false);
    let srtt = p.a.srtt().unwrap();
    let rto = p.a.rto();
    p.blackhole = Some(true);
    p.a.send(p.now, 0, Ppid::BINARY, b"y", true).unwrap();
    p.drain();
    let deadline = p.a.poll_timeout().unwrap();
    assert_eq!(deadline, p.now + rto);
    p.now = deadline;
    p.a.handle_timeout(p.now);
    assert_eq!(p.a.rto(), rto * 2);
    p.blackhole = None;
    p.run_until(1000, |_| false);
    assert_eq!(Pair::messages(&p.b_events).len(), 2);
    // The retransmitted chunk gave no RTT sample.
    assert_eq!(p.a.srtt(), Some(srtt));
    assert_eq!(p.a.stats().timeout_retransmits, 1);
    // Its acknowledgement still ended the back-off: the RTO is the estimate again.
    assert_eq!(p.a.rto(), rto);
}

#[test]
fn fast_retransmit_recovers_a_single_loss_without_timeout() {
    let mut p = Pair::new(config(1), config(2), Net::PERFECT, 1);
    p.connect();
    // Grow the window first.
    for i in 0..50 {
        p.a.send(p.now, 0, Ppid::BINARY, &payload(i, 1000), true)
            .unwrap();
    }
    p.run_until(100_000, |_| false);
    // Now lose exactly the first DATA packet of a burst.
    for i in 0..20 {
        p.a.send(p.now, 0, Ppid::BINARY, &payload(100 + i, 1000), true)
            .unwrap();
    }
    let first = p.a.poll_transmit().unwrap();
    drop(first);
    p.run_until(100_000, |_| false);
    assert_eq!(Pair::messages(&p.b_events).len(), 70);
    assert_eq!(p.a.stats().fast_retransmits, 1);
    assert_eq!(p.a.stats().t3_expiries, 0);
}

mod hostile;
mod interleave;
mod partial;
mod priority;
mod reset;
mod restart;
mod shutdown;
mod transmit;
mod zero_checksum;
