//! Unexpected INIT and peer restart (RFC 9260 sections 5.2.2 and 5.2.4 case A).
//!
//! An INIT arriving on an established association (the peer lost its state and starts
//! over) is answered with an INIT ACK carrying a new random Initiate Tag and initial TSN,
//! with the association's current tags as Tie-Tags in the state cookie. A COOKIE ECHO
//! whose tags both differ from the current ones but whose Tie-Tags match them is the
//! peer's restart: the association starts over with the cookie's tags and TSNs, data
//! queued or in flight on our side is dropped, and [`Event::Restarted`] reports it.
//!
//! Left out: the INIT's new addresses check (no multihoming here), and the "Cookie
//! Received While Shutting Down" answer in SHUTDOWN-ACK-SENT (the cookie is dropped there;
//! T2-shutdown carries on).

use std::time::Instant;

use super::handshake::Cookie;
use super::recv::Receiver;
use super::send::Sender;
use super::timers::{RttEstimator, Timers};
use super::{Association, Event, PeerInit, State, reconfig};
use crate::Chunk;
use crate::Items;
use crate::chunk::{ErrorCause, ErrorChunk, Init, InitParam};

impl Association {
    /// Whether an INIT now is "unexpected" (section 5.2.2): the association is up.
    pub(super) fn init_is_unexpected(&self) -> bool {
        matches!(
            self.state,
            State::Established
                | State::ShutdownPending
                | State::ShutdownReceived
                | State::ShutdownSent
        )
    }

    /// Answers an unexpected INIT (section 5.2.2) with an INIT ACK whose cookie holds a
    /// new tag and TSN and the current tags as Tie-Tags.
    pub(super) fn on_unexpected_init(&mut self, now: Instant, init: &Init<'_>, peer: PeerInit) {
        let new_tag = self.rng.nonzero_u32();
        let new_tsn = self.rng.next_u32();
        let cookie = self.make_cookie_with(
            now,
            &peer,
            0,
            (new_tag, new_tsn),
            (self.my_tag, self.peer_tag),
        );
        let params = [
            InitParam::StateCookie(&cookie),
            InitParam::ForwardTsnSupported,
            InitParam::SupportedExtensions(self.supported_extensions()),
            super::handshake::zero_checksum_param(),
        ];
        let n = if self.config.zero_checksum { 4 } else { 3 };
        let mut ack = self.our_init(&params[..n]);
        ack.initiate_tag = new_tag;
        ack.initial_tsn = new_tsn;
        self.queue_packet(init.initiate_tag, &[Chunk::InitAck(ack)]);
    }

    /// Whether `cookie` is the peer's restart (section 5.2.4 case A).
    pub(super) fn is_restart(&self, cookie: &Cookie) -> bool {
        self.init_is_unexpected()
            && cookie.tie_tags != (0, 0)
            && cookie.tie_tags == (self.my_tag, self.peer_tag)
            && cookie.my_tag != self.my_tag
            && cookie.peer.tag != self.peer_tag
    }

    /// Starts the association over with the cookie's tags and TSNs (section 5.2.4 A).
    pub(super) fn restart(&mut self, now: Instant, cookie: &Cookie, expired: Option<u32>) {
        if let Some(staleness_us) = expired {
            let causes = [ErrorCause::StaleCookie { staleness_us }];
            let error = Chunk::Error(ErrorChunk {
                causes: Items::Slice(&causes),
            });
            self.queue_packet(cookie.peer.tag, &[error]);
            return;
        }
        self.my_tag = cookie.my_tag;
        self.my_initial_tsn = cookie.my_initial_tsn;
        self.sender = Sender::new(&self.config, self.my_initial_tsn);
        self.receiver = Receiver::new(&self.config);
        self.reconfig = reconfig::Reconfig::default();
        self.out.clear();
        self.timers = Timers::default();
        self.rtt = RttEstimator::new(
            self.config.rto_initial,
            self.config.rto_min,
            self.config.rto_max,
        );
        self.error_count = 0;
        self.heartbeat_nonce = None;
        self.setup_peer(cookie.peer);
        self.state = State::Established;
        self.events.push_back(Event::Restarted);
        self.arm_heartbeat(now);
        self.queue_packet(self.peer_tag, &[Chunk::CookieAck]);
    }
}
