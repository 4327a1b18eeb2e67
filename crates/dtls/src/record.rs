//! The DTLS record layer framing: the DTLSPlaintext header of RFC 6347 section 4.1
//! (type, version, epoch, 48-bit sequence_number, length), the iteration over the records
//! packed into one datagram (section 4.1.1: several records may share a datagram, none
//! spans two), and the one-byte ChangeCipherSpec body (RFC 5246 section 7.1).
//!
//! The same 13-byte header frames DTLSCompressed and DTLSCiphertext records, so the view
//! accepts lengths up to 2^14 + 2048 (RFC 5246 section 6.2.3); whether a decrypted
//! fragment stays within 2^14 ([`MAX_PLAINTEXT_LEN`]) is for the caller to check after
//! decryption. Left out: record protection itself, the DTLS 1.3 unified header (RFC 9147
//! section 4) and the connection-id record type of RFC 9146 (they parse as opaque records
//! only when their first byte happens to frame like a plaintext header; a DTLS 1.2 endpoint
//! drops them), and replay detection (section 4.1.2.6, needs per-epoch state).

use crate::bytes::{Reader, Writer};
use crate::codes::{ContentType, ProtocolVersion};
use crate::{EmitError, ParseError};

/// Length of the DTLS 1.2 record header.
pub const HEADER_LEN: usize = 13;
/// The largest plaintext fragment, 2^14 (RFC 5246 section 6.2.1).
pub const MAX_PLAINTEXT_LEN: usize = 1 << 14;
/// The largest record length on the wire, 2^14 + 2048 (RFC 5246 section 6.2.3).
pub const MAX_CIPHERTEXT_LEN: usize = (1 << 14) + 2048;
/// The largest 48-bit sequence number.
pub const MAX_SEQUENCE_NUMBER: u64 = (1 << 48) - 1;

mod field {
    use core::ops::Range;
    pub(super) const TYPE: usize = 0;
    pub(super) const VERSION: Range<usize> = 1..3;
    pub(super) const EPOCH: Range<usize> = 3..5;
    pub(super) const SEQUENCE_NUMBER: Range<usize> = 5..11;
    pub(super) const LENGTH: Range<usize> = 11..13;
}

/// A read-only view of one DTLS record at the front of a buffer.
///
/// Create it with [`Record::new_checked`]; after that no accessor can panic. The buffer
/// may hold more bytes after the record (the next records of the datagram).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Record<T> {
    /// Wraps a buffer without validating it; accessors may then panic.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after checking that it holds the header and the fragment it
    /// declares, and that the length is at most [`MAX_CIPHERTEXT_LEN`].
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let record = Self::new_unchecked(buffer);
        record.check_len()?;
        Ok(record)
    }

    /// Validates the buffer (see [`Record::new_checked`]).
    #[inline]
    pub fn check_len(&self) -> Result<(), ParseError> {
        let b = self.buffer.as_ref();
        let Some(len) = b.get(field::LENGTH) else {
            return Err(ParseError::Truncated);
        };
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        if len > MAX_CIPHERTEXT_LEN {
            return Err(ParseError::RecordOverflow);
        }
        if b.len() < HEADER_LEN + len {
            return Err(ParseError::Truncated);
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    #[inline]
    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// The ContentType.
    #[inline]
    pub fn content_type(&self) -> ContentType {
        ContentType(self.b()[field::TYPE])
    }

    /// The record's ProtocolVersion.
    #[inline]
    pub fn version(&self) -> ProtocolVersion {
        let b = &self.b()[field::VERSION];
        ProtocolVersion(u16::from_be_bytes([b[0], b[1]]))
    }

    /// The epoch.
    #[inline]
    pub fn epoch(&self) -> u16 {
        let b = &self.b()[field::EPOCH];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// The 48-bit sequence number.
    #[inline]
    pub fn sequence_number(&self) -> u64 {
        let b = &self.b()[field::SEQUENCE_NUMBER];
        u64::from_be_bytes([0, 0, b[0], b[1], b[2], b[3], b[4], b[5]])
    }

    /// The length field: the size of the fragment.
    #[inline]
    pub fn length(&self) -> u16 {
        let b = &self.b()[field::LENGTH];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// The header and fragment length together: where the next record starts.
    #[inline]
    pub fn total_len(&self) -> usize {
        HEADER_LEN + usize::from(self.length())
    }

    /// The 13 header bytes (the additional data of AEAD record protection is built from
    /// them).
    #[inline]
    pub fn header(&self) -> &[u8] {
        &self.b()[..HEADER_LEN]
    }

    /// The record's fragment (its body).
    #[inline]
    pub fn fragment(&self) -> &[u8] {
        &self.b()[HEADER_LEN..self.total_len()]
    }
}

/// A parsed or to-be-built DTLS record borrowing its fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordRepr<'a> {
    /// The ContentType.
    pub content_type: ContentType,
    /// The record's version (DTLS 1.0 on a first ClientHello is common).
    pub version: ProtocolVersion,
    /// The epoch, incremented on each ChangeCipherSpec.
    pub epoch: u16,
    /// The 48-bit sequence number (at most [`MAX_SEQUENCE_NUMBER`]).
    pub sequence_number: u64,
    /// The record body.
    pub fragment: &'a [u8],
}

impl<'a> RecordRepr<'a> {
    /// Reads the record a checked view holds.
    #[inline]
    pub fn parse(record: &Record<&'a [u8]>) -> Result<Self, ParseError> {
        record.check_len()?;
        let b: &'a [u8] = record.buffer;
        Ok(Self {
            content_type: record.content_type(),
            version: record.version(),
            epoch: record.epoch(),
            sequence_number: record.sequence_number(),
            fragment: b
                .get(HEADER_LEN..record.total_len())
                .ok_or(ParseError::Truncated)?,
        })
    }

    /// Bytes [`RecordRepr::emit`] writes.
    #[inline]
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.fragment.len()
    }

    /// Writes the header and fragment into the front of `buf`; returns the bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, self.buffer_len())?;
        self.emit_header_to(&mut w)?;
        w.bytes(self.fragment)?;
        Ok(w.written())
    }

    /// Writes only the 13-byte header (for a caller that places the fragment itself, e.g.
    /// after encrypting in place).
    pub fn emit_header(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, HEADER_LEN)?;
        self.emit_header_to(&mut w)?;
        Ok(w.written())
    }

    /// The AEAD additional data of RFC 5246 section 6.2.3.3 as DTLS defines it (RFC 6347
    /// section 4.1.2.1: seq_num is epoch then the 48-bit sequence_number), followed by
    /// type, version and the *plaintext* length. Fails only on a sequence number above
    /// 2^48 - 1.
    pub fn additional_data(&self, plaintext_len: u16) -> Result<[u8; 13], EmitError> {
        let mut aad = [0u8; 13];
        let mut w = Writer::with_len(&mut aad, 13)?;
        w.u16(self.epoch)?;
        w.u48(self.sequence_number, "sequence_number")?;
        w.u8(self.content_type.0)?;
        w.u16(self.version.0)?;
        w.u16(plaintext_len)?;
        Ok(aad)
    }

    fn emit_header_to(&self, w: &mut Writer<'_>) -> Result<(), EmitError> {
        if self.fragment.len() > MAX_CIPHERTEXT_LEN {
            return Err(EmitError::InvalidLength { field: "length" });
        }
        w.u8(self.content_type.0)?;
        w.u16(self.version.0)?;
        w.u16(self.epoch)?;
        w.u48(self.sequence_number, "sequence_number")?;
        w.u16(self.fragment.len() as u16)
    }
}

/// Iterator over the records of one datagram.
///
/// Yields each record in order; on a malformed or truncated record it yields one error
/// and then `None`, since nothing after a broken length can be trusted.
#[derive(Debug, Clone)]
pub struct Records<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> Records<'a> {
    /// Iterates over the records packed into `datagram`.
    #[inline]
    pub const fn new(datagram: &'a [u8]) -> Self {
        Self {
            rest: datagram,
            failed: false,
        }
    }

    /// The bytes not consumed yet.
    #[inline]
    pub fn remainder(&self) -> &'a [u8] {
        self.rest
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<RecordRepr<'a>, ParseError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let parsed = Record::new_checked(self.rest).and_then(|r| RecordRepr::parse(&r));
        match parsed {
            Ok(repr) => {
                self.rest = self.rest.get(repr.buffer_len()..).unwrap_or_default();
                Some(Ok(repr))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

impl core::iter::FusedIterator for Records<'_> {}

/// The body of a change_cipher_spec record: one byte, always 1 (RFC 5246 section 7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChangeCipherSpec;

impl ChangeCipherSpec {
    /// The only valid body.
    pub const BYTES: [u8; 1] = [1];

    /// Checks a record body.
    #[inline]
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        if r.u8()? != 1 {
            return Err(ParseError::InvalidValue { field: "type" });
        }
        r.finish()?;
        Ok(Self)
    }

    /// Bytes [`ChangeCipherSpec::emit`] writes.
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        1
    }

    /// Writes the body.
    #[inline]
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, 1)?;
        w.u8(1)?;
        Ok(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // A handshake record (epoch 0, seq 1) with a 3-byte body, then an alert record.
    static TWO_RECORDS: [u8; 31] = [
        0x16, 0xfe, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03, //
        0xaa, 0xbb, 0xcc, //
        0x15, 0xfe, 0xfd, 0x00, 0x01, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x00, 0x02, //
        0x02, 0x28,
    ];

    #[test]
    fn deconstruct() {
        let r = Record::new_checked(&TWO_RECORDS[..]).unwrap();
        assert_eq!(r.content_type(), ContentType::HANDSHAKE);
        assert_eq!(r.version(), ProtocolVersion::DTLS_1_2);
        assert_eq!(r.epoch(), 0);
        assert_eq!(r.sequence_number(), 1);
        assert_eq!(r.length(), 3);
        assert_eq!(r.fragment(), &[0xaa, 0xbb, 0xcc]);
        assert_eq!(r.total_len(), 16);
        let r2 = Record::new_checked(&TWO_RECORDS[16..]).unwrap();
        assert_eq!(r2.epoch(), 1);
        assert_eq!(r2.sequence_number(), 0x0000_0102_0304);
    }

    #[test]
    fn construct_and_emit() {
        let repr = RecordRepr {
            content_type: ContentType::ALERT,
            version: ProtocolVersion::DTLS_1_2,
            epoch: 1,
            sequence_number: 0x0102_0304,
            fragment: &[0x02, 0x28],
        };
        let mut buf = [0u8; 15];
        assert_eq!(repr.emit(&mut buf), Ok(15));
        assert_eq!(&buf[..], &TWO_RECORDS[16..]);
        assert_eq!(
            repr.emit(&mut [0u8; 14]),
            Err(EmitError::BufferTooSmall {
                needed: 15,
                available: 14
            })
        );
        let big = RecordRepr {
            sequence_number: 1 << 48,
            ..repr
        };
        assert_eq!(
            big.emit(&mut buf),
            Err(EmitError::ValueOutOfRange {
                field: "sequence_number"
            })
        );
    }

    #[test]
    fn additional_data_layout() {
        let r = RecordRepr::parse(&Record::new_checked(&TWO_RECORDS[16..]).unwrap()).unwrap();
        assert_eq!(
            r.additional_data(0x0102),
            Ok([0, 1, 0, 0, 1, 2, 3, 4, 0x15, 0xfe, 0xfd, 1, 2])
        );
    }

    #[test]
    fn iterate_datagram() {
        let recs: Vec<_> = Records::new(&TWO_RECORDS).collect();
        assert_eq!(recs.len(), 2);
        let a = recs[0].unwrap();
        let b = recs[1].unwrap();
        assert_eq!(a.fragment, &[0xaa, 0xbb, 0xcc]);
        assert_eq!(b.content_type, ContentType::ALERT);
        assert_eq!(b.fragment, &[0x02, 0x28]);
    }

    #[test]
    fn iterate_stops_after_truncated_record() {
        let mut it = Records::new(&TWO_RECORDS[..30]);
        assert!(it.next().unwrap().is_ok());
        assert_eq!(it.next(), Some(Err(ParseError::Truncated)));
        assert_eq!(it.next(), None);
        assert_eq!(it.next(), None);
    }

    #[test]
    fn truncated_and_impossible_lengths() {
        assert_eq!(
            Record::new_checked(&TWO_RECORDS[..12]).unwrap_err(),
            ParseError::Truncated
        );
        assert_eq!(
            Record::new_checked(&TWO_RECORDS[..15]).unwrap_err(),
            ParseError::Truncated
        );
        let mut huge = vec![0u8; HEADER_LEN + MAX_CIPHERTEXT_LEN + 1];
        huge[0] = 23;
        let n = (MAX_CIPHERTEXT_LEN + 1) as u16;
        huge[11..13].copy_from_slice(&n.to_be_bytes());
        assert_eq!(
            Record::new_checked(&huge[..]).unwrap_err(),
            ParseError::RecordOverflow
        );
        huge[11..13].copy_from_slice(&(MAX_CIPHERTEXT_LEN as u16).to_be_bytes());
        assert!(Record::new_checked(&huge[..]).is_ok());
    }

    #[test]
    fn change_cipher_spec() {
        assert_eq!(ChangeCipherSpec::parse(&[1]), Ok(ChangeCipherSpec));
        assert_eq!(
            ChangeCipherSpec::parse(&[2]),
            Err(ParseError::InvalidValue { field: "type" })
        );
        assert_eq!(
            ChangeCipherSpec::parse(&[1, 1]),
            Err(ParseError::TrailingData)
        );
        assert_eq!(ChangeCipherSpec::parse(&[]), Err(ParseError::Truncated));
        let mut b = [0u8; 1];
        assert_eq!(ChangeCipherSpec.emit(&mut b), Ok(1));
        assert_eq!(b, ChangeCipherSpec::BYTES);
    }

    proptest! {
        #[test]
        fn record_round_trip(
            ct in any::<u8>(),
            version in any::<u16>(),
            epoch in any::<u16>(),
            seq in 0..=MAX_SEQUENCE_NUMBER,
            fragment in proptest::collection::vec(any::<u8>(), 0..300),
            trailing in proptest::collection::vec(any::<u8>(), 0..20),
        ) {
            let repr = RecordRepr {
                content_type: ContentType(ct),
                version: ProtocolVersion(version),
                epoch,
                sequence_number: seq,
                fragment: &fragment,
            };
            let mut buf = vec![0u8; repr.buffer_len()];
            prop_assert_eq!(repr.emit(&mut buf), Ok(buf.len()));
            buf.extend_from_slice(&trailing);
            let view = Record::new_checked(&buf[..]).unwrap();
            prop_assert_eq!(RecordRepr::parse(&view), Ok(repr));
            prop_assert_eq!(view.total_len(), repr.buffer_len());
        }
    }
}
