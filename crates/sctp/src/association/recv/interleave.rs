//! The I-DATA receiver (RFC 8260 sections 2.2.3 and 2.3.2): reassembly keyed by (stream,
//! U flag, MID) and ordered by FSN, ordered delivery by MID per stream, and I-FORWARD-TSN.
//!
//! TSNs are tracked exactly as for DATA (the same gap list, duplicate and window rules);
//! only what becomes of the user data differs. A message's fragments that arrive in FSN
//! order are appended to one buffer; fragments ahead of a gap wait in a small map.
//!
//! Bounds, besides the receive buffer and chunk count shared with DATA: at most
//! [`MAX_REASSEMBLING`] messages are reassembled at once (a chunk that would start
//! another is dropped unacknowledged, as when the buffer is full), a message may not
//! exceed `max_message_size` (ABORT), and a peer that contradicts itself about a message
//! (a second first or last fragment, a fragment beyond the last, the same FSN twice, FSN
//! 0 without the B bit) is aborted with a Protocol Violation. MIDs compare with serial
//! number arithmetic (RFC 1982), so they wrap.
//!
//! Left out: the partial delivery of large messages (RFC 8260 section 2.2.3 allows it
//! through an API this crate does not have).

use std::collections::{BTreeMap, VecDeque};

use super::{DataOutcome, InOrder, Receiver};
use crate::association::Event;
use crate::chunk::{IData, IForwardTsn, Ppid};

/// Most messages reassembled at once (all streams). Our own sender starts at most
/// a quarter of this many (`send::interleave`).
pub(in crate::association) const MAX_REASSEMBLING: usize = 1024;

/// How far unordered MIDs may pass the last one skipped before it is forgotten (late
/// fragments of a skipped message arrive within a few round trips, not 2^30 messages).
const FLOOR_SPAN: u32 = 1 << 30;

/// What became of one I-DATA chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::association) enum IDataOutcome {
    /// As for DATA.
    Data(DataOutcome),
    /// The peer broke RFC 8260's rules for this message: abort.
    Violation(&'static str),
}

/// A message being reassembled.
#[derive(Debug)]
struct IMessage {
    stream: u16,
    unordered: bool,
    mid: u32,
    /// Known once the first fragment arrived.
    ppid: Ppid,
    /// Fragments `0..next_fsn`, in order.
    data: Vec<u8>,
    next_fsn: u32,
    /// Fragments beyond `next_fsn`, by FSN.
    later: BTreeMap<u32, Vec<u8>>,
    /// User data held and fragments held.
    bytes: usize,
    chunks: usize,
    /// The FSN of the last fragment (E bit), once received; and the largest FSN seen.
    last_fsn: Option<u32>,
    max_fsn: u32,
}

/// Where unwrapped MIDs start.
const MID_BASE: u64 = 1 << 32;

/// One incoming stream's message sequence under I-DATA.
#[derive(Debug)]
struct IStream {
    /// Ordered MIDs, unwrapped (from 2^32, so unwrapping never underflows).
    order: InOrder,
    /// The largest unordered MID skipped by I-FORWARD-TSN: late fragments at or below it
    /// are dropped instead of starting a message that would never complete.
    unordered_floor: Option<u32>,
}

impl Default for IStream {
    fn default() -> Self {
        Self {
            order: InOrder::starting_at(MID_BASE),
            unordered_floor: None,
        }
    }
}

impl IStream {
    fn unwrap_mid(&self, mid: u32) -> u64 {
        let next = self.order.next;
        let diff = i64::from(mid.wrapping_sub(next as u32) as i32);
        (next as i64 + diff) as u64
    }

    /// Forgets the unordered floor once MIDs are far past it, before serial arithmetic
    /// would take new MIDs for old ones.
    fn pass_floor(&mut self, mid: u32) {
        if self
            .unordered_floor
            .is_some_and(|f| mid.wrapping_sub(f) > FLOOR_SPAN && (mid.wrapping_sub(f) as i32) > 0)
        {
            self.unordered_floor = None;
        }
    }

    /// Whether message `mid` was delivered or skipped already.
    fn is_stale(&self, unordered: bool, mid: u32) -> bool {
        if unordered {
            self.unordered_floor
                .is_some_and(|f| mid.wrapping_sub(f) as i32 <= 0)
        } else {
            self.unwrap_mid(mid) < self.order.next
        }
    }
}

/// Reassembly state for I-DATA.
#[derive(Debug, Default)]
pub(in crate::association) struct Reassembly {
    messages: Vec<IMessage>,
    streams: Vec<IStream>,
    /// Where the latest fragment's message sits in `messages` (consecutive fragments
    /// usually belong to one message).
    hint: usize,
}

impl Reassembly {
    fn stream_mut(&mut self, id: u16) -> &mut IStream {
        let index = usize::from(id);
        if self.streams.len() <= index {
            self.streams.resize_with(index + 1, IStream::default);
        }
        &mut self.streams[index]
    }

    fn find(&mut self, stream: u16, unordered: bool, mid: u32) -> Option<usize> {
        let is = |m: &IMessage| m.mid == mid && m.stream == stream && m.unordered == unordered;
        if self.messages.get(self.hint).is_some_and(is) {
            return Some(self.hint);
        }
        let found = self.messages.iter().position(is);
        if let Some(i) = found {
            self.hint = i;
        }
        found
    }
}

impl Receiver {
    /// Switches to I-DATA (RFC 8260 section 2.2.1) or back; drops reassembly state.
    pub(in crate::association) fn set_interleaving(&mut self, on: bool) {
        let _ = on; // the association routes I-DATA here only when negotiated
        self.ireasm = Reassembly::default();
    }

    /// Sets the next ordered MID expected on `stream` (tests of MID wrap-around).
    #[cfg(test)]
    pub(in crate::association) fn set_next_mid(&mut self, stream: u16, mid: u32) {
        self.ireasm.stream_mut(stream).order.next = MID_BASE + u64::from(mid);
    }

    /// Messages being reassembled under I-DATA (for bound checks in tests).
    #[cfg(test)]
    pub(in crate::association) fn reassembling(&self) -> usize {
        self.ireasm.messages.len()
    }

    /// Handles one I-DATA chunk (with user data).
    pub(in crate::association) fn on_idata(
        &mut self,
        data: &IData<'_>,
        inbound_streams: u16,
        events: &mut VecDeque<Event>,
    ) -> IDataOutcome {
        let whole = data.beginning && data.ending;
        // A chunk that would start one more message than reassembly holds is dropped.
        let full = !whole
            && self.ireasm.messages.len() >= MAX_REASSEMBLING
            && self
                .ireasm
                .find(data.stream_id, data.unordered, data.mid)
                .is_none();
        let chunk = (
            data.tsn,
            data.immediate,
            data.user_data.len(),
            data.stream_id,
        );
        if let Err(outcome) = self.admit(chunk, inbound_streams, full) {
            return IDataOutcome::Data(outcome);
        }
        self.store_fragment(data, events)
    }

    fn store_fragment(&mut self, data: &IData<'_>, events: &mut VecDeque<Event>) -> IDataOutcome {
        let (stream, unordered, mid) = (data.stream_id, data.unordered, data.mid);
        let len = data.user_data.len();
        let found = self.ireasm.find(stream, unordered, mid);
        if found.is_none() {
            let s = self.ireasm.stream_mut(stream);
            if unordered {
                s.pass_floor(mid);
            }
            if s.is_stale(unordered, mid) {
                // A message already delivered or skipped: the chunk's TSN counts, its
                // data does not.
                return IDataOutcome::Data(DataOutcome::Ok);
            }
        }
        if len > self.max_message_size {
            return IDataOutcome::Data(DataOutcome::TooLarge);
        }
        if data.beginning && data.ending {
            if found.is_some() {
                return IDataOutcome::Violation("I-DATA message restarted while reassembled");
            }
            let mut buf = self.take_buffer(len);
            buf.extend_from_slice(data.user_data);
            self.used += len;
            self.held += 1;
            self.deliver_mid(stream, unordered, mid, data.ppid_or_fsn, buf, events);
            return IDataOutcome::Data(DataOutcome::Ok);
        }
        let fsn = data.fsn();
        if !data.beginning && fsn == 0 {
            return IDataOutcome::Violation("I-DATA FSN 0 without the B bit");
        }
        let index = match found {
            Some(i) => i,
            None => {
                self.ireasm.messages.push(IMessage {
                    stream,
                    unordered,
                    mid,
                    ppid: Ppid(0),
                    data: Vec::new(),
                    next_fsn: 0,
                    later: BTreeMap::new(),
                    bytes: 0,
                    chunks: 0,
                    last_fsn: None,
                    max_fsn: 0,
                });
                self.ireasm.messages.len() - 1
            }
        };
        let max_message_size = self.max_message_size;
        let m = &mut self.ireasm.messages[index];
        if fsn < m.next_fsn || m.later.contains_key(&fsn) {
            return IDataOutcome::Violation("I-DATA fragment received twice");
        }
        if let Some(last) = m.last_fsn
            && (fsn > last || data.ending)
        {
            return IDataOutcome::Violation("I-DATA fragment beyond the last one");
        }
        if data.ending && fsn < m.max_fsn {
            return IDataOutcome::Violation("I-DATA last fragment before others");
        }
        if m.bytes + len > max_message_size {
            return IDataOutcome::Data(DataOutcome::TooLarge);
        }
        m.max_fsn = m.max_fsn.max(fsn);
        if data.ending {
            m.last_fsn = Some(fsn);
        }
        m.bytes += len;
        m.chunks += 1;
        if fsn == m.next_fsn {
            if data.beginning {
                m.ppid = Ppid(data.ppid_or_fsn);
                let mut buf = match self.pool.pop() {
                    Some(mut b) => {
                        self.pooled -= b.capacity();
                        b.reserve(len);
                        b
                    }
                    None => Vec::with_capacity((len * 16).min(max_message_size)),
                };
                buf.extend_from_slice(data.user_data);
                m.data = buf;
            } else {
                m.data.extend_from_slice(data.user_data);
            }
            m.next_fsn += 1;
            while let Some(entry) = m.later.first_entry() {
                if *entry.key() != m.next_fsn {
                    break;
                }
                m.data.extend_from_slice(&entry.remove());
                m.next_fsn += 1;
            }
        } else {
            m.later.insert(fsn, data.user_data.to_vec());
        }
        self.used += len;
        self.held += 1;
        let complete = m.last_fsn.is_some_and(|last| m.next_fsn > last);
        if complete {
            let m = self.ireasm.messages.swap_remove(index);
            self.held -= m.chunks - 1;
            self.deliver_mid(m.stream, m.unordered, m.mid, m.ppid.0, m.data, events);
        }
        IDataOutcome::Data(DataOutcome::Ok)
    }

    /// Delivers a complete message: unordered at once, ordered in MID order.
    fn deliver_mid(
        &mut self,
        stream: u16,
        unordered: bool,
        mid: u32,
        ppid: u32,
        data: Vec<u8>,
        events: &mut VecDeque<Event>,
    ) {
        let ppid = Ppid(ppid);
        if unordered {
            events.push_back(Event::Message {
                stream,
                ppid,
                data,
                ordered: false,
            });
            return;
        }
        let s = self.ireasm.stream_mut(stream);
        let u = s.unwrap_mid(mid);
        let len = data.len();
        if !s.order.offer(u, stream, ppid, data, events) {
            self.used -= len;
            self.held -= 1;
        }
    }

    /// Handles an I-FORWARD-TSN chunk (RFC 8260 section 2.3.2): moves the cumulative
    /// TSN, drops the listed streams' messages up to the skipped MIDs, and advances the
    /// ordered ones past them, delivering messages that waited.
    ///
    /// Unlike FORWARD TSN, fragments are not dropped by TSN: a message of another stream
    /// may have fragments below the new cumulative TSN and others above it.
    pub(in crate::association) fn on_i_forward_tsn(
        &mut self,
        fwd: &IForwardTsn<'_>,
        inbound_streams: u16,
        events: &mut VecDeque<Event>,
    ) {
        if self.skip_to(fwd.new_cumulative_tsn).is_none() {
            return;
        }
        for entry in fwd.streams.iter() {
            if entry.stream_id >= inbound_streams {
                continue;
            }
            let (stream, unordered) = (entry.stream_id, entry.unordered);
            let skipped = |m: &IMessage| {
                m.stream == stream
                    && m.unordered == unordered
                    && m.mid.wrapping_sub(entry.mid) as i32 <= 0
            };
            self.drop_reassembling(skipped);
            let s = self.ireasm.stream_mut(stream);
            if unordered {
                if !s.is_stale(true, entry.mid) {
                    s.unordered_floor = Some(entry.mid);
                }
                continue;
            }
            let u = s.unwrap_mid(entry.mid);
            s.order.skip_through(u, stream, events);
        }
    }

    /// Restarts the incoming MIDs of `streams` (all when empty) at 0 (RFC 8260 section
    /// 2.3.2 with RFC 6525 section 5.2.2), dropping messages still waiting on them.
    pub(super) fn reset_incoming_mids(&mut self, streams: &[u16]) {
        let (mut used, mut held) = (0, 0);
        let mut reset = |s: &mut IStream| {
            let (bytes, count) = s.order.clear();
            used += bytes;
            held += count;
            *s = IStream::default();
        };
        if streams.is_empty() {
            self.ireasm.streams.iter_mut().for_each(&mut reset);
        }
        for &id in streams {
            if let Some(s) = self.ireasm.streams.get_mut(usize::from(id)) {
                reset(s);
            }
        }
        self.used -= used;
        self.held -= held;
        // Partial messages left on those streams (a peer's abandoned ones) would collide
        // with the new MIDs.
        self.drop_reassembling(|m| streams.is_empty() || streams.contains(&m.stream));
    }

    /// Drops the messages being reassembled that `drop` picks, and their bytes and
    /// chunks from the receive buffer's count.
    fn drop_reassembling(&mut self, drop: impl Fn(&IMessage) -> bool) {
        let (mut used, mut held) = (0, 0);
        self.ireasm.messages.retain(|m| {
            let dropped = drop(m);
            if dropped {
                used += m.bytes;
                held += m.chunks;
            }
            !dropped
        });
        self.used -= used;
        self.held -= held;
    }
}
