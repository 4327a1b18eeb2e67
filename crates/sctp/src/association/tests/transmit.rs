//! `poll_transmit_into`: the same packets as `poll_transmit`, written into a caller's
//! (dirty) buffer; oversize queued packets dropped and counted. `recycle`: delivered
//! buffers reused, within bounds.

use super::*;
use crate::chunk::Heartbeat;

/// Packets sent (from a?, bytes).
type Log = Vec<(bool, Vec<u8>)>;

/// One lossy transfer, its packets logged, polled one way or the other.
fn logged_run(into: bool, now: Instant) -> (Log, Vec<Vec<u8>>) {
    let mut pair = Pair::new_at(config(7), config(8), Net::lossy(0.05), 99, now);
    pair.log = Some(Vec::new());
    if into {
        pair.into = Some(vec![0; 1500]);
    }
    pair.connect();
    let sent: Vec<Vec<u8>> = (0..200)
        .map(|n| payload(n, 1 + (n as usize * 997) % 5000))
        .collect();
    for m in &sent {
        pair.a.send(pair.now, 1, Ppid::BINARY, m, true).unwrap();
    }
    assert!(
        pair.run_until(1_000_000, |p| Pair::messages(&p.b_events).len()
            == sent.len())
    );
    let got = Pair::messages(&pair.b_events)
        .iter()
        .map(|m| m.2.to_vec())
        .collect::<Vec<_>>();
    assert_eq!(got, sent);
    (pair.log.take().unwrap(), got)
}

#[test]
fn poll_transmit_into_a_dirty_buffer_gives_the_same_packets() {
    let now = Instant::now();
    let (alloc_log, alloc_got) = logged_run(false, now);
    let (into_log, into_got) = logged_run(true, now);
    assert!(alloc_log.len() > 200);
    assert_eq!(alloc_log, into_log, "packet sequences differ");
    assert_eq!(alloc_got, into_got);
}

#[test]
fn poll_transmit_into_drops_and_counts_what_does_not_fit() {
    let mut pair = Pair::new(config(1), config(2), Net::PERFECT, 3);
    pair.connect();
    // A HEARTBEAT whose ACK (an echo of its info) exceeds a 300-byte buffer.
    let info = [0x42u8; 600];
    let hb = craft(
        pair.b.local_tag(),
        &[Chunk::Heartbeat(Heartbeat { info: &info })],
    );
    pair.b.handle_packet(pair.now, &hb).unwrap();
    let mut small = [0u8; 300];
    assert_eq!(pair.b.poll_transmit_into(&mut small), None);
    assert_eq!(pair.b.stats().dropped_oversize, 1);
    // The same with a big enough buffer: the ACK comes out whole.
    pair.b.handle_packet(pair.now, &hb).unwrap();
    let mut big = [0u8; 1500];
    let n = pair.b.poll_transmit_into(&mut big).unwrap();
    let view = SctpPacket::new_checked(&big[..n]).unwrap();
    assert!(view.verify_checksum().is_ok());
    assert_eq!(pair.b.stats().dropped_oversize, 1);
}

#[test]
fn recycled_buffers_are_reused_within_bounds() {
    let mut pair = Pair::new(config(5), config(6), Net::PERFECT, 9);
    pair.connect();
    // Small, single-chunk and multi-chunk messages; every delivered buffer given back.
    let sent: Vec<Vec<u8>> = (0..300)
        .map(|n| payload(n, [64, 1000, 7000][n as usize % 3]))
        .collect();
    let mut got = Vec::new();
    for m in &sent {
        pair.a.send(pair.now, 0, Ppid::BINARY, m, true).unwrap();
        pair.run_until(10_000, |p| !p.b_events.is_empty());
        for e in pair.b_events.drain(..) {
            if let Event::Message { data, .. } = e {
                got.push(data.clone());
                pair.b.recycle(data);
            }
        }
    }
    pair.run_until(100_000, |p| {
        got.len() + Pair::messages(&p.b_events).len() == 300
    });
    got.extend(Pair::messages(&pair.b_events).iter().map(|m| m.2.to_vec()));
    assert_eq!(got, sent);
    let (count, pooled, sum) = pair.b.receiver.pool_stats();
    assert!(count > 0 && count <= 1024, "{count} buffers kept");
    assert!(pooled <= pair.b.config().receive_buffer);
    assert_eq!(pooled, sum);
    // A flood of recycled buffers is bounded too.
    for _ in 0..100 {
        pair.b.recycle(vec![0; 100_000]);
    }
    let (count, pooled, sum) = pair.b.receiver.pool_stats();
    assert!(count <= 1024 && pooled <= pair.b.config().receive_buffer);
    assert_eq!(pooled, sum);
}

/// A flight of `window` one-chunk packets whose first is lost: the receiver SACKs every
/// later packet with one growing gap ack block. Returns the gap processing work per SACK.
fn gap_work_per_sack(window: usize) -> f64 {
    let big = |seed| Config {
        receive_buffer: 8 << 20,
        send_buffer: 8 << 20,
        ..config(seed)
    };
    let mut p = Pair::new(big(50), big(51), Net::PERFECT, 52);
    p.connect();
    p.a.sender.force_cwnd(window * 1200);
    for n in 0..window {
        p.a.send(p.now, 0, Ppid::BINARY, &payload(n as u64, 1100), true)
            .unwrap();
    }
    let mut packets = Vec::new();
    while let Some(x) = p.a.poll_transmit() {
        packets.push(x);
    }
    assert_eq!(packets.len(), window);
    let before = p.a.sender.sack_work();
    let mut sacks = 0u32;
    for packet in &packets[1..] {
        p.b.handle_packet(p.now, packet).unwrap();
        while let Some(sack) = p.b.poll_transmit() {
            p.a.handle_packet(p.now, &sack).unwrap();
            sacks += 1;
        }
    }
    assert!(sacks as usize >= window / 2, "{sacks} SACKs");
    // The first chunk was marked lost by the third miss indication.
    assert!(p.a.stats().fast_retransmits == 0 && p.a.sender.has_sendable());
    (p.a.sender.sack_work() - before) as f64 / f64::from(sacks)
}

#[test]
fn sack_processing_does_not_walk_the_window() {
    let small = gap_work_per_sack(40);
    let large = gap_work_per_sack(2000);
    // Each SACK newly covers one chunk and leaves one hole below it.
    assert!(
        (1.0..=4.0).contains(&small),
        "{small} chunks looked at per SACK"
    );
    assert!(large <= small + 1.0, "{large} vs {small} per SACK");
}
