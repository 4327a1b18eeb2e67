//! Hostile peers and bad packets: crafted DATA with huge gaps, never-ending messages,
//! receive buffer overruns, bad checksums, wrong tags, the ABORT T bit.

use super::*;

/// An established pair where the test plays b by hand: returns a's tag and the next TSN
/// a expects from b.
pub(super) fn hand_played_peer(cfg: Config) -> (Pair, u32, u32) {
    let mut p = Pair::new(cfg, config(2), Net::PERFECT, 1);
    p.connect();
    p.run_until(1000, |_| false);
    let tag = p.a.local_tag();
    let next_tsn = p.a.receiver.cumulative_tsn().wrapping_add(1);
    (p, tag, next_tsn)
}

fn data<'a>(tsn: u32, ssn: u16, b: bool, e: bool, user_data: &'a [u8]) -> Chunk<'a> {
    Chunk::Data(Data {
        beginning: b,
        ending: e,
        tsn,
        stream_id: 0,
        ssn,
        ppid: Ppid::BINARY,
        user_data,
        ..Data::default()
    })
}

#[test]
fn a_truncated_data_chunk_is_counted_and_ends_its_packet() {
    // DATA is parsed on its own path (not through `Chunk`): a value shorter than the
    // 12 fixed bytes is malformed there too, and what follows it in the packet is not
    // processed.
    let (mut p, tag, tsn) = hand_played_peer(config(1));
    let short = Chunk::Unknown(crate::RawChunk {
        chunk_type: ChunkType::DATA,
        flags: 3,
        value: &[0; 8],
    });
    let packet = craft(tag, &[short, data(tsn, 0, true, true, b"after")]);
    p.a.handle_packet(p.now, &packet).unwrap();
    assert_eq!(p.a.stats().dropped_malformed, 1);
    assert!(p.a.poll_event().is_none());
    // The same message alone arrives.
    p.a.handle_packet(p.now, &craft(tag, &[data(tsn, 0, true, true, b"after")]))
        .unwrap();
    assert!(matches!(p.a.poll_event(), Some(Event::Message { data, .. }) if data == b"after"));
}

#[test]
fn bad_checksum_and_wrong_tag_are_dropped_and_counted() {
    let (mut p, tag, tsn) = hand_played_peer(config(1));
    let good = craft(tag, &[data(tsn, 0, true, true, b"hello")]);
    let mut corrupt = good.clone();
    corrupt[20] ^= 1;
    p.a.handle_packet(p.now, &corrupt).unwrap();
    assert_eq!(p.a.stats().dropped_checksum, 1);
    let wrong_tag = craft(tag ^ 1, &[data(tsn, 0, true, true, b"hello")]);
    p.a.handle_packet(p.now, &wrong_tag).unwrap();
    assert_eq!(p.a.stats().dropped_tag, 1);
    p.a.handle_packet(p.now, &[1, 2, 3]).unwrap();
    assert_eq!(p.a.stats().dropped_malformed, 1);
    assert!(p.a.poll_event().is_none());
    p.a.handle_packet(p.now, &good).unwrap();
    assert!(matches!(p.a.poll_event(), Some(Event::Message { data, .. }) if data == b"hello"));
    // With verification off, the corrupted copy is taken (as a duplicate now).
    let (mut p, tag, tsn) = hand_played_peer(Config {
        verify_checksum: false,
        ..config(1)
    });
    let mut corrupt = craft(tag, &[data(tsn, 0, true, true, b"hello")]);
    corrupt[8] ^= 0xff;
    p.a.handle_packet(p.now, &corrupt).unwrap();
    assert_eq!(p.a.stats().dropped_checksum, 0);
    assert!(matches!(p.a.poll_event(), Some(Event::Message { .. })));
}

#[test]
fn abort_follows_the_t_bit_rules() {
    let (mut p, my_tag, _) = hand_played_peer(config(1));
    let peer_tag = p.a.peer_tag();
    let abort = |t_bit| {
        Chunk::Abort(Abort {
            t_bit,
            causes: Items::EMPTY,
        })
    };
    // T bit with our own tag, or no T bit with the peer's tag: dropped.
    p.a.handle_packet(p.now, &craft(my_tag, &[abort(true)]))
        .unwrap();
    p.a.handle_packet(p.now, &craft(peer_tag, &[abort(false)]))
        .unwrap();
    assert_eq!(p.a.stats().dropped_tag, 2);
    assert!(p.a.is_established());
    // T bit with the peer's tag: accepted.
    p.a.handle_packet(p.now, &craft(peer_tag, &[abort(true)]))
        .unwrap();
    assert_eq!(p.a.state(), State::Terminated);
    assert_eq!(
        p.a.poll_event(),
        Some(Event::Closed {
            reason: CloseReason::PeerAbort { cause: None }
        })
    );
}

#[test]
fn huge_gaps_stay_bounded() {
    let (mut p, tag, tsn) = hand_played_peer(config(1));
    let mut rng = TestRng(5);
    for _ in 0..20_000 {
        let offset = (rng.next() % 200_000) as u32 + 1;
        let packet = craft(
            tag,
            &[data(tsn.wrapping_add(offset), 0, false, false, &[1; 100])],
        );
        p.a.handle_packet(p.now, &packet).unwrap();
        while p.a.poll_transmit().is_some() {}
        assert!(p.a.receiver.range_count() <= recv::MAX_RANGES);
        assert!(p.a.receive_buffered() <= p.a.config().receive_buffer);
    }
    assert!(p.a.stats().data_dropped_no_room > 0);
    // The real next TSN still gets through and the association lives on.
    p.a.handle_packet(p.now, &craft(tag, &[data(tsn, 0, true, true, b"ok")]))
        .unwrap();
    assert!(matches!(p.a.poll_event(), Some(Event::Message { data, .. }) if data == b"ok"));
}

#[test]
fn never_ending_message_is_cut_at_max_message_size() {
    let cfg = Config {
        max_message_size: 10_000,
        ..config(1)
    };
    let (mut p, tag, tsn) = hand_played_peer(cfg);
    let mut closed_at = None;
    for i in 0..1000u32 {
        let packet = craft(
            tag,
            &[data(tsn.wrapping_add(i), 0, i == 0, false, &[9; 1000])],
        );
        p.a.handle_packet(p.now, &packet).unwrap();
        if p.a.state() == State::Terminated {
            closed_at = Some(i);
            break;
        }
        assert!(p.a.receive_buffered() <= 10_000);
    }
    assert_eq!(
        closed_at,
        Some(10),
        "the 11th fragment exceeds 10 000 bytes"
    );
    assert!(matches!(
        p.a.poll_event(),
        Some(Event::Closed {
            reason: CloseReason::ProtocolViolation(_)
        })
    ));
    // An ABORT went out.
    let abort = p.a.poll_transmit().unwrap();
    let view = SctpPacket::new_checked(&abort[..]).unwrap();
    assert_eq!(view.chunks().next().unwrap().chunk_type, ChunkType::ABORT);
}

#[test]
fn receive_buffer_overrun_is_dropped() {
    let cfg = Config {
        receive_buffer: 300_000,
        max_message_size: 64_000,
        ..config(1)
    };
    let (mut p, tag, tsn) = hand_played_peer(cfg);
    // Complete messages with SSN 1, 2, ...: SSN 0 never comes, so nothing is delivered
    // and everything must wait in the receive buffer.
    for i in 0..1000u32 {
        let ssn = (i + 1) as u16;
        let packet = craft(
            tag,
            &[data(tsn.wrapping_add(i), ssn, true, true, &[3; 1000])],
        );
        p.a.handle_packet(p.now, &packet).unwrap();
        assert!(p.a.receive_buffered() <= 300_000 + 1000);
    }
    assert_eq!(p.a.receive_buffered(), 301_000, "one probe past the window");
    assert_eq!(p.a.stats().data_dropped_no_room, 1000 - 301);
    assert!(p.a.poll_event().is_none());
    // Tiny messages hit the chunk count cap instead.
    let (mut p, tag, tsn) = hand_played_peer(config(1));
    for i in 0..(recv::MAX_HELD as u32 + 100) {
        let packet = craft(
            tag,
            &[data(tsn.wrapping_add(i), (i + 1) as u16, true, true, &[3])],
        );
        p.a.handle_packet(p.now, &packet).unwrap();
    }
    assert!(p.a.receiver.held() <= recv::MAX_HELD + 1);
}

#[test]
fn sack_reports_gaps_and_duplicates_immediately() {
    let (mut p, tag, tsn) = hand_played_peer(config(1));
    // TSN + 2 arrives before TSN and TSN + 1: a gap, so a SACK at once.
    p.a.handle_packet(p.now, &craft(tag, &[data(tsn + 2, 2, true, true, b"c")]))
        .unwrap();
    let sack_packet = p.a.poll_transmit().expect("immediate SACK on a gap");
    let view = SctpPacket::new_checked(&sack_packet[..]).unwrap();
    let Ok(Chunk::Sack(sack)) = Chunk::parse(view.chunks().next().unwrap()) else {
        panic!("not a SACK")
    };
    assert_eq!(sack.cumulative_tsn_ack, tsn.wrapping_sub(1));
    assert_eq!(
        sack.gap_ack_blocks.iter().collect::<Vec<_>>(),
        [crate::chunk::GapAckBlock { start: 3, end: 3 }]
    );
    // A duplicate is reported.
    p.a.handle_packet(p.now, &craft(tag, &[data(tsn + 2, 2, true, true, b"c")]))
        .unwrap();
    let sack_packet = p.a.poll_transmit().expect("immediate SACK on a duplicate");
    let view = SctpPacket::new_checked(&sack_packet[..]).unwrap();
    let Ok(Chunk::Sack(sack)) = Chunk::parse(view.chunks().next().unwrap()) else {
        panic!("not a SACK")
    };
    assert_eq!(sack.duplicate_tsns.iter().collect::<Vec<_>>(), [tsn + 2]);
    // In-order data without gaps: the first packet arms the delayed SACK timer.
    let (mut p, tag, tsn) = hand_played_peer(config(1));
    p.a.handle_packet(p.now, &craft(tag, &[data(tsn, 0, true, true, b"a")]))
        .unwrap();
    assert!(p.a.poll_transmit().is_none());
    assert_eq!(p.a.poll_timeout(), Some(p.now + Duration::from_millis(200)));
    // The second packet triggers it.
    p.a.handle_packet(p.now, &craft(tag, &[data(tsn + 1, 1, true, true, b"b")]))
        .unwrap();
    assert!(p.a.poll_transmit().is_some());
    assert_eq!(p.a.poll_timeout(), None);
}

#[test]
pub(super) fn mutated_packets_never_panic_or_break_bounds() {
    // Record a real exchange, then replay mutated copies (with a fixed-up CRC32c, so
    // they get past the checksum) into a twin pair: same seeds, so the same tags and TSNs.
    let net = Net::lossy(0.05);
    let mut p = Pair::new(config(1), config(2), net, 7);
    p.log = Some(Vec::new());
    p.connect();
    for i in 0..40 {
        p.a.send(
            p.now,
            (i % 3) as u16,
            Ppid::BINARY,
            &payload(i, 1 + (i as usize * 997) % 5000),
            i % 2 == 0,
        )
        .unwrap();
        p.b.send(p.now, 0, Ppid::STRING, &payload(i + 50, 700), true)
            .unwrap();
    }
    p.run_until(100_000, |_| false);
    let log = p.log.take().unwrap();
    assert!(log.len() > 50);
    let mut rng = TestRng(99);
    let mut delivered = 0;
    for round in 0..40 {
        let mut q = Pair::new(config(1), config(2), Net::PERFECT, 7);
        q.connect();
        for _ in 0..300 {
            let (from_a, original) = &log[(rng.next() % log.len() as u64) as usize];
            let mut m = original.clone();
            match rng.next() % 4 {
                0 => m.truncate(12 + (rng.next() as usize % m.len().saturating_sub(11))),
                1 => m.extend((0..rng.next() % 64).map(|_| rng.next() as u8)),
                _ => {
                    for _ in 0..1 + rng.next() % 4 {
                        let at = 12 + rng.next() as usize % (m.len() - 12).max(1);
                        if let Some(b) = m.get_mut(at) {
                            *b ^= 1 << (rng.next() % 8);
                        }
                    }
                }
            }
            if m.len() >= 12 {
                let crc = crate::packet::checksum(&m);
                m[8..12].copy_from_slice(&crc.to_le_bytes());
            }
            let target = if *from_a { &mut q.b } else { &mut q.a };
            let _ = target.handle_packet(q.now, &m);
            q.drain();
            for x in [&q.a, &q.b] {
                assert!(
                    x.receive_buffered() <= x.config().receive_buffer + 1200,
                    "round {round}"
                );
                assert!(x.receiver.held() <= recv::MAX_HELD + 1);
                assert!(x.receiver.range_count() <= recv::MAX_RANGES);
                assert!(x.buffered_bytes() <= x.config().send_buffer);
            }
            if rng.chance(0.2) {
                q.step();
            }
        }
        q.run_until(10_000, |_| false);
        assert!(q.max_packet <= 1200);
        delivered += Pair::messages(&q.a_events).len() + Pair::messages(&q.b_events).len();
    }
    // The replays were not all rejected: mutated packets carried messages through.
    assert!(delivered > 40, "only {delivered} messages delivered");
}
