//! Transport-wide congestion control feedback (RTPFB, FMT 15), as specified in
//! draft-holmer-rmcat-transport-wide-cc-extensions-01 section 3.1.
//!
//! The FCI holds the base sequence number, the packet status count, a 24-bit reference
//! time (multiples of 64 ms), the feedback packet count, packet status chunks (run-length,
//! or 1-bit / 2-bit status vectors) and one receive delta per received packet (8-bit
//! unsigned for "small delta", 16-bit signed for "large or negative delta", in 250 us).
//!
//! [`TransportFeedback::chunks`] gives the raw chunks, [`TransportFeedback::packet_results`]
//! the decoded per-packet list, and [`TwccStatuses::List`] builds a packet from such a
//! list, choosing chunks greedily. Chunks carrying the reserved symbol `11` are rejected.
//! Left out: the sender-side bookkeeping that maps deltas back to send times.

use core::fmt;

use super::{Body, PacketType, feedback_ssrcs, impl_emit};
use crate::bytes::{put_u16, put_u24, put_u32, sign_extend_24, u16_at, u24_at};
use crate::{EmitError, ParseError};

/// A 2-bit packet status symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusSymbol {
    /// `00`: packet not received.
    NotReceived = 0,
    /// `01`: received, with a one-byte delta.
    ReceivedSmallDelta = 1,
    /// `10`: received, with a two-byte signed delta.
    ReceivedLargeDelta = 2,
}

impl StatusSymbol {
    #[inline]
    const fn from_bits(v: u16) -> Result<Self, ParseError> {
        match v & 3 {
            0 => Ok(Self::NotReceived),
            1 => Ok(Self::ReceivedSmallDelta),
            2 => Ok(Self::ReceivedLargeDelta),
            _ => Err(ParseError::ReservedPacketStatus),
        }
    }

    /// Size of the receive delta this symbol implies.
    #[inline]
    pub const fn delta_len(self) -> usize {
        self as usize
    }
}

/// One packet status chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketStatusChunk {
    /// Run-length chunk: `run_length` (13 bits) packets with the same symbol.
    RunLength {
        /// The repeated symbol.
        symbol: StatusSymbol,
        /// Number of packets, 0..=8191.
        run_length: u16,
    },
    /// Status vector chunk with 14 one-bit symbols (0 not received, 1 small delta), the
    /// first symbol in the most significant of the 14 bits.
    OneBitVector(u16),
    /// Status vector chunk with 7 two-bit symbols, first symbol most significant.
    TwoBitVector(u16),
}

impl PacketStatusChunk {
    /// Decodes a chunk; fails on the reserved symbol.
    #[inline]
    pub fn from_wire(v: u16) -> Result<Self, ParseError> {
        if v & 0x8000 == 0 {
            return Ok(Self::RunLength {
                symbol: StatusSymbol::from_bits(v >> 13)?,
                run_length: v & 0x1fff,
            });
        }
        if v & 0x4000 == 0 {
            return Ok(Self::OneBitVector(v & 0x3fff));
        }
        // Reserved symbols are `11`: detect any pair with both bits set.
        let bits = v & 0x3fff;
        if bits & (bits >> 1) & 0x1555 != 0 {
            return Err(ParseError::ReservedPacketStatus);
        }
        Ok(Self::TwoBitVector(bits))
    }

    /// Encodes the chunk.
    #[inline]
    pub fn to_wire(self) -> u16 {
        match self {
            Self::RunLength { symbol, run_length } => (symbol as u16) << 13 | run_length & 0x1fff,
            Self::OneBitVector(bits) => 0x8000 | bits & 0x3fff,
            Self::TwoBitVector(bits) => 0xc000 | bits & 0x3fff,
        }
    }

    /// Number of symbols the chunk carries.
    #[inline]
    pub fn len(self) -> usize {
        match self {
            Self::RunLength { run_length, .. } => usize::from(run_length),
            Self::OneBitVector(_) => 14,
            Self::TwoBitVector(_) => 7,
        }
    }

    /// Bytes of receive deltas the first `used` symbols need (`used <= len()`).
    #[inline]
    fn delta_len(self, used: usize) -> usize {
        match self {
            Self::RunLength { symbol, .. } => used * symbol.delta_len(),
            Self::OneBitVector(bits) => (bits >> (14 - used)).count_ones() as usize,
            Self::TwoBitVector(bits) => {
                let v = bits >> (2 * (7 - used));
                ((v & 0x1555).count_ones() + 2 * ((v >> 1) & 0x1555).count_ones()) as usize
            }
        }
    }

    /// The symbols packed two bits each with the first at bits 27..26, and the shift
    /// that brings the next one there (0 for a run).
    #[inline]
    fn packed(self) -> (u32, u32) {
        match self {
            Self::RunLength { symbol, .. } => ((symbol as u32) << 26, 0),
            Self::TwoBitVector(bits) => (u32::from(bits) << 14, 2),
            Self::OneBitVector(bits) => {
                let mut packed = 0u32;
                for i in 0..14 {
                    packed |= u32::from(bits >> (13 - i) & 1) << (26 - 2 * i);
                }
                (packed, 2)
            }
        }
    }

    /// Whether the chunk carries no symbols (a zero-length run).
    #[inline]
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The `i`-th symbol (`i < len()`).
    #[inline]
    pub fn symbol(self, i: usize) -> StatusSymbol {
        match self {
            Self::RunLength { symbol, .. } => symbol,
            Self::OneBitVector(bits) => {
                if bits >> (13 - i) & 1 != 0 {
                    StatusSymbol::ReceivedSmallDelta
                } else {
                    StatusSymbol::NotReceived
                }
            }
            Self::TwoBitVector(bits) => match bits >> (12 - 2 * i) & 3 {
                0 => StatusSymbol::NotReceived,
                1 => StatusSymbol::ReceivedSmallDelta,
                _ => StatusSymbol::ReceivedLargeDelta,
            },
        }
    }
}

/// A packet's status with its receive delta (in 250 us ticks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketStatus {
    /// Not received.
    NotReceived,
    /// Received; delta 0..=255 ticks.
    ReceivedSmallDelta(u8),
    /// Received; signed 16-bit delta.
    ReceivedLargeDelta(i16),
}

impl PacketStatus {
    /// The symbol that encodes this status.
    #[inline]
    pub const fn symbol(self) -> StatusSymbol {
        match self {
            Self::NotReceived => StatusSymbol::NotReceived,
            Self::ReceivedSmallDelta(_) => StatusSymbol::ReceivedSmallDelta,
            Self::ReceivedLargeDelta(_) => StatusSymbol::ReceivedLargeDelta,
        }
    }

    /// The receive delta in 250 us ticks, if received.
    #[inline]
    pub const fn delta_ticks(self) -> Option<i16> {
        match self {
            Self::NotReceived => None,
            Self::ReceivedSmallDelta(d) => Some(d as i16),
            Self::ReceivedLargeDelta(d) => Some(d),
        }
    }

    /// The receive delta in microseconds, if received.
    #[inline]
    pub const fn delta_micros(self) -> Option<i32> {
        match self.delta_ticks() {
            Some(d) => Some(d as i32 * 250),
            None => None,
        }
    }

    /// The status for a delta in ticks, picking the small form when it fits.
    #[inline]
    pub const fn received(delta_ticks: i16) -> Self {
        if delta_ticks >= 0 && delta_ticks <= 255 {
            Self::ReceivedSmallDelta(delta_ticks as u8)
        } else {
            Self::ReceivedLargeDelta(delta_ticks)
        }
    }
}

/// One decoded entry: a transport-wide sequence number and its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PacketResult {
    /// Transport-wide sequence number.
    pub sequence_number: u16,
    /// Status and delta.
    pub status: PacketStatus,
}

/// The statuses of a feedback packet: validated wire bytes or a caller's list.
#[derive(Clone, Copy)]
pub enum TwccStatuses<'a> {
    /// As received.
    Wire {
        /// Packet status count.
        packet_status_count: u16,
        /// The status chunk bytes.
        chunks: &'a [u8],
        /// The receive delta bytes.
        deltas: &'a [u8],
    },
    /// One status per sequence number from the base sequence number (at most 65535).
    List(&'a [PacketStatus]),
}

impl TwccStatuses<'_> {
    /// The packet status count.
    #[inline]
    pub fn packet_status_count(&self) -> usize {
        match self {
            Self::Wire {
                packet_status_count,
                ..
            } => usize::from(*packet_status_count),
            Self::List(l) => l.len(),
        }
    }
}

impl PartialEq for TwccStatuses<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.packet_status_count() == other.packet_status_count()
            && PacketResults::new(0, *self)
                .map(|r| r.status)
                .eq(PacketResults::new(0, *other).map(|r| r.status))
    }
}

impl Eq for TwccStatuses<'_> {}

impl fmt::Debug for TwccStatuses<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(PacketResults::new(0, *self).map(|r| r.status))
            .finish()
    }
}

/// Transport-wide CC feedback (RTPFB, FMT 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransportFeedback<'a> {
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source.
    pub media_ssrc: u32,
    /// Transport-wide sequence number of the first packet reported.
    pub base_sequence_number: u16,
    /// Reference time, signed 24 bits, in multiples of 64 ms.
    pub reference_time: i32,
    /// Feedback packet count (wraps).
    pub feedback_packet_count: u8,
    /// The packet statuses and deltas.
    pub statuses: TwccStatuses<'a>,
}

impl<'a> TransportFeedback<'a> {
    pub(crate) fn parse_body(body: &'a [u8]) -> Result<Self, ParseError> {
        let (sender_ssrc, media_ssrc, fci) = feedback_ssrcs(body)?;
        let (head, rest) = fci.split_first_chunk::<8>().ok_or(ParseError::Truncated)?;
        let count = usize::from(u16_at(head, 2));
        let mut at = 0;
        let mut covered = 0;
        let mut delta_len = 0;
        while covered < count {
            let raw = rest.get(at..at + 2).ok_or(ParseError::Truncated)?;
            let chunk = PacketStatusChunk::from_wire(u16_at(raw, 0))?;
            at += 2;
            let used = chunk.len().min(count - covered);
            delta_len += chunk.delta_len(used);
            covered += chunk.len();
        }
        let (chunks, rest) = rest.split_at(at);
        let deltas = rest.get(..delta_len).ok_or(ParseError::Truncated)?;
        Ok(Self {
            sender_ssrc,
            media_ssrc,
            base_sequence_number: u16_at(head, 0),
            reference_time: sign_extend_24(u24_at(head, 4)),
            feedback_packet_count: head[7],
            statuses: TwccStatuses::Wire {
                packet_status_count: count as u16,
                chunks,
                deltas,
            },
        })
    }

    /// The reference time in microseconds.
    #[inline]
    pub fn reference_time_micros(&self) -> i64 {
        i64::from(self.reference_time) * 64_000
    }

    /// The packet status count.
    #[inline]
    pub fn packet_status_count(&self) -> usize {
        self.statuses.packet_status_count()
    }

    /// The packet status chunks: as received, or as this crate would encode the list.
    #[inline]
    pub fn chunks(&self) -> StatusChunks<'a> {
        match self.statuses {
            TwccStatuses::Wire { chunks, .. } => StatusChunks::Wire(chunks),
            TwccStatuses::List(l) => StatusChunks::List(l),
        }
    }

    /// The decoded per-packet list: sequence number, status and delta.
    #[inline]
    pub fn packet_results(&self) -> PacketResults<'a> {
        PacketResults::new(self.base_sequence_number, self.statuses)
    }
}

/// Encodes the next chunk for `s` (non-empty); returns it and the statuses consumed.
fn encode_chunk(s: &[PacketStatus]) -> (PacketStatusChunk, usize) {
    let first = s[0].symbol();
    let run = s
        .iter()
        .take(0x1fff)
        .take_while(|p| p.symbol() == first)
        .count();
    if run >= 14 || run == s.len() {
        return (
            PacketStatusChunk::RunLength {
                symbol: first,
                run_length: run as u16,
            },
            run,
        );
    }
    let n14 = s.len().min(14);
    if s[..n14]
        .iter()
        .all(|p| p.symbol() != StatusSymbol::ReceivedLargeDelta)
    {
        let bits = s[..n14].iter().enumerate().fold(0u16, |acc, (i, p)| {
            acc | u16::from(p.symbol() != StatusSymbol::NotReceived) << (13 - i)
        });
        return (PacketStatusChunk::OneBitVector(bits), n14);
    }
    if run >= 7 {
        return (
            PacketStatusChunk::RunLength {
                symbol: first,
                run_length: run as u16,
            },
            run,
        );
    }
    let n7 = s.len().min(7);
    let bits = s[..n7].iter().enumerate().fold(0u16, |acc, (i, p)| {
        acc | (p.symbol() as u16) << (12 - 2 * i)
    });
    (PacketStatusChunk::TwoBitVector(bits), n7)
}

/// Iterator over packet status chunks (see [`TransportFeedback::chunks`]).
#[derive(Debug, Clone)]
pub enum StatusChunks<'a> {
    /// Decoding received chunk bytes.
    Wire(&'a [u8]),
    /// Encoding a status list.
    List(&'a [PacketStatus]),
}

impl Iterator for StatusChunks<'_> {
    type Item = PacketStatusChunk;

    #[inline]
    fn next(&mut self) -> Option<PacketStatusChunk> {
        match self {
            Self::Wire(b) => {
                let (raw, rest) = b.split_first_chunk::<2>()?;
                *b = rest;
                PacketStatusChunk::from_wire(u16::from_be_bytes(*raw)).ok()
            }
            Self::List(l) => {
                if l.is_empty() {
                    return None;
                }
                let (chunk, used) = encode_chunk(l);
                *l = &l[used..];
                Some(chunk)
            }
        }
    }
}

/// Iterator over decoded packet results (see [`TransportFeedback::packet_results`]).
#[derive(Debug, Clone)]
pub struct PacketResults<'a> {
    sequence_number: u16,
    source: ResultSource<'a>,
}

#[derive(Debug, Clone)]
enum ResultSource<'a> {
    Wire {
        chunks: &'a [u8],
        deltas: &'a [u8],
        /// Symbols of the current chunk, next one at bits 27..26.
        packed: u32,
        /// Shift to the following symbol (0 inside a run).
        step: u32,
        /// Symbols left to yield from the current chunk (already capped by the count).
        left: usize,
        /// Statuses left to yield after the current chunk.
        remaining: usize,
    },
    List(core::slice::Iter<'a, PacketStatus>),
}

impl<'a> PacketResults<'a> {
    fn new(base: u16, statuses: TwccStatuses<'a>) -> Self {
        let source = match statuses {
            TwccStatuses::Wire {
                packet_status_count,
                chunks,
                deltas,
            } => ResultSource::Wire {
                chunks,
                deltas,
                packed: 0,
                step: 0,
                left: 0,
                remaining: usize::from(packet_status_count),
            },
            TwccStatuses::List(l) => ResultSource::List(l.iter()),
        };
        Self {
            sequence_number: base,
            source,
        }
    }
}

impl Iterator for PacketResults<'_> {
    type Item = PacketResult;

    #[inline]
    fn next(&mut self) -> Option<PacketResult> {
        let status = match &mut self.source {
            ResultSource::List(it) => *it.next()?,
            ResultSource::Wire {
                chunks,
                deltas,
                packed,
                step,
                left,
                remaining,
            } => {
                while *left == 0 {
                    if *remaining == 0 {
                        return None;
                    }
                    let (raw, rest) = chunks.split_first_chunk::<2>()?;
                    *chunks = rest;
                    let chunk = PacketStatusChunk::from_wire(u16::from_be_bytes(*raw)).ok()?;
                    (*packed, *step) = chunk.packed();
                    *left = chunk.len().min(*remaining);
                    *remaining -= *left;
                }
                let symbol = *packed >> 26 & 3;
                *packed <<= *step;
                *left -= 1;
                match symbol {
                    0 => PacketStatus::NotReceived,
                    1 => {
                        let (&d, rest) = deltas.split_first()?;
                        *deltas = rest;
                        PacketStatus::ReceivedSmallDelta(d)
                    }
                    _ => {
                        let (d, rest) = deltas.split_first_chunk::<2>()?;
                        *deltas = rest;
                        PacketStatus::ReceivedLargeDelta(i16::from_be_bytes(*d))
                    }
                }
            }
        };
        let result = PacketResult {
            sequence_number: self.sequence_number,
            status,
        };
        self.sequence_number = self.sequence_number.wrapping_add(1);
        Some(result)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.source {
            ResultSource::List(it) => it.size_hint(),
            ResultSource::Wire {
                left, remaining, ..
            } => (0, Some(left + remaining)),
        }
    }
}

impl Body for TransportFeedback<'_> {
    fn packet_type(&self) -> PacketType {
        PacketType::RTPFB
    }
    fn count(&self) -> Result<u8, EmitError> {
        Ok(super::fmt::TRANSPORT_CC)
    }
    fn body_len(&self) -> usize {
        16 + match self.statuses {
            TwccStatuses::Wire { chunks, deltas, .. } => chunks.len() + deltas.len(),
            TwccStatuses::List(l) => {
                2 * self.chunks().count() + l.iter().map(|s| s.symbol().delta_len()).sum::<usize>()
            }
        }
    }
    fn emit_body(&self, b: &mut [u8]) -> Result<(), EmitError> {
        if !(-(1 << 23)..(1 << 23)).contains(&self.reference_time) {
            return Err(EmitError::ValueOutOfRange("reference_time"));
        }
        let count =
            u16::try_from(self.packet_status_count()).map_err(|_| EmitError::TooManyItems)?;
        put_u32(b, 0, self.sender_ssrc);
        put_u32(b, 4, self.media_ssrc);
        put_u16(b, 8, self.base_sequence_number);
        put_u16(b, 10, count);
        put_u24(b, 12, self.reference_time as u32 & 0x00ff_ffff);
        b[15] = self.feedback_packet_count;
        match self.statuses {
            TwccStatuses::Wire { chunks, deltas, .. } => {
                b[16..16 + chunks.len()].copy_from_slice(chunks);
                b[16 + chunks.len()..].copy_from_slice(deltas);
            }
            TwccStatuses::List(l) => {
                let mut at = 16;
                for chunk in self.chunks() {
                    put_u16(b, at, chunk.to_wire());
                    at += 2;
                }
                for s in l {
                    match *s {
                        PacketStatus::NotReceived => {}
                        PacketStatus::ReceivedSmallDelta(d) => {
                            b[at] = d;
                            at += 1;
                        }
                        PacketStatus::ReceivedLargeDelta(d) => {
                            put_u16(b, at, d as u16);
                            at += 2;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
impl_emit!(TransportFeedback<'_>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RtcpRepr;

    #[test]
    // Grouped by field (T, S, symbols) to mirror the draft's figures.
    #[allow(clippy::unusual_byte_groupings)]
    fn chunk_bits() {
        // Examples from the draft's section 3.1.3 and 3.1.4.
        assert_eq!(
            PacketStatusChunk::from_wire(0b0_10_0000011011101),
            Ok(PacketStatusChunk::RunLength {
                symbol: StatusSymbol::ReceivedLargeDelta,
                run_length: 221
            })
        );
        let v = PacketStatusChunk::from_wire(0b1_0_10011100000000).unwrap();
        let syms: Vec<_> = (0..v.len()).map(|i| v.symbol(i) as u8).collect();
        assert_eq!(syms, [1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
        let v = PacketStatusChunk::from_wire(0b1_1_00_01_10_00_00_00_00).unwrap();
        let syms: Vec<_> = (0..v.len()).map(|i| v.symbol(i) as u8).collect();
        assert_eq!(syms, [0, 1, 2, 0, 0, 0, 0]);
        assert_eq!(
            PacketStatusChunk::from_wire(0b1_1_00_11_00_00_00_00_00),
            Err(ParseError::ReservedPacketStatus)
        );
        assert_eq!(
            PacketStatusChunk::from_wire(0b0_11_0000000000001),
            Err(ParseError::ReservedPacketStatus)
        );
        for w in [0x2015u16, 0xbeff, 0xd655, 0x0000, 0x9fff] {
            assert_eq!(PacketStatusChunk::from_wire(w).unwrap().to_wire(), w);
        }
    }

    #[test]
    fn fast_paths_agree_with_symbol_for_every_chunk() {
        for v in 0..=u16::MAX {
            let Ok(chunk) = PacketStatusChunk::from_wire(v) else {
                continue;
            };
            let n = chunk.len().min(20);
            let (mut packed, step) = chunk.packed();
            for i in 0..n {
                assert_eq!(packed >> 26 & 3, chunk.symbol(i) as u32, "chunk {v:#06x}");
                packed <<= step;
            }
            for used in 0..=chunk.len().min(14) {
                let slow: usize = (0..used).map(|i| chunk.symbol(i).delta_len()).sum();
                assert_eq!(chunk.delta_len(used), slow, "chunk {v:#06x} used {used}");
            }
        }
    }

    #[test]
    fn encoder_choices() {
        use PacketStatus::*;
        let s = [ReceivedSmallDelta(1); 20];
        assert_eq!(
            encode_chunk(&s),
            (
                PacketStatusChunk::RunLength {
                    symbol: StatusSymbol::ReceivedSmallDelta,
                    run_length: 20
                },
                20
            )
        );
        let mixed = [ReceivedSmallDelta(1), NotReceived, ReceivedSmallDelta(1)];
        assert_eq!(encode_chunk(&mixed).1, 3);
        assert!(matches!(
            encode_chunk(&mixed).0,
            PacketStatusChunk::OneBitVector(0b10_1000_0000_0000)
        ));
        let mut large = [NotReceived; 10];
        large[0] = ReceivedSmallDelta(0);
        large[8] = ReceivedLargeDelta(-1);
        assert!(matches!(
            encode_chunk(&large),
            (PacketStatusChunk::TwoBitVector(_), 7)
        ));
        let lots = [NotReceived; 9000];
        assert_eq!(encode_chunk(&lots).1, 0x1fff);
    }

    #[test]
    fn build_parse_round_trip() {
        use PacketStatus::*;
        let list = [
            ReceivedSmallDelta(4),
            NotReceived,
            ReceivedLargeDelta(-250),
            ReceivedSmallDelta(255),
            ReceivedLargeDelta(1000),
        ];
        let fb = TransportFeedback {
            sender_ssrc: 1,
            media_ssrc: 2,
            base_sequence_number: 65534,
            reference_time: -5,
            feedback_packet_count: 9,
            statuses: TwccStatuses::List(&list),
        };
        // 16 + one 2-bit chunk + 1+2+1+2 delta bytes = 24, + 4 header = 28: aligned.
        assert_eq!(fb.buffer_len(), 28);
        let mut out = [0u8; 28];
        assert_eq!(fb.emit(&mut out), Ok(28));
        let parsed = RtcpRepr::parse_bytes(&out).unwrap();
        assert_eq!(parsed, RtcpRepr::TransportFeedback(fb));
        let RtcpRepr::TransportFeedback(p) = parsed else {
            panic!()
        };
        let seqs: Vec<_> = p.packet_results().map(|r| r.sequence_number).collect();
        assert_eq!(seqs, [65534, 65535, 0, 1, 2]);
        assert_eq!(p.reference_time_micros(), -320_000);
        assert_eq!(
            p.packet_results().nth(2).unwrap().status.delta_micros(),
            Some(-62_500)
        );
    }

    #[test]
    fn missing_deltas_and_chunks() {
        let list = [PacketStatus::ReceivedSmallDelta(4); 3];
        let fb = TransportFeedback {
            sender_ssrc: 1,
            media_ssrc: 2,
            base_sequence_number: 0,
            reference_time: 0,
            feedback_packet_count: 0,
            statuses: TwccStatuses::List(&list),
        };
        let mut out = [0u8; 28];
        let n = fb.emit(&mut out).unwrap();
        assert_eq!(n, 28); // 16 + 2 + 3 = 21 -> padded to 24, + 4
        assert_eq!(out[0] & 0x20, 0x20);
        // Claim 200 statuses: the single chunk does not cover them.
        out[14] = 0;
        out[15] = 200;
        assert_eq!(RtcpRepr::parse_bytes(&out), Err(ParseError::Truncated));
        // Claim 40 received packets in one run: not enough delta bytes.
        out[15] = 40;
        out[20] = 0x20;
        out[21] = 40;
        assert_eq!(RtcpRepr::parse_bytes(&out), Err(ParseError::Truncated));
    }
}
