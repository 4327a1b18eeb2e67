//! Message interleaving (RFC 8260) in the association: which data chunk types a packet
//! may carry once the handshake decided (section 2.2.1), and I-DATA / I-FORWARD-TSN
//! handed to the receiver. The sender's and receiver's halves live in
//! `send::interleave` and `recv::interleave`.
//!
//! I-DATA is used when [`super::Config::message_interleaving`] is set and the peer lists
//! I-DATA in its Supported Extensions. Then DATA and FORWARD TSN are never sent, and a
//! received DATA or FORWARD TSN chunk is a protocol violation (ABORT with a Protocol
//! Violation cause); without it, a received I-DATA or I-FORWARD-TSN is one.

use std::time::Instant;

use super::recv::{DataOutcome, IDataOutcome};
use super::{Association, CloseReason};
use crate::chunk::{ErrorCause, IData, IForwardTsn};

impl Association {
    /// Whether I-DATA is in use (both ends support it, RFC 8260 section 2.2.1).
    #[inline]
    pub fn message_interleaving(&self) -> bool {
        self.sender.interleaving()
    }

    /// Aborts because the peer used a data chunk type the handshake ruled out.
    pub(super) fn abort_wrong_data_chunk(&mut self, what: &'static str) {
        self.abort(
            ErrorCause::ProtocolViolation {
                info: what.as_bytes(),
            },
            CloseReason::ProtocolViolation(what),
        );
    }

    /// The checks every data-carrying chunk (DATA, I-DATA, FORWARD TSN, I-FORWARD-TSN)
    /// passes before the receiver sees it: a state that receives data (else it is counted
    /// and skipped) and the family the handshake chose, I-DATA or not (RFC 8260 section
    /// 2.2.1; else ABORT with `wrong`). `None` to go on (and `had_data` set), or whether
    /// to go on with the packet.
    #[inline]
    pub(super) fn admit_data_chunk(
        &mut self,
        interleaved: bool,
        wrong: &'static str,
        had_data: &mut bool,
    ) -> Option<bool> {
        if !self.receives_data() {
            self.stats.dropped_out_of_state += 1;
            return Some(true);
        }
        if self.sender.interleaving() != interleaved {
            self.abort_wrong_data_chunk(wrong);
            return Some(false);
        }
        *had_data = true;
        None
    }

    /// ABORTs for a DATA or I-DATA chunk without user data (RFC 9260 section 6.2);
    /// false when `empty`, to stop processing the packet.
    #[inline]
    pub(super) fn refuse_empty(&mut self, empty: bool, tsn: u32, what: &'static str) -> bool {
        if empty {
            self.abort(
                ErrorCause::NoUserData { tsn },
                CloseReason::ProtocolViolation(what),
            );
        }
        !empty
    }

    /// Acts on what the receiver made of a DATA or I-DATA chunk on `stream_id`: counts
    /// duplicates and drops, reports an invalid stream (an ERROR chunk) and ABORTs on a
    /// message over max-message-size. False to stop processing the packet.
    #[inline]
    pub(super) fn on_data_outcome(&mut self, outcome: DataOutcome, stream_id: u16) -> bool {
        match outcome {
            DataOutcome::Ok => {}
            DataOutcome::Duplicate => self.stats.data_duplicates += 1,
            DataOutcome::NoRoom => self.stats.data_dropped_no_room += 1,
            DataOutcome::InvalidStream => {
                self.send_error(ErrorCause::InvalidStreamIdentifier { stream_id });
            }
            DataOutcome::TooLarge => {
                self.abort_wrong_data_chunk("message exceeds max-message-size");
                return false;
            }
        }
        true
    }

    /// Handles an I-DATA chunk; returns false to stop processing the packet.
    pub(super) fn on_idata(&mut self, data: &IData<'_>, had_data: &mut bool) -> bool {
        let wrong = "I-DATA chunk without I-DATA negotiated";
        if let Some(go_on) = self.admit_data_chunk(true, wrong, had_data) {
            return go_on;
        }
        let empty = data.user_data.is_empty();
        if !self.refuse_empty(empty, data.tsn, "I-DATA chunk without user data") {
            return false;
        }
        match self
            .receiver
            .on_idata(data, self.inbound_streams, &mut self.events)
        {
            IDataOutcome::Data(outcome) => self.on_data_outcome(outcome, data.stream_id),
            IDataOutcome::Violation(what) => {
                self.abort_wrong_data_chunk(what);
                false
            }
        }
    }

    /// Handles an I-FORWARD-TSN chunk; returns false to stop processing the packet.
    pub(super) fn on_i_forward_tsn(
        &mut self,
        _now: Instant,
        fwd: &IForwardTsn<'_>,
        had_data: &mut bool,
    ) -> bool {
        let wrong = "I-FORWARD-TSN chunk without I-DATA negotiated";
        if let Some(go_on) = self.admit_data_chunk(true, wrong, had_data) {
            return go_on;
        }
        self.receiver
            .on_i_forward_tsn(fwd, self.inbound_streams, &mut self.events);
        true
    }
}
