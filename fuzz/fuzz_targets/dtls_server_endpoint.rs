//! Feed arbitrary datagrams to a DTLS server endpoint, before and in the middle of a
//! handshake (after a real Chromium 156 ClientHello has moved it to waiting for the client's
//! second flight). Nothing may panic, and the endpoint must keep its bounds. Mode bit 1
//! leaves the remote fingerprint unknown (the late-fingerprint path) and sets it after the
//! datagrams, matching or not by bit 2.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use strata_dtls::crypto::cert::{Certificate, FingerprintAlgorithm};
use strata_dtls::endpoint::{Config, Endpoint};

const HELLO_1: &[u8] = include_bytes!("../../crates/dtls/tests/data/chromium156-client-hello-1.bin");
const HELLO_2: &[u8] = include_bytes!("../../crates/dtls/tests/data/chromium156-client-hello-2.bin");

fn certificate() -> Arc<Certificate> {
    static CERT: OnceLock<Arc<Certificate>> = OnceLock::new();
    CERT.get_or_init(|| Arc::new(Certificate::generate("fuzz", &ring::rand::SystemRandom::new()).expect("certificate")))
        .clone()
}

fn stranger() -> Arc<Certificate> {
    static CERT: OnceLock<Arc<Certificate>> = OnceLock::new();
    CERT.get_or_init(|| Arc::new(Certificate::generate("stranger", &ring::rand::SystemRandom::new()).expect("certificate")))
        .clone()
}

fn config(late_fingerprint: bool) -> Config {
    let cert = certificate();
    let fp = cert.fingerprint(FingerprintAlgorithm::Sha256);
    let mut config = Config::new(cert, if late_fingerprint { Vec::new() } else { vec![fp] });
    config.hello_verify = false;
    config
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, mut rest)) = data.split_first() else { return };
    let t0 = Instant::now();
    let late = mode & 2 != 0;
    let mut server = Endpoint::server(config(late));
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
    if late {
        let fp = if mode & 4 != 0 {
            certificate().fingerprint(FingerprintAlgorithm::Sha256)
        } else {
            stranger().fingerprint(FingerprintAlgorithm::Sha256)
        };
        let _ = server.set_remote_fingerprints(vec![fp]);
        while server.poll_transmit().is_some() {}
        while server.poll_event().is_some() {}
    }
});
