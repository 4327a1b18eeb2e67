//! Per-chunk tests in the smoltcp style: deconstruct known bytes, construct them again,
//! and reject truncated or impossible lengths.
// Test helpers: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use strata_sctp::chunk::{
    CauseCode, Data, ErrorCause, ForwardTsnStream, GapAckBlock, IData, IForwardTsnStream,
    InitParam, ParamType, Ppid, RawChunk, ReconfigParam, ReconfigResult, Sack, UnrecognizedAction,
};
use strata_sctp::{
    Chunk, ChunkType, CommonHeader, EmitError, Items, PacketBuilder, ParseError, SctpPacket,
};

/// Parses `bytes` as one chunk, checks the typed value, and re-emits the same bytes.
fn check(bytes: &[u8], expected: &Chunk<'_>) {
    let (chunk, rest) = Chunk::parse_bytes(bytes).unwrap();
    assert!(rest.is_empty());
    assert_eq!(&chunk, expected);
    let mut out = vec![0u8; expected.buffer_len()];
    assert_eq!(expected.emit(&mut out), Ok(bytes.len()));
    assert_eq!(out, bytes);
}

static DATA_BYTES: [u8; 24] = [
    0x00, 0x0b, 0x00, 0x15, // type 0, flags I|B|E, length 21
    0x00, 0x00, 0x00, 0x2a, // TSN 42
    0x00, 0x03, 0x00, 0x07, // stream 3, SSN 7
    0x00, 0x00, 0x00, 0x35, // PPID 53
    b'h', b'e', b'l', b'l', b'o', 0, 0, 0, // user data + padding
];

#[test]
fn data() {
    let expected = Chunk::Data(Data {
        immediate: true,
        unordered: false,
        beginning: true,
        ending: true,
        tsn: 42,
        stream_id: 3,
        ssn: 7,
        ppid: Ppid::BINARY,
        user_data: b"hello",
    });
    check(&DATA_BYTES, &expected);
    // Truncated fixed part, and a length pointing past the buffer.
    assert_eq!(
        Chunk::parse_bytes(&[0, 3, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        Err(ParseError::Truncated)
    );
    assert_eq!(
        Chunk::parse_bytes(&DATA_BYTES[..20]),
        Err(ParseError::Truncated)
    );
    // A DATA chunk without user data still parses (the association reports it).
    let (c, _) = Chunk::parse_bytes(&[0, 3, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    assert!(matches!(c, Chunk::Data(d) if d.user_data.is_empty() && d.tsn == 1));
}

#[test]
fn i_data() {
    let bytes = [
        0x40, 0x06, 0x00, 0x15, // type 64, flags U|B, length 21
        0x00, 0x00, 0x00, 0x09, // TSN 9
        0x00, 0x02, 0xff, 0xff, // stream 2, reserved (ignored)
        0x00, 0x00, 0x01, 0x00, // MID 256
        0x00, 0x00, 0x00, 0x33, // PPID 51 (B set)
        b'!', 0, 0, 0,
    ];
    let (c, _) = Chunk::parse_bytes(&bytes).unwrap();
    let Chunk::IData(d) = c else { panic!() };
    assert_eq!(d.ppid(), Some(Ppid::STRING));
    assert_eq!(d.fsn(), 0);
    assert!(d.unordered && !d.ending);
    let mut clean = bytes;
    clean[10] = 0;
    clean[11] = 0;
    check(&clean, &c);
    let middle = IData {
        beginning: false,
        ppid_or_fsn: 4,
        ..d
    };
    assert_eq!((middle.ppid(), middle.fsn()), (None, 4));
}

#[test]
fn sack() {
    let bytes = [
        0x03, 0x00, 0x00, 0x1c, // type 3, length 28
        0x00, 0x00, 0x00, 0x64, // cumulative TSN ack 100
        0x00, 0x01, 0x00, 0x00, // a_rwnd 65536
        0x00, 0x02, 0x00, 0x01, // 2 gap blocks, 1 duplicate
        0x00, 0x02, 0x00, 0x03, // 102..=103
        0x00, 0x05, 0x00, 0x09, // 105..=109
        0x00, 0x00, 0x00, 0x62, // duplicate 98
    ];
    let gaps = [
        GapAckBlock { start: 2, end: 3 },
        GapAckBlock { start: 5, end: 9 },
    ];
    let expected = Chunk::Sack(Sack {
        cumulative_tsn_ack: 100,
        a_rwnd: 65536,
        gap_ack_blocks: Items::Slice(&gaps),
        duplicate_tsns: Items::Slice(&[98]),
    });
    check(&bytes, &expected);
    let Chunk::Sack(s) = Chunk::parse_bytes(&bytes).unwrap().0 else {
        panic!()
    };
    assert_eq!((s.gap_ack_block_count(), s.duplicate_tsn_count()), (2, 1));
    assert!(s.gap_ack_blocks.iter().eq(gaps));
    // Counts that claim more than the chunk holds, or less.
    let mut more = bytes;
    more[15] = 2;
    assert_eq!(Chunk::parse_bytes(&more), Err(ParseError::Truncated));
    let mut fewer = bytes;
    fewer[15] = 0;
    assert_eq!(Chunk::parse_bytes(&fewer), Err(ParseError::CountMismatch));
}

#[test]
fn init_parameters_with_padding() {
    // Supported Address Types with one entry (length 6) is padded; the chunk length
    // excludes the last parameter's padding.
    let bytes = [
        0x01, 0x00, 0x00, 0x22, // INIT, length 34
        0, 0, 0, 1, 0, 0, 0x10, 0, 0, 4, 0, 4, 0, 0, 0, 9, // fixed part
        0x00, 0x09, 0x00, 0x08, 0x00, 0x00, 0x03, 0xe8, // cookie preservative 1000
        0x00, 0x0c, 0x00, 0x06, 0x00, 0x05, 0x00, 0x00, // supported address types: IPv4
    ];
    let (c, _) = Chunk::parse_bytes(&bytes).unwrap();
    let Chunk::Init(init) = c else { panic!() };
    let params: Vec<_> = init.params.iter().collect();
    assert_eq!(params[0], InitParam::CookiePreservative(1000));
    assert_eq!(
        params[1],
        InitParam::SupportedAddressTypes(Items::Slice(&[ParamType::IPV4_ADDRESS]))
    );
    check(&bytes, &c);
    // A fixed-size parameter with the wrong length, and a parameter length below 4.
    assert_eq!(
        InitParam::parse(ParamType::COOKIE_PRESERVATIVE, &[0; 3]),
        Err(ParseError::InvalidLength)
    );
    let mut bad = bytes;
    bad[23] = 2;
    assert_eq!(Chunk::parse_bytes(&bad), Err(ParseError::InvalidLength));
}

#[test]
fn action_bits() {
    assert_eq!(ChunkType(0x3f).action(), UnrecognizedAction::Stop);
    assert_eq!(ChunkType(0x40).action(), UnrecognizedAction::StopAndReport);
    assert_eq!(ChunkType::PAD.action(), UnrecognizedAction::Skip);
    assert_eq!(
        ChunkType::FORWARD_TSN.action(),
        UnrecognizedAction::SkipAndReport
    );
    assert_eq!(ParamType::ECN_CAPABLE.action(), UnrecognizedAction::Skip);
    assert_eq!(
        ParamType::FORWARD_TSN_SUPPORTED.action(),
        UnrecognizedAction::SkipAndReport
    );
    assert!(
        UnrecognizedAction::SkipAndReport.skips() && UnrecognizedAction::SkipAndReport.reports()
    );
    assert!(!UnrecognizedAction::Stop.skips() && !UnrecognizedAction::Stop.reports());
    // An unknown chunk survives as raw bytes with its flags.
    let bytes = [0x84, 0x05, 0x00, 0x06, 0xaa, 0xbb, 0, 0];
    let raw = RawChunk {
        chunk_type: ChunkType::PAD,
        flags: 5,
        value: &[0xaa, 0xbb],
    };
    check(&bytes, &Chunk::Unknown(raw));
}

#[test]
fn heartbeat_abort_error_shutdown() {
    let hb = [0x04, 0x00, 0x00, 0x0b, 0x00, 0x01, 0x00, 0x07, 1, 2, 3, 0];
    check(
        &hb,
        &Chunk::Heartbeat(strata_sctp::chunk::Heartbeat { info: &[1, 2, 3] }),
    );
    // A HEARTBEAT without the Heartbeat Info parameter.
    assert_eq!(
        Chunk::parse_bytes(&[0x04, 0, 0, 4]),
        Err(ParseError::MissingHeartbeatInfo)
    );
    assert_eq!(
        Chunk::parse_bytes(&[0x04, 0, 0, 8, 0, 2, 0, 4]),
        Err(ParseError::MissingHeartbeatInfo)
    );

    let abort = [
        0x06, 0x01, 0x00, 0x1a, // ABORT, T bit, length 26
        0x00, 0x01, 0x00, 0x08, 0x00, 0x05, 0x00, 0x00, // invalid stream 5
        0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 0,
        0, // missing: state cookie
        0x00, 0x0c, 0x00, 0x06, b'n', b'o', 0, 0, // user-initiated abort "no"
    ];
    let causes = [
        ErrorCause::InvalidStreamIdentifier { stream_id: 5 },
        ErrorCause::MissingMandatoryParameter {
            missing: Items::Slice(&[ParamType::STATE_COOKIE]),
        },
        ErrorCause::UserInitiatedAbort { reason: b"no" },
    ];
    // Abort's length excludes the final cause's padding: 4 + 8 + 12 + 6 = 30.
    let mut abort = abort.to_vec();
    abort[3] = 30;
    check(
        &abort,
        &Chunk::Abort(strata_sctp::chunk::Abort {
            t_bit: true,
            causes: Items::Slice(&causes),
        }),
    );
    assert_eq!(
        ErrorCause::parse(CauseCode::MISSING_MANDATORY_PARAMETER, &[0, 0, 0, 2, 0, 7]),
        Err(ParseError::CountMismatch)
    );
    assert_eq!(
        ErrorCause::parse(CauseCode::STALE_COOKIE, &[0, 0, 1]),
        Err(ParseError::InvalidLength)
    );
    assert_eq!(
        ErrorCause::parse(CauseCode(0x00a0), b"x"),
        Ok(ErrorCause::Unknown {
            code: CauseCode(0xa0),
            info: b"x"
        })
    );

    let shutdown = [0x07, 0x00, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00];
    check(
        &shutdown,
        &Chunk::Shutdown(strata_sctp::chunk::Shutdown {
            cumulative_tsn_ack: 256,
        }),
    );
    assert_eq!(
        Chunk::parse_bytes(&[0x07, 0, 0, 4]),
        Err(ParseError::InvalidLength)
    );
    check(
        &[0x0e, 0x01, 0x00, 0x04],
        &Chunk::ShutdownComplete(strata_sctp::chunk::ShutdownComplete { t_bit: true }),
    );
    check(&[0x08, 0x00, 0x00, 0x04], &Chunk::ShutdownAck);
}

#[test]
fn forward_tsn_and_i_forward_tsn() {
    let fwd = [
        0xc0, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0xc8, 0x00, 0x01, 0x00, 0x05, 0x00, 0x02, 0x00,
        0x07,
    ];
    let (c, _) = Chunk::parse_bytes(&fwd).unwrap();
    let Chunk::ForwardTsn(f) = c else { panic!() };
    assert_eq!(f.new_cumulative_tsn, 200);
    assert!(f.streams.iter().eq([
        ForwardTsnStream {
            stream_id: 1,
            ssn: 5
        },
        ForwardTsnStream {
            stream_id: 2,
            ssn: 7
        }
    ]));
    check(&fwd, &c);
    assert_eq!(Chunk::parse_bytes(&fwd[..14]), Err(ParseError::Truncated));
    let mut odd = fwd;
    odd[3] = 14;
    assert_eq!(Chunk::parse_bytes(&odd), Err(ParseError::InvalidLength));

    let ifwd = [
        0xc2, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0xc8, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x09,
    ];
    let (c, _) = Chunk::parse_bytes(&ifwd).unwrap();
    let Chunk::IForwardTsn(f) = c else { panic!() };
    assert!(f.streams.iter().eq([IForwardTsnStream {
        stream_id: 3,
        unordered: true,
        mid: 9
    }]));
    check(&ifwd, &c);
}

#[test]
fn reconfig() {
    let bytes = [
        0x82, 0x00, 0x00, 0x22, // RE-CONFIG, length 34
        0x00, 0x0d, 0x00, 0x16, // outgoing SSN reset request, length 22
        0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, // req 1, resp 2, last TSN 3
        0x00, 0x04, 0x00, 0x05, 0x00, 0x06, 0x00, 0x00, // streams 4, 5, 6 + padding
        0x00, 0x10, 0x00, 0x0c, 0, 0, 0, 7, 0, 0, 0, 1, // response 7: performed
    ];
    let params = [
        ReconfigParam::OutgoingSsnResetRequest {
            request_seq: 1,
            response_seq: 2,
            senders_last_tsn: 3,
            streams: Items::Slice(&[4, 5, 6]),
        },
        ReconfigParam::Response {
            response_seq: 7,
            result: ReconfigResult::SUCCESS_PERFORMED,
            next_tsns: None,
        },
    ];
    // The final parameter is unpadded here, so the chunk length is 4 + 24 + 12 = 40.
    let mut bytes = bytes.to_vec();
    bytes[3] = 40;
    check(
        &bytes,
        &Chunk::ReConfig(strata_sctp::chunk::ReConfig {
            params: Items::Slice(&params),
        }),
    );
    assert_eq!(
        ReconfigParam::parse(ParamType::RECONFIG_RESPONSE, &[0; 12]),
        Err(ParseError::InvalidNextTsn)
    );
    assert_eq!(
        ReconfigParam::parse(ParamType::OUTGOING_SSN_RESET_REQUEST, &[0; 11]),
        Err(ParseError::InvalidLength)
    );
    assert_eq!(
        ReconfigParam::parse(ParamType::ADD_INCOMING_STREAMS, &[0, 0, 0, 1, 0, 2, 0, 0]),
        Ok(ReconfigParam::AddIncomingStreams {
            request_seq: 1,
            new_streams: 2
        })
    );
}

#[test]
fn packet_framing() {
    // Header only: no chunks.
    let header = CommonHeader {
        source_port: 1,
        destination_port: 2,
        verification_tag: 3,
    };
    let mut buf = [0u8; 64];
    let n = PacketBuilder::new(&mut buf, header).unwrap().finish();
    assert_eq!(n, 12);
    let p = SctpPacket::new_checked(&buf[..n]).unwrap();
    assert_eq!(p.chunks().count(), 0);
    p.verify_checksum().unwrap();
    assert_eq!(
        SctpPacket::new_checked(&buf[..11]),
        Err(ParseError::Truncated)
    );

    // A final chunk without padding is accepted; a chunk length below 4 is not.
    let mut pkt = buf[..12].to_vec();
    pkt.extend_from_slice(&DATA_BYTES[..21]);
    let p = SctpPacket::new_checked(&pkt[..]).unwrap();
    let chunks: Vec<_> = p.chunks().collect();
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].value.len(), 17);
    let mut bad = pkt.clone();
    bad[15] = 3;
    assert_eq!(
        SctpPacket::new_checked(&bad[..]),
        Err(ParseError::InvalidLength)
    );
    let mut long = pkt;
    long[15] = 40;
    assert_eq!(
        SctpPacket::new_checked(&long[..]),
        Err(ParseError::Truncated)
    );

    // The builder refuses a chunk that does not fit and stays usable.
    let mut small = [0u8; 40];
    let mut b = PacketBuilder::new(&mut small, header).unwrap();
    let (data, _) = Chunk::parse_bytes(&DATA_BYTES).unwrap();
    b.push(&data).unwrap();
    assert_eq!(b.remaining(), 4);
    assert!(matches!(
        b.push(&data),
        Err(EmitError::BufferTooSmall { .. })
    ));
    b.push(&Chunk::CookieAck).unwrap();
    let n = b.finish();
    let p = SctpPacket::new_checked(&small[..n]).unwrap();
    p.verify_checksum().unwrap();
    assert_eq!(p.chunks().count(), 2);
}

#[test]
fn push_data_header_reserves_user_data() {
    let header = CommonHeader::default();
    let mut buf = [0u8; 64];
    let mut b = PacketBuilder::new(&mut buf, header).unwrap();
    let Chunk::Data(d) = Chunk::parse_bytes(&DATA_BYTES).unwrap().0 else {
        panic!()
    };
    b.push_data_header(&d, 5).unwrap().copy_from_slice(b"hello");
    let n = b.finish();
    assert_eq!(&buf[12..n], &DATA_BYTES);
    SctpPacket::new_checked(&buf[..n])
        .unwrap()
        .verify_checksum()
        .unwrap();
}

#[test]
fn emit_errors() {
    let big = vec![0u8; 70_000];
    let c = Chunk::CookieEcho(strata_sctp::chunk::CookieEcho { cookie: &big });
    let mut out = vec![0u8; 80_000];
    assert_eq!(c.emit(&mut out), Err(EmitError::TooLong));
    let mut tiny = [0u8; 3];
    assert!(matches!(
        Chunk::CookieAck.emit(&mut tiny),
        Err(EmitError::BufferTooSmall {
            needed: 4,
            available: 3
        })
    ));
}
