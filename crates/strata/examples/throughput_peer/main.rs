//! Data channel throughput between a browser and Strata: an HTTP endpoint that answers
//! WebRTC offers (like the echo peer) and treats two channel labels specially.
//!
//! ```text
//! cargo run --release -p strata --example throughput_peer -- --http 127.0.0.1:8081
//!     [--local-ip IP]... [--no-mdns]
//! ```
//! - `GET /` serves a page that measures, with 64 MiB per run (`?mib=N`) in 64 KiB and 16 KiB
//!   messages: browser -> Strata, Strata -> browser, and browser -> browser (two
//!   `RTCPeerConnection`s in the page, the reference). `GET /?auto` runs them at once and logs
//!   `STRATA-TPUT` lines to the console.
//! - `POST /offer` with an SDP offer (non-trickle) answers `201` with the SDP answer.
//! - `GET /cpu` answers `strata=SECONDS chromium=SECONDS`: the CPU time (user + system) this
//!   process and all processes named `chromium*` have used so far (Linux `/proc`; 0 elsewhere).
//!   The page reads it before and after each run.
//! - A channel labelled `throughput-sink` counts binary messages; the text message `end`
//!   makes it answer `received BYTES MESSAGES` (text) and reset.
//! - On a channel labelled `throughput-source`, the text message `go BYTES SIZE` makes this
//!   peer send BYTES in binary messages of SIZE bytes, pausing while `bufferedAmount` is above
//!   1 MiB and resuming on `bufferedamountlow` (threshold 512 KiB), then the text `end`.
//! - Every other channel is echoed, as by the echo peer.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use strata::peer::{
    ChannelId, Configuration, DataChannel, Error, Event, PeerConnection, PeerConnectionState,
    SdpType, SessionDescriptionInit,
};
use tokio::net::TcpListener;

#[path = "../common/http.rs"]
mod http;

use http::reply;

const PAGE: &str = include_str!("page.html");
/// The largest offer accepted.
const MAX_OFFER: usize = 64 * 1024;
/// The source pauses while more than this is buffered...
const HIGH_WATER: usize = 1 << 20;
/// ...and resumes on `bufferedamountlow` at this threshold.
const LOW_WATER: usize = 512 * 1024;
/// Largest message the source sends (the page asks for 64 KiB or 16 KiB).
const MAX_SIZE: usize = 256 * 1024;
/// If no `bufferedamountlow` comes while paused, look again after this long (counted).
const WAKE_FALLBACK: Duration = Duration::from_millis(200);
/// After a "send buffer full" refusal, try again after this long (counted).
const FULL_RETRY: Duration = Duration::from_millis(5);

struct Server {
    local_ips: Option<Vec<IpAddr>>,
    no_mdns: bool,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut http: SocketAddr = "127.0.0.1:8081".parse()?;
    let mut local_ips = Vec::new();
    let mut no_mdns = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--http" => http = value()?.parse()?,
            "--local-ip" => local_ips.push(value()?.parse()?),
            "--no-mdns" => no_mdns = true,
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let server = Arc::new(Server {
        local_ips: (!local_ips.is_empty()).then_some(local_ips),
        no_mdns,
    });
    let listener = TcpListener::bind(http).await?;
    println!(
        "throughput peer listening on http://{}",
        listener.local_addr()?
    );
    http::serve(listener, server, handle).await?;
    Ok(())
}

async fn handle(
    server: Arc<Server>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(match (req.method(), req.uri().path()) {
        (&Method::GET, "/") => reply(StatusCode::OK, "text/html; charset=utf-8", PAGE),
        (&Method::GET, "/cpu") => {
            let (ours, chromium) = cpu_seconds();
            reply(
                StatusCode::OK,
                "text/plain",
                format!("strata={ours:.3} chromium={chromium:.3}\n"),
            )
        }
        (&Method::POST, "/offer") => {
            let offer = match http::read_body(req, MAX_OFFER, "offer").await {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(r) => return Ok(r),
            };
            match answer(&server, offer).await {
                Ok(sdp) => reply(StatusCode::CREATED, "application/sdp", sdp),
                Err(reason) => {
                    let line = reason.replace(['\r', '\n'], " ");
                    reply(StatusCode::BAD_REQUEST, "text/plain", format!("{line}\n"))
                }
            }
        }
        _ => reply(StatusCode::NOT_FOUND, "text/plain", "not found\n"),
    })
}

/// Answers one offer and serves the new connection.
async fn answer(server: &Server, offer: String) -> Result<String, String> {
    let pc = PeerConnection::new(Configuration {
        local_addresses: server.local_ips.clone(),
        disable_mdns: server.no_mdns,
        ..Configuration::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    pc.set_remote_description(SessionDescriptionInit::new(SdpType::Offer, offer))
        .await
        .map_err(|e| e.to_string())?;
    let sdp = http::complete_answer(&pc).await?;
    tokio::spawn(async move {
        serve(&pc).await;
        pc.close().await;
    });
    Ok(sdp)
}

/// What a channel of the remote's is for.
enum Role {
    Echo,
    Sink(Sink),
    Source(Option<Source>),
}

/// Counts what arrives on a `throughput-sink` channel.
#[derive(Default)]
struct Sink {
    bytes: u64,
    messages: u64,
    first: Option<Instant>,
}

/// A transfer in progress on a `throughput-source` channel.
struct Source {
    dc: DataChannel,
    remaining: u64,
    message: Vec<u8>,
    started: Instant,
    total: u64,
    /// Times the sender paused above [`HIGH_WATER`].
    pauses: u64,
    /// Times a pause ended by [`WAKE_FALLBACK`] instead of `bufferedamountlow`.
    fallback_wakes: u64,
    paused: bool,
    /// Sends refused with "send buffer full" (SCTP's buffer holds unsent and unacknowledged
    /// bytes, `bufferedAmount` only the unsent ones), each retried after [`FULL_RETRY`].
    full: u64,
    /// The last send was refused that way.
    blocked: bool,
    /// A send failed otherwise: the transfer is abandoned.
    failed: Option<String>,
    /// Everything and `end` are queued; waiting for the buffered amount to reach 0.
    draining: bool,
}

async fn serve(pc: &PeerConnection) {
    let mut roles: HashMap<ChannelId, Role> = HashMap::new();
    loop {
        // While a source is paused, wait for its bufferedamountlow but no longer than the
        // fallback (so a missing event shows up as a count, not a hang).
        let paused = roles
            .values()
            .any(|r| matches!(r, Role::Source(Some(s)) if s.paused));
        let blocked = roles
            .values()
            .any(|r| matches!(r, Role::Source(Some(s)) if s.blocked));
        let event = if paused {
            let wait = if blocked { FULL_RETRY } else { WAKE_FALLBACK };
            match tokio::time::timeout(wait, pc.next_event()).await {
                Ok(e) => e,
                Err(_) => {
                    for role in roles.values_mut() {
                        if let Role::Source(Some(s)) = role
                            && s.paused
                            && !s.blocked
                            && !s.draining
                        {
                            s.fallback_wakes += 1;
                        }
                    }
                    pump_all(&mut roles).await;
                    continue;
                }
            }
        } else {
            pc.next_event().await
        };
        let Some(event) = event else { return };
        match event {
            Event::DataChannel(id) => {
                let role = match pc.channel(id).info().await.map(|i| i.label) {
                    Some(l) if l == "throughput-sink" => Role::Sink(Sink::default()),
                    Some(l) if l == "throughput-source" => Role::Source(None),
                    _ => Role::Echo,
                };
                roles.insert(id, role);
            }
            Event::ChannelMessage {
                channel,
                data,
                binary,
            } => match roles.entry(channel).or_insert(Role::Echo) {
                Role::Echo => {
                    let _ = pc.channel(channel).send(data, binary).await;
                }
                Role::Sink(sink) => {
                    if binary {
                        sink.first.get_or_insert_with(Instant::now);
                        sink.bytes += data.len() as u64;
                        sink.messages += 1;
                    } else if data == b"end" {
                        let secs = sink.first.map_or(0.0, |t| t.elapsed().as_secs_f64());
                        println!(
                            "sink: {} bytes in {} messages, {secs:.3} s from the first \
                             message ({:.1} MB/s)",
                            sink.bytes,
                            sink.messages,
                            sink.bytes as f64 / secs.max(1e-9) / 1e6
                        );
                        let line = format!("received {} {}", sink.bytes, sink.messages);
                        *sink = Sink::default();
                        let _ = pc.channel(channel).send_text(&line).await;
                    }
                }
                Role::Source(source) => {
                    if let Some(go) = start(pc.channel(channel), &data, binary) {
                        go.dc.set_buffered_amount_low_threshold(LOW_WATER).await;
                        *source = Some(go);
                        pump_all(&mut roles).await;
                    }
                }
            },
            Event::ChannelBufferedAmountLow(id) => {
                if let Some(Role::Source(Some(s))) = roles.get_mut(&id) {
                    s.paused = false;
                    pump_all(&mut roles).await;
                }
            }
            Event::ChannelClose(id) => {
                roles.remove(&id);
            }
            Event::ConnectionStateChange(PeerConnectionState::Connected) => {
                if let Some((local, remote)) = pc.selected_candidate_pair().await {
                    println!("connected: local {local} remote {remote}");
                }
                // As browsers do: with SSLKEYLOGFILE set, append the DTLS secrets so a capture
                // can be decrypted (debugging only).
                if let (Ok(path), Some(line)) =
                    (std::env::var("SSLKEYLOGFILE"), pc.dtls_key_log_line().await)
                {
                    use std::io::Write as _;
                    if let Ok(mut f) = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                    {
                        let _ = writeln!(f, "{line}");
                    }
                }
            }
            Event::ConnectionStateChange(
                PeerConnectionState::Failed | PeerConnectionState::Closed,
            ) => return,
            _ => {}
        }
    }
}

/// Parses `go BYTES SIZE` into a transfer.
fn start(dc: DataChannel, data: &[u8], binary: bool) -> Option<Source> {
    if binary {
        return None;
    }
    let text = std::str::from_utf8(data).ok()?;
    let mut words = text.split_ascii_whitespace();
    if words.next()? != "go" {
        return None;
    }
    let total: u64 = words.next()?.parse().ok()?;
    let size: usize = words.next()?.parse().ok()?;
    if size == 0 || size > MAX_SIZE {
        return None;
    }
    Some(Source {
        dc,
        remaining: total,
        message: vec![0x5a; size],
        started: Instant::now(),
        total,
        pauses: 0,
        fallback_wakes: 0,
        paused: false,
        full: 0,
        blocked: false,
        failed: None,
        draining: false,
    })
}

/// Sends on every source that is not paused until it is above [`HIGH_WATER`] or done.
async fn pump_all(roles: &mut HashMap<ChannelId, Role>) {
    for role in roles.values_mut() {
        let Role::Source(slot) = role else { continue };
        let Some(s) = slot else { continue };
        if pump(s).await {
            let secs = s.started.elapsed().as_secs_f64();
            if let Some(e) = &s.failed {
                println!("source: FAILED after {} bytes: {e}", s.total - s.remaining);
            }
            println!(
                "source: {} bytes in {}-byte messages handed to SCTP and transmitted \
                 (bufferedAmount 0) in {secs:.3} s ({:.1} MB/s), {} pauses above {} KiB, {} \
                 woken by the {} ms fallback, {} sends refused as \"send buffer full\"",
                s.total,
                s.message.len(),
                s.total as f64 / secs.max(1e-9) / 1e6,
                s.pauses,
                HIGH_WATER / 1024,
                s.fallback_wakes,
                WAKE_FALLBACK.as_millis(),
                s.full,
            );
            *slot = None;
        }
    }
}

/// Sends until paused; true when everything (and the final `end`) is sent and acknowledged.
async fn pump(s: &mut Source) -> bool {
    s.paused = false;
    if !s.draining {
        while s.remaining > 0 {
            if s.dc.buffered_amount().await > HIGH_WATER {
                s.paused = true;
                s.pauses += 1;
                return false;
            }
            let len = s
                .message
                .len()
                .min(usize::try_from(s.remaining).unwrap_or(usize::MAX));
            s.blocked = false;
            match s.dc.send(s.message[..len].to_vec(), true).await {
                Ok(()) => {}
                Err(Error::Channel(m)) if m.starts_with("send buffer full") => {
                    s.full += 1;
                    s.blocked = true;
                    s.paused = true;
                    return false;
                }
                Err(e) => {
                    s.failed = Some(e.to_string());
                    return true;
                }
            }
            s.remaining -= len as u64;
        }
        // Everything is queued: `end` follows it on the ordered channel. The transfer is
        // done once SCTP has had it all acknowledged: bufferedamountlow at threshold 0.
        let _ = s.dc.send_text("end").await;
        s.dc.set_buffered_amount_low_threshold(0).await;
        s.draining = true;
    }
    if s.dc.buffered_amount().await > 0 {
        s.paused = true;
        return false;
    }
    true
}

/// CPU seconds (user + system) of this process and of all processes whose name starts with
/// `chromium`, from `/proc` (zeros where there is no `/proc`).
fn cpu_seconds() -> (f64, f64) {
    // Linux reports these in clock ticks of 1/100 s (USER_HZ) on every architecture it ships.
    const TICK: f64 = 0.01;
    let ours = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| stat_ticks(&s))
        .map_or(0, |(_, t)| t);
    let mut chromium = 0;
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            if !entry
                .file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
            {
                continue;
            }
            if let Some((name, ticks)) = std::fs::read_to_string(entry.path().join("stat"))
                .ok()
                .and_then(|s| stat_ticks(&s))
                && name.starts_with("chromium")
            {
                chromium += ticks;
            }
        }
    }
    (ours as f64 * TICK, chromium as f64 * TICK)
}

/// The command name and utime + stime (fields 2, 14 and 15) of a `/proc/PID/stat` line.
fn stat_ticks(stat: &str) -> Option<(String, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_owned();
    let mut fields = stat.get(close + 1..)?.split_ascii_whitespace();
    // After the name: state is field 3, so utime (14) is the 12th and stime the 13th.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((name, utime + stime))
}
