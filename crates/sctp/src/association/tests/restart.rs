//! Peer restart (RFC 9260 sections 5.2.2 and 5.2.4 case A): an unexpected INIT is answered
//! with new tags and Tie-Tags; the COOKIE ECHO that follows restarts the association, which
//! then carries data both ways; a forged or late cookie does not.

use super::*;

#[test]
fn peer_restart_starts_the_association_over() {
    let mut p = Pair::new(config(31), config(32), Net::PERFECT, 33);
    p.connect();
    p.a.send(p.now, 0, Ppid::BINARY, b"before", true).unwrap();
    assert!(p.run_until(10_000, |p| Pair::messages(&p.b_events).len() == 1));
    let (a_tag, b_tag) = (p.a.local_tag(), p.b.local_tag());
    // b loses its state and connects again from scratch.
    p.b = Association::new(config(34), p.now);
    p.b_events.clear();
    p.a.send(p.now, 0, Ppid::BINARY, b"lost in the restart", true)
        .unwrap();
    p.b.connect(p.now).unwrap();
    assert!(p.run_until(10_000, |p| p.b.is_established()
        && p.a_events.contains(&Event::Restarted)));
    assert!(p.a.is_established());
    assert_ne!(p.a.local_tag(), a_tag, "a takes the cookie's new tag");
    assert_ne!(p.a.peer_tag(), b_tag);
    assert_eq!(p.a.peer_tag(), p.b.local_tag());
    assert_eq!(p.b.peer_tag(), p.a.local_tag());
    assert_eq!(p.a.buffered_bytes(), 0, "queued data dropped");
    // Data flows both ways on the new association, streams from SSN 0.
    p.a.send(p.now, 0, Ppid::BINARY, b"after a", true).unwrap();
    p.b.send(p.now, 0, Ppid::STRING, b"after b", true).unwrap();
    assert!(p.run_until(10_000, |p| {
        !Pair::messages(&p.b_events).is_empty() && !Pair::messages(&p.a_events).is_empty()
    }));
    assert_eq!(Pair::messages(&p.b_events)[0].2, b"after a");
    let got_a: Vec<&[u8]> = Pair::messages(&p.a_events).iter().map(|m| m.2).collect();
    assert_eq!(got_a, [&b"after b"[..]]);
}

#[test]
fn cookie_without_matching_tie_tags_is_not_a_restart() {
    let mut p = Pair::new(config(41), config(42), Net::PERFECT, 43);
    p.connect();
    // A third association that never saw a's INIT ACK forges the exchange: a fresh
    // INIT to a gets an INIT ACK whose cookie carries a's tie-tags; replayed after a
    // restart has already happened (tags changed) it matches nothing.
    let mut c = Association::new(config(44), p.now);
    c.connect(p.now).unwrap();
    let init = c.poll_transmit().unwrap();
    p.a.handle_packet(p.now, &init).unwrap();
    let init_ack = p.a.poll_transmit().unwrap();
    // Before c's COOKIE ECHO arrives, a restarts with b (tags change).
    let (old_a, old_b) = (p.a.local_tag(), p.a.peer_tag());
    p.b = Association::new(config(45), p.now);
    p.b.connect(p.now).unwrap();
    assert!(p.run_until(10_000, |p| p.a_events.contains(&Event::Restarted)));
    assert_ne!((p.a.local_tag(), p.a.peer_tag()), (old_a, old_b));
    let restarts = p
        .a_events
        .iter()
        .filter(|e| **e == Event::Restarted)
        .count();
    c.handle_packet(p.now, &init_ack).unwrap();
    let echo = c.poll_transmit().unwrap();
    let dropped = p.a.stats().dropped_tag;
    p.a.handle_packet(p.now, &echo).unwrap();
    p.drain();
    assert_eq!(
        p.a.stats().dropped_tag,
        dropped + 1,
        "stale tie-tags: case C"
    );
    assert_eq!(
        p.a_events
            .iter()
            .filter(|e| **e == Event::Restarted)
            .count(),
        restarts
    );
    assert_eq!(p.a.peer_tag(), p.b.local_tag());
}
