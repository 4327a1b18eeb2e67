//! Packets captured from aiortc 1.16 in the clear (tests/data/capture_aiortc.py patches
//! its DTLS transport to dump the SCTP packets it sends): each one parses, passes its
//! CRC32c, and re-emits byte for byte.
// Test helpers: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use std::net::Ipv4Addr;

use strata_sctp::chunk::{Data, InitParam, ParamType, Ppid};
use strata_sctp::dcep::ChannelType;
use strata_sctp::{Chunk, ChunkType, DcepMessage, PacketBuilder, SctpPacket};

fn load(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Parses, checks the CRC, re-emits through `PacketBuilder` and compares bytes.
fn round_trip(bytes: &[u8]) -> Vec<Chunk<'_>> {
    let packet = SctpPacket::new_checked(bytes).unwrap();
    packet.verify_checksum().unwrap();
    let chunks: Vec<Chunk<'_>> = packet
        .into_chunks()
        .map(|c| Chunk::parse(c).unwrap())
        .collect();
    let mut out = vec![0u8; bytes.len()];
    let mut builder = PacketBuilder::new(&mut out, packet.header()).unwrap();
    for c in &chunks {
        builder.push(c).unwrap();
    }
    let n = builder.finish();
    assert_eq!(&out[..n], bytes);
    chunks
}

#[test]
fn all_captures_round_trip() {
    let dir = format!("{}/tests/data", env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "bin") {
            round_trip(&std::fs::read(&path).unwrap());
            count += 1;
        }
    }
    assert!(count >= 9);
}

#[test]
fn init() {
    let bytes = load("aiortc_init.bin");
    let packet = SctpPacket::new_checked(&bytes[..]).unwrap();
    assert_eq!(
        (packet.source_port(), packet.destination_port()),
        (5000, 5000)
    );
    assert_eq!(packet.verification_tag(), 0);
    assert_eq!(packet.checksum(), 0x3657_b5db);
    let chunks = round_trip(&bytes);
    let [Chunk::Init(init)] = chunks[..] else {
        panic!("{chunks:?}")
    };
    assert_eq!(init.initiate_tag, 0x9e09_7e1d);
    assert_eq!(init.a_rwnd, 1 << 20);
    assert_eq!(
        (init.outbound_streams, init.inbound_streams),
        (65535, 65535)
    );
    assert_eq!(init.initial_tsn, 0x2cda_e0e6);
    let params: Vec<_> = init.params.iter().collect();
    assert_eq!(
        params,
        [
            InitParam::ForwardTsnSupported,
            InitParam::SupportedExtensions(&[ChunkType::FORWARD_TSN.0, ChunkType::RE_CONFIG.0]),
        ]
    );
    assert!(init.supports_forward_tsn());
    assert!(init.supports_extension(ChunkType::RE_CONFIG));
    assert!(!init.supports_extension(ChunkType::I_DATA));
}

#[test]
fn init_ack_carries_cookie_echoed_later() {
    let init_ack = load("aiortc_init_ack.bin");
    let echo = load("aiortc_cookie_echo.bin");
    let a = round_trip(&init_ack);
    let e = round_trip(&echo);
    let [Chunk::InitAck(ack)] = a[..] else {
        panic!("{a:?}")
    };
    let [Chunk::CookieEcho(echo)] = e[..] else {
        panic!("{e:?}")
    };
    let cookie = ack.state_cookie().unwrap();
    assert_eq!(cookie.len(), 24);
    assert_eq!(cookie, echo.cookie);
    assert_eq!(ack.params.len(), 3);
    assert!(
        ack.params
            .iter()
            .all(|p| p.param_type() != ParamType::IPV4_ADDRESS)
    );
    // An address parameter would be typed.
    assert_eq!(
        InitParam::parse(ParamType::IPV4_ADDRESS, &[192, 0, 2, 1]),
        Ok(InitParam::Ipv4Address(Ipv4Addr::new(192, 0, 2, 1)))
    );
}

#[test]
fn cookie_ack_sack_abort() {
    assert_eq!(
        round_trip(&load("aiortc_cookie_ack.bin")),
        [Chunk::CookieAck]
    );
    let s = load("aiortc_sack.bin");
    let [Chunk::Sack(sack)] = round_trip(&s)[..] else {
        panic!()
    };
    assert_eq!(sack.cumulative_tsn_ack, 0x2cda_e0e6);
    assert_eq!(sack.a_rwnd, 1 << 20);
    assert!(sack.gap_ack_blocks.is_empty() && sack.duplicate_tsns.is_empty());
    let a = load("aiortc_abort.bin");
    let [Chunk::Abort(abort)] = round_trip(&a)[..] else {
        panic!()
    };
    assert!(!abort.t_bit);
    assert!(abort.causes.is_empty());
}

#[test]
fn data_with_dcep_open() {
    let bytes = load("aiortc_data_dcep_open.bin");
    let chunks = round_trip(&bytes);
    let [Chunk::Data(data)] = chunks[..] else {
        panic!("{chunks:?}")
    };
    let expected = Data {
        immediate: false,
        unordered: false,
        beginning: true,
        ending: true,
        tsn: 0x2cda_e0e6,
        stream_id: 1,
        ssn: 0,
        ppid: Ppid::DCEP,
        user_data: data.user_data,
    };
    assert_eq!(data, expected);
    let DcepMessage::Open(open) = DcepMessage::parse(data.user_data).unwrap() else {
        panic!()
    };
    assert_eq!(open.channel_type, ChannelType::RELIABLE);
    assert_eq!((open.label, open.protocol), ("chat", "proto1"));
    let mut out = [0u8; 64];
    let n = DcepMessage::Open(open).emit(&mut out).unwrap();
    assert_eq!(&out[..n], data.user_data);

    let bytes = load("aiortc_data_dcep_open_unordered.bin");
    let chunks = round_trip(&bytes);
    let [Chunk::Data(data)] = chunks[..] else {
        panic!()
    };
    let DcepMessage::Open(open) = DcepMessage::parse(data.user_data).unwrap() else {
        panic!()
    };
    assert_eq!(
        open.channel_type,
        ChannelType::PARTIAL_RELIABLE_REXMIT_UNORDERED
    );
    assert!(open.channel_type.is_unordered() && open.channel_type.is_rexmit_limited());
    assert_eq!((open.reliability_parameter, open.label), (0, "lossy"));
}

#[test]
fn data_with_dcep_ack() {
    let bytes = load("aiortc_data_dcep_ack.bin");
    let chunks = round_trip(&bytes);
    let [Chunk::Data(data)] = chunks[..] else {
        panic!()
    };
    assert_eq!(data.ppid, Ppid::DCEP);
    assert_eq!(DcepMessage::parse(data.user_data), Ok(DcepMessage::Ack));
}

#[test]
fn corrupted_byte_fails_checksum() {
    let mut bytes = load("aiortc_init.bin");
    bytes[20] ^= 1;
    let packet = SctpPacket::new_checked(&bytes[..]).unwrap();
    assert!(matches!(
        packet.verify_checksum(),
        Err(strata_sctp::ParseError::ChecksumMismatch {
            found: 0x3657_b5db,
            ..
        })
    ));
}
