//! Graceful close (RFC 9260 section 9.2: SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE with
//! T2-shutdown), user-initiated ABORT (section 9.1), and path probing with HEARTBEAT
//! (section 8.3: sent when idle, RTT measured from the HEARTBEAT ACK, unanswered ones
//! counted against Association.Max.Retrans).
//!
//! A terminated association still answers a SHUTDOWN ACK with a SHUTDOWN COMPLETE (T
//! bit) if the caller keeps feeding it packets.

use std::time::Instant;

use super::{Association, CloseReason, Error, State, Timer};
use crate::Chunk;
use crate::bytes::{put_u32, u32_at};
use crate::chunk::{ErrorCause, Heartbeat, Shutdown, ShutdownComplete};

/// Heartbeat info: creation time in µs since the epoch (8 bytes) and a nonce (8 bytes).
const HEARTBEAT_INFO_LEN: usize = 16;

impl Association {
    /// Starts a graceful close (section 9.2): queued and outstanding data is delivered,
    /// then SHUTDOWN / SHUTDOWN ACK / SHUTDOWN COMPLETE end the association with
    /// [`CloseReason::Shutdown`]. Before the handshake completes the association simply
    /// ends.
    pub fn shutdown(&mut self, now: Instant) -> Result<(), Error> {
        self.now = self.now.max(now);
        match self.state {
            State::Terminated => Err(Error::Closed),
            State::Closed | State::CookieWait | State::CookieEchoed => {
                self.terminate(CloseReason::Shutdown);
                Ok(())
            }
            State::Established => {
                self.state = State::ShutdownPending;
                self.progress_shutdown(now);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Sends an ABORT with a User-Initiated Abort cause carrying `reason` (may be empty)
    /// and ends the association at once with [`CloseReason::LocalAbort`].
    pub fn abort_with_reason(&mut self, now: Instant, reason: &[u8]) -> Result<(), Error> {
        self.now = self.now.max(now);
        if self.state == State::Terminated {
            return Err(Error::Closed);
        }
        let reason = &reason[..reason.len().min(self.config.mtu - 32)];
        self.abort(
            ErrorCause::UserInitiatedAbort { reason },
            CloseReason::LocalAbort,
        );
        Ok(())
    }

    /// Sends SHUTDOWN or SHUTDOWN ACK once all our data is acknowledged.
    pub(super) fn progress_shutdown(&mut self, now: Instant) {
        if self.sender.buffered_bytes() != 0 {
            return;
        }
        match self.state {
            State::ShutdownPending => {
                self.state = State::ShutdownSent;
                self.send_shutdown();
                self.timers.stop(Timer::T3Rtx);
                self.timers.set(Timer::T2Shutdown, now + self.rtt.rto());
            }
            State::ShutdownReceived => {
                self.state = State::ShutdownAckSent;
                self.queue_packet(self.peer_tag, &[Chunk::ShutdownAck]);
                self.timers.stop(Timer::T3Rtx);
                self.timers.set(Timer::T2Shutdown, now + self.rtt.rto());
            }
            _ => {}
        }
    }

    fn send_shutdown(&mut self) {
        let chunk = Chunk::Shutdown(Shutdown {
            cumulative_tsn_ack: self.receiver.cumulative_tsn(),
        });
        self.queue_packet(self.peer_tag, &[chunk]);
    }

    /// In SHUTDOWN-SENT each packet with DATA is answered with SHUTDOWN and restarts
    /// T2-shutdown (section 9.2); the peer is alive, so the error count restarts too.
    pub(super) fn on_data_while_shutdown_sent(&mut self, now: Instant) {
        self.send_shutdown();
        self.error_count = 0;
        self.timers.set(Timer::T2Shutdown, now + self.rtt.rto());
    }

    /// SHUTDOWN received (section 9.2).
    pub(super) fn on_shutdown(&mut self, now: Instant, shutdown: Shutdown) {
        match self.state {
            State::Established | State::ShutdownPending | State::ShutdownReceived => {
                self.sender.on_cumulative_ack(
                    now,
                    shutdown.cumulative_tsn_ack,
                    &mut self.rtt,
                    &mut self.timers,
                );
                self.state = State::ShutdownReceived;
                self.progress_shutdown(now);
            }
            State::ShutdownSent => {
                // Both sides shut down at once: answer with SHUTDOWN ACK.
                self.state = State::ShutdownAckSent;
                self.queue_packet(self.peer_tag, &[Chunk::ShutdownAck]);
                self.timers.set(Timer::T2Shutdown, now + self.rtt.rto());
            }
            State::ShutdownAckSent => {
                self.queue_packet(self.peer_tag, &[Chunk::ShutdownAck]);
            }
            _ => self.stats.dropped_out_of_state += 1,
        }
    }

    /// After termination, a SHUTDOWN ACK (our SHUTDOWN COMPLETE was lost) is answered
    /// with a SHUTDOWN COMPLETE carrying the T bit and the packet's tag (section 8.4
    /// rule 5), so the peer can finish too.
    pub(super) fn answer_out_of_the_blue(&mut self, packet: &[u8]) {
        let Ok(view) = crate::SctpPacket::new_checked(packet) else {
            return;
        };
        if self.config.verify_checksum && view.verify_checksum().is_err() {
            return;
        }
        let is_shutdown_ack = view
            .chunks()
            .next()
            .is_some_and(|c| c.chunk_type == crate::ChunkType::SHUTDOWN_ACK);
        if is_shutdown_ack {
            let chunk = Chunk::ShutdownComplete(ShutdownComplete { t_bit: true });
            self.queue_packet(view.verification_tag(), &[chunk]);
        }
    }

    /// SHUTDOWN ACK received: answer with SHUTDOWN COMPLETE and end.
    pub(super) fn on_shutdown_ack(&mut self) {
        if matches!(self.state, State::ShutdownSent | State::ShutdownAckSent) {
            let chunk = Chunk::ShutdownComplete(ShutdownComplete { t_bit: false });
            self.queue_packet(self.peer_tag, &[chunk]);
            self.terminate(CloseReason::Shutdown);
        } else {
            self.stats.dropped_out_of_state += 1;
        }
    }

    /// SHUTDOWN COMPLETE received.
    pub(super) fn on_shutdown_complete(&mut self) {
        if self.state == State::ShutdownAckSent {
            self.terminate(CloseReason::Shutdown);
        } else {
            self.stats.dropped_out_of_state += 1;
        }
    }

    /// T2-shutdown expired: resend SHUTDOWN or SHUTDOWN ACK.
    pub(super) fn on_t2_expiry(&mut self, now: Instant) {
        self.timers.stop(Timer::T2Shutdown);
        self.error_count += 1;
        if self.error_count > self.config.max_retransmits {
            self.terminate(CloseReason::RetransmissionLimit);
            return;
        }
        self.rtt.back_off();
        match self.state {
            State::ShutdownSent => self.send_shutdown(),
            State::ShutdownAckSent => self.queue_packet(self.peer_tag, &[Chunk::ShutdownAck]),
            _ => return,
        }
        self.timers.set(Timer::T2Shutdown, now + self.rtt.rto());
    }

    /// Arms the heartbeat timer (RTO + HB.interval from now), if heartbeats are on.
    pub(super) fn arm_heartbeat(&mut self, now: Instant) {
        if let Some(interval) = self.config.heartbeat_interval {
            self.timers
                .set(Timer::Heartbeat, now + self.rtt.rto() + interval);
        }
    }

    /// The heartbeat timer fired: probe the peer if the association is idle.
    pub(super) fn on_heartbeat_timer(&mut self, now: Instant) {
        self.timers.stop(Timer::Heartbeat);
        if self.state != State::Established {
            return;
        }
        if self.sender.flight_size() == 0 {
            if self.heartbeat_nonce.is_some() {
                // The previous probe went unanswered.
                self.error_count += 1;
                if self.error_count > self.config.max_retransmits {
                    self.terminate(CloseReason::RetransmissionLimit);
                    return;
                }
            }
            let nonce = self.rng.next_u64();
            let mut info = [0u8; HEARTBEAT_INFO_LEN];
            info[..8].copy_from_slice(&self.now_us_since_epoch(now).to_be_bytes());
            put_u32(&mut info, 8, (nonce >> 32) as u32);
            put_u32(&mut info, 12, nonce as u32);
            self.heartbeat_nonce = Some(nonce);
            self.queue_packet(
                self.peer_tag,
                &[Chunk::Heartbeat(Heartbeat { info: &info })],
            );
        }
        self.arm_heartbeat(now);
    }

    /// HEARTBEAT ACK received: an RTT sample if it answers our latest probe.
    pub(super) fn on_heartbeat_ack(&mut self, now: Instant, ack: &Heartbeat<'_>) {
        let Ok(info) = <[u8; HEARTBEAT_INFO_LEN]>::try_from(ack.info) else {
            return;
        };
        let nonce = (u64::from(u32_at(&info, 8)) << 32) | u64::from(u32_at(&info, 12));
        if self.heartbeat_nonce != Some(nonce) {
            return;
        }
        self.heartbeat_nonce = None;
        self.error_count = 0;
        let mut sent = [0u8; 8];
        sent.copy_from_slice(&info[..8]);
        let sent_us = u64::from_be_bytes(sent);
        let now_us = self.now_us_since_epoch(now);
        if let Some(rtt) = now_us.checked_sub(sent_us) {
            self.rtt.update(std::time::Duration::from_micros(rtt));
        }
    }

    fn now_us_since_epoch(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.epoch).as_micros() as u64
    }
}
