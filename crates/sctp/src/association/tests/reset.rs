//! Stream reset (RFC 6525) in the pair harness: both directions, with loss.

use super::*;

fn position(events: &[Event], want: &Event) -> Option<usize> {
    events.iter().position(|e| e == want)
}

/// Each side sends `before` messages on stream 1 and resets it; the peer must deliver
/// them all before reporting the reset, and the stream must work again afterwards.
pub(super) fn reset_both_ways(net: Net, seed: u64) {
    let mut p = Pair::new(config(seed), config(seed + 1), net, seed);
    p.connect();
    let before = 20u64;
    for n in 0..before {
        p.a.send(p.now, 1, Ppid::BINARY, &payload(n, 1500), true)
            .unwrap();
        p.b.send(p.now, 1, Ppid::BINARY, &payload(100 + n, 700), true)
            .unwrap();
    }
    p.a.reset_streams(p.now, &[1]).unwrap();
    p.b.reset_streams(p.now, &[1]).unwrap();
    assert_eq!(
        p.a.send(p.now, 1, Ppid::BINARY, b"x", true),
        Err(Error::StreamResetPending { stream: 1 })
    );
    // Other streams are unaffected.
    p.a.send(p.now, 2, Ppid::STRING, b"other", true).unwrap();
    let done = Event::OutgoingStreamsReset { streams: vec![1] };
    let incoming = Event::StreamsReset { streams: vec![1] };
    assert!(
        p.run_until(1_000_000, |p| {
            p.a_events.contains(&done)
                && p.b_events.contains(&done)
                && p.a_events.contains(&incoming)
                && p.b_events.contains(&incoming)
        }),
        "reset did not complete: {:?} / {:?}",
        p.a_events
            .iter()
            .filter(|e| !matches!(e, Event::Message { .. }))
            .collect::<Vec<_>>(),
        p.b_events
            .iter()
            .filter(|e| !matches!(e, Event::Message { .. }))
            .collect::<Vec<_>>()
    );
    for (events, base, len) in [(&p.b_events, 0, 1500), (&p.a_events, 100, 700)] {
        let got: Vec<&[u8]> = Pair::messages(events)
            .into_iter()
            .filter(|m| m.0 == 1)
            .map(|m| m.2)
            .collect();
        assert_eq!(got.len(), before as usize);
        for (n, m) in got.iter().enumerate() {
            assert_eq!(*m, &payload(base + n as u64, len)[..]);
        }
        let last_message = events
            .iter()
            .rposition(|e| matches!(e, Event::Message { stream: 1, .. }))
            .unwrap();
        assert!(last_message < position(events, &incoming).unwrap());
    }
    // The stream restarts at SSN 0 on both sides and still delivers in order.
    for n in 0..3 {
        p.a.send(
            p.now,
            1,
            Ppid::STRING,
            format!("again {n}").as_bytes(),
            true,
        )
        .unwrap();
    }
    p.run_until(1_000_000, |p| {
        Pair::messages(&p.b_events)
            .iter()
            .filter(|m| m.0 == 1)
            .count()
            == before as usize + 3
    });
    let again: Vec<&[u8]> = Pair::messages(&p.b_events)
        .into_iter()
        .filter(|m| m.0 == 1)
        .skip(before as usize)
        .map(|m| m.2)
        .collect();
    assert_eq!(again, [&b"again 0"[..], b"again 1", b"again 2"]);
    assert!(Pair::messages(&p.b_events).iter().any(|m| m.2 == b"other"));
    assert!(p.a.is_established() && p.b.is_established());
}

#[test]
fn reset_streams_both_directions() {
    reset_both_ways(Net::PERFECT, 31);
}

#[test]
fn reset_streams_under_loss() {
    for seed in 0..6 {
        reset_both_ways(Net::lossy(0.2), 40 + seed * 2);
    }
}

#[test]
fn reset_request_is_retransmitted_and_bounded() {
    let mut p = Pair::new(config(51), config(52), Net::PERFECT, 51);
    p.connect();
    p.a.reset_streams(p.now, &[3]).unwrap();
    // Every packet from a is lost: the request is repeated until the association gives up.
    p.blackhole = Some(true);
    p.run_until(100_000, |p| !p.a.is_established());
    assert!(p.a_events.contains(&Event::Closed {
        reason: CloseReason::RetransmissionLimit
    }));
    assert!(
        !p.b_events
            .iter()
            .any(|e| matches!(e, Event::StreamsReset { .. }))
    );
}

#[test]
fn reset_streams_checks_state_and_streams() {
    let mut p = Pair::new(
        Config {
            outbound_streams: 4,
            ..config(53)
        },
        config(54),
        Net::PERFECT,
        53,
    );
    assert_eq!(p.a.reset_streams(p.now, &[0]), Err(Error::NotEstablished));
    p.connect();
    assert_eq!(
        p.a.reset_streams(p.now, &[4]),
        Err(Error::InvalidStream {
            stream: 4,
            limit: 4
        })
    );
}

/// A retransmitted request gets the same answer; a request with a wrong sequence
/// number gets "bad sequence number" and resets nothing.
#[test]
fn duplicate_and_bad_sequence_requests() {
    let mut p = Pair::new(config(55), config(56), Net::PERFECT, 55);
    p.connect();
    let seq = p.a.my_initial_tsn;
    let last_tsn = p.a.sender.last_assigned_tsn();
    let request = |seq: u32| {
        let streams = [5u16];
        let params = [crate::chunk::ReconfigParam::OutgoingSsnResetRequest {
            request_seq: seq,
            response_seq: 0,
            senders_last_tsn: last_tsn,
            streams: Items::Slice(&streams),
        }];
        craft(
            p.b.local_tag(),
            &[Chunk::ReConfig(crate::chunk::ReConfig {
                params: Items::Slice(&params),
            })],
        )
    };
    let (good, bad) = (request(seq), request(seq.wrapping_add(7)));
    let response = |packet: &[u8]| {
        let view = SctpPacket::new_checked(packet).unwrap();
        let raw = view.chunks().next().unwrap();
        let Ok(Chunk::ReConfig(rc)) = Chunk::parse(raw) else {
            panic!("not a RE-CONFIG")
        };
        match rc.params.iter().next() {
            Some(crate::chunk::ReconfigParam::Response {
                response_seq,
                result,
                ..
            }) => (response_seq, result),
            other => panic!("{other:?}"),
        }
    };
    use crate::chunk::ReconfigResult as R;
    for (packet, want) in [
        (&good, (seq, R::SUCCESS_PERFORMED)),
        (&good, (seq, R::SUCCESS_PERFORMED)),
        (&bad, (seq.wrapping_add(7), R::ERROR_BAD_SEQUENCE_NUMBER)),
    ] {
        p.b.handle_packet(p.now, packet).unwrap();
        let out = p.b.poll_transmit().unwrap();
        assert_eq!(response(&out), want);
    }
    let resets = std::iter::from_fn(|| p.b.poll_event())
        .filter(|e| matches!(e, Event::StreamsReset { .. }))
        .count();
    assert_eq!(resets, 1);
}
