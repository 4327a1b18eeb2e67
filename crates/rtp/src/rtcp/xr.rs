//! XR: extended reports (RFC 3611).
//!
//! Decodes the Receiver Reference Time block (type 4, section 4.4) and the DLRR block
//! (type 5, section 4.5). Every other block type, and a type 4 or 5 block whose length
//! or reserved byte is not the canonical one, is kept raw as [`XrBlock::Unknown`] so it
//! re-emits byte for byte. The packet header's reserved count bits are emitted as zero.

use super::{Body, PacketType, impl_emit};
use crate::bytes::{put_u16, put_u32, put_u64, u16_at, u32_at, u64_at};
use crate::items::{Items, WireItem};
use crate::{EmitError, ParseError};

/// One DLRR sub-block (RFC 3611 section 4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DlrrSubBlock {
    /// SSRC of the receiver this sub-block answers.
    pub ssrc: u32,
    /// Last RR timestamp (LRR): middle 32 bits of the RRTR NTP timestamp.
    pub last_rr: u32,
    /// Delay since last RR (DLRR), in 1/65536 seconds.
    pub delay_since_last_rr: u32,
}

impl<'a> WireItem<'a> for DlrrSubBlock {
    #[inline]
    fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let (b, rest) = buf.split_first_chunk::<12>()?;
        Some((
            Self {
                ssrc: u32_at(b, 0),
                last_rr: u32_at(b, 4),
                delay_since_last_rr: u32_at(b, 8),
            },
            rest,
        ))
    }
    #[inline]
    fn wire_len(&self) -> usize {
        12
    }
    fn write(&self, b: &mut [u8]) -> Result<(), EmitError> {
        put_u32(b, 0, self.ssrc);
        put_u32(b, 4, self.last_rr);
        put_u32(b, 8, self.delay_since_last_rr);
        Ok(())
    }
}

/// One XR report block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrBlock<'a> {
    /// Receiver Reference Time (BT 4): the receiver's NTP timestamp.
    ReceiverReferenceTime {
        /// NTP timestamp (32.32).
        ntp_timestamp: u64,
    },
    /// DLRR (BT 5): one sub-block per receiver.
    Dlrr(Items<'a, DlrrSubBlock>),
    /// Any other block, raw.
    Unknown {
        /// BT field.
        block_type: u8,
        /// Type-specific byte.
        type_specific: u8,
        /// Block contents after the 4-byte block header (a multiple of 4 bytes to emit).
        data: &'a [u8],
    },
}

impl XrBlock<'_> {
    /// Receiver Reference Time block type.
    pub const RRTR: u8 = 4;
    /// DLRR block type.
    pub const DLRR: u8 = 5;
}

impl<'a> WireItem<'a> for XrBlock<'a> {
    fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let (h, rest) = buf.split_first_chunk::<4>()?;
        let (data, rest) = rest.split_at_checked(usize::from(u16_at(h, 2)) * 4)?;
        let (block_type, type_specific) = (h[0], h[1]);
        let block = match (block_type, type_specific) {
            (Self::RRTR, 0) if data.len() == 8 => Self::ReceiverReferenceTime {
                ntp_timestamp: u64_at(data, 0),
            },
            (Self::DLRR, 0) if data.len() % 12 == 0 => Self::Dlrr(Items::Wire(data)),
            _ => Self::Unknown {
                block_type,
                type_specific,
                data,
            },
        };
        Some((block, rest))
    }
    fn wire_len(&self) -> usize {
        4 + match self {
            Self::ReceiverReferenceTime { .. } => 8,
            Self::Dlrr(d) => d.wire_len(),
            Self::Unknown { data, .. } => data.len(),
        }
    }
    fn write(&self, b: &mut [u8]) -> Result<(), EmitError> {
        let words = u16::try_from((b.len() - 4) / 4).map_err(|_| EmitError::TooLong)?;
        put_u16(b, 2, words);
        match self {
            Self::ReceiverReferenceTime { ntp_timestamp } => {
                b[0] = Self::RRTR;
                b[1] = 0;
                put_u64(b, 4, *ntp_timestamp);
            }
            Self::Dlrr(d) => {
                b[0] = Self::DLRR;
                b[1] = 0;
                d.write(&mut b[4..])?;
            }
            Self::Unknown {
                block_type,
                type_specific,
                data,
            } => {
                if data.len() % 4 != 0 {
                    return Err(EmitError::ValueOutOfRange("xr block data length"));
                }
                b[0] = *block_type;
                b[1] = *type_specific;
                b[4..].copy_from_slice(data);
            }
        }
        Ok(())
    }
}

/// XR packet (PT 207).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtendedReport<'a> {
    /// SSRC of the packet sender.
    pub ssrc: u32,
    /// Report blocks.
    pub blocks: Items<'a, XrBlock<'a>>,
}

impl<'a> ExtendedReport<'a> {
    pub(crate) fn parse_body(body: &'a [u8]) -> Result<Self, ParseError> {
        let (head, blocks) = body.split_first_chunk::<4>().ok_or(ParseError::Truncated)?;
        let mut rest = blocks;
        while !rest.is_empty() {
            rest = XrBlock::read(rest).ok_or(ParseError::Truncated)?.1;
        }
        Ok(Self {
            ssrc: u32::from_be_bytes(*head),
            blocks: Items::Wire(blocks),
        })
    }
}

impl Body for ExtendedReport<'_> {
    fn packet_type(&self) -> PacketType {
        PacketType::XR
    }
    fn count(&self) -> Result<u8, EmitError> {
        Ok(0)
    }
    fn body_len(&self) -> usize {
        4 + self.blocks.wire_len()
    }
    fn emit_body(&self, b: &mut [u8]) -> Result<(), EmitError> {
        put_u32(b, 0, self.ssrc);
        self.blocks.write(&mut b[4..]).map(|_| ())
    }
}
impl_emit!(ExtendedReport<'_>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RtcpRepr;

    const XR: [u8; 48] = [
        0x80, 207, 0, 11, 0, 0, 0, 1, // header, SSRC
        4, 0, 0, 2, 0xe8, 0, 0, 1, 0x80, 0, 0, 0, // RRTR
        5, 0, 0, 3, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 9, // DLRR, one sub-block
        42, 7, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd, // unknown BT 42
        4, 1, 0, 0, // RRTR with wrong length and reserved byte: kept raw
    ];

    #[test]
    fn deconstruct_construct() {
        let RtcpRepr::ExtendedReport(xr) = RtcpRepr::parse_bytes(&XR).unwrap() else {
            panic!()
        };
        let blocks: Vec<_> = xr.blocks.iter().collect();
        assert_eq!(
            blocks[0],
            XrBlock::ReceiverReferenceTime {
                ntp_timestamp: 0xe800_0001_8000_0000
            }
        );
        let dlrr = [DlrrSubBlock {
            ssrc: 2,
            last_rr: 0x1_0000,
            delay_since_last_rr: 9,
        }];
        assert_eq!(blocks[1], XrBlock::Dlrr(Items::Slice(&dlrr)));
        assert_eq!(
            blocks[2],
            XrBlock::Unknown {
                block_type: 42,
                type_specific: 7,
                data: &[0xaa, 0xbb, 0xcc, 0xdd]
            }
        );
        assert!(matches!(blocks[3], XrBlock::Unknown { block_type: 4, .. }));
        let built = ExtendedReport {
            ssrc: 1,
            blocks: Items::Slice(&blocks),
        };
        let mut out = [0u8; 48];
        assert_eq!(built.emit(&mut out), Ok(48));
        assert_eq!(out, XR);
    }

    #[test]
    fn block_overrun() {
        let mut bad = XR;
        bad[47] = 1;
        assert_eq!(RtcpRepr::parse_bytes(&bad), Err(ParseError::Truncated));
    }
}
