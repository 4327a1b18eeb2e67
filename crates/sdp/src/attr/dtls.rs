//! DTLS-SRTP attributes: `fingerprint` (RFC 8122 section 5) and `setup` (RFC 4145 section 4,
//! as used by RFC 8842).
//!
//! Left out: `tls-id` (RFC 8842 section 5) and `connection` (RFC 4145 section 5), which stay
//! unknown attributes.

use std::borrow::Cow;
use std::fmt;

use super::{AttributeValue, require};
use crate::ValueError;
use crate::util::{Tokens, is_token};

/// The largest fingerprint held: 64 bytes (SHA-512).
const MAX_FINGERPRINT: usize = 64;

/// `a=fingerprint:<hash-func> <fingerprint>` (RFC 8122 section 5), for example
/// `a=fingerprint:sha-256 64:17:AB:...`.
///
/// The hash function name is kept as written (any `token`; the RFC 8122 names are
/// lower-case). The bytes are stored inline (up to 64, enough for SHA-512) and formatted as
/// upper-case hex pairs separated by colons, as RFC 8122 prescribes.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint<'a> {
    /// `hash-func`: `sha-256`, `sha-384`, `sha-512`, `sha-1`, ...
    pub hash_function: Cow<'a, str>,
    len: u8,
    bytes: [u8; MAX_FINGERPRINT],
}

impl<'a> Fingerprint<'a> {
    /// A fingerprint from a hash name and digest; `None` if the digest is empty or longer
    /// than 64 bytes.
    #[must_use]
    pub fn new(hash_function: impl Into<Cow<'a, str>>, digest: &[u8]) -> Option<Self> {
        if digest.is_empty() || digest.len() > MAX_FINGERPRINT {
            return None;
        }
        let mut bytes = [0; MAX_FINGERPRINT];
        bytes.get_mut(..digest.len())?.copy_from_slice(digest);
        Some(Self {
            hash_function: hash_function.into(),
            len: digest.len() as u8,
            bytes,
        })
    }

    /// Copies a borrowed hash name so the fingerprint no longer borrows the description.
    #[must_use]
    pub fn into_owned(self) -> Fingerprint<'static> {
        Fingerprint {
            hash_function: Cow::Owned(self.hash_function.into_owned()),
            len: self.len,
            bytes: self.bytes,
        }
    }

    /// The digest bytes.
    #[inline]
    #[must_use]
    pub fn digest(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// Parses `<hash-func> <hex>:<hex>...`.
    pub fn parse(value: &'a str) -> Result<Self, ValueError> {
        let mut t = Tokens::new(value);
        let hash = t.expect("hash-func")?;
        if !is_token(hash) {
            return Err(ValueError::Invalid { field: "hash-func" });
        }
        let hex = t.expect("fingerprint")?.as_bytes();
        t.finish()?;
        let invalid = ValueError::Invalid {
            field: "fingerprint",
        };
        // `n` pairs take 3n - 1 characters.
        if (hex.len() + 1) % 3 != 0 {
            return Err(invalid);
        }
        let n = (hex.len() + 1) / 3;
        if n > MAX_FINGERPRINT {
            return Err(invalid);
        }
        // Branch-free decode: an invalid digit maps to 0xff, so its high bits land in
        // `digits`; a wrong separator leaves bits in `separators`.
        let mut bytes = [0; MAX_FINGERPRINT];
        let (mut digits, mut separators) = (0u8, 0u8);
        for (out, pair) in bytes.iter_mut().zip(hex.chunks(3)) {
            let (h, l, sep) = match *pair {
                [h, l, sep] => (h, l, sep),
                [h, l] => (h, l, b':'),
                _ => return Err(invalid),
            };
            let (h, l) = (HEX_VALUE[usize::from(h)], HEX_VALUE[usize::from(l)]);
            digits |= h | l;
            separators |= sep ^ b':';
            *out = (h << 4) | (l & 0x0f);
        }
        if digits & 0xf0 != 0 || separators != 0 {
            return Err(invalid);
        }
        Ok(Self {
            hash_function: Cow::Borrowed(hash),
            len: n as u8,
            bytes,
        })
    }
}

/// Hex digit values; 0xff marks a non-digit.
const HEX_VALUE: [u8; 256] = {
    let mut t = [0xff; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

impl fmt::Debug for Fingerprint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fingerprint")
            .field("hash_function", &self.hash_function)
            .field("digest", &self.digest())
            .finish()
    }
}

impl<'a> AttributeValue<'a> for Fingerprint<'a> {
    const FLAG: bool = false;
    fn accepts(name: &str) -> bool {
        name == "fingerprint"
    }
    fn parse_attribute(_: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        Self::parse(require(value)?)
    }
    fn name(&self) -> &'static str {
        "fingerprint"
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        f.write_str(&self.hash_function)?;
        f.write_str(" ")?;
        // At most 64 * 3 bytes of hex: format on the stack in one write.
        let mut buf = [0u8; MAX_FINGERPRINT * 3];
        let mut n = 0;
        for (i, &b) in self.digest().iter().enumerate() {
            let sep: &[u8] = if i == 0 { &[] } else { b":" };
            for &c in sep
                .iter()
                .chain(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
            {
                if let Some(slot) = buf.get_mut(n) {
                    *slot = c;
                    n += 1;
                }
            }
        }
        let text = buf
            .get(..n)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("");
        f.write_str(text)
    }
}

/// `a=setup:<role>` (RFC 4145 section 4): which side opens the DTLS connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Setup {
    /// `active`: the endpoint initiates (DTLS client).
    Active,
    /// `passive`: the endpoint accepts (DTLS server).
    Passive,
    /// `actpass`: either; JSEP offers always use it (RFC 8842 section 5.3).
    ActPass,
    /// `holdconn`: no connection for now.
    HoldConn,
}

impl Setup {
    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Passive => "passive",
            Self::ActPass => "actpass",
            Self::HoldConn => "holdconn",
        }
    }
}

impl<'a> AttributeValue<'a> for Setup {
    const FLAG: bool = false;
    fn accepts(name: &str) -> bool {
        name == "setup"
    }
    fn parse_attribute(_: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        Ok(match require(value)? {
            "active" => Self::Active,
            "passive" => Self::Passive,
            "actpass" => Self::ActPass,
            "holdconn" => Self::HoldConn,
            _ => return Err(ValueError::Invalid { field: "role" }),
        })
    }
    fn name(&self) -> &'static str {
        "setup"
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROMIUM: &str = "sha-256 64:17:AB:3B:C6:3F:9A:BE:AC:4C:09:2A:82:9A:A8:30:B8:18:E3:FB:B0:E2:C6:38:67:7B:11:37:90:66:D2:16";

    #[test]
    fn fingerprint() {
        let f = Fingerprint::parse(CHROMIUM).unwrap();
        assert_eq!(f.hash_function, "sha-256");
        assert_eq!(f.digest().len(), 32);
        assert_eq!(&f.digest()[..3], &[0x64, 0x17, 0xab]);
        assert_eq!(f.digest()[31], 0x16);
        assert_eq!(f.to_attribute().value.as_deref(), Some(CHROMIUM));
        assert_eq!(f.clone().into_owned(), f);
        let lower = Fingerprint::parse("sha-1 ab:cd").unwrap();
        assert_eq!(lower.digest(), [0xab, 0xcd]);
        assert_eq!(lower.to_attribute().to_string(), "fingerprint:sha-1 AB:CD");
        assert_eq!(Fingerprint::new("sha-1", &[0xab, 0xcd]), Some(lower));
        assert_eq!(Fingerprint::new("sha-1", &[]), None);
        assert_eq!(Fingerprint::new("sha-1", &[0; 65]), None);
    }

    #[test]
    fn fingerprint_invalid() {
        for bad in [
            "sha-256",
            "sha-256 ",
            "sha-256 A",
            "sha-256 AB:",
            "sha-256 AB:C",
            "sha-256 ABC",
            "sha-256 AB;CD",
            "sha-256 G0",
            "sha-256 AB CD",
            "sha 256 AB",
        ] {
            assert!(Fingerprint::parse(bad).is_err(), "{bad}");
        }
        let long = vec!["00"; 65].join(":");
        assert!(Fingerprint::parse(&format!("x {long}")).is_err());
        let max = vec!["FF"; 64].join(":");
        assert_eq!(
            Fingerprint::parse(&format!("sha-512 {max}"))
                .unwrap()
                .digest(),
            [0xff; 64]
        );
    }

    #[test]
    fn setup() {
        assert_eq!(
            Setup::parse_attribute("setup", Some("actpass")),
            Ok(Setup::ActPass)
        );
        assert_eq!(
            Setup::parse_attribute("setup", Some("holdconn")),
            Ok(Setup::HoldConn)
        );
        assert!(Setup::parse_attribute("setup", Some("Active")).is_err());
        assert_eq!(Setup::Passive.to_attribute().to_string(), "setup:passive");
    }
}
