//! Goodput of one association over an emulated path: a bottleneck link of fixed rate with
//! a drop-tail queue, a one-way delay and random loss, on a virtual clock (so the figures
//! repeat run to run and do not depend on this machine's speed). Reliable ordered 64 KiB
//! messages from a to b, the receiver reading everything at once.
//!
//! `cargo run --release -p strata-sctp --example delay_loss [rate_mbit] [total_mib]`
//!
//! Prints one line per (round-trip time, loss, receive window): the goodput in Mbit/s of
//! virtual time. The receive window bounds what can be in flight: at most one window per
//! round trip, whatever the link rate (RFC 9260 section 6.1 rule A).

#![allow(clippy::print_stdout)]

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use strata_sctp::association::{Association, Config, Event};
use strata_sctp::chunk::Ppid;

/// A one-way path: packets leave at the link rate, wait in a bounded queue, arrive after
/// the delay unless lost.
struct Path {
    rate_bytes_per_s: f64,
    delay: Duration,
    loss: f64,
    queue_limit: usize,
    /// When the link finishes sending what it holds.
    busy_until: Instant,
    /// (arrival time, packet), in arrival order.
    in_flight: VecDeque<(Instant, Vec<u8>)>,
    /// Departure times of the packets still queued or on the wire (for the queue limit).
    departures: VecDeque<Instant>,
    rng: u64,
}

impl Path {
    fn new(rate_mbit: f64, delay: Duration, loss: f64, now: Instant, seed: u64) -> Path {
        Path {
            rate_bytes_per_s: rate_mbit * 1e6 / 8.0,
            delay,
            loss,
            queue_limit: 512,
            busy_until: now,
            in_flight: VecDeque::new(),
            departures: VecDeque::new(),
            rng: seed | 1,
        }
    }

    fn random(&mut self) -> f64 {
        // xorshift64
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng >> 11) as f64 / (1u64 << 53) as f64
    }

    fn send(&mut self, now: Instant, packet: Vec<u8>) {
        while self.departures.front().is_some_and(|d| *d <= now) {
            self.departures.pop_front();
        }
        if self.departures.len() >= self.queue_limit || self.random() < self.loss {
            return;
        }
        let start = self.busy_until.max(now);
        // 28 bytes of IP and UDP, 29 of DTLS record overhead (AES-GCM) per packet.
        let wire = (packet.len() + 57) as f64;
        let done = start + Duration::from_secs_f64(wire / self.rate_bytes_per_s);
        self.busy_until = done;
        self.departures.push_back(done);
        self.in_flight.push_back((done + self.delay, packet));
    }

    fn next_arrival(&self) -> Option<Instant> {
        self.in_flight.front().map(|p| p.0)
    }
}

fn run(rate_mbit: f64, rtt: Duration, loss: f64, window: usize, total: usize) -> (f64, u64, u64) {
    let config = |seed| Config {
        seed,
        receive_buffer: window,
        send_buffer: 4 << 20,
        heartbeat_interval: None,
        ..Config::default()
    };
    let start = Instant::now();
    let mut now = start;
    let mut a = Association::new(config(1), now);
    let mut b = Association::new(config(2), now);
    let mut ab = Path::new(rate_mbit, rtt / 2, loss, now, 7);
    let mut ba = Path::new(rate_mbit, rtt / 2, loss, now, 11);
    a.connect(now).expect("connect");
    let message = vec![0x5au8; 64 << 10];
    let mut read = 0usize;
    let mut began = None;
    while read < total {
        if a.is_established() {
            began.get_or_insert(now);
            while a.buffered_bytes() < (2 << 20) {
                a.send(now, 0, Ppid::BINARY, &message, true).expect("send");
            }
        }
        while let Some(p) = a.poll_transmit() {
            ab.send(now, p);
        }
        while let Some(p) = b.poll_transmit() {
            ba.send(now, p);
        }
        while let Some(e) = b.poll_event() {
            if let Event::Message { data, .. } = e {
                read += data.len();
                b.recycle(data);
            }
        }
        while b.poll_event().is_some() {}
        // The next thing to happen: a packet arriving or a timer.
        let next = [
            ab.next_arrival(),
            ba.next_arrival(),
            a.poll_timeout(),
            b.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
        .expect("something pending");
        now = now.max(next);
        while ab.next_arrival().is_some_and(|t| t <= now) {
            if let Some((_, p)) = ab.in_flight.pop_front() {
                let _ = b.handle_packet(now, &p);
            }
        }
        while ba.next_arrival().is_some_and(|t| t <= now) {
            if let Some((_, p)) = ba.in_flight.pop_front() {
                let _ = a.handle_packet(now, &p);
            }
        }
        a.handle_timeout(now);
        b.handle_timeout(now);
        assert!(now - start < Duration::from_secs(3600), "stalled");
    }
    let elapsed = now - began.unwrap_or(start);
    let st = a.stats();
    (
        read as f64 * 8.0 / elapsed.as_secs_f64() / 1e6,
        st.t3_expiries,
        st.fast_retransmits,
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rate: f64 = args.next().map_or(Ok(1000.0), |a| a.parse())?;
    let total_mib: usize = args.next().map_or(Ok(64), |a| a.parse())?;
    println!("link {rate} Mbit/s, {total_mib} MiB of 64 KiB messages, virtual time");
    println!("rtt_ms  loss_%  window_KiB  goodput_Mbit/s  t3_expiries  fast_retransmits");
    for rtt_ms in [2u64, 20, 100] {
        for loss in [0.0, 0.01] {
            for window in [1usize << 20, 4 << 20] {
                let (mbit, t3, fast) = run(
                    rate,
                    Duration::from_millis(rtt_ms),
                    loss,
                    window,
                    total_mib << 20,
                );
                println!(
                    "{rtt_ms:>6}  {:>6.1}  {:>10}  {mbit:>14.1}  {t3:>11}  {fast:>16}",
                    loss * 100.0,
                    window >> 10
                );
            }
        }
    }
    Ok(())
}
