//! How fast the server core relays: one allocation with a channel, then N datagrams from the
//! peer (out as ChannelData) and N ChannelData messages from the client (out to the peer),
//! each drained and its buffer recycled as a real driver does. No sockets: this is the core's
//! own cost per relayed packet (run it under `valgrind --tool=callgrind` for instruction
//! counts).
//!
//! `cargo run --release -p strata-turn --example server_relay_speed [N]`

// An example reports on stdout.
#![allow(clippy::print_stdout)]

use std::net::SocketAddr;
use std::time::Instant;

use strata_stun::{
    Attribute, Class, IntegrityKey, Message, MessageBuilder, MessageType, Method,
    PasswordAlgorithmId, TransactionId,
};
use strata_turn::channel_data::{ChannelNumber, encode_into};
use strata_turn::server::{
    FiveTuple, Input, RelayPorts, RelayRequest, Server, ServerConfig, Transport,
};

struct Ports;

impl RelayPorts for Ports {
    fn open(&mut self, _: &RelayRequest) -> std::io::Result<SocketAddr> {
        Ok(SocketAddr::from(([203, 0, 113, 1], 50_000)))
    }
    fn close(&mut self, _: SocketAddr) {}
}

fn request(method: Method, attrs: &[Attribute<'_>], nonce: Option<&str>, tid: u8) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        MessageType::new(method, Class::Request),
        TransactionId([tid; 12]),
    );
    for a in attrs {
        b.add(a).expect("valid attribute");
    }
    if let Some(nonce) = nonce {
        let key = IntegrityKey::long_term("u", "bench", "p", PasswordAlgorithmId::MD5)
            .expect("ASCII credentials");
        b.add(&Attribute::Username("u")).expect("fits");
        b.add(&Attribute::Realm("bench")).expect("fits");
        b.add(&Attribute::Nonce(nonce)).expect("fits");
        b.add_message_integrity(&key).expect("fits");
    }
    b.finish()
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut server = Server::new(ServerConfig::new("bench").with_user("u", "p"), Ports);
    let now = Instant::now();
    let tuple = FiveTuple {
        transport: Transport::Udp,
        client: SocketAddr::from(([198, 51, 100, 1], 40_000)),
        server: SocketAddr::from(([192, 0, 2, 1], 3478)),
    };
    fn input(tuple: FiveTuple, data: &[u8]) -> Input<'_> {
        Input {
            transport: tuple.transport,
            client: tuple.client,
            local: tuple.server,
            data,
        }
    }
    let peer = SocketAddr::from(([8, 8, 8, 8], 6000));
    server.handle_packet(
        now,
        input(
            tuple,
            &request(
                Method::ALLOCATE,
                &[Attribute::RequestedTransport(17)],
                None,
                1,
            ),
        ),
    );
    let challenge = server.poll_transmit().expect("401").contents;
    let nonce = match Message::new_checked(&challenge[..])
        .expect("a response")
        .get_typed(strata_stun::AttrType::NONCE)
    {
        Some(Ok(Attribute::Nonce(n))) => n.to_owned(),
        _ => panic!("no nonce"),
    };
    for (i, m) in [
        request(
            Method::ALLOCATE,
            &[Attribute::RequestedTransport(17)],
            Some(&nonce),
            2,
        ),
        request(
            Method::CHANNEL_BIND,
            &[
                Attribute::ChannelNumber(0x4000),
                Attribute::XorPeerAddress(peer),
            ],
            Some(&nonce),
            3,
        ),
    ]
    .iter()
    .enumerate()
    {
        server.handle_packet(now, input(tuple, m));
        let reply = server.poll_transmit().expect("a response").contents;
        let class = Message::new_checked(&reply[..])
            .expect("a response")
            .class();
        assert_eq!(class, Class::SuccessResponse, "setup step {i}");
    }
    let relayed = server.relayed_address(&tuple).expect("allocated");
    let payload = [0x5Au8; 160];
    let mut channel_data = Vec::new();
    encode_into(&mut channel_data, ChannelNumber(0x4000), &payload, false).expect("fits");

    let start = Instant::now();
    let mut bytes = 0usize;
    for _ in 0..n {
        server.handle_relay_packet(now, relayed, peer, &payload);
        server.handle_packet(now, input(tuple, &channel_data));
        while let Some(t) = server.poll_transmit() {
            bytes += t.contents.len();
            server.recycle(t.contents);
        }
    }
    let elapsed = start.elapsed();
    let packets = 2 * n;
    let stats = server.stats();
    assert_eq!(
        stats.relayed_to_client_packets + stats.relayed_to_peer_packets,
        packets
    );
    println!(
        "{packets} packets relayed ({bytes} bytes out) in {elapsed:?}: {:.1} ns/packet, {:.2} Mpackets/s",
        elapsed.as_nanos() as f64 / packets as f64,
        packets as f64 / elapsed.as_secs_f64() / 1e6
    );
}
