//! JSEP (RFC 8829): offers, answers, rollback, remote candidates; the ICE agent is created
//! when the first description fixes our role.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Rtc {
    /// `createOffer`: an offer with one data section (setup actpass).
    pub fn create_offer(&mut self) -> Result<SessionDescriptionInit, Error> {
        match self.signaling {
            SignalingState::Stable | SignalingState::HaveLocalOffer => {}
            s => return Err(Error::InvalidState(s)),
        }
        if self.local_description.is_some() {
            // RFC 8866 section 5.2: a changed description gets a higher version.
            self.session_version += 1;
        }
        let text = self.write_with(Setup::ActPass, true);
        self.last_offer = Some(SdpDigest::of(&text));
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
        self.last_answer = Some(SdpDigest::of(&text));
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
                check_unmodified(&desc.sdp, self.last_offer.as_ref())?;
                self.local_setup = Some(Setup::ActPass);
                self.ensure_agent(now, Role::Controlling)?;
                if self.ice_restart {
                    self.ice_restart = false;
                    self.restart_agent(now)?;
                }
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
                check_unmodified(&desc.sdp, self.last_answer.as_ref())?;
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
                // RFC 8445 section 9 / RFC 8829 section 5.10: new remote credentials restart
                // ICE, and our side restarts with new credentials of its own.
                let remote_restart = self.agent.is_some()
                    && self
                        .remote
                        .as_ref()
                        .is_some_and(|r| r.ufrag != params.ufrag);
                if remote_restart {
                    let (u, p) = random_credentials(self.rng.as_mut());
                    self.ufrag = u;
                    self.pwd = p;
                    self.restart_agent(now)?;
                }
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
        let mut desc = desc;
        // Kept for `remote_description()`: only its length, not the caller's capacity.
        desc.sdp.shrink_to_fit();
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

    pub(super) fn write_with(&self, setup: Setup, offer: bool) -> String {
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

    pub(super) fn write_local(&self, offer: bool) -> String {
        let setup = self.local_setup.unwrap_or(Setup::ActPass);
        self.write_with(setup, offer)
    }

    pub(super) fn set_signaling(&mut self, s: SignalingState) {
        if self.signaling != s {
            self.signaling = s;
            self.events.push_back(Event::SignalingStateChange(s));
        }
    }

    pub(super) fn ensure_agent(&mut self, now: Instant, role: Role) -> Result<(), Error> {
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
        if !self.config.relay_only {
            for addr in &self.local_addresses {
                if let Ok(c) = agent.add_local_candidate(*addr) {
                    push_lean(&mut self.local_candidates, c);
                }
            }
            for s in &self.config.stun_servers {
                agent.add_stun_server(now, *s);
            }
        }
        self.agent = Some(agent);
        self.start_relays(now);
        if self.relays.is_empty() {
            self.local_end_signalled = true;
            if let Some(agent) = &mut self.agent {
                agent.end_of_local_candidates();
            }
        }
        Ok(())
    }

    pub(super) fn apply_remote(
        &mut self,
        now: Instant,
        mut params: RemoteParams,
    ) -> Result<(), Error> {
        let agent = self
            .agent
            .as_mut()
            .ok_or(Error::InvalidState(self.signaling))?;
        agent
            .set_remote_credentials(&params.ufrag, &params.pwd)
            .map_err(|e| Error::BadDescription(e.to_string()))?;
        agent.set_remote_lite(params.ice_lite);
        // The agent keeps the candidates; the parameters kept below do not need them.
        for c in std::mem::take(&mut params.candidates) {
            // Candidates we cannot use (TCP, other components) are skipped, not fatal.
            let _ = agent.add_remote_candidate(c);
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

    /// `restartIce`: the next offer carries new ICE credentials; media keeps flowing on the
    /// current pair until the new checks select one. Raises [`Event::NegotiationNeeded`].
    pub fn restart_ice(&mut self) {
        if self.agent.is_none() || self.signaling == SignalingState::Closed {
            return;
        }
        self.ice_restart = true;
        let (u, p) = random_credentials(self.rng.as_mut());
        self.ufrag = u;
        self.pwd = p;
        if !self.negotiation_needed {
            self.negotiation_needed = true;
            self.events.push_back(Event::NegotiationNeeded);
        }
    }

    /// Restarts the agent with `self.ufrag` / `self.pwd`.
    pub(super) fn restart_agent(&mut self, now: Instant) -> Result<(), Error> {
        if let Some(agent) = &mut self.agent {
            agent
                .restart_with(now, &self.ufrag, &self.pwd)
                .map_err(|e| Error::BadDescription(e.to_string()))?;
            self.gathering_complete = false;
            self.local_candidates.clear();
        }
        Ok(())
    }
}
