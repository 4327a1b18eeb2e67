//! SCTP chunks (RFC 9260 section 3.2 and 3.3, RFC 3758, RFC 6525, RFC 7053, RFC 8260).
//!
//! [`RawChunk`] is one chunk as framed in a packet (type, flags, value; section 3.2).
//! [`Chunk`] is the typed, borrowing representation of every chunk type this crate knows,
//! with [`Chunk::parse`], [`Chunk::buffer_len`] and [`Chunk::emit`]. Chunk types it does not
//! know (ECNE, CWR, AUTH, PAD, ASCONF, ASCONF-ACK, ...) are kept as [`Chunk::Unknown`] with
//! their raw bytes, so they survive a round trip, and [`ChunkType::action`] tells what
//! section 3.2 says to do with them.
//!
//! Flags that a chunk type does not define are ignored on parse and sent as zero, as
//! section 3.2 requires; so is every reserved field.

mod cause;
mod data;
mod forward_tsn;
mod init;
mod reconfig;
mod sack;
mod simple;

pub use cause::{CauseCode, ErrorCause};
pub use data::{Data, IData, Ppid};
pub use forward_tsn::{ForwardTsn, ForwardTsnStream, IForwardTsn, IForwardTsnStream};
pub use init::{Init, InitParam, ParamType};
pub use reconfig::{ReConfig, ReconfigParam, ReconfigResult};
pub use sack::{GapAckBlock, Sack};
pub use simple::{Abort, CookieEcho, ErrorChunk, Heartbeat, Shutdown, ShutdownComplete};

use crate::bytes::{pad4, put_u16, room, u16_at};
use crate::{EmitError, ParseError};

/// The chunk header length: type, flags, length.
pub const CHUNK_HEADER_LEN: usize = 4;

/// A chunk type (RFC 9260 section 3.2), an open set: unknown types survive a round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ChunkType(pub u8);

impl ChunkType {
    /// Payload Data (DATA), section 3.3.1.
    pub const DATA: Self = Self(0);
    /// Initiation (INIT), section 3.3.2.
    pub const INIT: Self = Self(1);
    /// Initiation Acknowledgement (INIT ACK), section 3.3.3.
    pub const INIT_ACK: Self = Self(2);
    /// Selective Acknowledgement (SACK), section 3.3.4.
    pub const SACK: Self = Self(3);
    /// Heartbeat Request (HEARTBEAT), section 3.3.5.
    pub const HEARTBEAT: Self = Self(4);
    /// Heartbeat Acknowledgement (HEARTBEAT ACK), section 3.3.6.
    pub const HEARTBEAT_ACK: Self = Self(5);
    /// Abort (ABORT), section 3.3.7.
    pub const ABORT: Self = Self(6);
    /// Shutdown Association (SHUTDOWN), section 3.3.8.
    pub const SHUTDOWN: Self = Self(7);
    /// Shutdown Acknowledgement (SHUTDOWN ACK), section 3.3.9.
    pub const SHUTDOWN_ACK: Self = Self(8);
    /// Operation Error (ERROR), section 3.3.10.
    pub const ERROR: Self = Self(9);
    /// State Cookie (COOKIE ECHO), section 3.3.11.
    pub const COOKIE_ECHO: Self = Self(10);
    /// Cookie Acknowledgement (COOKIE ACK), section 3.3.12.
    pub const COOKIE_ACK: Self = Self(11);
    /// Explicit Congestion Notification Echo (ECNE), kept raw.
    pub const ECNE: Self = Self(12);
    /// Congestion Window Reduced (CWR), kept raw.
    pub const CWR: Self = Self(13);
    /// Shutdown Complete (SHUTDOWN COMPLETE), section 3.3.13.
    pub const SHUTDOWN_COMPLETE: Self = Self(14);
    /// Authentication Chunk (AUTH, RFC 4895), kept raw.
    pub const AUTH: Self = Self(15);
    /// I-DATA (RFC 8260 section 2.1).
    pub const I_DATA: Self = Self(64);
    /// Address Configuration Acknowledgement (ASCONF-ACK, RFC 5061), kept raw.
    pub const ASCONF_ACK: Self = Self(0x80);
    /// Re-configuration (RE-CONFIG, RFC 6525 section 3.1).
    pub const RE_CONFIG: Self = Self(0x82);
    /// Padding (PAD, RFC 4820), kept raw.
    pub const PAD: Self = Self(0x84);
    /// Forward Cumulative TSN (FORWARD TSN, RFC 3758 section 3.2).
    pub const FORWARD_TSN: Self = Self(0xc0);
    /// Address Configuration Change (ASCONF, RFC 5061), kept raw.
    pub const ASCONF: Self = Self(0xc1);
    /// I-FORWARD-TSN (RFC 8260 section 2.3).
    pub const I_FORWARD_TSN: Self = Self(0xc2);

    /// What a receiver that does not know this type does with it (the two high-order bits,
    /// section 3.2).
    #[inline]
    pub const fn action(self) -> UnrecognizedAction {
        UnrecognizedAction::from_bits(self.0 >> 6)
    }
}

/// What to do with an unrecognized chunk or parameter: the two high-order bits of its type
/// (RFC 9260 section 3.2 for chunks, section 3.2.1 for parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnrecognizedAction {
    /// `00`: stop processing (the packet for a chunk, the chunk for a parameter) and
    /// discard it.
    Stop,
    /// `01`: stop, discard, and report it (in an ERROR chunk as Unrecognized Chunk Type,
    /// or as an Unrecognized Parameter).
    StopAndReport,
    /// `10`: skip it and continue.
    Skip,
    /// `11`: skip it, continue, and report it.
    SkipAndReport,
}

impl UnrecognizedAction {
    #[inline]
    pub(crate) const fn from_bits(bits: u8) -> Self {
        match bits & 3 {
            0 => Self::Stop,
            1 => Self::StopAndReport,
            2 => Self::Skip,
            _ => Self::SkipAndReport,
        }
    }

    /// Whether processing continues past the unrecognized item.
    #[inline]
    pub const fn skips(self) -> bool {
        matches!(self, Self::Skip | Self::SkipAndReport)
    }

    /// Whether the item is reported to the peer.
    #[inline]
    pub const fn reports(self) -> bool {
        matches!(self, Self::StopAndReport | Self::SkipAndReport)
    }
}

/// One chunk as framed in a packet: type, flags and value (RFC 9260 section 3.2).
///
/// `value` excludes the 4-byte header and the padding. Obtained from
/// [`crate::SctpPacket::chunks`] or [`RawChunk::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawChunk<'a> {
    /// The chunk type.
    pub chunk_type: ChunkType,
    /// The chunk flags.
    pub flags: u8,
    /// The chunk value (the length field minus 4 bytes).
    pub value: &'a [u8],
}

impl<'a> RawChunk<'a> {
    /// Splits one chunk off the front of `buf`, returning it and the bytes after its
    /// padding. Padding missing at the very end of `buf` is accepted.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<(Self, &'a [u8]), ParseError> {
        if buf.len() < CHUNK_HEADER_LEN {
            return Err(ParseError::Truncated);
        }
        let len = usize::from(u16_at(buf, 2));
        if len < CHUNK_HEADER_LEN {
            return Err(ParseError::InvalidLength);
        }
        let value = buf
            .get(CHUNK_HEADER_LEN..len)
            .ok_or(ParseError::Truncated)?;
        let rest = buf.get(pad4(len)..).unwrap_or(&[]);
        Ok((
            Self {
                chunk_type: ChunkType(buf[0]),
                flags: buf[1],
                value,
            },
            rest,
        ))
    }

    /// The chunk length field: header plus value, without padding.
    #[inline]
    pub const fn len(&self) -> usize {
        CHUNK_HEADER_LEN + self.value.len()
    }

    /// Whether the value is empty.
    #[inline]
    pub const fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

/// A typed SCTP chunk borrowing from the packet (or from the caller, to emit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Chunk<'a> {
    /// DATA (type 0).
    Data(Data<'a>),
    /// INIT (type 1).
    Init(Init<'a>),
    /// INIT ACK (type 2); same layout as INIT.
    InitAck(Init<'a>),
    /// SACK (type 3).
    Sack(Sack<'a>),
    /// HEARTBEAT (type 4).
    Heartbeat(Heartbeat<'a>),
    /// HEARTBEAT ACK (type 5); echoes the HEARTBEAT's info.
    HeartbeatAck(Heartbeat<'a>),
    /// ABORT (type 6).
    Abort(Abort<'a>),
    /// SHUTDOWN (type 7).
    Shutdown(Shutdown),
    /// SHUTDOWN ACK (type 8), no value.
    ShutdownAck,
    /// ERROR (type 9).
    Error(ErrorChunk<'a>),
    /// COOKIE ECHO (type 10).
    CookieEcho(CookieEcho<'a>),
    /// COOKIE ACK (type 11), no value.
    CookieAck,
    /// SHUTDOWN COMPLETE (type 14).
    ShutdownComplete(ShutdownComplete),
    /// I-DATA (type 64).
    IData(IData<'a>),
    /// RE-CONFIG (type 130).
    ReConfig(ReConfig<'a>),
    /// FORWARD TSN (type 192).
    ForwardTsn(ForwardTsn<'a>),
    /// I-FORWARD-TSN (type 194).
    IForwardTsn(IForwardTsn<'a>),
    /// Any other chunk type, kept raw. Emitting one whose type is listed above produces
    /// that chunk, which then parses as its typed variant.
    Unknown(RawChunk<'a>),
}

impl<'a> Chunk<'a> {
    /// Parses a framed chunk into its typed representation.
    #[inline]
    pub fn parse(raw: RawChunk<'a>) -> Result<Self, ParseError> {
        let (f, v) = (raw.flags, raw.value);
        Ok(match raw.chunk_type {
            ChunkType::DATA => Chunk::Data(Data::parse(f, v)?),
            ChunkType::SACK => Chunk::Sack(Sack::parse(v)?),
            ChunkType::I_DATA => Chunk::IData(IData::parse(f, v)?),
            ChunkType::INIT => Chunk::Init(Init::parse(v)?),
            ChunkType::INIT_ACK => Chunk::InitAck(Init::parse(v)?),
            ChunkType::HEARTBEAT => Chunk::Heartbeat(Heartbeat::parse(v)?),
            ChunkType::HEARTBEAT_ACK => Chunk::HeartbeatAck(Heartbeat::parse(v)?),
            ChunkType::ABORT => Chunk::Abort(Abort::parse(f, v)?),
            ChunkType::SHUTDOWN => Chunk::Shutdown(Shutdown::parse(v)?),
            ChunkType::SHUTDOWN_ACK => Chunk::ShutdownAck,
            ChunkType::ERROR => Chunk::Error(ErrorChunk::parse(v)?),
            ChunkType::COOKIE_ECHO => Chunk::CookieEcho(CookieEcho { cookie: v }),
            ChunkType::COOKIE_ACK => Chunk::CookieAck,
            ChunkType::SHUTDOWN_COMPLETE => Chunk::ShutdownComplete(ShutdownComplete::parse(f)),
            ChunkType::RE_CONFIG => Chunk::ReConfig(ReConfig::parse(v)?),
            ChunkType::FORWARD_TSN => Chunk::ForwardTsn(ForwardTsn::parse(v)?),
            ChunkType::I_FORWARD_TSN => Chunk::IForwardTsn(IForwardTsn::parse(v)?),
            _ => Chunk::Unknown(raw),
        })
    }

    /// Splits one chunk off the front of `buf` and parses it; returns it and the bytes
    /// after its padding.
    #[inline]
    pub fn parse_bytes(buf: &'a [u8]) -> Result<(Self, &'a [u8]), ParseError> {
        let (raw, rest) = RawChunk::parse(buf)?;
        Ok((Self::parse(raw)?, rest))
    }

    /// The chunk type.
    #[inline]
    pub const fn chunk_type(&self) -> ChunkType {
        match self {
            Chunk::Data(_) => ChunkType::DATA,
            Chunk::Init(_) => ChunkType::INIT,
            Chunk::InitAck(_) => ChunkType::INIT_ACK,
            Chunk::Sack(_) => ChunkType::SACK,
            Chunk::Heartbeat(_) => ChunkType::HEARTBEAT,
            Chunk::HeartbeatAck(_) => ChunkType::HEARTBEAT_ACK,
            Chunk::Abort(_) => ChunkType::ABORT,
            Chunk::Shutdown(_) => ChunkType::SHUTDOWN,
            Chunk::ShutdownAck => ChunkType::SHUTDOWN_ACK,
            Chunk::Error(_) => ChunkType::ERROR,
            Chunk::CookieEcho(_) => ChunkType::COOKIE_ECHO,
            Chunk::CookieAck => ChunkType::COOKIE_ACK,
            Chunk::ShutdownComplete(_) => ChunkType::SHUTDOWN_COMPLETE,
            Chunk::IData(_) => ChunkType::I_DATA,
            Chunk::ReConfig(_) => ChunkType::RE_CONFIG,
            Chunk::ForwardTsn(_) => ChunkType::FORWARD_TSN,
            Chunk::IForwardTsn(_) => ChunkType::I_FORWARD_TSN,
            Chunk::Unknown(r) => r.chunk_type,
        }
    }

    /// The flags byte this chunk is sent with.
    #[inline]
    pub fn flags(&self) -> u8 {
        match self {
            Chunk::Data(d) => d.flags(),
            Chunk::IData(d) => d.flags(),
            Chunk::Abort(a) => u8::from(a.t_bit),
            Chunk::ShutdownComplete(s) => u8::from(s.t_bit),
            Chunk::Unknown(r) => r.flags,
            _ => 0,
        }
    }

    /// The value length: the chunk length field minus the 4-byte header.
    #[inline]
    pub fn value_len(&self) -> usize {
        match self {
            Chunk::Data(d) => d.value_len(),
            Chunk::IData(d) => d.value_len(),
            Chunk::Sack(s) => s.value_len(),
            Chunk::Init(i) | Chunk::InitAck(i) => i.value_len(),
            Chunk::Heartbeat(h) | Chunk::HeartbeatAck(h) => h.value_len(),
            Chunk::Abort(a) => a.causes.wire_len(),
            Chunk::Error(e) => e.causes.wire_len(),
            Chunk::Shutdown(_) => 4,
            Chunk::ShutdownAck | Chunk::CookieAck | Chunk::ShutdownComplete(_) => 0,
            Chunk::CookieEcho(c) => c.cookie.len(),
            Chunk::ReConfig(r) => r.params.wire_len(),
            Chunk::ForwardTsn(f) => f.value_len(),
            Chunk::IForwardTsn(f) => f.value_len(),
            Chunk::Unknown(r) => r.value.len(),
        }
    }

    /// The chunk length field: header plus value, without padding.
    #[inline]
    pub fn chunk_len(&self) -> usize {
        CHUNK_HEADER_LEN + self.value_len()
    }

    /// Bytes [`Chunk::emit`] writes: the chunk padded to a multiple of 4.
    #[inline]
    pub fn buffer_len(&self) -> usize {
        pad4(self.chunk_len())
    }

    /// Writes the chunk, with zero padding, into the front of `buf` and returns
    /// [`Chunk::buffer_len`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let len = self.chunk_len();
        let len16 = u16::try_from(len).map_err(|_| EmitError::TooLong)?;
        let n = pad4(len);
        let b = room(buf, n)?;
        b[0] = self.chunk_type().0;
        b[1] = self.flags();
        put_u16(b, 2, len16);
        let v = &mut b[CHUNK_HEADER_LEN..];
        match self {
            Chunk::Data(d) => d.emit_value(v),
            Chunk::IData(d) => d.emit_value(v),
            Chunk::Sack(s) => s.emit_value(v)?,
            Chunk::Init(i) | Chunk::InitAck(i) => i.emit_value(v)?,
            Chunk::Heartbeat(h) | Chunk::HeartbeatAck(h) => h.emit_value(v)?,
            Chunk::Abort(a) => {
                a.causes.write(v)?;
            }
            Chunk::Error(e) => {
                e.causes.write(v)?;
            }
            Chunk::Shutdown(s) => crate::bytes::put_u32(v, 0, s.cumulative_tsn_ack),
            Chunk::ShutdownAck | Chunk::CookieAck | Chunk::ShutdownComplete(_) => {}
            Chunk::CookieEcho(c) => v[..c.cookie.len()].copy_from_slice(c.cookie),
            Chunk::ReConfig(r) => {
                r.params.write(v)?;
            }
            Chunk::ForwardTsn(f) => f.emit_value(v)?,
            Chunk::IForwardTsn(f) => f.emit_value(v)?,
            Chunk::Unknown(r) => v[..r.value.len()].copy_from_slice(r.value),
        }
        b[len..].fill(0);
        Ok(n)
    }
}
