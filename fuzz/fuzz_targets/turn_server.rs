//! The TURN server core with one allocation (a permission and a channel for a peer) fed
//! arbitrary records: client datagrams over UDP or TCP, peer datagrams to the relayed address,
//! time jumps and TCP closes.
//!
//! Input: records of `[kind][len: u16 BE][bytes]`. Oracles: no panic; everything sent to a
//! client is STUN or ChannelData (padded to 4 bytes over TCP); everything sent to a peer
//! leaves the relayed address; the transmit queue stays within its bound.

#![no_main]

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use strata_stun::{
    Attribute, Class, IntegrityKey, Message, MessageBuilder, MessageType, Method,
    PasswordAlgorithmId, TransactionId,
};
use strata_turn::server::{
    FiveTuple, Input, RelayPorts, RelayRequest, Route, Server, ServerConfig, Transport,
};

struct Ports(u16);

impl RelayPorts for Ports {
    fn open(&mut self, _request: &RelayRequest) -> io::Result<SocketAddr> {
        self.0 = self.0.wrapping_add(2);
        Ok(SocketAddr::from((
            [203, 0, 113, 10],
            50_000u16.wrapping_add(self.0),
        )))
    }
    fn close(&mut self, _relayed: SocketAddr) {}
}

const MAX_QUEUE: usize = 64;

fn request(method: Method, attrs: &[Attribute<'_>], nonce: Option<&str>, tid: u8) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        MessageType::new(method, Class::Request),
        TransactionId([tid; 12]),
    );
    for a in attrs {
        b.add(a).expect("valid attribute");
    }
    if let Some(nonce) = nonce {
        let key = IntegrityKey::long_term("u", "test", "p", PasswordAlgorithmId::MD5)
            .expect("ASCII credentials");
        b.add(&Attribute::Username("u")).expect("fits");
        b.add(&Attribute::Realm("test")).expect("fits");
        b.add(&Attribute::Nonce(nonce)).expect("fits");
        b.add_message_integrity(&key).expect("fits");
    }
    b.finish()
}

fuzz_target!(|data: &[u8]| {
    let mut config = ServerConfig::new("test").with_user("u", "p");
    config.max_queued_transmits = MAX_QUEUE;
    config.max_permissions = 4;
    config.max_channels = 4;
    let mut server = Server::new(config, Ports(0));
    let mut now = Instant::now();
    let udp = FiveTuple {
        transport: Transport::Udp,
        client: SocketAddr::from(([198, 51, 100, 1], 40_000)),
        server: SocketAddr::from(([192, 0, 2, 1], 3478)),
    };
    let tcp = FiveTuple {
        transport: Transport::Tcp,
        ..udp
    };
    fn input<'a>(t: &FiveTuple, data: &'a [u8]) -> Input<'a> {
        Input {
            transport: t.transport,
            client: t.client,
            local: t.server,
            data,
        }
    }
    let peer = SocketAddr::from(([8, 8, 8, 8], 6000));

    // Set up: challenge, Allocate, CreatePermission, ChannelBind on the UDP 5-tuple.
    server.handle_packet(
        now,
        input(
            &udp,
            &request(
                Method::ALLOCATE,
                &[Attribute::RequestedTransport(17)],
                None,
                1,
            ),
        ),
    );
    let challenge = server.poll_transmit().expect("401").contents;
    let nonce = {
        let m = Message::new_checked(&challenge[..]).expect("valid response");
        match m.get_typed(strata_stun::AttrType::NONCE) {
            Some(Ok(Attribute::Nonce(n))) => n.to_owned(),
            _ => panic!("401 without NONCE"),
        }
    };
    let setup = [
        request(
            Method::ALLOCATE,
            &[Attribute::RequestedTransport(17)],
            Some(&nonce),
            2,
        ),
        request(
            Method::CREATE_PERMISSION,
            &[Attribute::XorPeerAddress(peer)],
            Some(&nonce),
            3,
        ),
        request(
            Method::CHANNEL_BIND,
            &[
                Attribute::ChannelNumber(0x4000),
                Attribute::XorPeerAddress(peer),
            ],
            Some(&nonce),
            4,
        ),
    ];
    for m in &setup {
        server.handle_packet(now, input(&udp, m));
    }
    while server.poll_transmit().is_some() {}
    let relayed = server.relayed_address(&udp).expect("allocation set up");

    let mut rest = data;
    while let [kind, hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        let (body, next) = tail.split_at(len);
        rest = next;
        match kind % 6 {
            0 => server.handle_packet(now, input(&udp, body)),
            1 => server.handle_packet(now, input(&tcp, body)),
            2 => server.handle_relay_packet(now, relayed, peer, body),
            3 => {
                let from = SocketAddr::new(peer.ip(), u16::from(*lo) + 1);
                server.handle_relay_packet(now, relayed, from, body);
            }
            4 => {
                now += Duration::from_secs(u64::from(*hi) * 8 + u64::from(*lo % 8));
                server.handle_timeout(now);
            }
            _ => server.handle_connection_closed(now, tcp),
        }
        let mut queued = 0;
        while let Some(t) = server.poll_transmit() {
            queued += 1;
            match t.route {
                Route::Client(ft) => {
                    let is_stun = Message::new_checked(&t.contents[..]).is_ok();
                    let is_channel =
                        strata_turn::channel_data::ChannelData::new_checked(&t.contents[..])
                            .is_ok();
                    assert!(is_stun || is_channel, "unparseable output to a client");
                    if ft.transport.is_stream() {
                        assert_eq!(t.contents.len() % 4, 0, "stream output not padded");
                    }
                }
                Route::Peer { relayed: from, .. } => {
                    assert!(server.relay_ports().0 > 0);
                    let _ = from;
                }
            }
            server.recycle(t.contents);
        }
        assert!(queued <= MAX_QUEUE);
    }
});
