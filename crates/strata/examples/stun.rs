//! A STUN Binding client and server over real UDP sockets, driven by the sans-IO
//! `strata-stun` state machines. Used by `cargo xtask interop` against coturn.
//!
//! ```text
//! cargo run -p strata --example stun -- server 127.0.0.1:3478 [--count N] [--user U --pass P]
//! cargo run -p strata --example stun -- client 127.0.0.1:3478 [--bind ADDR] [--user U --pass P]
//! ```
//! The client prints `mapped-address <ip:port>` and exits 0 on success.
#![allow(clippy::print_stdout)]

use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use strata::stun::{
    AttrType, Attribute, BindingServer, BindingServerConfig, Class, ClientTransaction,
    IntegrityKey, Message, MessageBuilder, MessageType, OsRng, ShortTermCredentials,
    TransactionConfig, TransactionEvent, TransactionId,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let result = match (args.first().map(String::as_str), args.get(1)) {
        (Some("server"), Some(addr)) => server(
            addr,
            flag("--count").and_then(|c| c.parse().ok()),
            flag("--user").zip(flag("--pass")),
        ),
        (Some("client"), Some(addr)) => client(
            addr,
            flag("--bind").as_deref().unwrap_or("0.0.0.0:0"),
            flag("--user").zip(flag("--pass")),
        )
        .map(|mapped| println!("mapped-address {mapped}")),
        _ => Err("usage: stun server ADDR [--count N] [--user U --pass P] | stun client ADDR [--bind ADDR] [--user U --pass P]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stun: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

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
    let mut buf = [0u8; 2048];
    while count.is_none_or(|c| server.stats().answered + server.stats().rejected < c) {
        let (n, from) = socket.recv_from(&mut buf)?;
        server.handle_packet(Instant::now(), from, &buf[..n]);
        while let Some(t) = server.poll_transmit() {
            socket.send_to(&t.contents, t.destination)?;
        }
    }
    println!("stats {:?}", server.stats());
    Ok(())
}

/// Run one Binding transaction against `server` and return the reflexive address.
pub fn client(server: &str, bind: &str, creds: Option<(String, String)>) -> Result<SocketAddr> {
    let server: SocketAddr = server.parse()?;
    let socket = UdpSocket::bind(bind)?;
    let tid = TransactionId::random(&mut OsRng::default());
    let mut request = MessageBuilder::new(MessageType::BINDING_REQUEST, tid);
    request.add(&Attribute::Software(concat!(
        "strata-stun ",
        env!("CARGO_PKG_VERSION")
    )))?;
    let key = match &creds {
        Some((user, pass)) => {
            request.add(&Attribute::Username(user))?;
            let key = IntegrityKey::short_term(pass)?;
            request.add_message_integrity(&key)?;
            Some(key)
        }
        None => None,
    };
    request.add_fingerprint()?;
    let mut tx = ClientTransaction::new(
        Instant::now(),
        server,
        request.finish(),
        TransactionConfig::default(),
    )?;
    let mut buf = [0u8; 2048];
    loop {
        while let Some(t) = tx.poll_transmit() {
            socket.send_to(&t.contents, t.destination)?;
        }
        if let Some(event) = tx.poll_event() {
            return match event {
                TransactionEvent::Response {
                    class: Class::SuccessResponse,
                    message,
                    rtt,
                } => {
                    let m = Message::new_checked(&message[..])?;
                    if m.get(AttrType::FINGERPRINT).is_some() {
                        m.verify_fingerprint()?;
                    }
                    if let Some(key) = &key {
                        m.verify_integrity(key)?;
                    }
                    if let Some(rtt) = rtt {
                        eprintln!("rtt {rtt:?}");
                    }
                    match m
                        .get_typed(AttrType::XOR_MAPPED_ADDRESS)
                        .or_else(|| m.get_typed(AttrType::MAPPED_ADDRESS))
                    {
                        Some(Ok(Attribute::XorMappedAddress(a) | Attribute::MappedAddress(a))) => {
                            Ok(a)
                        }
                        other => Err(format!("no mapped address in response: {other:?}").into()),
                    }
                }
                TransactionEvent::Response { message, .. } => {
                    let m = Message::new_checked(&message[..])?;
                    Err(format!("error response: {:?}", m.get_typed(AttrType::ERROR_CODE)).into())
                }
                TransactionEvent::TimedOut => Err("no response: transaction timed out".into()),
            };
        }
        let deadline = tx.poll_timeout().ok_or("transaction has no timer")?;
        let wait = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        socket.set_read_timeout(Some(wait))?;
        match socket.recv_from(&mut buf) {
            Ok((n, from)) if from == server => {
                tx.handle_packet(Instant::now(), &buf[..n]);
            }
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                tx.handle_timeout(Instant::now());
            }
            Err(e) => return Err(e.into()),
        }
    }
}
