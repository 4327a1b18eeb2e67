//! Property tests: for every packet type, `emit -> parse == repr`.
// Test helpers: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use proptest::collection::vec;
use proptest::prelude::*;
use strata_rtp::rtcp::{
    ApplicationDefined, CcfbReportBlock, CongestionControlFeedback, DlrrSubBlock, ExtendedReport,
    FirEntry, FullIntraRequest, GenericNack, Goodbye, MetricBlock, NackPair, PacketStatus,
    PacketType, PictureLossIndication, ReceiverEstimatedMaxBitrate, ReceiverReport, ReportBlock,
    SdesChunk, SdesItem, SdesItemType, SenderReport, SourceDescription, TransportFeedback,
    TwccStatuses, UnknownPacket, XrBlock,
};
use strata_rtp::rtp::{ExtensionBuilder, HeaderExtension, PayloadType};
use strata_rtp::{Items, RtcpRepr, RtpRepr};

fn report_block() -> impl Strategy<Value = ReportBlock> {
    (
        any::<u32>(),
        any::<u8>(),
        -(1i32 << 23)..(1 << 23),
        any::<[u32; 4]>(),
    )
        .prop_map(|(ssrc, fraction_lost, cumulative_lost, r)| ReportBlock {
            ssrc,
            fraction_lost,
            cumulative_lost,
            extended_highest_sequence_number: r[0],
            jitter: r[1],
            last_sender_report: r[2],
            delay_since_last_sender_report: r[3],
        })
}

fn words(max: usize) -> impl Strategy<Value = Vec<u8>> {
    (0..=max).prop_flat_map(|n| vec(any::<u8>(), n * 4))
}

fn rtcp_round_trip(repr: RtcpRepr<'_>) -> Result<(), TestCaseError> {
    let mut buf = vec![0u8; repr.buffer_len()];
    let n = repr
        .emit(&mut buf)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(n, buf.len());
    prop_assert_eq!(n % 4, 0);
    let parsed = RtcpRepr::parse_bytes(&buf).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(parsed, repr);
    // A parsed repr re-emits byte for byte.
    let mut again = vec![0u8; parsed.buffer_len()];
    parsed.emit(&mut again).unwrap();
    prop_assert_eq!(again, buf);
    Ok(())
}

proptest! {
    #[test]
    fn rtp(marker: bool, pt in 0u8..128, seq: u16, ts: u32, ssrc: u32,
           csrcs in vec(any::<u32>(), 0..=15),
           elems in vec((1u8..=14, vec(any::<u8>(), 1..=16)), 0..4),
           generic in proptest::option::of((any::<u16>(), words(3))),
           payload in vec(any::<u8>(), 0..64), padding: u8) {
        let mut b = ExtensionBuilder::<128>::one_byte();
        for (id, d) in &elems {
            b.push(*id, d).unwrap();
        }
        let extension = match &generic {
            Some((profile, data)) if elems.is_empty() => Some(HeaderExtension { profile: *profile, data }),
            _ if elems.is_empty() => None,
            _ => Some(b.as_extension()),
        };
        let repr = RtpRepr {
            marker, payload_type: PayloadType(pt), sequence_number: seq, timestamp: ts, ssrc,
            csrcs: Items::Slice(&csrcs), extension, payload: &payload, padding,
        };
        let mut buf = vec![0u8; repr.buffer_len()];
        prop_assert_eq!(repr.emit(&mut buf), Ok(buf.len()));
        let parsed = RtpRepr::parse_bytes(&buf).unwrap();
        prop_assert_eq!(parsed, repr);
        if generic.is_none() || !elems.is_empty() {
            let got: Vec<(u8, Vec<u8>)> = parsed.extension.iter()
                .flat_map(|e| e.elements()).map(|e| (e.id, e.data.to_vec())).collect();
            prop_assert_eq!(got, elems);
        }
    }

    #[test]
    fn rtp_two_byte_elements(elems in vec((1u8..=255, vec(any::<u8>(), 0..40)), 0..5)) {
        let mut b = ExtensionBuilder::<256>::two_byte(3);
        for (id, d) in &elems {
            b.push(*id, d).unwrap();
        }
        let ext = b.as_extension();
        let got: Vec<(u8, Vec<u8>)> = ext.elements().map(|e| (e.id, e.data.to_vec())).collect();
        prop_assert_eq!(got, elems);
    }

    #[test]
    fn sender_report(ssrc: u32, ntp: u64, rtp: u32, pc: u32, oc: u32,
                     blocks in vec(report_block(), 0..=31), ext in words(3)) {
        rtcp_round_trip(RtcpRepr::SenderReport(SenderReport {
            ssrc, ntp_timestamp: ntp, rtp_timestamp: rtp, packet_count: pc, octet_count: oc,
            reports: Items::Slice(&blocks), profile_extensions: &ext,
        }))?;
    }

    #[test]
    fn receiver_report(ssrc: u32, blocks in vec(report_block(), 0..=31), ext in words(3)) {
        rtcp_round_trip(RtcpRepr::ReceiverReport(ReceiverReport {
            ssrc, reports: Items::Slice(&blocks), profile_extensions: &ext,
        }))?;
    }

    #[test]
    fn sdes(raw in vec((any::<u32>(), vec((1u8..=255, vec(any::<u8>(), 0..40)), 0..4)), 0..=31)) {
        let items: Vec<Vec<SdesItem<'_>>> = raw.iter().map(|(_, it)| it.iter()
            .map(|(t, v)| SdesItem { item_type: SdesItemType(*t), value: v }).collect()).collect();
        let chunks: Vec<SdesChunk<'_>> = raw.iter().zip(&items)
            .map(|((ssrc, _), it)| SdesChunk { ssrc: *ssrc, items: Items::Slice(it) }).collect();
        rtcp_round_trip(RtcpRepr::SourceDescription(SourceDescription { chunks: Items::Slice(&chunks) }))?;
    }

    #[test]
    fn bye(sources in vec(any::<u32>(), 0..=31), reason in proptest::option::of(vec(any::<u8>(), 0..=255))) {
        rtcp_round_trip(RtcpRepr::Goodbye(Goodbye { sources: Items::Slice(&sources), reason: reason.as_deref() }))?;
    }

    #[test]
    fn app(subtype in 0u8..32, ssrc: u32, name: [u8; 4], data in vec(any::<u8>(), 0..40)) {
        rtcp_round_trip(RtcpRepr::ApplicationDefined(ApplicationDefined { subtype, ssrc, name, data: &data }))?;
    }

    #[test]
    fn xr(ssrc: u32, ntp: u64, dlrr in vec(any::<[u32; 3]>(), 0..4),
          unknown in vec((6u8..=255, any::<u8>(), words(4)), 0..3)) {
        let subs: Vec<DlrrSubBlock> = dlrr.iter().map(|d| DlrrSubBlock { ssrc: d[0], last_rr: d[1], delay_since_last_rr: d[2] }).collect();
        let mut blocks = vec![XrBlock::ReceiverReferenceTime { ntp_timestamp: ntp }, XrBlock::Dlrr(Items::Slice(&subs))];
        blocks.extend(unknown.iter().map(|(bt, ts, d)| XrBlock::Unknown { block_type: *bt, type_specific: *ts, data: d }));
        rtcp_round_trip(RtcpRepr::ExtendedReport(ExtendedReport { ssrc, blocks: Items::Slice(&blocks) }))?;
    }

    #[test]
    fn nack(s: u32, m: u32, pairs in vec(any::<(u16, u16)>(), 0..20)) {
        let pairs: Vec<NackPair> = pairs.iter().map(|&(pid, blp)| NackPair { pid, blp }).collect();
        rtcp_round_trip(RtcpRepr::GenericNack(GenericNack { sender_ssrc: s, media_ssrc: m, nacks: Items::Slice(&pairs) }))?;
    }

    #[test]
    fn nack_pack_expands_back(mut seqs in vec(any::<u16>(), 0..60)) {
        seqs.sort_unstable();
        seqs.dedup();
        let expanded: Vec<u16> = NackPair::pack(seqs.iter().copied()).flat_map(NackPair::lost_sequence_numbers).collect();
        prop_assert_eq!(expanded, seqs);
    }

    #[test]
    fn twcc(s: u32, m: u32, base: u16, rt in -(1i32 << 23)..(1 << 23), fbc: u8,
            statuses in vec(prop_oneof![
                Just(PacketStatus::NotReceived),
                any::<u8>().prop_map(PacketStatus::ReceivedSmallDelta),
                any::<i16>().prop_map(PacketStatus::ReceivedLargeDelta),
            ], 0..300)) {
        let fb = TransportFeedback { sender_ssrc: s, media_ssrc: m, base_sequence_number: base,
            reference_time: rt, feedback_packet_count: fbc, statuses: TwccStatuses::List(&statuses) };
        rtcp_round_trip(RtcpRepr::TransportFeedback(fb))?;
        let got: Vec<PacketStatus> = fb.packet_results().map(|r| r.status).collect();
        prop_assert_eq!(got, statuses);
    }

    #[test]
    fn twcc_runs(base: u16, runs in vec((0u8..3, 1usize..40), 0..20)) {
        let statuses: Vec<PacketStatus> = runs.iter().flat_map(|&(k, n)| std::iter::repeat_n(match k {
            0 => PacketStatus::NotReceived, 1 => PacketStatus::ReceivedSmallDelta(7), _ => PacketStatus::ReceivedLargeDelta(-7),
        }, n)).collect();
        rtcp_round_trip(RtcpRepr::TransportFeedback(TransportFeedback { sender_ssrc: 1, media_ssrc: 2,
            base_sequence_number: base, reference_time: 0, feedback_packet_count: 0, statuses: TwccStatuses::List(&statuses) }))?;
    }

    #[test]
    fn ccfb(s: u32, ts: u32, blocks in vec((any::<u32>(), any::<u16>(), vec((any::<bool>(), 0u8..4, 0u16..0x2000), 0..9)), 0..4)) {
        let metrics: Vec<Vec<MetricBlock>> = blocks.iter().map(|(_, _, m)| m.iter()
            .map(|&(received, ecn, arrival_time_offset)| MetricBlock { received, ecn, arrival_time_offset }).collect()).collect();
        let reports: Vec<CcfbReportBlock<'_>> = blocks.iter().zip(&metrics).map(|((ssrc, begin, _), m)|
            CcfbReportBlock { media_ssrc: *ssrc, begin_sequence: *begin, metrics: Items::Slice(m) }).collect();
        rtcp_round_trip(RtcpRepr::CongestionControlFeedback(CongestionControlFeedback {
            sender_ssrc: s, reports: Items::Slice(&reports), report_timestamp: ts }))?;
    }

    #[test]
    fn pli(s: u32, m: u32) {
        rtcp_round_trip(RtcpRepr::PictureLossIndication(PictureLossIndication { sender_ssrc: s, media_ssrc: m }))?;
    }

    #[test]
    fn fir(s: u32, m: u32, entries in vec(any::<(u32, u8)>(), 0..8)) {
        let e: Vec<FirEntry> = entries.iter().map(|&(ssrc, sequence_number)| FirEntry { ssrc, sequence_number }).collect();
        rtcp_round_trip(RtcpRepr::FullIntraRequest(FullIntraRequest { sender_ssrc: s, media_ssrc: m, entries: Items::Slice(&e) }))?;
    }

    #[test]
    fn remb(s: u32, exponent in 0u8..64, mantissa in 0u32..0x40000, ssrcs in vec(any::<u32>(), 0..10)) {
        rtcp_round_trip(RtcpRepr::ReceiverEstimatedMaxBitrate(ReceiverEstimatedMaxBitrate {
            sender_ssrc: s, media_ssrc: 0, exponent, mantissa, ssrcs: Items::Slice(&ssrcs) }))?;
    }

    #[test]
    fn remb_encode_bitrate(bps in 0u64..(1 << 40)) {
        let (e, m) = ReceiverEstimatedMaxBitrate::encode_bitrate(bps);
        let r = ReceiverEstimatedMaxBitrate { sender_ssrc: 0, media_ssrc: 0, exponent: e, mantissa: m, ssrcs: Items::EMPTY };
        prop_assert!(m < 1 << 18);
        prop_assert!(r.bitrate() <= bps);
        prop_assert!(bps - r.bitrate() < 1 << e.max(1));
    }

    #[test]
    fn unknown(pt in prop_oneof![0u8..200, 208u8..=255], count in 0u8..32, payload in vec(any::<u8>(), 0..40)) {
        rtcp_round_trip(RtcpRepr::Unknown(UnknownPacket { packet_type: PacketType(pt), count, payload: &payload }))?;
    }

    #[test]
    fn unknown_fmt(pt in prop_oneof![Just(205u8), Just(206u8)], count in prop_oneof![2u8..4, 5u8..11, 12u8..15, 16u8..32],
                   payload in words(6)) {
        rtcp_round_trip(RtcpRepr::Unknown(UnknownPacket { packet_type: PacketType(pt), count, payload: &payload }))?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(buf in vec(any::<u8>(), 0..200)) {
        let _ = RtpRepr::parse_bytes(&buf);
        for p in RtcpRepr::parse_compound(&buf).flatten() {
            let mut out = vec![0u8; p.buffer_len()];
            if p.emit(&mut out).is_ok() {
                prop_assert_eq!(RtcpRepr::parse_bytes(&out), Ok(p));
            }
        }
    }
}
