//! Connectivity checks: the check list, answering and sending Binding requests, nomination,
//! selection, consent freshness.
//!
//! RFC 8445 §6.1.2 (pairs: formation, priority §6.1.2.3, pruning §6.1.2.4, the bound of
//! §6.1.2.5, states and the frozen algorithm §6.1.2.6), §6.1.4 (Ta pacing, triggered-check
//! queue first, then the highest-priority Waiting pair, else unfreeze), §7.2 (sending checks:
//! USERNAME, PRIORITY, ICE-CONTROLLING/-CONTROLLED, USE-CANDIDATE, MESSAGE-INTEGRITY,
//! FINGERPRINT; responses: integrity with the peer's password, source/destination symmetry,
//! 487 role conflict §7.2.5.1, peer-reflexive local candidates §7.2.5.3.1, the valid list),
//! §7.3 (answering checks: role conflicts §7.3.1.1, peer-reflexive remote candidates §7.3.1.3,
//! triggered checks §7.3.1.4, USE-CANDIDATE §7.3.1.5), §8 (regular nomination as controlling,
//! with a short wait for better pairs; as controlled, any nomination is accepted, so
//! aggressive nomination works too, and the highest-priority nominated pair is used). RFC 7675
//! §5.1 (consent: a check every 5 s ±20 % on the selected pair, lost after 30 s).
//!
//! Left out: cancelling an in-progress check when a triggered check for the same pair is due
//! (its retransmissions just go on), and RTO scaled by the number of active pairs (§14.3:
//! the configured RTO is used).
//!
//! # Demultiplexing
//! The agent expects to see STUN and whatever else arrives on its addresses. On a socket
//! shared with DTLS and SRTP (RFC 7983), the caller may sort by the first byte itself: 0..=3
//! STUN, 20..=63 DTLS, 128..=191 RTP/RTCP. Feeding everything to
//! [`Agent::handle_packet`] works too: non-STUN datagrams on a valid pair come back as
//! [`Received::Data`] without a copy.

use std::net::SocketAddr;
use std::time::Instant;

use strata_stun::{
    AttrType, Attribute, Class, ClientTransaction, ErrorCode, IntegrityKey, Message,
    MessageBuilder, MessageType, Method, TransactionConfig, TransactionId, is_stun,
};

use crate::pair::{Check, Consent, Pair, PairKey, PairState, pair_priority};
use crate::{
    Address, Agent, Candidate, CandidateType, ConnectionState, Event, Input, Received, RelayId,
    Role, Transmit, Transport,
};

impl Agent {
    // ---- the check list ----

    pub(crate) fn pair_priority_of(&self, l: usize, r: usize) -> u64 {
        pair_priority(
            self.role == Role::Controlling,
            self.locals[l].cand.priority,
            self.remotes[r].cand.priority,
        )
    }

    /// Form a pair (§6.1.2.2) unless the families differ, it is redundant (§6.1.2.4) or the
    /// list is full of better pairs (§6.1.2.5). Returns its key if it exists afterwards.
    pub(crate) fn add_pair(&mut self, l: usize, r: usize) -> Option<PairKey> {
        let (Some(local), Some(remote)) = (self.locals.get(l), self.remotes.get(r)) else {
            return None;
        };
        let raddr = remote.addr?;
        if local.base.is_ipv4() != raddr.is_ipv4() {
            return None;
        }
        if let Some(p) = self
            .pairs
            .iter()
            .position(|p| p.local == l && p.remote == r)
        {
            return Some(self.pairs[p].key());
        }
        let priority = self.pair_priority_of(l, r);
        let (base, via) = (local.base, local.via);
        // Same base and remote address as an existing pair: keep the higher priority one.
        if let Some(i) = self.pairs.iter().position(|p| {
            let o = &self.locals[p.local];
            o.base == base && o.via == via && self.remotes[p.remote].addr == Some(raddr)
        }) {
            let existing = &self.pairs[i];
            if existing.priority >= priority
                || !matches!(existing.state, PairState::Frozen | PairState::Waiting)
            {
                return Some(existing.key());
            }
            self.pairs.remove(i);
        }
        if self.pairs.len() >= self.config.max_pairs {
            let lowest = self
                .pairs
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    matches!(
                        p.state,
                        PairState::Frozen | PairState::Waiting | PairState::Failed
                    )
                })
                .min_by_key(|(_, p)| p.priority)
                .map(|(i, p)| (i, p.priority));
            match lowest {
                Some((i, lp)) if lp < priority => {
                    let key = self.pairs[i].key();
                    self.triggered.retain(|(k, _)| *k != key);
                    self.pairs.remove(i);
                }
                _ => return None,
            }
        }
        self.pairs.push(Pair {
            local: l,
            remote: r,
            priority,
            state: PairState::Frozen,
            valid: false,
            nominated: false,
            nominate_on_success: false,
            valid_pair: None,
            check: None,
        });
        self.all_failed_since = None;
        Some((l, r))
    }

    fn foundation_of(&self, p: &Pair) -> (&str, &str) {
        (
            &self.locals[p.local].cand.foundation,
            &self.remotes[p.remote].cand.foundation,
        )
    }

    /// §6.1.2.6: a frozen pair whose foundation has no Waiting or In-Progress pair becomes
    /// Waiting (highest priority first).
    pub(crate) fn unfreeze_new(&mut self) {
        let mut order: Vec<usize> = (0..self.pairs.len())
            .filter(|&i| self.pairs[i].state == PairState::Frozen)
            .collect();
        order.sort_by_key(|&i| std::cmp::Reverse(self.pairs[i].priority));
        for i in order {
            let f = self.foundation_of(&self.pairs[i]);
            let busy = self.pairs.iter().any(|o| {
                matches!(o.state, PairState::Waiting | PairState::InProgress)
                    && self.foundation_of(o) == f
            });
            if !busy {
                self.pairs[i].state = PairState::Waiting;
            }
        }
    }

    pub(crate) fn recompute_priorities(&mut self) {
        for i in 0..self.pairs.len() {
            let (l, r) = self.pairs[i].key();
            self.pairs[i].priority = self.pair_priority_of(l, r);
        }
    }

    pub(crate) fn has_check_work(&self) -> bool {
        !self.config.lite
            && self.remote_key.is_some()
            && (!self.triggered.is_empty()
                || self
                    .pairs
                    .iter()
                    .any(|p| matches!(p.state, PairState::Waiting | PairState::Frozen)))
    }

    fn pair_index(&self, key: PairKey) -> Option<usize> {
        self.pairs.iter().position(|p| p.key() == key)
    }

    // ---- building messages ----

    fn build_request(
        &mut self,
        l: usize,
        use_candidate: bool,
        key: &IntegrityKey,
    ) -> (Vec<u8>, u32) {
        let tid = TransactionId::random(self.rng.as_mut());
        let mut b = MessageBuilder::new(MessageType::BINDING_REQUEST, tid);
        let username = format!(
            "{}:{}",
            self.remote_ufrag.as_deref().unwrap_or(""),
            self.local_ufrag
        );
        // PRIORITY: what a peer-reflexive candidate of this base would have (§7.1.1).
        let priority = (110 << 24) | (self.locals[l].cand.priority & 0x00FF_FFFF);
        // Credentials are ice-chars of bounded length, well within STUN's limits.
        let _ = b.add(&Attribute::Username(&username));
        let _ = b.add(&Attribute::Priority(priority));
        let _ = b.add(&match self.role {
            Role::Controlling => Attribute::IceControlling(self.tie_breaker),
            Role::Controlled => Attribute::IceControlled(self.tie_breaker),
        });
        if use_candidate {
            let _ = b.add(&Attribute::UseCandidate);
        }
        let _ = b.add_message_integrity(key);
        let _ = b.add_fingerprint();
        (b.finish(), priority)
    }

    fn check_config(&self) -> TransactionConfig {
        TransactionConfig {
            rto: self.config.check_rto,
            max_requests: self.config.check_max_requests,
            last_wait_factor: 4,
            max_rto: Some(self.config.max_rto),
            ..TransactionConfig::default()
        }
    }

    /// Send a check on pair `i` (§7.2.4).
    fn send_check(&mut self, now: Instant, i: usize, use_candidate: bool) {
        let Some(key) = self.remote_key.clone() else {
            return;
        };
        let (l, r) = self.pairs[i].key();
        let Some(path) = self.path_of((l, r)) else {
            return;
        };
        let (request, priority) = self.build_request(l, use_candidate, &key);
        let Ok(mut tx) = ClientTransaction::new(now, path.remote, request, self.check_config())
        else {
            return;
        };
        while let Some(t) = tx.poll_transmit() {
            self.transmits.push_back(Transmit {
                source: path.base,
                destination: path.remote,
                via: path.via,
                data: t.contents,
            });
        }
        self.stats.checks_sent += 1;
        let p = &mut self.pairs[i];
        p.state = PairState::InProgress;
        p.check = Some(Check {
            tx,
            use_candidate,
            controlling: self.role == Role::Controlling,
            priority,
        });
        self.next_check_at = now + self.config.ta;
        if self.state == ConnectionState::New {
            self.set_state(ConnectionState::Checking);
        }
    }

    /// One Ta tick (§6.1.4.2): a triggered check, else the best Waiting pair, else unfreeze.
    fn tick(&mut self, now: Instant) {
        if now < self.next_check_at || !self.has_check_work() {
            return;
        }
        while let Some((key, use_candidate)) = self.triggered.pop_front() {
            if let Some(i) = self.pair_index(key)
                && self.pairs[i].check.is_none()
            {
                self.send_check(now, i, use_candidate);
                return;
            }
        }
        let best = |s: &Self| {
            s.pairs
                .iter()
                .enumerate()
                .filter(|(_, p)| p.state == PairState::Waiting)
                .max_by_key(|(_, p)| p.priority)
                .map(|(i, _)| i)
        };
        let mut pick = best(self);
        if pick.is_none() {
            self.unfreeze_new();
            pick = best(self);
        }
        if let Some(i) = pick {
            self.send_check(now, i, false);
        }
    }

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

    fn is_known_path(&self, input: &Input<'_>) -> bool {
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
        self.pairs.iter().any(|p| {
            p.valid && {
                let l = &self.locals[p.local];
                matches(l.base, l.via, self.remotes[p.remote].addr)
            }
        })
    }

    fn local_for(&self, input: &Input<'_>) -> Option<usize> {
        self.locals.iter().position(|l| {
            l.pairable && l.signalled && l.base == input.destination && l.via == input.via
        })
    }

    fn respond(&mut self, input: &Input<'_>, tid: TransactionId, error: Option<u16>, sign: bool) {
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
    fn handle_request(&mut self, now: Instant, input: &Input<'_>, m: &Message<&[u8]>) {
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
                self.remotes.push(crate::pair::Remote {
                    cand,
                    addr: Some(input.source),
                });
                self.remotes.len() - 1
            }
        };
        let Some(key) = self.add_pair(l, r) else {
            return;
        };
        let Some(i) = self.pair_index(key) else {
            return;
        };
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
        let _ = now;
    }

    /// §7.2.5: a response to one of our checks, consent requests or gathering requests.
    fn handle_response(&mut self, now: Instant, input: &Input<'_>, m: &Message<&[u8]>) {
        let tid = m.transaction_id();
        if let Some(g) = self
            .gathers
            .iter()
            .position(|g| g.tx.transaction_id() == tid)
        {
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
                c.pending.clear();
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
        let l = match self.locals.iter().position(|c| {
            c.addr == mapped && c.base == path.base && c.via == path.via && c.pairable
        }) {
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
            Some(pair_key)
        } else {
            self.add_pair(l, pair_key.1)
        };
        let valid_key = valid_key.unwrap_or(pair_key);
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

    // ---- timers ----

    /// A timer fired: retransmit, pace the next check, nominate, consent, state timers.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state == ConnectionState::Closed {
            return;
        }
        for i in 0..self.pairs.len() {
            let Some(c) = self.pairs[i].check.as_mut() else {
                continue;
            };
            c.tx.handle_timeout(now);
            let transmits: Vec<_> = std::iter::from_fn(|| c.tx.poll_transmit()).collect();
            let timed_out = c.tx.poll_event().is_some();
            if !transmits.is_empty()
                && let Some(path) = self.path_of(self.pairs[i].key())
            {
                for t in transmits {
                    self.transmits.push_back(Transmit {
                        source: path.base,
                        destination: path.remote,
                        via: path.via,
                        data: t.contents,
                    });
                }
            }
            if timed_out {
                let key = self.pairs[i].key();
                self.pairs[i].check = None;
                self.pairs[i].state = PairState::Failed;
                if self.nominating == Some(key) {
                    self.nominating = None;
                }
            }
        }
        let mut done = Vec::new();
        for (j, g) in self.gathers.iter_mut().enumerate() {
            g.tx.handle_timeout(now);
            if let Some(t) = g.tx.poll_transmit() {
                self.transmits.push_back(Transmit {
                    source: self.locals[g.local].base,
                    destination: t.destination,
                    via: None,
                    data: t.contents,
                });
            }
            if g.tx.poll_event().is_some() {
                done.push(j);
            }
        }
        for j in done.into_iter().rev() {
            self.gathers.swap_remove(j);
        }
        self.check_gathering_complete();
        self.consent_timers(now);
        self.tick(now);
        self.after_change(now);
    }

    fn consent_timers(&mut self, now: Instant) {
        let Some(path) = self.selected.and_then(|k| self.path_of(k)) else {
            return;
        };
        let Some(c) = self.consent.as_mut() else {
            return;
        };
        let mut out = Vec::new();
        c.pending.retain_mut(|(tx, _)| {
            tx.handle_timeout(now);
            out.extend(std::iter::from_fn(|| tx.poll_transmit()));
            tx.poll_event().is_none()
        });
        if now >= c.last_response + self.config.consent_timeout {
            // RFC 7675 §5.1: consent lost, stop sending.
            self.consent = None;
            self.selected = None;
            self.previous = None;
            self.set_state(ConnectionState::Failed);
            return;
        }
        let stale = c
            .pending
            .iter()
            .any(|(_, first)| now >= *first + self.config.disconnected_timeout);
        let due = now >= c.next_check;
        for t in out {
            self.transmits.push_back(Transmit {
                source: path.base,
                destination: path.remote,
                via: path.via,
                data: t.contents,
            });
        }
        if stale
            && matches!(
                self.state,
                ConnectionState::Connected | ConnectionState::Completed
            )
        {
            self.set_state(ConnectionState::Disconnected);
        }
        if due && !self.config.lite {
            self.send_consent(now);
        }
    }

    fn send_consent(&mut self, now: Instant) {
        let (Some(key), Some((l, _))) = (self.remote_key.clone(), self.selected) else {
            return;
        };
        let Some(path) = self.selected.and_then(|k| self.path_of(k)) else {
            return;
        };
        let (request, _) = self.build_request(l, false, &key);
        let interval = self.consent_jitter();
        let Ok(mut tx) = ClientTransaction::new(now, path.remote, request, self.check_config())
        else {
            return;
        };
        while let Some(t) = tx.poll_transmit() {
            self.transmits.push_back(Transmit {
                source: path.base,
                destination: path.remote,
                via: path.via,
                data: t.contents,
            });
        }
        if let Some(c) = self.consent.as_mut() {
            c.pending.push((tx, now));
            c.next_check = now + interval;
        }
    }

    // ---- nomination, selection, states ----

    pub(crate) fn after_change(&mut self, now: Instant) {
        self.maybe_nominate(now);
        self.update_selected(now);
        self.update_state(now);
    }

    /// Regular nomination (§8.1.1): once the best valid pair has no better pair pending, or
    /// the nomination delay has passed, send a check with USE-CANDIDATE on it.
    fn maybe_nominate(&mut self, now: Instant) {
        if self.role != Role::Controlling
            || self.config.lite
            || self.nominating.is_some()
            || self.selected.is_some()
            || self.remote_key.is_none()
        {
            return;
        }
        let Some(best) = self
            .pairs
            .iter()
            .filter(|p| p.valid && p.state == PairState::Succeeded)
            .max_by_key(|p| p.priority)
        else {
            return;
        };
        let better_pending = self
            .pairs
            .iter()
            .any(|p| p.is_pending() && p.priority > best.priority);
        let waited = self
            .first_valid_at
            .is_some_and(|t| now >= t + self.config.nomination_delay);
        if better_pending && !waited {
            return;
        }
        let key = best.key();
        self.nominating = Some(key);
        if let Some(i) = self.pair_index(key)
            && let Some(c) = self.pairs[i].check.take()
        {
            let mut tx = c.tx;
            tx.cancel();
        }
        self.triggered.push_front((key, true));
        // Nominate at once rather than a Ta later: nothing else is worth the wait.
        self.next_check_at = self.next_check_at.min(now);
        self.tick(now);
    }

    fn update_selected(&mut self, now: Instant) {
        if matches!(
            self.state,
            ConnectionState::Failed | ConnectionState::Closed
        ) && self.selected.is_none()
        {
            // A failed agent selects again only after a restart.
            if self.state == ConnectionState::Closed {
                return;
            }
        }
        let best = self
            .pairs
            .iter()
            .filter(|p| p.valid && p.nominated)
            .max_by_key(|p| p.priority)
            .map(Pair::key);
        if best.is_none() || best == self.selected {
            return;
        }
        self.selected = best;
        self.previous = None;
        if let Some((l, r)) = best {
            self.events.push_back(Event::SelectedPairChanged {
                local: self.locals[l].cand.clone(),
                remote: self.remotes[r].cand.clone(),
            });
        }
        let next = now + self.consent_jitter();
        self.consent = Some(Consent {
            next_check: next,
            last_response: now,
            pending: Vec::new(),
        });
        if matches!(
            self.state,
            ConnectionState::New
                | ConnectionState::Checking
                | ConnectionState::Failed
                | ConnectionState::Disconnected
        ) {
            self.set_state(ConnectionState::Connected);
        }
    }

    fn update_state(&mut self, now: Instant) {
        let pending = self.pairs.iter().any(Pair::is_pending) || !self.triggered.is_empty();
        match self.state {
            ConnectionState::Connected
                if !pending && self.remote_end && self.selected.is_some() =>
            {
                self.set_state(ConnectionState::Completed);
            }
            ConnectionState::Checking if self.selected.is_none() && !self.config.lite => {
                let all_failed = !self.pairs.is_empty() && !pending;
                if !all_failed {
                    self.all_failed_since = None;
                    return;
                }
                let since = *self.all_failed_since.get_or_insert(now);
                if self.remote_end || now >= since + self.config.failed_timeout {
                    self.set_state(ConnectionState::Failed);
                }
            }
            _ => {}
        }
    }
}
