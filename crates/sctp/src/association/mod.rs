//! The SCTP association (RFC 9260 sections 5 to 8) as WebRTC runs it over DTLS (RFC 8261):
//! one association per DTLS connection, no multihoming, no IP addresses.
//!
//! [`Association`] is sans-IO. The caller feeds it SCTP packets (DTLS application data)
//! with [`Association::handle_packet`], fires its timer with
//! [`Association::handle_timeout`], and after **every** call that changes state drains
//! [`Association::poll_transmit`] and [`Association::poll_event`] until both return `None`,
//! then sleeps until [`Association::poll_timeout`].
//!
//! Implemented (phase 1):
//! - the four-way handshake of section 5.1 with an HMAC-SHA256 state cookie (section
//!   5.1.3), stale cookies answered with error cause 3 and retried with a Cookie
//!   Preservative (section 5.2.6), T1-init / T1-cookie retransmission, simultaneous open
//!   (sections 5.2.1 and 5.2.4 cases B and D), the verification tag rules of section 8.5;
//! - DATA (section 6): fragmentation to the MTU, TSNs, per-stream SSNs, unordered
//!   messages, reassembly bounded by `max_message_size`, a receive buffer advertised as
//!   a_rwnd whose overrun is dropped;
//! - SACK (section 6.2): delayed SACK (timer or every second packet), immediate SACK on
//!   gaps and duplicates, bounded gap ack blocks and duplicate TSN reports;
//! - the sender: cumulative and gap acknowledgements, peer rwnd, T3-rtx with RTO per
//!   section 6.3 (Karn's rule), fast retransmit on three miss indications (section
//!   7.2.4), slow start and congestion avoidance (section 7.2), SACK and DATA bundling,
//!   a bounded send buffer;
//! - the SHUTDOWN sequence with T2-shutdown (section 9.2), ABORT received (with the T
//!   bit rules), sent on protocol violations and on request (section 9.1), HEARTBEAT
//!   probes when idle with RTT measurement (section 8.3), Association.Max.Retrans;
//! - partial reliability (RFC 3758 sections 3.5 and 3.6): per-message retransmission
//!   and lifetime limits ([`SendOptions`]), abandoning, FORWARD TSN sent and received;
//! - stream reset (RFC 6525): Outgoing SSN Reset Requests sent
//!   ([`Association::reset_streams`]) and answered, with deferred processing and
//!   request retransmission (see the `reconfig` module for what is left out);
//! - stream scheduling by priority (RFC 8831 section 6.4): weighted fair queueing
//!   across streams with queued data, message by message
//!   ([`Association::set_stream_priority`]);
//! - message interleaving (RFC 8260) with [`Config::message_interleaving`]: I-DATA and
//!   I-FORWARD-TSN when both ends list them, the scheduler then working fragment by
//!   fragment ([`Association::message_interleaving`] tells whether it is in use).
//!
//! Left out for now: the other RE-CONFIG requests (answered "denied"), ECN, partial
//! delivery of large I-DATA messages.
//!
//! Randomness: the verification tag, the initial TSN and the cookie secret come from a
//! small PRNG seeded with [`Config::seed`]. Tests pass fixed seeds; **production callers
//! must pass a seed from a CSPRNG**, or tags and cookies become predictable.

mod config;
mod event;
mod handshake;
mod interleave;
mod limits;
mod reconfig;
mod recv;
mod restart;
mod send;
mod shutdown;
#[cfg(test)]
mod tests;
mod timers;

use bytes::Bytes;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::chunk::{ErrorCause, Ppid};
use crate::packet::COMMON_HEADER_LEN;
use crate::{Chunk, ChunkType, CommonHeader, Items, PacketBuilder, SctpPacket};

pub use config::Config;
pub use event::{CloseReason, Error, Event, State, Stats};
pub use limits::RemoteMaxMessageSize;
use recv::Receiver;
pub use send::SendOptions;
use send::Sender;
use timers::{Rng, RttEstimator, Timer, Timers};

/// Most packets kept ready for `poll_transmit` (control replies beyond it are dropped;
/// the peer retransmits what matters).
const MAX_QUEUED_PACKETS: usize = 256;

/// What we learned about the peer in INIT or INIT ACK (or the state cookie).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PeerInit {
    pub(crate) tag: u32,
    pub(crate) initial_tsn: u32,
    pub(crate) a_rwnd: u32,
    pub(crate) outbound_streams: u16,
    pub(crate) inbound_streams: u16,
    /// The peer advertised Forward-TSN-Supported (RFC 3758 section 3.3.1).
    pub(crate) forward_tsn: bool,
    /// The peer accepts zero checksums with DTLS (RFC 9653 Zero Checksum Acceptable,
    /// EDMID 1).
    pub(crate) zero_checksum: bool,
    /// The peer lists I-DATA in its Supported Extensions (RFC 8260 section 2.2.1).
    pub(crate) i_data: bool,
}

/// An SCTP association; see the module docs for the calling contract.
///
/// Methods fall into four groups: getters ([`Association::state`],
/// [`Association::stats`], buffered amounts), inputs ([`Association::handle_packet`],
/// [`Association::handle_timeout`]), commands ([`Association::connect`],
/// [`Association::send`]) and outputs (`poll_*`).
#[derive(Debug)]
pub struct Association {
    config: Config,
    state: State,
    epoch: Instant,
    /// The time of the latest input or command, used to stamp transmissions.
    now: Instant,
    rng: Rng,
    /// The nonce of the HEARTBEAT awaiting its ACK.
    heartbeat_nonce: Option<u64>,
    cookie_key: ring::hmac::Key,
    my_tag: u32,
    my_initial_tsn: u32,
    /// The peer's tag once known (0 before).
    peer_tag: u32,
    peer: Option<PeerInit>,
    handshake: handshake::Handshake,
    timers: Timers,
    rtt: RttEstimator,
    sender: Sender,
    receiver: Receiver,
    /// Negotiated stream counts (our outbound, our inbound).
    outbound_streams: u16,
    inbound_streams: u16,
    reconfig: reconfig::Reconfig,
    /// Consecutive T3-rtx expiries without progress (section 8.1).
    error_count: u32,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    stats: Stats,
    /// The peer's maximum message size, once known (RFC 8841).
    remote_max_message_size: Option<usize>,
}

impl Association {
    /// Creates an association in the CLOSED state: it answers an INIT (passive open), or
    /// opens actively with [`Association::connect`].
    pub fn new(config: Config, now: Instant) -> Self {
        let config = config.normalized();
        let mut rng = Rng::new(config.seed);
        let my_tag = rng.nonzero_u32();
        let my_initial_tsn = rng.next_u32();
        let mut secret = [0u8; 32];
        rng.fill(&mut secret);
        let cookie_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret);
        let rtt = RttEstimator::new(config.rto_initial, config.rto_min, config.rto_max);
        Self {
            sender: Sender::new(&config, my_initial_tsn),
            receiver: Receiver::new(&config),
            outbound_streams: config.outbound_streams,
            inbound_streams: config.inbound_streams,
            config,
            state: State::Closed,
            epoch: now,
            now,
            rng,
            heartbeat_nonce: None,
            cookie_key,
            my_tag,
            my_initial_tsn,
            peer_tag: 0,
            peer: None,
            handshake: handshake::Handshake::default(),
            timers: Timers::default(),
            rtt,
            error_count: 0,
            reconfig: reconfig::Reconfig::default(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
            remote_max_message_size: None,
        }
    }

    // ---- getters ----

    /// The current state.
    #[inline]
    pub fn state(&self) -> State {
        self.state
    }

    /// Whether the handshake has completed and the association is not terminated.
    #[inline]
    pub fn is_established(&self) -> bool {
        self.state == State::Established
    }

    /// Counters.
    #[inline]
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The configuration in force (after clamping).
    #[inline]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Our verification tag.
    #[inline]
    pub fn local_tag(&self) -> u32 {
        self.my_tag
    }

    /// The peer's verification tag (0 until known).
    #[inline]
    pub fn peer_tag(&self) -> u32 {
        self.peer_tag
    }

    /// The negotiated number of outbound streams (our configured count until the
    /// handshake completes).
    #[inline]
    pub fn outbound_streams(&self) -> u16 {
        self.outbound_streams
    }

    /// Bytes of `stream`'s messages not yet sent once (the data channel
    /// `bufferedAmount`).
    #[inline]
    pub fn buffered_amount(&self, stream: u16) -> usize {
        self.sender.unsent_bytes(stream)
    }

    /// Sets the priority of outgoing `stream`, its weight in the stream scheduler (RFC
    /// 8831 section 6.4, with the W3C values of `RTCPriorityType` as carried in
    /// DATA_CHANNEL_OPEN: 128 very low, 256 low (the default), 512 medium, 1024 high).
    /// Streams with queued data share the sending rate in proportion to their weights,
    /// message by message; equal weights take turns. 0 counts as 1.
    pub fn set_stream_priority(&mut self, stream: u16, priority: u16) {
        if stream < self.outbound_streams {
            self.sender.set_weight(stream, priority);
        }
    }

    /// The priority of outgoing `stream` (256 unless set).
    #[inline]
    pub fn stream_priority(&self, stream: u16) -> u16 {
        self.sender.weight(stream)
    }

    /// All user data held by the sender: unsent plus sent but not yet acknowledged; at most
    /// twice `send_buffer` (plus one message): sends fail with [`Error::SendBufferFull`]
    /// when the unsent part would exceed `send_buffer`, and no new data is sent while the
    /// sent-but-unacknowledged part is at `send_buffer`.
    #[inline]
    pub fn buffered_bytes(&self) -> usize {
        self.sender.buffered_bytes()
    }

    /// The congestion window, in bytes (for stats and tests).
    #[inline]
    pub fn cwnd(&self) -> usize {
        self.sender.cwnd()
    }

    /// The current retransmission timeout.
    #[inline]
    pub fn rto(&self) -> Duration {
        self.rtt.rto()
    }

    /// The smoothed round-trip time, once measured.
    #[inline]
    pub fn srtt(&self) -> Option<Duration> {
        self.rtt.srtt()
    }

    /// Whether the next [`Association::poll_transmit`] carries a SACK that reports a gap,
    /// duplicates or answers the I bit (RFC 9260 sections 6.2 and 6.7). A caller that feeds
    /// packets in batches and drains once per batch (one SACK per batch) should drain
    /// right away when this is true: the peer's fast retransmit counts one miss indication
    /// per SACK, so one SACK for a batch would slow its loss recovery.
    #[inline]
    pub fn sack_urgent(&self) -> bool {
        self.receiver.sack_urgent()
    }

    /// User data held by the receiver (reassembly, ordering and undelivered events).
    #[inline]
    pub fn receive_buffered(&self) -> usize {
        self.receiver.used()
    }

    /// Gives the buffer of a delivered message ([`Event::Message`]) back for reuse by
    /// later messages: optional, it saves an allocation per message. A few buffers are
    /// kept (at most 1024, and the receive buffer's size in capacity); the rest are dropped.
    pub fn recycle(&mut self, buffer: Vec<u8>) {
        self.receiver.recycle(buffer);
    }

    // ---- commands ----

    /// Starts the handshake (active open): sends INIT and arms T1-init. The peer may open
    /// at the same time (simultaneous open works).
    pub fn connect(&mut self, now: Instant) -> Result<(), Error> {
        self.now = self.now.max(now);
        match self.state {
            State::Closed => {
                self.send_init(now);
                Ok(())
            }
            State::Terminated => Err(Error::Closed),
            _ => Err(Error::AlreadyConnecting),
        }
    }

    /// Queues a reliable user message (shorthand for [`Association::send_with`] with
    /// only `ordered` set). Messages may be queued before the handshake completes; they
    /// leave once it does. Fails with [`Error::SendBufferFull`] when the bytes waiting to
    /// be sent (all streams) would exceed `send_buffer`.
    pub fn send(
        &mut self,
        now: Instant,
        stream: u16,
        ppid: Ppid,
        data: &[u8],
        ordered: bool,
    ) -> Result<(), Error> {
        let options = SendOptions {
            ordered,
            ..SendOptions::default()
        };
        self.send_with(now, stream, ppid, data, options)
    }

    /// Queues a user message with per-message options, among them the partial
    /// reliability policies of RFC 3758 (see [`SendOptions`]). The bytes are copied into
    /// the stream's send queue; [`Association::send_bytes`] holds a buffer instead.
    pub fn send_with(
        &mut self,
        now: Instant,
        stream: u16,
        ppid: Ppid,
        data: &[u8],
        options: SendOptions,
    ) -> Result<(), Error> {
        self.check_send(now, stream, data.len())?;
        self.sender
            .enqueue(now, stream, ppid, send::Payload::Borrowed(data), &options);
        Ok(())
    }

    /// Queues a user message held as the caller's buffer rather than copied: a `Vec<u8>`
    /// is taken over without a copy, and one [`Bytes`] may be queued on many associations
    /// (the same data to many peers). The buffer is released when the message has been
    /// acknowledged (or abandoned). Messages under 1 KiB are copied all the same, since
    /// holding a buffer per small message costs more than the copy. Limits and errors as
    /// for [`Association::send_with`].
    pub fn send_bytes(
        &mut self,
        now: Instant,
        stream: u16,
        ppid: Ppid,
        data: impl Into<Bytes>,
        options: SendOptions,
    ) -> Result<(), Error> {
        let data = data.into();
        self.check_send(now, stream, data.len())?;
        self.sender
            .enqueue(now, stream, ppid, send::Payload::Shared(data), &options);
        Ok(())
    }

    /// The checks every send makes before its message is queued.
    #[inline]
    fn check_send(&mut self, now: Instant, stream: u16, len: usize) -> Result<(), Error> {
        self.now = self.now.max(now);
        match self.state {
            State::Terminated => return Err(Error::Closed),
            State::ShutdownPending
            | State::ShutdownSent
            | State::ShutdownReceived
            | State::ShutdownAckSent => return Err(Error::ShuttingDown),
            _ => {}
        }
        if len == 0 {
            return Err(Error::EmptyMessage);
        }
        self.check_message_size(len)?;
        if stream >= self.outbound_streams {
            return Err(Error::InvalidStream {
                stream,
                limit: self.outbound_streams,
            });
        }
        if self.reconfig.resetting(stream) {
            return Err(Error::StreamResetPending { stream });
        }
        // The limit is on what waits (the sum of the streams' bufferedAmount), so an
        // application that keeps bufferedAmount low is never refused while its earlier
        // messages wait for acknowledgement; sent data held is bounded separately (new data
        // waits while it is at the limit).
        let unsent = self.sender.unsent_total();
        if unsent + len > self.config.send_buffer {
            return Err(Error::SendBufferFull {
                buffered: unsent,
                limit: self.config.send_buffer,
            });
        }
        Ok(())
    }

    // ---- inputs ----

    /// Processes one SCTP packet. Malformed packets, bad checksums and wrong tags are
    /// dropped and counted in [`Association::stats`]; only a terminated association
    /// returns an error.
    pub fn handle_packet(&mut self, now: Instant, packet: &[u8]) -> Result<(), Error> {
        if self.state == State::Terminated {
            self.answer_out_of_the_blue(packet);
            return Err(Error::Closed);
        }
        self.now = self.now.max(now);
        self.stats.packets_received += 1;
        let Ok(view) = SctpPacket::new_checked(packet) else {
            self.stats.dropped_malformed += 1;
            return Ok(());
        };
        // RFC 9653 section 5.3: having announced Zero Checksum Acceptable, we take a zero
        // checksum as well as a correct one (once the peer knows, after the INIT).
        let zero_ok = self.config.zero_checksum && self.peer.is_some() && view.checksum() == 0;
        if self.config.verify_checksum && !zero_ok && view.verify_checksum().is_err() {
            self.stats.dropped_checksum += 1;
            return Ok(());
        }
        if view.destination_port() != self.config.local_port
            || view.source_port() != self.config.remote_port
        {
            self.stats.dropped_tag += 1;
            return Ok(());
        }
        let tag = view.verification_tag();
        let mut chunks = view.into_chunks();
        let Some(first) = chunks.next() else {
            self.stats.dropped_malformed += 1;
            return Ok(());
        };
        if first.chunk_type == ChunkType::INIT {
            // Section 8.5.1 A: INIT travels alone with a zero tag.
            if tag != 0 || chunks.next().is_some() {
                self.stats.dropped_tag += 1;
                return Ok(());
            }
            match Chunk::parse(first) {
                Ok(Chunk::Init(init)) => self.on_init(now, &init),
                _ => self.stats.dropped_malformed += 1,
            }
            return Ok(());
        }
        let mut had_data = false;
        for raw in core::iter::once(first).chain(chunks) {
            if self.state == State::Terminated {
                break;
            }
            let reflected = match raw.chunk_type {
                ChunkType::ABORT | ChunkType::SHUTDOWN_COMPLETE => raw.flags & 1 != 0,
                _ => false,
            };
            let tag_ok = if reflected {
                self.peer_tag != 0 && tag == self.peer_tag
            } else {
                // Section 5.2.4: a COOKIE ECHO after an unexpected INIT carries the new
                // tag of our INIT ACK; its cookie (HMAC, tags, Tie-Tags) is checked
                // instead.
                tag == self.my_tag || raw.chunk_type == ChunkType::COOKIE_ECHO
            };
            if !tag_ok {
                self.stats.dropped_tag += 1;
                break;
            }
            // DATA, the common case, is parsed in place rather than through `Chunk`.
            let handled = if raw.chunk_type == ChunkType::DATA {
                crate::chunk::Data::parse(raw.flags, raw.value)
                    .map(|data| self.on_data_chunk(&data, &mut had_data))
            } else {
                Chunk::parse(raw).map(|chunk| self.on_chunk(now, chunk, raw, &mut had_data))
            };
            match handled {
                Ok(true) => {}
                Ok(false) => break,
                Err(_) => {
                    self.stats.dropped_malformed += 1;
                    break;
                }
            }
        }
        if matches!(self.state, State::ShutdownPending | State::ShutdownReceived) {
            self.progress_shutdown(now);
        }
        if had_data && self.state == State::ShutdownSent {
            self.on_data_while_shutdown_sent(now);
        }
        if had_data && self.state != State::Terminated {
            self.perform_deferred_reset();
            self.receiver
                .after_packet(now, &mut self.timers, &self.config);
        }
        Ok(())
    }

    /// Whether the state accepts data-carrying chunks (RFC 9260 section 9.2: data still
    /// arrives after our SHUTDOWN is pending or sent).
    #[inline]
    fn receives_data(&self) -> bool {
        matches!(
            self.state,
            State::Established | State::ShutdownPending | State::ShutdownSent
        )
    }

    /// Handles a DATA chunk; returns false to stop processing the packet.
    fn on_data_chunk(&mut self, data: &crate::chunk::Data<'_>, had_data: &mut bool) -> bool {
        let wrong = "DATA chunk with I-DATA negotiated";
        if let Some(go_on) = self.admit_data_chunk(false, wrong, had_data) {
            return go_on;
        }
        let empty = data.user_data.is_empty();
        if !self.refuse_empty(empty, data.tsn, "DATA chunk without user data") {
            return false;
        }
        let outcome = self
            .receiver
            .on_data(data, self.inbound_streams, &mut self.events);
        self.on_data_outcome(outcome, data.stream_id)
    }

    /// Handles one chunk; returns false to stop processing the packet.
    fn on_chunk(
        &mut self,
        now: Instant,
        chunk: Chunk<'_>,
        raw: crate::RawChunk<'_>,
        had_data: &mut bool,
    ) -> bool {
        let sending = matches!(
            self.state,
            State::Established | State::ShutdownPending | State::ShutdownReceived
        );
        match chunk {
            Chunk::Data(data) => return self.on_data_chunk(&data, had_data),
            Chunk::Sack(sack) => {
                if sending {
                    let progressed =
                        self.sender
                            .on_sack(now, &sack, &mut self.rtt, &mut self.timers);
                    // Section 6.1: unacknowledged zero window probes do not count as
                    // errors while the peer keeps answering.
                    if progressed || sack.a_rwnd == 0 {
                        self.error_count = 0;
                    }
                } else {
                    self.stats.dropped_out_of_state += 1;
                }
            }
            Chunk::InitAck(init) => self.on_init_ack(now, &init),
            Chunk::CookieEcho(echo) => self.on_cookie_echo(now, echo.cookie),
            Chunk::CookieAck => self.on_cookie_ack(),
            Chunk::Heartbeat(hb) if self.peer_tag != 0 => {
                self.queue_packet(self.peer_tag, &[Chunk::HeartbeatAck(hb)]);
            }
            Chunk::Abort(abort) => {
                let cause = abort.causes.iter().next().map(|c| c.code());
                self.terminate(CloseReason::PeerAbort { cause });
                return false;
            }
            Chunk::Error(err) => self.on_error(now, &err),
            Chunk::HeartbeatAck(ack) => self.on_heartbeat_ack(now, &ack),
            Chunk::Shutdown(s) => self.on_shutdown(now, s),
            Chunk::ShutdownAck => {
                self.on_shutdown_ack();
                return false;
            }
            Chunk::ShutdownComplete(_) => {
                self.on_shutdown_complete();
                return false;
            }
            Chunk::Init(_) => {
                // INIT bundled with other chunks violates section 6.10; drop the rest.
                self.stats.dropped_malformed += 1;
                return false;
            }
            Chunk::Unknown(_) => {
                let action = raw.chunk_type.action();
                // The report echoes the chunk: only when that fits in one packet (common
                // header, ERROR chunk header, cause header).
                let fits = COMMON_HEADER_LEN + 8 + raw.len() <= self.config.mtu;
                if action.reports() && self.peer_tag != 0 && fits {
                    let mut bytes = Vec::with_capacity(raw.len());
                    bytes.extend_from_slice(&[raw.chunk_type.0, raw.flags]);
                    bytes.extend_from_slice(&(raw.len() as u16).to_be_bytes());
                    bytes.extend_from_slice(raw.value);
                    self.send_error(ErrorCause::UnrecognizedChunkType { chunk: &bytes });
                }
                return action.skips();
            }
            Chunk::ForwardTsn(fwd) => {
                let wrong = "FORWARD TSN chunk with I-DATA negotiated";
                if let Some(go_on) = self.admit_data_chunk(false, wrong, had_data) {
                    return go_on;
                }
                self.receiver
                    .on_forward_tsn(&fwd, self.inbound_streams, &mut self.events);
            }
            Chunk::ReConfig(rc) => {
                if self.receives_data() || sending {
                    self.on_reconfig(now, &rc);
                } else {
                    self.stats.dropped_out_of_state += 1;
                }
            }
            Chunk::IData(data) => return self.on_idata(&data, had_data),
            Chunk::IForwardTsn(fwd) => {
                return self.on_i_forward_tsn(now, &fwd, had_data);
            }
            _ => {}
        }
        true
    }

    /// Handles an expired timer; call when `now` reaches [`Association::poll_timeout`].
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = self.now.max(now);
        if self.state == State::Terminated {
            return;
        }
        if self.timers.expired(Timer::T1, now) {
            self.on_t1_expiry(now);
        }
        if self.timers.expired(Timer::T3Rtx, now) {
            self.timers.stop(Timer::T3Rtx);
            self.stats.t3_expiries += 1;
            self.error_count += 1;
            if self.error_count > self.config.max_retransmits {
                self.abort_silently(CloseReason::RetransmissionLimit);
                return;
            }
            self.rtt.back_off();
            self.sender.on_t3_expiry();
        }
        if self.timers.expired(Timer::DelayedAck, now) {
            self.timers.stop(Timer::DelayedAck);
            self.receiver.request_sack();
        }
        if self.timers.expired(Timer::T2Shutdown, now) {
            self.on_t2_expiry(now);
        }
        if self.timers.expired(Timer::Heartbeat, now) {
            self.on_heartbeat_timer(now);
        }
        if self.state != State::Terminated && self.timers.expired(Timer::Reconfig, now) {
            self.on_reconfig_timeout(now);
        }
    }

    // ---- outputs ----

    /// The next packet to send (at most `mtu` bytes), or `None` when there is nothing.
    /// DATA sent here is stamped with the time of the latest input or command.
    ///
    /// Allocates the returned packet; [`Association::poll_transmit_into`] writes into a
    /// caller's buffer instead.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if let Some(p) = self.next_queued() {
            return Some(p);
        }
        let due = self.data_packet_due()?;
        let mut buf = vec![0u8; self.config.mtu];
        let len = self.build_data_packet(&mut buf, due)?;
        buf.truncate(len);
        Some(buf)
    }

    /// Like [`Association::poll_transmit`], but writes the packet into `buf` and returns
    /// its length: no allocation per packet. `buf` should hold `mtu` bytes (DATA packets
    /// are cut to `buf.len()` when it is shorter). A queued control packet longer than
    /// `buf` (only an echoed oversize HEARTBEAT or a long error report can be) is dropped
    /// and counted in [`Stats::dropped_oversize`].
    #[must_use]
    pub fn poll_transmit_into(&mut self, buf: &mut [u8]) -> Option<usize> {
        while let Some(p) = self.next_queued() {
            if let Some(dst) = buf.get_mut(..p.len()) {
                dst.copy_from_slice(&p);
                return Some(p.len());
            }
            self.stats.packets_sent -= 1;
            self.stats.dropped_oversize += 1;
        }
        let due = self.data_packet_due()?;
        let mtu = self.config.mtu.min(buf.len());
        self.build_data_packet(&mut buf[..mtu], due)
    }

    /// The next packet built ahead of time (control chunks), if any.
    fn next_queued(&mut self) -> Option<Vec<u8>> {
        let now = self.now;
        self.maybe_send_reset_request(now);
        let p = self.out.pop_front()?;
        self.stats.packets_sent += 1;
        Some(p)
    }

    /// What the next DATA/SACK packet carries (FORWARD TSN, SACK, DATA), or `None` when
    /// there is nothing to send.
    fn data_packet_due(&mut self) -> Option<(bool, bool)> {
        if !matches!(
            self.state,
            State::Established
                | State::ShutdownPending
                | State::ShutdownReceived
                | State::ShutdownSent
                | State::ShutdownAckSent
        ) {
            return None;
        }
        self.sender.abandon_expired(self.now);
        let data_ready = self.sender.has_sendable();
        let forward = self.sender.forward_tsn_due();
        let sack = self.receiver.sack_due(data_ready);
        if !sack && !data_ready && !forward {
            return None;
        }
        Some((forward, sack))
    }

    /// Builds the packet [`Association::data_packet_due`] announced into `buf`.
    fn build_data_packet(
        &mut self,
        buf: &mut [u8],
        (forward, sack): (bool, bool),
    ) -> Option<usize> {
        let now = self.now;
        let header = self.header(self.peer_tag);
        let mut builder = PacketBuilder::new(buf, header).ok()?;
        if forward {
            let rto = self.rtt.rto();
            self.sender
                .write_forward_tsn(now, &mut builder, rto, &mut self.timers);
        }
        if sack {
            self.receiver.write_sack(&mut builder);
            self.timers.stop(Timer::DelayedAck);
        }
        self.sender.fill(
            now,
            &mut builder,
            &mut self.stats,
            self.rtt.rto(),
            &mut self.timers,
        );
        if builder.is_empty() {
            return None;
        }
        // RFC 9653 section 5.2: DATA/SACK packets of an established association go out
        // with a zero checksum when both ends run over DTLS and the peer accepts it;
        // INIT, COOKIE ECHO and every other control packet keep the CRC32c.
        let len = if self.config.zero_checksum && self.peer.is_some_and(|p| p.zero_checksum) {
            builder.finish_zero_checksum()
        } else {
            builder.finish()
        };
        self.stats.packets_sent += 1;
        Some(len)
    }

    /// The next event, or `None`.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        let event = self.events.pop_front()?;
        if let Event::Message { data, .. } = &event {
            self.receiver.released(data.len());
        }
        Some(event)
    }

    /// When to call [`Association::handle_timeout`] next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    // ---- helpers ----

    fn header(&self, tag: u32) -> CommonHeader {
        CommonHeader {
            source_port: self.config.local_port,
            destination_port: self.config.remote_port,
            verification_tag: tag,
        }
    }

    /// Builds a packet of `chunks` with `tag` and queues it for `poll_transmit`.
    fn queue_packet(&mut self, tag: u32, chunks: &[Chunk<'_>]) {
        let mut buf = Vec::new();
        if self.build_packet(tag, chunks, &mut buf) {
            self.enqueue_packet(buf);
        }
    }

    /// Builds a packet of `chunks` with `tag` into `buf`; false if it cannot be built.
    fn build_packet(&self, tag: u32, chunks: &[Chunk<'_>], buf: &mut Vec<u8>) -> bool {
        let len = COMMON_HEADER_LEN + chunks.iter().map(Chunk::buffer_len).sum::<usize>();
        buf.clear();
        buf.resize(len, 0);
        let Ok(mut builder) = PacketBuilder::new(buf, self.header(tag)) else {
            return false;
        };
        for chunk in chunks {
            if builder.push(chunk).is_err() {
                return false;
            }
        }
        let n = builder.finish();
        buf.truncate(n);
        true
    }

    /// Queues a built packet for `poll_transmit` (dropped past the queue bound).
    fn enqueue_packet(&mut self, packet: Vec<u8>) {
        if self.out.len() < MAX_QUEUED_PACKETS {
            self.out.push_back(packet);
        }
    }

    fn send_error(&mut self, cause: ErrorCause<'_>) {
        if self.peer_tag == 0 {
            return;
        }
        let causes = [cause];
        let chunk = Chunk::Error(crate::chunk::ErrorChunk {
            causes: Items::Slice(&causes),
        });
        self.queue_packet(self.peer_tag, &[chunk]);
    }

    /// Sends an ABORT with `cause` and terminates.
    fn abort(&mut self, cause: ErrorCause<'_>, reason: CloseReason) {
        if self.peer_tag != 0 {
            let causes = [cause];
            let chunk = Chunk::Abort(crate::chunk::Abort {
                t_bit: false,
                causes: Items::Slice(&causes),
            });
            self.queue_packet(self.peer_tag, &[chunk]);
        }
        self.terminate(reason);
    }

    /// Terminates without telling the peer (it is unreachable).
    fn abort_silently(&mut self, reason: CloseReason) {
        self.terminate(reason);
    }

    fn terminate(&mut self, reason: CloseReason) {
        self.state = State::Terminated;
        self.timers.clear();
        self.events.push_back(Event::Closed { reason });
    }
}
