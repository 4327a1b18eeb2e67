//! Command-line options and the configuration file.
//!
//! The file holds one `name = value` per line (a TOML subset: `#` comments, optional double
//! quotes around values; keys may repeat, as `user` does). Names are the long options
//! without their dashes; the command line is applied after the file.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use strata_turn::server::{IpPrefix, RateLimit, ServerConfig};

pub(crate) const USAGE: &str = "\
strata-turn-server: a TURN server (RFC 8656)

USAGE: strata-turn-server [OPTIONS]

  --config FILE              read options from FILE (name = value lines)
  --listen ADDR              UDP and TCP listening address (repeatable; default 0.0.0.0:3478)
  --tls-listen ADDR          TLS listening address (repeatable; needs --cert and --key)
  --cert FILE / --key FILE   PEM certificate chain and private key for TLS
  --no-udp / --no-tcp        do not open the UDP / TCP listeners
  --realm REALM              realm (default strata)
  --user NAME:PASSWORD       a static user (repeatable)
  --auth-secret SECRET       TURN REST ephemeral credentials (coturn's use-auth-secret)
  --relay-ip IP              address of relayed transport addresses (default: first listen IP)
  --relay-ipv6 IP            also offer IPv6 relayed addresses on IP
  --min-port N / --max-port N  relay port range (default 49152-65535)
  --user-quota N             allocations per user (0: unlimited)
  --total-quota N            allocations in total (0: unlimited)
  --default-lifetime S / --max-lifetime S   allocation lifetimes in seconds (600 / 3600)
  --permission-lifetime S / --channel-lifetime S / --nonce-lifetime S  (300 / 600 / 600)
  --max-bps N                per-allocation relayed bytes per second (0: unlimited)
  --max-pps N                per-allocation relayed packets per second (0: unlimited)
  --allow-loopback-peers     relay to 127.0.0.0/8 and ::1 (tests)
  --allow-peer PREFIX        relay to PREFIX even if refused by default (repeatable)
  --deny-peer PREFIX         never relay to PREFIX (repeatable)
  --threads N                worker threads, each with its own core and sockets, clients
                             spread by SO_REUSEPORT (default 1; quotas then count per worker)
  --socket-buffer BYTES      UDP receive/send buffer size (default 4194304; 0: system default)
  --software TEXT            SOFTWARE attribute of responses
  -v, --verbose              log allocations (-vv: also print stats every 10 s)
  -h, --help                 this text
";

/// Everything the binary needs.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) listen: Vec<SocketAddr>,
    pub(crate) udp: bool,
    pub(crate) tcp: bool,
    pub(crate) relay_ip: Option<IpAddr>,
    pub(crate) relay_ipv6: Option<IpAddr>,
    pub(crate) min_port: u16,
    pub(crate) max_port: u16,
    pub(crate) verbose: u8,
    pub(crate) socket_buffer: usize,
    pub(crate) threads: usize,
    pub(crate) tls_listen: Vec<SocketAddr>,
    pub(crate) cert: Option<String>,
    pub(crate) key: Option<String>,
    pub(crate) config: ServerConfig,
}

impl Options {
    fn new() -> Options {
        let mut config = ServerConfig::new("strata");
        config.software = Some(concat!("strata-turn-server ", env!("CARGO_PKG_VERSION")).into());
        Options {
            listen: Vec::new(),
            udp: true,
            tcp: true,
            relay_ip: None,
            relay_ipv6: None,
            min_port: 49152,
            max_port: 65535,
            verbose: 0,
            socket_buffer: 4 << 20,
            threads: 1,
            tls_listen: Vec::new(),
            cert: None,
            key: None,
            config,
        }
    }
}

fn parse<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("--{name}: cannot parse {value:?}"))
}

fn seconds(name: &str, value: &str) -> Result<Duration, String> {
    Ok(Duration::from_secs(parse(name, value)?))
}

fn rate(name: &str, value: &str) -> Result<Option<RateLimit>, String> {
    let n: u64 = parse(name, value)?;
    Ok((n > 0).then_some(RateLimit {
        per_second: n,
        burst: n,
    }))
}

/// Whether the option takes no value.
fn is_flag(name: &str) -> bool {
    matches!(
        name,
        "no-udp" | "no-tcp" | "allow-loopback-peers" | "verbose" | "help"
    )
}

impl Options {
    fn apply(&mut self, name: &str, value: &str) -> Result<(), String> {
        let c = &mut self.config;
        match name {
            "listen" => self.listen.push(parse(name, value)?),
            "tls-listen" => self.tls_listen.push(parse(name, value)?),
            "cert" => self.cert = Some(value.to_owned()),
            "key" => self.key = Some(value.to_owned()),
            "no-udp" => self.udp = false,
            "no-tcp" => self.tcp = false,
            "realm" => c.realm = value.to_owned(),
            "user" => {
                let (u, p) = value
                    .split_once(':')
                    .ok_or_else(|| format!("--user wants NAME:PASSWORD, got {value:?}"))?;
                c.credentials.users.push((u.to_owned(), p.to_owned()));
            }
            "auth-secret" | "static-auth-secret" => {
                c.credentials.auth_secret = Some(value.to_owned());
            }
            "relay-ip" => self.relay_ip = Some(parse(name, value)?),
            "relay-ipv6" => {
                self.relay_ipv6 = Some(parse(name, value)?);
                c.ipv6_relay = true;
            }
            "min-port" => self.min_port = parse(name, value)?,
            "max-port" => self.max_port = parse(name, value)?,
            "user-quota" => c.user_quota = parse(name, value)?,
            "total-quota" => c.total_quota = parse(name, value)?,
            "default-lifetime" => c.default_lifetime = seconds(name, value)?,
            "max-lifetime" => c.max_lifetime = seconds(name, value)?,
            "permission-lifetime" => c.permission_lifetime = seconds(name, value)?,
            "channel-lifetime" => c.channel_lifetime = seconds(name, value)?,
            "nonce-lifetime" => c.nonce_lifetime = seconds(name, value)?,
            "max-bps" => c.bandwidth = rate(name, value)?,
            "max-pps" => c.packet_rate = rate(name, value)?,
            "allow-loopback-peers" => c.peer_filter.allowed.extend(IpPrefix::loopback()),
            "allow-peer" => c.peer_filter.allowed.push(parse(name, value)?),
            "deny-peer" => c.peer_filter.denied.push(parse(name, value)?),
            "software" => c.software = Some(value.to_owned()),
            "verbose" => self.verbose += 1,
            "socket-buffer" => self.socket_buffer = parse(name, value)?,
            "threads" => self.threads = parse::<usize>(name, value)?.clamp(1, 256),
            other => return Err(format!("unknown option --{other}")),
        }
        Ok(())
    }

    fn apply_file(&mut self, text: &str) -> Result<(), String> {
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let (name, value) = match line.split_once('=') {
                Some((n, v)) => (n.trim(), v.trim().trim_matches('"')),
                None => (line, ""),
            };
            if value.is_empty() && !is_flag(name) {
                return Err(format!("line {}: {name} needs a value", i + 1));
            }
            if is_flag(name) && matches!(value, "false" | "0") {
                continue;
            }
            self.apply(name, value)
                .map_err(|e| format!("line {}: {e}", i + 1))?;
        }
        Ok(())
    }
}

/// Parses the command line (without the program name). `Ok(None)` means help was printed.
pub(crate) fn parse_args(args: &[String]) -> Result<Option<Options>, String> {
    let mut opts = Options::new();
    // The configuration file goes first so the command line overrides it.
    if let Some(i) = args.iter().position(|a| a == "--config") {
        let path = args.get(i + 1).ok_or("--config needs a file")?;
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        opts.apply_file(&text)?;
    }
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let name = match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "-v" => "verbose",
            "-vv" => {
                opts.verbose += 2;
                continue;
            }
            "--config" => {
                it.next();
                continue;
            }
            a => a
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument {a:?}"))?,
        };
        let (name, inline) = match name.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (name, None),
        };
        let value = if is_flag(name) {
            ""
        } else {
            match inline {
                Some(v) => v,
                None => it.next().ok_or_else(|| format!("--{name} needs a value"))?,
            }
        };
        opts.apply(name, value)?;
    }
    if opts.listen.is_empty() {
        opts.listen.push(SocketAddr::from(([0, 0, 0, 0], 3478)));
    }
    if opts.min_port > opts.max_port {
        return Err("--min-port is above --max-port".into());
    }
    if opts.config.credentials.users.is_empty() && opts.config.credentials.auth_secret.is_none() {
        return Err("no credentials: give --user NAME:PASSWORD or --auth-secret".into());
    }
    Ok(Some(opts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn command_line() {
        let o = parse_args(&args(
            "--listen 127.0.0.1:3478 --user u:p --user v:q --realm test --allow-loopback-peers \
             --min-port=50000 --max-port 50010 --max-pps 100 -v --no-tcp",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(o.listen, vec!["127.0.0.1:3478".parse().unwrap()]);
        assert_eq!(o.config.credentials.users.len(), 2);
        assert_eq!(o.config.realm, "test");
        assert!(o.config.peer_filter.permits("127.0.0.1".parse().unwrap()));
        assert_eq!((o.min_port, o.max_port), (50000, 50010));
        assert_eq!(o.config.packet_rate.map(|r| r.per_second), Some(100));
        assert_eq!(o.verbose, 1);
        assert!(o.udp && !o.tcp);
        assert!(parse_args(&args("--user u:p --bogus 1")).is_err());
        assert!(
            parse_args(&args("--listen 1.2.3.4:1")).is_err(),
            "needs credentials"
        );
        assert!(parse_args(&args("--help")).unwrap().is_none());
    }

    #[test]
    fn config_file() {
        let mut o = Options::new();
        o.apply_file(
            "# a comment\nrealm = \"example.org\"\nuser = a:b\nuser = c:d # trailing\n\
             allow-loopback-peers = true\nverbose = false\nnonce-lifetime = 60\n",
        )
        .unwrap();
        assert_eq!(o.config.realm, "example.org");
        assert_eq!(o.config.credentials.users.len(), 2);
        assert_eq!(o.config.nonce_lifetime, Duration::from_secs(60));
        assert_eq!(o.verbose, 0);
        assert!(o.apply_file("realm\n").is_err());
        assert!(o.apply_file("nope = 1\n").is_err());
    }
}
