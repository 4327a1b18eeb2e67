//! ICE candidates and their SDP attribute value.
//!
//! - RFC 8839 §5.1: the `candidate` attribute grammar (`candidate:` foundation, component-id,
//!   transport, priority, connection-address, port, `typ`, optional `raddr` / `rport`, then
//!   extension name/value pairs). `tcptype` (RFC 6544 §4.5) and `generation` are typed; every
//!   other extension (`ufrag`, `network-id`, `network-cost`, ...) is kept in order as text.
//! - RFC 8445 §5.1.2: candidate priority; §5.1.1.3: foundations (computed by the agent).
//! - RFC 8839 §5.1 allows an FQDN as connection-address; browsers send mDNS names
//!   (`<uuid>.local`, draft-ietf-mmusic-mdns-ice-candidates). They parse as
//!   [`Address::Hostname`] and are resolved by the caller.
//!
//! Left out: the `a=` prefix and line ending belong to the SDP layer (a leading `a=` is
//! accepted on parse, never written).

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// Why a candidate attribute value could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CandidateParseError {
    /// A required field is missing.
    #[error("candidate attribute is missing its {0}")]
    Missing(&'static str),
    /// The foundation is empty, longer than 32 characters or not made of ice-chars.
    #[error("bad foundation")]
    BadFoundation,
    /// The component id is not a number in 1..=256.
    #[error("bad component id")]
    BadComponent,
    /// The priority is not a 32-bit number.
    #[error("bad priority")]
    BadPriority,
    /// The connection address is neither an IP address nor a host name.
    #[error("bad connection address")]
    BadAddress,
    /// A port is not a number in 0..=65535.
    #[error("bad port")]
    BadPort,
    /// `typ` does not follow the port.
    #[error("expected `typ`")]
    ExpectedTyp,
    /// An extension name without a value.
    #[error("extension {0:?} has no value")]
    ExtensionWithoutValue(String),
    /// `tcptype` is not active, passive or so.
    #[error("bad tcptype")]
    BadTcpType,
    /// `generation` is not a number.
    #[error("bad generation")]
    BadGeneration,
}

/// The transport protocol of a candidate (an open set: unknown tokens are kept).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Transport {
    /// UDP.
    Udp,
    /// TCP (RFC 6544).
    Tcp,
    /// Another token, as written.
    Other(String),
}

impl Transport {
    /// The SDP token (`udp`, `tcp`, or the unknown one as written).
    pub fn as_str(&self) -> &str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Other(s) => s,
        }
    }
}

/// The candidate type (RFC 8445 §5.1.1, RFC 8839 §5.1 `cand-type`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CandidateType {
    /// `host`.
    Host,
    /// `srflx`: server-reflexive, learned from a STUN server.
    ServerReflexive,
    /// `prflx`: peer-reflexive, learned from a connectivity check.
    PeerReflexive,
    /// `relay`: a TURN relayed address.
    Relayed,
    /// Another token, as written.
    Other(String),
}

impl CandidateType {
    /// The SDP token (`host`, `srflx`, `prflx`, `relay`, or the unknown one as written).
    pub fn as_str(&self) -> &str {
        match self {
            CandidateType::Host => "host",
            CandidateType::ServerReflexive => "srflx",
            CandidateType::PeerReflexive => "prflx",
            CandidateType::Relayed => "relay",
            CandidateType::Other(s) => s,
        }
    }

    /// The recommended type preference of RFC 8445 §5.1.2.2 (126 host, 110 prflx, 100 srflx,
    /// 0 relay; unknown types 0).
    pub fn preference(&self) -> u32 {
        match self {
            CandidateType::Host => 126,
            CandidateType::PeerReflexive => 110,
            CandidateType::ServerReflexive => 100,
            CandidateType::Relayed | CandidateType::Other(_) => 0,
        }
    }
}

/// RFC 6544 §4.5 `tcptype`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TcpType {
    /// `active`: opens connections.
    Active,
    /// `passive`: accepts connections.
    Passive,
    /// `so`: simultaneous open.
    SimultaneousOpen,
}

/// A connection address: an IP address or a host name (mDNS `.local` names in practice).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// A fully qualified domain name.
    Hostname(String),
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Ip(ip) => ip.fmt(f),
            Address::Hostname(h) => f.write_str(h),
        }
    }
}

impl Address {
    fn parse(s: &str) -> Result<Address, CandidateParseError> {
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(Address::Ip(ip));
        }
        let host_ok = !s.is_empty()
            && s.len() <= 253
            && !s.contains(':')
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
        if host_ok {
            Ok(Address::Hostname(s.to_owned()))
        } else {
            Err(CandidateParseError::BadAddress)
        }
    }
}

/// One ICE candidate as carried in an SDP `candidate` attribute.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Candidate {
    /// Foundation: 1 to 32 ice-chars.
    pub foundation: String,
    /// Component id (1 for RTP with rtcp-mux, the only one WebRTC uses).
    pub component: u16,
    /// Transport protocol.
    pub transport: Transport,
    /// Priority (RFC 8445 §5.1.2).
    pub priority: u32,
    /// Connection address.
    pub address: Address,
    /// Port.
    pub port: u16,
    /// Candidate type.
    pub kind: CandidateType,
    /// `raddr`: the related address (the base of a reflexive candidate, the mapped address of
    /// a relayed one).
    pub related_address: Option<Address>,
    /// `rport`: the related port.
    pub related_port: Option<u16>,
    /// `tcptype` for TCP candidates.
    pub tcp_type: Option<TcpType>,
    /// `generation` (a de-facto extension browsers send).
    pub generation: Option<u32>,
    /// Other extension attributes, in order, as (name, value).
    pub extensions: Vec<(String, String)>,
}

/// Characters of RFC 8839 `ice-char` (ALPHA / DIGIT / "+" / "/").
pub(crate) fn is_ice_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

/// RFC 8445 §5.1.2.1: priority from type preference, local preference and component id.
#[inline]
pub fn candidate_priority(type_preference: u32, local_preference: u16, component: u16) -> u32 {
    (type_preference << 24)
        | (u32::from(local_preference) << 8)
        | (256 - u32::from(component.clamp(1, 256)))
}

impl Candidate {
    /// The transport address, when the connection address is an IP address.
    #[inline]
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        match &self.address {
            Address::Ip(ip) => Some(SocketAddr::new(*ip, self.port)),
            Address::Hostname(_) => None,
        }
    }

    /// The related transport address, when both `raddr` (an IP) and `rport` are present.
    pub fn related_socket_addr(&self) -> Option<SocketAddr> {
        match (&self.related_address, self.related_port) {
            (Some(Address::Ip(ip)), Some(port)) => Some(SocketAddr::new(*ip, port)),
            _ => None,
        }
    }

    /// Parse an attribute value: `candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host ...`
    /// (a leading `a=` is accepted too).
    pub fn parse(s: &str) -> Result<Candidate, CandidateParseError> {
        let s = s.trim_end_matches(['\r', '\n']);
        let s = s.strip_prefix("a=").unwrap_or(s);
        let s = s.strip_prefix("candidate:").unwrap_or(s);
        let mut it = s.split(' ').filter(|t| !t.is_empty());
        let foundation = it
            .next()
            .ok_or(CandidateParseError::Missing("foundation"))?;
        if foundation.len() > 32 || !foundation.bytes().all(is_ice_char) {
            return Err(CandidateParseError::BadFoundation);
        }
        let component = it.next().ok_or(CandidateParseError::Missing("component"))?;
        let component = parse_digits::<u16>(component, 3)
            .filter(|c| (1..=256).contains(c))
            .ok_or(CandidateParseError::BadComponent)?;
        let transport = match it.next().ok_or(CandidateParseError::Missing("transport"))? {
            t if t.eq_ignore_ascii_case("udp") => Transport::Udp,
            t if t.eq_ignore_ascii_case("tcp") => Transport::Tcp,
            t => Transport::Other(t.to_owned()),
        };
        let priority = it.next().ok_or(CandidateParseError::Missing("priority"))?;
        let priority = parse_digits::<u32>(priority, 10).ok_or(CandidateParseError::BadPriority)?;
        let address = Address::parse(it.next().ok_or(CandidateParseError::Missing("address"))?)?;
        let port = parse_port(it.next().ok_or(CandidateParseError::Missing("port"))?)?;
        if it.next() != Some("typ") {
            return Err(CandidateParseError::ExpectedTyp);
        }
        let kind = match it.next().ok_or(CandidateParseError::Missing("type"))? {
            "host" => CandidateType::Host,
            "srflx" => CandidateType::ServerReflexive,
            "prflx" => CandidateType::PeerReflexive,
            "relay" => CandidateType::Relayed,
            t => CandidateType::Other(t.to_owned()),
        };
        let mut c = Candidate {
            foundation: foundation.to_owned(),
            component,
            transport,
            priority,
            address,
            port,
            kind,
            related_address: None,
            related_port: None,
            tcp_type: None,
            generation: None,
            extensions: Vec::new(),
        };
        while let Some(name) = it.next() {
            let value = it
                .next()
                .ok_or_else(|| CandidateParseError::ExtensionWithoutValue(name.to_owned()))?;
            match name {
                "raddr" if c.related_address.is_none() => {
                    c.related_address = Some(Address::parse(value)?);
                }
                "rport" if c.related_port.is_none() => c.related_port = Some(parse_port(value)?),
                "tcptype" if c.tcp_type.is_none() => {
                    c.tcp_type = Some(match value {
                        "active" => TcpType::Active,
                        "passive" => TcpType::Passive,
                        "so" => TcpType::SimultaneousOpen,
                        _ => return Err(CandidateParseError::BadTcpType),
                    });
                }
                "generation" if c.generation.is_none() => {
                    c.generation = Some(
                        value
                            .parse()
                            .map_err(|_| CandidateParseError::BadGeneration)?,
                    );
                }
                _ => c.extensions.push((name.to_owned(), value.to_owned())),
            }
        }
        Ok(c)
    }
}

fn parse_digits<T: FromStr>(s: &str, max_len: usize) -> Option<T> {
    if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_port(s: &str) -> Result<u16, CandidateParseError> {
    parse_digits::<u16>(s, 5).ok_or(CandidateParseError::BadPort)
}

impl FromStr for Candidate {
    type Err = CandidateParseError;
    fn from_str(s: &str) -> Result<Candidate, CandidateParseError> {
        Candidate::parse(s)
    }
}

/// Writes the attribute value, starting with `candidate:`.
impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "candidate:{} {} {} {} {} {} typ {}",
            self.foundation,
            self.component,
            self.transport.as_str(),
            self.priority,
            self.address,
            self.port,
            self.kind.as_str()
        )?;
        if let Some(a) = &self.related_address {
            write!(f, " raddr {a}")?;
        }
        if let Some(p) = self.related_port {
            write!(f, " rport {p}")?;
        }
        if let Some(t) = self.tcp_type {
            let t = match t {
                TcpType::Active => "active",
                TcpType::Passive => "passive",
                TcpType::SimultaneousOpen => "so",
            };
            write!(f, " tcptype {t}")?;
        }
        if let Some(g) = self.generation {
            write!(f, " generation {g}")?;
        }
        for (name, value) in &self.extensions {
            write!(f, " {name} {value}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_chrome_host_and_srflx() {
        let c = Candidate::parse(
            "candidate:842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx raddr 10.0.0.5 \
             rport 61665 generation 0 ufrag EsAw network-id 1 network-cost 10",
        )
        .unwrap();
        assert_eq!(c.foundation, "842163049");
        assert_eq!(c.component, 1);
        assert_eq!(c.transport, Transport::Udp);
        assert_eq!(c.priority, 1_677_729_535);
        assert_eq!(c.socket_addr(), Some("203.0.113.7:61665".parse().unwrap()));
        assert_eq!(c.kind, CandidateType::ServerReflexive);
        assert_eq!(
            c.related_socket_addr(),
            Some("10.0.0.5:61665".parse().unwrap())
        );
        assert_eq!(c.generation, Some(0));
        assert_eq!(c.extensions.len(), 3);
        assert_eq!(c.extensions[0], ("ufrag".into(), "EsAw".into()));
        assert_eq!(Candidate::parse(&c.to_string()).unwrap(), c);
    }

    #[test]
    fn parses_mdns_tcp_and_ipv6() {
        let c = Candidate::parse(
            "a=candidate:1 1 TCP 1518280447 4b5d7c2e-11aa-4c4e-9a8a-3d1f0e6b2a10.local 9 typ host \
             tcptype active",
        )
        .unwrap();
        assert_eq!(
            c.address,
            Address::Hostname("4b5d7c2e-11aa-4c4e-9a8a-3d1f0e6b2a10.local".into())
        );
        assert_eq!(c.transport, Transport::Tcp);
        assert_eq!(c.tcp_type, Some(TcpType::Active));
        assert_eq!(c.socket_addr(), None);
        let v6 =
            Candidate::parse("candidate:2 1 udp 2122262783 2001:db8::1 5000 typ host").unwrap();
        assert_eq!(
            v6.socket_addr(),
            Some("[2001:db8::1]:5000".parse().unwrap())
        );
        assert_eq!(
            v6.to_string(),
            "candidate:2 1 udp 2122262783 2001:db8::1 5000 typ host"
        );
    }

    #[test]
    fn refuses_malformed_values() {
        let bad = [
            ("", CandidateParseError::Missing("foundation")),
            (
                "candidate:1 0 udp 1 1.2.3.4 5 typ host",
                CandidateParseError::BadComponent,
            ),
            (
                "candidate:1 1 udp 4294967296 1.2.3.4 5 typ host",
                CandidateParseError::BadPriority,
            ),
            (
                "candidate:1 1 udp 1 1.2.3.4 65536 typ host",
                CandidateParseError::BadPort,
            ),
            (
                "candidate:1 1 udp 1 1.2.3.4 5 type host",
                CandidateParseError::ExpectedTyp,
            ),
            (
                "candidate:1 1 udp 1 a:b 5 typ host",
                CandidateParseError::BadAddress,
            ),
            (
                "candidate:f!o 1 udp 1 1.2.3.4 5 typ host",
                CandidateParseError::BadFoundation,
            ),
            (
                "candidate:1 1 udp 1 1.2.3.4 5 typ host raddr",
                CandidateParseError::ExtensionWithoutValue("raddr".into()),
            ),
            (
                "candidate:1 1 tcp 1 1.2.3.4 5 typ host tcptype x",
                CandidateParseError::BadTcpType,
            ),
            (
                "candidate:1 1 udp 1 1.2.3.4 5",
                CandidateParseError::ExpectedTyp,
            ),
        ];
        for (s, e) in bad {
            assert_eq!(Candidate::parse(s), Err(e), "{s}");
        }
    }

    #[test]
    fn priority_formula_of_rfc8445_5_1_2_1() {
        // Host, local preference 65535, component 1: the value browsers put on IPv6 host
        // candidates' highest interface (126 << 24 | 65535 << 8 | 255).
        assert_eq!(candidate_priority(126, 65535, 1), 2_130_706_431);
        assert_eq!(candidate_priority(0, 0, 1), 255);
        assert_eq!(
            candidate_priority(100, 10, 2),
            (100 << 24) + (10 << 8) + 254
        );
    }

    fn arb_address() -> impl Strategy<Value = Address> {
        prop_oneof![
            any::<std::net::Ipv4Addr>().prop_map(|a| Address::Ip(a.into())),
            any::<std::net::Ipv6Addr>().prop_map(|a| Address::Ip(a.into())),
            "[a-z0-9]{1,12}(-[a-z0-9]{1,8}){0,4}\\.local".prop_map(Address::Hostname),
        ]
    }

    fn arb_candidate() -> impl Strategy<Value = Candidate> {
        let kind = prop_oneof![
            Just(CandidateType::Host),
            Just(CandidateType::ServerReflexive),
            Just(CandidateType::PeerReflexive),
            Just(CandidateType::Relayed),
            "x[a-z]{1,5}".prop_map(CandidateType::Other),
        ];
        let transport = prop_oneof![
            Just(Transport::Udp),
            Just(Transport::Tcp),
            "x[a-z]{1,5}".prop_map(Transport::Other),
        ];
        let tcp = prop_oneof![
            Just(None),
            Just(Some(TcpType::Active)),
            Just(Some(TcpType::Passive)),
            Just(Some(TcpType::SimultaneousOpen)),
        ];
        (
            ("[A-Za-z0-9+/]{1,32}", 1u16..=256, transport, any::<u32>()),
            (arb_address(), any::<u16>(), kind),
            (
                proptest::option::of(arb_address()),
                proptest::option::of(any::<u16>()),
                tcp,
            ),
            (
                proptest::option::of(any::<u32>()),
                proptest::collection::vec(("x[a-z-]{0,8}", "[A-Za-z0-9+/]{1,8}"), 0..3),
            ),
        )
            .prop_map(
                |(
                    (foundation, component, transport, priority),
                    (address, port, kind),
                    (related_address, related_port, tcp_type),
                    (generation, extensions),
                )| Candidate {
                    foundation,
                    component,
                    transport,
                    priority,
                    address,
                    port,
                    kind,
                    related_address,
                    related_port,
                    tcp_type,
                    generation,
                    extensions,
                },
            )
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(c in arb_candidate()) {
            prop_assert_eq!(Candidate::parse(&c.to_string()), Ok(c));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,120}") {
            let _ = Candidate::parse(&s);
        }
    }
}
