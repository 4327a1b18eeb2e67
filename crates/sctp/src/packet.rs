//! The SCTP packet: common header, chunk framing and CRC32c (RFC 9260 sections 3.1, 3.2
//! and appendix A).
//!
//! [`SctpPacket`] is a zero-copy view: [`SctpPacket::new_checked`] walks the chunk lengths
//! once, after which [`SctpPacket::chunks`] yields [`RawChunk`]s without failing.
//! [`PacketBuilder`] bundles chunks into a caller buffer up to its length (the MTU budget)
//! and writes the CRC32c last.
//!
//! The checksum is checked by a separate call, [`SctpPacket::verify_checksum`], not by
//! `new_checked`. Over DTLS (RFC 8261) the record layer already authenticates every byte,
//! so a receiver may skip the check; RFC 8261 section 4 still requires senders to put a
//! correct CRC32c in every packet, which [`PacketBuilder::finish`] always does (and we keep
//! verifying in tests and in the fuzz target). The CRC32c is the one of appendix A
//! (Castagnoli, reflected, final complement) computed with the checksum field zeroed, and
//! is carried least significant byte first, as every implementation does.
//!
//! Left out: chunk bundling rules (which chunks may share a packet, section 6.10) and
//! verification tag rules (section 8.5) are the association's job.

use crate::bytes::{pad4, put_u16, put_u32, room, u16_at, u32_at};
use crate::chunk::{CHUNK_HEADER_LEN, Chunk, RawChunk};
use crate::{EmitError, ParseError};

/// Length of the common header.
pub const COMMON_HEADER_LEN: usize = 12;

/// The common header fields that a sender chooses (the checksum is computed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CommonHeader {
    /// Source Port Number.
    pub source_port: u16,
    /// Destination Port Number.
    pub destination_port: u16,
    /// Verification Tag.
    pub verification_tag: u32,
}

/// A read-only view of an SCTP packet over any byte container.
///
/// After [`SctpPacket::new_checked`] no accessor can panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SctpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> SctpPacket<T> {
    /// Wraps a buffer without validating it; accessors may panic on a short buffer and
    /// [`SctpPacket::chunks`] stops at the first malformed chunk.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after checking the common header length and every chunk's length
    /// field (at least 4, within the buffer). The final chunk may lack its padding.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Validates the buffer (see [`SctpPacket::new_checked`]).
    pub fn check_len(&self) -> Result<(), ParseError> {
        let mut rest = self
            .b()
            .get(COMMON_HEADER_LEN..)
            .ok_or(ParseError::Truncated)?;
        while !rest.is_empty() {
            rest = RawChunk::parse(rest)?.1;
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

    /// Source Port Number.
    #[inline]
    pub fn source_port(&self) -> u16 {
        u16_at(self.b(), 0)
    }

    /// Destination Port Number.
    #[inline]
    pub fn destination_port(&self) -> u16 {
        u16_at(self.b(), 2)
    }

    /// Verification Tag.
    #[inline]
    pub fn verification_tag(&self) -> u32 {
        u32_at(self.b(), 4)
    }

    /// The checksum field, as the CRC32c value it carries.
    #[inline]
    pub fn checksum(&self) -> u32 {
        let b = self.b();
        u32::from_le_bytes([b[8], b[9], b[10], b[11]])
    }

    /// The common header fields.
    #[inline]
    pub fn header(&self) -> CommonHeader {
        CommonHeader {
            source_port: self.source_port(),
            destination_port: self.destination_port(),
            verification_tag: self.verification_tag(),
        }
    }

    /// Computes the CRC32c of the packet with the checksum field taken as zero.
    #[inline]
    pub fn compute_checksum(&self) -> u32 {
        checksum(self.b())
    }

    /// Checks the CRC32c (see the module docs for when a receiver may skip this).
    #[inline]
    pub fn verify_checksum(&self) -> Result<(), ParseError> {
        let (found, computed) = (self.checksum(), self.compute_checksum());
        if found == computed {
            Ok(())
        } else {
            Err(ParseError::ChecksumMismatch { found, computed })
        }
    }

    /// The chunks, in order.
    #[inline]
    pub fn chunks(&self) -> Chunks<'_> {
        Chunks {
            rest: self.b().get(COMMON_HEADER_LEN..).unwrap_or(&[]),
        }
    }
}

impl<'a> SctpPacket<&'a [u8]> {
    /// The chunks, borrowing the underlying slice rather than the view, so parsed chunks
    /// can outlive it.
    #[inline]
    pub fn into_chunks(self) -> Chunks<'a> {
        Chunks {
            rest: self.buffer.get(COMMON_HEADER_LEN..).unwrap_or(&[]),
        }
    }
}

/// The CRC32c of an SCTP packet with its checksum field (bytes 8..12) taken as zero.
/// `packet` must hold at least the common header; a shorter one is hashed as it is.
#[inline]
pub fn checksum(packet: &[u8]) -> u32 {
    crate::crc::packet_checksum(packet)
}

/// Iterator over the chunks of an [`SctpPacket`].
#[derive(Debug, Clone)]
pub struct Chunks<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Chunks<'a> {
    type Item = RawChunk<'a>;
    #[inline]
    fn next(&mut self) -> Option<RawChunk<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        match RawChunk::parse(self.rest) {
            Ok((chunk, rest)) => {
                self.rest = rest;
                Some(chunk)
            }
            Err(_) => {
                self.rest = &[];
                None
            }
        }
    }
}

/// Bundles chunks into one SCTP packet in a caller buffer.
///
/// The buffer's length is the size budget (give it `&mut buf[..mtu_payload]`). Chunks are
/// written in place as they are pushed; [`PacketBuilder::finish`] computes the CRC32c and
/// returns the packet length. Each chunk, the last included, is padded to 4 bytes.
#[derive(Debug)]
pub struct PacketBuilder<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> PacketBuilder<'b> {
    /// Starts a packet with the given header.
    pub fn new(buf: &'b mut [u8], header: CommonHeader) -> Result<Self, EmitError> {
        let h = room(buf, COMMON_HEADER_LEN)?;
        put_u16(h, 0, header.source_port);
        put_u16(h, 2, header.destination_port);
        put_u32(h, 4, header.verification_tag);
        put_u32(h, 8, 0);
        Ok(Self {
            buf,
            len: COMMON_HEADER_LEN,
        })
    }

    /// Bytes still free for chunks.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.len
    }

    /// Whether no chunk has been pushed yet.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == COMMON_HEADER_LEN
    }

    /// Whether `chunk` fits in what is left.
    #[inline]
    pub fn fits(&self, chunk: &Chunk<'_>) -> bool {
        chunk.buffer_len() <= self.remaining()
    }

    /// Appends a chunk. If it does not fit, returns
    /// [`EmitError::BufferTooSmall`] and leaves the packet unchanged.
    #[inline]
    pub fn push(&mut self, chunk: &Chunk<'_>) -> Result<(), EmitError> {
        let n = chunk.emit(&mut self.buf[self.len..])?;
        self.len += n;
        Ok(())
    }

    /// Appends an I-DATA chunk header (RFC 8260 section 2.1) and returns the buffer for
    /// its user data, like [`PacketBuilder::push_data_header`].
    pub fn push_idata_header(
        &mut self,
        data: &crate::chunk::IData<'_>,
        user_data_len: usize,
    ) -> Result<&mut [u8], EmitError> {
        const HEADER: usize = CHUNK_HEADER_LEN + crate::chunk::IData::FIXED_LEN;
        let (h, user_data) = self.push_with_user_data(HEADER, user_data_len)?;
        h[0] = crate::chunk::ChunkType::I_DATA.0;
        h[1] = data.flags();
        put_u32(h, 4, data.tsn);
        put_u16(h, 8, data.stream_id);
        put_u16(h, 10, 0);
        put_u32(h, 12, data.mid);
        put_u32(h, 16, data.ppid_or_fsn);
        Ok(user_data)
    }

    /// Appends a DATA chunk header and returns the buffer for its user data, so a caller
    /// can copy (or encrypt) the payload straight into the packet. `user_data_len` bytes
    /// are reserved and must be filled by the caller; padding is zeroed here.
    #[inline]
    pub fn push_data_header(
        &mut self,
        data: &crate::chunk::Data<'_>,
        user_data_len: usize,
    ) -> Result<&mut [u8], EmitError> {
        const HEADER: usize = CHUNK_HEADER_LEN + crate::chunk::Data::FIXED_LEN;
        // The 16 header bytes written directly (the hot path of every DATA packet).
        let (h, user_data) = self.push_with_user_data(HEADER, user_data_len)?;
        h[0] = crate::chunk::ChunkType::DATA.0;
        h[1] = data.flags();
        put_u32(h, 4, data.tsn);
        put_u16(h, 8, data.stream_id);
        put_u16(h, 10, data.ssn);
        put_u32(h, 12, data.ppid.0);
        Ok(user_data)
    }

    /// Reserves a chunk of `header` bytes (its length field written, the rest for the
    /// caller) and `user_data_len` bytes of user data, padding zeroed; returns the two.
    #[inline(always)]
    fn push_with_user_data(
        &mut self,
        header: usize,
        user_data_len: usize,
    ) -> Result<(&mut [u8], &mut [u8]), EmitError> {
        let len = header + user_data_len;
        let len16 = u16::try_from(len).map_err(|_| EmitError::TooLong)?;
        let n = pad4(len);
        let at = self.len;
        let b = room(&mut self.buf[at..], n)?;
        let (h, rest) = b.split_at_mut(header);
        put_u16(h, 2, len16);
        if n > len {
            rest[user_data_len..].fill(0);
        }
        self.len += n;
        Ok((h, &mut rest[..user_data_len]))
    }

    /// Leaves the checksum field zero (RFC 9653, when the peer accepts it) and returns
    /// the packet length.
    pub fn finish_zero_checksum(self) -> usize {
        self.len
    }

    /// Writes the CRC32c and returns the packet length.
    pub fn finish(self) -> usize {
        let packet = &mut self.buf[..self.len];
        let crc = crate::crc::packet_checksum(packet);
        packet[8..12].copy_from_slice(&crc.to_le_bytes());
        self.len
    }
}
