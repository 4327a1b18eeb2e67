//! A STUN Binding client and server over real UDP sockets, driven by the sans-IO
//! `strata-stun` state machines. `cargo xtask interop` runs it against coturn.
//!
//! ```text
//! cargo run -p strata --example stun -- server 127.0.0.1:3478 [--count N] [--user U --pass P]
//! cargo run -p strata --example stun -- client 127.0.0.1:3478 [--bind ADDR] [--user U --pass P]
//! ```
//! The client prints `mapped-address <ip:port>` and exits 0 on success.
#![allow(clippy::print_stdout)]

mod common;

use std::net::UdpSocket;
use std::process::ExitCode;

use common::{BindingOutcome, Result};
use strata::stun::{BindingServer, BindingServerConfig, IntegrityKey, ShortTermCredentials};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let creds = flag("--user").zip(flag("--pass"));
    let result = match (args.first().map(String::as_str), args.get(1)) {
        (Some("server"), Some(addr)) => {
            server(addr, flag("--count").and_then(|c| c.parse().ok()), creds)
        }
        (Some("client"), Some(addr)) => client(
            addr,
            flag("--bind").as_deref().unwrap_or("0.0.0.0:0"),
            creds.as_ref().map(|(u, p)| (u.as_str(), p.as_str())),
        ),
        _ => Err("usage: stun server ADDR [--count N] [--user U --pass P] \
                  | stun client ADDR [--bind ADDR] [--user U --pass P]"
            .into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stun: {e}");
            ExitCode::FAILURE
        }
    }
}

fn server(addr: &str, count: Option<u64>, creds: Option<(String, String)>) -> Result<()> {
    let socket = UdpSocket::bind(addr)?;
    println!("listening {}", socket.local_addr()?);
    let credentials = match creds {
        Some((username, pass)) => Some(ShortTermCredentials {
            username,
            key: IntegrityKey::short_term(&pass)?,
        }),
        None => None,
    };
    let mut server = BindingServer::new(BindingServerConfig {
        software: Some(concat!("strata-stun ", env!("CARGO_PKG_VERSION")).into()),
        credentials,
        ..BindingServerConfig::default()
    });
    common::serve(&socket, &mut server, count)?;
    println!("stats {:?}", server.stats());
    Ok(())
}

fn client(server: &str, bind: &str, creds: Option<(&str, &str)>) -> Result<()> {
    let socket = UdpSocket::bind(bind)?;
    match common::binding(&socket, server.parse()?, creds)? {
        BindingOutcome::Mapped { address, rtt } => {
            if let Some(rtt) = rtt {
                eprintln!("rtt {rtt:?}");
            }
            println!("mapped-address {address}");
            Ok(())
        }
        BindingOutcome::Error(code, reason) => {
            Err(format!("error response {code} {reason}").into())
        }
    }
}
