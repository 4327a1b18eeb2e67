//! SDES: source description (RFC 3550 section 6.5).
//!
//! Each chunk is an SSRC followed by items and terminated by a null octet plus null
//! padding to the next 32-bit boundary. Item values are kept as raw bytes (RFC 3550 says
//! UTF-8 but does not require receivers to check it); the PRIV item's prefix structure
//! (section 6.5.8) is not split out.

use super::{Body, PacketType, impl_emit};
use crate::bytes::{pad4, put_u32, u32_at};
use crate::items::{Items, WireItem};
use crate::{EmitError, ParseError};

/// SDES item type, an open set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SdesItemType(pub u8);

impl SdesItemType {
    /// End of item list (never a real item).
    pub const END: Self = Self(0);
    /// Canonical end-point identifier.
    pub const CNAME: Self = Self(1);
    /// User name.
    pub const NAME: Self = Self(2);
    /// Electronic mail address.
    pub const EMAIL: Self = Self(3);
    /// Phone number.
    pub const PHONE: Self = Self(4);
    /// Geographic user location.
    pub const LOC: Self = Self(5);
    /// Application or tool name.
    pub const TOOL: Self = Self(6);
    /// Notice/status.
    pub const NOTE: Self = Self(7);
    /// Private extensions.
    pub const PRIV: Self = Self(8);
}

/// One SDES item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SdesItem<'a> {
    /// The item type (not [`SdesItemType::END`] when emitting).
    pub item_type: SdesItemType,
    /// The value, at most 255 bytes.
    pub value: &'a [u8],
}

impl<'a> WireItem<'a> for SdesItem<'a> {
    #[inline]
    fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let (&[t, len], rest) = buf.split_first_chunk::<2>()?;
        if t == 0 {
            return None;
        }
        let (value, rest) = rest.split_at_checked(usize::from(len))?;
        Some((
            Self {
                item_type: SdesItemType(t),
                value,
            },
            rest,
        ))
    }
    #[inline]
    fn wire_len(&self) -> usize {
        2 + self.value.len()
    }
    fn write(&self, b: &mut [u8]) -> Result<(), EmitError> {
        if self.item_type == SdesItemType::END {
            return Err(EmitError::ValueOutOfRange("item_type"));
        }
        b[0] = self.item_type.0;
        b[1] = u8::try_from(self.value.len()).map_err(|_| EmitError::TooLong)?;
        b[2..].copy_from_slice(self.value);
        Ok(())
    }
}

/// One SDES chunk: an SSRC/CSRC and its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesChunk<'a> {
    /// The source described.
    pub ssrc: u32,
    /// Its items.
    pub items: Items<'a, SdesItem<'a>>,
}

impl<'a> SdesChunk<'a> {
    /// The value of the first CNAME item, if any.
    pub fn cname(&self) -> Option<&'a [u8]> {
        self.items
            .iter()
            .find(|i| i.item_type == SdesItemType::CNAME)
            .map(|i| i.value)
    }

    fn read_checked(buf: &'a [u8]) -> Result<(Self, &'a [u8]), ParseError> {
        let ssrc = buf
            .first_chunk::<4>()
            .map(|h| u32::from_be_bytes(*h))
            .ok_or(ParseError::Truncated)?;
        let mut at = 4;
        loop {
            match buf.get(at) {
                None => return Err(ParseError::UnterminatedSdesChunk),
                Some(0) => break,
                Some(_) => {
                    let len = *buf.get(at + 1).ok_or(ParseError::UnterminatedSdesChunk)?;
                    at += 2 + usize::from(len);
                }
            }
        }
        let end = pad4(at + 1);
        if end > buf.len() {
            return Err(ParseError::Truncated);
        }
        Ok((
            Self {
                ssrc,
                items: Items::Wire(&buf[4..at]),
            },
            &buf[end..],
        ))
    }
}

impl<'a> WireItem<'a> for SdesChunk<'a> {
    #[inline]
    fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        Self::read_checked(buf).ok()
    }
    #[inline]
    fn wire_len(&self) -> usize {
        4 + pad4(self.items.wire_len() + 1)
    }
    fn write(&self, b: &mut [u8]) -> Result<(), EmitError> {
        put_u32(b, 0, self.ssrc);
        let n = 4 + self.items.write(&mut b[4..])?;
        b[n..].fill(0);
        Ok(())
    }
}

/// SDES: source description packet (PT 202).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceDescription<'a> {
    /// The chunks (at most 31).
    pub chunks: Items<'a, SdesChunk<'a>>,
}

impl<'a> SourceDescription<'a> {
    pub(crate) fn parse_body(count: u8, body: &'a [u8]) -> Result<Self, ParseError> {
        let mut rest = body;
        for _ in 0..count {
            rest = SdesChunk::read_checked(rest)?.1;
        }
        if !rest.is_empty() {
            return Err(ParseError::CountMismatch);
        }
        Ok(Self {
            chunks: Items::Wire(body),
        })
    }
}

impl Body for SourceDescription<'_> {
    fn packet_type(&self) -> PacketType {
        PacketType::SDES
    }
    fn count(&self) -> Result<u8, EmitError> {
        u8::try_from(self.chunks.len()).map_err(|_| EmitError::TooManyItems)
    }
    fn body_len(&self) -> usize {
        self.chunks.wire_len()
    }
    fn emit_body(&self, b: &mut [u8]) -> Result<(), EmitError> {
        self.chunks.write(b).map(|_| ())
    }
}
impl_emit!(SourceDescription<'_>);

impl<'a> SourceDescription<'a> {
    /// The SSRC of the first chunk, if any (handy for single-source SDES).
    pub fn first_ssrc(&self) -> Option<u32> {
        match self.chunks {
            Items::Wire(b) => b.first_chunk::<4>().map(|h| u32_at(h, 0)),
            Items::Slice(s) => s.first().map(|c| c.ssrc),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RtcpRepr;

    // Two chunks: one with CNAME "ab" (2+2+1 null = 5 -> padded to 8), one with no items.
    const SDES: [u8; 24] = [
        0x82, 202, 0, 5, //
        0, 0, 0, 1, 1, 2, b'a', b'b', 0, 0, 0, 0, //
        0, 0, 0, 2, 0, 0, 0, 0,
    ];

    #[test]
    fn deconstruct() {
        let RtcpRepr::SourceDescription(s) = RtcpRepr::parse_bytes(&SDES).unwrap() else {
            panic!()
        };
        let chunks: Vec<_> = s.chunks.iter().collect();
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].ssrc, 1);
        assert_eq!(chunks[0].cname(), Some(&b"ab"[..]));
        assert_eq!(chunks[1].ssrc, 2);
        assert!(chunks[1].items.is_empty());
        assert_eq!(s.first_ssrc(), Some(1));
    }

    #[test]
    fn construct() {
        let items = [SdesItem {
            item_type: SdesItemType::CNAME,
            value: b"ab",
        }];
        let chunks = [
            SdesChunk {
                ssrc: 1,
                items: Items::Slice(&items),
            },
            SdesChunk {
                ssrc: 2,
                items: Items::EMPTY,
            },
        ];
        let s = SourceDescription {
            chunks: Items::Slice(&chunks),
        };
        let mut out = [0xffu8; 24];
        assert_eq!(s.emit(&mut out), Ok(24));
        assert_eq!(out, SDES);
    }

    #[test]
    fn item_length_exactly_fills_a_word_needs_an_extra_null_word() {
        let items = [SdesItem {
            item_type: SdesItemType::NAME,
            value: b"xy",
        }];
        // 4 SSRC + 4 item + null => 12 bytes.
        let c = SdesChunk {
            ssrc: 7,
            items: Items::Slice(&items),
        };
        assert_eq!(c.wire_len(), 12);
    }

    #[test]
    fn malformed() {
        let mut unterminated = SDES;
        unterminated[0] = 0x81;
        unterminated[3] = 2; // 12 bytes: chunk 1 only, the length cut mid-way
        assert_eq!(
            RtcpRepr::parse_bytes(&unterminated[..12]),
            Err(ParseError::UnterminatedSdesChunk)
        );
        let mut fewer = SDES;
        fewer[0] = 0x81; // SC=1 but two chunks present
        assert_eq!(
            RtcpRepr::parse_bytes(&fewer),
            Err(ParseError::CountMismatch)
        );
        let mut more = SDES;
        more[0] = 0x83;
        assert_eq!(RtcpRepr::parse_bytes(&more), Err(ParseError::Truncated));
        let end_item = [SdesItem {
            item_type: SdesItemType::END,
            value: b"",
        }];
        let c = [SdesChunk {
            ssrc: 1,
            items: Items::Slice(&end_item),
        }];
        let s = SourceDescription {
            chunks: Items::Slice(&c),
        };
        assert!(s.emit(&mut [0u8; 64]).is_err());
    }
}
