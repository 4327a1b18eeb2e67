//! Rough protect/unprotect timings per profile and size (std::time loop, release build):
//! `cargo run --release -p strata-srtp --example speed`. Criterion benches live in bench/.
//!
//! Each round protects (or unprotects) a batch of distinct packets that fits in L2; the best
//! round is reported, which filters out noise from other processes.
//!
//! The `floor` column is the bare primitives over the same bytes, keyed once, in the same
//! loop: AES-128-CTR (RustCrypto `ctr` + `aes`) then HMAC-SHA1 (`hmac` + `sha1`) from a keyed
//! state for the AES-CM profiles, ring's AES-GCM seal for the AEAD ones. What protect costs
//! above it is this crate's per-packet work (header parse, SSRC lookup, index, replay window,
//! IV, tag placement).

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Instant;

use aes::cipher::{InnerIvInit, KeyInit, StreamCipher};
use hmac::Mac;
use strata_srtp::{Config, Context, MasterKey, ProtectionProfile};

/// The primitives alone, keyed once (see the module docs).
#[allow(
    clippy::large_enum_variant,
    reason = "one per profile, as in the crate"
)]
enum Floor {
    Cm(aes::Aes128Enc, hmac::Hmac<sha1::Sha1>),
    Gcm(ring::aead::LessSafeKey),
}

impl Floor {
    fn new(profile: ProtectionProfile) -> Floor {
        if profile.is_aead() {
            let alg = if profile.master_key_len() == 32 {
                &ring::aead::AES_256_GCM
            } else {
                &ring::aead::AES_128_GCM
            };
            let key = vec![0x33; profile.master_key_len()];
            Floor::Gcm(ring::aead::LessSafeKey::new(
                ring::aead::UnboundKey::new(alg, &key).unwrap(),
            ))
        } else {
            Floor::Cm(
                aes::Aes128Enc::new(&[0x33; 16].into()),
                <hmac::Hmac<sha1::Sha1> as Mac>::new_from_slice(&[0x44; 20]).unwrap(),
            )
        }
    }

    /// Encrypt `packet[12..len]` and write the tag after it, as protect does.
    fn run(&self, packet: &mut [u8], len: usize, tag_len: usize, seq: u16) {
        let (body, trailer) = packet.split_at_mut(len);
        match self {
            Floor::Cm(cipher, mac) => {
                let mut iv = [0u8; 16];
                iv[12..14].copy_from_slice(&seq.to_be_bytes());
                let core = ctr::CtrCore::<&aes::Aes128Enc, ctr::flavors::Ctr128BE>::inner_iv_init(
                    cipher,
                    (&iv).into(),
                );
                let mut ctr = ctr::Ctr128BE::<&aes::Aes128Enc>::from_core(core);
                ctr.apply_keystream(&mut body[12..]);
                let mut mac = mac.clone();
                mac.update(body);
                mac.update(&[0; 4]);
                let tag = mac.finalize().into_bytes();
                trailer[..tag_len].copy_from_slice(&tag[..tag_len]);
            }
            Floor::Gcm(key) => {
                let mut nonce = [0u8; 12];
                nonce[10..].copy_from_slice(&seq.to_be_bytes());
                let (head, payload) = body.split_at_mut(12);
                let tag = key
                    .seal_in_place_separate_tag(
                        ring::aead::Nonce::assume_unique_for_key(nonce),
                        ring::aead::Aad::from(&*head),
                        payload,
                    )
                    .unwrap();
                trailer[..16].copy_from_slice(tag.as_ref());
            }
        }
    }
}

const BATCH: usize = 128;
const ROUNDS: usize = 300;

fn main() {
    for profile in ProtectionProfile::ALL {
        let key = vec![0x11; profile.master_key_len()];
        let salt = vec![0x22; profile.master_salt_len()];
        let master = MasterKey::new(profile, &key, &salt).unwrap();
        for size in [160usize, 1200] {
            let mut packet = vec![0u8; size];
            packet[..12].copy_from_slice(&[0x80, 0x60, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
            let (mut best_protect, mut best_unprotect, mut best_floor) =
                (f64::MAX, f64::MAX, f64::MAX);
            let floor = Floor::new(profile);
            let mut tx = Context::new(&master, Config::default()).unwrap();
            let mut seq = 0u16;
            let mut bufs: Vec<Vec<u8>> = (0..BATCH)
                .map(|_| vec![0u8; size + strata_srtp::MAX_RTP_TRAILER_LEN])
                .collect();
            let mut lens = vec![0usize; BATCH];
            for _ in 0..ROUNDS {
                for buf in &mut bufs {
                    buf[..size].copy_from_slice(&packet);
                    buf[2..4].copy_from_slice(&seq.to_be_bytes());
                    seq = seq.wrapping_add(1);
                }
                let start = Instant::now();
                for (buf, len) in bufs.iter_mut().zip(&mut lens) {
                    *len = tx.protect_rtp_in_place(black_box(buf), size).unwrap();
                }
                best_protect = best_protect.min(start.elapsed().as_nanos() as f64 / BATCH as f64);

                // ROUNDS * BATCH < 65536: the sequence numbers never wrap, so a fresh receiver
                // (ROC 0) accepts every batch.
                let mut rx = Context::new(&master, Config::default()).unwrap();
                let start = Instant::now();
                for (buf, len) in bufs.iter_mut().zip(&lens) {
                    black_box(
                        rx.unprotect_rtp_in_place(black_box(&mut buf[..*len]))
                            .unwrap(),
                    );
                }
                best_unprotect =
                    best_unprotect.min(start.elapsed().as_nanos() as f64 / BATCH as f64);

                let tag_len = profile.rtp_auth_tag_len();
                let start = Instant::now();
                for (i, buf) in bufs.iter_mut().enumerate() {
                    floor.run(black_box(buf), size, tag_len, i as u16);
                }
                best_floor = best_floor.min(start.elapsed().as_nanos() as f64 / BATCH as f64);
            }
            println!(
                "{:<30} {size:>5} B  protect {best_protect:>7.1} ns  unprotect {best_unprotect:>7.1} ns  floor {best_floor:>7.1} ns",
                profile.name()
            );
        }
    }
}
