//! Association setup (RFC 9260 sections 5.1 and 5.2): INIT, INIT ACK with an
//! HMAC-SHA256 state cookie, COOKIE ECHO, COOKIE ACK; T1-init and T1-cookie; simultaneous
//! open (section 5.2.1) and COOKIE ECHO with an existing TCB (section 5.2.4 cases B and
//! D; case A, a peer restart, and case C are dropped); stale cookies (sections 5.1.5
//! and 5.2.6).
//!
//! Left out: reporting unrecognized INIT parameters in INIT ACK, answering an INIT once
//! established (section 5.2.2: such INITs are dropped and counted, since no restart is
//! supported), tie-tags.

use std::time::Instant;

use super::{Association, CloseReason, Event, PeerInit, State, Timer};
use crate::bytes::{put_u16, put_u32, u16_at, u32_at};
use crate::chunk::{CookieEcho, ErrorCause, ErrorChunk, Init, InitParam, ParamType};
use crate::{Chunk, ChunkType, Items};

/// Cookie layout: my tag, peer tag, my initial TSN, peer initial TSN, peer a_rwnd (4 bytes
/// each), peer OS and MIS (2 each), creation time in ms since the association's epoch
/// (8), lifetime in ms (4), then the HMAC-SHA256 of all that (32).
/// Then (RFC 9260 section 5.2.2) the Local- and Peer's-Tie-Tags (4 + 4; zero outside a
/// restart).
const COOKIE_BODY_LEN: usize = 48;
const COOKIE_LEN: usize = COOKIE_BODY_LEN + 32;

/// The most a peer's Cookie Preservative may add to the cookie lifetime.
const MAX_PRESERVATIVE_MS: u32 = 60_000;

/// Our extensions, advertised for later phases: RE-CONFIG (RFC 6525) and FORWARD TSN
/// (RFC 3758).
const SUPPORTED_EXTENSIONS: [u8; 2] = [ChunkType::RE_CONFIG.0, ChunkType::FORWARD_TSN.0];

/// The same plus I-DATA and I-FORWARD-TSN (RFC 8260 section 2.2.1), with
/// [`super::Config::message_interleaving`].
const SUPPORTED_EXTENSIONS_I_DATA: [u8; 4] = [
    ChunkType::RE_CONFIG.0,
    ChunkType::FORWARD_TSN.0,
    ChunkType::I_DATA.0,
    ChunkType::I_FORWARD_TSN.0,
];

/// Handshake bookkeeping.
#[derive(Debug, Default)]
pub(super) struct Handshake {
    /// Retransmissions of the current INIT or COOKIE ECHO.
    retries: u32,
    /// When the current INIT or COOKIE ECHO was first sent, for an RTT sample.
    sent_at: Option<Instant>,
    /// The cookie we echo (initiator side).
    cookie: Vec<u8>,
    /// A Cookie Preservative to add to the INIT after a stale cookie error.
    preservative_ms: Option<u32>,
}

/// The fields of a verified state cookie.
pub(super) struct Cookie {
    pub(super) my_tag: u32,
    /// RFC 9260 section 5.2.2: our and the peer's tags when the INIT ACK answered an
    /// unexpected INIT (zero otherwise).
    pub(super) tie_tags: (u32, u32),
    pub(super) peer: PeerInit,
    pub(super) my_initial_tsn: u32,
    expires_ms: u64,
}

/// RFC 9653 section 5.1: the Zero Checksum Acceptable parameter's value, Error Detection
/// Method Identifier 1 (SCTP over DTLS, RFC 9653 section 6).
const EDMID_DTLS: [u8; 4] = [0, 0, 0, 1];

/// Our Zero Checksum Acceptable parameter (EDMID 1).
pub(super) fn zero_checksum_param() -> InitParam<'static> {
    InitParam::Unknown {
        param_type: ParamType::ZERO_CHECKSUM_ACCEPTABLE,
        value: &EDMID_DTLS,
    }
}

/// Whether an INIT or INIT ACK announces that zero checksums are acceptable with DTLS.
fn accepts_zero_checksum(init: &Init<'_>) -> bool {
    init.params.iter().any(|p| {
        matches!(p, InitParam::Unknown { param_type, value }
            if param_type == ParamType::ZERO_CHECKSUM_ACCEPTABLE && value == EDMID_DTLS)
    })
}

impl Association {
    /// The chunk types we list in Supported Extensions.
    pub(super) fn supported_extensions(&self) -> &'static [u8] {
        if self.config.message_interleaving {
            &SUPPORTED_EXTENSIONS_I_DATA
        } else {
            &SUPPORTED_EXTENSIONS
        }
    }

    fn now_ms(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.epoch).as_millis() as u64
    }

    fn init_chunk_params<'p>(&self, params: &'p mut [InitParam<'p>; 4]) -> &'p [InitParam<'p>] {
        params[0] = InitParam::ForwardTsnSupported;
        params[1] = InitParam::SupportedExtensions(self.supported_extensions());
        let mut n = 2;
        if self.config.zero_checksum {
            params[n] = zero_checksum_param();
            n += 1;
        }
        if let Some(ms) = self.handshake.preservative_ms {
            params[n] = InitParam::CookiePreservative(ms);
            n += 1;
        }
        &params[..n]
    }

    pub(super) fn our_init<'a>(&self, params: &'a [InitParam<'a>]) -> Init<'a> {
        Init {
            initiate_tag: self.my_tag,
            a_rwnd: self.receiver.a_rwnd(),
            outbound_streams: self.config.outbound_streams,
            inbound_streams: self.config.inbound_streams,
            initial_tsn: self.my_initial_tsn,
            params: Items::Slice(params),
        }
    }

    /// Sends (or resends) INIT and enters COOKIE-WAIT.
    pub(super) fn send_init(&mut self, now: Instant) {
        let mut storage = [InitParam::EcnCapable; 4];
        let params = self.init_chunk_params(&mut storage);
        let init = Chunk::Init(self.our_init(params));
        self.queue_packet(0, &[init]);
        if self.state != State::CookieWait {
            self.handshake.sent_at = Some(now);
        }
        self.state = State::CookieWait;
        self.timers.set(Timer::T1, now + self.rtt.rto());
    }

    fn send_cookie_echo(&mut self) {
        let cookie = std::mem::take(&mut self.handshake.cookie);
        self.queue_packet(
            self.peer_tag,
            &[Chunk::CookieEcho(CookieEcho { cookie: &cookie })],
        );
        self.handshake.cookie = cookie;
    }

    /// T1-init or T1-cookie expired (section 5.1, rules for COOKIE-WAIT / COOKIE-ECHOED).
    pub(super) fn on_t1_expiry(&mut self, now: Instant) {
        self.timers.stop(Timer::T1);
        self.handshake.retries += 1;
        self.handshake.sent_at = None;
        if self.handshake.retries > self.config.max_init_retransmits {
            self.terminate(CloseReason::HandshakeTimeout);
            return;
        }
        self.rtt.back_off();
        match self.state {
            State::CookieWait => self.send_init(now),
            State::CookieEchoed => {
                self.send_cookie_echo();
                self.timers.set(Timer::T1, now + self.rtt.rto());
            }
            _ => {}
        }
    }

    fn make_cookie(&self, now: Instant, peer: &PeerInit, extra_ms: u32) -> [u8; COOKIE_LEN] {
        self.make_cookie_with(
            now,
            peer,
            extra_ms,
            (self.my_tag, self.my_initial_tsn),
            (0, 0),
        )
    }

    /// A state cookie for `peer` with our tag and initial TSN `mine` and the tie-tags.
    pub(super) fn make_cookie_with(
        &self,
        now: Instant,
        peer: &PeerInit,
        extra_ms: u32,
        mine: (u32, u32),
        tie_tags: (u32, u32),
    ) -> [u8; COOKIE_LEN] {
        let mut c = [0u8; COOKIE_LEN];
        put_u32(&mut c, 0, mine.0);
        put_u32(&mut c, 4, peer.tag);
        put_u32(&mut c, 8, mine.1);
        put_u32(&mut c, 40, tie_tags.0);
        put_u32(&mut c, 44, tie_tags.1);
        put_u32(&mut c, 12, peer.initial_tsn);
        put_u32(&mut c, 16, peer.a_rwnd);
        put_u16(&mut c, 20, peer.outbound_streams);
        put_u16(&mut c, 22, peer.inbound_streams);
        c[24..32].copy_from_slice(&self.now_ms(now).to_be_bytes());
        c[36] = u8::from(peer.forward_tsn)
            | u8::from(peer.zero_checksum) << 1
            | u8::from(peer.i_data) << 2;
        let life = self
            .config
            .valid_cookie_life
            .as_millis()
            .min(u128::from(u32::MAX)) as u32;
        put_u32(
            &mut c,
            32,
            life.saturating_add(extra_ms.min(MAX_PRESERVATIVE_MS)),
        );
        let tag = ring::hmac::sign(&self.cookie_key, &c[..COOKIE_BODY_LEN]);
        c[COOKIE_BODY_LEN..].copy_from_slice(tag.as_ref());
        c
    }

    pub(super) fn open_cookie(&self, cookie: &[u8]) -> Option<Cookie> {
        if cookie.len() != COOKIE_LEN {
            return None;
        }
        let (body, mac) = cookie.split_at(COOKIE_BODY_LEN);
        ring::hmac::verify(&self.cookie_key, body, mac).ok()?;
        let created = u64::from_be_bytes(body[24..32].try_into().ok()?);
        Some(Cookie {
            my_tag: u32_at(body, 0),
            tie_tags: (u32_at(body, 40), u32_at(body, 44)),
            my_initial_tsn: u32_at(body, 8),
            peer: PeerInit {
                tag: u32_at(body, 4),
                initial_tsn: u32_at(body, 12),
                a_rwnd: u32_at(body, 16),
                outbound_streams: u16_at(body, 20),
                inbound_streams: u16_at(body, 22),
                forward_tsn: body[36] & 1 != 0,
                zero_checksum: body[36] & 2 != 0,
                i_data: body[36] & 4 != 0,
            },
            expires_ms: created.saturating_add(u64::from(u32_at(body, 32))),
        })
    }

    /// INIT received (sections 5.1 B, 5.2.1).
    pub(super) fn on_init(&mut self, now: Instant, init: &Init<'_>) {
        if init.initiate_tag == 0 || init.outbound_streams == 0 || init.inbound_streams == 0 {
            self.stats.dropped_malformed += 1;
            return;
        }
        let unexpected = self.init_is_unexpected();
        if !unexpected
            && !matches!(
                self.state,
                State::Closed | State::CookieWait | State::CookieEchoed
            )
        {
            self.stats.dropped_out_of_state += 1;
            return;
        }
        let preservative = init
            .params
            .iter()
            .find_map(|p| match p {
                InitParam::CookiePreservative(ms) => Some(ms),
                _ => None,
            })
            .unwrap_or(0);
        let peer = PeerInit {
            tag: init.initiate_tag,
            initial_tsn: init.initial_tsn,
            a_rwnd: init.a_rwnd,
            outbound_streams: init.outbound_streams,
            inbound_streams: init.inbound_streams,
            forward_tsn: init
                .params
                .iter()
                .any(|p| matches!(p, InitParam::ForwardTsnSupported)),
            zero_checksum: accepts_zero_checksum(init),
            i_data: init.supports_extension(ChunkType::I_DATA),
        };
        if unexpected {
            self.on_unexpected_init(now, init, peer);
            return;
        }
        let cookie = self.make_cookie(now, &peer, preservative);
        // Section 5.2.1: in COOKIE-WAIT / COOKIE-ECHOED the INIT ACK repeats our INIT's
        // parameters, tag included; in CLOSED they are the ones we would send anyway.
        let params = [
            InitParam::StateCookie(&cookie),
            InitParam::ForwardTsnSupported,
            InitParam::SupportedExtensions(self.supported_extensions()),
            zero_checksum_param(),
        ];
        let n = if self.config.zero_checksum { 4 } else { 3 };
        let ack = Chunk::InitAck(self.our_init(&params[..n]));
        self.queue_packet(init.initiate_tag, &[ack]);
    }

    /// INIT ACK received (section 5.1 C).
    pub(super) fn on_init_ack(&mut self, now: Instant, ack: &Init<'_>) {
        if self.state != State::CookieWait {
            self.stats.dropped_out_of_state += 1;
            return;
        }
        if ack.initiate_tag == 0 || ack.outbound_streams == 0 || ack.inbound_streams == 0 {
            self.terminate(CloseReason::ProtocolViolation("invalid INIT ACK"));
            return;
        }
        let Some(cookie) = ack.state_cookie() else {
            self.peer_tag = ack.initiate_tag;
            let missing = [ParamType::STATE_COOKIE];
            self.abort(
                ErrorCause::MissingMandatoryParameter {
                    missing: Items::Slice(&missing),
                },
                CloseReason::ProtocolViolation("INIT ACK without a State Cookie"),
            );
            return;
        };
        if let Some(sent) = self.handshake.sent_at.take()
            && self.handshake.retries == 0
        {
            self.rtt.update(now.saturating_duration_since(sent));
        }
        self.setup_peer(PeerInit {
            tag: ack.initiate_tag,
            initial_tsn: ack.initial_tsn,
            a_rwnd: ack.a_rwnd,
            outbound_streams: ack.outbound_streams,
            inbound_streams: ack.inbound_streams,
            forward_tsn: ack
                .params
                .iter()
                .any(|p| matches!(p, InitParam::ForwardTsnSupported)),
            zero_checksum: accepts_zero_checksum(ack),
            i_data: ack.supports_extension(ChunkType::I_DATA),
        });
        self.handshake.cookie.clear();
        self.handshake.cookie.extend_from_slice(cookie);
        self.handshake.retries = 0;
        self.state = State::CookieEchoed;
        self.send_cookie_echo();
        self.timers.set(Timer::T1, now + self.rtt.rto());
    }

    /// COOKIE ECHO received (sections 5.1 D, 5.1.5, 5.2.4).
    pub(super) fn on_cookie_echo(&mut self, now: Instant, bytes: &[u8]) {
        let Some(cookie) = self.open_cookie(bytes) else {
            self.stats.dropped_malformed += 1;
            return;
        };
        let now_ms = self.now_ms(now);
        if self.is_restart(&cookie) {
            let expired = (now_ms > cookie.expires_ms).then(|| {
                (now_ms - cookie.expires_ms)
                    .saturating_mul(1000)
                    .min(u64::from(u32::MAX)) as u32
            });
            self.restart(now, &cookie, expired);
            return;
        }
        if cookie.my_tag != self.my_tag || cookie.my_initial_tsn != self.my_initial_tsn {
            // Case C (a stale cookie): silently discarded.
            self.stats.dropped_tag += 1;
            return;
        }
        if now_ms > cookie.expires_ms && self.state != State::Established {
            let staleness_us = (now_ms - cookie.expires_ms)
                .saturating_mul(1000)
                .min(u64::from(u32::MAX)) as u32;
            let causes = [ErrorCause::StaleCookie { staleness_us }];
            let error = Chunk::Error(ErrorChunk {
                causes: Items::Slice(&causes),
            });
            self.queue_packet(cookie.peer.tag, &[error]);
            return;
        }
        match self.state {
            State::Closed | State::CookieWait | State::CookieEchoed => {
                // New association, or case B / D during a simultaneous open.
                if self.peer != Some(cookie.peer) {
                    self.setup_peer(cookie.peer);
                }
                self.establish();
                self.queue_packet(self.peer_tag, &[Chunk::CookieAck]);
            }
            State::Established if cookie.peer.tag == self.peer_tag => {
                // Case D: our COOKIE ACK was lost.
                self.queue_packet(self.peer_tag, &[Chunk::CookieAck]);
            }
            _ => self.stats.dropped_out_of_state += 1,
        }
    }

    /// COOKIE ACK received (section 5.1 E).
    pub(super) fn on_cookie_ack(&mut self) {
        if self.state == State::CookieEchoed {
            self.establish();
        }
    }

    /// ERROR received: a Stale Cookie during COOKIE-ECHOED restarts the handshake with a
    /// Cookie Preservative (section 5.2.6); other causes are informational.
    pub(super) fn on_error(&mut self, now: Instant, error: &ErrorChunk<'_>) {
        for cause in error.causes.iter() {
            if let ErrorCause::StaleCookie { staleness_us } = cause
                && self.state == State::CookieEchoed
            {
                self.handshake.retries += 1;
                if self.handshake.retries > self.config.max_init_retransmits {
                    self.terminate(CloseReason::HandshakeTimeout);
                    return;
                }
                let ms = (staleness_us / 1000).saturating_mul(2).max(1000);
                self.handshake.preservative_ms = Some(ms.min(MAX_PRESERVATIVE_MS));
                self.peer = None;
                self.peer_tag = 0;
                self.send_init(now);
                return;
            }
        }
    }

    pub(super) fn setup_peer(&mut self, peer: PeerInit) {
        self.peer = Some(peer);
        self.peer_tag = peer.tag;
        self.outbound_streams = self.config.outbound_streams.min(peer.inbound_streams);
        self.inbound_streams = self.config.inbound_streams.min(peer.outbound_streams);
        self.receiver.reset(peer.initial_tsn);
        self.sender.set_peer_rwnd(peer.a_rwnd);
        // RFC 3758 section 3.3: both ends advertised Forward-TSN-Supported (we always do).
        self.sender.set_partial_reliability(peer.forward_tsn);
        // RFC 8260 section 2.2.1: I-DATA only when both ends listed it.
        let interleaving = self.config.message_interleaving && peer.i_data;
        self.sender.set_interleaving(interleaving);
        self.receiver.set_interleaving(interleaving);
        self.reconfig.start(self.my_initial_tsn, peer.initial_tsn);
    }

    fn establish(&mut self) {
        self.timers.stop(Timer::T1);
        self.handshake = Handshake::default();
        self.state = State::Established;
        self.events.push_back(Event::Connected);
        self.arm_heartbeat(self.now);
    }
}
