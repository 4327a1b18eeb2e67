//! Stream reset (RFC 6525): the Outgoing SSN Reset Request (sections 4.1, 5.1.2) sent by
//! [`Association::reset_streams`] once the listed streams' queued data has been sent,
//! retransmitted on its own timer (counted against Association.Max.Retrans like T3-rtx),
//! and the peer's requests handled per section 5.2.2: incoming SSNs are reset once
//! everything up to the sender's last assigned TSN has arrived, answered "in progress"
//! until then; retransmitted requests get the same answer again (section 5.2.1).
//!
//! Left out: Incoming SSN Reset, SSN/TSN Reset and Add Streams requests are answered
//! "denied"; we never send them. While a reset of our outgoing streams is pending, sends
//! on those streams fail with [`Error::StreamResetPending`] instead of being queued.
//! During deferred reset processing, DATA for the affected streams with a TSN beyond the
//! sender's last TSN is not held back (a peer that waits for our response, as this
//! implementation does, never sends it).

use std::time::Instant;

use super::timers::Timer;
use super::{Association, CloseReason, Error, Event, State};
use crate::chunk::{ReConfig, ReconfigParam, ReconfigResult};
use crate::serial::tsn_le;
use crate::{Chunk, Items};

/// Most streams in one request (keeps the chunk within a 1200-byte MTU).
const MAX_STREAMS_PER_REQUEST: usize = 256;

#[derive(Debug, Clone)]
struct Outstanding {
    seq: u32,
    streams: Vec<u16>,
    senders_last_tsn: u32,
    retries: u32,
}

/// A peer request whose reset waits for the cumulative TSN.
#[derive(Debug, Clone)]
struct Deferred {
    seq: u32,
    senders_last_tsn: u32,
    streams: Vec<u16>,
}

/// Stream reset state of an association.
#[derive(Debug, Clone, Default)]
pub(super) struct Reconfig {
    /// Our next Re-configuration Request Sequence Number.
    next_seq: u32,
    /// The peer's next expected request sequence number.
    peer_next_seq: u32,
    /// Streams waiting to be put in a request.
    pending: Vec<u16>,
    outstanding: Option<Outstanding>,
    /// The answer to the peer's latest request, for retransmissions of it.
    last_result: ReconfigResult,
    deferred: Option<Deferred>,
}

impl Reconfig {
    /// Section 5.1.1: both sequence numbers start at the initial TSNs.
    pub(super) fn start(&mut self, my_initial_tsn: u32, peer_initial_tsn: u32) {
        *self = Self {
            next_seq: my_initial_tsn,
            peer_next_seq: peer_initial_tsn,
            ..Self::default()
        };
    }

    /// Whether `stream` has an outgoing reset pending or in flight.
    #[inline(always)]
    pub(super) fn resetting(&self, stream: u16) -> bool {
        if self.pending.is_empty() && self.outstanding.is_none() {
            return false;
        }
        self.resetting_listed(stream)
    }

    fn resetting_listed(&self, stream: u16) -> bool {
        self.pending.contains(&stream)
            || self
                .outstanding
                .as_ref()
                .is_some_and(|o| o.streams.contains(&stream))
    }
}

impl Association {
    /// Resets the outgoing streams `streams` (RFC 6525 Outgoing SSN Reset Request), as
    /// closing an RTCDataChannel does. The request leaves once everything queued on
    /// those streams has been sent; until the peer answers, sends on them fail with
    /// [`Error::StreamResetPending`]. [`Event::OutgoingStreamsReset`] reports success
    /// (their SSNs restart at 0), [`Event::StreamResetFailed`] a refusal.
    pub fn reset_streams(&mut self, now: Instant, streams: &[u16]) -> Result<(), Error> {
        self.now = self.now.max(now);
        match self.state {
            State::Established => {}
            State::Terminated => return Err(Error::Closed),
            State::Closed | State::CookieWait | State::CookieEchoed => {
                return Err(Error::NotEstablished);
            }
            _ => return Err(Error::ShuttingDown),
        }
        if let Some(&stream) = streams.iter().find(|&&s| s >= self.outbound_streams) {
            return Err(Error::InvalidStream {
                stream,
                limit: self.outbound_streams,
            });
        }
        for &s in streams {
            if !self.reconfig.resetting(s) {
                self.reconfig.pending.push(s);
            }
        }
        self.maybe_send_reset_request(now);
        Ok(())
    }

    /// Sends the pending request if none is outstanding and its streams have no unsent
    /// data left.
    #[inline]
    pub(super) fn maybe_send_reset_request(&mut self, now: Instant) {
        if !self.reconfig.pending.is_empty() {
            self.queue_reset_request(now);
        }
    }

    #[cold]
    fn queue_reset_request(&mut self, now: Instant) {
        let rc = &mut self.reconfig;
        if rc.pending.is_empty() || rc.outstanding.is_some() || self.state != State::Established {
            return;
        }
        if rc.pending.iter().any(|&s| self.sender.unsent_bytes(s) > 0) {
            return;
        }
        let take = rc.pending.len().min(MAX_STREAMS_PER_REQUEST);
        let streams: Vec<u16> = rc.pending.drain(..take).collect();
        let seq = rc.next_seq;
        rc.next_seq = rc.next_seq.wrapping_add(1);
        rc.outstanding = Some(Outstanding {
            seq,
            streams,
            senders_last_tsn: self.sender.last_assigned_tsn(),
            retries: 0,
        });
        self.send_reset_request();
        self.timers.set(Timer::Reconfig, now + self.rtt.rto());
    }

    fn send_reset_request(&mut self) {
        let Some(o) = &self.reconfig.outstanding else {
            return;
        };
        let params = [ReconfigParam::OutgoingSsnResetRequest {
            request_seq: o.seq,
            response_seq: self.reconfig.peer_next_seq.wrapping_sub(1),
            senders_last_tsn: o.senders_last_tsn,
            streams: Items::Slice(&o.streams),
        }];
        let chunk = Chunk::ReConfig(ReConfig {
            params: Items::Slice(&params),
        });
        let mut packet = Vec::new();
        if self.build_packet(self.peer_tag, &[chunk], &mut packet) {
            self.enqueue_packet(packet);
        }
    }

    /// The reconfiguration timer fired: retransmit the request (section 5.1.1).
    pub(super) fn on_reconfig_timeout(&mut self, now: Instant) {
        self.timers.stop(Timer::Reconfig);
        let Some(o) = &mut self.reconfig.outstanding else {
            return;
        };
        o.retries += 1;
        self.error_count += 1;
        if self.error_count > self.config.max_retransmits {
            self.abort_silently(CloseReason::RetransmissionLimit);
            return;
        }
        let backoff = self.rtt.rto() * (1u32 << o.retries.min(6));
        let wait = backoff.min(self.config.rto_max);
        self.send_reset_request();
        self.timers.set(Timer::Reconfig, now + wait);
    }

    /// Handles a RE-CONFIG chunk.
    pub(super) fn on_reconfig(&mut self, now: Instant, chunk: &ReConfig<'_>) {
        for param in chunk.params.iter() {
            match param {
                ReconfigParam::OutgoingSsnResetRequest {
                    request_seq,
                    senders_last_tsn,
                    streams,
                    ..
                } => self.on_outgoing_reset_request(request_seq, senders_last_tsn, streams),
                ReconfigParam::Response {
                    response_seq,
                    result,
                    ..
                } => self.on_reconfig_response(now, response_seq, result),
                ReconfigParam::IncomingSsnResetRequest { request_seq, .. }
                | ReconfigParam::SsnTsnResetRequest { request_seq }
                | ReconfigParam::AddOutgoingStreams { request_seq, .. }
                | ReconfigParam::AddIncomingStreams { request_seq, .. } => {
                    let result = self.accept_seq(request_seq).unwrap_or_else(|| {
                        // A new request of a kind we do not perform.
                        self.reconfig.last_result = ReconfigResult::DENIED;
                        ReconfigResult::DENIED
                    });
                    self.send_response(request_seq, result);
                }
                _ => {}
            }
        }
    }

    /// Checks a request's sequence number (section 5.2.1): `None` for a new request
    /// (now accepted), otherwise the answer to give (a retransmission's earlier result,
    /// or bad sequence number).
    fn accept_seq(&mut self, seq: u32) -> Option<ReconfigResult> {
        let rc = &mut self.reconfig;
        if seq == rc.peer_next_seq {
            rc.peer_next_seq = rc.peer_next_seq.wrapping_add(1);
            None
        } else if seq == rc.peer_next_seq.wrapping_sub(1) {
            Some(rc.last_result)
        } else {
            Some(ReconfigResult::ERROR_BAD_SEQUENCE_NUMBER)
        }
    }

    fn on_outgoing_reset_request(
        &mut self,
        seq: u32,
        senders_last_tsn: u32,
        streams: Items<'_, u16>,
    ) {
        match self.accept_seq(seq) {
            Some(result) => self.send_response(seq, result),
            None => {
                // Bounded by the chunk length; an empty list means every stream.
                let streams: Vec<u16> = streams.iter().collect();
                self.reconfig.deferred = Some(Deferred {
                    seq,
                    senders_last_tsn,
                    streams,
                });
                self.reconfig.last_result = ReconfigResult::IN_PROGRESS;
                if !self.perform_deferred_reset() {
                    self.send_response(seq, ReconfigResult::IN_PROGRESS);
                }
            }
        }
    }

    /// Performs the deferred incoming reset once the cumulative TSN has reached the
    /// sender's last TSN; returns whether it did.
    #[inline]
    pub(super) fn perform_deferred_reset(&mut self) -> bool {
        if self.reconfig.deferred.is_none() {
            return false;
        }
        self.perform_deferred_reset_now()
    }

    #[cold]
    fn perform_deferred_reset_now(&mut self) -> bool {
        let Some(d) = &self.reconfig.deferred else {
            return false;
        };
        if !tsn_le(d.senders_last_tsn, self.receiver.cumulative_tsn()) {
            return false;
        }
        let Some(d) = self.reconfig.deferred.take() else {
            return false;
        };
        self.receiver.reset_incoming(&d.streams);
        self.reconfig.last_result = ReconfigResult::SUCCESS_PERFORMED;
        self.send_response(d.seq, ReconfigResult::SUCCESS_PERFORMED);
        self.events
            .push_back(Event::StreamsReset { streams: d.streams });
        true
    }

    fn on_reconfig_response(&mut self, now: Instant, seq: u32, result: ReconfigResult) {
        let Some(o) = &self.reconfig.outstanding else {
            return;
        };
        if o.seq != seq {
            return;
        }
        self.error_count = 0;
        match result {
            ReconfigResult::IN_PROGRESS => {
                // Ask again later (section 5.2.2).
                let at = now + self.rtt.rto();
                self.timers.set(Timer::Reconfig, at);
            }
            ReconfigResult::SUCCESS_PERFORMED | ReconfigResult::SUCCESS_NOTHING_TO_DO => {
                let Some(o) = self.reconfig.outstanding.take() else {
                    return;
                };
                self.timers.stop(Timer::Reconfig);
                self.sender.reset_outgoing(&o.streams);
                self.events
                    .push_back(Event::OutgoingStreamsReset { streams: o.streams });
                self.maybe_send_reset_request(now);
            }
            _ => {
                let Some(o) = self.reconfig.outstanding.take() else {
                    return;
                };
                self.timers.stop(Timer::Reconfig);
                self.events.push_back(Event::StreamResetFailed {
                    streams: o.streams,
                    result: result.0,
                });
                self.maybe_send_reset_request(now);
            }
        }
    }

    fn send_response(&mut self, seq: u32, result: ReconfigResult) {
        if self.peer_tag == 0 {
            return;
        }
        let params = [ReconfigParam::Response {
            response_seq: seq,
            result,
            next_tsns: None,
        }];
        let chunk = Chunk::ReConfig(ReConfig {
            params: Items::Slice(&params),
        });
        self.queue_packet(self.peer_tag, &[chunk]);
    }
}
