//! Deterministic tests of the server core with a virtual clock and a fake relay port opener:
//! the harness here, allocation and authentication tests in `allocate`, permissions, channels,
//! relaying and robustness in `relay`.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use strata_stun::{
    AddressFamily, AttrType, Attribute, Class, IntegrityKey, Message, MessageBuilder, MessageType,
    Method, PasswordAlgorithmId, TransactionId,
};

use super::*;
use crate::channel_data::{ChannelData, encode_into};

#[derive(Debug, Default)]
struct FakePorts {
    next: u16,
    open: Vec<SocketAddr>,
    closed: Vec<SocketAddr>,
    fail: bool,
}

impl RelayPorts for FakePorts {
    fn open(&mut self, request: &RelayRequest) -> io::Result<SocketAddr> {
        if self.fail {
            return Err(io::Error::other("no ports"));
        }
        self.next += 2;
        let ip = if request.family == AddressFamily::IPV6 {
            "2001:db8::10".parse().unwrap()
        } else {
            "203.0.113.10".parse().unwrap()
        };
        let addr = SocketAddr::new(ip, 50_000 + self.next);
        self.open.push(addr);
        if request.reserve_next {
            self.open.push(SocketAddr::new(ip, addr.port() + 1));
        }
        Ok(addr)
    }

    fn close(&mut self, relayed: SocketAddr) {
        self.open.retain(|a| *a != relayed);
        self.closed.push(relayed);
    }
}

const REALM: &str = "example.org";
const SERVER: &str = "192.0.2.1:3478";
const PEER: &str = "198.51.100.7:6000";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn config() -> ServerConfig {
    let mut c = ServerConfig::new(REALM).with_user("alice", "secret");
    c.nonce_secret = [9; 32];
    c
}

struct Harness {
    server: Server<FakePorts>,
    now: Instant,
    tid: u8,
}

/// A client's view: its 5-tuple, credentials and last nonce.
#[derive(Clone)]
struct Client {
    tuple: FiveTuple,
    username: String,
    password: String,
    nonce: Option<String>,
}

fn client(port: u16, transport: Transport) -> Client {
    Client {
        tuple: FiveTuple {
            transport,
            client: SocketAddr::new("198.51.100.1".parse().unwrap(), port),
            server: addr(SERVER),
        },
        username: "alice".into(),
        password: "secret".into(),
        nonce: None,
    }
}

/// A parsed response: class, method, error code and its attributes' raw bytes.
struct Reply {
    bytes: Vec<u8>,
}

impl Reply {
    fn message(&self) -> Message<&[u8]> {
        Message::new_checked(&self.bytes[..]).unwrap()
    }
    fn class(&self) -> Class {
        self.message().class()
    }
    fn error(&self) -> Option<u16> {
        match self.message().get_typed(AttrType::ERROR_CODE) {
            Some(Ok(Attribute::ErrorCode(e))) => Some(e.code),
            _ => None,
        }
    }
    fn attr(&self, t: AttrType) -> Option<Attribute<'_>> {
        let (offset, len, tid) = {
            let m = self.message();
            let raw = m.get(t)?;
            (raw.offset, raw.value.len(), m.transaction_id())
        };
        let value = &self.bytes[offset + 4..offset + 4 + len];
        Some(Attribute::parse(t, value, &tid).unwrap())
    }
}

impl Harness {
    fn new(config: ServerConfig) -> Harness {
        Harness {
            server: Server::new(config, FakePorts::default()),
            now: Instant::now(),
            tid: 0,
        }
    }

    fn advance(&mut self, d: Duration) {
        self.now += d;
        self.server.handle_timeout(self.now);
    }

    fn next_tid(&mut self) -> TransactionId {
        self.tid = self.tid.wrapping_add(1);
        TransactionId([self.tid; 12])
    }

    fn feed(&mut self, c: &Client, data: &[u8]) {
        self.server.handle_packet(
            self.now,
            Input {
                transport: c.tuple.transport,
                client: c.tuple.client,
                local: c.tuple.server,
                data,
            },
        );
    }

    /// [`Harness::request_once`], repeated with the new nonce after a 438 as a client would.
    fn request(
        &mut self,
        c: &Client,
        method: Method,
        attrs: &[Attribute<'_>],
        tid: Option<TransactionId>,
    ) -> Reply {
        let r = self.request_once(c, method, attrs, tid);
        if r.error() != Some(438) {
            return r;
        }
        let Some(Attribute::Nonce(n)) = r.attr(AttrType::NONCE) else {
            panic!("438 without a nonce")
        };
        let mut fresh = c.clone();
        fresh.nonce = Some(n.to_owned());
        self.request_once(&fresh, method, attrs, tid)
    }

    /// Sends a request signed with the client's credentials (if it has a nonce) and returns
    /// the single response.
    fn request_once(
        &mut self,
        c: &Client,
        method: Method,
        attrs: &[Attribute<'_>],
        tid: Option<TransactionId>,
    ) -> Reply {
        let tid = tid.unwrap_or_else(|| self.next_tid());
        let mut b = MessageBuilder::new(MessageType::new(method, Class::Request), tid);
        for a in attrs {
            b.add(a).unwrap();
        }
        if let Some(nonce) = &c.nonce {
            b.add(&Attribute::Username(&c.username)).unwrap();
            b.add(&Attribute::Realm(REALM)).unwrap();
            b.add(&Attribute::Nonce(nonce)).unwrap();
            b.add_message_integrity(&key(c)).unwrap();
        }
        b.add_fingerprint().unwrap();
        let bytes = b.finish();
        self.feed(c, &bytes);
        let t = self.server.poll_transmit().expect("a response");
        assert_eq!(t.route, Route::Client(c.tuple));
        assert!(self.server.poll_transmit().is_none());
        let reply = Reply { bytes: t.contents };
        let m = reply.message();
        assert_eq!(m.transaction_id(), tid);
        assert_eq!(m.method(), method);
        m.verify_fingerprint().unwrap();
        reply
    }

    /// Runs the 401 challenge and an authenticated Allocate; returns the relayed address.
    fn allocate(&mut self, c: &mut Client) -> SocketAddr {
        let r = self.request(
            c,
            Method::ALLOCATE,
            &[Attribute::RequestedTransport(17)],
            None,
        );
        assert_eq!(r.error(), Some(401));
        c.nonce = match r.attr(AttrType::NONCE) {
            Some(Attribute::Nonce(n)) => Some(n.to_owned()),
            other => panic!("no nonce: {other:?}"),
        };
        let r = self.request(
            c,
            Method::ALLOCATE,
            &[Attribute::RequestedTransport(17)],
            None,
        );
        assert_eq!(r.class(), Class::SuccessResponse, "error {:?}", r.error());
        r.message().verify_integrity(&key(c)).unwrap();
        match r.attr(AttrType::XOR_RELAYED_ADDRESS) {
            Some(Attribute::XorRelayedAddress(a)) => a,
            other => panic!("{other:?}"),
        }
    }

    fn drain_events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.server.poll_event()).collect()
    }
}

fn key(c: &Client) -> IntegrityKey {
    IntegrityKey::long_term(&c.username, REALM, &c.password, PasswordAlgorithmId::MD5).unwrap()
}

fn send_indication(peer: SocketAddr, data: &[u8]) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        MessageType::new(Method::SEND, Class::Indication),
        TransactionId([0xAB; 12]),
    );
    b.add(&Attribute::XorPeerAddress(peer)).unwrap();
    b.add(&Attribute::Data(data)).unwrap();
    b.finish()
}

mod allocate;
mod relay;
