//! The async `PeerConnection` on tokio: the W3C RTCPeerConnection in Rust form around the
//! sans-IO [`Rtc`](crate::Rtc) core.
//!
//! Each connection has UDP sockets (one per local address, so every datagram's local address
//! is known to ICE), an mDNS socket for resolving browsers' `<uuid>.local` candidates, and one
//! task that reads the sockets and runs the timers. Methods work on the sans-IO core directly
//! under a lock (a `send` writes its datagrams on the caller's task); events come out of
//! [`PeerConnection::next_event`] (a bounded queue: a caller that stops reading events
//! closes the SCTP receive window, so the peer waits, rather than growing memory).

#[cfg(feature = "webrtc-util")]
mod conn;
#[cfg(feature = "webrtc-util")]
pub use conn::Transport;
mod driver;
mod net;
mod stream;

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Weak};

use strata_dtls::crypto::cert::Certificate;
use strata_ice::{HostFilter, host_addresses};
use tokio::sync::watch;

use driver::{Inner, Published, drive};
use net::{IceUrl, data_socket, mdns_socket, resolve_ice_url};

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
    /// The bundle policy (see [`crate::BundlePolicy`]: with data only, every policy gives one
    /// bundled transport).
    pub bundle_policy: crate::BundlePolicy,
    /// Offer SCTP message interleaving (see [`crate::RtcConfig::message_interleaving`]).
    pub message_interleaving: bool,
    /// The DTLS certificate (`None`: a fresh ECDSA P-256 certificate).
    pub certificate: Option<Arc<Certificate>>,
    /// The local addresses to gather host candidates on; `None` enumerates the machine's
    /// interfaces with [`HostFilter::default`] (no loopback, no link-local).
    pub local_addresses: Option<Vec<IpAddr>>,
    /// Resolve remote mDNS (`.local`) candidates (default true; needs UDP port 5353 with
    /// address reuse).
    pub disable_mdns: bool,
    /// Trust anchors (DER certificates) for `turns:` servers; `None` uses the system's.
    pub turns_roots: Option<Vec<Vec<u8>>>,
    /// Lower-level settings of the core (SCTP port, max-message-size, MTU...).
    pub rtc: RtcConfig,
}

/// An RTCPeerConnection. Cheap to share behind an `Arc`; every method takes `&self`.
/// Dropping it closes the connection.
pub struct PeerConnection {
    inner: Arc<Inner>,
    state: watch::Receiver<Published>,
}

impl std::fmt::Debug for PeerConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerConnection")
            .field("state", &*self.state.borrow())
            .finish_non_exhaustive()
    }
}

/// The sans-IO core for `config`: certificate, ICE servers (resolved; streams to TURN
/// servers over TCP/TLS connected), transport policy.
async fn core(config: &Configuration) -> Result<(Rtc, Vec<stream::TurnStream>), Error> {
    let mut rtc_config = config.rtc.clone();
    if config.certificate.is_some() {
        rtc_config.certificate = config.certificate.clone();
    }
    let mut streams = Vec::new();
    for server in &config.ice_servers {
        for url in &server.urls {
            match resolve_ice_url(url).await? {
                IceUrl::Stun(addrs) => rtc_config.stun_servers.extend(addrs),
                IceUrl::Turn {
                    addr,
                    transport,
                    host,
                } => {
                    let (Some(username), Some(password)) = (&server.username, &server.credential)
                    else {
                        return Err(Error::BadConfiguration(format!(
                            "{url} needs a username and a credential"
                        )));
                    };
                    let turn = crate::TurnServer::new(addr, username, password);
                    if !transport.is_stream() {
                        rtc_config.turn_servers.push(turn);
                        continue;
                    }
                    let roots = config.turns_roots.as_deref();
                    // An unreachable server gives no relay candidate, as in browsers.
                    if let Ok(s) = stream::connect(addr, transport, &host, roots).await {
                        rtc_config
                            .turn_servers
                            .push(turn.over_stream(transport, s.local));
                        streams.push(s);
                    }
                }
            }
        }
    }
    rtc_config.relay_only = config.ice_transport_policy == IceTransportPolicy::Relay;
    rtc_config.bundle_policy = config.bundle_policy;
    rtc_config.message_interleaving = config.message_interleaving;
    Ok((Rtc::new(rtc_config)?, streams))
}

/// A data channel of a [`PeerConnection`] (W3C `RTCDataChannel`). Cheap to clone; every
/// clone names the same channel. It does not keep its connection alive: once the
/// `PeerConnection` is dropped, its methods fail with [`Error::Closed`].
#[derive(Clone)]
pub struct DataChannel {
    id: ChannelId,
    inner: Weak<Inner>,
}

impl std::fmt::Debug for DataChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataChannel")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl PeerConnection {
    /// Creates a peer connection: binds one UDP socket per local address (ephemeral ports)
    /// and starts its task on the current tokio runtime.
    pub async fn new(config: Configuration) -> Result<PeerConnection, Error> {
        let (mut rtc, streams) = core(&config).await?;
        let ips = match &config.local_addresses {
            Some(ips) => ips.clone(),
            None => host_addresses(HostFilter::default()).map_err(|e| Error::Io(e.to_string()))?,
        };
        if ips.is_empty() {
            return Err(Error::Io("no local address to gather candidates on".into()));
        }
        let mut sockets = Vec::new();
        for ip in ips {
            let link = data_socket(SocketAddr::new(ip, 0))
                .map_err(|e| Error::Io(format!("bind {ip}: {e}")))?;
            rtc.add_local_address(link.local);
            sockets.push(link);
        }
        let mdns = if config.disable_mdns {
            None
        } else {
            mdns_socket().ok()
        };
        Ok(PeerConnection::start(rtc, sockets, streams, mdns))
    }

    /// Starts the connection task, and the tasks of the TURN streams.
    fn start(
        rtc: Rtc,
        mut links: Vec<net::Link>,
        streams: Vec<stream::TurnStream>,
        mdns: Option<tokio::net::UdpSocket>,
    ) -> Self {
        let mut pending = Vec::new();
        for s in streams {
            let (link, p) = stream::link(s);
            links.push(link);
            pending.push(p);
        }
        let (inner, state) = Inner::new(rtc, links, mdns);
        for p in pending {
            p.start(&inner);
        }
        tokio::spawn(drive(inner.clone()));
        PeerConnection { inner, state }
    }

    /// `createOffer`.
    pub async fn create_offer(&self) -> Result<SessionDescriptionInit, Error> {
        self.inner.with(|rtc, _| rtc.create_offer())?
    }

    /// `createAnswer`.
    pub async fn create_answer(&self) -> Result<SessionDescriptionInit, Error> {
        self.inner.with(|rtc, _| rtc.create_answer())?
    }

    /// `setLocalDescription`.
    pub async fn set_local_description(&self, desc: SessionDescriptionInit) -> Result<(), Error> {
        self.inner
            .with(|rtc, now| rtc.set_local_description(now, &desc))?
    }

    /// `setRemoteDescription` (including rollback).
    pub async fn set_remote_description(&self, desc: SessionDescriptionInit) -> Result<(), Error> {
        self.inner
            .with(|rtc, now| rtc.set_remote_description(now, desc))?
    }

    /// `addIceCandidate`: `candidate:...`, or `None` for end-of-candidates.
    pub async fn add_ice_candidate(&self, candidate: Option<String>) -> Result<(), Error> {
        self.inner
            .with(|rtc, now| rtc.add_ice_candidate(now, candidate.as_deref()))?
    }

    /// `localDescription`, with the candidates gathered so far.
    pub async fn local_description(&self) -> Option<SessionDescriptionInit> {
        self.inner
            .with(|rtc, _| rtc.local_description())
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
        let id = self
            .inner
            .with(|rtc, now| rtc.create_data_channel(now, label, init))??;
        Ok(self.channel(id))
    }

    /// The handle of a channel named in an [`Event`] (for example a remote channel from
    /// [`Event::DataChannel`]).
    pub fn channel(&self, id: ChannelId) -> DataChannel {
        DataChannel {
            id,
            inner: Arc::downgrade(&self.inner),
        }
    }

    /// The next event, or `None` once the connection is closed and drained. Events wait in
    /// a bounded queue (2 MiB of messages); beyond it received messages stay in the SCTP
    /// receive buffer, whose window the peer sees: a slow reader slows the sender down
    /// (back-pressure) instead of losing datagrams. The network is read all the time.
    pub async fn next_event(&self) -> Option<Event> {
        self.inner.next_event().await
    }

    /// Calls `handler` with every event, in order, from a task of its own (never under the
    /// connection's lock, so the handler may call back into the connection) until the
    /// connection is closed and its events drained. The callback form of
    /// [`PeerConnection::next_event`]: use one or the other, as both take from one queue.
    pub fn on_event<F>(&self, mut handler: F) -> tokio::task::JoinHandle<()>
    where
        F: FnMut(Event) + Send + 'static,
    {
        let inner = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            while let Some(inner) = inner.upgrade() {
                let Some(event) = inner.next_event().await else {
                    return;
                };
                // Not holding the connection alive while the handler runs.
                drop(inner);
                handler(event);
            }
        })
    }

    /// The selected ICE candidate pair (local, remote) as `candidate:` attribute values, once
    /// ICE has one.
    pub async fn selected_candidate_pair(&self) -> Option<(String, String)> {
        self.inner
            .with(|rtc, _| {
                rtc.ice_agent()
                    .and_then(|a| a.selected_pair())
                    .map(|(l, r)| (l.to_string(), r.to_string()))
            })
            .ok()
            .flatten()
    }

    /// The SCTP association's counters (see [`Rtc::sctp_stats`](crate::Rtc::sctp_stats)).
    pub async fn sctp_stats(&self) -> Option<crate::SctpStats> {
        self.inner.with(|rtc, _| rtc.sctp_stats()).ok().flatten()
    }

    /// The DTLS key log line (`SSLKEYLOGFILE` format) once the handshake is done, for
    /// decrypting captures. Secret: debugging only.
    pub async fn dtls_key_log_line(&self) -> Option<String> {
        self.inner
            .with(|rtc, _| rtc.dtls_key_log_line())
            .ok()
            .flatten()
    }

    /// `getStats`: W3C-shaped entries (see [`crate::stats`]).
    pub async fn get_stats(&self) -> Vec<crate::stats::Stats> {
        self.inner.with(|rtc, _| rtc.stats()).unwrap_or_default()
    }

    /// `restartIce`: the next offer carries new ICE credentials ([`Event::NegotiationNeeded`]
    /// follows); data keeps flowing on the current pair meanwhile.
    pub async fn restart_ice(&self) {
        let _ = self.inner.with(|rtc, _| rtc.restart_ice());
    }

    /// `close`.
    pub async fn close(&self) {
        self.inner.close();
    }
}

impl Drop for PeerConnection {
    fn drop(&mut self) {
        self.inner.close();
    }
}

impl DataChannel {
    /// Runs `f` on the connection's core (see `Inner::with`).
    fn with<T>(&self, f: impl FnOnce(&mut Rtc, std::time::Instant) -> T) -> Result<T, Error> {
        self.inner.upgrade().ok_or(Error::Closed)?.with(f)
    }

    /// The channel's id in its connection.
    pub fn id(&self) -> ChannelId {
        self.id
    }

    /// Label, options, stream id and `readyState`.
    pub async fn info(&self) -> Option<ChannelInfo> {
        self.with(|rtc, _| rtc.channel(self.id)).ok().flatten()
    }

    /// Sends a text message.
    pub async fn send_text(&self, text: &str) -> Result<(), Error> {
        self.send_slice(text.as_bytes(), false)
    }

    /// Sends a binary message.
    pub async fn send_binary(&self, data: &[u8]) -> Result<(), Error> {
        self.send_slice(data, true)
    }

    /// Sends a message already in a `Vec` (taken over, not copied, from 1 KiB up), text or
    /// binary.
    pub async fn send(&self, data: Vec<u8>, binary: bool) -> Result<(), Error> {
        self.with(|rtc, now| rtc.send_bytes(now, self.id, data, binary))?
    }

    /// Queues the message and writes what congestion control allows right away, on the
    /// caller's task.
    fn send_slice(&self, data: &[u8], binary: bool) -> Result<(), Error> {
        self.with(|rtc, now| rtc.send(now, self.id, data, binary))?
    }

    /// `bufferedAmount`.
    pub async fn buffered_amount(&self) -> usize {
        self.with(|rtc, _| rtc.buffered_amount(self.id))
            .unwrap_or(0)
    }

    /// `bufferedAmountLowThreshold`.
    pub async fn set_buffered_amount_low_threshold(&self, threshold: usize) {
        let _ = self.with(|rtc, _| rtc.set_buffered_amount_low_threshold(self.id, threshold));
    }

    /// `close`.
    pub async fn close(&self) -> Result<(), Error> {
        self.with(|rtc, now| rtc.close_channel(now, self.id))?
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::net::Ipv4Addr;
    use std::time::Duration;

    use super::*;

    fn loopback() -> Configuration {
        Configuration {
            local_addresses: Some(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]),
            disable_mdns: true,
            ..Configuration::default()
        }
    }

    /// USER-ASKS 1: dropping a connection frees everything: its task ends and its state is
    /// released even while channel handles and an event handler are still around.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropping_the_connection_frees_it() {
        let pc = PeerConnection::new(loopback()).await.unwrap();
        let dc = pc
            .create_data_channel("x", DataChannelInit::default())
            .await
            .unwrap();
        pc.set_local_description(pc.create_offer().await.unwrap())
            .await
            .unwrap();
        let weak = Arc::downgrade(&pc.inner);
        let handler = pc.on_event(|_| {});
        drop(pc);
        tokio::time::timeout(Duration::from_secs(5), async {
            while weak.strong_count() > 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .unwrap();
        tokio::time::timeout(Duration::from_secs(5), handler)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(dc.send_text("late").await, Err(Error::Closed)));
        assert_eq!(dc.buffered_amount().await, 0);
    }

    /// Events reach an `on_event` handler in order, and the handler may call back into the
    /// connection (it does not run under the connection's lock).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_event_handler_may_call_back() {
        let pc = Arc::new(PeerConnection::new(loopback()).await.unwrap());
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let handle = pc.clone();
        pc.on_event(move |e| {
            // Re-entrant: a synchronous call into the connection from the handler.
            let state = handle.signaling_state();
            let _ = tx.send((e, state));
        });
        pc.create_data_channel("x", DataChannelInit::default())
            .await
            .unwrap();
        let (first, _) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first, Event::NegotiationNeeded);
        pc.set_local_description(pc.create_offer().await.unwrap())
            .await
            .unwrap();
        let (second, state) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            second,
            Event::SignalingStateChange(SignalingState::HaveLocalOffer)
        );
        assert_eq!(state, SignalingState::HaveLocalOffer);
    }
}
