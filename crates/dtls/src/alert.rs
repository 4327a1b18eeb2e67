//! The Alert protocol body (RFC 5246 section 7.2; DTLS uses it unchanged, RFC 6347
//! section 4.1.2.7).
//!
//! An alert record carries exactly one two-byte alert. Left out: deciding what to do
//! with an alert (a fatal alert kills the connection, close_notify closes it): that is the
//! endpoint's job.

use crate::bytes::{Reader, Writer};
use crate::codes::{AlertDescription, AlertLevel};
use crate::{EmitError, ParseError};

/// An Alert: a level and a description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Alert {
    /// warning or fatal.
    pub level: AlertLevel,
    /// What went wrong.
    pub description: AlertDescription,
}

impl Alert {
    /// Length of an alert body.
    pub const LEN: usize = 2;

    /// A fatal alert with the given description.
    #[inline]
    pub const fn fatal(description: AlertDescription) -> Self {
        Self {
            level: AlertLevel::FATAL,
            description,
        }
    }

    /// The warning-level close_notify alert.
    pub const CLOSE_NOTIFY: Self = Self {
        level: AlertLevel::WARNING,
        description: AlertDescription::CLOSE_NOTIFY,
    };

    /// Parses an alert record body, which must be exactly two bytes.
    #[inline]
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        let level = AlertLevel(r.u8()?);
        let description = AlertDescription(r.u8()?);
        r.finish()?;
        Ok(Self { level, description })
    }

    /// Bytes [`Alert::emit`] writes.
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        Self::LEN
    }

    /// Writes the two bytes into the front of `buf`.
    #[inline]
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, Self::LEN)?;
        w.u8(self.level.0)?;
        w.u8(self.description.0)?;
        Ok(Self::LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parse_and_emit() {
        let a = Alert::parse(&[2, 40]).unwrap();
        assert_eq!(a, Alert::fatal(AlertDescription::HANDSHAKE_FAILURE));
        assert!(format!("{a:?}").contains("handshake_failure"));
        let mut b = [0u8; 2];
        assert_eq!(Alert::CLOSE_NOTIFY.emit(&mut b), Ok(2));
        assert_eq!(b, [1, 0]);
        assert_eq!(Alert::parse(&[2]), Err(ParseError::Truncated));
        assert_eq!(Alert::parse(&[2, 40, 0]), Err(ParseError::TrailingData));
        assert!(Alert::CLOSE_NOTIFY.emit(&mut [0u8; 1]).is_err());
    }

    proptest! {
        #[test]
        fn alert_round_trip(level in any::<u8>(), description in any::<u8>()) {
            let a = Alert { level: AlertLevel(level), description: AlertDescription(description) };
            let mut b = [0u8; 2];
            prop_assert_eq!(a.emit(&mut b), Ok(2));
            prop_assert_eq!(Alert::parse(&b), Ok(a));
        }
    }
}
