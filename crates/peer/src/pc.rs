//! The async `PeerConnection` on tokio: the W3C RTCPeerConnection in Rust form around the
//! sans-IO [`Rtc`](crate::Rtc) core.
//!
//! One task per connection owns the core, its UDP sockets (one per local address, so every
//! datagram's local address is known to ICE), an mDNS socket for resolving browsers'
//! `<uuid>.local` candidates, and the timer. Methods send commands to that task and await
//! the answer; events come out of [`PeerConnection::next_event`] (a bounded queue: a caller
//! that stops reading events stalls its connection rather than growing memory).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use socket2::{Domain, Protocol, Socket, Type};
use strata_dtls::crypto::cert::Certificate;
use strata_ice::mdns::MDNS_V4;
use strata_ice::{HostFilter, host_addresses};
use tokio::net::UdpSocket;
use tokio::sync::{Mutex, mpsc, oneshot, watch};

use crate::{
    ChannelId, ChannelInfo, DataChannelInit, Error, Event, PeerConnectionState, Rtc, RtcConfig,
    SessionDescriptionInit, SignalingState,
};

/// A STUN or TURN server (W3C `RTCIceServer`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IceServer {
    /// `stun:host[:port]` or `turn:` / `turns:` URLs.
    pub urls: Vec<String>,
    /// The TURN username.
    pub username: Option<String>,
    /// The TURN password.
    pub credential: Option<String>,
}

/// Which candidates ICE may use (W3C `RTCIceTransportPolicy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IceTransportPolicy {
    /// Every candidate.
    #[default]
    All,
    /// Relayed candidates only.
    Relay,
}

/// Settings of a [`PeerConnection`] (W3C `RTCConfiguration`).
#[derive(Debug, Clone, Default)]
pub struct Configuration {
    /// STUN and TURN servers. There is no default server: none is contacted unless listed.
    pub ice_servers: Vec<IceServer>,
    /// The ICE transport policy.
    pub ice_transport_policy: IceTransportPolicy,
    /// The DTLS certificate (`None`: a fresh ECDSA P-256 certificate).
    pub certificate: Option<Arc<Certificate>>,
    /// The local addresses to gather host candidates on; `None` enumerates the machine's
    /// interfaces with [`HostFilter::default`] (no loopback, no link-local).
    pub local_addresses: Option<Vec<IpAddr>>,
    /// Resolve remote mDNS (`.local`) candidates (default true; needs UDP port 5353 with
    /// address reuse).
    pub disable_mdns: bool,
    /// Lower-level settings of the core (SCTP port, max-message-size, MTU...).
    pub rtc: RtcConfig,
}

enum Command {
    CreateOffer(oneshot::Sender<Result<SessionDescriptionInit, Error>>),
    CreateAnswer(oneshot::Sender<Result<SessionDescriptionInit, Error>>),
    SetLocal(SessionDescriptionInit, oneshot::Sender<Result<(), Error>>),
    SetRemote(SessionDescriptionInit, oneshot::Sender<Result<(), Error>>),
    AddCandidate(Option<String>, oneshot::Sender<Result<(), Error>>),
    LocalDescription(oneshot::Sender<Option<SessionDescriptionInit>>),
    CreateChannel(
        String,
        DataChannelInit,
        oneshot::Sender<Result<ChannelId, Error>>,
    ),
    ChannelInfo(ChannelId, oneshot::Sender<Option<ChannelInfo>>),
    Send(ChannelId, Vec<u8>, bool, oneshot::Sender<Result<(), Error>>),
    BufferedAmount(ChannelId, oneshot::Sender<usize>),
    SetLowThreshold(ChannelId, usize),
    CloseChannel(ChannelId, oneshot::Sender<Result<(), Error>>),
    SelectedPair(oneshot::Sender<Option<(String, String)>>),
    RestartIce,
    KeyLog(oneshot::Sender<Option<String>>),
    Stats(oneshot::Sender<Vec<crate::stats::Stats>>),
    Close(oneshot::Sender<()>),
}

/// The state the task publishes for waiting on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Published {
    gathering_complete: bool,
    connection: PeerConnectionState,
    signaling: SignalingState,
}

/// An RTCPeerConnection. Cheap to share behind an `Arc`; every method takes `&self`.
#[derive(Debug)]
pub struct PeerConnection {
    commands: mpsc::Sender<Command>,
    events: Mutex<mpsc::Receiver<Event>>,
    state: watch::Receiver<Published>,
}

/// A data channel of a [`PeerConnection`] (W3C `RTCDataChannel`).
#[derive(Debug, Clone)]
pub struct DataChannel {
    id: ChannelId,
    commands: mpsc::Sender<Command>,
}

async fn ask<T>(
    commands: &mpsc::Sender<Command>,
    make: impl FnOnce(oneshot::Sender<T>) -> Command,
) -> Result<T, Error> {
    let (tx, rx) = oneshot::channel();
    commands.send(make(tx)).await.map_err(|_| Error::Closed)?;
    rx.await.map_err(|_| Error::Closed)
}

impl PeerConnection {
    /// Creates a peer connection: binds one UDP socket per local address (ephemeral ports)
    /// and starts its task on the current tokio runtime.
    pub async fn new(config: Configuration) -> Result<PeerConnection, Error> {
        let mut rtc_config = config.rtc.clone();
        if config.certificate.is_some() {
            rtc_config.certificate = config.certificate.clone();
        }
        for server in &config.ice_servers {
            for url in &server.urls {
                match resolve_ice_url(url).await? {
                    IceUrl::Stun(addrs) => rtc_config.stun_servers.extend(addrs),
                    IceUrl::Turn(addr) => {
                        let (Some(username), Some(password)) =
                            (&server.username, &server.credential)
                        else {
                            return Err(Error::BadConfiguration(format!(
                                "{url} needs a username and a credential"
                            )));
                        };
                        rtc_config.turn_servers.push(crate::TurnServer {
                            server: addr,
                            username: username.clone(),
                            password: password.clone(),
                        });
                    }
                }
            }
        }
        rtc_config.relay_only = config.ice_transport_policy == IceTransportPolicy::Relay;
        let mut rtc = Rtc::new(rtc_config)?;
        let ips = match &config.local_addresses {
            Some(ips) => ips.clone(),
            None => host_addresses(HostFilter::default()).map_err(|e| Error::Io(e.to_string()))?,
        };
        if ips.is_empty() {
            return Err(Error::Io("no local address to gather candidates on".into()));
        }
        let mut sockets = Vec::new();
        for ip in ips {
            let socket = data_socket(SocketAddr::new(ip, 0))
                .map_err(|e| Error::Io(format!("bind {ip}: {e}")))?;
            let local = socket.local_addr().map_err(|e| Error::Io(e.to_string()))?;
            rtc.add_local_address(local);
            sockets.push((local, Arc::new(socket)));
        }
        let mdns = if config.disable_mdns {
            None
        } else {
            mdns_socket().ok()
        };
        let (commands, command_rx) = mpsc::channel(256);
        let (event_tx, events) = mpsc::channel(4096);
        let (state_tx, state) = watch::channel(Published {
            gathering_complete: false,
            connection: PeerConnectionState::New,
            signaling: SignalingState::Stable,
        });
        tokio::spawn(drive(rtc, sockets, mdns, command_rx, event_tx, state_tx));
        Ok(PeerConnection {
            commands,
            events: Mutex::new(events),
            state,
        })
    }

    /// `createOffer`.
    pub async fn create_offer(&self) -> Result<SessionDescriptionInit, Error> {
        ask(&self.commands, Command::CreateOffer).await?
    }

    /// `createAnswer`.
    pub async fn create_answer(&self) -> Result<SessionDescriptionInit, Error> {
        ask(&self.commands, Command::CreateAnswer).await?
    }

    /// `setLocalDescription`.
    pub async fn set_local_description(&self, desc: SessionDescriptionInit) -> Result<(), Error> {
        ask(&self.commands, |tx| Command::SetLocal(desc, tx)).await?
    }

    /// `setRemoteDescription` (including rollback).
    pub async fn set_remote_description(&self, desc: SessionDescriptionInit) -> Result<(), Error> {
        ask(&self.commands, |tx| Command::SetRemote(desc, tx)).await?
    }

    /// `addIceCandidate`: `candidate:...`, or `None` for end-of-candidates.
    pub async fn add_ice_candidate(&self, candidate: Option<String>) -> Result<(), Error> {
        ask(&self.commands, |tx| Command::AddCandidate(candidate, tx)).await?
    }

    /// `localDescription`, with the candidates gathered so far.
    pub async fn local_description(&self) -> Option<SessionDescriptionInit> {
        ask(&self.commands, Command::LocalDescription)
            .await
            .ok()
            .flatten()
    }

    /// Waits until ICE gathering is complete (for non-trickle signaling: the local
    /// description then has every candidate).
    pub async fn gathering_complete(&self) {
        let mut state = self.state.clone();
        let _ = state.wait_for(|s| s.gathering_complete).await;
    }

    /// The current `connectionState`.
    pub fn connection_state(&self) -> PeerConnectionState {
        self.state.borrow().connection
    }

    /// The current `signalingState`.
    pub fn signaling_state(&self) -> SignalingState {
        self.state.borrow().signaling
    }

    /// `createDataChannel`.
    pub async fn create_data_channel(
        &self,
        label: &str,
        init: DataChannelInit,
    ) -> Result<DataChannel, Error> {
        let label = label.to_owned();
        let id = ask(&self.commands, |tx| Command::CreateChannel(label, init, tx)).await??;
        Ok(self.channel(id))
    }

    /// The handle of a channel named in an [`Event`] (for example a remote channel from
    /// [`Event::DataChannel`]).
    pub fn channel(&self, id: ChannelId) -> DataChannel {
        DataChannel {
            id,
            commands: self.commands.clone(),
        }
    }

    /// The next event, or `None` once the connection is closed and drained.
    pub async fn next_event(&self) -> Option<Event> {
        self.events.lock().await.recv().await
    }

    /// The selected ICE candidate pair (local, remote) as `candidate:` attribute values, once
    /// ICE has one.
    pub async fn selected_candidate_pair(&self) -> Option<(String, String)> {
        ask(&self.commands, Command::SelectedPair)
            .await
            .ok()
            .flatten()
    }

    /// The DTLS key log line (`SSLKEYLOGFILE` format) once the handshake is done, for
    /// decrypting captures. Secret: debugging only.
    pub async fn dtls_key_log_line(&self) -> Option<String> {
        ask(&self.commands, Command::KeyLog).await.ok().flatten()
    }

    /// `getStats`: W3C-shaped entries (see [`crate::stats`]).
    pub async fn get_stats(&self) -> Vec<crate::stats::Stats> {
        ask(&self.commands, Command::Stats)
            .await
            .unwrap_or_default()
    }

    /// `restartIce`: the next offer carries new ICE credentials ([`Event::NegotiationNeeded`]
    /// follows); data keeps flowing on the current pair meanwhile.
    pub async fn restart_ice(&self) {
        let _ = self.commands.send(Command::RestartIce).await;
    }

    /// `close`.
    pub async fn close(&self) {
        let _ = ask(&self.commands, Command::Close).await;
    }
}

impl DataChannel {
    /// The channel's id in its connection.
    pub fn id(&self) -> ChannelId {
        self.id
    }

    /// Label, options, stream id and `readyState`.
    pub async fn info(&self) -> Option<ChannelInfo> {
        ask(&self.commands, |tx| Command::ChannelInfo(self.id, tx))
            .await
            .ok()
            .flatten()
    }

    /// Sends a text message.
    pub async fn send_text(&self, text: &str) -> Result<(), Error> {
        self.send(text.as_bytes().to_vec(), false).await
    }

    /// Sends a binary message.
    pub async fn send_binary(&self, data: &[u8]) -> Result<(), Error> {
        self.send(data.to_vec(), true).await
    }

    /// Sends a message already in a `Vec` (no copy), text or binary.
    pub async fn send(&self, data: Vec<u8>, binary: bool) -> Result<(), Error> {
        ask(&self.commands, |tx| {
            Command::Send(self.id, data, binary, tx)
        })
        .await?
    }

    /// `bufferedAmount`.
    pub async fn buffered_amount(&self) -> usize {
        ask(&self.commands, |tx| Command::BufferedAmount(self.id, tx))
            .await
            .unwrap_or(0)
    }

    /// `bufferedAmountLowThreshold`.
    pub async fn set_buffered_amount_low_threshold(&self, threshold: usize) {
        let _ = self
            .commands
            .send(Command::SetLowThreshold(self.id, threshold))
            .await;
    }

    /// `close`.
    pub async fn close(&self) -> Result<(), Error> {
        ask(&self.commands, |tx| Command::CloseChannel(self.id, tx)).await?
    }
}

/// A parsed ICE server URL (RFC 7064 / RFC 7065).
enum IceUrl {
    Stun(Vec<SocketAddr>),
    Turn(SocketAddr),
}

/// `stun:host[:port]` and `turn:host[:port][?transport=udp]` to addresses. TURN over TCP or
/// TLS (`turns:`, `?transport=tcp`) is refused until the peer carries it.
async fn resolve_ice_url(url: &str) -> Result<IceUrl, Error> {
    let (scheme, rest) = url
        .split_once(':')
        .ok_or_else(|| Error::BadConfiguration(format!("not an ICE server URL: {url}")))?;
    let (host_port, query) = rest.split_once('?').unwrap_or((rest, ""));
    match scheme {
        "stun" | "turn" => {}
        "stuns" | "turns" => {
            return Err(Error::Unsupported(
                "stuns:/turns: (TLS to the server) is not wired into the peer connection yet",
            ));
        }
        _ => return Err(Error::BadConfiguration(format!("unknown scheme in {url}"))),
    }
    if scheme == "turn" && !query.is_empty() && query != "transport=udp" {
        return Err(Error::Unsupported(
            "TURN over TCP is not wired into the peer connection yet (use transport=udp)",
        ));
    }
    // `host`, `host:port`, `[v6]` or `[v6]:port`; the default port is 3478.
    let has_port = match host_port.rfind(']') {
        Some(end) => host_port[end..].starts_with("]:"),
        None => host_port.contains(':'),
    };
    let with_port = if has_port {
        host_port.to_owned()
    } else {
        format!("{host_port}:3478")
    };
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(&with_port)
        .await
        .map_err(|e| Error::BadConfiguration(format!("{url}: {e}")))?
        .collect();
    if scheme == "stun" {
        return Ok(IceUrl::Stun(addrs));
    }
    addrs
        .first()
        .copied()
        .map(IceUrl::Turn)
        .ok_or_else(|| Error::BadConfiguration(format!("{url}: no address")))
}

/// Socket buffers asked for (the kernel caps them at net.core.rmem_max / wmem_max): bursts of
/// a fast SCTP sender must not overflow the receive buffer, which costs a retransmission.
const SOCKET_BUFFER: usize = 4 << 20;

fn data_socket(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    let s = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    // Best effort: a smaller buffer still works.
    let _ = s.set_recv_buffer_size(SOCKET_BUFFER);
    let _ = s.set_send_buffer_size(SOCKET_BUFFER);
    s.set_nonblocking(true)?;
    s.bind(&addr.into())?;
    UdpSocket::from_std(s.into())
}

fn mdns_socket() -> std::io::Result<Arc<UdpSocket>> {
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    s.set_nonblocking(true)?;
    s.bind(&SocketAddr::from((Ipv4Addr::UNSPECIFIED, 5353)).into())?;
    s.join_multicast_v4(&Ipv4Addr::new(224, 0, 0, 251), &Ipv4Addr::UNSPECIFIED)?;
    s.set_multicast_loop_v4(true)?;
    s.set_multicast_ttl_v4(255)?;
    Ok(Arc::new(UdpSocket::from_std(s.into())?))
}

/// A datagram read by one of the socket tasks: local address, source, bytes.
type Datagram = (SocketAddr, SocketAddr, Vec<u8>);

async fn read_socket(local: SocketAddr, socket: Arc<UdpSocket>, tx: mpsc::Sender<Datagram>) {
    let mut buf = vec![0u8; 65_536];
    loop {
        match socket.recv_from(&mut buf).await {
            Ok((n, from)) => {
                if tx.send((local, from, buf[..n].to_vec())).await.is_err() {
                    return;
                }
            }
            // ICMP errors (port unreachable) surface as recv errors on Linux: keep going.
            Err(_) => tokio::task::yield_now().await,
        }
    }
}

async fn drive(
    mut rtc: Rtc,
    sockets: Vec<(SocketAddr, Arc<UdpSocket>)>,
    mdns: Option<Arc<UdpSocket>>,
    mut commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<Event>,
    state: watch::Sender<Published>,
) {
    let (net_tx, mut net_rx) = mpsc::channel::<Datagram>(1024);
    let mut readers = Vec::new();
    for (local, socket) in &sockets {
        readers.push(tokio::spawn(read_socket(
            *local,
            socket.clone(),
            net_tx.clone(),
        )));
    }
    let mdns_local = SocketAddr::from((Ipv4Addr::UNSPECIFIED, 5353));
    if let Some(m) = &mdns {
        readers.push(tokio::spawn(read_socket(
            mdns_local,
            m.clone(),
            net_tx.clone(),
        )));
    }
    drop(net_tx);
    loop {
        // Flush what the core wants out.
        while let Some(t) = rtc.poll_transmit() {
            if t.destination == MDNS_V4 {
                if let Some(m) = &mdns {
                    let _ = m.send_to(&t.contents, t.destination).await;
                }
                continue;
            }
            if let Some((_, s)) = sockets.iter().find(|(l, _)| *l == t.source) {
                // A send error (unreachable network) is a lost datagram, as on the wire.
                let _ = s.send_to(&t.contents, t.destination).await;
            }
        }
        while let Some(e) = rtc.poll_event() {
            if events.send(e).await.is_err() {
                // Nobody listens any more: keep running for the command handles.
            }
        }
        let published = Published {
            gathering_complete: rtc.is_gathering_complete(),
            connection: rtc.connection_state(),
            signaling: rtc.signaling_state(),
        };
        state.send_if_modified(|s| {
            let changed = *s != published;
            *s = published;
            changed
        });
        let deadline = rtc.poll_timeout();
        tokio::select! {
            d = net_rx.recv() => {
                let Some((local, from, data)) = d else { break };
                let now = Instant::now();
                if local == mdns_local {
                    rtc.handle_mdns(now, &data);
                } else {
                    rtc.handle_packet(now, from, local, &data);
                }
            }
            c = commands.recv() => {
                let Some(c) = c else { break };
                if handle_command(&mut rtc, c) {
                    break;
                }
            }
            () = sleep_until(deadline) => {
                rtc.handle_timeout(Instant::now());
            }
        }
    }
    rtc.close(Instant::now());
    while let Some(t) = rtc.poll_transmit() {
        if let Some((_, s)) = sockets.iter().find(|(l, _)| *l == t.source) {
            let _ = s.send_to(&t.contents, t.destination).await;
        }
    }
    let _ = state.send(Published {
        gathering_complete: rtc.is_gathering_complete(),
        connection: PeerConnectionState::Closed,
        signaling: SignalingState::Closed,
    });
    for r in readers {
        r.abort();
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
        None => std::future::pending().await,
    }
}

/// Runs one command; returns true when the connection is to stop.
fn handle_command(rtc: &mut Rtc, c: Command) -> bool {
    let now = Instant::now();
    match c {
        Command::CreateOffer(tx) => {
            let _ = tx.send(rtc.create_offer());
        }
        Command::CreateAnswer(tx) => {
            let _ = tx.send(rtc.create_answer());
        }
        Command::SetLocal(d, tx) => {
            let _ = tx.send(rtc.set_local_description(now, &d));
        }
        Command::SetRemote(d, tx) => {
            let _ = tx.send(rtc.set_remote_description(now, d));
        }
        Command::AddCandidate(c, tx) => {
            let _ = tx.send(rtc.add_ice_candidate(now, c.as_deref()));
        }
        Command::LocalDescription(tx) => {
            let _ = tx.send(rtc.local_description());
        }
        Command::CreateChannel(label, init, tx) => {
            let _ = tx.send(rtc.create_data_channel(now, &label, init));
        }
        Command::ChannelInfo(id, tx) => {
            let _ = tx.send(rtc.channel(id));
        }
        Command::Send(id, data, binary, tx) => {
            let _ = tx.send(rtc.send(now, id, &data, binary));
        }
        Command::BufferedAmount(id, tx) => {
            let _ = tx.send(rtc.buffered_amount(id));
        }
        Command::SetLowThreshold(id, t) => rtc.set_buffered_amount_low_threshold(id, t),
        Command::CloseChannel(id, tx) => {
            let _ = tx.send(rtc.close_channel(now, id));
        }
        Command::SelectedPair(tx) => {
            let pair = rtc
                .ice_agent()
                .and_then(|a| a.selected_pair())
                .map(|(l, r)| (l.to_string(), r.to_string()));
            let _ = tx.send(pair);
        }
        Command::RestartIce => rtc.restart_ice(),
        Command::KeyLog(tx) => {
            let _ = tx.send(rtc.dtls_key_log_line());
        }
        Command::Stats(tx) => {
            let _ = tx.send(rtc.stats());
        }
        Command::Close(tx) => {
            rtc.close(now);
            let _ = tx.send(());
            return true;
        }
    }
    false
}
