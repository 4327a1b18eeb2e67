//! Handshake message reassembly (RFC 6347 sections 4.2.2 and 4.2.3).
//!
//! DTLS may split a handshake message into fragments carried by different records and
//! datagrams, which arrive in any order, duplicated (retransmissions) and overlapping
//! (a retransmission may be fragmented differently). [`Reassembler`] takes fragments and
//! hands out whole messages strictly in message_seq order.
//!
//! It is bounded: a cap on the bytes it buffers (message bodies plus the received-byte
//! bitmaps), a cap on the message length it accepts, and a window of message_seq values
//! ahead of the next expected one; fragments outside these bounds are ignored and the
//! caller is told why ([`FragmentStatus`]). Received bytes are tracked with one bit per
//! byte, set word by word, so each fragment costs time linear in its own length whatever
//! the order of arrival. Left out: deciding what a retransmitted old message means
//! (section 4.2.4 says to retransmit the last flight; [`FragmentStatus::Stale`] reports it
//! so the handshake can do so).

use std::collections::VecDeque;

use crate::ParseError;
use crate::codes::HandshakeType;
use crate::handshake::{HandshakeFragment, HandshakeHeader, HandshakeMessage};

/// Limits of a [`Reassembler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReassemblerConfig {
    /// The most bytes buffered at once for incomplete or undelivered messages (bodies plus
    /// received-byte bitmaps). Default 80 KiB: one 64 KiB message with its bitmap fits.
    pub max_buffered: usize,
    /// The longest message body accepted; a longer one is an error. Default 2^16, enough
    /// for certificate chains.
    pub max_message_len: u32,
    /// How many message_seq values from the next expected one are buffered (the window);
    /// fragments further ahead are ignored. Default 16.
    pub max_ahead: u16,
}

impl Default for ReassemblerConfig {
    fn default() -> Self {
        Self {
            max_buffered: 80 * 1024,
            max_message_len: 1 << 16,
            max_ahead: 16,
        }
    }
}

/// What [`Reassembler::push`] did with a fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FragmentStatus {
    /// The fragment brought new bytes (the message may now be complete: call
    /// [`Reassembler::pop`]).
    Accepted,
    /// Every byte of the fragment had been received already.
    Duplicate,
    /// The message was already delivered: the peer is retransmitting an old flight.
    Stale,
    /// The message_seq lies beyond the window; the fragment was dropped.
    TooFarAhead,
    /// Buffering the message would exceed `max_buffered`; the fragment was dropped.
    OverBudget,
}

/// Why a fragment was refused as a protocol violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReassemblyError {
    /// A fragment disagrees with earlier fragments of the same message_seq on msg_type
    /// or length.
    #[error("fragment of message {message_seq} conflicts with earlier fragments")]
    Conflict {
        /// The message_seq concerned.
        message_seq: u16,
    },
    /// The message is longer than `max_message_len`.
    #[error("handshake message of {length} bytes exceeds the limit")]
    MessageTooLong {
        /// The declared length.
        length: u32,
    },
    /// The fragment reaches past the message length it declares.
    #[error("handshake fragment reaches past the message length")]
    FragmentOutOfBounds,
}

/// A whole handshake message, in message_seq order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReassembledMessage {
    /// msg_type.
    pub msg_type: HandshakeType,
    /// message_seq.
    pub message_seq: u16,
    /// The reassembled body.
    pub body: Vec<u8>,
}

impl ReassembledMessage {
    /// The unfragmented header of this message (what the transcript hashes before the
    /// body, RFC 6347 section 4.2.6).
    #[inline]
    pub fn header(&self) -> HandshakeHeader {
        HandshakeHeader::unfragmented(self.msg_type, self.message_seq, self.body.len() as u32)
    }

    /// Parses the body by its type.
    #[inline]
    pub fn parse(&self) -> Result<HandshakeMessage<'_>, ParseError> {
        HandshakeMessage::parse(self.msg_type, &self.body)
    }
}

/// A message being reassembled.
#[derive(Debug)]
struct Pending {
    msg_type: HandshakeType,
    body: Vec<u8>,
    /// One bit per body byte; `None` once complete (or when the first fragment was whole).
    received: Option<Vec<u64>>,
    /// Bytes received so far.
    have: usize,
}

impl Pending {
    #[inline]
    fn is_complete(&self) -> bool {
        self.have == self.body.len()
    }

    #[inline]
    fn cost(&self) -> usize {
        self.body.len() + self.received.as_ref().map_or(0, |r| r.len() * 8)
    }
}

/// Sets bits `start..end` of `words` and returns how many were newly set.
fn mark(words: &mut [u64], start: usize, end: usize) -> usize {
    let mut fresh = 0;
    let mut i = start;
    while i < end {
        let w = i / 64;
        let lo = i % 64;
        let hi = (end - w * 64).min(64);
        let mask = if hi - lo == 64 {
            u64::MAX
        } else {
            ((1u64 << (hi - lo)) - 1) << lo
        };
        if let Some(word) = words.get_mut(w) {
            fresh += (mask & !*word).count_ones() as usize;
            *word |= mask;
        }
        i = w * 64 + hi;
    }
    fresh
}

/// Reassembles handshake fragments into messages, in message_seq order.
///
/// Feed every handshake fragment of the current epoch with [`Reassembler::push`], then
/// drain [`Reassembler::pop`] until it returns `None`.
#[derive(Debug)]
pub struct Reassembler {
    config: ReassemblerConfig,
    next_seq: u16,
    /// Slot `i` holds message_seq `next_seq + i`.
    slots: VecDeque<Option<Pending>>,
    buffered: usize,
}

impl Default for Reassembler {
    fn default() -> Self {
        Self::new(ReassemblerConfig::default())
    }
}

impl Reassembler {
    /// A reassembler expecting message_seq 0 first.
    pub fn new(config: ReassemblerConfig) -> Self {
        Self::with_next_message_seq(config, 0)
    }

    /// A reassembler expecting `next` first (a server that answered a HelloVerifyRequest
    /// statelessly expects the second ClientHello, message_seq 1).
    pub fn with_next_message_seq(config: ReassemblerConfig, next: u16) -> Self {
        Self {
            config,
            next_seq: next,
            slots: VecDeque::new(),
            buffered: 0,
        }
    }

    /// The message_seq [`Reassembler::pop`] delivers next.
    #[inline]
    pub fn next_message_seq(&self) -> u16 {
        self.next_seq
    }

    /// Bytes currently buffered (bodies and bitmaps), never above `max_buffered`.
    #[inline]
    pub fn buffered_bytes(&self) -> usize {
        self.buffered
    }

    /// Whether nothing is buffered.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.slots.iter().all(Option::is_none)
    }

    /// Drops everything buffered, keeping the next expected message_seq.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.buffered = 0;
    }

    /// Returns the memory of empty slots (after a handshake, when nothing more is expected
    /// but stale retransmissions): the next fragment allocates again.
    pub fn shrink_to_fit(&mut self) {
        if self.is_empty() {
            self.slots = VecDeque::new();
        } else {
            self.slots.shrink_to_fit();
        }
    }

    /// Takes in one fragment.
    pub fn push(
        &mut self,
        fragment: &HandshakeFragment<'_>,
    ) -> Result<FragmentStatus, ReassemblyError> {
        let length = fragment.length;
        let offset = fragment.fragment_offset as usize;
        let end = offset
            .checked_add(fragment.fragment.len())
            .filter(|&end| end <= length as usize)
            .ok_or(ReassemblyError::FragmentOutOfBounds)?;
        if length > self.config.max_message_len {
            return Err(ReassemblyError::MessageTooLong { length });
        }
        let ahead = fragment.message_seq.wrapping_sub(self.next_seq);
        if ahead >= self.config.max_ahead {
            // Half the sequence space behind counts as old, the rest as too far ahead.
            return Ok(if ahead >= 0x8000 {
                FragmentStatus::Stale
            } else {
                FragmentStatus::TooFarAhead
            });
        }
        let idx = usize::from(ahead);
        if self.slots.len() <= idx {
            self.slots.resize_with(idx + 1, || None);
        }
        let Some(slot) = self.slots.get_mut(idx) else {
            return Ok(FragmentStatus::TooFarAhead);
        };
        match slot {
            Some(p) => {
                if p.msg_type != fragment.msg_type || p.body.len() != length as usize {
                    return Err(ReassemblyError::Conflict {
                        message_seq: fragment.message_seq,
                    });
                }
                let Some(received) = &mut p.received else {
                    return Ok(FragmentStatus::Duplicate);
                };
                let fresh = mark(received, offset, end);
                if fresh == 0 {
                    return Ok(FragmentStatus::Duplicate);
                }
                if let Some(dst) = p.body.get_mut(offset..end) {
                    dst.copy_from_slice(fragment.fragment);
                }
                p.have += fresh;
                if p.is_complete() {
                    let bitmap = p.received.take().map_or(0, |r| r.len() * 8);
                    self.buffered -= bitmap;
                }
                Ok(FragmentStatus::Accepted)
            }
            None => {
                let whole = offset == 0 && end == length as usize;
                let words = if whole {
                    0
                } else {
                    (length as usize).div_ceil(64)
                };
                let cost = length as usize + words * 8;
                if self.buffered + cost > self.config.max_buffered {
                    return Ok(FragmentStatus::OverBudget);
                }
                let p = if whole {
                    Pending {
                        msg_type: fragment.msg_type,
                        body: fragment.fragment.to_vec(),
                        received: None,
                        have: end,
                    }
                } else {
                    let mut body = vec![0u8; length as usize];
                    let mut received = vec![0u64; words];
                    let have = mark(&mut received, offset, end);
                    if let Some(dst) = body.get_mut(offset..end) {
                        dst.copy_from_slice(fragment.fragment);
                    }
                    Pending {
                        msg_type: fragment.msg_type,
                        body,
                        received: Some(received),
                        have,
                    }
                };
                self.buffered += p.cost();
                *slot = Some(p);
                Ok(FragmentStatus::Accepted)
            }
        }
    }

    /// The next message in message_seq order, once all its bytes have arrived.
    pub fn pop(&mut self) -> Option<ReassembledMessage> {
        if !self.slots.front()?.as_ref()?.is_complete() {
            return None;
        }
        let p = self.slots.pop_front()??;
        self.buffered -= p.cost();
        let message_seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        Some(ReassembledMessage {
            msg_type: p.msg_type,
            message_seq,
            body: p.body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frag(seq: u16, len: u32, off: u32, data: &[u8]) -> HandshakeFragment<'_> {
        HandshakeFragment {
            msg_type: HandshakeType::CERTIFICATE,
            length: len,
            message_seq: seq,
            fragment_offset: off,
            fragment: data,
        }
    }

    #[test]
    fn mark_counts_fresh_bits() {
        let mut w = vec![0u64; 3];
        assert_eq!(mark(&mut w, 3, 130), 127);
        assert_eq!(mark(&mut w, 0, 192), 65);
        assert_eq!(w, [u64::MAX; 3]);
        assert_eq!(mark(&mut w, 10, 10), 0);
        let mut w = vec![0u64; 1];
        assert_eq!(mark(&mut w, 0, 64), 64);
    }

    #[test]
    fn in_order_and_out_of_order() {
        let body: Vec<u8> = (0..100).collect();
        let mut r = Reassembler::default();
        assert_eq!(
            r.push(&frag(1, 4, 0, &[1, 2, 3, 4])),
            Ok(FragmentStatus::Accepted)
        );
        assert_eq!(r.pop(), None, "seq 0 missing");
        assert_eq!(
            r.push(&frag(0, 100, 50, &body[50..])),
            Ok(FragmentStatus::Accepted)
        );
        assert_eq!(r.pop(), None);
        assert_eq!(
            r.push(&frag(0, 100, 60, &body[60..70])),
            Ok(FragmentStatus::Duplicate)
        );
        assert_eq!(
            r.push(&frag(0, 100, 0, &body[..51])),
            Ok(FragmentStatus::Accepted)
        );
        let m = r.pop().unwrap();
        assert_eq!((m.message_seq, &m.body[..]), (0, &body[..]));
        assert_eq!(m.header().length, 100);
        assert_eq!(r.pop().unwrap().body, [1, 2, 3, 4]);
        assert_eq!(r.pop(), None);
        assert_eq!(r.buffered_bytes(), 0);
        assert!(r.is_empty());
        assert_eq!(r.next_message_seq(), 2);
        assert_eq!(r.push(&frag(0, 100, 0, &body)), Ok(FragmentStatus::Stale));
    }

    #[test]
    fn limits_and_conflicts() {
        let mut r = Reassembler::new(ReassemblerConfig {
            max_buffered: 1000,
            max_message_len: 900,
            max_ahead: 4,
        });
        assert_eq!(
            r.push(&frag(4, 10, 0, &[0; 10])),
            Ok(FragmentStatus::TooFarAhead)
        );
        assert_eq!(
            r.push(&frag(0, 901, 0, &[0; 10])),
            Err(ReassemblyError::MessageTooLong { length: 901 })
        );
        assert_eq!(
            r.push(&frag(0, 5, 0, &[0; 10])),
            Err(ReassemblyError::FragmentOutOfBounds)
        );
        assert_eq!(
            r.push(&frag(0, 800, 0, &[0; 10])),
            Ok(FragmentStatus::Accepted)
        );
        assert_eq!(r.buffered_bytes(), 800 + 13 * 8);
        assert_eq!(
            r.push(&frag(1, 100, 0, &[0; 10])),
            Ok(FragmentStatus::OverBudget)
        );
        assert_eq!(
            r.push(&frag(0, 801, 10, &[0; 10])),
            Err(ReassemblyError::Conflict { message_seq: 0 })
        );
        let mut other = frag(0, 800, 10, &[0; 10]);
        other.msg_type = HandshakeType::FINISHED;
        assert_eq!(
            r.push(&other),
            Err(ReassemblyError::Conflict { message_seq: 0 })
        );
        r.clear();
        assert_eq!(r.buffered_bytes(), 0);
    }

    #[test]
    fn empty_message_completes_at_once() {
        let mut r = Reassembler::with_next_message_seq(ReassemblerConfig::default(), 3);
        let mut f = frag(3, 0, 0, &[]);
        f.msg_type = HandshakeType::SERVER_HELLO_DONE;
        assert_eq!(r.push(&f), Ok(FragmentStatus::Accepted));
        let m = r.pop().unwrap();
        assert_eq!(m.parse(), Ok(HandshakeMessage::ServerHelloDone));
        assert_eq!(m.message_seq, 3);
    }

    #[test]
    fn hostile_tiny_fragments_stay_linear() {
        // 32 768 one-byte fragments at even offsets, then the odd ones: each push costs
        // O(1), so this finishes quickly even in debug builds.
        let len = 65_536u32;
        let mut r = Reassembler::default();
        for pass in 0..2u32 {
            for i in (pass..len).step_by(2) {
                let status = r.push(&frag(0, len, i, &[i as u8])).unwrap();
                assert_eq!(status, FragmentStatus::Accepted);
            }
        }
        let m = r.pop().unwrap();
        assert!(m.body.iter().enumerate().all(|(i, &b)| b == i as u8));
    }

    proptest! {
        #[test]
        fn any_fragmentation_reassembles(
            body in proptest::collection::vec(any::<u8>(), 0..3000),
            cuts in proptest::collection::vec((any::<u16>(), any::<u16>()), 1..40),
            order in any::<u64>(),
            dup in proptest::collection::vec(any::<u8>(), 0..20),
        ) {
            let len = body.len();
            // Pieces from random ranges (overlapping and duplicated), plus a covering
            // partition so every byte arrives at least once.
            let mut pieces: Vec<(usize, usize)> = cuts
                .iter()
                .map(|&(a, b)| {
                    let a = usize::from(a) % (len + 1);
                    let b = usize::from(b) % (len + 1);
                    (a.min(b), a.max(b))
                })
                .collect();
            let mut at = 0;
            for &(a, _) in cuts.iter().cycle() {
                let step = 1 + usize::from(a) % 700;
                pieces.push((at, (at + step).min(len)));
                at += step;
                if at >= len {
                    break;
                }
            }
            for &d in &dup {
                let p = pieces[usize::from(d) % pieces.len()];
                pieces.push(p);
            }
            // A seeded Fisher-Yates shuffle.
            let mut state = order | 1;
            for i in (1..pieces.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                pieces.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let cap = ReassemblerConfig::default().max_buffered;
            let mut r = Reassembler::default();
            let mut got = None;
            for &(a, b) in &pieces {
                r.push(&frag(0, len as u32, a as u32, &body[a..b])).unwrap();
                prop_assert!(r.buffered_bytes() <= cap);
                if let Some(m) = r.pop() {
                    prop_assert!(got.is_none());
                    got = Some(m);
                }
            }
            let m = got.expect("complete after all pieces");
            prop_assert_eq!(m.body, body);
            prop_assert_eq!(r.buffered_bytes(), 0);
        }
    }
}
