//! APP: application-defined packet (RFC 3550 section 6.7).

use super::{Body, PacketType, impl_emit};
use crate::bytes::{put_u32, u32_at};
use crate::{EmitError, ParseError};

/// APP packet (PT 204).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApplicationDefined<'a> {
    /// The 5-bit subtype (in the count field).
    pub subtype: u8,
    /// SSRC/CSRC of the sender.
    pub ssrc: u32,
    /// The four ASCII characters naming the application.
    pub name: [u8; 4],
    /// Application-dependent data; padded with a P bit if not a multiple of 4 bytes.
    pub data: &'a [u8],
}

impl<'a> ApplicationDefined<'a> {
    pub(crate) fn parse_body(count: u8, body: &'a [u8]) -> Result<Self, ParseError> {
        let (head, data) = body.split_first_chunk::<8>().ok_or(ParseError::Truncated)?;
        Ok(Self {
            subtype: count,
            ssrc: u32_at(head, 0),
            name: [head[4], head[5], head[6], head[7]],
            data,
        })
    }
}

impl Body for ApplicationDefined<'_> {
    fn packet_type(&self) -> PacketType {
        PacketType::APP
    }
    fn count(&self) -> Result<u8, EmitError> {
        if self.subtype > 31 {
            return Err(EmitError::ValueOutOfRange("subtype"));
        }
        Ok(self.subtype)
    }
    fn body_len(&self) -> usize {
        8 + self.data.len()
    }
    fn emit_body(&self, b: &mut [u8]) -> Result<(), EmitError> {
        put_u32(b, 0, self.ssrc);
        b[4..8].copy_from_slice(&self.name);
        b[8..].copy_from_slice(self.data);
        Ok(())
    }
}
impl_emit!(ApplicationDefined<'_>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RtcpRepr;

    #[test]
    fn round_trip_with_unaligned_data_uses_padding() {
        let app = ApplicationDefined {
            subtype: 3,
            ssrc: 0x0102_0304,
            name: *b"TEST",
            data: &[1, 2, 3, 4, 5],
        };
        let mut out = [0u8; 20];
        assert_eq!(app.emit(&mut out), Ok(20));
        assert_eq!(&out[..4], &[0xa3, 204, 0, 4]);
        assert_eq!(out[19], 3);
        assert_eq!(
            RtcpRepr::parse_bytes(&out),
            Ok(RtcpRepr::ApplicationDefined(app))
        );
        assert_eq!(
            RtcpRepr::parse_bytes(&[0x80, 204, 0, 1, 0, 0, 0, 0]),
            Err(ParseError::Truncated)
        );
    }
}
