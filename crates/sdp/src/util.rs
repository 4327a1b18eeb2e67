//! Small lexical helpers shared by the typed parsers.

use crate::ValueError;

/// Parses `1*DIGIT` as an unsigned integer, rejecting signs, blanks and overflow.
#[inline]
pub(crate) fn parse_u64(s: &str, field: &'static str) -> Result<u64, ValueError> {
    let bytes = s.as_bytes();
    if bytes.is_empty() || bytes.len() > 20 {
        return Err(ValueError::Invalid { field });
    }
    let mut n: u64 = 0;
    for &b in bytes {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return Err(ValueError::Invalid { field });
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d)))
            .ok_or(ValueError::Invalid { field })?;
    }
    Ok(n)
}

/// Parses `1*DIGIT` into a `u32`.
#[inline]
pub(crate) fn parse_u32(s: &str, field: &'static str) -> Result<u32, ValueError> {
    u32::try_from(parse_u64(s, field)?).map_err(|_| ValueError::Invalid { field })
}

/// Parses `1*DIGIT` into a `u16`.
#[inline]
pub(crate) fn parse_u16(s: &str, field: &'static str) -> Result<u16, ValueError> {
    u16::try_from(parse_u64(s, field)?).map_err(|_| ValueError::Invalid { field })
}

/// Parses an RTP payload type (0..=127).
#[inline]
pub(crate) fn parse_pt(s: &str) -> Result<u8, ValueError> {
    let field = "payload type";
    match parse_u64(s, field)? {
        n @ 0..=127 => Ok(n as u8),
        _ => Err(ValueError::Invalid { field }),
    }
}

/// A token separator: SP, and leniently HTAB and the other control characters, so that a
/// token never holds one (what [`is_word`] checks for untokenized values).
#[inline]
fn is_blank(b: u8) -> bool {
    b <= b' ' || b == 0x7f
}

/// Whether any of the eight bytes of `x` [`is_blank`] (SWAR: exact for "any", which is all
/// that is asked).
#[inline]
fn has_blank(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let below = x.wrapping_sub(0x21 * ONES) & !x & HIGHS;
    let del = x ^ (0x7f * ONES);
    let is_del = del.wrapping_sub(ONES) & !del & HIGHS;
    below | is_del != 0
}

/// Space-separated tokens of a value; runs of blanks count as one separator. Tokens are
/// never empty and hold no blank or control character.
#[derive(Clone, Debug)]
pub(crate) struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    #[inline]
    pub(crate) fn new(s: &'a str) -> Self {
        Self { rest: s }
    }

    /// The next token, or `None` at the end.
    #[inline]
    pub(crate) fn next_token(&mut self) -> Option<&'a str> {
        let bytes = self.rest.as_bytes();
        let mut i = 0;
        while bytes.get(i).is_some_and(|&b| is_blank(b)) {
            i += 1;
        }
        let start = i;
        // Eight bytes at a time while none is a blank (URIs, hashes and addresses are long).
        while let Some(chunk) = bytes.get(i..i + 8) {
            if has_blank(u64::from_le_bytes(
                <[u8; 8]>::try_from(chunk).unwrap_or_default(),
            )) {
                break;
            }
            i += 8;
        }
        while bytes.get(i).is_some_and(|&b| !is_blank(b)) {
            i += 1;
        }
        // Blanks are ASCII, so `start` and `i` are character boundaries.
        let (head, tail) = self.rest.split_at_checked(i)?;
        self.rest = tail;
        head.get(start..).filter(|t| !t.is_empty())
    }

    /// The next token, or a `Missing` error naming `field`.
    #[inline]
    pub(crate) fn expect(&mut self, field: &'static str) -> Result<&'a str, ValueError> {
        self.next_token().ok_or(ValueError::Missing { field })
    }

    /// The unconsumed rest with leading blanks removed (may be empty).
    #[inline]
    pub(crate) fn rest(&self) -> &'a str {
        let bytes = self.rest.as_bytes();
        let mut i = 0;
        while bytes.get(i).is_some_and(|&b| is_blank(b)) {
            i += 1;
        }
        self.rest.get(i..).unwrap_or_default()
    }

    /// Fails with `TrailingData` unless every token was consumed.
    #[inline]
    pub(crate) fn finish(&self) -> Result<(), ValueError> {
        if self.rest().is_empty() {
            Ok(())
        } else {
            Err(ValueError::TrailingData)
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;
    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        self.next_token()
    }
}

/// `token` of RFC 8866 section 9: visible ASCII except a few separators.
#[inline]
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            matches!(b, b'!' | b'#'..=b'\'' | b'*' | b'+' | b'-' | b'.' | b'0'..=b'9'
                | b'A'..=b'Z' | b'^'..=b'~')
        })
}

/// A non-empty string without blanks or control characters (a loose `token`).
#[inline]
pub(crate) fn is_word(s: &str) -> bool {
    // A fold without early exit vectorizes.
    !s.is_empty() && s.bytes().fold(true, |ok, b| ok & (b > b' ') & (b != 0x7f))
}

/// Checks [`is_word`] and reports `field` otherwise.
#[inline]
pub(crate) fn word<'a>(s: &'a str, field: &'static str) -> Result<&'a str, ValueError> {
    if is_word(s) {
        Ok(s)
    } else {
        Err(ValueError::Invalid { field })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_u64("0", "x"), Ok(0));
        assert_eq!(parse_u64("18446744073709551615", "x"), Ok(u64::MAX));
        assert!(parse_u64("18446744073709551616", "x").is_err());
        assert!(parse_u64("+1", "x").is_err());
        assert!(parse_u64("", "x").is_err());
        assert!(parse_u64("1a", "x").is_err());
        assert_eq!(parse_u16("65535", "x"), Ok(65535));
        assert!(parse_u16("65536", "x").is_err());
        assert_eq!(parse_pt("127"), Ok(127));
        assert!(parse_pt("128").is_err());
    }

    #[test]
    fn tokens() {
        let mut t = Tokens::new("  a b\t\tc  ");
        assert_eq!(t.next_token(), Some("a"));
        assert_eq!(t.rest(), "b\t\tc  ");
        assert_eq!(t.next_token(), Some("b"));
        assert_eq!(t.next_token(), Some("c"));
        assert!(t.finish().is_ok());
        assert_eq!(t.next_token(), None);
        assert_eq!(Tokens::new("x y").finish(), Err(ValueError::TrailingData));
    }

    proptest::proptest! {
        #[test]
        fn tokens_match_reference(s in "[ \t\x00-\x21\x7e-\u{a0}a-z]{0,40}") {
            let reference: Vec<&str> = s.split(|c: char| c.is_ascii() && is_blank(c as u8)).filter(|t| !t.is_empty()).collect();
            let ours: Vec<&str> = Tokens::new(&s).collect();
            proptest::prop_assert_eq!(ours, reference);
        }

        #[test]
        fn long_tokens_match_reference(s in "([a-z\u{a0}~]{0,20}[ \t\x7f\x01\x20\x21]){0,4}[a-z]{0,17}") {
            let reference: Vec<&str> = s.split(|c: char| c.is_ascii() && is_blank(c as u8)).filter(|t| !t.is_empty()).collect();
            let ours: Vec<&str> = Tokens::new(&s).collect();
            proptest::prop_assert_eq!(ours, reference);
        }
    }

    #[test]
    fn token_chars() {
        assert!(is_token(
            "UDP/TLS/RTP/SAVPF".split('/').next().unwrap_or("")
        ));
        assert!(!is_token("a b"));
        assert!(!is_token(""));
        assert!(is_word("fd00::2"));
        assert!(!is_word("a\tb"));
    }
}
