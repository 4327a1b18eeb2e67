//! Rough protect/unprotect timings per profile and size (std::time loop, release build):
//! `cargo run --release -p strata-srtp --example speed`. Criterion benches live in bench/.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Instant;

use strata_srtp::{Config, Context, MasterKey, ProtectionProfile};

const N: usize = 20_000;
const ROUNDS: usize = 7;

fn main() {
    for profile in ProtectionProfile::ALL {
        let key = vec![0x11; profile.master_key_len()];
        let salt = vec![0x22; profile.master_salt_len()];
        let master = MasterKey::new(profile, &key, &salt).unwrap();
        for size in [160usize, 1200] {
            let (mut best_p, mut best_u) = (f64::MAX, f64::MAX);
            for _ in 0..ROUNDS {
                let mut tx = Context::new(&master, Config::default()).unwrap();
                let mut rx = Context::new(&master, Config::default()).unwrap();
                let mut packet = vec![0u8; size];
                packet[..12].copy_from_slice(&[0x80, 0x60, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
                let mut buf = vec![0u8; size + strata_srtp::MAX_RTP_TRAILER_LEN];
                let mut protected = Vec::with_capacity(N);
                let start = Instant::now();
                for i in 0..N {
                    buf[..size].copy_from_slice(&packet);
                    buf[2..4].copy_from_slice(&(i as u16).to_be_bytes());
                    let n = tx.protect_rtp_in_place(black_box(&mut buf), size).unwrap();
                    black_box(&buf[..n]);
                }
                let protect = start.elapsed().as_nanos() as f64 / N as f64;
                // Collect packets to unprotect (outside the timed loop).
                let mut tx2 = Context::new(&master, Config::default()).unwrap();
                for i in 0..N {
                    let mut p = packet.clone();
                    p[2..4].copy_from_slice(&(i as u16).to_be_bytes());
                    tx2.protect_rtp(&mut p).unwrap();
                    protected.push(p);
                }
                let start = Instant::now();
                for p in &mut protected {
                    let n = rx.unprotect_rtp_in_place(black_box(p)).unwrap();
                    black_box(n);
                }
                let unprotect = start.elapsed().as_nanos() as f64 / N as f64;
                best_p = best_p.min(protect);
                best_u = best_u.min(unprotect);
            }
            let (protect, unprotect) = (best_p, best_u);
            println!(
                "{:<30} {size:>5} B  protect {protect:>7.1} ns  unprotect {unprotect:>7.1} ns",
                profile.name()
            );
        }
    }
}
