//! Zero checksums (RFC 9653 with DTLS, EDMID 1): used only when both ends announce them,
//! only on DATA/SACK packets; a correct CRC32c is always accepted, a wrong non-zero one
//! never.

use super::*;

fn zc(seed: u64, on: bool) -> Config {
    Config {
        zero_checksum: on,
        ..config(seed)
    }
}

/// Runs a lossy transfer; returns the logged packets.
fn transfer(a_on: bool, b_on: bool) -> Vec<(bool, Vec<u8>)> {
    let mut p = Pair::new(zc(11, a_on), zc(12, b_on), Net::lossy(0.02), 13);
    p.log = Some(Vec::new());
    p.connect();
    let sent: Vec<Vec<u8>> = (0..100).map(|n| payload(n, 3000)).collect();
    for m in &sent {
        p.a.send(p.now, 0, Ppid::BINARY, m, true).unwrap();
    }
    assert!(p.run_until(1_000_000, |p| Pair::messages(&p.b_events).len()
        == sent.len()));
    let got: Vec<Vec<u8>> = Pair::messages(&p.b_events)
        .iter()
        .map(|m| m.2.to_vec())
        .collect();
    assert_eq!(got, sent);
    p.log.take().unwrap()
}

fn zero_and_correct(log: &[(bool, Vec<u8>)]) -> (usize, usize) {
    let (mut zero, mut correct) = (0, 0);
    for (_, p) in log {
        let view = SctpPacket::new_checked(&p[..]).unwrap();
        if view.checksum() == 0 {
            zero += 1;
            // Only DATA, SACK and FORWARD TSN ride without a checksum.
            for raw in view.chunks() {
                assert!(
                    matches!(
                        raw.chunk_type,
                        ChunkType::DATA | ChunkType::SACK | ChunkType::FORWARD_TSN
                    ),
                    "{:?} sent with a zero checksum",
                    raw.chunk_type
                );
            }
        } else {
            view.verify_checksum().unwrap();
            correct += 1;
        }
    }
    (zero, correct)
}

#[test]
fn both_ends_agree_data_and_sacks_go_without_checksum() {
    let log = transfer(true, true);
    let (zero, correct) = zero_and_correct(&log);
    assert!(zero > 100, "{zero} zero-checksum packets");
    // INIT, INIT ACK, COOKIE ECHO, COOKIE ACK at least keep theirs.
    assert!(correct >= 4);
    let init = SctpPacket::new_checked(&log[0].1[..]).unwrap();
    assert_ne!(init.checksum(), 0);
}

#[test]
fn one_sided_announcement_keeps_every_checksum() {
    for (a, b) in [(true, false), (false, true)] {
        let (zero, _) = zero_and_correct(&transfer(a, b));
        assert_eq!(zero, 0, "a {a} b {b}");
    }
}

#[test]
fn zero_accepted_only_when_announced_and_wrong_crc_always_dropped() {
    for on in [true, false] {
        let mut p = Pair::new(zc(21, on), zc(22, on), Net::PERFECT, 23);
        p.connect();
        let data = Chunk::Data(Data {
            tsn: p.b.receiver.cumulative_tsn().wrapping_add(1),
            beginning: true,
            ending: true,
            ppid: Ppid::BINARY,
            user_data: b"zero",
            ..Data::default()
        });
        let mut pkt = craft(p.b.local_tag(), &[data]);
        // A wrong non-zero checksum is dropped either way.
        pkt[8] ^= 0x55;
        let dropped = p.b.stats().dropped_checksum;
        p.b.handle_packet(p.now, &pkt).unwrap();
        assert_eq!(p.b.stats().dropped_checksum, dropped + 1);
        // A zero checksum only when we announced acceptance.
        pkt[8..12].fill(0);
        p.b.handle_packet(p.now, &pkt).unwrap();
        assert_eq!(p.b.stats().dropped_checksum, dropped + u64::from(!on) + 1);
        p.drain();
        assert_eq!(Pair::messages(&p.b_events).len(), usize::from(on));
    }
}
