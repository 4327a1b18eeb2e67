//! Typed values of the field lines `o=`, `c=`, `b=`, `t=` and `m=` (RFC 8866 sections 5.2,
//! 5.7, 5.8, 5.9 and 5.14).
//!
//! Left out: typed `r=` (repeat times), `z=` (time zones), `k=` (obsolete keys) and the
//! multicast `/ttl/count` suffixes of `c=` beyond keeping them inside the address string.
//! Those lines are kept verbatim by the raw layer.

use std::borrow::Cow;
use std::fmt;

use crate::ValueError;
use crate::util::{Tokens, parse_u16, parse_u64};

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`
/// (RFC 8866 section 5.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin<'a> {
    /// The user's login, `-` when there is none (JSEP uses `-`).
    pub username: Cow<'a, str>,
    /// `sess-id`, a numeric session identifier.
    pub session_id: u64,
    /// `sess-version`, incremented on each change (RFC 8829 section 5.2.2).
    pub session_version: u64,
    /// `nettype`, `IN` for Internet.
    pub net_type: Cow<'a, str>,
    /// `addrtype`, `IP4` or `IP6`.
    pub address_type: Cow<'a, str>,
    /// `unicast-address` (JSEP uses `127.0.0.1` or `0.0.0.0`).
    pub unicast_address: Cow<'a, str>,
}

impl<'a> Origin<'a> {
    /// Parses the value of an `o=` line.
    pub fn parse(value: &'a str) -> Result<Self, ValueError> {
        let mut t = Tokens::new(value);
        let username = t.expect("username")?;
        let session_id = parse_u64(t.expect("sess-id")?, "sess-id")?;
        let session_version = parse_u64(t.expect("sess-version")?, "sess-version")?;
        let net_type = t.expect("nettype")?;
        let address_type = t.expect("addrtype")?;
        let unicast_address = t.expect("unicast-address")?;
        t.finish()?;
        Ok(Self {
            username: Cow::Borrowed(username),
            session_id,
            session_version,
            net_type: Cow::Borrowed(net_type),
            address_type: Cow::Borrowed(address_type),
            unicast_address: Cow::Borrowed(unicast_address),
        })
    }
}

impl fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {}",
            self.username,
            self.session_id,
            self.session_version,
            self.net_type,
            self.address_type,
            self.unicast_address
        )
    }
}

/// `c=<nettype> <addrtype> <connection-address>` (RFC 8866 section 5.7).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Connection<'a> {
    /// `nettype`, `IN`.
    pub net_type: Cow<'a, str>,
    /// `addrtype`, `IP4` or `IP6`.
    pub address_type: Cow<'a, str>,
    /// The address verbatim, including any multicast `/ttl/count` suffix.
    pub address: Cow<'a, str>,
}

impl<'a> Connection<'a> {
    /// Parses the value of a `c=` line.
    pub fn parse(value: &'a str) -> Result<Self, ValueError> {
        let mut t = Tokens::new(value);
        let net_type = t.expect("nettype")?;
        let address_type = t.expect("addrtype")?;
        let address = t.expect("connection-address")?;
        t.finish()?;
        Ok(Self {
            net_type: Cow::Borrowed(net_type),
            address_type: Cow::Borrowed(address_type),
            address: Cow::Borrowed(address),
        })
    }
}

impl fmt::Display for Connection<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.net_type, self.address_type, self.address
        )
    }
}

/// `b=<bwtype>:<bandwidth>` (RFC 8866 section 5.8), for example `AS:30` or `TIAS:64000`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Bandwidth<'a> {
    /// `bwtype`: `CT`, `AS`, `TIAS` (RFC 3890) or an extension.
    pub bandwidth_type: Cow<'a, str>,
    /// The value, in kbit/s for `AS`/`CT` and bit/s for `TIAS`.
    pub bandwidth: u64,
}

impl<'a> Bandwidth<'a> {
    /// Parses the value of a `b=` line.
    pub fn parse(value: &'a str) -> Result<Self, ValueError> {
        let (ty, bw) = value
            .split_once(':')
            .ok_or(ValueError::Missing { field: "bandwidth" })?;
        if !crate::util::is_token(ty) {
            return Err(ValueError::Invalid { field: "bwtype" });
        }
        Ok(Self {
            bandwidth_type: Cow::Borrowed(ty),
            bandwidth: parse_u64(bw, "bandwidth")?,
        })
    }
}

impl fmt::Display for Bandwidth<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.bandwidth_type, self.bandwidth)
    }
}

/// `t=<start-time> <stop-time>` (RFC 8866 section 5.9); JSEP uses `t=0 0`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Timing {
    /// NTP start time, 0 for unbounded.
    pub start: u64,
    /// NTP stop time, 0 for unbounded.
    pub stop: u64,
}

impl Timing {
    /// Parses the value of a `t=` line.
    pub fn parse(value: &str) -> Result<Self, ValueError> {
        let mut t = Tokens::new(value);
        let start = parse_u64(t.expect("start-time")?, "start-time")?;
        let stop = parse_u64(t.expect("stop-time")?, "stop-time")?;
        t.finish()?;
        Ok(Self { start, stop })
    }
}

impl fmt::Display for Timing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.start, self.stop)
    }
}

/// `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` (RFC 8866 section 5.14).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MediaLine<'a> {
    /// `audio`, `video`, `application`, ...
    pub media: Cow<'a, str>,
    /// Transport port; 9 (discard) or 0 (rejected / bundled-only) in JSEP.
    pub port: u16,
    /// The optional number of ports after `/`.
    pub number_of_ports: Option<u16>,
    /// Transport protocol, such as `UDP/TLS/RTP/SAVPF` or `UDP/DTLS/SCTP`.
    pub proto: Cow<'a, str>,
    /// The media formats verbatim, separated by blanks (at least one). RTP payload types for
    /// RTP profiles, `webrtc-datachannel` for SCTP. See [`MediaLine::formats`].
    pub formats: Cow<'a, str>,
}

impl<'a> MediaLine<'a> {
    /// Parses the value of an `m=` line.
    pub fn parse(value: &'a str) -> Result<Self, ValueError> {
        let mut t = Tokens::new(value);
        let media = t.expect("media")?;
        let port_field = t.expect("port")?;
        let (port, number_of_ports) = match port_field.split_once('/') {
            Some((p, n)) => (
                parse_u16(p, "port")?,
                Some(parse_u16(n, "number of ports")?),
            ),
            None => (parse_u16(port_field, "port")?, None),
        };
        let proto = t.expect("proto")?;
        let formats = t.rest();
        if formats.is_empty() {
            return Err(ValueError::Missing { field: "fmt" });
        }
        if formats.bytes().any(|b| b < b' ' && b != b'\t' || b == 0x7f) {
            return Err(ValueError::Invalid { field: "fmt" });
        }
        Ok(Self {
            media: Cow::Borrowed(media),
            port,
            number_of_ports,
            proto: Cow::Borrowed(proto),
            formats: Cow::Borrowed(formats),
        })
    }

    /// A media line from its parts; `formats` are joined with single spaces.
    #[must_use]
    pub fn new(
        media: impl Into<Cow<'a, str>>,
        port: u16,
        proto: impl Into<Cow<'a, str>>,
        formats: &[&str],
    ) -> Self {
        Self {
            media: media.into(),
            port,
            number_of_ports: None,
            proto: proto.into(),
            formats: Cow::Owned(formats.join(" ")),
        }
    }

    /// The formats, one token each.
    pub fn formats(&self) -> impl Iterator<Item = &str> + '_ {
        Tokens::new(&self.formats)
    }

    /// The formats as RTP payload types; fails on the first format that is not 0..=127.
    pub fn payload_types(&self) -> impl Iterator<Item = Result<u8, ValueError>> + '_ {
        self.formats().map(crate::util::parse_pt)
    }
}

impl fmt::Display for MediaLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.media, self.port)?;
        if let Some(n) = self.number_of_ports {
            write!(f, "/{n}")?;
        }
        write!(f, " {} {}", self.proto, self.formats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin() {
        let o = Origin::parse("- 1365477164264912965 2 IN IP4 127.0.0.1").unwrap();
        assert_eq!(o.username, "-");
        assert_eq!(o.session_id, 1_365_477_164_264_912_965);
        assert_eq!(o.session_version, 2);
        assert_eq!(o.unicast_address, "127.0.0.1");
        assert_eq!(o.to_string(), "- 1365477164264912965 2 IN IP4 127.0.0.1");
        assert_eq!(
            Origin::parse("- 1 2 IN IP4"),
            Err(ValueError::Missing {
                field: "unicast-address"
            })
        );
        assert_eq!(
            Origin::parse("- x 2 IN IP4 a"),
            Err(ValueError::Invalid { field: "sess-id" })
        );
        assert_eq!(
            Origin::parse("- 1 2 IN IP4 a b"),
            Err(ValueError::TrailingData)
        );
    }

    #[test]
    fn connection_bandwidth_timing() {
        let c = Connection::parse("IN IP4 224.2.36.42/127").unwrap();
        assert_eq!(c.address, "224.2.36.42/127");
        assert_eq!(c.to_string(), "IN IP4 224.2.36.42/127");
        let b = Bandwidth::parse("AS:30").unwrap();
        assert_eq!((&*b.bandwidth_type, b.bandwidth), ("AS", 30));
        assert_eq!(b.to_string(), "AS:30");
        assert!(Bandwidth::parse("AS30").is_err());
        assert!(Bandwidth::parse("A S:30").is_err());
        assert_eq!(Timing::parse("0 0"), Ok(Timing { start: 0, stop: 0 }));
        assert!(Timing::parse("0").is_err());
    }

    #[test]
    fn media_line() {
        let m = MediaLine::parse("video 52772 UDP/TLS/RTP/SAVPF 96 97 102").unwrap();
        assert_eq!(m.media, "video");
        assert_eq!(m.port, 52772);
        assert_eq!(m.proto, "UDP/TLS/RTP/SAVPF");
        assert_eq!(m.formats().collect::<Vec<_>>(), ["96", "97", "102"]);
        assert_eq!(
            m.payload_types().collect::<Result<Vec<_>, _>>(),
            Ok(vec![96, 97, 102])
        );
        let m = MediaLine::parse("audio 49170/2 RTP/AVP 0").unwrap();
        assert_eq!(m.number_of_ports, Some(2));
        assert_eq!(m.to_string(), "audio 49170/2 RTP/AVP 0");
        assert_eq!(
            MediaLine::parse("audio 9 RTP/AVP"),
            Err(ValueError::Missing { field: "fmt" })
        );
        assert!(MediaLine::parse("audio 70000 RTP/AVP 0").is_err());
        let m = MediaLine::new("application", 9, "UDP/DTLS/SCTP", &["webrtc-datachannel"]);
        assert_eq!(
            m.to_string(),
            "application 9 UDP/DTLS/SCTP webrtc-datachannel"
        );
    }
}
