//! SRTP key derivation (RFC 3711 §4.3) with the AES-CM PRF (RFC 3711 §4.3.3), as used by
//! every profile here (RFC 7714 §11 for AES-GCM, with AES-256 as PRF for 256-bit master keys).
//!
//! Only `key_derivation_rate = 0` is implemented (the DTLS-SRTP default, RFC 5764 §4.1.2):
//! session keys are derived once, at context creation.

use aes::cipher::{KeyIvInit, StreamCipher};

use crate::MasterKey;

/// Key derivation labels (RFC 3711 §4.3.1, §4.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Label {
    RtpEncryption = 0x00,
    RtpAuthentication = 0x01,
    RtpSalt = 0x02,
    RtcpEncryption = 0x03,
    RtcpAuthentication = 0x04,
    RtcpSalt = 0x05,
}

/// `PRF_n(k_master, x)` with `x = (label || r) XOR master_salt` and `r = 0`: the AES-CM
/// keystream under the master key, IV `x * 2^16`, written into `out`.
///
/// A 96-bit (AES-GCM) master salt is treated as the first 96 bits of the 112-bit value, the
/// remaining 16 bits being zero, as RFC 7714 §11 and libsrtp do.
pub(crate) fn derive(master: &MasterKey, label: Label, out: &mut [u8]) {
    let mut iv = [0u8; 16];
    let salt = master.salt();
    iv[..salt.len()].copy_from_slice(salt);
    // key_id = label || r (48 bits) is 56 bits, aligned to the low end of the 112-bit salt.
    iv[7] ^= label as u8;
    out.fill(0);
    let key = master.key();
    if key.len() == 32 {
        let mut prf = ctr::Ctr128BE::<aes::Aes256>::new(key.into(), (&iv).into());
        prf.apply_keystream(out);
    } else {
        let mut prf = ctr::Ctr128BE::<aes::Aes128>::new(key.into(), (&iv).into());
        prf.apply_keystream(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProtectionProfile;
    use crate::tests::hex;

    /// RFC 3711 Appendix B.3.
    #[test]
    fn rfc3711_b3_key_derivation() {
        let master = MasterKey::new(
            ProtectionProfile::Aes128CmHmacSha1_80,
            &hex("E1F97A0D3E018BE0D64FA32C06DE4139"),
            &hex("0EC675AD498AFEEBB6960B3AABE6"),
        )
        .unwrap();
        let mut key = [0u8; 16];
        derive(&master, Label::RtpEncryption, &mut key);
        assert_eq!(key.to_vec(), hex("C61E7A93744F39EE10734AFE3FF7A087"));
        let mut salt = [0u8; 14];
        derive(&master, Label::RtpSalt, &mut salt);
        assert_eq!(salt.to_vec(), hex("30CBBC08863D8C85D49DB34A9AE1"));
        let mut auth = [0u8; 20];
        derive(&master, Label::RtpAuthentication, &mut auth);
        assert_eq!(
            auth.to_vec(),
            hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4")
        );
    }

    #[test]
    fn labels_give_distinct_keys() {
        let master = MasterKey::new(ProtectionProfile::AeadAes256Gcm, &[7; 32], &[9; 12]).unwrap();
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        derive(&master, Label::RtpEncryption, &mut a);
        derive(&master, Label::RtcpEncryption, &mut b);
        assert_ne!(a, b);
        assert_ne!(a, [0; 32]);
    }
}
