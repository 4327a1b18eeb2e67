//! MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT: computing and verifying.
//!
//! RFC 8489 §14.5 (HMAC-SHA1 over the message up to the attribute, with the header's length
//! field counting up to the end of the attribute), §14.6 (the same with HMAC-SHA256, which may
//! be truncated to 16..=32 bytes in steps of 4), §14.7 (CRC-32 XOR 0x5354554e, last attribute).
//!
//! HMAC-SHA1 comes from RustCrypto's `hmac` + `sha1`, which use the CPU's SHA extensions
//! when present (ring's SHA-1 is portable code, about four times slower on a 100-byte
//! message); HMAC-SHA256 from `ring`; CRC-32 from `crc32fast` (PCLMULQDQ where available).

use ::hmac::Mac as _;
use ring::hmac as ring_hmac;

type HmacSha1 = ::hmac::Hmac<sha1::Sha1>;

use crate::attributes::AttrType;
use crate::error::IntegrityError;
use crate::message::{ATTR_HEADER_LEN, HEADER_LEN, Message};

/// XORed into the CRC-32 of FINGERPRINT (RFC 8489 §14.7: "STUN").
pub const FINGERPRINT_XOR: u32 = 0x5354_554e;

/// Length of the MESSAGE-INTEGRITY value.
pub const MESSAGE_INTEGRITY_LEN: usize = 20;

/// A prepared HMAC key for message integrity.
///
/// Make one per credential and keep it: preparing the key hashes it, which costs as much as
/// checking a small message. Build it with [`crate::credentials`] helpers
/// ([`IntegrityKey::short_term`], [`IntegrityKey::long_term`]) or from raw key bytes.
#[derive(Clone)]
pub struct IntegrityKey {
    raw: Vec<u8>,
    /// HMAC-SHA1 with the key's inner and outer pads already hashed.
    sha1: HmacSha1,
    sha256: ring_hmac::Key,
}

impl core::fmt::Debug for IntegrityKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("IntegrityKey(..)")
    }
}

impl IntegrityKey {
    /// A key from its raw bytes (the output of the key derivation, RFC 8489 §9).
    pub fn from_bytes(raw: &[u8]) -> IntegrityKey {
        IntegrityKey {
            raw: raw.to_vec(),
            sha1: HmacSha1::new_from_slice(raw).expect("HMAC accepts keys of any length"),
            sha256: ring_hmac::Key::new(ring_hmac::HMAC_SHA256, raw),
        }
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    pub(crate) fn sign_sha1(&self, parts: [&[u8]; 3]) -> [u8; 20] {
        let mut mac = self.sha1.clone();
        for p in parts {
            mac.update(p);
        }
        mac.finalize().into_bytes().into()
    }

    pub(crate) fn sign_sha256(&self, parts: [&[u8]; 3]) -> ring_hmac::Tag {
        sign(&self.sha256, parts)
    }
}

fn sign(key: &ring_hmac::Key, parts: [&[u8]; 3]) -> ring_hmac::Tag {
    let mut ctx = ring_hmac::Context::with_key(key);
    for p in parts {
        ctx.update(p);
    }
    ctx.sign()
}

/// Constant-time equality of two byte strings of the same length.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    core::hint::black_box(diff) == 0
}

/// The three pieces an integrity or fingerprint computation covers: the first two header
/// bytes, the length field rewritten to end right after the attribute of `attr_total_len`
/// bytes at `offset`, and the bytes from the cookie up to that attribute.
#[inline]
pub(crate) fn covered(
    data: &[u8],
    offset: usize,
    attr_total_len: usize,
) -> ([u8; 2], [u8; 2], &[u8], &[u8]) {
    let length = (offset - HEADER_LEN + attr_total_len) as u16;
    (
        [data[0], data[1]],
        length.to_be_bytes(),
        &data[4..offset],
        &[],
    )
}

impl<T: AsRef<[u8]>> Message<T> {
    /// Verify MESSAGE-INTEGRITY (HMAC-SHA1) with `key`.
    pub fn verify_message_integrity(&self, key: &IntegrityKey) -> Result<(), IntegrityError> {
        let attr = self
            .get(AttrType::MESSAGE_INTEGRITY)
            .ok_or(IntegrityError::Missing)?;
        if attr.value.len() != MESSAGE_INTEGRITY_LEN {
            return Err(IntegrityError::BadLength);
        }
        let data = self.as_bytes();
        let (t, len, rest, _) = covered(data, attr.offset, ATTR_HEADER_LEN + MESSAGE_INTEGRITY_LEN);
        let tag = key.sign_sha1([&t, &len, rest]);
        if ct_eq(tag.as_ref(), attr.value) {
            Ok(())
        } else {
            Err(IntegrityError::Mismatch)
        }
    }

    /// Verify MESSAGE-INTEGRITY-SHA256 (possibly truncated) with `key`.
    pub fn verify_message_integrity_sha256(
        &self,
        key: &IntegrityKey,
    ) -> Result<(), IntegrityError> {
        let attr = self
            .get(AttrType::MESSAGE_INTEGRITY_SHA256)
            .ok_or(IntegrityError::Missing)?;
        let n = attr.value.len();
        if !(16..=32).contains(&n) || n % 4 != 0 {
            return Err(IntegrityError::BadLength);
        }
        let data = self.as_bytes();
        let (t, len, rest, _) = covered(data, attr.offset, ATTR_HEADER_LEN + n);
        let tag = key.sign_sha256([&t, &len, rest]);
        if ct_eq(&tag.as_ref()[..n], attr.value) {
            Ok(())
        } else {
            Err(IntegrityError::Mismatch)
        }
    }

    /// Verify the message's integrity the way RFC 8489 §9.1.3 / §9.2.4 ask: by
    /// MESSAGE-INTEGRITY-SHA256 when present, else by MESSAGE-INTEGRITY.
    pub fn verify_integrity(&self, key: &IntegrityKey) -> Result<(), IntegrityError> {
        if self.get(AttrType::MESSAGE_INTEGRITY_SHA256).is_some() {
            self.verify_message_integrity_sha256(key)
        } else {
            self.verify_message_integrity(key)
        }
    }

    /// Verify FINGERPRINT: present, last, and matching the CRC-32 of what precedes it.
    pub fn verify_fingerprint(&self) -> Result<(), IntegrityError> {
        let attr = self
            .raw_attributes()
            .find(|a| a.attr_type == AttrType::FINGERPRINT)
            .ok_or(IntegrityError::FingerprintMissing)?;
        let data = self.as_bytes();
        if attr.value.len() != 4 {
            return Err(IntegrityError::FingerprintMismatch);
        }
        if attr.offset + 8 != data.len() {
            return Err(IntegrityError::FingerprintNotLast);
        }
        let carried =
            u32::from_be_bytes([attr.value[0], attr.value[1], attr.value[2], attr.value[3]]);
        if fingerprint(data, attr.offset) == carried {
            Ok(())
        } else {
            Err(IntegrityError::FingerprintMismatch)
        }
    }
}

/// The FINGERPRINT value for a FINGERPRINT attribute placed at `offset` of `data`.
pub(crate) fn fingerprint(data: &[u8], offset: usize) -> u32 {
    let (t, len, rest, _) = covered(data, offset, ATTR_HEADER_LEN + 4);
    let mut h = crc32fast::Hasher::new();
    h.update(&t);
    h.update(&len);
    h.update(rest);
    h.finalize() ^ FINGERPRINT_XOR
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ct_eq_works() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
