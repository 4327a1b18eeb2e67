//! What each supported cipher suite needs from the crypto layer.

use super::prf::PrfHash;

/// The record AEAD of a cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aead {
    /// AES-128-GCM (RFC 5288): 4-byte implicit salt + 8-byte explicit nonce.
    Aes128Gcm,
    /// AES-256-GCM (RFC 5288).
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 7905): 12-byte IV XORed with the sequence number, no explicit
    /// nonce.
    ChaCha20Poly1305,
}

impl Aead {
    /// Key length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            Aead::Aes128Gcm => 16,
            Aead::Aes256Gcm | Aead::ChaCha20Poly1305 => 32,
        }
    }

    /// Length of the implicit ("fixed") IV taken from the key block.
    pub const fn fixed_iv_len(self) -> usize {
        match self {
            Aead::Aes128Gcm | Aead::Aes256Gcm => 4,
            Aead::ChaCha20Poly1305 => 12,
        }
    }

    /// Length of the explicit nonce carried in each record.
    pub const fn explicit_nonce_len(self) -> usize {
        match self {
            Aead::Aes128Gcm | Aead::Aes256Gcm => 8,
            Aead::ChaCha20Poly1305 => 0,
        }
    }

    /// Authentication tag length.
    pub const TAG_LEN: usize = 16;

    pub(crate) fn ring(self) -> &'static ring::aead::Algorithm {
        match self {
            Aead::Aes128Gcm => &ring::aead::AES_128_GCM,
            Aead::Aes256Gcm => &ring::aead::AES_256_GCM,
            Aead::ChaCha20Poly1305 => &ring::aead::CHACHA20_POLY1305,
        }
    }
}

/// How the server authenticates its key exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authentication {
    /// ECDSA certificate (`TLS_ECDHE_ECDSA_*`).
    Ecdsa,
    /// RSA certificate (`TLS_ECDHE_RSA_*`).
    Rsa,
}

/// The parameters of one cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuiteParams {
    /// IANA code point.
    pub id: u16,
    /// Record protection.
    pub aead: Aead,
    /// PRF and transcript hash.
    pub prf: PrfHash,
    /// Server authentication.
    pub authentication: Authentication,
}

impl SuiteParams {
    /// Bytes of key block the suite consumes (RFC 5246 §6.3: two keys, two IVs; AEAD suites
    /// have no MAC keys).
    pub const fn key_block_len(&self) -> usize {
        2 * (self.aead.key_len() + self.aead.fixed_iv_len())
    }
}

/// The suites this crate implements, in our order of preference.
pub const SUPPORTED: [SuiteParams; 6] = [
    SuiteParams {
        id: 0xC02B,
        aead: Aead::Aes128Gcm,
        prf: PrfHash::Sha256,
        authentication: Authentication::Ecdsa,
    },
    SuiteParams {
        id: 0xCCA9,
        aead: Aead::ChaCha20Poly1305,
        prf: PrfHash::Sha256,
        authentication: Authentication::Ecdsa,
    },
    SuiteParams {
        id: 0xC02C,
        aead: Aead::Aes256Gcm,
        prf: PrfHash::Sha384,
        authentication: Authentication::Ecdsa,
    },
    SuiteParams {
        id: 0xC02F,
        aead: Aead::Aes128Gcm,
        prf: PrfHash::Sha256,
        authentication: Authentication::Rsa,
    },
    SuiteParams {
        id: 0xCCA8,
        aead: Aead::ChaCha20Poly1305,
        prf: PrfHash::Sha256,
        authentication: Authentication::Rsa,
    },
    SuiteParams {
        id: 0xC030,
        aead: Aead::Aes256Gcm,
        prf: PrfHash::Sha384,
        authentication: Authentication::Rsa,
    },
];

/// Look up a suite by code point.
pub fn params(id: u16) -> Option<SuiteParams> {
    SUPPORTED.iter().copied().find(|s| s.id == id)
}
