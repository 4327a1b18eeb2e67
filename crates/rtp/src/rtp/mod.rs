//! RTP packets (RFC 3550 section 5) and their header extensions (RFC 8285).

pub mod extension;
pub mod packet;
pub mod values;

pub use extension::{
    ExtensionBuilder, ExtensionElement, ExtensionElements, ExtensionForm, HeaderExtension,
};
pub use packet::{PayloadType, RtpPacket, RtpRepr};
