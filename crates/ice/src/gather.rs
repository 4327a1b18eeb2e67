//! Gathering local candidates.
//!
//! RFC 8445 §5.1.1.1 (host candidates: the caller binds and adds them), §5.1.1.2
//! (server-reflexive candidates: a Binding request to each STUN server from each host base of
//! its family, retransmitted by a STUN client transaction), relayed candidates from the
//! caller's TURN client, §5.1.1.3 (foundations), §5.1.2 (priorities, IPv6 preferred as in
//! RFC 8421), §5.1.3 (redundant candidates dropped); RFC 8838 §4 (each candidate reported as
//! it is found, end-of-candidates).
//!
//! Left out: Ta pacing of the requests to STUN servers (they all leave at once).

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use strata_stun::{
    ClientTransaction, MessageBuilder, MessageType, TransactionConfig, TransactionId,
};

use crate::candidate::candidate_priority;
use crate::pair::Local;
use crate::{
    Address, Agent, Candidate, CandidateType, ConnectionState, Error, Event, GatheringState,
    RelayId, Transmit, Transport,
};

/// A host address to add as a candidate ([`Agent::add_local_candidate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostCandidate {
    /// The bound local address (a specific address, not 0.0.0.0).
    pub addr: SocketAddr,
    /// The local preference (RFC 8445 §5.1.2.1); `None` picks one that prefers IPv6 and
    /// earlier addresses.
    pub local_preference: Option<u16>,
}

impl From<SocketAddr> for HostCandidate {
    fn from(addr: SocketAddr) -> HostCandidate {
        HostCandidate {
            addr,
            local_preference: None,
        }
    }
}

/// A server-reflexive gathering request in flight.
#[derive(Debug)]
pub(crate) struct Gather {
    pub(crate) local: usize,
    pub(crate) server: SocketAddr,
    pub(crate) tx: ClientTransaction,
}

impl Agent {
    // ---- local candidates ----

    pub(crate) fn foundation(
        &mut self,
        kind: CandidateType,
        base: IpAddr,
        server: Option<IpAddr>,
    ) -> String {
        let key = (kind, base, server);
        let i = match self.foundations.iter().position(|f| *f == key) {
            Some(i) => i,
            None => {
                crate::pair::push_lean(&mut self.foundations, key);
                self.foundations.len() - 1
            }
        };
        i.to_string()
    }

    pub(crate) fn set_gathering(&mut self, g: GatheringState) {
        if self.gathering != g {
            self.gathering = g;
            self.events.push_back(Event::GatheringStateChanged(g));
        }
    }

    /// Add a host candidate for a local address the caller bound (one UDP socket per
    /// address, or one socket whose local addresses these are). Returns the candidate, which
    /// is also reported as [`Event::LocalCandidate`]. `local_preference` defaults to a value
    /// that prefers IPv6 (RFC 8421) and earlier addresses.
    pub fn add_local_candidate(
        &mut self,
        host: impl Into<HostCandidate>,
    ) -> Result<Candidate, Error> {
        let HostCandidate {
            addr,
            local_preference,
        } = host.into();
        if self.state == ConnectionState::Closed {
            return Err(Error::Closed);
        }
        if addr.ip().is_unspecified() || addr.port() == 0 {
            return Err(Error::UnsupportedCandidate("unspecified address or port"));
        }
        if let Some(l) = self
            .locals
            .iter()
            .find(|l| l.addr == addr && l.via.is_none())
        {
            return Ok(l.cand.clone());
        }
        let same_family = self
            .locals
            .iter()
            .filter(|l| l.cand.kind == CandidateType::Host && l.addr.is_ipv6() == addr.is_ipv6())
            .count() as u16;
        let pref = local_preference
            .unwrap_or(if addr.is_ipv6() { 65535 } else { 32767 })
            .saturating_sub(if local_preference.is_some() {
                0
            } else {
                same_family
            });
        let foundation = self.foundation(CandidateType::Host, addr.ip(), None);
        let cand = Candidate {
            foundation,
            component: 1,
            transport: Transport::Udp,
            priority: candidate_priority(126, pref, 1),
            address: Address::Ip(addr.ip()),
            port: addr.port(),
            kind: CandidateType::Host,
            related_address: None,
            related_port: None,
            tcp_type: None,
            generation: None,
            extensions: Vec::new(),
        };
        self.push_local(cand.clone(), addr, addr, None, true)?;
        Ok(cand)
    }

    /// Add a relayed candidate the caller allocated on a TURN server (`server_addr`) through
    /// its TURN client; datagrams for it carry `via: Some(relay_id)`.
    pub fn add_local_relay_candidate(
        &mut self,
        relayed_addr: SocketAddr,
        server_addr: SocketAddr,
        relay_id: RelayId,
    ) -> Result<Candidate, Error> {
        if self.state == ConnectionState::Closed {
            return Err(Error::Closed);
        }
        if let Some(l) = self.locals.iter().find(|l| l.via == Some(relay_id)) {
            return Ok(l.cand.clone());
        }
        let relays = self.locals.iter().filter(|l| l.via.is_some()).count() as u16;
        let foundation = self.foundation(
            CandidateType::Relayed,
            relayed_addr.ip(),
            Some(server_addr.ip()),
        );
        let unspecified: IpAddr = if relayed_addr.is_ipv4() {
            std::net::Ipv4Addr::UNSPECIFIED.into()
        } else {
            std::net::Ipv6Addr::UNSPECIFIED.into()
        };
        let cand = Candidate {
            foundation,
            component: 1,
            transport: Transport::Udp,
            priority: candidate_priority(0, 65535u16.saturating_sub(relays), 1),
            address: Address::Ip(relayed_addr.ip()),
            port: relayed_addr.port(),
            kind: CandidateType::Relayed,
            related_address: Some(Address::Ip(unspecified)),
            related_port: Some(0),
            tcp_type: None,
            generation: None,
            extensions: Vec::new(),
        };
        self.push_local(
            cand.clone(),
            relayed_addr,
            relayed_addr,
            Some(relay_id),
            true,
        )?;
        Ok(cand)
    }

    pub(crate) fn push_local(
        &mut self,
        cand: Candidate,
        addr: SocketAddr,
        base: SocketAddr,
        via: Option<RelayId>,
        signalled: bool,
    ) -> Result<usize, Error> {
        if self.locals.len() >= self.config.max_local_candidates {
            return Err(Error::TooManyCandidates);
        }
        let pairable = cand.kind != CandidateType::ServerReflexive;
        if signalled {
            self.set_gathering(GatheringState::Gathering);
            self.events.push_back(Event::LocalCandidate(cand.clone()));
        }
        crate::pair::push_lean(
            &mut self.locals,
            Local {
                cand,
                addr,
                base,
                via,
                pairable,
                signalled,
            },
        );
        let i = self.locals.len() - 1;
        if pairable && signalled {
            for r in 0..self.remotes.len() {
                self.add_pair(i, r);
            }
            self.unfreeze_new();
        }
        Ok(i)
    }

    /// Gather server-reflexive candidates: send a Binding request from every host base of the
    /// server's address family (retransmitted by a STUN client transaction).
    pub fn add_stun_server(&mut self, now: Instant, server: SocketAddr) {
        if self.config.lite || self.state == ConnectionState::Closed {
            return;
        }
        if !self.stun_servers.contains(&server) {
            self.stun_servers.push(server);
        }
        let bases: Vec<usize> = (0..self.locals.len())
            .filter(|&i| {
                let l = &self.locals[i];
                l.cand.kind == CandidateType::Host && l.addr.is_ipv4() == server.is_ipv4()
            })
            .filter(|&i| {
                !self
                    .gathers
                    .iter()
                    .any(|g| g.local == i && g.server == server)
            })
            .collect();
        for local in bases {
            let mut b = MessageBuilder::new(
                MessageType::BINDING_REQUEST,
                TransactionId::random(self.rng.as_mut()),
            );
            // A bare Binding request with FINGERPRINT is within every limit.
            let _ = b.add_fingerprint();
            let config = TransactionConfig {
                rto: self.config.gather_rto,
                max_requests: self.config.gather_max_requests,
                last_wait_factor: 4,
                max_rto: Some(self.config.max_rto),
                ..TransactionConfig::default()
            };
            let Ok(mut tx) = ClientTransaction::new(now, server, b.finish(), config) else {
                continue;
            };
            self.set_gathering(GatheringState::Gathering);
            let source = self.locals[local].base;
            while let Some(t) = tx.poll_transmit() {
                self.transmits.push_back(Transmit {
                    source,
                    destination: t.destination,
                    via: None,
                    data: t.contents,
                });
            }
            self.gathers.push(Gather { local, server, tx });
        }
    }

    /// A server-reflexive address learned for host candidate `local` (RFC 8445 §5.1.1.2),
    /// kept unless redundant (§5.1.3).
    pub(crate) fn add_server_reflexive(
        &mut self,
        local: usize,
        server: SocketAddr,
        mapped: SocketAddr,
    ) {
        let Some(host) = self.locals.get(local) else {
            return;
        };
        let base = host.base;
        if self
            .locals
            .iter()
            .any(|l| l.addr == mapped && l.base == base)
        {
            return;
        }
        let pref = (host.cand.priority >> 8) as u16;
        let foundation =
            self.foundation(CandidateType::ServerReflexive, base.ip(), Some(server.ip()));
        let cand = Candidate {
            foundation,
            component: 1,
            transport: Transport::Udp,
            priority: candidate_priority(100, pref, 1),
            address: Address::Ip(mapped.ip()),
            port: mapped.port(),
            kind: CandidateType::ServerReflexive,
            related_address: Some(Address::Ip(base.ip())),
            related_port: Some(base.port()),
            tcp_type: None,
            generation: None,
            extensions: Vec::new(),
        };
        let _ = self.push_local(cand, mapped, base, None, true);
    }

    /// The caller has added every host and relayed candidate it will add; gathering
    /// completes once STUN servers have answered or timed out.
    pub fn end_of_local_candidates(&mut self) {
        self.local_end = true;
        self.check_gathering_complete();
    }

    pub(crate) fn check_gathering_complete(&mut self) {
        if self.local_end && self.gathers.is_empty() && self.gathering != GatheringState::Complete {
            self.set_gathering(GatheringState::Complete);
            self.events.push_back(Event::EndOfLocalCandidates);
        }
    }
}
