#![doc = include_str!("../README.md")]
//!
//! # Layers
//!
//! - The raw layer ([`SessionDescription`], [`MediaDescription`], [`Line`], [`Attribute`])
//!   keeps every line verbatim, borrowing the input, so that `parse` then `emit` reproduces a
//!   well-formed description byte for byte (RFC 8866 section 5).
//! - The typed layer parses values on demand: field lines ([`Origin`], [`Connection`],
//!   [`Bandwidth`], [`Timing`], [`MediaLine`]) and attributes ([`AttributeValue`] types such
//!   as [`Candidate`], [`RtpMap`], [`Fingerprint`], gathered in [`TypedAttribute`]). Every
//!   typed value formats back to its raw form, which is the builder path.
//! - [`SessionDescription::to_typed`] types everything at once ([`TypedSession`]).
//!
//! # Cost
//!
//! [`SessionDescription::parse`] allocates one vector per section and nothing per line; it
//! checks the grammar of `v=`, `o=`, `s=`, `c=`, `b=`, `t=` and `m=` and splits attributes
//! into name and value. [`SessionDescription::to_typed`] is the "parse fully" step (every
//! attribute typed); [`SessionDescription::emit_string`] serializes into one exactly sized
//! `String`.
//!
//! This crate is a pure codec: no I/O, no clocks, no randomness.

mod attr;
mod error;
mod fields;
mod jsep;
mod line;
mod media;
mod session;
mod typed;
mod util;

pub use attr::*;
pub use error::{ParseError, ValueError};
pub use fields::{Bandwidth, Connection, MediaLine, Origin, Timing};
pub use jsep::{SdpType, SessionDescriptionInit, UnknownSdpType};
pub use line::{Attribute, Field, Line, LineEnding, LineType};
pub use media::MediaDescription;
pub use session::SessionDescription;
pub use typed::{TypedMedia, TypedSession};
