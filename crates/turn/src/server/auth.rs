//! Long-term credential checks for the server (RFC 8656 section 5, RFC 8489 sections 9.2.4
//! and 9.2.5): stateless nonces, static users and the TURN REST ephemeral usernames.
//!
//! A NONCE is `"{issued:016x}{tag}"` where `issued` counts seconds since the server's epoch
//! and `tag` is the hex of the first 8 bytes of HMAC-SHA1(nonce secret, issued). The server
//! keeps no per-nonce state: it checks the tag and the age.
//!
//! Left out: the RFC 8489 security-feature cookie in the NONCE (PASSWORD-ALGORITHMS, SHA-256
//! keys, USERHASH): the server speaks the RFC 5389 MD5 long-term mechanism that every TURN
//! client supports.

use std::time::Duration;

use hmac::Mac as _;
use strata_stun::{IntegrityKey, PasswordAlgorithmId};

type HmacSha1 = hmac::Hmac<sha1::Sha1>;

/// Length of a nonce in characters.
pub(super) const NONCE_LEN: usize = 32;

fn hmac_sha1(key: &[u8], data: &[u8]) -> [u8; 20] {
    let mut mac = HmacSha1::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn hex_into(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
}

/// A nonce issued at `issued` (seconds since the server's epoch).
pub(super) fn make_nonce(secret: &[u8; 32], issued: u64) -> String {
    let tag = hmac_sha1(secret, &issued.to_be_bytes());
    let mut nonce = String::with_capacity(NONCE_LEN);
    hex_into(&mut nonce, &issued.to_be_bytes());
    hex_into(&mut nonce, &tag[..8]);
    nonce
}

/// Whether `nonce` is one of ours and younger than `lifetime` at `now` (seconds since the
/// epoch).
pub(super) fn nonce_valid(secret: &[u8; 32], nonce: &str, now: u64, lifetime: Duration) -> bool {
    let Some(issued_hex) = nonce.get(..16) else {
        return false;
    };
    let Ok(issued) = u64::from_str_radix(issued_hex, 16) else {
        return false;
    };
    if nonce.len() != NONCE_LEN || issued > now || now - issued >= lifetime.as_secs().max(1) {
        return false;
    }
    // Constant-time enough: the comparison runs over fixed-length strings of our own format.
    let expected = make_nonce(secret, issued);
    expected
        .bytes()
        .zip(nonce.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// A RESERVATION-TOKEN value: the first 8 bytes of HMAC-SHA1(secret, "token" || counter).
pub(super) fn token(secret: &[u8; 32], counter: u64) -> [u8; 8] {
    let mut data = [0u8; 13];
    data[..5].copy_from_slice(b"token");
    data[5..].copy_from_slice(&counter.to_be_bytes());
    let mac = hmac_sha1(secret, &data);
    let mut out = [0u8; 8];
    out.copy_from_slice(&mac[..8]);
    out
}

/// The TURN REST password for `username`: base64(HMAC-SHA1(secret, username)).
pub fn rest_password(secret: &str, username: &str) -> String {
    base64(&hmac_sha1(secret.as_bytes(), username.as_bytes()))
}

/// The expiry (UNIX seconds) of a TURN REST username `expiry[:user]`.
pub(super) fn rest_expiry(username: &str) -> Option<u64> {
    let expiry = username.split_once(':').map_or(username, |(e, _)| e);
    expiry.parse().ok()
}

/// Standard base64 with padding (RFC 4648 section 4).
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The long-term key for a user, or `None` if the credentials cannot be prepared.
pub(super) fn long_term_key(username: &str, realm: &str, password: &str) -> Option<IntegrityKey> {
    IntegrityKey::long_term(username, realm, password, PasswordAlgorithmId::MD5).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, output) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), output);
        }
    }

    #[test]
    fn rest_password_matches_known_value() {
        // HMAC-SHA1(key "key", "The quick brown fox jumps over the lazy dog") is
        // de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9 (the Wikipedia HMAC example).
        assert_eq!(
            rest_password("key", "The quick brown fox jumps over the lazy dog"),
            "3nybhbi3iqa8ino29wqQcBydtNk="
        );
        assert_eq!(rest_expiry("1700000000:alice"), Some(1_700_000_000));
        assert_eq!(rest_expiry("1700000000"), Some(1_700_000_000));
        assert_eq!(rest_expiry("alice"), None);
    }

    #[test]
    fn nonces_verify_and_expire() {
        let secret = [7; 32];
        let n = make_nonce(&secret, 100);
        assert_eq!(n.len(), NONCE_LEN);
        let life = Duration::from_secs(600);
        assert!(nonce_valid(&secret, &n, 100, life));
        assert!(nonce_valid(&secret, &n, 699, life));
        assert!(!nonce_valid(&secret, &n, 700, life));
        assert!(!nonce_valid(&secret, &n, 99, life));
        assert!(!nonce_valid(&[8; 32], &n, 100, life));
        let mut forged = n.clone();
        forged.replace_range(31.., "0");
        assert!(!nonce_valid(&secret, &forged, 100, life) || forged == n);
        assert!(!nonce_valid(&secret, "short", 100, life));
        assert!(!nonce_valid(
            &secret,
            "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
            100,
            life
        ));
        assert!(!nonce_valid(&secret, "é", 100, life));
    }
}
