//! The peer address filter (RFC 8656 section 21.3, "Abuse of Relay" / unintended access to
//! internal networks): which peers a client may create permissions for and relay to.
//!
//! By default the filter refuses loopback, private (RFC 1918, unique local `fc00::/7`),
//! link-local, unspecified, multicast and broadcast addresses, the shared address space
//! (`100.64.0.0/10`) and the server's own addresses. An allow-list overrides those defaults
//! (interop tests on loopback need it); an explicit deny-list overrides everything.
//! IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.

use std::net::IpAddr;

/// An IP prefix such as `10.0.0.0/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpPrefix {
    /// The network address.
    pub addr: IpAddr,
    /// The prefix length in bits.
    pub len: u8,
}

impl IpPrefix {
    /// A prefix; `len` is capped at the address width.
    pub fn new(addr: IpAddr, len: u8) -> IpPrefix {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        IpPrefix {
            addr,
            len: len.min(max),
        }
    }

    /// The loopback prefixes `127.0.0.0/8` and `::1/128`.
    pub fn loopback() -> [IpPrefix; 2] {
        [
            IpPrefix::new(IpAddr::from([127, 0, 0, 0]), 8),
            IpPrefix::new(IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]), 128),
        ]
    }

    /// Whether `ip` lies in the prefix (families must match).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.len))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// A string that is not `address` or `address/length`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an IP prefix (address or address/length)")]
pub struct InvalidPrefix;

impl core::str::FromStr for IpPrefix {
    type Err = InvalidPrefix;

    /// Parses `addr/len` or a bare address (a full-length prefix).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, len) = match s.split_once('/') {
            Some((addr, len)) => (addr, len.parse::<u8>().map_err(|_| InvalidPrefix)?),
            None => (s, 128),
        };
        let addr: IpAddr = addr.parse().map_err(|_| InvalidPrefix)?;
        Ok(IpPrefix::new(addr, len))
    }
}

/// The peer address filter. See the module docs for the defaults.
#[derive(Debug, Clone, Default)]
pub struct PeerFilter {
    /// Prefixes allowed even where the defaults refuse them.
    pub allowed: Vec<IpPrefix>,
    /// Prefixes always refused.
    pub denied: Vec<IpPrefix>,
    /// The server's own addresses (always refused unless allowed).
    pub own: Vec<IpAddr>,
}

impl PeerFilter {
    /// Whether a client may reach `peer`.
    pub fn permits(&self, peer: IpAddr) -> bool {
        let peer = canonical(peer);
        if self.denied.iter().any(|p| p.contains(peer)) {
            return false;
        }
        if self.allowed.iter().any(|p| p.contains(peer)) {
            return true;
        }
        !(self.own.iter().any(|&o| canonical(o) == peer) || refused_by_default(peer))
    }
}

/// An IPv4-mapped IPv6 address as its IPv4 address; others unchanged.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

fn refused_by_default(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xC0) == 64)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xFE00) == 0xFC00
                || (first & 0xFFC0) == 0xFE80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn defaults_refuse_internal_addresses() {
        let f = PeerFilter::default();
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "100.64.0.1",
            "::1",
            "::",
            "fc00::1",
            "fdff::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!f.permits(ip(bad)), "{bad} should be refused");
        }
        for good in [
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2001:db8::1",
            "::ffff:1.2.3.4",
        ] {
            assert!(f.permits(ip(good)), "{good} should be allowed");
        }
    }

    #[test]
    fn allow_list_overrides_defaults_and_deny_list_overrides_all() {
        let mut f = PeerFilter::default();
        f.allowed.extend(IpPrefix::loopback());
        assert!(f.permits(ip("127.0.0.1")));
        assert!(f.permits(ip("::1")));
        assert!(!f.permits(ip("10.0.0.1")));
        f.denied.push("127.0.0.2/32".parse().unwrap());
        assert!(!f.permits(ip("127.0.0.2")));
        assert!(f.permits(ip("127.0.0.3")));
    }

    #[test]
    fn own_addresses_are_refused() {
        let f = PeerFilter {
            own: vec![ip("203.0.113.5")],
            ..PeerFilter::default()
        };
        assert!(!f.permits(ip("203.0.113.5")));
        assert!(f.permits(ip("203.0.113.6")));
    }

    proptest::proptest! {
        /// An IPv4-mapped IPv6 address is judged exactly like the IPv4 address it carries.
        #[test]
        fn mapped_addresses_are_judged_as_ipv4(raw in proptest::prelude::any::<u32>()) {
            let v4 = std::net::Ipv4Addr::from(raw);
            let f = PeerFilter::default();
            proptest::prop_assert_eq!(
                f.permits(IpAddr::V4(v4)),
                f.permits(IpAddr::V6(v4.to_ipv6_mapped()))
            );
        }

        /// A prefix contains its own network address and, for lengths under 32, nothing
        /// that differs in the first bit.
        #[test]
        fn prefixes_contain_their_network(raw in proptest::prelude::any::<u32>(), len in 1u8..=32) {
            let net = std::net::Ipv4Addr::from(raw);
            let p = IpPrefix::new(IpAddr::V4(net), len);
            proptest::prop_assert!(p.contains(IpAddr::V4(net)));
            let flipped = std::net::Ipv4Addr::from(raw ^ 0x8000_0000);
            proptest::prop_assert!(!p.contains(IpAddr::V4(flipped)));
        }
    }

    #[test]
    fn prefix_edges() {
        let p: IpPrefix = "10.0.0.0/8".parse().unwrap();
        assert!(p.contains(ip("10.255.255.255")));
        assert!(!p.contains(ip("11.0.0.0")));
        assert!(!p.contains(ip("::1")));
        let all: IpPrefix = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("1.2.3.4")));
        let one: IpPrefix = "2001:db8::1".parse().unwrap();
        assert!(one.contains(ip("2001:db8::1")));
        assert!(!one.contains(ip("2001:db8::2")));
        assert!("10.0.0.0/x".parse::<IpPrefix>().is_err());
    }
}
