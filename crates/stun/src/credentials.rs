//! Short-term and long-term credentials (RFC 8489 §9), USERHASH (§14.4) and the NONCE
//! security-feature cookie (§9.2).
//!
//! # String preparation
//! RFC 8489 runs passwords and realms through the PRECIS OpaqueString profile (RFC 8265);
//! RFC 5389 used SASLprep (RFC 4013). Both leave printable ASCII unchanged, which covers ICE
//! credentials (ice-char) and nearly every TURN deployment. This crate:
//! - passes printable ASCII through unchanged (both profiles agree);
//! - refuses ASCII control characters with [`CredentialError::Prohibited`];
//! - prepares any other input with SASLprep (the `stringprep` crate), the RFC 5389 rule that
//!   deployed servers such as coturn follow, and refuses what SASLprep prohibits. For the rare
//!   inputs where SASLprep and OpaqueString differ (compatibility characters that NFKC folds),
//!   the result follows SASLprep.

use std::borrow::Cow;

use md5::{Digest as _, Md5};

use crate::attributes::PasswordAlgorithmId;
use crate::error::CredentialError;
use crate::integrity::IntegrityKey;

/// Prepare a credential string as described in the module docs.
pub fn prepare<'a>(input: &'a str, what: &'static str) -> Result<Cow<'a, str>, CredentialError> {
    if input.is_ascii() {
        if input.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return Err(CredentialError::Prohibited { what });
        }
        return Ok(Cow::Borrowed(input));
    }
    stringprep::saslprep(input).map_err(|_| CredentialError::Prohibited { what })
}

impl IntegrityKey {
    /// The short-term credential key: the prepared password itself (RFC 8489 §9.1.1). This
    /// is the key ICE connectivity checks use, with the remote `ice-pwd` as password.
    pub fn short_term(password: &str) -> Result<IntegrityKey, CredentialError> {
        Ok(IntegrityKey::from_bytes(
            prepare(password, "password")?.as_bytes(),
        ))
    }

    /// The long-term credential key (RFC 8489 §9.2.2):
    /// `H(username ":" OpaqueString(realm) ":" OpaqueString(password))` with H = MD5 or SHA-256.
    pub fn long_term(
        username: &str,
        realm: &str,
        password: &str,
        algorithm: PasswordAlgorithmId,
    ) -> Result<IntegrityKey, CredentialError> {
        let realm = prepare(realm, "realm")?;
        let password = prepare(password, "password")?;
        let parts: [&[u8]; 5] = [
            username.as_bytes(),
            b":",
            realm.as_bytes(),
            b":",
            password.as_bytes(),
        ];
        match algorithm {
            PasswordAlgorithmId::MD5 => {
                let mut h = Md5::new();
                for p in parts {
                    h.update(p);
                }
                Ok(IntegrityKey::from_bytes(&h.finalize()))
            }
            PasswordAlgorithmId::SHA256 => {
                let mut h = ring::digest::Context::new(&ring::digest::SHA256);
                for p in parts {
                    h.update(p);
                }
                Ok(IntegrityKey::from_bytes(h.finish().as_ref()))
            }
            PasswordAlgorithmId(other) => Err(CredentialError::UnsupportedAlgorithm(other)),
        }
    }
}

/// USERHASH (RFC 8489 §14.4): `SHA-256(OpaqueString(username) ":" OpaqueString(realm))`.
pub fn userhash(username: &str, realm: &str) -> Result<[u8; 32], CredentialError> {
    let username = prepare(username, "username")?;
    let realm = prepare(realm, "realm")?;
    let mut h = ring::digest::Context::new(&ring::digest::SHA256);
    h.update(username.as_bytes());
    h.update(b":");
    h.update(realm.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(h.finish().as_ref());
    Ok(out)
}

/// The prefix that marks a NONCE carrying a security feature set (RFC 8489 §9.2).
pub const NONCE_COOKIE: &str = "obMatJos2";

/// The security feature set a server announces in its NONCE (RFC 8489 §9.2, §18.1).
///
/// The 24 bits are numbered from the most significant: bit 0 is "Password algorithms", bit 1
/// "Username anonymity"; the rest are kept as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SecurityFeatures(pub u32);

impl SecurityFeatures {
    /// Bit 0: the server supports PASSWORD-ALGORITHMS.
    pub const PASSWORD_ALGORITHMS: u32 = 1 << 23;
    /// Bit 1: the server supports USERHASH.
    pub const USERNAME_ANONYMITY: u32 = 1 << 22;

    /// Whether the password algorithms feature is set.
    pub const fn password_algorithms(self) -> bool {
        self.0 & Self::PASSWORD_ALGORITHMS != 0
    }

    /// Whether the username anonymity feature is set.
    pub const fn username_anonymity(self) -> bool {
        self.0 & Self::USERNAME_ANONYMITY != 0
    }

    /// Read the feature set from a NONCE value, if it starts with the cookie.
    pub fn from_nonce(nonce: &str) -> Option<SecurityFeatures> {
        let rest = nonce.strip_prefix(NONCE_COOKIE)?;
        let encoded = rest.as_bytes().get(..4)?;
        let mut bits = 0u32;
        for &c in encoded {
            bits = (bits << 6) | u32::from(base64_value(c)?);
        }
        Some(SecurityFeatures(bits))
    }

    /// Build a NONCE value: the cookie, the encoded feature set, then `opaque` (which should
    /// be unguessable and short enough to keep the NONCE under 128 characters).
    pub fn nonce(self, opaque: &str) -> String {
        let mut s = String::with_capacity(NONCE_COOKIE.len() + 4 + opaque.len());
        s.push_str(NONCE_COOKIE);
        for shift in [18, 12, 6, 0] {
            s.push(char::from(BASE64[((self.0 >> shift) & 0x3f) as usize]));
        }
        s.push_str(opaque);
        s
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_term_md5_key_matches_rfc5769_section_2_4() {
        // RFC 5769 §2.4: username "<U+30DE><U+30C8><U+30EA><U+30C3><U+30AF><U+30B9>", realm
        // "example.org", password "The<U+00AD>M<U+00AA>tr<U+2168>" which SASLprep turns
        // into "TheMatrIX"; the key is MD5 of "username:realm:TheMatrIX".
        let username = "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}";
        let key = IntegrityKey::long_term(
            username,
            "example.org",
            "The\u{00AD}M\u{00AA}tr\u{2168}",
            PasswordAlgorithmId::MD5,
        )
        .unwrap();
        let mut expected = Md5::new();
        expected.update(format!("{username}:example.org:TheMatrIX").as_bytes());
        assert_eq!(key.as_bytes(), expected.finalize().as_slice());
    }

    #[test]
    fn prepare_rules() {
        assert_eq!(prepare("abc def", "password").unwrap(), "abc def");
        assert!(matches!(
            prepare("a\u{7}b", "password"),
            Err(CredentialError::Prohibited { .. })
        ));
        assert_eq!(prepare("I\u{00AD}X", "password").unwrap(), "IX");
        assert!(prepare("\u{0007}\u{00e9}", "password").is_err());
    }

    #[test]
    fn security_feature_cookie_round_trip() {
        let f = SecurityFeatures(
            SecurityFeatures::PASSWORD_ALGORITHMS | SecurityFeatures::USERNAME_ANONYMITY,
        );
        let n = f.nonce("f//499k954d6OL34oL9FSTvy64sA");
        assert!(n.starts_with("obMatJos2w"));
        let back = SecurityFeatures::from_nonce(&n).unwrap();
        assert!(back.password_algorithms() && back.username_anonymity());
        assert_eq!(SecurityFeatures::from_nonce("plainnonce"), None);
        assert_eq!(SecurityFeatures::from_nonce("obMatJos2A!"), None);
    }

    #[test]
    fn rfc8489_b1_nonce_decodes() {
        // RFC 8489 Appendix B.1 sample NONCE: "AAAC" is the base64 of the 24-bit set 0x000002.
        let f = SecurityFeatures::from_nonce("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA").unwrap();
        assert_eq!(f.0, 2);
    }

    #[test]
    fn sha256_long_term_differs_from_md5() {
        let a = IntegrityKey::long_term("u", "r", "p", PasswordAlgorithmId::MD5).unwrap();
        let b = IntegrityKey::long_term("u", "r", "p", PasswordAlgorithmId::SHA256).unwrap();
        assert_eq!(a.as_bytes().len(), 16);
        assert_eq!(b.as_bytes().len(), 32);
        assert!(IntegrityKey::long_term("u", "r", "p", PasswordAlgorithmId(9)).is_err());
    }
}
