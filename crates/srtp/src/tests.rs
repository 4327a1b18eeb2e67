//! RFC 7714 vectors and context behaviour: ROC across the wrap, replay, tampering, limits.

use ring::aead;

use crate::transform::{Gcm, Transform};
use crate::{Config, Context, Error, MasterKey, ProtectionProfile};

pub(crate) fn hex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    s.chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

const RFC7714_RTP: &str = "8040f17b8041f8d35501a0b2 \
    47616c6c696120657374206f6d6e697320646976697361 20696e207061727465732074726573";
const RFC7714_RTCP: &str = "81c8000d4d6172734e5450314e545032525450200000042a0000e930 \
    4c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
const RFC7714_SALT: &str = "517569642070726f2071756f";
const RFC7714_KEY_128: &str = "000102030405060708090a0b0c0d0e0f";
const RFC7714_KEY_256: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/// A context keyed with the session key and salt of RFC 7714 §16/§17 (no KDF).
fn rfc7714_context(profile: ProtectionProfile) -> Context {
    let (alg, key) = match profile {
        ProtectionProfile::AeadAes256Gcm => (&aead::AES_256_GCM, hex(RFC7714_KEY_256)),
        _ => (&aead::AES_128_GCM, hex(RFC7714_KEY_128)),
    };
    let salt: [u8; 12] = hex(RFC7714_SALT).try_into().unwrap();
    Context::from_transforms(
        profile,
        Transform::Gcm(Gcm::new(alg, &key, salt)),
        Transform::Gcm(Gcm::new(alg, &key, salt)),
    )
}

fn rfc7714_cases() -> [(ProtectionProfile, &'static str, &'static str); 2] {
    [
        (
            ProtectionProfile::AeadAes128Gcm,
            "8040f17b8041f8d35501a0b2 f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833 899d7f27beb16a9152cf765ee4390cce",
            "81c8000d4d617273 63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf872 45d9eade 800005d4",
        ),
        (
            ProtectionProfile::AeadAes256Gcm,
            "8040f17b8041f8d35501a0b2 32b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f1ba63799b87b 7aa3db36dfffd6b0f9bb7878d7a76c13",
            "81c8000d4d617273 d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1110555be8415f658c61de0476f1b6fad1d1eb30c4446839f57ff6f6c b26ac3be 800005d4",
        ),
    ]
}

/// RFC 7714 §16.1 (AES-128) and §16.2 (AES-256): SRTP encryption and decryption.
#[test]
fn rfc7714_srtp_vectors() {
    for (profile, srtp, _) in rfc7714_cases() {
        let mut ctx = rfc7714_context(profile);
        let mut packet = hex(RFC7714_RTP);
        ctx.protect_rtp(&mut packet).unwrap();
        assert_eq!(packet, hex(srtp), "{profile}");
        let mut rx = rfc7714_context(profile);
        rx.unprotect_rtp(&mut packet).unwrap();
        assert_eq!(packet, hex(RFC7714_RTP), "{profile}");
    }
}

/// RFC 7714 §17.1 (AES-128) and §17.2 (AES-256): SRTCP with SRTCP index 0x5d4.
#[test]
fn rfc7714_srtcp_vectors() {
    for (profile, _, srtcp) in rfc7714_cases() {
        let mut ctx = rfc7714_context(profile);
        ctx.add_stream(0x4d61_7273, 0).unwrap();
        ctx.streams[0].rtcp_next_index = 0x5d4;
        let mut packet = hex(RFC7714_RTCP);
        ctx.protect_rtcp(&mut packet).unwrap();
        assert_eq!(packet, hex(srtcp), "{profile}");
        assert_eq!(ctx.next_srtcp_index(0x4d61_7273), Some(0x5d5));
        let mut rx = rfc7714_context(profile);
        rx.unprotect_rtcp(&mut packet).unwrap();
        assert_eq!(packet, hex(RFC7714_RTCP), "{profile}");
    }
}

/// An SRTCP packet with E = 0 is authenticated and passed through unencrypted.
#[test]
fn srtcp_unencrypted_accepted() {
    let rtcp = hex(RFC7714_RTCP);
    let word = 0x0000_0007u32.to_be_bytes();
    for profile in ProtectionProfile::ALL {
        let master = key(profile, 3);
        let mut rx = Context::new(&master, Config::default()).unwrap();
        let tx = Context::new(&master, Config::default()).unwrap();
        let mut packet = rtcp.clone();
        match &tx.srtcp {
            Transform::AesCm(cm) => {
                packet.extend_from_slice(&word);
                let tag = cm.tag(&packet, &[]);
                packet.extend_from_slice(&tag[..10]);
            }
            Transform::Gcm(gcm) => {
                let mut aad = rtcp.clone();
                aad.extend_from_slice(&word);
                let tag = gcm.seal(gcm.rtcp_nonce(0x4d61_7273, 7), &aad, &mut []);
                packet.extend_from_slice(&tag);
                packet.extend_from_slice(&word);
            }
        }
        let mut forged = packet.clone();
        forged[10] ^= 1;
        assert_eq!(
            rx.unprotect_rtcp(&mut forged),
            Err(Error::AuthenticationFailed)
        );
        rx.unprotect_rtcp(&mut packet).unwrap();
        assert_eq!(packet, rtcp, "{profile}");
    }
}

pub(crate) fn key(profile: ProtectionProfile, seed: u8) -> MasterKey {
    let key: Vec<u8> = (0..profile.master_key_len() as u8)
        .map(|i| i ^ seed)
        .collect();
    let salt: Vec<u8> = (0..profile.master_salt_len() as u8)
        .map(|i| i.wrapping_mul(7) ^ seed)
        .collect();
    MasterKey::new(profile, &key, &salt).unwrap()
}

fn pair(profile: ProtectionProfile) -> (Context, Context) {
    let k = key(profile, 0x5a);
    (
        Context::new(&k, Config::default()).unwrap(),
        Context::new(&k, Config::default()).unwrap(),
    )
}

fn rtp(seq: u16, ssrc: u32, payload_len: usize) -> Vec<u8> {
    let mut p = vec![0x80, 0x60];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&0x1234_5678u32.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend((0..payload_len).map(|i| i as u8));
    p
}

fn rtcp(ssrc: u32) -> Vec<u8> {
    // A receiver report with no report blocks, then an SDES-like tail.
    let mut p = vec![0x80, 201, 0, 1];
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&[0x81, 202, 0, 2, 1, 2, 3, 4, 1, 2, b'h', b'i']);
    p
}

#[test]
fn round_trip_every_profile() {
    for profile in ProtectionProfile::ALL {
        let (mut tx, mut rx) = pair(profile);
        for (seq, len) in [(1u16, 0usize), (2, 1), (3, 160), (4, 1200)] {
            let plain = rtp(seq, 0xcafe_babe, len);
            let mut p = plain.clone();
            tx.protect_rtp(&mut p).unwrap();
            assert_eq!(p.len(), plain.len() + profile.rtp_trailer_len());
            assert_eq!(p[..12], plain[..12], "header stays in the clear");
            if len > 0 {
                assert_ne!(p[12..plain.len()], plain[12..], "payload encrypted");
            }
            rx.unprotect_rtp(&mut p).unwrap();
            assert_eq!(p, plain, "{profile} len {len}");
        }
        for _ in 0..3 {
            let plain = rtcp(0xcafe_babe);
            let mut p = plain.clone();
            tx.protect_rtcp(&mut p).unwrap();
            assert_eq!(p.len(), plain.len() + profile.rtcp_trailer_len());
            rx.unprotect_rtcp(&mut p).unwrap();
            assert_eq!(p, plain, "{profile}");
        }
        assert_eq!(tx.next_srtcp_index(0xcafe_babe), Some(3));
    }
}

#[test]
fn wrong_key_fails() {
    for profile in ProtectionProfile::ALL {
        let mut tx = Context::new(&key(profile, 1), Config::default()).unwrap();
        let mut rx = Context::new(&key(profile, 2), Config::default()).unwrap();
        let mut p = rtp(9, 1, 50);
        tx.protect_rtp(&mut p).unwrap();
        assert_eq!(rx.unprotect_rtp(&mut p), Err(Error::AuthenticationFailed));
        let mut p = rtcp(1);
        tx.protect_rtcp(&mut p).unwrap();
        assert_eq!(rx.unprotect_rtcp(&mut p), Err(Error::AuthenticationFailed));
        assert_eq!(rx.stream_count(), 0, "no state for unauthenticated packets");
    }
}

fn protect_seqs(tx: &mut Context, seqs: &[u16]) -> Vec<Vec<u8>> {
    seqs.iter()
        .map(|&s| {
            let mut p = rtp(s, 7, 20);
            tx.protect_rtp(&mut p).unwrap();
            p
        })
        .collect()
}

#[test]
fn roc_across_sequence_wrap() {
    for profile in ProtectionProfile::ALL {
        let (mut tx, mut rx) = pair(profile);
        let sent = protect_seqs(&mut tx, &[65534, 65535, 0, 1]);
        assert_eq!(tx.roc(7), Some(1));
        for (p, seq) in sent.into_iter().zip([65534u16, 65535, 0, 1]) {
            let mut p = p;
            rx.unprotect_rtp(&mut p).unwrap();
            assert_eq!(p, rtp(seq, 7, 20));
        }
        assert_eq!(rx.roc(7), Some(1));
    }
}

#[test]
fn reordering_around_the_wrap() {
    let (mut tx, mut rx) = pair(ProtectionProfile::Aes128CmHmacSha1_80);
    let seqs = [65533u16, 65534, 65535, 0, 1, 2];
    let sent = protect_seqs(&mut tx, &seqs);
    // Arrival order: 65534, 0, 65535, 2, 65533, 1.
    for (i, roc_after) in [(1usize, 0u32), (3, 1), (2, 1), (5, 1), (0, 1), (4, 1)] {
        let mut p = sent[i].clone();
        rx.unprotect_rtp(&mut p).unwrap();
        assert_eq!(p, rtp(seqs[i], 7, 20));
        assert_eq!(rx.roc(7), Some(roc_after));
    }
    assert_eq!(rx.roc(7), Some(1));
    // Every one of them is now a replay.
    for p in &sent {
        let mut p = p.clone();
        assert!(matches!(
            rx.unprotect_rtp(&mut p),
            Err(Error::Replayed { .. })
        ));
    }
}

#[test]
fn replay_and_too_old_rejected() {
    for profile in ProtectionProfile::ALL {
        let (mut tx, mut rx) = pair(profile);
        let seqs: Vec<u16> = (100..=200).collect();
        let sent = protect_seqs(&mut tx, &seqs);
        let mut first = sent[0].clone();
        rx.unprotect_rtp(&mut first).unwrap();
        let mut again = sent[0].clone();
        assert_eq!(
            rx.unprotect_rtp(&mut again),
            Err(Error::Replayed { index: 100 })
        );
        assert_eq!(again, sent[0], "refused packet left as is");
        let mut last = sent[100].clone();
        rx.unprotect_rtp(&mut last).unwrap();
        // Highest is 200: 137 is inside the 64-packet window, 136 is not.
        let mut inside = sent[37].clone();
        rx.unprotect_rtp(&mut inside).unwrap();
        let mut old = sent[36].clone();
        assert_eq!(
            rx.unprotect_rtp(&mut old),
            Err(Error::TooOld { index: 136 })
        );

        // SRTCP.
        let mut c0 = rtcp(7);
        tx.protect_rtcp(&mut c0).unwrap();
        let copy = c0.clone();
        rx.unprotect_rtcp(&mut c0).unwrap();
        let mut c0 = copy;
        assert_eq!(
            rx.unprotect_rtcp(&mut c0),
            Err(Error::Replayed { index: 0 })
        );
        for _ in 0..70 {
            let mut c = rtcp(7);
            tx.protect_rtcp(&mut c).unwrap();
        }
        let mut c = rtcp(7);
        tx.protect_rtcp(&mut c).unwrap();
        rx.unprotect_rtcp(&mut c).unwrap();
    }
}

#[test]
fn tampered_packet_rejected_and_state_unchanged() {
    for profile in ProtectionProfile::ALL {
        let (mut tx, mut rx) = pair(profile);
        let sent = protect_seqs(&mut tx, &[40_000, 40_001]);
        let mut p = sent[0].clone();
        rx.unprotect_rtp(&mut p).unwrap();
        // Flip a payload bit, header bits (payload type, timestamp), and a tag bit.
        for pos in [20usize, 1, 6, sent[1].len() - 1] {
            let mut bad = sent[1].clone();
            bad[pos] ^= 0x01;
            assert_eq!(rx.unprotect_rtp(&mut bad), Err(Error::AuthenticationFailed));
        }
        // A forged packet claiming a sequence number past the wrap must not move the ROC.
        let mut forged = rtp(5, 7, 20);
        forged.extend_from_slice(&[0; 16][..profile.rtp_trailer_len()]);
        assert_eq!(
            rx.unprotect_rtp(&mut forged),
            Err(Error::AuthenticationFailed)
        );
        assert_eq!(rx.roc(7), Some(0));
        // The genuine packet is still accepted.
        let mut good = sent[1].clone();
        rx.unprotect_rtp(&mut good).unwrap();
        assert_eq!(good, rtp(40_001, 7, 20));

        let mut c = rtcp(7);
        tx.protect_rtcp(&mut c).unwrap();
        let mut bad = c.clone();
        bad[9] ^= 0x80;
        assert_eq!(
            rx.unprotect_rtcp(&mut bad),
            Err(Error::AuthenticationFailed)
        );
        rx.unprotect_rtcp(&mut c).unwrap();
    }
}

#[test]
fn ssrc_limits() {
    let profile = ProtectionProfile::AeadAes128Gcm;
    let k = key(profile, 9);
    let mut tx = Context::new(&k, Config::default()).unwrap();
    let config = Config {
        max_ssrcs: 2,
        ..Config::default()
    };
    let mut rx = Context::new(&k, config.clone()).unwrap();
    for ssrc in 1..=3u32 {
        let mut p = rtp(1, ssrc, 10);
        tx.protect_rtp(&mut p).unwrap();
        let r = rx.unprotect_rtp(&mut p);
        if ssrc <= 2 {
            r.unwrap();
        } else {
            assert_eq!(r, Err(Error::TooManySsrcs { max: 2 }));
        }
    }
    assert_eq!(rx.stream_count(), 2);
    assert!(rx.remove_stream(1));
    assert!(!rx.remove_stream(1));

    let mut strict = Context::new(
        &k,
        Config {
            create_streams_on_demand: false,
            ..Config::default()
        },
    )
    .unwrap();
    let mut p = rtp(2, 5, 10);
    tx.protect_rtp(&mut p).unwrap();
    let saved = p.clone();
    assert_eq!(strict.unprotect_rtp(&mut p), Err(Error::UnknownSsrc(5)));
    strict.add_stream(5, 0).unwrap();
    let mut p = saved;
    strict.unprotect_rtp(&mut p).unwrap();
    let mut out = rtp(1, 6, 1);
    assert_eq!(strict.protect_rtp(&mut out), Err(Error::UnknownSsrc(6)));
    assert_eq!(out, rtp(1, 6, 1), "packet unchanged on error");

    assert!(
        Context::new(
            &k,
            Config {
                replay_window: 0,
                ..Config::default()
            }
        )
        .is_err()
    );
    assert!(
        Context::new(
            &k,
            Config {
                replay_window: 40_000,
                ..Config::default()
            }
        )
        .is_err()
    );
    assert!(
        Context::new(
            &k,
            Config {
                max_ssrcs: 0,
                ..Config::default()
            }
        )
        .is_err()
    );
}

#[test]
fn big_replay_window() {
    let profile = ProtectionProfile::Aes128CmHmacSha1_32;
    let k = key(profile, 4);
    let config = Config {
        replay_window: 1024,
        ..Config::default()
    };
    let mut tx = Context::new(&k, config.clone()).unwrap();
    let mut rx = Context::new(&k, config).unwrap();
    let seqs: Vec<u16> = (0..1100).collect();
    let sent = protect_seqs(&mut tx, &seqs);
    let mut last = sent[1099].clone();
    rx.unprotect_rtp(&mut last).unwrap();
    let mut inside = sent[1099 - 1023].clone();
    rx.unprotect_rtp(&mut inside).unwrap();
    let mut outside = sent[1099 - 1024].clone();
    assert_eq!(
        rx.unprotect_rtp(&mut outside),
        Err(Error::TooOld { index: 75 })
    );
}

#[test]
fn repeat_tx_policy() {
    let profile = ProtectionProfile::AeadAes128Gcm;
    let k = key(profile, 4);
    let mut tx = Context::new(&k, Config::default()).unwrap();
    let mut p = rtp(5, 1, 10);
    tx.protect_rtp(&mut p).unwrap();
    let mut p2 = rtp(5, 1, 10);
    assert_eq!(tx.protect_rtp(&mut p2), Err(Error::Replayed { index: 5 }));
    let mut lenient = Context::new(
        &k,
        Config {
            allow_repeat_tx: true,
            ..Config::default()
        },
    )
    .unwrap();
    let mut a = rtp(5, 1, 10);
    let mut b = rtp(5, 1, 10);
    lenient.protect_rtp(&mut a).unwrap();
    lenient.protect_rtp(&mut b).unwrap();
    assert_eq!(a, b);
    assert_eq!(a, p);
}

#[test]
fn index_exhaustion() {
    let profile = ProtectionProfile::Aes128CmHmacSha1_80;
    let mut tx = Context::new(&key(profile, 1), Config::default()).unwrap();
    tx.add_stream(3, u32::MAX).unwrap();
    let mut p = rtp(65535, 3, 4);
    tx.protect_rtp(&mut p).unwrap();
    let mut p = rtp(0, 3, 4);
    assert_eq!(tx.protect_rtp(&mut p), Err(Error::IndexExhausted));

    tx.protect_rtcp(&mut rtcp(3)).unwrap();
    tx.streams[0].rtcp_next_index = 0x7fff_ffff;
    tx.protect_rtcp(&mut rtcp(3)).unwrap();
    assert_eq!(tx.protect_rtcp(&mut rtcp(3)), Err(Error::IndexExhausted));
}

#[test]
fn initial_roc_is_used() {
    let profile = ProtectionProfile::AeadAes256Gcm;
    let k = key(profile, 1);
    let mut tx = Context::new(&k, Config::default()).unwrap();
    tx.add_stream(3, 5).unwrap();
    let mut p = rtp(100, 3, 4);
    tx.protect_rtp(&mut p).unwrap();
    let mut rx = Context::new(&k, Config::default()).unwrap();
    let mut q = p.clone();
    assert_eq!(rx.unprotect_rtp(&mut q), Err(Error::AuthenticationFailed));
    rx.add_stream(3, 5).unwrap();
    rx.unprotect_rtp(&mut p).unwrap();
    assert_eq!(rx.roc(3), Some(5));
}

#[test]
fn short_and_malformed_inputs() {
    for profile in ProtectionProfile::ALL {
        let (mut tx, mut rx) = pair(profile);
        let mut buf = rtp(1, 1, 10);
        let len = buf.len();
        assert!(matches!(
            tx.protect_rtp_in_place(&mut buf, len),
            Err(Error::BufferTooSmall { .. })
        ));
        assert!(matches!(
            tx.protect_rtp_in_place(&mut buf, len + 1),
            Err(Error::BufferTooSmall { .. })
        ));
        let mut short = vec![0x80; 11];
        assert!(matches!(
            tx.protect_rtp(&mut short),
            Err(Error::PacketTooShort { .. })
        ));
        assert_eq!(short.len(), 11);
        let mut v1 = rtp(1, 1, 10);
        v1[0] = 0x40;
        assert_eq!(tx.protect_rtp(&mut v1), Err(Error::BadVersion));
        for n in 0..12 + profile.rtp_auth_tag_len() {
            let mut p = vec![0x80; n];
            assert!(matches!(
                rx.unprotect_rtp(&mut p),
                Err(Error::PacketTooShort { .. })
            ));
        }
        for n in 0..12 + profile.rtcp_auth_tag_len() {
            let mut p = vec![0x80; n];
            assert!(matches!(
                rx.unprotect_rtcp(&mut p),
                Err(Error::PacketTooShort { .. })
            ));
        }
        // A header extension claiming more words than the packet holds.
        let mut p = rtp(1, 1, 0);
        p[0] = 0x90;
        p.extend_from_slice(&[0xbe, 0xde, 0xff, 0xff]);
        p.extend_from_slice(&[0; 16]);
        assert!(matches!(
            rx.unprotect_rtp(&mut p),
            Err(Error::PacketTooShort { .. })
        ));
    }
}
