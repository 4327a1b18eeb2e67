//! Project automation: `cargo xtask ci | long | fuzz | bench | interop`.
//!
//! Kept dependency-free so it builds in seconds on a fresh machine.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod bench;
mod interop;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  ci                         fmt --check, clippy -D warnings, tests, the long suites, docs
                             -D warnings, cargo-deny
  long                       the long test suites (#[ignore]d in `cargo test`), in release:
                             64 MiB SCTP transfers at 0/1/5/20 % loss, DATA and I-DATA
  fuzz [TARGET] [--seconds N] run one fuzz target (or all) for N seconds each (default 60)
  bench [--callgrind]        criterion benches against the competing crates (bench/),
                             optionally also instruction counts under valgrind
  bench peer                 two PeerConnections against webrtc-rs 0.21 (setup, throughput,
                             idle memory)
  bench peer-chromium        Strata <-> Chromium data channel throughput
  interop [CASE] [--smoke]   run cases against real peers (coturn, tshark); --smoke: quick subset
";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("long") => long(),
        Some("fuzz") => fuzz(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("interop") => interop::main(&args[1..]),
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root (the parent of this crate's directory).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

pub(crate) fn cargo() -> Command {
    let mut c = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

pub(crate) fn run(step: &str, cmd: &mut Command) -> Result {
    eprintln!("xtask: {step}: {cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| format!("{step}: cannot start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({status})"))
    }
}

fn have_cargo_tool(name: &str) -> bool {
    cargo()
        .args([name, "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn ensure_cargo_tool(subcommand: &str, package: &str) -> Result {
    if !have_cargo_tool(subcommand) {
        run(
            &format!("install {package}"),
            cargo().args(["install", package, "--locked"]),
        )?;
    }
    Ok(())
}

fn ci() -> Result {
    run("fmt", cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(
        "clippy",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    run(
        "test",
        cargo().args(["test", "--workspace", "--all-features"]),
    )?;
    long()?;
    run(
        "doc",
        cargo()
            .args(["doc", "--workspace", "--no-deps", "--all-features"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    ensure_cargo_tool("deny", "cargo-deny")?;
    run(
        "deny",
        cargo().args([
            "deny",
            "--workspace",
            "check",
            "licenses",
            "bans",
            "sources",
        ]),
    )?;
    eprintln!("xtask: ci passed");
    Ok(())
}

/// The tests too long for `cargo test` (marked `#[ignore]`), built in release.
fn long() -> Result {
    run(
        "long tests",
        cargo().args([
            "test",
            "--release",
            "-p",
            "strata-sctp",
            "--lib",
            "--",
            "--ignored",
        ]),
    )
}

/// Whether the active toolchain is a nightly (cargo-fuzz needs `-Z` flags).
fn is_nightly() -> bool {
    Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("nightly"))
        .unwrap_or(false)
}

fn fuzz(args: &[String]) -> Result {
    let mut seconds = 60u64;
    let mut target = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--seconds needs a number")?;
            }
            t if !t.starts_with('-') => target = Some(t.to_string()),
            other => return Err(format!("unknown fuzz option {other}")),
        }
    }
    ensure_cargo_tool("fuzz", "cargo-fuzz")?;
    let fuzz_dir = root().join("fuzz");
    let fuzz_cmd = || {
        let mut c = cargo();
        c.current_dir(&fuzz_dir).arg("fuzz");
        if !is_nightly() {
            // cargo-fuzz passes -Z flags; stable accepts them with RUSTC_BOOTSTRAP.
            c.env("RUSTC_BOOTSTRAP", "1");
        }
        c
    };
    let listed = fuzz_cmd()
        .arg("list")
        .output()
        .map_err(|e| format!("cargo fuzz list: {e}"))?;
    let all: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let targets = match target {
        Some(t) if all.contains(&t) => vec![t],
        Some(t) => return Err(format!("no fuzz target {t}; have {all:?}")),
        None => all,
    };
    run("fuzz build", fuzz_cmd().args(["build", "-O"]))?;
    for t in &targets {
        // Fuzz into a scratch corpus seeded from the committed one, so runs do not litter
        // the repository with generated inputs.
        let work = root().join("target/fuzz-corpus").join(t);
        std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
        let seeds = fuzz_dir.join("corpus").join(t);
        run(
            &format!("fuzz {t}"),
            fuzz_cmd()
                .args(["run", "-O", t])
                .arg(&work)
                .arg(&seeds)
                .args([
                    "--",
                    &format!("-max_total_time={seconds}"),
                    "-rss_limit_mb=2048",
                    "-max_len=65536",
                    "-print_final_stats=1",
                ]),
        )?;
    }
    eprintln!(
        "xtask: fuzzed {} target(s) for {seconds} s each: no crash",
        targets.len()
    );
    Ok(())
}

fn bench(args: &[String]) -> Result {
    bench::main(args)
}
