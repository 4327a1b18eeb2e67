//! ICE attributes (RFC 8839 sections 5.1 and 5.3 to 5.6, RFC 8840 section 8.2, RFC 6544
//! section 4.5 `tcptype`).
//!
//! Left out: `ice-pacing` and `ice-mismatch` (kept as unknown attributes), and the length
//! limits of `ice-ufrag` (4..=256) and `ice-pwd` (22..=256): the parser checks only that the
//! value is one blank-free word, so peers with looser generators still interoperate.

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{AttributeValue, flag_attribute, require, word_attribute};
use crate::ValueError;
use crate::util::{Tokens, parse_u16, parse_u32, word};

word_attribute!(
    /// `a=ice-ufrag:<ufrag>` (RFC 8839 section 5.4).
    IceUfrag,
    "ice-ufrag"
);

word_attribute!(
    /// `a=ice-pwd:<password>` (RFC 8839 section 5.4).
    IcePwd,
    "ice-pwd"
);

flag_attribute!(
    /// `a=ice-lite` (RFC 8839 section 5.3).
    IceLite,
    "ice-lite"
);

flag_attribute!(
    /// `a=end-of-candidates` (RFC 8840 section 8.2).
    EndOfCandidates,
    "end-of-candidates"
);

/// `a=ice-options:<option> *(SP <option>)` (RFC 8839 section 5.6), for example `trickle`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IceOptions<'a>(pub Vec<Cow<'a, str>>);

impl IceOptions<'_> {
    /// Whether the `trickle` option (RFC 8840) is present.
    #[must_use]
    pub fn has_trickle(&self) -> bool {
        self.0.iter().any(|o| o == "trickle")
    }
}

impl<'a> AttributeValue<'a> for IceOptions<'a> {
    const FLAG: bool = false;
    fn accepts(name: &str) -> bool {
        name == "ice-options"
    }
    fn parse_attribute(_: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        let options: Vec<_> = Tokens::new(require(value)?).map(Cow::Borrowed).collect();
        if options.is_empty() {
            return Err(ValueError::Missing {
                field: "ice-option-tag",
            });
        }
        Ok(Self(options))
    }
    fn name(&self) -> &'static str {
        "ice-options"
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, o) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(o)?;
        }
        Ok(())
    }
}

/// A candidate's `connection-address`: an IP address or a fully qualified domain name, such as
/// an mDNS `<uuid>.local` name (RFC 8839 section 5.1, draft-ietf-mmusic-mdns-ice-candidates).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CandidateAddress<'a> {
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// A host name, to be resolved (mDNS for `.local`).
    Fqdn(Cow<'a, str>),
}

impl<'a> CandidateAddress<'a> {
    fn parse(s: &'a str, field: &'static str) -> Result<Self, ValueError> {
        if let Some(ip) = parse_ipv4(s.as_bytes()) {
            return Ok(Self::Ip(IpAddr::V4(ip)));
        }
        if let Some(ip) = parse_ipv6(s.as_bytes()) {
            return Ok(Self::Ip(IpAddr::V6(ip)));
        }
        // Only try the general IP parser where it can succeed: FQDNs are common (mDNS).
        let maybe_ip = s
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':');
        if maybe_ip && let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(Self::Ip(ip));
        }
        word(s, field).map(|s| Self::Fqdn(Cow::Borrowed(s)))
    }

    /// Copies a borrowed name so the address no longer borrows the description.
    #[must_use]
    pub fn into_owned(self) -> CandidateAddress<'static> {
        match self {
            Self::Ip(ip) => CandidateAddress::Ip(ip),
            Self::Fqdn(n) => CandidateAddress::Fqdn(Cow::Owned(n.into_owned())),
        }
    }

    /// Whether this is an mDNS name (ends in `.local`).
    #[must_use]
    pub fn is_mdns(&self) -> bool {
        matches!(self, Self::Fqdn(n) if n.len() > 6 && n.ends_with(".local"))
    }
}

impl fmt::Display for CandidateAddress<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ip(ip) => fmt::Display::fmt(ip, f),
            Self::Fqdn(n) => f.write_str(n),
        }
    }
}

/// A fast path for the canonical dotted quad (`0`..`255`, no leading zeros), the form
/// `Ipv4Addr`'s `Display` writes; anything else goes to the standard parser.
fn parse_ipv4(s: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = s.split(|&b| b == b'.');
    for octet in &mut octets {
        let part = parts.next()?;
        let value = match part {
            [d @ b'0'..=b'9'] => u16::from(d - b'0'),
            [d1 @ b'1'..=b'9', rest @ ..] if rest.len() <= 2 => {
                let mut v = u16::from(d1 - b'0');
                for &d in rest {
                    if !d.is_ascii_digit() {
                        return None;
                    }
                    v = v * 10 + u16::from(d - b'0');
                }
                v
            }
            _ => return None,
        };
        *octet = u8::try_from(value).ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(Ipv4Addr::from(octets))
}

/// A fast path for IPv6 text made of hex groups with at most one `::` (no embedded IPv4, no
/// zone). It declines (returns `None`) anything else, which then goes to the standard
/// parser; whatever it accepts, the standard parser accepts with the same value.
fn parse_ipv6(s: &[u8]) -> Option<Ipv6Addr> {
    if s.len() < 2 || s.len() > 39 {
        return None;
    }
    let mut groups = [0u16; 8];
    let mut count = 0;
    // Index in `groups` where `::` stands, if any.
    let mut gap = None;
    let mut i = 0;
    if s.starts_with(b"::") {
        gap = Some(0);
        i = 2;
        if s.len() == 2 {
            return Some(Ipv6Addr::UNSPECIFIED);
        }
    }
    loop {
        let start = i;
        let mut value: u16 = 0;
        while let Some(d) = s.get(i).map(|&b| HEX[usize::from(b)]).filter(|&d| d < 16) {
            if i - start == 4 {
                return None;
            }
            value = (value << 4) | u16::from(d);
            i += 1;
        }
        if i == start {
            return None;
        }
        *groups.get_mut(count)? = value;
        count += 1;
        match s.get(i) {
            None => break,
            Some(b':') => {
                i += 1;
                if s.get(i) == Some(&b':') {
                    if gap.is_some() {
                        return None;
                    }
                    gap = Some(count);
                    i += 1;
                    if i == s.len() {
                        break;
                    }
                } else if i == s.len() {
                    return None;
                }
            }
            Some(_) => return None,
        }
    }
    match gap {
        // `::` stands for at least one zero group.
        Some(at) if count <= 7 => {
            let tail = count - at;
            let mut out = [0u16; 8];
            out.get_mut(..at)?.copy_from_slice(groups.get(..at)?);
            out.get_mut(8 - tail..)?
                .copy_from_slice(groups.get(at..count)?);
            Some(Ipv6Addr::from(out))
        }
        None if count == 8 => Some(Ipv6Addr::from(groups)),
        _ => None,
    }
}

/// Hex digit values; 0xff marks a non-digit.
const HEX: [u8; 256] = {
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

/// `cand-type` (RFC 8839 section 5.1): `host`, `srflx`, `prflx`, `relay` or an extension.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CandidateType<'a> {
    /// A host candidate.
    Host,
    /// A server-reflexive candidate.
    ServerReflexive,
    /// A peer-reflexive candidate.
    PeerReflexive,
    /// A relayed candidate.
    Relay,
    /// Any other `token`.
    Other(Cow<'a, str>),
}

impl<'a> CandidateType<'a> {
    fn parse(s: &'a str) -> Result<Self, ValueError> {
        Ok(match s {
            "host" => Self::Host,
            "srflx" => Self::ServerReflexive,
            "prflx" => Self::PeerReflexive,
            "relay" => Self::Relay,
            other => Self::Other(Cow::Borrowed(word(other, "candidate-types")?)),
        })
    }

    /// Copies a borrowed name so the type no longer borrows the description.
    #[must_use]
    pub fn into_owned(self) -> CandidateType<'static> {
        match self {
            Self::Host => CandidateType::Host,
            Self::ServerReflexive => CandidateType::ServerReflexive,
            Self::PeerReflexive => CandidateType::PeerReflexive,
            Self::Relay => CandidateType::Relay,
            Self::Other(s) => CandidateType::Other(Cow::Owned(s.into_owned())),
        }
    }

    /// The wire name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Host => "host",
            Self::ServerReflexive => "srflx",
            Self::PeerReflexive => "prflx",
            Self::Relay => "relay",
            Self::Other(s) => s,
        }
    }
}

/// `tcptype` of a TCP candidate (RFC 6544 section 4.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TcpType {
    /// `active`: opens the connection.
    Active,
    /// `passive`: accepts the connection.
    Passive,
    /// `so`: simultaneous open.
    SimultaneousOpen,
}

impl TcpType {
    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Passive => "passive",
            Self::SimultaneousOpen => "so",
        }
    }
}

/// `a=candidate:...` (RFC 8839 section 5.1):
///
/// ```text
/// candidate:<foundation> <component-id> <transport> <priority> <connection-address> <port>
///     typ <cand-type> [raddr <rel-addr>] [rport <rel-port>] *(<ext-name> <ext-value>)
/// ```
///
/// `tcptype` (RFC 6544) is lifted into [`Candidate::tcp_type`]; every other extension pair
/// (`generation`, `ufrag`, `network-id`, `network-cost`, ...) is kept in order in
/// [`Candidate::extensions`]. The formatter writes `tcptype` right after the related
/// address, where Chromium writes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Candidate<'a> {
    /// `foundation`, 1 to 32 `ice-char`s.
    pub foundation: Cow<'a, str>,
    /// `component-id`: 1 for RTP, 2 for RTCP.
    pub component: u16,
    /// `transport`: `UDP`, `udp`, `tcp`, ... kept as written.
    pub transport: Cow<'a, str>,
    /// `priority`.
    pub priority: u32,
    /// `connection-address`.
    pub address: CandidateAddress<'a>,
    /// `port`.
    pub port: u16,
    /// `cand-type`.
    pub typ: CandidateType<'a>,
    /// `raddr`, the related address.
    pub related_address: Option<CandidateAddress<'a>>,
    /// `rport`, the related port.
    pub related_port: Option<u16>,
    /// `tcptype` for TCP candidates.
    pub tcp_type: Option<TcpType>,
    /// Other extension attributes as (name, value) pairs, in order.
    pub extensions: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> Candidate<'a> {
    /// Parses the attribute value (the text after `candidate:`).
    pub fn parse(value: &'a str) -> Result<Self, ValueError> {
        let mut t = Tokens::new(value);
        let foundation = t.expect("foundation")?;
        let component_field = t.expect("component-id")?;
        if component_field.len() > 3 {
            return Err(ValueError::Invalid {
                field: "component-id",
            });
        }
        let component = parse_u16(component_field, "component-id")?;
        let transport = t.expect("transport")?;
        let priority = parse_u32(t.expect("priority")?, "priority")?;
        let address =
            CandidateAddress::parse(t.expect("connection-address")?, "connection-address")?;
        let port = parse_u16(t.expect("port")?, "port")?;
        if t.expect("typ")? != "typ" {
            return Err(ValueError::Missing { field: "typ" });
        }
        let typ = CandidateType::parse(t.expect("cand-type")?)?;
        let mut c = Self {
            foundation: Cow::Borrowed(foundation),
            component,
            transport: Cow::Borrowed(transport),
            priority,
            address,
            port,
            typ,
            related_address: None,
            related_port: None,
            tcp_type: None,
            extensions: Vec::new(),
        };
        while let Some(name) = t.next_token() {
            let value = t.expect("extension-att-value")?;
            match name {
                "raddr"
                    if c.related_address.is_none()
                        && c.related_port.is_none()
                        && c.extensions.is_empty() =>
                {
                    c.related_address = Some(CandidateAddress::parse(value, "rel-addr")?);
                }
                "rport" if c.related_port.is_none() && c.extensions.is_empty() => {
                    c.related_port = Some(parse_u16(value, "rel-port")?);
                }
                "tcptype" if c.tcp_type.is_none() => {
                    c.tcp_type = Some(match value {
                        "active" => TcpType::Active,
                        "passive" => TcpType::Passive,
                        "so" => TcpType::SimultaneousOpen,
                        _ => return Err(ValueError::Invalid { field: "tcptype" }),
                    });
                }
                "raddr" | "rport" | "tcptype" => {
                    return Err(ValueError::Invalid {
                        field: name_field(name),
                    });
                }
                _ => c
                    .extensions
                    .push((Cow::Borrowed(name), Cow::Borrowed(value))),
            }
        }
        Ok(c)
    }

    /// Parses a candidate as signalled in trickle ICE or written in SDP: accepts an optional
    /// `a=` prefix and requires the `candidate:` prefix (the form of
    /// `RTCIceCandidate.candidate`).
    pub fn parse_attribute_text(text: &'a str) -> Result<Self, ValueError> {
        let text = text.strip_prefix("a=").unwrap_or(text);
        let value = text
            .strip_prefix("candidate:")
            .ok_or(ValueError::WrongName)?;
        Self::parse(value)
    }

    /// Copies borrowed strings so the candidate no longer borrows the description (to keep
    /// a remote candidate after the SDP text is gone).
    #[must_use]
    pub fn into_owned(self) -> Candidate<'static> {
        let own = |s: Cow<'_, str>| Cow::Owned(s.into_owned());
        Candidate {
            foundation: own(self.foundation),
            component: self.component,
            transport: own(self.transport),
            priority: self.priority,
            address: self.address.into_owned(),
            port: self.port,
            typ: self.typ.into_owned(),
            related_address: self.related_address.map(CandidateAddress::into_owned),
            related_port: self.related_port,
            tcp_type: self.tcp_type,
            extensions: self
                .extensions
                .into_iter()
                .map(|(n, v)| (own(n), own(v)))
                .collect(),
        }
    }

    /// The value of the extension `name` (for example `generation` or `ufrag`).
    #[must_use]
    pub fn extension(&self, name: &str) -> Option<&str> {
        self.extensions
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| &**v)
    }
}

fn name_field(name: &str) -> &'static str {
    match name {
        "raddr" => "rel-addr",
        "rport" => "rel-port",
        _ => "tcptype",
    }
}

impl<'a> AttributeValue<'a> for Candidate<'a> {
    const FLAG: bool = false;
    fn accepts(name: &str) -> bool {
        name == "candidate"
    }
    fn parse_attribute(_: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        Self::parse(require(value)?)
    }
    fn name(&self) -> &'static str {
        "candidate"
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {} typ {}",
            self.foundation,
            self.component,
            self.transport,
            self.priority,
            self.address,
            self.port,
            self.typ.as_str()
        )?;
        if let Some(a) = &self.related_address {
            write!(f, " raddr {a}")?;
        }
        if let Some(p) = self.related_port {
            write!(f, " rport {p}")?;
        }
        if let Some(t) = self.tcp_type {
            write!(f, " tcptype {}", t.as_str())?;
        }
        for (n, v) in &self.extensions {
            write!(f, " {n} {v}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Candidate<'_> {
    /// Formats the attribute value, without the `candidate:` prefix.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_value(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromium_host_udp() {
        let v = "1735372109 1 udp 2122194687 192.0.2.2 33450 typ host generation 0 network-id 1";
        let c = Candidate::parse(v).unwrap();
        assert_eq!(c.foundation, "1735372109");
        assert_eq!(c.component, 1);
        assert_eq!(c.transport, "udp");
        assert_eq!(c.priority, 2_122_194_687);
        assert_eq!(
            c.address,
            CandidateAddress::Ip(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)))
        );
        assert_eq!(c.port, 33450);
        assert_eq!(c.typ, CandidateType::Host);
        assert_eq!(c.extension("network-id"), Some("1"));
        assert_eq!(c.to_string(), v);
        let owned: Candidate<'static> = c.clone().into_owned();
        assert_eq!(owned, c);
    }

    #[test]
    fn tcp_ipv6() {
        let v = "1386461241 1 tcp 1518285567 fd00::2 9 typ host tcptype active generation 0";
        let c = Candidate::parse(v).unwrap();
        assert_eq!(
            c.address,
            CandidateAddress::Ip("fd00::2".parse::<Ipv6Addr>().unwrap().into())
        );
        assert_eq!(c.tcp_type, Some(TcpType::Active));
        assert_eq!(c.extensions.len(), 1);
        assert_eq!(c.to_string(), v);
    }

    #[test]
    fn srflx_mdns() {
        let v = "842163049 1 udp 1677729535 198.51.100.7 61665 typ srflx raddr \
                 0.0.0.0 rport 0 generation 0 ufrag ZjK5 network-cost 999";
        let c = Candidate::parse(v).unwrap();
        assert_eq!(c.typ, CandidateType::ServerReflexive);
        assert_eq!(
            c.related_address,
            Some(CandidateAddress::Ip(Ipv4Addr::UNSPECIFIED.into()))
        );
        assert_eq!(c.related_port, Some(0));
        assert_eq!(c.extension("ufrag"), Some("ZjK5"));
        assert_eq!(c.to_string(), v);

        let text =
            "candidate:1 1 udp 2113937151 4b2a4d2a-6a4e-4a43-8e71-1f3c0a1b2c3d.local 5000 typ host";
        let c = Candidate::parse_attribute_text(text).unwrap();
        assert!(c.address.is_mdns());
        assert!(Candidate::parse_attribute_text(&format!("a={text}")).is_ok());
        assert_eq!(
            Candidate::parse_attribute_text("1 1 udp"),
            Err(ValueError::WrongName)
        );
    }

    #[test]
    fn invalid() {
        let base = "1 1 udp 1 10.0.0.1 9 typ host";
        assert!(Candidate::parse(base).is_ok());
        for bad in [
            "1 1 udp 1 10.0.0.1 9 type host",
            "1 1000 udp 1 10.0.0.1 9 typ host",
            "1 1 udp 4294967296 10.0.0.1 9 typ host",
            "1 1 udp 1 10.0.0.1 65536 typ host",
            "1 1 udp 1 10.0.0.1 9 typ",
            "1 1 udp 1 10.0.0.1 9 typ host generation",
            "1 1 udp 1 10.0.0.1 9 typ host tcptype x",
            "1 1 udp 1 10.0.0.1 9 typ host rport x",
            "1 1 udp 1 10.0.0.1 9 typ host raddr 1.1.1.1 raddr 1.1.1.1",
            "1 1 udp 1 10.0.0.1 9 typ host rport 1 raddr 1.1.1.1",
            "1 1 udp",
            "",
        ] {
            assert!(Candidate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ipv4_fast_path_agrees_with_std() {
        for s in [
            "0.0.0.0",
            "255.255.255.255",
            "192.0.2.2",
            "10.0.0.1",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "",
            "1.2.3.4 ",
            "a.b.c.d",
            "1.2.3.-4",
            "300.1.1.1",
            "99.099.9.9",
            "1.2.3.1000",
        ] {
            let fast = parse_ipv4(s.as_bytes());
            let std = s.parse::<Ipv4Addr>().ok();
            if fast.is_some() {
                assert_eq!(fast, std, "{s}");
            }
        }
        for i in 0..=255u8 {
            let s = Ipv4Addr::new(i, 255 - i, i / 3, 7).to_string();
            assert_eq!(parse_ipv4(s.as_bytes()), s.parse().ok());
        }
    }

    #[test]
    fn ipv6_fast_path_agrees_with_std() {
        for s in [
            "::",
            "::1",
            "1::",
            "fd00::2",
            "2001:db8::1:0:0:1",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8",
            "1::2::3",
            ":1::",
            "1:",
            "1::2:",
            "12345::",
            "FD00::ABCD",
            "::ffff:1.2.3.4",
            "fe80::1%eth0",
            ":::",
            "1:2:3:4:5:6:7",
            "0:0:0:0:0:0:0:0",
            "00000::",
            "1::2:3:4:5:6:7",
            "1::2:3:4:5:6:7:8",
        ] {
            let fast = parse_ipv6(s.as_bytes());
            let std = s.parse::<Ipv6Addr>().ok();
            if fast.is_some() {
                assert_eq!(fast, std, "{s}");
            } else if std.is_some() {
                assert!(s.contains('.') || s.contains('%'), "fast path declined {s}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn ipv6_fast_path_matches_display(segments: [u16; 8]) {
            let ip = Ipv6Addr::from(segments);
            let text = ip.to_string();
            if !text.contains('.') {
                proptest::prop_assert_eq!(parse_ipv6(text.as_bytes()), Some(ip));
            }
        }

        #[test]
        fn ipv6_fast_path_never_disagrees(s in "[0-9a-fA-F:]{0,40}") {
            if let Some(fast) = parse_ipv6(s.as_bytes()) {
                proptest::prop_assert_eq!(Some(fast), s.parse::<Ipv6Addr>().ok());
            }
        }
    }

    #[test]
    fn options() {
        let o = IceOptions::parse_attribute("ice-options", Some("trickle ice2")).unwrap();
        assert!(o.has_trickle());
        assert_eq!(o.to_attribute().to_string(), "ice-options:trickle ice2");
        assert!(IceOptions::parse_attribute("ice-options", Some(" ")).is_err());
        assert_eq!(
            IceUfrag::parse_attribute("ice-ufrag", Some("K5F+")),
            Ok(IceUfrag("K5F+".into()))
        );
        assert_eq!(IceLite.to_attribute().to_string(), "ice-lite");
    }
}
