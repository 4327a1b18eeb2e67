//! Data channel throughput between headless Chromium and Strata, both directions, with two
//! `RTCPeerConnection`s inside Chromium as the reference: one reliable ordered channel per run,
//! 64 MiB in 64 KiB and in 16 KiB messages, the sender pausing above 1 MiB `bufferedAmount`
//! and resuming on `bufferedamountlow` (512 KiB). The peer is
//! `crates/strata/examples/throughput_peer` (its page drives the runs), the script
//! `xtask/interop/chromium_throughput.sh`.
//!
//! As an interop case it passes when every run delivers all its bytes (no timing threshold);
//! `cargo xtask bench peer-chromium [--mib N]` runs the same script and prints the figures as
//! a table with ratios against Chromium <-> Chromium.

use std::process::Command;

use super::{Case, Example, NAMESPACE_SETUP, build_example, ensure_packages, scratch};
use crate::{Result, root};

/// The examples these cases run.
pub(super) const EXAMPLES: &[Example] = &[Example {
    env: "TPUT_PEER",
    package: "strata",
    example: "throughput_peer",
}];

const SCRIPT: &str = r#"sh "$ROOT/xtask/interop/chromium_throughput.sh""#;

/// The cases.
pub(super) const CASES: &[Case] = &[Case {
    name: "chromium-throughput",
    about: "64 MiB Chromium -> Strata, Strata -> Chromium and Chromium -> Chromium (reference) in 64 KiB and 16 KiB messages, bufferedAmount flow control: all bytes arrive; prints MB/s and CPU seconds",
    smoke: false,
    disabled: None,
    script: SCRIPT,
}];

/// `cargo xtask bench peer-chromium [--mib N]`: the case's runs, then a table of the figures.
pub(crate) fn bench(args: &[String]) -> Result {
    let mut mib = String::from("64");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--mib" => mib = it.next().ok_or("--mib needs a value")?.clone(),
            other => return Err(format!("bench peer-chromium: unknown argument {other}")),
        }
    }
    ensure_packages(&[
        ("unshare", "util-linux"),
        ("chromium", "chromium"),
        ("iptables", "iptables"),
    ])?;
    let ex = &EXAMPLES[0];
    let binary = build_example(ex)?;
    let out = scratch("bench-peer-chromium")?;
    let status = Command::new("timeout")
        .args([
            "300",
            "unshare",
            "-n",
            "sh",
            "-c",
            &format!("{NAMESPACE_SETUP}\n{SCRIPT}"),
        ])
        .env(ex.env, binary)
        .env("ROOT", root())
        .env("OUT", &out)
        .env("MIB", &mib)
        .status()
        .map_err(|e| format!("cannot start unshare: {e}"))?;
    let log = std::fs::read_to_string(out.join("chromium.log")).unwrap_or_default();
    let runs: Vec<Run> = log.lines().filter_map(Run::parse).collect();
    print_table(&runs);
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "peer-chromium: not every run delivered all its bytes ({status}); logs in {}",
            out.display()
        ))
    }
}

/// One `STRATA-TPUT` line of the page.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    case: String,
    size: u64,
    bytes: u64,
    secs: f64,
    cpu_strata: f64,
    cpu_chromium: f64,
}

impl Run {
    /// `... STRATA-TPUT case=NAME size=N bytes=N secs=S MBps=R cpu_strata=S cpu_chromium=S ...`
    fn parse(line: &str) -> Option<Run> {
        let rest = &line[line.find("STRATA-TPUT ")? + "STRATA-TPUT ".len()..];
        let field = |key: &str| {
            rest.split_ascii_whitespace()
                .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
                .map(|v| v.trim_end_matches('"'))
        };
        Some(Run {
            case: field("case")?.to_owned(),
            size: field("size")?.parse().ok()?,
            bytes: field("bytes")?.parse().ok()?,
            secs: field("secs")?.parse().ok()?,
            cpu_strata: field("cpu_strata")?.parse().ok()?,
            cpu_chromium: field("cpu_chromium")?.parse().ok()?,
        })
    }

    fn mb_per_s(&self) -> f64 {
        if self.secs > 0.0 {
            self.bytes as f64 / self.secs / 1e6
        } else {
            0.0
        }
    }
}

/// `| run | message | MB/s | x reference | CPU s Strata | CPU s Chromium | MB per CPU-second |`,
/// the reference being Chromium -> Chromium with the same message size.
#[allow(clippy::print_stdout)]
fn print_table(runs: &[Run]) {
    println!();
    println!(
        "Data channel throughput, one reliable ordered channel, pause above 1 MiB buffered; \
         x reference = MB/s / Chromium -> Chromium's with the same message size; CPU seconds \
         of the whole run per process (Chromium: all its processes)"
    );
    println!();
    println!(
        "| run | message | MB/s | x reference | CPU s Strata | CPU s Chromium | MB per CPU-second |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in runs {
        let reference = runs
            .iter()
            .find(|x| x.case == "chromium-to-chromium" && x.size == r.size)
            .map(Run::mb_per_s)
            .filter(|&v| v > 0.0);
        let ratio = reference.map_or("-".into(), |v| format!("{:.2}", r.mb_per_s() / v));
        let cpu = r.cpu_strata + r.cpu_chromium;
        let per_cpu = if cpu > 0.0 {
            format!("{:.1}", r.bytes as f64 / cpu / 1e6)
        } else {
            "-".into()
        };
        println!(
            "| {} | {} KiB | {:.1} | {ratio} | {:.2} | {:.2} | {per_cpu} |",
            r.case,
            r.size / 1024,
            r.mb_per_s(),
            r.cpu_strata,
            r.cpu_chromium
        );
    }
}

#[cfg(test)]
mod tests {
    use super::Run;

    #[test]
    fn parses_a_console_line() {
        let line = r#"[1126/024512.1:INFO:CONSOLE(25)] "STRATA-TPUT case=chromium-to-strata size=65536 bytes=67108864 secs=4.548 MBps=14.8 cpu_strata=0.44 cpu_chromium=3.34 messages=1024 pauses=108", source: http://127.0.0.1:8081/?auto (25)"#;
        let run = Run::parse(line).expect("a STRATA-TPUT line");
        assert_eq!(run.case, "chromium-to-strata");
        assert_eq!((run.size, run.bytes), (65536, 67_108_864));
        assert_eq!(
            (run.secs, run.cpu_strata, run.cpu_chromium),
            (4.548, 0.44, 3.34)
        );
        assert!((run.mb_per_s() - 14.756).abs() < 0.01);
        assert_eq!(Run::parse("STRATA-RESULT x PASS"), None);
        assert_eq!(Run::parse("STRATA-TPUT case=x size=big"), None);
    }
}
