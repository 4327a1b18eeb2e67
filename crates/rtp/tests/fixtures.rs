//! The real packets from the project's fixtures: parse to what their README describes and
//! re-emit byte for byte.
// Test helpers: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use strata_rtp::rtcp::{PacketStatus, PacketStatusChunk, ReportBlock, SdesItemType, StatusSymbol};
use strata_rtp::rtp::values::{AbsSendTime, SdesMid, TransportSequenceNumber};
use strata_rtp::rtp::{ExtensionForm, PayloadType};
use strata_rtp::{RtcpRepr, RtpPacket, RtpRepr};

const RTP_1200: &[u8] = include_bytes!("data/rtp-1200-ext.bin");
const RTP_160: &[u8] = include_bytes!("data/rtp-160-ext.bin");
const RTCP: &[u8] = include_bytes!("data/rtcp-sr-sdes-twcc.bin");

fn check_rtp(buf: &[u8], payload_len: usize) {
    let packet = RtpPacket::new_checked(buf).unwrap();
    assert_eq!(packet.payload_type(), PayloadType(96));
    assert_eq!(packet.ssrc(), 0xdead_beef);
    assert_eq!(packet.sequence_number(), 0x1234);
    assert_eq!(packet.payload().len(), payload_len);
    let repr = RtpRepr::parse(&packet).unwrap();
    assert_eq!(repr.payload.len(), payload_len);
    assert_eq!(repr.padding, 0);
    assert!(repr.csrcs.is_empty());
    let ext = repr.extension.unwrap();
    assert_eq!(ext.form(), ExtensionForm::OneByte);
    let ids: Vec<(u8, usize)> = ext.elements().map(|e| (e.id, e.data.len())).collect();
    assert_eq!(ids, [(2, 3), (3, 2), (4, 1)]);
    // 3 + 1 + 2 + 1 + 1 + 1 = 9 bytes of elements, 3 padding bytes.
    assert_eq!(ext.data.len(), 12);
    assert_eq!(&ext.data[9..], &[0, 0, 0]);
    assert!(matches!(ext.get_value::<AbsSendTime>(2), Some(Ok(_))));
    assert!(matches!(
        ext.get_value::<TransportSequenceNumber>(3),
        Some(Ok(_))
    ));
    assert_eq!(ext.get_value::<SdesMid<'_>>(4), Some(Ok(SdesMid(b"0"))));

    let mut out = vec![0u8; repr.buffer_len()];
    assert_eq!(repr.emit(&mut out), Ok(buf.len()));
    assert_eq!(out, buf);
}

#[test]
fn rtp_1200_with_extensions() {
    check_rtp(RTP_1200, 1172);
    assert_eq!(RTP_1200.len(), 1200);
}

#[test]
fn rtp_160_with_extensions() {
    check_rtp(RTP_160, 132);
    assert_eq!(RTP_160.len(), 160);
}

#[test]
fn rtcp_sr_sdes_twcc() {
    assert_eq!(strata_rtp::rtcp::check_compound(RTCP, false), Ok(3));
    let packets: Vec<RtcpRepr<'_>> = RtcpRepr::parse_compound(RTCP)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(packets.len(), 3);

    let RtcpRepr::SenderReport(sr) = packets[0] else {
        panic!("first packet is not an SR: {:?}", packets[0])
    };
    // Field values as in the file's hex dump.
    assert_eq!(sr.ssrc, 0x1111_1111);
    assert_eq!(sr.ntp_timestamp, 0xe8f1_a2b3_c4d5_e6f7);
    assert_eq!(sr.rtp_timestamp, 0x00ab_cdef);
    assert_eq!((sr.packet_count, sr.octet_count), (1500, 1_500_000));
    let blocks: Vec<ReportBlock> = sr.reports.iter().collect();
    assert_eq!(
        blocks,
        [ReportBlock {
            ssrc: 0xdead_beef,
            fraction_lost: 2,
            cumulative_lost: 17,
            extended_highest_sequence_number: 0x0001_2345,
            jitter: 120,
            last_sender_report: 0xa2b3_c4d5,
            delay_since_last_sender_report: 0x8000,
        }]
    );
    assert!(sr.profile_extensions.is_empty());

    let RtcpRepr::SourceDescription(sdes) = packets[1] else {
        panic!("second packet is not SDES")
    };
    let chunks: Vec<_> = sdes.chunks.iter().collect();
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].ssrc, sr.ssrc);
    let items: Vec<_> = chunks[0].items.iter().collect();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].item_type, SdesItemType::CNAME);
    assert_eq!(chunks[0].cname().map(<[u8]>::len), Some(16));

    let RtcpRepr::TransportFeedback(fb) = packets[2] else {
        panic!("third packet is not transport-wide CC feedback")
    };
    assert_eq!(fb.packet_status_count(), 42);
    assert_eq!((fb.sender_ssrc, fb.media_ssrc), (0x1111_1111, 0xdead_beef));
    assert_eq!(fb.base_sequence_number, 0x0100);
    assert_eq!(fb.reference_time, 0x01_0203);
    assert_eq!(fb.feedback_packet_count, 7);
    let chunks: Vec<_> = fb.chunks().collect();
    assert_eq!(chunks.len(), 3);
    assert!(matches!(chunks[0], PacketStatusChunk::RunLength { .. }));
    assert!(matches!(chunks[1], PacketStatusChunk::OneBitVector(_)));
    assert!(matches!(chunks[2], PacketStatusChunk::TwoBitVector(_)));
    let results: Vec<_> = fb.packet_results().collect();
    assert_eq!(results.len(), 42);
    let lost: Vec<_> = results
        .iter()
        .filter(|r| r.status == PacketStatus::NotReceived)
        .collect();
    assert_eq!(lost.len(), 1);
    // Run of 21, then the 1-bit vector's sixth symbol.
    assert_eq!(lost[0].sequence_number, 0x0100 + 26);
    assert_eq!(results[0].status, PacketStatus::ReceivedSmallDelta(3));
    assert_eq!(
        results[37].status,
        PacketStatus::ReceivedLargeDelta(-250),
        "the 2-bit vector's third symbol"
    );
    assert_eq!(results[41].status, PacketStatus::ReceivedSmallDelta(0x10));
    assert!(
        results
            .iter()
            .enumerate()
            .all(|(i, r)| r.sequence_number == fb.base_sequence_number.wrapping_add(i as u16))
    );
    let large = results
        .iter()
        .filter(|r| r.status.symbol() == StatusSymbol::ReceivedLargeDelta)
        .count();
    assert_eq!(large, 1);

    // Byte-identical re-emission, both per packet and as a compound.
    let mut out = vec![0u8; RtcpRepr::compound_buffer_len(&packets)];
    assert_eq!(RtcpRepr::emit_compound(&packets, &mut out), Ok(RTCP.len()));
    assert_eq!(out, RTCP);

    // Re-encoding the decoded list (our greedy chunk choice may differ) decodes the same.
    let statuses: Vec<PacketStatus> = results.iter().map(|r| r.status).collect();
    let mut rebuilt = fb;
    rebuilt.statuses = strata_rtp::rtcp::TwccStatuses::List(&statuses);
    assert_eq!(rebuilt, fb);
    let mut out2 = vec![0u8; rebuilt.buffer_len()];
    rebuilt.emit(&mut out2).unwrap();
    assert_eq!(
        RtcpRepr::parse_bytes(&out2),
        Ok(RtcpRepr::TransportFeedback(fb))
    );
}

#[test]
fn truncations_of_the_fixtures_never_panic() {
    for n in 0..RTP_160.len() {
        let _ = RtpRepr::parse_bytes(&RTP_160[..n]);
    }
    for n in 0..RTCP.len() {
        for p in RtcpRepr::parse_compound(&RTCP[..n]) {
            let _ = p;
        }
    }
}
