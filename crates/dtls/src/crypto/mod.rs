//! Cryptography for DTLS 1.2, all from `ring` (and `rcgen` / `rustls-webpki` for
//! certificates): the TLS 1.2 PRF (RFC 5246 §5), the extended master secret (RFC 7627 §4),
//! key expansion (RFC 5246 §6.3), Finished (§7.4.9), the keying material exporter
//! (RFC 5705 §4), AEAD record protection (RFC 5288, RFC 7905, with the DTLS sequence number
//! of RFC 6347 §4.1.2.1), ECDHE (RFC 8422) and certificates checked against an SDP
//! fingerprint (RFC 8122, RFC 8827).
//!
//! Nothing here is a hand-written primitive: this module composes ring's HMAC, digests,
//! AEADs, key agreement and signatures.

pub mod cert;
pub mod kx;
pub mod prf;
pub mod record;
pub mod suite;
