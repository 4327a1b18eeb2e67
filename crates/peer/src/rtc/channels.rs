//! Data channels (RFC 8831, RFC 8832) over the SCTP association: the W3C API and the
//! association's events mapped to channel handles.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Rtc {
    /// `createDataChannel`. The channel opens once the connection is up (or at once if it
    /// is); [`Event::ChannelOpen`] tells when. Creating the first channel before any
    /// negotiation raises [`Event::NegotiationNeeded`].
    pub fn create_data_channel(
        &mut self,
        now: Instant,
        label: &str,
        init: DataChannelInit,
    ) -> Result<ChannelId, Error> {
        if self.signaling == SignalingState::Closed {
            return Err(Error::Closed);
        }
        if init.max_packet_life_time.is_some() && init.max_retransmits.is_some() {
            return Err(Error::Channel(
                "maxPacketLifeTime and maxRetransmits are exclusive".into(),
            ));
        }
        let id = ChannelId(self.next_channel);
        self.next_channel += 1;
        self.channels.insert(
            id,
            Channel {
                label: label.to_owned(),
                init,
                stream: None,
                counters: ChannelCounters::default(),
                state: ChannelState::Connecting,
            },
        );
        if self.local_description.is_none()
            && self.remote_description.is_none()
            && !self.negotiation_needed
        {
            self.negotiation_needed = true;
            self.events.push_back(Event::NegotiationNeeded);
        }
        if self.sctp_connected {
            self.open_channel(now, id)?;
        }
        self.pump(now);
        Ok(id)
    }

    /// What is known about a channel.
    pub fn channel(&self, id: ChannelId) -> Option<ChannelInfo> {
        self.channels.get(&id).map(|c| ChannelInfo {
            label: c.label.clone(),
            init: c.init.clone(),
            stream: c.stream,
            state: c.state,
        })
    }

    /// A channel's `bufferedAmount`: bytes queued and not yet acknowledged.
    pub fn buffered_amount(&self, id: ChannelId) -> usize {
        match (self.channels.get(&id).and_then(|c| c.stream), &self.data) {
            (Some(s), Some(d)) => d.buffered_amount(s),
            _ => 0,
        }
    }

    /// Sets a channel's `bufferedAmountLowThreshold`.
    pub fn set_buffered_amount_low_threshold(&mut self, id: ChannelId, threshold: usize) {
        if let (Some(s), Some(d)) = (
            self.channels.get(&id).and_then(|c| c.stream),
            &mut self.data,
        ) {
            d.set_buffered_amount_low_threshold(s, threshold);
        }
    }

    /// Sends a message on an open channel (`binary` false for text).
    pub fn send(
        &mut self,
        now: Instant,
        id: ChannelId,
        data: &[u8],
        binary: bool,
    ) -> Result<(), Error> {
        self.send_message(now, id, data.len(), |d, stream| {
            d.send(now, stream, data, binary)
        })
    }

    /// [`Rtc::send`] of a message held as the caller's buffer rather than copied: a
    /// `Vec<u8>` is taken over, a `Bytes` may be shared with other channels or connections
    /// (messages under 1 KiB are copied all the same).
    pub fn send_bytes(
        &mut self,
        now: Instant,
        id: ChannelId,
        data: impl Into<bytes::Bytes>,
        binary: bool,
    ) -> Result<(), Error> {
        let data = data.into();
        self.send_message(now, id, data.len(), |d, stream| {
            d.send_bytes(now, stream, data, binary)
        })
    }

    fn send_message(
        &mut self,
        now: Instant,
        id: ChannelId,
        len: usize,
        send: impl FnOnce(&mut DataChannels, u16) -> Result<(), ChannelError>,
    ) -> Result<(), Error> {
        let stream = match self.channels.get(&id) {
            Some(Channel {
                stream: Some(s),
                state: ChannelState::Open,
                ..
            }) => *s,
            _ => return Err(Error::NoSuchChannel(id)),
        };
        let d = self.data.as_mut().ok_or(Error::NoSuchChannel(id))?;
        // The association checks both limits (ours and the peer's a=max-message-size, which
        // `start_sctp` handed it).
        send(d, stream).map_err(|e| match e {
            ChannelError::Association(
                SctpError::MessageTooLarge { len, max }
                | SctpError::PeerMessageTooLarge { len, max },
            ) => Error::MessageTooLarge { len, max },
            e => Error::Channel(e.to_string()),
        })?;
        if let Some(c) = self.channels.get_mut(&id) {
            c.counters.messages_sent += 1;
            c.counters.bytes_sent += len as u64;
        }
        self.pump(now);
        Ok(())
    }

    /// Closes a channel (stream reset); [`Event::ChannelClose`] follows.
    pub fn close_channel(&mut self, now: Instant, id: ChannelId) -> Result<(), Error> {
        let Some(c) = self.channels.get_mut(&id) else {
            return Err(Error::NoSuchChannel(id));
        };
        match (c.stream, &mut self.data) {
            (Some(s), Some(d)) if c.state == ChannelState::Open => {
                c.state = ChannelState::Closing;
                d.close(now, s).map_err(|e| Error::Channel(e.to_string()))?;
            }
            _ => {
                c.state = ChannelState::Closed;
                self.counters.channels_closed += 1;
                self.events.push_back(Event::ChannelClose(id));
            }
        }
        self.pump(now);
        Ok(())
    }

    pub(super) fn open_channel(&mut self, now: Instant, id: ChannelId) -> Result<(), Error> {
        let Some(c) = self.channels.get_mut(&id) else {
            return Ok(());
        };
        let Some(d) = &mut self.data else {
            return Ok(());
        };
        let reliability = match (c.init.max_retransmits, c.init.max_packet_life_time) {
            (Some(n), _) => Reliability::MaxRetransmits(n),
            (None, Some(t)) => Reliability::MaxLifetime(t),
            (None, None) => Reliability::Reliable,
        };
        let stream = d
            .open(
                now,
                ChannelConfig {
                    label: c.label.clone(),
                    protocol: c.init.protocol.clone(),
                    ordered: c.init.ordered,
                    reliability,
                    priority: c.init.priority,
                    negotiated: c.init.negotiated,
                },
            )
            .map_err(|e| Error::Channel(e.to_string()))?;
        c.stream = Some(stream);
        self.by_stream.insert(stream, id);
        Ok(())
    }

    pub(super) fn on_channel_event(&mut self, now: Instant, e: ChannelEvent) {
        match e {
            ChannelEvent::Connected => {
                self.sctp_connected = true;
                let pending: Vec<ChannelId> = self
                    .channels
                    .iter()
                    .filter(|(_, c)| c.stream.is_none() && c.state == ChannelState::Connecting)
                    .map(|(id, _)| *id)
                    .collect();
                for id in pending {
                    if self.open_channel(now, id).is_err()
                        && let Some(c) = self.channels.get_mut(&id)
                    {
                        c.state = ChannelState::Closed;
                        self.counters.channels_closed += 1;
                        self.events.push_back(Event::ChannelClose(id));
                    }
                }
            }
            ChannelEvent::Open { id: stream } => {
                let id = match self.by_stream.get(&stream) {
                    Some(id) => *id,
                    None => {
                        // The peer opened it.
                        let Some(cfg) = self.data.as_ref().and_then(|d| d.config(stream)) else {
                            return;
                        };
                        let id = ChannelId(self.next_channel);
                        self.next_channel += 1;
                        let (max_retransmits, max_packet_life_time) = match cfg.reliability {
                            Reliability::Reliable => (None, None),
                            Reliability::MaxRetransmits(n) => (Some(n), None),
                            Reliability::MaxLifetime(t) => (None, Some(t)),
                        };
                        self.channels.insert(
                            id,
                            Channel {
                                label: cfg.label.clone(),
                                init: DataChannelInit {
                                    ordered: cfg.ordered,
                                    max_packet_life_time,
                                    max_retransmits,
                                    protocol: cfg.protocol.clone(),
                                    negotiated: cfg.negotiated,
                                    priority: cfg.priority,
                                },
                                stream: Some(stream),
                                counters: ChannelCounters::default(),
                                state: ChannelState::Connecting,
                            },
                        );
                        self.by_stream.insert(stream, id);
                        self.events.push_back(Event::DataChannel(id));
                        id
                    }
                };
                if let Some(c) = self.channels.get_mut(&id) {
                    c.state = ChannelState::Open;
                    self.counters.channels_opened += 1;
                }
                self.events.push_back(Event::ChannelOpen(id));
            }
            ChannelEvent::Message {
                id: stream,
                data,
                binary,
            } => {
                if let Some(id) = self.by_stream.get(&stream) {
                    if let Some(c) = self.channels.get_mut(id) {
                        c.counters.messages_received += 1;
                        c.counters.bytes_received += data.len() as u64;
                    }
                    self.held_message_bytes += data.len();
                    self.events.push_back(Event::ChannelMessage {
                        channel: *id,
                        data,
                        binary,
                    });
                }
            }
            ChannelEvent::BufferedAmountLow { id: stream } => {
                if let Some(id) = self.by_stream.get(&stream) {
                    self.events.push_back(Event::ChannelBufferedAmountLow(*id));
                }
            }
            ChannelEvent::Closed { id: stream } => {
                if let Some(id) = self.by_stream.remove(&stream) {
                    if let Some(c) = self.channels.get_mut(&id) {
                        c.state = ChannelState::Closed;
                        self.counters.channels_closed += 1;
                    }
                    self.events.push_back(Event::ChannelClose(id));
                }
            }
            ChannelEvent::AssociationClosed => {
                let ids: Vec<ChannelId> = self.by_stream.drain().map(|(_, id)| id).collect();
                for id in ids {
                    if let Some(c) = self.channels.get_mut(&id) {
                        c.state = ChannelState::Closed;
                        self.counters.channels_closed += 1;
                    }
                    self.events.push_back(Event::ChannelClose(id));
                }
            }
            _ => {}
        }
    }
}
