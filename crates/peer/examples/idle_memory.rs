//! Memory per idle connected peer connection: N pairs of `PeerConnection`s in this process
//! over loopback UDP, each with an open data channel, then the process's resident memory.
//!
//! ```text
//! cargo run --release -p strata-peer --example idle_memory -- [PAIRS]   # default 100
//! ```
//! Prints the RSS before and after and the growth per connection (two per pair).
//!
//! ```text
//! cargo run --release -p strata-peer --example idle_memory -- [PAIRS] --churn ROUNDS
//! ```
//! Opens and drops PAIRS pairs ROUNDS times and prints the RSS after each round: memory that
//! a dropped connection kept would grow it round after round (USER-ASKS 1).
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use strata_peer::{Configuration, DataChannelInit, Event, PeerConnection};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn pair() -> (PeerConnection, PeerConnection) {
    let config = || Configuration {
        local_addresses: Some(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]),
        disable_mdns: true,
        ..Configuration::default()
    };
    let a = PeerConnection::new(config()).await.unwrap();
    let b = PeerConnection::new(config()).await.unwrap();
    let dc = a
        .create_data_channel("idle", DataChannelInit::default())
        .await
        .unwrap();
    a.set_local_description(a.create_offer().await.unwrap())
        .await
        .unwrap();
    a.gathering_complete().await;
    b.set_remote_description(a.local_description().await.unwrap())
        .await
        .unwrap();
    b.set_local_description(b.create_answer().await.unwrap())
        .await
        .unwrap();
    b.gathering_complete().await;
    a.set_remote_description(b.local_description().await.unwrap())
        .await
        .unwrap();
    loop {
        match tokio::time::timeout(Duration::from_secs(10), a.next_event()).await {
            Ok(Some(Event::ChannelOpen(id))) if id == dc.id() => break,
            Ok(Some(_)) => {}
            _ => panic!("the channel did not open"),
        }
    }
    (a, b)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let pairs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let churn: Option<usize> = args
        .iter()
        .position(|a| a == "--churn")
        .and_then(|i| args.get(i + 1))
        .and_then(|a| a.parse().ok());
    if let Some(rounds) = churn {
        for round in 1..=rounds {
            let mut open = Vec::with_capacity(pairs);
            for _ in 0..pairs {
                open.push(pair().await);
            }
            drop(open);
            tokio::time::sleep(Duration::from_millis(500)).await;
            println!(
                "round {round}: {} connections opened and dropped, RSS {} KiB",
                2 * pairs,
                rss_kib()
            );
        }
        return;
    }
    // One warm-up pair so one-time allocations (runtime, certificates code) are not counted.
    let warm = pair().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss_kib();
    let mut keep = Vec::with_capacity(pairs);
    for _ in 0..pairs {
        keep.push(pair().await);
    }
    // Let handshakes and queues settle; the connections now idle (consent checks only).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib();
    let per = (after.saturating_sub(before)) as f64 / (2 * pairs) as f64;
    println!(
        "{pairs} pairs ({} connections) idle with an open data channel: RSS {before} KiB -> {after} KiB, {per:.1} KiB per connection",
        2 * pairs
    );
    drop(keep);
    drop(warm);
}
