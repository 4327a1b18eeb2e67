//! Whole stacks side by side: Strata's `PeerConnection` against webrtc-rs 0.21.1 (`webrtc`)
//! (and, opt-in with `--stacks strata,webrtc-rs,str0m`, str0m 0.25.0 driven by a tokio UDP
//! loop of ours: setup and memory only, its throughput loop stalls and is not debugged yet),
//! two peer connections in one process over loopback UDP, one reliable ordered data channel.
//!
//! ```text
//! cargo run --release --manifest-path bench/Cargo.toml --bin peers -- \
//!     [--seconds 10] [--runs 20] [--connections 1000] [--stacks strata,webrtc-rs,str0m] \
//!     [--workloads setup,throughput,memory]
//! ```
//! (`cargo xtask bench peer` runs it with `--seconds 5`.)
//!
//! Workloads, each (stack, workload) in its own child process (this binary re-executed with
//! `--child STACK WORKLOAD ARGS`), on a multi-thread tokio runtime with 2 workers:
//! 1. setup: fresh pair per run, both connections constructed (socket bind, certificate
//!    generation: every stack makes one per connection), `create_data_channel`,
//!    `create_offer`, non-trickle offer/answer handed over in-process, until the channel is
//!    open on both sides. One warm-up run first (not counted). Median and p90.
//! 2. throughput: one way A -> B, 64 KiB and 1 KiB binary messages for `--seconds`; the
//!    sender pauses above 1 MiB buffered and resumes on the buffered-amount-low event
//!    (threshold 512 KiB). The receiver checks every message's length and sequence number.
//!    Rate = bytes received / (first send -> last message received); CPU = getrusage
//!    RUSAGE_SELF user+sys over the same interval; peak RSS = VmHWM of the child.
//! 3. memory: N/2 pairs (N connections) connected with an open channel, 32 set up at a time;
//!    per connection = (VmRSS after all are connected and 1 s of idling - VmRSS before) / N,
//!    "before" taken after one warm-up pair is connected (kept alive, not counted).
//!
//! Output: a markdown table on stdout with Strata's ratio to each other stack (> 1: Strata
//! better). A child that fails or exceeds its time limit shows as `failed: ...` /
//! `timed out` in its cells; the run goes on.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../peers/mod.rs"]
mod peers;

use std::collections::HashMap;
use std::future::Future;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use peers::{Stack, Throughput, raise_nofile_limit, runtime, status_kib};

/// Pairs set up at the same time in the memory workload.
const CONCURRENCY: usize = 32;

struct Options {
    seconds: f64,
    runs: usize,
    connections: usize,
    stacks: Vec<Stack>,
    workloads: Vec<String>,
}

fn usage() -> ! {
    eprintln!(
        "usage: peers [--seconds S] [--runs R] [--connections N] [--stacks strata,webrtc-rs,str0m] \
         [--workloads setup,throughput,memory]"
    );
    std::process::exit(2)
}

fn parse_options(args: &[String]) -> Options {
    let mut o = Options {
        seconds: 10.0,
        runs: 20,
        connections: 1000,
        // str0m is opt-in (`--stacks strata,webrtc-rs,str0m`): setup and memory only so far.
        stacks: vec![Stack::Strata, Stack::WebrtcRs],
        workloads: vec!["setup".into(), "throughput".into(), "memory".into()],
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--seconds" => o.seconds = value.parse().unwrap_or_else(|_| usage()),
            "--runs" => o.runs = value.parse().unwrap_or_else(|_| usage()),
            "--connections" => o.connections = value.parse().unwrap_or_else(|_| usage()),
            "--stacks" => {
                o.stacks = value
                    .split(',')
                    .map(|s| Stack::from_name(s).unwrap_or_else(|| usage()))
                    .collect();
            }
            "--workloads" => o.workloads = value.split(',').map(str::to_owned).collect(),
            _ => usage(),
        }
    }
    o
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        let code = match child(&args[1..]) {
            Ok(()) => 0,
            Err(e) => {
                println!("ERROR {e}");
                1
            }
        };
        std::process::exit(code);
    }
    let options = parse_options(&args);
    parent(&options, &args);
}

// ---------------------------------------------------------------------------------------
// Children: one stack, one workload.

fn child(args: &[String]) -> Result<(), String> {
    let [stack, workload, rest @ ..] = args else {
        return Err("--child STACK WORKLOAD ARGS".into());
    };
    let stack = Stack::from_name(stack).ok_or("unknown stack")?;
    let number = |i: usize| -> Result<f64, String> {
        rest.get(i)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{workload}: argument {i} missing"))
    };
    raise_nofile_limit();
    let rt = runtime().map_err(|e| e.to_string())?;
    match workload.as_str() {
        "setup" => {
            let runs = number(0)? as usize;
            rt.block_on(async {
                match stack {
                    Stack::Strata => {
                        setup_runs(
                            runs,
                            peers::strata::connect,
                            |p| (p.construct, p.open),
                            |p| p.close(),
                        )
                        .await
                    }
                    Stack::WebrtcRs => {
                        setup_runs(
                            runs,
                            peers::webrtc_rs::connect,
                            |p| (p.construct, p.open),
                            |p| p.close(),
                        )
                        .await
                    }
                    Stack::Str0m => {
                        setup_runs(
                            runs,
                            peers::str0m::connect,
                            |p| (p.construct, p.open),
                            |p| p.close(),
                        )
                        .await
                    }
                }
            })
        }
        "throughput" => {
            let (size, seconds) = (number(0)? as usize, number(1)?);
            let result = rt.block_on(async {
                match stack {
                    Stack::Strata => {
                        let pair = peers::strata::connect().await?;
                        let r = peers::strata::throughput(&pair, size, seconds).await;
                        pair.close().await;
                        r
                    }
                    Stack::WebrtcRs => {
                        let pair = peers::webrtc_rs::connect().await?;
                        let r = peers::webrtc_rs::throughput(&pair, size, seconds).await;
                        pair.close().await;
                        r
                    }
                    Stack::Str0m => {
                        let _ = (size, seconds, peers::str0m::throughput);
                        Err(
                            "our str0m loop stalls in this workload (not debugged yet); \
                             see src/peers/str0m.rs"
                                .into(),
                        )
                    }
                }
            })?;
            report_throughput(&result);
            Ok(())
        }
        "memory" => {
            let connections = number(0)? as usize;
            rt.block_on(async {
                match stack {
                    Stack::Strata => idle(connections, peers::strata::connect).await,
                    Stack::WebrtcRs => idle(connections, peers::webrtc_rs::connect).await,
                    Stack::Str0m => idle(connections, peers::str0m::connect_idle).await,
                }
            })
        }
        _ => Err(format!("unknown workload {workload}")),
    }
}

fn report_throughput(t: &Throughput) {
    println!("{}", t.result_line());
    if let Some(e) = &t.error {
        eprintln!("peers: {e}");
    }
}

async fn setup_runs<P, Fut, CloseFut>(
    runs: usize,
    connect: fn() -> Fut,
    times: fn(&P) -> (Duration, Duration),
    close: fn(P) -> CloseFut,
) -> Result<(), String>
where
    Fut: Future<Output = Result<P, String>>,
    CloseFut: Future<Output = ()>,
{
    // Warm-up: one-time initialisation (lazy statics, first allocations) is not counted.
    close(connect().await?).await;
    for _ in 0..runs {
        let pair = connect().await?;
        let (construct, open) = times(&pair);
        println!(
            "RESULT setup construct_ms={:.4} open_ms={:.4}",
            construct.as_secs_f64() * 1e3,
            open.as_secs_f64() * 1e3
        );
        close(pair).await;
    }
    Ok(())
}

async fn idle<P, Fut>(connections: usize, connect: fn() -> Fut) -> Result<(), String>
where
    P: Send + 'static,
    Fut: Future<Output = Result<P, String>> + Send + 'static,
{
    let warm = connect().await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = status_kib("VmRSS");
    let pairs = connections.div_ceil(2);
    let mut set = tokio::task::JoinSet::new();
    let mut kept = Vec::with_capacity(pairs);
    let started = Instant::now();
    for _ in 0..pairs {
        if set.len() >= CONCURRENCY
            && let Some(done) = set.join_next().await
        {
            kept.push(done.map_err(|e| e.to_string())??);
        }
        set.spawn(connect());
    }
    while let Some(done) = set.join_next().await {
        kept.push(done.map_err(|e| e.to_string())??);
    }
    let connect_seconds = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = status_kib("VmRSS");
    println!(
        "RESULT memory connections={} before_kib={before} after_kib={after} hwm_kib={} connect_s={connect_seconds:.3}",
        2 * kept.len(),
        status_kib("VmHWM"),
    );
    drop(kept);
    drop(warm);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Parent: runs the children and prints the table.

/// One child's `RESULT` lines (kind, fields), or why there are none.
type Results = Result<Vec<(String, HashMap<String, f64>)>, String>;

fn run_child(stack: Stack, workload: &str, args: &[String], limit: Duration) -> Results {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    eprintln!(
        "peers: {} {workload} {} (limit {limit:?})",
        stack.name(),
        args.join(" ")
    );
    let mut child = Command::new(exe)
        .arg("--child")
        .arg(stack.name())
        .arg(workload)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if started.elapsed() > limit {
            // Best effort: the child is ours and may already be gone.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = reader.join().unwrap_or_default();
    let mut results = Vec::new();
    let mut error = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("RESULT ") {
            let mut words = rest.split_whitespace();
            let kind = words.next().unwrap_or_default().to_owned();
            let fields = words
                .filter_map(|w| w.split_once('='))
                .filter_map(|(k, v)| Some((k.to_owned(), v.parse().ok()?)))
                .collect();
            results.push((kind, fields));
        } else if let Some(e) = line.strip_prefix("ERROR ") {
            error = Some(e.to_owned());
        }
    }
    match status {
        None => Err(format!("timed out after {limit:?}")),
        Some(s) if !s.success() => Err(error.unwrap_or_else(|| format!("exited with {s}"))),
        Some(_) => Ok(results),
    }
}

/// A table row: the workload, one cell per stack, and Strata's ratio to each other stack.
struct Row {
    workload: String,
    cells: Vec<String>,
    ratios: Vec<String>,
}

/// How a row's numbers compare: Strata's advantage as a factor (> 1: Strata better).
#[derive(Clone, Copy)]
enum Better {
    Higher,
    Lower,
    None,
}

fn ratio(strata: Option<f64>, other: Option<f64>, better: Better) -> String {
    let (Some(s), Some(w)) = (strata, other) else {
        return "-".into();
    };
    let r = match better {
        Better::Higher if w > 0.0 => s / w,
        Better::Lower if s > 0.0 => w / s,
        _ => return "-".into(),
    };
    if r >= 100.0 {
        format!("{r:.0}x")
    } else {
        format!("{r:.2}x")
    }
}

fn row(
    workload: impl Into<String>,
    values: &[Result<(Option<f64>, String), String>],
    better: Better,
) -> Row {
    let numbers: Vec<Option<f64>> = values
        .iter()
        .map(|v| v.as_ref().ok().and_then(|(n, _)| *n))
        .collect();
    Row {
        workload: workload.into(),
        cells: values
            .iter()
            .map(|v| match v {
                Ok((_, text)) => text.clone(),
                Err(e) => e.clone(),
            })
            .collect(),
        ratios: numbers
            .iter()
            .skip(1)
            .map(|other| ratio(numbers.first().copied().flatten(), *other, better))
            .collect(),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// The first word of an error, for a table cell.
fn short(e: &str) -> String {
    let e = e.replace('|', "/");
    if e.len() > 60 {
        let mut end = 60;
        while !e.is_char_boundary(end) {
            end -= 1;
        }
        format!("failed: {}…", &e[..end])
    } else {
        format!("failed: {e}")
    }
}

fn parent(o: &Options, args: &[String]) {
    let mut rows = Vec::new();
    let wants = |w: &str| o.workloads.iter().any(|x| x == w);
    if wants("setup") {
        setup_rows(o, &mut rows);
    }
    if wants("throughput") {
        for size in [64 * 1024, 1024] {
            throughput_rows(o, size, &mut rows);
        }
    }
    if wants("memory") {
        memory_rows(o, &mut rows);
    }
    println!();
    println!(
        "Two peer connections in one process, loopback UDP, one reliable ordered data channel; \
         each stack and workload in its own process (tokio multi-thread, 2 workers)."
    );
    println!("Command: `peers {}`", args.join(" "));
    println!();
    let strata_first = o.stacks.first() == Some(&Stack::Strata);
    let others: Vec<&str> = if strata_first {
        o.stacks.iter().skip(1).map(|s| s.name()).collect()
    } else {
        Vec::new()
    };
    print!("| workload |");
    for s in &o.stacks {
        print!(" {} |", s.name());
    }
    for name in &others {
        print!(" Strata vs {name} |");
    }
    println!();
    print!("|---|");
    for _ in o.stacks.iter().map(|_| ()).chain(others.iter().map(|_| ())) {
        print!("---:|");
    }
    println!();
    for r in rows {
        print!("| {} |", r.workload);
        for c in &r.cells {
            print!(" {c} |");
        }
        for ratio in r.ratios.iter().take(others.len()) {
            print!(" {ratio} |");
        }
        println!();
    }
    println!();
    println!(
        "Ratios: how many times better Strata is (> 1: Strata better; rate and bytes per CPU-second: Strata / other; times, memory, gaps: other / Strata)."
    );
}

fn setup_rows(o: &Options, rows: &mut Vec<Row>) {
    let limit = Duration::from_secs(60 + 25 * o.runs as u64);
    let mut total = Vec::new();
    let mut p90 = Vec::new();
    let mut open = Vec::new();
    for &stack in &o.stacks {
        match run_child(stack, "setup", &[o.runs.to_string()], limit) {
            Ok(results) => {
                let mut t: Vec<f64> = Vec::new();
                let mut x: Vec<f64> = Vec::new();
                for (_, f) in results.iter().filter(|(k, _)| k == "setup") {
                    let (c, op) = (f.get("construct_ms"), f.get("open_ms"));
                    if let (Some(c), Some(op)) = (c, op) {
                        t.push(c + op);
                        x.push(*op);
                    }
                }
                t.sort_by(f64::total_cmp);
                x.sort_by(f64::total_cmp);
                let cell = |v: f64| Ok((Some(v), format!("{v:.2} ms")));
                total.push(cell(percentile(&t, 0.5)));
                p90.push(cell(percentile(&t, 0.9)));
                open.push(cell(percentile(&x, 0.5)));
            }
            Err(e) => {
                for v in [&mut total, &mut p90, &mut open] {
                    v.push(Err(short(&e)));
                }
            }
        }
    }
    let n = o.runs;
    rows.push(row(
        format!("setup: construct both (certificate per connection) + createOffer -> channel open on both sides, median of {n}"),
        &total,
        Better::Lower,
    ));
    rows.push(row("setup, p90", &p90, Better::Lower));
    rows.push(row(
        "setup without construction: createDataChannel + createOffer -> open on both sides, median",
        &open,
        Better::Lower,
    ));
}

fn throughput_rows(o: &Options, size: usize, rows: &mut Vec<Row>) {
    let limit = Duration::from_secs_f64(o.seconds + 120.0);
    let label = if size >= 1024 * 1024 {
        format!("{} MiB", size >> 20)
    } else {
        format!("{} KiB", size >> 10)
    };
    let mut rate = Vec::new();
    let mut cpu = Vec::new();
    let mut per_cpu = Vec::new();
    let mut hwm = Vec::new();
    let mut gap = Vec::new();
    let mut check = Vec::new();
    for &stack in &o.stacks {
        let args = [size.to_string(), o.seconds.to_string()];
        let result = run_child(stack, "throughput", &args, limit).and_then(|r| {
            r.into_iter()
                .find(|(k, _)| k == "throughput")
                .map(|(_, f)| f)
                .ok_or_else(|| "no result".to_string())
        });
        match result {
            Ok(f) => {
                let get = |k: &str| f.get(k).copied().unwrap_or(f64::NAN);
                let (bytes, seconds, c) = (get("bytes"), get("seconds"), get("cpu"));
                let mbs = bytes / seconds / 1e6;
                rate.push(Ok((
                    Some(mbs),
                    format!("{mbs:.1} MB/s ({:.1} MiB/s)", bytes / seconds / 1048576.0),
                )));
                cpu.push(Ok((Some(c), format!("{c:.2} s in {seconds:.2} s"))));
                let b = bytes / c / 1e6;
                per_cpu.push(Ok((Some(b), format!("{b:.1} MB"))));
                let h = get("hwm_kib") / 1024.0;
                hwm.push(Ok((Some(h), format!("{h:.1} MiB"))));
                let g = get("gap_ms");
                gap.push(Ok((Some(g), format!("{g:.1} ms"))));
                let (sent, got) = (get("sent_messages"), get("messages"));
                check.push(Ok((
                    None,
                    if get("complete") == 1.0 {
                        format!("yes, {got} messages")
                    } else {
                        format!("NO: {got} of {sent} messages")
                    },
                )));
            }
            Err(e) => {
                for v in [
                    &mut rate,
                    &mut cpu,
                    &mut per_cpu,
                    &mut hwm,
                    &mut gap,
                    &mut check,
                ] {
                    v.push(Err(short(&e)));
                }
            }
        }
    }
    let s = o.seconds;
    rows.push(row(
        format!("one way, {label} messages, {s} s, pause above 1 MiB buffered: rate"),
        &rate,
        Better::Higher,
    ));
    rows.push(row(
        format!("{label}: CPU seconds of the process (user+sys)"),
        &cpu,
        Better::None,
    ));
    rows.push(row(
        format!("{label}: bytes per CPU-second"),
        &per_cpu,
        Better::Higher,
    ));
    rows.push(row(
        format!("{label}: peak RSS (VmHWM)"),
        &hwm,
        Better::Lower,
    ));
    rows.push(row(
        format!("{label}: longest gap without a received message"),
        &gap,
        Better::Lower,
    ));
    rows.push(row(
        format!("{label}: every message arrived, in order"),
        &check,
        Better::None,
    ));
}

fn memory_rows(o: &Options, rows: &mut Vec<Row>) {
    let limit = Duration::from_secs(600);
    let mut per = Vec::new();
    let mut hwm = Vec::new();
    for &stack in &o.stacks {
        let result =
            run_child(stack, "memory", &[o.connections.to_string()], limit).and_then(|r| {
                r.into_iter()
                    .find(|(k, _)| k == "memory")
                    .map(|(_, f)| f)
                    .ok_or_else(|| "no result".to_string())
            });
        match result {
            Ok(f) => {
                let get = |k: &str| f.get(k).copied().unwrap_or(f64::NAN);
                let n = get("connections");
                let p = (get("after_kib") - get("before_kib")) / n;
                per.push(Ok((
                    Some(p),
                    format!("{p:.1} KiB (set up in {:.1} s)", get("connect_s")),
                )));
                let h = get("hwm_kib") / 1024.0;
                hwm.push(Ok((Some(h), format!("{h:.1} MiB"))));
            }
            Err(e) => {
                per.push(Err(short(&e)));
                hwm.push(Err(short(&e)));
            }
        }
    }
    let n = o.connections;
    rows.push(row(
        format!("memory per idle connected peer connection ({n}, channel open, RSS growth / N)"),
        &per,
        Better::Lower,
    ));
    rows.push(row(
        format!("{n} idle connections: peak RSS (VmHWM)"),
        &hwm,
        Better::Lower,
    ));
}
