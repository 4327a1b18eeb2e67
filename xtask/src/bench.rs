//! `cargo xtask bench`: criterion benches against the competing crates (bench/), and with
//! `--callgrind` instruction counts of the very same functions under valgrind.
//!
//! Flags: `--callgrind` adds the instruction counts after the criterion run;
//! `--callgrind-only` skips criterion. A free argument filters cases by substring (criterion
//! filter syntax for the criterion run).
//!
//! `--cpu-time [--rounds=N]` skips criterion and measures each case's CPU time per iteration
//! instead (`instructions --cpu-ns CASE`: the thread's CPU clock over a run of 0.1 s, after
//! a warm-up): the cases run one after another, N rounds (default 9), and each case keeps
//! its minimum. On a shared machine this is the most repeatable timing figure: alternating
//! the cases spreads slow periods over all of them, the CPU clock leaves out time spent
//! waiting for a core, and the minimum drops the runs that other tenants slowed down.
//!
//! `cargo xtask bench peer [ARGS]` runs only the whole-stack comparison (`bench/src/bin/peers.rs`:
//! Strata's PeerConnection against webrtc-rs, setup / throughput / idle memory) with
//! `--seconds 5` and any further `peers` flags; the full run (no filter, not
//! `--callgrind-only`) ends with it.
//!
//! The SRTP cases link the system's libsrtp 2 (`bench/build.rs`); when pkg-config does not
//! find it, this installs Debian's `libsrtp2-dev` (as root) or stops with the command to run.
//!
//! `cargo xtask bench peer-chromium [--mib N]` measures data channel throughput between
//! headless Chromium and Strata, both directions, against Chromium <-> Chromium (the
//! `chromium-throughput` interop case's routine, in a network namespace; needs root).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, cargo, root, run};

/// Rounds of `--cpu-time` when `--rounds=N` is not given.
const DEFAULT_ROUNDS: u32 = 9;

/// Iteration counts of the two callgrind runs; their difference cancels start-up and setup.
const SHORT_RUN: u64 = 1;
const LONG_RUN: u64 = 1001;

pub(crate) fn main(args: &[String]) -> Result {
    if args.first().map(String::as_str) == Some("peer-chromium") {
        return crate::interop::chromium_throughput::bench(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("peer") {
        ensure_libsrtp()?;
        return peers(&args[1..]);
    }
    let callgrind_only = args.iter().any(|a| a == "--callgrind-only");
    let callgrind = callgrind_only || args.iter().any(|a| a == "--callgrind");
    let manifest = root().join("bench/Cargo.toml");
    let filter = args.iter().find(|a| !a.starts_with("--"));
    ensure_libsrtp()?;
    if args.iter().any(|a| a == "--cpu-time") {
        let rounds = match args.iter().find_map(|a| a.strip_prefix("--rounds=")) {
            Some(n) => n
                .parse::<u32>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("--rounds={n}: expected a positive number"))?,
            None => DEFAULT_ROUNDS,
        };
        let (bin, names) = selected_cases(&manifest, filter)?;
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        return cpu_times(&bin, &names, rounds);
    }
    if !callgrind_only {
        let mut c = cargo();
        c.arg("bench").arg("--manifest-path").arg(&manifest);
        if let Some(f) = filter {
            c.args(["--", f.as_str()]);
        }
        run("criterion benches", &mut c)?;
    }
    let (bin, names) = selected_cases(&manifest, filter)?;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    if !callgrind_only {
        criterion_medians(&names)?;
    }
    if callgrind {
        instruction_counts(&bin, &names)?;
    }
    if filter.is_none() && !callgrind_only {
        peers(&[])?;
    }
    Ok(())
}

/// The whole-stack comparison: the `peers` binary in release mode; it prints its own table.
fn peers(extra: &[String]) -> Result {
    run(
        "peer connections side by side (bench/src/bin/peers.rs)",
        cargo()
            .args(["run", "--release", "--manifest-path"])
            .arg(root().join("bench/Cargo.toml"))
            .args(["--bin", "peers", "--", "--seconds", "5"])
            .args(extra),
    )
}

/// Whether pkg-config finds libsrtp 2.
fn have_libsrtp() -> bool {
    Command::new("pkg-config")
        .args(["--exists", "libsrtp2"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Makes sure libsrtp 2 and its headers are installed: apt-get as root, else a clear error.
fn ensure_libsrtp() -> Result {
    if have_libsrtp() {
        return Ok(());
    }
    const HINT: &str = "the SRTP benches link libsrtp 2: install it with \
                        `apt-get install -y libsrtp2-dev pkg-config` (Debian/Ubuntu)";
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !root {
        return Err(format!(
            "libsrtp2 not found by pkg-config and not root: {HINT}"
        ));
    }
    let install = || {
        let mut c = Command::new("apt-get");
        c.args(["install", "-y", "libsrtp2-dev", "pkg-config"])
            .env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    if run("install libsrtp2-dev", &mut install()).is_err() {
        // A fresh machine may have no package lists yet.
        run("apt-get update", Command::new("apt-get").arg("update"))?;
        run("install libsrtp2-dev", &mut install())?;
    }
    if have_libsrtp() {
        Ok(())
    } else {
        Err(format!("libsrtp2 still not found by pkg-config: {HINT}"))
    }
}

/// Builds the `instructions` binary (it also lists the cases) and returns its path.
fn build_counter(manifest: &Path) -> Result<PathBuf> {
    run(
        "build the instruction counter",
        cargo()
            .args(["build", "--release", "--manifest-path"])
            .arg(manifest)
            .args(["--bin", "instructions"]),
    )?;
    Ok(root().join("bench/target/release/instructions"))
}

/// Builds the `instructions` binary and returns it with the names of the cases that
/// contain `filter` (all without one), in table order.
fn selected_cases(manifest: &Path, filter: Option<&String>) -> Result<(PathBuf, Vec<String>)> {
    let bin = build_counter(manifest)?;
    let names = case_names(&bin)?
        .lines()
        .filter(|n| filter.is_none_or(|f| n.contains(f.as_str())))
        .map(str::to_owned)
        .collect();
    Ok((bin, names))
}

/// Every case name, one per line, in table order (`instructions --list`).
fn case_names(bin: &Path) -> Result<String> {
    let list = Command::new(bin)
        .arg("--list")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    if !list.status.success() {
        return Err(format!("{} --list failed ({})", bin.display(), list.status));
    }
    Ok(String::from_utf8_lossy(&list.stdout).into_owned())
}

/// Prints the criterion medians of the last run as a markdown table.
#[allow(clippy::print_stdout)]
fn criterion_medians(names: &[&str]) -> Result {
    let dir = root().join("bench/target/criterion");
    let mut rows = Vec::new();
    for name in names {
        let (group, implementation) = name.rsplit_once('/').unwrap_or((name, name));
        let file = dir
            .join(group.replace('/', "_"))
            .join(implementation)
            .join("new/estimates.json");
        let text = fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let median = median_ns(&text)
            .ok_or_else(|| format!("{}: no median point estimate", file.display()))?;
        rows.push((group.to_owned(), implementation.to_owned(), median));
    }
    println!();
    println!(
        "Criterion medians; ratio = implementation / first Strata entry of the group \
         (> 1: Strata faster)"
    );
    print_table("median", &rows, format_ns);
    Ok(())
}

/// `median.point_estimate` (nanoseconds) of a criterion `estimates.json`.
fn median_ns(json: &str) -> Option<f64> {
    let at = json.find("\"median\"")?;
    let rest = &json[at..];
    let at = rest.find("\"point_estimate\":")? + "\"point_estimate\":".len();
    let rest = rest[at..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+')))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

fn format_ns(ns: f64) -> String {
    if ns >= 1000.0 {
        format!("{:.2} µs", ns / 1000.0)
    } else {
        format!("{ns:.1} ns")
    }
}

/// Prints `| case | implementation | what | ratio |` rows, each ratio against the first row
/// of its group.
#[allow(clippy::print_stdout)]
fn print_table(what: &str, rows: &[(String, String, f64)], format: fn(f64) -> String) {
    println!();
    println!("| case | implementation | {what} | ratio |");
    println!("|---|---|---:|---:|");
    let mut reference: Option<(&str, f64)> = None;
    for (group, implementation, value) in rows {
        let base = match reference {
            Some((g, base)) if g == group => base,
            _ => {
                reference = Some((group, *value));
                *value
            }
        };
        let ratio = if base > 0.0 {
            format!("{:.2}", value / base)
        } else {
            "-".into()
        };
        println!(
            "| {group} | {implementation} | {} | {ratio} |",
            format(*value)
        );
    }
}

/// Counts each case's instructions under callgrind and prints a markdown table.
#[allow(clippy::print_stdout)]
fn instruction_counts(bin: &Path, names: &[&str]) -> Result {
    if Command::new("valgrind").arg("--version").output().is_err() {
        return Err("valgrind is not installed (apt-get install valgrind)".into());
    }
    let scratch = std::env::temp_dir().join(format!("strata-callgrind-{}", std::process::id()));
    fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let mut rows: Vec<(String, String, f64)> = Vec::new();
    for name in names {
        let short = callgrind_ir(bin, &scratch, name, SHORT_RUN)?;
        let long = callgrind_ir(bin, &scratch, name, LONG_RUN)?;
        let per_iteration = long.saturating_sub(short) as f64 / (LONG_RUN - SHORT_RUN) as f64;
        let (group, implementation) = name.rsplit_once('/').unwrap_or((name, name));
        eprintln!("xtask: {name}: {per_iteration:.0} instructions per iteration");
        rows.push((group.to_owned(), implementation.to_owned(), per_iteration));
    }
    // Best effort: the scratch files are only useful while the run lasts.
    let _ = fs::remove_dir_all(&scratch);
    println!();
    println!(
        "Instructions per iteration (callgrind Ir, ({LONG_RUN} runs - {SHORT_RUN} run) / {}); \
         ratio = implementation / first Strata entry of the group (> 1: Strata executes fewer)",
        LONG_RUN - SHORT_RUN
    );
    print_table("instructions", &rows, |ir| format!("{ir:.0}"));
    Ok(())
}

/// Measures each case's CPU time per iteration, `rounds` times in turn, and prints each
/// case's minimum as a markdown table.
#[allow(clippy::print_stdout)]
fn cpu_times(bin: &Path, names: &[&str], rounds: u32) -> Result {
    let mut best = vec![f64::INFINITY; names.len()];
    for round in 1..=rounds {
        for (name, best) in names.iter().zip(&mut best) {
            let output = Command::new(bin)
                .args(["--cpu-ns", name])
                .output()
                .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
            let text = String::from_utf8_lossy(&output.stdout);
            let ns: f64 = match (output.status.success(), text.trim().parse()) {
                (true, Ok(ns)) => ns,
                _ => {
                    return Err(format!(
                        "{} --cpu-ns {name} failed ({}):\n{}",
                        bin.display(),
                        output.status,
                        String::from_utf8_lossy(&output.stderr)
                    ));
                }
            };
            eprintln!("xtask: round {round}/{rounds}: {name}: {}", format_ns(ns));
            *best = best.min(ns);
        }
    }
    let rows: Vec<(String, String, f64)> = names
        .iter()
        .zip(best)
        .map(|(name, ns)| {
            let (group, implementation) = name.rsplit_once('/').unwrap_or((name, name));
            (group.to_owned(), implementation.to_owned(), ns)
        })
        .collect();
    println!();
    println!(
        "CPU time per iteration, minimum of {rounds} rounds (thread CPU clock, 0.1 s runs); \
         ratio = implementation / first Strata entry of the group (> 1: Strata faster)"
    );
    print_table("CPU time", &rows, format_ns);
    Ok(())
}

/// Total instructions (Ir) of one callgrind run of `name` for `iterations` iterations.
fn callgrind_ir(bin: &Path, scratch: &Path, name: &str, iterations: u64) -> Result<u64> {
    let out: PathBuf = scratch.join(format!("{}.{iterations}.out", name.replace('/', "_")));
    let output = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(bin)
        .arg(name)
        .arg(iterations.to_string())
        .output()
        .map_err(|e| format!("cannot start valgrind: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "callgrind {name} {iterations} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text = fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    parse_total(&text).ok_or_else(|| format!("{}: no summary/totals line", out.display()))
}

/// The first event count (Ir) of a callgrind output's `summary:` or `totals:` line.
fn parse_total(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| {
            l.strip_prefix("summary:")
                .or_else(|| l.strip_prefix("totals:"))
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::{median_ns, parse_total};

    #[test]
    fn reads_the_criterion_median() {
        let json = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":3.0},"point_estimate":2.0,"standard_error":0.1},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":30.5,"upper_bound":36.0},"point_estimate":35.632,"standard_error":0.5}}"#;
        assert_eq!(median_ns(json), Some(35.632));
    }

    #[test]
    fn reads_the_summary_line() {
        let text = "version: 1\ncreator: callgrind-3.22.0\nevents: Ir\nfn=(1) main\n3 7\n\nsummary: 123456\ntotals: 123456\n";
        assert_eq!(parse_total(text), Some(123_456));
        assert_eq!(parse_total("events: Ir\n"), None);
    }
}
