//! The SACK chunk (RFC 9260 section 3.3.4).
//!
//! Gap ack blocks and duplicate TSNs stay on the wire and are decoded on iteration; to
//! send, pass slices.

use crate::bytes::{put_u16, put_u32, u16_at, u32_at};
use crate::items::{Items, WireItem};
use crate::{EmitError, ParseError};

/// A gap ack block: TSNs `cumulative_tsn_ack + start ..= cumulative_tsn_ack + end` were
/// received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GapAckBlock {
    /// Gap Ack Block Start, an offset from the cumulative TSN ack.
    pub start: u16,
    /// Gap Ack Block End, an offset from the cumulative TSN ack.
    pub end: u16,
}

impl<'a> WireItem<'a> for GapAckBlock {
    #[inline]
    fn read(buf: &'a [u8]) -> Result<(Self, &'a [u8]), ParseError> {
        match buf {
            [a, b, c, d, rest @ ..] => Ok((
                Self {
                    start: u16::from_be_bytes([*a, *b]),
                    end: u16::from_be_bytes([*c, *d]),
                },
                rest,
            )),
            _ => Err(ParseError::Truncated),
        }
    }
    #[inline]
    fn wire_len(&self) -> usize {
        4
    }
    #[inline]
    fn write(&self, buf: &mut [u8]) -> Result<(), EmitError> {
        put_u16(buf, 0, self.start);
        put_u16(buf, 2, self.end);
        Ok(())
    }
}

/// A SACK chunk (type 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sack<'a> {
    /// Cumulative TSN Ack.
    pub cumulative_tsn_ack: u32,
    /// Advertised Receiver Window Credit (a_rwnd).
    pub a_rwnd: u32,
    /// Gap Ack Blocks.
    pub gap_ack_blocks: Items<'a, GapAckBlock>,
    /// Duplicate TSNs.
    pub duplicate_tsns: Items<'a, u32>,
}

impl<'a> Sack<'a> {
    /// Length of the fixed fields after the chunk header.
    pub const FIXED_LEN: usize = 12;

    /// Parses the chunk value: the two counts must match the bytes present exactly.
    #[inline]
    pub fn parse(value: &'a [u8]) -> Result<Self, ParseError> {
        if value.len() < Self::FIXED_LEN {
            return Err(ParseError::Truncated);
        }
        let gaps = 4 * usize::from(u16_at(value, 8));
        let dups = 4 * usize::from(u16_at(value, 10));
        let end = Self::FIXED_LEN + gaps + dups;
        if value.len() < end {
            return Err(ParseError::Truncated);
        }
        if value.len() > end {
            return Err(ParseError::CountMismatch);
        }
        let mid = Self::FIXED_LEN + gaps;
        Ok(Self {
            cumulative_tsn_ack: u32_at(value, 0),
            a_rwnd: u32_at(value, 4),
            gap_ack_blocks: Items::Wire(&value[Self::FIXED_LEN..mid]),
            duplicate_tsns: Items::Wire(&value[mid..]),
        })
    }

    /// The number of gap ack blocks.
    #[inline]
    pub fn gap_ack_block_count(&self) -> usize {
        self.gap_ack_blocks.wire_len() / 4
    }

    /// The number of duplicate TSNs.
    #[inline]
    pub fn duplicate_tsn_count(&self) -> usize {
        self.duplicate_tsns.wire_len() / 4
    }

    /// The value length (chunk length minus the header).
    #[inline]
    pub fn value_len(&self) -> usize {
        Self::FIXED_LEN + self.gap_ack_blocks.wire_len() + self.duplicate_tsns.wire_len()
    }

    pub(crate) fn emit_value(&self, v: &mut [u8]) -> Result<(), EmitError> {
        let gaps = u16::try_from(self.gap_ack_block_count())
            .map_err(|_| EmitError::ValueOutOfRange("gap_ack_blocks"))?;
        let dups = u16::try_from(self.duplicate_tsn_count())
            .map_err(|_| EmitError::ValueOutOfRange("duplicate_tsns"))?;
        put_u32(v, 0, self.cumulative_tsn_ack);
        put_u32(v, 4, self.a_rwnd);
        put_u16(v, 8, gaps);
        put_u16(v, 10, dups);
        let n = self.gap_ack_blocks.write(&mut v[Self::FIXED_LEN..])?;
        self.duplicate_tsns.write(&mut v[Self::FIXED_LEN + n..])?;
        Ok(())
    }
}
