//! One-way data channel throughput between two `PeerConnection`s in this process over
//! loopback UDP: 64 KiB messages (or `--size N`), the sender pauses above 1 MiB buffered and
//! resumes on `bufferedamountlow` (512 KiB).
//!
//! ```text
//! cargo run --release -p strata-peer --example throughput -- [--mib 256] [--size 65536]
//! ```
//! Prints MB/s, the process's CPU time, and the datagrams each side sent and received (a
//! difference is loss in the kernel, which costs retransmissions).
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use strata_peer::stats::Stats;
use strata_peer::{Configuration, DataChannelInit, Event, PeerConnection};

/// User + system CPU seconds of this process (Linux /proc/self/stat, clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

async fn datagrams(pc: &PeerConnection) -> (u64, u64) {
    pc.get_stats()
        .await
        .iter()
        .find_map(|s| match s {
            Stats::Transport(t) => Some((t.packets_sent, t.packets_received)),
            _ => None,
        })
        .unwrap_or_default()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let total = flag("--mib", 256) << 20;
    let size = flag("--size", 65_536);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let config = || Configuration {
            local_addresses: Some(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]),
            disable_mdns: true,
            ..Configuration::default()
        };
        let a = PeerConnection::new(config()).await.unwrap();
        let b = PeerConnection::new(config()).await.unwrap();
        let dc = a
            .create_data_channel("throughput", DataChannelInit::default())
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
        while let Some(e) = a.next_event().await {
            if e == Event::ChannelOpen(dc.id()) {
                break;
            }
        }
        let b = std::sync::Arc::new(b);
        let receiver = {
            let b = b.clone();
            tokio::spawn(async move {
                let mut bytes = 0usize;
                while let Some(e) = b.next_event().await {
                    if let Event::ChannelMessage { data, .. } = e {
                        bytes += data.len();
                        if bytes >= total {
                            break;
                        }
                    }
                }
                bytes
            })
        };
        dc.set_buffered_amount_low_threshold(512 << 10).await;
        let message = vec![0x5a; size];
        let (cpu0, t0) = (cpu_seconds(), Instant::now());
        let mut sent = 0;
        while sent < total {
            while dc.buffered_amount().await > 1 << 20 {
                match a.next_event().await {
                    Some(Event::ChannelBufferedAmountLow(_)) | None => break,
                    _ => {}
                }
            }
            dc.send_binary(&message).await.unwrap();
            sent += message.len();
        }
        let bytes = receiver.await.unwrap();
        let (secs, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - cpu0);
        let (a_sent, a_received) = datagrams(&a).await;
        let (b_sent, b_received) = datagrams(&b).await;
        println!(
            "{} MiB in {size}-byte messages: {:.1} MB/s, {secs:.2} s, {cpu:.2} CPU s ({:.1} MB per CPU-second)",
            bytes >> 20,
            bytes as f64 / secs / 1e6,
            bytes as f64 / cpu / 1e6,
        );
        println!(
            "datagrams A->B: {a_sent} sent, {b_received} received; B->A: {b_sent} sent, {a_received} received"
        );
    });
}
