#![no_main]
//! SRTP/SRTCP: unprotect arbitrary bytes for every profile (never panics, never creates state
//! unless the packet authenticates), and protect -> unprotect is the identity.
//!
//! Input: one selector byte (profile = low 2 bits, SRTCP when bit 2 is set), then the packet.
//! The seed corpus holds packets protected under `master()` below, so unprotect also succeeds
//! and the replay/ROC paths run.

use libfuzzer_sys::fuzz_target;
use strata_srtp::{Config, Context, MasterKey, ProtectionProfile};

fn master(profile: ProtectionProfile) -> MasterKey {
    let key: Vec<u8> = (0..profile.master_key_len() as u8).collect();
    let salt: Vec<u8> = (0..profile.master_salt_len() as u8).map(|b| 0xa0 | b).collect();
    MasterKey::new(profile, &key, &salt).expect("lengths follow the profile")
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, packet)) = data.split_first() else {
        return;
    };
    let profile = ProtectionProfile::ALL[usize::from(selector & 3)];
    let rtcp = selector & 4 != 0;
    let key = master(profile);

    let mut rx = Context::new(&key, Config::default()).expect("default config is valid");
    let mut buf = packet.to_vec();
    let result = if rtcp {
        rx.unprotect_rtcp(&mut buf)
    } else {
        rx.unprotect_rtp(&mut buf)
    };
    match result {
        Ok(()) => {
            assert_eq!(rx.stream_count(), 1);
            // The same packet again is a replay.
            let mut again = packet.to_vec();
            let replay = if rtcp {
                rx.unprotect_rtcp(&mut again)
            } else {
                rx.unprotect_rtp(&mut again)
            };
            assert!(replay.is_err());
        }
        Err(_) => assert_eq!(rx.stream_count(), 0),
    }

    // Round trip: treat the bytes as a plaintext packet.
    let mut tx = Context::new(&key, Config::default()).expect("default config is valid");
    let mut rx = Context::new(&key, Config::default()).expect("default config is valid");
    let mut buf = packet.to_vec();
    let protected = if rtcp {
        tx.protect_rtcp(&mut buf)
    } else {
        tx.protect_rtp(&mut buf)
    };
    if protected.is_ok() {
        let opened = if rtcp {
            rx.unprotect_rtcp(&mut buf)
        } else {
            rx.unprotect_rtp(&mut buf)
        };
        assert_eq!(opened, Ok(()));
        assert_eq!(buf, packet);
    } else {
        assert_eq!(buf, packet, "a refused packet is left unchanged");
    }
});
