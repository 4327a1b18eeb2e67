//! Heap per idle connected sans-IO core: N pairs of [`Rtc`]s connected in memory (virtual
//! clock, datagrams shuttled between them), one data channel open per pair, run to idle
//! (two minutes of virtual time: consent checks and SCTP heartbeats), then the live heap per
//! connection as a counting global allocator sees it, with snapshots between the steps.
//!
//! ```text
//! cargo run --release -p strata-peer --example core_memory -- [PAIRS] [own|shared|both]
//! ```
//! PAIRS defaults to 200. `own`: a certificate generated per connection (the default
//! config); `shared`: one `Arc<Certificate>` for all; `both` (the default) runs one after
//! the other, and then the second run's resident-memory line understates (it reuses pages
//! the first run freed). With `CORE_MEMORY_KEEP=1` the process exits with the pairs of the
//! last run still live, so `valgrind --tool=dhat` lists what they hold ("At t-end").
//! Heap figures include the `Rtc` value itself (`size_of::<Rtc>()`, held in a
//! preallocated `Vec` here and boxed in a task by the async layer).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::alloc::System;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
use strata_dtls::crypto::cert::Certificate;
use strata_peer::{ChannelId, DataChannelInit, Event, PeerConnectionState, Rtc, RtcConfig};

/// Counts allocations on top of the system allocator (live = allocated - freed).
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[derive(Clone, Copy, Default)]
struct Snapshot {
    bytes: isize,
    allocs: isize,
}

fn snapshot() -> Snapshot {
    let s = GLOBAL.stats();
    Snapshot {
        bytes: s.bytes_allocated as isize - s.bytes_deallocated as isize,
        allocs: s.allocations as isize - s.deallocations as isize,
    }
}

/// Per-step totals summed over all pairs.
#[derive(Default)]
struct Steps {
    /// `Rtc::new` (certificate, credentials, the `Rtc` itself is counted in the Vec).
    created: Snapshot,
    /// Offer/answer applied (descriptions, ICE agent, host candidates), channel created.
    negotiated: Snapshot,
    /// The channel is open on both sides (after the DTLS and SCTP handshakes).
    open: Snapshot,
    /// After two minutes idle.
    idle: Snapshot,
}

fn add(total: &mut Snapshot, from: Snapshot, to: Snapshot) {
    total.bytes += to.bytes - from.bytes;
    total.allocs += to.allocs - from.allocs;
}

struct Pair {
    a: Rtc,
    b: Rtc,
    now: Instant,
    a_open: bool,
    channel: ChannelId,
}

const A: &str = "10.0.0.1:5000";
const B: &str = "10.0.0.2:6000";

impl Pair {
    /// Delivers every pending datagram (zero latency) and drains events, until quiet.
    fn shuttle(&mut self) {
        loop {
            let mut moved = false;
            while let Some(t) = self.a.poll_transmit() {
                moved = true;
                self.b
                    .handle_packet(self.now, t.source, t.destination, &t.contents);
            }
            while let Some(t) = self.b.poll_transmit() {
                moved = true;
                self.a
                    .handle_packet(self.now, t.source, t.destination, &t.contents);
            }
            while let Some(e) = self.a.poll_event() {
                if e == Event::ChannelOpen(self.channel) {
                    self.a_open = true;
                }
            }
            while self.b.poll_event().is_some() {}
            if !moved {
                break;
            }
        }
    }

    /// Jumps the virtual clock to the next timer (at least 1 ms on) and fires it.
    fn tick(&mut self) {
        self.shuttle();
        let next = [self.a.poll_timeout(), self.b.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(self.now + Duration::from_millis(10));
        self.now = self.now.max(next).max(self.now + Duration::from_millis(1));
        self.a.handle_timeout(self.now);
        self.b.handle_timeout(self.now);
        self.shuttle();
    }
}

fn config(shared: Option<&Arc<Certificate>>) -> RtcConfig {
    RtcConfig {
        certificate: shared.cloned(),
        ..RtcConfig::default()
    }
}

fn run(pairs: usize, shared: Option<&Arc<Certificate>>, last: bool) {
    let mut keep: Vec<Pair> = Vec::with_capacity(pairs);
    let mut steps = Steps::default();
    let start = snapshot();
    let rss_start = rss_kib();
    for _ in 0..pairs {
        let s0 = snapshot();
        let mut a = Rtc::new(config(shared)).unwrap();
        let mut b = Rtc::new(config(shared)).unwrap();
        a.add_local_address(A.parse::<SocketAddr>().unwrap());
        b.add_local_address(B.parse::<SocketAddr>().unwrap());
        let s1 = snapshot();
        add(&mut steps.created, s0, s1);
        let now = Instant::now();
        let channel = a
            .create_data_channel(now, "idle", DataChannelInit::default())
            .unwrap();
        let offer = a.create_offer().unwrap();
        a.set_local_description(now, &offer).unwrap();
        b.set_remote_description(now, offer).unwrap();
        let answer = b.create_answer().unwrap();
        b.set_local_description(now, &answer).unwrap();
        a.set_remote_description(now, answer).unwrap();
        keep.push(Pair {
            a,
            b,
            now,
            a_open: false,
            channel,
        });
        let p = keep.last_mut().expect("just pushed");
        p.shuttle();
        let s2 = snapshot();
        add(&mut steps.negotiated, s1, s2);
        let deadline = now + Duration::from_secs(30);
        while !p.a_open {
            assert!(p.now < deadline, "pair did not open a channel");
            p.tick();
        }
        assert_eq!(p.a.connection_state(), PeerConnectionState::Connected);
        assert_eq!(p.b.connection_state(), PeerConnectionState::Connected);
        let s3 = snapshot();
        add(&mut steps.open, s2, s3);
        let idle_until = p.now + Duration::from_secs(120);
        while p.now < idle_until {
            p.tick();
        }
        assert_eq!(p.a.connection_state(), PeerConnectionState::Connected);
        let s4 = snapshot();
        add(&mut steps.idle, s3, s4);
    }
    let end = snapshot();
    let conns = (2 * pairs) as f64;
    let kib = |b: isize| b as f64 / conns / 1024.0;
    let per = |a: isize| a as f64 / conns;
    let vec = (2 * pairs * size_of::<Rtc>()) as isize;
    println!();
    println!(
        "{} certificate: {pairs} pairs, {} connections idle with an open data channel",
        if shared.is_some() {
            "shared"
        } else {
            "per-connection"
        },
        2 * pairs
    );
    println!(
        "  Rtc value (size_of, inline)     {:6.2} KiB",
        size_of::<Rtc>() as f64 / 1024.0
    );
    println!(
        "    of which inline: ice Agent {} B, dtls Endpoint {} B, sctp DataChannels {} B",
        size_of::<strata_ice::Agent>(),
        size_of::<strata_dtls::endpoint::Endpoint>(),
        size_of::<strata_sctp::datachannel::DataChannels>(),
    );
    for (name, s) in [
        ("created (Rtc::new + address)", steps.created),
        ("negotiated (offer/answer, agent)", steps.negotiated),
        ("channel open (ICE+DTLS+SCTP)", steps.open),
        ("after 120 s idle", steps.idle),
    ] {
        println!(
            "  {name:<32} {:+7.2} KiB {:+8.1} allocs",
            kib(s.bytes),
            per(s.allocs)
        );
    }
    println!(
        "  total live heap per connection  {:6.2} KiB {:8.1} allocs (incl. the Rtc value)",
        kib(end.bytes - start.bytes + vec),
        per(end.allocs - start.allocs)
    );
    let rss = rss_kib().saturating_sub(rss_start) as f64 / conns;
    println!(
        "  resident memory growth per connection {rss:6.2} KiB (VmRSS, allocator overhead included)"
    );
    if last && std::env::var_os("CORE_MEMORY_KEEP").is_some() {
        // Exit with every pair still live, for `valgrind --tool=dhat` ("At t-end").
        std::process::exit(0);
    }
    drop(keep);
}

/// The process's resident set size (Linux; 0 elsewhere).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let pairs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let mode = std::env::args().nth(2).unwrap_or_else(|| "both".to_owned());
    // Warm-up: one pair so one-time allocations (lazy statics, code paths) are not counted.
    run(1, None, false);
    let cert = Arc::new(
        Certificate::generate("strata", &ring::rand::SystemRandom::new()).expect("certificate"),
    );
    match mode.as_str() {
        "own" => run(pairs, None, true),
        "shared" => run(pairs, Some(&cert), true),
        _ => {
            run(pairs, None, false);
            run(pairs, Some(&cert), true);
        }
    }
}
