//! Outgoing streams and the stream scheduler (RFC 8831 section 6.4, RFC 8260 section 3.1
//! "Weighted Fair Queueing"): which stream's message gets the next TSNs.
//!
//! Each stream keeps its queued user data in its own byte ring (or, for messages given
//! as a buffer of 1 KiB or more, that buffer, held) and its messages in a queue: messages not yet given TSNs ("waiting"), then, at the front, messages whose
//! chunks are in the sender's TSN queue until the cumulative ack passes them. A stream's
//! messages get TSNs in the order they were sent and are acknowledged in TSN order, so
//! the ring is freed from its front.
//!
//! Scheduling is weighted fair queueing by start tags (start-time fair queueing): a stream
//! with waiting messages holds a start tag in a min-heap; the stream with the smallest tag
//! has its next message numbered, the virtual clock moves to that tag, and the stream's
//! next tag is the old one plus the message length divided by the stream's weight. Two
//! saturated streams thus share the bytes in the ratio of their weights, equal weights
//! take turns (ties go to the stream that became ready first), and a stream that was idle
//! starts at the virtual clock, so it neither starves the others nor is starved. Cost: one
//! heap update per pick, O(log streams). A pick numbers one message, plus the small
//! messages after it on the same stream that still fit in the packet being built, so the
//! shares hold to within a packet.
//!
//! With DATA chunks the unit of scheduling is the whole message: RFC 9260 section 6.9
//! requires the fragments of a message to carry consecutive TSNs, so a stream's large
//! message holds the others back for its duration once it has started (RFC 8260 section 1
//! explains why). With I-DATA (RFC 8260) the unit is the fragment: the scheduler picks a
//! stream per fragment (`send::interleave`).

use bytes::Bytes;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::chunk::Ppid;

/// The weight of a stream nobody set a priority for (W3C "low", the data channel default).
pub(in crate::association) const DEFAULT_WEIGHT: u16 = 256;

/// Start tags are bytes scaled by this factor over the weight, so that weights up to
/// 65535 still advance the tag for one-byte messages.
const TAG_SHIFT: u32 = 16;

/// A user message held by a stream.
#[derive(Debug)]
pub(super) struct OutMessage {
    /// Where the message starts in the stream's byte ring (stream offset). A shared
    /// message takes no room in the ring: its chunks' offsets count from this one into
    /// `shared`.
    pub(super) offset: u64,
    pub(super) len: usize,
    /// The caller's buffer, held rather than copied ([`Association::send_bytes`]).
    ///
    /// [`Association::send_bytes`]: crate::association::Association::send_bytes
    pub(super) shared: Option<Bytes>,
    pub(super) ppid: Ppid,
    pub(super) ordered: bool,
    pub(super) max_rtx: Option<u16>,
    /// Has a lifetime (its deadline is in the expiry index).
    pub(super) timed: bool,
    /// Abandoned before it got TSNs (RFC 3758): skipped, freed when it reaches the front.
    pub(super) abandoned: bool,
    /// The absolute position of its first chunk once numbered (see `Sender::popped`).
    pub(super) first_chunk: u64,
}

impl OutMessage {
    pub(super) fn has_policy(&self) -> bool {
        self.max_rtx.is_some() || self.timed
    }
}

/// One outgoing stream.
#[derive(Debug)]
pub(super) struct OutStream {
    /// Queued user data, freed from the front; `bytes_base` is the stream offset of its
    /// first byte.
    pub(super) bytes: VecDeque<u8>,
    pub(super) bytes_base: u64,
    /// Held messages: `[..next_commit]` numbered (or abandoned unnumbered), the rest
    /// waiting. `messages[0]` has sequence number `front_seq`.
    pub(super) messages: VecDeque<OutMessage>,
    pub(super) front_seq: u64,
    pub(super) next_commit: usize,
    /// Waiting messages that are not abandoned.
    pub(super) waiting: usize,
    /// Bytes not yet sent once (the data channel's bufferedAmount).
    pub(super) unsent: usize,
    pub(super) next_ssn: u16,
    /// I-DATA (RFC 8260 section 2.2.2): the next ordered and unordered MIDs.
    pub(super) next_mid: [u32; 2],
    /// I-DATA: bytes of the message at `next_commit` that have TSNs already (0: not
    /// started), its MID and the FSN of its next fragment.
    pub(super) progress: usize,
    pub(super) progress_mid: u32,
    pub(super) next_fsn: u32,
    pub(super) weight: u16,
    /// The start tag the stream's next message gets.
    finish: u64,
    /// The stream has an entry in the scheduler's heap.
    scheduled: bool,
}

impl Default for OutStream {
    fn default() -> Self {
        Self {
            bytes: VecDeque::new(),
            bytes_base: 0,
            messages: VecDeque::new(),
            front_seq: 0,
            next_commit: 0,
            waiting: 0,
            unsent: 0,
            next_ssn: 0,
            next_mid: [0; 2],
            progress: 0,
            progress_mid: 0,
            next_fsn: 0,
            weight: DEFAULT_WEIGHT,
            finish: 0,
            scheduled: false,
        }
    }
}

impl OutStream {
    /// The message with sequence number `seq`, if held.
    #[inline]
    pub(super) fn message(&self, seq: u64) -> Option<&OutMessage> {
        let i = usize::try_from(seq.checked_sub(self.front_seq)?).ok()?;
        self.messages.get(i)
    }

    /// The message with sequence number `seq`, if held.
    pub(super) fn message_mut(&mut self, seq: u64) -> Option<&mut OutMessage> {
        let i = usize::try_from(seq.checked_sub(self.front_seq)?).ok()?;
        self.messages.get_mut(i)
    }

    /// Whether message `seq` has been numbered (or skipped).
    pub(super) fn is_committed(&self, seq: u64) -> bool {
        seq < self.front_seq + self.next_commit as u64
    }

    /// Frees every message up to and including `seq` (their chunks are all acknowledged
    /// or skipped), then abandoned unnumbered messages at the front. Returns how many
    /// messages with a partial reliability policy were freed and the length of the
    /// abandoned unnumbered ones (the sender counts them as buffered until here, so
    /// that the ring never holds more than the send buffer). Their bytes are freed by
    /// [`OutStream::free_bytes`].
    #[inline]
    pub(super) fn release_through(&mut self, seq: Option<u64>) -> (usize, usize) {
        let mut with_policy = 0;
        let mut abandoned = 0;
        while let Some(m) = self.messages.front() {
            let numbered = self.next_commit > 0;
            let acked = seq.is_some_and(|seq| self.front_seq <= seq);
            if !(numbered && (acked || m.abandoned)) {
                break;
            }
            with_policy += usize::from(m.has_policy());
            if m.abandoned {
                abandoned += m.len;
            }
            self.messages.pop_front();
            self.front_seq += 1;
            self.next_commit -= 1;
        }
        (with_policy, abandoned)
    }

    /// Frees the bytes of released messages.
    pub(super) fn free_bytes(&mut self) {
        let keep_from = self
            .messages
            .front()
            .map_or(self.bytes_base + self.bytes.len() as u64, |m| m.offset);
        let drop = (keep_from - self.bytes_base) as usize;
        self.bytes.drain(..drop.min(self.bytes.len()));
        self.bytes_base = keep_from;
        if self.messages.is_empty() && self.bytes.capacity() > RING_KEEP {
            // An idle stream gives a large ring back (memory per idle channel).
            self.bytes = VecDeque::new();
        }
    }
}

impl OutStream {
    /// Moves the numbering point over abandoned waiting messages, so that they are
    /// freed once they reach the front.
    pub(super) fn skip_abandoned(&mut self) {
        while self
            .messages
            .get(self.next_commit)
            .is_some_and(|m| m.abandoned)
        {
            self.next_commit += 1;
        }
    }
}

/// Ring capacity an emptied stream keeps.
const RING_KEEP: usize = 64 << 10;

/// The scheduler: streams with waiting messages by start tag.
#[derive(Debug, Default)]
pub(super) struct Scheduler {
    heap: BinaryHeap<Reverse<(u64, u64, u16)>>,
    /// The virtual clock: the start tag of the latest message numbered.
    clock: u64,
    /// Tie-breaker: the order streams became ready in.
    ticket: u64,
}

impl Scheduler {
    /// Puts `stream` in line if it is not (it just got a waiting message).
    pub(super) fn ready(&mut self, id: u16, s: &mut OutStream) {
        if s.scheduled {
            return;
        }
        s.scheduled = true;
        let start = s.finish.max(self.clock);
        self.push(start, id);
    }

    fn push(&mut self, start: u64, id: u16) {
        self.ticket += 1;
        self.heap.push(Reverse((start, self.ticket, id)));
    }

    /// The stream whose next message is to be numbered and that message's length, or
    /// `None` when no stream has a waiting message.
    pub(super) fn peek(&mut self, streams: &mut [OutStream]) -> Option<(u16, usize)> {
        while let Some(&Reverse((_, _, id))) = self.heap.peek() {
            if let Some(s) = streams.get_mut(usize::from(id)) {
                s.skip_abandoned();
                if let Some(m) = s.messages.get(s.next_commit) {
                    return Some((id, m.len));
                }
                s.scheduled = false;
            }
            self.heap.pop();
        }
        None
    }

    /// Charges the stream [`Scheduler::peek`] returned for the `len` bytes just numbered
    /// and puts it back in line if it has more waiting.
    pub(super) fn charge(&mut self, s: &mut OutStream, len: usize) {
        let Some(mut top) = self.heap.peek_mut() else {
            return;
        };
        let Reverse((start, _, id)) = *top;
        self.clock = start;
        let weight = u64::from(s.weight.max(1));
        s.finish = start.saturating_add(((len as u64) << TAG_SHIFT) / weight);
        if s.waiting > 0 {
            // Back in line with its next tag: one sift instead of a pop and a push.
            self.ticket += 1;
            *top = Reverse((s.finish, self.ticket, id));
        } else {
            std::collections::binary_heap::PeekMut::pop(top);
            s.scheduled = false;
        }
    }
}
