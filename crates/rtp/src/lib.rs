#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod bytes;
mod error;
pub mod items;
pub mod rtcp;
pub mod rtp;
pub mod unwrap;

pub use error::{EmitError, ParseError};
pub use items::{Items, WireItem};
pub use rtcp::{RtcpPacket, RtcpRepr};
pub use rtp::{RtpPacket, RtpRepr};
