//! RTCP packets (RFC 3550 section 6) and the feedback messages WebRTC uses.
//!
//! [`RtcpPacket`] is the zero-copy view of one packet's common header (RFC 3550 section
//! 6.4.1: V, P, count/FMT, PT, length); [`CompoundPackets`] walks a compound packet
//! (section 6.1) and [`RtcpRepr::parse_compound`] parses each packet into a borrowing
//! [`RtcpRepr`]. A single packet on its own (RFC 5506 reduced-size RTCP) parses the same
//! way; [`check_compound`] applies the stricter section 6.1 rules on request.
//!
//! Padding is stripped on parse and regenerated on emit: an emitted packet carries
//! padding (P bit) only when its contents are not a whole number of 32-bit words (e.g.
//! transport-wide CC feedback). Packets with more padding than that re-emit shorter.
//! Left out: RTCP encryption prefixes (SRTCP is `strata-srtp`'s) and the profile-specific
//! meaning of SR/RR extensions (kept as raw bytes).

mod app;
mod bye;
mod ccfb;
mod nack;
mod psfb;
mod report;
mod sdes;
mod twcc;
mod xr;

pub use app::ApplicationDefined;
pub use bye::Goodbye;
pub use ccfb::{CcfbReportBlock, CongestionControlFeedback, MetricBlock};
pub use nack::{GenericNack, NackPacker, NackPair};
pub use psfb::{FirEntry, FullIntraRequest, PictureLossIndication, ReceiverEstimatedMaxBitrate};
pub use report::{ReceiverReport, ReportBlock, SenderReport};
pub use sdes::{SdesChunk, SdesItem, SdesItemType, SourceDescription};
pub use twcc::{
    PacketResult, PacketResults, PacketStatus, PacketStatusChunk, StatusChunks, StatusSymbol,
    TransportFeedback, TwccStatuses,
};
pub use xr::{DlrrSubBlock, ExtendedReport, XrBlock};

use crate::bytes::{pad4, put_u16, u16_at};
use crate::{EmitError, ParseError};

/// The RTCP packet type (PT) field, an open set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PacketType(pub u8);

impl PacketType {
    /// Sender report, RFC 3550 section 6.4.1.
    pub const SR: Self = Self(200);
    /// Receiver report, RFC 3550 section 6.4.2.
    pub const RR: Self = Self(201);
    /// Source description, RFC 3550 section 6.5.
    pub const SDES: Self = Self(202);
    /// Goodbye, RFC 3550 section 6.6.
    pub const BYE: Self = Self(203);
    /// Application-defined, RFC 3550 section 6.7.
    pub const APP: Self = Self(204);
    /// Transport-layer feedback, RFC 4585 section 6.2.
    pub const RTPFB: Self = Self(205);
    /// Payload-specific feedback, RFC 4585 section 6.3.
    pub const PSFB: Self = Self(206);
    /// Extended report, RFC 3611.
    pub const XR: Self = Self(207);
}

/// Feedback message type values (the FMT field) handled by this crate.
pub mod fmt {
    /// RTPFB Generic NACK (RFC 4585 section 6.2.1).
    pub const GENERIC_NACK: u8 = 1;
    /// RTPFB congestion control feedback (RFC 8888 section 3.1).
    pub const CCFB: u8 = 11;
    /// RTPFB transport-wide congestion control feedback.
    pub const TRANSPORT_CC: u8 = 15;
    /// PSFB Picture Loss Indication (RFC 4585 section 6.3.1).
    pub const PLI: u8 = 1;
    /// PSFB Full Intra Request (RFC 5104 section 4.3.1).
    pub const FIR: u8 = 4;
    /// PSFB application layer feedback (RFC 4585 section 6.4), REMB among them.
    pub const AFB: u8 = 15;
}

/// A read-only view of one RTCP packet (common header + body + padding).
///
/// The buffer may extend past the packet (as in a compound packet); the packet is the
/// first `(length + 1) * 4` bytes. After [`RtcpPacket::new_checked`] no accessor panics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> RtcpPacket<T> {
    /// Wraps a buffer without validating it; accessors may then panic.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after checking version, length field and padding.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Validates the header against the buffer (see [`RtcpPacket::new_checked`]).
    #[inline]
    pub fn check_len(&self) -> Result<(), ParseError> {
        let b = self.buffer.as_ref();
        if b.len() < 4 {
            return Err(ParseError::Truncated);
        }
        let version = b[0] >> 6;
        if version != 2 {
            return Err(ParseError::UnsupportedVersion(version));
        }
        let len = (usize::from(u16_at(b, 2)) + 1) * 4;
        if len > b.len() {
            return Err(ParseError::InvalidLength);
        }
        if b[0] & 0x20 != 0 {
            let pad = usize::from(b[len - 1]);
            if pad == 0 || pad > len - 4 {
                return Err(ParseError::InvalidPadding);
            }
        }
        Ok(())
    }

    #[inline]
    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Returns the underlying buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The version field.
    #[inline]
    pub fn version(&self) -> u8 {
        self.b()[0] >> 6
    }

    /// The P bit.
    #[inline]
    pub fn has_padding(&self) -> bool {
        self.b()[0] & 0x20 != 0
    }

    /// The 5-bit count field (RC, SC, subtype or FMT depending on the type).
    #[inline]
    pub fn count(&self) -> u8 {
        self.b()[0] & 0x1f
    }

    /// The PT field.
    #[inline]
    pub fn packet_type(&self) -> PacketType {
        PacketType(self.b()[1])
    }

    /// The raw length field: packet length in 32-bit words minus one.
    #[inline]
    pub fn length(&self) -> u16 {
        u16_at(self.b(), 2)
    }

    /// The packet length in bytes, header and padding included.
    #[inline]
    pub fn packet_len(&self) -> usize {
        (usize::from(self.length()) + 1) * 4
    }

    /// Padding bytes at the end, count byte included (0 without P bit).
    #[inline]
    pub fn padding_len(&self) -> u8 {
        if self.has_padding() {
            self.b()[self.packet_len() - 1]
        } else {
            0
        }
    }

    /// The packet's bytes (header through padding).
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.b()[..self.packet_len()]
    }

    /// The body: after the 4-byte header, without padding.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.b()[4..self.packet_len() - usize::from(self.padding_len())]
    }
}

/// Iterator over the packets of a compound RTCP packet.
///
/// Yields an error and stops when a header is malformed or the buffer ends mid-packet.
#[derive(Debug, Clone)]
pub struct CompoundPackets<'a> {
    rest: &'a [u8],
}

impl<'a> CompoundPackets<'a> {
    /// Walks `buf`, which holds one or more RTCP packets back to back.
    #[inline]
    pub const fn new(buf: &'a [u8]) -> Self {
        Self { rest: buf }
    }
}

impl<'a> Iterator for CompoundPackets<'a> {
    type Item = Result<RtcpPacket<&'a [u8]>, ParseError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match RtcpPacket::new_checked(self.rest) {
            Ok(p) => {
                let (this, rest) = self.rest.split_at(p.packet_len());
                self.rest = rest;
                Some(Ok(RtcpPacket::new_unchecked(this)))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// Checks the framing of a compound packet and returns the number of packets.
///
/// Always: every packet has version 2, a length that fits, valid padding, and the lengths
/// add up to the buffer. With `reduced_size == false` also the RFC 3550 section 6.1
/// rules: the first packet is an SR or RR and only the last packet is padded. With
/// `reduced_size == true` (RFC 5506) any packet type may come first.
pub fn check_compound(buf: &[u8], reduced_size: bool) -> Result<usize, ParseError> {
    let mut n = 0;
    let mut last_padded = false;
    for p in CompoundPackets::new(buf) {
        let p = p?;
        if last_padded {
            return Err(ParseError::InvalidCompound);
        }
        if n == 0
            && !reduced_size
            && p.packet_type() != PacketType::SR
            && p.packet_type() != PacketType::RR
        {
            return Err(ParseError::InvalidCompound);
        }
        last_padded = p.has_padding();
        n += 1;
    }
    if n == 0 {
        return Err(ParseError::Truncated);
    }
    Ok(n)
}

/// An RTCP packet of a type or FMT this crate does not decode, kept as bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnknownPacket<'a> {
    /// The PT field.
    pub packet_type: PacketType,
    /// The 5-bit count / FMT field.
    pub count: u8,
    /// The body after the common header, padding removed.
    pub payload: &'a [u8],
}

/// A parsed or to-be-built RTCP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtcpRepr<'a> {
    /// SR (PT 200).
    SenderReport(SenderReport<'a>),
    /// RR (PT 201).
    ReceiverReport(ReceiverReport<'a>),
    /// SDES (PT 202).
    SourceDescription(SourceDescription<'a>),
    /// BYE (PT 203).
    Goodbye(Goodbye<'a>),
    /// APP (PT 204).
    ApplicationDefined(ApplicationDefined<'a>),
    /// XR (PT 207).
    ExtendedReport(ExtendedReport<'a>),
    /// RTPFB FMT 1.
    GenericNack(GenericNack<'a>),
    /// RTPFB FMT 15.
    TransportFeedback(TransportFeedback<'a>),
    /// RTPFB FMT 11 (RFC 8888).
    CongestionControlFeedback(CongestionControlFeedback<'a>),
    /// PSFB FMT 1.
    PictureLossIndication(PictureLossIndication),
    /// PSFB FMT 4.
    FullIntraRequest(FullIntraRequest<'a>),
    /// PSFB FMT 15 with the "REMB" identifier.
    ReceiverEstimatedMaxBitrate(ReceiverEstimatedMaxBitrate<'a>),
    /// Anything else, byte for byte.
    Unknown(UnknownPacket<'a>),
}

/// The per-type part of emitting: the common header and padding are shared.
pub(crate) trait Body {
    fn packet_type(&self) -> PacketType;
    /// The 5-bit count/FMT field, or an error if the contents need more.
    fn count(&self) -> Result<u8, EmitError>;
    /// Body bytes after the common header, before padding.
    fn body_len(&self) -> usize;
    /// Writes the body into `buf`, exactly `body_len()` bytes.
    fn emit_body(&self, buf: &mut [u8]) -> Result<(), EmitError>;
}

#[inline]
pub(crate) fn packet_len(body: &impl Body) -> usize {
    4 + pad4(body.body_len())
}

pub(crate) fn emit_packet(body: &impl Body, buf: &mut [u8]) -> Result<usize, EmitError> {
    let body_len = body.body_len();
    let total = 4 + pad4(body_len);
    if total / 4 - 1 > usize::from(u16::MAX) {
        return Err(EmitError::TooLong);
    }
    let count = body.count()?;
    if count > 31 {
        return Err(EmitError::TooManyItems);
    }
    let available = buf.len();
    let buf = buf.get_mut(..total).ok_or(EmitError::BufferTooSmall {
        needed: total,
        available,
    })?;
    let pad = total - 4 - body_len;
    buf[0] = 0x80 | if pad > 0 { 0x20 } else { 0 } | count;
    buf[1] = body.packet_type().0;
    put_u16(buf, 2, (total / 4 - 1) as u16);
    body.emit_body(&mut buf[4..4 + body_len])?;
    if pad > 0 {
        buf[4 + body_len..total - 1].fill(0);
        buf[total - 1] = pad as u8;
    }
    Ok(total)
}

/// Adds `buffer_len` and `emit` to a packet type implementing [`Body`].
macro_rules! impl_emit {
    ($t:ty) => {
        impl $t {
            /// Bytes [`Self::emit`] writes (header, body and any padding).
            #[inline]
            pub fn buffer_len(&self) -> usize {
                $crate::rtcp::packet_len(self)
            }

            /// Writes the packet into the front of `buf`; returns its length.
            #[inline]
            pub fn emit(&self, buf: &mut [u8]) -> Result<usize, $crate::EmitError> {
                $crate::rtcp::emit_packet(self, buf)
            }
        }
    };
}
pub(crate) use impl_emit;

impl Body for UnknownPacket<'_> {
    fn packet_type(&self) -> PacketType {
        self.packet_type
    }
    fn count(&self) -> Result<u8, EmitError> {
        if self.count > 31 {
            return Err(EmitError::ValueOutOfRange("count"));
        }
        Ok(self.count)
    }
    fn body_len(&self) -> usize {
        self.payload.len()
    }
    fn emit_body(&self, buf: &mut [u8]) -> Result<(), EmitError> {
        buf.copy_from_slice(self.payload);
        Ok(())
    }
}
impl_emit!(UnknownPacket<'_>);

/// Reads the (sender SSRC, media SSRC) pair that starts every RFC 4585 feedback message.
#[inline]
pub(crate) fn feedback_ssrcs(body: &[u8]) -> Result<(u32, u32, &[u8]), ParseError> {
    let (head, rest) = body.split_first_chunk::<8>().ok_or(ParseError::Truncated)?;
    Ok((
        crate::bytes::u32_at(head, 0),
        crate::bytes::u32_at(head, 4),
        rest,
    ))
}

macro_rules! dispatch {
    ($self:ident, $p:ident => $e:expr) => {
        match $self {
            RtcpRepr::SenderReport($p) => $e,
            RtcpRepr::ReceiverReport($p) => $e,
            RtcpRepr::SourceDescription($p) => $e,
            RtcpRepr::Goodbye($p) => $e,
            RtcpRepr::ApplicationDefined($p) => $e,
            RtcpRepr::ExtendedReport($p) => $e,
            RtcpRepr::GenericNack($p) => $e,
            RtcpRepr::TransportFeedback($p) => $e,
            RtcpRepr::CongestionControlFeedback($p) => $e,
            RtcpRepr::PictureLossIndication($p) => $e,
            RtcpRepr::FullIntraRequest($p) => $e,
            RtcpRepr::ReceiverEstimatedMaxBitrate($p) => $e,
            RtcpRepr::Unknown($p) => $e,
        }
    };
}

impl<'a> RtcpRepr<'a> {
    /// Parses one packet. Unknown types and FMTs become [`RtcpRepr::Unknown`].
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &RtcpPacket<&'a T>) -> Result<Self, ParseError> {
        let bytes: &'a [u8] = packet.buffer.as_ref();
        RtcpPacket::new_checked(bytes)?;
        Self::parse_checked(bytes)
    }

    /// Parses a packet whose header [`RtcpPacket::check_len`] has accepted.
    #[inline]
    fn parse_checked(bytes: &'a [u8]) -> Result<Self, ParseError> {
        let checked = RtcpPacket::new_unchecked(bytes);
        let count = checked.count();
        let packet_type = checked.packet_type();
        let body = &bytes[4..checked.packet_len() - usize::from(checked.padding_len())];
        Ok(match packet_type {
            PacketType::SR => Self::SenderReport(SenderReport::parse_body(count, body)?),
            PacketType::RR => Self::ReceiverReport(ReceiverReport::parse_body(count, body)?),
            PacketType::SDES => {
                Self::SourceDescription(SourceDescription::parse_body(count, body)?)
            }
            PacketType::BYE => Self::Goodbye(Goodbye::parse_body(count, body)?),
            PacketType::APP => {
                Self::ApplicationDefined(ApplicationDefined::parse_body(count, body)?)
            }
            PacketType::XR => Self::ExtendedReport(ExtendedReport::parse_body(body)?),
            PacketType::RTPFB if count == fmt::GENERIC_NACK => {
                Self::GenericNack(GenericNack::parse_body(body)?)
            }
            PacketType::RTPFB if count == fmt::TRANSPORT_CC => {
                Self::TransportFeedback(TransportFeedback::parse_body(body)?)
            }
            PacketType::RTPFB if count == fmt::CCFB => {
                Self::CongestionControlFeedback(CongestionControlFeedback::parse_body(body)?)
            }
            PacketType::PSFB if count == fmt::PLI => {
                Self::PictureLossIndication(PictureLossIndication::parse_body(body)?)
            }
            PacketType::PSFB if count == fmt::FIR => {
                Self::FullIntraRequest(FullIntraRequest::parse_body(body)?)
            }
            PacketType::PSFB if count == fmt::AFB && ReceiverEstimatedMaxBitrate::is_remb(body) => {
                Self::ReceiverEstimatedMaxBitrate(ReceiverEstimatedMaxBitrate::parse_body(body)?)
            }
            _ => Self::Unknown(UnknownPacket {
                packet_type,
                count,
                payload: body,
            }),
        })
    }

    /// Parses the first packet in `buf` (trailing bytes are ignored).
    #[inline]
    pub fn parse_bytes(buf: &'a [u8]) -> Result<Self, ParseError> {
        Self::parse(&RtcpPacket::new_unchecked(buf))
    }

    /// Parses every packet of a compound (or reduced-size) RTCP packet, lazily.
    ///
    /// A packet whose body is malformed yields an error and iteration continues with the
    /// next packet; a malformed header yields an error and ends the iteration.
    #[inline]
    pub fn parse_compound(buf: &'a [u8]) -> CompoundReprs<'a> {
        CompoundReprs {
            packets: CompoundPackets::new(buf),
        }
    }

    /// The PT field this packet emits.
    pub fn packet_type(&self) -> PacketType {
        dispatch!(self, p => Body::packet_type(p))
    }

    /// Bytes [`RtcpRepr::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        dispatch!(self, p => packet_len(p))
    }

    /// Writes the packet into the front of `buf`; returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        dispatch!(self, p => emit_packet(p, buf))
    }

    /// Bytes [`RtcpRepr::emit_compound`] writes for these packets.
    pub fn compound_buffer_len(packets: &[RtcpRepr<'_>]) -> usize {
        packets.iter().map(RtcpRepr::buffer_len).sum()
    }

    /// Writes packets back to back as one compound packet; returns the total length.
    pub fn emit_compound(packets: &[RtcpRepr<'_>], buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut at = 0;
        for p in packets {
            let available = buf.len();
            let rest = buf.get_mut(at..).ok_or(EmitError::BufferTooSmall {
                needed: at,
                available,
            })?;
            at += p.emit(rest).map_err(|e| match e {
                EmitError::BufferTooSmall { needed, .. } => EmitError::BufferTooSmall {
                    needed: at + needed,
                    available,
                },
                e => e,
            })?;
        }
        Ok(at)
    }
}

/// Iterator returned by [`RtcpRepr::parse_compound`].
#[derive(Debug, Clone)]
pub struct CompoundReprs<'a> {
    packets: CompoundPackets<'a>,
}

impl<'a> Iterator for CompoundReprs<'a> {
    type Item = Result<RtcpRepr<'a>, ParseError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        Some(
            self.packets
                .next()?
                .and_then(|p| RtcpRepr::parse_checked(p.into_inner())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RR: [u8; 8] = [0x80, 201, 0, 1, 0, 0, 0, 1];
    const PLI: [u8; 12] = [0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];
    // APP with P bit: 4 bytes of data then 4 bytes of padding.
    const PADDED_APP: [u8; 20] = [
        0xa0, 204, 0, 4, 0, 0, 0, 1, b'a', b'b', b'c', b'd', 1, 2, 3, 4, 0, 0, 0, 4,
    ];

    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn header_view() {
        let p = RtcpPacket::new_checked(&PADDED_APP[..]).unwrap();
        assert_eq!(p.version(), 2);
        assert!(p.has_padding());
        assert_eq!(p.count(), 0);
        assert_eq!(p.packet_type(), PacketType::APP);
        assert_eq!(p.length(), 4);
        assert_eq!(p.packet_len(), 20);
        assert_eq!(p.padding_len(), 4);
        assert_eq!(p.payload().len(), 12);
        assert_eq!(p.as_bytes(), &PADDED_APP);
    }

    #[test]
    fn header_errors() {
        assert_eq!(
            RtcpPacket::new_checked(&RR[..3]),
            Err(ParseError::Truncated)
        );
        assert_eq!(
            RtcpPacket::new_checked(&RR[..7]),
            Err(ParseError::InvalidLength)
        );
        let mut v1 = RR;
        v1[0] = 0x40;
        assert_eq!(
            RtcpPacket::new_checked(&v1[..]),
            Err(ParseError::UnsupportedVersion(1))
        );
        let mut pad = PADDED_APP;
        pad[19] = 0;
        assert_eq!(
            RtcpPacket::new_checked(&pad[..]),
            Err(ParseError::InvalidPadding)
        );
        pad[19] = 17;
        assert_eq!(
            RtcpPacket::new_checked(&pad[..]),
            Err(ParseError::InvalidPadding)
        );
    }

    #[test]
    fn compound_rules() {
        assert_eq!(check_compound(&cat(&[&RR, &PLI]), false), Ok(2));
        // RFC 5506: a lone feedback message is fine when reduced-size is allowed.
        assert_eq!(
            check_compound(&PLI, false),
            Err(ParseError::InvalidCompound)
        );
        assert_eq!(check_compound(&PLI, true), Ok(1));
        // Padding only on the last packet.
        assert_eq!(check_compound(&cat(&[&RR, &PADDED_APP]), false), Ok(2));
        assert_eq!(
            check_compound(&cat(&[&RR, &PADDED_APP, &PLI]), false),
            Err(ParseError::InvalidCompound)
        );
        assert_eq!(check_compound(&[], true), Err(ParseError::Truncated));
        assert_eq!(
            check_compound(&cat(&[&RR, &[0x80, 201]]), true),
            Err(ParseError::Truncated)
        );
    }

    #[test]
    fn a_bad_body_does_not_stop_the_walk_but_a_bad_header_does() {
        let short_pli = [0x81, 206, 0, 1, 0, 0, 0, 1];
        let buf = cat(&[&short_pli, &RR, &[0x80, 201, 0, 9]]);
        let got: Vec<_> = RtcpRepr::parse_compound(&buf).collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], Err(ParseError::Truncated));
        assert!(matches!(got[1], Ok(RtcpRepr::ReceiverReport(_))));
        assert_eq!(got[2], Err(ParseError::InvalidLength));
    }

    #[test]
    fn compound_emit() {
        let buf = cat(&[&RR, &PLI, &PADDED_APP[..]]);
        let reprs: Vec<_> = RtcpRepr::parse_compound(&buf)
            .collect::<Result<_, _>>()
            .unwrap();
        // The APP's extra padding is not needed for alignment, so it is dropped.
        assert_eq!(RtcpRepr::compound_buffer_len(&reprs), 8 + 12 + 16);
        let mut out = [0u8; 36];
        assert_eq!(RtcpRepr::emit_compound(&reprs, &mut out), Ok(36));
        assert_eq!(&out[..20], &buf[..20]);
        assert_eq!(out[20], 0x80);
        assert_eq!(
            RtcpRepr::emit_compound(&reprs, &mut out[..30]),
            Err(EmitError::BufferTooSmall {
                needed: 36,
                available: 30
            })
        );
        assert_eq!(reprs[1].packet_type(), PacketType::PSFB);
    }
}
