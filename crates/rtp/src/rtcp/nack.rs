//! Generic NACK (RFC 4585 section 6.2.1): transport-layer feedback, FMT 1.
//!
//! Each FCI entry is a packet ID (PID) and a bitmask of following lost packets (BLP).
//! [`NackPair::lost_sequence_numbers`] expands one entry; [`NackPacker`] builds entries
//! from ascending sequence numbers.

use super::{Body, PacketType, feedback_ssrcs, fmt, impl_emit};
use crate::bytes::{put_u16, put_u32, u16_at};
use crate::items::{Items, WireItem};
use crate::{EmitError, ParseError};

/// One Generic NACK FCI entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NackPair {
    /// PID: a lost packet's sequence number.
    pub pid: u16,
    /// BLP: bit i set means `pid + i + 1` is lost too.
    pub blp: u16,
}

impl NackPair {
    /// The lost sequence numbers this entry reports, ascending (modulo 2^16).
    pub fn lost_sequence_numbers(self) -> impl Iterator<Item = u16> + Clone {
        core::iter::once(self.pid).chain(
            (0..16u16)
                .filter(move |i| self.blp & (1 << i) != 0)
                .map(move |i| self.pid.wrapping_add(i + 1)),
        )
    }

    /// Packs ascending sequence numbers (wrap-aware) into entries; see [`NackPacker`].
    pub fn pack<I: IntoIterator<Item = u16>>(seqs: I) -> NackPacker<I::IntoIter> {
        NackPacker {
            seqs: seqs.into_iter(),
            pending: None,
        }
    }
}

impl<'a> WireItem<'a> for NackPair {
    #[inline]
    fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let (b, rest) = buf.split_first_chunk::<4>()?;
        Some((
            Self {
                pid: u16_at(b, 0),
                blp: u16_at(b, 2),
            },
            rest,
        ))
    }
    #[inline]
    fn wire_len(&self) -> usize {
        4
    }
    #[inline]
    fn write(&self, b: &mut [u8]) -> Result<(), EmitError> {
        put_u16(b, 0, self.pid);
        put_u16(b, 2, self.blp);
        Ok(())
    }
}

/// Iterator that packs ascending sequence numbers into [`NackPair`]s.
///
/// A number within 1..=16 after the current entry's PID sets a BLP bit; a duplicate of
/// the PID is ignored; anything else starts a new entry.
#[derive(Debug, Clone)]
pub struct NackPacker<I> {
    seqs: I,
    pending: Option<NackPair>,
}

impl<I: Iterator<Item = u16>> Iterator for NackPacker<I> {
    type Item = NackPair;

    fn next(&mut self) -> Option<NackPair> {
        loop {
            let Some(seq) = self.seqs.next() else {
                return self.pending.take();
            };
            match &mut self.pending {
                None => self.pending = Some(NackPair { pid: seq, blp: 0 }),
                Some(p) => {
                    let d = seq.wrapping_sub(p.pid);
                    if d == 0 {
                        continue;
                    }
                    if d <= 16 {
                        p.blp |= 1 << (d - 1);
                    } else {
                        return self.pending.replace(NackPair { pid: seq, blp: 0 });
                    }
                }
            }
        }
    }
}

/// Generic NACK (RTPFB, FMT 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenericNack<'a> {
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source.
    pub media_ssrc: u32,
    /// FCI entries.
    pub nacks: Items<'a, NackPair>,
}

impl<'a> GenericNack<'a> {
    pub(crate) fn parse_body(body: &'a [u8]) -> Result<Self, ParseError> {
        let (sender_ssrc, media_ssrc, fci) = feedback_ssrcs(body)?;
        if fci.len() % 4 != 0 {
            return Err(ParseError::InvalidLength);
        }
        Ok(Self {
            sender_ssrc,
            media_ssrc,
            nacks: Items::Wire(fci),
        })
    }

    /// Every lost sequence number reported, entry by entry.
    pub fn lost_sequence_numbers(&self) -> impl Iterator<Item = u16> + '_ {
        self.nacks.iter().flat_map(NackPair::lost_sequence_numbers)
    }
}

impl Body for GenericNack<'_> {
    fn packet_type(&self) -> PacketType {
        PacketType::RTPFB
    }
    fn count(&self) -> Result<u8, EmitError> {
        Ok(fmt::GENERIC_NACK)
    }
    fn body_len(&self) -> usize {
        8 + self.nacks.wire_len()
    }
    fn emit_body(&self, b: &mut [u8]) -> Result<(), EmitError> {
        put_u32(b, 0, self.sender_ssrc);
        put_u32(b, 4, self.media_ssrc);
        self.nacks.write(&mut b[8..]).map(|_| ())
    }
}
impl_emit!(GenericNack<'_>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RtcpRepr;

    #[test]
    fn expand_pid_blp() {
        let p = NackPair {
            pid: 0xfffe,
            blp: 0b1000_0000_0000_0101,
        };
        assert_eq!(
            p.lost_sequence_numbers().collect::<Vec<_>>(),
            [0xfffe, 0xffff, 1, 14]
        );
    }

    #[test]
    fn pack_from_list() {
        let seqs = [10u16, 11, 11, 13, 26, 27, 40, 65535, 0];
        let pairs: Vec<_> = NackPair::pack(seqs).collect();
        assert_eq!(
            pairs,
            [
                NackPair {
                    pid: 10,
                    blp: 0b1000_0000_0000_0101
                },
                NackPair {
                    pid: 27,
                    blp: 1 << 12
                },
                NackPair { pid: 65535, blp: 1 },
            ]
        );
        let expanded: Vec<u16> = pairs
            .iter()
            .flat_map(|p| p.lost_sequence_numbers())
            .collect();
        assert_eq!(expanded, [10, 11, 13, 26, 27, 40, 65535, 0]);
    }

    #[test]
    fn parse_emit() {
        let pkt = [
            0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0x12, 0x34, 0x00, 0x03,
        ];
        let RtcpRepr::GenericNack(n) = RtcpRepr::parse_bytes(&pkt).unwrap() else {
            panic!()
        };
        assert_eq!(
            n.lost_sequence_numbers().collect::<Vec<_>>(),
            [0x1234, 0x1235, 0x1236]
        );
        let mut out = [0u8; 16];
        assert_eq!(n.emit(&mut out), Ok(16));
        assert_eq!(out, pkt);
        assert_eq!(
            RtcpRepr::parse_bytes(&[0x81, 205, 0, 1, 0, 0, 0, 1]),
            Err(ParseError::Truncated)
        );
    }
}
