//! DTLS-SRTP end to end (RFC 5764): a DTLS handshake in memory negotiates each SRTP profile,
//! both sides export keying material, split it into SRTP master keys, and protect media the
//! other side can unprotect.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Instant;

use strata::dtls::codes::SrtpProtectionProfile;
use strata::dtls::crypto::cert::{Certificate, FingerprintAlgorithm};
use strata::dtls::endpoint::{Config, Endpoint, Event};
use strata::srtp::{Context, KeyingMaterial, ProtectionProfile, Role};

fn handshake(profile: SrtpProtectionProfile) -> (Endpoint, Endpoint, SrtpProtectionProfile) {
    let rng = ring::rand::SystemRandom::new();
    let a = Arc::new(Certificate::generate("client", &rng).unwrap());
    let b = Arc::new(Certificate::generate("server", &rng).unwrap());
    let mut client_config =
        Config::new(a.clone(), vec![b.fingerprint(FingerprintAlgorithm::Sha256)]);
    client_config.srtp_profiles = vec![profile];
    let server_config = Config::new(b, vec![a.fingerprint(FingerprintAlgorithm::Sha256)]);
    let now = Instant::now();
    let mut client = Endpoint::client(client_config, now).unwrap();
    let mut server = Endpoint::server(server_config);
    for _ in 0..20 {
        while let Some(d) = client.poll_transmit() {
            server.handle_packet(now, &d).unwrap();
        }
        while let Some(d) = server.poll_transmit() {
            client.handle_packet(now, &d).unwrap();
        }
    }
    let negotiated = match client.poll_event() {
        Some(Event::Connected(c)) => c.srtp_profile.unwrap(),
        other => panic!("client not connected: {other:?}"),
    };
    assert!(server.is_connected());
    (client, server, negotiated)
}

#[test]
fn every_profile_keys_srtp_from_the_dtls_exporter() {
    for profile in [
        SrtpProtectionProfile::SRTP_AES128_CM_HMAC_SHA1_80,
        SrtpProtectionProfile::SRTP_AES128_CM_HMAC_SHA1_32,
        SrtpProtectionProfile::SRTP_AEAD_AES_128_GCM,
        SrtpProtectionProfile::SRTP_AEAD_AES_256_GCM,
    ] {
        let (client, server, negotiated) = handshake(profile);
        assert_eq!(negotiated, profile);
        let srtp_profile = ProtectionProfile::from_id(negotiated.0).unwrap();
        let len = srtp_profile.keying_material_len();
        let client_keys = KeyingMaterial::from_dtls_export(
            srtp_profile,
            Role::Client,
            &client
                .export_keying_material("EXTRACTOR-dtls_srtp", len)
                .unwrap(),
        )
        .unwrap();
        let server_keys = KeyingMaterial::from_dtls_export(
            srtp_profile,
            Role::Server,
            &server
                .export_keying_material("EXTRACTOR-dtls_srtp", len)
                .unwrap(),
        )
        .unwrap();

        // Client -> server and server -> client media, each with the right key.
        for (sender_keys, receiver_keys) in
            [(&client_keys, &server_keys), (&server_keys, &client_keys)]
        {
            let mut tx = Context::new(&sender_keys.local, Default::default()).unwrap();
            let mut rx = Context::new(&receiver_keys.remote, Default::default()).unwrap();
            let mut packet = vec![0x80, 96, 0x12, 0x34, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef];
            packet.extend_from_slice(b"a media payload");
            let plain = packet.clone();
            tx.protect_rtp(&mut packet).unwrap();
            assert_ne!(
                packet[12..],
                plain[12..],
                "{profile:?}: payload is encrypted"
            );
            rx.unprotect_rtp(&mut packet).unwrap();
            assert_eq!(packet, plain, "{profile:?}");
            // The wrong direction's key does not authenticate.
            let mut wrong = Context::new(&receiver_keys.local, Default::default()).unwrap();
            let mut again = plain.clone();
            again[3] = 0x35;
            tx.protect_rtp(&mut again).unwrap();
            assert!(wrong.unprotect_rtp(&mut again).is_err(), "{profile:?}");
        }
    }
}
