//! STUN requests to the server: Binding (RFC 8489), Allocate (RFC 8656 section 7.2), Refresh
//! (7.5), CreatePermission (9.2), ChannelBind (12.2); authentication with long-term
//! credentials (section 5, RFC 8489 section 9.2.4).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use strata_stun::{
    AddressFamily, AttrType, Attribute, Class, ErrorCode, IntegrityKey, Message, MessageBuilder,
    MessageType, Method,
};

use super::allocation::{Allocation, Channel, TokenBucket};
use super::{Event, FiveTuple, RelayPorts, RelayRequest, Route, Server, auth};
use crate::channel_data::ChannelNumber;

/// How long a port reserved by EVEN-PORT's R bit waits for its Allocate (RFC 8656
/// section 7.2: about 30 seconds).
pub(super) const RESERVATION_LIFETIME: Duration = Duration::from_secs(30);
/// Most reservations held at once.
const MAX_RESERVATIONS: usize = 1024;

/// REQUESTED-TRANSPORT's value for UDP.
const UDP: u8 = 17;

/// A request answered with an error before or after authentication.
struct Refusal {
    code: u16,
    /// Whether to add REALM and NONCE (401, 438).
    challenge: bool,
}

impl Refusal {
    fn new(code: u16) -> Refusal {
        Refusal {
            code,
            challenge: false,
        }
    }
}

/// What a successful request needs in its response.
type Answer<'a> = Vec<Attribute<'a>>;

impl<P: RelayPorts> Server<P> {
    pub(super) fn handle_stun(&mut self, now: Instant, five_tuple: FiveTuple, data: &[u8]) {
        let Ok(message) = Message::new_checked(data) else {
            self.stats.malformed += 1;
            return;
        };
        match (message.class(), message.method()) {
            (Class::Indication, Method::SEND) => self.handle_send(now, five_tuple, &message),
            (Class::Request, Method::BINDING) => {
                let answer = vec![Attribute::XorMappedAddress(five_tuple.client)];
                self.respond(now, five_tuple, &message, &Ok(answer), None);
            }
            (
                Class::Request,
                Method::ALLOCATE
                | Method::REFRESH
                | Method::CREATE_PERMISSION
                | Method::CHANNEL_BIND,
            ) => {
                let (username, key) = match self.authenticate(now, five_tuple, &message) {
                    Ok(v) => v,
                    Err(refusal) => {
                        self.respond(now, five_tuple, &message, &Err(refusal), None);
                        return;
                    }
                };
                let result = if message.unknown_comprehension_required().next().is_some() {
                    Err(Refusal::new(ErrorCode::UNKNOWN_ATTRIBUTE))
                } else {
                    match message.method() {
                        Method::ALLOCATE => {
                            self.allocate(now, five_tuple, &message, &username, &key)
                        }
                        Method::REFRESH => self.refresh(now, five_tuple, &message, &username),
                        Method::CREATE_PERMISSION => {
                            self.create_permission(now, five_tuple, &message, &username)
                        }
                        _ => self.channel_bind(now, five_tuple, &message, &username),
                    }
                };
                self.respond(now, five_tuple, &message, &result, Some(&key));
            }
            (Class::Request, _) => {
                self.respond(
                    now,
                    five_tuple,
                    &message,
                    &Err(Refusal::new(ErrorCode::BAD_REQUEST)),
                    None,
                );
            }
            _ => self.stats.malformed += 1,
        }
    }

    /// The long-term credential check of RFC 8489 section 9.2.4.
    fn authenticate(
        &mut self,
        now: Instant,
        five_tuple: FiveTuple,
        message: &Message<&[u8]>,
    ) -> Result<(String, IntegrityKey), Refusal> {
        let challenge = |code| Refusal {
            code,
            challenge: true,
        };
        if message.get(AttrType::MESSAGE_INTEGRITY).is_none()
            && message.get(AttrType::MESSAGE_INTEGRITY_SHA256).is_none()
        {
            self.stats.unauthenticated += 1;
            return Err(challenge(ErrorCode::UNAUTHENTICATED));
        }
        let text = |t| match message.get_typed(t) {
            Some(Ok(Attribute::Username(s) | Attribute::Realm(s) | Attribute::Nonce(s))) => Some(s),
            _ => None,
        };
        let (Some(username), Some(_realm), Some(nonce)) = (
            text(AttrType::USERNAME),
            text(AttrType::REALM),
            text(AttrType::NONCE),
        ) else {
            self.stats.malformed += 1;
            return Err(Refusal::new(ErrorCode::BAD_REQUEST));
        };
        let secs = self.seconds(now);
        if !auth::nonce_valid(
            &self.config.nonce_secret,
            nonce,
            secs,
            self.config.nonce_lifetime,
        ) {
            self.stats.stale_nonce += 1;
            return Err(challenge(ErrorCode::STALE_NONCE));
        }
        let key = match self.allocations.get(&five_tuple) {
            Some(a) if a.username == username => Some(a.key.clone()),
            _ => self.lookup_key(now, username),
        };
        let Some(key) = key else {
            self.stats.unauthenticated += 1;
            return Err(challenge(ErrorCode::UNAUTHENTICATED));
        };
        if message.verify_integrity(&key).is_err() {
            self.stats.unauthenticated += 1;
            return Err(challenge(ErrorCode::UNAUTHENTICATED));
        }
        if !self.static_keys.contains_key(username) {
            // A REST username: refuse it once expired, even for an existing allocation.
            let fresh = auth::rest_expiry(username)
                .zip(self.unix_time(now))
                .is_some_and(|(expiry, unix)| expiry >= unix);
            if !fresh {
                self.stats.unauthenticated += 1;
                return Err(challenge(ErrorCode::UNAUTHENTICATED));
            }
        }
        Ok((username.to_owned(), key))
    }

    fn lookup_key(&self, now: Instant, username: &str) -> Option<IntegrityKey> {
        if let Some(k) = self.static_keys.get(username) {
            return Some(k.clone());
        }
        let secret = self.config.credentials.auth_secret.as_deref()?;
        let expiry = auth::rest_expiry(username)?;
        if expiry < self.unix_time(now)? {
            return None;
        }
        auth::long_term_key(
            username,
            &self.config.realm,
            &auth::rest_password(secret, username),
        )
    }

    /// The desired lifetime of RFC 8656 sections 7.2 and 7.5.
    fn desired_lifetime(&self, message: &Message<&[u8]>) -> Result<Duration, Refusal> {
        match message.get_typed(AttrType::LIFETIME) {
            None => Ok(self.config.default_lifetime),
            Some(Ok(Attribute::Lifetime(0))) => Ok(Duration::ZERO),
            Some(Ok(Attribute::Lifetime(secs))) => Ok(Duration::from_secs(u64::from(secs))
                .min(self.config.max_lifetime)
                .max(self.config.default_lifetime)),
            Some(_) => Err(Refusal::new(ErrorCode::BAD_REQUEST)),
        }
    }

    fn allocate<'m>(
        &mut self,
        now: Instant,
        five_tuple: FiveTuple,
        message: &Message<&'m [u8]>,
        username: &str,
        key: &IntegrityKey,
    ) -> Result<Answer<'m>, Refusal> {
        if let Some(a) = self.allocations.get(&five_tuple) {
            if a.transaction_id == message.transaction_id() {
                // A retransmitted Allocate: answer it again (section 7.2).
                let left = a.expires.saturating_duration_since(now).as_secs() as u32;
                return Ok(vec![
                    Attribute::XorRelayedAddress(a.relayed),
                    Attribute::Lifetime(left),
                    Attribute::XorMappedAddress(five_tuple.client),
                ]);
            }
            return Err(Refusal::new(ErrorCode::ALLOCATION_MISMATCH));
        }
        match message.get_typed(AttrType::REQUESTED_TRANSPORT) {
            Some(Ok(Attribute::RequestedTransport(UDP))) => {}
            Some(Ok(Attribute::RequestedTransport(_))) => {
                return Err(Refusal::new(ErrorCode::UNSUPPORTED_TRANSPORT_PROTOCOL));
            }
            _ => return Err(Refusal::new(ErrorCode::BAD_REQUEST)),
        }
        let requested_family = match message.get_typed(AttrType::REQUESTED_ADDRESS_FAMILY) {
            None => None,
            Some(Ok(Attribute::RequestedAddressFamily(f))) => Some(f),
            Some(_) => return Err(Refusal::new(ErrorCode::BAD_REQUEST)),
        };
        let additional = match message.get_typed(AttrType::ADDITIONAL_ADDRESS_FAMILY) {
            None => None,
            Some(Ok(Attribute::AdditionalAddressFamily(f))) => Some(f),
            Some(_) => return Err(Refusal::new(ErrorCode::BAD_REQUEST)),
        };
        let token = match message.get_typed(AttrType::RESERVATION_TOKEN) {
            None => None,
            Some(Ok(Attribute::ReservationToken(t))) => Some(t),
            Some(_) => return Err(Refusal::new(ErrorCode::BAD_REQUEST)),
        };
        let even_port = match message.get_typed(AttrType::EVEN_PORT) {
            None => None,
            Some(Ok(Attribute::EvenPort { reserve_next })) => Some(reserve_next),
            Some(_) => return Err(Refusal::new(ErrorCode::BAD_REQUEST)),
        };
        if (token.is_some() && (even_port.is_some() || requested_family.is_some()))
            || (additional.is_some() && requested_family.is_some())
            || additional == Some(AddressFamily::IPV4)
        {
            return Err(Refusal::new(ErrorCode::BAD_REQUEST));
        }
        let reserve_next = even_port == Some(true);
        if reserve_next && self.reservations.len() >= MAX_RESERVATIONS {
            return Err(Refusal::new(ErrorCode::INSUFFICIENT_CAPACITY));
        }
        let family = requested_family.unwrap_or(AddressFamily::IPV4);
        let supported = match family {
            AddressFamily::IPV4 => self.config.ipv4_relay,
            AddressFamily::IPV6 => self.config.ipv6_relay,
            _ => false,
        };
        if !supported {
            return Err(Refusal::new(ErrorCode::ADDRESS_FAMILY_NOT_SUPPORTED));
        }
        let user_count = self.user_allocations.get(username).copied().unwrap_or(0);
        if (self.config.total_quota != 0
            && self.allocations.len() >= self.config.total_quota as usize)
            || (self.config.user_quota != 0 && user_count >= self.config.user_quota)
        {
            return Err(Refusal::new(ErrorCode::ALLOCATION_QUOTA_REACHED));
        }
        let lifetime = self.desired_lifetime(message)?;
        let lifetime = if lifetime.is_zero() {
            self.config.default_lifetime
        } else {
            lifetime
        };
        let relayed = match token {
            // The port reserved by an earlier Allocate with EVEN-PORT (R = 1), already open.
            Some(token) => match self.reservations.remove(&token) {
                Some((addr, expires)) if expires > now => addr,
                Some((addr, _)) => {
                    self.ports.close(addr);
                    return Err(Refusal::new(ErrorCode::INSUFFICIENT_CAPACITY));
                }
                None => return Err(Refusal::new(ErrorCode::INSUFFICIENT_CAPACITY)),
            },
            None => {
                let request = RelayRequest {
                    family,
                    even_port: even_port.is_some(),
                    reserve_next,
                    five_tuple,
                };
                let Ok(relayed) = self.ports.open(&request) else {
                    return Err(Refusal::new(ErrorCode::INSUFFICIENT_CAPACITY));
                };
                relayed
            }
        };
        let reservation = if reserve_next {
            let next = SocketAddr::new(relayed.ip(), relayed.port().wrapping_add(1));
            let token = self.reservation_token();
            self.reservations
                .insert(token, (next, now + RESERVATION_LIFETIME));
            self.reservation_queue
                .push_back((now + RESERVATION_LIFETIME, token));
            Some(token)
        } else {
            None
        };
        let alloc = Allocation {
            relayed,
            username: username.to_owned(),
            key: key.clone(),
            transaction_id: message.transaction_id(),
            lifetime,
            expires: now + lifetime,
            permissions: Vec::new(),
            channels: Vec::new(),
            bandwidth: self.config.bandwidth.map(|l| TokenBucket::new(l, now)),
            packet_rate: self.config.packet_rate.map(|l| TokenBucket::new(l, now)),
            scheduled: None,
        };
        self.allocations.insert(five_tuple, alloc);
        self.by_relayed.insert(relayed, five_tuple);
        *self
            .user_allocations
            .entry(username.to_owned())
            .or_insert(0) += 1;
        self.stats.allocations_created += 1;
        self.schedule(five_tuple);
        self.push_event(Event::AllocationCreated {
            five_tuple,
            relayed,
            username: username.to_owned(),
        });
        let mut answer = vec![
            Attribute::XorRelayedAddress(relayed),
            Attribute::Lifetime(lifetime.as_secs() as u32),
            Attribute::XorMappedAddress(five_tuple.client),
        ];
        if let Some(token) = reservation {
            answer.push(Attribute::ReservationToken(token));
        }
        if additional.is_some() {
            answer.push(Attribute::AddressErrorCode {
                family: AddressFamily::IPV6,
                error: ErrorCode {
                    code: ErrorCode::ADDRESS_FAMILY_NOT_SUPPORTED,
                    reason: ErrorCode::default_reason(ErrorCode::ADDRESS_FAMILY_NOT_SUPPORTED),
                },
            });
        }
        Ok(answer)
    }

    /// The allocation a request on `five_tuple` refers to, checking the username (441).
    fn owned_allocation(
        &mut self,
        five_tuple: &FiveTuple,
        username: &str,
    ) -> Result<&mut Allocation, Refusal> {
        let alloc = self
            .allocations
            .get_mut(five_tuple)
            .ok_or(Refusal::new(ErrorCode::ALLOCATION_MISMATCH))?;
        if alloc.username != username {
            return Err(Refusal::new(ErrorCode::WRONG_CREDENTIALS));
        }
        Ok(alloc)
    }

    fn refresh<'m>(
        &mut self,
        now: Instant,
        five_tuple: FiveTuple,
        message: &Message<&'m [u8]>,
        username: &str,
    ) -> Result<Answer<'m>, Refusal> {
        let lifetime = self.desired_lifetime(message)?;
        let family = match message.get_typed(AttrType::REQUESTED_ADDRESS_FAMILY) {
            None => None,
            Some(Ok(Attribute::RequestedAddressFamily(f))) => Some(f),
            Some(_) => return Err(Refusal::new(ErrorCode::BAD_REQUEST)),
        };
        let alloc = self.owned_allocation(&five_tuple, username)?;
        if family.is_some_and(|f| f != AddressFamily::of(&alloc.relayed.ip())) {
            return Err(Refusal::new(ErrorCode::PEER_ADDRESS_FAMILY_MISMATCH));
        }
        if lifetime.is_zero() {
            self.delete_allocation(&five_tuple, super::DeleteReason::Refreshed);
        } else {
            alloc.lifetime = lifetime;
            alloc.expires = now + lifetime;
            self.schedule(five_tuple);
        }
        Ok(vec![Attribute::Lifetime(lifetime.as_secs() as u32)])
    }

    /// Every XOR-PEER-ADDRESS of a request, checked against the allocation's family (443)
    /// and the filter (403).
    fn peers(
        &self,
        message: &Message<&[u8]>,
        relayed: SocketAddr,
    ) -> Result<Vec<SocketAddr>, Refusal> {
        let tid = message.transaction_id();
        let mut peers = Vec::new();
        for raw in message
            .attributes()
            .filter(|a| a.attr_type == AttrType::XOR_PEER_ADDRESS)
        {
            match Attribute::parse(raw.attr_type, raw.value, &tid) {
                Ok(Attribute::XorPeerAddress(peer)) => peers.push(peer),
                _ => return Err(Refusal::new(ErrorCode::BAD_REQUEST)),
            }
        }
        if peers.is_empty() {
            return Err(Refusal::new(ErrorCode::BAD_REQUEST));
        }
        for peer in &peers {
            if peer.is_ipv4() != relayed.is_ipv4() {
                return Err(Refusal::new(ErrorCode::PEER_ADDRESS_FAMILY_MISMATCH));
            }
            if !self.config.peer_filter.permits(peer.ip()) {
                return Err(Refusal::new(ErrorCode::FORBIDDEN));
            }
        }
        Ok(peers)
    }

    fn create_permission<'m>(
        &mut self,
        now: Instant,
        five_tuple: FiveTuple,
        message: &Message<&'m [u8]>,
        username: &str,
    ) -> Result<Answer<'m>, Refusal> {
        let relayed = self.owned_allocation(&five_tuple, username)?.relayed;
        let peers = self.peers(message, relayed)?;
        let expires = now + self.config.permission_lifetime;
        let max = self.config.max_permissions;
        let alloc = self.owned_allocation(&five_tuple, username)?;
        let new = peers
            .iter()
            .filter(|p| !alloc.permissions.iter().any(|q| q.ip == p.ip()))
            .count();
        if alloc.permissions.len() + new > max {
            return Err(Refusal::new(ErrorCode::INSUFFICIENT_CAPACITY));
        }
        for peer in peers {
            alloc.permit(peer.ip(), expires, max);
        }
        self.schedule(five_tuple);
        Ok(Vec::new())
    }

    fn channel_bind<'m>(
        &mut self,
        now: Instant,
        five_tuple: FiveTuple,
        message: &Message<&'m [u8]>,
        username: &str,
    ) -> Result<Answer<'m>, Refusal> {
        let relayed = self.owned_allocation(&five_tuple, username)?.relayed;
        let number = match message.get_typed(AttrType::CHANNEL_NUMBER) {
            Some(Ok(Attribute::ChannelNumber(n)))
                if ChannelNumber(n).is_valid()
                    || (self.config.rfc5766_channel_numbers && (0x5000..=0x7FFF).contains(&n)) =>
            {
                ChannelNumber(n)
            }
            _ => return Err(Refusal::new(ErrorCode::BAD_REQUEST)),
        };
        let peers = self.peers(message, relayed)?;
        let [peer] = peers[..] else {
            return Err(Refusal::new(ErrorCode::BAD_REQUEST));
        };
        let channel_expires = now + self.config.channel_lifetime;
        let permission_expires = now + self.config.permission_lifetime;
        let (max_channels, max_permissions) =
            (self.config.max_channels, self.config.max_permissions);
        let alloc = self.owned_allocation(&five_tuple, username)?;
        let existing = alloc
            .channels
            .iter()
            .position(|c| c.number == number || c.peer == peer);
        let bound = match existing {
            Some(i) => {
                let c = &mut alloc.channels[i];
                if c.number != number || c.peer != peer {
                    // Section 12.2: a number is bound to one peer and a peer to one number.
                    return Err(Refusal::new(ErrorCode::BAD_REQUEST));
                }
                c.expires = channel_expires;
                false
            }
            None => {
                if alloc.channels.len() >= max_channels {
                    return Err(Refusal::new(ErrorCode::INSUFFICIENT_CAPACITY));
                }
                true
            }
        };
        if !alloc.permit(peer.ip(), permission_expires, max_permissions) {
            return Err(Refusal::new(ErrorCode::INSUFFICIENT_CAPACITY));
        }
        if bound {
            alloc.channels.push(Channel {
                number,
                peer,
                expires: channel_expires,
            });
            self.push_event(Event::ChannelBound {
                five_tuple,
                channel: number,
                peer,
            });
        }
        self.schedule(five_tuple);
        Ok(Vec::new())
    }

    /// Queues the response to `request`: success with `answer`'s attributes or an error,
    /// signed with `key` when given and fingerprinted when the request was.
    fn respond(
        &mut self,
        now: Instant,
        five_tuple: FiveTuple,
        request: &Message<&[u8]>,
        result: &Result<Answer<'_>, Refusal>,
        key: Option<&IntegrityKey>,
    ) {
        let method = request.method();
        let mut buf = self.buffer();
        let nonce;
        let built = {
            let class = if result.is_ok() {
                Class::SuccessResponse
            } else {
                Class::ErrorResponse
            };
            let mut b = MessageBuilder::append_to(
                &mut buf,
                MessageType::new(method, class),
                request.transaction_id(),
            );
            let mut ok = true;
            match result {
                Ok(answer) => {
                    self.stats.success_responses += 1;
                    for attr in answer {
                        ok &= b.add(attr).is_ok();
                    }
                }
                Err(refusal) => {
                    self.stats.error_responses += 1;
                    ok &= b
                        .add(&Attribute::ErrorCode(ErrorCode {
                            code: refusal.code,
                            reason: ErrorCode::default_reason(refusal.code),
                        }))
                        .is_ok();
                    if refusal.code == ErrorCode::UNKNOWN_ATTRIBUTE {
                        let unknown = request.unknown_comprehension_required().take(32).collect();
                        ok &= b.add(&Attribute::UnknownAttributes(unknown)).is_ok();
                    }
                    if refusal.challenge {
                        nonce = auth::make_nonce(&self.config.nonce_secret, {
                            let epoch = *self.epoch.get_or_insert(now);
                            now.saturating_duration_since(epoch).as_secs()
                        });
                        ok &= b.add(&Attribute::Realm(&self.config.realm)).is_ok();
                        ok &= b.add(&Attribute::Nonce(&nonce)).is_ok();
                    }
                }
            }
            if let Some(s) = &self.config.software {
                ok &= b.add(&Attribute::Software(s)).is_ok();
            }
            let challenged = matches!(result, Err(r) if r.challenge);
            if let (Some(key), false) = (key, challenged) {
                ok &= b.add_message_integrity(key).is_ok();
            }
            if request.get(AttrType::FINGERPRINT).is_some() {
                ok &= b.add_fingerprint().is_ok();
            }
            ok
        };
        if built {
            self.push_transmit(Route::Client(five_tuple), buf);
        } else {
            self.recycle(buf);
        }
    }
}
