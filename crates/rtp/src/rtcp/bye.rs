//! BYE: goodbye (RFC 3550 section 6.6): the sources leaving and an optional reason.

use super::{Body, PacketType, impl_emit};
use crate::bytes::pad4;
use crate::items::Items;
use crate::{EmitError, ParseError};

/// BYE packet (PT 203).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Goodbye<'a> {
    /// SSRC/CSRC identifiers leaving (at most 31).
    pub sources: Items<'a, u32>,
    /// Reason for leaving (at most 255 bytes), if present.
    pub reason: Option<&'a [u8]>,
}

impl<'a> Goodbye<'a> {
    pub(crate) fn parse_body(count: u8, body: &'a [u8]) -> Result<Self, ParseError> {
        let (sources, rest) = body
            .split_at_checked(usize::from(count) * 4)
            .ok_or(ParseError::Truncated)?;
        let reason = match rest.split_first() {
            None => None,
            Some((&len, text)) => Some(text.get(..usize::from(len)).ok_or(ParseError::Truncated)?),
        };
        Ok(Self {
            sources: Items::Wire(sources),
            reason,
        })
    }
}

impl Body for Goodbye<'_> {
    fn packet_type(&self) -> PacketType {
        PacketType::BYE
    }
    fn count(&self) -> Result<u8, EmitError> {
        u8::try_from(self.sources.len()).map_err(|_| EmitError::TooManyItems)
    }
    fn body_len(&self) -> usize {
        self.sources.wire_len() + self.reason.map_or(0, |r| pad4(1 + r.len()))
    }
    fn emit_body(&self, b: &mut [u8]) -> Result<(), EmitError> {
        let n = self.sources.write(b)?;
        if let Some(r) = self.reason {
            b[n] = u8::try_from(r.len()).map_err(|_| EmitError::TooLong)?;
            b[n + 1..n + 1 + r.len()].copy_from_slice(r);
            b[n + 1 + r.len()..].fill(0);
        }
        Ok(())
    }
}
impl_emit!(Goodbye<'_>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RtcpRepr;

    const BYE: [u8; 16] = [
        0x81, 203, 0, 3, 0, 0, 0, 9, 5, b'b', b'y', b'e', b'!', b'!', 0, 0,
    ];

    #[test]
    fn deconstruct_and_construct() {
        let RtcpRepr::Goodbye(b) = RtcpRepr::parse_bytes(&BYE).unwrap() else {
            panic!()
        };
        assert_eq!(b.sources.iter().collect::<Vec<_>>(), [9]);
        assert_eq!(b.reason, Some(&b"bye!!"[..]));
        let built = Goodbye {
            sources: Items::Slice(&[9]),
            reason: Some(b"bye!!"),
        };
        let mut out = [0xffu8; 16];
        assert_eq!(built.emit(&mut out), Ok(16));
        assert_eq!(out, BYE);
    }

    #[test]
    fn without_reason_and_truncated_reason() {
        let b = Goodbye {
            sources: Items::Slice(&[1, 2]),
            reason: None,
        };
        assert_eq!(b.buffer_len(), 12);
        let mut bad = BYE;
        bad[8] = 9; // reason longer than the packet
        assert_eq!(RtcpRepr::parse_bytes(&bad), Err(ParseError::Truncated));
        let long = [0u8; 256];
        let b = Goodbye {
            sources: Items::EMPTY,
            reason: Some(&long),
        };
        assert_eq!(b.emit(&mut [0u8; 300]), Err(EmitError::TooLong));
    }
}
