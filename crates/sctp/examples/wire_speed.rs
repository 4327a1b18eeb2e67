//! Rough timings of the hot wire paths (std::time loop, release build):
//! `cargo run --release -p strata-sctp --example wire_speed`. Criterion benches live in bench/.
//!
//! Each case runs in rounds of many iterations; the best round is reported, which filters
//! out noise from other processes.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Instant;

use strata_sctp::chunk::{Data, GapAckBlock, Ppid, Sack};
use strata_sctp::{Chunk, CommonHeader, Items, PacketBuilder, SctpPacket};

const ITERS: u32 = 20_000;
const ROUNDS: usize = 50;

fn best_ns(mut f: impl FnMut()) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..ITERS {
            f();
        }
        best = best.min(start.elapsed().as_nanos() as f64 / f64::from(ITERS));
    }
    best
}

fn main() {
    let header = CommonHeader {
        source_port: 5000,
        destination_port: 5000,
        verification_tag: 0xdead_beef,
    };
    let payload = vec![0x5a; 1200 - 12 - 16];
    let data = Data {
        beginning: true,
        ending: true,
        tsn: 1,
        stream_id: 1,
        ppid: Ppid::BINARY,
        ..Data::default()
    };
    let mut packet = vec![0u8; 1200];
    let mut builder = PacketBuilder::new(&mut packet, header).unwrap();
    builder
        .push_data_header(&data, payload.len())
        .unwrap()
        .copy_from_slice(&payload);
    assert_eq!(builder.finish(), 1200);

    let crc = best_ns(|| {
        black_box(strata_sctp::packet::checksum(black_box(&packet)));
    });
    println!("CRC32c, 1200-byte packet:            {crc:7.1} ns");

    let parse = best_ns(|| {
        let p = SctpPacket::new_checked(black_box(&packet[..])).unwrap();
        for raw in p.into_chunks() {
            if let Ok(Chunk::Data(d)) = Chunk::parse(raw) {
                black_box((d.tsn, d.user_data));
            }
        }
    });
    println!("parse 1200-byte DATA packet, no CRC:  {parse:7.1} ns");

    let verify = best_ns(|| {
        let p = SctpPacket::new_checked(black_box(&packet[..])).unwrap();
        p.verify_checksum().unwrap();
        for raw in p.into_chunks() {
            if let Ok(Chunk::Data(d)) = Chunk::parse(raw) {
                black_box((d.tsn, d.user_data));
            }
        }
    });
    println!("parse + verify CRC, same packet:      {verify:7.1} ns");

    let mut out = vec![0u8; 1200];
    let build = best_ns(|| {
        let mut b = PacketBuilder::new(&mut out, header).unwrap();
        b.push_data_header(black_box(&data), payload.len())
            .unwrap()
            .copy_from_slice(&payload);
        black_box(b.finish());
    });
    println!("build same packet (copy + CRC):       {build:7.1} ns");

    let gaps = [
        GapAckBlock { start: 2, end: 3 },
        GapAckBlock { start: 5, end: 9 },
        GapAckBlock { start: 12, end: 20 },
        GapAckBlock { start: 30, end: 31 },
    ];
    let sack = Chunk::Sack(Sack {
        cumulative_tsn_ack: 1000,
        a_rwnd: 1 << 20,
        gap_ack_blocks: Items::Slice(&gaps),
        duplicate_tsns: Items::EMPTY,
    });
    let mut sack_packet = vec![0u8; 64];
    let mut b = PacketBuilder::new(&mut sack_packet, header).unwrap();
    b.push(&sack).unwrap();
    let n = b.finish();
    sack_packet.truncate(n);
    let sack_parse = best_ns(|| {
        let p = SctpPacket::new_checked(black_box(&sack_packet[..])).unwrap();
        for raw in p.into_chunks() {
            if let Ok(Chunk::Sack(s)) = Chunk::parse(raw) {
                for g in s.gap_ack_blocks {
                    black_box(g);
                }
            }
        }
    });
    println!("parse SACK with 4 gap blocks, walk:   {sack_parse:7.1} ns");
}
