//! Host address enumeration (RFC 8445 §5.1.1.1) with `if-addrs`: the one place this crate
//! asks the operating system anything, behind the default `host-addresses` feature. The agent
//! itself never calls it.

use std::net::IpAddr;

/// Which interface addresses [`host_addresses`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostFilter {
    /// Include IPv4 addresses.
    pub ipv4: bool,
    /// Include IPv6 addresses.
    pub ipv6: bool,
    /// Include loopback addresses (127/8, ::1).
    pub loopback: bool,
    /// Include link-local addresses (169.254/16, fe80::/10).
    pub link_local: bool,
}

impl Default for HostFilter {
    /// IPv4 and IPv6, no loopback, no link-local (what browsers gather).
    fn default() -> Self {
        HostFilter {
            ipv4: true,
            ipv6: true,
            loopback: false,
            link_local: false,
        }
    }
}

impl HostFilter {
    /// Whether `ip` passes the filter.
    pub fn accepts(&self, ip: IpAddr) -> bool {
        let link_local = match ip {
            IpAddr::V4(v4) => v4.is_link_local(),
            IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
        };
        (if ip.is_ipv4() { self.ipv4 } else { self.ipv6 })
            && (self.loopback || !ip.is_loopback())
            && (self.link_local || !link_local)
            && !ip.is_unspecified()
            && !ip.is_multicast()
    }
}

/// The machine's interface addresses that pass `filter`, IPv6 first (RFC 8421 prefers them),
/// without duplicates. Bind a UDP socket to each (port 0) and pass the bound address to
/// [`crate::Agent::add_local_candidate`].
pub fn host_addresses(filter: HostFilter) -> std::io::Result<Vec<IpAddr>> {
    let mut out: Vec<IpAddr> = Vec::new();
    for interface in if_addrs::get_if_addrs()? {
        let ip = interface.ip();
        if filter.accepts(ip) && !out.contains(&ip) {
            out.push(ip);
        }
    }
    out.sort_by_key(|ip| ip.is_ipv4());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_skips_loopback_and_link_local_by_default() {
        let f = HostFilter::default();
        assert!(f.accepts("192.0.2.1".parse().unwrap()));
        assert!(f.accepts("2001:db8::1".parse().unwrap()));
        assert!(!f.accepts("127.0.0.1".parse().unwrap()));
        assert!(!f.accepts("::1".parse().unwrap()));
        assert!(!f.accepts("169.254.3.4".parse().unwrap()));
        assert!(!f.accepts("fe80::1".parse().unwrap()));
        let all = HostFilter {
            loopback: true,
            link_local: true,
            ipv6: false,
            ..HostFilter::default()
        };
        assert!(all.accepts("127.0.0.1".parse().unwrap()));
        assert!(!all.accepts("::1".parse().unwrap()));
    }

    #[test]
    fn enumerates_with_loopback_allowed() {
        let f = HostFilter {
            loopback: true,
            ..HostFilter::default()
        };
        let addrs = host_addresses(f).unwrap();
        assert!(addrs.iter().all(|ip| f.accepts(*ip)));
    }
}
