//! Resolve or publish a `.local` name with strata-ice's sans-IO mDNS querier and responder
//! over a real multicast socket.
//!
//! ```text
//! mdns resolve NAME [--timeout-ms N]       prints "resolved NAME ADDRESS", exit 0; 1 on timeout
//! mdns publish IPV4 [--seconds N]          prints "published NAME", answers for N seconds
//! ```
//! The socket is bound to 0.0.0.0:5353 with SO_REUSEADDR/SO_REUSEPORT (so it coexists with
//! other mDNS stacks on the host) and joined to 224.0.0.251 on every interface.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};
use strata_ice::OsRng;
use strata_ice::mdns::{Querier, QuerierConfig, QuerierEvent, Responder, ResponderConfig};

fn mdns_socket() -> std::io::Result<UdpSocket> {
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    s.bind(&SocketAddr::from((Ipv4Addr::UNSPECIFIED, 5353)).into())?;
    s.join_multicast_v4(&Ipv4Addr::new(224, 0, 0, 251), &Ipv4Addr::UNSPECIFIED)?;
    s.set_multicast_loop_v4(true)?;
    s.set_multicast_ttl_v4(255)?;
    Ok(s.into())
}

fn arg(args: &[String], flag: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("a number"))
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(verb), Some(what)) = (args.first(), args.get(1)) else {
        eprintln!("usage: mdns resolve NAME [--timeout-ms N] | mdns publish IPV4 [--seconds N]");
        std::process::exit(2);
    };
    let socket = mdns_socket()?;
    let mut buf = [0u8; 9000];
    let start = Instant::now();
    match verb.as_str() {
        "resolve" => {
            let timeout = Duration::from_millis(arg(&args, "--timeout-ms", 5000));
            let mut q = Querier::new(QuerierConfig {
                ask_aaaa: false,
                timeout,
                ..QuerierConfig::default()
            });
            q.query(start, what).map_err(std::io::Error::other)?;
            loop {
                while let Some(t) = q.poll_transmit() {
                    socket.send_to(&t.contents, t.destination)?;
                }
                match q.poll_event() {
                    Some(QuerierEvent::Resolved { name, address }) => {
                        println!("resolved {name} {address}");
                        return Ok(());
                    }
                    Some(QuerierEvent::Failed { name }) => {
                        println!("failed {name}");
                        std::process::exit(1);
                    }
                    None => {}
                }
                let now = Instant::now();
                let wake = q.poll_timeout().unwrap_or(now + Duration::from_millis(100));
                socket.set_read_timeout(Some(
                    wake.saturating_duration_since(now)
                        .max(Duration::from_millis(1)),
                ))?;
                match socket.recv_from(&mut buf) {
                    Ok((n, _)) => q.handle_packet(Instant::now(), &buf[..n]),
                    Err(e) if is_timeout(&e) => q.handle_timeout(Instant::now()),
                    Err(e) => return Err(e),
                }
            }
        }
        "publish" => {
            let ip: Ipv4Addr = what.parse().expect("an IPv4 address");
            let until = start + Duration::from_secs(arg(&args, "--seconds", 10));
            let mut r = Responder::new(ResponderConfig::default());
            let name = r
                .publish(start, ip.into(), &mut OsRng::default())
                .map_err(std::io::Error::other)?;
            println!("published {name}");
            while Instant::now() < until {
                while let Some(t) = r.poll_transmit() {
                    socket.send_to(&t.contents, t.destination)?;
                }
                let now = Instant::now();
                let wake = r.poll_timeout().unwrap_or(until).min(until);
                socket.set_read_timeout(Some(
                    wake.saturating_duration_since(now)
                        .max(Duration::from_millis(1)),
                ))?;
                match socket.recv_from(&mut buf) {
                    Ok((n, from)) => r.handle_packet(Instant::now(), from, &buf[..n]),
                    Err(e) if is_timeout(&e) => r.handle_timeout(Instant::now()),
                    Err(e) => return Err(e),
                }
            }
            println!("answers sent {}", r.stats().answers_sent);
            Ok(())
        }
        _ => {
            eprintln!("unknown verb {verb}");
            std::process::exit(2);
        }
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}
