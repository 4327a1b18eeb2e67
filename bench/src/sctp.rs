//! SCTP association pairs in memory: reliable ordered transfer from one end to the other.
//!
//! Workloads (per `/work/shared/ANCHORS.md` "SCTP association pair in memory"): one stream,
//! reliable and ordered, a 1 MiB receive window on both ends, packets handed straight from
//! one end to the other (no loss, no latency), a virtual clock that only moves when neither
//! end has anything to send (to the earliest timer). The sender keeps its queue topped up
//! (1 MiB for the throughput cases, 128 KiB for the 64-byte messages); the receiver reads
//! every delivered message out, so its window reopens.
//!
//! - `sctp/throughput/1KiB`, `16KiB`, `256KiB`: one iteration delivers [`ITER_BYTES`].
//! - `sctp/messages/64B`: one iteration delivers [`SMALL_PER_ITER`] 64-byte messages.
//! - `sctp_dtls/...`: the same with a connected DTLS 1.2 pair (AES-128-GCM) under SCTP: every
//!   SCTP packet is one application-data record. Strata's ends negotiate zero checksums
//!   (RFC 9653, as Chromium does over DTLS); rtc-sctp has no such option and keeps CRC32c.
//!
//! A pair is set up (handshake included) on first use and kept: iterations measure the steady
//! state. Delivery is exact on average: each iteration raises the target by its amount and
//! pumps until the receiver has read at least that much in total (the overshoot counts
//! towards the next iteration).
//!
//! Every message carries its sequence number in its first 8 bytes and the receiver checks
//! length, order and that number, so a stack that lost, duplicated or reordered a message
//! would panic the bench.
//!
//! How each stack is driven (the cheapest correct way its API offers):
//! - strata: `Association::send_bytes` of a shared `Bytes` (the check, and messages under
//!   1 KiB, which are copied either way: `send` from a slice); over DTLS, records are
//!   decrypted into the association with `Endpoint::handle_packet_with`;
//!   `poll_transmit_into` a reused buffer, into the other end's
//!   `handle_packet`, `poll_event` yields each message as an owned `Vec`, whose buffer
//!   goes back with `recycle` once read.
//! - rtc-sctp 0.21.1 and sctp-proto: `Endpoint::handle` on the peer's `Bytes` (no copy in
//!   the shuttle), `Association::handle_event`, `Stream::write_sctp` of a shared `Bytes`, and
//!   `Stream::read_sctp` then `Chunks::read` into a reused buffer (one copy, what a data
//!   channel user gets).

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use crate::{Case, Fixtures, Throughput};

/// Bytes one iteration of a throughput case delivers.
pub const ITER_BYTES: u64 = 256 << 10;
/// Messages one iteration of `sctp/messages/64B` delivers.
pub const SMALL_PER_ITER: u64 = 1024;
/// The receive window both ends advertise.
pub const WINDOW: u32 = 1 << 20;

const A_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 5000);
const B_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 5000);

/// One workload: message size, how much the sender keeps queued, what an iteration delivers.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// Case name suffix, e.g. `throughput/16KiB`.
    pub name: &'static str,
    /// User message size.
    pub msg_len: usize,
    /// The sender tops its queue up to this many bytes.
    pub queued: usize,
    /// Bytes delivered per iteration.
    pub per_iter: u64,
}

/// The four workloads, indexed by the `W` parameter of the case functions.
pub const WORKLOADS: [Workload; 4] = [
    Workload {
        name: "throughput/1KiB",
        msg_len: 1024,
        queued: 1 << 20,
        per_iter: ITER_BYTES,
    },
    Workload {
        name: "throughput/16KiB",
        msg_len: 16 << 10,
        queued: 1 << 20,
        per_iter: ITER_BYTES,
    },
    Workload {
        name: "throughput/256KiB",
        msg_len: 256 << 10,
        queued: 1 << 20,
        per_iter: ITER_BYTES,
    },
    Workload {
        name: "messages/64B",
        msg_len: 64,
        queued: 128 << 10,
        per_iter: SMALL_PER_ITER * 64,
    },
];

/// A connected pair moving data from its first end to its second.
pub trait Transfer {
    /// Pumps until the receiver has read `bytes` more (on average); returns the total read.
    fn transfer(&mut self, bytes: u64) -> u64;
}

/// The sequence-numbered message source and the in-order checker both ends share.
struct Messages {
    msg: Vec<u8>,
    numbered: bool,
    sent: u64,
    received: u64,
    read_bytes: u64,
    target: u64,
}

impl Messages {
    fn new(len: usize, numbered: bool) -> Messages {
        Messages {
            msg: (0..len).map(|i| (i % 251) as u8 + 1).collect(),
            numbered,
            sent: 0,
            received: 0,
            read_bytes: 0,
            target: 0,
        }
    }

    /// The next message to send (numbered: its first 8 bytes are its sequence number).
    fn next(&mut self) -> &[u8] {
        if self.numbered {
            let n = self.msg.len().min(8);
            self.msg[..n].copy_from_slice(&self.sent.to_le_bytes()[..n]);
        }
        self.sent += 1;
        &self.msg
    }

    /// Checks one delivered message: length and last byte; numbered: every byte, and
    /// the sequence number (order, no loss, no duplicate).
    fn check(&mut self, data: &[u8]) {
        assert_eq!(data.len(), self.msg.len(), "message length");
        if self.numbered {
            let n = data.len().min(8);
            assert_eq!(
                data[..n],
                self.received.to_le_bytes()[..n],
                "message {} out of order",
                self.received
            );
            assert_eq!(
                data[n..],
                self.msg[n..],
                "message {} content",
                self.received
            );
        } else {
            assert_eq!(data.last(), self.msg.last(), "message tail");
        }
        self.received += 1;
        self.read_bytes += data.len() as u64;
    }
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

// ---------------------------------------------------------------------------------------
// Strata

/// strata-sctp association pair, optionally over a strata-dtls pair.
pub struct StrataPair {
    a: strata_sctp::association::Association,
    b: strata_sctp::association::Association,
    dtls: Option<(
        strata_dtls::endpoint::Endpoint,
        strata_dtls::endpoint::Endpoint,
    )>,
    now: Instant,
    queued: usize,
    m: Messages,
    /// The message as one shared buffer (`send_bytes`), unnumbered runs only.
    shared: Bytes,
    /// The reused packet buffer (`poll_transmit_into`).
    buf: Vec<u8>,
    /// The reused DTLS datagram buffer (`send_into`).
    wire: Vec<u8>,
}

impl StrataPair {
    /// Connects a pair (not measured).
    pub fn new(
        w: &Workload,
        numbered: bool,
        now: Instant,
        dtls: Option<(
            strata_dtls::endpoint::Endpoint,
            strata_dtls::endpoint::Endpoint,
        )>,
    ) -> StrataPair {
        use strata_sctp::association::{Association, Config};
        // Over DTLS both ends announce zero checksums (RFC 9653, as Chromium does): DATA
        // and SACK packets then skip the CRC32c, DTLS's AEAD protecting them.
        let zero_checksum = dtls.is_some();
        let config = |seed| Config {
            seed,
            zero_checksum,
            receive_buffer: WINDOW as usize,
            send_buffer: w.queued.max(w.msg_len) + w.msg_len,
            heartbeat_interval: None,
            ..Config::default()
        };
        let mut pair = StrataPair {
            a: Association::new(config(1), now),
            b: Association::new(config(2), now),
            dtls,
            now,
            queued: w.queued,
            m: Messages::new(w.msg_len, numbered),
            shared: Bytes::from(Messages::new(w.msg_len, false).msg),
            buf: vec![0; 1500],
            wire: Vec::with_capacity(1500),
        };
        pair.a.connect(now).expect("connect");
        for _ in 0..16 {
            pair.shuttle();
            if pair.a.is_established() && pair.b.is_established() {
                while pair.a.poll_event().is_some() {}
                while pair.b.poll_event().is_some() {}
                return pair;
            }
        }
        panic!("strata-sctp handshake did not finish");
    }

    /// Hands a packet to the other end, through DTLS if there is a DTLS pair.
    fn deliver(
        now: Instant,
        dtls: &mut Option<(
            strata_dtls::endpoint::Endpoint,
            strata_dtls::endpoint::Endpoint,
        )>,
        a_to_b: bool,
        packet: &[u8],
        wire: &mut Vec<u8>,
        to: &mut strata_sctp::association::Association,
    ) {
        match dtls {
            None => to.handle_packet(now, packet).expect("handles"),
            Some((da, db)) => {
                let (tx, rx) = if a_to_b { (da, db) } else { (db, da) };
                // Sealed into one reused datagram buffer and decrypted straight into the
                // association.
                wire.clear();
                tx.send_into(packet, wire).expect("DTLS send");
                rx.handle_packet_with(now, wire, |data| {
                    to.handle_packet(now, data).expect("handles");
                })
                .expect("DTLS record");
                while let Some(e) = rx.poll_event() {
                    if let strata_dtls::endpoint::Event::ApplicationData(data) = e {
                        to.handle_packet(now, &data).expect("handles");
                    }
                }
            }
        }
    }

    /// One round both ways; whether any packet moved.
    fn shuttle(&mut self) -> bool {
        let mut moved = false;
        while let Some(p) = self.a.poll_transmit() {
            Self::deliver(
                self.now,
                &mut self.dtls,
                true,
                &p,
                &mut self.wire,
                &mut self.b,
            );
            moved = true;
        }
        while let Some(p) = self.b.poll_transmit() {
            Self::deliver(
                self.now,
                &mut self.dtls,
                false,
                &p,
                &mut self.wire,
                &mut self.a,
            );
            moved = true;
        }
        moved
    }
}

impl Transfer for StrataPair {
    fn transfer(&mut self, bytes: u64) -> u64 {
        use strata_sctp::association::Event;
        use strata_sctp::chunk::Ppid;
        self.m.target += bytes;
        while self.m.read_bytes < self.m.target {
            while self.a.buffered_bytes() + self.m.msg.len() <= self.queued {
                let now = self.now;
                // Small messages are copied into the stream's queue either way: a slice.
                if self.m.numbered || self.m.msg.len() < 1024 {
                    let msg = self.m.next();
                    self.a.send(now, 0, Ppid::BINARY, msg, true).expect("send");
                } else {
                    // The bench: one shared buffer queued again and again, as rtc-sctp
                    // and sctp-proto get it (a reference count, no copy).
                    self.m.sent += 1;
                    let options = strata_sctp::association::SendOptions::default();
                    let msg = self.shared.clone();
                    self.a
                        .send_bytes(now, 0, Ppid::BINARY, msg, options)
                        .expect("send");
                }
            }
            let mut moved = false;
            while let Some(n) = self.a.poll_transmit_into(&mut self.buf) {
                Self::deliver(
                    self.now,
                    &mut self.dtls,
                    true,
                    &self.buf[..n],
                    &mut self.wire,
                    &mut self.b,
                );
                moved = true;
            }
            while let Some(e) = self.b.poll_event() {
                if let Event::Message { data, .. } = e {
                    self.m.check(&data);
                    self.b.recycle(data);
                }
            }
            while let Some(n) = self.b.poll_transmit_into(&mut self.buf) {
                Self::deliver(
                    self.now,
                    &mut self.dtls,
                    false,
                    &self.buf[..n],
                    &mut self.wire,
                    &mut self.a,
                );
                moved = true;
            }
            if !moved {
                let t = earliest(self.a.poll_timeout(), self.b.poll_timeout())
                    .expect("strata-sctp stalled with no timer");
                self.now = self.now.max(t);
                self.a.handle_timeout(self.now);
                self.b.handle_timeout(self.now);
            }
        }
        self.m.read_bytes
    }
}

// ---------------------------------------------------------------------------------------
// rtc-sctp 0.21.1 and sctp-proto share their shape (sctp-proto is rtc-sctp's ancestor);
// one macro drives both.

macro_rules! quinn_style_pair {
    ($name:ident, $krate:ident, $doc:literal, $dtls:ty) => {
        #[doc = $doc]
        pub struct $name {
            ends: [$krate::Endpoint; 2],
            assocs: [Option<$krate::Association>; 2],
            handles: [Option<$krate::AssociationHandle>; 2],
            timeouts: [Option<Instant>; 2],
            wires: [VecDeque<Bytes>; 2],
            dtls: $dtls,
            now: Instant,
            queued: usize,
            msg: Bytes,
            read_buf: Vec<u8>,
            accepted: bool,
            m: Messages,
        }

        impl $name {
            /// Feeds `wires[i]` into end `i`, fires its due timer, drains its events and
            /// transmits into `wires[1 - i]`. Returns whether anything moved.
            fn drive(&mut self, i: usize) -> bool {
                use $krate::{DatagramEvent, Payload};
                let mut moved = false;
                let peer = if i == 0 { B_ADDR } else { A_ADDR };
                while let Some(data) = self.wires[i].pop_front() {
                    moved = true;
                    if let Some((ch, event)) = quinn_style_pair!(@handle $krate, self.ends[i], self.now, peer, data) {
                        match event {
                            DatagramEvent::NewAssociation(a) => {
                                self.handles[i] = Some(ch);
                                self.assocs[i] = Some(a);
                            }
                            DatagramEvent::AssociationEvent(e) => {
                                if let Some(a) = self.assocs[i].as_mut() {
                                    a.handle_event(e);
                                }
                            }
                            #[allow(unreachable_patterns)]
                            _ => {}
                        }
                    }
                }
                let Some(assoc) = self.assocs[i].as_mut() else {
                    return moved;
                };
                if self.timeouts[i].is_some_and(|t| t <= self.now) {
                    self.timeouts[i] = None;
                    assoc.handle_timeout(self.now);
                }
                while assoc.poll().is_some() {}
                while let Some(e) = assoc.poll_endpoint_event() {
                    if let Some(ch) = self.handles[i] {
                        self.ends[i].handle_event(ch, e);
                    }
                }
                while let Some(t) = assoc.poll_transmit(self.now) {
                    if let Payload::RawEncode(contents) = quinn_style_pair!(@payload t) {
                        for c in contents {
                            let c = self.dtls.carry(self.now, i == 0, c);
                            self.wires[1 - i].extend(c);
                            moved = true;
                        }
                    }
                }
                self.timeouts[i] = assoc.poll_timeout();
                moved
            }

            fn idle_step(&mut self) {
                let t = earliest(self.timeouts[0], self.timeouts[1])
                    .expect(concat!(stringify!($krate), " stalled with no timer"));
                self.now = self.now.max(t);
            }
        }

        impl Transfer for $name {
            fn transfer(&mut self, bytes: u64) -> u64 {
                use $krate::PayloadProtocolIdentifier as Ppi;
                self.m.target += bytes;
                while self.m.read_bytes < self.m.target {
                    let mut moved = false;
                    {
                        let now = self.now;
                        let a = self.assocs[0].as_mut().expect("connected");
                        let mut s = a.stream(0).expect("stream 0");
                        while s.buffered_amount().expect("buffered") + self.msg.len() <= self.queued {
                            // Unnumbered (the bench): the same shared `Bytes` every time, a
                            // reference count bump and no copy. Numbered (the check): a
                            // fresh copy carrying the sequence number.
                            let msg = if self.m.numbered {
                                Bytes::copy_from_slice(self.m.next())
                            } else {
                                self.m.sent += 1;
                                self.msg.clone()
                            };
                            quinn_style_pair!(@write $krate, s, now, &msg, Ppi::Binary);
                            moved = true;
                        }
                    }
                    moved |= self.drive(0);
                    moved |= self.drive(1);
                    {
                        let b = self.assocs[1].as_mut().expect("connected");
                        if !self.accepted {
                            self.accepted = b.accept_stream().is_some();
                        }
                        if self.accepted {
                            let mut s = b.stream(0).expect("stream 0");
                            while let Some(chunks) = s.read_sctp().expect("read") {
                                let n = chunks.read(&mut self.read_buf).expect("fits");
                                self.m.check(&self.read_buf[..n]);
                                moved = true;
                            }
                        }
                    }
                    if !moved && self.wires[0].is_empty() && self.wires[1].is_empty() {
                        self.idle_step();
                    }
                }
                self.m.read_bytes
            }
        }
    };
    (@handle rtc_sctp, $end:expr, $now:expr, $peer:expr, $data:expr) => {
        $end.handle($now, $peer, None, $data)
    };
    (@handle sctp_proto, $end:expr, $now:expr, $peer:expr, $data:expr) => {
        $end.handle($now, $peer, None, None, $data)
    };
    (@payload $t:expr) => {
        quinn_payload($t)
    };
    (@write rtc_sctp, $s:expr, $now:expr, $msg:expr, $ppi:expr) => {
        $s.write_sctp($now, $msg, $ppi).expect("write")
    };
    (@write sctp_proto, $s:expr, $now:expr, $msg:expr, $ppi:expr) => {{
        let _ = $now;
        $s.write_sctp($msg, $ppi).expect("write")
    }};
}

/// The payload of an outgoing transmit (the field is `message` in rtc-sctp, `payload` in
/// sctp-proto).
trait QuinnPayload {
    type P;
    fn into_payload(self) -> Self::P;
}
impl QuinnPayload for rtc_shared::TransportMessage<rtc_sctp::Payload> {
    type P = rtc_sctp::Payload;
    fn into_payload(self) -> rtc_sctp::Payload {
        self.message
    }
}
impl QuinnPayload for sctp_proto::Transmit {
    type P = sctp_proto::Payload;
    fn into_payload(self) -> sctp_proto::Payload {
        self.payload
    }
}
fn quinn_payload<T: QuinnPayload>(t: T) -> T::P {
    t.into_payload()
}

/// What carries an rtc-sctp packet to the other end.
pub trait BytesCarrier {
    /// The datagrams end `1 - i` receives for packet `p` sent by end `i` (`from_a`: i == 0).
    fn carry(&mut self, now: Instant, from_a: bool, p: Bytes) -> impl Iterator<Item = Bytes>;
}

/// No DTLS: the packet itself.
pub struct Plain;
impl BytesCarrier for Plain {
    fn carry(&mut self, _now: Instant, _from_a: bool, p: Bytes) -> impl Iterator<Item = Bytes> {
        std::iter::once(p)
    }
}

/// rtc-dtls under rtc-sctp: `write` on one endpoint, `read` of each record on the other.
pub struct RtcDtls {
    pair: (rtc_dtls::endpoint::Endpoint, rtc_dtls::endpoint::Endpoint),
    got: Vec<Bytes>,
}
impl BytesCarrier for RtcDtls {
    fn carry(&mut self, now: Instant, from_a: bool, p: Bytes) -> impl Iterator<Item = Bytes> {
        use rtc_dtls::endpoint::EndpointEvent;
        let (tx, rx, to, from) = if from_a {
            (
                &mut self.pair.0,
                &mut self.pair.1,
                crate::security::SERVER_ADDR,
                crate::security::CLIENT_ADDR,
            )
        } else {
            (
                &mut self.pair.1,
                &mut self.pair.0,
                crate::security::CLIENT_ADDR,
                crate::security::SERVER_ADDR,
            )
        };
        tx.write(now, to, &p).expect("DTLS write");
        self.got.clear();
        while let Some(t) = tx.poll_transmit() {
            for e in rx.read(now, from, None, t.message).expect("DTLS read") {
                if let EndpointEvent::ApplicationData(data) = e {
                    self.got.push(Bytes::from(data));
                }
            }
        }
        std::mem::take(&mut self.got).into_iter()
    }
}

quinn_style_pair!(
    RtcPair,
    rtc_sctp,
    "rtc-sctp 0.21.1 association pair (through its sans-IO `Endpoint`s).",
    Plain
);
quinn_style_pair!(
    RtcDtlsPair,
    rtc_sctp,
    "rtc-sctp 0.21.1 association pair over a connected rtc-dtls pair.",
    RtcDtls
);
quinn_style_pair!(
    ProtoPair,
    sctp_proto,
    "sctp-proto association pair (through its sans-IO `Endpoint`s).",
    Plain
);

macro_rules! quinn_style_new {
    ($name:ident, $krate:ident, $carrier:ty) => {
        impl $name {
            /// Connects a pair (not measured).
            pub fn new(w: &Workload, numbered: bool, now: Instant, dtls: $carrier) -> $name {
                use $krate::PayloadProtocolIdentifier;
                let transport = quinn_style_new!(@transport $krate);
                let mut client_end = quinn_style_new!(@endpoint $krate, A_ADDR, None);
                let server_end = quinn_style_new!(@endpoint $krate,
                    B_ADDR,
                    Some(Arc::new(quinn_style_new!(@server $krate, quinn_style_new!(@transport $krate))))
                );
                let (ch, assoc) =
                    quinn_style_new!(@connect $krate, client_end, now, quinn_style_new!(@client $krate, transport), B_ADDR);
                let mut pair = $name {
                    ends: [client_end, server_end],
                    assocs: [Some(assoc), None],
                    handles: [Some(ch), None],
                    timeouts: [None, None],
                    wires: [VecDeque::new(), VecDeque::new()],
                    dtls,
                    now,
                    queued: w.queued,
                    msg: Bytes::from(Messages::new(w.msg_len, false).msg),
                    read_buf: vec![0; w.msg_len],
                    accepted: false,
                    m: Messages::new(w.msg_len, numbered),
                };
                for _ in 0..64 {
                    let moved = pair.drive(0) | pair.drive(1);
                    let up = pair.assocs.iter().all(|a| a.as_ref().is_some_and(|a| !a.is_handshaking()));
                    if up && !moved {
                        pair.assocs[0]
                            .as_mut()
                            .expect("client")
                            .open_stream(0, PayloadProtocolIdentifier::Binary)
                            .expect("open stream 0");
                        return pair;
                    }
                    if !moved {
                        pair.idle_step();
                    }
                }
                panic!(concat!(stringify!($krate), " handshake did not finish"));
            }
        }
    };
    (@transport rtc_sctp) => {
        rtc_sctp::TransportConfig::default()
            .with_max_receive_buffer_size(WINDOW)
            .with_max_message_size(256 << 10)
    };
    (@transport sctp_proto) => {
        sctp_proto::TransportConfig::default()
            .with_max_receive_buffer_size(WINDOW)
            .with_max_send_message_size(256 << 10)
            .with_max_receive_message_size(256 << 10)
    };
    (@endpoint rtc_sctp, $addr:expr, $server:expr) => {
        rtc_sctp::Endpoint::new(
            $addr,
            rtc_shared::TransportProtocol::UDP,
            Arc::new(rtc_sctp::EndpointConfig::default()),
            $server,
        )
    };
    (@endpoint sctp_proto, $addr:expr, $server:expr) => {{
        let _ = $addr;
        sctp_proto::Endpoint::new(Arc::new(sctp_proto::EndpointConfig::default()), $server)
    }};
    (@server rtc_sctp, $t:expr) => {
        rtc_sctp::ServerConfig::new($t)
    };
    (@server sctp_proto, $t:expr) => {{
        let mut c = sctp_proto::ServerConfig::new();
        c.transport = Arc::new($t);
        c
    }};
    (@client rtc_sctp, $t:expr) => {
        rtc_sctp::ClientConfig::new($t)
    };
    (@client sctp_proto, $t:expr) => {{
        let mut c = sctp_proto::ClientConfig::new();
        c.transport = Arc::new($t);
        c
    }};
    (@connect rtc_sctp, $end:expr, $now:expr, $cfg:expr, $to:expr) => {
        $end.connect($now, $cfg, $to).expect("connect")
    };
    (@connect sctp_proto, $end:expr, $now:expr, $cfg:expr, $to:expr) => {
        $end.connect($cfg, $to).expect("connect")
    };
}

quinn_style_new!(RtcPair, rtc_sctp, Plain);
quinn_style_new!(RtcDtlsPair, rtc_sctp, RtcDtls);
quinn_style_new!(ProtoPair, sctp_proto, Plain);

// ---------------------------------------------------------------------------------------
// Fixtures and cases

/// Implementations, indexed by the `I` parameter of [`sctp_transfer`].
const STRATA: usize = 0;
const RTC: usize = 1;
const PROTO: usize = 2;
const STRATA_DTLS: usize = 3;
const RTC_DTLS: usize = 4;
const IMPLS: usize = 5;

/// The connected pairs, one per (implementation, workload), made on first use.
#[derive(Default)]
pub struct SctpFixtures {
    pairs: Vec<Option<Box<dyn Transfer>>>,
}

/// Makes a connected pair of implementation `i` for workload `w`.
pub fn make_pair(fx: &mut Fixtures, i: usize, w: &Workload, numbered: bool) -> Box<dyn Transfer> {
    let now = Instant::now();
    match i {
        STRATA => Box::new(StrataPair::new(w, numbered, now, None)),
        RTC => Box::new(RtcPair::new(w, numbered, now, Plain)),
        PROTO => Box::new(ProtoPair::new(w, numbered, now, Plain)),
        STRATA_DTLS => {
            let pair = fx.dtls().strata_connected_pair();
            Box::new(StrataPair::new(w, numbered, now, Some(pair)))
        }
        RTC_DTLS => {
            let pair = fx.dtls().rtc_connected_pair();
            Box::new(RtcDtlsPair::new(
                w,
                numbered,
                now,
                RtcDtls {
                    pair,
                    got: Vec::new(),
                },
            ))
        }
        _ => unreachable!("implementation index"),
    }
}

/// Implementation `I` moves one iteration of workload `W`; returns the bytes read in total.
#[inline(never)]
pub fn sctp_transfer<const I: usize, const W: usize>(fx: &mut Fixtures) -> u64 {
    let slot = W * IMPLS + I;
    if fx.sctp.pairs.len() <= slot {
        fx.sctp.pairs.resize_with(WORKLOADS.len() * IMPLS, || None);
    }
    if fx.sctp.pairs[slot].is_none() {
        let pair = make_pair(fx, I, &WORKLOADS[W], false);
        fx.sctp.pairs[slot] = Some(pair);
    }
    let pair = fx.sctp.pairs[slot].as_mut().expect("made above");
    pair.transfer(WORKLOADS[W].per_iter)
}

fn throughput(w: &Workload) -> Throughput {
    if w.msg_len == 64 {
        Throughput::Elements(w.per_iter / 64)
    } else {
        Throughput::Bytes(w.per_iter)
    }
}

fn push<const W: usize>(cases: &mut Vec<Case>) {
    const GROUPS: [&str; 4] = [
        "sctp/throughput/1KiB",
        "sctp/throughput/16KiB",
        "sctp/throughput/256KiB",
        "sctp/messages/64B",
    ];
    const DTLS_GROUPS: [&str; 4] = [
        "sctp_dtls/throughput/1KiB",
        "sctp_dtls/throughput/16KiB",
        "sctp_dtls/throughput/256KiB",
        "sctp_dtls/messages/64B",
    ];
    let t = throughput(&WORKLOADS[W]);
    let g = GROUPS[W];
    cases.push(Case::new(g, "strata", sctp_transfer::<STRATA, W>).with_throughput(t));
    cases.push(Case::new(g, "rtc-sctp", sctp_transfer::<RTC, W>).with_throughput(t));
    cases.push(Case::new(g, "sctp-proto", sctp_transfer::<PROTO, W>).with_throughput(t));
    let g = DTLS_GROUPS[W];
    cases.push(Case::new(g, "strata", sctp_transfer::<STRATA_DTLS, W>).with_throughput(t));
    cases.push(Case::new(g, "rtc-sctp", sctp_transfer::<RTC_DTLS, W>).with_throughput(t));
}

/// Appends the SCTP cases.
pub fn sctp_cases(cases: &mut Vec<Case>) {
    push::<0>(cases);
    push::<1>(cases);
    push::<2>(cases);
    push::<3>(cases);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every implementation, plain and over DTLS, delivers numbered messages complete, in
    /// order and byte-identical, across many iterations of every workload.
    #[test]
    fn every_pair_delivers_every_byte_in_order() {
        let mut fx = Fixtures::new();
        for w in &WORKLOADS {
            for i in 0..IMPLS {
                let mut pair = make_pair(&mut fx, i, w, true);
                let mut total = 0;
                for _ in 0..8 {
                    total = pair.transfer(w.per_iter);
                }
                assert!(total >= 8 * w.per_iter, "{} impl {i}: {total}", w.name);
            }
        }
    }
}
