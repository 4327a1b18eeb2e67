//! Message interleaving (RFC 8260) in the pair harness: negotiation and fallback, the
//! shared scenarios (bulk ordered transfer under loss, unordered exactly-once, partial
//! reliability, stream reset, mutated packets) run over I-DATA, no head-of-line blocking
//! across streams, and hand-played hostile I-DATA.

use super::hostile::hand_played_peer;
use super::*;
use crate::chunk::{ForwardTsn, IData, IForwardTsn, IForwardTsnStream};
use crate::{ChunkType, Items};

fn on(seed: u64) -> Config {
    Config {
        message_interleaving: true,
        ..config(seed)
    }
}

/// The data chunk types in a packet: (DATA, I-DATA) counts.
fn data_chunk_types(packet: &[u8]) -> (usize, usize) {
    let view = SctpPacket::new_checked(packet).unwrap();
    let mut counts = (0, 0);
    for raw in view.chunks() {
        match raw.chunk_type {
            ChunkType::DATA => counts.0 += 1,
            ChunkType::I_DATA => counts.1 += 1,
            _ => {}
        }
    }
    counts
}

#[test]
fn negotiated_only_when_both_ends_list_i_data() {
    for (x, y) in [(true, true), (true, false), (false, true), (false, false)] {
        let cfg = |on, seed| Config {
            message_interleaving: on,
            ..config(seed)
        };
        let mut p = Pair::new(cfg(x, 1), cfg(y, 2), Net::PERFECT, 1);
        p.log = Some(Vec::new());
        p.connect();
        let both = x && y;
        assert_eq!(
            (p.a.message_interleaving(), p.b.message_interleaving()),
            (both, both)
        );
        let big = payload(1, 5000);
        p.a.send(p.now, 0, Ppid::BINARY, &big, true).unwrap();
        p.b.send(p.now, 1, Ppid::STRING, b"back", false).unwrap();
        p.run_until(10_000, |_| false);
        assert_eq!(
            Pair::messages(&p.b_events),
            [(0, Ppid::BINARY, &big[..], true)]
        );
        assert_eq!(
            Pair::messages(&p.a_events),
            [(1, Ppid::STRING, &b"back"[..], false)]
        );
        let log = p.log.take().unwrap();
        // INIT (from a) and INIT ACK (from b) list I-DATA and I-FORWARD-TSN exactly when
        // configured to.
        for (from_a, packet) in &log[..2] {
            let view = SctpPacket::new_checked(packet).unwrap();
            let raw = view.chunks().next().unwrap();
            let (Chunk::Init(init) | Chunk::InitAck(init)) = Chunk::parse(raw).unwrap() else {
                panic!("not an INIT: {raw:?}");
            };
            let want = if *from_a { x } else { y };
            assert_eq!(init.supports_extension(ChunkType::I_DATA), want);
            assert_eq!(init.supports_extension(ChunkType::I_FORWARD_TSN), want);
            assert!(init.supports_extension(ChunkType::FORWARD_TSN));
        }
        let (data, idata) = log
            .iter()
            .map(|(_, pk)| data_chunk_types(pk))
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        if both {
            assert_eq!((data, idata), (0, 6), "5 fragments and one message");
        } else {
            assert_eq!((data, idata), (6, 0), "5 fragments and one message");
        }
    }
}

/// A 256 KiB message on stream 0, then a small one on stream 1: returns the order in
/// which the receiver got them (stream ids).
fn small_after_large(interleave: bool) -> Vec<u16> {
    let cfg = |seed| Config {
        message_interleaving: interleave,
        ..config(seed)
    };
    let mut p = Pair::new(cfg(1), cfg(2), Net::PERFECT, 3);
    p.connect();
    let large = payload(7, 256 << 10);
    p.a.send(p.now, 0, Ppid::BINARY, &large, true).unwrap();
    p.a.send(p.now, 1, Ppid::STRING, b"small", true).unwrap();
    p.run_until(1_000_000, |p| Pair::messages(&p.b_events).len() == 2);
    let got = Pair::messages(&p.b_events);
    assert!(got.contains(&(0, Ppid::BINARY, &large[..], true)));
    assert!(got.contains(&(1, Ppid::STRING, &b"small"[..], true)));
    got.iter().map(|m| m.0).collect()
}

#[test]
fn a_small_message_is_not_blocked_behind_a_large_one() {
    assert_eq!(small_after_large(true), [1, 0], "I-DATA interleaves");
    // With DATA the large message's fragments take consecutive TSNs first.
    assert_eq!(small_after_large(false), [0, 1], "DATA cannot");
}

#[test]
fn interleaved_fragments_share_packets_by_priority() {
    // Two streams with 64 KiB messages and priorities 1024 and 256: with I-DATA their
    // fragments alternate 4:1 while both have data, well before either message is done.
    let mut p = Pair::new(on(1), on(2), Net::PERFECT, 5);
    p.connect();
    p.a.set_stream_priority(0, 256);
    p.a.set_stream_priority(1, 1024);
    p.log = Some(Vec::new());
    for n in 0..4 {
        p.a.send(p.now, 0, Ppid::BINARY, &payload(n, 64 << 10), true)
            .unwrap();
        p.a.send(p.now, 1, Ppid::BINARY, &payload(10 + n, 64 << 10), true)
            .unwrap();
    }
    p.run_until(1_000_000, |p| Pair::messages(&p.b_events).len() == 8);
    let mut per_stream = [0usize; 2];
    for (from_a, packet) in p.log.as_ref().unwrap().iter().filter(|l| l.0).take(40) {
        assert!(from_a);
        let view = SctpPacket::new_checked(packet).unwrap();
        for raw in view.chunks() {
            if let Ok(Chunk::IData(d)) = Chunk::parse(raw) {
                per_stream[usize::from(d.stream_id)] += d.user_data.len();
            }
        }
    }
    let ratio = per_stream[1] as f64 / per_stream[0].max(1) as f64;
    assert!(
        (3.0..=5.0).contains(&ratio),
        "bytes per stream {per_stream:?}"
    );
    for (stream, _, data, _) in Pair::messages(&p.b_events) {
        let base = if stream == 0 { 0 } else { 10 };
        let matches = (0..4).any(|n| data == &payload(base + n, 64 << 10)[..]);
        assert!(matches, "stream {stream}: corrupt message");
    }
}

#[test]
fn bulk_transfer_over_i_data() {
    interleaved(|| {
        bulk_transfer(Net::PERFECT, bulk_size(), 16_384, 101);
        bulk_transfer(Net::lossy(0.01), bulk_size(), 16_384, 102);
    });
}

#[test]
fn bulk_transfer_over_i_data_5_percent_loss() {
    interleaved(|| bulk_transfer(Net::lossy(0.05), bulk_size(), 65_536, 103));
}

#[test]
fn bulk_transfer_over_i_data_20_percent_loss() {
    interleaved(|| bulk_transfer(Net::lossy(0.20), bulk_size(), 4096, 104));
}

#[test]
#[ignore = "64 MiB: run in release"]
fn bulk_transfer_over_i_data_64_mib() {
    interleaved(|| {
        for (i, loss) in [0.0, 0.01, 0.05, 0.2].into_iter().enumerate() {
            bulk_transfer(Net::lossy(loss), 64 << 20, 65_536, 110 + i as u64);
        }
    });
}

#[test]
fn shared_and_copied_messages_over_i_data() {
    // Messages held as the caller's buffer (`send_bytes`) are cut into I-DATA fragments
    // from that buffer.
    interleaved(shared_and_copied_messages_alternate_under_loss);
}

#[test]
fn unordered_over_i_data_exactly_once() {
    interleaved(unordered_messages_are_delivered_exactly_once);
}

#[test]
fn partial_reliability_over_i_data() {
    // The seeds of the DATA runs (partial::partial_reliability_*).
    let got = interleaved(|| partial::partially_reliable(0.05, 21));
    assert!(got[1] < 400, "nothing abandoned: {got:?}");
    let got = interleaved(|| partial::partially_reliable(0.20, 22));
    assert!(got[1] < 400 && got[3] < 400, "nothing abandoned: {got:?}");
    interleaved(partial::abandoned_ordered_message_is_skipped_not_stalled);
}

/// A large timed message abandoned half sent, while another stream's message is
/// interleaved with it: the I-FORWARD-TSN skips it by MID, the other message and the
/// next one on its stream arrive, the abandoned one never does.
#[test]
fn message_abandoned_mid_fragmentation_is_skipped() {
    let mut p = Pair::new(on(5), on(6), Net::PERFECT, 5);
    p.connect();
    let timed = SendOptions {
        max_lifetime: Some(Duration::from_millis(150)),
        ..SendOptions::default()
    };
    let old = payload(1, 200 << 10);
    let reliable = payload(2, 100 << 10);
    p.a.send_with(p.now, 1, Ppid::BINARY, &old, timed).unwrap();
    p.a.send(p.now, 0, Ppid::BINARY, &reliable, true).unwrap();
    // Let a few packets out, then cut the path until the lifetime has passed.
    p.run_until(10_000, |p| p.packets >= 12);
    assert_eq!(p.b.receiver.reassembling(), 2, "both messages under way");
    p.blackhole = Some(true);
    let start = p.now;
    p.run_until(100_000, |p| p.now >= start + Duration::from_millis(400));
    p.blackhole = None;
    // The next message on the abandoned one's stream (reliable: the sender may still be
    // backed off from the outage) is delivered.
    let new = payload(3, 3000);
    p.a.send(p.now, 1, Ppid::BINARY, &new, true).unwrap();
    p.run_until(1_000_000, |p| {
        p.a.buffered_bytes() == 0 && p.a.poll_timeout().is_none() && p.in_flight.is_empty()
    });
    let mut got = Pair::messages(&p.b_events);
    got.sort_by_key(|m| m.0);
    assert_eq!(got.len(), 2, "the abandoned message was delivered");
    assert_eq!(got[0], (0, Ppid::BINARY, &reliable[..], true));
    assert_eq!(got[1], (1, Ppid::BINARY, &new[..], true));
    assert_eq!(p.a.buffered_bytes(), 0);
    assert_eq!(p.b.receive_buffered(), 0);
    assert_eq!(p.b.receiver.reassembling(), 0);
}

#[test]
fn stream_reset_restarts_mids() {
    interleaved(|| {
        reset::reset_both_ways(Net::PERFECT, 131);
        reset::reset_both_ways(Net::lossy(0.05), 132);
    });
}

#[test]
fn mutated_i_data_packets_never_panic_or_break_bounds() {
    interleaved(hostile::mutated_packets_never_panic_or_break_bounds);
}

// ---- hand-played peers ----

#[allow(clippy::too_many_arguments)]
fn idata<'a>(
    tsn: u32,
    stream_id: u16,
    mid: u32,
    fsn: u32,
    b: bool,
    e: bool,
    unordered: bool,
    user_data: &'a [u8],
) -> Chunk<'a> {
    Chunk::IData(IData {
        unordered,
        beginning: b,
        ending: e,
        tsn,
        stream_id,
        mid,
        ppid_or_fsn: if b { Ppid::BINARY.0 } else { fsn },
        user_data,
        ..IData::default()
    })
}

/// A connected pair over I-DATA where the test plays b: (pair, a's tag, next TSN).
fn i_data_peer() -> (Pair, u32, u32) {
    let (p, tag, tsn) = interleaved(|| hand_played_peer(on(1)));
    assert!(p.a.message_interleaving());
    (p, tag, tsn)
}

fn closed_for_violation(p: &mut Pair) -> bool {
    p.drain();
    let aborted = p.a_events.iter().any(|e| {
        matches!(
            e,
            Event::Closed {
                reason: CloseReason::ProtocolViolation(_)
            }
        )
    });
    aborted && p.a.state() == State::Terminated
}

#[test]
fn wrong_data_chunk_type_aborts() {
    // DATA after I-DATA was negotiated.
    let (mut p, tag, tsn) = i_data_peer();
    let data = Chunk::Data(Data {
        beginning: true,
        ending: true,
        tsn,
        user_data: b"x",
        ..Data::default()
    });
    p.a.handle_packet(p.now, &craft(tag, &[data])).unwrap();
    assert!(closed_for_violation(&mut p));
    // FORWARD TSN after I-DATA was negotiated.
    let (mut p, tag, tsn) = i_data_peer();
    let fwd = Chunk::ForwardTsn(ForwardTsn {
        new_cumulative_tsn: tsn,
        streams: Items::EMPTY,
    });
    p.a.handle_packet(p.now, &craft(tag, &[fwd])).unwrap();
    assert!(closed_for_violation(&mut p));
    // I-DATA and I-FORWARD-TSN without it.
    let (mut p, tag, tsn) = hand_played_peer(config(1));
    assert!(!p.a.message_interleaving());
    let chunk = idata(tsn, 0, 0, 0, true, true, false, b"x");
    p.a.handle_packet(p.now, &craft(tag, &[chunk])).unwrap();
    assert!(closed_for_violation(&mut p));
    let (mut p, tag, tsn) = hand_played_peer(config(1));
    let fwd = Chunk::IForwardTsn(IForwardTsn {
        new_cumulative_tsn: tsn,
        streams: Items::EMPTY,
    });
    p.a.handle_packet(p.now, &craft(tag, &[fwd])).unwrap();
    assert!(closed_for_violation(&mut p));
}

#[test]
fn fragments_reassemble_in_any_order_across_streams() {
    let (mut p, tag, tsn) = i_data_peer();
    let part = |n: u64| payload(n, 1000);
    // Stream 0 MID 0 in three fragments, stream 1 MID 0 in two, interleaved and sent
    // backwards; then stream 0 MID 1 whole.
    let chunks = [
        idata(tsn + 5, 0, 1, 0, true, true, false, b"second"),
        idata(tsn + 4, 1, 0, 1, false, true, false, &[]),
        idata(tsn + 3, 0, 0, 2, false, true, false, &[]),
        idata(tsn + 2, 1, 0, 0, true, false, false, &[]),
        idata(tsn + 1, 0, 0, 1, false, false, false, &[]),
        idata(tsn, 0, 0, 0, true, false, false, &[]),
    ];
    let datas = [
        b"second".to_vec(),
        part(11),
        part(2),
        part(10),
        part(1),
        part(0),
    ];
    for (chunk, d) in chunks.iter().zip(&datas) {
        let Chunk::IData(mut c) = *chunk else {
            panic!()
        };
        c.user_data = d;
        p.a.handle_packet(p.now, &craft(tag, &[Chunk::IData(c)]))
            .unwrap();
    }
    p.drain();
    let got = Pair::messages(&p.a_events);
    let s0: Vec<u8> = [part(0), part(1), part(2)].concat();
    let s1: Vec<u8> = [part(10), part(11)].concat();
    assert_eq!(
        got,
        [
            (1, Ppid::BINARY, &s1[..], true),
            (0, Ppid::BINARY, &s0[..], true),
            (0, Ppid::BINARY, &b"second"[..], true),
        ]
    );
    assert_eq!(p.a.receiver.reassembling(), 0);
}

#[test]
fn contradicting_fragments_abort() {
    type Case = &'static [(u32, bool, bool)];
    // (FSN, B, E) of successive fragments of stream 0 MID 0.
    let cases: [(Case, &str); 5] = [
        (&[(1, false, false), (1, false, false)], "same FSN twice"),
        (&[(0, true, false), (0, true, false)], "two first fragments"),
        (&[(3, false, true), (5, false, false)], "beyond the last"),
        (&[(5, false, false), (3, false, true)], "last before others"),
        (&[(0, false, false)], "FSN 0 without B"),
    ];
    for (case, what) in cases {
        let (mut p, tag, tsn) = i_data_peer();
        for (i, &(fsn, b, e)) in case.iter().enumerate() {
            let chunk = idata(tsn + i as u32, 0, 0, fsn, b, e, false, b"abcd");
            p.a.handle_packet(p.now, &craft(tag, &[chunk])).unwrap();
        }
        assert!(closed_for_violation(&mut p), "{what}");
    }
}

#[test]
fn hostile_i_data_stays_bounded() {
    // A fragment starting a message on every stream: at most MAX_REASSEMBLING at once,
    // the rest dropped unacknowledged.
    let (mut p, tag, tsn) = i_data_peer();
    for s in 0..2000u16 {
        let chunk = idata(
            tsn + u32::from(s),
            s,
            0,
            0,
            true,
            false,
            s % 2 == 0,
            b"0123",
        );
        p.a.handle_packet(p.now, &craft(tag, &[chunk])).unwrap();
    }
    assert_eq!(p.a.receiver.reassembling(), recv::MAX_REASSEMBLING);
    assert!(p.a.stats().data_dropped_no_room > 0);
    assert!(p.a.is_established());
    // Huge FSNs that never end: cut at max_message_size.
    let (mut p, tag, tsn) = i_data_peer();
    let chunk = vec![7u8; 1000];
    let mut i = 0u32;
    while p.a.is_established() {
        let fsn = 0x8000_0000 + i * 1000;
        let c = idata(tsn + i, 0, 0, fsn, false, false, false, &chunk);
        p.a.handle_packet(p.now, &craft(tag, &[c])).unwrap();
        assert!(p.a.receive_buffered() <= p.a.config().receive_buffer + 1200);
        i += 1;
        assert!(i < 10_000, "never aborted");
    }
    assert!(closed_for_violation(&mut p));
    assert!(i as usize >= p.a.config().max_message_size / 1000);
}

#[test]
fn ordered_mids_wrap_and_i_forward_tsn_skips() {
    let (mut p, tag, tsn) = i_data_peer();
    // Stream 0: skip through MID 0xffff_fffd in three serial steps (TSNs `tsn` to
    // `tsn + 2`); then MIDs 0xffff_ffff, 0xffff_fffe, 1, 0 arrive out of order and are
    // delivered in MID order.
    for (i, mid) in [0x7000_0000u32, 0xe000_0000, 0xffff_fffd]
        .into_iter()
        .enumerate()
    {
        let fwd = IForwardTsn {
            new_cumulative_tsn: tsn + i as u32,
            streams: Items::Slice(&[IForwardTsnStream {
                stream_id: 0,
                unordered: false,
                mid,
            }]),
        };
        p.a.handle_packet(p.now, &craft(tag, &[Chunk::IForwardTsn(fwd)]))
            .unwrap();
    }
    for (i, mid) in [0xffff_ffffu32, 0xffff_fffe, 1, 0].into_iter().enumerate() {
        let body = mid.to_be_bytes();
        let chunk = idata(tsn + 3 + i as u32, 0, mid, 0, true, true, false, &body);
        p.a.handle_packet(p.now, &craft(tag, &[chunk])).unwrap();
    }
    p.drain();
    let got: Vec<u32> = Pair::messages(&p.a_events)
        .iter()
        .map(|m| u32::from_be_bytes(m.2.try_into().unwrap()))
        .collect();
    assert_eq!(got, [0xffff_fffe, 0xffff_ffff, 0, 1]);
    // Unordered: a partial message skipped by I-FORWARD-TSN is dropped, and a late
    // fragment of it does not start it again.
    let t = tsn + 7;
    let first = idata(t, 3, 9, 0, true, false, true, b"head");
    p.a.handle_packet(p.now, &craft(tag, &[first])).unwrap();
    assert_eq!(p.a.receiver.reassembling(), 1);
    let fwd = IForwardTsn {
        new_cumulative_tsn: t + 1,
        streams: Items::Slice(&[IForwardTsnStream {
            stream_id: 3,
            unordered: true,
            mid: 9,
        }]),
    };
    p.a.handle_packet(p.now, &craft(tag, &[Chunk::IForwardTsn(fwd)]))
        .unwrap();
    assert_eq!(p.a.receiver.reassembling(), 0);
    let late = idata(t + 2, 3, 9, 1, false, true, true, b"tail");
    p.a.handle_packet(p.now, &craft(tag, &[late])).unwrap();
    p.drain();
    assert_eq!(p.a.receiver.reassembling(), 0);
    assert_eq!(Pair::messages(&p.a_events).len(), 4);
    assert_eq!(p.a.receive_buffered(), 0);
    // The skip point is forgotten once unordered MIDs are far past it, so that MIDs
    // more than 2^31 past it (serially "before" it) are not taken for skipped ones.
    for (i, mid) in [9 + (1 << 30) + 1, 9 + (1 << 31) + 5u32]
        .into_iter()
        .enumerate()
    {
        let body = mid.to_be_bytes();
        let chunk = idata(t + 3 + i as u32, 3, mid, 0, true, true, true, &body);
        p.a.handle_packet(p.now, &craft(tag, &[chunk])).unwrap();
    }
    p.drain();
    let got = Pair::messages(&p.a_events);
    assert_eq!(got.len(), 6);
    assert_eq!(got[5].2, (9 + (1u32 << 31) + 5).to_be_bytes());
    assert!(p.a.is_established());
}

/// Large messages on many streams at once with the smallest receive buffer: the peer's
/// buffer never fills with partial messages that cannot complete (the sender bounds the
/// messages it has started), so everything arrives, intact and in order per stream.
#[test]
fn many_large_messages_with_a_small_receive_buffer_do_not_deadlock() {
    for (loss, seed) in [(0.0, 141), (0.05, 142)] {
        let small = |seed| Config {
            receive_buffer: 0, // raised to max_message_size + mtu
            ..on(seed)
        };
        let mut p = Pair::new(small(seed), small(seed + 1), Net::lossy(loss), seed);
        p.connect();
        let len = 250_000;
        let streams = 6u16;
        for round in 0..2u64 {
            for s in 0..streams {
                let n = round * 100 + u64::from(s);
                p.a.send(p.now, s, Ppid::BINARY, &payload(n, len), true)
                    .unwrap();
            }
        }
        let count = 2 * usize::from(streams);
        assert!(
            p.run_until(2_000_000, |p| Pair::messages(&p.b_events).len() == count),
            "stalled at {} of {count} messages",
            Pair::messages(&p.b_events).len()
        );
        let mut next = [0u64; 6];
        for (stream, _, data, _) in Pair::messages(&p.b_events) {
            let s = usize::from(stream);
            let n = next[s] * 100 + stream as u64;
            assert_eq!(data, &payload(n, len)[..], "stream {stream} message {n}");
            next[s] += 1;
        }
        assert!(p.b.receive_buffered() <= p.b.config().receive_buffer);
    }
}

/// The sender's ordered MIDs wrap from 2^32 - 1 to 0 (RFC 8260 section 2.2.2, serial
/// arithmetic), mid-transfer and under loss: every message still arrives in order.
#[test]
fn sender_mids_wrap() {
    let mut p = Pair::new(on(1), on(2), Net::lossy(0.05), 9);
    p.connect();
    let start = u32::MAX - 5;
    p.a.sender.set_next_mid(0, start);
    p.b.receiver.set_next_mid(0, start);
    p.log = Some(Vec::new());
    let sizes = [100, 5000, 1, 3000, 200, 4000, 10, 2500, 7, 6000, 50, 1200];
    for (n, len) in sizes.iter().enumerate() {
        p.a.send(p.now, 0, Ppid::BINARY, &payload(n as u64, *len), true)
            .unwrap();
    }
    p.run_until(1_000_000, |p| {
        Pair::messages(&p.b_events).len() == sizes.len()
    });
    let got = Pair::messages(&p.b_events);
    assert_eq!(got.len(), sizes.len());
    for (n, (m, len)) in got.iter().zip(sizes).enumerate() {
        assert_eq!(m.2, &payload(n as u64, len)[..], "message {n}");
    }
    // The MIDs on the wire did wrap.
    let mids: HashSet<u32> = p
        .log
        .as_ref()
        .unwrap()
        .iter()
        .filter(|l| l.0)
        .flat_map(|(_, packet)| {
            let view = SctpPacket::new_checked(&packet[..]).unwrap();
            view.chunks()
                .filter_map(|raw| match Chunk::parse(raw) {
                    Ok(Chunk::IData(d)) => Some(d.mid),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(mids.contains(&u32::MAX) && mids.contains(&0) && mids.contains(&5));
}

/// A large timed message expiring while it is being fragmented, at many points of its
/// transfer (among them right after every numbered fragment was acknowledged, when no
/// chunk of it is left to carry the skip): the peer learns of it through the
/// I-FORWARD-TSN, drops what it had, and the next message on the stream is delivered.
#[test]
fn message_expiring_mid_fragmentation_is_always_skipped() {
    for ttl_ms in (20..400).step_by(7) {
        let mut p = Pair::new(on(5), on(6), Net::PERFECT, ttl_ms);
        p.connect();
        let timed = SendOptions {
            max_lifetime: Some(Duration::from_millis(ttl_ms)),
            ..SendOptions::default()
        };
        p.a.send_with(p.now, 1, Ppid::BINARY, &payload(1, 250_000), timed)
            .unwrap();
        let next = payload(2, 2000);
        p.a.send(p.now, 1, Ppid::BINARY, &next, true).unwrap();
        p.run_until(1_000_000, |p| {
            p.a.buffered_bytes() == 0 && p.a.poll_timeout().is_none() && p.in_flight.is_empty()
        });
        let got = Pair::messages(&p.b_events);
        assert!(
            got.last().is_some_and(|m| m.2 == next),
            "ttl {ttl_ms} ms: {} messages",
            got.len()
        );
        assert_eq!(p.b.receive_buffered(), 0, "ttl {ttl_ms} ms");
        assert_eq!(p.b.receiver.reassembling(), 0, "ttl {ttl_ms} ms");
    }
}
