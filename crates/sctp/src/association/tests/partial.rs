//! Partial reliability (RFC 3758) in the pair harness: abandoned messages are skipped
//! with FORWARD TSN, never delivered twice or out of order, and never stall the streams.

use super::*;
use crate::association::SendOptions;

/// Message `n` on `stream`: its number then deterministic content.
fn numbered(stream: u16, n: u32, len: usize) -> Vec<u8> {
    let mut v = n.to_be_bytes().to_vec();
    v.extend_from_slice(&payload(u64::from(stream) << 32 | u64::from(n), len));
    v
}

fn number_of(stream: u16, data: &[u8]) -> u32 {
    let n = u32::from_be_bytes(data[..4].try_into().unwrap());
    assert_eq!(
        data,
        &numbered(stream, n, data.len() - 4)[..],
        "corrupt message"
    );
    n
}

/// Stream 0 reliable ordered; 1 ordered with max_retransmits 0; 2 unordered with a
/// lifetime; 3 ordered with a lifetime and multi-chunk messages.
fn options(stream: u16) -> (SendOptions, usize) {
    let lifetime = Some(Duration::from_millis(300));
    match stream {
        0 => (SendOptions::default(), 700),
        1 => (
            SendOptions {
                max_retransmits: Some(0),
                ..SendOptions::default()
            },
            300,
        ),
        2 => (
            SendOptions {
                ordered: false,
                max_lifetime: lifetime,
                ..SendOptions::default()
            },
            500,
        ),
        _ => (
            SendOptions {
                max_lifetime: lifetime,
                ..SendOptions::default()
            },
            3000,
        ),
    }
}

pub(super) fn partially_reliable(loss: f64, seed: u64) -> [usize; 4] {
    let mut p = Pair::new(config(seed), config(seed + 1), Net::lossy(loss), seed);
    p.connect();
    let rounds = 400u32;
    let mut sent = 0u32;
    let mut next_send = p.now;
    let mut steps = 0usize;
    while sent < rounds {
        if p.now >= next_send {
            for stream in 0..4u16 {
                let (opts, len) = options(stream);
                p.a.send_with(
                    p.now,
                    stream,
                    Ppid::BINARY,
                    &numbered(stream, sent, len),
                    opts,
                )
                .unwrap();
            }
            sent += 1;
            next_send = p.now + Duration::from_millis(20);
        }
        assert!(p.step(), "went idle while sending");
        steps += 1;
        assert!(steps < 2_000_000);
    }
    // Let everything settle: reliable data must all arrive, the rest be skipped.
    p.run_until(2_000_000, |p| {
        p.a.buffered_bytes() == 0 && p.a.poll_timeout().is_none() && p.in_flight.is_empty()
    });
    assert!(p.a.is_established() && p.b.is_established());
    assert_eq!(p.a.buffered_bytes(), 0, "sender still holds data: stalled");
    assert_eq!(
        p.b.receive_buffered(),
        0,
        "receiver still holds data: stalled"
    );
    let mut seen: [HashSet<u32>; 4] = Default::default();
    let mut last: [Option<u32>; 4] = [None; 4];
    for (stream, _, data, ordered) in Pair::messages(&p.b_events) {
        let s = usize::from(stream);
        let n = number_of(stream, data);
        assert!(seen[s].insert(n), "stream {stream}: message {n} twice");
        assert_eq!(ordered, stream != 2);
        if ordered {
            assert!(
                last[s].is_none_or(|l| n > l),
                "stream {stream}: {n} after {last:?}"
            );
            last[s] = Some(n);
        }
    }
    assert_eq!(
        seen[0].len(),
        rounds as usize,
        "reliable stream lost messages"
    );
    for (s, set) in seen.iter().enumerate().skip(1) {
        assert!(
            set.len() >= rounds as usize / 4,
            "stream {s}: only {} of {rounds}",
            set.len()
        );
    }
    seen.map(|s| s.len())
}

#[test]
fn partial_reliability_5_percent_loss() {
    let got = partially_reliable(0.05, 21);
    assert!(
        got[1] < 400,
        "max_retransmits 0 never abandoned anything: {got:?}"
    );
}

#[test]
fn partial_reliability_20_percent_loss() {
    let got = partially_reliable(0.20, 22);
    assert!(got[1] < 400 && got[3] < 400, "nothing abandoned: {got:?}");
}

/// An ordered message abandoned on its lifetime while the path is down is skipped with
/// FORWARD TSN: the next message on its stream is delivered, the abandoned one never.
#[test]
pub(super) fn abandoned_ordered_message_is_skipped_not_stalled() {
    let mut p = Pair::new(config(5), config(6), Net::PERFECT, 5);
    p.connect();
    p.blackhole = Some(true);
    let lifetime = SendOptions {
        max_lifetime: Some(Duration::from_millis(200)),
        ..SendOptions::default()
    };
    let old = numbered(1, 0, 2500);
    p.a.send_with(p.now, 1, Ppid::BINARY, &old, lifetime)
        .unwrap();
    p.a.send(p.now, 0, Ppid::STRING, b"reliable", true).unwrap();
    let start = p.now;
    p.run_until(10_000, |p| p.now >= start + Duration::from_millis(700));
    assert!(Pair::messages(&p.b_events).is_empty());
    p.blackhole = None;
    let new = numbered(1, 1, 100);
    p.a.send_with(p.now, 1, Ppid::BINARY, &new, lifetime)
        .unwrap();
    p.run_until(100_000, |p| {
        p.a.buffered_bytes() == 0 && p.a.poll_timeout().is_none() && p.in_flight.is_empty()
    });
    let got = Pair::messages(&p.b_events);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.contains(&(0, Ppid::STRING, &b"reliable"[..], true)));
    assert!(got.contains(&(1, Ppid::BINARY, &new[..], true)));
    assert_eq!(p.a.buffered_bytes(), 0);
    assert_eq!(p.b.receive_buffered(), 0);
}

/// Reliable messages (no policy) are never abandoned, however long the outage.
#[test]
fn reliable_messages_survive_an_outage() {
    let mut p = Pair::new(config(7), config(8), Net::PERFECT, 7);
    p.connect();
    p.blackhole = Some(true);
    p.a.send(p.now, 1, Ppid::BINARY, &numbered(1, 0, 2500), true)
        .unwrap();
    let start = p.now;
    p.run_until(10_000, |p| p.now >= start + Duration::from_secs(2));
    p.blackhole = None;
    p.run_until(100_000, |p| !Pair::messages(&p.b_events).is_empty());
    assert_eq!(Pair::messages(&p.b_events).len(), 1);
}

/// Queues `queued` timed messages on a connected pair, then lets `packets` DATA packets
/// out (no loss, deadlines far away) and returns the abandonment work per packet; then
/// moves past every deadline and checks all were abandoned in work proportional to the
/// messages, not to messages times packets.
fn abandonment_work(queued: usize, packets: usize) -> f64 {
    let big = Config {
        send_buffer: 64 << 20,
        ..config(40)
    };
    let mut p = Pair::new(big, config(41), Net::PERFECT, 42);
    p.connect();
    let opts = SendOptions {
        max_lifetime: Some(Duration::from_secs(3600)),
        ..SendOptions::default()
    };
    for n in 0..queued {
        p.a.send_with(p.now, 0, Ppid::BINARY, &numbered(0, n as u32, 1000), opts)
            .unwrap();
    }
    let (before, _) = p.a.sender.pr_work();
    let mut out = 0;
    while out < packets {
        let Some(_) = p.a.poll_transmit() else { break };
        out += 1;
    }
    assert_eq!(out, packets, "cwnd allowed fewer packets");
    let (after, index) = p.a.sender.pr_work();
    assert_eq!(index, queued);
    // Past every deadline: everything still queued is abandoned, each message once.
    let later = p.now + Duration::from_secs(7200);
    p.a.sender.abandon_expired(later);
    let (done, _) = p.a.sender.pr_work();
    assert!(
        done - after <= queued as u64 + 64,
        "{} visits",
        done - after
    );
    // Messages that got TSNs are held until acknowledged or skipped; those behind them
    // that never got TSNs are dropped from the queue but their bytes (and the send
    // buffer's count) are held until the messages in front are freed.
    assert_eq!(
        p.a.buffered_bytes(),
        queued * 1004,
        "held until acknowledged or skipped"
    );
    assert_eq!(p.a.buffered_amount(0), 0, "nothing left to send");
    assert!(p.a.sender.forward_tsn_due(), "a FORWARD TSN is due");
    (after - before) as f64 / packets as f64
}

#[test]
fn abandonment_cost_per_packet_does_not_grow_with_the_queue() {
    let small = abandonment_work(16, 3);
    let large = abandonment_work(20_000, 3);
    // Nothing is lost or due: neither walks anything; the queue size must not matter.
    assert_eq!(small, 0.0);
    assert_eq!(large, small);
}

#[test]
fn a_message_that_expires_before_getting_tsns_leaves_no_gap() {
    // Queued before the handshake with a 1 ms lifetime: it expires before the scheduler
    // numbers it, so it never takes a TSN or an SSN; the reliable message behind it on
    // the same ordered stream gets SSN 0 and arrives without any FORWARD TSN.
    let mut p = Pair::new(config(50), config(51), Net::PERFECT, 52);
    p.log = Some(Vec::new());
    let timed = SendOptions {
        max_lifetime: Some(Duration::from_millis(1)),
        ..SendOptions::default()
    };
    let now = p.now;
    p.a.send_with(now, 1, Ppid::BINARY, &[1; 3000], timed)
        .unwrap();
    p.a.send(now, 1, Ppid::BINARY, b"kept", true).unwrap();
    assert_eq!(p.a.buffered_bytes(), 3004);
    p.connect();
    assert!(p.run_until(10_000, |p| !Pair::messages(&p.b_events).is_empty()));
    let got = Pair::messages(&p.b_events);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].2, b"kept");
    p.run_until(10_000, |p| p.a.buffered_bytes() == 0);
    assert_eq!(p.a.buffered_bytes(), 0);
    let forward_tsns = p
        .log
        .as_ref()
        .unwrap()
        .iter()
        .filter(|(from_a, packet)| {
            *from_a
                && SctpPacket::new_checked(&packet[..])
                    .unwrap()
                    .into_chunks()
                    .any(|c| c.chunk_type == ChunkType::FORWARD_TSN)
        })
        .count();
    assert_eq!(forward_tsns, 0);
}
