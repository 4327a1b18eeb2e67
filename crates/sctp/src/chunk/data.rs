//! DATA (RFC 9260 section 3.3.1, with the I bit of RFC 7053) and I-DATA (RFC 8260
//! section 2.1) chunks, and the payload protocol identifier.
//!
//! Parsing reads the fixed fields and borrows the user data: no allocation, no copy.
//! A DATA chunk without user data parses (the association answers it with an ABORT
//! carrying a No User Data cause, section 6.2).

use crate::ParseError;
use crate::bytes::{put_u16, put_u32, u16_at, u32_at};

/// The I bit: the receiver should SACK immediately (RFC 7053 section 3).
const FLAG_I: u8 = 0x08;
/// The U bit: unordered.
const FLAG_U: u8 = 0x04;
/// The B bit: first fragment of a user message.
const FLAG_B: u8 = 0x02;
/// The E bit: last fragment of a user message.
const FLAG_E: u8 = 0x01;

/// A payload protocol identifier (RFC 9260 section 3.3.1), an open set. The constants are
/// the WebRTC values of RFC 8831 section 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Ppid(pub u32);

impl Ppid {
    /// WebRTC DCEP (RFC 8832): DATA_CHANNEL_OPEN / DATA_CHANNEL_ACK.
    pub const DCEP: Self = Self(50);
    /// WebRTC String.
    pub const STRING: Self = Self(51);
    /// WebRTC Binary Partial (deprecated, RFC 8831 section 6.6).
    pub const BINARY_PARTIAL: Self = Self(52);
    /// WebRTC Binary.
    pub const BINARY: Self = Self(53);
    /// WebRTC String Partial (deprecated, RFC 8831 section 6.6).
    pub const STRING_PARTIAL: Self = Self(54);
    /// WebRTC String Empty: a one-byte placeholder for an empty string message.
    pub const STRING_EMPTY: Self = Self(56);
    /// WebRTC Binary Empty: a one-byte placeholder for an empty binary message.
    pub const BINARY_EMPTY: Self = Self(57);
}

#[inline]
const fn flags_of(immediate: bool, unordered: bool, beginning: bool, ending: bool) -> u8 {
    (if immediate { FLAG_I } else { 0 })
        | (if unordered { FLAG_U } else { 0 })
        | (if beginning { FLAG_B } else { 0 })
        | (if ending { FLAG_E } else { 0 })
}

/// A DATA chunk (type 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Data<'a> {
    /// The I bit (RFC 7053): please send a SACK immediately.
    pub immediate: bool,
    /// The U bit: unordered; the SSN is to be ignored.
    pub unordered: bool,
    /// The B bit: first fragment of a user message.
    pub beginning: bool,
    /// The E bit: last fragment of a user message.
    pub ending: bool,
    /// Transmission Sequence Number.
    pub tsn: u32,
    /// Stream Identifier S.
    pub stream_id: u16,
    /// Stream Sequence Number n.
    pub ssn: u16,
    /// Payload Protocol Identifier.
    pub ppid: Ppid,
    /// User data.
    pub user_data: &'a [u8],
}

impl<'a> Data<'a> {
    /// Length of the fixed fields after the chunk header.
    pub const FIXED_LEN: usize = 12;

    /// Parses the chunk value (after the 4-byte header) with the chunk's flags.
    #[inline]
    pub fn parse(flags: u8, value: &'a [u8]) -> Result<Self, ParseError> {
        if value.len() < Self::FIXED_LEN {
            return Err(ParseError::Truncated);
        }
        Ok(Self {
            immediate: flags & FLAG_I != 0,
            unordered: flags & FLAG_U != 0,
            beginning: flags & FLAG_B != 0,
            ending: flags & FLAG_E != 0,
            tsn: u32_at(value, 0),
            stream_id: u16_at(value, 4),
            ssn: u16_at(value, 6),
            ppid: Ppid(u32_at(value, 8)),
            user_data: &value[Self::FIXED_LEN..],
        })
    }

    /// The flags byte.
    #[inline]
    pub const fn flags(&self) -> u8 {
        flags_of(self.immediate, self.unordered, self.beginning, self.ending)
    }

    /// The value length (chunk length minus the header).
    #[inline]
    pub const fn value_len(&self) -> usize {
        Self::FIXED_LEN + self.user_data.len()
    }

    /// Whether this chunk carries a whole user message (B and E set).
    #[inline]
    pub const fn is_complete_message(&self) -> bool {
        self.beginning && self.ending
    }

    /// Writes the value into `v` (at least [`Data::value_len`] bytes).
    #[inline]
    pub(crate) fn emit_value(&self, v: &mut [u8]) {
        put_u32(v, 0, self.tsn);
        put_u16(v, 4, self.stream_id);
        put_u16(v, 6, self.ssn);
        put_u32(v, 8, self.ppid.0);
        v[Self::FIXED_LEN..self.value_len()].copy_from_slice(self.user_data);
    }
}

/// An I-DATA chunk (type 64, RFC 8260 section 2.1).
///
/// The 32-bit field after the MID is the PPID on the first fragment (B bit set) and the
/// Fragment Sequence Number on the others; [`IData::ppid`] and [`IData::fsn`] read it
/// accordingly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IData<'a> {
    /// The I bit (RFC 7053).
    pub immediate: bool,
    /// The U bit: unordered.
    pub unordered: bool,
    /// The B bit: first fragment.
    pub beginning: bool,
    /// The E bit: last fragment.
    pub ending: bool,
    /// Transmission Sequence Number.
    pub tsn: u32,
    /// Stream Identifier.
    pub stream_id: u16,
    /// Message Identifier.
    pub mid: u32,
    /// The PPID (when `beginning`) or the FSN (otherwise).
    pub ppid_or_fsn: u32,
    /// User data.
    pub user_data: &'a [u8],
}

impl<'a> IData<'a> {
    /// Length of the fixed fields after the chunk header.
    pub const FIXED_LEN: usize = 16;

    /// Parses the chunk value with the chunk's flags. The reserved field is ignored.
    #[inline]
    pub fn parse(flags: u8, value: &'a [u8]) -> Result<Self, ParseError> {
        if value.len() < Self::FIXED_LEN {
            return Err(ParseError::Truncated);
        }
        Ok(Self {
            immediate: flags & FLAG_I != 0,
            unordered: flags & FLAG_U != 0,
            beginning: flags & FLAG_B != 0,
            ending: flags & FLAG_E != 0,
            tsn: u32_at(value, 0),
            stream_id: u16_at(value, 4),
            mid: u32_at(value, 8),
            ppid_or_fsn: u32_at(value, 12),
            user_data: &value[Self::FIXED_LEN..],
        })
    }

    /// The PPID, carried only by the first fragment.
    #[inline]
    pub const fn ppid(&self) -> Option<Ppid> {
        if self.beginning {
            Some(Ppid(self.ppid_or_fsn))
        } else {
            None
        }
    }

    /// The Fragment Sequence Number: 0 for the first fragment (implicit), else the field.
    #[inline]
    pub const fn fsn(&self) -> u32 {
        if self.beginning { 0 } else { self.ppid_or_fsn }
    }

    /// The flags byte.
    #[inline]
    pub const fn flags(&self) -> u8 {
        flags_of(self.immediate, self.unordered, self.beginning, self.ending)
    }

    /// The value length (chunk length minus the header).
    #[inline]
    pub const fn value_len(&self) -> usize {
        Self::FIXED_LEN + self.user_data.len()
    }

    #[inline]
    pub(crate) fn emit_value(&self, v: &mut [u8]) {
        put_u32(v, 0, self.tsn);
        put_u16(v, 4, self.stream_id);
        put_u16(v, 6, 0);
        put_u32(v, 8, self.mid);
        put_u32(v, 12, self.ppid_or_fsn);
        v[Self::FIXED_LEN..self.value_len()].copy_from_slice(self.user_data);
    }
}
