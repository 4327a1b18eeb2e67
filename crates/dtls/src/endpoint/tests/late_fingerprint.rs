//! The peer's certificate arrives before its fingerprint (the offerer's position in WebRTC):
//! the handshake completes but the endpoint holds back until the fingerprint is set.

use super::*;

/// Configs where `late_client` / `late_server` has no remote fingerprint yet.
fn late_configs(late_client: bool) -> (Config, Config) {
    let (mut client, mut server) = configs();
    if late_client {
        client.remote_fingerprints.clear();
    } else {
        server.remote_fingerprints.clear();
    }
    (client, server)
}

fn stranger_fingerprint() -> Fingerprint {
    let rng = SystemRandom::new();
    LocalCertificate::generate("stranger", &rng)
        .unwrap()
        .fingerprint(FingerprintAlgorithm::Sha256)
}

/// The late side's endpoint, its events, the other side's endpoint and the expected remote
/// fingerprint for the late side.
fn split(pair: &mut Pair, late_client: bool) -> (&mut Endpoint, &mut Endpoint, Fingerprint) {
    let (c, s) = certificates();
    if late_client {
        (
            &mut pair.client,
            &mut pair.server,
            s.fingerprint(FingerprintAlgorithm::Sha512),
        )
    } else {
        (
            &mut pair.server,
            &mut pair.client,
            c.fingerprint(FingerprintAlgorithm::Sha256),
        )
    }
}

#[test]
fn late_fingerprint_completes_the_handshake_after_verification_in_both_roles() {
    for late_client in [true, false] {
        let (client, server) = late_configs(late_client);
        let mut pair = Pair::new(client, server, Net::PERFECT, 11);
        pair.run_quiet();
        assert!(pair.client_error.is_none() && pair.server_error.is_none());
        let (late_events, early_events) = if late_client {
            (&pair.client_events, &pair.server_events)
        } else {
            (&pair.server_events, &pair.client_events)
        };
        assert!(connected(early_events).is_some(), "the peer finished");
        assert!(
            connected(late_events).is_none(),
            "no Connected before the check"
        );
        let (late, early, fingerprint) = split(&mut pair, late_client);
        assert!(late.is_peer_unverified());
        assert!(!late.is_connected());
        assert_eq!(late.send(b"too soon"), Err(Error::NotConnected));
        assert_eq!(
            late.export_keying_material("EXTRACTOR-dtls_srtp", 60),
            Err(Error::NotConnected)
        );
        let early_keys = early
            .export_keying_material("EXTRACTOR-dtls_srtp", 60)
            .unwrap();

        // The verified side sends at once; the data waits in the unverified endpoint.
        for i in 0..3u8 {
            early.send(&[i; 100]).unwrap();
        }
        pair.run_quiet();
        let late_events = if late_client {
            &pair.client_events
        } else {
            &pair.server_events
        };
        assert!(
            !late_events
                .iter()
                .any(|e| matches!(e, Event::ApplicationData(_))),
            "no data before verification"
        );

        let (late, _, fingerprint2) = split(&mut pair, late_client);
        assert_eq!(fingerprint, fingerprint2);
        late.set_remote_fingerprints(vec![fingerprint]).unwrap();
        assert!(late.is_connected() && !late.is_peer_unverified());
        assert_eq!(
            late.export_keying_material("EXTRACTOR-dtls_srtp", 60)
                .unwrap(),
            early_keys
        );
        let mut events = Vec::new();
        while let Some(e) = late.poll_event() {
            events.push(e);
        }
        assert!(
            matches!(events.first(), Some(Event::Connected(_))),
            "{events:?}"
        );
        assert_eq!(
            events[1..],
            [
                Event::ApplicationData(vec![0; 100]),
                Event::ApplicationData(vec![1; 100]),
                Event::ApplicationData(vec![2; 100]),
            ]
        );
        // And the connection works both ways afterwards.
        late.send(b"now").unwrap();
        pair.run_quiet();
        let early_events = if late_client {
            &pair.server_events
        } else {
            &pair.client_events
        };
        assert!(early_events.contains(&Event::ApplicationData(b"now".to_vec())));
    }
}

#[test]
fn wrong_late_fingerprint_fails_with_bad_certificate_in_both_roles() {
    for late_client in [true, false] {
        let (client, server) = late_configs(late_client);
        let mut pair = Pair::new(client, server, Net::PERFECT, 12);
        pair.run_quiet();
        let now = pair.now;
        let (late, early, _) = split(&mut pair, late_client);
        assert!(late.is_peer_unverified());
        assert_eq!(
            late.set_remote_fingerprints(vec![stranger_fingerprint()]),
            Err(Error::FingerprintMismatch)
        );
        assert!(!late.is_connected() && !late.is_peer_unverified());
        assert!(late.poll_event().is_none());
        let alert = late.poll_transmit().expect("a bad_certificate alert");
        assert_eq!(
            early.handle_packet(now, &alert),
            Err(Error::PeerAlert(AlertDescription::BAD_CERTIFICATE))
        );
        let (late, ..) = split(&mut pair, late_client);
        assert_eq!(late.send(b"x"), Err(Error::NotConnected));
        assert_eq!(
            late.set_remote_fingerprints(vec![stranger_fingerprint()]),
            Err(Error::Closed)
        );
    }
}

#[test]
fn fingerprint_set_mid_handshake_is_checked_at_once() {
    // The client learns the fingerprint after the server's certificate arrived but before the
    // server's Finished: a match lets the handshake finish normally, a mismatch fails at once.
    for right in [true, false] {
        let (client, server) = late_configs(true);
        let mut pair = Pair::new(client, server, Net::PERFECT, 13);
        let mut set = None;
        for _ in 0..1000 {
            if set.is_none() && pair.client.hs.peer_unverified && !pair.client.is_peer_unverified()
            {
                let fp = if right {
                    certificates().1.fingerprint(FingerprintAlgorithm::Sha256)
                } else {
                    stranger_fingerprint()
                };
                set = Some(pair.client.set_remote_fingerprints(vec![fp]));
                if !right {
                    pair.client_error = Some(Error::FingerprintMismatch);
                }
            }
            if !pair.step() {
                break;
            }
        }
        if right {
            assert_eq!(
                set,
                Some(Ok(())),
                "the certificate arrived before the Finished"
            );
            assert!(pair.client.is_connected() && pair.server.is_connected());
            assert!(connected(&pair.client_events).is_some());
        } else {
            assert_eq!(set, Some(Err(Error::FingerprintMismatch)));
            assert!(!pair.client.is_connected());
            assert_eq!(
                pair.server_error,
                Some(Error::PeerAlert(AlertDescription::BAD_CERTIFICATE))
            );
        }
    }
}

#[test]
fn data_sent_before_verification_is_bounded_and_counted() {
    let (client, server) = late_configs(true);
    let mut pair = Pair::new(client, server, Net::PERFECT, 14);
    pair.run_quiet();
    for i in 0..MAX_EARLY_RECORDS + 6 {
        pair.server.send(&(i as u32).to_be_bytes()).unwrap();
    }
    pair.run_quiet();
    assert_eq!(pair.client.stats().dropped_early_data, 6);
    let fp = certificates().1.fingerprint(FingerprintAlgorithm::Sha256);
    pair.client.set_remote_fingerprints(vec![fp]).unwrap();
    pair.drain();
    let data: Vec<u32> = pair
        .client_events
        .iter()
        .filter_map(|e| match e {
            Event::ApplicationData(d) => Some(u32::from_be_bytes(d[..4].try_into().unwrap())),
            _ => None,
        })
        .collect();
    assert_eq!(data, (0..MAX_EARLY_RECORDS as u32).collect::<Vec<_>>());

    // The byte bound holds too: 16 KiB records stop at 256 KiB.
    let (client, server) = late_configs(true);
    let mut pair = Pair::new(client, server, Net::PERFECT, 15);
    pair.run_quiet();
    for _ in 0..20 {
        pair.server.send(&[9u8; 16 * 1024]).unwrap();
    }
    pair.run_quiet();
    assert_eq!(pair.client.stats().dropped_early_data, 4);
    assert_eq!(pair.client.early_data_bytes, MAX_EARLY_BYTES);
}
