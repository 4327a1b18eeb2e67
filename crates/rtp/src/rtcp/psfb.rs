//! Payload-specific feedback (PT 206): Picture Loss Indication (RFC 4585 section 6.3.1),
//! Full Intra Request (RFC 5104 section 4.3.1) and REMB
//! (draft-alvestrand-rmcat-remb-03 section 2.2, an RFC 4585 section 6.4 application
//! layer feedback message with the identifier "REMB").
//!
//! Left out: SLI, RPSI, TSTR/TSTN and VBCM; they parse as unknown packets.

use super::{Body, PacketType, feedback_ssrcs, fmt, impl_emit};
use crate::bytes::{put_u24, put_u32, u24_at, u32_at};
use crate::items::{Items, WireItem};
use crate::{EmitError, ParseError};

/// Picture Loss Indication (PSFB, FMT 1): no FCI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PictureLossIndication {
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source.
    pub media_ssrc: u32,
}

impl PictureLossIndication {
    pub(crate) fn parse_body(body: &[u8]) -> Result<Self, ParseError> {
        let (sender_ssrc, media_ssrc, fci) = feedback_ssrcs(body)?;
        if !fci.is_empty() {
            return Err(ParseError::InvalidLength);
        }
        Ok(Self {
            sender_ssrc,
            media_ssrc,
        })
    }
}

impl Body for PictureLossIndication {
    fn packet_type(&self) -> PacketType {
        PacketType::PSFB
    }
    fn count(&self) -> Result<u8, EmitError> {
        Ok(fmt::PLI)
    }
    fn body_len(&self) -> usize {
        8
    }
    fn emit_body(&self, b: &mut [u8]) -> Result<(), EmitError> {
        put_u32(b, 0, self.sender_ssrc);
        put_u32(b, 4, self.media_ssrc);
        Ok(())
    }
}
impl_emit!(PictureLossIndication);

/// One FIR FCI entry (RFC 5104 section 4.3.1.1); the 24 reserved bits are emitted as 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FirEntry {
    /// SSRC of the media sender asked for a decoder refresh point.
    pub ssrc: u32,
    /// Command sequence number.
    pub sequence_number: u8,
}

impl<'a> WireItem<'a> for FirEntry {
    #[inline]
    fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let (b, rest) = buf.split_first_chunk::<8>()?;
        Some((
            Self {
                ssrc: u32_at(b, 0),
                sequence_number: b[4],
            },
            rest,
        ))
    }
    #[inline]
    fn wire_len(&self) -> usize {
        8
    }
    fn write(&self, b: &mut [u8]) -> Result<(), EmitError> {
        put_u32(b, 0, self.ssrc);
        b[4] = self.sequence_number;
        b[5..8].fill(0);
        Ok(())
    }
}

/// Full Intra Request (PSFB, FMT 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FullIntraRequest<'a> {
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source (RFC 5104 says 0; kept as received).
    pub media_ssrc: u32,
    /// FCI entries.
    pub entries: Items<'a, FirEntry>,
}

impl<'a> FullIntraRequest<'a> {
    pub(crate) fn parse_body(body: &'a [u8]) -> Result<Self, ParseError> {
        let (sender_ssrc, media_ssrc, fci) = feedback_ssrcs(body)?;
        if fci.len() % 8 != 0 {
            return Err(ParseError::InvalidLength);
        }
        Ok(Self {
            sender_ssrc,
            media_ssrc,
            entries: Items::Wire(fci),
        })
    }
}

impl Body for FullIntraRequest<'_> {
    fn packet_type(&self) -> PacketType {
        PacketType::PSFB
    }
    fn count(&self) -> Result<u8, EmitError> {
        Ok(fmt::FIR)
    }
    fn body_len(&self) -> usize {
        8 + self.entries.wire_len()
    }
    fn emit_body(&self, b: &mut [u8]) -> Result<(), EmitError> {
        put_u32(b, 0, self.sender_ssrc);
        put_u32(b, 4, self.media_ssrc);
        self.entries.write(&mut b[8..]).map(|_| ())
    }
}
impl_emit!(FullIntraRequest<'_>);

/// Receiver Estimated Maximum Bitrate (PSFB, FMT 15, identifier "REMB").
///
/// The bitrate is kept as its wire exponent and mantissa so any received value
/// re-emits exactly; [`ReceiverEstimatedMaxBitrate::bitrate`] and
/// [`ReceiverEstimatedMaxBitrate::encode_bitrate`] convert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverEstimatedMaxBitrate<'a> {
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source (0 for REMB).
    pub media_ssrc: u32,
    /// BR Exp: 6 bits.
    pub exponent: u8,
    /// BR Mantissa: 18 bits.
    pub mantissa: u32,
    /// The SSRCs the estimate applies to (at most 255).
    pub ssrcs: Items<'a, u32>,
}

impl<'a> ReceiverEstimatedMaxBitrate<'a> {
    /// The unique identifier "REMB".
    pub const IDENTIFIER: [u8; 4] = *b"REMB";

    pub(crate) fn is_remb(body: &[u8]) -> bool {
        body.get(8..12) == Some(&Self::IDENTIFIER[..])
    }

    pub(crate) fn parse_body(body: &'a [u8]) -> Result<Self, ParseError> {
        let (sender_ssrc, media_ssrc, fci) = feedback_ssrcs(body)?;
        let (head, rest) = fci.split_first_chunk::<8>().ok_or(ParseError::Truncated)?;
        let n = usize::from(head[4]);
        let br = u24_at(head, 5);
        let ssrcs = rest.get(..n * 4).ok_or(ParseError::Truncated)?;
        if rest.len() != n * 4 {
            return Err(ParseError::CountMismatch);
        }
        Ok(Self {
            sender_ssrc,
            media_ssrc,
            exponent: (br >> 18) as u8,
            mantissa: br & 0x3_ffff,
            ssrcs: Items::Wire(ssrcs),
        })
    }

    /// The bitrate in bits per second (`mantissa * 2^exponent`, saturating).
    pub fn bitrate(&self) -> u64 {
        let m = u64::from(self.mantissa);
        if m == 0 {
            return 0;
        }
        if u32::from(self.exponent) > m.leading_zeros() {
            return u64::MAX;
        }
        m << self.exponent
    }

    /// The smallest exponent and its mantissa that represent `bps`, rounding down.
    pub fn encode_bitrate(bps: u64) -> (u8, u32) {
        let bits = 64 - bps.leading_zeros();
        let exponent = bits.saturating_sub(18);
        (exponent as u8, (bps >> exponent) as u32)
    }
}

impl Body for ReceiverEstimatedMaxBitrate<'_> {
    fn packet_type(&self) -> PacketType {
        PacketType::PSFB
    }
    fn count(&self) -> Result<u8, EmitError> {
        Ok(fmt::AFB)
    }
    fn body_len(&self) -> usize {
        16 + self.ssrcs.wire_len()
    }
    fn emit_body(&self, b: &mut [u8]) -> Result<(), EmitError> {
        if self.exponent > 63 {
            return Err(EmitError::ValueOutOfRange("exponent"));
        }
        if self.mantissa > 0x3_ffff {
            return Err(EmitError::ValueOutOfRange("mantissa"));
        }
        put_u32(b, 0, self.sender_ssrc);
        put_u32(b, 4, self.media_ssrc);
        b[8..12].copy_from_slice(&Self::IDENTIFIER);
        b[12] = u8::try_from(self.ssrcs.len()).map_err(|_| EmitError::TooManyItems)?;
        put_u24(b, 13, u32::from(self.exponent) << 18 | self.mantissa);
        self.ssrcs.write(&mut b[16..]).map(|_| ())
    }
}
impl_emit!(ReceiverEstimatedMaxBitrate<'_>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RtcpRepr;
    use crate::rtcp::UnknownPacket;

    #[test]
    fn pli() {
        let pkt = [0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];
        let repr = RtcpRepr::parse_bytes(&pkt).unwrap();
        assert_eq!(
            repr,
            RtcpRepr::PictureLossIndication(PictureLossIndication {
                sender_ssrc: 1,
                media_ssrc: 2
            })
        );
        let mut out = [0u8; 12];
        assert_eq!(repr.emit(&mut out), Ok(12));
        assert_eq!(out, pkt);
        let long = [0x81, 206, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0];
        assert_eq!(RtcpRepr::parse_bytes(&long), Err(ParseError::InvalidLength));
    }

    #[test]
    fn fir() {
        let pkt = [
            0x84, 206, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0xca, 0xfe, 0xba, 0xbe, 7, 0, 0, 0,
        ];
        let RtcpRepr::FullIntraRequest(f) = RtcpRepr::parse_bytes(&pkt).unwrap() else {
            panic!()
        };
        assert_eq!(
            f.entries.iter().collect::<Vec<_>>(),
            [FirEntry {
                ssrc: 0xcafe_babe,
                sequence_number: 7
            }]
        );
        let mut out = [0u8; 20];
        assert_eq!(f.emit(&mut out), Ok(20));
        assert_eq!(out, pkt);
    }

    #[test]
    fn remb() {
        // 1 SSRC, exp 2, mantissa 0x3fffe: 0x3fffe * 4 = 1_048_568 bps.
        let pkt = [
            0x8f, 206, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, b'R', b'E', b'M', b'B', 1, 0x0b, 0xff, 0xfe,
            0x12, 0x34, 0x56, 0x78,
        ];
        let RtcpRepr::ReceiverEstimatedMaxBitrate(r) = RtcpRepr::parse_bytes(&pkt).unwrap() else {
            panic!()
        };
        assert_eq!((r.exponent, r.mantissa), (2, 0x3fffe));
        assert_eq!(r.bitrate(), 1_048_568);
        assert_eq!(r.ssrcs.iter().collect::<Vec<_>>(), [0x1234_5678]);
        assert_eq!(
            ReceiverEstimatedMaxBitrate::encode_bitrate(1_048_568),
            (2, 0x3fffe)
        );
        assert_eq!(ReceiverEstimatedMaxBitrate::encode_bitrate(1000), (0, 1000));
        let mut out = [0u8; 24];
        assert_eq!(r.emit(&mut out), Ok(24));
        assert_eq!(out, pkt);
        let mut wrong_count = pkt;
        wrong_count[16] = 2;
        assert_eq!(
            RtcpRepr::parse_bytes(&wrong_count),
            Err(ParseError::Truncated)
        );
        let mut big = r;
        big.exponent = 63;
        assert_eq!(big.bitrate(), u64::MAX);
    }

    #[test]
    fn other_afb_is_unknown() {
        let pkt = [
            0x8f, 206, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, b'G', b'O', b'O', b'G',
        ];
        assert_eq!(
            RtcpRepr::parse_bytes(&pkt),
            Ok(RtcpRepr::Unknown(UnknownPacket {
                packet_type: PacketType::PSFB,
                count: 15,
                payload: &pkt[4..]
            }))
        );
    }
}
