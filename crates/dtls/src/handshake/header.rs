//! The DTLS handshake header (RFC 6347 section 4.2.2): msg_type, 24-bit length,
//! message_seq, 24-bit fragment_offset and 24-bit fragment_length, then the fragment.
//!
//! [`Handshake`] is the zero-copy view, [`HandshakeHeader`] the 12-byte header on its own
//! (what goes into the handshake transcript for a reassembled message, with
//! fragment_offset 0 and fragment_length = length, section 4.2.6) and
//! [`HandshakeFragment`] the header with its fragment bytes. [`HandshakeFragments`] walks
//! the fragments packed into one handshake record. Left out: reassembly (see
//! [`crate::reassembly`]) and fragmentation (see [`crate::fragment`]).

use crate::bytes::{Reader, Writer};
use crate::codes::HandshakeType;
use crate::{EmitError, ParseError};

/// Length of the DTLS handshake header.
pub const HEADER_LEN: usize = 12;
/// The largest value of a 24-bit length field.
pub const MAX_U24: u32 = 0x00ff_ffff;

mod field {
    use core::ops::Range;
    pub(super) const MSG_TYPE: usize = 0;
    pub(super) const LENGTH: Range<usize> = 1..4;
    pub(super) const MESSAGE_SEQ: Range<usize> = 4..6;
    pub(super) const FRAGMENT_OFFSET: Range<usize> = 6..9;
    pub(super) const FRAGMENT_LENGTH: Range<usize> = 9..12;
}

#[inline]
fn u24(b: &[u8]) -> u32 {
    u32::from_be_bytes([0, b[0], b[1], b[2]])
}

/// A read-only view of one handshake fragment at the front of a buffer.
///
/// Create it with [`Handshake::new_checked`]; after that no accessor can panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handshake<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Handshake<T> {
    /// Wraps a buffer without validating it; accessors may then panic.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after checking that it holds the header and the fragment it
    /// declares, and that the fragment lies within the message
    /// (fragment_offset + fragment_length <= length).
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let h = Self::new_unchecked(buffer);
        h.check_len()?;
        Ok(h)
    }

    /// Validates the buffer (see [`Handshake::new_checked`]).
    #[inline]
    pub fn check_len(&self) -> Result<(), ParseError> {
        let b = self.buffer.as_ref();
        let Some(h) = b.get(..HEADER_LEN) else {
            return Err(ParseError::Truncated);
        };
        let length = u24(&h[field::LENGTH]);
        let offset = u24(&h[field::FRAGMENT_OFFSET]);
        let frag_len = u24(&h[field::FRAGMENT_LENGTH]);
        if b.len() - HEADER_LEN < frag_len as usize {
            return Err(ParseError::Truncated);
        }
        if offset + frag_len > length {
            return Err(ParseError::FragmentOutOfBounds);
        }
        Ok(())
    }

    #[inline]
    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Returns the underlying buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// msg_type.
    #[inline]
    pub fn msg_type(&self) -> HandshakeType {
        HandshakeType(self.b()[field::MSG_TYPE])
    }

    /// length: the whole message body's length.
    #[inline]
    pub fn length(&self) -> u32 {
        u24(&self.b()[field::LENGTH])
    }

    /// message_seq.
    #[inline]
    pub fn message_seq(&self) -> u16 {
        let b = &self.b()[field::MESSAGE_SEQ];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// fragment_offset.
    #[inline]
    pub fn fragment_offset(&self) -> u32 {
        u24(&self.b()[field::FRAGMENT_OFFSET])
    }

    /// fragment_length.
    #[inline]
    pub fn fragment_length(&self) -> u32 {
        u24(&self.b()[field::FRAGMENT_LENGTH])
    }

    /// Header plus fragment: where the next fragment of the record starts.
    #[inline]
    pub fn total_len(&self) -> usize {
        HEADER_LEN + self.fragment_length() as usize
    }

    /// The fragment bytes.
    #[inline]
    pub fn fragment(&self) -> &[u8] {
        &self.b()[HEADER_LEN..self.total_len()]
    }
}

/// The 12-byte handshake header as values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HandshakeHeader {
    /// msg_type.
    pub msg_type: HandshakeType,
    /// length of the whole message body (24 bits).
    pub length: u32,
    /// message_seq.
    pub message_seq: u16,
    /// fragment_offset (24 bits).
    pub fragment_offset: u32,
    /// fragment_length (24 bits).
    pub fragment_length: u32,
}

impl HandshakeHeader {
    /// The header of an unfragmented message: offset 0, fragment_length = length. This is
    /// the form the handshake transcript hashes (RFC 6347 section 4.2.6).
    #[inline]
    pub const fn unfragmented(msg_type: HandshakeType, message_seq: u16, length: u32) -> Self {
        Self {
            msg_type,
            length,
            message_seq,
            fragment_offset: 0,
            fragment_length: length,
        }
    }

    /// Reads the header fields of a checked view.
    #[inline]
    pub fn parse<T: AsRef<[u8]>>(h: &Handshake<T>) -> Result<Self, ParseError> {
        h.check_len()?;
        Ok(Self {
            msg_type: h.msg_type(),
            length: h.length(),
            message_seq: h.message_seq(),
            fragment_offset: h.fragment_offset(),
            fragment_length: h.fragment_length(),
        })
    }

    /// Bytes [`HandshakeHeader::emit`] writes: always 12.
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the 12 bytes; fails if a 24-bit field does not fit or the fragment reaches
    /// past the message.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, HEADER_LEN)?;
        self.write(&mut w)?;
        Ok(HEADER_LEN)
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EmitError> {
        if u64::from(self.fragment_offset) + u64::from(self.fragment_length)
            > u64::from(self.length)
        {
            return Err(EmitError::ValueOutOfRange {
                field: "fragment_offset",
            });
        }
        w.u8(self.msg_type.0)?;
        w.u24(self.length, "length")?;
        w.u16(self.message_seq)?;
        w.u24(self.fragment_offset, "fragment_offset")?;
        w.u24(self.fragment_length, "fragment_length")
    }
}

/// One handshake fragment: the header fields with the fragment bytes
/// (fragment_length is `fragment.len()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeFragment<'a> {
    /// msg_type.
    pub msg_type: HandshakeType,
    /// length of the whole message body.
    pub length: u32,
    /// message_seq.
    pub message_seq: u16,
    /// fragment_offset.
    pub fragment_offset: u32,
    /// The fragment's bytes.
    pub fragment: &'a [u8],
}

impl<'a> HandshakeFragment<'a> {
    /// Reads a checked view.
    #[inline]
    pub fn parse(h: &Handshake<&'a [u8]>) -> Result<Self, ParseError> {
        h.check_len()?;
        let b: &'a [u8] = h.buffer;
        Ok(Self {
            msg_type: h.msg_type(),
            length: h.length(),
            message_seq: h.message_seq(),
            fragment_offset: h.fragment_offset(),
            fragment: b
                .get(HEADER_LEN..h.total_len())
                .ok_or(ParseError::Truncated)?,
        })
    }

    /// A fragment holding a whole message.
    #[inline]
    pub const fn whole(msg_type: HandshakeType, message_seq: u16, body: &'a [u8]) -> Self {
        Self {
            msg_type,
            length: body.len() as u32,
            message_seq,
            fragment_offset: 0,
            fragment: body,
        }
    }

    /// The header fields.
    #[inline]
    pub fn header(&self) -> HandshakeHeader {
        HandshakeHeader {
            msg_type: self.msg_type,
            length: self.length,
            message_seq: self.message_seq,
            fragment_offset: self.fragment_offset,
            fragment_length: self.fragment.len().min(u32::MAX as usize) as u32,
        }
    }

    /// Whether this fragment holds the whole message.
    #[inline]
    pub fn is_whole(&self) -> bool {
        self.fragment_offset == 0 && self.fragment.len() as u64 == u64::from(self.length)
    }

    /// Bytes [`HandshakeFragment::emit`] writes.
    #[inline]
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.fragment.len()
    }

    /// Writes the header and fragment into the front of `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        if self.fragment.len() > MAX_U24 as usize {
            return Err(EmitError::ValueOutOfRange {
                field: "fragment_length",
            });
        }
        let mut w = Writer::with_len(buf, self.buffer_len())?;
        self.header().write(&mut w)?;
        w.bytes(self.fragment)?;
        Ok(w.written())
    }
}

/// Iterator over the handshake fragments in one handshake record's body.
///
/// On a malformed fragment it yields one error and then `None`.
#[derive(Debug, Clone)]
pub struct HandshakeFragments<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> HandshakeFragments<'a> {
    /// Iterates over the fragments in `record_body`.
    #[inline]
    pub const fn new(record_body: &'a [u8]) -> Self {
        Self {
            rest: record_body,
            failed: false,
        }
    }
}

impl<'a> Iterator for HandshakeFragments<'a> {
    type Item = Result<HandshakeFragment<'a>, ParseError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        match Handshake::new_checked(self.rest).and_then(|h| HandshakeFragment::parse(&h)) {
            Ok(f) => {
                self.rest = self.rest.get(f.buffer_len()..).unwrap_or_default();
                Some(Ok(f))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

impl core::iter::FusedIterator for HandshakeFragments<'_> {}

/// Reads a whole, unfragmented handshake message (header + body) such as a stored
/// transcript entry; fails unless the fragment is the whole message and fills `buf`.
pub fn parse_whole_message(buf: &[u8]) -> Result<HandshakeFragment<'_>, ParseError> {
    let f = HandshakeFragment::parse(&Handshake::new_checked(buf)?)?;
    Reader::new(buf.get(f.buffer_len()..).unwrap_or_default()).finish()?;
    if !f.is_whole() {
        return Err(ParseError::InvalidLength {
            field: "fragment_length",
        });
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // ServerHelloDone (seq 3, whole, empty) then a 2-byte middle fragment of a 6-byte
    // Finished (seq 4).
    static TWO: [u8; 26] = [
        0x0e, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
        0x14, 0x00, 0x00, 0x06, 0x00, 0x04, 0x00, 0x00, 0x02, 0x00, 0x00, 0x02, //
        0xab, 0xcd,
    ];

    #[test]
    fn deconstruct() {
        let h = Handshake::new_checked(&TWO[12..]).unwrap();
        assert_eq!(h.msg_type(), HandshakeType::FINISHED);
        assert_eq!(h.length(), 6);
        assert_eq!(h.message_seq(), 4);
        assert_eq!(h.fragment_offset(), 2);
        assert_eq!(h.fragment_length(), 2);
        assert_eq!(h.fragment(), &[0xab, 0xcd]);
    }

    #[test]
    fn construct() {
        let f = HandshakeFragment {
            msg_type: HandshakeType::FINISHED,
            length: 6,
            message_seq: 4,
            fragment_offset: 2,
            fragment: &[0xab, 0xcd],
        };
        let mut buf = [0u8; 14];
        assert_eq!(f.emit(&mut buf), Ok(14));
        assert_eq!(&buf[..], &TWO[12..]);
        let bad = HandshakeFragment {
            fragment_offset: 5,
            ..f
        };
        assert!(bad.emit(&mut buf).is_err());
    }

    #[test]
    fn iterate_record_body() {
        let v: Vec<_> = HandshakeFragments::new(&TWO).map(Result::unwrap).collect();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].msg_type, HandshakeType::SERVER_HELLO_DONE);
        assert!(v[0].is_whole());
        assert!(!v[1].is_whole());
        let mut it = HandshakeFragments::new(&TWO[..25]);
        assert!(it.next().unwrap().is_ok());
        assert_eq!(it.next(), Some(Err(ParseError::Truncated)));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn impossible_lengths() {
        assert_eq!(
            Handshake::new_checked(&TWO[..11]).unwrap_err(),
            ParseError::Truncated
        );
        let mut b = TWO[12..].to_vec();
        b[3] = 3; // length 3 < offset 2 + fragment_length 2
        assert_eq!(
            Handshake::new_checked(&b[..]).unwrap_err(),
            ParseError::FragmentOutOfBounds
        );
        assert_eq!(parse_whole_message(&TWO[..12]).unwrap().message_seq, 3);
        assert!(parse_whole_message(&TWO).is_err());
        assert!(parse_whole_message(&TWO[12..]).is_err());
    }

    proptest! {
        #[test]
        fn fragment_round_trip(
            msg_type in any::<u8>(),
            seq in any::<u16>(),
            frag in proptest::collection::vec(any::<u8>(), 0..200),
            offset in 0u32..100_000,
            extra in 0u32..100_000,
        ) {
            let f = HandshakeFragment {
                msg_type: HandshakeType(msg_type),
                length: offset + frag.len() as u32 + extra,
                message_seq: seq,
                fragment_offset: offset,
                fragment: &frag,
            };
            let mut buf = vec![0u8; f.buffer_len() + 3];
            prop_assert_eq!(f.emit(&mut buf), Ok(f.buffer_len()));
            let view = Handshake::new_checked(&buf[..]).unwrap();
            prop_assert_eq!(HandshakeFragment::parse(&view), Ok(f));
            prop_assert_eq!(HandshakeHeader::parse(&view), Ok(f.header()));
        }

        #[test]
        fn header_round_trip(
            msg_type in any::<u8>(),
            seq in any::<u16>(),
            length in 0..=MAX_U24,
            a in any::<u32>(),
            b in any::<u32>(),
        ) {
            let offset = a % (length + 1);
            let frag_len = b % (length - offset + 1);
            let h = HandshakeHeader {
                msg_type: HandshakeType(msg_type),
                length,
                message_seq: seq,
                fragment_offset: offset,
                fragment_length: frag_len,
            };
            let mut buf = [0u8; HEADER_LEN];
            prop_assert_eq!(h.emit(&mut buf), Ok(HEADER_LEN));
            let view = Handshake::new_unchecked(&buf[..]);
            prop_assert_eq!(view.msg_type(), h.msg_type);
            prop_assert_eq!(view.length(), length);
            prop_assert_eq!(view.message_seq(), seq);
            prop_assert_eq!(view.fragment_offset(), offset);
            prop_assert_eq!(view.fragment_length(), frag_len);
        }
    }
}
