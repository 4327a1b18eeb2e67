//! ChannelData messages (RFC 8656 section 12.4) and channel numbers (section 12).
//!
//! A ChannelData message carries application data between a client and its TURN server with
//! four bytes of overhead instead of a Send or Data indication's 36:
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Channel Number        |            Length             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! /                       Application Data                        /
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The channel number lies in 0x4000..=0x4FFF (section 12), so the first two bits are `01`
//! and a ChannelData message never looks like STUN (`00`). Over UDP the message may be
//! followed by padding that the receiver ignores (section 12.5); over TCP and TLS it is padded
//! to a multiple of four bytes (see [`crate::framing`]).
//!
//! Left out: nothing of section 12.4; channel binding and its lifetime belong to the client
//! and server state machines.

use crate::Error;

/// The ChannelData header length: channel number and length.
pub const HEADER_LEN: usize = 4;

/// A channel number (RFC 8656 section 12): 0x4000 through 0x4FFF are valid for ChannelBind.
///
/// Numbers 0x5000..=0x7FFF are reserved; the type still carries them so that a received
/// message can be reported faithfully.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelNumber(pub u16);

impl ChannelNumber {
    /// The lowest channel number a client may bind.
    pub const MIN: ChannelNumber = ChannelNumber(0x4000);
    /// The highest channel number a client may bind.
    pub const MAX: ChannelNumber = ChannelNumber(0x4FFF);

    /// Whether the number lies in the range ChannelBind accepts (0x4000..=0x4FFF).
    #[inline]
    pub fn is_valid(self) -> bool {
        (Self::MIN.0..=Self::MAX.0).contains(&self.0)
    }
}

/// Whether a datagram's first byte marks a ChannelData message (the two top bits are `01`,
/// RFC 8656 section 12 and RFC 7983's 64..=79 range for TURN channels).
#[inline]
pub fn is_channel_data(packet: &[u8]) -> bool {
    packet.first().is_some_and(|b| b & 0xC0 == 0x40)
}

/// A zero-copy view of a ChannelData message.
///
/// [`ChannelData::new_checked`] validates the header once; the accessors cannot fail after
/// that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelData<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ChannelData<T> {
    /// Wraps `buffer`, checking that it holds a ChannelData header with a channel number in
    /// 0x4000..=0x7FFF and at least `Length` bytes of data. Trailing bytes (padding) are
    /// allowed and ignored.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let b = buffer.as_ref();
        if b.len() < HEADER_LEN {
            return Err(Error::Truncated);
        }
        if !is_channel_data(b) {
            return Err(Error::NotChannelData);
        }
        let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
        if b.len() < HEADER_LEN + len {
            return Err(Error::Truncated);
        }
        Ok(ChannelData { buffer })
    }

    /// The channel number.
    #[inline]
    pub fn channel(&self) -> ChannelNumber {
        let b = self.buffer.as_ref();
        ChannelNumber(u16::from_be_bytes([b[0], b[1]]))
    }

    /// The length of the application data (without padding).
    #[inline]
    pub fn data_len(&self) -> usize {
        let b = self.buffer.as_ref();
        usize::from(u16::from_be_bytes([b[2], b[3]]))
    }

    /// The application data.
    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..HEADER_LEN + self.data_len()]
    }

    /// The length of the whole message without padding.
    #[inline]
    pub fn message_len(&self) -> usize {
        HEADER_LEN + self.data_len()
    }

    /// Returns the wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
}

/// The length of a ChannelData message carrying `data_len` bytes, with padding to a multiple
/// of four when `padded` (TCP and TLS, RFC 8656 section 12.5).
#[inline]
pub fn encoded_len(data_len: usize, padded: bool) -> usize {
    let len = HEADER_LEN + data_len;
    if padded { (len + 3) & !3 } else { len }
}

/// Writes a ChannelData header for `data_len` bytes into `buf[..4]`.
///
/// The caller writes the data after it (for example straight from a socket read into
/// `buf[4..]`, so relaying needs no copy). Fails if `buf` is shorter than four bytes, the
/// channel number is outside 0x4000..=0x4FFF or `data_len` exceeds 65535.
pub fn emit_header(buf: &mut [u8], channel: ChannelNumber, data_len: usize) -> Result<(), Error> {
    if !channel.is_valid() {
        return Err(Error::InvalidChannelNumber(channel.0));
    }
    let len = u16::try_from(data_len).map_err(|_| Error::TooLong(data_len))?;
    let header = buf.get_mut(..HEADER_LEN).ok_or(Error::BufferTooSmall)?;
    header[..2].copy_from_slice(&channel.0.to_be_bytes());
    header[2..].copy_from_slice(&len.to_be_bytes());
    Ok(())
}

/// Appends a complete ChannelData message (header, data and, when `padded`, zero padding to a
/// multiple of four) to `out`.
pub fn encode_into(
    out: &mut Vec<u8>,
    channel: ChannelNumber,
    data: &[u8],
    padded: bool,
) -> Result<(), Error> {
    let start = out.len();
    out.resize(start + HEADER_LEN, 0);
    if let Err(e) = emit_header(&mut out[start..], channel, data.len()) {
        out.truncate(start);
        return Err(e);
    }
    out.extend_from_slice(data);
    out.resize(start + encoded_len(data.len(), padded), 0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn deconstruct() {
        let bytes = [0x40, 0x01, 0x00, 0x03, b'a', b'b', b'c', 0x00];
        let cd = ChannelData::new_checked(&bytes[..]).unwrap();
        assert_eq!(cd.channel(), ChannelNumber(0x4001));
        assert_eq!(cd.data(), b"abc");
        assert_eq!(cd.message_len(), 7);
    }

    #[test]
    fn construct_padded_and_unpadded() {
        let mut out = Vec::new();
        encode_into(&mut out, ChannelNumber(0x4FFF), b"abcde", true).unwrap();
        assert_eq!(
            out,
            [0x4F, 0xFF, 0, 5, b'a', b'b', b'c', b'd', b'e', 0, 0, 0]
        );
        out.clear();
        encode_into(&mut out, ChannelNumber(0x4FFF), b"abcde", false).unwrap();
        assert_eq!(out.len(), 9);
    }

    #[test]
    fn refuses_bad_input() {
        assert_eq!(
            ChannelData::new_checked(&[0x40, 0][..]),
            Err(Error::Truncated)
        );
        assert_eq!(
            ChannelData::new_checked(&[0x00, 0x01, 0, 0][..]),
            Err(Error::NotChannelData)
        );
        assert_eq!(
            ChannelData::new_checked(&[0x40, 0x00, 0, 2, 1][..]),
            Err(Error::Truncated)
        );
        let mut out = Vec::new();
        assert_eq!(
            encode_into(&mut out, ChannelNumber(0x3FFF), b"", false),
            Err(Error::InvalidChannelNumber(0x3FFF))
        );
        assert_eq!(
            encode_into(&mut out, ChannelNumber(0x5000), b"", false),
            Err(Error::InvalidChannelNumber(0x5000))
        );
        assert!(out.is_empty());
        assert_eq!(
            emit_header(&mut [0u8; 3], ChannelNumber::MIN, 0),
            Err(Error::BufferTooSmall)
        );
        assert_eq!(
            emit_header(&mut [0u8; 4], ChannelNumber::MIN, 70_000),
            Err(Error::TooLong(70_000))
        );
    }

    #[test]
    fn first_byte_classifies() {
        assert!(is_channel_data(&[0x40]));
        assert!(is_channel_data(&[0x7F]));
        assert!(!is_channel_data(&[0x00]));
        assert!(!is_channel_data(&[0x80]));
        assert!(!is_channel_data(&[]));
    }

    proptest! {
        #[test]
        fn round_trip(ch in 0x4000u16..=0x4FFF, data in proptest::collection::vec(any::<u8>(), 0..300), padded: bool) {
            let mut out = Vec::new();
            encode_into(&mut out, ChannelNumber(ch), &data, padded).unwrap();
            prop_assert_eq!(out.len(), encoded_len(data.len(), padded));
            let cd = ChannelData::new_checked(&out[..]).unwrap();
            prop_assert_eq!(cd.channel(), ChannelNumber(ch));
            prop_assert_eq!(cd.data(), &data[..]);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(cd) = ChannelData::new_checked(&bytes[..]) {
                prop_assert!(cd.message_len() <= bytes.len());
                let _ = cd.data();
            }
        }
    }
}
