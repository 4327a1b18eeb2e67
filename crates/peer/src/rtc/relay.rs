//! TURN relay candidates (RFC 8656 through strata-turn, RFC 8445 section 5.1.1.2): one TURN
//! client per configured server, allocated when ICE starts; its relayed address becomes a
//! relay candidate, ICE datagrams marked `via` that relay go out as ChannelData (a channel is
//! bound to each peer on first use), and data the server relays back is fed to the agent as
//! arriving on the relayed address.

#[allow(clippy::wildcard_imports)]
use super::*;
use strata_ice::RelayId;
use strata_turn::client::{Client as TurnClient, Config as TurnConfig, Event as TurnEvent};

/// One TURN allocation.
pub(super) struct Relay {
    pub(super) id: RelayId,
    pub(super) client: TurnClient,
    /// Our socket that talks to the server.
    pub(super) local: SocketAddr,
    pub(super) server: SocketAddr,
    /// The relayed address, once allocated.
    pub(super) relayed: Option<SocketAddr>,
    /// Still allocating (gathering is not complete until every relay answered).
    pub(super) pending: bool,
    /// Peers a channel was requested for.
    pub(super) bound: Vec<SocketAddr>,
}

impl Rtc {
    /// Starts one allocation per configured TURN server: over UDP from the configured local
    /// address or the first of the server's family, over TCP/TLS through the caller's stream.
    pub(super) fn start_relays(&mut self, now: Instant) {
        for (i, t) in self.config.turn_servers.iter().enumerate() {
            let local = match (t.local, t.transport.is_stream()) {
                (Some(local), _) => local,
                (None, true) => continue,
                (None, false) => match self
                    .local_addresses
                    .iter()
                    .find(|a| a.is_ipv4() == t.server.is_ipv4())
                {
                    Some(a) => *a,
                    None => continue,
                },
            };
            let mut config = TurnConfig::new(
                t.server,
                t.transport,
                t.username.clone(),
                t.password.clone(),
            );
            config.software = Some("strata".into());
            self.relays.push(Relay {
                id: RelayId(i as u32),
                client: TurnClient::new(config, now),
                local,
                server: t.server,
                relayed: None,
                pending: true,
                bound: Vec::new(),
            });
        }
    }

    /// Whether every relay has answered (allocated or failed).
    pub(super) fn relays_settled(&self) -> bool {
        self.relays.iter().all(|r| !r.pending)
    }

    /// A datagram from a TURN server: relayed data goes to the agent. Returns false if the
    /// datagram is not from one of our servers.
    pub(super) fn handle_relay_packet(
        &mut self,
        now: Instant,
        source: SocketAddr,
        destination: SocketAddr,
        data: &[u8],
    ) -> bool {
        let Some(r) = self
            .relays
            .iter_mut()
            .find(|r| r.server == source && r.local == destination)
        else {
            return false;
        };
        let (id, relayed) = (r.id, r.relayed);
        if r.client.config().transport.is_stream() {
            // Stream bytes; relayed data comes out as events (`pump_relays`). A broken
            // stream closes the client, which reports the allocation lost.
            let _ = r.client.handle_stream_data(now, data);
            return true;
        }
        if let Some(received) = r.client.handle_packet(now, source, data)
            && let (Some(relayed), Some(agent)) = (relayed, &mut self.agent)
        {
            let out = agent.handle_packet(
                now,
                Input {
                    source: received.peer,
                    destination: relayed,
                    via: Some(id),
                    data: received.data,
                },
            );
            if let Received::Data(bytes) = out {
                self.handle_data(now, bytes);
            }
        }
        true
    }

    /// Sends an ICE datagram through relay `id` to `peer`.
    pub(super) fn send_via(&mut self, now: Instant, id: RelayId, peer: SocketAddr, data: &[u8]) {
        let Some(r) = self.relays.iter_mut().find(|r| r.id == id) else {
            return;
        };
        if !r.bound.contains(&peer) && r.bound.len() < MAX_RELAY_PEERS {
            r.bound.push(peer);
            // The first datagrams go as Send indications until the channel is bound; a
            // failure leaves Send indications in use.
            let _ = r.client.create_permission(now, peer.ip());
            let _ = r.client.bind_channel(now, peer);
        }
        // A full queue or a missing permission drops the datagram, as a network would.
        let _ = r.client.send_to(now, peer, data);
    }

    /// Moves the TURN clients' transmits and events; returns whether anything moved.
    pub(super) fn pump_relays(&mut self, now: Instant) -> bool {
        let mut moved = false;
        let mut allocated = Vec::new();
        let mut relayed_data = Vec::new();
        for r in &mut self.relays {
            while let Some(t) = r.client.poll_transmit() {
                moved = true;
                self.transmits.push_back(Transmit {
                    source: r.local,
                    destination: t.destination,
                    contents: t.contents,
                });
            }
            while let Some(e) = r.client.poll_event() {
                moved = true;
                match e {
                    TurnEvent::Allocated { relayed, .. } => {
                        r.relayed = Some(relayed);
                        r.pending = false;
                        allocated.push((relayed, r.server, r.id));
                    }
                    TurnEvent::AllocationFailed(_) | TurnEvent::AllocationLost(_) => {
                        r.pending = false;
                    }
                    // Relayed data from a stream transport.
                    TurnEvent::Data { peer, data } => {
                        if let Some(relayed) = r.relayed {
                            relayed_data.push((r.id, relayed, peer, data));
                        }
                    }
                    _ => {}
                }
            }
        }
        let settled = self.relays_settled();
        if let Some(agent) = &mut self.agent {
            for (relayed, server, id) in allocated {
                // A refused candidate (bounds) just means no relay.
                let _ = agent.add_local_relay_candidate(relayed, server, id);
            }
            if moved && settled && !self.local_end_signalled {
                self.local_end_signalled = true;
                agent.end_of_local_candidates();
            }
        }
        for (id, relayed, peer, data) in relayed_data {
            let Some(agent) = &mut self.agent else { break };
            let out = agent.handle_packet(
                now,
                Input {
                    source: peer,
                    destination: relayed,
                    via: Some(id),
                    data: &data,
                },
            );
            if let Received::Data(bytes) = out {
                self.handle_data(now, bytes);
            }
        }
        moved
    }
}

/// Peers one allocation binds channels to (RFC 8656 allows 0x4000..=0x4FFF; ICE needs few).
const MAX_RELAY_PEERS: usize = 64;
