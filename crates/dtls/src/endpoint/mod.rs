//! A sans-IO DTLS 1.2 endpoint (RFC 6347) for WebRTC (RFC 8827): both roles, ECDHE with
//! ECDSA or RSA server authentication, mutual authentication by certificate fingerprint,
//! extended master secret (RFC 7627, required), use_srtp (RFC 5764), renegotiation refused
//! (RFC 5746), and the keying material exporter (RFC 5705).
//!
//! # Driving it
//! Create it with [`Endpoint::client`] (which queues the first flight) or
//! [`Endpoint::server`], feed datagrams with [`Endpoint::handle_packet`] and timer expiries
//! with [`Endpoint::handle_timeout`]; after each call drain [`Endpoint::poll_transmit`] and
//! [`Endpoint::poll_event`] until they return `None`, then wait until
//! [`Endpoint::poll_timeout`]. An `Err` from a `handle_*` call means the connection is dead;
//! a fatal alert for the peer may still wait in `poll_transmit`.
//!
//! Records that fail to parse, to authenticate or that replay are dropped and counted in
//! [`Stats`]; they never kill the connection (RFC 6347 §4.1.2.7).
//!
//! # Flights and timers (RFC 6347 §4.2.4)
//! Each flight is kept and sent again when its timer fires (doubling from
//! [`Config::initial_retransmit`] up to [`Config::max_retransmit`], at most
//! [`Config::max_retransmits`] times), and at once when the peer repeats its previous flight.
//! The server keeps its last flight (ChangeCipherSpec + Finished) for a client that did not
//! get it.
//!
//! # Randomness
//! The client and server randoms, the cookie secret, ephemeral keys and ECDSA nonces come from
//! `ring`'s operating-system generator: ring's key APIs accept no other source, so runs are not
//! byte-for-byte repeatable, but their control flow is.

mod client;
mod config;
mod error;
mod flight;
mod records;
mod server;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use ring::rand::{SecureRandom, SystemRandom};

use crate::alert::Alert;
use crate::codes::{
    AlertDescription, AlertLevel, CipherSuite, ContentType, HandshakeType, ProtocolVersion,
    SrtpProtectionProfile,
};
use crate::crypto::cert::{CertificateError, Fingerprint};
use crate::crypto::kx::EphemeralKey;
use crate::crypto::prf::{self, MASTER_SECRET_LEN};
use crate::crypto::record::RecordCipher;
use crate::crypto::suite::SuiteParams;
use crate::handshake::{HandshakeFragments, HandshakeMessage};
use crate::reassembly::{FragmentStatus, Reassembler, ReassemblerConfig};
use crate::record::{MAX_PLAINTEXT_LEN, Records};

pub use config::{Config, Connected, Event, Stats};
pub use error::Error;
use flight::FlightItem;
use records::RecordLayer;

/// Which side of the handshake this endpoint plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sends the ClientHello (`a=setup:active`).
    Client,
    /// Answers it (`a=setup:passive`).
    Server,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Client: ClientHello sent, waiting for HelloVerifyRequest or ServerHello.
    ClientWaitServerHello,
    /// Client: ServerHello received, reading the rest of the server's flight.
    ClientWaitServerHelloDone(ServerFlightStep),
    /// Client: our Finished sent, waiting for the server's.
    ClientWaitFinished,
    /// Server: waiting for a (cookie-bearing) ClientHello.
    ServerWaitClientHello,
    /// Server: flight 4 sent, reading the client's flight 5.
    ServerWaitClientFlight(ClientFlightStep),
    /// Handshake done.
    Connected,
    /// Handshake done cryptographically, but the peer's certificate is not yet checked: its
    /// fingerprint was unknown when the certificate arrived. Waits for
    /// [`Endpoint::set_remote_fingerprints`].
    ConnectedUnverified,
    /// Closed or failed.
    Closed,
}

/// What the client expects next in the server's flight 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServerFlightStep {
    Certificate,
    ServerKeyExchange,
    CertificateRequestOrDone,
    ServerHelloDone,
}

/// What the server expects next in the client's flight 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientFlightStep {
    Certificate,
    ClientKeyExchange,
    CertificateVerify,
    Finished,
}

/// Secrets and choices of the handshake in progress.
#[derive(Default)]
struct Handshake {
    client_random: [u8; 32],
    server_random: [u8; 32],
    suite: Option<SuiteParams>,
    cipher_suite: Option<CipherSuite>,
    srtp_profile: Option<SrtpProtectionProfile>,
    /// Boxed, like `transcript_digest`: handshake-only state that an established endpoint
    /// should not carry inline (about 300 bytes together).
    key_exchange: Option<Box<EphemeralKey>>,
    peer_public: Vec<u8>,
    peer_certificate: Option<Vec<u8>>,
    /// The peer's certificate arrived before any remote fingerprint: it still has to be
    /// checked.
    peer_unverified: bool,
    master_secret: Option<[u8; MASTER_SECRET_LEN]>,
    /// Every handshake message so far, whole (RFC 6347 §4.2.6), for the hashes.
    transcript: Vec<u8>,
    /// A running hash of `transcript[..n]` (the suite's PRF hash), so each transcript hash
    /// (session hash, both Finished) only absorbs what was added since the last one.
    transcript_digest: Option<Box<(ring::digest::Context, usize)>>,
    /// Client: the server asked for our certificate.
    certificate_requested: bool,
    /// Client: cookie from HelloVerifyRequest.
    cookie: Vec<u8>,
    /// Server: the message_seq its next message uses.
    next_send_seq: u16,
}

/// Where a connected endpoint's application data goes: a callback, or events if `None`.
type DataSink<'a> = Option<&'a mut dyn FnMut(&[u8])>;

/// The decryption buffer is freed after a record larger than this (a datagram's worth
/// stays allocated; a rare 16 KiB record does not).
const KEPT_RECORD_BUFFER: usize = 4096;

/// One DTLS connection.
pub struct Endpoint {
    role: Role,
    config: Config,
    rng: SystemRandom,
    state: State,
    records: RecordLayer,
    reassembler: Reassembler,
    hs: Handshake,
    /// The last flight we sent, for retransmission.
    flight: Vec<FlightItem>,
    /// When the flight timer fires, if armed.
    timer: Option<Instant>,
    current_timeout: Duration,
    retransmits: u32,
    last_flight_sent: Option<Instant>,
    /// Server: secret for HelloVerifyRequest cookies.
    cookie_secret: [u8; 32],
    /// Application data that arrived before our handshake finished.
    early_data: Vec<Vec<u8>>,
    /// Total length of `early_data`.
    early_data_bytes: usize,
    /// Epoch-1 records that arrived before the epoch-1 read keys.
    pending_epoch: Vec<PendingRecord>,
    transmits: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    stats: Stats,
    /// Where records are copied and decrypted in place, kept between datagrams so that
    /// the data path neither allocates nor clears a buffer per record.
    record_buf: Vec<u8>,
    /// Tests: send a Finished with wrong verify_data.
    #[cfg(test)]
    corrupt_finished: bool,
}

impl core::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Endpoint")
            .field("role", &self.role)
            .field("state", &self.state)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// Application data records buffered before the handshake completes (or, with a late remote
/// fingerprint, before the peer is verified), at most.
const MAX_EARLY_RECORDS: usize = 64;
/// Bytes of application data buffered that way, at most.
const MAX_EARLY_BYTES: usize = 256 * 1024;

/// A record of the next epoch that arrived before its keys.
struct PendingRecord {
    content_type: ContentType,
    version: ProtocolVersion,
    sequence_number: u64,
    fragment: Vec<u8>,
}

impl Endpoint {
    fn new(role: Role, config: Config, state: State) -> Endpoint {
        let rng = SystemRandom::new();
        let mut cookie_secret = [0u8; 32];
        // A failing OS generator leaves a zero secret; cookies then only bind the ClientHello
        // contents, which still prevents blind amplification from other addresses.
        let _ = rng.fill(&mut cookie_secret);
        let reassembler = Reassembler::new(ReassemblerConfig {
            max_buffered: config.max_reassembly_bytes,
            ..ReassemblerConfig::default()
        });
        Endpoint {
            role,
            records: RecordLayer::new(config.replay_window.max(64)),
            current_timeout: config.initial_retransmit,
            config,
            rng,
            state,
            reassembler,
            hs: Handshake::default(),
            flight: Vec::new(),
            timer: None,
            retransmits: 0,
            last_flight_sent: None,
            cookie_secret,
            early_data: Vec::new(),
            early_data_bytes: 0,
            pending_epoch: Vec::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
            record_buf: Vec::new(),
            #[cfg(test)]
            corrupt_finished: false,
        }
    }

    /// A client endpoint; its ClientHello is ready in [`Endpoint::poll_transmit`] at once.
    pub fn client(config: Config, now: Instant) -> Result<Endpoint, Error> {
        let mut e = Endpoint::new(Role::Client, config, State::ClientWaitServerHello);
        if e.rng.fill(&mut e.hs.client_random).is_err() {
            return Err(Error::Local(CertificateError::Generation(
                "random source failed".into(),
            )));
        }
        e.send_client_hello(now)?;
        Ok(e)
    }

    /// A server endpoint, waiting for a ClientHello.
    pub fn server(config: Config) -> Endpoint {
        Endpoint::new(Role::Server, config, State::ServerWaitClientHello)
    }

    /// This endpoint's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether the handshake has completed and the connection is open.
    pub fn is_connected(&self) -> bool {
        self.state == State::Connected
    }

    /// Dropped-input counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Set the peer's fingerprints, for when the remote description arrives after the
    /// endpoint was made.
    ///
    /// If the peer's certificate already arrived unchecked (see
    /// [`Endpoint::is_peer_unverified`]), it is checked now: on a match the endpoint becomes
    /// connected ([`Event::Connected`], then any application data the peer sent meanwhile, in
    /// order); on a mismatch the connection fails with [`Error::FingerprintMismatch`] and a
    /// bad_certificate alert waits in [`Endpoint::poll_transmit`]. An empty list changes
    /// nothing. Drain `poll_event` and `poll_transmit` afterwards.
    pub fn set_remote_fingerprints(&mut self, fingerprints: Vec<Fingerprint>) -> Result<(), Error> {
        if self.state == State::Closed {
            return Err(Error::Closed);
        }
        if fingerprints.is_empty() {
            return Ok(());
        }
        self.config.remote_fingerprints = fingerprints;
        if !self.hs.peer_unverified {
            return Ok(());
        }
        let der = self.hs.peer_certificate.as_deref().unwrap_or_default();
        if !self
            .config
            .remote_fingerprints
            .iter()
            .any(|f| f.matches(der))
        {
            let e = Error::FingerprintMismatch;
            self.fail(&e);
            return Err(e);
        }
        self.hs.peer_unverified = false;
        if self.state == State::ConnectedUnverified {
            self.connected();
        }
        Ok(())
    }

    /// Whether the handshake is complete except for checking the peer's certificate, whose
    /// fingerprint is not known yet: no [`Event::Connected`], no application data delivered,
    /// [`Endpoint::send`] and [`Endpoint::export_keying_material`] refused until
    /// [`Endpoint::set_remote_fingerprints`] verifies it.
    pub fn is_peer_unverified(&self) -> bool {
        self.state == State::ConnectedUnverified
    }

    /// Feed one datagram.
    pub fn handle_packet(&mut self, now: Instant, datagram: &[u8]) -> Result<(), Error> {
        self.handle_packet_inner(now, datagram, None)
    }

    /// [`Endpoint::handle_packet`] that hands the application data of a connected endpoint
    /// to `on_data` as it is decrypted, borrowed, instead of queueing an owned
    /// [`Event::ApplicationData`] for each record: no allocation or copy per record on the
    /// data path. Everything else (handshake, alerts, data before the connection is
    /// verified, which is kept and delivered as events) works as with `handle_packet`.
    pub fn handle_packet_with(
        &mut self,
        now: Instant,
        datagram: &[u8],
        mut on_data: impl FnMut(&[u8]),
    ) -> Result<(), Error> {
        self.handle_packet_inner(now, datagram, Some(&mut on_data))
    }

    fn handle_packet_inner(
        &mut self,
        now: Instant,
        datagram: &[u8],
        sink: DataSink<'_>,
    ) -> Result<(), Error> {
        if self.state == State::Closed {
            return Err(Error::Closed);
        }
        let result = self.handle_records(now, datagram, sink);
        if let Err(e) = &result {
            self.fail(e);
        }
        result
    }

    fn handle_records(
        &mut self,
        now: Instant,
        datagram: &[u8],
        sink: DataSink<'_>,
    ) -> Result<(), Error> {
        // Records are decrypted in place in a copy, in a buffer kept between datagrams.
        let mut buf = std::mem::take(&mut self.record_buf);
        let result = self.handle_records_in(now, datagram, sink, &mut buf);
        if buf.capacity() <= KEPT_RECORD_BUFFER {
            self.record_buf = buf;
        }
        result
    }

    fn handle_records_in(
        &mut self,
        now: Instant,
        datagram: &[u8],
        mut sink: DataSink<'_>,
        buf: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let had_read_keys = self.records.has_read_keys();
        for record in Records::new(datagram) {
            let Ok(record) = record else {
                self.stats.malformed_records += 1;
                break;
            };
            if record.epoch == 1 && !self.records.has_read_keys() {
                // A record of the next epoch before its keys (reordering, RFC 6347 §4.1):
                // keep a few to process once the keys are installed.
                if self.pending_epoch.len() < self.config.max_buffered_next_epoch_records {
                    self.stats.buffered_next_epoch_records += 1;
                    self.pending_epoch.push(PendingRecord {
                        content_type: record.content_type,
                        version: record.version,
                        sequence_number: record.sequence_number,
                        fragment: record.fragment.to_vec(),
                    });
                } else {
                    self.stats.undecryptable_records += 1;
                }
                continue;
            }
            buf.clear();
            buf.extend_from_slice(record.fragment);
            let header = (
                record.content_type,
                record.version,
                record.epoch,
                record.sequence_number,
            );
            self.handle_record(now, header, buf, &mut sink)?;
            if self.state == State::Closed {
                return Ok(());
            }
        }
        if !had_read_keys && self.records.has_read_keys() && !self.pending_epoch.is_empty() {
            for mut pending in std::mem::take(&mut self.pending_epoch) {
                let header = (
                    pending.content_type,
                    pending.version,
                    1,
                    pending.sequence_number,
                );
                self.handle_record(now, header, &mut pending.fragment, &mut sink)?;
                if self.state == State::Closed {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Open one record (its protected fragment in `fragment`, decrypted in place) and act on
    /// it.
    fn handle_record(
        &mut self,
        now: Instant,
        (content_type, version, epoch, seq): (ContentType, ProtocolVersion, u16, u64),
        fragment: &mut [u8],
        sink: &mut DataSink<'_>,
    ) -> Result<(), Error> {
        let Some(plain) = self
            .records
            .open(epoch, seq, content_type, version, fragment)
        else {
            if epoch == 1 {
                self.stats.undecryptable_records += 1;
            } else {
                self.stats.malformed_records += 1;
            }
            return Ok(());
        };
        // `plain` borrows the caller's buffer, not `self`: no second copy on this path.
        let plain: &[u8] = plain;
        match content_type {
            ContentType::HANDSHAKE => self.handle_handshake_record(now, plain)?,
            ContentType::CHANGE_CIPHER_SPEC => {
                // Epoch-1 records carry their epoch explicitly, so ChangeCipherSpec only
                // confirms what the record headers already say (RFC 6347 §4.1).
            }
            ContentType::ALERT => self.handle_alert(plain)?,
            ContentType::APPLICATION_DATA if epoch == 1 => {
                if self.state == State::Connected {
                    match sink.as_mut() {
                        Some(f) => f(plain),
                        None => self
                            .events
                            .push_back(Event::ApplicationData(plain.to_vec())),
                    }
                } else if self.early_data.len() < MAX_EARLY_RECORDS
                    && self.early_data_bytes + plain.len() <= MAX_EARLY_BYTES
                {
                    self.early_data_bytes += plain.len();
                    self.early_data.push(plain.to_vec());
                } else {
                    self.stats.dropped_early_data += 1;
                }
            }
            _ => self.stats.malformed_records += 1,
        }
        Ok(())
    }

    fn handle_alert(&mut self, body: &[u8]) -> Result<(), Error> {
        let Ok(alert) = Alert::parse(body) else {
            self.stats.malformed_records += 1;
            return Ok(());
        };
        if alert.description == AlertDescription::CLOSE_NOTIFY {
            if matches!(self.state, State::Connected | State::ConnectedUnverified) {
                // Answer with our own close_notify (RFC 5246 §7.2.1).
                let _ = self.send_alert(AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY);
            }
            self.state = State::Closed;
            self.timer = None;
            self.events.push_back(Event::CloseNotify);
            return Ok(());
        }
        if alert.level == AlertLevel::FATAL {
            self.state = State::Closed;
            self.timer = None;
            return Err(Error::PeerAlert(alert.description));
        }
        // Warnings (no_renegotiation and the like) need nothing from us.
        Ok(())
    }

    fn handle_handshake_record(&mut self, now: Instant, body: &[u8]) -> Result<(), Error> {
        for fragment in HandshakeFragments::new(body) {
            let Ok(fragment) = fragment else {
                self.stats.malformed_records += 1;
                break;
            };
            if self.state == State::ServerWaitClientHello
                && fragment.msg_type == HandshakeType::CLIENT_HELLO
            {
                // A stateless server learns the client's message_seq from each ClientHello
                // (0 first, 1 after a HelloVerifyRequest).
                if fragment.message_seq != self.reassembler.next_message_seq()
                    && fragment.message_seq <= 1
                {
                    self.reassembler = Reassembler::with_next_message_seq(
                        ReassemblerConfig {
                            max_buffered: self.config.max_reassembly_bytes,
                            ..ReassemblerConfig::default()
                        },
                        fragment.message_seq,
                    );
                }
            }
            match self.reassembler.push(&fragment) {
                Ok(FragmentStatus::Accepted) => {}
                Ok(FragmentStatus::Stale) | Ok(FragmentStatus::Duplicate) => {
                    self.stats.duplicate_fragments += 1;
                    self.peer_retransmitted(now)?;
                }
                Ok(_) => self.stats.duplicate_fragments += 1,
                Err(crate::reassembly::ReassemblyError::MessageTooLong { .. }) => {
                    return Err(Error::ReassemblyLimit);
                }
                Err(e) => return Err(Error::Decode(e.to_string())),
            }
            while let Some(message) = self.reassembler.pop() {
                self.handle_message(now, message.msg_type, message.message_seq, &message.body)?;
                if matches!(self.state, State::Closed) {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// The peer sent part of a flight we already have: it missed our answer. Send our last
    /// flight again, at most once per quarter of the current timeout.
    fn peer_retransmitted(&mut self, now: Instant) -> Result<(), Error> {
        if self.flight.is_empty() {
            return Ok(());
        }
        let waiting_for_peer = matches!(
            self.state,
            State::ClientWaitFinished
                | State::Connected
                | State::ConnectedUnverified
                | State::ServerWaitClientFlight(_)
                | State::ClientWaitServerHello
        );
        if !waiting_for_peer {
            return Ok(());
        }
        if self
            .last_flight_sent
            .is_some_and(|t| now.saturating_duration_since(t) < self.current_timeout / 4)
        {
            return Ok(());
        }
        self.stats.retransmitted_flights += 1;
        self.transmit_flight(now)
    }

    fn handle_message(
        &mut self,
        now: Instant,
        msg_type: HandshakeType,
        seq: u16,
        body: &[u8],
    ) -> Result<(), Error> {
        let message =
            HandshakeMessage::parse(msg_type, body).map_err(|e| Error::Decode(e.to_string()))?;
        match self.role {
            Role::Client => self.client_message(now, seq, message, body),
            Role::Server => self.server_message(now, seq, message, body),
        }
    }

    /// Append a whole message (as received) to the transcript.
    fn transcript_received(&mut self, msg_type: HandshakeType, seq: u16, body: &[u8]) {
        let header =
            crate::handshake::HandshakeHeader::unfragmented(msg_type, seq, body.len() as u32);
        let mut h = [0u8; crate::handshake::HEADER_LEN];
        if header.emit(&mut h).is_ok() {
            self.hs.transcript.extend_from_slice(&h);
            self.hs.transcript.extend_from_slice(body);
        }
    }

    /// Encode a message we send: whole, with our next message_seq; add it to the transcript.
    fn encode_message(&mut self, message: &HandshakeMessage<'_>) -> Result<Vec<u8>, Error> {
        let mut buf = vec![0u8; message.whole_len()];
        message
            .emit_whole(self.hs.next_send_seq, &mut buf)
            .map_err(|e| {
                Error::Decode(format!(
                    "cannot encode our own {:?}: {e}",
                    message.msg_type()
                ))
            })?;
        self.hs.next_send_seq = self.hs.next_send_seq.wrapping_add(1);
        self.hs.transcript.extend_from_slice(&buf);
        Ok(buf)
    }

    /// Start the transcript afresh (at each ClientHello, RFC 6347 §4.2.1).
    fn clear_transcript(&mut self) {
        self.hs.transcript.clear();
        self.hs.transcript_digest = None;
    }

    fn transcript_hash(&mut self) -> ring::digest::Digest {
        let suite = self
            .hs
            .suite
            .expect("a suite is chosen before any hash is taken");
        let transcript = &self.hs.transcript;
        let (ctx, absorbed) = &mut **self
            .hs
            .transcript_digest
            .get_or_insert_with(|| Box::new((ring::digest::Context::new(suite.prf.digest()), 0)));
        ctx.update(transcript.get(*absorbed..).unwrap_or_default());
        *absorbed = transcript.len();
        let hash = ctx.clone().finish();
        debug_assert_eq!(
            hash.as_ref(),
            ring::digest::digest(suite.prf.digest(), transcript).as_ref()
        );
        hash
    }

    /// Check the peer's certificate chain against the SDP fingerprints.
    fn check_peer_certificate(
        &mut self,
        certificate: &crate::handshake::Certificate<'_>,
    ) -> Result<(), Error> {
        let der = certificate.end_entity().ok_or(Error::NoCertificate)?;
        if self.config.remote_fingerprints.is_empty() {
            // The answer with the fingerprint has not arrived yet (RFC 8842 §5 leaves the
            // offerer in this position): finish the handshake, check later.
            self.hs.peer_certificate = Some(der.to_vec());
            self.hs.peer_unverified = true;
            return Ok(());
        }
        if !self
            .config
            .remote_fingerprints
            .iter()
            .any(|f| f.matches(der))
        {
            return Err(Error::FingerprintMismatch);
        }
        self.hs.peer_certificate = Some(der.to_vec());
        Ok(())
    }

    /// Derive the master secret (extended, RFC 7627) and the epoch-1 keys.
    fn derive_keys(&mut self, pre_master_secret: &[u8]) -> Result<(), Error> {
        let suite = self.hs.suite.ok_or(Error::NoCommonCipherSuite)?;
        let session_hash = self.transcript_hash();
        let master =
            prf::extended_master_secret(suite.prf, pre_master_secret, session_hash.as_ref());
        let mut block = vec![0u8; suite.key_block_len()];
        prf::key_block(
            suite.prf,
            &master,
            &self.hs.client_random,
            &self.hs.server_random,
            &mut block,
        );
        let (k, iv) = (suite.aead.key_len(), suite.aead.fixed_iv_len());
        let client_key = &block[..k];
        let server_key = &block[k..2 * k];
        let client_iv = &block[2 * k..2 * k + iv];
        let server_iv = &block[2 * k + iv..2 * k + 2 * iv];
        let client = RecordCipher::new(suite.aead, client_key, client_iv)
            .ok_or(Error::NoCommonCipherSuite)?;
        let server = RecordCipher::new(suite.aead, server_key, server_iv)
            .ok_or(Error::NoCommonCipherSuite)?;
        match self.role {
            Role::Client => self.records.set_ciphers(client, server),
            Role::Server => self.records.set_ciphers(server, client),
        }
        self.hs.master_secret = Some(master);
        Ok(())
    }

    fn verify_data(&mut self, client: bool) -> [u8; 12] {
        let suite = self.hs.suite.expect("suite chosen before Finished");
        let master = self
            .hs
            .master_secret
            .expect("master secret derived before Finished");
        let hash = self.transcript_hash();
        prf::verify_data(suite.prf, &master, client, hash.as_ref())
    }

    /// The verify_data we send in our own Finished.
    fn own_verify_data(&mut self) -> [u8; 12] {
        #[allow(unused_mut)]
        let mut v = self.verify_data(self.role == Role::Client);
        #[cfg(test)]
        if self.corrupt_finished {
            v[0] ^= 1;
        }
        v
    }

    fn connected(&mut self) {
        self.release_handshake();
        if self.hs.peer_unverified {
            self.state = State::ConnectedUnverified;
            return;
        }
        self.state = State::Connected;
        self.events.push_back(Event::Connected(Connected {
            cipher_suite: self.hs.cipher_suite.unwrap_or_default(),
            srtp_profile: self.hs.srtp_profile,
            // Moved, not copied: nothing reads it once the peer is verified.
            peer_certificate: self.hs.peer_certificate.take().unwrap_or_default(),
        }));
        for data in std::mem::take(&mut self.early_data) {
            self.events.push_back(Event::ApplicationData(data));
        }
        self.early_data_bytes = 0;
    }

    /// Frees what only the handshake needed, once both Finished messages are verified: the
    /// transcript and its running hash, the ephemeral key, the cookie, empty reassembly slots, and
    /// for a client its last flight (the server's Finished proves the server has it, and a
    /// server never retransmits flight 6 on its own). A server keeps flight 6, sent again if
    /// the client repeats its flight (RFC 6347 section 4.2.4). The master secret and randoms
    /// stay for the exporter and the key log.
    fn release_handshake(&mut self) {
        self.hs.transcript = Vec::new();
        self.hs.transcript_digest = None;
        self.hs.key_exchange = None;
        self.hs.peer_public = Vec::new();
        self.hs.cookie = Vec::new();
        self.reassembler.shrink_to_fit();
        if self.role == Role::Client {
            self.flight = Vec::new();
        } else {
            self.flight.shrink_to_fit();
        }
    }

    /// Replace the current flight, send it and arm its timer (`expect_answer`).
    fn start_flight(
        &mut self,
        now: Instant,
        items: Vec<FlightItem>,
        expect_answer: bool,
    ) -> Result<(), Error> {
        self.flight = items;
        self.retransmits = 0;
        self.current_timeout = self.config.initial_retransmit;
        self.transmit_flight(now)?;
        self.timer = expect_answer.then(|| now + self.current_timeout);
        Ok(())
    }

    fn transmit_flight(&mut self, now: Instant) -> Result<(), Error> {
        let mut datagrams = Vec::new();
        flight::write_flight(
            &self.flight,
            &mut self.records,
            self.config.mtu,
            &mut datagrams,
        )
        .map_err(|_| Error::SequenceExhausted)?;
        self.transmits.extend(datagrams);
        self.last_flight_sent = Some(now);
        Ok(())
    }

    /// A timer fired.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        let Some(deadline) = self.timer else {
            return Ok(());
        };
        if now < deadline {
            return Ok(());
        }
        if self.retransmits >= self.config.max_retransmits {
            self.timer = None;
            let e = Error::Timeout;
            self.fail(&e);
            return Err(e);
        }
        self.retransmits += 1;
        self.stats.retransmitted_flights += 1;
        self.current_timeout = (self.current_timeout * 2).min(self.config.max_retransmit);
        self.transmit_flight(now)?;
        self.timer = Some(now + self.current_timeout);
        Ok(())
    }

    /// Send application data (one record). Only once connected: before [`Event::Connected`]
    /// (also while the peer is unverified) this is refused with [`Error::NotConnected`] and
    /// nothing is sent or kept.
    pub fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        let mut datagram = Vec::with_capacity(data.len() + self.records.overhead(1));
        self.send_into(data, &mut datagram)?;
        self.transmits.push_back(datagram);
        Ok(())
    }

    /// [`Endpoint::send`] that appends the record to `out` instead of queueing it for
    /// [`Endpoint::poll_transmit`]: a caller that reuses `out` for each datagram seals
    /// application data without an allocation per record. `out` is left as it was on an
    /// error.
    pub fn send_into(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        if self.state != State::Connected {
            return Err(Error::NotConnected);
        }
        if data.len() > MAX_PLAINTEXT_LEN {
            return Err(Error::TooLong(data.len()));
        }
        self.records
            .write(1, ContentType::APPLICATION_DATA, data, out)
            .map_err(|_| Error::SequenceExhausted)
    }

    /// Close the connection with close_notify.
    pub fn close(&mut self) {
        if matches!(self.state, State::Connected | State::ConnectedUnverified) {
            let _ = self.send_alert(AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY);
        }
        self.state = State::Closed;
        self.timer = None;
    }

    /// The NSS key log line (`CLIENT_RANDOM <client random> <master secret>`, the format of
    /// `SSLKEYLOGFILE`) once the master secret exists, so Wireshark can decrypt a capture.
    ///
    /// This is the session's secret: write it only where debugging asks for it.
    pub fn key_log_line(&self) -> Option<String> {
        let master = self.hs.master_secret?;
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        Some(format!(
            "CLIENT_RANDOM {} {}",
            hex(&self.hs.client_random),
            hex(&master)
        ))
    }

    /// Export keying material (RFC 5705) without context, e.g. 2 × (key + salt) bytes with
    /// the label `EXTRACTOR-dtls_srtp` for SRTP (RFC 5764 §4.2).
    pub fn export_keying_material(&self, label: &str, len: usize) -> Result<Vec<u8>, Error> {
        let (Some(suite), Some(master), true) = (
            self.hs.suite,
            self.hs.master_secret,
            self.state == State::Connected,
        ) else {
            return Err(Error::NotConnected);
        };
        let mut out = vec![0u8; len];
        prf::export_keying_material(
            suite.prf,
            &master,
            label.as_bytes(),
            &self.hs.client_random,
            &self.hs.server_random,
            &mut out,
        );
        Ok(out)
    }

    /// The next datagram to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmits.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`Endpoint::handle_timeout`] next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timer
    }

    fn send_alert(
        &mut self,
        level: AlertLevel,
        description: AlertDescription,
    ) -> Result<(), Error> {
        let epoch = self.records.write_epoch;
        let mut datagram = Vec::new();
        let alert = [level.0, description.0];
        self.records
            .write(epoch, ContentType::ALERT, &alert, &mut datagram)
            .map_err(|_| Error::SequenceExhausted)?;
        self.transmits.push_back(datagram);
        Ok(())
    }

    /// A fatal error: tell the peer (unless it told us) and stop.
    fn fail(&mut self, error: &Error) {
        if !matches!(error, Error::PeerAlert(_) | Error::Closed) && self.state != State::Closed {
            let _ = self.send_alert(AlertLevel::FATAL, error.alert());
        }
        self.state = State::Closed;
        self.timer = None;
    }

    fn random_bytes(&self, out: &mut [u8]) -> Result<(), Error> {
        self.rng
            .fill(out)
            .map_err(|_| Error::Local(CertificateError::Generation("random source failed".into())))
    }
}

#[cfg(test)]
mod tests;
