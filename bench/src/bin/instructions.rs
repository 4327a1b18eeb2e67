//! `instructions CASE ITERATIONS`: run one (case, implementation) function ITERATIONS times,
//! for counting instructions under `valgrind --tool=callgrind` (`cargo xtask bench
//! --callgrind` runs it with 1 and 1001 iterations and reports the difference / 1000).
//!
//! `instructions --list` prints every case name, one per line; the first name of each group
//! is the Strata reference of that group.

use std::hint::black_box;
use std::process::ExitCode;

use strata_bench::{CASES, Fixtures, find, run_n};

const USAGE: &str = "usage: instructions CASE ITERATIONS | instructions --list";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [list] if list == "--list" => {
            for case in CASES {
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
            black_box(run_n(case, &mut fx, n));
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
