//! Consent freshness, nomination, selection and connection states.
//!
//! RFC 8445 §8 (regular nomination as controlling, with a short wait for better pairs; as
//! controlled any nomination is accepted, so aggressive nomination works too, and the
//! highest-priority nominated pair is used), RFC 7675 §5.1 (consent: a check every 5 s
//! ±20 % on the selected pair, lost after 30 s without a response: stop sending).

use std::time::Instant;

use strata_stun::ClientTransaction;

use crate::pair::{Consent, Pair, PairState};
use crate::{Agent, ConnectionState, Event, Role, Transmit};

impl Agent {
    pub(crate) fn consent_timers(&mut self, now: Instant) {
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
            // RFC 7675 §5.1: consent lost, stop sending; only a restart selects again.
            for p in &mut self.pairs {
                p.valid = false;
                p.nominated = false;
                if p.is_pending() {
                    p.check = None;
                    p.state = PairState::Failed;
                }
            }
            self.triggered.clear();
            self.nominating = None;
            self.first_valid_at = None;
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
        if due {
            if self.config.lite {
                // Lite agents send no checks; requests on the pair refresh consent.
                let interval = self.consent_jitter();
                if let Some(c) = self.consent.as_mut() {
                    c.next_check = now + interval;
                }
            } else {
                self.send_consent(now);
            }
        }
    }

    pub(crate) fn send_consent(&mut self, now: Instant) {
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
            crate::pair::push_lean(&mut c.pending, (tx, now));
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
    pub(crate) fn maybe_nominate(&mut self, now: Instant) {
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

    pub(crate) fn update_selected(&mut self, now: Instant) {
        if self.state == ConnectionState::Closed {
            return;
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

    pub(crate) fn update_state(&mut self, now: Instant) {
        let pending = self.pairs.iter().any(Pair::is_pending) || !self.triggered.is_empty();
        match self.state {
            ConnectionState::Connected
                if !pending && self.remote_end && self.selected.is_some() =>
            {
                self.set_state(ConnectionState::Completed);
            }
            ConnectionState::Checking if self.selected.is_none() && !self.config.lite => {
                // Every pair failed: not merely "no check pending", since a controlled agent
                // whose checks succeeded waits, with nothing pending, for the peer to nominate.
                let all_failed = !self.pairs.is_empty()
                    && !pending
                    && self.pairs.iter().all(|p| p.state == PairState::Failed);
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
