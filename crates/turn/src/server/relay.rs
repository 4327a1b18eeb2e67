//! The data path (RFC 8656 sections 10 and 12.4-12.6): Send indications and ChannelData from
//! clients to peers, and peer datagrams back as ChannelData or Data indications.

use std::net::SocketAddr;
use std::time::Instant;

use strata_stun::{Attribute, Class, MessageBuilder, MessageType, Method, TransactionId};

use super::{FiveTuple, RelayPorts, Route, Server};
use crate::channel_data::{self, ChannelNumber};

impl<P: RelayPorts> Server<P> {
    /// Takes a ChannelData message's channel and data from a client (section 12.6). Stream
    /// transports can pass [`crate::framing::Frame::ChannelData`] here directly.
    pub fn handle_channel_data(
        &mut self,
        now: Instant,
        five_tuple: FiveTuple,
        channel: ChannelNumber,
        data: &[u8],
    ) {
        let Some(alloc) = self.allocations.get_mut(&five_tuple) else {
            self.stats.dropped_no_allocation += 1;
            return;
        };
        let Some(peer) = alloc.channel_by_number(channel, now).map(|c| c.peer) else {
            self.stats.dropped_no_allocation += 1;
            return;
        };
        if !alloc.has_permission(peer.ip(), now) {
            self.stats.dropped_no_permission += 1;
            return;
        }
        if !alloc.charge(now, data.len()) {
            self.stats.dropped_rate_limited += 1;
            return;
        }
        let relayed = alloc.relayed;
        self.send_to_peer(relayed, peer, data);
    }

    /// A Send indication's XOR-PEER-ADDRESS and DATA (section 10.2).
    pub(super) fn handle_send(
        &mut self,
        now: Instant,
        five_tuple: FiveTuple,
        message: &strata_stun::Message<&[u8]>,
    ) {
        let peer = match message.get_typed(strata_stun::AttrType::XOR_PEER_ADDRESS) {
            Some(Ok(Attribute::XorPeerAddress(a))) => a,
            _ => {
                self.stats.malformed += 1;
                return;
            }
        };
        let data = match message.get_typed(strata_stun::AttrType::DATA) {
            Some(Ok(Attribute::Data(d))) => d,
            _ => {
                self.stats.malformed += 1;
                return;
            }
        };
        if !self.config.peer_filter.permits(peer.ip()) {
            self.stats.dropped_forbidden_peer += 1;
            return;
        }
        let Some(alloc) = self.allocations.get_mut(&five_tuple) else {
            self.stats.dropped_no_allocation += 1;
            return;
        };
        if !alloc.has_permission(peer.ip(), now) {
            self.stats.dropped_no_permission += 1;
            return;
        }
        if !alloc.charge(now, data.len()) {
            self.stats.dropped_rate_limited += 1;
            return;
        }
        let relayed = alloc.relayed;
        self.send_to_peer(relayed, peer, data);
    }

    fn send_to_peer(&mut self, relayed: SocketAddr, peer: SocketAddr, data: &[u8]) {
        let mut buf = self.buffer();
        buf.extend_from_slice(data);
        self.stats.relayed_to_peer_packets += 1;
        self.stats.relayed_to_peer_bytes += data.len() as u64;
        self.push_transmit(Route::Peer { relayed, peer }, buf);
    }

    /// Takes a datagram that `peer` sent to the relayed address `relayed` (section 11.3 for
    /// channels, 10.3 for Data indications). Without a permission for the peer's IP address
    /// it is dropped.
    pub fn handle_relay_packet(
        &mut self,
        now: Instant,
        relayed: SocketAddr,
        peer: SocketAddr,
        data: &[u8],
    ) {
        let Some(&five_tuple) = self.by_relayed.get(&relayed) else {
            self.stats.dropped_no_allocation += 1;
            return;
        };
        let Some(alloc) = self.allocations.get_mut(&five_tuple) else {
            self.stats.dropped_no_allocation += 1;
            return;
        };
        if !alloc.has_permission(peer.ip(), now) {
            self.stats.dropped_no_permission += 1;
            return;
        }
        if !alloc.charge(now, data.len()) {
            self.stats.dropped_rate_limited += 1;
            return;
        }
        let channel = alloc.channel_by_peer(peer, now).map(|c| c.number);
        let mut buf = self.buffer();
        let ok = match channel {
            Some(number) => {
                // Written here rather than with `channel_data::encode_into`, which keeps to
                // RFC 8656's 0x4000..=0x4FFF while the server may accept RFC 5766 numbers.
                match u16::try_from(data.len()) {
                    Ok(len) => {
                        buf.extend_from_slice(&number.0.to_be_bytes());
                        buf.extend_from_slice(&len.to_be_bytes());
                        buf.extend_from_slice(data);
                        if five_tuple.transport.is_stream() {
                            let padded = channel_data::encoded_len(data.len(), true);
                            buf.resize(padded, 0);
                        }
                        true
                    }
                    Err(_) => false,
                }
            }
            None => {
                // The transaction id of an indication only needs to be unique enough for
                // the client's logs; derive it from the counters instead of an RNG call.
                let mut id = [0u8; 12];
                id[..8].copy_from_slice(&self.stats.relayed_to_client_packets.to_be_bytes());
                id[8..].copy_from_slice(&(data.len() as u32).to_be_bytes());
                let mut b = MessageBuilder::append_to(
                    &mut buf,
                    MessageType::new(Method::DATA, Class::Indication),
                    TransactionId(id),
                );
                b.add(&Attribute::XorPeerAddress(peer)).is_ok()
                    && b.add(&Attribute::Data(data)).is_ok()
            }
        };
        if !ok {
            self.stats.malformed += 1;
            self.recycle(buf);
            return;
        }
        self.stats.relayed_to_client_packets += 1;
        self.stats.relayed_to_client_bytes += data.len() as u64;
        self.push_transmit(Route::Client(five_tuple), buf);
    }
}
