//! Media-section identity and grouping attributes: `group` and `mid` (RFC 5888, RFC 8843),
//! direction (RFC 8866 section 6.7), `msid` (RFC 8830), `msid-semantic`, `ssrc` and
//! `ssrc-group` (RFC 5576), `extmap-allow-mixed` (RFC 8285), `sctp-port` and
//! `max-message-size` (RFC 8841).

use std::borrow::Cow;
use std::fmt;

use super::{AttributeValue, flag_attribute, number_attribute, require, word_attribute};
use crate::ValueError;
use crate::util::{Tokens, parse_u16, parse_u32, parse_u64, word};

word_attribute!(
    /// `a=mid:<identification-tag>` (RFC 5888 section 4).
    Mid,
    "mid"
);

flag_attribute!(
    /// `a=extmap-allow-mixed` (RFC 8285 section 6): one- and two-byte header extensions may
    /// be mixed in one stream.
    ExtmapAllowMixed,
    "extmap-allow-mixed"
);

number_attribute!(
    /// `a=sctp-port:<port>` (RFC 8841 section 5).
    SctpPort,
    u16,
    parse_u16,
    "sctp-port"
);

number_attribute!(
    /// `a=max-message-size:<size>` (RFC 8841 section 6); 0 means no limit.
    MaxMessageSize,
    u64,
    parse_u64,
    "max-message-size"
);

/// The media direction attributes (RFC 8866 section 6.7), also used by `extmap`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `sendrecv`, the default when no direction attribute is present.
    #[default]
    SendRecv,
    /// `sendonly`.
    SendOnly,
    /// `recvonly`.
    RecvOnly,
    /// `inactive`.
    Inactive,
}

impl Direction {
    /// The attribute name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SendRecv => "sendrecv",
            Self::SendOnly => "sendonly",
            Self::RecvOnly => "recvonly",
            Self::Inactive => "inactive",
        }
    }

    /// Parses a direction name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "sendrecv" => Self::SendRecv,
            "sendonly" => Self::SendOnly,
            "recvonly" => Self::RecvOnly,
            "inactive" => Self::Inactive,
            _ => return None,
        })
    }

    /// The direction seen from the other side (send and receive swapped).
    #[must_use]
    pub fn reverse(self) -> Self {
        match self {
            Self::SendOnly => Self::RecvOnly,
            Self::RecvOnly => Self::SendOnly,
            d => d,
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'a> AttributeValue<'a> for Direction {
    const FLAG: bool = true;
    #[inline]
    fn accepts(name: &str) -> bool {
        Self::from_name(name).is_some()
    }
    fn parse_attribute(name: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        super::no_value(value)?;
        Self::from_name(name).ok_or(ValueError::WrongName)
    }
    fn name(&self) -> &'static str {
        self.as_str()
    }
    fn fmt_value(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

/// `a=group:<semantics> *(SP <identification-tag>)` (RFC 5888 section 5), for example
/// `a=group:BUNDLE 0 1 2` (RFC 8843).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Group<'a> {
    /// `BUNDLE`, `LS`, `FID`, ...
    pub semantics: Cow<'a, str>,
    /// The `mid`s of the grouped media descriptions, in order.
    pub mids: Vec<Cow<'a, str>>,
}

impl<'a> Group<'a> {
    /// The BUNDLE semantics (RFC 8843).
    pub const BUNDLE: &'static str = "BUNDLE";

    /// A BUNDLE group over `mids`.
    #[must_use]
    pub fn bundle<I, S>(mids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Cow<'a, str>>,
    {
        Self {
            semantics: Cow::Borrowed(Self::BUNDLE),
            mids: mids.into_iter().map(Into::into).collect(),
        }
    }
}

impl<'a> AttributeValue<'a> for Group<'a> {
    const FLAG: bool = false;
    fn accepts(name: &str) -> bool {
        name == "group"
    }
    fn parse_attribute(_: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        let mut t = Tokens::new(require(value)?);
        let semantics = t.expect("semantics")?;
        Ok(Self {
            semantics: Cow::Borrowed(semantics),
            mids: t.map(Cow::Borrowed).collect(),
        })
    }
    fn name(&self) -> &'static str {
        "group"
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.semantics)?;
        for mid in &self.mids {
            write!(f, " {mid}")?;
        }
        Ok(())
    }
}

/// `a=msid-semantic: <semantic> *(SP <identifier>)`, for example `a=msid-semantic: WMS *`.
///
/// From draft-ietf-mmusic-msid (dropped from RFC 8830) but still emitted by browsers and
/// aiortc. The formatter writes the leading blank Chromium writes; the parser accepts both.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MsidSemantic<'a> {
    /// `WMS` in practice.
    pub semantic: Cow<'a, str>,
    /// Media stream identifiers, or `*`.
    pub identifiers: Vec<Cow<'a, str>>,
}

impl<'a> AttributeValue<'a> for MsidSemantic<'a> {
    const FLAG: bool = false;
    fn accepts(name: &str) -> bool {
        name == "msid-semantic"
    }
    fn parse_attribute(_: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        let mut t = Tokens::new(require(value)?);
        let semantic = t.expect("msid-semantic")?;
        Ok(Self {
            semantic: Cow::Borrowed(semantic),
            identifiers: t.map(Cow::Borrowed).collect(),
        })
    }
    fn name(&self) -> &'static str {
        "msid-semantic"
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, " {}", self.semantic)?;
        for id in &self.identifiers {
            write!(f, " {id}")?;
        }
        Ok(())
    }
}

/// `a=msid:<msid-id> [<msid-appdata>]` (RFC 8830 section 2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Msid<'a> {
    /// The MediaStream id (`-` for none).
    pub stream_id: Cow<'a, str>,
    /// The application data, in WebRTC the MediaStreamTrack id.
    pub app_data: Option<Cow<'a, str>>,
}

impl<'a> AttributeValue<'a> for Msid<'a> {
    const FLAG: bool = false;
    fn accepts(name: &str) -> bool {
        name == "msid"
    }
    fn parse_attribute(_: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        let mut t = Tokens::new(require(value)?);
        let stream_id = t.expect("msid-id")?;
        let app_data = t.next_token().map(Cow::Borrowed);
        t.finish()?;
        Ok(Self {
            stream_id: Cow::Borrowed(stream_id),
            app_data,
        })
    }
    fn name(&self) -> &'static str {
        "msid"
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.stream_id)?;
        if let Some(a) = &self.app_data {
            write!(f, " {a}")?;
        }
        Ok(())
    }
}

/// `a=ssrc:<ssrc-id> <attribute>[:<value>]` (RFC 5576 section 4.1), for example
/// `a=ssrc:3115004176 cname:OAz5XyFe1x3+YI30`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ssrc<'a> {
    /// The synchronization source.
    pub ssrc: u32,
    /// The source attribute name (`cname`, `msid`, ...).
    pub attribute: Cow<'a, str>,
    /// The source attribute value, verbatim (may contain blanks, as `msid` does).
    pub value: Option<Cow<'a, str>>,
}

impl<'a> AttributeValue<'a> for Ssrc<'a> {
    const FLAG: bool = false;
    fn accepts(name: &str) -> bool {
        name == "ssrc"
    }
    fn parse_attribute(_: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        let mut t = Tokens::new(require(value)?);
        let ssrc = parse_u32(t.expect("ssrc-id")?, "ssrc-id")?;
        let rest = t.rest();
        let (attribute, value) = match rest.split_once(':') {
            Some((a, v)) => (a, Some(Cow::Borrowed(v))),
            None => (rest, None),
        };
        let attribute = word(attribute, "attribute")?;
        Ok(Self {
            ssrc,
            attribute: Cow::Borrowed(attribute),
            value,
        })
    }
    fn name(&self) -> &'static str {
        "ssrc"
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.ssrc, self.attribute)?;
        if let Some(v) = &self.value {
            write!(f, ":{v}")?;
        }
        Ok(())
    }
}

/// `a=ssrc-group:<semantics> *(SP <ssrc-id>)` (RFC 5576 section 4.2), for example
/// `a=ssrc-group:FID 836509962 833551736`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SsrcGroup<'a> {
    /// `FID` (RFC 5576/4588), `SIM`, `FEC-FR`, ...
    pub semantics: Cow<'a, str>,
    /// The sources, in order.
    pub ssrcs: Vec<u32>,
}

impl<'a> AttributeValue<'a> for SsrcGroup<'a> {
    const FLAG: bool = false;
    fn accepts(name: &str) -> bool {
        name == "ssrc-group"
    }
    fn parse_attribute(_: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        let mut t = Tokens::new(require(value)?);
        let semantics = t.expect("semantics")?;
        let ssrcs = t
            .map(|s| parse_u32(s, "ssrc-id"))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            semantics: Cow::Borrowed(semantics),
            ssrcs,
        })
    }
    fn name(&self) -> &'static str {
        "ssrc-group"
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.semantics)?;
        for s in &self.ssrcs {
            write!(f, " {s}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Attribute, TypedAttribute};

    fn typed(text: &str) -> Result<TypedAttribute<'_>, ValueError> {
        let (n, v) = match text.split_once(':') {
            Some((n, v)) => (n, Some(v)),
            None => (text, None),
        };
        TypedAttribute::parse(n, v)
    }

    #[test]
    fn group() {
        let Ok(TypedAttribute::Group(g)) = typed("group:BUNDLE 0 1 2") else {
            panic!()
        };
        assert_eq!(g.semantics, "BUNDLE");
        assert_eq!(g.mids, ["0", "1", "2"]);
        assert_eq!(g.to_attribute().to_string(), "group:BUNDLE 0 1 2");
        assert_eq!(
            Group::bundle(["a"]).to_attribute().to_string(),
            "group:BUNDLE a"
        );
        assert_eq!(
            typed("group:"),
            Err(ValueError::Missing { field: "semantics" })
        );
        assert_eq!(typed("group"), Err(ValueError::MissingValue));
    }

    #[test]
    fn msid_semantic() {
        let Ok(TypedAttribute::MsidSemantic(m)) = typed("msid-semantic: WMS a b") else {
            panic!()
        };
        assert_eq!(m.semantic, "WMS");
        assert_eq!(m.identifiers, ["a", "b"]);
        assert_eq!(m.to_attribute().to_string(), "msid-semantic: WMS a b");
        let Ok(TypedAttribute::MsidSemantic(m)) = typed("msid-semantic:WMS *") else {
            panic!()
        };
        assert_eq!(m.identifiers, ["*"]);
    }

    #[test]
    fn direction_and_flags() {
        assert_eq!(
            typed("sendonly"),
            Ok(TypedAttribute::Direction(Direction::SendOnly))
        );
        assert_eq!(typed("inactive:x"), Err(ValueError::UnexpectedValue));
        assert_eq!(Direction::SendOnly.reverse(), Direction::RecvOnly);
        assert_eq!(
            Direction::RecvOnly.to_attribute(),
            Attribute::flag("recvonly")
        );
        assert_eq!(
            typed("extmap-allow-mixed"),
            Ok(TypedAttribute::ExtmapAllowMixed(ExtmapAllowMixed))
        );
        assert_eq!(
            Attribute::new("mid", "x").get::<Direction>(),
            None,
            "get returns None for another name"
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(
            typed("sctp-port:5000"),
            Ok(TypedAttribute::SctpPort(SctpPort(5000)))
        );
        assert_eq!(
            typed("sctp-port:70000"),
            Err(ValueError::Invalid { field: "sctp-port" })
        );
        assert_eq!(
            typed("max-message-size:262144"),
            Ok(TypedAttribute::MaxMessageSize(MaxMessageSize(262_144)))
        );
        assert_eq!(
            MaxMessageSize(0).to_attribute().to_string(),
            "max-message-size:0"
        );
    }

    #[test]
    fn mid_msid() {
        assert_eq!(typed("mid:0"), Ok(TypedAttribute::Mid(Mid("0".into()))));
        assert_eq!(typed("mid:"), Err(ValueError::Invalid { field: "mid" }));
        assert_eq!(typed("mid:a b"), Err(ValueError::Invalid { field: "mid" }));
        let Ok(TypedAttribute::Msid(m)) = typed("msid:s t") else {
            panic!()
        };
        assert_eq!((&*m.stream_id, m.app_data.as_deref()), ("s", Some("t")));
        assert_eq!(typed("msid:s t u"), Err(ValueError::TrailingData));
        let Ok(TypedAttribute::Msid(m)) = typed("msid:s") else {
            panic!()
        };
        assert_eq!(m.to_attribute().to_string(), "msid:s");
    }

    #[test]
    fn ssrc() {
        let Ok(TypedAttribute::Ssrc(s)) = typed("ssrc:836509962 msid:a b") else {
            panic!()
        };
        assert_eq!(s.ssrc, 836_509_962);
        assert_eq!(s.attribute, "msid");
        assert_eq!(s.value.as_deref(), Some("a b"));
        assert_eq!(s.to_attribute().to_string(), "ssrc:836509962 msid:a b");
        let Ok(TypedAttribute::Ssrc(s)) = typed("ssrc:1 foo") else {
            panic!()
        };
        assert_eq!(s.value, None);
        assert!(typed("ssrc:4294967296 cname:x").is_err());
        assert!(typed("ssrc:1").is_err());
        let Ok(TypedAttribute::SsrcGroup(g)) = typed("ssrc-group:FID 1 2") else {
            panic!()
        };
        assert_eq!(g.ssrcs, [1, 2]);
        assert_eq!(g.to_attribute().to_string(), "ssrc-group:FID 1 2");
        assert!(typed("ssrc-group:FID 1 x").is_err());
    }
}
