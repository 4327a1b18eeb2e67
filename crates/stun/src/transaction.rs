//! A sans-IO STUN client transaction (RFC 8489 §6.2).
//!
//! Over unreliable transports the request is sent at 0, RTO, 3 RTO, 7 RTO, ... (the interval
//! doubling each time) until Rc requests have been sent; the transaction fails if no response
//! arrives Rm × RTO after the last one (§6.2.1). With the defaults (RTO 500 ms, Rc 7, Rm 16)
//! that is sends at 0, 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s and failure at 39.5 s. Over reliable
//! transports the request is sent once and fails after Ti = 39.5 s (§6.2.2).
//!
//! The transaction matches responses by transaction id only; authenticating a response (its
//! MESSAGE-INTEGRITY) is the caller's business, since only the caller knows the key.
//!
//! # Driving it
//! After creating the transaction and after every `handle_*` call, drain
//! [`ClientTransaction::poll_transmit`] and [`ClientTransaction::poll_event`] until they return
//! `None`, then call [`ClientTransaction::handle_timeout`] at [`ClientTransaction::poll_timeout`].

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::Transmit;
use crate::error::ParseError;
use crate::message::{Class, Message, TransactionId};

/// Retransmission settings (RFC 8489 §6.2.1, §6.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransactionConfig {
    /// Initial retransmission timeout (RFC 8489 recommends 500 ms; ICE paces its own).
    pub rto: Duration,
    /// Rc: how many requests to send in all (default 7).
    pub max_requests: u32,
    /// Rm: after the last request, wait this many times the initial RTO (default 16).
    pub last_wait_factor: u32,
    /// An upper bound on the doubled RTO, if any (RFC 8489 sets none).
    pub max_rto: Option<Duration>,
    /// The transport is reliable (TCP, TLS): send once, no retransmissions.
    pub reliable: bool,
    /// Ti: how long to wait on a reliable transport (default 39.5 s).
    pub reliable_timeout: Duration,
}

impl Default for TransactionConfig {
    fn default() -> Self {
        TransactionConfig {
            rto: Duration::from_millis(500),
            max_requests: 7,
            last_wait_factor: 16,
            max_rto: None,
            reliable: false,
            reliable_timeout: Duration::from_millis(39_500),
        }
    }
}

/// What a transaction reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionEvent {
    /// A success or error response with our transaction id arrived.
    Response {
        /// Its class.
        class: Class,
        /// The whole response message.
        message: Vec<u8>,
        /// The round-trip time, when the request was sent only once (Karn's rule: a
        /// retransmitted request gives no sample).
        rtt: Option<Duration>,
    },
    /// No response arrived in time.
    TimedOut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Done,
}

/// One outstanding request and its retransmissions.
#[derive(Debug)]
pub struct ClientTransaction {
    destination: SocketAddr,
    request: Vec<u8>,
    transaction_id: TransactionId,
    config: TransactionConfig,
    requests_sent: u32,
    interval: Duration,
    first_sent: Instant,
    deadline: Option<Instant>,
    transmit_pending: bool,
    state: State,
    event: Option<TransactionEvent>,
}

/// The request given to [`ClientTransaction::new`] is not a STUN request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransactionError {
    /// Not a STUN message.
    #[error("request is not a STUN message: {0}")]
    Malformed(#[from] ParseError),
    /// A STUN message of another class than Request.
    #[error("only requests start transactions, got {0:?}")]
    NotARequest(Class),
}

impl ClientTransaction {
    /// Start a transaction for `request` (a complete, signed message) to `destination`. The
    /// first transmission is ready at once.
    pub fn new(
        now: Instant,
        destination: SocketAddr,
        request: Vec<u8>,
        config: TransactionConfig,
    ) -> Result<ClientTransaction, TransactionError> {
        let message = Message::new_checked(&request[..])?;
        if message.class() != Class::Request {
            return Err(TransactionError::NotARequest(message.class()));
        }
        let transaction_id = message.transaction_id();
        let first_wait = if config.reliable {
            config.reliable_timeout
        } else if config.max_requests <= 1 {
            config.rto * config.last_wait_factor
        } else {
            config.rto
        };
        Ok(ClientTransaction {
            destination,
            request,
            transaction_id,
            config,
            requests_sent: 1,
            interval: config.rto,
            first_sent: now,
            deadline: Some(now + first_wait),
            transmit_pending: true,
            state: State::Waiting,
            event: None,
        })
    }

    /// The transaction id responses are matched on.
    pub fn transaction_id(&self) -> TransactionId {
        self.transaction_id
    }

    /// How many times the request has been sent so far.
    pub fn requests_sent(&self) -> u32 {
        self.requests_sent
    }

    /// Whether the transaction has finished (response, timeout or cancel).
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Feed a packet that arrived from the transaction's peer. Returns whether it was this
    /// transaction's response (and so consumed). Anything else is left for the caller.
    pub fn handle_packet(&mut self, now: Instant, packet: &[u8]) -> bool {
        if self.state == State::Done {
            return false;
        }
        let Ok(message) = Message::new_checked(packet) else {
            return false;
        };
        if !message.class().is_response()
            || message.transaction_id() != self.transaction_id
            || message.method() != Message::new_unchecked(&self.request[..]).method()
        {
            return false;
        }
        let rtt = (self.requests_sent == 1).then(|| now.saturating_duration_since(self.first_sent));
        self.finish(TransactionEvent::Response {
            class: message.class(),
            message: packet.to_vec(),
            rtt,
        });
        true
    }

    /// A timer fired: retransmit or give up.
    pub fn handle_timeout(&mut self, now: Instant) {
        let Some(deadline) = self.deadline else {
            return;
        };
        if self.state == State::Done || now < deadline {
            return;
        }
        if self.config.reliable || self.requests_sent >= self.config.max_requests {
            self.finish(TransactionEvent::TimedOut);
            return;
        }
        self.requests_sent += 1;
        self.transmit_pending = true;
        self.interval *= 2;
        if let Some(max) = self.config.max_rto {
            self.interval = self.interval.min(max);
        }
        let wait = if self.requests_sent >= self.config.max_requests {
            self.config.rto * self.config.last_wait_factor
        } else {
            self.interval
        };
        self.deadline = Some(now + wait);
    }

    /// Stop the transaction without an event.
    pub fn cancel(&mut self) {
        self.state = State::Done;
        self.deadline = None;
        self.transmit_pending = false;
    }

    /// The next datagram to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        if !std::mem::take(&mut self.transmit_pending) {
            return None;
        }
        Some(Transmit {
            destination: self.destination,
            contents: self.request.clone(),
        })
    }

    /// The outcome, once.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<TransactionEvent> {
        self.event.take()
    }

    /// When to call [`ClientTransaction::handle_timeout`] next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    fn finish(&mut self, event: TransactionEvent) {
        self.state = State::Done;
        self.deadline = None;
        self.transmit_pending = false;
        self.event = Some(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MessageBuilder, MessageType};

    fn request() -> Vec<u8> {
        MessageBuilder::new(MessageType::BINDING_REQUEST, TransactionId([3; 12])).finish()
    }

    fn dest() -> SocketAddr {
        "192.0.2.7:3478".parse().unwrap()
    }

    /// Drive with a virtual clock that jumps to each timeout; record send times.
    fn run(config: TransactionConfig) -> (Vec<Duration>, Duration) {
        let t0 = Instant::now();
        let mut tx = ClientTransaction::new(t0, dest(), request(), config).unwrap();
        let mut sends = Vec::new();
        let mut now = t0;
        loop {
            while let Some(t) = tx.poll_transmit() {
                assert_eq!(t.destination, dest());
                sends.push(now - t0);
            }
            if let Some(ev) = tx.poll_event() {
                assert_eq!(ev, TransactionEvent::TimedOut);
                return (sends, now - t0);
            }
            now = tx
                .poll_timeout()
                .expect("a waiting transaction has a timer");
            tx.handle_timeout(now);
        }
    }

    #[test]
    fn unreliable_schedule_follows_rfc8489_6_2_1() {
        let (sends, failed_at) = run(TransactionConfig::default());
        let ms: Vec<u128> = sends.iter().map(|d| d.as_millis()).collect();
        assert_eq!(ms, [0, 500, 1500, 3500, 7500, 15500, 31500]);
        assert_eq!(failed_at, Duration::from_millis(39_500));
    }

    #[test]
    fn max_rto_caps_the_interval() {
        let (sends, _) = run(TransactionConfig {
            max_rto: Some(Duration::from_secs(2)),
            ..TransactionConfig::default()
        });
        let ms: Vec<u128> = sends.iter().map(|d| d.as_millis()).collect();
        assert_eq!(ms, [0, 500, 1500, 3500, 5500, 7500, 9500]);
    }

    #[test]
    fn reliable_sends_once_and_waits_ti() {
        let (sends, failed_at) = run(TransactionConfig {
            reliable: true,
            ..TransactionConfig::default()
        });
        assert_eq!(sends, [Duration::ZERO]);
        assert_eq!(failed_at, Duration::from_millis(39_500));
    }

    #[test]
    fn matching_response_completes_with_rtt() {
        let t0 = Instant::now();
        let mut tx =
            ClientTransaction::new(t0, dest(), request(), TransactionConfig::default()).unwrap();
        let _ = tx.poll_transmit();
        let mut other =
            MessageBuilder::new(MessageType::BINDING_SUCCESS, TransactionId([4; 12])).finish();
        assert!(!tx.handle_packet(t0, &other));
        other = MessageBuilder::new(MessageType::BINDING_SUCCESS, TransactionId([3; 12])).finish();
        assert!(tx.handle_packet(t0 + Duration::from_millis(30), &other));
        assert_eq!(
            tx.poll_event(),
            Some(TransactionEvent::Response {
                class: Class::SuccessResponse,
                message: other.clone(),
                rtt: Some(Duration::from_millis(30)),
            })
        );
        assert!(tx.is_done());
        assert_eq!(tx.poll_timeout(), None);
        assert!(!tx.handle_packet(t0, &other));
    }

    #[test]
    fn retransmitted_request_gives_no_rtt_sample() {
        let t0 = Instant::now();
        let mut tx =
            ClientTransaction::new(t0, dest(), request(), TransactionConfig::default()).unwrap();
        let _ = tx.poll_transmit();
        tx.handle_timeout(t0 + Duration::from_millis(500));
        assert!(tx.poll_transmit().is_some());
        let resp =
            MessageBuilder::new(MessageType::BINDING_SUCCESS, TransactionId([3; 12])).finish();
        assert!(tx.handle_packet(t0 + Duration::from_millis(600), &resp));
        assert!(matches!(
            tx.poll_event(),
            Some(TransactionEvent::Response { rtt: None, .. })
        ));
    }

    #[test]
    fn refuses_non_requests() {
        let resp =
            MessageBuilder::new(MessageType::BINDING_SUCCESS, TransactionId([3; 12])).finish();
        assert!(matches!(
            ClientTransaction::new(Instant::now(), dest(), resp, TransactionConfig::default()),
            Err(TransactionError::NotARequest(Class::SuccessResponse))
        ));
        assert!(matches!(
            ClientTransaction::new(
                Instant::now(),
                dest(),
                vec![1, 2, 3],
                TransactionConfig::default()
            ),
            Err(TransactionError::Malformed(_))
        ));
    }
}
