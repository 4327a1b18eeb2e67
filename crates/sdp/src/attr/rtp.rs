//! RTP attributes: `rtpmap` and `fmtp` (RFC 8866 sections 6.6 and 6.15), `rtcp-fb`
//! (RFC 4585 section 4.2), `extmap` (RFC 8285 section 8), `rtcp` (RFC 3605 section 2.1),
//! `rtcp-mux` (RFC 5761 section 5.1.1) and `rtcp-rsize` (RFC 5506 section 5).
//!
//! Left out: the codec-specific meaning of `fmtp` parameters (see the codecs crate) and the
//! fine structure of `rtcp-fb` parameters beyond type and subtype.

use std::borrow::Cow;
use std::fmt;

use super::{AttributeValue, Direction, flag_attribute, require};
use crate::ValueError;
use crate::util::{Tokens, parse_pt, parse_u16, parse_u32};

flag_attribute!(
    /// `a=rtcp-mux` (RFC 5761 section 5.1.1): RTP and RTCP share one port.
    RtcpMux,
    "rtcp-mux"
);

flag_attribute!(
    /// `a=rtcp-rsize` (RFC 5506 section 5): reduced-size RTCP is allowed.
    RtcpRsize,
    "rtcp-rsize"
);

/// Splits at the first `/` (a byte scan: these strings are short).
#[inline]
fn split_slash(s: &str) -> (&str, Option<&str>) {
    match s.bytes().position(|b| b == b'/') {
        Some(i) => (s.get(..i).unwrap_or_default(), s.get(i + 1..)),
        None => (s, None),
    }
}

/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`
/// (RFC 8866 section 6.6), for example `a=rtpmap:111 opus/48000/2`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RtpMap<'a> {
    /// The RTP payload type, 0..=127.
    pub payload_type: u8,
    /// The encoding name as written (`opus`, `VP8`, `H264`, `rtx`, ...); compare it
    /// case-insensitively.
    pub encoding_name: Cow<'a, str>,
    /// The RTP clock rate in Hz.
    pub clock_rate: u32,
    /// Encoding parameters: the number of audio channels.
    pub channels: Option<u16>,
}

impl<'a> AttributeValue<'a> for RtpMap<'a> {
    const FLAG: bool = false;
    fn accepts(name: &str) -> bool {
        name == "rtpmap"
    }
    fn parse_attribute(_: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        let mut t = Tokens::new(require(value)?);
        let payload_type = parse_pt(t.expect("payload type")?)?;
        let encoding = t.expect("encoding name")?;
        t.finish()?;
        let (encoding_name, rates) = split_slash(encoding);
        if encoding_name.is_empty() {
            return Err(ValueError::Invalid {
                field: "encoding name",
            });
        }
        let rates = rates.ok_or(ValueError::Missing {
            field: "clock rate",
        })?;
        let (clock_rate, channels) = split_slash(rates);
        let clock_rate = parse_u32(clock_rate, "clock rate")?;
        let channels = channels
            .map(|c| parse_u16(c, "encoding parameters"))
            .transpose()?;
        Ok(Self {
            payload_type,
            encoding_name: Cow::Borrowed(encoding_name),
            clock_rate,
            channels,
        })
    }
    fn name(&self) -> &'static str {
        "rtpmap"
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}/{}",
            self.payload_type, self.encoding_name, self.clock_rate
        )?;
        if let Some(c) = self.channels {
            write!(f, "/{c}")?;
        }
        Ok(())
    }
}

/// `a=fmtp:<format> <format specific parameters>` (RFC 8866 section 6.15), for example
/// `a=fmtp:111 minptime=10;useinbandfec=1`.
///
/// The parameter string is kept verbatim; [`Fmtp::parameters`] splits it into
/// `key[=value]` pairs at `;` on demand, without allocating.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fmtp<'a> {
    /// The RTP payload type the parameters apply to.
    pub payload_type: u8,
    /// The parameters, verbatim.
    pub parameters: Cow<'a, str>,
}

impl<'a> Fmtp<'a> {
    /// Builds the parameter string `k1=v1;k2=v2` from pairs; a `None` value writes the key
    /// alone (as in RED's `111/111`).
    #[must_use]
    pub fn from_pairs(payload_type: u8, pairs: &[(&str, Option<&str>)]) -> Self {
        let mut s = String::new();
        for (i, (k, v)) in pairs.iter().enumerate() {
            if i > 0 {
                s.push(';');
            }
            s.push_str(k);
            if let Some(v) = v {
                s.push('=');
                s.push_str(v);
            }
        }
        Self {
            payload_type,
            parameters: Cow::Owned(s),
        }
    }

    /// The `key[=value]` parameters in order; blanks around keys and values are trimmed and
    /// empty items skipped.
    #[must_use]
    pub fn parameters(&self) -> FmtpParameters<'_> {
        FmtpParameters {
            rest: Some(&self.parameters),
        }
    }

    /// The value of parameter `key` (compared case-insensitively, as RFC 8866 section 6.15
    /// leaves case to the format and most formats use case-insensitive names).
    #[must_use]
    pub fn parameter(&self, key: &str) -> Option<&str> {
        self.parameters()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v)
    }
}

/// Iterator over the `key[=value]` pairs of an [`Fmtp`].
#[derive(Clone, Debug)]
pub struct FmtpParameters<'s> {
    rest: Option<&'s str>,
}

impl<'s> Iterator for FmtpParameters<'s> {
    type Item = (&'s str, Option<&'s str>);
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let rest = self.rest?;
            let item = match rest.split_once(';') {
                Some((item, tail)) => {
                    self.rest = Some(tail);
                    item
                }
                None => {
                    self.rest = None;
                    rest
                }
            };
            let item = item.trim_matches([' ', '\t']);
            if item.is_empty() {
                continue;
            }
            return Some(match item.split_once('=') {
                Some((k, v)) => (
                    k.trim_end_matches([' ', '\t']),
                    Some(v.trim_start_matches([' ', '\t'])),
                ),
                None => (item, None),
            });
        }
    }
}

impl<'a> AttributeValue<'a> for Fmtp<'a> {
    const FLAG: bool = false;
    fn accepts(name: &str) -> bool {
        name == "fmtp"
    }
    fn parse_attribute(_: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        let value = require(value)?;
        let (pt, parameters) = value.split_once(' ').ok_or(ValueError::Missing {
            field: "format specific parameters",
        })?;
        Ok(Self {
            payload_type: parse_pt(pt)?,
            parameters: Cow::Borrowed(parameters),
        })
    }
    fn name(&self) -> &'static str {
        "fmtp"
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.payload_type, self.parameters)
    }
}

/// `a=rtcp-fb:<payload type or *> <type> [<parameters>]` (RFC 4585 section 4.2), for
/// example `a=rtcp-fb:96 nack pli` or `a=rtcp-fb:* transport-cc`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RtcpFb<'a> {
    /// The payload type, `None` for the wildcard `*`.
    pub payload_type: Option<u8>,
    /// The feedback type: `ack`, `nack`, `trr-int`, `ccm`, `goog-remb`, `transport-cc`, ...
    pub feedback_type: Cow<'a, str>,
    /// The rest: the subtype (`pli`, `fir`, `sli`, ...) and any parameters, verbatim.
    pub parameter: Option<Cow<'a, str>>,
}

impl<'a> AttributeValue<'a> for RtcpFb<'a> {
    const FLAG: bool = false;
    fn accepts(name: &str) -> bool {
        name == "rtcp-fb"
    }
    fn parse_attribute(_: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        let mut t = Tokens::new(require(value)?);
        let pt = t.expect("rtcp-fb-pt")?;
        let payload_type = if pt == "*" { None } else { Some(parse_pt(pt)?) };
        let feedback_type = t.expect("rtcp-fb-val")?;
        let rest = t.rest();
        let parameter = if rest.is_empty() {
            None
        } else {
            Some(Cow::Borrowed(rest))
        };
        Ok(Self {
            payload_type,
            feedback_type: Cow::Borrowed(feedback_type),
            parameter,
        })
    }
    fn name(&self) -> &'static str {
        "rtcp-fb"
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.payload_type {
            Some(pt) => write!(f, "{pt}")?,
            None => f.write_str("*")?,
        }
        write!(f, " {}", self.feedback_type)?;
        if let Some(p) = &self.parameter {
            write!(f, " {p}")?;
        }
        Ok(())
    }
}

/// `a=extmap:<value>["/"<direction>] <URI> [<extensionattributes>]` (RFC 8285 section 8).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Extmap<'a> {
    /// The local identifier: 1..=14 for one-byte, 1..=255 for two-byte headers, 4096..=4351
    /// for offers of identifiers not yet assigned.
    pub id: u16,
    /// The direction, if given.
    pub direction: Option<Direction>,
    /// The extension URI.
    pub uri: Cow<'a, str>,
    /// Extension attributes, verbatim.
    pub attributes: Option<Cow<'a, str>>,
}

impl<'a> AttributeValue<'a> for Extmap<'a> {
    const FLAG: bool = false;
    fn accepts(name: &str) -> bool {
        name == "extmap"
    }
    fn parse_attribute(_: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        let mut t = Tokens::new(require(value)?);
        let id_field = t.expect("extmap value")?;
        let (id, direction) = match id_field.split_once('/') {
            Some((id, dir)) => (
                id,
                Some(Direction::from_name(dir).ok_or(ValueError::Invalid { field: "direction" })?),
            ),
            None => (id_field, None),
        };
        let id = parse_u16(id, "extmap value")?;
        if id == 0 {
            return Err(ValueError::Invalid {
                field: "extmap value",
            });
        }
        let uri = t.expect("URI")?;
        let rest = t.rest();
        let attributes = if rest.is_empty() {
            None
        } else {
            Some(Cow::Borrowed(rest))
        };
        Ok(Self {
            id,
            direction,
            uri: Cow::Borrowed(uri),
            attributes,
        })
    }
    fn name(&self) -> &'static str {
        "extmap"
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.id)?;
        if let Some(d) = self.direction {
            write!(f, "/{d}")?;
        }
        write!(f, " {}", self.uri)?;
        if let Some(a) = &self.attributes {
            write!(f, " {a}")?;
        }
        Ok(())
    }
}

/// `a=rtcp:<port> [<nettype> <addrtype> <connection-address>]` (RFC 3605 section 2.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rtcp<'a> {
    /// The RTCP port.
    pub port: u16,
    /// `(nettype, addrtype, connection-address)`, if given.
    pub address: Option<(Cow<'a, str>, Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> AttributeValue<'a> for Rtcp<'a> {
    const FLAG: bool = false;
    fn accepts(name: &str) -> bool {
        name == "rtcp"
    }
    fn parse_attribute(_: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        let mut t = Tokens::new(require(value)?);
        let port = parse_u16(t.expect("port")?, "port")?;
        let address = match t.next_token() {
            Some(net) => {
                let addr_type = t.expect("addrtype")?;
                let addr = t.expect("connection-address")?;
                Some((
                    Cow::Borrowed(net),
                    Cow::Borrowed(addr_type),
                    Cow::Borrowed(addr),
                ))
            }
            None => None,
        };
        t.finish()?;
        Ok(Self { port, address })
    }
    fn name(&self) -> &'static str {
        "rtcp"
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.port)?;
        if let Some((n, t, a)) = &self.address {
            write!(f, " {n} {t} {a}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<'a, T: AttributeValue<'a>>(name: &'a str, value: &'a str) -> Result<T, ValueError> {
        T::parse_attribute(name, Some(value))
    }

    #[test]
    fn rtpmap() {
        let m: RtpMap<'_> = parse("rtpmap", "111 opus/48000/2").unwrap();
        assert_eq!(
            (m.payload_type, &*m.encoding_name, m.clock_rate, m.channels),
            (111, "opus", 48000, Some(2))
        );
        assert_eq!(m.to_attribute().to_string(), "rtpmap:111 opus/48000/2");
        let m: RtpMap<'_> = parse("rtpmap", "96 VP8/90000").unwrap();
        assert_eq!(m.channels, None);
        for bad in [
            "128 x/1",
            "96 VP8",
            "96 /90000",
            "96 VP8/90000/2/1",
            "96 VP8/x",
            "96",
            "96 VP8/1 x",
        ] {
            assert!(parse::<RtpMap<'_>>("rtpmap", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fmtp() {
        let f: Fmtp<'_> = parse(
            "fmtp",
            "102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
        )
        .unwrap();
        assert_eq!(f.payload_type, 102);
        assert_eq!(f.parameter("profile-level-id"), Some("42001f"));
        assert_eq!(f.parameters().count(), 3);
        let f: Fmtp<'_> = parse("fmtp", "63 111/111").unwrap();
        assert_eq!(f.parameters().collect::<Vec<_>>(), [("111/111", None)]);
        let f: Fmtp<'_> = parse("fmtp", "111 minptime=10; useinbandfec = 1;;").unwrap();
        assert_eq!(
            f.parameters().collect::<Vec<_>>(),
            [("minptime", Some("10")), ("useinbandfec", Some("1"))]
        );
        assert_eq!(
            f.to_attribute().to_string(),
            "fmtp:111 minptime=10; useinbandfec = 1;;"
        );
        let built = Fmtp::from_pairs(97, &[("apt", Some("96")), ("x", None)]);
        assert_eq!(built.to_attribute().to_string(), "fmtp:97 apt=96;x");
        assert!(parse::<Fmtp<'_>>("fmtp", "97").is_err());
        assert!(parse::<Fmtp<'_>>("fmtp", "x apt=1").is_err());
    }

    #[test]
    fn rtcp_fb() {
        let f: RtcpFb<'_> = parse("rtcp-fb", "96 nack pli").unwrap();
        assert_eq!(
            (f.payload_type, &*f.feedback_type, f.parameter.as_deref()),
            (Some(96), "nack", Some("pli"))
        );
        let f: RtcpFb<'_> = parse("rtcp-fb", "* transport-cc").unwrap();
        assert_eq!(f.payload_type, None);
        assert_eq!(f.to_attribute().to_string(), "rtcp-fb:* transport-cc");
        assert!(parse::<RtcpFb<'_>>("rtcp-fb", "96").is_err());
    }

    #[test]
    fn extmap() {
        let e: Extmap<'_> = parse(
            "extmap",
            "3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
        )
        .unwrap();
        assert_eq!(e.id, 3);
        assert_eq!(e.direction, None);
        let e: Extmap<'_> = parse("extmap", "4096/recvonly urn:x attr1 attr2").unwrap();
        assert_eq!(
            (e.id, e.direction, &*e.uri, e.attributes.as_deref()),
            (
                4096,
                Some(Direction::RecvOnly),
                "urn:x",
                Some("attr1 attr2")
            )
        );
        assert_eq!(
            e.to_attribute().to_string(),
            "extmap:4096/recvonly urn:x attr1 attr2"
        );
        for bad in ["0 urn:x", "1/up urn:x", "1", "x urn:x"] {
            assert!(parse::<Extmap<'_>>("extmap", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rtcp() {
        let r: Rtcp<'_> = parse("rtcp", "9 IN IP4 0.0.0.0").unwrap();
        assert_eq!(r.port, 9);
        assert_eq!(r.to_attribute().to_string(), "rtcp:9 IN IP4 0.0.0.0");
        let r: Rtcp<'_> = parse("rtcp", "53020").unwrap();
        assert_eq!(r.address, None);
        assert!(parse::<Rtcp<'_>>("rtcp", "9 IN IP4").is_err());
        assert!(parse::<Rtcp<'_>>("rtcp", "9 IN IP4 a b").is_err());
        assert_eq!(
            RtcpMux::parse_attribute("rtcp-mux", Some("")),
            Err(ValueError::UnexpectedValue)
        );
    }
}
