//! Sender and receiver reports with their reception report blocks (RFC 3550 sections
//! 6.4.1 and 6.4.2). Profile-specific extensions after the report blocks are kept raw.

use super::{Body, PacketType, impl_emit};
use crate::bytes::{put_u24, put_u32, put_u64, sign_extend_24, u24_at, u32_at, u64_at};
use crate::items::{Items, WireItem};
use crate::{EmitError, ParseError};

/// One reception report block (24 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ReportBlock {
    /// SSRC of the source this block reports on.
    pub ssrc: u32,
    /// Fraction lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative number of packets lost, a signed 24-bit value. Values outside the
    /// 24-bit range are clamped when emitted (RFC 3550 appendix A.3).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub extended_highest_sequence_number: u32,
    /// Interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// Last SR timestamp (LSR): the middle 32 bits of its NTP timestamp.
    pub last_sender_report: u32,
    /// Delay since last SR (DLSR), in 1/65536 seconds.
    pub delay_since_last_sender_report: u32,
}

impl ReportBlock {
    /// Wire length of a report block.
    pub const LEN: usize = 24;
}

impl<'a> WireItem<'a> for ReportBlock {
    #[inline]
    fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let (b, rest) = buf.split_first_chunk::<24>()?;
        Some((
            Self {
                ssrc: u32_at(b, 0),
                fraction_lost: b[4],
                cumulative_lost: sign_extend_24(u24_at(b, 5)),
                extended_highest_sequence_number: u32_at(b, 8),
                jitter: u32_at(b, 12),
                last_sender_report: u32_at(b, 16),
                delay_since_last_sender_report: u32_at(b, 20),
            },
            rest,
        ))
    }
    #[inline]
    fn wire_len(&self) -> usize {
        Self::LEN
    }
    #[inline]
    fn write(&self, b: &mut [u8]) -> Result<(), EmitError> {
        put_u32(b, 0, self.ssrc);
        b[4] = self.fraction_lost;
        let lost = self.cumulative_lost.clamp(-(1 << 23), (1 << 23) - 1);
        put_u24(b, 5, lost as u32 & 0x00ff_ffff);
        put_u32(b, 8, self.extended_highest_sequence_number);
        put_u32(b, 12, self.jitter);
        put_u32(b, 16, self.last_sender_report);
        put_u32(b, 20, self.delay_since_last_sender_report);
        Ok(())
    }
}

fn split_reports(count: u8, body: &[u8]) -> Result<(&[u8], &[u8]), ParseError> {
    body.split_at_checked(usize::from(count) * ReportBlock::LEN)
        .ok_or(ParseError::Truncated)
}

fn report_count(reports: &Items<'_, ReportBlock>) -> Result<u8, EmitError> {
    let n = reports.wire_len() / ReportBlock::LEN;
    u8::try_from(n)
        .ok()
        .filter(|&n| n <= 31)
        .ok_or(EmitError::TooManyItems)
}

/// SR: sender report (PT 200).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderReport<'a> {
    /// SSRC of the sender.
    pub ssrc: u32,
    /// NTP timestamp (32.32 fixed point seconds since 1900).
    pub ntp_timestamp: u64,
    /// RTP timestamp corresponding to the NTP timestamp.
    pub rtp_timestamp: u32,
    /// Sender's packet count.
    pub packet_count: u32,
    /// Sender's octet count.
    pub octet_count: u32,
    /// Reception report blocks (at most 31).
    pub reports: Items<'a, ReportBlock>,
    /// Profile-specific extensions, raw.
    pub profile_extensions: &'a [u8],
}

impl<'a> SenderReport<'a> {
    pub(crate) fn parse_body(count: u8, body: &'a [u8]) -> Result<Self, ParseError> {
        let (head, rest) = body
            .split_first_chunk::<24>()
            .ok_or(ParseError::Truncated)?;
        let (reports, profile_extensions) = split_reports(count, rest)?;
        Ok(Self {
            ssrc: u32_at(head, 0),
            ntp_timestamp: u64_at(head, 4),
            rtp_timestamp: u32_at(head, 12),
            packet_count: u32_at(head, 16),
            octet_count: u32_at(head, 20),
            reports: Items::Wire(reports),
            profile_extensions,
        })
    }
}

impl Body for SenderReport<'_> {
    fn packet_type(&self) -> PacketType {
        PacketType::SR
    }
    fn count(&self) -> Result<u8, EmitError> {
        report_count(&self.reports)
    }
    fn body_len(&self) -> usize {
        24 + self.reports.wire_len() + self.profile_extensions.len()
    }
    fn emit_body(&self, b: &mut [u8]) -> Result<(), EmitError> {
        put_u32(b, 0, self.ssrc);
        put_u64(b, 4, self.ntp_timestamp);
        put_u32(b, 12, self.rtp_timestamp);
        put_u32(b, 16, self.packet_count);
        put_u32(b, 20, self.octet_count);
        let n = 24 + self.reports.write(&mut b[24..])?;
        b[n..].copy_from_slice(self.profile_extensions);
        Ok(())
    }
}
impl_emit!(SenderReport<'_>);

/// RR: receiver report (PT 201).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverReport<'a> {
    /// SSRC of the packet sender.
    pub ssrc: u32,
    /// Reception report blocks (at most 31).
    pub reports: Items<'a, ReportBlock>,
    /// Profile-specific extensions, raw.
    pub profile_extensions: &'a [u8],
}

impl<'a> ReceiverReport<'a> {
    pub(crate) fn parse_body(count: u8, body: &'a [u8]) -> Result<Self, ParseError> {
        let (head, rest) = body.split_first_chunk::<4>().ok_or(ParseError::Truncated)?;
        let (reports, profile_extensions) = split_reports(count, rest)?;
        Ok(Self {
            ssrc: u32::from_be_bytes(*head),
            reports: Items::Wire(reports),
            profile_extensions,
        })
    }
}

impl Body for ReceiverReport<'_> {
    fn packet_type(&self) -> PacketType {
        PacketType::RR
    }
    fn count(&self) -> Result<u8, EmitError> {
        report_count(&self.reports)
    }
    fn body_len(&self) -> usize {
        4 + self.reports.wire_len() + self.profile_extensions.len()
    }
    fn emit_body(&self, b: &mut [u8]) -> Result<(), EmitError> {
        put_u32(b, 0, self.ssrc);
        let n = 4 + self.reports.write(&mut b[4..])?;
        b[n..].copy_from_slice(self.profile_extensions);
        Ok(())
    }
}
impl_emit!(ReceiverReport<'_>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RtcpRepr;

    const RR: [u8; 32] = [
        0x81, 201, 0, 7, // V=2 RC=1 RR, length 7
        0x12, 0x34, 0x56, 0x78, // sender SSRC
        0xde, 0xad, 0xbe, 0xef, // SSRC_1
        0x20, 0xff, 0xff, 0xfe, // fraction 32/256, cumulative lost -2
        0x00, 0x01, 0x00, 0x05, // ext highest seq
        0x00, 0x00, 0x00, 0x10, // jitter
        0x11, 0x22, 0x33, 0x44, // LSR
        0x00, 0x01, 0x80, 0x00, // DLSR 1.5 s
    ];

    fn block() -> ReportBlock {
        ReportBlock {
            ssrc: 0xdead_beef,
            fraction_lost: 0x20,
            cumulative_lost: -2,
            extended_highest_sequence_number: 0x1_0005,
            jitter: 16,
            last_sender_report: 0x1122_3344,
            delay_since_last_sender_report: 0x1_8000,
        }
    }

    #[test]
    fn deconstruct_rr() {
        let RtcpRepr::ReceiverReport(rr) = RtcpRepr::parse_bytes(&RR).unwrap() else {
            panic!("not an RR")
        };
        assert_eq!(rr.ssrc, 0x1234_5678);
        assert_eq!(rr.reports.iter().collect::<Vec<_>>(), [block()]);
        assert!(rr.profile_extensions.is_empty());
    }

    #[test]
    fn construct_rr() {
        let blocks = [block()];
        let rr = ReceiverReport {
            ssrc: 0x1234_5678,
            reports: Items::Slice(&blocks),
            profile_extensions: &[],
        };
        let mut out = [0u8; 32];
        assert_eq!(rr.buffer_len(), 32);
        assert_eq!(rr.emit(&mut out), Ok(32));
        assert_eq!(out, RR);
        assert!(matches!(
            rr.emit(&mut out[..31]),
            Err(EmitError::BufferTooSmall { needed: 32, .. })
        ));
    }

    #[test]
    fn cumulative_lost_clamps() {
        let mut b = block();
        b.cumulative_lost = 1 << 30;
        let mut out = [0u8; 24];
        b.write(&mut out).unwrap();
        assert_eq!(&out[5..8], &[0x7f, 0xff, 0xff]);
    }

    #[test]
    fn rc_larger_than_body_is_truncated() {
        let mut bad = RR;
        bad[0] = 0x82;
        assert_eq!(RtcpRepr::parse_bytes(&bad), Err(ParseError::Truncated));
        let mut short_sr = [0u8; 24];
        short_sr[..4].copy_from_slice(&[0x80, 200, 0, 5]);
        assert_eq!(RtcpRepr::parse_bytes(&short_sr), Err(ParseError::Truncated));
    }

    #[test]
    fn too_many_reports() {
        let blocks = [block(); 32];
        let rr = ReceiverReport {
            ssrc: 1,
            reports: Items::Slice(&blocks),
            profile_extensions: &[],
        };
        let mut out = vec![0u8; rr.buffer_len()];
        assert_eq!(rr.emit(&mut out), Err(EmitError::TooManyItems));
    }
}
