//! Protection profiles and DTLS-SRTP keying material.
//!
//! Implements the profile parameters of RFC 3711 §8.2 / RFC 5764 §4.1.2 (AES_CM_128 with
//! HMAC_SHA1_80 and HMAC_SHA1_32) and RFC 7714 §14.2 (AEAD_AES_128_GCM, AEAD_AES_256_GCM), and
//! the split of the DTLS exporter output into client and server master keys and salts
//! (RFC 5764 §4.2). MKI (RFC 3711 §3.1) is not supported.

use std::fmt;

use crate::Error;

/// An SRTP protection profile, named as in RFC 5764 §4.1.2 and RFC 7714 §14.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProtectionProfile {
    /// `SRTP_AES128_CM_HMAC_SHA1_80` (0x0001): AES-128 counter mode, 80-bit HMAC-SHA1 tag.
    Aes128CmHmacSha1_80,
    /// `SRTP_AES128_CM_HMAC_SHA1_32` (0x0002): as above with a 32-bit SRTP tag; SRTCP keeps
    /// the 80-bit tag (RFC 5764 §4.1.2).
    Aes128CmHmacSha1_32,
    /// `SRTP_AEAD_AES_128_GCM` (0x0007), RFC 7714: 16-byte tag.
    AeadAes128Gcm,
    /// `SRTP_AEAD_AES_256_GCM` (0x0008), RFC 7714: 16-byte tag.
    AeadAes256Gcm,
}

impl ProtectionProfile {
    /// Every profile this crate implements, strongest first.
    pub const ALL: [Self; 4] = [
        Self::AeadAes256Gcm,
        Self::AeadAes128Gcm,
        Self::Aes128CmHmacSha1_80,
        Self::Aes128CmHmacSha1_32,
    ];

    /// The profile for a DTLS `use_srtp` protection profile id, if implemented.
    #[must_use]
    pub const fn from_id(id: u16) -> Option<Self> {
        match id {
            0x0001 => Some(Self::Aes128CmHmacSha1_80),
            0x0002 => Some(Self::Aes128CmHmacSha1_32),
            0x0007 => Some(Self::AeadAes128Gcm),
            0x0008 => Some(Self::AeadAes256Gcm),
            _ => None,
        }
    }

    /// The DTLS `use_srtp` protection profile id (RFC 5764 §4.1.2, RFC 7714 §14.2).
    #[must_use]
    pub const fn id(self) -> u16 {
        match self {
            Self::Aes128CmHmacSha1_80 => 0x0001,
            Self::Aes128CmHmacSha1_32 => 0x0002,
            Self::AeadAes128Gcm => 0x0007,
            Self::AeadAes256Gcm => 0x0008,
        }
    }

    /// The profile's name as registered by IANA, e.g. `SRTP_AEAD_AES_128_GCM`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Aes128CmHmacSha1_80 => "SRTP_AES128_CM_HMAC_SHA1_80",
            Self::Aes128CmHmacSha1_32 => "SRTP_AES128_CM_HMAC_SHA1_32",
            Self::AeadAes128Gcm => "SRTP_AEAD_AES_128_GCM",
            Self::AeadAes256Gcm => "SRTP_AEAD_AES_256_GCM",
        }
    }

    /// Whether the profile is an AEAD (AES-GCM) profile.
    #[must_use]
    pub const fn is_aead(self) -> bool {
        matches!(self, Self::AeadAes128Gcm | Self::AeadAes256Gcm)
    }

    /// Master key length in bytes (also the session encryption key length).
    #[must_use]
    pub const fn master_key_len(self) -> usize {
        match self {
            Self::AeadAes256Gcm => 32,
            _ => 16,
        }
    }

    /// Master salt length in bytes: 14 for AES-CM, 12 for AES-GCM.
    #[must_use]
    pub const fn master_salt_len(self) -> usize {
        if self.is_aead() { 12 } else { 14 }
    }

    /// Length of the SRTP authentication tag in bytes.
    #[must_use]
    pub const fn rtp_auth_tag_len(self) -> usize {
        match self {
            Self::Aes128CmHmacSha1_80 => 10,
            Self::Aes128CmHmacSha1_32 => 4,
            Self::AeadAes128Gcm | Self::AeadAes256Gcm => 16,
        }
    }

    /// Length of the SRTCP authentication tag in bytes (80 bits for both AES-CM profiles).
    #[must_use]
    pub const fn rtcp_auth_tag_len(self) -> usize {
        if self.is_aead() { 16 } else { 10 }
    }

    /// Bytes that SRTP protect appends to an RTP packet (the tag).
    #[must_use]
    pub const fn rtp_trailer_len(self) -> usize {
        self.rtp_auth_tag_len()
    }

    /// Bytes that SRTCP protect appends to an RTCP packet (E-bit/index word plus tag).
    #[must_use]
    pub const fn rtcp_trailer_len(self) -> usize {
        4 + self.rtcp_auth_tag_len()
    }

    /// Length of the DTLS exporter output this profile needs: `2 * (key + salt)` (RFC 5764 §4.2).
    #[must_use]
    pub const fn keying_material_len(self) -> usize {
        2 * (self.master_key_len() + self.master_salt_len())
    }
}

impl fmt::Display for ProtectionProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A master key and master salt for one direction of one profile.
///
/// `Debug` does not print the secret bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey {
    profile: ProtectionProfile,
    key: [u8; 32],
    salt: [u8; 14],
}

impl MasterKey {
    /// A master key from its parts; their lengths must match the profile.
    pub fn new(profile: ProtectionProfile, key: &[u8], salt: &[u8]) -> Result<Self, Error> {
        let (key_len, salt_len) = (profile.master_key_len(), profile.master_salt_len());
        if key.len() != key_len {
            return Err(Error::KeyLength {
                what: "master key",
                expected: key_len,
                actual: key.len(),
            });
        }
        if salt.len() != salt_len {
            return Err(Error::KeyLength {
                what: "master salt",
                expected: salt_len,
                actual: salt.len(),
            });
        }
        let mut this = Self {
            profile,
            key: [0; 32],
            salt: [0; 14],
        };
        this.key[..key_len].copy_from_slice(key);
        this.salt[..salt_len].copy_from_slice(salt);
        Ok(this)
    }

    /// A master key from `key || salt` concatenated (the SDES / libsrtp layout).
    pub fn from_concatenated(
        profile: ProtectionProfile,
        key_and_salt: &[u8],
    ) -> Result<Self, Error> {
        let key_len = profile.master_key_len();
        let expected = key_len + profile.master_salt_len();
        if key_and_salt.len() != expected {
            return Err(Error::KeyLength {
                what: "keying material",
                expected,
                actual: key_and_salt.len(),
            });
        }
        let (key, salt) = key_and_salt.split_at(key_len);
        Self::new(profile, key, salt)
    }

    /// The profile this key is for.
    #[must_use]
    pub fn profile(&self) -> ProtectionProfile {
        self.profile
    }

    /// The master key bytes.
    #[must_use]
    pub fn key(&self) -> &[u8] {
        &self.key[..self.profile.master_key_len()]
    }

    /// The master salt bytes.
    #[must_use]
    pub fn salt(&self) -> &[u8] {
        &self.salt[..self.profile.master_salt_len()]
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

/// Which side of the DTLS handshake we were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The DTLS client: its write key is the `client_write_SRTP_master_key`.
    Client,
    /// The DTLS server.
    Server,
}

/// The two master keys of a DTLS-SRTP session, seen from one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyingMaterial {
    /// Our write key: build the outbound (protect) [`Context`](crate::Context) with it.
    pub local: MasterKey,
    /// The peer's write key: build the inbound (unprotect) [`Context`](crate::Context) with it.
    pub remote: MasterKey,
}

impl KeyingMaterial {
    /// Splits the DTLS exporter output (label `EXTRACTOR-dtls_srtp`, length
    /// [`ProtectionProfile::keying_material_len`]) laid out as
    /// `client_key | server_key | client_salt | server_salt` (RFC 5764 §4.2).
    pub fn from_dtls_export(
        profile: ProtectionProfile,
        role: Role,
        exported: &[u8],
    ) -> Result<Self, Error> {
        let expected = profile.keying_material_len();
        if exported.len() != expected {
            return Err(Error::KeyLength {
                what: "keying material",
                expected,
                actual: exported.len(),
            });
        }
        let (keys, salts) = exported.split_at(2 * profile.master_key_len());
        let (client_key, server_key) = keys.split_at(profile.master_key_len());
        let (client_salt, server_salt) = salts.split_at(profile.master_salt_len());
        let client = MasterKey::new(profile, client_key, client_salt)?;
        let server = MasterKey::new(profile, server_key, server_salt)?;
        Ok(match role {
            Role::Client => Self {
                local: client,
                remote: server,
            },
            Role::Server => Self {
                local: server,
                remote: client,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_unknown_is_none() {
        for p in ProtectionProfile::ALL {
            assert_eq!(ProtectionProfile::from_id(p.id()), Some(p));
        }
        assert_eq!(ProtectionProfile::from_id(0x0005), None);
        assert_eq!(ProtectionProfile::from_id(0xffff), None);
    }

    #[test]
    fn lengths_follow_rfc5764_and_rfc7714() {
        use ProtectionProfile::*;
        assert_eq!(Aes128CmHmacSha1_80.keying_material_len(), 60);
        assert_eq!(Aes128CmHmacSha1_32.keying_material_len(), 60);
        assert_eq!(AeadAes128Gcm.keying_material_len(), 56);
        assert_eq!(AeadAes256Gcm.keying_material_len(), 88);
        assert_eq!(Aes128CmHmacSha1_32.rtp_trailer_len(), 4);
        assert_eq!(Aes128CmHmacSha1_32.rtcp_trailer_len(), 14);
        assert_eq!(AeadAes256Gcm.rtcp_trailer_len(), 20);
    }

    #[test]
    fn dtls_export_split_by_role() {
        let p = ProtectionProfile::AeadAes128Gcm;
        let exported: Vec<u8> = (0..56).collect();
        let client = KeyingMaterial::from_dtls_export(p, Role::Client, &exported).unwrap();
        let server = KeyingMaterial::from_dtls_export(p, Role::Server, &exported).unwrap();
        assert_eq!(client.local.key(), &exported[0..16]);
        assert_eq!(client.remote.key(), &exported[16..32]);
        assert_eq!(client.local.salt(), &exported[32..44]);
        assert_eq!(client.remote.salt(), &exported[44..56]);
        assert_eq!(client.local, server.remote);
        assert_eq!(client.remote, server.local);
        assert!(matches!(
            KeyingMaterial::from_dtls_export(p, Role::Client, &exported[..55]),
            Err(Error::KeyLength {
                expected: 56,
                actual: 55,
                ..
            })
        ));
    }

    #[test]
    fn master_key_rejects_wrong_lengths_and_hides_secrets() {
        let p = ProtectionProfile::Aes128CmHmacSha1_80;
        assert!(MasterKey::new(p, &[0; 15], &[0; 14]).is_err());
        assert!(MasterKey::new(p, &[0; 16], &[0; 12]).is_err());
        let k = MasterKey::new(p, &[0xab; 16], &[0xcd; 14]).unwrap();
        assert!(!format!("{k:?}").contains("171"));
        assert!(!format!("{k:?}").to_lowercase().contains("ab"));
    }
}
