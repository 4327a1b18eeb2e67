//! Full in-memory handshakes (both sides, HelloVerifyRequest on) per ECDHE group, best of
//! several rounds: `cargo run --release -p strata-dtls --example handshake_speed`.
//! Arguments: rounds (default 10) and optionally `x25519` or `p256` to run one group only
//! (for instruction counts under `valgrind --tool=callgrind`).

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Instant;

use strata_dtls::NamedGroup;
use strata_dtls::crypto::cert::{Certificate, FingerprintAlgorithm};
use strata_dtls::endpoint::{Config, Endpoint};

fn handshake(client: &Config, server: &Config, now: Instant) {
    let mut c = Endpoint::client(client.clone(), now).unwrap();
    let mut s = Endpoint::server(server.clone());
    while !(c.is_connected() && s.is_connected()) {
        while let Some(d) = c.poll_transmit() {
            s.handle_packet(now, &d).unwrap();
        }
        while let Some(d) = s.poll_transmit() {
            c.handle_packet(now, &d).unwrap();
        }
    }
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    let rng = ring::rand::SystemRandom::new();
    let a = Arc::new(Certificate::generate("a", &rng).unwrap());
    let b = Arc::new(Certificate::generate("b", &rng).unwrap());
    let now = Instant::now();
    let only = std::env::args().nth(2);
    for group in [NamedGroup::X25519, NamedGroup::SECP256R1] {
        match (only.as_deref(), group) {
            (Some("x25519"), NamedGroup::SECP256R1) | (Some("p256"), NamedGroup::X25519) => {
                continue;
            }
            _ => {}
        }
        let mut client = Config::new(a.clone(), vec![b.fingerprint(FingerprintAlgorithm::Sha256)]);
        let mut server = Config::new(b.clone(), vec![a.fingerprint(FingerprintAlgorithm::Sha256)]);
        client.groups = vec![group];
        server.groups = vec![group];
        let mut best = f64::MAX;
        for _ in 0..rounds {
            let start = Instant::now();
            for _ in 0..20 {
                handshake(&client, &server, now);
            }
            best = best.min(start.elapsed().as_secs_f64() * 1e6 / 20.0);
        }
        println!("{group:?}: best {best:.1} us per handshake (both sides)");
    }
}
