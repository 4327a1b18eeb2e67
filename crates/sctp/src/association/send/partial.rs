//! Partial reliability for the sender (RFC 3758 section 3.5): abandoning messages past
//! their retransmission limit or lifetime, the Advanced.Peer.Ack.Point and FORWARD TSN.
//!
//! Lifetimes are kept in an expiry index (a min-heap by deadline) so that a long queue
//! of timed messages is not walked per packet; retransmission limits are checked once per
//! chunk, when it is marked lost.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use super::{ChunkState, Sender};
use crate::PacketBuilder;
use crate::association::timers::{Timer, Timers};
use crate::chunk::{ForwardTsn, ForwardTsnStream};

/// Messages with a lifetime, by deadline: `(deadline, stream, message sequence number)`.
/// Entries of messages acknowledged meanwhile go stale and are dropped when due, or by
/// [`ExpiryIndex::compact`].
#[derive(Debug, Default)]
pub(in crate::association) struct ExpiryIndex {
    heap: BinaryHeap<Reverse<(Instant, u16, u64)>>,
}

impl ExpiryIndex {
    pub(in crate::association) fn push(&mut self, deadline: Instant, stream: u16, seq: u64) {
        self.heap.push(Reverse((deadline, stream, seq)));
    }

    /// The next message whose deadline is at or before `now`.
    fn pop_due(&mut self, now: Instant) -> Option<(u16, u64)> {
        let Reverse((deadline, ..)) = self.heap.peek()?;
        if *deadline > now {
            return None;
        }
        self.heap
            .pop()
            .map(|Reverse((_, stream, seq))| (stream, seq))
    }

    /// Drops stale entries once they outnumber the messages held with a policy, so the
    /// index stays proportional to the queue (amortised O(1) per message).
    fn compact(&mut self, held: usize, streams: &[super::OutStream]) {
        if self.heap.len() > 2 * held + 64 {
            self.heap.retain(|Reverse((_, id, seq))| {
                streams
                    .get(usize::from(*id))
                    .is_some_and(|s| *seq >= s.front_seq)
            });
        }
    }

    #[cfg(test)]
    pub(in crate::association) fn len(&self) -> usize {
        self.heap.len()
    }
}

impl Sender {
    /// Abandons messages past their policy (RFC 3758 section 3.5 A1 to A3): a chunk to
    /// be retransmitted more often than `max_retransmits` allows, or any chunk not yet
    /// acknowledged past its lifetime, takes its whole message with it.
    ///
    /// Cost: the chunks with a limit newly marked lost plus the expired deadlines, each
    /// looked at once, never the whole queue or the whole flight, so a long queue of timed messages costs nothing
    /// per packet until their deadlines come.
    #[inline]
    pub(in crate::association) fn abandon_expired(&mut self, now: Instant) {
        if self.pr && self.pr_chunks != 0 {
            self.abandon_expired_now(now);
        }
    }

    #[cold]
    fn abandon_expired_now(&mut self, now: Instant) {
        // A1/A2: only a chunk marked for retransmission can exceed its limit; each is
        // checked once, when marked.
        let mut check = std::mem::take(&mut self.rtx_check);
        for tsn in check.drain(..) {
            #[cfg(test)]
            {
                self.pr_visits += 1;
            }
            let i = tsn.wrapping_sub(self.base_tsn) as usize;
            let over = self.chunks.get(i).is_some_and(|c| {
                c.state == ChunkState::Lost && c.max_rtx.is_some_and(|n| c.tx_count > u32::from(n))
            });
            if over {
                self.abandon_message(i);
            }
        }
        self.rtx_check = check;
        // A3: lifetimes, by deadline.
        while let Some((id, seq)) = self.expiry.pop_due(now) {
            #[cfg(test)]
            {
                self.pr_visits += 1;
            }
            let Some(s) = self.streams.get_mut(usize::from(id)) else {
                continue;
            };
            let committed = s.is_committed(seq);
            let started =
                self.interleave.on && s.progress > 0 && seq == s.front_seq + s.next_commit as u64;
            let Some(m) = s.message_mut(seq) else {
                continue; // acknowledged whole
            };
            if !committed && !started {
                // Never numbered: dropped from the queue, nothing to tell the peer.
                m.abandoned = true;
                let len = m.len;
                s.unsent -= len;
                self.unsent -= len;
                s.waiting -= 1;
                s.skip_abandoned();
                let (policies, abandoned) = s.release_through(None);
                s.free_bytes();
                self.pr_chunks -= policies;
                self.buffered -= abandoned;
                self.waiting -= 1;
                continue;
            }
            if self.interleave.on {
                // Fragments of other streams' messages sit between this one's.
                self.abandon_interleaved(id, seq);
                continue;
            }
            if m.abandoned || m.first_chunk < self.popped {
                continue;
            }
            let first = (m.first_chunk - self.popped) as usize;
            let live = self
                .chunks
                .iter()
                .skip(first)
                .take_while(|c| c.seq == seq)
                .any(|c| {
                    matches!(
                        c.state,
                        ChunkState::Unsent | ChunkState::InFlight | ChunkState::Lost
                    )
                });
            if live {
                self.abandon_message(first);
            }
        }
        let held = self.pr_chunks;
        self.expiry.compact(held, &self.streams);
    }

    /// Abandons every chunk of the message holding chunk `i`; returns its last index.
    pub(in crate::association) fn abandon_message(&mut self, i: usize) -> usize {
        if self.interleave.on
            && let Some(c) = self.chunks.get(i)
        {
            let (stream, seq) = (c.stream, c.seq);
            self.abandon_interleaved(stream, seq);
            return i;
        }
        let mut first = i;
        while first > 0 && !self.chunks[first].beginning {
            first -= 1;
        }
        let mut last = i;
        while last + 1 < self.chunks.len() && !self.chunks[last].ending {
            last += 1;
        }
        for k in first..=last {
            self.abandon_chunk(k);
        }
        self.after_abandoning();
        last
    }

    /// Marks chunk `k` abandoned: out of what is counted in flight, gap-acked or unsent
    /// (its stream's too), and no longer timed for an RTT sample.
    pub(in crate::association) fn abandon_chunk(&mut self, k: usize) {
        let Some(c) = self.chunks.get_mut(k) else {
            return;
        };
        match c.state {
            ChunkState::InFlight => self.flight -= c.len,
            ChunkState::GapAcked => self.gap_acked -= 1,
            ChunkState::Unsent => {
                if let Some(s) = self.streams.get_mut(usize::from(c.stream)) {
                    s.unsent -= c.len;
                }
                self.unsent -= c.len;
            }
            ChunkState::Lost | ChunkState::Abandoned => {}
        }
        c.state = ChunkState::Abandoned;
        if self
            .rtt_probe
            .is_some_and(|(t, _)| t.wrapping_sub(self.base_tsn) as usize == k)
        {
            self.rtt_probe = None;
        }
    }

    /// After chunks were abandoned: new data starts past the abandoned ones, and a
    /// FORWARD TSN (or I-FORWARD-TSN) is due if the front is abandoned.
    pub(in crate::association) fn after_abandoning(&mut self) {
        while self
            .chunks
            .get(self.next_new)
            .is_some_and(|c| c.state == ChunkState::Abandoned)
        {
            self.next_new += 1;
        }
        self.forward_due |= self.front_abandoned();
    }

    /// Whether a FORWARD TSN is to be sent.
    #[inline]
    pub(in crate::association) fn forward_tsn_due(&self) -> bool {
        self.forward_due
    }

    /// Writes the FORWARD TSN for the Advanced.Peer.Ack.Point (RFC 3758 section 3.5 C1
    /// to C5), listing the last skipped SSN of each ordered stream. Starts T3-rtx if it
    /// is not running, so a lost FORWARD TSN is repeated.
    pub(in crate::association) fn write_forward_tsn(
        &mut self,
        now: Instant,
        builder: &mut PacketBuilder<'_>,
        rto: Duration,
        timers: &mut Timers,
    ) {
        if self.interleave.on {
            self.write_i_forward_tsn(now, builder, rto, timers);
            return;
        }
        self.forward_due = false;
        let max_entries = (builder.remaining().saturating_sub(8) / 4).min(256);
        self.forward_streams.clear();
        let mut skipped = 0usize;
        for c in self.chunks.iter().take(self.next_new) {
            if c.state != ChunkState::Abandoned {
                break;
            }
            if !c.unordered {
                let streams = &mut self.forward_streams;
                if let Some(e) = streams.iter_mut().find(|e| e.stream_id == c.stream) {
                    e.ssn = c.ssn;
                } else if streams.len() < max_entries {
                    streams.push(ForwardTsnStream {
                        stream_id: c.stream,
                        ssn: c.ssn,
                    });
                } else {
                    break;
                }
            }
            skipped += 1;
        }
        if skipped == 0 {
            return;
        }
        let chunk = crate::Chunk::ForwardTsn(ForwardTsn {
            new_cumulative_tsn: self.base_tsn.wrapping_add(skipped as u32).wrapping_sub(1),
            streams: crate::Items::Slice(&self.forward_streams),
        });
        if builder.push(&chunk).is_err() {
            self.forward_due = true;
            return;
        }
        if timers.get(Timer::T3Rtx).is_none() {
            timers.set(Timer::T3Rtx, now + rto);
        }
    }
}
