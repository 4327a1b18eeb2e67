//! The Strata echo peer: an HTTP endpoint that answers WebRTC offers and echoes every data
//! channel message back on its channel.
//!
//! ```text
//! cargo run --release -p strata --example echo -- --http 127.0.0.1:8080 [--local-ip IP]...
//!     [--max-connections N] [--no-mdns]
//!     [--ice-server stun:HOST:PORT|turn:HOST:PORT[?transport=tcp]|turns:HOST:PORT]...
//!     [--ice-user U --ice-pass P] [--relay-only] [--turns-ca-der FILE]
//! ```
//! - `GET /` serves a page that connects to this peer and echoes what you type
//!   (`GET /?auto` runs the interop suite and logs `STRATA-RESULT` lines to the console);
//! - `POST /offer` with an SDP offer (`application/sdp`, non-trickle) answers `201` with the
//!   SDP answer, all candidates gathered; a malformed offer gets `400` and one line of reason.
//! - `POST /strata-offer` and `POST /strata-answer/N` run the other direction: our peer offers,
//!   the browser answers and echoes (`GET /?answerer` does that from the page).
//! - Every channel the remote opens is echoed (same channel, same type, in order on ordered
//!   channels); negotiated channel 42 exists on every connection and is echoed too.
//!   Connections are independent; at most `--max-connections` (default 1000) at once.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use strata::peer::{
    Configuration, DataChannelInit, Event, IceServer, IceTransportPolicy, PeerConnection,
    PeerConnectionState, SdpType, SessionDescriptionInit,
};
use tokio::net::TcpListener;

#[path = "../common/http.rs"]
mod http;
mod offerer;

use http::reply;

const PAGE: &str = include_str!("page.html");
/// The largest offer accepted.
const MAX_OFFER: usize = 64 * 1024;

struct Server {
    local_ips: Option<Vec<IpAddr>>,
    no_mdns: bool,
    ice_servers: Vec<IceServer>,
    relay_only: bool,
    /// Trust anchors for `turns:` (DER), instead of the system's.
    turns_roots: Option<Vec<Vec<u8>>>,
    live: AtomicUsize,
    max: usize,
    pending: offerer::Pending,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut http: SocketAddr = "127.0.0.1:8080".parse()?;
    let mut local_ips = Vec::new();
    let mut max = 1000;
    let mut no_mdns = false;
    let mut ice_servers = Vec::new();
    let (mut ice_user, mut ice_pass) = (None, None);
    let mut relay_only = false;
    let mut turns_roots = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--http" => http = value()?.parse()?,
            "--local-ip" => local_ips.push(value()?.parse()?),
            "--max-connections" => max = value()?.parse()?,
            "--no-mdns" => no_mdns = true,
            "--ice-server" => ice_servers.push(value()?.clone()),
            "--ice-user" => ice_user = Some(value()?.clone()),
            "--ice-pass" => ice_pass = Some(value()?.clone()),
            "--relay-only" => relay_only = true,
            "--turns-ca-der" => turns_roots = Some(vec![std::fs::read(value()?)?]),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let server = Arc::new(Server {
        local_ips: (!local_ips.is_empty()).then_some(local_ips),
        no_mdns,
        ice_servers: if ice_servers.is_empty() {
            Vec::new()
        } else {
            vec![IceServer {
                urls: ice_servers,
                username: ice_user,
                credential: ice_pass,
            }]
        },
        relay_only,
        turns_roots,
        live: AtomicUsize::new(0),
        max,
        pending: offerer::Pending::default(),
    });
    let listener = TcpListener::bind(http).await?;
    println!("echo peer listening on http://{}", listener.local_addr()?);
    http::serve(listener, server, handle).await?;
    Ok(())
}

async fn handle(
    server: Arc<Server>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(match (req.method(), req.uri().path()) {
        (&Method::GET, "/") => reply(StatusCode::OK, "text/html; charset=utf-8", PAGE),
        (&Method::POST, "/offer") => {
            let body = match http::read_body(req, MAX_OFFER, "offer").await {
                Ok(b) => b,
                Err(r) => return Ok(r),
            };
            let Ok(offer) = String::from_utf8(body.to_vec()) else {
                return Ok(reply(
                    StatusCode::BAD_REQUEST,
                    "text/plain",
                    "the offer is not UTF-8\n",
                ));
            };
            if server.live.load(Ordering::Relaxed) >= server.max {
                return Ok(reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "text/plain",
                    "too many connections\n",
                ));
            }
            match answer(&server, offer).await {
                Ok(sdp) => reply(StatusCode::CREATED, "application/sdp", sdp),
                Err(reason) => {
                    let line = reason.replace(['\r', '\n'], " ");
                    reply(StatusCode::BAD_REQUEST, "text/plain", format!("{line}\n"))
                }
            }
        }
        (&Method::POST, "/strata-offer") => {
            let config = Configuration {
                local_addresses: server.local_ips.clone(),
                disable_mdns: server.no_mdns,
                ..Configuration::default()
            };
            match server.pending.offer(config).await {
                Ok((n, sdp)) => {
                    let mut r = reply(StatusCode::CREATED, "application/sdp", sdp);
                    if let Ok(v) = format!("/strata-answer/{n}").parse() {
                        r.headers_mut().insert(hyper::header::LOCATION, v);
                    }
                    r
                }
                Err(e) => reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "text/plain",
                    format!("{e}\n"),
                ),
            }
        }
        (&Method::POST, path) if path.starts_with("/strata-answer/") => {
            let Ok(n) = path["/strata-answer/".len()..].parse::<u64>() else {
                return Ok(reply(StatusCode::NOT_FOUND, "text/plain", "not found\n"));
            };
            let body = match http::read_body(req, MAX_OFFER, "answer").await {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(r) => return Ok(r),
            };
            match server.pending.answer(n, body).await {
                Ok(result) => reply(StatusCode::OK, "text/plain", format!("{result}\n")),
                Err(e) => reply(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "text/plain",
                    format!("{e}\n"),
                ),
            }
        }
        _ => reply(StatusCode::NOT_FOUND, "text/plain", "not found\n"),
    })
}

/// Answers one offer and starts echoing on the new connection.
async fn answer(server: &Arc<Server>, offer: String) -> Result<String, String> {
    let pc = PeerConnection::new(Configuration {
        local_addresses: server.local_ips.clone(),
        disable_mdns: server.no_mdns,
        ice_servers: server.ice_servers.clone(),
        ice_transport_policy: if server.relay_only {
            IceTransportPolicy::Relay
        } else {
            IceTransportPolicy::All
        },
        turns_roots: server.turns_roots.clone(),
        ..Configuration::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    pc.set_remote_description(SessionDescriptionInit::new(SdpType::Offer, offer))
        .await
        .map_err(|e| e.to_string())?;
    pc.create_data_channel(
        "negotiated",
        DataChannelInit {
            negotiated: Some(42),
            ..DataChannelInit::default()
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let sdp = http::complete_answer(&pc).await?;
    server.live.fetch_add(1, Ordering::Relaxed);
    let server = server.clone();
    tokio::spawn(async move {
        echo(&pc).await;
        pc.close().await;
        server.live.fetch_sub(1, Ordering::Relaxed);
    });
    Ok(sdp)
}

async fn echo(pc: &PeerConnection) {
    while let Some(e) = pc.next_event().await {
        match e {
            Event::ChannelMessage {
                channel,
                data,
                binary,
            } => {
                // A channel closed meanwhile just drops the echo.
                let _ = pc.channel(channel).send(data, binary).await;
            }
            Event::ConnectionStateChange(PeerConnectionState::Connected) => {
                if let Some((local, remote)) = pc.selected_candidate_pair().await {
                    println!("connected: local {local} remote {remote}");
                }
                // Like browsers: with SSLKEYLOGFILE set, append the DTLS secrets so a
                // capture can be decrypted (debugging only).
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
