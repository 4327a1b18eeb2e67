//! The stream scheduler (RFC 8831 section 6.4): saturated streams share the rate in the
//! ratio of their priorities, equal priorities share equally, no stream starves, and a
//! queue of large messages on one stream holds a small message on another back by at
//! most the message being sent.

use super::*;

const HIGH: u16 = 1024;
const LOW: u16 = 256;

/// Keeps `streams` saturated (each with at least 64 KiB not yet sent, in `msg_len`
/// messages) for `steps` steps of the pair over a 10 ms link, and returns the bytes
/// delivered per stream after the first quarter of the run.
fn share(streams: &[(u16, u16)], msg_len: usize, steps: usize) -> Vec<usize> {
    let mut p = Pair::new(config(31), config(32), Net::PERFECT, 33);
    p.connect();
    for &(id, priority) in streams {
        p.a.set_stream_priority(id, priority);
        assert_eq!(p.a.stream_priority(id), priority);
    }
    let mut counted_from = 0;
    for step in 0..steps {
        for &(id, _) in streams {
            while p.a.buffered_amount(id) < 64 << 10 {
                let now = p.now;
                p.a.send(now, id, Ppid::BINARY, &vec![id as u8; msg_len], true)
                    .expect("send");
            }
        }
        if step == steps / 4 {
            counted_from = p.b_events.len();
        }
        assert!(p.step(), "the pair went idle");
    }
    streams
        .iter()
        .map(|&(id, _)| {
            Pair::messages(&p.b_events[counted_from..])
                .iter()
                .filter(|m| m.0 == id)
                .map(|m| m.2.len())
                .sum()
        })
        .collect()
}

fn assert_ratio(got: f64, want: f64) {
    assert!(
        (got / want - 1.0).abs() <= 0.10,
        "ratio {got:.3}, want {want} +-10%"
    );
}

#[test]
fn saturated_streams_share_in_the_ratio_of_their_priorities() {
    let bytes = share(&[(1, HIGH), (3, LOW)], 1000, 20_000);
    assert!(bytes[1] > 0, "the low priority stream starved");
    assert!(bytes[0] + bytes[1] > 4 << 20, "too little moved: {bytes:?}");
    assert_ratio(bytes[0] as f64 / bytes[1] as f64, 4.0);
}

#[test]
fn equal_priorities_share_equally() {
    let bytes = share(&[(2, 512), (4, 512), (6, 512)], 1500, 20_000);
    for b in &bytes {
        assert_ratio(*b as f64 / bytes[0] as f64, 1.0);
    }
}

#[test]
fn message_size_does_not_buy_bandwidth() {
    // Weighted by bytes, not by messages: 16 KiB messages against 200-byte ones at
    // equal priority still split the bytes evenly.
    let mut p = Pair::new(config(34), config(35), Net::PERFECT, 36);
    p.connect();
    let mut counted_from = 0;
    for step in 0..20_000 {
        for (id, len) in [(1u16, 16_384usize), (3, 200)] {
            while p.a.buffered_amount(id) < 64 << 10 {
                let now = p.now;
                p.a.send(now, id, Ppid::BINARY, &vec![1; len], true)
                    .unwrap();
            }
        }
        if step == 5_000 {
            counted_from = p.b_events.len();
        }
        assert!(p.step());
    }
    let msgs = Pair::messages(&p.b_events[counted_from..]);
    let per = |id| -> usize { msgs.iter().filter(|m| m.0 == id).map(|m| m.2.len()).sum() };
    assert_ratio(per(1) as f64 / per(3) as f64, 1.0);
}

/// Queues eight 256 KiB messages on stream 3, lets one start, then sends a small
/// message on stream 1 and returns how many of the large messages arrived before it.
fn large_messages_before_a_small_one(small_priority: u16) -> usize {
    let mut p = Pair::new(config(37), config(38), Net::PERFECT, 39);
    p.connect();
    p.a.set_stream_priority(1, small_priority);
    p.a.set_stream_priority(3, LOW);
    let big = vec![3u8; 256 << 10];
    for _ in 0..8 {
        let now = p.now;
        p.a.send(now, 3, Ppid::BINARY, &big, true).unwrap();
    }
    for _ in 0..20 {
        p.step();
    }
    let now = p.now;
    p.a.send(now, 1, Ppid::STRING, b"urgent", true).unwrap();
    assert!(p.run_until(1_000_000, |p| {
        Pair::messages(&p.b_events).iter().any(|m| m.0 == 1)
    }));
    let msgs = Pair::messages(&p.b_events);
    msgs.iter().take_while(|m| m.0 != 1).count()
}

#[test]
fn a_queue_of_large_messages_does_not_hold_back_another_stream() {
    // DATA keeps a message's fragments on consecutive TSNs (RFC 9260 section 6.9), so
    // the large message being sent finishes first; the rest of its queue waits.
    assert!(large_messages_before_a_small_one(HIGH) <= 1);
    // At equal priority the streams take turns: still at most that one.
    assert!(large_messages_before_a_small_one(LOW) <= 1);
}

#[test]
fn a_single_stream_is_unaffected_by_priorities() {
    // Priority only matters between streams with queued data: one stream alone at the
    // lowest priority moves as fast as at the highest.
    let slow = share(&[(5, 1)], 1000, 5_000);
    let fast = share(&[(5, u16::MAX)], 1000, 5_000);
    assert_eq!(slow, fast);
}
