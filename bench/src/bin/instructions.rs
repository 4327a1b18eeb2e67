//! `instructions CASE ITERATIONS`: run one (case, implementation) function ITERATIONS times,
//! for counting instructions under `valgrind --tool=callgrind` (`cargo xtask bench
//! --callgrind` runs it with 1 and 1001 iterations and reports the difference / 1000).
//!
//! `instructions --list` prints every case name, one per line; the first name of each group
//! is the Strata reference of that group.
//!
//! `instructions --cpu-ns CASE` prints the CPU time of one iteration in nanoseconds: the
//! calling thread's CPU clock (`CLOCK_THREAD_CPUTIME_ID`, so time the process waits for a
//! core on a busy machine is not counted) over a run of at least
//! [`CPU_RUN_NS`], after one warm-up iteration that also does the case's set-up. `cargo
//! xtask bench --cpu-time` runs it for each case in turn, several rounds, and keeps each
//! case's minimum.
//!
//! Batched cases (SRTP unprotect) prepare [`COUNTER_BATCH`] inputs whatever ITERATIONS is,
//! so the preparation is the same in the short and the long run and cancels out; runs of up
//! to that many iterations never refill inside the counted loop.

use std::hint::black_box;
use std::process::ExitCode;

use strata_bench::{Case, Fixtures, cases, find, run_n};

/// Inputs prepared for a batched case (above the 1001 iterations `cargo xtask bench` runs).
const COUNTER_BATCH: usize = 1024;

/// The shortest timed run of `--cpu-ns`, in nanoseconds of CPU time.
const CPU_RUN_NS: u64 = 100_000_000;

const USAGE: &str =
    "usage: instructions CASE ITERATIONS | instructions --cpu-ns CASE | instructions --list";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [list] if list == "--list" => {
            for case in cases() {
                println!("{}", case.name());
            }
            ExitCode::SUCCESS
        }
        [flag, name] if flag == "--cpu-ns" => {
            let Some(case) = find(name) else {
                eprintln!("unknown case {name:?}; see --list");
                return ExitCode::from(2);
            };
            match cpu_ns_per_iteration(case) {
                Ok(ns) => {
                    println!("{ns:.1}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("instructions: {e}");
                    ExitCode::FAILURE
                }
            }
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

/// CPU time per iteration of `case`, in nanoseconds (see the module docs). A batched case
/// is refilled between timed stretches of at most its batch, outside the clock.
fn cpu_ns_per_iteration(case: &Case) -> Result<f64, String> {
    let mut fx = Fixtures::new();
    fx.batch = COUNTER_BATCH;
    black_box(run_n(case, &mut fx, 1));
    let stretch = if case.refill.is_some() {
        COUNTER_BATCH as u64
    } else {
        u64::MAX
    };
    // Doubling runs until one lasts a tenth of the target, then one run of the target.
    let mut timed = |n: u64| -> Result<u64, String> {
        let mut spent = 0;
        let mut left = n;
        while left > 0 {
            let k = left.min(stretch);
            if let Some(refill) = case.refill {
                refill(&mut fx);
            }
            let start = thread_cpu_ns()?;
            for _ in 0..k {
                black_box((case.run)(black_box(&mut fx)));
            }
            spent += thread_cpu_ns()?.saturating_sub(start);
            left -= k;
        }
        Ok(spent)
    };
    let mut n = 1u64;
    loop {
        let spent = timed(n)?;
        if spent >= CPU_RUN_NS / 10 {
            let n = (n as u128 * u128::from(CPU_RUN_NS) / u128::from(spent.max(1))).max(1) as u64;
            return Ok(timed(n)? as f64 / n as f64);
        }
        n *= 2;
    }
}

/// The calling thread's CPU clock, in nanoseconds.
fn thread_cpu_ns() -> Result<u64, String> {
    use nix::time::{ClockId, clock_gettime};
    let t = clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map_err(|e| format!("clock_gettime(CLOCK_THREAD_CPUTIME_ID): {e}"))?;
    let secs = u64::try_from(t.tv_sec()).map_err(|e| e.to_string())?;
    let nanos = u64::try_from(t.tv_nsec()).map_err(|e| e.to_string())?;
    Ok(secs * 1_000_000_000 + nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thread_clock_moves_with_work() {
        let before = thread_cpu_ns().unwrap();
        let mut x = 0u64;
        for _ in 0..1_000_000 {
            x = black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        let after = thread_cpu_ns().unwrap();
        assert!(after > before, "{before} -> {after}");
    }
}
