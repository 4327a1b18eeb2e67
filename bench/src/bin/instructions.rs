//! `instructions CASE ITERATIONS`: run one (case, implementation) function ITERATIONS times,
//! for counting instructions under `valgrind --tool=callgrind` (`cargo xtask bench
//! --callgrind` runs it with 1 and 1001 iterations and reports the difference / 1000).
//!
//! `instructions --list` prints every case name, one per line; the first name of each group
//! is the Strata reference of that group.
//!
//! Batched cases (SRTP unprotect) prepare [`COUNTER_BATCH`] inputs whatever ITERATIONS is,
//! so the preparation is the same in the short and the long run and cancels out; runs of up
//! to that many iterations never refill inside the counted loop.

use std::hint::black_box;
use std::process::ExitCode;

use strata_bench::{Fixtures, cases, find, run_n};

/// Inputs prepared for a batched case (above the 1001 iterations `cargo xtask bench` runs).
const COUNTER_BATCH: usize = 1024;

const USAGE: &str = "usage: instructions CASE ITERATIONS | instructions --list";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [list] if list == "--list" => {
            for case in cases() {
                println!("{}", case.name());
            }
            ExitCode::SUCCESS
        }
        [name, n] => {
            let Some(case) = find(name) else {
                eprintln!("unknown case {name:?}; see --list");
                return ExitCode::from(2);
            };
            let Ok(n) = n.parse::<u64>() else {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            };
            let mut fx = Fixtures::new();
            fx.batch = COUNTER_BATCH;
            black_box(run_n(case, &mut fx, n));
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
