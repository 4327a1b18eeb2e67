//! The agent: candidates, credentials, commands and the sans-IO outputs.
//!
//! RFC 8445 §5.1 (gathering: host candidates from the caller, server-reflexive ones from STUN
//! servers, relayed ones from the caller's TURN client; priorities §5.1.2, foundations
//! §5.1.1.3, redundancy §5.1.3), §6.1.1 (roles and tie-breakers), §9 (restart), §11
//! (keepalives: consent checks serve as keepalives on the selected pair); RFC 8838 (trickle:
//! candidates at any time, end-of-candidates); RFC 7675 (consent freshness). The checks
//! themselves live in `checks.rs`.
//!
//! Left out: more than one component (WebRTC muxes RTP and RTCP), ICE-TCP (RFC 6544: TCP
//! candidates parse but are not paired), re-gathering server-reflexive candidates on restart,
//! keepalives on pairs other than the selected one, and the choice of "both lite" roles.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use strata_stun::{IntegrityKey, OsRng, Rng};

use crate::candidate::is_ice_char;
use crate::pair::{Consent, Local, Pair, PairKey, Path, Remote};
use crate::{
    Address, AgentConfig, Candidate, CandidateType, ConnectionState, Error, Event, GatheringState,
    RelayId, Role, Stats, Transmit, Transport,
};

/// A full (or lite) ICE agent for one component, sans-IO.
///
/// Methods in four groups, as in every Strata state machine:
/// - getters: [`Agent::role`], [`Agent::connection_state`], [`Agent::selected_path`], ...
/// - inputs: [`Agent::handle_packet`], [`Agent::handle_timeout`];
/// - commands: candidates and credentials, [`Agent::send`], [`Agent::restart`],
///   [`Agent::close`];
/// - outputs: [`Agent::poll_transmit`], [`Agent::poll_event`], [`Agent::poll_timeout`].
///
/// After every input or command, drain `poll_transmit` and `poll_event` until they return
/// `None`, then call `handle_timeout` at `poll_timeout`.
pub struct Agent {
    pub(crate) config: AgentConfig,
    pub(crate) rng: Box<dyn Rng + Send>,
    pub(crate) role: Role,
    pub(crate) tie_breaker: u64,
    pub(crate) local_ufrag: String,
    pub(crate) local_pwd: String,
    pub(crate) local_key: IntegrityKey,
    pub(crate) remote_ufrag: Option<String>,
    pub(crate) remote_key: Option<IntegrityKey>,
    pub(crate) remote_lite: bool,
    pub(crate) locals: Vec<Local>,
    pub(crate) remotes: Vec<Remote>,
    pub(crate) pairs: Vec<Pair>,
    pub(crate) triggered: VecDeque<(PairKey, bool)>,
    pub(crate) foundations: Vec<(CandidateType, IpAddr, Option<IpAddr>)>,
    pub(crate) prflx_count: u32,
    pub(crate) gathers: Vec<crate::gather::Gather>,
    pub(crate) stun_servers: Vec<SocketAddr>,
    pub(crate) local_end: bool,
    pub(crate) remote_end: bool,
    pub(crate) gathering: GatheringState,
    pub(crate) state: ConnectionState,
    pub(crate) selected: Option<PairKey>,
    /// The old selected pair's path, kept for data during a restart.
    pub(crate) previous: Option<Path>,
    pub(crate) nominating: Option<PairKey>,
    pub(crate) first_valid_at: Option<Instant>,
    pub(crate) next_check_at: Instant,
    pub(crate) all_failed_since: Option<Instant>,
    pub(crate) consent: Option<Consent>,
    pub(crate) transmits: VecDeque<Transmit>,
    pub(crate) events: VecDeque<Event>,
    pub(crate) stats: Stats,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("role", &self.role)
            .field("state", &self.state)
            .field("local_ufrag", &self.local_ufrag)
            .field("pairs", &self.pairs.len())
            .finish_non_exhaustive()
    }
}

/// Frees a drained queue's buffer. Connectivity checks, consent and events come in short
/// bursts seconds apart (application data never passes through these queues), so an idle
/// agent holds no queue memory and a burst costs one allocation.
#[inline]
fn release_if_drained<T>(queue: &mut VecDeque<T>) {
    if queue.capacity() != 0 {
        *queue = VecDeque::new();
    }
}

const ICE_CHARS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Fresh local ICE credentials: an 8-character ufrag and a 24-character password of
/// ice-chars (RFC 8445 section 5.3 asks for at least 24 and 128 random bits).
pub fn random_credentials(rng: &mut dyn Rng) -> (String, String) {
    (random_ice_string(rng, 8), random_ice_string(rng, 24))
}

fn random_ice_string(rng: &mut dyn Rng, len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rng.fill(&mut bytes);
    bytes
        .iter()
        .map(|b| char::from(ICE_CHARS[usize::from(b & 63)]))
        .collect()
}

fn check_credential(s: &str, max: usize) -> Result<(), Error> {
    if s.is_empty() || s.len() > max || !s.bytes().all(is_ice_char) {
        return Err(Error::BadCredentials);
    }
    Ok(())
}

impl Agent {
    /// An agent whose credentials and tie-breaker come from the operating system's CSPRNG.
    pub fn new(config: AgentConfig, now: Instant) -> Result<Agent, Error> {
        Agent::with_rng(config, Box::new(OsRng::default()), now)
    }

    /// An agent drawing credentials, tie-breaker, transaction ids and consent jitter from
    /// `rng` (tests pass a seeded generator).
    pub fn with_rng(
        config: AgentConfig,
        mut rng: Box<dyn Rng + Send>,
        now: Instant,
    ) -> Result<Agent, Error> {
        let (local_ufrag, local_pwd) = match &config.local_credentials {
            Some((u, p)) => {
                check_credential(u, 256)?;
                check_credential(p, 256)?;
                (u.clone(), p.clone())
            }
            None => random_credentials(rng.as_mut()),
        };
        let local_key = IntegrityKey::short_term(&local_pwd).map_err(|_| Error::BadCredentials)?;
        let mut tb = [0u8; 8];
        rng.fill(&mut tb);
        let role = if config.lite {
            Role::Controlled
        } else {
            config.role
        };
        Ok(Agent {
            role,
            tie_breaker: u64::from_be_bytes(tb),
            local_ufrag,
            local_pwd,
            local_key,
            remote_ufrag: None,
            remote_key: None,
            remote_lite: false,
            locals: Vec::new(),
            remotes: Vec::new(),
            pairs: Vec::new(),
            triggered: VecDeque::new(),
            foundations: Vec::new(),
            prflx_count: 0,
            gathers: Vec::new(),
            stun_servers: Vec::new(),
            local_end: false,
            remote_end: false,
            gathering: GatheringState::New,
            state: ConnectionState::New,
            selected: None,
            previous: None,
            nominating: None,
            first_valid_at: None,
            next_check_at: now,
            all_failed_since: None,
            consent: None,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
            config,
            rng,
        })
    }

    // ---- getters ----

    /// The current role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The tie-breaker sent in ICE-CONTROLLING / ICE-CONTROLLED.
    pub fn tie_breaker(&self) -> u64 {
        self.tie_breaker
    }

    /// Our ufrag and password, to signal to the peer (`a=ice-ufrag`, `a=ice-pwd`).
    pub fn local_credentials(&self) -> (&str, &str) {
        (&self.local_ufrag, &self.local_pwd)
    }

    /// Whether this is a lite agent.
    pub fn is_lite(&self) -> bool {
        self.config.lite
    }

    /// The connection state.
    pub fn connection_state(&self) -> ConnectionState {
        self.state
    }

    /// The gathering state.
    pub fn gathering_state(&self) -> GatheringState {
        self.gathering
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Local candidates so far (including learned peer-reflexive ones).
    pub fn local_candidates(&self) -> impl Iterator<Item = &Candidate> {
        self.locals.iter().map(|l| &l.cand)
    }

    /// Remote candidates so far (including learned peer-reflexive ones).
    pub fn remote_candidates(&self) -> impl Iterator<Item = &Candidate> {
        self.remotes.iter().map(|r| &r.cand)
    }

    /// How many candidate pairs are in the check list.
    pub fn pair_count(&self) -> usize {
        self.pairs.len()
    }

    /// The selected pair's candidates.
    pub fn selected_pair(&self) -> Option<(&Candidate, &Candidate)> {
        let (l, r) = self.selected?;
        Some((&self.locals.get(l)?.cand, &self.remotes.get(r)?.cand))
    }

    /// Where data goes now: (local base, remote address, relay), so a caller can build its
    /// own datagrams without [`Agent::send`]. During a restart this is the old pair until a
    /// new one is selected.
    pub fn selected_path(&self) -> Option<(SocketAddr, SocketAddr, Option<RelayId>)> {
        if matches!(
            self.state,
            ConnectionState::Failed | ConnectionState::Closed
        ) {
            return None;
        }
        let p = self
            .selected
            .and_then(|k| self.path_of(k))
            .or(self.previous)?;
        Some((p.base, p.remote, p.via))
    }

    pub(crate) fn path_of(&self, (l, r): PairKey) -> Option<Path> {
        let local = self.locals.get(l)?;
        Some(Path {
            base: local.base,
            via: local.via,
            remote: self.remotes.get(r)?.addr?,
        })
    }

    // ---- remote side ----

    /// The peer's ufrag and password (`a=ice-ufrag`, `a=ice-pwd`). New values after earlier
    /// ones mean the peer restarted ICE: the check list starts over (call [`Agent::restart`]
    /// too if we must answer with new credentials, as JSEP does).
    pub fn set_remote_credentials(&mut self, ufrag: &str, pwd: &str) -> Result<(), Error> {
        check_credential(ufrag, 256)?;
        check_credential(pwd, 256)?;
        if self.remote_ufrag.as_deref() == Some(ufrag) {
            return Ok(());
        }
        let key = IntegrityKey::short_term(pwd).map_err(|_| Error::BadCredentials)?;
        if self.remote_ufrag.is_some() {
            self.reset_check_list();
        }
        self.remote_ufrag = Some(ufrag.to_owned());
        self.remote_key = Some(key);
        if self.state == ConnectionState::New && !self.pairs.is_empty() {
            self.set_state(ConnectionState::Checking);
        }
        Ok(())
    }

    /// The peer is an ICE-lite agent (`a=ice-lite`): we must be controlling (RFC 8445 §6.1.1).
    pub fn set_remote_lite(&mut self, lite: bool) {
        self.remote_lite = lite;
        if lite && !self.config.lite && self.role == Role::Controlled {
            self.set_role(Role::Controlling);
        }
    }

    /// Add a candidate the peer trickled (RFC 8838). Candidates with an mDNS host name wait
    /// for [`Agent::resolve_remote_hostname`] ([`Event::ResolveHostname`] asks for it).
    pub fn add_remote_candidate(&mut self, cand: Candidate) -> Result<(), Error> {
        if self.state == ConnectionState::Closed {
            return Err(Error::Closed);
        }
        if cand.transport != Transport::Udp {
            return Err(Error::UnsupportedCandidate(
                "only UDP candidates are paired",
            ));
        }
        if cand.component != 1 {
            return Err(Error::UnsupportedCandidate("only component 1"));
        }
        let addr = cand.socket_addr();
        if let Some(a) = addr {
            if a.ip().is_unspecified() || a.port() == 0 {
                return Err(Error::UnsupportedCandidate("unspecified address or port"));
            }
            // Already known, typically as a peer-reflexive candidate learned from a check:
            // take the signalled details (RFC 8838 §11.4 leaves this to us).
            if let Some(r) = self.remotes.iter().position(|r| r.addr == Some(a)) {
                if self.remotes[r].cand.kind == CandidateType::PeerReflexive {
                    self.remotes[r].cand = cand;
                    self.recompute_priorities();
                }
                return Ok(());
            }
        } else if self.remotes.iter().any(|r| r.cand == cand) {
            return Ok(());
        }
        if self.remotes.len() >= self.config.max_remote_candidates {
            return Err(Error::TooManyCandidates);
        }
        if let (None, Address::Hostname(name)) = (addr, &cand.address) {
            let name = name.clone();
            let asked = self
                .remotes
                .iter()
                .any(|r| matches!(&r.cand.address, Address::Hostname(n) if *n == name));
            if !asked {
                self.events.push_back(Event::ResolveHostname(name));
            }
        }
        self.push_remote(cand, addr);
        Ok(())
    }

    pub(crate) fn push_remote(&mut self, cand: Candidate, addr: Option<SocketAddr>) -> usize {
        crate::pair::push_lean(&mut self.remotes, Remote { cand, addr });
        let r = self.remotes.len() - 1;
        if addr.is_some() {
            self.pair_remote(r);
        }
        r
    }

    fn pair_remote(&mut self, r: usize) {
        for l in 0..self.locals.len() {
            if self.locals[l].pairable && self.locals[l].signalled {
                self.add_pair(l, r);
            }
        }
        self.unfreeze_new();
        if self.state == ConnectionState::New && self.remote_key.is_some() && !self.pairs.is_empty()
        {
            self.set_state(ConnectionState::Checking);
        }
    }

    /// The caller resolved a host name from [`Event::ResolveHostname`]; candidates with that
    /// name enter pairing now.
    pub fn resolve_remote_hostname(&mut self, name: &str, ip: IpAddr) {
        for r in 0..self.remotes.len() {
            let rem = &self.remotes[r];
            let hit = rem.addr.is_none()
                && matches!(&rem.cand.address, Address::Hostname(n) if n.eq_ignore_ascii_case(name));
            if hit {
                let addr = SocketAddr::new(ip, rem.cand.port);
                if self.remotes.iter().any(|o| o.addr == Some(addr)) {
                    continue;
                }
                self.remotes[r].addr = Some(addr);
                self.pair_remote(r);
            }
        }
    }

    /// The peer signalled end-of-candidates (RFC 8838 §8.2).
    pub fn end_of_remote_candidates(&mut self) {
        self.remote_end = true;
    }

    // ---- commands ----

    /// Wrap `data` for the selected pair (or the old one during a restart).
    pub fn send(&mut self, _now: Instant, data: Vec<u8>) -> Result<Transmit, Error> {
        if self.state == ConnectionState::Closed {
            return Err(Error::Closed);
        }
        let (source, destination, via) = self.selected_path().ok_or(Error::NoSelectedPair)?;
        Ok(Transmit {
            source,
            destination,
            via,
            data,
        })
    }

    /// ICE restart (RFC 8445 §9): new local credentials, a new check list once the peer's new
    /// credentials arrive; data keeps flowing on the old selected pair until a new one is
    /// selected. Local candidates are kept and reported again for signalling.
    pub fn restart(&mut self, now: Instant) {
        let (ufrag, pwd) = random_credentials(self.rng.as_mut());
        // Random ice-chars of the right lengths always pass the credential check.
        let _ = self.restart_with(now, &ufrag, &pwd);
    }

    /// [`Agent::restart`] with local credentials the caller chose (JSEP generates them when it
    /// writes the offer, before the restart is applied).
    pub fn restart_with(&mut self, _now: Instant, ufrag: &str, pwd: &str) -> Result<(), Error> {
        if self.state == ConnectionState::Closed {
            return Err(Error::Closed);
        }
        check_credential(ufrag, 256)?;
        check_credential(pwd, 256)?;
        self.local_key = IntegrityKey::short_term(pwd).map_err(|_| Error::BadCredentials)?;
        self.local_ufrag = ufrag.to_owned();
        self.local_pwd = pwd.to_owned();
        self.reset_check_list();
        self.remote_ufrag = None;
        self.remote_key = None;
        self.gathering = GatheringState::New;
        let again: Vec<Candidate> = self
            .locals
            .iter()
            .filter(|l| l.signalled)
            .map(|l| l.cand.clone())
            .collect();
        for c in again {
            self.set_gathering(GatheringState::Gathering);
            self.events.push_back(Event::LocalCandidate(c));
        }
        self.check_gathering_complete();
        Ok(())
    }

    /// Start the check list over, keeping the old selected pair's path for data.
    fn reset_check_list(&mut self) {
        if let Some(p) = self.selected.and_then(|k| self.path_of(k)) {
            self.previous = Some(p);
        }
        self.selected = None;
        self.consent = None;
        self.nominating = None;
        self.first_valid_at = None;
        self.all_failed_since = None;
        self.pairs.clear();
        self.triggered.clear();
        self.remotes.clear();
        self.remote_end = false;
        // Learned peer-reflexive local candidates belong to the old check list; gathering
        // requests in flight keep pointing at their host candidate.
        let mut map = Vec::with_capacity(self.locals.len());
        let mut kept = 0;
        for l in &self.locals {
            map.push(l.signalled.then_some(kept));
            kept += usize::from(l.signalled);
        }
        self.locals.retain(|l| l.signalled);
        self.gathers
            .retain_mut(|g| match map.get(g.local).copied().flatten() {
                Some(i) => {
                    g.local = i;
                    true
                }
                None => false,
            });
        if matches!(
            self.state,
            ConnectionState::Failed | ConnectionState::Disconnected
        ) {
            self.set_state(ConnectionState::Checking);
        }
    }

    /// Stop: no more transmits or timers; events end with `Closed`.
    pub fn close(&mut self) {
        if self.state == ConnectionState::Closed {
            return;
        }
        for p in &mut self.pairs {
            p.check = None;
        }
        self.gathers.clear();
        self.consent = None;
        self.triggered.clear();
        self.transmits.clear();
        self.selected = None;
        self.previous = None;
        self.set_state(ConnectionState::Closed);
    }

    pub(crate) fn set_state(&mut self, s: ConnectionState) {
        if self.state != s {
            self.state = s;
            self.events.push_back(Event::ConnectionStateChanged(s));
        }
    }

    pub(crate) fn set_role(&mut self, role: Role) {
        if self.role != role {
            self.role = role;
            self.events.push_back(Event::RoleChanged(role));
            self.recompute_priorities();
            self.nominating = None;
        }
    }

    // ---- outputs ----

    /// The next datagram to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        let t = self.transmits.pop_front();
        if t.is_none() {
            release_if_drained(&mut self.transmits);
        }
        t
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        let e = self.events.pop_front();
        if e.is_none() {
            release_if_drained(&mut self.events);
        }
        e
    }

    /// When to call [`Agent::handle_timeout`] next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.state == ConnectionState::Closed {
            return None;
        }
        let mut t: Option<Instant> = None;
        let mut at = |i: Option<Instant>| {
            if let Some(i) = i {
                t = Some(t.map_or(i, |t| t.min(i)));
            }
        };
        if self.has_check_work() {
            at(Some(self.next_check_at));
        }
        for p in &self.pairs {
            at(p.check.as_ref().and_then(|c| c.tx.poll_timeout()));
        }
        for g in &self.gathers {
            at(g.tx.poll_timeout());
        }
        if let Some(c) = &self.consent {
            at(Some(c.next_check));
            at(Some(c.last_response + self.config.consent_timeout));
            for (tx, first) in &c.pending {
                at(tx.poll_timeout());
                if !matches!(self.state, ConnectionState::Disconnected) {
                    at(Some(*first + self.config.disconnected_timeout));
                }
            }
        }
        if let (Some(first), None, Role::Controlling) =
            (self.first_valid_at, self.nominating, self.role)
            && self.selected.is_none()
            && self.pairs.iter().any(|p| p.valid)
        {
            at(Some(first + self.config.nomination_delay));
        }
        if let Some(since) = self.all_failed_since
            && self.state == ConnectionState::Checking
        {
            at(Some(since + self.config.failed_timeout));
        }
        t
    }

    /// A randomized consent interval: 0.8..1.2 times the configured one (RFC 7675 §5.1).
    pub(crate) fn consent_jitter(&mut self) -> Duration {
        let mut b = [0u8; 2];
        self.rng.fill(&mut b);
        let frac = f64::from(u16::from_be_bytes(b)) / f64::from(u16::MAX);
        self.config.consent_interval.mul_f64(0.8 + 0.4 * frac)
    }
}
