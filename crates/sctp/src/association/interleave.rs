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

    /// Handles an I-DATA chunk; returns false to stop processing the packet.
    pub(super) fn on_idata(
        &mut self,
        data: &IData<'_>,
        receiving: bool,
        had_data: &mut bool,
    ) -> bool {
        if !receiving {
            self.stats.dropped_out_of_state += 1;
            return true;
        }
        if !self.sender.interleaving() {
            self.abort_wrong_data_chunk("I-DATA chunk without I-DATA negotiated");
            return false;
        }
        *had_data = true;
        if data.user_data.is_empty() {
            self.abort(
                ErrorCause::NoUserData { tsn: data.tsn },
                CloseReason::ProtocolViolation("I-DATA chunk without user data"),
            );
            return false;
        }
        let outcome = self
            .receiver
            .on_idata(data, self.inbound_streams, &mut self.events);
        match outcome {
            IDataOutcome::Data(DataOutcome::Ok) => {}
            IDataOutcome::Data(DataOutcome::Duplicate) => self.stats.data_duplicates += 1,
            IDataOutcome::Data(DataOutcome::NoRoom) => self.stats.data_dropped_no_room += 1,
            IDataOutcome::Data(DataOutcome::InvalidStream) => {
                self.send_error(ErrorCause::InvalidStreamIdentifier {
                    stream_id: data.stream_id,
                });
            }
            IDataOutcome::Data(DataOutcome::TooLarge) => {
                self.abort_wrong_data_chunk("message exceeds max-message-size");
                return false;
            }
            IDataOutcome::Violation(what) => {
                self.abort_wrong_data_chunk(what);
                return false;
            }
        }
        true
    }

    /// Handles an I-FORWARD-TSN chunk; returns false to stop processing the packet.
    pub(super) fn on_i_forward_tsn(
        &mut self,
        _now: Instant,
        fwd: &IForwardTsn<'_>,
        receiving: bool,
        had_data: &mut bool,
    ) -> bool {
        if !receiving {
            self.stats.dropped_out_of_state += 1;
            return true;
        }
        if !self.sender.interleaving() {
            self.abort_wrong_data_chunk("I-FORWARD-TSN chunk without I-DATA negotiated");
            return false;
        }
        *had_data = true;
        self.receiver
            .on_i_forward_tsn(fwd, self.inbound_streams, &mut self.events);
        true
    }
}
