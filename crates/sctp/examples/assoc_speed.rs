//! Rough throughput of an in-memory association pair (no DTLS, no loss, packets handed
//! over directly): reliable ordered messages from a to b.
//!
//! `cargo run --release -p strata-sctp --example assoc_speed [message_len] [total_mib]`

#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use strata_sctp::association::{Association, Config, Event};
use strata_sctp::chunk::Ppid;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let msg_len: usize = args.next().map_or(Ok(16_384), |a| a.parse())?;
    let total_mib: usize = args.next().map_or(Ok(256), |a| a.parse())?;
    let total = total_mib << 20;
    let config = |seed| Config {
        seed,
        receive_buffer: 1 << 20,
        send_buffer: 1 << 20,
        rto_min: Duration::from_millis(200),
        heartbeat_interval: None,
        ..Config::default()
    };
    // A virtual clock: one microsecond per round, so timers behave.
    let mut now = Instant::now();
    let mut a = Association::new(config(1), now);
    let mut b = Association::new(config(2), now);
    a.connect(now)?;
    let message = vec![0x5a; msg_len];
    let (mut sent, mut received) = (0usize, 0usize);
    let start = Instant::now();
    let mut packets = 0u64;
    while received < total {
        while sent < total && a.send(now, 0, Ppid::BINARY, &message, true).is_ok() {
            sent += msg_len;
        }
        while let Some(p) = a.poll_transmit() {
            packets += 1;
            b.handle_packet(now, &p)?;
        }
        while let Some(e) = b.poll_event() {
            if let Event::Message { data, .. } = e {
                received += data.len();
            }
        }
        while let Some(p) = b.poll_transmit() {
            a.handle_packet(now, &p)?;
        }
        now += Duration::from_micros(1);
        for x in [&mut a, &mut b] {
            if x.poll_timeout().is_some_and(|t| t <= now) {
                x.handle_timeout(now);
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "{msg_len} B messages: {:.0} MB/s, {:.0} k msgs/s, {packets} data packets, {:.0} ns/packet",
        received as f64 / elapsed / 1e6,
        (received / msg_len) as f64 / elapsed / 1e3,
        elapsed * 1e9 / packets as f64
    );
    Ok(())
}
