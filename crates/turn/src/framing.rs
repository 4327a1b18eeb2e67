//! Framing of STUN and ChannelData messages on a byte stream (TCP and TLS, RFC 8656 sections
//! 3.1 and 12.5).
//!
//! Over a stream there are no datagram boundaries: a STUN message is delimited by the length in
//! its header (20 bytes plus the attributes), a ChannelData message by its Length field padded
//! up to a multiple of four. [`StreamDecoder`] turns received bytes back into messages with a
//! bounded buffer; [`crate::channel_data::encode_into`] with `padded = true` and STUN's own
//! encoding produce the sending side.
//!
//! A stream whose next byte starts neither a STUN message (top bits `00`) nor a ChannelData
//! message (`01`) cannot be resynchronised: the decoder reports [`Error::InvalidFrame`] and the
//! caller closes the connection, which is what RFC 8656 expects of a broken stream.

use crate::Error;
use crate::channel_data::{self, ChannelNumber};

/// The STUN header length.
const STUN_HEADER_LEN: usize = 20;

/// The largest frame the decoder accepts: a STUN message of the maximal length (20 + 65532
/// rounded) or a ChannelData message of 65535 bytes padded, whichever is larger.
pub const MAX_FRAME_LEN: usize = channel_data::HEADER_LEN + 65_536;

/// One message taken from a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A complete STUN message (header and attributes), not yet validated.
    Stun(&'a [u8]),
    /// A ChannelData message's channel and data (padding removed).
    ChannelData {
        /// The channel number.
        channel: ChannelNumber,
        /// The application data.
        data: &'a [u8],
    },
}

/// Reassembles STUN and ChannelData messages from a TCP or TLS byte stream.
///
/// Feed received bytes with [`StreamDecoder::push`], then call
/// [`StreamDecoder::next_frame`] until it returns `Ok(None)`. The buffer never holds more
/// than one partial frame plus the last pushed chunk, and refuses to grow past
/// [`StreamDecoder::capacity_limit`].
#[derive(Debug, Clone)]
pub struct StreamDecoder {
    buf: Vec<u8>,
    /// Start of the unread bytes in `buf`.
    start: usize,
    /// Length of the frame returned last, consumed at the next call.
    pending: usize,
    limit: usize,
}

impl Default for StreamDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl StreamDecoder {
    /// A decoder whose buffer may hold up to two maximal frames.
    pub fn new() -> Self {
        Self::with_limit(2 * MAX_FRAME_LEN)
    }

    /// A decoder whose buffer may hold up to `limit` bytes (at least one maximal frame).
    pub fn with_limit(limit: usize) -> Self {
        StreamDecoder {
            buf: Vec::new(),
            start: 0,
            pending: 0,
            limit: limit.max(MAX_FRAME_LEN),
        }
    }

    /// The most bytes the decoder buffers.
    pub fn capacity_limit(&self) -> usize {
        self.limit
    }

    /// How many received bytes are not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start - self.pending
    }

    /// Appends received bytes. Fails with [`Error::BufferFull`] (and keeps nothing of
    /// `bytes`) if the unread bytes would exceed the limit: read frames out first.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.consume_pending();
        if self.buffered() + bytes.len() > self.limit {
            return Err(Error::BufferFull);
        }
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start > 0 && self.buf.len() + bytes.len() > self.limit {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    /// The next complete frame, `Ok(None)` if more bytes are needed, or
    /// [`Error::InvalidFrame`] if the stream is not STUN/ChannelData framing.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, Error> {
        self.consume_pending();
        let unread = &self.buf[self.start..];
        let Some(&first) = unread.first() else {
            return Ok(None);
        };
        match first & 0xC0 {
            0x00 => {
                if unread.len() < 4 {
                    return Ok(None);
                }
                let body = usize::from(u16::from_be_bytes([unread[2], unread[3]]));
                let total = STUN_HEADER_LEN + body;
                if unread.len() < total {
                    return Ok(None);
                }
                self.pending = total;
                Ok(Some(Frame::Stun(&unread[..total])))
            }
            0x40 => {
                if unread.len() < channel_data::HEADER_LEN {
                    return Ok(None);
                }
                let data_len = usize::from(u16::from_be_bytes([unread[2], unread[3]]));
                let total = channel_data::encoded_len(data_len, true);
                if unread.len() < total {
                    return Ok(None);
                }
                self.pending = total;
                let channel = ChannelNumber(u16::from_be_bytes([unread[0], unread[1]]));
                let data = &unread[channel_data::HEADER_LEN..channel_data::HEADER_LEN + data_len];
                Ok(Some(Frame::ChannelData { channel, data }))
            }
            _ => Err(Error::InvalidFrame),
        }
    }

    fn consume_pending(&mut self) {
        self.start += self.pending;
        self.pending = 0;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn stun_binding(tid: u8) -> Vec<u8> {
        let mut m = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42];
        m.extend_from_slice(&[tid; 12]);
        m
    }

    #[test]
    fn splits_mixed_stream_in_any_chunking() {
        let mut stream = stun_binding(1);
        channel_data::encode_into(&mut stream, ChannelNumber(0x4001), b"hello", true).unwrap();
        stream.extend_from_slice(&stun_binding(2));
        channel_data::encode_into(&mut stream, ChannelNumber(0x4002), b"", true).unwrap();
        for chunk in 1..stream.len() {
            let mut d = StreamDecoder::new();
            let mut frames = Vec::new();
            for piece in stream.chunks(chunk) {
                d.push(piece).unwrap();
                while let Some(f) = d.next_frame().unwrap() {
                    frames.push(match f {
                        Frame::Stun(m) => (0u16, m.to_vec()),
                        Frame::ChannelData { channel, data } => (channel.0, data.to_vec()),
                    });
                }
            }
            assert_eq!(
                frames,
                vec![
                    (0, stun_binding(1)),
                    (0x4001, b"hello".to_vec()),
                    (0, stun_binding(2)),
                    (0x4002, Vec::new()),
                ],
                "chunk size {chunk}"
            );
            assert_eq!(d.buffered(), 0);
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut d = StreamDecoder::new();
        d.push(&[0x80, 1, 2, 3]).unwrap();
        assert_eq!(d.next_frame(), Err(Error::InvalidFrame));
    }

    #[test]
    fn buffer_is_bounded() {
        let mut d = StreamDecoder::with_limit(0);
        assert_eq!(d.capacity_limit(), MAX_FRAME_LEN);
        // A header announcing a 65535-byte ChannelData, then more than the limit.
        d.push(&[0x40, 0x00, 0xFF, 0xFF]).unwrap();
        let filler = vec![0u8; MAX_FRAME_LEN];
        assert_eq!(d.push(&filler), Err(Error::BufferFull));
        assert_eq!(d.next_frame(), Ok(None));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), chunk in 1usize..50) {
            let mut d = StreamDecoder::new();
            'outer: for piece in bytes.chunks(chunk) {
                d.push(piece).unwrap();
                loop {
                    match d.next_frame() {
                        Ok(Some(_)) => {}
                        Ok(None) => break,
                        Err(_) => break 'outer,
                    }
                }
            }
        }
    }
}
