//! RTP Congestion Control Feedback (RFC 8888 section 3.1): RTPFB, FMT 11.
//!
//! Per-SSRC report blocks carry `begin_seq`, `num_reports` and one 16-bit metric block
//! per packet (R, ECN, arrival time offset in 1/1024 s); an odd count is followed by 16
//! bits of zero padding. The packet ends with the 32-bit report timestamp (the middle
//! bits of an NTP timestamp). Left out: the SDP negotiation (`ccfb`) and any sender-side
//! interpretation.

use super::{Body, PacketType, fmt, impl_emit};
use crate::bytes::{put_u16, put_u32, u16_at, u32_at};
use crate::items::{Items, WireItem};
use crate::{EmitError, ParseError};

/// One 16-bit per-packet metric block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MetricBlock {
    /// R: the packet was received.
    pub received: bool,
    /// ECN: the two ECN bits of the received packet.
    pub ecn: u8,
    /// ATO: arrival time offset before the report timestamp, 13 bits in 1/1024 s
    /// (`0x1FFE` means "at least that much", `0x1FFF` "unavailable").
    pub arrival_time_offset: u16,
}

impl MetricBlock {
    /// ATO value meaning the offset is at least 0x1FFE/1024 s.
    pub const ATO_OVER_RANGE: u16 = 0x1ffe;
    /// ATO value meaning the arrival time is unavailable.
    pub const ATO_UNAVAILABLE: u16 = 0x1fff;
}

impl<'a> WireItem<'a> for MetricBlock {
    #[inline]
    fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let (b, rest) = buf.split_first_chunk::<2>()?;
        let v = u16::from_be_bytes(*b);
        Some((
            Self {
                received: v & 0x8000 != 0,
                ecn: ((v >> 13) & 3) as u8,
                arrival_time_offset: v & 0x1fff,
            },
            rest,
        ))
    }
    #[inline]
    fn wire_len(&self) -> usize {
        2
    }
    fn write(&self, b: &mut [u8]) -> Result<(), EmitError> {
        if self.ecn > 3 {
            return Err(EmitError::ValueOutOfRange("ecn"));
        }
        if self.arrival_time_offset > 0x1fff {
            return Err(EmitError::ValueOutOfRange("arrival_time_offset"));
        }
        let v =
            u16::from(self.received) << 15 | u16::from(self.ecn) << 13 | self.arrival_time_offset;
        put_u16(b, 0, v);
        Ok(())
    }
}

/// The report block for one media SSRC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CcfbReportBlock<'a> {
    /// SSRC of the RTP stream reported on.
    pub media_ssrc: u32,
    /// `begin_seq`: sequence number of the first metric block.
    pub begin_sequence: u16,
    /// One metric block per sequence number from `begin_sequence` (`num_reports` of
    /// them; at most [`CcfbReportBlock::MAX_METRICS`] to emit).
    pub metrics: Items<'a, MetricBlock>,
}

impl CcfbReportBlock<'_> {
    /// RFC 8888 section 3.1: a report block covers at most a quarter of the sequence
    /// number space. Longer blocks are refused on parse and on emit.
    pub const MAX_METRICS: usize = 16384;
}

impl CcfbReportBlock<'_> {
    /// (sequence number, metric) pairs.
    pub fn packets(&self) -> impl Iterator<Item = (u16, MetricBlock)> + '_ {
        let begin = self.begin_sequence;
        (0u16..)
            .zip(self.metrics.iter())
            .map(move |(i, m)| (begin.wrapping_add(i), m))
    }
}

impl<'a> WireItem<'a> for CcfbReportBlock<'a> {
    fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let (h, rest) = buf.split_first_chunk::<8>()?;
        let n = usize::from(u16_at(h, 6));
        let padded = (n * 2 + 3) & !3;
        if rest.len() < padded {
            return None;
        }
        Some((
            Self {
                media_ssrc: u32_at(h, 0),
                begin_sequence: u16_at(h, 4),
                metrics: Items::Wire(&rest[..n * 2]),
            },
            &rest[padded..],
        ))
    }
    fn wire_len(&self) -> usize {
        8 + ((self.metrics.wire_len() + 3) & !3)
    }
    fn write(&self, b: &mut [u8]) -> Result<(), EmitError> {
        let n = self.metrics.len();
        if n > CcfbReportBlock::MAX_METRICS {
            return Err(EmitError::TooManyItems);
        }
        let n = n as u16;
        put_u32(b, 0, self.media_ssrc);
        put_u16(b, 4, self.begin_sequence);
        put_u16(b, 6, n);
        let w = 8 + self.metrics.write(&mut b[8..])?;
        b[w..].fill(0);
        Ok(())
    }
}

/// Congestion control feedback (RTPFB, FMT 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CongestionControlFeedback<'a> {
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// One block per reported SSRC.
    pub reports: Items<'a, CcfbReportBlock<'a>>,
    /// Report timestamp: middle 32 bits of the NTP time the report was generated.
    pub report_timestamp: u32,
}

impl<'a> CongestionControlFeedback<'a> {
    pub(crate) fn parse_body(body: &'a [u8]) -> Result<Self, ParseError> {
        if body.len() < 8 {
            return Err(ParseError::Truncated);
        }
        let (blocks, ts) = body[4..].split_at(body.len() - 8);
        let mut rest = blocks;
        while !rest.is_empty() {
            let (block, next) = CcfbReportBlock::read(rest).ok_or(ParseError::Truncated)?;
            if block.metrics.wire_len() / 2 > CcfbReportBlock::MAX_METRICS {
                return Err(ParseError::LimitExceeded);
            }
            rest = next;
        }
        Ok(Self {
            sender_ssrc: u32_at(body, 0),
            reports: Items::Wire(blocks),
            report_timestamp: u32_at(ts, 0),
        })
    }
}

impl Body for CongestionControlFeedback<'_> {
    fn packet_type(&self) -> PacketType {
        PacketType::RTPFB
    }
    fn count(&self) -> Result<u8, EmitError> {
        Ok(fmt::CCFB)
    }
    fn body_len(&self) -> usize {
        8 + self.reports.wire_len()
    }
    fn emit_body(&self, b: &mut [u8]) -> Result<(), EmitError> {
        put_u32(b, 0, self.sender_ssrc);
        let n = 4 + self.reports.write(&mut b[4..])?;
        put_u32(b, n, self.report_timestamp);
        Ok(())
    }
}
impl_emit!(CongestionControlFeedback<'_>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RtcpRepr;

    const CCFB: [u8; 36] = [
        0x8b, 205, 0, 8, 0, 0, 0, 1, // header, sender SSRC
        0, 0, 0, 2, 0xff, 0xfe, 0, 3, // SSRC 2, begin 65534, 3 reports
        0x80, 0x10, 0x00, 0x00, 0xdf, 0xff, 0, 0, // R|ato 16; lost; R|ECN=3|ATO=0x1fff; pad
        0, 0, 0, 3, 0, 1, 0, 0, // SSRC 3, begin 1, 0 reports
        0x12, 0x34, 0x56, 0x78, // report timestamp
    ];

    #[test]
    fn deconstruct_construct() {
        let RtcpRepr::CongestionControlFeedback(c) = RtcpRepr::parse_bytes(&CCFB).unwrap() else {
            panic!()
        };
        assert_eq!(c.report_timestamp, 0x1234_5678);
        let blocks: Vec<_> = c.reports.iter().collect();
        assert_eq!(blocks.len(), 2);
        let pk: Vec<_> = blocks[0].packets().collect();
        assert_eq!(pk[0].0, 65534);
        assert_eq!(pk[2].0, 0);
        assert!(pk[0].1.received && !pk[1].1.received);
        assert_eq!(pk[0].1.arrival_time_offset, 16);
        assert_eq!(
            pk[2].1,
            MetricBlock {
                received: true,
                ecn: 2,
                arrival_time_offset: MetricBlock::ATO_UNAVAILABLE
            }
        );
        assert!(blocks[1].metrics.is_empty());

        let m0: Vec<MetricBlock> = blocks[0].metrics.iter().collect();
        let built_blocks = [
            CcfbReportBlock {
                media_ssrc: 2,
                begin_sequence: 65534,
                metrics: Items::Slice(&m0),
            },
            blocks[1],
        ];
        let built = CongestionControlFeedback {
            sender_ssrc: 1,
            reports: Items::Slice(&built_blocks),
            report_timestamp: 0x1234_5678,
        };
        let mut out = [0xffu8; 36];
        assert_eq!(built.emit(&mut out), Ok(36));
        assert_eq!(out, CCFB);
    }

    #[test]
    fn too_many_metrics() {
        let m = vec![MetricBlock::default(); CcfbReportBlock::MAX_METRICS + 1];
        let blocks = [CcfbReportBlock {
            media_ssrc: 1,
            begin_sequence: 0,
            metrics: Items::Slice(&m),
        }];
        let fb = CongestionControlFeedback {
            sender_ssrc: 1,
            reports: Items::Slice(&blocks),
            report_timestamp: 0,
        };
        let mut out = vec![0u8; fb.buffer_len()];
        assert_eq!(fb.emit(&mut out), Err(EmitError::TooManyItems));
        // The same block on the wire is refused too.
        let mut wire = vec![0u8; 4 + 4 + 8 + 2 * m.len() + 2 + 4];
        let words = wire.len() / 4 - 1;
        wire[..4].copy_from_slice(&[0x8b, 205, (words >> 8) as u8, words as u8]);
        wire[14..16].copy_from_slice(&(m.len() as u16).to_be_bytes());
        assert_eq!(RtcpRepr::parse_bytes(&wire), Err(ParseError::LimitExceeded));
    }

    #[test]
    fn overrun() {
        let mut bad = CCFB;
        bad[15] = 9;
        assert_eq!(RtcpRepr::parse_bytes(&bad), Err(ParseError::Truncated));
        assert_eq!(
            RtcpRepr::parse_bytes(&[0x8b, 205, 0, 1, 0, 0, 0, 1]),
            Err(ParseError::Truncated)
        );
    }
}
