#![no_main]
//! Feeds a data channel pair mid-session (association up, one DCEP-opened channel each
//! way, messages in flight) arbitrary packets on one side, interleaved with genuine
//! traffic. Input: repeated `[len: u16 BE][flags: u8][bytes: len % 1500]`:
//! - flags bit 0 clear: the bytes are a packet whose ports and verification tag are set
//!   to the right ones (so it gets past the tag check; checksums are not verified);
//!   bit 0 set: they become the user data of a DATA chunk carrying the next TSN the peer
//!   expects, on stream `bytes[0]` % 4 with PPID 50 + (flags >> 5) (DCEP, string,
//!   binary, the empty PPIDs...), so DCEP and channel handling see arbitrary messages;
//! - bit 1: advance the clock by `((flags >> 2) & 7) * 100 ms` and fire due timers;
//! - bit 2 (of the high nibble, 0x10): the other side sends a message and both sides
//!   exchange their genuine packets.
//!
//! Oracles: no panic; every packet either side emits parses with a correct CRC32c; the
//! association's buffers stay within their bounds.

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use strata_sctp::association::{Association, Config};
use strata_sctp::chunk::{Data, Ppid};
use strata_sctp::datachannel::{ChannelConfig, DataChannels, DtlsRole};
use strata_sctp::{Chunk, CommonHeader, PacketBuilder, SctpPacket};

const BUFFER: usize = 64 * 1024;

fn config(seed: u64) -> Config {
    Config {
        seed,
        verify_checksum: false,
        heartbeat_interval: None,
        receive_buffer: BUFFER,
        send_buffer: BUFFER,
        max_message_size: 16 * 1024,
        ..Config::default()
    }
}

/// Takes every packet `from` emits, checks it, and (when `to` is given) delivers it.
/// Returns the highest DATA TSN seen.
fn shuttle(now: Instant, from: &mut DataChannels, to: Option<&mut DataChannels>, tsn: &mut u32) {
    let mut out = Vec::new();
    while let Some(p) = from.poll_transmit() {
        let packet = SctpPacket::new_checked(&p[..]).expect("emitted packet parses");
        packet
            .verify_checksum()
            .expect("emitted packet has a correct CRC32c");
        for raw in packet.chunks() {
            if let Ok(Chunk::Data(d)) = Chunk::parse(raw) {
                if d.tsn.wrapping_sub(*tsn) as i32 > 0 {
                    *tsn = d.tsn;
                }
            }
        }
        out.push(p);
    }
    while from.poll_event().is_some() {}
    if let Some(to) = to {
        for p in out {
            let _ = to.handle_packet(now, &p);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut now = Instant::now();
    let mut a = DataChannels::new(Association::new(config(1), now), DtlsRole::Client);
    let mut b = DataChannels::new(Association::new(config(2), now), DtlsRole::Server);
    a.association_mut().connect(now).unwrap();
    let mut a_tsn = 0u32;
    let mut b_tsn = 0u32;
    for _ in 0..6 {
        shuttle(now, &mut a, Some(&mut b), &mut a_tsn);
        shuttle(now, &mut b, Some(&mut a), &mut b_tsn);
    }
    assert!(a.association().is_established());
    let id = a.open(now, ChannelConfig::default()).unwrap();
    let _ = b.open(now, ChannelConfig::default());
    for _ in 0..4 {
        shuttle(now, &mut a, Some(&mut b), &mut a_tsn);
        shuttle(now, &mut b, Some(&mut a), &mut b_tsn);
    }
    // Messages in flight from a to b (not delivered yet).
    let _ = a.send(now, id, &[7; 3000], true);
    let _ = a.send(now, id, b"hello", false);
    let tag = b.association().local_tag();
    let header = CommonHeader {
        source_port: 5000,
        destination_port: 5000,
        verification_tag: tag,
    };
    let mut buf = vec![0u8; 2048];
    let mut rest = data;
    while let [l0, l1, flags, tail @ ..] = rest {
        let len = (usize::from(u16::from_be_bytes([*l0, *l1])) % 1500).min(tail.len());
        let (bytes, r) = tail.split_at(len);
        rest = r;
        if flags & 2 != 0 {
            now += Duration::from_millis(u64::from((flags >> 2) & 7) * 100);
            for x in [&mut a, &mut b] {
                if x.poll_timeout().is_some_and(|t| t <= now) {
                    x.handle_timeout(now);
                }
            }
        }
        if flags & 0x10 != 0 {
            let _ = a.send(now, id, bytes, flags & 0x20 != 0);
            shuttle(now, &mut a, Some(&mut b), &mut a_tsn);
            shuttle(now, &mut b, Some(&mut a), &mut b_tsn);
        }
        let packet: Vec<u8> = if flags & 1 == 0 {
            let mut p = bytes.to_vec();
            if p.len() >= 8 {
                p[0..2].copy_from_slice(&5000u16.to_be_bytes());
                p[2..4].copy_from_slice(&5000u16.to_be_bytes());
                p[4..8].copy_from_slice(&tag.to_be_bytes());
            }
            p
        } else {
            a_tsn = a_tsn.wrapping_add(1);
            let chunk = Chunk::Data(Data {
                immediate: false,
                unordered: false,
                beginning: true,
                ending: true,
                tsn: a_tsn,
                stream_id: u16::from(bytes.first().copied().unwrap_or(0) % 4),
                ssn: 0,
                ppid: Ppid(50 + u32::from(flags >> 5)),
                user_data: bytes,
            });
            let Ok(mut builder) = PacketBuilder::new(&mut buf, header) else {
                continue;
            };
            if builder.push(&chunk).is_err() {
                continue;
            }
            let n = builder.finish();
            buf[..n].to_vec()
        };
        let _ = b.handle_packet(now, &packet);
        shuttle(now, &mut b, None, &mut b_tsn);
        let assoc = b.association();
        assert!(assoc.receive_buffered() <= BUFFER + 1500);
        assert!(assoc.buffered_bytes() <= BUFFER);
    }
});
