//! Rough protect/unprotect timings per profile and size (std::time loop, release build):
//! `cargo run --release -p strata-srtp --example speed`. Criterion benches live in bench/.
//!
//! Each round protects (or unprotects) a batch of distinct packets that fits in L2; the best
//! round is reported, which filters out noise from other processes.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Instant;

use strata_srtp::{Config, Context, MasterKey, ProtectionProfile};

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
            let (mut best_protect, mut best_unprotect) = (f64::MAX, f64::MAX);
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
            }
            println!(
                "{:<30} {size:>5} B  protect {best_protect:>7.1} ns  unprotect {best_unprotect:>7.1} ns",
                profile.name()
            );
        }
    }
}
