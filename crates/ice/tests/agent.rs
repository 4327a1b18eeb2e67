//! Agents connecting through the virtual network of `common`.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{Nat, Net, addr, agent};
use strata_ice::{
    AgentConfig, Candidate, CandidateType, ConnectionState, Event, GatheringState, Role,
};

fn config(role: Role) -> AgentConfig {
    AgentConfig {
        role,
        ..AgentConfig::default()
    }
}

/// Two agents with one host candidate each, signalled both ways.
fn pair_net(seed: u64, a_role: Role, b_role: Role) -> Net {
    let mut net = Net::new(seed);
    let now = net.now;
    let mut a = agent(config(a_role), seed, now);
    let mut b = agent(config(b_role), seed + 1, now);
    a.add_local_candidate(addr("192.0.2.1:4000")).unwrap();
    b.add_local_candidate(addr("192.0.2.2:5000")).unwrap();
    net.add(a, &["192.0.2.1:4000"]);
    net.add(b, &["192.0.2.2:5000"]);
    net.signal(0, 1);
    net.signal(1, 0);
    net
}

fn both_connected(net: &Net) -> bool {
    net.connected(0) && net.connected(1)
}

#[test]
fn host_pair_connects_in_a_few_round_trips() {
    let mut net = pair_net(1, Role::Controlling, Role::Controlled);
    assert!(net.run_until(Duration::from_secs(5), both_connected));
    // 10 ms one way: the first check's round trip (20 ms), then the nomination check's
    // (20 ms): 2 RTTs, no Ta wait and no timer-driven delay, the least regular nomination
    // can take.
    let took = net.elapsed();
    assert!(took <= Duration::from_millis(40), "took {took:?}");
    for n in 0..2 {
        assert_eq!(net.selected_changes(n), 1);
        assert_eq!(
            net.states(n),
            [ConnectionState::Checking, ConnectionState::Connected]
        );
    }
    let (la, ra) = net.nodes[0].agent.selected_pair().unwrap();
    let (lb, rb) = net.nodes[1].agent.selected_pair().unwrap();
    assert_eq!(la.socket_addr(), rb.socket_addr());
    assert_eq!(ra.socket_addr(), lb.socket_addr());
    // Data both ways, handed back as Received::Data.
    assert!(net.send(0, b"from a"));
    assert!(net.send(1, b"from b"));
    net.run_until(Duration::from_millis(50), |_| false);
    assert_eq!(net.nodes[1].data, [b"from a".to_vec()]);
    assert_eq!(net.nodes[0].data, [b"from b".to_vec()]);
}

#[test]
fn completes_after_end_of_candidates() {
    let mut net = pair_net(2, Role::Controlling, Role::Controlled);
    for n in 0..2 {
        net.nodes[n].agent.end_of_local_candidates();
        net.nodes[n].agent.end_of_remote_candidates();
    }
    assert!(net.run_until(Duration::from_secs(5), |n| {
        n.state(0) == ConnectionState::Completed && n.state(1) == ConnectionState::Completed
    }));
    assert!(net.nodes[0].events.contains(&Event::EndOfLocalCandidates));
    assert!(
        net.nodes[0]
            .events
            .contains(&Event::GatheringStateChanged(GatheringState::Complete))
    );
}

#[test]
fn role_conflict_both_controlling_is_repaired() {
    let mut net = pair_net(3, Role::Controlling, Role::Controlling);
    assert!(net.run_until(Duration::from_secs(10), both_connected));
    let roles = [net.nodes[0].agent.role(), net.nodes[1].agent.role()];
    assert!(roles.contains(&Role::Controlling) && roles.contains(&Role::Controlled));
    // The agent with the larger tie-breaker stays controlling (RFC 8445 §7.3.1.1).
    let winner = if net.nodes[0].agent.tie_breaker() > net.nodes[1].agent.tie_breaker() {
        0
    } else {
        1
    };
    assert_eq!(net.nodes[winner].agent.role(), Role::Controlling);
    let loser = 1 - winner;
    assert!(
        net.nodes[loser]
            .events
            .contains(&Event::RoleChanged(Role::Controlled))
    );
}

#[test]
fn role_conflict_both_controlled_is_repaired() {
    let mut net = pair_net(4, Role::Controlled, Role::Controlled);
    assert!(net.run_until(Duration::from_secs(10), both_connected));
    let roles = [net.nodes[0].agent.role(), net.nodes[1].agent.role()];
    assert!(roles.contains(&Role::Controlling) && roles.contains(&Role::Controlled));
}

#[test]
fn nomination_picks_the_best_pair_in_both_roles() {
    let mut net = Net::new(5);
    let now = net.now;
    let mut a = agent(config(Role::Controlled), 50, now);
    let mut b = agent(config(Role::Controlling), 51, now);
    // IPv4 and IPv6 on both: the IPv6 pair has the higher priority (RFC 8421).
    a.add_local_candidate(addr("192.0.2.1:4000")).unwrap();
    a.add_local_candidate(addr("[2001:db8::1]:4000")).unwrap();
    b.add_local_candidate(addr("192.0.2.2:5000")).unwrap();
    b.add_local_candidate(addr("[2001:db8::2]:5000")).unwrap();
    net.add(a, &["192.0.2.1:4000", "[2001:db8::1]:4000"]);
    net.add(b, &["192.0.2.2:5000", "[2001:db8::2]:5000"]);
    net.signal(0, 1);
    net.signal(1, 0);
    assert!(net.run_until(Duration::from_secs(5), both_connected));
    for n in 0..2 {
        let (local, remote) = net.nodes[n].agent.selected_pair().unwrap();
        assert!(local.socket_addr().unwrap().is_ipv6(), "{local}");
        assert!(remote.socket_addr().unwrap().is_ipv6());
        assert_eq!(net.selected_changes(n), 1);
    }
    assert_eq!(net.nodes[0].agent.pair_count(), 2);
}

#[test]
fn regular_nomination_nominates_once() {
    // Aggressive nomination seen from the controlled side: the controlling agent nominates
    // the only pair it has, then a better one once it learns it.
    let mut net = Net::new(6);
    let now = net.now;
    let mut a = agent(config(Role::Controlling), 60, now);
    let mut b = agent(config(Role::Controlled), 61, now);
    a.add_local_candidate(addr("192.0.2.1:4000")).unwrap();
    b.add_local_candidate(addr("192.0.2.2:5000")).unwrap();
    net.add(a, &["192.0.2.1:4000", "[2001:db8::1]:4000"]);
    net.add(b, &["192.0.2.2:5000", "[2001:db8::2]:5000"]);
    net.signal(0, 1);
    net.signal(1, 0);
    assert!(net.run_until(Duration::from_secs(5), both_connected));
    assert_eq!(net.selected_changes(1), 1);
    // Later, both sides get IPv6 and trickle it.
    let ca = net.nodes[0]
        .agent
        .add_local_candidate(addr("[2001:db8::1]:4000"))
        .unwrap();
    let cb = net.nodes[1]
        .agent
        .add_local_candidate(addr("[2001:db8::2]:5000"))
        .unwrap();
    net.nodes[0].agent.add_remote_candidate(cb).unwrap();
    net.nodes[1].agent.add_remote_candidate(ca).unwrap();
    net.run_until(Duration::from_secs(2), |_| false);
    // The controlling agent nominated once (regular nomination); the new pair is valid but
    // only a new nomination would move it: the controlled side keeps the nominated pair.
    let (l, _) = net.nodes[1].agent.selected_pair().unwrap();
    assert!(l.socket_addr().unwrap().is_ipv4());
    assert!(both_connected(&net));
}

#[test]
fn peer_reflexive_remote_learned_when_candidates_arrive_late() {
    let mut net = Net::new(7);
    let now = net.now;
    let mut a = agent(config(Role::Controlling), 70, now);
    let mut b = agent(config(Role::Controlled), 71, now);
    a.add_local_candidate(addr("192.0.2.1:4000")).unwrap();
    let cb = b.add_local_candidate(addr("192.0.2.2:5000")).unwrap();
    net.add(a, &["192.0.2.1:4000"]);
    net.add(b, &["192.0.2.2:5000"]);
    // Credentials both ways, but only b's candidate reaches a.
    let (ua, pa) = {
        let (u, p) = net.nodes[0].agent.local_credentials();
        (u.to_owned(), p.to_owned())
    };
    let (ub, pb) = {
        let (u, p) = net.nodes[1].agent.local_credentials();
        (u.to_owned(), p.to_owned())
    };
    net.nodes[1].agent.set_remote_credentials(&ua, &pa).unwrap();
    net.nodes[0].agent.set_remote_credentials(&ub, &pb).unwrap();
    net.nodes[0].agent.add_remote_candidate(cb).unwrap();
    assert!(net.run_until(Duration::from_secs(5), both_connected));
    let (_, remote) = net.nodes[1].agent.selected_pair().unwrap();
    assert_eq!(remote.kind, CandidateType::PeerReflexive);
    assert_eq!(remote.socket_addr(), Some(addr("192.0.2.1:4000")));
    // The signalled candidate arrives late: it replaces the peer-reflexive one.
    let ca: Vec<Candidate> = net.nodes[0].agent.local_candidates().cloned().collect();
    net.nodes[1]
        .agent
        .add_remote_candidate(ca[0].clone())
        .unwrap();
    assert_eq!(net.nodes[1].agent.remote_candidates().count(), 1);
    assert_eq!(
        net.nodes[1].agent.remote_candidates().next().unwrap().kind,
        CandidateType::Host
    );
}

#[test]
fn trickle_in_any_order() {
    // Candidates before credentials, credentials last, on both sides.
    let mut net = Net::new(8);
    let now = net.now;
    let a = agent(config(Role::Controlling), 80, now);
    let b = agent(config(Role::Controlled), 81, now);
    net.add(a, &["192.0.2.1:4000"]);
    net.add(b, &["192.0.2.2:5000"]);
    // b trickles its candidate to a before a has any local candidate or credentials.
    let cb = net.nodes[1]
        .agent
        .add_local_candidate(addr("192.0.2.2:5000"))
        .unwrap();
    net.nodes[0].agent.add_remote_candidate(cb).unwrap();
    net.run_until(Duration::from_millis(200), |_| false);
    assert_eq!(net.state(0), ConnectionState::New);
    let ca = net.nodes[0]
        .agent
        .add_local_candidate(addr("192.0.2.1:4000"))
        .unwrap();
    net.nodes[1].agent.add_remote_candidate(ca).unwrap();
    net.run_until(Duration::from_millis(200), |_| false);
    // No credentials yet: no checks.
    assert_eq!(net.nodes[0].agent.stats().checks_sent, 0);
    net.signal(0, 1);
    net.signal(1, 0);
    assert!(net.run_until(Duration::from_secs(5), both_connected));
}

#[test]
fn connects_through_loss() {
    for seed in 0..10 {
        let mut net = pair_net(100 + seed, Role::Controlling, Role::Controlled);
        net.loss = 0.3;
        assert!(
            net.run_until(Duration::from_secs(30), both_connected),
            "seed {seed}: {:?} {:?}",
            net.state(0),
            net.state(1)
        );
    }
}

#[test]
fn consent_loss_goes_disconnected_then_failed() {
    let mut net = pair_net(9, Role::Controlling, Role::Controlled);
    assert!(net.run_until(Duration::from_secs(5), both_connected));
    // Healthy for a minute: consent keeps it connected.
    net.run_until(Duration::from_secs(60), |n| !both_connected(n));
    assert!(both_connected(&net));
    net.blackhole = true;
    let cut = net.now;
    assert!(net.run_until(Duration::from_secs(20), |n| {
        n.state(0) == ConnectionState::Disconnected
    }));
    let disconnected_after = net.now - cut;
    assert!(
        disconnected_after >= Duration::from_secs(5)
            && disconnected_after <= Duration::from_secs(12),
        "{disconnected_after:?}"
    );
    assert!(net.run_until(Duration::from_secs(40), |n| {
        n.state(0) == ConnectionState::Failed && n.state(1) == ConnectionState::Failed
    }));
    let failed_after = net.now - cut;
    assert!(
        failed_after >= Duration::from_secs(24) && failed_after <= Duration::from_secs(31),
        "{failed_after:?}"
    );
    assert!(net.nodes[0].agent.send(net.now, vec![1]).is_err());
}

#[test]
fn disconnected_recovers_when_responses_return() {
    let mut net = pair_net(10, Role::Controlling, Role::Controlled);
    assert!(net.run_until(Duration::from_secs(5), both_connected));
    net.blackhole = true;
    assert!(net.run_until(Duration::from_secs(20), |n| {
        n.state(0) == ConnectionState::Disconnected
    }));
    net.blackhole = false;
    assert!(net.run_until(Duration::from_secs(10), both_connected));
}

#[test]
fn restart_keeps_data_flowing() {
    let mut net = pair_net(11, Role::Controlling, Role::Controlled);
    assert!(net.run_until(Duration::from_secs(5), both_connected));
    let old = net.nodes[0].agent.local_credentials().0.to_owned();
    net.nodes[0].agent.restart(net.now);
    net.nodes[1].agent.restart(net.now);
    assert_ne!(net.nodes[0].agent.local_credentials().0, old);
    // Before new credentials are exchanged, data still flows on the old pair.
    assert!(net.send(0, b"during"));
    net.run_until(Duration::from_millis(100), |_| false);
    assert_eq!(net.nodes[1].data, [b"during".to_vec()]);
    net.signal(0, 1);
    net.signal(1, 0);
    assert!(
        net.run_until(Duration::from_secs(5), |n| n.selected_changes(0) == 2
            && n.selected_changes(1) == 2)
    );
    assert!(both_connected(&net));
    assert!(net.send(1, b"after"));
    net.run_until(Duration::from_millis(100), |_| false);
    assert_eq!(net.nodes[0].data, [b"after".to_vec()]);
    // Candidates were reported again for the new offer.
    let reported = net.nodes[0]
        .events
        .iter()
        .filter(|e| matches!(e, Event::LocalCandidate(_)))
        .count();
    assert_eq!(reported, 2);
}

#[test]
fn lite_agent_and_full_agent_toward_it() {
    let mut net = Net::new(12);
    let now = net.now;
    // The full agent starts controlled; learning the peer is lite makes it controlling.
    let mut full = agent(config(Role::Controlled), 120, now);
    let mut lite = agent(
        AgentConfig {
            lite: true,
            role: Role::Controlling,
            ..AgentConfig::default()
        },
        121,
        now,
    );
    assert_eq!(lite.role(), Role::Controlled);
    full.add_local_candidate(addr("192.0.2.1:4000")).unwrap();
    lite.add_local_candidate(addr("192.0.2.2:5000")).unwrap();
    full.set_remote_lite(true);
    assert_eq!(full.role(), Role::Controlling);
    net.add(full, &["192.0.2.1:4000"]);
    net.add(lite, &["192.0.2.2:5000"]);
    net.signal(0, 1);
    net.signal(1, 0);
    assert!(net.run_until(Duration::from_secs(5), both_connected));
    assert_eq!(net.nodes[1].agent.stats().checks_sent, 0);
    assert!(net.send(1, b"lite"));
    net.run_until(Duration::from_millis(50), |_| false);
    assert_eq!(net.nodes[0].data, [b"lite".to_vec()]);
    // Consent checks from the full agent keep the lite one alive for minutes.
    net.run_until(Duration::from_secs(120), |n| !both_connected(n));
    assert!(both_connected(&net));
}

#[test]
fn pairs_are_bounded() {
    let mut net = Net::new(13);
    let now = net.now;
    let mut a = agent(
        AgentConfig {
            max_pairs: 100,
            ..config(Role::Controlling)
        },
        130,
        now,
    );
    let b = agent(config(Role::Controlled), 131, now);
    for i in 0..20u16 {
        a.add_local_candidate(addr(&format!("192.0.2.1:{}", 4000 + i)))
            .unwrap();
    }
    net.add(a, &[]);
    net.add(b, &[]);
    net.signal(1, 0);
    for i in 0..20u16 {
        let c = Candidate::parse(&format!(
            "candidate:{i} 1 udp {} 198.51.100.{} 6000 typ host",
            2_000_000_000 - u32::from(i),
            i + 1
        ))
        .unwrap();
        net.nodes[0].agent.add_remote_candidate(c).unwrap();
    }
    assert_eq!(net.nodes[0].agent.pair_count(), 100);
    // Paced by Ta: 20 ms lets at most one check out (plus the first).
    net.run_until(Duration::from_millis(120), |_| false);
    let sent = net.nodes[0].agent.stats().checks_sent;
    assert!((2..=4).contains(&sent), "{sent}");
}

#[test]
fn server_reflexive_through_a_nat() {
    // a sits behind an endpoint-independent NAT and gathers its public address from a STUN
    // server; b is public. b can only reach a through the NAT mapping.
    let mut net = Net::new(14);
    let now = net.now;
    net.add_stun_server("203.0.113.100:3478");
    let mut a = agent(config(Role::Controlling), 140, now);
    let mut b = agent(config(Role::Controlled), 141, now);
    a.add_local_candidate(addr("10.0.0.1:4000")).unwrap();
    a.add_stun_server(now, addr("203.0.113.100:3478"));
    a.end_of_local_candidates();
    b.add_local_candidate(addr("198.51.100.2:5000")).unwrap();
    net.add(a, &["10.0.0.1:4000"]);
    net.add(b, &["198.51.100.2:5000"]);
    net.nodes[0].nat = Some(Nat {
        private_to_public: HashMap::from([(addr("10.0.0.1:4000"), addr("203.0.113.1:62000"))]),
    });
    assert!(net.run_until(Duration::from_secs(2), |n| {
        n.nodes[0].agent.gathering_state() == GatheringState::Complete
    }));
    let srflx: Vec<Candidate> = net.nodes[0]
        .agent
        .local_candidates()
        .filter(|c| c.kind == CandidateType::ServerReflexive)
        .cloned()
        .collect();
    assert_eq!(srflx.len(), 1);
    assert_eq!(srflx[0].socket_addr(), Some(addr("203.0.113.1:62000")));
    assert_eq!(srflx[0].related_socket_addr(), Some(addr("10.0.0.1:4000")));
    net.signal(0, 1);
    net.signal(1, 0);
    assert!(net.run_until(Duration::from_secs(5), both_connected));
    let (local, _) = net.nodes[0].agent.selected_pair().unwrap();
    // a's checks come from the NAT's public address, which it learns as peer-reflexive or
    // recognises as its server-reflexive candidate.
    assert_ne!(local.socket_addr(), Some(addr("10.0.0.1:4000")));
    assert!(net.send(1, b"via nat"));
    net.run_until(Duration::from_millis(50), |_| false);
    assert_eq!(net.nodes[0].data, [b"via nat".to_vec()]);
}

#[test]
fn mdns_candidates_wait_for_resolution() {
    let mut net = Net::new(15);
    let now = net.now;
    let mut a = agent(config(Role::Controlling), 150, now);
    let mut b = agent(config(Role::Controlled), 151, now);
    a.add_local_candidate(addr("192.0.2.1:4000")).unwrap();
    let mut cb = b.add_local_candidate(addr("192.0.2.2:5000")).unwrap();
    let name = "1f2e3d4c-aaaa-bbbb-cccc-000011112222.local";
    cb.address = strata_ice::Address::Hostname(name.into());
    let (u, p) = b.local_credentials();
    a.set_remote_credentials(u, p).unwrap();
    a.add_remote_candidate(cb.clone()).unwrap();
    // The same name again is not asked twice.
    a.add_remote_candidate(cb).unwrap();
    let asks: Vec<Event> = std::iter::from_fn(|| a.poll_event())
        .filter(|e| matches!(e, Event::ResolveHostname(_)))
        .collect();
    assert_eq!(asks, [Event::ResolveHostname(name.into())]);
    assert_eq!(a.pair_count(), 0);
    a.resolve_remote_hostname(name, "192.0.2.2".parse().unwrap());
    assert_eq!(a.pair_count(), 1);
    net.add(a, &["192.0.2.1:4000"]);
    net.add(b, &["192.0.2.2:5000"]);
    net.signal(0, 1);
    assert!(net.run_until(Duration::from_secs(5), both_connected));
}

#[test]
fn close_stops_everything() {
    let mut net = pair_net(16, Role::Controlling, Role::Controlled);
    assert!(net.run_until(Duration::from_secs(5), both_connected));
    net.nodes[0].agent.close();
    assert_eq!(net.nodes[0].agent.poll_timeout(), None);
    assert!(net.nodes[0].agent.poll_transmit().is_none());
    assert_eq!(net.state(0), ConnectionState::Closed);
    assert!(net.nodes[0].agent.send(net.now, vec![1]).is_err());
}

#[test]
fn relay_only_candidate_connects_via_the_relay() {
    let mut net = Net::new(17);
    let now = net.now;
    let mut a = agent(config(Role::Controlling), 170, now);
    let mut b = agent(config(Role::Controlled), 171, now);
    // a uses only its TURN allocation (relay-only policy).
    let relay = a
        .add_local_relay_candidate(
            addr("203.0.113.50:49152"),
            addr("203.0.113.50:3478"),
            strata_ice::RelayId(7),
        )
        .unwrap();
    assert_eq!(relay.kind, CandidateType::Relayed);
    b.add_local_candidate(addr("198.51.100.2:5000")).unwrap();
    net.add(a, &[]);
    net.add(b, &["198.51.100.2:5000"]);
    net.nodes[0]
        .relays
        .push((strata_ice::RelayId(7), addr("203.0.113.50:49152")));
    net.signal(0, 1);
    net.signal(1, 0);
    assert!(net.run_until(Duration::from_secs(5), both_connected));
    let (local, _) = net.nodes[0].agent.selected_pair().unwrap();
    assert_eq!(local.kind, CandidateType::Relayed);
    let (_, remote) = net.nodes[1].agent.selected_pair().unwrap();
    assert_eq!(remote.socket_addr(), Some(addr("203.0.113.50:49152")));
    assert!(net.nodes[0].relayed_out > 0);
    assert_eq!(
        net.nodes[0].agent.selected_path(),
        Some((
            addr("203.0.113.50:49152"),
            addr("198.51.100.2:5000"),
            Some(strata_ice::RelayId(7))
        ))
    );
    assert!(net.send(1, b"to the relay"));
    net.run_until(Duration::from_millis(50), |_| false);
    assert_eq!(net.nodes[0].data, [b"to the relay".to_vec()]);
}

#[test]
fn controlled_switches_when_a_better_pair_is_nominated() {
    use strata_stun::{Attribute, IntegrityKey, MessageBuilder, MessageType, TransactionId};
    let mut net = Net::new(18);
    let now = net.now;
    let mut a = agent(config(Role::Controlling), 180, now);
    let mut b = agent(config(Role::Controlled), 181, now);
    a.add_local_candidate(addr("192.0.2.1:4000")).unwrap();
    b.add_local_candidate(addr("192.0.2.2:5000")).unwrap();
    net.add(a, &["192.0.2.1:4000", "[2001:db8::1]:4000"]);
    net.add(b, &["192.0.2.2:5000", "[2001:db8::2]:5000"]);
    net.signal(0, 1);
    net.signal(1, 0);
    assert!(net.run_until(Duration::from_secs(5), both_connected));
    // Both gain IPv6; b learns a's, a keeps nominating nothing new (regular nomination).
    let ca = net.nodes[0]
        .agent
        .add_local_candidate(addr("[2001:db8::1]:4000"))
        .unwrap();
    let cb = net.nodes[1]
        .agent
        .add_local_candidate(addr("[2001:db8::2]:5000"))
        .unwrap();
    net.nodes[0].agent.add_remote_candidate(cb).unwrap();
    net.nodes[1].agent.add_remote_candidate(ca).unwrap();
    net.run_until(Duration::from_secs(1), |_| false);
    assert_eq!(net.selected_changes(1), 1);
    // A controlling peer that renominates (aggressive-style) sends USE-CANDIDATE on the
    // better pair: b switches to it.
    let (ub, pb) = {
        let (u, p) = net.nodes[1].agent.local_credentials();
        (u.to_owned(), p.to_owned())
    };
    let ua = net.nodes[0].agent.local_credentials().0.to_owned();
    let mut m = MessageBuilder::new(MessageType::BINDING_REQUEST, TransactionId([9; 12]));
    let username = format!("{ub}:{ua}");
    m.add(&Attribute::Username(&username)).unwrap();
    m.add(&Attribute::Priority(1_862_270_975)).unwrap();
    m.add(&Attribute::IceControlling(net.nodes[0].agent.tie_breaker()))
        .unwrap();
    m.add(&Attribute::UseCandidate).unwrap();
    m.add_message_integrity(&IntegrityKey::short_term(&pb).unwrap())
        .unwrap();
    m.add_fingerprint().unwrap();
    let request = m.finish();
    let now = net.now;
    let r = net.nodes[1].agent.handle_packet(
        now,
        strata_ice::Input {
            source: addr("[2001:db8::1]:4000"),
            destination: addr("[2001:db8::2]:5000"),
            via: None,
            data: &request,
        },
    );
    assert_eq!(r, strata_ice::Received::Stun);
    net.run_until(Duration::from_secs(1), |_| false);
    assert_eq!(net.selected_changes(1), 2);
    let (local, _) = net.nodes[1].agent.selected_pair().unwrap();
    assert!(local.socket_addr().unwrap().is_ipv6());
    assert!(both_connected(&net));
}

/// The first check a agent sends, parsed.
fn first_check(role: Role) -> (Vec<u8>, strata_ice::Agent, String, String) {
    let now = std::time::Instant::now();
    let mut a = agent(config(role), 190, now);
    a.add_local_candidate(addr("192.0.2.1:4000")).unwrap();
    a.set_remote_credentials("peer", "peerpasswordpeerpassword")
        .unwrap();
    a.add_remote_candidate(
        Candidate::parse("candidate:1 1 udp 2130706431 192.0.2.2 5000 typ host").unwrap(),
    )
    .unwrap();
    a.handle_timeout(now);
    let t = a.poll_transmit().expect("a check");
    assert_eq!(t.source, addr("192.0.2.1:4000"));
    assert_eq!(t.destination, addr("192.0.2.2:5000"));
    let (u, p) = a.local_credentials();
    let (u, p) = (u.to_owned(), p.to_owned());
    (t.data, a, u, p)
}

#[test]
fn checks_carry_the_attributes_of_rfc8445_7_2_2() {
    use strata_stun::{AttrType, Attribute, IntegrityKey, Message, MessageType};
    for role in [Role::Controlling, Role::Controlled] {
        let (bytes, a, ufrag, _) = first_check(role);
        let m = Message::new_checked(&bytes[..]).unwrap();
        assert_eq!(m.message_type(), MessageType::BINDING_REQUEST);
        let expected_user = format!("peer:{ufrag}");
        assert_eq!(
            m.get_typed(AttrType::USERNAME),
            Some(Ok(Attribute::Username(&expected_user)))
        );
        // PRIORITY: peer-reflexive type preference with the host's local preference.
        let host = a.local_candidates().next().unwrap().priority;
        assert_eq!(
            m.get_typed(AttrType::PRIORITY),
            Some(Ok(Attribute::Priority((110 << 24) | (host & 0xFF_FFFF))))
        );
        let tb = a.tie_breaker();
        let role_attr = match role {
            Role::Controlling => m.get_typed(AttrType::ICE_CONTROLLING),
            Role::Controlled => m.get_typed(AttrType::ICE_CONTROLLED),
        };
        assert!(matches!(
            role_attr,
            Some(Ok(Attribute::IceControlling(t) | Attribute::IceControlled(t))) if t == tb
        ));
        assert!(m.get(AttrType::USE_CANDIDATE).is_none());
        m.verify_message_integrity(&IntegrityKey::short_term("peerpasswordpeerpassword").unwrap())
            .unwrap();
        m.verify_fingerprint().unwrap();
    }
}

#[test]
fn bad_requests_get_400_401_or_are_dropped() {
    use strata_stun::{
        AttrType, Attribute, IntegrityKey, Message, MessageBuilder, MessageType, TransactionId,
    };
    let (_, mut a, ufrag, pwd) = first_check(Role::Controlled);
    let now = std::time::Instant::now();
    fn input(data: &[u8]) -> strata_ice::Input<'_> {
        strata_ice::Input {
            source: addr("192.0.2.2:5000"),
            destination: addr("192.0.2.1:4000"),
            via: None,
            data,
        }
    }
    let code = |a: &mut strata_ice::Agent| {
        let t = a.poll_transmit().expect("an answer");
        let m = Message::new_checked(&t.data[..]).unwrap();
        match m.get_typed(AttrType::ERROR_CODE) {
            Some(Ok(Attribute::ErrorCode(e))) => e.code,
            _ => 0,
        }
    };
    // No USERNAME / MESSAGE-INTEGRITY: 400.
    let bare = MessageBuilder::new(MessageType::BINDING_REQUEST, TransactionId([1; 12])).finish();
    assert_eq!(
        a.handle_packet(now, input(&bare)),
        strata_ice::Received::Stun
    );
    assert_eq!(code(&mut a), 400);
    // Wrong password, or someone else's ufrag: 401.
    for (user, pass) in [
        (format!("{ufrag}:peer"), "wrongpasswordwrongpasswd"),
        ("other:peer".to_owned(), pwd.as_str()),
    ] {
        let mut b = MessageBuilder::new(MessageType::BINDING_REQUEST, TransactionId([2; 12]));
        b.add(&Attribute::Username(&user)).unwrap();
        b.add_message_integrity(&IntegrityKey::short_term(pass).unwrap())
            .unwrap();
        b.add_fingerprint().unwrap();
        let req = b.finish();
        assert_eq!(
            a.handle_packet(now, input(&req)),
            strata_ice::Received::Stun
        );
        assert_eq!(code(&mut a), 401);
    }
    // A bad FINGERPRINT: silently dropped.
    let mut b = MessageBuilder::new(MessageType::BINDING_REQUEST, TransactionId([3; 12]));
    b.add_fingerprint().unwrap();
    let mut req = b.finish();
    let n = req.len();
    req[n - 1] ^= 1;
    assert_eq!(
        a.handle_packet(now, input(&req)),
        strata_ice::Received::Stun
    );
    assert!(a.poll_transmit().is_none());
    // A response nobody asked for: dropped.
    let resp = MessageBuilder::new(MessageType::BINDING_SUCCESS, TransactionId([4; 12])).finish();
    assert_eq!(
        a.handle_packet(now, input(&resp)),
        strata_ice::Received::Stun
    );
    assert!(a.poll_transmit().is_none());
    // Non-STUN from an unknown address: dropped, not handed back.
    let from_elsewhere = strata_ice::Input {
        source: addr("203.0.113.9:1"),
        ..input(b"\x17\xfe\xfd")
    };
    assert_eq!(
        a.handle_packet(now, from_elsewhere),
        strata_ice::Received::Dropped
    );
    assert_eq!(a.stats().data_dropped, 1);
    assert!(a.stats().stun_dropped >= 2);
    assert_eq!(a.stats().requests_rejected, 3);
}

#[test]
fn agent_is_send() {
    fn send<T: Send>() {}
    send::<strata_ice::Agent>();
}

#[test]
fn symmetric_nat_connects_through_peer_reflexive_candidates() {
    let mut net = Net::new(20);
    let now = net.now;
    let mut a = agent(config(Role::Controlled), 200, now);
    let mut b = agent(config(Role::Controlling), 201, now);
    a.add_local_candidate(addr("10.0.0.1:4000")).unwrap();
    b.add_local_candidate(addr("198.51.100.2:5000")).unwrap();
    net.add(a, &["10.0.0.1:4000"]);
    net.add(b, &["198.51.100.2:5000"]);
    net.nodes[0].symmetric_nat = Some(common::SymmetricNat {
        public_ip: "203.0.113.1".parse().unwrap(),
        next_port: 1000,
        mappings: Vec::new(),
    });
    net.signal(0, 1);
    net.signal(1, 0);
    assert!(net.run_until(Duration::from_secs(10), both_connected));
    // b only ever reaches a at the NAT's mapping for b: a peer-reflexive remote candidate.
    let (_, remote) = net.nodes[1].agent.selected_pair().unwrap();
    assert_eq!(remote.kind, CandidateType::PeerReflexive);
    assert_eq!(remote.socket_addr(), Some(addr("203.0.113.1:1001")));
    // a learns its own mapped address as a peer-reflexive local candidate.
    let (local, _) = net.nodes[0].agent.selected_pair().unwrap();
    assert_eq!(local.kind, CandidateType::PeerReflexive);
    assert_eq!(local.socket_addr(), Some(addr("203.0.113.1:1001")));
    assert!(net.send(1, b"through the symmetric nat"));
    assert!(net.send(0, b"and back"));
    net.run_until(Duration::from_millis(50), |_| false);
    assert_eq!(net.nodes[0].data, [b"through the symmetric nat".to_vec()]);
    assert_eq!(net.nodes[1].data, [b"and back".to_vec()]);
}

#[test]
fn checking_fails_when_every_pair_fails() {
    for end_of_candidates in [true, false] {
        let mut net = Net::new(21);
        let now = net.now;
        let mut a = agent(config(Role::Controlling), 210, now);
        a.add_local_candidate(addr("192.0.2.1:4000")).unwrap();
        a.set_remote_credentials("peer", "peerpasswordpeerpassword")
            .unwrap();
        // Nobody listens there.
        a.add_remote_candidate(
            Candidate::parse("candidate:1 1 udp 2130706431 192.0.2.99 5000 typ host").unwrap(),
        )
        .unwrap();
        if end_of_candidates {
            a.end_of_remote_candidates();
        }
        net.add(a, &["192.0.2.1:4000"]);
        assert!(net.run_until(Duration::from_secs(120), |n| n.state(0)
            == ConnectionState::Failed));
        let took = net.elapsed();
        // The check gives up after its retransmissions (about 10 s with the defaults); without
        // end-of-candidates the agent waits `failed_timeout` (30 s) more for new candidates.
        if end_of_candidates {
            assert!(took < Duration::from_secs(15), "{took:?}");
        } else {
            assert!(took >= Duration::from_secs(30), "{took:?}");
        }
        assert_eq!(
            net.states(0),
            [ConnectionState::Checking, ConnectionState::Failed]
        );
        assert_eq!(net.nodes[0].agent.poll_timeout(), None);
    }
}

/// A controlled agent whose checks succeeded waits for the nomination with nothing pending;
/// with the peer's end-of-candidates already known it must not call that "every pair
/// failed" (aiortc sends end-of-candidates in its offer and its nominating check may arrive
/// after our own check succeeded).
#[test]
fn controlled_waits_for_nomination_after_end_of_candidates() {
    use strata_stun::{
        Attribute, Class, IntegrityKey, Message, MessageBuilder, MessageType, Method,
    };
    let mut now = std::time::Instant::now();
    let mut b = agent(config(Role::Controlled), 42, now);
    b.add_local_candidate(addr("192.0.2.2:5000")).unwrap();
    let peer_pwd = "peerpasswordpeerpassword";
    b.set_remote_credentials("peer", peer_pwd).unwrap();
    b.add_remote_candidate(
        Candidate::parse("candidate:1 1 udp 2122260223 192.0.2.1 4000 typ host").unwrap(),
    )
    .unwrap();
    b.end_of_remote_candidates();
    let mut answered = false;
    for _ in 0..200 {
        while let Some(t) = b.poll_transmit() {
            let m = Message::new_checked(&t.data[..]).unwrap();
            if m.class() == Class::Request && !answered {
                // The peer answers our check (but does not nominate yet).
                let mut r = MessageBuilder::new(
                    MessageType::new(Method::BINDING, Class::SuccessResponse),
                    m.transaction_id(),
                );
                r.add(&Attribute::XorMappedAddress(t.source)).unwrap();
                r.add_message_integrity(&IntegrityKey::short_term(peer_pwd).unwrap())
                    .unwrap();
                r.add_fingerprint().unwrap();
                let bytes = r.finish();
                let _ = b.handle_packet(
                    now,
                    strata_ice::Input {
                        source: t.destination,
                        destination: t.source,
                        via: None,
                        data: &bytes,
                    },
                );
                answered = true;
            }
        }
        now += Duration::from_millis(10);
        b.handle_timeout(now);
    }
    assert!(answered);
    assert_ne!(
        b.connection_state(),
        ConnectionState::Failed,
        "a succeeded pair awaiting nomination is not a failure"
    );
}
