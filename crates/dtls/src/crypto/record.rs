//! AEAD record protection for DTLS 1.2 (RFC 6347 §4.1.2.1, RFC 5288 §3, RFC 7905 §2).
//!
//! The additional data is `seq_num(8) || type || version || length`, where in DTLS the
//! 64-bit `seq_num` is the epoch followed by the 48-bit record sequence number. AES-GCM's
//! 8-byte explicit nonce is that same 64-bit value (unique per key, as RFC 5288 requires);
//! ChaCha20-Poly1305 XORs it into the 12-byte IV.

use ring::aead;

use super::suite::Aead;

/// A decryption failure: the record is dropped (RFC 6347 §4.1.2.7), the connection lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("record failed to authenticate")]
pub struct BadRecordMac;

/// One direction's record keys.
pub struct RecordCipher {
    aead: Aead,
    key: aead::LessSafeKey,
    iv: [u8; 12],
}

impl core::fmt::Debug for RecordCipher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecordCipher")
            .field("aead", &self.aead)
            .finish_non_exhaustive()
    }
}

fn aad(epoch: u16, seq: u64, content_type: u8, version: u16, len: usize) -> aead::Aad<[u8; 13]> {
    let mut a = [0u8; 13];
    a[..2].copy_from_slice(&epoch.to_be_bytes());
    a[2..8].copy_from_slice(&seq.to_be_bytes()[2..]);
    a[8] = content_type;
    a[9..11].copy_from_slice(&version.to_be_bytes());
    a[11..13].copy_from_slice(&(len as u16).to_be_bytes());
    aead::Aad::from(a)
}

fn epoch_seq(epoch: u16, seq: u64) -> [u8; 8] {
    (u64::from(epoch) << 48 | (seq & 0xFFFF_FFFF_FFFF)).to_be_bytes()
}

impl RecordCipher {
    /// Keys from the key block slices. `key` and `iv` must have the AEAD's lengths.
    pub fn new(aead_kind: Aead, key: &[u8], iv: &[u8]) -> Option<RecordCipher> {
        if key.len() != aead_kind.key_len() || iv.len() != aead_kind.fixed_iv_len() {
            return None;
        }
        let unbound = aead::UnboundKey::new(aead_kind.ring(), key).ok()?;
        let mut full_iv = [0u8; 12];
        full_iv[..iv.len()].copy_from_slice(iv);
        Some(RecordCipher {
            aead: aead_kind,
            key: aead::LessSafeKey::new(unbound),
            iv: full_iv,
        })
    }

    /// Bytes a protected record adds to its plaintext.
    pub fn overhead(&self) -> usize {
        self.aead.explicit_nonce_len() + Aead::TAG_LEN
    }

    fn nonce(&self, explicit: [u8; 8]) -> aead::Nonce {
        let mut n = self.iv;
        match self.aead {
            Aead::Aes128Gcm | Aead::Aes256Gcm => n[4..].copy_from_slice(&explicit),
            Aead::ChaCha20Poly1305 => {
                for (b, e) in n[4..].iter_mut().zip(explicit) {
                    *b ^= e;
                }
            }
        }
        aead::Nonce::assume_unique_for_key(n)
    }

    /// Append the protected form of `plaintext` (explicit nonce, ciphertext, tag) to `out`.
    pub fn seal(
        &self,
        epoch: u16,
        seq: u64,
        content_type: u8,
        version: u16,
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) {
        let explicit = epoch_seq(epoch, seq);
        if self.aead.explicit_nonce_len() > 0 {
            out.extend_from_slice(&explicit);
        }
        let start = out.len();
        out.extend_from_slice(plaintext);
        let tag = self
            .key
            .seal_in_place_separate_tag(
                self.nonce(explicit),
                aad(epoch, seq, content_type, version, plaintext.len()),
                &mut out[start..],
            )
            .expect("plaintext of a DTLS record is far below the AEAD's limit");
        out.extend_from_slice(tag.as_ref());
    }

    /// Decrypt a record's fragment in place and return the plaintext.
    pub fn open<'a>(
        &self,
        epoch: u16,
        seq: u64,
        content_type: u8,
        version: u16,
        fragment: &'a mut [u8],
    ) -> Result<&'a mut [u8], BadRecordMac> {
        let explicit_len = self.aead.explicit_nonce_len();
        if fragment.len() < explicit_len + Aead::TAG_LEN {
            return Err(BadRecordMac);
        }
        let explicit = if explicit_len > 0 {
            let mut e = [0u8; 8];
            e.copy_from_slice(&fragment[..8]);
            e
        } else {
            epoch_seq(epoch, seq)
        };
        let plain_len = fragment.len() - explicit_len - Aead::TAG_LEN;
        let nonce = self.nonce(explicit);
        self.key
            .open_in_place(
                nonce,
                aad(epoch, seq, content_type, version, plain_len),
                &mut fragment[explicit_len..],
            )
            .map_err(|_| BadRecordMac)
            .map(|p| &mut p[..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(aead_kind: Aead) -> RecordCipher {
        let key = vec![7u8; aead_kind.key_len()];
        let iv = vec![9u8; aead_kind.fixed_iv_len()];
        RecordCipher::new(aead_kind, &key, &iv).unwrap()
    }

    #[test]
    fn seal_open_round_trip_every_aead_and_rejects_tampering() {
        for kind in [Aead::Aes128Gcm, Aead::Aes256Gcm, Aead::ChaCha20Poly1305] {
            let c = pair(kind);
            let mut rec = Vec::new();
            c.seal(1, 42, 23, 0xfefd, b"hello dtls", &mut rec);
            assert_eq!(rec.len(), 10 + c.overhead());
            let mut copy = rec.clone();
            assert_eq!(c.open(1, 42, 23, 0xfefd, &mut copy).unwrap(), b"hello dtls");
            // Wrong sequence number, content type, or a flipped bit: all rejected.
            assert!(c.open(1, 43, 23, 0xfefd, &mut rec.clone()).is_err());
            assert!(c.open(1, 42, 22, 0xfefd, &mut rec.clone()).is_err());
            let mut bad = rec.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert!(c.open(1, 42, 23, 0xfefd, &mut bad).is_err());
            assert!(c.open(1, 42, 23, 0xfefd, &mut [0u8; 5]).is_err());
        }
    }
}
