#![no_main]
//! Feeds an established SCTP association a sequence of arbitrary packets (and timer
//! jumps), over DATA or, for every other input length, I-DATA (RFC 8260). Input:
//! repeated `[len: u16 BE][flags: u8][packet: len % 1500 bytes]`; unless flag bit 0 is
//! set, the ports and verification tag are overwritten with the right ones so the
//! packet gets past the tag check (checksums are not verified). Bit 1 advances the
//! clock by `(flags >> 2) * 50 ms` and fires due timers first.
//!
//! Oracles: no panic; every packet the association emits parses and carries a correct
//! CRC32c; the receive and send buffers stay within their configured bounds.

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use strata_sctp::SctpPacket;
use strata_sctp::association::{Association, Config, SendOptions};
use strata_sctp::chunk::Ppid;

const BUFFER: usize = 64 * 1024;

fn config(seed: u64, message_interleaving: bool) -> Config {
    Config {
        seed,
        message_interleaving,
        verify_checksum: false,
        heartbeat_interval: None,
        receive_buffer: BUFFER,
        send_buffer: BUFFER,
        max_message_size: 16 * 1024,
        ..Config::default()
    }
}

fn check_output(a: &mut Association) {
    while let Some(out) = a.poll_transmit() {
        let packet = SctpPacket::new_checked(&out[..]).expect("emitted packet parses");
        packet.verify_checksum().expect("emitted packet has a correct CRC32c");
    }
    while a.poll_event().is_some() {}
}

fuzz_target!(|data: &[u8]| {
    let mut now = Instant::now();
    // Every other input length runs I-DATA (RFC 8260) instead of DATA.
    let interleaving = (data.len() / 4) % 2 == 1;
    let mut a = Association::new(config(1, interleaving), now);
    let mut b = Association::new(config(2, interleaving), now);
    a.connect(now).unwrap();
    for _ in 0..4 {
        while let Some(p) = a.poll_transmit() {
            let _ = b.handle_packet(now, &p);
        }
        while let Some(p) = b.poll_transmit() {
            let _ = a.handle_packet(now, &p);
        }
    }
    assert!(a.is_established());
    assert_eq!(a.message_interleaving(), interleaving);
    while a.poll_event().is_some() {}
    // Something outstanding, so that SACKs have data to acknowledge; streams of
    // different priorities, and timed messages that expire (some before they get TSNs)
    // when the clock moves.
    a.set_stream_priority(0, 128 << (data.len() % 4));
    a.set_stream_priority(2, 1024);
    a.send(now, 0, Ppid::BINARY, &[7; 5000], true).unwrap();
    a.send(now, 1, Ppid::STRING, b"x", false).unwrap();
    let timed = SendOptions {
        max_lifetime: Some(Duration::from_millis(100)),
        ..SendOptions::default()
    };
    for _ in 0..3 {
        a.send_with(now, 2, Ppid::BINARY, &[9; 3000], timed).unwrap();
    }
    while a.poll_transmit().is_some() {}
    let tag = a.local_tag().to_be_bytes();
    let mut rest = data;
    while let [l0, l1, flags, tail @ ..] = rest {
        let len = (usize::from(u16::from_be_bytes([*l0, *l1])) % 1500).min(tail.len());
        let (packet, r) = tail.split_at(len);
        rest = r;
        let mut p = packet.to_vec();
        if flags & 1 == 0 && p.len() >= 8 {
            p[0..2].copy_from_slice(&5000u16.to_be_bytes());
            p[2..4].copy_from_slice(&5000u16.to_be_bytes());
            p[4..8].copy_from_slice(&tag);
        }
        if flags & 2 != 0 {
            now += Duration::from_millis(u64::from(flags >> 2) * 50);
            if a.poll_timeout().is_some_and(|t| t <= now) {
                a.handle_timeout(now);
            }
            check_output(&mut a);
        }
        let _ = a.handle_packet(now, &p);
        check_output(&mut a);
        assert!(a.receive_buffered() <= BUFFER + 1200);
        assert!(a.buffered_bytes() <= BUFFER);
    }
});
