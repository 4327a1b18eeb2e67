//! The I-DATA sender (RFC 8260 sections 2.2.1, 2.2.2, 2.3.1 and 3.1): per-stream MIDs,
//! FSNs, and the stream scheduler at fragment granularity.
//!
//! With I-DATA the fragments of a message need not carry consecutive TSNs, so the
//! scheduler picks a stream for every fragment rather than for every message: a large
//! message on one stream no longer holds back the others (the weighted fair queueing of
//! RFC 8831 section 6.4 / RFC 8260 section 3.1 then shares the rate fragment by
//! fragment). Each stream still sends its own messages one after the other, so a
//! stream's chunks stay in MID order and the cumulative ack releases them as with DATA.
//! The MID counts ordered and unordered messages separately (section 2.2.2); the FSN
//! starts at 0 on the first fragment, whose PPID/FSN field carries the PPID instead.
//!
//! Messages started but not finished are bounded: a message of more than one fragment
//! starts only while the started ones plus it stay within half the peer's initial
//! window, and fewer than [`MAX_STARTED`] are started (one may always be in progress). Otherwise the peer could hold a partial copy
//! of many large messages at once, fill its receive buffer with them and complete none;
//! when the bound is reached the scheduler continues a started message instead.
//!
//! Partial reliability uses I-FORWARD-TSN (section 2.3.1): an abandoned message is
//! skipped by (stream, U, MID), since other messages' fragments sit between its TSNs; a
//! message abandoned while being fragmented sends no more fragments.
//!
//! Left out: the other schedulers of RFC 8260 section 3 (first come first served, round
//! robin, priority; the weighted fair queueing of RFC 8831 is the one WebRTC asks for).

use super::{COMMON_HEADER_LEN, ChunkState, OutChunk, OutMessage, OutStream, Sender, copy_payload};
use crate::PacketBuilder;
use crate::association::timers::{Timer, Timers};
use crate::chunk::{Data, IData, IForwardTsn, IForwardTsnStream};
use std::time::{Duration, Instant};

/// Message interleaving state of the sender.
#[derive(Debug, Default)]
pub(in crate::association) struct Interleave {
    /// I-DATA was negotiated (both ends listed it).
    pub(super) on: bool,
    /// Streams whose next message has some fragments numbered, in the order they started.
    started: Vec<u16>,
    /// The total length of those messages.
    started_bytes: usize,
    /// The most bytes of started messages before a new multi-fragment message waits.
    budget: usize,
    /// Scratch list for I-FORWARD-TSN entries.
    entries: Vec<IForwardTsnStream>,
}

/// Most messages started at once: well below what our receiver reassembles at once
/// (`recv::interleave::MAX_REASSEMBLING`), so that it never drops our fragments for that.
const MAX_STARTED: usize = 256;

/// Bytes an I-DATA chunk with `len` bytes of user data takes in a packet, padding included.
#[inline(always)]
fn idata_room(len: usize) -> usize {
    crate::bytes::pad4(4 + IData::FIXED_LEN + len)
}

impl Sender {
    /// Switches to I-DATA (RFC 8260 section 2.2.1: both ends support it) or back to
    /// DATA. Call after [`Sender::set_peer_rwnd`], before any data is numbered.
    pub(in crate::association) fn set_interleaving(&mut self, on: bool) {
        self.interleave = Interleave {
            on,
            budget: (self.peer_rwnd / 2).max(1),
            ..Interleave::default()
        };
        let header = if on {
            IData::FIXED_LEN
        } else {
            Data::FIXED_LEN
        };
        // As for DATA: a full fragment leaves room for its padding.
        self.max_payload = (self.mtu - COMMON_HEADER_LEN - 4 - header) & !3;
    }

    /// Sets the next ordered MID of `stream` (tests of MID wrap-around).
    #[cfg(test)]
    pub(in crate::association) fn set_next_mid(&mut self, stream: u16, mid: u32) {
        self.stream_mut(stream).next_mid[0] = mid;
    }

    /// Whether I-DATA is in use.
    #[inline]
    pub(in crate::association) fn interleaving(&self) -> bool {
        self.interleave.on
    }

    /// Numbers the next fragment: of the stream the scheduler picks, or of the oldest
    /// started message when a new large message would exceed the budget. False when
    /// nothing is waiting or the fragment could not go out now (room, cwnd, window).
    pub(super) fn commit_fragment(&mut self, room: usize) -> bool {
        let max_payload = self.max_payload;
        if self.waiting == 0
            || self.flight >= self.cwnd
            || self.held_sent() >= self.max_held
            || idata_room(self.min_len.min(max_payload)) > room
        {
            return false;
        }
        let Some((top, len)) = self.scheduler.peek(&mut self.streams) else {
            return false;
        };
        let il = &self.interleave;
        let starts_large = self
            .streams
            .get(usize::from(top))
            .is_some_and(|s| s.progress == 0 && len > max_payload);
        let (id, scheduled) = match il.started.first() {
            Some(&oldest)
                if starts_large
                    && (il.started_bytes + len > il.budget || il.started.len() >= MAX_STARTED) =>
            {
                (oldest, false)
            }
            _ => (top, true),
        };
        let Some(s) = self.streams.get_mut(usize::from(id)) else {
            return false;
        };
        let seq = s.front_seq + s.next_commit as u64;
        let Some(m) = s.messages.get_mut(s.next_commit) else {
            return false;
        };
        let remaining = m.len - s.progress;
        let frag = remaining.min(max_payload);
        if idata_room(frag) > room || !(frag <= self.peer_rwnd || self.flight == 0) {
            return false;
        }
        let beginning = s.progress == 0;
        let ending = frag == remaining;
        if beginning {
            let u = usize::from(!m.ordered);
            m.first_chunk = self.popped + self.chunks.len() as u64;
            s.progress_mid = s.next_mid[u];
            s.next_mid[u] = s.next_mid[u].wrapping_add(1);
            s.next_fsn = 0;
        }
        self.chunks.push_back(OutChunk {
            offset: m.offset + s.progress as u64,
            len: frag,
            beginning,
            ending,
            fsn: s.next_fsn,
            ..idata_chunk(m, id, seq, s.progress_mid)
        });
        let message_len = m.len;
        s.next_fsn = s.next_fsn.wrapping_add(1);
        let il = &mut self.interleave;
        if ending {
            s.progress = 0;
            s.next_commit += 1;
            s.waiting -= 1;
            self.waiting -= 1;
            if !beginning {
                il.finished(id, message_len);
            }
        } else {
            if beginning {
                il.started.push(id);
                il.started_bytes += message_len;
            }
            s.progress += frag;
        }
        if scheduled {
            let mut charged = frag;
            if beginning && ending {
                // As with DATA: the small messages after it on this stream that still
                // fit in the packet go with it (the shares hold to within a packet).
                let mut room = room - idata_room(frag);
                while let Some(m) = s.messages.get_mut(s.next_commit) {
                    if m.abandoned || m.len > max_payload || idata_room(m.len) > room {
                        break;
                    }
                    let u = usize::from(!m.ordered);
                    let mid = s.next_mid[u];
                    s.next_mid[u] = mid.wrapping_add(1);
                    m.first_chunk = self.popped + self.chunks.len() as u64;
                    let seq = s.front_seq + s.next_commit as u64;
                    self.chunks.push_back(idata_chunk(m, id, seq, mid));
                    room -= idata_room(m.len);
                    charged += m.len;
                    s.next_commit += 1;
                    s.waiting -= 1;
                    self.waiting -= 1;
                }
            }
            self.scheduler.charge(s, charged);
        }
        true
    }

    /// Abandons message `seq` of `stream` (RFC 3758 section 3.5 with RFC 8260 section
    /// 2.3.1): every numbered fragment still live, and the fragments never numbered if
    /// the message is being fragmented. Nothing happens when every numbered fragment is
    /// already acknowledged and the message is complete.
    pub(super) fn abandon_interleaved(&mut self, stream: u16, seq: u64) {
        let Some(s) = self.streams.get_mut(usize::from(stream)) else {
            return;
        };
        let in_progress = s.progress > 0 && seq == s.front_seq + s.next_commit as u64;
        let progress_mid = s.progress_mid;
        let Some(m) = s.message_mut(seq) else {
            return;
        };
        let message_len = m.len;
        let placeholder = in_progress.then(|| idata_chunk(m, stream, seq, progress_mid));
        let from = m.first_chunk.saturating_sub(self.popped) as usize;
        let mut last = None;
        let mut live = in_progress;
        for (k, c) in self.chunks.iter().enumerate().skip(from) {
            if c.stream != stream || c.seq != seq {
                continue;
            }
            live |= matches!(
                c.state,
                ChunkState::Unsent | ChunkState::InFlight | ChunkState::Lost
            );
            last = Some(k);
            if c.ending {
                break;
            }
        }
        if !live {
            return;
        }
        if let Some(last) = last {
            for k in from..=last {
                if self
                    .chunks
                    .get(k)
                    .is_some_and(|c| c.stream == stream && c.seq == seq)
                {
                    self.abandon_chunk(k);
                }
            }
        }
        if let Some(placeholder) = placeholder
            && let Some(s) = self.streams.get_mut(usize::from(stream))
        {
            // The rest is never numbered. The peer may hold every numbered fragment (all
            // acknowledged, or only the SACK still on its way), so an I-FORWARD-TSN
            // whose new cumulative TSN ends at them would be out of date there and its
            // MID entries ignored (RFC 3758 section 3.6), leaving the partial message
            // and, if ordered, its stream stuck. A placeholder chunk, never sent, takes
            // the next TSN: the I-FORWARD-TSN passing it moves the peer's cumulative TSN
            // and names this MID. It ends the message, for the release on the
            // cumulative ack.
            let rest = message_len - s.progress;
            s.unsent -= rest;
            self.unsent -= rest;
            self.buffered -= rest;
            s.progress = 0;
            s.next_commit += 1;
            s.waiting -= 1;
            self.waiting -= 1;
            self.interleave.finished(stream, message_len);
            self.chunks.push_back(OutChunk {
                len: 0,
                beginning: false,
                state: ChunkState::Abandoned,
                ..placeholder
            });
        }
        self.after_abandoning();
    }

    /// Writes the I-FORWARD-TSN for the Advanced.Peer.Ack.Point (RFC 8260 section
    /// 2.3.1), listing the last skipped MID of each (stream, U) pair. Starts T3-rtx if it
    /// is not running, so a lost one is repeated.
    pub(super) fn write_i_forward_tsn(
        &mut self,
        now: Instant,
        builder: &mut PacketBuilder<'_>,
        rto: Duration,
        timers: &mut Timers,
    ) {
        self.forward_due = false;
        let max_entries = (builder.remaining().saturating_sub(8) / 8).min(256);
        let mut entries = std::mem::take(&mut self.interleave.entries);
        entries.clear();
        let mut skipped = 0usize;
        for c in self.chunks.iter().take(self.next_new) {
            if c.state != ChunkState::Abandoned {
                break;
            }
            // A (stream, U) pair's chunks come in MID order: the last one is the largest.
            if let Some(e) = entries
                .iter_mut()
                .find(|e| e.stream_id == c.stream && e.unordered == c.unordered)
            {
                e.mid = c.mid;
            } else if entries.len() < max_entries {
                entries.push(IForwardTsnStream {
                    stream_id: c.stream,
                    unordered: c.unordered,
                    mid: c.mid,
                });
            } else {
                break;
            }
            skipped += 1;
        }
        if skipped > 0 {
            let chunk = crate::Chunk::IForwardTsn(IForwardTsn {
                new_cumulative_tsn: self.base_tsn.wrapping_add(skipped as u32).wrapping_sub(1),
                streams: crate::Items::Slice(&entries),
            });
            if builder.push(&chunk).is_err() {
                self.forward_due = true;
            } else if timers.get(Timer::T3Rtx).is_none() {
                timers.set(Timer::T3Rtx, now + rto);
            }
        }
        self.interleave.entries = entries;
    }
}

impl Interleave {
    /// A started message of `stream` got its last fragment numbered (or was abandoned).
    fn finished(&mut self, stream: u16, len: usize) {
        if let Some(k) = self.started.iter().position(|&s| s == stream) {
            self.started.remove(k);
            self.started_bytes -= len;
        }
    }
}

/// The chunk of a whole message `m` (message `seq` of `stream`) as I-DATA with `mid`;
/// fragments override the offset, length, flags and FSN.
#[inline]
fn idata_chunk(m: &OutMessage, stream: u16, seq: u64, mid: u32) -> OutChunk {
    OutChunk {
        idata: true,
        mid,
        ..OutChunk::whole(m, stream, seq)
    }
}

/// Writes one I-DATA chunk (RFC 8260 section 2.1); false if it does not fit.
#[inline]
pub(super) fn write_idata(
    builder: &mut PacketBuilder<'_>,
    tsn: u32,
    c: &OutChunk,
    s: &OutStream,
) -> bool {
    let header = IData {
        immediate: false,
        unordered: c.unordered,
        beginning: c.beginning,
        ending: c.ending,
        tsn,
        stream_id: c.stream,
        mid: c.mid,
        ppid_or_fsn: if c.beginning { c.ppid.0 } else { c.fsn },
        user_data: &[],
    };
    match builder.push_idata_header(&header, c.len) {
        Ok(room) => copy_payload(s, c, room),
        Err(_) => false,
    }
}
