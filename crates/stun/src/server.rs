//! A sans-IO Binding server (RFC 8489 §6.3, §6.3.1, §9.1.3).
//!
//! It answers Binding requests with XOR-MAPPED-ADDRESS, optionally checking short-term
//! credentials (as an ICE agent or a STUN server behind a signalling channel does). It keeps
//! no per-client state. Unauthenticated deployments (a public STUN server) leave
//! [`BindingServerConfig::credentials`] empty.
//!
//! Behaviour, in the order the RFC checks things:
//! - anything that is not a well-formed STUN request is dropped and counted;
//! - a request whose FINGERPRINT is present but wrong is dropped (§7.3);
//! - with credentials configured, a request without both USERNAME and MESSAGE-INTEGRITY gets
//!   400, a wrong username or a failed integrity check gets 401 (§9.1.3);
//! - unknown comprehension-required attributes get 420 with UNKNOWN-ATTRIBUTES (§6.3.1);
//! - other methods than Binding get 400;
//! - otherwise a success response carries XOR-MAPPED-ADDRESS, SOFTWARE if configured, the
//!   same integrity attribute the request used (when authenticated), and FINGERPRINT when the
//!   request had one.
//!
//! Drain [`BindingServer::poll_transmit`] after each [`BindingServer::handle_packet`]; the
//! queue is bounded by [`BindingServerConfig::max_queued`] and drops (and counts) beyond it.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

use crate::Transmit;
use crate::attributes::{AttrType, Attribute, ErrorCode};
use crate::builder::MessageBuilder;
use crate::integrity::IntegrityKey;
use crate::message::{Class, Message, MessageType, Method};

/// Short-term credentials the server expects.
#[derive(Debug, Clone)]
pub struct ShortTermCredentials {
    /// The USERNAME requests must carry.
    pub username: String,
    /// The key made from the password ([`IntegrityKey::short_term`]).
    pub key: IntegrityKey,
}

/// Server settings.
#[derive(Debug, Clone)]
pub struct BindingServerConfig {
    /// SOFTWARE to put in responses, if any.
    pub software: Option<String>,
    /// Require and check short-term credentials.
    pub credentials: Option<ShortTermCredentials>,
    /// Responses queued before the caller drains them; more are dropped.
    pub max_queued: usize,
}

impl Default for BindingServerConfig {
    fn default() -> Self {
        BindingServerConfig {
            software: None,
            credentials: None,
            max_queued: 64,
        }
    }
}

/// Counters of what the server did with its input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BindingServerStats {
    /// Packets handed in.
    pub received: u64,
    /// Success responses queued.
    pub answered: u64,
    /// Error responses queued.
    pub rejected: u64,
    /// Dropped: not STUN or malformed.
    pub dropped_malformed: u64,
    /// Dropped: STUN, but not a request.
    pub dropped_not_request: u64,
    /// Dropped: FINGERPRINT present and wrong.
    pub dropped_bad_fingerprint: u64,
    /// Dropped: the transmit queue was full.
    pub dropped_queue_full: u64,
}

/// The Binding server.
#[derive(Debug)]
pub struct BindingServer {
    config: BindingServerConfig,
    queue: VecDeque<Transmit>,
    stats: BindingServerStats,
}

impl BindingServer {
    /// A server with `config`.
    pub fn new(config: BindingServerConfig) -> BindingServer {
        BindingServer {
            config,
            queue: VecDeque::new(),
            stats: BindingServerStats::default(),
        }
    }

    /// What the server has done so far.
    pub fn stats(&self) -> BindingServerStats {
        self.stats
    }

    /// Feed a datagram from `source`. Never fails: bad input is dropped and counted.
    pub fn handle_packet(&mut self, _now: Instant, source: SocketAddr, packet: &[u8]) {
        self.stats.received += 1;
        let Ok(request) = Message::new_checked(packet) else {
            self.stats.dropped_malformed += 1;
            return;
        };
        if request.class() != Class::Request {
            self.stats.dropped_not_request += 1;
            return;
        }
        let has_fingerprint = request.get(AttrType::FINGERPRINT).is_some();
        if has_fingerprint && request.verify_fingerprint().is_err() {
            self.stats.dropped_bad_fingerprint += 1;
            return;
        }
        let response = match self.check(&request) {
            Ok(integrity) => self.success(&request, source, integrity, has_fingerprint),
            Err((code, unknown)) => self.error(&request, code, &unknown, has_fingerprint),
        };
        if self.queue.len() >= self.config.max_queued {
            self.stats.dropped_queue_full += 1;
            return;
        }
        self.queue.push_back(Transmit {
            destination: source,
            contents: response,
        });
    }

    /// The next response to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.queue.pop_front()
    }

    /// Decide how to answer: `Ok(Some(attr))` to sign with that integrity attribute type,
    /// `Ok(None)` unauthenticated, `Err((code, unknown attributes))` for an error response.
    fn check(&self, request: &Message<&[u8]>) -> Result<Option<AttrType>, (u16, Vec<AttrType>)> {
        let mut integrity = None;
        if let Some(creds) = &self.config.credentials {
            let username = request.get(AttrType::USERNAME);
            let sha256 = request.get(AttrType::MESSAGE_INTEGRITY_SHA256).is_some();
            let sha1 = request.get(AttrType::MESSAGE_INTEGRITY).is_some();
            let Some(username) = username.filter(|_| sha1 || sha256) else {
                return Err((ErrorCode::BAD_REQUEST, Vec::new()));
            };
            if username.value != creds.username.as_bytes()
                || request.verify_integrity(&creds.key).is_err()
            {
                return Err((ErrorCode::UNAUTHENTICATED, Vec::new()));
            }
            integrity = Some(if sha256 {
                AttrType::MESSAGE_INTEGRITY_SHA256
            } else {
                AttrType::MESSAGE_INTEGRITY
            });
        }
        let unknown: Vec<AttrType> = request.unknown_comprehension_required().collect();
        if !unknown.is_empty() {
            return Err((ErrorCode::UNKNOWN_ATTRIBUTE, unknown));
        }
        if request.method() != Method::BINDING {
            return Err((ErrorCode::BAD_REQUEST, Vec::new()));
        }
        Ok(integrity)
    }

    fn success(
        &mut self,
        request: &Message<&[u8]>,
        source: SocketAddr,
        integrity: Option<AttrType>,
        fingerprint: bool,
    ) -> Vec<u8> {
        self.stats.answered += 1;
        let mut b = MessageBuilder::new(
            MessageType::new(request.method(), Class::SuccessResponse),
            request.transaction_id(),
        );
        // Building from validated, bounded values cannot exceed any limit.
        let _ = b.add(&Attribute::XorMappedAddress(source));
        if let Some(software) = &self.config.software {
            let _ = b.add(&Attribute::Software(software));
        }
        if let (Some(kind), Some(creds)) = (integrity, &self.config.credentials) {
            let _ = if kind == AttrType::MESSAGE_INTEGRITY_SHA256 {
                b.add_message_integrity_sha256(&creds.key, 32)
            } else {
                b.add_message_integrity(&creds.key)
            };
        }
        if fingerprint {
            let _ = b.add_fingerprint();
        }
        b.finish()
    }

    fn error(
        &mut self,
        request: &Message<&[u8]>,
        code: u16,
        unknown: &[AttrType],
        fingerprint: bool,
    ) -> Vec<u8> {
        self.stats.rejected += 1;
        let mut b = MessageBuilder::new(
            MessageType::new(request.method(), Class::ErrorResponse),
            request.transaction_id(),
        );
        let _ = b.add(&Attribute::ErrorCode(ErrorCode {
            code,
            reason: ErrorCode::default_reason(code),
        }));
        if !unknown.is_empty() {
            let _ = b.add(&Attribute::UnknownAttributes(unknown.to_vec()));
        }
        if let Some(software) = &self.config.software {
            let _ = b.add(&Attribute::Software(software));
        }
        if fingerprint {
            let _ = b.add_fingerprint();
        }
        b.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::TransactionId;

    fn src() -> SocketAddr {
        "[2001:db8::5]:50000".parse().unwrap()
    }

    fn authed_server() -> BindingServer {
        BindingServer::new(BindingServerConfig {
            software: Some("strata test".into()),
            credentials: Some(ShortTermCredentials {
                username: "alice:bob".into(),
                key: IntegrityKey::short_term("secretpassword").unwrap(),
            }),
            ..BindingServerConfig::default()
        })
    }

    fn request(username: &str, password: &str, extra: Option<AttrType>) -> Vec<u8> {
        let mut b = MessageBuilder::new(MessageType::BINDING_REQUEST, TransactionId([9; 12]));
        b.add(&Attribute::Username(username)).unwrap();
        if let Some(t) = extra {
            b.add_raw(t, &[0; 4]).unwrap();
        }
        b.add_message_integrity(&IntegrityKey::short_term(password).unwrap())
            .unwrap();
        b.add_fingerprint().unwrap();
        b.finish()
    }

    fn answer(server: &mut BindingServer, packet: &[u8]) -> Vec<u8> {
        server.handle_packet(Instant::now(), src(), packet);
        let t = server.poll_transmit().expect("a response");
        assert_eq!(t.destination, src());
        assert!(server.poll_transmit().is_none());
        t.contents
    }

    fn error_code(bytes: &[u8]) -> u16 {
        let m = Message::new_checked(bytes).unwrap();
        assert_eq!(m.class(), Class::ErrorResponse);
        match m.get_typed(AttrType::ERROR_CODE) {
            Some(Ok(Attribute::ErrorCode(e))) => e.code,
            other => panic!("no error code: {other:?}"),
        }
    }

    #[test]
    fn answers_authenticated_request_with_signed_mapped_address() {
        let mut s = authed_server();
        let resp = answer(&mut s, &request("alice:bob", "secretpassword", None));
        let m = Message::new_checked(&resp[..]).unwrap();
        assert_eq!(m.message_type(), MessageType::BINDING_SUCCESS);
        assert_eq!(m.transaction_id(), TransactionId([9; 12]));
        assert_eq!(
            m.get_typed(AttrType::XOR_MAPPED_ADDRESS),
            Some(Ok(Attribute::XorMappedAddress(src())))
        );
        m.verify_message_integrity(&IntegrityKey::short_term("secretpassword").unwrap())
            .unwrap();
        m.verify_fingerprint().unwrap();
        assert_eq!(s.stats().answered, 1);
    }

    #[test]
    fn wrong_password_or_user_gets_401_missing_integrity_400() {
        let mut s = authed_server();
        assert_eq!(
            error_code(&answer(&mut s, &request("alice:bob", "wrong", None))),
            401
        );
        assert_eq!(
            error_code(&answer(
                &mut s,
                &request("mallory:bob", "secretpassword", None)
            )),
            401
        );
        let bare =
            MessageBuilder::new(MessageType::BINDING_REQUEST, TransactionId([1; 12])).finish();
        assert_eq!(error_code(&answer(&mut s, &bare)), 400);
        assert_eq!(s.stats().rejected, 3);
    }

    #[test]
    fn unknown_comprehension_required_attribute_gets_420_listing_it() {
        let mut s = authed_server();
        let resp = answer(
            &mut s,
            &request("alice:bob", "secretpassword", Some(AttrType(0x7f01))),
        );
        assert_eq!(error_code(&resp), 420);
        let m = Message::new_checked(&resp[..]).unwrap();
        assert_eq!(
            m.get_typed(AttrType::UNKNOWN_ATTRIBUTES),
            Some(Ok(Attribute::UnknownAttributes(vec![AttrType(0x7f01)])))
        );
    }

    #[test]
    fn drops_garbage_responses_and_bad_fingerprints() {
        let mut s = BindingServer::new(BindingServerConfig::default());
        s.handle_packet(Instant::now(), src(), b"not stun at all, just some bytes");
        let resp =
            MessageBuilder::new(MessageType::BINDING_SUCCESS, TransactionId([1; 12])).finish();
        s.handle_packet(Instant::now(), src(), &resp);
        let mut req = request("a", "b", None);
        let n = req.len();
        req[n - 1] ^= 1;
        s.handle_packet(Instant::now(), src(), &req);
        assert!(s.poll_transmit().is_none());
        let st = s.stats();
        assert_eq!(
            (
                st.dropped_malformed,
                st.dropped_not_request,
                st.dropped_bad_fingerprint
            ),
            (1, 1, 1)
        );
    }

    #[test]
    fn queue_is_bounded() {
        let mut s = BindingServer::new(BindingServerConfig {
            max_queued: 2,
            ..BindingServerConfig::default()
        });
        let req =
            MessageBuilder::new(MessageType::BINDING_REQUEST, TransactionId([1; 12])).finish();
        for _ in 0..5 {
            s.handle_packet(Instant::now(), src(), &req);
        }
        assert_eq!(s.stats().dropped_queue_full, 3);
    }
}
