//! Feed arbitrary datagrams to a DTLS server endpoint, before and in the middle of a
//! handshake (after a real Chromium 156 ClientHello has moved it to waiting for the client's
//! second flight). Nothing may panic, and the endpoint must keep its bounds.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use strata_dtls::crypto::cert::{Certificate, FingerprintAlgorithm};
use strata_dtls::endpoint::{Config, Endpoint};

const HELLO_1: &[u8] = include_bytes!("../../crates/dtls/tests/data/chromium156-client-hello-1.bin");
const HELLO_2: &[u8] = include_bytes!("../../crates/dtls/tests/data/chromium156-client-hello-2.bin");

fn config() -> Config {
    static CERT: OnceLock<Arc<Certificate>> = OnceLock::new();
    let cert = CERT
        .get_or_init(|| Arc::new(Certificate::generate("fuzz", &ring::rand::SystemRandom::new()).expect("certificate")))
        .clone();
    let fp = cert.fingerprint(FingerprintAlgorithm::Sha256);
    let mut config = Config::new(cert, vec![fp]);
    config.hello_verify = false;
    config
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, mut rest)) = data.split_first() else { return };
    let t0 = Instant::now();
    let mut server = Endpoint::server(config());
    if mode & 1 == 1 {
        let _ = server.handle_packet(t0, HELLO_1);
        let _ = server.handle_packet(t0, HELLO_2);
        while server.poll_transmit().is_some() {}
    }
    // Split the input into datagrams by a one-byte length prefix.
    let mut now = t0;
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        let (datagram, tail) = tail.split_at(n);
        rest = tail;
        now += Duration::from_millis(50);
        if server.handle_packet(now, datagram).is_err() {
            break;
        }
        let _ = server.handle_timeout(now);
        while server.poll_transmit().is_some() {}
        while server.poll_event().is_some() {}
    }
});
