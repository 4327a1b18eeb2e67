//! FORWARD TSN (RFC 3758 section 3.2) and I-FORWARD-TSN (RFC 8260 section 2.3) chunks.

use crate::bytes::{put_u16, put_u32, u32_at};
use crate::items::{Items, WireItem};
use crate::{EmitError, ParseError};

/// One stream entry of a FORWARD TSN chunk: the largest SSN skipped on that stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ForwardTsnStream {
    /// Stream identifier.
    pub stream_id: u16,
    /// Stream Sequence Number.
    pub ssn: u16,
}

impl<'a> WireItem<'a> for ForwardTsnStream {
    #[inline]
    fn read(buf: &'a [u8]) -> Result<(Self, &'a [u8]), ParseError> {
        match buf {
            [a, b, c, d, rest @ ..] => Ok((
                Self {
                    stream_id: u16::from_be_bytes([*a, *b]),
                    ssn: u16::from_be_bytes([*c, *d]),
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
        put_u16(buf, 0, self.stream_id);
        put_u16(buf, 2, self.ssn);
        Ok(())
    }
}

/// A FORWARD TSN chunk (type 192).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardTsn<'a> {
    /// New Cumulative TSN.
    pub new_cumulative_tsn: u32,
    /// Per-stream skipped SSNs (ordered streams only).
    pub streams: Items<'a, ForwardTsnStream>,
}

impl<'a> ForwardTsn<'a> {
    /// Parses the chunk value; the stream list must be whole 4-byte entries.
    pub fn parse(value: &'a [u8]) -> Result<Self, ParseError> {
        if value.len() < 4 {
            return Err(ParseError::Truncated);
        }
        let list = &value[4..];
        if !list.len().is_multiple_of(4) {
            return Err(ParseError::InvalidLength);
        }
        Ok(Self {
            new_cumulative_tsn: u32_at(value, 0),
            streams: Items::Wire(list),
        })
    }

    /// The value length (chunk length minus the header).
    pub fn value_len(&self) -> usize {
        4 + self.streams.wire_len()
    }

    pub(crate) fn emit_value(&self, v: &mut [u8]) -> Result<(), EmitError> {
        put_u32(v, 0, self.new_cumulative_tsn);
        self.streams.write(&mut v[4..])?;
        Ok(())
    }
}

/// One stream entry of an I-FORWARD-TSN chunk: the largest MID skipped on that stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct IForwardTsnStream {
    /// Stream identifier.
    pub stream_id: u16,
    /// The U bit: the MID is of the unordered message sequence.
    pub unordered: bool,
    /// Message Identifier.
    pub mid: u32,
}

impl<'a> WireItem<'a> for IForwardTsnStream {
    #[inline]
    fn read(buf: &'a [u8]) -> Result<(Self, &'a [u8]), ParseError> {
        match buf {
            [a, b, _, u, m0, m1, m2, m3, rest @ ..] => Ok((
                Self {
                    stream_id: u16::from_be_bytes([*a, *b]),
                    unordered: u & 1 != 0,
                    mid: u32::from_be_bytes([*m0, *m1, *m2, *m3]),
                },
                rest,
            )),
            _ => Err(ParseError::Truncated),
        }
    }
    #[inline]
    fn wire_len(&self) -> usize {
        8
    }
    #[inline]
    fn write(&self, buf: &mut [u8]) -> Result<(), EmitError> {
        put_u16(buf, 0, self.stream_id);
        put_u16(buf, 2, u16::from(self.unordered));
        put_u32(buf, 4, self.mid);
        Ok(())
    }
}

/// An I-FORWARD-TSN chunk (type 194).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IForwardTsn<'a> {
    /// New Cumulative TSN.
    pub new_cumulative_tsn: u32,
    /// Per-stream skipped MIDs.
    pub streams: Items<'a, IForwardTsnStream>,
}

impl<'a> IForwardTsn<'a> {
    /// Parses the chunk value; the stream list must be whole 8-byte entries. Reserved
    /// bits are ignored.
    pub fn parse(value: &'a [u8]) -> Result<Self, ParseError> {
        if value.len() < 4 {
            return Err(ParseError::Truncated);
        }
        let list = &value[4..];
        if !list.len().is_multiple_of(8) {
            return Err(ParseError::InvalidLength);
        }
        Ok(Self {
            new_cumulative_tsn: u32_at(value, 0),
            streams: Items::Wire(list),
        })
    }

    /// The value length (chunk length minus the header).
    pub fn value_len(&self) -> usize {
        4 + self.streams.wire_len()
    }

    pub(crate) fn emit_value(&self, v: &mut [u8]) -> Result<(), EmitError> {
        put_u32(v, 0, self.new_cumulative_tsn);
        self.streams.write(&mut v[4..])?;
        Ok(())
    }
}
