//! One ICE agent per process over real sockets, signalling through files: for NAT tests.
//!
//! ```text
//! ice_peer --role controlling|controlled --dir DIR --bind IP [--stun ADDR]
//!          [--turn ADDR --turn-transport udp|tcp --user U --pass P] [--relay-only]
//!          [--timeout-secs N]
//! ```
//! Each side writes `ice-ufrag:`/`ice-pwd:` lines and then its candidates (`Candidate`
//! display lines, trickled as they are gathered, `end-of-candidates` last) to `DIR/ROLE.local`
//! and reads the other side's file as it grows. A relayed candidate comes from a
//! `strata_turn::client::Client` (UDP or TCP to the server); the agent's transmits with
//! `via: Some(..)` go through it (a channel is bound to each new peer address first).
//! Once connected, each side sends 100 numbered datagrams through `Agent::send` and the other
//! echoes them back; it prints one summary line and exits 0 when all 100 came back, 1 on
//! failure or timeout.

#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

use std::collections::HashSet;
use std::error::Error;
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use strata_ice::{
    Agent, AgentConfig, Candidate, ConnectionState, Event, Input, Received, RelayId, Role, Transmit,
};
use strata_turn::client::{Client, Config, Event as TurnEvent, Transport};

type Res<T> = Result<T, Box<dyn Error>>;

const COUNT: usize = 100;
const RELAY: RelayId = RelayId(1);

struct Args {
    role: Role,
    dir: PathBuf,
    bind: IpAddr,
    stun: Option<SocketAddr>,
    turn: Option<SocketAddr>,
    turn_tcp: bool,
    user: String,
    pass: String,
    relay_only: bool,
    timeout: Duration,
}

fn parse_args() -> Res<Args> {
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        role: Role::Controlling,
        dir: PathBuf::new(),
        bind: "0.0.0.0".parse()?,
        stun: None,
        turn: None,
        turn_tcp: false,
        user: String::new(),
        pass: String::new(),
        relay_only: false,
        timeout: Duration::from_secs(20),
    };
    let (mut role, mut dir, mut bind) = (None, None, None);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--role" => {
                role = Some(match value()?.as_str() {
                    "controlling" => Role::Controlling,
                    "controlled" => Role::Controlled,
                    other => return Err(format!("unknown role {other}").into()),
                });
            }
            "--dir" => dir = Some(PathBuf::from(value()?)),
            "--bind" => bind = Some(value()?.parse()?),
            "--stun" => a.stun = Some(value()?.parse()?),
            "--turn" => a.turn = Some(value()?.parse()?),
            "--turn-transport" => {
                a.turn_tcp = match value()?.as_str() {
                    "udp" => false,
                    "tcp" => true,
                    other => return Err(format!("unknown TURN transport {other}").into()),
                };
            }
            "--user" => a.user = value()?,
            "--pass" => a.pass = value()?,
            "--relay-only" => a.relay_only = true,
            "--timeout-secs" => a.timeout = Duration::from_secs(value()?.parse()?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    a.role = role.ok_or("--role is required")?;
    a.dir = dir.ok_or("--dir is required")?;
    a.bind = bind.ok_or("--bind is required")?;
    if a.relay_only && a.turn.is_none() {
        return Err("--relay-only needs --turn".into());
    }
    Ok(a)
}

/// The connection to the TURN server.
enum TurnIo {
    Udp(UdpSocket, SocketAddr),
    Tcp(TcpStream),
}

struct Turn {
    client: Client,
    io: TurnIo,
    relayed: Option<SocketAddr>,
}

impl Turn {
    fn flush(&mut self) -> Res<()> {
        while let Some(t) = self.client.poll_transmit() {
            match &mut self.io {
                TurnIo::Udp(s, server) => {
                    s.send_to(&t.contents, *server)?;
                }
                TurnIo::Tcp(s) => s.write_all(&t.contents)?,
            }
        }
        Ok(())
    }
}

/// The file signalling channel: our file (append) and the peer's (read as it grows).
struct Signal {
    ours: std::fs::File,
    theirs: PathBuf,
    read: usize,
    pending: String,
}

impl Signal {
    fn write(&mut self, line: &str) -> Res<()> {
        self.ours.write_all(format!("{line}\n").as_bytes())?;
        self.ours.flush()?;
        Ok(())
    }

    /// Complete new lines of the peer's file.
    fn poll(&mut self) -> Res<Vec<String>> {
        let Ok(mut f) = std::fs::File::open(&self.theirs) else {
            return Ok(Vec::new());
        };
        let mut all = Vec::new();
        f.read_to_end(&mut all)?;
        let new = all.get(self.read..).unwrap_or_default();
        self.read = all.len();
        self.pending.push_str(std::str::from_utf8(new)?);
        let mut lines = Vec::new();
        while let Some(i) = self.pending.find('\n') {
            lines.push(self.pending[..i].trim().to_owned());
            self.pending.drain(..=i);
        }
        Ok(lines)
    }
}

struct Peer {
    agent: Agent,
    socket: Option<UdpSocket>,
    local: Option<SocketAddr>,
    turn: Option<Turn>,
    signal: Signal,
    /// Remote addresses we asked the TURN client to bind a channel to.
    channels: HashSet<SocketAddr>,
    /// Application data that arrived on the selected pair.
    inbox: Vec<Vec<u8>>,
    buf: Vec<u8>,
}

impl Peer {
    fn transmit(&mut self, t: &Transmit) -> Res<()> {
        match t.via {
            None => {
                if let Some(s) = &self.socket {
                    // A send error (e.g. no route) is a lost datagram, not a failure.
                    let _ = s.send_to(&t.data, t.destination);
                }
            }
            Some(_) => {
                let Some(turn) = &mut self.turn else {
                    return Ok(());
                };
                let now = Instant::now();
                if self.channels.insert(t.destination)
                    && let Err(e) = turn.client.bind_channel(now, t.destination)
                {
                    eprintln!("channel bind to {}: {e}", t.destination);
                }
                if let Err(e) = turn.client.send_to(now, t.destination, &t.data) {
                    eprintln!("relay send to {}: {e}", t.destination);
                }
                turn.flush()?;
            }
        }
        Ok(())
    }

    /// Send the agent's datagrams, signal its candidates; true when anything happened.
    fn flush(&mut self) -> Res<bool> {
        let mut any = false;
        while let Some(t) = self.agent.poll_transmit() {
            any = true;
            self.transmit(&t)?;
        }
        while let Some(e) = self.agent.poll_event() {
            any = true;
            match e {
                Event::LocalCandidate(c) => self.signal.write(&c.to_string())?,
                Event::EndOfLocalCandidates => self.signal.write("end-of-candidates")?,
                Event::SelectedPairChanged { local, remote } => {
                    eprintln!("selected {local} <-> {remote}");
                }
                Event::ConnectionStateChanged(s) => eprintln!("state {s:?}"),
                _ => {}
            }
        }
        if let Some(turn) = &mut self.turn {
            turn.flush()?;
            while let Some(e) = turn.client.poll_event() {
                any = true;
                match e {
                    TurnEvent::Allocated { relayed, .. } => {
                        eprintln!("allocated {relayed}");
                        turn.relayed = Some(relayed);
                        let server = turn.client.config().server;
                        self.agent
                            .add_local_relay_candidate(relayed, server, RELAY)?;
                        self.agent.end_of_local_candidates();
                    }
                    TurnEvent::Data { peer, data } => {
                        if let Some(relayed) = turn.relayed {
                            let input = Input {
                                source: peer,
                                destination: relayed,
                                via: Some(RELAY),
                                data: &data,
                            };
                            if let Received::Data(d) =
                                self.agent.handle_packet(Instant::now(), input)
                            {
                                self.inbox.push(d.to_vec());
                            }
                        }
                    }
                    TurnEvent::AllocationFailed(e) | TurnEvent::AllocationLost(e) => {
                        eprintln!("TURN allocation failed: {e}");
                        self.agent.end_of_local_candidates();
                    }
                    TurnEvent::ChannelBindFailed { peer, error } => {
                        // Fall back to a permission and Send indications for this peer.
                        eprintln!("turn: channel bind to {peer} failed ({error}); using Send");
                        if let Err(e) = turn.client.create_permission(Instant::now(), peer.ip()) {
                            eprintln!("turn: permission for {peer}: {e}");
                        }
                    }
                    other => eprintln!("turn: {other:?}"),
                }
            }
        }
        Ok(any)
    }

    /// Read every socket until it would block; true when anything arrived.
    fn receive(&mut self) -> Res<bool> {
        let mut any = false;
        if let (Some(s), Some(local)) = (&self.socket, self.local) {
            loop {
                match s.recv_from(&mut self.buf) {
                    Ok((n, source)) => {
                        any = true;
                        let input = Input {
                            source,
                            destination: local,
                            via: None,
                            data: &self.buf[..n],
                        };
                        if let Received::Data(d) = self.agent.handle_packet(Instant::now(), input) {
                            self.inbox.push(d.to_vec());
                        }
                    }
                    Err(e) if would_block(&e) => break,
                    // An ICMP error for an earlier datagram (unreachable candidate): go on.
                    Err(e) => eprintln!("host socket: {e}"),
                }
            }
        }
        if let Some(turn) = &mut self.turn {
            loop {
                let now = Instant::now();
                match &mut turn.io {
                    TurnIo::Udp(s, _) => match s.recv_from(&mut self.buf) {
                        Ok((n, from)) => {
                            any = true;
                            let Some(r) = turn.client.handle_packet(now, from, &self.buf[..n])
                            else {
                                continue;
                            };
                            let Some(relayed) = turn.relayed else {
                                continue;
                            };
                            let input = Input {
                                source: r.peer,
                                destination: relayed,
                                via: Some(RELAY),
                                data: r.data,
                            };
                            if let Received::Data(d) = self.agent.handle_packet(now, input) {
                                self.inbox.push(d.to_vec());
                            }
                        }
                        Err(e) if would_block(&e) => break,
                        Err(e) => eprintln!("TURN socket: {e}"),
                    },
                    TurnIo::Tcp(s) => match s.read(&mut self.buf) {
                        Ok(0) => return Err("TURN server closed the TCP connection".into()),
                        Ok(n) => {
                            any = true;
                            turn.client.handle_stream_data(now, &self.buf[..n])?;
                        }
                        Err(e) if would_block(&e) => break,
                        Err(e) => return Err(e.into()),
                    },
                }
            }
        }
        Ok(any)
    }

    fn timers(&mut self) {
        let now = Instant::now();
        if self.agent.poll_timeout().is_some_and(|t| t <= now) {
            self.agent.handle_timeout(now);
        }
        if let Some(turn) = &mut self.turn
            && turn.client.poll_timeout().is_some_and(|t| t <= now)
        {
            turn.client.handle_timeout(now);
        }
    }

    /// Apply the peer's signalling lines.
    fn signalling(&mut self) -> Res<()> {
        let mut ufrag = None;
        let mut pwd = None;
        for line in self.signal.poll()? {
            if let Some(u) = line.strip_prefix("ice-ufrag:") {
                ufrag = Some(u.to_owned());
            } else if let Some(p) = line.strip_prefix("ice-pwd:") {
                pwd = Some(p.to_owned());
            } else if line == "end-of-candidates" {
                self.agent.end_of_remote_candidates();
            } else if line.starts_with("candidate:") {
                match Candidate::parse(&line) {
                    Ok(c) => {
                        if let Err(e) = self.agent.add_remote_candidate(c) {
                            eprintln!("remote candidate {line}: {e}");
                        }
                    }
                    Err(e) => eprintln!("unparsable candidate {line}: {e}"),
                }
            }
            if let (Some(u), Some(p)) = (&ufrag, &pwd) {
                self.agent.set_remote_credentials(u, p)?;
                ufrag = None;
                pwd = None;
            }
        }
        Ok(())
    }
}

fn would_block(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Controlling => "controlling",
        Role::Controlled => "controlled",
    }
}

/// The `typ` of a candidate line.
fn kind_of(line: &str) -> String {
    let mut words = line.split(' ');
    words
        .by_ref()
        .find(|w| *w == "typ")
        .and_then(|_| words.next())
        .unwrap_or("-")
        .to_owned()
}

fn connected(agent: &Agent) -> bool {
    matches!(
        agent.connection_state(),
        ConnectionState::Connected | ConnectionState::Completed
    )
}

fn main() {
    match run() {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("ice_peer: {e}");
            std::process::exit(1);
        }
    }
}

fn run() -> Res<bool> {
    let args = parse_args()?;
    let start = Instant::now();
    let me = role_name(args.role);
    let other = role_name(match args.role {
        Role::Controlling => Role::Controlled,
        Role::Controlled => Role::Controlling,
    });
    let ours = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(args.dir.join(format!("{me}.local")))?;
    let signal = Signal {
        ours,
        theirs: args.dir.join(format!("{other}.local")),
        read: 0,
        pending: String::new(),
    };
    let agent = Agent::new(
        AgentConfig {
            role: args.role,
            ..AgentConfig::default()
        },
        start,
    )?;

    let (socket, local) = if args.relay_only {
        (None, None)
    } else {
        let s = UdpSocket::bind(SocketAddr::new(args.bind, 0))?;
        s.set_nonblocking(true)?;
        let local = s.local_addr()?;
        (Some(s), Some(local))
    };
    let turn = match args.turn {
        None => None,
        Some(server) => {
            let (transport, io) = if args.turn_tcp {
                let s = TcpStream::connect_timeout(&server, Duration::from_secs(5))?;
                s.set_nonblocking(true)?;
                s.set_nodelay(true)?;
                (Transport::Tcp, TurnIo::Tcp(s))
            } else {
                let s = UdpSocket::bind(SocketAddr::new(args.bind, 0))?;
                s.set_nonblocking(true)?;
                (Transport::Udp, TurnIo::Udp(s, server))
            };
            let mut config = Config::new(server, transport, &args.user, &args.pass);
            config.software = Some("strata ice_peer example".into());
            Some(Turn {
                client: Client::new(config, start),
                io,
                relayed: None,
            })
        }
    };
    let mut peer = Peer {
        agent,
        socket,
        local,
        turn,
        signal,
        channels: HashSet::new(),
        inbox: Vec::new(),
        buf: vec![0u8; 70_000],
    };
    let (u, p) = peer.agent.local_credentials();
    let (u, p) = (u.to_owned(), p.to_owned());
    peer.signal.write(&format!("ice-ufrag:{u}"))?;
    peer.signal.write(&format!("ice-pwd:{p}"))?;
    if let Some(local) = local {
        peer.agent.add_local_candidate(local)?;
        if let Some(stun) = args.stun {
            peer.agent.add_stun_server(start, stun);
        }
    }
    if peer.turn.is_none() {
        peer.agent.end_of_local_candidates();
    }

    let deadline = start + args.timeout;
    let done_ours = args.dir.join(format!("{me}.done"));
    let done_theirs = args.dir.join(format!("{other}.done"));
    let mut connected_at: Option<Duration> = None;
    let mut echoed: HashSet<usize> = HashSet::new();
    let mut last_burst: Option<Instant> = None;
    let mut finished_at: Option<Instant> = None;
    let mut last_signal_poll = start;
    while Instant::now() < deadline {
        let mut any = peer.flush()?;
        if Instant::now().duration_since(last_signal_poll) >= Duration::from_millis(10) {
            last_signal_poll = Instant::now();
            peer.signalling()?;
        }
        any |= peer.receive()?;
        peer.timers();
        if connected(&peer.agent) && connected_at.is_none() {
            connected_at = Some(start.elapsed());
        }
        // Echo the peer's datagrams, count the echoes of ours.
        for d in std::mem::take(&mut peer.inbox) {
            let text = String::from_utf8_lossy(&d).into_owned();
            if let Some(n) = text.strip_prefix(&format!("{other} ")) {
                let reply = format!("echo {other} {n}");
                if let Ok(t) = peer.agent.send(Instant::now(), reply.into_bytes()) {
                    peer.transmit(&t)?;
                }
            } else if let Some(Ok(n)) = text
                .strip_prefix(&format!("echo {me} "))
                .map(str::parse::<usize>)
                && n < COUNT
            {
                echoed.insert(n);
            }
        }
        // Send (and re-send every 300 ms) the datagrams not echoed yet, paced in bursts.
        if connected_at.is_some()
            && echoed.len() < COUNT
            && last_burst.is_none_or(|t| t.elapsed() >= Duration::from_millis(300))
        {
            last_burst = Some(Instant::now());
            for i in (0..COUNT).filter(|i| !echoed.contains(i)) {
                let t = peer
                    .agent
                    .send(Instant::now(), format!("{me} {i}").into_bytes())?;
                peer.transmit(&t)?;
            }
        }
        if echoed.len() == COUNT && finished_at.is_none() {
            finished_at = Some(Instant::now());
            std::fs::write(&done_ours, b"done\n")?;
        }
        // Keep echoing for the peer until it is done too (or 3 s at most).
        if finished_at.is_some_and(|f| done_theirs.exists() || f.elapsed() > Duration::from_secs(3))
        {
            break;
        }
        if !any {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    let types = peer.agent.selected_pair().map(|(l, r)| {
        (
            kind_of(&l.to_string()),
            kind_of(&r.to_string()),
            l.to_string(),
            r.to_string(),
        )
    });
    let (lt, rt) = types
        .as_ref()
        .map_or(("-", "-"), |(l, r, _, _)| (l.as_str(), r.as_str()));
    match connected_at {
        Some(at) => println!(
            "{me}: connected via local={lt} remote={rt} in {} ms; {}/{COUNT} echoed",
            at.as_millis(),
            echoed.len()
        ),
        None => println!("{me}: not connected ({:?})", peer.agent.connection_state()),
    }
    if let Some((_, _, l, r)) = &types {
        println!("{me}: selected {l} <-> {r}");
    }
    if let Some(turn) = &mut peer.turn {
        turn.client.delete(Instant::now());
        let _ = turn.flush();
    }
    Ok(connected_at.is_some() && echoed.len() == COUNT)
}
