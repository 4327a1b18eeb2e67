#![doc = include_str!("../README.md")]
//!
//! # Modules
//!
//! - [`ProtectionProfile`], [`MasterKey`], [`KeyingMaterial`]: profiles (RFC 5764 §4.1.2,
//!   RFC 7714 §14.2) and the DTLS-SRTP key split (RFC 5764 §4.2).
//! - [`Context`], [`Config`]: one direction's cryptographic context (RFC 3711 §3.2) with
//!   per-SSRC rollover counters, SRTCP indices and replay windows.
//! - [`Error`]: why a packet was refused.

mod context;
mod error;
mod kdf;
mod profile;
mod replay;
mod srtcp;
mod srtp;
mod transform;

#[cfg(test)]
mod tests;

pub use context::{Config, Context, DEFAULT_MAX_SSRCS, DEFAULT_REPLAY_WINDOW};
pub use error::Error;
pub use profile::{KeyingMaterial, MasterKey, ProtectionProfile, Role};
pub use replay::MAX_REPLAY_WINDOW;

/// Most bytes protect appends to an RTP packet, over all profiles (the AES-GCM tag).
pub const MAX_RTP_TRAILER_LEN: usize = 16;
/// Most bytes protect appends to an RTCP packet, over all profiles (AES-GCM tag + index word).
pub const MAX_RTCP_TRAILER_LEN: usize = 20;
