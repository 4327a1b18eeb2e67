//! The cryptographic transforms, keyed once per context.
//!
//! - AES-CM (RFC 3711 §4.1.1): AES-128 in counter mode, IV
//!   `(k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16)`; authentication with HMAC-SHA1
//!   (RFC 3711 §4.2.1) whose key schedule (inner and outer padded states) is computed once and
//!   cloned per packet; the AES key schedule is computed once and borrowed per packet.
//! - AES-GCM (RFC 7714 §8.1, §9.1): 12-byte IV `salt XOR (0x0000 || SSRC || ROC || SEQ)` for
//!   SRTP and `salt XOR (0x0000 || SSRC || 0x0000 || 0 || SRTCP index)` for SRTCP.
//!
//! The AES-CM keystream and the SHA-1 compression come from RustCrypto's `aes`, `ctr` and
//! `sha1` (AES-NI and SHA-NI are detected at run time); AES-GCM comes from ring.

use aes::cipher::{InnerIvInit, KeyInit, StreamCipher};
use hmac::{Hmac, Mac};
use ring::aead;

use crate::MasterKey;
use crate::kdf::{Label, derive};

type HmacSha1 = Hmac<sha1::Sha1>;

/// Length of a full HMAC-SHA1 output.
const SHA1_LEN: usize = 20;

/// Per-context keyed transform for SRTP or for SRTCP.
#[allow(
    clippy::large_enum_variant,
    reason = "one per context, kept inline to avoid a pointer chase per packet"
)]
pub(crate) enum Transform {
    AesCm(AesCm),
    Gcm(Gcm),
}

impl Transform {
    /// Derives the session keys for SRTP (`rtcp == false`) or SRTCP and keys the primitives.
    pub(crate) fn new(master: &MasterKey, rtcp: bool) -> Self {
        let profile = master.profile();
        let (enc_label, auth_label, salt_label) = if rtcp {
            (
                Label::RtcpEncryption,
                Label::RtcpAuthentication,
                Label::RtcpSalt,
            )
        } else {
            (
                Label::RtpEncryption,
                Label::RtpAuthentication,
                Label::RtpSalt,
            )
        };
        let key_len = profile.master_key_len();
        let mut key = [0u8; 32];
        derive(master, enc_label, &mut key[..key_len]);
        if profile.is_aead() {
            let mut salt = [0u8; 12];
            derive(master, salt_label, &mut salt);
            let algorithm = if key_len == 32 {
                &aead::AES_256_GCM
            } else {
                &aead::AES_128_GCM
            };
            Self::Gcm(Gcm::new(algorithm, &key[..key_len], salt))
        } else {
            let mut salt = [0u8; 14];
            derive(master, salt_label, &mut salt);
            let mut auth = [0u8; SHA1_LEN];
            derive(master, auth_label, &mut auth);
            Self::AesCm(AesCm::new(&key[..16], salt, &auth))
        }
    }
}

/// AES-128 counter mode plus HMAC-SHA1.
pub(crate) struct AesCm {
    cipher: aes::Aes128Enc,
    salt: [u8; 14],
    auth: HmacSha1,
}

impl AesCm {
    pub(crate) fn new(key: &[u8], salt: [u8; 14], auth_key: &[u8]) -> Self {
        Self {
            cipher: aes::Aes128Enc::new(key.into()),
            salt,
            auth: <HmacSha1 as Mac>::new_from_slice(auth_key)
                .expect("HMAC accepts keys of any length"),
        }
    }

    /// XORs the keystream for packet `index` of `ssrc` into `data` (RFC 3711 §4.1.1).
    #[inline]
    pub(crate) fn apply_keystream(&self, ssrc: u32, index: u64, data: &mut [u8]) {
        let mut iv = [0u8; 16];
        iv[..14].copy_from_slice(&self.salt);
        let ssrc = ssrc.to_be_bytes();
        let index = (index << 16).to_be_bytes();
        for (b, s) in iv[4..8].iter_mut().zip(ssrc) {
            *b ^= s;
        }
        // The 48-bit index sits in bytes 8..14; the last two bytes are the block counter.
        for (b, s) in iv[8..16].iter_mut().zip(index) {
            *b ^= s;
        }
        // Keyed by reference: the expanded key is not copied per packet.
        let core = ctr::CtrCore::<&aes::Aes128Enc, ctr::flavors::Ctr128BE>::inner_iv_init(
            &self.cipher,
            (&iv).into(),
        );
        let mut ctr = ctr::Ctr128BE::<&aes::Aes128Enc>::from_core(core);
        ctr.apply_keystream(data);
    }

    /// HMAC-SHA1 over `data || trailer` (the trailer is the ROC for SRTP, empty for SRTCP).
    #[inline]
    pub(crate) fn tag(&self, data: &[u8], trailer: &[u8]) -> [u8; SHA1_LEN] {
        let mut mac = self.auth.clone();
        mac.update(data);
        mac.update(trailer);
        mac.finalize().into_bytes().into()
    }

    /// Checks a (truncated) tag in constant time.
    #[inline]
    pub(crate) fn verify(&self, data: &[u8], trailer: &[u8], tag: &[u8]) -> bool {
        let expected = self.tag(data, trailer);
        // Branch-free comparison of the (truncated) tag: OR of the XORed bytes. `subtle`'s
        // per-byte optimisation barrier cost ~120 instructions per packet here.
        match expected.get(..tag.len()) {
            Some(expected) if !tag.is_empty() => {
                expected
                    .iter()
                    .zip(tag)
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
            }
            _ => false,
        }
    }
}

/// AES-GCM (RFC 7714).
pub(crate) struct Gcm {
    key: aead::LessSafeKey,
    salt: [u8; 12],
}

/// The AES-GCM tag length (RFC 7714 §13.1).
pub(crate) const GCM_TAG_LEN: usize = 16;

impl Gcm {
    pub(crate) fn new(algorithm: &'static aead::Algorithm, key: &[u8], salt: [u8; 12]) -> Self {
        let key = aead::UnboundKey::new(algorithm, key)
            .expect("key length is fixed by the protection profile");
        Self {
            key: aead::LessSafeKey::new(key),
            salt,
        }
    }

    /// The SRTP IV (RFC 7714 §8.1).
    #[inline]
    pub(crate) fn rtp_nonce(&self, ssrc: u32, roc: u32, seq: u16) -> aead::Nonce {
        let mut iv = [0u8; 12];
        iv[2..6].copy_from_slice(&ssrc.to_be_bytes());
        iv[6..10].copy_from_slice(&roc.to_be_bytes());
        iv[10..12].copy_from_slice(&seq.to_be_bytes());
        self.finish(iv)
    }

    /// The SRTCP IV (RFC 7714 §9.1).
    #[inline]
    pub(crate) fn rtcp_nonce(&self, ssrc: u32, index: u32) -> aead::Nonce {
        let mut iv = [0u8; 12];
        iv[2..6].copy_from_slice(&ssrc.to_be_bytes());
        iv[8..12].copy_from_slice(&(index & 0x7fff_ffff).to_be_bytes());
        self.finish(iv)
    }

    #[inline]
    fn finish(&self, mut iv: [u8; 12]) -> aead::Nonce {
        for (b, s) in iv.iter_mut().zip(self.salt) {
            *b ^= s;
        }
        aead::Nonce::assume_unique_for_key(iv)
    }

    /// Encrypts `in_out` in place and returns the tag.
    #[inline]
    pub(crate) fn seal(
        &self,
        nonce: aead::Nonce,
        aad: &[u8],
        in_out: &mut [u8],
    ) -> [u8; GCM_TAG_LEN] {
        let tag = self
            .key
            .seal_in_place_separate_tag(nonce, aead::Aad::from(aad), in_out)
            .expect("SRTP packets are far below the AES-GCM length limit");
        let mut out = [0u8; GCM_TAG_LEN];
        out.copy_from_slice(tag.as_ref());
        out
    }

    /// Decrypts `ciphertext || tag` in place; `false` when authentication fails (the buffer
    /// content is then unspecified).
    #[inline]
    pub(crate) fn open(&self, nonce: aead::Nonce, aad: &[u8], in_out: &mut [u8]) -> bool {
        self.key
            .open_in_place(nonce, aead::Aad::from(aad), in_out)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::hex;
    use aes::cipher::KeyIvInit;

    /// RFC 3711 Appendix B.2: session key and salt, SSRC 0 and index 0, so the IV is
    /// F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000.
    #[test]
    fn rfc3711_b2_aes_cm_keystream() {
        let salt: [u8; 14] = hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD").try_into().unwrap();
        let cm = AesCm::new(&hex("2B7E151628AED2A6ABF7158809CF4F3C"), salt, &[0; 20]);
        let mut stream = [0u8; 48];
        cm.apply_keystream(0, 0, &mut stream);
        assert_eq!(
            stream.to_vec(),
            hex(concat!(
                "E03EAD0935C95E80E166B16DD92B4EB4",
                "D23513162B02D0F72A43A2FE4A5F97AB",
                "41E95B3BB0A2E8DD477901E4FCA894C0"
            ))
        );
    }

    #[test]
    fn aes_cm_iv_places_ssrc_and_index() {
        // With a zero salt, the keystream for (ssrc, index) equals AES-CTR from the IV built by
        // hand: SSRC in bytes 4..8, index in bytes 8..14.
        let key = [0x11u8; 16];
        let cm = AesCm::new(&key, [0; 14], &[0; 20]);
        let mut a = [0u8; 32];
        cm.apply_keystream(0x0102_0304, 0x0000_5566_7788, &mut a);
        let iv = hex("00000000010203040000556677880000");
        let mut b = [0u8; 32];
        let mut reference = ctr::Ctr128BE::<aes::Aes128>::new((&key).into(), iv.as_slice().into());
        reference.apply_keystream(&mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn verify_accepts_only_the_exact_truncated_tag() {
        let cm = AesCm::new(&[1; 16], [2; 14], &[3; 20]);
        let data = b"header and payload";
        let full = cm.tag(data, &[0, 0, 0, 1]);
        for len in [4usize, 10, 20] {
            let tag = &full[..len];
            assert!(cm.verify(data, &[0, 0, 0, 1], tag));
            assert!(!cm.verify(data, &[0, 0, 0, 2], tag), "ROC is authenticated");
            for i in 0..len {
                let mut bad = tag.to_vec();
                bad[i] ^= 0x80;
                assert!(!cm.verify(data, &[0, 0, 0, 1], &bad), "byte {i} of {len}");
            }
        }
        assert!(!cm.verify(data, &[0, 0, 0, 1], &[]));
        let mut long = full.to_vec();
        long.push(0);
        assert!(!cm.verify(data, &[0, 0, 0, 1], &long));
    }

    /// IVs of RFC 7714 §16.1 (SRTP) and §17.1 (SRTCP).
    #[test]
    fn rfc7714_ivs() {
        let salt: [u8; 12] = hex("517569642070726f2071756f").try_into().unwrap();
        let gcm = Gcm::new(&aead::AES_128_GCM, &[0; 16], salt);
        assert_eq!(
            gcm.rtp_nonce(0x5501_a0b2, 0, 0xf17b).as_ref().to_vec(),
            hex("51753c6580c2726f20718414")
        );
        assert_eq!(
            gcm.rtcp_nonce(0x4d61_7273, 0x8000_05d4).as_ref().to_vec(),
            hex("517524055203726f207170bb")
        );
    }
}
