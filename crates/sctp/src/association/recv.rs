//! The data receiver (RFC 9260 sections 6.2, 6.5, 6.6, 6.9): TSN tracking with bounded
//! gap bookkeeping, duplicate detection, reassembly bounded by `max_message_size`,
//! per-stream ordered delivery, immediate delivery of unordered messages, the advertised
//! receive window, and SACK generation (delayed SACK, immediate SACK on gaps and
//! duplicates).
//!
//! Bounds: user data held (fragments, messages waiting for an earlier SSN, and delivered
//! messages not yet taken with `poll_event`) never exceeds the receive buffer by more than
//! one chunk, the chunk count is capped, the gap list holds at most [`MAX_RANGES`]
//! ranges, TSNs more than 65535 above the cumulative TSN are dropped (they could not be
//! reported in a gap ack block), and at most [`MAX_DUPS`] duplicate TSNs wait for a SACK.

mod interleave;

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use super::timers::{Timer, Timers};
use super::{Config, Event};
use crate::chunk::{Data, ForwardTsn, GapAckBlock, Ppid, Sack};
use crate::{Chunk, Items, PacketBuilder};

pub(super) use interleave::IDataOutcome;
#[cfg(test)]
pub(super) use interleave::MAX_REASSEMBLING;

/// Most disjoint ranges of TSNs received above the cumulative TSN.
pub(super) const MAX_RANGES: usize = 128;
/// Most duplicate TSNs reported in one SACK.
pub(super) const MAX_DUPS: usize = 16;
/// Most chunks and messages held at once (fragments, waiting and undelivered messages).
pub(super) const MAX_HELD: usize = 16_384;
/// Furthest a TSN may be above the cumulative TSN (gap ack offsets are 16 bits).
const MAX_TSN_AHEAD: u64 = 65_535;

/// What became of one DATA chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DataOutcome {
    Ok,
    Duplicate,
    NoRoom,
    InvalidStream,
    TooLarge,
}

#[derive(Debug)]
struct Fragment {
    stream: u16,
    ssn: u16,
    unordered: bool,
    beginning: bool,
    ending: bool,
    ppid: Ppid,
    data: Vec<u8>,
    /// Bytes from the message's first fragment through this one, as far as known when
    /// it arrived (catches never-ending messages sent in order).
    run_len: usize,
}

impl Fragment {
    fn same_message(&self, other: &Fragment) -> bool {
        self.stream == other.stream
            && self.unordered == other.unordered
            && (self.unordered || self.ssn == other.ssn)
    }
}

/// A message whose fragments have so far all arrived in order with nothing received
/// beyond them: they are appended straight into one buffer instead of the fragment map.
#[derive(Debug)]
struct Partial {
    stream: u16,
    ssn: u16,
    unordered: bool,
    ppid: Ppid,
    data: Vec<u8>,
    /// The TSN that continues it.
    next_tsn: u64,
}

/// One ordered sequence of an incoming stream (its SSNs with DATA, its MIDs with I-DATA):
/// the next number to deliver, unwrapped, and the complete messages waiting for an earlier
/// one.
#[derive(Debug)]
struct InOrder {
    next: u64,
    waiting: BTreeMap<u64, (Ppid, Vec<u8>)>,
}

impl InOrder {
    fn starting_at(next: u64) -> Self {
        Self {
            next,
            waiting: BTreeMap::new(),
        }
    }

    /// Message `u` is complete: delivered with those waiting behind it if it is next, kept
    /// if it is ahead. False, and nothing kept, if `u` was delivered or is waiting already
    /// (the peer reused the number).
    #[inline]
    fn offer(
        &mut self,
        u: u64,
        stream: u16,
        ppid: Ppid,
        data: Vec<u8>,
        events: &mut VecDeque<Event>,
    ) -> bool {
        if u < self.next || (u != self.next && self.waiting.contains_key(&u)) {
            return false;
        }
        if u != self.next {
            self.waiting.insert(u, (ppid, data));
            return true;
        }
        deliver_ordered(stream, ppid, data, events);
        self.next += 1;
        self.release(stream, events);
        true
    }

    /// The peer skipped up to message `u` (FORWARD TSN, I-FORWARD-TSN): what waits up to
    /// it is delivered in order, then the sequence continues after it.
    fn skip_through(&mut self, u: u64, stream: u16, events: &mut VecDeque<Event>) {
        if u < self.next {
            return;
        }
        let rest = self.waiting.split_off(&(u + 1));
        for (_, (ppid, data)) in std::mem::replace(&mut self.waiting, rest) {
            deliver_ordered(stream, ppid, data, events);
        }
        self.next = u + 1;
        self.release(stream, events);
    }

    /// Delivers the waiting messages that follow `next` without a gap.
    fn release(&mut self, stream: u16, events: &mut VecDeque<Event>) {
        while let Some(e) = self.waiting.first_entry() {
            if *e.key() != self.next {
                break;
            }
            let (ppid, data) = e.remove();
            deliver_ordered(stream, ppid, data, events);
            self.next += 1;
        }
    }

    /// Drops the waiting messages; returns their bytes and count.
    fn clear(&mut self) -> (usize, usize) {
        let waiting = std::mem::take(&mut self.waiting);
        let count = waiting.len();
        (waiting.into_values().map(|(_, d)| d.len()).sum(), count)
    }
}

fn deliver_ordered(stream: u16, ppid: Ppid, data: Vec<u8>, events: &mut VecDeque<Event>) {
    events.push_back(Event::Message {
        stream,
        ppid,
        data,
        ordered: true,
    });
}

/// An incoming stream's SSN sequence.
#[derive(Debug)]
struct InStream {
    /// Unwrapped SSNs (from 0x1_0000, so unwrapping never underflows).
    order: InOrder,
}

/// Where unwrapped SSNs start.
const SSN_BASE: u64 = 0x1_0000;

impl Default for InStream {
    fn default() -> Self {
        Self {
            order: InOrder::starting_at(SSN_BASE),
        }
    }
}

impl InStream {
    fn unwrap_ssn(&self, ssn: u16) -> u64 {
        let next = self.order.next;
        let diff = i64::from(ssn.wrapping_sub(next as u16) as i16);
        (next as i64 + diff) as u64
    }
}

#[derive(Debug)]
pub(super) struct Receiver {
    capacity: usize,
    max_message_size: usize,
    /// Cumulative TSN, unwrapped to 64 bits (low 32 bits are the wire TSN).
    cum: u64,
    /// Disjoint sorted ranges received above `cum + 1`.
    ranges: Vec<(u64, u64)>,
    fragments: BTreeMap<u64, Fragment>,
    partial: Option<Partial>,
    streams: Vec<InStream>,
    used: usize,
    held: usize,
    dups: Vec<u32>,
    packets_unacked: u32,
    sack_now: bool,
    immediate: bool,
    last_advertised: u32,
    blocks: Vec<GapAckBlock>,
    /// Buffers of delivered messages given back by the user, for reuse.
    pool: Vec<Vec<u8>>,
    /// Their total capacity.
    pooled: usize,
    /// I-DATA reassembly (RFC 8260), when negotiated.
    ireasm: interleave::Reassembly,
}

impl Receiver {
    pub(super) fn new(config: &Config) -> Self {
        Self {
            capacity: config.receive_buffer,
            max_message_size: config.max_message_size,
            cum: 1 << 32,
            ranges: Vec::new(),
            fragments: BTreeMap::new(),
            partial: None,
            streams: Vec::new(),
            used: 0,
            held: 0,
            dups: Vec::new(),
            packets_unacked: 0,
            sack_now: false,
            immediate: false,
            last_advertised: config.receive_buffer as u32,
            blocks: Vec::new(),
            pool: Vec::new(),
            pooled: 0,
            ireasm: interleave::Reassembly::default(),
        }
    }

    /// Starts TSN tracking at the peer's initial TSN.
    pub(super) fn reset(&mut self, initial_tsn: u32) {
        self.cum = (1 << 32) + u64::from(initial_tsn.wrapping_sub(1));
        self.ranges.clear();
        self.fragments.clear();
        self.partial = None;
        self.streams.clear();
        self.dups.clear();
        self.packets_unacked = 0;
        self.sack_now = false;
    }

    /// User data held.
    #[inline]
    pub(super) fn used(&self) -> usize {
        self.used
    }

    /// The window we advertise: the free part of the receive buffer.
    #[inline]
    pub(super) fn a_rwnd(&self) -> u32 {
        self.capacity.saturating_sub(self.used) as u32
    }

    /// The cumulative TSN (wire form).
    #[inline]
    pub(super) fn cumulative_tsn(&self) -> u32 {
        self.cum as u32
    }

    fn unwrap_tsn(&self, tsn: u32) -> u64 {
        let diff = i64::from(tsn.wrapping_sub(self.cum as u32) as i32);
        (self.cum as i64 + diff) as u64
    }

    /// Index of the first range whose end is at or above `t`.
    fn range_index(&self, t: u64) -> usize {
        self.ranges.partition_point(|r| r.1 < t)
    }

    fn contains(&self, t: u64) -> bool {
        let i = self.range_index(t);
        self.ranges.get(i).is_some_and(|r| r.0 <= t)
    }

    /// Records `t` as received (it is above `cum` and not yet received).
    fn mark(&mut self, t: u64) {
        if t == self.cum + 1 {
            self.cum = t;
            if let Some(&(start, end)) = self.ranges.first()
                && start == self.cum + 1
            {
                self.cum = end;
                self.ranges.remove(0);
            }
            return;
        }
        let i = self.range_index(t);
        let joins_prev = i > 0 && self.ranges[i - 1].1 + 1 == t;
        let joins_next = self.ranges.get(i).is_some_and(|r| r.0 == t + 1);
        match (joins_prev, joins_next) {
            (true, true) => {
                self.ranges[i - 1].1 = self.ranges[i].1;
                self.ranges.remove(i);
            }
            (true, false) => self.ranges[i - 1].1 = t,
            (false, true) => self.ranges[i].0 = t,
            (false, false) => self.ranges.insert(i, (t, t)),
        }
    }

    fn adds_range(&self, t: u64) -> bool {
        let i = self.range_index(t);
        let joins_prev = i > 0 && self.ranges[i - 1].1 + 1 == t;
        let joins_next = self.ranges.get(i).is_some_and(|r| r.0 == t + 1);
        !(joins_prev || joins_next)
    }

    /// Handles one DATA chunk (with user data).
    pub(super) fn on_data(
        &mut self,
        data: &Data<'_>,
        inbound_streams: u16,
        events: &mut VecDeque<Event>,
    ) -> DataOutcome {
        let chunk = (
            data.tsn,
            data.immediate,
            data.user_data.len(),
            data.stream_id,
        );
        match self.admit(chunk, inbound_streams, false) {
            Ok(t) => self.store(t, data, events),
            Err(outcome) => outcome,
        }
    }

    /// What every data chunk (DATA or I-DATA), given as (TSN, I bit, user data length,
    /// stream), goes through before its user data is stored (RFC 9260 section 6.2):
    /// a duplicate is reported; a chunk beyond the buffer's room or the bounds on TSNs
    /// ahead and on gap ranges, or when `full` (the caller's own bound), is dropped and
    /// a SACK asked for; otherwise its TSN is marked received, and a chunk on a stream
    /// that does not exist is refused after that. The unwrapped TSN, or the outcome.
    pub(super) fn admit(
        &mut self,
        (tsn, immediate, len, stream): (u32, bool, usize, u16),
        inbound_streams: u16,
        full: bool,
    ) -> Result<u64, DataOutcome> {
        self.immediate |= immediate;
        let t = self.unwrap_tsn(tsn);
        if t <= self.cum || self.contains(t) {
            if self.dups.len() < MAX_DUPS {
                self.dups.push(tsn);
            }
            return Err(DataOutcome::Duplicate);
        }
        let next = t == self.cum + 1;
        let fits = self.used + len <= self.capacity && self.held < MAX_HELD;
        // The next expected chunk may overshoot the buffer once (a zero window probe).
        let probe = next && self.used <= self.capacity && self.held <= MAX_HELD;
        if t > self.cum + MAX_TSN_AHEAD
            || !(fits || probe)
            || (!next && self.ranges.len() >= MAX_RANGES && self.adds_range(t))
            || full
        {
            self.sack_now = true;
            return Err(DataOutcome::NoRoom);
        }
        self.mark(t);
        if stream >= inbound_streams {
            return Err(DataOutcome::InvalidStream);
        }
        Ok(t)
    }

    fn store(&mut self, t: u64, data: &Data<'_>, events: &mut VecDeque<Event>) -> DataOutcome {
        let len = data.user_data.len();
        // Nothing was received beyond `t`: the in-order fast path applies.
        let in_order = self.cum == t && self.ranges.is_empty();
        if let Some(p) = &mut self.partial {
            let continues = t == p.next_tsn
                && !data.beginning
                && p.stream == data.stream_id
                && p.unordered == data.unordered
                && (p.unordered || p.ssn == data.ssn);
            if continues && in_order {
                if p.data.len() + len > self.max_message_size {
                    return DataOutcome::TooLarge;
                }
                p.data.extend_from_slice(data.user_data);
                p.next_tsn += 1;
                self.used += len;
                if data.ending
                    && let Some(p) = self.partial.take()
                {
                    self.deliver(p.stream, p.ssn, p.unordered, p.ppid, p.data, events);
                }
                return DataOutcome::Ok;
            }
            self.flush_partial();
        }
        if in_order && data.beginning && !data.ending {
            let mut buf = self.take_buffer((len * 16).min(self.max_message_size));
            buf.extend_from_slice(data.user_data);
            self.partial = Some(Partial {
                stream: data.stream_id,
                ssn: data.ssn,
                unordered: data.unordered,
                ppid: data.ppid,
                data: buf,
                next_tsn: t + 1,
            });
            self.used += len;
            self.held += 1;
            return DataOutcome::Ok;
        }
        if data.beginning && data.ending {
            self.used += len;
            self.held += 1;
            let mut buf = self.take_buffer(len);
            buf.extend_from_slice(data.user_data);
            self.deliver(
                data.stream_id,
                data.ssn,
                data.unordered,
                data.ppid,
                buf,
                events,
            );
            return DataOutcome::Ok;
        }
        let mut fragment = Fragment {
            stream: data.stream_id,
            ssn: data.ssn,
            unordered: data.unordered,
            beginning: data.beginning,
            ending: data.ending,
            ppid: data.ppid,
            data: Vec::new(),
            run_len: len,
        };
        if !data.beginning
            && let Some(prev) = self.fragments.get(&(t - 1))
            && prev.same_message(&fragment)
            && !prev.ending
        {
            fragment.run_len += prev.run_len;
        }
        if fragment.run_len > self.max_message_size {
            return DataOutcome::TooLarge;
        }
        fragment.data = data.user_data.to_vec();
        let ending = fragment.ending;
        self.fragments.insert(t, fragment);
        self.used += len;
        self.held += 1;
        if ending || self.fragments.contains_key(&(t + 1)) {
            return self.try_assemble(t, events);
        }
        DataOutcome::Ok
    }

    /// Moves the in-order partial message into the fragment map as one fragment keyed
    /// by its last TSN and marked as the beginning, so the map path can finish it.
    fn flush_partial(&mut self) {
        if let Some(p) = self.partial.take() {
            let run_len = p.data.len();
            self.fragments.insert(
                p.next_tsn - 1,
                Fragment {
                    stream: p.stream,
                    ssn: p.ssn,
                    unordered: p.unordered,
                    beginning: true,
                    ending: false,
                    ppid: p.ppid,
                    data: p.data,
                    run_len,
                },
            );
        }
    }

    /// Delivers the message around fragment `t` if all its fragments are here.
    fn try_assemble(&mut self, t: u64, events: &mut VecDeque<Event>) -> DataOutcome {
        let Some(this) = self.fragments.get(&t) else {
            return DataOutcome::Ok;
        };
        let mut first = t;
        loop {
            let Some(f) = self.fragments.get(&first) else {
                return DataOutcome::Ok;
            };
            if !f.same_message(this) || (f.ending && first != t) {
                return DataOutcome::Ok;
            }
            if f.beginning {
                break;
            }
            first -= 1;
        }
        let mut last = t;
        let mut total = 0usize;
        loop {
            let Some(f) = self.fragments.get(&last) else {
                return DataOutcome::Ok;
            };
            if !f.same_message(this) || (f.beginning && last != first) {
                return DataOutcome::Ok;
            }
            if f.ending {
                break;
            }
            last += 1;
        }
        for (_, f) in self.fragments.range(first..=last) {
            total += f.data.len();
        }
        if total > self.max_message_size {
            return DataOutcome::TooLarge;
        }
        let (stream, ssn, unordered, ppid) = (this.stream, this.ssn, this.unordered, this.ppid);
        let mut message = self.take_buffer(total);
        for k in first..=last {
            if let Some(f) = self.fragments.remove(&k) {
                message.extend_from_slice(&f.data);
            }
        }
        self.held -= (last - first) as usize;
        self.deliver(stream, ssn, unordered, ppid, message, events);
        DataOutcome::Ok
    }

    #[inline]
    fn deliver(
        &mut self,
        stream: u16,
        ssn: u16,
        unordered: bool,
        ppid: Ppid,
        data: Vec<u8>,
        events: &mut VecDeque<Event>,
    ) {
        if unordered {
            events.push_back(Event::Message {
                stream,
                ppid,
                data,
                ordered: false,
            });
            return;
        }
        let index = usize::from(stream);
        if self.streams.len() <= index {
            self.streams.resize_with(index + 1, InStream::default);
        }
        let s = &mut self.streams[index];
        let u = s.unwrap_ssn(ssn);
        let len = data.len();
        if !s.order.offer(u, stream, ppid, data, events) {
            // An SSN already delivered or already waiting: the peer reused it.
            self.used -= len;
            self.held -= 1;
        }
    }

    /// Moves the cumulative TSN to a FORWARD TSN's or I-FORWARD-TSN's new one (and over
    /// the received range it reaches) and asks for a SACK. The new cumulative TSN, or
    /// `None` if it is not ahead of ours.
    fn skip_to(&mut self, new_cumulative_tsn: u32) -> Option<u64> {
        let new = self.unwrap_tsn(new_cumulative_tsn);
        self.sack_now = true;
        if new <= self.cum {
            return None;
        }
        self.cum = new;
        let below = self.ranges.partition_point(|r| r.1 <= new);
        self.ranges.drain(..below);
        if let Some(first) = self.ranges.first_mut()
            && first.0 <= new + 1
        {
            self.cum = first.1;
            self.ranges.remove(0);
        }
        Some(new)
    }

    /// Handles a FORWARD TSN chunk (RFC 3758 section 3.6): moves the cumulative TSN,
    /// drops reassembly state for the skipped TSNs, and advances the listed ordered
    /// streams past the skipped SSNs, delivering messages that were waiting for them.
    pub(super) fn on_forward_tsn(
        &mut self,
        fwd: &ForwardTsn<'_>,
        inbound_streams: u16,
        events: &mut VecDeque<Event>,
    ) {
        let Some(new) = self.skip_to(fwd.new_cumulative_tsn) else {
            return;
        };
        let rest = self.fragments.split_off(&(new + 1));
        for f in std::mem::replace(&mut self.fragments, rest).into_values() {
            self.used -= f.data.len();
            self.held -= 1;
        }
        if let Some(p) = self.partial.take() {
            if p.next_tsn > new + 1 {
                self.partial = Some(p);
            } else {
                self.used -= p.data.len();
                self.held -= 1;
            }
        }
        for entry in fwd.streams.iter() {
            if entry.stream_id >= inbound_streams {
                continue;
            }
            let index = usize::from(entry.stream_id);
            if self.streams.len() <= index {
                self.streams.resize_with(index + 1, InStream::default);
            }
            let s = &mut self.streams[index];
            let u = s.unwrap_ssn(entry.ssn);
            s.order.skip_through(u, entry.stream_id, events);
        }
    }

    /// Restarts the incoming SSNs of `streams` (all when empty) at 0 (RFC 6525 section
    /// 5.2.2), dropping messages still waiting on them.
    pub(super) fn reset_incoming(&mut self, streams: &[u16]) {
        let reset = |s: &mut InStream, used: &mut usize, held: &mut usize| {
            let (bytes, count) = s.order.clear();
            *used -= bytes;
            *held -= count;
            s.order.next = SSN_BASE;
        };
        if streams.is_empty() {
            for s in &mut self.streams {
                reset(s, &mut self.used, &mut self.held);
            }
        }
        for &id in streams {
            if let Some(s) = self.streams.get_mut(usize::from(id)) {
                reset(s, &mut self.used, &mut self.held);
            }
        }
        self.reset_incoming_mids(streams);
    }

    /// A delivered message of `len` bytes left the event queue.
    /// Most buffers kept for reuse.
    const POOL_BUFFERS: usize = 1024;

    /// A cleared buffer with room for `min` bytes: a recycled one if there is one.
    #[inline]
    fn take_buffer(&mut self, min: usize) -> Vec<u8> {
        match self.pool.pop() {
            Some(mut buf) => {
                self.pooled -= buf.capacity();
                buf.reserve(min);
                if let Some(next) = self.pool.last_mut() {
                    // The next message is likely about as long as this one.
                    prefetch_for_write(next, min);
                }
                buf
            }
            None => Vec::with_capacity(min),
        }
    }

    /// Keeps a delivered message's buffer for reuse, within [`Self::POOL_BUFFERS`]
    /// buffers and the receive buffer's size in total capacity (a full window of small
    /// messages read in one go comes back whole, rather than being freed and allocated
    /// again).
    pub(super) fn recycle(&mut self, mut buf: Vec<u8>) {
        let cap = buf.capacity();
        if cap == 0 || self.pool.len() >= Self::POOL_BUFFERS || self.pooled + cap > self.capacity {
            return;
        }
        buf.clear();
        self.pooled += cap;
        self.pool.push(buf);
    }

    /// Buffers kept for reuse and their total capacity (for tests).
    #[cfg(test)]
    pub(super) fn pool_stats(&self) -> (usize, usize, usize) {
        let sum = self.pool.iter().map(Vec::capacity).sum();
        (self.pool.len(), self.pooled, sum)
    }

    pub(super) fn released(&mut self, len: usize) {
        self.used = self.used.saturating_sub(len);
        self.held = self.held.saturating_sub(1);
        // Window update: tell a sender that saw a small window that it reopened.
        if self.a_rwnd() as usize >= self.last_advertised as usize + self.capacity / 2 {
            self.sack_now = true;
        }
    }

    /// Decides between an immediate and a delayed SACK after a packet with DATA.
    #[inline]
    pub(super) fn after_packet(&mut self, now: Instant, timers: &mut Timers, config: &Config) {
        self.packets_unacked += 1;
        if self.immediate
            || !self.ranges.is_empty()
            || !self.dups.is_empty()
            || self.packets_unacked >= 2
        {
            self.sack_now = true;
        } else if timers.get(Timer::DelayedAck).is_none() {
            timers.set(Timer::DelayedAck, now + config.sack_delay);
        }
    }

    /// A SACK is due for a gap, a duplicate or the I bit (RFC 9260 sections 6.2, 6.7), not
    /// only for the every-second-packet rule.
    pub(super) fn sack_urgent(&self) -> bool {
        self.sack_now && (self.immediate || !self.ranges.is_empty() || !self.dups.is_empty())
    }

    /// The delayed SACK timer fired.
    pub(super) fn request_sack(&mut self) {
        self.sack_now = true;
    }

    /// Whether a SACK goes in the next packet: one is due now, or one is pending and can
    /// ride along with DATA.
    pub(super) fn sack_due(&self, data_ready: bool) -> bool {
        self.sack_now || (data_ready && self.packets_unacked > 0)
    }

    /// Writes a SACK with as many gap ack blocks as fit.
    pub(super) fn write_sack(&mut self, builder: &mut PacketBuilder<'_>) {
        let room = builder.remaining().saturating_sub(4 + Sack::FIXED_LEN);
        let dups = self.dups.len().min(room / 4);
        let max_blocks = (room - dups * 4) / 4;
        self.blocks.clear();
        for &(start, end) in self.ranges.iter().take(max_blocks) {
            self.blocks.push(GapAckBlock {
                start: (start - self.cum) as u16,
                end: (end - self.cum) as u16,
            });
        }
        let a_rwnd = self.a_rwnd();
        let sack = Sack {
            cumulative_tsn_ack: self.cum as u32,
            a_rwnd,
            gap_ack_blocks: Items::Slice(&self.blocks),
            duplicate_tsns: Items::Slice(&self.dups[..dups]),
        };
        if builder.push(&Chunk::Sack(sack)).is_ok() {
            self.dups.clear();
            self.packets_unacked = 0;
            self.sack_now = false;
            self.immediate = false;
            self.last_advertised = a_rwnd;
        }
    }

    /// Chunks and messages held (for bound checks in tests).
    #[cfg(test)]
    pub(super) fn held(&self) -> usize {
        self.held
    }

    /// Gap ranges held (for bound checks in tests).
    #[cfg(test)]
    pub(super) fn range_count(&self) -> usize {
        self.ranges.len()
    }
}

/// Asks the CPU to bring the first `len` bytes (at most [`PREFETCH_MAX`]) of `buf`'s room
/// into its cache for writing, ahead of the next message copied into it: pool buffers are
/// often cold (recycled a window of messages ago), and the copy into a cold buffer cost
/// about 8 % of the time of a 1 KiB transfer. A hint only; it reads and writes nothing.
#[inline]
fn prefetch_for_write(buf: &mut Vec<u8>, len: usize) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse"))]
    {
        let room = buf.spare_capacity_mut();
        let end = room.len().min(len).min(PREFETCH_MAX);
        let mut at = 0;
        while at < end {
            safe_arch::prefetch_et0(&room[at]);
            at += 64;
        }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse")))]
    let _ = (buf, len);
}

/// The most of the next pool buffer [`prefetch_for_write`] asks for.
const PREFETCH_MAX: usize = 2048;
