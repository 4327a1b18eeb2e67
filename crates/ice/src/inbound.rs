//! Datagrams in: answering checks, responses to our checks, data.
//!
//! RFC 8445 §7.3 (answering: USERNAME and MESSAGE-INTEGRITY with our password, role
//! conflicts §7.3.1.1, peer-reflexive remote candidates §7.3.1.3, triggered checks §7.3.1.4,
//! USE-CANDIDATE §7.3.1.5), §7.2.5 (responses: integrity with the peer's password,
//! source/destination symmetry §7.2.5.2.1, 487 role conflict §7.2.5.1, peer-reflexive local
//! candidates §7.2.5.3.1, the valid list §7.2.5.3.2, unfreezing §7.2.5.3.3).
//!
//! Left out: cancelling an in-progress check when a request arrives on its pair (§7.3.1.4):
//! its retransmissions just go on.
//!
//! # Demultiplexing
//! The agent expects to see STUN and whatever else arrives on its addresses. On a socket
//! shared with DTLS and SRTP (RFC 7983), the caller may sort by the first byte itself: 0..=3
//! STUN, 20..=63 DTLS, 128..=191 RTP/RTCP. Feeding everything to
//! [`Agent::handle_packet`] works too: non-STUN datagrams on a known pair come back as
//! [`Received::Data`] without a copy.

use std::net::SocketAddr;
use std::time::Instant;

use strata_stun::{
    AttrType, Attribute, Class, ErrorCode, Message, MessageBuilder, MessageType, Method,
    TransactionId, is_stun,
};

use crate::pair::PairState;
use crate::{
    Address, Agent, Candidate, CandidateType, ConnectionState, Input, Received, RelayId, Role,
    Transmit, Transport,
};

impl Agent {
    // ---- input ----

    /// Feed a datagram. STUN is consumed; other datagrams on a valid pair come back as
    /// [`Received::Data`]. Never fails: bad input is dropped and counted.
    pub fn handle_packet<'a>(&mut self, now: Instant, input: Input<'a>) -> Received<'a> {
        if self.state == ConnectionState::Closed {
            return Received::Dropped;
        }
        if !is_stun(input.data) {
            return if self.is_known_path(&input) {
                Received::Data(input.data)
            } else {
                self.stats.data_dropped += 1;
                Received::Dropped
            };
        }
        let Ok(m) = Message::new_checked(input.data) else {
            self.stats.stun_dropped += 1;
            return Received::Stun;
        };
        if m.get(AttrType::FINGERPRINT).is_some() && m.verify_fingerprint().is_err() {
            self.stats.stun_dropped += 1;
            return Received::Stun;
        }
        match m.class() {
            Class::Request if m.method() == Method::BINDING => self.handle_request(now, &input, &m),
            Class::SuccessResponse | Class::ErrorResponse => self.handle_response(now, &input, &m),
            // Binding indications are keepalives (§11): nothing to do.
            Class::Indication => {}
            _ => self.stats.stun_dropped += 1,
        }
        self.after_change(now);
        Received::Stun
    }

    pub(crate) fn is_known_path(&self, input: &Input<'_>) -> bool {
        let matches = |base: SocketAddr, via: Option<RelayId>, remote: Option<SocketAddr>| {
            base == input.destination && via == input.via && remote == Some(input.source)
        };
        if let Some(p) = self.selected.and_then(|k| self.path_of(k))
            && matches(p.base, p.via, Some(p.remote))
        {
            return true;
        }
        if let Some(p) = self.previous
            && matches(p.base, p.via, Some(p.remote))
        {
            return true;
        }
        // Any pair of the check list, not only valid ones: the peer may select a pair (and
        // start DTLS) before our own check on it has succeeded. Data is authenticated by
        // the layer above, not by ICE.
        self.pairs.iter().any(|p| {
            let l = &self.locals[p.local];
            matches(l.base, l.via, self.remotes[p.remote].addr)
        })
    }

    pub(crate) fn local_for(&self, input: &Input<'_>) -> Option<usize> {
        self.locals.iter().position(|l| {
            l.pairable && l.signalled && l.base == input.destination && l.via == input.via
        })
    }

    pub(crate) fn respond(
        &mut self,
        input: &Input<'_>,
        tid: TransactionId,
        error: Option<u16>,
        sign: bool,
    ) {
        let class = if error.is_some() {
            Class::ErrorResponse
        } else {
            Class::SuccessResponse
        };
        let mut b = MessageBuilder::new(MessageType::new(Method::BINDING, class), tid);
        let _ = match error {
            Some(code) => b.add(&Attribute::ErrorCode(ErrorCode {
                code,
                reason: ErrorCode::default_reason(code),
            })),
            None => b.add(&Attribute::XorMappedAddress(input.source)),
        };
        if sign {
            let _ = b.add_message_integrity(&self.local_key);
        }
        let _ = b.add_fingerprint();
        if error.is_some() {
            self.stats.requests_rejected += 1;
        } else {
            self.stats.requests_answered += 1;
        }
        self.transmits.push_back(Transmit {
            source: input.destination,
            destination: input.source,
            via: input.via,
            data: b.finish(),
        });
    }

    /// §7.3: answer a Binding request.
    pub(crate) fn handle_request(&mut self, now: Instant, input: &Input<'_>, m: &Message<&[u8]>) {
        let tid = m.transaction_id();
        let (Some(username), true) = (
            m.get(AttrType::USERNAME),
            m.get(AttrType::MESSAGE_INTEGRITY).is_some(),
        ) else {
            return self.respond(input, tid, Some(ErrorCode::BAD_REQUEST), false);
        };
        let ours = username
            .value
            .strip_prefix(self.local_ufrag.as_bytes())
            .is_some_and(|rest| rest.first() == Some(&b':'));
        if !ours || m.verify_message_integrity(&self.local_key).is_err() {
            return self.respond(input, tid, Some(ErrorCode::UNAUTHENTICATED), false);
        }
        let Some(l) = self.local_for(input) else {
            self.stats.stun_dropped += 1;
            return;
        };
        // §7.3.1.1: role conflicts.
        let controlling = match m.get_typed(AttrType::ICE_CONTROLLING) {
            Some(Ok(Attribute::IceControlling(tb))) => Some((true, tb)),
            _ => match m.get_typed(AttrType::ICE_CONTROLLED) {
                Some(Ok(Attribute::IceControlled(tb))) => Some((false, tb)),
                _ => None,
            },
        };
        match (self.role, controlling) {
            (Role::Controlling, Some((true, tb))) if !self.config.lite => {
                if self.tie_breaker >= tb {
                    return self.respond(input, tid, Some(ErrorCode::ROLE_CONFLICT), true);
                }
                self.set_role(Role::Controlled);
            }
            (Role::Controlled, Some((false, tb))) if !self.config.lite => {
                if self.tie_breaker >= tb {
                    self.set_role(Role::Controlling);
                } else {
                    return self.respond(input, tid, Some(ErrorCode::ROLE_CONFLICT), true);
                }
            }
            _ => {}
        }
        let use_candidate = m.get(AttrType::USE_CANDIDATE).is_some();
        let prio = match m.get_typed(AttrType::PRIORITY) {
            Some(Ok(Attribute::Priority(p))) => p,
            _ => 0,
        };
        self.respond(input, tid, None, true);
        // §7.3.1.3: a source we do not know is a peer-reflexive remote candidate.
        let r = match self
            .remotes
            .iter()
            .position(|r| r.addr == Some(input.source))
        {
            Some(r) => r,
            None => {
                if self.remotes.len() >= self.config.max_remote_candidates {
                    return;
                }
                self.prflx_count += 1;
                let cand = Candidate {
                    foundation: format!("prflx{}", self.prflx_count),
                    component: 1,
                    transport: Transport::Udp,
                    priority: prio,
                    address: Address::Ip(input.source.ip()),
                    port: input.source.port(),
                    kind: CandidateType::PeerReflexive,
                    related_address: None,
                    related_port: None,
                    tcp_type: None,
                    generation: None,
                    extensions: Vec::new(),
                };
                crate::pair::push_lean(
                    &mut self.remotes,
                    crate::pair::Remote {
                        cand,
                        addr: Some(input.source),
                    },
                );
                self.remotes.len() - 1
            }
        };
        let Some(key) = self.add_pair(l, r) else {
            return;
        };
        let Some(i) = self.pair_index(key) else {
            return;
        };
        if self.config.lite
            && self.selected == Some(key)
            && let Some(c) = self.consent.as_mut()
        {
            c.last_response = now;
        }
        if self.config.lite {
            // A lite agent's pairs are valid once the peer checks them; USE-CANDIDATE selects.
            let p = &mut self.pairs[i];
            p.state = PairState::Succeeded;
            p.valid = true;
            p.valid_pair = Some(key);
            if use_candidate {
                p.nominated = true;
            }
            return;
        }
        // §7.3.1.4: triggered check unless the pair already succeeded or is being checked.
        let p = &mut self.pairs[i];
        match p.state {
            PairState::Succeeded => {}
            PairState::InProgress => {}
            _ => {
                p.state = PairState::Waiting;
                if !self.triggered.iter().any(|(k, _)| *k == key) {
                    self.triggered.push_back((key, false));
                }
            }
        }
        // §7.3.1.5: nomination by the controlling peer.
        if use_candidate && self.role == Role::Controlled {
            let p = &mut self.pairs[i];
            match (p.state, p.valid_pair) {
                (PairState::Succeeded, Some(v)) => {
                    if let Some(vi) = self.pair_index(v) {
                        self.pairs[vi].nominated = true;
                    }
                }
                _ => p.nominate_on_success = true,
            }
        }
    }

    /// §7.2.5: a response to one of our checks, consent requests or gathering requests.
    pub(crate) fn handle_response(&mut self, now: Instant, input: &Input<'_>, m: &Message<&[u8]>) {
        let tid = m.transaction_id();
        if let Some(g) = self
            .gathers
            .iter()
            .position(|g| g.tx.transaction_id() == tid)
        {
            let g_ok = self.gathers[g].server == input.source
                && self.locals.get(self.gathers[g].local).map(|l| l.base)
                    == Some(input.destination)
                && input.via.is_none();
            if !g_ok {
                self.stats.stun_dropped += 1;
                return;
            }
            let gather = self.gathers.swap_remove(g);
            if m.class() == Class::SuccessResponse {
                let mapped = match m.get_typed(AttrType::XOR_MAPPED_ADDRESS) {
                    Some(Ok(Attribute::XorMappedAddress(a))) => Some(a),
                    _ => match m.get_typed(AttrType::MAPPED_ADDRESS) {
                        Some(Ok(Attribute::MappedAddress(a))) => Some(a),
                        _ => None,
                    },
                };
                if let Some(mapped) = mapped {
                    self.add_server_reflexive(gather.local, gather.server, mapped);
                }
            }
            self.check_gathering_complete();
            return;
        }
        let Some(key) = self.remote_key.clone() else {
            self.stats.stun_dropped += 1;
            return;
        };
        if let Some(c) = &mut self.consent
            && let Some(j) = c
                .pending
                .iter()
                .position(|(tx, _)| tx.transaction_id() == tid)
        {
            if m.verify_message_integrity(&key).is_err() {
                self.stats.stun_dropped += 1;
                return;
            }
            if m.class() == Class::SuccessResponse {
                // Freed, not cleared: the next check is seconds away (RFC 7675 section 5.1).
                c.pending = Vec::new();
                c.last_response = now;
                if self.state == ConnectionState::Disconnected {
                    self.set_state(ConnectionState::Connected);
                }
            } else {
                c.pending.swap_remove(j);
            }
            return;
        }
        let Some(i) = self.pairs.iter().position(|p| {
            p.check
                .as_ref()
                .is_some_and(|c| c.tx.transaction_id() == tid)
        }) else {
            self.stats.stun_dropped += 1;
            return;
        };
        if m.verify_message_integrity(&key).is_err() {
            self.stats.stun_dropped += 1;
            return;
        }
        let Some(check) = self.pairs[i].check.take() else {
            return;
        };
        let pair_key = self.pairs[i].key();
        if self.nominating == Some(pair_key) && !check.use_candidate {
            // A plain check's response does not finish the nomination.
        } else if self.nominating == Some(pair_key) {
            self.nominating = None;
        }
        let Some(path) = self.path_of(pair_key) else {
            return;
        };
        // §7.2.5.2.1: non-symmetric transport addresses fail the check.
        if input.source != path.remote || input.destination != path.base || input.via != path.via {
            self.pairs[i].state = PairState::Failed;
            return;
        }
        if m.class() == Class::ErrorResponse {
            let code = match m.get_typed(AttrType::ERROR_CODE) {
                Some(Ok(Attribute::ErrorCode(e))) => e.code,
                _ => 0,
            };
            if code == ErrorCode::ROLE_CONFLICT {
                // §7.2.5.1: switch to the opposite of the role the request claimed, retry.
                self.set_role(if check.controlling {
                    Role::Controlled
                } else {
                    Role::Controlling
                });
                self.pairs[i].state = PairState::Waiting;
                self.triggered.push_back((pair_key, false));
            } else {
                self.pairs[i].state = PairState::Failed;
            }
            return;
        }
        let Some(Ok(Attribute::XorMappedAddress(mapped))) =
            m.get_typed(AttrType::XOR_MAPPED_ADDRESS)
        else {
            self.pairs[i].state = PairState::Failed;
            return;
        };
        // §7.2.5.3.1: the mapped address names the local candidate of the valid pair.
        let l = match self
            .locals
            .iter()
            .position(|c| c.addr == mapped && c.base == path.base && c.via == path.via)
        {
            Some(l) => l,
            None => {
                let foundation = format!("prflx{}", self.locals.len());
                let cand = Candidate {
                    foundation,
                    component: 1,
                    transport: Transport::Udp,
                    priority: check.priority,
                    address: Address::Ip(mapped.ip()),
                    port: mapped.port(),
                    kind: CandidateType::PeerReflexive,
                    related_address: Some(Address::Ip(path.base.ip())),
                    related_port: Some(path.base.port()),
                    tcp_type: None,
                    generation: None,
                    extensions: Vec::new(),
                };
                match self.push_local(cand, mapped, path.base, path.via, false) {
                    Ok(l) => l,
                    Err(_) => pair_key.0,
                }
            }
        };
        let valid_key = if l == pair_key.0 {
            pair_key
        } else {
            self.add_valid_pair(l, pair_key.1).unwrap_or(pair_key)
        };
        let nominate_on_success = self.pairs[i].nominate_on_success;
        self.pairs[i].state = PairState::Succeeded;
        self.pairs[i].valid_pair = Some(valid_key);
        if let Some(vi) = self.pair_index(valid_key) {
            let v = &mut self.pairs[vi];
            v.state = PairState::Succeeded;
            v.valid = true;
            v.valid_pair = Some(valid_key);
            if check.use_candidate || (nominate_on_success && self.role == Role::Controlled) {
                v.nominated = true;
            }
        }
        if self.first_valid_at.is_none() {
            self.first_valid_at = Some(now);
        }
        // §7.2.5.3.3: unfreeze pairs of the same foundation.
        let f = {
            let p = &self.pairs[i];
            (
                self.locals[p.local].cand.foundation.clone(),
                self.remotes[p.remote].cand.foundation.clone(),
            )
        };
        for j in 0..self.pairs.len() {
            if self.pairs[j].state == PairState::Frozen {
                let g = self.foundation_of(&self.pairs[j]);
                if g.0 == f.0 && g.1 == f.1 {
                    self.pairs[j].state = PairState::Waiting;
                }
            }
        }
    }
}
