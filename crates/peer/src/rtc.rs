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

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use strata_dtls::crypto::cert::{Certificate, Fingerprint, FingerprintAlgorithm};
use strata_dtls::endpoint::{Config as DtlsConfig, Endpoint, Event as DtlsEvent};
use strata_ice::mdns::{MDNS_V4, Querier, QuerierConfig, QuerierEvent};
use strata_ice::{
    Agent, AgentConfig, Candidate, ConnectionState as IceState, Event as IceEvent, GatheringState,
    Input, Received, Role,
};
use strata_sctp::Association;
use strata_sctp::association::{Config as SctpConfig, RemoteMaxMessageSize};
use strata_sctp::datachannel::{ChannelConfig, ChannelEvent, DataChannels, DtlsRole, Reliability};
use strata_sdp::{SdpType, SessionDescriptionInit};
use strata_stun::{OsRng, Rng};

use crate::channel::{ChannelId, ChannelInfo, ChannelState, DataChannelInit};
use crate::config::RtcConfig;
use crate::sdp::{LocalParams, RemoteParams, Setup, read_description, write_description};
use crate::{Error, Event, PeerConnectionState, SignalingState, Transmit};

/// RFC 8841 section 6.1: without `a=max-message-size` assume 64 KiB.
const DEFAULT_REMOTE_MAX_MESSAGE_SIZE: usize = 65_536;

#[derive(Debug)]
struct Channel {
    label: String,
    init: DataChannelInit,
    stream: Option<u16>,
    state: ChannelState,
}

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
    last_offer: Option<String>,
    last_answer: Option<String>,
    local_description: Option<SessionDescriptionInit>,
    remote_description: Option<SessionDescriptionInit>,
    remote: Option<RemoteParams>,
    local_setup: Option<Setup>,
    agent: Option<Agent>,
    local_addresses: Vec<SocketAddr>,
    local_candidates: Vec<Candidate>,
    gathering_complete: bool,
    querier: Querier,
    dtls: Option<Endpoint>,
    dtls_role: Option<DtlsRole>,
    dtls_connected: bool,
    early_dtls: VecDeque<Vec<u8>>,
    data: Option<DataChannels>,
    sctp_connected: bool,
    channels: BTreeMap<ChannelId, Channel>,
    by_stream: HashMap<u16, ChannelId>,
    next_channel: u32,
    negotiation_needed: bool,
    ice_state: IceState,
    state: PeerConnectionState,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
    /// One SCTP packet on its way into DTLS.
    scratch: Vec<u8>,
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
        let (ufrag, pwd) = ice_credentials(rng.as_mut());
        Ok(Rtc {
            querier: Querier::new(QuerierConfig {
                ask_aaaa: false,
                ..QuerierConfig::default()
            }),
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
            channels: BTreeMap::new(),
            by_stream: HashMap::new(),
            next_channel: 0,
            negotiation_needed: false,
            ice_state: IceState::New,
            state: PeerConnectionState::New,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            scratch: Vec::new(),
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

    /// Adds a local address the caller's socket is bound to (a specific address, not
    /// 0.0.0.0): it becomes a host candidate when gathering starts.
    pub fn add_local_address(&mut self, addr: SocketAddr) {
        if !self.local_addresses.contains(&addr) {
            self.local_addresses.push(addr);
            if let Some(agent) = &mut self.agent
                && let Ok(c) = agent.add_local_candidate(addr)
            {
                self.local_candidates.push(c);
            }
        }
    }

    /// `createOffer`: an offer with one data section (setup actpass).
    pub fn create_offer(&mut self) -> Result<SessionDescriptionInit, Error> {
        match self.signaling {
            SignalingState::Stable | SignalingState::HaveLocalOffer => {}
            s => return Err(Error::InvalidState(s)),
        }
        let text = self.write_with(Setup::ActPass, true);
        self.last_offer = Some(text.clone());
        Ok(SessionDescriptionInit::new(SdpType::Offer, text))
    }

    /// `createAnswer`: answers the applied remote offer (setup active unless the offer is
    /// active).
    pub fn create_answer(&mut self) -> Result<SessionDescriptionInit, Error> {
        if self.signaling != SignalingState::HaveRemoteOffer {
            return Err(Error::InvalidState(self.signaling));
        }
        let setup = match self.remote.as_ref().and_then(|r| r.setup) {
            Some(Setup::Active) => Setup::Passive,
            _ => Setup::Active,
        };
        let text = self.write_with(setup, false);
        self.last_answer = Some(text.clone());
        Ok(SessionDescriptionInit::new(SdpType::Answer, text))
    }

    /// `setLocalDescription`: applies our offer or answer (an empty `sdp` means the last one
    /// created), or rolls back. Starts ICE gathering.
    pub fn set_local_description(
        &mut self,
        now: Instant,
        desc: &SessionDescriptionInit,
    ) -> Result<(), Error> {
        match desc.sdp_type {
            SdpType::Offer => {
                if !matches!(
                    self.signaling,
                    SignalingState::Stable | SignalingState::HaveLocalOffer
                ) {
                    return Err(Error::InvalidState(self.signaling));
                }
                if self.last_offer.is_none() {
                    self.create_offer()?;
                }
                check_unmodified(&desc.sdp, self.last_offer.as_deref())?;
                self.local_setup = Some(Setup::ActPass);
                self.ensure_agent(now, Role::Controlling)?;
                self.local_description = Some(SessionDescriptionInit::new(SdpType::Offer, ""));
                self.negotiation_needed = false;
                self.set_signaling(SignalingState::HaveLocalOffer);
            }
            SdpType::Answer | SdpType::Pranswer => {
                if !matches!(
                    self.signaling,
                    SignalingState::HaveRemoteOffer | SignalingState::HaveLocalPranswer
                ) {
                    return Err(Error::InvalidState(self.signaling));
                }
                if self.last_answer.is_none() {
                    self.create_answer()?;
                }
                check_unmodified(&desc.sdp, self.last_answer.as_deref())?;
                let setup = match self.remote.as_ref().and_then(|r| r.setup) {
                    Some(Setup::Active) => Setup::Passive,
                    _ => Setup::Active,
                };
                self.local_setup = Some(setup);
                self.local_description = Some(SessionDescriptionInit::new(desc.sdp_type, ""));
                self.set_signaling(if desc.sdp_type == SdpType::Answer {
                    SignalingState::Stable
                } else {
                    SignalingState::HaveLocalPranswer
                });
                self.dtls_role = Some(if setup == Setup::Active {
                    DtlsRole::Client
                } else {
                    DtlsRole::Server
                });
                self.start_dtls(now);
            }
            SdpType::Rollback => {
                if self.signaling != SignalingState::HaveLocalOffer {
                    return Err(Error::InvalidState(self.signaling));
                }
                self.local_description = None;
                self.last_offer = None;
                self.set_signaling(SignalingState::Stable);
            }
        }
        self.pump(now);
        Ok(())
    }

    /// `setRemoteDescription`: applies the peer's offer or answer, or rolls back a remote
    /// offer.
    pub fn set_remote_description(
        &mut self,
        now: Instant,
        desc: SessionDescriptionInit,
    ) -> Result<(), Error> {
        if self.signaling == SignalingState::Closed {
            return Err(Error::Closed);
        }
        match desc.sdp_type {
            SdpType::Rollback => {
                if self.signaling != SignalingState::HaveRemoteOffer {
                    return Err(Error::InvalidState(self.signaling));
                }
                self.remote = None;
                self.remote_description = None;
                self.set_signaling(SignalingState::Stable);
                return Ok(());
            }
            SdpType::Offer => {
                if !matches!(
                    self.signaling,
                    SignalingState::Stable | SignalingState::HaveRemoteOffer
                ) {
                    return Err(Error::InvalidState(self.signaling));
                }
                let params = read_description(&desc.sdp)?;
                self.mid = params.mid.clone();
                self.ensure_agent(now, Role::Controlled)?;
                self.apply_remote(now, params)?;
                self.last_answer = None;
                self.set_signaling(SignalingState::HaveRemoteOffer);
            }
            SdpType::Answer | SdpType::Pranswer => {
                if !matches!(
                    self.signaling,
                    SignalingState::HaveLocalOffer | SignalingState::HaveRemotePranswer
                ) {
                    return Err(Error::InvalidState(self.signaling));
                }
                let params = read_description(&desc.sdp)?;
                if params.data_rejected {
                    return Err(Error::BadDescription(
                        "the answer rejected the data section".into(),
                    ));
                }
                // RFC 8842 section 5.3: an answer says active or passive.
                self.dtls_role = Some(match params.setup {
                    Some(Setup::Passive) => DtlsRole::Client,
                    Some(Setup::Active) | None => DtlsRole::Server,
                    Some(Setup::ActPass) => {
                        return Err(Error::BadDescription(
                            "an answer cannot say a=setup:actpass".into(),
                        ));
                    }
                });
                self.apply_remote(now, params)?;
                self.set_signaling(if desc.sdp_type == SdpType::Answer {
                    SignalingState::Stable
                } else {
                    SignalingState::HaveRemotePranswer
                });
                self.start_dtls(now);
            }
        }
        self.remote_description = Some(desc);
        self.pump(now);
        Ok(())
    }

    /// `addIceCandidate`: a remote candidate (`candidate:...`, with or without `a=`), or
    /// `None` / an empty string for end-of-candidates.
    pub fn add_ice_candidate(
        &mut self,
        now: Instant,
        candidate: Option<&str>,
    ) -> Result<(), Error> {
        let Some(agent) = &mut self.agent else {
            return Err(Error::InvalidState(self.signaling));
        };
        match candidate.map(str::trim).filter(|c| !c.is_empty()) {
            None => agent.end_of_remote_candidates(),
            Some(text) => {
                let c = Candidate::parse(text).map_err(|e| Error::BadCandidate(e.to_string()))?;
                agent
                    .add_remote_candidate(c)
                    .map_err(|e| Error::BadCandidate(e.to_string()))?;
            }
        }
        self.pump(now);
        Ok(())
    }

    /// `createDataChannel`. The channel opens once the connection is up (or at once if it
    /// is); [`Event::ChannelOpen`] tells when. Creating the first channel before any
    /// negotiation raises [`Event::NegotiationNeeded`].
    pub fn create_data_channel(
        &mut self,
        now: Instant,
        label: &str,
        init: DataChannelInit,
    ) -> Result<ChannelId, Error> {
        if self.signaling == SignalingState::Closed {
            return Err(Error::Closed);
        }
        if init.max_packet_life_time.is_some() && init.max_retransmits.is_some() {
            return Err(Error::Channel(
                "maxPacketLifeTime and maxRetransmits are exclusive".into(),
            ));
        }
        let id = ChannelId(self.next_channel);
        self.next_channel += 1;
        self.channels.insert(
            id,
            Channel {
                label: label.to_owned(),
                init,
                stream: None,
                state: ChannelState::Connecting,
            },
        );
        if self.local_description.is_none()
            && self.remote_description.is_none()
            && !self.negotiation_needed
        {
            self.negotiation_needed = true;
            self.events.push_back(Event::NegotiationNeeded);
        }
        if self.sctp_connected {
            self.open_channel(now, id)?;
        }
        self.pump(now);
        Ok(id)
    }

    /// What is known about a channel.
    pub fn channel(&self, id: ChannelId) -> Option<ChannelInfo> {
        self.channels.get(&id).map(|c| ChannelInfo {
            label: c.label.clone(),
            init: c.init.clone(),
            stream: c.stream,
            state: c.state,
        })
    }

    /// A channel's `bufferedAmount`: bytes queued and not yet acknowledged.
    pub fn buffered_amount(&self, id: ChannelId) -> usize {
        match (self.channels.get(&id).and_then(|c| c.stream), &self.data) {
            (Some(s), Some(d)) => d.buffered_amount(s),
            _ => 0,
        }
    }

    /// Sets a channel's `bufferedAmountLowThreshold`.
    pub fn set_buffered_amount_low_threshold(&mut self, id: ChannelId, threshold: usize) {
        if let (Some(s), Some(d)) = (
            self.channels.get(&id).and_then(|c| c.stream),
            &mut self.data,
        ) {
            d.set_buffered_amount_low_threshold(s, threshold);
        }
    }

    /// Sends a message on an open channel (`binary` false for text).
    pub fn send(
        &mut self,
        now: Instant,
        id: ChannelId,
        data: &[u8],
        binary: bool,
    ) -> Result<(), Error> {
        let stream = match self.channels.get(&id) {
            Some(Channel {
                stream: Some(s),
                state: ChannelState::Open,
                ..
            }) => *s,
            _ => return Err(Error::NoSuchChannel(id)),
        };
        let max = self
            .remote
            .as_ref()
            .and_then(|r| r.max_message_size)
            .unwrap_or(DEFAULT_REMOTE_MAX_MESSAGE_SIZE);
        // 0 means "any size" (RFC 8841 section 6.1).
        if max != 0 && data.len() > max {
            return Err(Error::MessageTooLarge {
                len: data.len(),
                max,
            });
        }
        let d = self.data.as_mut().ok_or(Error::NoSuchChannel(id))?;
        d.send(now, stream, data, binary)
            .map_err(|e| Error::Channel(e.to_string()))?;
        self.pump(now);
        Ok(())
    }

    /// Closes a channel (stream reset); [`Event::ChannelClose`] follows.
    pub fn close_channel(&mut self, now: Instant, id: ChannelId) -> Result<(), Error> {
        let Some(c) = self.channels.get_mut(&id) else {
            return Err(Error::NoSuchChannel(id));
        };
        match (c.stream, &mut self.data) {
            (Some(s), Some(d)) if c.state == ChannelState::Open => {
                c.state = ChannelState::Closing;
                d.close(now, s).map_err(|e| Error::Channel(e.to_string()))?;
            }
            _ => {
                c.state = ChannelState::Closed;
                self.events.push_back(Event::ChannelClose(id));
            }
        }
        self.pump(now);
        Ok(())
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
            // RFC 7983: 20..=63 is DTLS; RTP/RTCP (128..=191) waits for the media work.
            if let Some(&first) = bytes.first()
                && (20..=63).contains(&first)
            {
                match &mut self.dtls {
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
        self.pump(now);
    }

    /// Feeds a packet from the mDNS socket (responses to our `.local` queries).
    pub fn handle_mdns(&mut self, now: Instant, data: &[u8]) {
        self.querier.handle_packet(now, data);
        self.pump(now);
    }

    /// A timer fired.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(a) = &mut self.agent {
            a.handle_timeout(now);
        }
        self.querier.handle_timeout(now);
        if let Some(d) = &mut self.dtls
            && d.handle_timeout(now).is_err()
        {
            self.fail();
        }
        if let Some(d) = &mut self.data {
            d.handle_timeout(now);
        }
        self.pump(now);
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`Rtc::handle_timeout`] next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.agent.as_ref().and_then(Agent::poll_timeout),
            self.querier.poll_timeout(),
            self.dtls.as_ref().and_then(Endpoint::poll_timeout),
            self.data.as_ref().and_then(DataChannels::poll_timeout),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    // ---- internals ----

    fn write_with(&self, setup: Setup, offer: bool) -> String {
        let rejected = if offer {
            Vec::new()
        } else {
            self.remote
                .as_ref()
                .map(|r| r.rejected.clone())
                .unwrap_or_default()
        };
        let data_index = if offer {
            0
        } else {
            self.remote.as_ref().map_or(0, |r| r.data_index)
        };
        write_description(&LocalParams {
            session_id: self.session_id,
            session_version: self.session_version,
            mid: &self.mid,
            ufrag: &self.ufrag,
            pwd: &self.pwd,
            ice_lite: self.config.ice_lite,
            fingerprint: &self.fingerprint,
            setup,
            sctp_port: self.config.sctp_port,
            max_message_size: self.config.max_message_size,
            candidates: &self.local_candidates,
            end_of_candidates: self.gathering_complete,
            rejected: &rejected,
            data_index,
        })
    }

    fn write_local(&self, offer: bool) -> String {
        let setup = self.local_setup.unwrap_or(Setup::ActPass);
        self.write_with(setup, offer)
    }

    fn set_signaling(&mut self, s: SignalingState) {
        if self.signaling != s {
            self.signaling = s;
            self.events.push_back(Event::SignalingStateChange(s));
        }
    }

    fn set_state(&mut self, s: PeerConnectionState) {
        if self.state != s {
            self.state = s;
            self.events.push_back(Event::ConnectionStateChange(s));
        }
    }

    fn fail(&mut self) {
        self.dtls = None;
        self.set_state(PeerConnectionState::Failed);
    }

    fn ensure_agent(&mut self, now: Instant, role: Role) -> Result<(), Error> {
        if self.agent.is_some() {
            return Ok(());
        }
        let config = AgentConfig {
            role,
            lite: self.config.ice_lite,
            ta: self.config.ice_ta,
            local_credentials: Some((self.ufrag.clone(), self.pwd.clone())),
            ..AgentConfig::default()
        };
        let agent_rng: Box<dyn Rng + Send> = if self.os_rng {
            Box::new(OsRng::default())
        } else {
            let mut seed = [0u8; 32];
            self.rng.fill(&mut seed);
            Box::new(SeededRng::new(seed))
        };
        let mut agent = Agent::with_rng(config, agent_rng, now)
            .map_err(|e| Error::BadDescription(e.to_string()))?;
        for addr in &self.local_addresses {
            if let Ok(c) = agent.add_local_candidate(*addr) {
                self.local_candidates.push(c);
            }
        }
        for s in &self.config.stun_servers {
            agent.add_stun_server(now, *s);
        }
        agent.end_of_local_candidates();
        self.agent = Some(agent);
        Ok(())
    }

    fn apply_remote(&mut self, now: Instant, params: RemoteParams) -> Result<(), Error> {
        let agent = self
            .agent
            .as_mut()
            .ok_or(Error::InvalidState(self.signaling))?;
        agent
            .set_remote_credentials(&params.ufrag, &params.pwd)
            .map_err(|e| Error::BadDescription(e.to_string()))?;
        agent.set_remote_lite(params.ice_lite);
        for c in &params.candidates {
            // Candidates we cannot use (TCP, other components) are skipped, not fatal.
            let _ = agent.add_remote_candidate(c.clone());
        }
        if params.end_of_candidates {
            agent.end_of_remote_candidates();
        }
        let mut mismatch = false;
        if let Some(d) = &mut self.dtls {
            // A handshake that finished before the answer arrived is verified now.
            mismatch = d
                .set_remote_fingerprints(params.fingerprints.clone())
                .is_err();
        }
        if mismatch {
            self.fail();
        }
        self.remote = Some(params);
        self.pump(now);
        Ok(())
    }

    /// Creates the DTLS endpoint once the role is known: the server at once (it only
    /// answers), the client once ICE has a pair to send on.
    fn start_dtls(&mut self, now: Instant) {
        if self.dtls.is_some() {
            return;
        }
        let Some(role) = self.dtls_role else {
            return;
        };
        let fingerprints = self
            .remote
            .as_ref()
            .map(|r| r.fingerprints.clone())
            .unwrap_or_default();
        let mut config = DtlsConfig::new(self.certificate.clone(), fingerprints);
        config.mtu = self.config.mtu;
        // Browsers do not use HelloVerifyRequest on ICE-validated paths.
        config.hello_verify = false;
        let endpoint = match role {
            DtlsRole::Server => Endpoint::server(config),
            DtlsRole::Client => {
                let selected = self
                    .agent
                    .as_ref()
                    .is_some_and(|a| a.selected_pair().is_some());
                if !selected {
                    return;
                }
                match Endpoint::client(config, now) {
                    Ok(e) => e,
                    Err(_) => {
                        self.fail();
                        return;
                    }
                }
            }
        };
        self.dtls = Some(endpoint);
        if self.state == PeerConnectionState::New {
            self.set_state(PeerConnectionState::Connecting);
        }
        while let Some(p) = self.early_dtls.pop_front() {
            if let Some(d) = &mut self.dtls
                && d.handle_packet(now, &p).is_err()
            {
                self.fail();
                return;
            }
        }
    }

    fn start_sctp(&mut self, now: Instant) {
        let (Some(role), Some(remote)) = (self.dtls_role, &self.remote) else {
            return;
        };
        let config = SctpConfig {
            local_port: self.config.sctp_port,
            remote_port: remote.sctp_port,
            mtu: self.config.mtu.saturating_sub(DTLS_OVERHEAD),
            max_message_size: self.config.max_message_size,
            // RFC 9653: skip CRC32c over DTLS when the peer accepts it (negotiated in INIT).
            zero_checksum: true,
            ..SctpConfig::default()
        };
        self.scratch = vec![0; config.mtu];
        let mut assoc = Association::new(config, now);
        // Both sides may start (RFC 9260 section 5.2.1 handles the collision); the DTLS
        // client does, as browsers expect an INIT from either side.
        if role == DtlsRole::Client {
            let _ = assoc.connect(now);
        }
        let mut data = DataChannels::new(assoc, role);
        data.set_remote_max_message_size(RemoteMaxMessageSize::from_sdp(
            remote.max_message_size.map(|m| m as u64),
        ));
        self.data = Some(data);
    }

    fn open_channel(&mut self, now: Instant, id: ChannelId) -> Result<(), Error> {
        let Some(c) = self.channels.get_mut(&id) else {
            return Ok(());
        };
        let Some(d) = &mut self.data else {
            return Ok(());
        };
        let reliability = match (c.init.max_retransmits, c.init.max_packet_life_time) {
            (Some(n), _) => Reliability::MaxRetransmits(n),
            (None, Some(t)) => Reliability::MaxLifetime(t),
            (None, None) => Reliability::Reliable,
        };
        let stream = d
            .open(
                now,
                ChannelConfig {
                    label: c.label.clone(),
                    protocol: c.init.protocol.clone(),
                    ordered: c.init.ordered,
                    reliability,
                    priority: c.init.priority,
                    negotiated: c.init.negotiated,
                },
            )
            .map_err(|e| Error::Channel(e.to_string()))?;
        c.stream = Some(stream);
        self.by_stream.insert(stream, id);
        Ok(())
    }

    /// Moves bytes and events between the layers until nothing moves.
    fn pump(&mut self, now: Instant) {
        loop {
            let mut moved = false;
            // ICE.
            if let Some(agent) = &mut self.agent {
                while let Some(t) = agent.poll_transmit() {
                    moved = true;
                    self.transmits.push_back(Transmit {
                        source: t.source,
                        destination: t.destination,
                        contents: t.data,
                    });
                }
            }
            while let Some(e) = self.agent.as_mut().and_then(Agent::poll_event) {
                moved = true;
                self.on_ice_event(now, e);
            }
            // mDNS.
            while let Some(t) = self.querier.poll_transmit() {
                moved = true;
                self.transmits.push_back(Transmit {
                    source: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), MDNS_V4.port()),
                    destination: t.destination,
                    contents: t.contents,
                });
            }
            while let Some(e) = self.querier.poll_event() {
                moved = true;
                if let (QuerierEvent::Resolved { name, address }, Some(agent)) =
                    (e, &mut self.agent)
                {
                    agent.resolve_remote_hostname(&name, address);
                }
            }
            // SCTP -> DTLS.
            if let (Some(data), Some(dtls)) = (&mut self.data, &mut self.dtls) {
                while let Some(n) = data.poll_transmit_into(&mut self.scratch) {
                    moved = true;
                    if dtls.send(&self.scratch[..n]).is_err() {
                        break;
                    }
                }
            }
            // DTLS -> ICE.
            if let (Some(dtls), Some(agent)) = (&mut self.dtls, &mut self.agent) {
                while let Some(d) = dtls.poll_transmit() {
                    moved = true;
                    if let Ok(t) = agent.send(now, d) {
                        self.transmits.push_back(Transmit {
                            source: t.source,
                            destination: t.destination,
                            contents: t.data,
                        });
                    }
                }
            }
            while let Some(e) = self.dtls.as_mut().and_then(Endpoint::poll_event) {
                moved = true;
                match e {
                    DtlsEvent::Connected(_) => {
                        self.dtls_connected = true;
                        self.update_state();
                        self.start_sctp(now);
                    }
                    DtlsEvent::ApplicationData(bytes) => {
                        if let Some(d) = &mut self.data {
                            // A bad SCTP packet is dropped by the association; an Err means
                            // it is dead, which its events report.
                            let _ = d.handle_packet(now, &bytes);
                        }
                    }
                    DtlsEvent::CloseNotify => {
                        self.set_state(PeerConnectionState::Closed);
                    }
                    _ => {}
                }
            }
            while let Some(e) = self.data.as_mut().and_then(DataChannels::poll_event) {
                moved = true;
                self.on_channel_event(now, e);
            }
            if !moved {
                break;
            }
        }
    }

    fn on_ice_event(&mut self, now: Instant, e: IceEvent) {
        match e {
            IceEvent::LocalCandidate(c) => {
                if !self.local_candidates.contains(&c) {
                    self.local_candidates.push(c.clone());
                }
                self.events.push_back(Event::IceCandidate {
                    candidate: Some(c.to_string()),
                    mid: self.mid.clone(),
                });
            }
            IceEvent::EndOfLocalCandidates => {
                self.gathering_complete = true;
                self.events.push_back(Event::IceCandidate {
                    candidate: None,
                    mid: self.mid.clone(),
                });
            }
            IceEvent::GatheringStateChanged(g) => {
                if g == GatheringState::Complete {
                    self.gathering_complete = true;
                }
                self.events.push_back(Event::IceGatheringStateChange(g));
            }
            IceEvent::ConnectionStateChanged(s) => {
                self.ice_state = s;
                self.events.push_back(Event::IceConnectionStateChange(s));
                self.update_state();
            }
            IceEvent::SelectedPairChanged { .. } => {
                self.start_dtls(now);
            }
            IceEvent::ResolveHostname(name) => {
                // A failed query just leaves the candidate unresolved.
                let _ = self.querier.query(now, &name);
            }
            _ => {}
        }
    }

    fn on_channel_event(&mut self, now: Instant, e: ChannelEvent) {
        match e {
            ChannelEvent::Connected => {
                self.sctp_connected = true;
                let pending: Vec<ChannelId> = self
                    .channels
                    .iter()
                    .filter(|(_, c)| c.stream.is_none() && c.state == ChannelState::Connecting)
                    .map(|(id, _)| *id)
                    .collect();
                for id in pending {
                    if self.open_channel(now, id).is_err()
                        && let Some(c) = self.channels.get_mut(&id)
                    {
                        c.state = ChannelState::Closed;
                        self.events.push_back(Event::ChannelClose(id));
                    }
                }
            }
            ChannelEvent::Open { id: stream } => {
                let id = match self.by_stream.get(&stream) {
                    Some(id) => *id,
                    None => {
                        // The peer opened it.
                        let Some(cfg) = self.data.as_ref().and_then(|d| d.config(stream)) else {
                            return;
                        };
                        let id = ChannelId(self.next_channel);
                        self.next_channel += 1;
                        let (max_retransmits, max_packet_life_time) = match cfg.reliability {
                            Reliability::Reliable => (None, None),
                            Reliability::MaxRetransmits(n) => (Some(n), None),
                            Reliability::MaxLifetime(t) => (None, Some(t)),
                        };
                        self.channels.insert(
                            id,
                            Channel {
                                label: cfg.label.clone(),
                                init: DataChannelInit {
                                    ordered: cfg.ordered,
                                    max_packet_life_time,
                                    max_retransmits,
                                    protocol: cfg.protocol.clone(),
                                    negotiated: cfg.negotiated,
                                    priority: cfg.priority,
                                },
                                stream: Some(stream),
                                state: ChannelState::Connecting,
                            },
                        );
                        self.by_stream.insert(stream, id);
                        self.events.push_back(Event::DataChannel(id));
                        id
                    }
                };
                if let Some(c) = self.channels.get_mut(&id) {
                    c.state = ChannelState::Open;
                }
                self.events.push_back(Event::ChannelOpen(id));
            }
            ChannelEvent::Message {
                id: stream,
                data,
                binary,
            } => {
                if let Some(id) = self.by_stream.get(&stream) {
                    self.events.push_back(Event::ChannelMessage {
                        channel: *id,
                        data,
                        binary,
                    });
                }
            }
            ChannelEvent::BufferedAmountLow { id: stream } => {
                if let Some(id) = self.by_stream.get(&stream) {
                    self.events.push_back(Event::ChannelBufferedAmountLow(*id));
                }
            }
            ChannelEvent::Closed { id: stream } => {
                if let Some(id) = self.by_stream.remove(&stream) {
                    if let Some(c) = self.channels.get_mut(&id) {
                        c.state = ChannelState::Closed;
                    }
                    self.events.push_back(Event::ChannelClose(id));
                }
            }
            ChannelEvent::AssociationClosed => {
                let ids: Vec<ChannelId> = self.by_stream.drain().map(|(_, id)| id).collect();
                for id in ids {
                    if let Some(c) = self.channels.get_mut(&id) {
                        c.state = ChannelState::Closed;
                    }
                    self.events.push_back(Event::ChannelClose(id));
                }
            }
            _ => {}
        }
    }

    fn update_state(&mut self) {
        if matches!(
            self.state,
            PeerConnectionState::Closed | PeerConnectionState::Failed
        ) {
            return;
        }
        let s = match self.ice_state {
            IceState::Failed => PeerConnectionState::Failed,
            IceState::Disconnected => PeerConnectionState::Disconnected,
            IceState::Closed => PeerConnectionState::Closed,
            IceState::Connected | IceState::Completed if self.dtls_connected => {
                PeerConnectionState::Connected
            }
            IceState::New if self.dtls.is_none() => PeerConnectionState::New,
            _ => PeerConnectionState::Connecting,
        };
        self.set_state(s);
    }
}

/// W3C `setLocalDescription`: the description must be the one created (or empty, meaning
/// that one); munged SDP is refused (`InvalidModificationError`).
fn check_unmodified(given: &str, created: Option<&str>) -> Result<(), Error> {
    if given.is_empty() || Some(given) == created {
        Ok(())
    } else {
        Err(Error::BadDescription(
            "a local description must be the one createOffer/createAnswer returned".into(),
        ))
    }
}

/// Bytes DTLS adds to an SCTP packet: record header 13, explicit nonce 8, GCM tag 16.
const DTLS_OVERHEAD: usize = 13 + 8 + 16;

/// ICE credentials (RFC 8445 section 5.3: ufrag >= 24 bits, pwd >= 128 bits of randomness),
/// ice-chars only.
fn ice_credentials(rng: &mut dyn Rng) -> (String, String) {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut pick = |n: usize| {
        let mut b = vec![0u8; n];
        rng.fill(&mut b);
        b.iter()
            .map(|x| char::from(CHARS[usize::from(x & 63)]))
            .collect::<String>()
    };
    (pick(8), pick(24))
}

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
