//! The check list and sending checks.
//!
//! RFC 8445 §6.1.2 (pairs: formation, priority §6.1.2.3, pruning §6.1.2.4, the bound of
//! §6.1.2.5, states and the frozen algorithm §6.1.2.6), §6.1.4 (Ta pacing: the triggered-check
//! queue first, then the highest-priority Waiting pair, else unfreeze), §7.2.4 (a check carries
//! USERNAME, PRIORITY, ICE-CONTROLLING/-CONTROLLED, USE-CANDIDATE, MESSAGE-INTEGRITY and
//! FINGERPRINT; retransmissions by a STUN client transaction).
//!
//! §14.3: the RTO of a check is the larger of the configured one (500 ms) and Ta times the
//! Waiting and In-Progress pairs.

use std::time::Instant;

use strata_stun::{
    Attribute, ClientTransaction, IntegrityKey, MessageBuilder, MessageType, TransactionConfig,
    TransactionId,
};

use crate::pair::{Check, Pair, PairKey, PairState, pair_priority};
use crate::{Agent, ConnectionState, Role, Transmit};

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
        crate::pair::push_lean(
            &mut self.pairs,
            Pair {
                local: l,
                remote: r,
                priority,
                state: PairState::Frozen,
                valid: false,
                nominated: false,
                nominate_on_success: false,
                valid_pair: None,
                check: None,
            },
        );
        self.all_failed_since = None;
        Some((l, r))
    }

    /// A valid pair made from a check's mapped address (§7.2.5.3.2): it joins the valid list
    /// without being checked itself, so the redundancy pruning of the check list does not
    /// apply.
    pub(crate) fn add_valid_pair(&mut self, l: usize, r: usize) -> Option<PairKey> {
        if let Some(p) = self
            .pairs
            .iter()
            .position(|p| p.local == l && p.remote == r)
        {
            return Some(self.pairs[p].key());
        }
        if self.pairs.len() >= self.config.max_pairs + 8 {
            return None;
        }
        let priority = self.pair_priority_of(l, r);
        crate::pair::push_lean(
            &mut self.pairs,
            Pair {
                local: l,
                remote: r,
                priority,
                state: PairState::Succeeded,
                valid: true,
                nominated: false,
                nominate_on_success: false,
                valid_pair: Some((l, r)),
                check: None,
            },
        );
        Some((l, r))
    }

    pub(crate) fn foundation_of(&self, p: &Pair) -> (&str, &str) {
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

    pub(crate) fn pair_index(&self, key: PairKey) -> Option<usize> {
        self.pairs.iter().position(|p| p.key() == key)
    }

    // ---- building messages ----

    pub(crate) fn build_request(
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

    pub(crate) fn check_config(&self) -> TransactionConfig {
        // §14.3: RTO = MAX(500 ms, Ta * (Waiting + In-Progress pairs)), so retransmissions
        // of many parallel checks stay within the pacing budget.
        let active = self
            .pairs
            .iter()
            .filter(|p| matches!(p.state, PairState::Waiting | PairState::InProgress))
            .count() as u32;
        TransactionConfig {
            rto: self.config.check_rto.max(self.config.ta * active),
            max_requests: self.config.check_max_requests,
            last_wait_factor: 4,
            max_rto: Some(self.config.max_rto),
            ..TransactionConfig::default()
        }
    }

    /// Send a check on pair `i` (§7.2.4).
    pub(crate) fn send_check(&mut self, now: Instant, i: usize, use_candidate: bool) {
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
    pub(crate) fn tick(&mut self, now: Instant) {
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
        } else {
            // Frozen pairs wait for their foundation's check: look again a Ta later rather
            // than spinning on a timer in the past.
            self.next_check_at = now + self.config.ta;
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
}
