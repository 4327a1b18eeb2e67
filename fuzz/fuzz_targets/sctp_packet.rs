#![no_main]
//! SCTP: parse a packet, check its CRC32c, parse every chunk, and check that re-emitting
//! the chunks through `PacketBuilder` gives a packet that parses to the same chunks.
//! Also feeds DATA user data to the DCEP parser and round-trips what parses.

use libfuzzer_sys::fuzz_target;
use strata_sctp::chunk::Ppid;
use strata_sctp::{Chunk, DcepMessage, PacketBuilder, SctpPacket};

fuzz_target!(|data: &[u8]| {
    let Ok(packet) = SctpPacket::new_checked(data) else {
        return;
    };
    let _ = packet.verify_checksum();
    let mut chunks = Vec::new();
    for raw in packet.into_chunks() {
        let _ = raw.chunk_type.action();
        let Ok(chunk) = Chunk::parse(raw) else {
            continue;
        };
        // Walk every lazily decoded list.
        match chunk {
            Chunk::Data(d) if d.ppid == Ppid::DCEP => {
                if let Ok(msg) = DcepMessage::parse(d.user_data) {
                    let mut out = vec![0u8; msg.buffer_len()];
                    msg.emit(&mut out).expect("a parsed DCEP message emits");
                    assert_eq!(DcepMessage::parse(&out), Ok(msg));
                }
            }
            Chunk::Init(i) | Chunk::InitAck(i) => {
                let _ = (i.params.len(), i.state_cookie(), i.supports_forward_tsn());
            }
            Chunk::Sack(s) => {
                let _ = (s.gap_ack_blocks.iter().count(), s.duplicate_tsns.iter().count());
            }
            Chunk::Abort(a) => {
                let _ = a.causes.iter().count();
            }
            Chunk::Error(e) => {
                let _ = e.causes.iter().count();
            }
            Chunk::ReConfig(r) => {
                let _ = r.params.iter().count();
            }
            _ => {}
        }
        let mut one = vec![0u8; chunk.buffer_len()];
        assert_eq!(chunk.emit(&mut one), Ok(one.len()));
        let (again, rest) = Chunk::parse_bytes(&one).expect("an emitted chunk parses");
        assert!(rest.is_empty());
        assert_eq!(again, chunk);
        chunks.push(chunk);
    }
    let total: usize = 12 + chunks.iter().map(Chunk::buffer_len).sum::<usize>();
    let mut out = vec![0u8; total];
    let mut builder = PacketBuilder::new(&mut out, packet.header()).expect("room for a header");
    for c in &chunks {
        builder.push(c).expect("sized to fit");
    }
    let n = builder.finish();
    assert_eq!(n, total);
    let again = SctpPacket::new_checked(&out[..]).expect("an emitted packet parses");
    again.verify_checksum().expect("emitted with a correct CRC32c");
    assert_eq!(again.header(), packet.header());
    let reparsed: Vec<Chunk<'_>> = again
        .into_chunks()
        .map(|c| Chunk::parse(c).expect("an emitted chunk parses"))
        .collect();
    assert_eq!(reparsed, chunks);
});
