//! A connected ICE agent fed arbitrary datagrams, signed Binding requests built from fuzz
//! bytes, and clock jumps. Oracles: no panic; after `handle_timeout(now)` the next timer is
//! in the future (no spinning); data is only handed back from the known pair.
#![no_main]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use strata_ice::{Agent, AgentConfig, Input, Received, Rng, Role};
use strata_stun::{Attribute, IntegrityKey, MessageBuilder, MessageType, TransactionId};

struct Counter(u64);

impl Rng for Counter {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            *b = (self.0 >> 56) as u8;
        }
    }
}

const A: &str = "192.0.2.1:4000";
const B: &str = "192.0.2.2:5000";

fn agent(role: Role, ufrag: &str, pwd: &str, seed: u64, now: Instant) -> Agent {
    let config = AgentConfig {
        role,
        local_credentials: Some((ufrag.into(), pwd.into())),
        ..AgentConfig::default()
    };
    Agent::with_rng(config, Box::new(Counter(seed)), now).expect("valid config")
}

fn deliver(from: &mut Agent, to: &mut Agent, now: Instant) -> bool {
    let mut moved = false;
    while let Some(t) = from.poll_transmit() {
        moved = true;
        let input = Input { source: t.source, destination: t.destination, via: None, data: &t.data };
        let _ = to.handle_packet(now, input);
    }
    while from.poll_event().is_some() {}
    moved
}

/// Two agents connected over a lossless in-memory link; returns the controlled one and the
/// time.
fn connected() -> (Agent, Instant) {
    let mut now = Instant::now();
    let mut a = agent(Role::Controlled, "aaaa", "aaaaaaaaaaaaaaaaaaaaaaaa", 1, now);
    let mut b = agent(Role::Controlling, "bbbb", "bbbbbbbbbbbbbbbbbbbbbbbb", 2, now);
    let ca = a.add_local_candidate(A.parse::<SocketAddr>().expect("addr")).expect("cand");
    let cb = b.add_local_candidate(B.parse::<SocketAddr>().expect("addr")).expect("cand");
    a.set_remote_credentials("bbbb", "bbbbbbbbbbbbbbbbbbbbbbbb").expect("creds");
    b.set_remote_credentials("aaaa", "aaaaaaaaaaaaaaaaaaaaaaaa").expect("creds");
    a.add_remote_candidate(cb).expect("remote");
    b.add_remote_candidate(ca).expect("remote");
    for _ in 0..10_000 {
        if a.selected_path().is_some() && b.selected_path().is_some() {
            break;
        }
        let moved = deliver(&mut a, &mut b, now) | deliver(&mut b, &mut a, now);
        if !moved {
            now = [a.poll_timeout(), b.poll_timeout()].into_iter().flatten().min().expect("timer");
            a.handle_timeout(now);
            b.handle_timeout(now);
        }
    }
    assert!(a.selected_path().is_some(), "setup connects");
    (a, now)
}

fuzz_target!(|data: &[u8]| {
    let (mut a, mut now) = connected();
    let local: SocketAddr = A.parse().expect("addr");
    let peer: SocketAddr = B.parse().expect("addr");
    let key = IntegrityKey::short_term("aaaaaaaaaaaaaaaaaaaaaaaa").expect("key");
    let mut rest = data;
    while let [op, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (chunk, next) = tail.split_at(n);
        rest = next;
        let source = match op & 3 {
            0 => peer,
            1 => SocketAddr::new(peer.ip(), 5001 + u16::from(*len)),
            _ => SocketAddr::new([198, 51, 100, *op].into(), 7000),
        };
        match op >> 2 & 3 {
            // A raw datagram.
            0 | 1 => {
                let input = Input { source, destination: local, via: None, data: chunk };
                if let Received::Data(d) = a.handle_packet(now, input) {
                    assert_eq!(d, chunk);
                    assert!(chunk.is_empty() || !strata_stun::is_stun(chunk));
                }
            }
            // A correctly signed Binding request with fuzzed ICE attributes.
            2 => {
                let mut tid = [0u8; 12];
                for (t, c) in tid.iter_mut().zip(chunk) {
                    *t = *c;
                }
                let mut b = MessageBuilder::new(MessageType::BINDING_REQUEST, TransactionId(tid));
                let word = |i: usize| chunk.get(i..i + 8).map_or(0, |w| {
                    u64::from_be_bytes(w.try_into().expect("8 bytes"))
                });
                let _ = b.add(&Attribute::Username("aaaa:bbbb"));
                let _ = b.add(&Attribute::Priority(word(0) as u32));
                let _ = b.add(&if op & 0x10 != 0 {
                    Attribute::IceControlling(word(8))
                } else {
                    Attribute::IceControlled(word(8))
                });
                if op & 0x20 != 0 {
                    let _ = b.add(&Attribute::UseCandidate);
                }
                let _ = b.add_message_integrity(&key);
                let _ = b.add_fingerprint();
                let msg = b.finish();
                let input = Input { source, destination: local, via: None, data: &msg };
                assert_eq!(a.handle_packet(now, input), Received::Stun);
            }
            // Time passes.
            _ => {
                now += Duration::from_millis(u64::from(*len) * 40);
                if a.poll_timeout().is_some_and(|t| t <= now) {
                    a.handle_timeout(now);
                    if let Some(t) = a.poll_timeout() {
                        assert!(t > now, "a timer in the past after handle_timeout");
                    }
                }
            }
        }
        while a.poll_transmit().is_some() {}
        while a.poll_event().is_some() {}
    }
});
