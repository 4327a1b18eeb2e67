//! WebRTC data channels over an [`Association`]: the Data Channel Establishment Protocol
//! (RFC 8832) and the channel rules of RFC 8831.
//!
//! [`DataChannels`] wraps an association. It allocates stream identifiers by DTLS role
//! (RFC 8832 section 6: the DTLS client uses even ids, the server odd ones), opens
//! channels with DATA_CHANNEL_OPEN / DATA_CHANNEL_ACK, or without DCEP when both sides
//! agreed on the id ("negotiated" channels, RFC 8831 section 6.5), maps the channel type
//! to per-message [`SendOptions`] (RFC 8831 section 6.6), sends strings and binaries
//! with the PPIDs of RFC 8831 section 8 (the empty variants carry one zero byte),
//! tracks each channel's buffered amount with a low-threshold event, and closes a
//! channel by resetting its stream in both directions (RFC 8831 section 6.7).
//!
//! Left out: priorities (sent as given, not scheduled), the deprecated PPIDs 52 and 54
//! (partial messages; delivered as ordinary string/binary data), and the RFC 8832
//! rule that data sent before the ACK arrives must be ordered (the channel's own
//! ordering is used).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::DcepMessage;
use crate::association::{Association, Error, Event, RemoteMaxMessageSize, SendOptions};
use crate::chunk::Ppid;
use crate::dcep::{ChannelType, DataChannelOpen};
use crate::vec_map::VecMap;

/// Our DTLS role, which decides the parity of the stream ids we pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtlsRole {
    /// DTLS client: even stream identifiers.
    Client,
    /// DTLS server: odd stream identifiers.
    Server,
}

/// How reliably a channel's messages are delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reliability {
    /// Every message arrives.
    #[default]
    Reliable,
    /// `maxRetransmits`: a message is abandoned after this many retransmissions.
    MaxRetransmits(u16),
    /// `maxPacketLifeTime`: a message is abandoned this long after it was sent.
    MaxLifetime(Duration),
}

/// What to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelConfig {
    /// The label.
    pub label: String,
    /// The sub-protocol (may be empty).
    pub protocol: String,
    /// Whether messages are delivered in order.
    pub ordered: bool,
    /// The reliability.
    pub reliability: Reliability,
    /// The priority sent in DATA_CHANNEL_OPEN (W3C `RTCPriorityType`: 128 very low, 256
    /// low, 512 medium, 1024 high) and the stream's weight in the scheduler: channels with
    /// queued data share the sending rate in proportion to it (RFC 8831 section 6.4).
    pub priority: u16,
    /// `Some(id)` for a negotiated channel: no DCEP, the peer opens the same id itself.
    pub negotiated: Option<u16>,
}

impl Default for ChannelConfig {
    fn default() -> Self {
        Self {
            label: String::new(),
            protocol: String::new(),
            ordered: true,
            reliability: Reliability::Reliable,
            priority: 256,
            negotiated: None,
        }
    }
}

impl ChannelConfig {
    fn channel_type(&self) -> (ChannelType, u32) {
        let (t, param) = match self.reliability {
            Reliability::Reliable => (ChannelType::RELIABLE, 0),
            Reliability::MaxRetransmits(n) => (ChannelType::PARTIAL_RELIABLE_REXMIT, u32::from(n)),
            Reliability::MaxLifetime(d) => (
                ChannelType::PARTIAL_RELIABLE_TIMED,
                d.as_millis().min(u128::from(u32::MAX)) as u32,
            ),
        };
        (
            ChannelType(t.0 | if self.ordered { 0 } else { 0x80 }),
            param,
        )
    }

    fn from_open(open: &DataChannelOpen<'_>) -> Self {
        let t = open.channel_type;
        let param = open.reliability_parameter;
        let reliability = if t.is_rexmit_limited() {
            Reliability::MaxRetransmits(param.min(u32::from(u16::MAX)) as u16)
        } else if t.is_time_limited() {
            Reliability::MaxLifetime(Duration::from_millis(u64::from(param)))
        } else {
            Reliability::Reliable
        };
        Self {
            label: open.label.to_owned(),
            protocol: open.protocol.to_owned(),
            ordered: !t.is_unordered(),
            reliability,
            priority: open.priority,
            negotiated: None,
        }
    }

    fn send_options(&self) -> SendOptions {
        let (max_retransmits, max_lifetime) = match self.reliability {
            Reliability::Reliable => (None, None),
            Reliability::MaxRetransmits(n) => (Some(n), None),
            Reliability::MaxLifetime(d) => (None, Some(d)),
        };
        SendOptions {
            ordered: self.ordered,
            max_retransmits,
            max_lifetime,
        }
    }
}

/// A channel's state (the RTCDataChannel readyState).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelState {
    /// DATA_CHANNEL_OPEN sent, waiting for the ACK.
    Connecting,
    /// Open.
    Open,
    /// Stream reset under way.
    Closing,
}

#[derive(Debug)]
struct Channel {
    config: ChannelConfig,
    state: ChannelState,
    low_threshold: usize,
    above_threshold: bool,
    incoming_reset: bool,
    outgoing_reset: bool,
}

/// What happened to the data channels.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChannelEvent {
    /// The association is up: channels can be opened.
    Connected,
    /// A channel is open (our DCEP open was acknowledged, or the peer opened one; see
    /// [`DataChannels::config`] for its label and options).
    Open {
        /// The stream id.
        id: u16,
    },
    /// A message arrived.
    Message {
        /// The stream id.
        id: u16,
        /// The payload (empty for the empty PPIDs).
        data: Vec<u8>,
        /// Binary (PPID 53/57) rather than string (51/56).
        binary: bool,
    },
    /// The channel's buffered amount fell to its low threshold.
    BufferedAmountLow {
        /// The stream id.
        id: u16,
    },
    /// The channel is closed (its stream is reset both ways); the id may be reused.
    Closed {
        /// The stream id.
        id: u16,
    },
    /// The association ended; every channel is closed.
    AssociationClosed,
}

/// Why a data channel command failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// The association refused.
    #[error(transparent)]
    Association(#[from] Error),
    /// No free stream identifier of our parity.
    #[error("no free stream identifier")]
    NoFreeStream,
    /// The id is taken by another channel.
    #[error("stream {0} is already in use")]
    StreamInUse(u16),
    /// No open channel has this id.
    #[error("no open channel on stream {0}")]
    NoSuchChannel(u16),
    /// The label or protocol does not fit in DATA_CHANNEL_OPEN.
    #[error("label or protocol too long")]
    TooLong,
}

/// Data channels over one association; see the module docs.
#[derive(Debug)]
pub struct DataChannels {
    association: Association,
    role: DtlsRole,
    channels: VecMap<u16, Channel>,
    events: VecDeque<ChannelEvent>,
    /// Bytes of the messages in `events` (at most [`MESSAGE_HOLD`] plus one message).
    held_bytes: usize,
    /// Association events were left unread because `events` held [`MESSAGE_HOLD`] bytes
    /// of messages; `poll_event` reads them once it has room.
    held_back: bool,
    /// The latest time an input gave (for the reads `poll_event` makes).
    last_now: Option<Instant>,
}

/// Message bytes [`DataChannels`] takes out of the association ahead of
/// [`DataChannels::poll_event`]. The rest stay in the association's receive buffer, which
/// the advertised window counts: a slow reader makes the peer wait.
const MESSAGE_HOLD: usize = 64 << 10;

impl DataChannels {
    /// Wraps `association`; `role` is our DTLS role.
    pub fn new(association: Association, role: DtlsRole) -> Self {
        Self {
            association,
            role,
            channels: VecMap::default(),
            events: VecDeque::new(),
            held_bytes: 0,
            held_back: false,
            last_now: None,
        }
    }

    /// The association (for its state and stats).
    #[inline]
    pub fn association(&self) -> &Association {
        &self.association
    }

    /// The association, for `connect` and shutdown. Call [`DataChannels::handle_timeout`]
    /// or another input afterwards so its events are processed.
    #[inline]
    pub fn association_mut(&mut self) -> &mut Association {
        &mut self.association
    }

    /// Sets the peer's maximum message size from its SDP `a=max-message-size`
    /// ([`RemoteMaxMessageSize::from_sdp`]); [`DataChannels::send`] then refuses larger
    /// messages with [`Error::PeerMessageTooLarge`].
    pub fn set_remote_max_message_size(&mut self, limit: RemoteMaxMessageSize) {
        self.association.set_remote_max_message_size(limit);
    }

    /// Gives the buffer of a delivered message ([`ChannelEvent::Message`]) back for
    /// reuse ([`Association::recycle`]).
    pub fn recycle(&mut self, buffer: Vec<u8>) {
        self.association.recycle(buffer);
    }

    /// A channel's options (label, protocol, reliability).
    pub fn config(&self, id: u16) -> Option<&ChannelConfig> {
        self.channels.get(&id).map(|c| &c.config)
    }

    /// A channel's state, `None` once closed.
    pub fn state(&self, id: u16) -> Option<ChannelState> {
        self.channels.get(&id).map(|c| c.state)
    }

    /// Bytes queued on the channel and not yet sent (`bufferedAmount`).
    pub fn buffered_amount(&self, id: u16) -> usize {
        self.association.buffered_amount(id)
    }

    /// Sets `bufferedAmountLowThreshold`.
    pub fn set_buffered_amount_low_threshold(&mut self, id: u16, threshold: usize) {
        if let Some(c) = self.channels.get_mut(&id) {
            c.low_threshold = threshold;
        }
    }

    /// Opens a channel and returns its stream id.
    pub fn open(&mut self, now: Instant, config: ChannelConfig) -> Result<u16, ChannelError> {
        if config.label.len() > usize::from(u16::MAX)
            || config.protocol.len() > usize::from(u16::MAX)
        {
            return Err(ChannelError::TooLong);
        }
        let id = match config.negotiated {
            Some(id) if self.channels.contains_key(&id) => {
                return Err(ChannelError::StreamInUse(id));
            }
            Some(id) => id,
            None => self.free_id()?,
        };
        // RFC 8831 section 6.4: the channel's priority weighs its stream in the
        // association's scheduler.
        self.association.set_stream_priority(id, config.priority);
        let state = if config.negotiated.is_some() {
            ChannelState::Open
        } else {
            let (channel_type, reliability_parameter) = config.channel_type();
            let open = DcepMessage::Open(DataChannelOpen {
                channel_type,
                priority: config.priority,
                reliability_parameter,
                label: &config.label,
                protocol: &config.protocol,
            });
            self.send_dcep(now, id, &open)?;
            ChannelState::Connecting
        };
        self.channels.insert(id, Channel::new(config, state));
        if state == ChannelState::Open {
            self.events.push_back(ChannelEvent::Open { id });
        }
        Ok(id)
    }

    fn free_id(&self) -> Result<u16, ChannelError> {
        let limit = self.association.outbound_streams();
        let first = match self.role {
            DtlsRole::Client => 0,
            DtlsRole::Server => 1,
        };
        (first..limit)
            .step_by(2)
            .find(|id| !self.channels.contains_key(id))
            .ok_or(ChannelError::NoFreeStream)
    }

    fn send_dcep(
        &mut self,
        now: Instant,
        id: u16,
        message: &DcepMessage<'_>,
    ) -> Result<(), ChannelError> {
        let mut buf = vec![0u8; message.buffer_len()];
        message.emit(&mut buf).map_err(|_| ChannelError::TooLong)?;
        self.association.send(now, id, Ppid::DCEP, &buf, true)?;
        Ok(())
    }

    /// Sends a message: `binary` picks PPID 53 over 51; an empty message goes out as
    /// one zero byte with PPID 57 or 56.
    pub fn send(
        &mut self,
        now: Instant,
        id: u16,
        data: &[u8],
        binary: bool,
    ) -> Result<(), ChannelError> {
        let (ppid, data) = match (binary, data.is_empty()) {
            (true, false) => (Ppid::BINARY, data),
            (false, false) => (Ppid::STRING, data),
            (true, true) => (Ppid::BINARY_EMPTY, &[0u8][..]),
            (false, true) => (Ppid::STRING_EMPTY, &[0u8][..]),
        };
        self.send_message(id, |a, options| a.send_with(now, id, ppid, data, options))
    }

    /// [`DataChannels::send`] of a message held as the caller's buffer rather than copied
    /// (see [`Association::send_bytes`]): a `Vec<u8>` is taken over, a [`Bytes`] may be
    /// shared with other channels or associations.
    pub fn send_bytes(
        &mut self,
        now: Instant,
        id: u16,
        data: impl Into<Bytes>,
        binary: bool,
    ) -> Result<(), ChannelError> {
        let data = data.into();
        if data.is_empty() {
            return self.send(now, id, &[], binary);
        }
        let ppid = if binary { Ppid::BINARY } else { Ppid::STRING };
        self.send_message(id, |a, options| a.send_bytes(now, id, ppid, data, options))
    }

    /// Queues a message on an open channel with `send` and updates its buffered amount.
    fn send_message(
        &mut self,
        id: u16,
        send: impl FnOnce(&mut Association, SendOptions) -> Result<(), Error>,
    ) -> Result<(), ChannelError> {
        let Some(c) = self.channels.get(&id) else {
            return Err(ChannelError::NoSuchChannel(id));
        };
        if c.state == ChannelState::Closing {
            return Err(ChannelError::NoSuchChannel(id));
        }
        send(&mut self.association, c.config.send_options())?;
        let buffered = self.association.buffered_amount(id);
        if let Some(c) = self.channels.get_mut(&id) {
            c.above_threshold |= buffered > c.low_threshold;
        }
        Ok(())
    }

    /// Closes a channel: resets its outgoing stream; the peer resets its side and
    /// [`ChannelEvent::Closed`] follows.
    pub fn close(&mut self, now: Instant, id: u16) -> Result<(), ChannelError> {
        let Some(c) = self.channels.get_mut(&id) else {
            return Err(ChannelError::NoSuchChannel(id));
        };
        if c.state == ChannelState::Closing {
            return Ok(());
        }
        c.state = ChannelState::Closing;
        self.association.reset_streams(now, &[id])?;
        Ok(())
    }

    /// Feeds an SCTP packet to the association.
    pub fn handle_packet(&mut self, now: Instant, packet: &[u8]) -> Result<(), Error> {
        let result = self.association.handle_packet(now, packet);
        self.pump(now);
        result
    }

    /// Fires the association's timer.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.association.handle_timeout(now);
        self.pump(now);
    }

    /// The next packet to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.association.poll_transmit()
    }

    /// The next packet to send, written into `buf` (no allocation; see
    /// [`Association::poll_transmit_into`]); returns its length.
    #[must_use]
    pub fn poll_transmit_into(&mut self, buf: &mut [u8]) -> Option<usize> {
        self.association.poll_transmit_into(buf)
    }

    /// When to call [`DataChannels::handle_timeout`].
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.association.poll_timeout()
    }

    /// The next event.
    ///
    /// Received messages stay in the association's receive buffer until they are taken
    /// here (beyond 64 KiB read ahead), so an application that reads slowly closes the
    /// window the peer sees (RFC 9260 section 6.2). Taking a message may reopen it and
    /// queue a window update: keep draining [`DataChannels::poll_transmit`] too.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ChannelEvent> {
        let event = self.events.pop_front();
        if let Some(ChannelEvent::Message { data, .. }) = &event {
            self.held_bytes -= data.len();
            if self.held_back
                && self.held_bytes <= MESSAGE_HOLD / 2
                && let Some(now) = self.last_now
            {
                self.held_back = false;
                self.pump(now);
            }
        }
        event
    }

    /// Turns association events into channel events.
    fn pump(&mut self, now: Instant) {
        self.last_now = self.last_now.max(Some(now));
        while !self.held_back
            && let Some(event) = self.association.poll_event()
        {
            match event {
                Event::Connected => self.events.push_back(ChannelEvent::Connected),
                Event::Closed { .. } => {
                    self.channels.clear();
                    self.events.push_back(ChannelEvent::AssociationClosed);
                }
                Event::Message {
                    stream, ppid, data, ..
                } => self.on_message(now, stream, ppid, data),
                Event::StreamsReset { streams } => {
                    for id in streams {
                        self.on_reset(now, id, true);
                    }
                }
                Event::OutgoingStreamsReset { streams } => {
                    for id in streams {
                        self.on_reset(now, id, false);
                    }
                }
                Event::Restarted => {
                    // The peer restarted (RFC 9260 section 5.2.4): every stream starts
                    // over, so every channel is gone; the ids may be reused.
                    let ids: Vec<u16> = self.channels.keys().copied().collect();
                    self.channels.clear();
                    for id in ids {
                        self.events.push_back(ChannelEvent::Closed { id });
                    }
                }
                _ => {}
            }
            self.held_back = self.held_bytes >= MESSAGE_HOLD;
        }
        for (&id, c) in self.channels.iter_mut() {
            if c.above_threshold && self.association.buffered_amount(id) <= c.low_threshold {
                c.above_threshold = false;
                self.events
                    .push_back(ChannelEvent::BufferedAmountLow { id });
            }
        }
    }

    fn on_message(&mut self, now: Instant, id: u16, ppid: Ppid, data: Vec<u8>) {
        if ppid == Ppid::DCEP {
            match DcepMessage::parse(&data) {
                Ok(DcepMessage::Open(open)) => {
                    if self.channels.contains_key(&id) {
                        return;
                    }
                    let config = ChannelConfig::from_open(&open);
                    self.association.set_stream_priority(id, config.priority);
                    if self.send_dcep(now, id, &DcepMessage::Ack).is_ok() {
                        self.channels
                            .insert(id, Channel::new(config, ChannelState::Open));
                        self.events.push_back(ChannelEvent::Open { id });
                    }
                }
                Ok(DcepMessage::Ack) => {
                    if let Some(c) = self.channels.get_mut(&id)
                        && c.state == ChannelState::Connecting
                    {
                        c.state = ChannelState::Open;
                        self.events.push_back(ChannelEvent::Open { id });
                    }
                }
                _ => {}
            }
            return;
        }
        let Some(c) = self.channels.get_mut(&id) else {
            return;
        };
        // Data on a channel waiting for its ACK implies the peer opened it (RFC 8832
        // section 6).
        if c.state == ChannelState::Connecting {
            c.state = ChannelState::Open;
            self.events.push_back(ChannelEvent::Open { id });
        }
        let (data, binary) = match ppid {
            Ppid::STRING_EMPTY => (Vec::new(), false),
            Ppid::BINARY_EMPTY => (Vec::new(), true),
            Ppid::STRING | Ppid::STRING_PARTIAL => (data, false),
            _ => (data, true),
        };
        self.held_bytes += data.len();
        self.events
            .push_back(ChannelEvent::Message { id, data, binary });
    }

    fn on_reset(&mut self, now: Instant, id: u16, incoming: bool) {
        let Some(c) = self.channels.get_mut(&id) else {
            return;
        };
        if incoming {
            c.incoming_reset = true;
            if c.state != ChannelState::Closing {
                // The peer closed: reset our side too (RFC 8831 section 6.7).
                c.state = ChannelState::Closing;
                let _ = self.association.reset_streams(now, &[id]);
            }
        } else {
            c.outgoing_reset = true;
        }
        if c.incoming_reset && c.outgoing_reset {
            self.channels.remove(&id);
            self.events.push_back(ChannelEvent::Closed { id });
        }
    }
}

impl Channel {
    fn new(config: ChannelConfig, state: ChannelState) -> Self {
        Self {
            config,
            state,
            low_threshold: 0,
            above_threshold: false,
            incoming_reset: false,
            outgoing_reset: false,
        }
    }
}
