//! The Rust side of the usrsctp interop cases (`cargo xtask interop sctp-usrsctp-...`,
//! xtask/src/interop/usrsctp.rs): an [`Association`] driven over a plain UDP socket and a
//! real clock, no DTLS, against usrsctp in AF_CONN mode (xtask/interop/usrsctp/usrsctp_peer.c),
//! which sends and takes the same raw SCTP packets (common header + chunks, CRC32c).
//!
//! Both sides run the same plan (the `PLANS` table in plan.rs and the C program's must match): a
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
//!     [--expect-forward-tsn] [--idata] [--trace] [--drain-every N] [--start-at UNIX_MS]
//!     [--timeout SECS]
//! ```
//! `--drop` discards that share of packets in both directions once the association is
//! established (a seeded impaired link). `--idata` asks for I-DATA (RFC 8260) and requires
//! I-DATA chunks both ways (`Config::message_interleaving`). `--trace` logs every
//! packet's chunks. `--drain-every N` sends what the association queued only after every
//! N received packets (default 1): with a batch, the
//! peer sees one SACK per batch instead of one per two packets. `--start-at` delays the
//! client's INIT to a wall-clock instant so that both sides' INITs cross.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use strata_sctp::association::{Association, CloseReason, Config, Event, State};
use strata_sctp::chunk::Ppid;
use strata_sctp::{Chunk, ChunkType, SctpPacket};

mod plan;

use plan::{GOT_ALL, PLANS, Plan, Pr, Receiver, SendPhase, Sender};

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
    trace: bool,
    drain_every: usize,
    start_at_ms: u64,
    timeout: Duration,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let (mut role, mut local, mut remote, mut plan, mut close) = (None, 0, 0, None, None);
    let (mut drop_permille, mut seed, mut expect_forward_tsn, mut idata) = (0, 1, false, false);
    let (mut timeout, mut trace, mut drain_every) = (60, false, 1);
    let mut start_at_ms = 0;
    while let Some(a) = it.next() {
        match a.as_str() {
            "--expect-forward-tsn" => expect_forward_tsn = true,
            "--idata" => idata = true,
            "--trace" => trace = true,
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
                    "--start-at" => start_at_ms = num(&v)?,
                    "--drain-every" => drain_every = num(&v)?.max(1) as usize,
                    _ => return Err(format!("unknown argument {a}")),
                }
            }
        }
    }
    let usage = "usage: usrsctp_peer --role client|server --local PORT --remote PORT --plan \
                 data|smoke|pr|reset|close|idata --close shutdown|abort|peer-shutdown|peer-abort \
                 [--drop PERMILLE] [--seed N] [--expect-forward-tsn] [--idata] [--trace] \
                 [--drain-every N] [--start-at UNIX_MS] [--timeout SECS]";
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
        trace,
        drain_every,
        start_at_ms,
        timeout: Duration::from_secs(timeout),
    })
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

/// One line per packet for `--trace`: direction, whether the link dropped it, and its
/// chunks (DATA TSNs, SACK and FORWARD TSN fields).
fn trace(dir: &str, dropped: bool, packet: &[u8]) {
    use std::fmt::Write as _;
    let mut line = format!("{dir}{}", if dropped { " DROPPED" } else { "" });
    if let Ok(p) = SctpPacket::new_checked(packet) {
        for raw in p.chunks() {
            let _ = match Chunk::parse(raw) {
                Ok(Chunk::Data(d)) => write!(
                    line,
                    " DATA(tsn {} s{} ssn {} {}{}{})",
                    d.tsn,
                    d.stream_id,
                    d.ssn,
                    if d.beginning { "B" } else { "" },
                    if d.ending { "E" } else { "" },
                    if d.unordered { "U" } else { "" }
                ),
                Ok(Chunk::Sack(k)) => write!(
                    line,
                    " SACK(cum {} rwnd {} gaps {:?} dups {})",
                    k.cumulative_tsn_ack,
                    k.a_rwnd,
                    k.gap_ack_blocks
                        .iter()
                        .map(|b| (b.start, b.end))
                        .collect::<Vec<_>>(),
                    k.duplicate_tsns.iter().count()
                ),
                Ok(Chunk::ForwardTsn(f)) => write!(
                    line,
                    " FWD-TSN({} {:?})",
                    f.new_cumulative_tsn,
                    f.streams
                        .iter()
                        .map(|s| (s.stream_id, s.ssn))
                        .collect::<Vec<_>>()
                ),
                _ => write!(line, " {:?}", raw.chunk_type),
            };
        }
    }
    log(&line);
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
        message_interleaving: args.idata,
        ..Config::default()
    };
    let mut a = Association::new(config, start);
    if args.client {
        // --start-at (Unix ms): both sides are bound by then, so the INITs cross.
        let at = std::time::UNIX_EPOCH + Duration::from_millis(args.start_at_ms);
        if let Ok(wait) = at.duration_since(std::time::SystemTime::now()) {
            std::thread::sleep(wait);
        }
        let start = Instant::now();
        a.connect(start).map_err(|e| format!("connect: {e}"))?;
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
    let mut next_progress = start + Duration::from_millis(500);
    let mut buf = vec![0u8; 65_536];
    let mut closed: Option<CloseReason> = None;
    loop {
        let now = Instant::now();
        if now > deadline {
            log(&format!("sent {out:?}"));
            log(&format!("received {inc:?}"));
            log(&format!(
                "{:?}, buffered {} bytes, cwnd {}, rto {:?}",
                a.stats(),
                a.buffered_bytes(),
                a.cwnd(),
                a.rto()
            ));
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
        flush(&mut a, &sock, &mut out, &mut dropper, impaired, args.trace)?;
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
            flush(&mut a, &sock, &mut out, &mut dropper, false, args.trace)?;
            if args.close == Close::Shutdown {
                linger(&mut a, &sock, &mut buf);
            }
            return finish(args, &a, reason, &rx, &out, &inc);
        }
        if established && !closing && now >= next_progress {
            next_progress = now + Duration::from_millis(500);
            let got: Vec<u32> = rx.flows.iter().map(|r| r.received).collect();
            log(&format!(
                "progress: received per flow {got:?}, FORWARD TSN in {} out {}, {:?}",
                inc.forward_tsn,
                out.forward_tsn,
                a.stats()
            ));
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
        let mut handled = 0;
        for _ in 0..64 {
            match sock.recv(&mut buf) {
                Ok(n) => {
                    let packet = &buf[..n];
                    inc.count(packet);
                    let dropped = a.state() == State::Established && !closing && dropper.drop_now();
                    if args.trace {
                        trace("in ", dropped, packet);
                    }
                    if dropped {
                        inc.dropped += 1;
                    } else {
                        // An error only says the association is gone; the event says why.
                        let _ = a.handle_packet(Instant::now(), packet);
                        handled += 1;
                        // SACKs leave as the association decides (every second packet),
                        // not one per batch.
                        if handled % args.drain_every == 0 {
                            let impaired = a.state() == State::Established && !closing;
                            flush(&mut a, &sock, &mut out, &mut dropper, impaired, args.trace)?;
                        }
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
    trace_on: bool,
) -> Result<(), String> {
    let mut buf = [0u8; 65_536];
    while let Some(n) = a.poll_transmit_into(&mut buf) {
        let packet = &buf[..n];
        out.count(packet);
        let dropped = impaired && dropper.drop_now();
        if trace_on {
            trace("out", dropped, packet);
        }
        if dropped {
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
