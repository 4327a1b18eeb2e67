//! The sans-IO peer connection core: JSEP signaling (RFC 8829) driving one ICE agent
//! (RFC 8445), one DTLS endpoint (RFC 6347, roles per RFC 8842) and one SCTP association with
//! its data channels (RFC 8831, RFC 8832, RFC 8261), all on one bundled transport.
//!
//! Inbound datagrams go to the ICE agent first; what it hands back as data is demultiplexed
//! by its first byte (RFC 7983 section 7): 20..=63 is DTLS. DTLS application data is SCTP.
//! Outbound SCTP packets are sealed by DTLS and sent on ICE's selected pair.
//!
//! The caller owns sockets and time: after any call that changes state, drain
//! [`Rtc::poll_transmit`] and [`Rtc::poll_event`] until empty, then call
//! [`Rtc::handle_timeout`] at [`Rtc::poll_timeout`].

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use strata_dtls::crypto::cert::{Certificate, Fingerprint, FingerprintAlgorithm};
use strata_dtls::endpoint::{Config as DtlsConfig, Endpoint, Event as DtlsEvent};
use strata_ice::mdns::{MDNS_V4, Querier, QuerierConfig, QuerierEvent};
use strata_ice::{
    Agent, AgentConfig, Candidate, ConnectionState as IceState, Event as IceEvent, GatheringState,
    Input, Received, Role, random_credentials,
};
use strata_sctp::Association;
use strata_sctp::association::{Config as SctpConfig, Error as SctpError, RemoteMaxMessageSize};
use strata_sctp::datachannel::{
    ChannelConfig, ChannelError, ChannelEvent, DataChannels, DtlsRole, Reliability,
};
use strata_sdp::{SdpType, SessionDescriptionInit};
use strata_stun::{OsRng, Rng};

use crate::channel::{ChannelId, ChannelInfo, ChannelState, DataChannelInit};
use crate::config::RtcConfig;
use crate::sdp::{LocalParams, RemoteParams, Setup, read_description, write_description};
use crate::{Error, Event, PeerConnectionState, SignalingState, Transmit};

mod channel_map;
mod channels;
mod jsep;
mod relay;
mod stats;
mod transport;

#[derive(Debug)]
struct Channel {
    label: String,
    init: DataChannelInit,
    stream: Option<u16>,
    state: ChannelState,
    counters: ChannelCounters,
}

/// Per-channel message counters for getStats.
#[derive(Debug, Default, Clone, Copy)]
struct ChannelCounters {
    messages_sent: u64,
    bytes_sent: u64,
    messages_received: u64,
    bytes_received: u64,
}

/// Transport counters for getStats.
#[derive(Debug, Default, Clone, Copy)]
struct TransportCounters {
    bytes_sent: u64,
    bytes_received: u64,
    packets_sent: u64,
    packets_received: u64,
    channels_opened: u32,
    channels_closed: u32,
}

/// Bytes of received messages [`Rtc`] takes out of the SCTP receive buffer ahead of
/// [`Rtc::poll_event`]; the rest stay there, counted against the advertised window.
const MESSAGE_HOLD: usize = 256 << 10;

/// One peer connection, sans-IO: JSEP signaling driving ICE, DTLS and SCTP on one bundled
/// transport.
///
/// Inbound datagrams go to the ICE agent first; what it hands back is demultiplexed by its
/// first byte (RFC 7983): 20..=63 is DTLS, whose application data is SCTP. After any call
/// that changes state, drain [`Rtc::poll_transmit`] and [`Rtc::poll_event`] until empty,
/// then call [`Rtc::handle_timeout`] at [`Rtc::poll_timeout`].
pub struct Rtc {
    config: RtcConfig,
    certificate: Arc<Certificate>,
    fingerprint: Fingerprint,
    rng: Box<dyn Rng + Send>,
    /// Whether `rng` is the OS CSPRNG (then the agent gets one too).
    os_rng: bool,
    session_id: u64,
    session_version: u64,
    signaling: SignalingState,
    ufrag: String,
    pwd: String,
    mid: String,
    /// What `createOffer` / `createAnswer` last returned, as a digest: enough to refuse a
    /// munged description without keeping the text.
    last_offer: Option<SdpDigest>,
    last_answer: Option<SdpDigest>,
    local_description: Option<SessionDescriptionInit>,
    remote_description: Option<SessionDescriptionInit>,
    remote: Option<RemoteParams>,
    local_setup: Option<Setup>,
    agent: Option<Agent>,
    local_addresses: Vec<SocketAddr>,
    local_candidates: Vec<Candidate>,
    gathering_complete: bool,
    /// The mDNS querier, created by the first `.local` candidate to resolve.
    querier: Option<Box<Querier>>,
    dtls: Option<Endpoint>,
    dtls_role: Option<DtlsRole>,
    dtls_connected: bool,
    early_dtls: VecDeque<Vec<u8>>,
    data: Option<DataChannels>,
    sctp_connected: bool,
    channels: channel_map::ChannelMap,
    by_stream: HashMap<u16, ChannelId>,
    next_channel: u32,
    negotiation_needed: bool,
    /// `restart_ice` was called: the next applied offer restarts the agent.
    ice_restart: bool,
    ice_state: IceState,
    state: PeerConnectionState,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
    /// Bytes of the messages in `events` (at most [`MESSAGE_HOLD`] plus one message).
    held_message_bytes: usize,
    /// `pump` left data channel events in the association because `events` held
    /// [`MESSAGE_HOLD`] bytes of messages; `poll_event` pulls them once it has room.
    held_back: bool,
    /// The latest time a call gave (for the pulls `poll_event` makes).
    last_now: Option<Instant>,
    /// One SCTP packet on its way into DTLS.
    scratch: Vec<u8>,
    /// ICE datagrams waiting to be routed (direct or via a relay), reused by `pump`.
    routes: Vec<strata_ice::Transmit>,
    counters: TransportCounters,
    relays: Vec<relay::Relay>,
    /// `end_of_local_candidates` was given to the agent (after every relay answered).
    local_end_signalled: bool,
    /// Datagrams sent and received when `handle_timeout` last started a quiet window.
    window_packets: u64,
    /// When the next quiet window starts.
    window_at: Option<Instant>,
}

impl std::fmt::Debug for Rtc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rtc")
            .field("signaling", &self.signaling)
            .field("state", &self.state)
            .field("ice_state", &self.ice_state)
            .field("channels", &self.channels.len())
            .field("dtls", &self.dtls.as_ref().map(Endpoint::stats))
            .field("sctp", &self.data.as_ref().map(|d| d.association().stats()))
            .finish_non_exhaustive()
    }
}

impl Rtc {
    /// A peer connection drawing secrets from the operating system's CSPRNG.
    pub fn new(config: RtcConfig) -> Result<Rtc, Error> {
        let mut rtc = Rtc::with_rng(config, Box::new(OsRng::default()))?;
        rtc.os_rng = true;
        Ok(rtc)
    }

    /// A peer connection drawing ICE credentials, ids and session ids from `rng` (tests pass
    /// a seeded generator).
    pub fn with_rng(config: RtcConfig, mut rng: Box<dyn Rng + Send>) -> Result<Rtc, Error> {
        let certificate = match &config.certificate {
            Some(c) => c.clone(),
            None => Arc::new(
                Certificate::generate("strata", &ring::rand::SystemRandom::new())
                    .map_err(|e| Error::Certificate(e.to_string()))?,
            ),
        };
        let fingerprint = certificate.fingerprint(FingerprintAlgorithm::Sha256);
        let mut id = [0u8; 8];
        rng.fill(&mut id);
        let (ufrag, pwd) = random_credentials(rng.as_mut());
        Ok(Rtc {
            querier: None,
            config,
            certificate,
            fingerprint,
            rng,
            os_rng: false,
            // Positive 63-bit, as RFC 8866 section 5.2 suggests.
            session_id: u64::from_be_bytes(id) >> 1,
            session_version: 1,
            signaling: SignalingState::Stable,
            ufrag,
            pwd,
            mid: "0".to_owned(),
            last_offer: None,
            last_answer: None,
            local_description: None,
            remote_description: None,
            remote: None,
            local_setup: None,
            agent: None,
            local_addresses: Vec::new(),
            local_candidates: Vec::new(),
            gathering_complete: false,
            dtls: None,
            dtls_role: None,
            dtls_connected: false,
            early_dtls: VecDeque::new(),
            data: None,
            sctp_connected: false,
            channels: channel_map::ChannelMap::default(),
            by_stream: HashMap::new(),
            next_channel: 0,
            negotiation_needed: false,
            ice_restart: false,
            ice_state: IceState::New,
            state: PeerConnectionState::New,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            held_message_bytes: 0,
            held_back: false,
            last_now: None,
            scratch: Vec::new(),
            routes: Vec::new(),
            counters: TransportCounters::default(),
            relays: Vec::new(),
            local_end_signalled: false,
            window_packets: 0,
            window_at: None,
        })
    }

    /// The local DTLS certificate's SHA-256 fingerprint.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// The signaling state.
    pub fn signaling_state(&self) -> SignalingState {
        self.signaling
    }

    /// The peer connection state.
    pub fn connection_state(&self) -> PeerConnectionState {
        self.state
    }

    /// The ICE connection state.
    pub fn ice_connection_state(&self) -> IceState {
        self.ice_state
    }

    /// The applied local description (W3C `localDescription`), with the candidates gathered
    /// so far.
    pub fn local_description(&self) -> Option<SessionDescriptionInit> {
        let d = self.local_description.as_ref()?;
        Some(SessionDescriptionInit::new(
            d.sdp_type,
            self.write_local(d.sdp_type == SdpType::Offer),
        ))
    }

    /// The applied remote description.
    pub fn remote_description(&self) -> Option<&SessionDescriptionInit> {
        self.remote_description.as_ref()
    }

    /// Whether ICE gathering is complete (the local description then carries every
    /// candidate and end-of-candidates).
    pub fn is_gathering_complete(&self) -> bool {
        self.gathering_complete
    }

    /// The ICE agent, once a description is applied (for stats and tuning).
    pub fn ice_agent(&self) -> Option<&Agent> {
        self.agent.as_ref()
    }

    /// The DTLS session's key log line (`SSLKEYLOGFILE` format) once the handshake has a
    /// master secret, for decrypting captures in Wireshark. Secret: debugging only.
    pub fn dtls_key_log_line(&self) -> Option<String> {
        self.dtls.as_ref().and_then(Endpoint::key_log_line)
    }

    /// Adds a local address the caller's socket is bound to (a specific address, not
    /// 0.0.0.0): it becomes a host candidate when gathering starts.
    pub fn add_local_address(&mut self, addr: SocketAddr) {
        if !self.local_addresses.contains(&addr) {
            push_lean(&mut self.local_addresses, addr);
            if let Some(agent) = &mut self.agent
                && !self.config.relay_only
                && let Ok(c) = agent.add_local_candidate(addr)
            {
                push_lean(&mut self.local_candidates, c);
            }
        }
    }

    /// `close`: stops everything; no more events but the state changes.
    pub fn close(&mut self, now: Instant) {
        if self.signaling == SignalingState::Closed {
            return;
        }
        if let Some(d) = &mut self.dtls {
            d.close();
        }
        // Let the close_notify out before ICE stops.
        self.pump(now);
        if let Some(a) = &mut self.agent {
            a.close();
        }
        for c in self.channels.values_mut() {
            c.state = ChannelState::Closed;
        }
        self.signaling = SignalingState::Closed;
        self.set_state(PeerConnectionState::Closed);
    }

    /// Feeds a datagram that arrived on `destination` (one of our local addresses) from
    /// `source`.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        source: SocketAddr,
        destination: SocketAddr,
        data: &[u8],
    ) {
        self.take_packet(now, source, destination, data);
        self.pump(now);
    }

    /// Feeds datagrams that arrived together on `destination` (one `recvmmsg` call, one GRO
    /// buffer), then does the work they caused once. The SCTP receiver then answers the batch
    /// with one SACK instead of one for every second packet (RFC 9260 section 6.2 asks for
    /// at least every second packet; like TCP's acknowledgements of GRO batches, a receiver
    /// that reads packets in batches acknowledges batches, which spares a busy peer a burst
    /// of SACKs). The datagrams are `(source, bytes)`.
    pub fn handle_packets<'a>(
        &mut self,
        now: Instant,
        destination: SocketAddr,
        datagrams: impl IntoIterator<Item = (SocketAddr, &'a [u8])>,
    ) {
        for (source, data) in datagrams {
            self.take_packet(now, source, destination, data);
        }
        self.pump(now);
    }

    /// One datagram in, without the pump.
    fn take_packet(
        &mut self,
        now: Instant,
        source: SocketAddr,
        destination: SocketAddr,
        data: &[u8],
    ) {
        self.counters.packets_received += 1;
        self.counters.bytes_received += data.len() as u64;
        if self.handle_relay_packet(now, source, destination, data) {
            return;
        }
        let Some(agent) = &mut self.agent else {
            return;
        };
        let received = agent.handle_packet(
            now,
            Input {
                source,
                destination,
                via: None,
                data,
            },
        );
        if let Received::Data(bytes) = received {
            self.handle_data(now, bytes);
        }
    }

    /// Data ICE handed back (directly or through a relay), demultiplexed by its first byte.
    fn handle_data(&mut self, now: Instant, bytes: &[u8]) {
        // RFC 7983: 20..=63 is DTLS; RTP/RTCP (128..=191) waits for the media work.
        if let Some(&first) = bytes.first()
            && (20..=63).contains(&first)
        {
            match &mut self.dtls {
                // SCTP running: records are decrypted straight into the association, with
                // no event (allocation, copy) per record.
                Some(d) if self.data.is_some() => {
                    let data = &mut self.data;
                    let result = d.handle_packet_with(now, bytes, |plain| {
                        if let Some(data) = data {
                            // A bad SCTP packet is dropped by the association; an Err means
                            // it is dead, which its events report.
                            let _ = data.handle_packet(now, plain);
                        }
                    });
                    if result.is_err() {
                        self.fail();
                    }
                    // A batch gets one SACK at its end, but one reporting a gap goes now:
                    // the sender counts miss indications per SACK.
                    if self
                        .data
                        .as_ref()
                        .is_some_and(|d| d.association().sack_urgent())
                    {
                        self.sctp_to_dtls();
                    }
                }
                Some(d) => {
                    if d.handle_packet(now, bytes).is_err() {
                        self.fail();
                    }
                }
                None => {
                    if self.early_dtls.len() < self.config.max_early_dtls {
                        self.early_dtls.push_back(bytes.to_vec());
                    }
                }
            }
        }
    }

    /// Feeds a packet from the mDNS socket (responses to our `.local` queries).
    pub fn handle_mdns(&mut self, now: Instant, data: &[u8]) {
        // Without a querier we asked nothing: nothing to learn.
        if let Some(q) = &mut self.querier {
            q.handle_packet(now, data);
            self.pump(now);
        }
    }

    /// A timer fired.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(a) = &mut self.agent {
            a.handle_timeout(now);
        }
        if let Some(q) = &mut self.querier {
            q.handle_timeout(now);
        }
        for r in &mut self.relays {
            r.client.handle_timeout(now);
        }
        if let Some(d) = &mut self.dtls
            && d.handle_timeout(now).is_err()
        {
            self.fail();
        }
        if let Some(d) = &mut self.data {
            d.handle_timeout(now);
        }
        self.pump(now);
        if self.window_at.is_none_or(|t| now >= t) {
            self.window_at = Some(now + QUIET_WINDOW);
            self.window_packets = self.counters.packets_sent + self.counters.packets_received;
        }
    }

    /// Returns the memory of drained queues and of the SCTP packet buffer while the
    /// connection is quiet (fewer than [`QUIET_PACKETS`] datagrams since the current window
    /// started): an idle connection (consent checks, heartbeats) then holds none between
    /// its few packets, while a busy one keeps its buffers and pays one comparison per
    /// drain.
    fn release_if_quiet(&mut self) {
        let packets = self.counters.packets_sent + self.counters.packets_received;
        if packets.saturating_sub(self.window_packets) >= QUIET_PACKETS {
            return;
        }
        if self.transmits.is_empty() {
            self.transmits = VecDeque::new();
        }
        if self.events.is_empty() {
            self.events = VecDeque::new();
        }
        if self.early_dtls.is_empty() {
            self.early_dtls = VecDeque::new();
        }
        // Both are empty between calls.
        self.routes = Vec::new();
        self.scratch = Vec::new();
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        let Some(t) = self.transmits.pop_front() else {
            self.release_if_quiet();
            return None;
        };
        self.counters.packets_sent += 1;
        self.counters.bytes_sent += t.contents.len() as u64;
        Some(t)
    }

    /// The next event.
    ///
    /// Received messages wait in the SCTP receive buffer until they are taken here, beyond
    /// 256 KiB pulled ahead: an application that reads slowly closes the
    /// receive window the peer sees, so the peer waits instead of sending into a full
    /// buffer (RFC 9260 section 6.2). Taking a message may therefore reopen the window and
    /// queue a datagram (a window update): keep draining [`Rtc::poll_transmit`] as well.
    pub fn poll_event(&mut self) -> Option<Event> {
        let e = self.events.pop_front();
        match &e {
            Some(Event::ChannelMessage { data, .. }) => {
                self.held_message_bytes -= data.len();
                if self.held_back
                    && self.held_message_bytes <= MESSAGE_HOLD / 2
                    && let Some(now) = self.last_now
                {
                    self.held_back = false;
                    self.pump(now);
                }
            }
            Some(_) => {}
            None => self.release_if_quiet(),
        }
        e
    }

    /// When to call [`Rtc::handle_timeout`] next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.agent.as_ref().and_then(Agent::poll_timeout),
            self.querier.as_ref().and_then(|q| q.poll_timeout()),
            self.dtls.as_ref().and_then(Endpoint::poll_timeout),
            self.data.as_ref().and_then(DataChannels::poll_timeout),
            self.relays
                .iter()
                .filter_map(|r| r.client.poll_timeout())
                .min(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    // ---- internals ----
}

/// W3C `setLocalDescription`: the description must be the one created (or empty, meaning
/// that one); munged SDP is refused (`InvalidModificationError`).
fn check_unmodified(given: &str, created: Option<&SdpDigest>) -> Result<(), Error> {
    if given.is_empty() || created.is_some_and(|c| *c == SdpDigest::of(given)) {
        Ok(())
    } else {
        Err(Error::BadDescription(
            "a local description must be the one createOffer/createAnswer returned".into(),
        ))
    }
}

/// The SHA-256 of a description we created (collision-resistant, so a munged description
/// cannot pass for the created one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SdpDigest([u8; 32]);

impl SdpDigest {
    fn of(sdp: &str) -> SdpDigest {
        let mut out = [0u8; 32];
        out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, sdp.as_bytes()).as_ref());
        SdpDigest(out)
    }
}

/// Pushes onto a list that usually holds one or two entries (addresses, candidates): the
/// first push allocates room for one instead of `Vec`'s four.
fn push_lean<T>(list: &mut Vec<T>, item: T) {
    if list.capacity() == 0 {
        list.reserve_exact(1);
    }
    list.push(item);
}

/// How long a quiet window lasts at least (it restarts at the first `handle_timeout` after).
const QUIET_WINDOW: std::time::Duration = std::time::Duration::from_secs(1);
/// Datagrams (both ways) a window may see and still count as quiet.
const QUIET_PACKETS: u64 = 32;

/// Bytes DTLS adds to an SCTP packet: record header 13, explicit nonce 8, GCM tag 16.
const DTLS_OVERHEAD: usize = 13 + 8 + 16;

/// A deterministic stream for the agent of an [`Rtc::with_rng`] connection (tests), seeded
/// from the caller's generator; [`Rtc::new`] gives the agent the OS CSPRNG instead.
struct SeededRng {
    state: u64,
    key: [u8; 32],
    counter: u64,
}

impl SeededRng {
    fn new(key: [u8; 32]) -> SeededRng {
        SeededRng {
            state: u64::from_le_bytes([
                key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
            ]),
            key,
            counter: 0,
        }
    }
}

impl Rng for SeededRng {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.counter = self.counter.wrapping_add(1);
            let mut z = self
                .state
                .wrapping_add(self.counter.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            z ^= u64::from_le_bytes([
                self.key[8],
                self.key[9],
                self.key[10],
                self.key[11],
                self.key[12],
                self.key[13],
                self.key[14],
                self.key[15],
            ]);
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}
