//! The transport stack under the signaling: ICE events, DTLS start by role (RFC 8842),
//! SCTP over DTLS (RFC 8261), the pump that moves bytes and events between the layers, and
//! the peer connection state.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Rtc {
    pub(super) fn set_state(&mut self, s: PeerConnectionState) {
        if self.state != s {
            self.state = s;
            self.events.push_back(Event::ConnectionStateChange(s));
        }
    }

    pub(super) fn fail(&mut self) {
        self.dtls = None;
        self.set_state(PeerConnectionState::Failed);
    }

    /// Creates the DTLS endpoint once the role is known: the server at once (it only
    /// answers), the client once ICE has a pair to send on.
    pub(super) fn start_dtls(&mut self, now: Instant) {
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

    pub(super) fn start_sctp(&mut self, now: Instant) {
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
            message_interleaving: self.config.message_interleaving,
            ..SctpConfig::default()
        };
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

    /// Moves bytes and events between the layers until nothing moves.
    /// Sends an ICE datagram: directly, or through its TURN relay.
    fn route(&mut self, now: Instant, t: strata_ice::Transmit) {
        match t.via {
            Some(id) => self.send_via(now, id, t.destination, &t.data),
            None => self.transmits.push_back(Transmit {
                source: t.source,
                destination: t.destination,
                contents: t.data,
            }),
        }
    }

    pub(super) fn pump(&mut self, now: Instant) {
        self.last_now = self.last_now.max(Some(now));
        loop {
            let mut moved = false;
            // ICE. Datagrams are collected first (routing one may need the relays), into a
            // buffer kept between calls so the data path does not allocate for it.
            let mut out = std::mem::take(&mut self.routes);
            if let Some(agent) = &mut self.agent {
                out.extend(std::iter::from_fn(|| agent.poll_transmit()));
            }
            moved |= !out.is_empty();
            for t in out.drain(..) {
                self.route(now, t);
            }
            moved |= self.pump_relays(now);
            while let Some(e) = self.agent.as_mut().and_then(Agent::poll_event) {
                moved = true;
                self.on_ice_event(now, e);
            }
            // mDNS.
            while let Some(t) = self.querier.as_mut().and_then(|q| q.poll_transmit()) {
                moved = true;
                self.transmits.push_back(Transmit {
                    source: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), MDNS_V4.port()),
                    destination: t.destination,
                    contents: t.contents,
                });
            }
            while let Some(e) = self.querier.as_mut().and_then(|q| q.poll_event()) {
                moved = true;
                if let (QuerierEvent::Resolved { name, address }, Some(agent)) =
                    (e, &mut self.agent)
                {
                    agent.resolve_remote_hostname(&name, address);
                }
            }
            moved |= self.sctp_to_dtls();
            // DTLS -> ICE.
            if let (Some(dtls), Some(agent)) = (&mut self.dtls, &mut self.agent) {
                while let Some(d) = dtls.poll_transmit() {
                    moved = true;
                    if let Ok(t) = agent.send(now, d) {
                        out.push(t);
                    }
                }
            }
            for t in out.drain(..) {
                self.route(now, t);
            }
            self.routes = out;
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
                            // A batch gets one SACK at its end, but one reporting a gap goes
                            // now: the sender counts miss indications per SACK.
                            if d.association().sack_urgent() {
                                self.sctp_to_dtls();
                            }
                        }
                    }
                    DtlsEvent::CloseNotify => {
                        self.set_state(PeerConnectionState::Closed);
                    }
                    _ => {}
                }
            }
            // Received messages beyond the hold stay in the association (see
            // `Rtc::poll_event`).
            while !self.held_back
                && let Some(e) = self.data.as_mut().and_then(DataChannels::poll_event)
            {
                moved = true;
                self.on_channel_event(now, e);
                self.held_back = self.held_message_bytes >= MESSAGE_HOLD;
            }
            if !moved {
                break;
            }
        }
    }

    /// Seals what SCTP has to send into DTLS records; whether there was anything.
    pub(super) fn sctp_to_dtls(&mut self) -> bool {
        let (Some(data), Some(dtls)) = (&mut self.data, &mut self.dtls) else {
            return false;
        };
        let mut moved = false;
        if self.scratch.is_empty() {
            // No packet buffer while quiet (release_if_quiet returns it): the first packet comes
            // owned (control chunks already are), then a burst gets the buffer.
            if let Some(p) = data.poll_transmit() {
                moved = true;
                if dtls.send(&p).is_ok() {
                    self.scratch = vec![0; data.association().config().mtu];
                }
            }
        }
        while !self.scratch.is_empty()
            && let Some(n) = data.poll_transmit_into(&mut self.scratch)
        {
            moved = true;
            if dtls.send(&self.scratch[..n]).is_err() {
                break;
            }
        }
        moved
    }

    pub(super) fn on_ice_event(&mut self, now: Instant, e: IceEvent) {
        match e {
            IceEvent::LocalCandidate(c) => {
                if !self.local_candidates.contains(&c) {
                    push_lean(&mut self.local_candidates, c.clone());
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
                let _ = self
                    .querier
                    .get_or_insert_with(|| {
                        Box::new(Querier::new(QuerierConfig {
                            ask_aaaa: false,
                            ..QuerierConfig::default()
                        }))
                    })
                    .query(now, &name);
            }
            _ => {}
        }
    }

    pub(super) fn update_state(&mut self) {
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
