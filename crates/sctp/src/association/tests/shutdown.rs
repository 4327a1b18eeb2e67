//! SHUTDOWN, user ABORT and HEARTBEAT.

use super::*;
use crate::chunk::CauseCode;

fn queued_messages(p: &mut Pair, n: u64) {
    for i in 0..n {
        p.a.send(p.now, 0, Ppid::BINARY, &payload(i, 20_000), true)
            .unwrap();
        p.b.send(p.now, 1, Ppid::BINARY, &payload(i + 100, 3000), true)
            .unwrap();
    }
}

#[test]
fn shutdown_delivers_everything_then_closes_both_sides() {
    for seed in 0..8 {
        let mut p = Pair::new(config(seed), config(seed + 50), Net::lossy(0.05), 2 * seed);
        p.connect();
        queued_messages(&mut p, 20);
        p.a.shutdown(p.now).unwrap();
        assert_eq!(p.a.state(), State::ShutdownPending);
        assert_eq!(
            p.a.send(p.now, 0, Ppid::BINARY, b"late", true),
            Err(Error::ShuttingDown)
        );
        p.run_until(1_000_000, |p| {
            p.a.state() == State::Terminated && p.b.state() == State::Terminated
        });
        p.drain();
        assert_eq!(p.a.state(), State::Terminated, "seed {seed}");
        assert_eq!(p.b.state(), State::Terminated, "seed {seed}");
        let closed = Event::Closed {
            reason: CloseReason::Shutdown,
        };
        assert_eq!(p.a_events.last(), Some(&closed));
        assert_eq!(p.b_events.last(), Some(&closed));
        // Both directions delivered everything queued before the shutdown.
        let to_b = Pair::messages(&p.b_events);
        let to_a = Pair::messages(&p.a_events);
        assert_eq!((to_b.len(), to_a.len()), (20, 20), "seed {seed}");
        for (i, m) in to_b.iter().enumerate() {
            assert_eq!(m.2, &payload(i as u64, 20_000)[..]);
        }
        for (i, m) in to_a.iter().enumerate() {
            assert_eq!(m.2, &payload(i as u64 + 100, 3000)[..]);
        }
    }
}

#[test]
fn simultaneous_shutdown() {
    let mut p = Pair::new(config(1), config(2), Net::PERFECT, 1);
    p.connect();
    p.a.shutdown(p.now).unwrap();
    p.b.shutdown(p.now).unwrap();
    p.run_until(10_000, |_| false);
    assert_eq!(p.a.state(), State::Terminated);
    assert_eq!(p.b.state(), State::Terminated);
}

#[test]
fn shutdown_gives_up_when_the_peer_is_gone() {
    let mut p = Pair::new(config(1), config(2), Net::PERFECT, 1);
    p.connect();
    p.blackhole = Some(true);
    p.a.shutdown(p.now).unwrap();
    p.run_until(10_000, |_| false);
    assert_eq!(
        p.a_events.last(),
        Some(&Event::Closed {
            reason: CloseReason::RetransmissionLimit
        })
    );
}

#[test]
fn user_abort_reaches_the_peer() {
    let mut p = Pair::new(config(1), config(2), Net::PERFECT, 1);
    p.connect();
    p.a.abort_with_reason(p.now, b"bye").unwrap();
    p.run_until(1000, |_| false);
    assert_eq!(
        p.a_events.last(),
        Some(&Event::Closed {
            reason: CloseReason::LocalAbort
        })
    );
    assert_eq!(
        p.b_events.last(),
        Some(&Event::Closed {
            reason: CloseReason::PeerAbort {
                cause: Some(CauseCode::USER_INITIATED_ABORT)
            }
        })
    );
    assert_eq!(p.a.abort_with_reason(p.now, b""), Err(Error::Closed));
}

#[test]
fn heartbeats_measure_rtt_and_detect_a_dead_peer() {
    let hb = |seed| Config {
        heartbeat_interval: Some(Duration::from_secs(30)),
        ..config(seed)
    };
    let mut p = Pair::new(hb(1), hb(2), Net::PERFECT, 1);
    p.connect();
    // The passive side has no RTT sample until a heartbeat gives it one.
    assert_eq!(p.b.srtt(), None);
    let later = p.now + Duration::from_secs(40);
    p.run_until(100_000, |p| p.now >= later);
    assert_eq!(p.b.srtt(), Some(Duration::from_millis(20)));
    assert!(p.a.is_established() && p.b.is_established());
    // Now a stops answering: b gives up after Association.Max.Retrans probes.
    p.blackhole = Some(true);
    p.run_until(100_000, |p| p.b.state() == State::Terminated);
    assert_eq!(
        p.b_events.last(),
        Some(&Event::Closed {
            reason: CloseReason::RetransmissionLimit
        })
    );
}
