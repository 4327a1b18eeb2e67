//! The Rust side of the usrsctp interop cases (`cargo xtask interop sctp-usrsctp-...`,
//! xtask/src/interop/usrsctp.rs): an [`Association`] driven over a plain UDP socket and a
//! real clock, no DTLS, against usrsctp in AF_CONN mode (xtask/interop/usrsctp/usrsctp_peer.c),
//! which sends and takes the same raw SCTP packets (common header + chunks, CRC32c).
//!
//! Both sides run the same plan (the `PLANS` table here and the C program's must match): a
//! set of flows (stream, count, size, ordered, partial reliability). Each message carries a
//! 16-byte header (index, length, stream, flags) and a pattern derived from it, so the
//! receiver checks every byte, the order of ordered flows, that unordered messages arrive
//! exactly once and that partially reliable flows never deliver a stale or duplicate
//! message and end with their reliable final message (no stall behind FORWARD TSN). When a
//! side has received the whole plan it sends "got-all" on stream 0; the side with
//! `--close shutdown|abort` closes once it has received everything and the peer's
//! "got-all", the other (`--close peer-shutdown|peer-abort`) expects that close.
//!
//! ```text
//! usrsctp_peer --role client|server --local PORT --remote PORT --plan NAME
//!     --close shutdown|abort|peer-shutdown|peer-abort [--drop PERMILLE] [--seed N]
//!     [--expect-forward-tsn] [--idata] [--timeout SECS]
//! ```
//! `--drop` discards that share of packets in both directions once the association is
//! established (a seeded impaired link). `--idata` asks for I-DATA (RFC 8260) and requires
//! I-DATA chunks both ways; strata-sctp cannot negotiate it yet, so the flag only sets the
//! expectation.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use strata_sctp::association::{
    Association, CloseReason, Config, Error, Event, SendOptions, State,
};
use strata_sctp::chunk::Ppid;
use strata_sctp::{ChunkType, SctpPacket};

const HEADER_LEN: usize = 16;
const FLAG_ORDERED: u8 = 1;
const FLAG_FINAL: u8 = 4;
const FINAL_LEN: usize = HEADER_LEN + 16;
const GOT_ALL: &[u8] = b"got-all";

/// Partial reliability of a flow (RFC 3758 policies as usrsctp names them).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pr {
    None,
    /// SCTP_PR_SCTP_RTX: at most this many retransmissions.
    Rtx(u16),
    /// SCTP_PR_SCTP_TTL: abandoned this many milliseconds after the send.
    Ttl(u64),
}

struct Flow {
    stream: u16,
    count: u32,
    size: usize,
    ordered: bool,
    pr: Pr,
}

struct Plan {
    name: &'static str,
    flows: &'static [Flow],
    /// Send the flows, reset their streams, send them again (indices continue).
    reset: bool,
}

const fn flow(stream: u16, count: u32, size: usize, ordered: bool, pr: Pr) -> Flow {
    Flow {
        stream,
        count,
        size,
        ordered,
        pr,
    }
}

/// Keep in step with PLANS in xtask/interop/usrsctp/usrsctp_peer.c.
const PLANS: &[Plan] = &[
    Plan {
        name: "data",
        reset: false,
        flows: &[
            flow(1, 200, 1024, true, Pr::None),
            flow(2, 40, 16384, true, Pr::None),
            flow(3, 6, 262_144, true, Pr::None),
            flow(4, 200, 1024, false, Pr::None),
            flow(5, 20, 16384, false, Pr::None),
        ],
    },
    Plan {
        name: "smoke",
        reset: false,
        flows: &[
            flow(1, 20, 1024, true, Pr::None),
            flow(2, 4, 16384, true, Pr::None),
            flow(3, 1, 262_144, true, Pr::None),
            flow(4, 20, 1024, false, Pr::None),
        ],
    },
    Plan {
        name: "pr",
        reset: false,
        flows: &[
            flow(1, 300, 1024, true, Pr::Rtx(0)),
            flow(2, 300, 1024, false, Pr::Rtx(0)),
            flow(3, 60, 8192, true, Pr::Rtx(1)),
            flow(4, 100, 2048, true, Pr::Ttl(50)),
            flow(6, 100, 1024, true, Pr::None),
        ],
    },
    Plan {
        name: "reset",
        reset: true,
        flows: &[
            flow(7, 10, 1024, true, Pr::None),
            flow(8, 10, 1024, true, Pr::None),
        ],
    },
    Plan {
        name: "close",
        reset: false,
        flows: &[flow(1, 10, 1024, true, Pr::None)],
    },
    Plan {
        name: "idata",
        reset: false,
        flows: &[
            flow(1, 4, 262_144, true, Pr::None),
            flow(2, 4, 262_144, true, Pr::None),
            flow(3, 100, 1024, true, Pr::None),
            flow(4, 100, 1024, false, Pr::None),
        ],
    },
];

impl Plan {
    fn expected(&self, f: &Flow) -> u32 {
        if self.reset { 2 * f.count } else { f.count }
    }

    fn max_count(&self) -> u32 {
        self.flows.iter().map(|f| f.count).max().unwrap_or(0)
    }
}

fn pattern(index: u32, stream: u16, pos: usize) -> u8 {
    let pos = pos as u32;
    (pos.wrapping_mul(31)
        .wrapping_add(index.wrapping_mul(7))
        .wrapping_add(u32::from(stream) * 13)
        .wrapping_add(pos >> 8)) as u8
}

fn fill(buf: &mut Vec<u8>, index: u32, len: usize, stream: u16, flags: u8) {
    buf.clear();
    buf.extend_from_slice(&index.to_be_bytes());
    buf.extend_from_slice(&(len as u32).to_be_bytes());
    buf.extend_from_slice(&stream.to_be_bytes());
    buf.push(flags);
    buf.extend_from_slice(&[0; 5]);
    buf.extend((HEADER_LEN..len).map(|i| pattern(index, stream, i)));
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Close {
    Shutdown,
    Abort,
    PeerShutdown,
    PeerAbort,
}

struct Args {
    client: bool,
    local: u16,
    remote: u16,
    plan: &'static Plan,
    close: Close,
    drop_permille: u32,
    seed: u64,
    expect_forward_tsn: bool,
    idata: bool,
    timeout: Duration,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let (mut role, mut local, mut remote, mut plan, mut close) = (None, 0, 0, None, None);
    let (mut drop_permille, mut seed, mut expect_forward_tsn, mut idata) = (0, 1, false, false);
    let mut timeout = 60;
    while let Some(a) = it.next() {
        match a.as_str() {
            "--expect-forward-tsn" => expect_forward_tsn = true,
            "--idata" => idata = true,
            _ => {
                let v = it.next().ok_or(format!("{a} needs a value"))?;
                let num = |v: &str| v.parse::<u64>().map_err(|e| format!("{a} {v}: {e}"));
                match a.as_str() {
                    "--role" => role = Some(v),
                    "--local" => local = num(&v)? as u16,
                    "--remote" => remote = num(&v)? as u16,
                    "--plan" => plan = PLANS.iter().find(|p| p.name == v),
                    "--close" => {
                        close = Some(match v.as_str() {
                            "shutdown" => Close::Shutdown,
                            "abort" => Close::Abort,
                            "peer-shutdown" => Close::PeerShutdown,
                            "peer-abort" => Close::PeerAbort,
                            _ => return Err(format!("unknown --close {v}")),
                        });
                    }
                    "--drop" => drop_permille = num(&v)? as u32,
                    "--seed" => seed = num(&v)?,
                    "--timeout" => timeout = num(&v)?,
                    _ => return Err(format!("unknown argument {a}")),
                }
            }
        }
    }
    let usage = "usage: usrsctp_peer --role client|server --local PORT --remote PORT --plan \
                 data|smoke|pr|reset|close|idata --close shutdown|abort|peer-shutdown|peer-abort \
                 [--drop PERMILLE] [--seed N] [--expect-forward-tsn] [--idata] [--timeout SECS]";
    let (Some(role), Some(plan), Some(close)) = (role, plan, close) else {
        return Err(usage.into());
    };
    if local == 0 || remote == 0 || !(role == "client" || role == "server") {
        return Err(usage.into());
    }
    Ok(Args {
        client: role == "client",
        local,
        remote,
        plan,
        close,
        drop_permille,
        seed,
        expect_forward_tsn,
        idata,
        timeout: Duration::from_secs(timeout),
    })
}

/// What arrived on one flow.
#[derive(Default)]
struct RxFlow {
    next: u32,
    received: u32,
    final_seen: bool,
    seen: Vec<bool>,
    reset_at: Option<u32>,
}

/// Checks every message against the plan.
struct Receiver {
    plan: &'static Plan,
    flows: Vec<RxFlow>,
    peer_got_all: bool,
}

impl Receiver {
    fn new(plan: &'static Plan) -> Self {
        let flows = plan
            .flows
            .iter()
            .map(|f| RxFlow {
                seen: vec![false; plan.expected(f) as usize + 1],
                ..RxFlow::default()
            })
            .collect();
        Self {
            plan,
            flows,
            peer_got_all: false,
        }
    }

    fn flow(&self, stream: u16) -> Option<usize> {
        self.plan.flows.iter().position(|f| f.stream == stream)
    }

    fn complete(&self) -> bool {
        self.plan.flows.iter().zip(&self.flows).all(|(f, r)| {
            if f.pr == Pr::None {
                r.received >= self.plan.expected(f)
            } else {
                r.final_seen
            }
        })
    }

    fn message(&mut self, stream: u16, ppid: Ppid, ordered: bool, m: &[u8]) -> Result<(), String> {
        if stream == 0 {
            if ppid == Ppid::STRING && m == GOT_ALL {
                self.peer_got_all = true;
                log("peer received everything");
                return Ok(());
            }
            return Err(format!("unexpected control message of {} bytes", m.len()));
        }
        let k = self
            .flow(stream)
            .ok_or(format!("message on unexpected stream {stream}"))?;
        let f = &self.plan.flows[k];
        let expected = self.plan.expected(f);
        let r = &mut self.flows[k];
        if ppid != Ppid::BINARY || m.len() < HEADER_LEN {
            return Err(format!(
                "stream {stream}: ppid {} length {}",
                ppid.0,
                m.len()
            ));
        }
        let word = |at: usize| u32::from_be_bytes([m[at], m[at + 1], m[at + 2], m[at + 3]]);
        let (index, len) = (word(0), word(4) as usize);
        let (mstream, flags) = (u16::from_be_bytes([m[8], m[9]]), m[10]);
        let fin = flags & FLAG_FINAL != 0;
        if len != m.len() || mstream != stream || (!fin && len != f.size) {
            return Err(format!(
                "stream {stream}: header says {len} bytes on stream {mstream}, got {}",
                m.len()
            ));
        }
        if let Some(i) = (HEADER_LEN..len).find(|&i| m[i] != pattern(index, stream, i)) {
            return Err(format!("stream {stream} message {index}: byte {i} differs"));
        }
        let sent_ordered = flags & FLAG_ORDERED != 0;
        if sent_ordered != ordered || ordered != f.ordered {
            return Err(format!(
                "stream {stream} message {index}: sent ordered {sent_ordered}, delivered ordered {ordered}"
            ));
        }
        if fin {
            if f.pr == Pr::None || index != f.count || r.final_seen {
                return Err(format!("stream {stream}: unexpected final message {index}"));
            }
            r.final_seen = true;
        } else if index >= expected {
            return Err(format!("stream {stream}: index {index} out of range"));
        }
        if f.ordered {
            if index < r.next || (f.pr == Pr::None && index != r.next) {
                return Err(format!(
                    "stream {stream}: ordered message {index} arrived, expected {}",
                    r.next
                ));
            }
            r.next = index + 1;
        } else if !fin {
            let seen = &mut r.seen[index as usize];
            if *seen {
                return Err(format!(
                    "stream {stream}: unordered message {index} delivered twice"
                ));
            }
            *seen = true;
        }
        if self.plan.reset && index == f.count && r.reset_at != Some(f.count) {
            return Err(format!(
                "stream {stream}: message {index} arrived before the peer's reset was reported"
            ));
        }
        if !fin {
            r.received += 1;
        }
        Ok(())
    }

    fn streams_reset(&mut self, streams: &[u16]) -> Result<(), String> {
        if streams.is_empty() {
            return Err("peer reset all streams; the plan resets its own".into());
        }
        for &s in streams {
            let k = self
                .flow(s)
                .ok_or(format!("peer reset unexpected stream {s}"))?;
            let (f, r) = (&self.plan.flows[k], &mut self.flows[k]);
            if !self.plan.reset || r.received != f.count {
                return Err(format!(
                    "peer reset stream {s} after {} of {} messages",
                    r.received, f.count
                ));
            }
            r.reset_at = Some(r.received);
        }
        Ok(())
    }
}

/// Where the sender is in the plan.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SendPhase {
    /// Round `round` of the first (or, after a reset, second) pass, flow `flow` next.
    Messages {
        round: u32,
        flow: usize,
        second: bool,
    },
    /// The reliable final message of each partially reliable flow.
    Finals {
        flow: usize,
    },
    /// Our outgoing reset is under way.
    WaitReset,
    Done,
}

struct Sender {
    plan: &'static Plan,
    phase: SendPhase,
    buf: Vec<u8>,
}

impl Sender {
    /// Queues as much as the send buffer takes.
    fn pump(&mut self, a: &mut Association, now: Instant) -> Result<(), String> {
        let rounds = self.plan.max_count();
        loop {
            match self.phase {
                SendPhase::Messages {
                    round,
                    flow,
                    second,
                } => {
                    if round >= rounds {
                        self.phase = if second {
                            SendPhase::Done
                        } else {
                            SendPhase::Finals { flow: 0 }
                        };
                        continue;
                    }
                    let next = if flow + 1 == self.plan.flows.len() {
                        SendPhase::Messages {
                            round: round + 1,
                            flow: 0,
                            second,
                        }
                    } else {
                        SendPhase::Messages {
                            round,
                            flow: flow + 1,
                            second,
                        }
                    };
                    let f = &self.plan.flows[flow];
                    if round < f.count {
                        let index = if second { f.count + round } else { round };
                        if !self.send(a, now, f, index, false)? {
                            return Ok(());
                        }
                    }
                    self.phase = next;
                }
                SendPhase::Finals { flow } => {
                    let Some(f) = self.plan.flows.get(flow) else {
                        if self.plan.reset {
                            let streams: Vec<u16> =
                                self.plan.flows.iter().map(|f| f.stream).collect();
                            a.reset_streams(now, &streams)
                                .map_err(|e| format!("reset_streams: {e}"))?;
                            log(&format!("asked to reset outgoing streams {streams:?}"));
                            self.phase = SendPhase::WaitReset;
                        } else {
                            self.phase = SendPhase::Done;
                            log("all queued");
                        }
                        continue;
                    };
                    if f.pr != Pr::None && !self.send(a, now, f, f.count, true)? {
                        return Ok(());
                    }
                    self.phase = SendPhase::Finals { flow: flow + 1 };
                }
                SendPhase::WaitReset | SendPhase::Done => return Ok(()),
            }
        }
    }

    /// Ok(false): the send buffer is full, try again later.
    fn send(
        &mut self,
        a: &mut Association,
        now: Instant,
        f: &Flow,
        index: u32,
        fin: bool,
    ) -> Result<bool, String> {
        let len = if fin { FINAL_LEN } else { f.size };
        let flags = if f.ordered { FLAG_ORDERED } else { 0 } | if fin { FLAG_FINAL } else { 0 };
        fill(&mut self.buf, index, len, f.stream, flags);
        let mut options = SendOptions {
            ordered: f.ordered,
            ..SendOptions::default()
        };
        match f.pr {
            _ if fin => {}
            Pr::None => {}
            Pr::Rtx(n) => options.max_retransmits = Some(n),
            Pr::Ttl(ms) => options.max_lifetime = Some(Duration::from_millis(ms)),
        }
        match a.send_with(now, f.stream, Ppid::BINARY, &self.buf, options) {
            Ok(()) => Ok(true),
            Err(Error::SendBufferFull { .. }) => Ok(false),
            Err(e) => Err(format!("send on stream {} message {index}: {e}", f.stream)),
        }
    }

    fn reset_done(&mut self, streams: &[u16]) -> Result<(), String> {
        if self.phase != SendPhase::WaitReset {
            return Err(format!("unexpected outgoing reset of {streams:?}"));
        }
        log(&format!(
            "our outgoing streams {streams:?} were reset; sending again on them"
        ));
        self.phase = SendPhase::Messages {
            round: 0,
            flow: 0,
            second: true,
        };
        Ok(())
    }
}

/// Chunks of interest seen on the wire, by direction.
#[derive(Default, Debug)]
struct WireCount {
    packets: u64,
    dropped: u64,
    forward_tsn: u64,
    i_data: u64,
    i_forward_tsn: u64,
    re_config: u64,
}

impl WireCount {
    fn count(&mut self, packet: &[u8]) {
        self.packets += 1;
        let Ok(p) = SctpPacket::new_checked(packet) else {
            return;
        };
        for c in p.chunks() {
            match c.chunk_type {
                ChunkType::FORWARD_TSN => self.forward_tsn += 1,
                ChunkType::I_DATA => self.i_data += 1,
                ChunkType::I_FORWARD_TSN => self.i_forward_tsn += 1,
                ChunkType::RE_CONFIG => self.re_config += 1,
                _ => {}
            }
        }
    }
}

/// A seeded impaired link: xorshift64*.
struct Dropper {
    state: u64,
    permille: u32,
}

impl Dropper {
    fn drop_now(&mut self) -> bool {
        if self.permille == 0 {
            return false;
        }
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let r = self.state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32;
        (r % 1000) < u64::from(self.permille)
    }
}

static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

fn log(msg: &str) {
    let t = START.get_or_init(Instant::now).elapsed().as_secs_f64();
    eprintln!("[strata  {t:7.3}] {msg}");
}

fn main() {
    START.get_or_init(Instant::now);
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    match run(&args) {
        Ok(()) => log("PASS"),
        Err(e) => {
            log(&format!("FAIL: {e}"));
            std::process::exit(1);
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let sock = UdpSocket::bind(("127.0.0.1", args.local)).map_err(|e| format!("bind: {e}"))?;
    sock.connect(("127.0.0.1", args.remote))
        .map_err(|e| format!("connect: {e}"))?;
    let start = Instant::now();
    let deadline = start + args.timeout;
    let config = Config {
        // Faster loss recovery on a loopback link, as on the usrsctp side.
        rto_min: Duration::from_millis(100),
        rto_initial: Duration::from_millis(500),
        ..Config::default()
    };
    let mut a = Association::new(config, start);
    if args.client {
        a.connect(start).map_err(|e| format!("connect: {e}"))?;
    }
    if args.idata {
        log("--idata: strata-sctp has no I-DATA yet; expecting I-DATA chunks all the same");
    }
    let mut rx = Receiver::new(args.plan);
    let mut tx = Sender {
        plan: args.plan,
        phase: SendPhase::Messages {
            round: 0,
            flow: 0,
            second: false,
        },
        buf: Vec::with_capacity(262_144),
    };
    let mut dropper = Dropper {
        state: args.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1,
        permille: args.drop_permille,
    };
    let (mut out, mut inc) = (WireCount::default(), WireCount::default());
    let (mut established, mut sent_got_all, mut closing) = (false, false, false);
    let mut plan_start = start;
    let mut buf = vec![0u8; 65_536];
    let mut closed: Option<CloseReason> = None;
    loop {
        let now = Instant::now();
        if now > deadline {
            return Err(format!(
                "timed out in state {:?}: sender {}, plan complete {}, peer got all {}",
                a.state(),
                if tx.phase == SendPhase::Done {
                    "done"
                } else {
                    "busy"
                },
                rx.complete(),
                rx.peer_got_all
            ));
        }
        if established && closed.is_none() && !closing {
            tx.pump(&mut a, now)?;
        }
        // The link is impaired only while data flows, so the close itself is not retried.
        let impaired = a.state() == State::Established && !closing;
        flush(&mut a, &sock, &mut out, &mut dropper, impaired)?;
        while let Some(ev) = a.poll_event() {
            match ev {
                Event::Connected => {
                    established = true;
                    plan_start = Instant::now();
                    log(&format!(
                        "established ({})",
                        if args.client { "client" } else { "server" }
                    ));
                }
                Event::Message {
                    stream,
                    ppid,
                    data,
                    ordered,
                } => {
                    rx.message(stream, ppid, ordered, &data)?;
                    a.recycle(data);
                }
                Event::StreamsReset { streams } => {
                    log(&format!("peer reset its streams {streams:?}"));
                    rx.streams_reset(&streams)?;
                }
                Event::OutgoingStreamsReset { streams } => tx.reset_done(&streams)?,
                Event::StreamResetFailed { streams, result } => {
                    return Err(format!(
                        "peer refused our reset of {streams:?}: result {result}"
                    ));
                }
                Event::Closed { reason } => {
                    log(&format!("closed: {reason:?}"));
                    closed = Some(reason);
                }
                other => return Err(format!("unexpected event {other:?}")),
            }
        }
        if let Some(reason) = closed {
            flush(&mut a, &sock, &mut out, &mut dropper, false)?;
            if args.close == Close::Shutdown {
                linger(&mut a, &sock, &mut buf);
            }
            return finish(args, &a, reason, &rx, &out, &inc);
        }
        if established && !sent_got_all && rx.complete() {
            for (f, r) in args.plan.flows.iter().zip(&rx.flows) {
                let pr = if f.pr == Pr::None {
                    ""
                } else {
                    " (partially reliable)"
                };
                log(&format!(
                    "stream {}: {} of {} delivered{pr}",
                    f.stream,
                    r.received,
                    args.plan.expected(f)
                ));
            }
            log(&format!(
                "received the whole plan in {:.3} s",
                plan_start.elapsed().as_secs_f64()
            ));
            a.send(now, 0, Ppid::STRING, GOT_ALL, true)
                .map_err(|e| format!("send got-all: {e}"))?;
            sent_got_all = true;
            continue;
        }
        if sent_got_all && rx.peer_got_all && !closing {
            match args.close {
                Close::Shutdown => {
                    log("all done both ways: SHUTDOWN");
                    a.shutdown(now).map_err(|e| format!("shutdown: {e}"))?;
                    closing = true;
                }
                Close::Abort => {
                    log("all done both ways: ABORT");
                    a.abort_with_reason(now, b"interop test abort")
                        .map_err(|e| format!("abort: {e}"))?;
                    closing = true;
                }
                Close::PeerShutdown | Close::PeerAbort => {}
            }
            if closing {
                continue;
            }
        }
        // Sleep until a packet or the timer, whichever is first.
        let wake = a.poll_timeout().unwrap_or(now + Duration::from_millis(50));
        let wait = wake
            .saturating_duration_since(Instant::now())
            .clamp(Duration::from_micros(100), Duration::from_millis(50));
        sock.set_read_timeout(Some(wait))
            .map_err(|e| format!("set_read_timeout: {e}"))?;
        let mut first = true;
        loop {
            match sock.recv(&mut buf) {
                Ok(n) => {
                    let packet = &buf[..n];
                    inc.count(packet);
                    if a.state() == State::Established && !closing && dropper.drop_now() {
                        inc.dropped += 1;
                    } else {
                        // An error only says the association is gone; the event says why.
                        let _ = a.handle_packet(Instant::now(), packet);
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::ConnectionRefused
                    ) =>
                {
                    break;
                }
                Err(e) => return Err(format!("recv: {e}")),
            }
            if first {
                // Take what else is queued without waiting, then go back to the machine.
                sock.set_nonblocking(true)
                    .map_err(|e| format!("set_nonblocking: {e}"))?;
                first = false;
            }
        }
        if !first {
            sock.set_nonblocking(false)
                .map_err(|e| format!("set_nonblocking: {e}"))?;
        }
        let now = Instant::now();
        if a.poll_timeout().is_some_and(|t| t <= now) {
            a.handle_timeout(now);
        }
    }
}

/// Sends what the association has queued, dropping some when the link is impaired.
fn flush(
    a: &mut Association,
    sock: &UdpSocket,
    out: &mut WireCount,
    dropper: &mut Dropper,
    impaired: bool,
) -> Result<(), String> {
    let mut buf = [0u8; 65_536];
    while let Some(n) = a.poll_transmit_into(&mut buf) {
        let packet = &buf[..n];
        out.count(packet);
        if impaired && dropper.drop_now() {
            out.dropped += 1;
            continue;
        }
        match sock.send(packet) {
            Ok(_) => {}
            // The peer's socket may be gone already after the close.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
            Err(e) => return Err(format!("send: {e}")),
        }
    }
    Ok(())
}

/// After our SHUTDOWN COMPLETE, answers a retransmitted SHUTDOWN ACK for a while (the
/// terminated association replies to it out of the blue, RFC 9260 section 8.4).
fn linger(a: &mut Association, sock: &UdpSocket, buf: &mut [u8]) {
    let until = Instant::now() + Duration::from_millis(300);
    let _ = sock.set_read_timeout(Some(Duration::from_millis(50)));
    while Instant::now() < until {
        if let Ok(n) = sock.recv(buf) {
            let _ = a.handle_packet(Instant::now(), &buf[..n]);
            while let Some(p) = a.poll_transmit() {
                let _ = sock.send(&p);
            }
        }
    }
}

/// Checks how the association ended and what crossed the wire.
fn finish(
    args: &Args,
    a: &Association,
    reason: CloseReason,
    rx: &Receiver,
    out: &WireCount,
    inc: &WireCount,
) -> Result<(), String> {
    let stats = a.stats();
    log(&format!("sent {out:?}"));
    log(&format!("received {inc:?}"));
    log(&format!("{stats:?}"));
    let expected = match args.close {
        Close::Shutdown | Close::PeerShutdown => reason == CloseReason::Shutdown,
        Close::Abort => reason == CloseReason::LocalAbort,
        Close::PeerAbort => matches!(reason, CloseReason::PeerAbort { .. }),
    };
    if !expected {
        return Err(format!("closed with {reason:?}, not the expected close"));
    }
    if !rx.complete() || !rx.peer_got_all {
        return Err(format!(
            "closed before the plan completed (complete {}, peer got all {})",
            rx.complete(),
            rx.peer_got_all
        ));
    }
    if stats.dropped_checksum != 0 || stats.dropped_malformed != 0 {
        return Err(format!(
            "{} packets with a bad CRC32c, {} malformed",
            stats.dropped_checksum, stats.dropped_malformed
        ));
    }
    if args.expect_forward_tsn && (out.forward_tsn == 0 || inc.forward_tsn == 0) {
        return Err(format!(
            "expected FORWARD TSN both ways: sent {}, received {}",
            out.forward_tsn, inc.forward_tsn
        ));
    }
    if args.plan.reset && (out.re_config == 0 || inc.re_config == 0) {
        return Err("expected RE-CONFIG chunks both ways".into());
    }
    if args.idata && (out.i_data == 0 || inc.i_data == 0) {
        return Err(format!(
            "expected I-DATA both ways: sent {}, received {}",
            out.i_data, inc.i_data
        ));
    }
    Ok(())
}
