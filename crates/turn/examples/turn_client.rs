//! Relay datagrams through a TURN server with the sans-IO client and blocking std sockets.
//!
//! ```text
//! turn_client --server ADDR --transport udp|tcp|tls --user U --pass P --peer ADDR
//!             [--ca cert.pem] [--count N] [--mode channel|send] [--family ipv4|ipv6]
//! ```
//! It binds a UDP echo peer on `--peer` (a thread), allocates, creates a permission (mode
//! `send`) or binds a channel (mode `channel`) for the peer, sends N messages through the
//! relay, checks that every echo comes back through the allocation, deletes the allocation
//! and prints one summary line. Exit status 0 on success.
#![allow(clippy::print_stdout)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use strata_turn::client::{AddressFamily, Client, Config, Event, Transport};

type Error = Box<dyn std::error::Error>;

struct Args {
    server: SocketAddr,
    transport: Transport,
    user: String,
    pass: String,
    peer: SocketAddr,
    ca: Option<String>,
    count: usize,
    channel: bool,
    family: AddressFamily,
}

fn parse_args() -> Result<Args, Error> {
    let mut it = std::env::args().skip(1);
    let (mut server, mut peer, mut ca) = (None, None, None);
    let (mut transport, mut user, mut pass) = (Transport::Udp, String::new(), String::new());
    let (mut count, mut channel, mut family) = (10, true, None);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => server = Some(value()?.parse()?),
            "--peer" => peer = Some(value()?.parse::<SocketAddr>()?),
            "--transport" => {
                transport = match value()?.as_str() {
                    "udp" => Transport::Udp,
                    "tcp" => Transport::Tcp,
                    "tls" => Transport::Tls,
                    other => return Err(format!("unknown transport {other}").into()),
                }
            }
            "--user" => user = value()?,
            "--pass" => pass = value()?,
            "--ca" => ca = Some(value()?),
            "--count" => count = value()?.parse()?,
            "--mode" => {
                channel = match value()?.as_str() {
                    "channel" => true,
                    "send" => false,
                    other => return Err(format!("unknown mode {other}").into()),
                }
            }
            "--family" => {
                family = Some(match value()?.as_str() {
                    "ipv4" => AddressFamily::Ipv4,
                    "ipv6" => AddressFamily::Ipv6,
                    other => return Err(format!("unknown family {other}").into()),
                });
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let peer: SocketAddr = peer.ok_or("--peer is required")?;
    let family = family.unwrap_or(if peer.is_ipv6() {
        AddressFamily::Ipv6
    } else {
        AddressFamily::Ipv4
    });
    Ok(Args {
        server: server.ok_or("--server is required")?,
        transport,
        user,
        pass,
        peer,
        ca,
        count,
        channel,
        family,
    })
}

/// The connection to the server.
enum Io {
    Udp(UdpSocket, SocketAddr),
    Tcp(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Io {
    fn connect(args: &Args) -> Result<Io, Error> {
        match args.transport {
            Transport::Udp => {
                let any: SocketAddr = if args.server.is_ipv6() {
                    "[::]:0".parse()?
                } else {
                    "0.0.0.0:0".parse()?
                };
                Ok(Io::Udp(UdpSocket::bind(any)?, args.server))
            }
            Transport::Tcp => Ok(Io::Tcp(TcpStream::connect(args.server)?)),
            Transport::Tls => {
                let ca = args.ca.as_deref().ok_or("--transport tls needs --ca")?;
                let mut roots = rustls::RootCertStore::empty();
                use rustls::pki_types::pem::PemObject as _;
                for cert in rustls::pki_types::CertificateDer::pem_file_iter(ca)? {
                    roots.add(cert?)?;
                }
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let config = rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                let name = rustls::pki_types::ServerName::IpAddress(args.server.ip().into());
                let conn = rustls::ClientConnection::new(Arc::new(config), name)?;
                let tcp = TcpStream::connect(args.server)?;
                Ok(Io::Tls(Box::new(rustls::StreamOwned::new(conn, tcp))))
            }
        }
    }

    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Io::Udp(s, server) => s.send_to(bytes, *server).map(|_| ()),
            Io::Tcp(s) => s.write_all(bytes),
            Io::Tls(s) => {
                s.write_all(bytes)?;
                s.flush()
            }
        }
    }

    /// Read with a timeout; `Ok(None)` when nothing came in time.
    fn recv(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> std::io::Result<Option<(usize, SocketAddr)>> {
        let timeout = timeout.max(Duration::from_millis(1));
        let result = match self {
            Io::Udp(s, _) => {
                s.set_read_timeout(Some(timeout))?;
                s.recv_from(buf)
            }
            Io::Tcp(s) => {
                s.set_read_timeout(Some(timeout))?;
                let peer = s.peer_addr()?;
                s.read(buf).map(|n| (n, peer))
            }
            Io::Tls(s) => {
                s.sock.set_read_timeout(Some(timeout))?;
                let peer = s.sock.peer_addr()?;
                s.read(buf).map(|n| (n, peer))
            }
        };
        match result {
            Ok((0, _)) if !matches!(self, Io::Udp(..)) => Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "server closed the connection",
            )),
            Ok(r) => Ok(Some(r)),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

/// A UDP echo peer on `addr`, until `stop`.
fn spawn_echo_peer(addr: SocketAddr, stop: Arc<AtomicBool>) -> Result<(), Error> {
    let socket = UdpSocket::bind(addr)?;
    socket.set_read_timeout(Some(Duration::from_millis(50)))?;
    std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while !stop.load(Ordering::Relaxed) {
            if let Ok((n, from)) = socket.recv_from(&mut buf) {
                let _ = socket.send_to(&buf[..n], from);
            }
        }
    });
    Ok(())
}

struct Driver {
    client: Client,
    io: Io,
    buf: Vec<u8>,
    /// Relayed data that arrived: (peer, data).
    received: Vec<(SocketAddr, Vec<u8>)>,
}

impl Driver {
    /// Flush transmits, then wait for input until `deadline` or an event; return the events.
    fn step(&mut self, deadline: Instant) -> Result<Vec<Event>, Error> {
        let mut events = Vec::new();
        loop {
            while let Some(t) = self.client.poll_transmit() {
                self.io.send(&t.contents)?;
            }
            while let Some(e) = self.client.poll_event() {
                match e {
                    Event::Data { peer, data } => self.received.push((peer, data)),
                    other => events.push(other),
                }
            }
            let now = Instant::now();
            if !events.is_empty() || now >= deadline {
                return Ok(events);
            }
            let wake = self
                .client
                .poll_timeout()
                .map_or(deadline, |t| t.min(deadline));
            let wait = wake
                .saturating_duration_since(now)
                .min(Duration::from_millis(100));
            match self.io.recv(&mut self.buf, wait)? {
                Some((n, from)) => {
                    let now = Instant::now();
                    let bytes = &self.buf[..n];
                    if self.client.config().transport.is_stream() {
                        self.client.handle_stream_data(now, bytes)?;
                    } else if let Some(r) = self.client.handle_packet(now, from, bytes) {
                        self.received.push((r.peer, r.data.to_vec()));
                    }
                }
                None => self.client.handle_timeout(Instant::now()),
            }
        }
    }

    /// Step until `want` matches an event; fail on a terminal one or at the deadline.
    fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        want: impl Fn(&Event) -> bool,
    ) -> Result<Event, Error> {
        let deadline = Instant::now() + timeout;
        loop {
            for e in self.step(deadline)? {
                if want(&e) {
                    return Ok(e);
                }
                if matches!(
                    e,
                    Event::AllocationFailed(_)
                        | Event::AllocationLost(_)
                        | Event::PermissionFailed { .. }
                        | Event::ChannelBindFailed { .. }
                ) {
                    return Err(format!("waiting for {what}: {e:?}").into());
                }
            }
            if Instant::now() >= deadline {
                return Err(format!("timed out waiting for {what}").into());
            }
        }
    }
}

fn main() -> Result<(), Error> {
    let args = parse_args()?;
    let stop = Arc::new(AtomicBool::new(false));
    spawn_echo_peer(args.peer, stop.clone())?;

    let mut config = Config::new(args.server, args.transport, &args.user, &args.pass);
    config.address_family = args.family;
    config.software = Some("strata turn_client example".into());
    let mut driver = Driver {
        client: Client::new(config, Instant::now()),
        io: Io::connect(&args)?,
        buf: vec![0u8; 70_000],
        received: Vec::new(),
    };

    let Event::Allocated {
        relayed, mapped, ..
    } = driver.wait_for("the allocation", Duration::from_secs(5), |e| {
        matches!(e, Event::Allocated { .. })
    })?
    else {
        unreachable!("wait_for returns the event asked for")
    };
    let now = Instant::now();
    if args.channel {
        driver.client.bind_channel(now, args.peer)?;
        driver.wait_for("the channel", Duration::from_secs(5), |e| {
            matches!(e, Event::ChannelBound { .. })
        })?;
    } else {
        driver.client.create_permission(now, args.peer.ip())?;
        driver.wait_for("the permission", Duration::from_secs(5), |e| {
            matches!(e, Event::PermissionCreated(_))
        })?;
    }

    let expected: Vec<Vec<u8>> = (0..args.count)
        .map(|i| format!("strata turn message {i}").into_bytes())
        .collect();
    for message in &expected {
        driver.client.send_to(Instant::now(), args.peer, message)?;
        // Pace a little so a small socket buffer never drops echoes.
        driver.step(Instant::now() + Duration::from_millis(2))?;
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while driver.received.len() < expected.len() && Instant::now() < deadline {
        driver.step(deadline)?;
    }
    let echoed = driver
        .received
        .iter()
        .filter(|(peer, data)| *peer == args.peer && expected.contains(data))
        .count();

    driver.client.delete(Instant::now());
    let deleted = driver
        .wait_for("the deletion", Duration::from_secs(3), |e| {
            matches!(e, Event::Deleted)
        })
        .is_ok();
    stop.store(true, Ordering::Relaxed);

    let transport = match args.transport {
        Transport::Udp => "udp",
        Transport::Tcp => "tcp",
        _ => "tls",
    };
    let mode = if args.channel { "channel" } else { "send" };
    let mapped = mapped.map_or_else(|| "-".to_owned(), |m| m.to_string());
    println!(
        "turn-client transport={transport} mode={mode} relayed={relayed} mapped={mapped} sent={} echoed={echoed} deleted={deleted}",
        expected.len()
    );
    if echoed == expected.len() && deleted {
        Ok(())
    } else {
        Err("not every message came back through the relay".into())
    }
}
