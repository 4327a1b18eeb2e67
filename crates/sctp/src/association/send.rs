//! The data sender (RFC 9260 sections 6.1, 6.2.1, 6.3, 6.9, 7.2): fragmentation to the
//! MTU, TSN and SSN assignment, the send buffer, SACK processing (cumulative and gap
//! acknowledgements, reneging, peer rwnd), T3-rtx handling, fast retransmit, slow start
//! and congestion avoidance.
//!
//! Messages wait in their stream's queue ([`streams`]) until the stream scheduler picks
//! them; then they are fragmented and numbered at once (fragments of a message get
//! consecutive TSNs, section 6.9). Every numbered chunk not yet cumulatively acknowledged
//! lives in one queue indexed by TSN, so the cumulative ack pops from the front in
//! O(acked), and chunks are sent in TSN order. A message is numbered only when the
//! packet being built has room for new DATA, so a message sent later on a stream of
//! higher priority overtakes those still waiting. A SACK costs O(newly acked + gap blocks
//! + holes below the highest newly acked TSN) ([`gaps`]), never the window.
//!
//! Partial reliability (RFC 3758 section 3.5): messages sent with a retransmission limit
//! or a lifetime are abandoned whole (every fragment) once past it, provided the peer
//! advertised Forward-TSN-Supported; the Advanced.Peer.Ack.Point moves over the abandoned
//! chunks at the front of the queue and a FORWARD TSN tells the peer, with the last
//! skipped SSN of each ordered stream. Abandonment ([`partial`]) looks only at the chunks
//! marked lost and at expired deadlines (an index by deadline), never the whole queue.
//!
//! Left out: Max.Burst, PMTU discovery (the MTU is fixed).

mod gaps;
mod interleave;
mod partial;
mod streams;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::timers::{RttEstimator, Timer, Timers};
use super::{Config, Stats};
use crate::PacketBuilder;
use crate::chunk::{Data, ForwardTsnStream, Ppid, Sack};
use crate::packet::COMMON_HEADER_LEN;
use crate::serial::{tsn_ge, tsn_gt, tsn_le, tsn_lt};
use streams::{OutMessage, OutStream, Scheduler};

pub(super) use streams::DEFAULT_WEIGHT;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    /// Never sent.
    Unsent,
    /// Sent and counted in the flight size.
    InFlight,
    /// Acknowledged by a gap ack block (may be reneged).
    GapAcked,
    /// To be retransmitted; not in flight.
    Lost,
    /// Abandoned (RFC 3758): never sent again, skipped with FORWARD TSN.
    Abandoned,
}

/// Per-message delivery options for [`super::Association::send_with`].
///
/// The default is reliable and ordered. `max_retransmits` and `max_lifetime` make the
/// message partially reliable (RFC 3758, the data channel's `maxRetransmits` and
/// `maxPacketLifeTime`); they take effect only when the peer supports FORWARD TSN,
/// otherwise the message is sent reliably.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendOptions {
    /// Deliver in order within the stream (false: the U bit).
    pub ordered: bool,
    /// Abandon the message when a chunk would need more than this many
    /// retransmissions (0: sent once).
    pub max_retransmits: Option<u16>,
    /// Abandon the message when it is not acknowledged this long after `send_with`.
    pub max_lifetime: Option<Duration>,
}

impl Default for SendOptions {
    fn default() -> Self {
        Self {
            ordered: true,
            max_retransmits: None,
            max_lifetime: None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct OutChunk {
    /// Where the user data sits in its stream's byte ring (stream offset).
    offset: u64,
    /// The message's sequence number in its stream.
    seq: u64,
    len: usize,
    ppid: Ppid,
    stream: u16,
    ssn: u16,
    unordered: bool,
    beginning: bool,
    ending: bool,
    state: ChunkState,
    sent_at: Option<Instant>,
    tx_count: u32,
    miss: u8,
    fast_retransmitted: bool,
    /// Marked lost by fast retransmit (vs T3), for the stats.
    lost_fast: bool,
    /// RFC 3758 retransmission limit (lifetimes live in the expiry index).
    max_rtx: Option<u16>,
    /// Sent as I-DATA (RFC 8260) with this MID and FSN.
    idata: bool,
    mid: u32,
    fsn: u32,
}

impl OutChunk {
    /// The unsent chunk carrying the whole of message `m` (message `seq` of `stream`) as
    /// a DATA chunk with SSN 0; fragments, ordered messages and I-DATA override fields.
    #[inline]
    fn whole(m: &OutMessage, stream: u16, seq: u64) -> OutChunk {
        OutChunk {
            offset: m.offset,
            seq,
            len: m.len,
            ppid: m.ppid,
            stream,
            ssn: 0,
            unordered: !m.ordered,
            beginning: true,
            ending: true,
            state: ChunkState::Unsent,
            sent_at: None,
            tx_count: 0,
            miss: 0,
            fast_retransmitted: false,
            lost_fast: false,
            max_rtx: m.max_rtx,
            idata: false,
            mid: 0,
            fsn: 0,
        }
    }
}

#[derive(Debug)]
pub(super) struct Sender {
    /// TSN `base_tsn + i` is `chunks[i]`; `base_tsn - 1` is the cumulative ack point.
    chunks: VecDeque<OutChunk>,
    /// Outgoing streams by id (queued messages and their bytes).
    streams: Vec<OutStream>,
    scheduler: Scheduler,
    /// Messages waiting for TSNs, all streams.
    waiting: usize,
    /// The shortest message ever queued: a packet with less room cannot take a new
    /// message, whichever the scheduler picks (saves asking it).
    min_len: usize,
    /// (stream, last message) runs the current SACK acknowledged whole, released once
    /// per run.
    released: Vec<(u16, u64)>,
    base_tsn: u32,
    /// Index of the first chunk never sent.
    next_new: usize,
    /// TSNs marked lost, lowest first (entries may be stale).
    lost: VecDeque<u32>,
    flight: usize,
    buffered: usize,
    /// Bytes queued and never sent, all streams (the sum of the streams' `unsent`).
    unsent: usize,
    /// The most sent bytes held until acknowledged (`buffered - unsent`) before new data
    /// waits: the send buffer bounds what was sent as well as what waits.
    max_held: usize,
    mtu: usize,
    max_payload: usize,
    cwnd: usize,
    ssthresh: usize,
    partial_bytes_acked: usize,
    peer_rwnd: usize,
    /// Fast Recovery exit point (section 7.2.4).
    fast_recovery_exit: Option<u32>,
    /// The next packet may ignore cwnd to carry fast retransmissions.
    fast_rtx_bypass: bool,
    /// One RTT measurement at a time (TSN, time sent).
    rtt_probe: Option<(u32, Instant)>,
    gap_acked: usize,
    /// Both ends support FORWARD TSN.
    pr: bool,
    /// Messages held that carry a partial reliability policy.
    pr_chunks: usize,
    /// Messages with a lifetime, by deadline (RFC 3758 timed reliability).
    expiry: partial::ExpiryIndex,
    /// Chunks ever popped from the front of `chunks` (so `popped + i` names chunk `i`
    /// for as long as it is held).
    popped: u64,
    /// A FORWARD TSN should go out.
    forward_due: bool,
    /// Scratch list for FORWARD TSN stream entries.
    forward_streams: Vec<ForwardTsnStream>,
    /// Chunks with a retransmission limit newly marked lost, to check once.
    rtx_check: Vec<u32>,
    /// The gap ack blocks of the latest SACK, as sorted disjoint ranges of absolute chunk
    /// positions (see `popped`), and scratch space for the next SACK's.
    acked_ranges: Vec<(u64, u64)>,
    new_ranges: Vec<(u64, u64)>,
    /// I-DATA and message interleaving (RFC 8260) are in use.
    interleave: interleave::Interleave,
    /// Entries `abandon_expired` examined (a work counter for tests).
    #[cfg(test)]
    pr_visits: u64,
    /// Chunks the SACK gap processing looked at (a work counter for tests).
    #[cfg(test)]
    sack_visits: u64,
}

impl Sender {
    pub(super) fn new(config: &Config, initial_tsn: u32) -> Self {
        let mtu = config.mtu;
        Self {
            chunks: VecDeque::new(),
            streams: Vec::new(),
            scheduler: Scheduler::default(),
            waiting: 0,
            min_len: usize::MAX,
            released: Vec::new(),
            base_tsn: initial_tsn,
            next_new: 0,
            lost: VecDeque::new(),
            flight: 0,
            buffered: 0,
            unsent: 0,
            max_held: config.send_buffer,
            mtu,
            // A DATA chunk is padded to four bytes inside the packet, so a full fragment
            // must leave room for its padding (an MTU that is not a multiple of four, e.g.
            // 1200 minus DTLS overhead, would otherwise never fit and stall the stream).
            max_payload: (mtu - COMMON_HEADER_LEN - 4 - Data::FIXED_LEN) & !3,
            // Section 7.2.1: min(4 * MTU, max(2 * MTU, 4380)).
            cwnd: (4 * mtu).min((2 * mtu).max(4380)),
            ssthresh: usize::MAX,
            partial_bytes_acked: 0,
            peer_rwnd: 0,
            fast_recovery_exit: None,
            fast_rtx_bypass: false,
            rtt_probe: None,
            gap_acked: 0,
            pr: false,
            pr_chunks: 0,
            expiry: partial::ExpiryIndex::default(),
            popped: 0,
            rtx_check: Vec::new(),
            acked_ranges: Vec::new(),
            new_ranges: Vec::new(),
            interleave: interleave::Interleave::default(),
            #[cfg(test)]
            pr_visits: 0,
            #[cfg(test)]
            sack_visits: 0,
            forward_due: false,
            forward_streams: Vec::new(),
        }
    }

    /// The TSN given to the latest queued chunk (RFC 6525 Sender's Last Assigned TSN).
    pub(super) fn last_assigned_tsn(&self) -> u32 {
        self.base_tsn
            .wrapping_add(self.chunks.len() as u32)
            .wrapping_sub(1)
    }

    /// Restarts the SSNs of `streams` (all when empty) at 0 (RFC 6525 section 5.1.4).
    pub(super) fn reset_outgoing(&mut self, streams: &[u16]) {
        if streams.is_empty() {
            for s in &mut self.streams {
                s.next_ssn = 0;
                s.next_mid = [0; 2];
            }
        }
        for &id in streams {
            if let Some(s) = self.streams.get_mut(usize::from(id)) {
                s.next_ssn = 0;
                s.next_mid = [0; 2];
            }
        }
    }

    /// Sets the scheduling weight of `stream` (the data channel priority, RFC 8831
    /// section 6.4: 128 very low, 256 low, 512 medium, 1024 high; 0 counts as 1).
    pub(super) fn set_weight(&mut self, stream: u16, weight: u16) {
        self.stream_mut(stream).weight = weight;
    }

    /// The scheduling weight of `stream`.
    pub(super) fn weight(&self, stream: u16) -> u16 {
        self.streams
            .get(usize::from(stream))
            .map_or(DEFAULT_WEIGHT, |s| s.weight)
    }

    fn stream_mut(&mut self, stream: u16) -> &mut OutStream {
        // Reached from the association with a stream below the negotiated count.
        let index = usize::from(stream);
        if self.streams.len() <= index {
            self.streams.resize_with(index + 1, OutStream::default);
        }
        &mut self.streams[index]
    }

    /// Enables abandoning (both ends support FORWARD TSN).
    pub(super) fn set_partial_reliability(&mut self, on: bool) {
        self.pr = on;
    }

    /// Sets the peer's initial a_rwnd (also the initial ssthresh, section 7.2.1).
    pub(super) fn set_peer_rwnd(&mut self, a_rwnd: u32) {
        self.peer_rwnd = a_rwnd as usize;
        self.ssthresh = a_rwnd as usize;
    }

    #[inline]
    pub(super) fn buffered_bytes(&self) -> usize {
        self.buffered
    }

    #[inline]
    pub(super) fn unsent_bytes(&self, stream: u16) -> usize {
        self.streams
            .get(usize::from(stream))
            .map_or(0, |s| s.unsent)
    }

    #[inline]
    pub(super) fn flight_size(&self) -> usize {
        self.flight
    }

    /// A cumulative ack without a SACK (the one a SHUTDOWN carries).
    pub(super) fn on_cumulative_ack(
        &mut self,
        now: Instant,
        cumulative_tsn_ack: u32,
        rtt: &mut RttEstimator,
        timers: &mut Timers,
    ) -> bool {
        let sack = Sack {
            cumulative_tsn_ack,
            a_rwnd: (self.peer_rwnd + self.flight).min(u32::MAX as usize) as u32,
            gap_ack_blocks: crate::Items::EMPTY,
            duplicate_tsns: crate::Items::EMPTY,
        };
        self.on_sack(now, &sack, rtt, timers)
    }

    #[inline]
    pub(super) fn cwnd(&self) -> usize {
        self.cwnd
    }

    /// Queues a message on its stream; it gets TSNs when the scheduler picks it.
    pub(super) fn enqueue(
        &mut self,
        now: Instant,
        stream: u16,
        ppid: Ppid,
        data: Payload<'_>,
        options: &SendOptions,
    ) {
        let expires = options.max_lifetime.and_then(|l| now.checked_add(l));
        let len = data.len();
        let message = OutMessage {
            offset: 0,
            len,
            shared: None,
            ppid,
            ordered: options.ordered,
            max_rtx: options.max_retransmits,
            timed: expires.is_some(),
            abandoned: false,
            first_chunk: 0,
        };
        if message.has_policy() {
            self.pr_chunks += 1;
        }
        let index = usize::from(stream);
        if self.streams.len() <= index {
            self.streams.resize_with(index + 1, OutStream::default);
        }
        let s = &mut self.streams[index];
        let seq = s.front_seq + s.messages.len() as u64;
        let offset = s.bytes_base + s.bytes.len() as u64;
        let shared = match data {
            Payload::Borrowed(data) => {
                s.bytes.extend(data);
                None
            }
            // Short shared messages are copied like borrowed ones: the ring costs less
            // than holding the buffer.
            Payload::Shared(data) if data.len() < SHARE_MIN => {
                s.bytes.extend(&data[..]);
                None
            }
            Payload::Shared(data) => Some(data),
        };
        s.messages.push_back(OutMessage {
            offset,
            shared,
            ..message
        });
        s.unsent += len;
        self.unsent += len;
        s.waiting += 1;
        self.scheduler.ready(stream, s);
        self.waiting += 1;
        self.min_len = self.min_len.min(len);
        self.buffered += len;
        if let Some(deadline) = expires {
            self.expiry.push(deadline, stream, seq);
        }
    }

    /// Numbers the next message the scheduler picks: fragments it into chunks with
    /// consecutive TSNs. Small messages that follow it on the same stream are numbered
    /// with it as long as they fit in the packet (the scheduler's unit is at most a
    /// packet or one message). False when no message is waiting, or when the first
    /// fragment could not go out now (`room` bytes left in the packet, cwnd, the peer's
    /// window), so that the choice is made when it can be sent.
    fn commit_next(&mut self, room: usize) -> bool {
        if self.interleave.on {
            return self.commit_fragment(room);
        }
        if self.waiting == 0
            || self.flight >= self.cwnd
            || self.held_sent() >= self.max_held
            || chunk_room(self.min_len.min(self.max_payload)) > room
        {
            return false;
        }
        let Some((id, len)) = self.scheduler.peek(&mut self.streams) else {
            return false;
        };
        let first = len.min(self.max_payload);
        if chunk_room(first) > room || !(first <= self.peer_rwnd || self.flight == 0) {
            return false;
        }
        let max_payload = self.max_payload;
        let Some(s) = self.streams.get_mut(usize::from(id)) else {
            return false;
        };
        let mut room = room;
        let mut charged = 0;
        let mut first = true;
        while let Some(m) = s.messages.get_mut(s.next_commit) {
            if m.abandoned {
                s.next_commit += 1;
                continue;
            }
            // After the first, more of this stream's messages only while they fit in
            // this packet whole.
            if !first && (m.len > max_payload || chunk_room(m.len) > room) {
                break;
            }
            first = false;
            let seq = s.front_seq + s.next_commit as u64;
            m.first_chunk = self.popped + self.chunks.len() as u64;
            let ssn = if m.ordered {
                let ssn = s.next_ssn;
                s.next_ssn = ssn.wrapping_add(1);
                ssn
            } else {
                0
            };
            let mut chunk = OutChunk {
                len: m.len.min(max_payload),
                ssn,
                ending: m.len <= max_payload,
                ..OutChunk::whole(m, id, seq)
            };
            charged += m.len;
            room = room.saturating_sub(chunk_room(chunk.len));
            s.next_commit += 1;
            s.waiting -= 1;
            self.waiting -= 1;
            if chunk.ending {
                self.chunks.push_back(chunk);
                continue;
            }
            // A fragmented message: its fragments, then this pick is done.
            let mut left = m.len;
            while left > 0 {
                chunk.len = left.min(max_payload);
                left -= chunk.len;
                chunk.ending = left == 0;
                let next_offset = chunk.offset + chunk.len as u64;
                self.chunks.push_back(chunk);
                chunk.offset = next_offset;
                chunk.beginning = false;
            }
            break;
        }
        self.scheduler.charge(s, charged);
        true
    }

    fn new_data_allowed(&self, len: usize) -> bool {
        // Rule B of section 6.1 (cwnd) and rule A (peer rwnd, with one probe when
        // nothing is in flight), and our own bound on sent data held.
        self.flight < self.cwnd
            && (len <= self.peer_rwnd || self.flight == 0)
            && self.held_sent() < self.max_held
    }

    /// Sent bytes held until acknowledged (in flight, gap-acked or marked lost).
    #[inline]
    fn held_sent(&self) -> usize {
        self.buffered - self.unsent
    }

    /// Bytes queued and never sent, all streams.
    #[inline]
    pub(super) fn unsent_total(&self) -> usize {
        self.unsent
    }

    /// Whether `fill` would put DATA in a packet now.
    #[inline]
    pub(super) fn has_sendable(&self) -> bool {
        let lost = self
            .lost
            .iter()
            .any(|&tsn| self.chunk(tsn).is_some_and(|c| c.state == ChunkState::Lost));
        if lost {
            return self.fast_rtx_bypass || self.flight < self.cwnd;
        }
        match self.chunks.get(self.next_new) {
            Some(c) => c.state == ChunkState::Abandoned || self.new_data_allowed(c.len),
            // A waiting message is numbered by `fill`; its length is not known here, so
            // this may promise a packet that the peer's window then keeps empty.
            None => self.waiting > 0 && self.new_data_allowed(1),
        }
    }

    fn chunk(&self, tsn: u32) -> Option<&OutChunk> {
        self.chunks.get(tsn.wrapping_sub(self.base_tsn) as usize)
    }

    /// Writes retransmissions, then new DATA, into the packet as cwnd, the peer's window
    /// and the packet's room allow. Arms T3-rtx when DATA leaves and it is not running.
    pub(super) fn fill(
        &mut self,
        now: Instant,
        builder: &mut PacketBuilder<'_>,
        stats: &mut Stats,
        rto: Duration,
        timers: &mut Timers,
    ) {
        let mut sent = false;
        let bypass = std::mem::take(&mut self.fast_rtx_bypass);
        while let Some(&tsn) = self.lost.front() {
            let index = tsn.wrapping_sub(self.base_tsn) as usize;
            let Some(c) = self.chunks.get_mut(index) else {
                self.lost.pop_front();
                continue;
            };
            if c.state != ChunkState::Lost {
                self.lost.pop_front();
                continue;
            }
            if !bypass && self.flight >= self.cwnd {
                break;
            }
            if !fits(builder, c.len) || !write_data(builder, tsn, c, &self.streams) {
                break;
            }
            c.state = ChunkState::InFlight;
            c.tx_count += 1;
            c.sent_at = Some(now);
            c.miss = 0;
            if index == 0 {
                // Section 7.2.4 point 4: retransmitting the lowest outstanding TSN
                // restarts T3-rtx.
                timers.set(Timer::T3Rtx, now + rto);
            }
            if c.lost_fast {
                stats.fast_retransmits += 1;
            } else {
                stats.timeout_retransmits += 1;
            }
            self.flight += c.len;
            if self.rtt_probe.is_some_and(|(t, _)| t == tsn) {
                self.rtt_probe = None;
            }
            self.lost.pop_front();
            sent = true;
        }
        if self.lost.is_empty() {
            loop {
                if self.next_new == self.chunks.len() && !self.commit_next(builder.remaining()) {
                    break;
                }
                let Some(c) = self.chunks.get_mut(self.next_new) else {
                    break;
                };
                if c.state == ChunkState::Abandoned {
                    self.next_new += 1;
                    continue;
                }
                let len = c.len;
                let allowed = self.flight < self.cwnd
                    && (len <= self.peer_rwnd || self.flight == 0)
                    && self.buffered - self.unsent < self.max_held;
                if !allowed {
                    break;
                }
                // Chunks are cut to the MTU when queued: one that does not fit waits for
                // the next packet (checked before building its header).
                if !fits(builder, len) {
                    break;
                }
                let tsn = self.base_tsn.wrapping_add(self.next_new as u32);
                if !write_data(builder, tsn, c, &self.streams) {
                    break;
                }
                c.state = ChunkState::InFlight;
                c.tx_count = 1;
                c.sent_at = Some(now);
                self.flight += len;
                self.peer_rwnd = self.peer_rwnd.saturating_sub(len);
                if let Some(s) = self.streams.get_mut(usize::from(c.stream)) {
                    s.unsent -= len;
                }
                self.unsent -= len;
                if self.rtt_probe.is_none() {
                    self.rtt_probe = Some((tsn, now));
                }
                self.next_new += 1;
                sent = true;
            }
        }
        if sent && timers.get(Timer::T3Rtx).is_none() {
            timers.set(Timer::T3Rtx, now + rto);
        }
    }

    /// Processes a SACK (sections 6.2.1, 7.2.1 to 7.2.4). Returns whether the cumulative
    /// ack advanced.
    pub(super) fn on_sack(
        &mut self,
        now: Instant,
        sack: &Sack<'_>,
        rtt: &mut RttEstimator,
        timers: &mut Timers,
    ) -> bool {
        let cum = sack.cumulative_tsn_ack;
        let cum_point = self.base_tsn.wrapping_sub(1);
        let highest_sent = self
            .base_tsn
            .wrapping_add(self.next_new as u32)
            .wrapping_sub(1);
        if tsn_lt(cum, cum_point) || tsn_gt(cum, highest_sent) {
            // Stale, or acknowledges what we never sent: ignore.
            return false;
        }
        let flight_before = self.flight;
        let mut bytes_acked = 0usize;
        let mut htna: Option<u32> = None;
        let mut progressed = false;
        while tsn_le(self.base_tsn, cum) {
            let Some(c) = self.chunks.pop_front() else {
                break;
            };
            let tsn = self.base_tsn;
            match c.state {
                ChunkState::InFlight => {
                    self.flight -= c.len;
                    bytes_acked += c.len;
                    htna = Some(tsn);
                }
                ChunkState::GapAcked => self.gap_acked -= 1,
                ChunkState::Lost => bytes_acked += c.len,
                ChunkState::Unsent | ChunkState::Abandoned => {}
            }
            if c.ending {
                // Released per run of one stream's messages, after the loop.
                match self.released.last_mut() {
                    Some(last) if last.0 == c.stream => last.1 = c.seq,
                    _ => self.released.push((c.stream, c.seq)),
                }
            }
            if let Some((t, at)) = self.rtt_probe
                && t == tsn
            {
                if c.tx_count == 1 {
                    rtt.update(now.saturating_duration_since(at));
                }
                self.rtt_probe = None;
            }
            self.buffered -= c.len;
            self.popped += 1;
            self.base_tsn = self.base_tsn.wrapping_add(1);
            self.next_new -= 1;
            progressed = true;
        }
        for (id, seq) in self.released.drain(..) {
            if let Some(s) = self.streams.get_mut(usize::from(id)) {
                let (policies, abandoned) = s.release_through(Some(seq));
                self.pr_chunks -= policies;
                self.buffered -= abandoned;
                s.free_bytes();
            }
        }
        let has_blocks = !sack.gap_ack_blocks.is_empty();
        if has_blocks || self.gap_acked > 0 {
            self.walk_gap_blocks(sack, &mut bytes_acked, &mut htna);
            if let Some(htna) = htna {
                self.count_misses(htna, highest_sent);
            }
        } else {
            // Nothing is gap-acknowledged: no range is either.
            self.acked_ranges.clear();
        }
        if let Some(exit) = self.fast_recovery_exit
            && tsn_ge(cum, exit)
        {
            self.fast_recovery_exit = None;
        }
        if progressed && self.fast_recovery_exit.is_none() {
            if self.cwnd <= self.ssthresh {
                // Slow start (section 7.2.1).
                if flight_before >= self.cwnd {
                    self.cwnd += bytes_acked.min(self.mtu);
                }
            } else {
                // Congestion avoidance (section 7.2.2).
                self.partial_bytes_acked += bytes_acked;
                if self.partial_bytes_acked >= self.cwnd && flight_before >= self.cwnd {
                    self.partial_bytes_acked -= self.cwnd;
                    self.cwnd += self.mtu;
                }
            }
        }
        if self.flight == 0 {
            self.partial_bytes_acked = 0;
        }
        self.peer_rwnd = (sack.a_rwnd as usize).saturating_sub(self.flight);
        // RFC 3758 section 3.5 C3: the peer is behind the Advanced.Peer.Ack.Point.
        let behind = self.front_abandoned();
        self.forward_due |= behind;
        if progressed {
            rtt.clear_back_off();
        }
        if self.flight == 0 && !behind {
            timers.stop(Timer::T3Rtx);
        } else if progressed || timers.get(Timer::T3Rtx).is_none() {
            timers.set(Timer::T3Rtx, now + rtt.rto());
        }
        progressed
    }

    /// T3-rtx expired (section 6.3.3): collapse cwnd, mark everything in flight lost.
    pub(super) fn on_t3_expiry(&mut self) {
        self.ssthresh = (self.cwnd / 2).max(4 * self.mtu);
        self.cwnd = self.mtu;
        self.partial_bytes_acked = 0;
        self.fast_recovery_exit = None;
        self.rtt_probe = None;
        self.lost.clear();
        let base = self.base_tsn;
        for (i, c) in self.chunks.iter_mut().take(self.next_new).enumerate() {
            if c.state == ChunkState::InFlight {
                c.state = ChunkState::Lost;
                c.lost_fast = false;
                if c.max_rtx.is_some() {
                    self.rtx_check.push(base.wrapping_add(i as u32));
                }
            }
            if c.state == ChunkState::Lost {
                self.lost.push_back(base.wrapping_add(i as u32));
            }
        }
        self.flight = 0;
        // A lost FORWARD TSN is repeated on T3-rtx (RFC 3758 section 3.5 A5).
        self.forward_due |= self.front_abandoned();
    }

    pub(super) fn front_abandoned(&self) -> bool {
        self.chunks
            .front()
            .is_some_and(|c| c.state == ChunkState::Abandoned)
    }

    /// Entries examined by `abandon_expired` so far, and the size of the expiry index.
    #[cfg(test)]
    pub(super) fn pr_work(&self) -> (u64, usize) {
        (self.pr_visits, self.expiry.len())
    }

    /// Opens the congestion window (tests that need a large flight at once).
    #[cfg(test)]
    pub(super) fn force_cwnd(&mut self, cwnd: usize) {
        self.cwnd = cwnd;
        self.ssthresh = cwnd;
    }

    /// Chunks held (sent or not), for bound checks in tests.
    #[cfg(test)]
    pub(super) fn chunk_count(&self) -> usize {
        self.chunks.len()
    }
}

/// Whether a DATA chunk with `len` bytes of user data (padded) fits in the packet.
#[inline(always)]
fn fits(builder: &PacketBuilder<'_>, len: usize) -> bool {
    chunk_room(len) <= builder.remaining()
}

/// Bytes a DATA chunk with `len` bytes of user data takes in a packet, padding included.
#[inline(always)]
fn chunk_room(len: usize) -> usize {
    crate::bytes::pad4(4 + Data::FIXED_LEN + len)
}

/// Writes one DATA chunk; false if it does not fit.
#[inline]
fn write_data(
    builder: &mut PacketBuilder<'_>,
    tsn: u32,
    c: &OutChunk,
    streams: &[OutStream],
) -> bool {
    let Some(s) = streams.get(usize::from(c.stream)) else {
        return false;
    };
    if c.idata {
        return interleave::write_idata(builder, tsn, c, s);
    }
    let header = Data {
        immediate: false,
        unordered: c.unordered,
        beginning: c.beginning,
        ending: c.ending,
        tsn,
        stream_id: c.stream,
        ssn: c.ssn,
        ppid: c.ppid,
        user_data: &[],
    };
    match builder.push_data_header(&header, c.len) {
        Ok(room) => copy_payload(s, c, room),
        Err(_) => false,
    }
}

/// Copies chunk `c`'s user data into `room`: from the message's own buffer when it was
/// given as one (`send_bytes`), else from the stream's byte ring. False if the chunk
/// lies outside its buffer (cannot happen for chunks cut from their message).
#[inline(always)]
fn copy_payload(s: &OutStream, c: &OutChunk, room: &mut [u8]) -> bool {
    match s.message(c.seq) {
        Some(OutMessage {
            shared: Some(data),
            offset,
            ..
        }) => {
            let at = (c.offset - offset) as usize;
            match data.get(at..at + room.len()) {
                Some(src) => {
                    room.copy_from_slice(src);
                    true
                }
                None => false,
            }
        }
        _ => {
            copy_out(&s.bytes, (c.offset - s.bytes_base) as usize, room);
            true
        }
    }
}

/// A user message handed to [`Sender::enqueue`].
#[derive(Debug)]
pub(super) enum Payload<'a> {
    /// Copied into the stream's byte ring.
    Borrowed(&'a [u8]),
    /// Held as it is (from [`Association::send_bytes`]).
    ///
    /// [`Association::send_bytes`]: crate::association::Association::send_bytes
    Shared(Bytes),
}

impl Payload<'_> {
    fn len(&self) -> usize {
        match self {
            Payload::Borrowed(data) => data.len(),
            Payload::Shared(data) => data.len(),
        }
    }
}

/// Shared messages shorter than this are copied into the ring anyway.
const SHARE_MIN: usize = 1024;

/// Copies `dst.len()` bytes starting at `at` out of the ring (two memcpys at most).
fn copy_out(bytes: &VecDeque<u8>, at: usize, dst: &mut [u8]) {
    let (front, back) = bytes.as_slices();
    let n = dst.len();
    if at + n <= front.len() {
        dst.copy_from_slice(&front[at..at + n]);
    } else if at >= front.len() {
        let at = at - front.len();
        dst.copy_from_slice(&back[at..at + n]);
    } else {
        let (a, b) = dst.split_at_mut(front.len() - at);
        a.copy_from_slice(&front[at..]);
        b.copy_from_slice(&back[..b.len()]);
    }
}
