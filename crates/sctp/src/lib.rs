#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod association;
mod bytes;
pub mod chunk;
mod crc;
pub mod datachannel;
pub mod dcep;
mod error;
pub mod items;
pub mod packet;
pub mod serial;
mod vec_map;

pub use association::Association;
pub use chunk::{Chunk, ChunkType, RawChunk};
pub use dcep::DcepMessage;
pub use error::{EmitError, ParseError};
pub use items::{Items, WireItem};
pub use packet::{CommonHeader, PacketBuilder, SctpPacket};
