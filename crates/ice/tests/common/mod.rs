//! A deterministic virtual network for agent tests: a virtual clock that jumps to the next
//! timer or delivery, fixed one-way latency, seeded loss, optional endpoint-independent NATs,
//! and STUN servers.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::needless_pass_by_value
)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use strata_ice::{Agent, AgentConfig, ConnectionState, Event, Input, Received, RelayId, Rng};
use strata_stun::{BindingServer, BindingServerConfig};

/// xorshift64*: deterministic, good enough for tests.
pub struct SeededRng(pub u64);

impl Rng for SeededRng {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *b = (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8;
        }
    }
}

impl SeededRng {
    pub fn next_f64(&mut self) -> f64 {
        let mut b = [0u8; 8];
        self.fill(&mut b);
        (u64::from_be_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

pub fn agent(config: AgentConfig, seed: u64, now: Instant) -> Agent {
    Agent::with_rng(config, Box::new(SeededRng(seed)), now).unwrap()
}

/// An address-and-port-dependent ("symmetric") NAT: a new public port per (private source,
/// destination), and only that destination may send back through it.
pub struct SymmetricNat {
    pub public_ip: std::net::IpAddr,
    pub next_port: u16,
    /// (private source, destination) -> public port.
    pub mappings: Vec<((SocketAddr, SocketAddr), u16)>,
}

impl SymmetricNat {
    fn outbound(&mut self, source: SocketAddr, destination: SocketAddr) -> SocketAddr {
        let port = match self
            .mappings
            .iter()
            .find(|(k, _)| *k == (source, destination))
        {
            Some((_, p)) => *p,
            None => {
                self.next_port += 1;
                self.mappings.push(((source, destination), self.next_port));
                self.next_port
            }
        };
        SocketAddr::new(self.public_ip, port)
    }

    fn inbound(&self, source: SocketAddr, destination: SocketAddr) -> Option<SocketAddr> {
        self.mappings
            .iter()
            .find(|((_, d), p)| *d == source && SocketAddr::new(self.public_ip, *p) == destination)
            .map(|((s, _), _)| *s)
    }
}

/// An endpoint-independent NAT: private address -> public address (both ways).
pub struct Nat {
    pub private_to_public: HashMap<SocketAddr, SocketAddr>,
}

struct Datagram {
    at: Instant,
    source: SocketAddr,
    destination: SocketAddr,
    data: Vec<u8>,
}

pub struct Node {
    pub agent: Agent,
    /// Local bases this node owns.
    pub addrs: Vec<SocketAddr>,
    pub nat: Option<Nat>,
    pub symmetric_nat: Option<SymmetricNat>,
    pub events: Vec<Event>,
    pub data: Vec<Vec<u8>>,
    /// TURN allocations this node holds: relay id -> relayed address.
    pub relays: Vec<(RelayId, SocketAddr)>,
    /// Datagrams the node sent through a relay.
    pub relayed_out: u64,
}

pub struct Net {
    pub now: Instant,
    pub start: Instant,
    pub nodes: Vec<Node>,
    pub stun: Vec<(SocketAddr, BindingServer)>,
    pub latency: Duration,
    pub loss: f64,
    /// When set, every datagram is dropped (an outage).
    pub blackhole: bool,
    rng: SeededRng,
    in_flight: Vec<Datagram>,
    pub delivered: u64,
}

impl Net {
    pub fn new(seed: u64) -> Net {
        let now = Instant::now();
        Net {
            now,
            start: now,
            nodes: Vec::new(),
            stun: Vec::new(),
            latency: Duration::from_millis(10),
            loss: 0.0,
            blackhole: false,
            rng: SeededRng(seed | 1),
            in_flight: Vec::new(),
            delivered: 0,
        }
    }

    pub fn add(&mut self, agent: Agent, addrs: &[&str]) -> usize {
        self.nodes.push(Node {
            agent,
            addrs: addrs.iter().map(|a| addr(a)).collect(),
            nat: None,
            symmetric_nat: None,
            events: Vec::new(),
            data: Vec::new(),
            relays: Vec::new(),
            relayed_out: 0,
        });
        self.nodes.len() - 1
    }

    pub fn add_stun_server(&mut self, at: &str) {
        self.stun
            .push((addr(at), BindingServer::new(BindingServerConfig::default())));
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// Hand agent `n`'s host candidates and credentials to `m` (signalling).
    pub fn signal(&mut self, from: usize, to: usize) {
        let (u, p) = {
            let (u, p) = self.nodes[from].agent.local_credentials();
            (u.to_owned(), p.to_owned())
        };
        self.nodes[to].agent.set_remote_credentials(&u, &p).unwrap();
        let cands: Vec<_> = self.nodes[from].agent.local_candidates().cloned().collect();
        for c in cands {
            let _ = self.nodes[to].agent.add_remote_candidate(c);
        }
    }

    fn send_out(&mut self, from: usize) {
        while let Some(t) = self.nodes[from].agent.poll_transmit() {
            let mut source = t.source;
            if let Some(id) = t.via {
                // The caller's TURN client would wrap it; the relay sends it from the
                // relayed address.
                let relayed = self.nodes[from].relays.iter().find(|(r, _)| *r == id);
                source = relayed.expect("a known relay").1;
                assert_eq!(
                    source, t.source,
                    "relayed transmits leave from the relayed base"
                );
                self.nodes[from].relayed_out += 1;
            }
            if let Some(nat) = &self.nodes[from].nat
                && let Some(p) = nat.private_to_public.get(&source)
            {
                source = *p;
            }
            if let Some(nat) = &mut self.nodes[from].symmetric_nat {
                source = nat.outbound(source, t.destination);
            }
            if self.blackhole || (self.loss > 0.0 && self.rng.next_f64() < self.loss) {
                continue;
            }
            self.in_flight.push(Datagram {
                at: self.now + self.latency,
                source,
                destination: t.destination,
                data: t.data,
            });
        }
        while let Some(e) = self.nodes[from].agent.poll_event() {
            self.nodes[from].events.push(e);
        }
    }

    fn deliver(&mut self, d: Datagram) {
        if let Some(i) = self.stun.iter().position(|(a, _)| *a == d.destination) {
            let server = &mut self.stun[i].1;
            server.handle_packet(d.at, d.source, &d.data);
            while let Some(t) = server.poll_transmit() {
                self.in_flight.push(Datagram {
                    at: self.now + self.latency,
                    source: d.destination,
                    destination: t.destination,
                    data: t.contents,
                });
            }
            return;
        }
        for n in 0..self.nodes.len() {
            let node = &mut self.nodes[n];
            if let Some(&(id, relayed)) = node.relays.iter().find(|(_, a)| *a == d.destination) {
                let input = Input {
                    source: d.source,
                    destination: relayed,
                    via: Some(id),
                    data: &d.data,
                };
                if let Received::Data(bytes) = node.agent.handle_packet(self.now, input) {
                    node.data.push(bytes.to_vec());
                }
                self.send_out(n);
                return;
            }
            let mut destination = d.destination;
            if let Some(nat) = &node.symmetric_nat {
                match nat.inbound(d.source, destination) {
                    Some(private) => destination = private,
                    None if node.addrs.contains(&destination) => continue,
                    None => {}
                }
            }
            if let Some(nat) = &node.nat {
                if let Some((private, _)) = nat
                    .private_to_public
                    .iter()
                    .find(|(_, p)| **p == destination)
                {
                    destination = *private;
                } else if node.addrs.contains(&destination) {
                    // Private addresses are not reachable from outside.
                    continue;
                }
            }
            if node.addrs.contains(&destination) {
                self.delivered += 1;
                let input = Input {
                    source: d.source,
                    destination,
                    via: None,
                    data: &d.data,
                };
                if let Received::Data(bytes) = node.agent.handle_packet(self.now, input) {
                    node.data.push(bytes.to_vec());
                }
                self.send_out(n);
                return;
            }
        }
    }

    /// One step: flush outputs, deliver what is due, else jump to the next timer.
    /// Returns false when nothing at all is left to happen.
    pub fn step(&mut self) -> bool {
        for n in 0..self.nodes.len() {
            self.send_out(n);
        }
        self.in_flight.sort_by_key(|d| d.at);
        let next_delivery = self.in_flight.first().map(|d| d.at);
        let next_timer = self
            .nodes
            .iter()
            .filter_map(|n| n.agent.poll_timeout())
            .min();
        let next = match (next_delivery, next_timer) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => match a.or(b) {
                Some(t) => t,
                None => return false,
            },
        };
        self.now = self.now.max(next);
        while self.in_flight.first().is_some_and(|d| d.at <= self.now) {
            let d = self.in_flight.remove(0);
            self.deliver(d);
        }
        for n in 0..self.nodes.len() {
            if self.nodes[n]
                .agent
                .poll_timeout()
                .is_some_and(|t| t <= self.now)
            {
                self.nodes[n].agent.handle_timeout(self.now);
            }
            self.send_out(n);
        }
        true
    }

    /// Step until `done` or `limit` of virtual time passes. Returns whether `done` held.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&Net) -> bool) -> bool {
        let end = self.now + limit;
        let mut steps = 0u32;
        while self.now < end {
            steps += 1;
            assert!(
                steps < 200_000,
                "no progress: a timer keeps firing at {:?}",
                self.elapsed()
            );
            if done(self) {
                return true;
            }
            if !self.step() {
                return done(self);
            }
        }
        done(self)
    }

    pub fn state(&self, n: usize) -> ConnectionState {
        self.nodes[n].agent.connection_state()
    }

    pub fn connected(&self, n: usize) -> bool {
        matches!(
            self.state(n),
            ConnectionState::Connected | ConnectionState::Completed
        )
    }

    /// Send `data` from node `n` on its selected path.
    pub fn send(&mut self, n: usize, data: &[u8]) -> bool {
        let now = self.now;
        let Ok(t) = self.nodes[n].agent.send(now, data.to_vec()) else {
            return false;
        };
        let mut source = t.source;
        if let Some(nat) = &self.nodes[n].nat
            && let Some(p) = nat.private_to_public.get(&source)
        {
            source = *p;
        }
        if let Some(nat) = &mut self.nodes[n].symmetric_nat {
            source = nat.outbound(source, t.destination);
        }
        self.in_flight.push(Datagram {
            at: now + self.latency,
            source,
            destination: t.destination,
            data: t.data,
        });
        true
    }

    pub fn selected_changes(&self, n: usize) -> usize {
        self.nodes[n]
            .events
            .iter()
            .filter(|e| matches!(e, Event::SelectedPairChanged { .. }))
            .count()
    }

    pub fn states(&self, n: usize) -> Vec<ConnectionState> {
        self.nodes[n]
            .events
            .iter()
            .filter_map(|e| match e {
                Event::ConnectionStateChanged(s) => Some(*s),
                _ => None,
            })
            .collect()
    }
}
