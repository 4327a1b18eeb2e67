//! The TURN client against the crate's own server core, over a simulated network with a
//! virtual clock: allocation, permissions, channels, data both ways through an echoing
//! peer, 30 minutes of refreshes on both sides, and deletion. UDP and TCP.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use strata_turn::client::{self, Client, Config, Event};
use strata_turn::framing::{Frame, StreamDecoder};
use strata_turn::server::{
    self, DeleteReason, Input, RelayPorts, RelayRequest, Route, Server, ServerConfig,
};

const CLIENT: &str = "198.51.100.4:40000";
const SERVER: &str = "192.0.2.1:3478";
const RELAYED: &str = "192.0.2.1:50000";
const PEER: &str = "203.0.113.9:6000";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

struct Ports;

impl RelayPorts for Ports {
    fn open(&mut self, _: &RelayRequest) -> std::io::Result<SocketAddr> {
        Ok(addr(RELAYED))
    }
    fn close(&mut self, _: SocketAddr) {}
}

struct Net {
    client: Client,
    server: Server<Ports>,
    transport: server::Transport,
    /// Bytes the server sent to the client on the stream, re-framed by the client itself.
    to_server: StreamDecoder,
    /// Data the client got from the peer.
    received: Vec<(SocketAddr, Vec<u8>)>,
    events: Vec<Event>,
    server_events: Vec<server::Event>,
    /// Datagrams the peer got (it echoes each).
    peer_got: usize,
}

impl Net {
    fn new(transport: client::Transport, now: Instant) -> Net {
        let config = Config::new(addr(SERVER), transport, "alice", "secret");
        let server_transport = match transport {
            client::Transport::Udp => server::Transport::Udp,
            client::Transport::Tcp => server::Transport::Tcp,
            _ => server::Transport::Tls,
        };
        Net {
            client: Client::new(config, now),
            server: Server::new(
                ServerConfig::new("example.org").with_user("alice", "secret"),
                Ports,
            ),
            transport: server_transport,
            to_server: StreamDecoder::new(),
            received: Vec::new(),
            events: Vec::new(),
            server_events: Vec::new(),
            peer_got: 0,
        }
    }

    fn input(&mut self, now: Instant, data: &[u8]) {
        self.server.handle_packet(
            now,
            Input {
                transport: self.transport,
                client: addr(CLIENT),
                local: addr(SERVER),
                data,
            },
        );
    }

    /// Deliver everything in flight until both sides are quiet.
    fn run(&mut self, now: Instant) {
        loop {
            let mut moved = false;
            while let Some(t) = self.client.poll_transmit() {
                moved = true;
                assert_eq!(t.destination, addr(SERVER));
                if self.transport.is_stream() {
                    self.to_server.push(&t.contents).unwrap();
                    while let Some(frame) = self.to_server.next_frame().unwrap() {
                        let bytes = match frame {
                            Frame::Stun(m) => m.to_vec(),
                            Frame::ChannelData { channel, data } => {
                                let mut v = Vec::new();
                                strata_turn::channel_data::encode_into(&mut v, channel, data, true)
                                    .unwrap();
                                v
                            }
                        };
                        self.input(now, &bytes);
                    }
                } else {
                    self.input(now, &t.contents);
                }
            }
            while let Some(t) = self.server.poll_transmit() {
                moved = true;
                match t.route {
                    Route::Client(five_tuple) => {
                        assert_eq!(five_tuple.client, addr(CLIENT));
                        if self.transport.is_stream() {
                            self.client.handle_stream_data(now, &t.contents).unwrap();
                        } else if let Some(r) =
                            self.client.handle_packet(now, addr(SERVER), &t.contents)
                        {
                            self.received.push((r.peer, r.data.to_vec()));
                        }
                    }
                    Route::Peer { relayed, peer } => {
                        // The peer echoes to the relayed address it got the datagram from.
                        assert_eq!(relayed, addr(RELAYED));
                        self.peer_got += 1;
                        self.server
                            .handle_relay_packet(now, relayed, peer, &t.contents);
                    }
                }
            }
            while let Some(e) = self.client.poll_event() {
                moved = true;
                match e {
                    Event::Data { peer, data } => self.received.push((peer, data)),
                    other => self.events.push(other),
                }
            }
            while let Some(e) = self.server.poll_event() {
                self.server_events.push(e);
            }
            if !moved {
                return;
            }
        }
    }

    /// Advance the virtual clock through every timer up to `until`.
    fn advance(&mut self, mut now: Instant, until: Instant) -> Instant {
        loop {
            let next = [self.client.poll_timeout(), self.server.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= until => {
                    now = now.max(t);
                    self.client.handle_timeout(now);
                    self.server.handle_timeout(now);
                    self.run(now);
                }
                _ => return until.max(now),
            }
        }
    }
}

fn relay_through_own_server(transport: client::Transport) {
    let start = Instant::now();
    let mut net = Net::new(transport, start);
    net.run(start);
    assert_eq!(
        net.events.drain(..).collect::<Vec<_>>(),
        vec![Event::Allocated {
            relayed: addr(RELAYED),
            mapped: Some(addr(CLIENT)),
            lifetime: Duration::from_secs(600),
        }]
    );
    let peer = addr(PEER);

    // Send indications, echoed back as Data indications.
    net.client.create_permission(start, peer.ip()).unwrap();
    net.run(start);
    assert_eq!(
        net.events.drain(..).collect::<Vec<_>>(),
        vec![Event::PermissionCreated(peer.ip())]
    );
    net.client.send_to(start, peer, b"via send").unwrap();
    net.run(start);
    assert_eq!(
        net.received.drain(..).collect::<Vec<_>>(),
        vec![(peer, b"via send".to_vec())]
    );

    // A channel, echoed back as ChannelData.
    let channel = net.client.bind_channel(start, peer).unwrap();
    net.run(start);
    assert_eq!(
        net.events.drain(..).collect::<Vec<_>>(),
        vec![Event::ChannelBound { peer, channel }]
    );
    net.client.send_to(start, peer, b"via channel").unwrap();
    net.run(start);
    assert_eq!(
        net.received.drain(..).collect::<Vec<_>>(),
        vec![(peer, b"via channel".to_vec())]
    );

    // Thirty minutes later: the allocation, the permission and the channel are all alive.
    let later = net.advance(start, start + Duration::from_secs(1800));
    assert!(
        net.events
            .iter()
            .all(|e| matches!(e, Event::Refreshed { .. })),
        "{:?}",
        net.events
    );
    assert!(
        net.events.len() >= 3,
        "refreshed at 480, 960, 1440 s: {:?}",
        net.events
    );
    assert_eq!(net.server.allocation_count(), 1);
    assert_eq!(net.client.channel(peer), Some(channel));
    net.client.send_to(later, peer, b"still here").unwrap();
    net.run(later);
    assert_eq!(
        net.received.drain(..).collect::<Vec<_>>(),
        vec![(peer, b"still here".to_vec())]
    );
    assert_eq!(net.peer_got, 3);
    let stats = net.client.stats();
    assert_eq!(
        (stats.malformed, stats.unauthenticated, stats.unknown_peer),
        (0, 0, 0)
    );

    // Delete: the server frees the allocation at once.
    net.events.clear();
    net.client.delete(later);
    net.run(later);
    assert_eq!(net.events, vec![Event::Deleted]);
    assert_eq!(net.server.allocation_count(), 0);
    assert!(net.server_events.iter().any(|e| matches!(
        e,
        server::Event::AllocationDeleted {
            reason: DeleteReason::Refreshed,
            ..
        }
    )));
}

#[test]
fn udp_client_through_own_server() {
    relay_through_own_server(client::Transport::Udp);
}

#[test]
fn tcp_client_through_own_server() {
    relay_through_own_server(client::Transport::Tcp);
}
