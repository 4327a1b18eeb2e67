//! Two ICE agents in one process, connected over real UDP sockets.
//!
//! ```text
//! cargo run -p strata-ice --example ice_udp                      # both on 127.0.0.1
//! cargo run -p strata-ice --example ice_udp -- 10.0.1.2 10.0.2.2 [STUN_SERVER:PORT]
//! ```
//!
//! Candidates cross over as SDP attribute text (`Display` then `Candidate::parse`), as they
//! would through signalling. Prints the time to connected and a round trip of data.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::error::Error;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use strata_ice::{Agent, AgentConfig, Candidate, ConnectionState, Event, Input, Received, Role};

struct Side {
    name: &'static str,
    agent: Agent,
    socket: UdpSocket,
    local: SocketAddr,
    received: Vec<Vec<u8>>,
}

impl Side {
    fn new(
        name: &'static str,
        role: Role,
        ip: IpAddr,
        now: Instant,
    ) -> Result<Side, Box<dyn Error>> {
        let socket = UdpSocket::bind(SocketAddr::new(ip, 0))?;
        socket.set_nonblocking(true)?;
        let local = socket.local_addr()?;
        let mut agent = Agent::new(
            AgentConfig {
                role,
                ..AgentConfig::default()
            },
            now,
        )?;
        agent.add_local_candidate(local)?;
        Ok(Side {
            name,
            agent,
            socket,
            local,
            received: Vec::new(),
        })
    }

    /// Send what the agent wants sent; return the candidates it reported, as text.
    fn flush(&mut self) -> Result<Vec<String>, Box<dyn Error>> {
        while let Some(t) = self.agent.poll_transmit() {
            self.socket.send_to(&t.data, t.destination)?;
        }
        let mut signalled = Vec::new();
        while let Some(e) = self.agent.poll_event() {
            match e {
                Event::LocalCandidate(c) => signalled.push(c.to_string()),
                Event::SelectedPairChanged { local, remote } => {
                    println!("{}: selected {} <-> {}", self.name, local, remote);
                }
                Event::ConnectionStateChanged(s) => println!("{}: {:?}", self.name, s),
                _ => {}
            }
        }
        Ok(signalled)
    }

    fn receive(&mut self) -> Result<bool, Box<dyn Error>> {
        let mut buf = [0u8; 2048];
        let mut any = false;
        loop {
            match self.socket.recv_from(&mut buf) {
                Ok((n, source)) => {
                    any = true;
                    let input = Input {
                        source,
                        destination: self.local,
                        via: None,
                        data: &buf[..n],
                    };
                    if let Received::Data(d) = self.agent.handle_packet(Instant::now(), input) {
                        self.received.push(d.to_vec());
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(any),
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn timers(&mut self) {
        let now = Instant::now();
        if self.agent.poll_timeout().is_some_and(|t| t <= now) {
            self.agent.handle_timeout(now);
        }
    }

    fn connected(&self) -> bool {
        matches!(
            self.agent.connection_state(),
            ConnectionState::Connected | ConnectionState::Completed
        )
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let ip_a: IpAddr = args.first().map_or("127.0.0.1", String::as_str).parse()?;
    let ip_b: IpAddr = args.get(1).map_or("127.0.0.1", String::as_str).parse()?;
    let stun: Option<SocketAddr> = args.get(2).map(|s| s.parse()).transpose()?;
    let start = Instant::now();
    let mut a = Side::new("a", Role::Controlling, ip_a, start)?;
    let mut b = Side::new("b", Role::Controlled, ip_b, start)?;
    if let Some(server) = stun {
        a.agent.add_stun_server(start, server);
        b.agent.add_stun_server(start, server);
    }
    a.agent.end_of_local_candidates();
    b.agent.end_of_local_candidates();
    let (ua, pa) = a.agent.local_credentials();
    let (ua, pa) = (ua.to_owned(), pa.to_owned());
    let (ub, pb) = b.agent.local_credentials();
    let (ub, pb) = (ub.to_owned(), pb.to_owned());
    a.agent.set_remote_credentials(&ub, &pb)?;
    b.agent.set_remote_credentials(&ua, &pa)?;

    let deadline = start + Duration::from_secs(10);
    let mut ping_sent = false;
    while Instant::now() < deadline {
        for line in a.flush()? {
            b.agent.add_remote_candidate(Candidate::parse(&line)?)?;
        }
        for line in b.flush()? {
            a.agent.add_remote_candidate(Candidate::parse(&line)?)?;
        }
        let got = a.receive()? | b.receive()?;
        a.timers();
        b.timers();
        if a.connected() && b.connected() && !ping_sent {
            println!("connected after {:?}", start.elapsed());
            let t = a.agent.send(Instant::now(), b"ping".to_vec())?;
            a.socket.send_to(&t.data, t.destination)?;
            ping_sent = true;
        }
        if b.received.first().map(Vec::as_slice) == Some(b"ping") && b.received.len() == 1 {
            let t = b.agent.send(Instant::now(), b"pong".to_vec())?;
            b.socket.send_to(&t.data, t.destination)?;
            b.received.push(Vec::new());
        }
        if a.received.first().map(Vec::as_slice) == Some(b"pong") {
            println!("data round trip done after {:?}", start.elapsed());
            return Ok(());
        }
        if !got {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    Err("did not connect within 10 s".into())
}
