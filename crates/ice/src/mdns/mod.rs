//! Multicast DNS for ICE host candidates (RFC 6762, draft-ietf-mmusic-mdns-ice-candidates).
//!
//! Browsers hide their host addresses behind random `<uuid>.local` names. To pair with those
//! candidates an agent must resolve them with mDNS ([`Querier`]); to hide its own it publishes
//! names and answers for them ([`Responder`]). Both are sans-IO, like the agent: feed packets
//! from the mDNS socket (UDP port 5353, group 224.0.0.251 / ff02::fb) and drain
//! `poll_transmit`, call `handle_timeout` at `poll_timeout`. Wiring to the agent: on
//! `Event::ResolveHostname(name)` call [`Querier::query`], and on
//! [`QuerierEvent::Resolved`] call `Agent::resolve_remote_hostname`.
//!
//! The DNS subset lives in [`message`] (bounded, loop-free name decompression).

pub mod message;
mod querier;
mod responder;

pub use querier::{MDNS_V4, MDNS_V6, Querier, QuerierConfig, QuerierEvent, QuerierStats};
pub use responder::{HOST_TTL, LEGACY_UNICAST_TTL, Responder, ResponderConfig, ResponderStats};

/// Errors of the mDNS querier and responder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MdnsError {
    /// The name does not end in `.local` or cannot be encoded.
    #[error("not a .local name")]
    NotLocalName,
    /// Too many queries are pending.
    #[error("too many pending mDNS queries")]
    TooManyPending,
    /// Too many names are published.
    #[error("too many published mDNS names")]
    TooManyNames,
}

/// Whether `name` is a name mDNS resolves: ends in `.local` (with or without the final dot),
/// with at least one label before it, ASCII case-insensitive.
pub fn is_mdns_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    name.len() > ".local".len()
        && name.is_char_boundary(name.len() - ".local".len())
        && name[name.len() - ".local".len()..].eq_ignore_ascii_case(".local")
}

#[cfg(test)]
mod tests;
