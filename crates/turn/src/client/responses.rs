//! Responses to the client's requests: authentication (RFC 8489 section 9.2.5 as RFC 8656
//! section 5 uses it), 401 / 438 retries, 300 redirects and the success handling of
//! Allocate (RFC 8656 section 7.3), Refresh (section 8), CreatePermission (section 9) and
//! ChannelBind (section 12).

use std::time::{Duration, Instant};

use strata_stun::{AttrType, Attribute, Class, IntegrityKey, Message};

use super::{
    Allocation, Auth, CHANNEL_LIFETIME, CHANNEL_REFRESH, Client, DEFAULT_LIFETIME, Event, Kind,
    Pending, RequestError, State, install_permission, refresh_delay,
};

impl Client {
    pub(super) fn handle_response(&mut self, now: Instant, m: &Message<&[u8]>) {
        let tid = m.transaction_id();
        let Some(index) = self
            .pending
            .iter()
            .position(|p| p.tx.transaction_id() == tid)
        else {
            self.stats.unknown_transaction += 1;
            return;
        };
        let (kind, authenticated) = {
            let p = &self.pending[index];
            (p.kind, p.authenticated)
        };
        if m.method() != kind.method() {
            self.stats.malformed += 1;
            return;
        }
        let has_integrity = m.get(AttrType::MESSAGE_INTEGRITY).is_some()
            || m.get(AttrType::MESSAGE_INTEGRITY_SHA256).is_some();
        let success = m.class() == Class::SuccessResponse;
        // A success answering credentials must prove the server knows them; any response
        // that carries integrity must carry the right one (RFC 8489 section 9.2.5). Unsigned
        // error responses are accepted: servers send 401 and 438 unsigned.
        if authenticated && (success || has_integrity) {
            let ok = self
                .auth
                .as_ref()
                .is_some_and(|a| m.verify_integrity(&a.key).is_ok());
            if !ok {
                self.stats.unauthenticated += 1;
                return;
            }
        }
        let mut p = self.pending.swap_remove(index);
        p.tx.cancel();
        if success {
            self.on_success(now, kind, m);
        } else {
            self.on_error(now, &p, m);
        }
    }

    pub(super) fn on_error(&mut self, now: Instant, p: &Pending, m: &Message<&[u8]>) {
        let (code, reason) = match m.get_typed(AttrType::ERROR_CODE) {
            Some(Ok(Attribute::ErrorCode(e))) => (e.code, e.reason.to_owned()),
            _ => {
                self.fail(
                    now,
                    p.kind,
                    RequestError::MalformedResponse("no ERROR-CODE"),
                );
                return;
            }
        };
        let realm = match m.get_typed(AttrType::REALM) {
            Some(Ok(Attribute::Realm(r))) => Some(r.to_owned()),
            _ => None,
        };
        let nonce = match m.get_typed(AttrType::NONCE) {
            Some(Ok(Attribute::Nonce(n))) => Some(n.to_owned()),
            _ => None,
        };
        match code {
            401 if !p.authenticated => {
                let (Some(realm), Some(nonce)) = (realm, nonce) else {
                    self.fail(
                        now,
                        p.kind,
                        RequestError::MalformedResponse("401 without REALM/NONCE"),
                    );
                    return;
                };
                if let Err(e) = self.learn(realm, nonce) {
                    self.fail(now, p.kind, e);
                    return;
                }
                self.start_request(now, p.kind, true, p.stale_retries);
            }
            401 => self.fail(now, p.kind, RequestError::Unauthenticated),
            438 => {
                let Some(nonce) = nonce else {
                    self.fail(
                        now,
                        p.kind,
                        RequestError::MalformedResponse("438 without NONCE"),
                    );
                    return;
                };
                if p.stale_retries >= self.config.max_stale_nonce_retries {
                    self.fail(now, p.kind, RequestError::StaleNonce);
                    return;
                }
                let realm = realm
                    .or_else(|| self.auth.as_ref().map(|a| a.realm.clone()))
                    .unwrap_or_default();
                if let Err(e) = self.learn(realm, nonce) {
                    self.fail(now, p.kind, e);
                    return;
                }
                self.start_request(now, p.kind, true, p.stale_retries + 1);
            }
            300 => {
                let error = match m.get_typed(AttrType::ALTERNATE_SERVER) {
                    Some(Ok(Attribute::AlternateServer(a))) => RequestError::TryAlternate(a),
                    _ => RequestError::MalformedResponse("300 without ALTERNATE-SERVER"),
                };
                self.fail(now, p.kind, error);
            }
            _ => self.fail(now, p.kind, RequestError::Rejected { code, reason }),
        }
    }

    /// Take a (new) realm and nonce; the key is derived again only when the realm changed.
    pub(super) fn learn(&mut self, realm: String, nonce: String) -> Result<(), RequestError> {
        if let Some(a) = self.auth.as_mut().filter(|a| a.realm == realm) {
            a.nonce = nonce;
            return Ok(());
        }
        let key = IntegrityKey::long_term(
            &self.config.username,
            &realm,
            &self.config.password,
            strata_stun::PasswordAlgorithmId::MD5,
        )?;
        self.auth = Some(Auth { realm, nonce, key });
        Ok(())
    }

    pub(super) fn on_success(&mut self, now: Instant, kind: Kind, m: &Message<&[u8]>) {
        let lifetime = match m.get_typed(AttrType::LIFETIME) {
            Some(Ok(Attribute::Lifetime(s))) => Duration::from_secs(u64::from(s)),
            _ => DEFAULT_LIFETIME,
        };
        match kind {
            Kind::Allocate => {
                if self.state != State::Allocating {
                    return;
                }
                let relayed = match m.get_typed(AttrType::XOR_RELAYED_ADDRESS) {
                    Some(Ok(Attribute::XorRelayedAddress(a))) => a,
                    _ => {
                        self.fail(
                            now,
                            kind,
                            RequestError::MalformedResponse("no XOR-RELAYED-ADDRESS"),
                        );
                        return;
                    }
                };
                let mapped = match m.get_typed(AttrType::XOR_MAPPED_ADDRESS) {
                    Some(Ok(Attribute::XorMappedAddress(a))) => Some(a),
                    _ => None,
                };
                self.state = State::Allocated(Allocation {
                    relayed,
                    mapped,
                    expires_at: now + lifetime,
                    refresh_at: Some(now + refresh_delay(lifetime)),
                });
                self.events.push_back(Event::Allocated {
                    relayed,
                    mapped,
                    lifetime,
                });
            }
            Kind::Refresh { lifetime: Some(0) } => {
                self.close();
                self.events.push_back(Event::Deleted);
            }
            Kind::Refresh { .. } => {
                if let State::Allocated(mut a) = self.state {
                    if lifetime.is_zero() {
                        self.lose(RequestError::Expired);
                        return;
                    }
                    a.expires_at = now + lifetime;
                    a.refresh_at = Some(now + refresh_delay(lifetime));
                    self.state = State::Allocated(a);
                    self.events.push_back(Event::Refreshed { lifetime });
                }
            }
            Kind::CreatePermission(ip) => {
                let Some(p) = self.permissions.get_mut(&ip) else {
                    return;
                };
                let first = !p.installed;
                install_permission(p, now);
                if first {
                    self.events.push_back(Event::PermissionCreated(ip));
                }
            }
            Kind::ChannelBind { channel, peer } => {
                let Some(c) = self.channels.get_mut(&peer).filter(|c| c.number == channel) else {
                    return;
                };
                let first = !c.bound;
                c.bound = true;
                c.in_flight = false;
                c.expires_at = Some(now + CHANNEL_LIFETIME);
                c.refresh_at = Some(now + CHANNEL_REFRESH);
                if let Some(p) = self.permissions.get_mut(&peer.ip()) {
                    if !p.in_flight {
                        install_permission(p, now);
                    } else {
                        p.installed = true;
                    }
                }
                if first {
                    self.events.push_back(Event::ChannelBound { peer, channel });
                }
            }
        }
    }

    /// A request failed for good.
    pub(super) fn fail(&mut self, now: Instant, kind: Kind, error: RequestError) {
        if error == RequestError::TimedOut && self.still_valid(now, kind) {
            // A refresh that got no answer is sent again while what it refreshes lasts: a
            // lost burst must not cost the allocation, permission or channel early.
            self.start_request(now, kind, true, 0);
            return;
        }
        match kind {
            Kind::Allocate => {
                if self.state == State::Allocating {
                    self.close();
                    self.events.push_back(Event::AllocationFailed(error));
                }
            }
            Kind::Refresh { lifetime: Some(0) } => {
                // 437 (no such allocation), a timeout or anything else: it is gone or will
                // expire on its own.
                self.close();
                self.events.push_back(Event::Deleted);
            }
            Kind::Refresh { .. } => self.lose(error),
            Kind::CreatePermission(peer) => {
                let channel_uses_it = self.channels.keys().any(|c| c.ip() == peer);
                match self.permissions.get_mut(&peer) {
                    Some(p) if channel_uses_it => p.in_flight = false,
                    Some(_) => {
                        self.permissions.remove(&peer);
                    }
                    None => {}
                }
                if self.is_allocated() {
                    self.events
                        .push_back(Event::PermissionFailed { peer, error });
                }
            }
            Kind::ChannelBind { channel, peer } => {
                if self
                    .channels
                    .get(&peer)
                    .is_some_and(|c| c.number == channel)
                {
                    self.remove_channel(peer);
                }
                let keep = self
                    .permissions
                    .get(&peer.ip())
                    .is_some_and(|p| p.installed || p.in_flight);
                if !keep {
                    self.permissions.remove(&peer.ip());
                }
                if self.is_allocated() {
                    self.events
                        .push_back(Event::ChannelBindFailed { peer, error });
                }
            }
        }
    }

    /// Whether `kind` refreshes something that exists and has not expired at `now`.
    fn still_valid(&self, now: Instant, kind: Kind) -> bool {
        let State::Allocated(a) = self.state else {
            return false;
        };
        match kind {
            Kind::Refresh { lifetime } => lifetime != Some(0) && now < a.expires_at,
            Kind::CreatePermission(ip) => self
                .permissions
                .get(&ip)
                .is_some_and(|p| p.installed && p.expires_at.is_some_and(|t| now < t)),
            Kind::ChannelBind { channel, peer } => self.channels.get(&peer).is_some_and(|c| {
                c.number == channel && c.bound && c.expires_at.is_some_and(|t| now < t)
            }),
            Kind::Allocate => false,
        }
    }
}
