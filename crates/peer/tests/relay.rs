//! Two peer connections that may only use relay candidates, through strata-turn's server
//! core on a virtual network: TURN allocation, permissions, channels, ICE over the relays,
//! then DTLS and a data channel.
#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use strata_peer::{DataChannelInit, Event, Rtc, RtcConfig, Transmit, TurnServer, TurnTransport};
use strata_turn::framing::{Frame, StreamDecoder};
use strata_turn::server::{
    FiveTuple, IpPrefix, RelayPorts, RelayRequest, Route, Server, ServerConfig, Transport,
};

struct Ports(u16, Vec<SocketAddr>);
impl RelayPorts for Ports {
    fn open(&mut self, _: &RelayRequest) -> io::Result<SocketAddr> {
        self.0 += 1;
        let a = SocketAddr::from(([10, 0, 0, 9], self.0));
        self.1.push(a);
        Ok(a)
    }
    fn close(&mut self, relayed: SocketAddr) {
        self.1.retain(|a| *a != relayed);
    }
}

struct Rng(u64);
impl strata_stun::Rng for Rng {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *b = self.0 as u8;
        }
    }
}

const SERVER: &str = "10.0.0.9:3478";

#[test]
fn relay_only_peers_connect_through_turn() {
    relay_only_peers(TurnTransport::Udp);
}

/// Peer A reaches the server over a TCP stream (RFC 8656 section 3.1; framing of section
/// 12.5), cut into arbitrary pieces on the way in; peer B over UDP.
#[test]
fn relay_only_peer_over_tcp_to_the_server() {
    relay_only_peers(TurnTransport::Tcp);
}

fn relay_only_peers(a_transport: TurnTransport) {
    let mut now = Instant::now();
    // A's stream to the server, when A uses one.
    let a_stream: SocketAddr = "10.0.0.1:40000".parse().unwrap();
    let mut server_decoder = StreamDecoder::new();
    let server_addr: SocketAddr = SERVER.parse().unwrap();
    let mut server = Server::new(
        ServerConfig::new("strata")
            .with_user("u", "pass")
            .allow_peers(IpPrefix::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)), 8)),
        Ports(50_000, Vec::new()),
    );
    let config = || RtcConfig {
        relay_only: true,
        turn_servers: vec![TurnServer::new(server_addr, "u", "pass")],
        ..RtcConfig::default()
    };
    let mut a_config = config();
    if a_transport.is_stream() {
        a_config.turn_servers[0] =
            TurnServer::new(server_addr, "u", "pass").over_stream(a_transport, a_stream);
    }
    let mut a = Rtc::with_rng(a_config, Box::new(Rng(3))).unwrap();
    let mut b = Rtc::with_rng(config(), Box::new(Rng(5))).unwrap();
    let (a_addr, b_addr): (SocketAddr, SocketAddr) = (
        "10.0.0.1:5000".parse().unwrap(),
        "10.0.0.2:6000".parse().unwrap(),
    );
    a.add_local_address(a_addr);
    b.add_local_address(b_addr);
    let ch = a
        .create_data_channel(now, "relayed", DataChannelInit::default())
        .unwrap();

    // Datagrams in flight: (arrival, source, destination, bytes).
    let mut wire: VecDeque<(Instant, SocketAddr, SocketAddr, Vec<u8>)> = VecDeque::new();
    let latency = Duration::from_millis(5);
    let mut a_events = Vec::new();
    let mut b_events = Vec::new();
    let mut offered = false;
    let mut streamed = 0;
    let mut answered = false;
    let mut message = None;
    let deadline = now + Duration::from_secs(20);
    while message.is_none() {
        assert!(now < deadline, "no message: a {a:?} b {b:?}");
        // Trickle-free signaling once gathering is complete (relay candidates need the
        // allocation first).
        if !offered {
            let offer = a.create_offer().unwrap();
            a.set_local_description(now, &offer).unwrap();
            offered = true;
        }
        if offered && !answered && a.is_gathering_complete() {
            b.set_remote_description(now, a.local_description().unwrap())
                .unwrap();
            let answer = b.create_answer().unwrap();
            b.set_local_description(now, &answer).unwrap();
            answered = true;
        }
        if answered && b.is_gathering_complete() && a.remote_description().is_none() {
            let answer = b.local_description().unwrap();
            assert!(answer.sdp.contains("typ relay"), "{}", answer.sdp);
            assert!(
                !answer.sdp.contains("typ host"),
                "relay only: {}",
                answer.sdp
            );
            a.set_remote_description(now, answer).unwrap();
        }
        let mut out: Vec<Transmit> = Vec::new();
        out.extend(std::iter::from_fn(|| a.poll_transmit()));
        out.extend(std::iter::from_fn(|| b.poll_transmit()));
        for t in out {
            wire.push_back((now + latency, t.source, t.destination, t.contents));
        }
        while let Some(t) = server.poll_transmit() {
            let (src, dst) = match t.route {
                Route::Client(ft) => (ft.server, ft.client),
                Route::Peer { relayed, peer } => (relayed, peer),
            };
            wire.push_back((now + latency, src, dst, t.contents));
        }
        a_events.extend(std::iter::from_fn(|| a.poll_event()));
        b_events.extend(std::iter::from_fn(|| b.poll_event()));
        if a_events.contains(&Event::ChannelOpen(ch)) {
            a_events.clear();
            a.send(now, ch, b"through the relay", false).unwrap();
        }
        for e in b_events.drain(..) {
            if let Event::ChannelMessage { data, .. } = e {
                message = Some(data);
            }
        }
        // Advance to the next arrival or timer.
        let next = [
            wire.front().map(|w| w.0),
            a.poll_timeout(),
            b.poll_timeout(),
            server.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(now + Duration::from_millis(10));
        now = now.max(next);
        while wire.front().is_some_and(|w| w.0 <= now) {
            let (_, src, dst, bytes) = wire.pop_front().unwrap();
            if dst == server_addr && src == a_stream {
                // Stream bytes: frames out of the decoder, as a TCP server reads them.
                server_decoder.push(&bytes).unwrap();
                let five_tuple = FiveTuple {
                    transport: Transport::Tcp,
                    client: a_stream,
                    server: server_addr,
                };
                while let Some(frame) = server_decoder.next_frame().unwrap() {
                    match frame {
                        Frame::Stun(data) => server.handle_packet(
                            now,
                            strata_turn::server::Input {
                                transport: Transport::Tcp,
                                client: a_stream,
                                local: server_addr,
                                data,
                            },
                        ),
                        Frame::ChannelData { channel, data } => {
                            server.handle_channel_data(now, five_tuple, channel, data);
                        }
                    }
                }
            } else if dst == a_stream {
                // The stream to A arrives in pieces of any size.
                let (first, rest) = bytes.split_at(bytes.len() / 3);
                a.handle_packet(now, src, dst, first);
                a.handle_packet(now, src, dst, rest);
                streamed += 1;
            } else if dst == server_addr {
                server.handle_packet(
                    now,
                    strata_turn::server::Input {
                        transport: Transport::Udp,
                        client: src,
                        local: server_addr,
                        data: &bytes,
                    },
                );
            } else if dst.ip() == server_addr.ip() {
                server.handle_relay_packet(now, dst, src, &bytes);
            } else if dst == a_addr {
                a.handle_packet(now, src, dst, &bytes);
            } else if dst == b_addr {
                b.handle_packet(now, src, dst, &bytes);
            } else {
                panic!("a datagram to {dst}: relay-only peers must not talk directly");
            }
        }
        a.handle_timeout(now);
        b.handle_timeout(now);
        server.handle_timeout(now);
    }
    assert_eq!(message.as_deref(), Some(&b"through the relay"[..]));
    assert_eq!(a_transport.is_stream(), streamed > 0);
    let pair = a.ice_agent().unwrap().selected_pair().unwrap();
    assert_eq!(pair.0.kind.as_str(), "relay");
}
