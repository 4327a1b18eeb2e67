//! The RTP fixed header, CSRC list, header extension, payload and padding.
//!
//! Implements RFC 3550 section 5.1 (RTP fixed header fields) and section 5.3.1 (header
//! extension framing). What is inside the extension block is handled by
//! [`super::extension`]. Left out: RTP version 1 (only version 2 is accepted) and the
//! header validity checks of RFC 3550 appendix A.1 that need per-source state (those are
//! the caller's, see [`crate::unwrap`]).

use crate::bytes::{pad4, put_u16, put_u32, u16_at, u32_at};
use crate::items::Items;
use crate::rtp::extension::HeaderExtension;
use crate::{EmitError, ParseError};

/// An RTP payload type (7 bits), an open set: dynamic types survive a round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PayloadType(pub u8);

impl PayloadType {
    /// PCMU (G.711 mu-law), RFC 3551.
    pub const PCMU: Self = Self(0);
    /// GSM, RFC 3551.
    pub const GSM: Self = Self(3);
    /// G723, RFC 3551.
    pub const G723: Self = Self(4);
    /// PCMA (G.711 A-law), RFC 3551.
    pub const PCMA: Self = Self(8);
    /// G722, RFC 3551.
    pub const G722: Self = Self(9);
    /// Comfort noise, RFC 3389.
    pub const CN: Self = Self(13);
    /// First dynamic payload type (RFC 3551 section 3).
    pub const DYNAMIC_FIRST: Self = Self(96);

    /// Whether this is in the dynamic range 96..=127.
    #[inline]
    pub const fn is_dynamic(self) -> bool {
        self.0 >= 96 && self.0 <= 127
    }
}

/// Length of the fixed RTP header.
pub const FIXED_HEADER_LEN: usize = 12;

/// Offsets computed once by the validating pass.
#[derive(Debug, Clone, Copy)]
struct Layout {
    /// Offset of the extension header (profile, length), if X is set.
    ext_at: Option<usize>,
    /// Fixed header + CSRCs + extension.
    header_len: usize,
    /// Index one past the payload (start of padding).
    payload_end: usize,
}

#[inline]
fn layout(b: &[u8]) -> Result<Layout, ParseError> {
    let Some(&first) = b.first() else {
        return Err(ParseError::Truncated);
    };
    if b.len() < FIXED_HEADER_LEN {
        return Err(ParseError::Truncated);
    }
    let version = first >> 6;
    if version != 2 {
        return Err(ParseError::UnsupportedVersion(version));
    }
    let mut header_len = FIXED_HEADER_LEN + 4 * usize::from(first & 0x0f);
    let mut ext_at = None;
    if first & 0x10 != 0 {
        if b.len() < header_len + 4 {
            return Err(ParseError::Truncated);
        }
        ext_at = Some(header_len);
        header_len += 4 + 4 * usize::from(u16_at(b, header_len + 2));
    }
    if b.len() < header_len {
        return Err(ParseError::Truncated);
    }
    let mut payload_end = b.len();
    if first & 0x20 != 0 {
        let count = usize::from(b[b.len() - 1]);
        if count == 0 || count > b.len() - header_len {
            return Err(ParseError::InvalidPadding);
        }
        payload_end -= count;
    }
    Ok(Layout {
        ext_at,
        header_len,
        payload_end,
    })
}

/// A read-only view of an RTP packet over any byte container.
///
/// Create it with [`RtpPacket::new_checked`]; after that no accessor can panic.
/// With [`RtpPacket::new_unchecked`], accessors may panic on a malformed buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> RtpPacket<T> {
    /// Wraps a buffer without validating it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after checking the version, the CSRC count, the extension length and
    /// the padding against the buffer length.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Validates the buffer (see [`RtpPacket::new_checked`]).
    #[inline]
    pub fn check_len(&self) -> Result<(), ParseError> {
        layout(self.buffer.as_ref()).map(|_| ())
    }

    /// Returns the underlying buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    #[inline]
    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// The version field (2 for a checked packet).
    #[inline]
    pub fn version(&self) -> u8 {
        self.b()[0] >> 6
    }

    /// The P bit: the packet ends with padding.
    #[inline]
    pub fn has_padding(&self) -> bool {
        self.b()[0] & 0x20 != 0
    }

    /// The X bit: a header extension follows the CSRC list.
    #[inline]
    pub fn has_extension(&self) -> bool {
        self.b()[0] & 0x10 != 0
    }

    /// The CC field: number of CSRC identifiers.
    #[inline]
    pub fn csrc_count(&self) -> u8 {
        self.b()[0] & 0x0f
    }

    /// The M bit.
    #[inline]
    pub fn marker(&self) -> bool {
        self.b()[1] & 0x80 != 0
    }

    /// The PT field.
    #[inline]
    pub fn payload_type(&self) -> PayloadType {
        PayloadType(self.b()[1] & 0x7f)
    }

    /// The sequence number.
    #[inline]
    pub fn sequence_number(&self) -> u16 {
        u16_at(self.b(), 2)
    }

    /// The timestamp.
    #[inline]
    pub fn timestamp(&self) -> u32 {
        u32_at(self.b(), 4)
    }

    /// The SSRC identifier.
    #[inline]
    pub fn ssrc(&self) -> u32 {
        u32_at(self.b(), 8)
    }

    /// The CSRC list.
    #[inline]
    pub fn csrcs(&self) -> Items<'_, u32> {
        let end = FIXED_HEADER_LEN + 4 * usize::from(self.csrc_count());
        Items::Wire(&self.b()[FIXED_HEADER_LEN..end])
    }

    /// The header extension block, if the X bit is set.
    #[inline]
    pub fn header_extension(&self) -> Option<HeaderExtension<'_>> {
        if !self.has_extension() {
            return None;
        }
        let b = self.b();
        let at = FIXED_HEADER_LEN + 4 * usize::from(self.csrc_count());
        let words = usize::from(u16_at(b, at + 2));
        Some(HeaderExtension {
            profile: u16_at(b, at),
            data: &b[at + 4..at + 4 + 4 * words],
        })
    }

    /// Length of the fixed header, CSRC list and header extension.
    #[inline]
    pub fn header_len(&self) -> usize {
        let b = self.b();
        let mut len = FIXED_HEADER_LEN + 4 * usize::from(self.csrc_count());
        if self.has_extension() {
            len += 4 + 4 * usize::from(u16_at(b, len + 2));
        }
        len
    }

    /// Number of padding bytes at the end (including the count byte), 0 without P bit.
    #[inline]
    pub fn padding_len(&self) -> u8 {
        if self.has_padding() {
            self.b()[self.b().len() - 1]
        } else {
            0
        }
    }

    /// The payload, without padding.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        let b = self.b();
        &b[self.header_len()..b.len() - usize::from(self.padding_len())]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> RtpPacket<T> {
    /// Sets the M bit.
    #[inline]
    pub fn set_marker(&mut self, marker: bool) {
        let b = self.buffer.as_mut();
        b[1] = (b[1] & 0x7f) | if marker { 0x80 } else { 0 };
    }

    /// Sets the PT field (the top bit of `pt` is ignored).
    #[inline]
    pub fn set_payload_type(&mut self, pt: PayloadType) {
        let b = self.buffer.as_mut();
        b[1] = (b[1] & 0x80) | (pt.0 & 0x7f);
    }

    /// Sets the sequence number.
    #[inline]
    pub fn set_sequence_number(&mut self, seq: u16) {
        put_u16(self.buffer.as_mut(), 2, seq);
    }

    /// Sets the timestamp.
    #[inline]
    pub fn set_timestamp(&mut self, ts: u32) {
        put_u32(self.buffer.as_mut(), 4, ts);
    }

    /// Sets the SSRC identifier.
    #[inline]
    pub fn set_ssrc(&mut self, ssrc: u32) {
        put_u32(self.buffer.as_mut(), 8, ssrc);
    }

    /// The payload (without padding), mutably.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        let end = self.buffer.as_ref().len() - usize::from(self.padding_len());
        &mut self.buffer.as_mut()[start..end]
    }
}

/// A parsed or to-be-built RTP packet that borrows its variable parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpRepr<'a> {
    /// The M bit.
    pub marker: bool,
    /// The PT field (must be below 128 to emit).
    pub payload_type: PayloadType,
    /// The sequence number.
    pub sequence_number: u16,
    /// The timestamp.
    pub timestamp: u32,
    /// The SSRC identifier.
    pub ssrc: u32,
    /// The CSRC list (at most 15 to emit).
    pub csrcs: Items<'a, u32>,
    /// The header extension block (profile and raw data), if any.
    pub extension: Option<HeaderExtension<'a>>,
    /// The payload, without padding.
    pub payload: &'a [u8],
    /// Number of padding bytes including the final count byte; 0 means no padding (P=0).
    /// Emitted padding bytes are zero except the count.
    pub padding: u8,
}

impl<'a> RtpRepr<'a> {
    /// Parses a packet view. Validates the view (cheaply) even if it was created unchecked.
    #[inline]
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &RtpPacket<&'a T>) -> Result<Self, ParseError> {
        Self::parse_bytes(packet.buffer.as_ref())
    }

    /// Parses an RTP packet directly from bytes in one validating pass.
    #[inline]
    pub fn parse_bytes(b: &'a [u8]) -> Result<Self, ParseError> {
        let l = layout(b)?;
        let csrc_end = FIXED_HEADER_LEN + 4 * usize::from(b[0] & 0x0f);
        let extension = l.ext_at.map(|at| HeaderExtension {
            profile: u16_at(b, at),
            data: &b[at + 4..l.header_len],
        });
        Ok(Self {
            marker: b[1] & 0x80 != 0,
            payload_type: PayloadType(b[1] & 0x7f),
            sequence_number: u16_at(b, 2),
            timestamp: u32_at(b, 4),
            ssrc: u32_at(b, 8),
            csrcs: Items::Wire(&b[FIXED_HEADER_LEN..csrc_end]),
            extension,
            payload: &b[l.header_len..l.payload_end],
            padding: (b.len() - l.payload_end) as u8,
        })
    }

    /// Length of the header (fixed part, CSRCs, extension) this repr emits.
    #[inline]
    pub fn header_len(&self) -> usize {
        FIXED_HEADER_LEN
            + self.csrcs.wire_len()
            + self.extension.map_or(0, |e| 4 + pad4(e.data.len()))
    }

    /// Total bytes [`RtpRepr::emit`] writes.
    #[inline]
    pub fn buffer_len(&self) -> usize {
        self.header_len() + self.payload.len() + usize::from(self.padding)
    }

    /// Writes the packet into the front of `buf` and returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        if self.payload_type.0 > 0x7f {
            return Err(EmitError::ValueOutOfRange("payload_type"));
        }
        let csrc_len = self.csrcs.wire_len();
        if csrc_len > 15 * 4 {
            return Err(EmitError::TooManyItems);
        }
        if !csrc_len.is_multiple_of(4) {
            return Err(EmitError::ValueOutOfRange("csrcs"));
        }
        if let Some(ext) = &self.extension {
            if ext.data.len() % 4 != 0 {
                return Err(EmitError::UnalignedExtension);
            }
            if ext.data.len() / 4 > usize::from(u16::MAX) {
                return Err(EmitError::TooLong);
            }
        }
        let len = self.buffer_len();
        let Some(buf) = buf.get_mut(..len) else {
            return Err(EmitError::BufferTooSmall {
                needed: len,
                available: buf.len(),
            });
        };
        buf[0] = 0x80
            | if self.padding > 0 { 0x20 } else { 0 }
            | if self.extension.is_some() { 0x10 } else { 0 }
            | (csrc_len / 4) as u8;
        buf[1] = if self.marker { 0x80 } else { 0 } | self.payload_type.0;
        put_u16(buf, 2, self.sequence_number);
        put_u32(buf, 4, self.timestamp);
        put_u32(buf, 8, self.ssrc);
        let mut at = FIXED_HEADER_LEN;
        at += self.csrcs.write(&mut buf[at..])?;
        if let Some(ext) = &self.extension {
            put_u16(buf, at, ext.profile);
            put_u16(buf, at + 2, (ext.data.len() / 4) as u16);
            buf[at + 4..at + 4 + ext.data.len()].copy_from_slice(ext.data);
            at += 4 + ext.data.len();
        }
        buf[at..at + self.payload.len()].copy_from_slice(self.payload);
        at += self.payload.len();
        if self.padding > 0 {
            let end = at + usize::from(self.padding);
            buf[at..end - 1].fill(0);
            buf[end - 1] = self.padding;
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // V=2 P=1 X=1 CC=1, M=1 PT=111, seq 0xabcd, ts 0x01020304, SSRC 0x0a0b0c0d,
    // CSRC 0x11111111, extension 0xBEDE with one word (id 1, 1 byte 0x7f + padding),
    // payload [0xaa, 0xbb], 2 padding bytes.
    const PACKET: [u8; 30] = [
        0xb1, 0xef, 0xab, 0xcd, 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d, //
        0x11, 0x11, 0x11, 0x11, //
        0xbe, 0xde, 0, 1, 0x10, 0x7f, 0, 0, //
        0xaa, 0xbb, 0, 0, 0, 4,
    ];

    #[test]
    fn deconstruct() {
        let p = RtpPacket::new_checked(&PACKET[..]).unwrap();
        assert_eq!(p.version(), 2);
        assert!(p.has_padding() && p.has_extension() && p.marker());
        assert_eq!(p.csrc_count(), 1);
        assert_eq!(p.payload_type(), PayloadType(111));
        assert_eq!(p.sequence_number(), 0xabcd);
        assert_eq!(p.timestamp(), 0x0102_0304);
        assert_eq!(p.ssrc(), 0x0a0b_0c0d);
        assert_eq!(p.csrcs().iter().collect::<Vec<_>>(), [0x1111_1111]);
        assert_eq!(p.header_len(), 24);
        assert_eq!(p.padding_len(), 4);
        assert_eq!(p.payload(), &[0xaa, 0xbb]);
        assert_eq!(p.header_extension().unwrap().get(1), Some(&[0x7f][..]));
    }

    #[test]
    fn construct() {
        let repr = RtpRepr {
            marker: true,
            payload_type: PayloadType(111),
            sequence_number: 0xabcd,
            timestamp: 0x0102_0304,
            ssrc: 0x0a0b_0c0d,
            csrcs: Items::Slice(&[0x1111_1111]),
            extension: Some(HeaderExtension {
                profile: 0xbede,
                data: &[0x10, 0x7f, 0, 0],
            }),
            payload: &[0xaa, 0xbb],
            padding: 4,
        };
        assert_eq!(RtpRepr::parse_bytes(&PACKET), Ok(repr));
        let mut out = [0xffu8; 30];
        assert_eq!(repr.buffer_len(), 30);
        assert_eq!(repr.emit(&mut out), Ok(30));
        assert_eq!(out, PACKET);
        assert!(matches!(
            repr.emit(&mut out[..29]),
            Err(EmitError::BufferTooSmall { needed: 30, .. })
        ));
    }

    #[test]
    fn rewrite_in_place() {
        let mut buf = PACKET;
        let mut p = RtpPacket::new_checked(&mut buf[..]).unwrap();
        p.set_marker(false);
        p.set_payload_type(PayloadType(96));
        p.set_sequence_number(7);
        p.set_timestamp(8);
        p.set_ssrc(9);
        p.payload_mut().copy_from_slice(&[1, 2]);
        let r = RtpRepr::parse_bytes(&buf).unwrap();
        assert!(!r.marker);
        assert_eq!(r.payload_type, PayloadType(96));
        assert_eq!((r.sequence_number, r.timestamp, r.ssrc), (7, 8, 9));
        assert_eq!(r.payload, &[1, 2]);
        assert_eq!(r.padding, 4);
        assert_eq!(buf[0], PACKET[0]);
    }

    #[test]
    fn emit_rejects_invalid_reprs() {
        let mut repr = RtpRepr::parse_bytes(&PACKET).unwrap();
        let mut out = [0u8; 128];
        repr.payload_type = PayloadType(128);
        assert_eq!(
            repr.emit(&mut out),
            Err(EmitError::ValueOutOfRange("payload_type"))
        );
        repr.payload_type = PayloadType(0);
        repr.csrcs = Items::Slice(&[0; 16]);
        assert_eq!(repr.emit(&mut out), Err(EmitError::TooManyItems));
        repr.csrcs = Items::EMPTY;
        repr.extension = Some(HeaderExtension {
            profile: 1,
            data: &[1, 2, 3],
        });
        assert_eq!(repr.emit(&mut out), Err(EmitError::UnalignedExtension));
    }

    #[test]
    fn impossible_lengths() {
        assert_eq!(
            RtpPacket::new_checked(&PACKET[..11]),
            Err(ParseError::Truncated)
        );
        assert_eq!(
            RtpPacket::new_checked(&PACKET[..15]),
            Err(ParseError::Truncated)
        );
        assert_eq!(
            RtpPacket::new_checked(&PACKET[..19]),
            Err(ParseError::Truncated)
        );
        assert_eq!(
            RtpPacket::new_checked(&PACKET[..23]),
            Err(ParseError::Truncated)
        );
        let mut v1 = PACKET;
        v1[0] = 0x40 | (v1[0] & 0x3f);
        assert_eq!(
            RtpPacket::new_checked(&v1[..]),
            Err(ParseError::UnsupportedVersion(1))
        );
        let mut zero_pad = PACKET;
        zero_pad[29] = 0;
        assert_eq!(
            RtpPacket::new_checked(&zero_pad[..]),
            Err(ParseError::InvalidPadding)
        );
        let mut big_pad = PACKET;
        big_pad[29] = 7;
        assert_eq!(
            RtpPacket::new_checked(&big_pad[..]),
            Err(ParseError::InvalidPadding)
        );
        // Padding may eat the whole payload, not the header.
        big_pad[29] = 6;
        assert_eq!(RtpRepr::parse_bytes(&big_pad).unwrap().payload, &[]);
        // Padding bit set with nothing after the header.
        assert_eq!(
            RtpPacket::new_checked(&[0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0][..]),
            Err(ParseError::InvalidPadding)
        );
    }
}
