//! Ephemeral elliptic-curve Diffie-Hellman (RFC 8422 §5.4, §5.7) over X25519 and P-256.

use ring::agreement;
use ring::rand::SecureRandom;

/// `x25519` (RFC 8422 / RFC 7748).
pub const X25519: u16 = 29;
/// `secp256r1` (P-256), uncompressed points.
pub const SECP256R1: u16 = 23;

/// Key agreement failed: an unsupported group or an invalid peer point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyExchangeError {
    /// A named group we do not implement.
    #[error("unsupported named group {0}")]
    UnsupportedGroup(u16),
    /// The peer's public value is not a valid point (or the shared secret is all zeros).
    #[error("invalid peer public key")]
    InvalidPeerKey,
    /// The random source failed.
    #[error("random source failed")]
    Random,
}

fn algorithm(group: u16) -> Result<&'static agreement::Algorithm, KeyExchangeError> {
    match group {
        X25519 => Ok(&agreement::X25519),
        SECP256R1 => Ok(&agreement::ECDH_P256),
        other => Err(KeyExchangeError::UnsupportedGroup(other)),
    }
}

/// An ephemeral key pair for one handshake.
pub struct EphemeralKey {
    group: u16,
    private: agreement::EphemeralPrivateKey,
    public: Vec<u8>,
}

impl core::fmt::Debug for EphemeralKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EphemeralKey")
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

impl EphemeralKey {
    /// A fresh key pair on `group`.
    pub fn generate(group: u16, rng: &dyn SecureRandom) -> Result<EphemeralKey, KeyExchangeError> {
        let private = agreement::EphemeralPrivateKey::generate(algorithm(group)?, rng)
            .map_err(|_| KeyExchangeError::Random)?;
        let public = private
            .compute_public_key()
            .map_err(|_| KeyExchangeError::Random)?
            .as_ref()
            .to_vec();
        Ok(EphemeralKey {
            group,
            private,
            public,
        })
    }

    /// The named group.
    pub fn group(&self) -> u16 {
        self.group
    }

    /// Our public value as it goes on the wire (32 bytes for X25519, a 65-byte uncompressed
    /// point for P-256).
    pub fn public_key(&self) -> &[u8] {
        &self.public
    }

    /// The premaster secret agreed with the peer's public value (RFC 8422 §5.10: the
    /// X coordinate for P-256, the X25519 output for X25519).
    pub fn agree(self, peer_public: &[u8]) -> Result<Vec<u8>, KeyExchangeError> {
        let peer = agreement::UnparsedPublicKey::new(algorithm(self.group)?, peer_public);
        agreement::agree_ephemeral(self.private, &peer, |secret| secret.to_vec())
            .map_err(|_| KeyExchangeError::InvalidPeerKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_agree_on_each_group() {
        let rng = ring::rand::SystemRandom::new();
        for group in [X25519, SECP256R1] {
            let a = EphemeralKey::generate(group, &rng).unwrap();
            let b = EphemeralKey::generate(group, &rng).unwrap();
            let (pa, pb) = (a.public_key().to_vec(), b.public_key().to_vec());
            assert_eq!(a.agree(&pb).unwrap(), b.agree(&pa).unwrap());
        }
        let a = EphemeralKey::generate(X25519, &rng).unwrap();
        assert_eq!(a.agree(&[0u8; 32]), Err(KeyExchangeError::InvalidPeerKey));
        assert!(matches!(
            EphemeralKey::generate(24, &rng),
            Err(KeyExchangeError::UnsupportedGroup(24))
        ));
    }
}
