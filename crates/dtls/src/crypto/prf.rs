//! The TLS 1.2 PRF (RFC 5246 §5) and the secrets derived with it.

use ring::{digest, hmac};

/// The hash a cipher suite's PRF uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrfHash {
    /// SHA-256 (the default for TLS 1.2 suites).
    Sha256,
    /// SHA-384 (the `_SHA384` suites).
    Sha384,
}

impl PrfHash {
    fn hmac(self) -> hmac::Algorithm {
        match self {
            PrfHash::Sha256 => hmac::HMAC_SHA256,
            PrfHash::Sha384 => hmac::HMAC_SHA384,
        }
    }

    /// The digest algorithm, for the handshake transcript.
    pub fn digest(self) -> &'static digest::Algorithm {
        match self {
            PrfHash::Sha256 => &digest::SHA256,
            PrfHash::Sha384 => &digest::SHA384,
        }
    }
}

/// `PRF(secret, label, seed)` written to fill `out` (RFC 5246 §5). `seed` is given in parts
/// so callers need not concatenate randoms.
pub fn prf(hash: PrfHash, secret: &[u8], label: &[u8], seed: &[&[u8]], out: &mut [u8]) {
    let key = hmac::Key::new(hash.hmac(), secret);
    // A(1) = HMAC(secret, label + seed)
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(label);
    for s in seed {
        ctx.update(s);
    }
    let mut a = ctx.sign();
    let mut written = 0;
    while written < out.len() {
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(a.as_ref());
        ctx.update(label);
        for s in seed {
            ctx.update(s);
        }
        let block = ctx.sign();
        let n = block.as_ref().len().min(out.len() - written);
        out[written..written + n].copy_from_slice(&block.as_ref()[..n]);
        written += n;
        if written < out.len() {
            a = hmac::sign(&key, a.as_ref());
        }
    }
}

/// Length of the master secret.
pub const MASTER_SECRET_LEN: usize = 48;

/// The extended master secret (RFC 7627 §4): `PRF(pre_master_secret, "extended master
/// secret", session_hash)`, where the session hash covers the handshake up to and including
/// ClientKeyExchange.
pub fn extended_master_secret(
    hash: PrfHash,
    pre_master_secret: &[u8],
    session_hash: &[u8],
) -> [u8; MASTER_SECRET_LEN] {
    let mut out = [0u8; MASTER_SECRET_LEN];
    prf(
        hash,
        pre_master_secret,
        b"extended master secret",
        &[session_hash],
        &mut out,
    );
    out
}

/// Finished's `verify_data` (RFC 5246 §7.4.9): 12 bytes of `PRF(master_secret,
/// finished_label, Hash(handshake_messages))`.
pub fn verify_data(
    hash: PrfHash,
    master_secret: &[u8],
    client: bool,
    transcript_hash: &[u8],
) -> [u8; 12] {
    let label: &[u8] = if client {
        b"client finished"
    } else {
        b"server finished"
    };
    let mut out = [0u8; 12];
    prf(hash, master_secret, label, &[transcript_hash], &mut out);
    out
}

/// The key block (RFC 5246 §6.3): `PRF(master_secret, "key expansion", server_random +
/// client_random)`.
pub fn key_block(
    hash: PrfHash,
    master_secret: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    out: &mut [u8],
) {
    prf(
        hash,
        master_secret,
        b"key expansion",
        &[server_random, client_random],
        out,
    );
}

/// Keying material exporter without context (RFC 5705 §4), as DTLS-SRTP uses it with the
/// label `EXTRACTOR-dtls_srtp` (RFC 5764 §4.2).
pub fn export_keying_material(
    hash: PrfHash,
    master_secret: &[u8],
    label: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    out: &mut [u8],
) {
    prf(
        hash,
        master_secret,
        label,
        &[client_random, server_random],
        out,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // Both vectors were produced by OpenSSL 3.0: `openssl kdf -keylen N -kdfopt digest:SHA256
    // -kdfopt hexsecret:.. -kdfopt hexseed:<"test label" + seed> TLS1-PRF`.
    #[test]
    fn prf_sha256_matches_openssl() {
        let mut out = [0u8; 100];
        prf(
            PrfHash::Sha256,
            &hex("9bbe436ba940f017b17652849a71db35"),
            b"test label",
            &[&hex("a0ba9f936cda311827a6f796ffd5198c")],
            &mut out,
        );
        assert_eq!(
            out.to_vec(),
            hex(
                "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66"
            )
        );
    }

    #[test]
    fn prf_sha384_matches_openssl() {
        let mut out = [0u8; 148];
        prf(
            PrfHash::Sha384,
            &hex("b80b733d6ceefcdc71566ea48e5567df"),
            b"test label",
            &[&hex("cd665cf6a8447dd6ff8b27555edb7465")],
            &mut out,
        );
        assert_eq!(
            out.to_vec(),
            hex(
                "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f"
            )
        );
    }

    #[test]
    fn seed_parts_concatenate() {
        let (mut a, mut b) = ([0u8; 40], [0u8; 40]);
        prf(PrfHash::Sha256, b"k", b"l", &[b"ab", b"cd"], &mut a);
        prf(PrfHash::Sha256, b"k", b"l", &[b"abcd"], &mut b);
        assert_eq!(a, b);
    }
}
