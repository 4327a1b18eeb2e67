//! Endpoint tests: a client and a server joined by a deterministic in-memory network with a
//! virtual clock and seeded loss, duplication and reordering.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::*;
use crate::codes::NamedGroup;
use crate::crypto::cert::{Certificate as LocalCertificate, FingerprintAlgorithm};

fn certificates() -> &'static (Arc<LocalCertificate>, Arc<LocalCertificate>) {
    static CERTS: OnceLock<(Arc<LocalCertificate>, Arc<LocalCertificate>)> = OnceLock::new();
    CERTS.get_or_init(|| {
        let rng = SystemRandom::new();
        (
            Arc::new(LocalCertificate::generate("client", &rng).unwrap()),
            Arc::new(LocalCertificate::generate("server", &rng).unwrap()),
        )
    })
}

fn configs() -> (Config, Config) {
    let (c, s) = certificates();
    let client = Config::new(c.clone(), vec![s.fingerprint(FingerprintAlgorithm::Sha256)]);
    let server = Config::new(s.clone(), vec![c.fingerprint(FingerprintAlgorithm::Sha384)]);
    (client, server)
}

/// xorshift64*: enough randomness for a network simulation, seeded for repeatability.
struct TestRng(u64);

impl TestRng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// Network conditions.
#[derive(Clone, Copy)]
struct Net {
    loss: f64,
    duplicate: f64,
    /// Probability that a datagram gets extra delay (and so is reordered).
    reorder: f64,
    latency: Duration,
}

impl Net {
    const PERFECT: Net = Net {
        loss: 0.0,
        duplicate: 0.0,
        reorder: 0.0,
        latency: Duration::from_millis(10),
    };
}

struct Pair {
    client: Endpoint,
    server: Endpoint,
    now: Instant,
    rng: TestRng,
    net: Net,
    /// (deliver at, to client?, datagram)
    in_flight: Vec<(Instant, bool, Vec<u8>)>,
    client_events: Vec<Event>,
    server_events: Vec<Event>,
    client_error: Option<Error>,
    server_error: Option<Error>,
    /// Every datagram sent, for inspection.
    sent: Vec<(bool, Vec<u8>)>,
    mtu_seen: usize,
    /// Deliver the datagrams one side sends in one go (a flight) in reverse order.
    reverse_flights: bool,
}

impl Pair {
    fn new(client: Config, server: Config, net: Net, seed: u64) -> Pair {
        let now = Instant::now();
        Pair {
            client: Endpoint::client(client, now).unwrap(),
            server: Endpoint::server(server),
            now,
            rng: TestRng(seed | 1),
            net,
            in_flight: Vec::new(),
            client_events: Vec::new(),
            server_events: Vec::new(),
            client_error: None,
            server_error: None,
            sent: Vec::new(),
            mtu_seen: 0,
            reverse_flights: false,
        }
    }

    fn drain(&mut self) {
        let start = self.in_flight.len();
        while let Some(d) = self.client.poll_transmit() {
            self.send(true, &d);
        }
        let middle = self.in_flight.len();
        while let Some(d) = self.server.poll_transmit() {
            self.send(false, &d);
        }
        if self.reverse_flights {
            // Same delivery times, so the order in `in_flight` is the delivery order.
            let end = self.in_flight.len();
            self.in_flight[start..middle].reverse();
            self.in_flight[middle..end].reverse();
        }
        while let Some(e) = self.client.poll_event() {
            self.client_events.push(e);
        }
        while let Some(e) = self.server.poll_event() {
            self.server_events.push(e);
        }
    }

    fn send(&mut self, from_client: bool, datagram: &[u8]) {
        self.mtu_seen = self.mtu_seen.max(datagram.len());
        self.sent.push((from_client, datagram.to_vec()));
        let copies = if self.rng.chance(self.net.duplicate) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            if self.rng.chance(self.net.loss) {
                continue;
            }
            let mut delay = self.net.latency;
            if self.rng.chance(self.net.reorder) {
                delay += Duration::from_millis(1 + self.rng.next() % 40);
            }
            self.in_flight
                .push((self.now + delay, !from_client, datagram.to_vec()));
        }
    }

    /// Advance the virtual clock to the next delivery or timer and process it. Returns false
    /// when nothing is left to do.
    fn step(&mut self) -> bool {
        self.drain();
        let next_delivery = self.in_flight.iter().map(|(t, ..)| *t).min();
        let timers = [self.client.poll_timeout(), self.server.poll_timeout()];
        let next_timer = timers.iter().flatten().min().copied();
        let Some(next) = [next_delivery, next_timer].into_iter().flatten().min() else {
            return false;
        };
        self.now = self.now.max(next);
        if let Some(i) = self.in_flight.iter().position(|(t, ..)| *t <= self.now) {
            let (_, to_client, datagram) = self.in_flight.remove(i);
            let (endpoint, error) = if to_client {
                (&mut self.client, &mut self.client_error)
            } else {
                (&mut self.server, &mut self.server_error)
            };
            if error.is_none()
                && let Err(e) = endpoint.handle_packet(self.now, &datagram)
            {
                *error = Some(e);
            }
        } else {
            for (endpoint, error) in [
                (&mut self.client, &mut self.client_error),
                (&mut self.server, &mut self.server_error),
            ] {
                if error.is_none()
                    && endpoint.poll_timeout().is_some_and(|t| t <= self.now)
                    && let Err(e) = endpoint.handle_timeout(self.now)
                {
                    *error = Some(e);
                }
            }
        }
        self.drain();
        true
    }

    fn run_until_connected(&mut self, max_steps: usize) -> bool {
        for _ in 0..max_steps {
            if self.client.is_connected() && self.server.is_connected() {
                return true;
            }
            if (self.client_error.is_some() || self.server_error.is_some())
                && self.in_flight.is_empty()
            {
                return false;
            }
            if !self.step() {
                return self.client.is_connected() && self.server.is_connected();
            }
        }
        false
    }

    fn run_quiet(&mut self) {
        for _ in 0..10_000 {
            if !self.step() {
                return;
            }
        }
    }
}

fn connected(events: &[Event]) -> Option<&Connected> {
    events.iter().find_map(|e| match e {
        Event::Connected(c) => Some(c),
        _ => None,
    })
}

#[test]
fn handshake_with_cookie_exports_identical_keys_and_carries_data() {
    let (client, server) = configs();
    let mut pair = Pair::new(client, server, Net::PERFECT, 1);
    assert!(
        pair.run_until_connected(1000),
        "client {:?} server {:?}",
        pair.client_error,
        pair.server_error
    );
    let c = connected(&pair.client_events).unwrap().clone();
    let s = connected(&pair.server_events).unwrap().clone();
    assert_eq!(
        c.srtp_profile,
        Some(SrtpProtectionProfile::SRTP_AEAD_AES_128_GCM)
    );
    assert_eq!(c.srtp_profile, s.srtp_profile);
    assert_eq!(
        c.cipher_suite,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    );
    assert_eq!(c.peer_certificate, certificates().1.der());
    assert_eq!(s.peer_certificate, certificates().0.der());
    let a = pair
        .client
        .export_keying_material("EXTRACTOR-dtls_srtp", 60)
        .unwrap();
    let b = pair
        .server
        .export_keying_material("EXTRACTOR-dtls_srtp", 60)
        .unwrap();
    assert_eq!(a, b);
    assert_ne!(a, vec![0; 60]);
    // Both ends write the same SSLKEYLOGFILE line: 32-byte random, 48-byte master secret.
    let line = pair.client.key_log_line().unwrap();
    assert_eq!(Some(&line), pair.server.key_log_line().as_ref());
    let fields: Vec<&str> = line.split(' ').collect();
    assert_eq!(fields[0], "CLIENT_RANDOM");
    assert_eq!((fields[1].len(), fields[2].len()), (64, 96));

    pair.client.send(b"ping").unwrap();
    pair.server.send(&[7u8; 1000]).unwrap();
    pair.run_quiet();
    assert!(
        pair.server_events
            .contains(&Event::ApplicationData(b"ping".to_vec()))
    );
    assert!(
        pair.client_events
            .contains(&Event::ApplicationData(vec![7u8; 1000]))
    );
    // The cookie exchange happened: the first ClientHello was answered by a
    // HelloVerifyRequest.
    assert!(pair.sent.len() >= 6);
    assert!(pair.mtu_seen <= 1200);
}

#[test]
fn every_ecdsa_suite_and_group_and_no_cookie() {
    for suite in [
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ] {
        for group in [NamedGroup::X25519, NamedGroup::SECP256R1] {
            let (mut client, mut server) = configs();
            client.cipher_suites = vec![suite];
            client.groups = vec![group];
            server.hello_verify = false;
            let mut pair = Pair::new(client, server, Net::PERFECT, 2);
            assert!(
                pair.run_until_connected(1000),
                "{suite:?} {group:?}: {:?} {:?}",
                pair.client_error,
                pair.server_error
            );
            assert_eq!(connected(&pair.server_events).unwrap().cipher_suite, suite);
            assert_eq!(
                pair.client
                    .export_keying_material("EXTRACTOR-dtls_srtp", 56)
                    .unwrap(),
                pair.server
                    .export_keying_material("EXTRACTOR-dtls_srtp", 56)
                    .unwrap()
            );
        }
    }
}

#[test]
fn small_mtu_fragments_handshake_messages() {
    let (mut client, mut server) = configs();
    client.mtu = 150;
    server.mtu = 150;
    let mut pair = Pair::new(client, server, Net::PERFECT, 3);
    assert!(
        pair.run_until_connected(2000),
        "{:?} {:?}",
        pair.client_error,
        pair.server_error
    );
    assert!(pair.mtu_seen <= 150, "sent a datagram of {}", pair.mtu_seen);
}

#[test]
fn lossy_reordering_duplicating_network_still_connects() {
    let mut retransmissions = 0;
    for (loss, seeds) in [(0.1, 0..20u64), (0.3, 100..120u64)] {
        for seed in seeds {
            let (mut client, mut server) = configs();
            for c in [&mut client, &mut server] {
                c.initial_retransmit = Duration::from_millis(100);
                c.max_retransmits = 20;
            }
            let net = Net {
                loss,
                duplicate: 0.1,
                reorder: 0.2,
                latency: Duration::from_millis(5),
            };
            let mut pair = Pair::new(client, server, net, seed);
            assert!(
                pair.run_until_connected(20_000),
                "loss {loss} seed {seed}: client {:?} ({:?}) server {:?} ({:?})",
                pair.client_error,
                pair.client.state,
                pair.server_error,
                pair.server.state
            );
            // The client may finish before the server's last flight is confirmed; let the
            // retransmissions settle, then both must agree on the keys.
            assert_eq!(
                pair.client
                    .export_keying_material("EXTRACTOR-dtls_srtp", 60)
                    .unwrap(),
                pair.server
                    .export_keying_material("EXTRACTOR-dtls_srtp", 60)
                    .unwrap(),
                "seed {seed}"
            );
            retransmissions += pair.client.stats().retransmitted_flights
                + pair.server.stats().retransmitted_flights;
        }
    }
    assert!(
        retransmissions > 20,
        "the lossy runs must exercise retransmission ({retransmissions})"
    );
}

#[test]
fn wrong_fingerprint_fails_on_both_sides() {
    let (mut client, server) = configs();
    let rng = SystemRandom::new();
    let stranger = LocalCertificate::generate("stranger", &rng).unwrap();
    client.remote_fingerprints = vec![stranger.fingerprint(FingerprintAlgorithm::Sha256)];
    let mut pair = Pair::new(client, server, Net::PERFECT, 4);
    assert!(!pair.run_until_connected(1000));
    assert_eq!(pair.client_error, Some(Error::FingerprintMismatch));
    // The server hears about it through a fatal bad_certificate alert.
    assert_eq!(
        pair.server_error,
        Some(Error::PeerAlert(AlertDescription::BAD_CERTIFICATE))
    );

    let (client, mut server) = configs();
    server.remote_fingerprints = vec![stranger.fingerprint(FingerprintAlgorithm::Sha256)];
    let mut pair = Pair::new(client, server, Net::PERFECT, 5);
    assert!(!pair.run_until_connected(1000));
    assert_eq!(pair.server_error, Some(Error::FingerprintMismatch));
}

#[test]
fn no_common_srtp_profile_or_suite_fails_cleanly() {
    let (mut client, mut server) = configs();
    client.srtp_profiles = vec![SrtpProtectionProfile::SRTP_AES128_CM_HMAC_SHA1_32];
    server.srtp_profiles = vec![SrtpProtectionProfile::SRTP_AEAD_AES_128_GCM];
    let mut pair = Pair::new(client, server, Net::PERFECT, 6);
    assert!(!pair.run_until_connected(1000));
    assert_eq!(pair.server_error, Some(Error::NoCommonSrtpProfile));
    assert_eq!(
        pair.client_error,
        Some(Error::PeerAlert(AlertDescription::HANDSHAKE_FAILURE))
    );

    let (mut client, server) = configs();
    client.cipher_suites = vec![CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256];
    let mut pair = Pair::new(client, server, Net::PERFECT, 7);
    assert!(!pair.run_until_connected(1000));
    assert_eq!(pair.server_error, Some(Error::NoCommonCipherSuite));
}

#[test]
fn bad_record_is_dropped_and_connection_survives() {
    let (client, server) = configs();
    let mut pair = Pair::new(client, server, Net::PERFECT, 8);
    assert!(pair.run_until_connected(1000));
    pair.client.send(b"first").unwrap();
    let mut datagram = pair.client.poll_transmit().unwrap();
    let last = datagram.len() - 1;
    datagram[last] ^= 0x80;
    pair.server.handle_packet(pair.now, &datagram).unwrap();
    assert_eq!(pair.server.stats().undecryptable_records, 1);
    assert!(pair.server.poll_event().is_none());
    // Garbage is dropped too.
    pair.server
        .handle_packet(pair.now, b"\x17\xfe\xfd\x00\x01garbage")
        .unwrap();
    pair.server.handle_packet(pair.now, &[]).unwrap();
    pair.client.send(b"second").unwrap();
    let datagram = pair.client.poll_transmit().unwrap();
    pair.server.handle_packet(pair.now, &datagram).unwrap();
    assert_eq!(
        pair.server.poll_event(),
        Some(Event::ApplicationData(b"second".to_vec()))
    );
    // A replay of the same record is refused.
    pair.server.handle_packet(pair.now, &datagram).unwrap();
    assert_eq!(
        pair.server.stats().replayed_records + pair.server.stats().undecryptable_records,
        2
    );
    assert!(pair.server.poll_event().is_none());
}

#[test]
fn close_notify_reaches_the_peer() {
    let (client, server) = configs();
    let mut pair = Pair::new(client, server, Net::PERFECT, 9);
    assert!(pair.run_until_connected(1000));
    pair.client.close();
    pair.run_quiet();
    assert!(pair.server_events.contains(&Event::CloseNotify));
    assert_eq!(pair.client.send(b"x"), Err(Error::NotConnected));
}

#[test]
fn silent_peer_times_out_after_bounded_retransmissions() {
    let (mut client, _) = configs();
    client.initial_retransmit = Duration::from_millis(100);
    client.max_retransmits = 3;
    let t0 = Instant::now();
    let mut c = Endpoint::client(client, t0).unwrap();
    let mut sends = 0;
    let mut now;
    loop {
        while c.poll_transmit().is_some() {
            sends += 1;
        }
        let Some(t) = c.poll_timeout() else {
            panic!("timer disarmed without an outcome")
        };
        now = t;
        if let Err(e) = c.handle_timeout(now) {
            assert_eq!(e, Error::Timeout);
            break;
        }
    }
    assert_eq!(sends, 4);
    assert_eq!(now - t0, Duration::from_millis(100 + 200 + 400 + 800));
}

/// Chromium 156's post-quantum, DTLS-1.3-first ClientHello (two fragments in two datagrams)
/// gets a DTLS 1.2 answer: a HelloVerifyRequest with cookies on, the server flight without.
#[test]
fn answers_chromiums_fragmented_dtls13_first_client_hello_with_dtls12() {
    const HELLO_1: &[u8] = include_bytes!("../../../tests/data/chromium156-client-hello-1.bin");
    const HELLO_2: &[u8] = include_bytes!("../../../tests/data/chromium156-client-hello-2.bin");
    let (_, server_config) = configs();
    for (hello_verify, order) in [(true, [HELLO_1, HELLO_2]), (false, [HELLO_2, HELLO_1])] {
        let mut config = server_config.clone();
        config.hello_verify = hello_verify;
        let mut server = Endpoint::server(config);
        let now = Instant::now();
        server.handle_packet(now, order[0]).unwrap();
        assert!(
            server.poll_transmit().is_none(),
            "half a ClientHello gets no answer"
        );
        server.handle_packet(now, order[1]).unwrap();
        let mut answer = Vec::new();
        while let Some(d) = server.poll_transmit() {
            answer.push(d);
        }
        let first = Records::new(&answer[0]).next().unwrap().unwrap();
        let fragment = HandshakeFragments::new(first.fragment)
            .next()
            .unwrap()
            .unwrap();
        if hello_verify {
            assert_eq!(fragment.msg_type, HandshakeType::HELLO_VERIFY_REQUEST);
            assert_eq!(answer.len(), 1);
        } else {
            assert_eq!(fragment.msg_type, HandshakeType::SERVER_HELLO);
            let hello = crate::handshake::ServerHello::parse(fragment.fragment).unwrap();
            assert_eq!(hello.server_version, ProtocolVersion::DTLS_1_2);
            assert_eq!(
                hello.cipher_suite,
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
            );
            assert!(answer.iter().all(|d| d.len() <= 1200));
            assert!(
                server.poll_timeout().is_some(),
                "flight 4 is retransmitted until answered"
            );
        }
    }
}

#[test]
fn tampered_finished_fails_with_bad_finished_both_ways() {
    // The client's Finished is wrong: the server refuses it.
    let (client, server) = configs();
    let mut pair = Pair::new(client, server, Net::PERFECT, 10);
    pair.client.corrupt_finished = true;
    assert!(!pair.run_until_connected(1000));
    assert_eq!(pair.server_error, Some(Error::BadFinished));
    assert_eq!(
        pair.client_error,
        Some(Error::PeerAlert(AlertDescription::DECRYPT_ERROR))
    );

    // The server's Finished is wrong: the client refuses it.
    let (client, server) = configs();
    let mut pair = Pair::new(client, server, Net::PERFECT, 11);
    pair.server.corrupt_finished = true;
    assert!(!pair.run_until_connected(1000));
    assert_eq!(pair.client_error, Some(Error::BadFinished));
}

#[test]
fn lost_last_flight_is_sent_again_when_the_client_repeats_its_flight() {
    let (mut client, server) = configs();
    client.initial_retransmit = Duration::from_millis(200);
    let mut pair = Pair::new(client, server, Net::PERFECT, 12);
    // Run until the server has connected (it just sent flight 6), then drop flight 6.
    for _ in 0..1000 {
        if pair.server.is_connected() {
            break;
        }
        pair.step();
    }
    assert!(pair.server.is_connected() && !pair.client.is_connected());
    pair.in_flight.retain(|(_, to_client, _)| !to_client);
    assert!(
        pair.run_until_connected(1000),
        "{:?} {:?}",
        pair.client_error,
        pair.server_error
    );
    assert!(
        pair.client.stats().retransmitted_flights >= 1,
        "the client repeated flight 5"
    );
    assert!(
        pair.server.stats().retransmitted_flights >= 1,
        "the server answered with flight 6 again"
    );
}

mod late_fingerprint;
mod reordering;

/// `handle_packet_with` hands each record's application data to the callback, borrowed,
/// and queues no event for it; other records (the handshake) still produce events.
#[test]
fn application_data_goes_to_the_callback() {
    let (client, server) = configs();
    let mut pair = Pair::new(client, server, Net::PERFECT, 5);
    assert!(pair.run_until_connected(1000));
    pair.run_quiet();
    pair.client_events.clear();
    let sent: Vec<Vec<u8>> = (0..5u8)
        .map(|i| vec![i; 100 + 300 * usize::from(i)])
        .collect();
    let mut datagrams = Vec::new();
    for m in &sent {
        pair.client.send(m).unwrap();
        datagrams.extend(std::iter::from_fn(|| pair.client.poll_transmit()));
    }
    // Two records in one datagram as well.
    pair.client.send(b"a").unwrap();
    pair.client.send(b"b").unwrap();
    let (x, y) = (
        pair.client.poll_transmit().unwrap(),
        pair.client.poll_transmit().unwrap(),
    );
    datagrams.push([x, y].concat());
    let now = pair.now;
    let mut got = Vec::new();
    for d in &datagrams {
        pair.server
            .handle_packet_with(now, d, |plain| got.push(plain.to_vec()))
            .unwrap();
    }
    let mut want = sent;
    want.extend([b"a".to_vec(), b"b".to_vec()]);
    assert_eq!(got, want);
    assert!(pair.server.poll_event().is_none());
}

#[test]
fn send_into_appends_records_to_a_reused_buffer() {
    let (client, server) = configs();
    let mut pair = Pair::new(client, server, Net::PERFECT, 6);
    // Not connected yet: refused, and the buffer is left as it was.
    let mut out = b"kept".to_vec();
    assert!(matches!(
        pair.client.send_into(b"early", &mut out),
        Err(Error::NotConnected)
    ));
    assert_eq!(out, b"kept");
    assert!(pair.run_until_connected(1000));
    pair.run_quiet();
    assert!(matches!(
        pair.client
            .send_into(&vec![0; MAX_PLAINTEXT_LEN + 1], &mut out),
        Err(Error::TooLong(_))
    ));
    assert_eq!(out, b"kept");
    // One buffer for every datagram; a 16 KiB record between small ones (the receiver's
    // decryption buffer grows for it and is given up after it).
    let sizes = [1usize, 1200, 16 * 1024, 300, 1200];
    let now = pair.now;
    let mut got = Vec::new();
    for (i, &n) in sizes.iter().enumerate() {
        out.clear();
        let m = vec![i as u8; n];
        pair.client.send_into(&m, &mut out).unwrap();
        assert!(pair.client.poll_transmit().is_none(), "nothing queued");
        pair.server
            .handle_packet_with(now, &out, |plain| got.push(plain.to_vec()))
            .unwrap();
    }
    // Two records appended to one datagram.
    out.clear();
    pair.client.send_into(b"a", &mut out).unwrap();
    pair.client.send_into(b"bc", &mut out).unwrap();
    pair.server
        .handle_packet_with(now, &out, |plain| got.push(plain.to_vec()))
        .unwrap();
    let mut want: Vec<Vec<u8>> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| vec![i as u8; n])
        .collect();
    want.extend([b"a".to_vec(), b"bc".to_vec()]);
    assert_eq!(got, want);
    assert_eq!(pair.server.stats().malformed_records, 0);
}
