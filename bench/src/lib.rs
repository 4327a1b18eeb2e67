//! Shared inputs for the benches and the instruction counter.
//!
//! Every (case, implementation) pair is one plain function taking the prepared
//! [`Fixtures`] and returning a number derived from its result, so nothing is optimised
//! away. The criterion benches (`benches/wire.rs`) and the instruction counter
//! (`src/bin/instructions.rs`) call the very same functions, so both measure identical work.
//!
//! Conventions:
//! - Inputs are the real captures in `data/` (see `/work/shared/fixtures/README.md`).
//! - State an implementation is meant to keep across calls (a prepared key, a reused output
//!   buffer, a reused message object) lives in [`Fixtures`] and is prepared once, outside
//!   the measured work. Where that choice could favour Strata, a second Strata entry does
//!   the preparation inside the call.
//! - In [`cases()`], the first entry of each group is the Strata reference every other entry
//!   of the group is compared with.
//! - Cases that consume prepared inputs (SRTP unprotect: a replay-protected receiver accepts
//!   each packet once) have a [`Case::refill`] that restores them outside the measurement;
//!   see [`security`].
//!
//! `unsafe` is confined to [`libsrtp`], the FFI to the C shim around libsrtp 2.

#![deny(unsafe_code)]

pub mod libsrtp;
pub mod sctp;
pub mod security;

use std::hint::black_box;
use std::io::Cursor;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::LazyLock;

use bytes::Bytes;
use rtc_shared::marshal::{Marshal, Unmarshal};

/// RFC 5769 section 2.1 sample request (108 bytes, MESSAGE-INTEGRITY and FINGERPRINT).
pub const STUN_REQUEST: &[u8] = include_bytes!("../data/stun-rfc5769-req.bin");
/// The short-term password of [`STUN_REQUEST`].
pub const STUN_PASSWORD: &str = "VOkJxbRl1RmTxUk/WvJxBt";
/// 1200-byte RTP packet with abs-send-time (id 2), transport-wide-cc (id 3) and sdes:mid (id 4).
pub const RTP_PACKET: &[u8] = include_bytes!("../data/rtp-1200-ext.bin");
/// 148-byte compound RTCP: SR with one report block, SDES CNAME, transport-wide CC feedback.
pub const RTCP_COMPOUND: &[u8] = include_bytes!("../data/rtcp-sr-sdes-twcc.bin");
/// Chromium 156 offer: audio + video + data channel, 6907 bytes, CRLF.
pub const SDP_OFFER: &str = include_str!("../data/chromium156-offer-av-dc.sdp");

/// Transaction id of the built Binding success responses.
pub const STUN_TID: [u8; 12] = [
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
];
/// The reflexive address put in XOR-MAPPED-ADDRESS (RFC 5769 section 2.2).
pub const STUN_MAPPED: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 32853);

const RTP_EXT_ABS_SEND_TIME: u8 = 2;
const RTP_EXT_TWCC: u8 = 3;
const RTP_EXT_MID: u8 = 4;

/// Everything the measured functions keep across calls, prepared once.
pub struct Fixtures {
    /// The STUN request to parse.
    pub stun_request: &'static [u8],
    /// Its password (for the entry that derives the key on every call).
    pub stun_password: &'static str,
    /// Strata's prepared short-term key.
    pub stun_key: strata_stun::IntegrityKey,
    /// Strata's reused output buffer for built messages.
    pub stun_out: Vec<u8>,
    /// Transaction id and reflexive address of the built response.
    pub stun_tid: [u8; 12],
    /// See [`STUN_MAPPED`].
    pub stun_mapped: SocketAddr,
    /// rtc-stun's crypto provider (ring, its default).
    pub rtc_crypto: &'static dyn rtc_stun::crypto::RTCCrypto,
    /// rtc-stun's reused message for parsing.
    pub rtc_stun_in: rtc_stun::message::Message,
    /// rtc-stun's reused message for building.
    pub rtc_stun_out: rtc_stun::message::Message,
    /// rtc-stun's short-term integrity setter.
    pub rtc_stun_integrity: rtc_stun::integrity::MessageIntegrity<'static>,

    /// The RTP packet as a slice (Strata parses borrowed bytes).
    pub rtp_packet: &'static [u8],
    /// The same packet as a shared `Bytes`, as a receive path built on `bytes` holds it.
    pub rtp_bytes: Bytes,
    /// Strata's representation of the packet to marshal.
    pub rtp_repr: strata_rtp::RtpRepr<'static>,
    /// rtc-rtp's representation of the packet to marshal.
    pub rtc_rtp_packet: rtc_rtp::Packet,
    /// Preallocated output buffer for RTP marshalling.
    pub rtp_out: Vec<u8>,

    /// The compound RTCP packet as a slice.
    pub rtcp_packet: &'static [u8],
    /// The same as a shared `Bytes`.
    pub rtcp_bytes: Bytes,

    /// The SDP offer.
    pub sdp: &'static str,

    /// Packets a batched case (SRTP unprotect) may consume between two refills:
    /// [`security::SRTP_BATCH`] for criterion; the instruction counter sets it above its
    /// iteration count so no refill lands inside the counted run.
    pub batch: usize,
    /// SRTP senders and receivers, made on first use.
    pub srtp: security::SrtpFixtures,
    /// DTLS configurations and connected pairs, made on first use ([`Fixtures::dtls`]).
    pub dtls: Option<Box<security::DtlsFixtures>>,
    /// SCTP association pairs, made on first use ([`sctp`]).
    pub sctp: sctp::SctpFixtures,
}

impl Fixtures {
    /// Prepares every input (not measured).
    pub fn new() -> Fixtures {
        let provider: &'static std::sync::Arc<dyn rtc_stun::crypto::RTCCryptoProvider> =
            Box::leak(Box::new(
                rtc_stun::crypto::default_provider().expect("rtc-stun's default crypto provider"),
            ));
        let rtc_crypto = provider.crypto();
        let rtp_bytes = Bytes::copy_from_slice(RTP_PACKET);
        let rtc_rtp_packet =
            rtc_rtp::Packet::unmarshal(&mut rtp_bytes.clone()).expect("rtc-rtp parses the packet");
        Fixtures {
            stun_request: STUN_REQUEST,
            stun_password: STUN_PASSWORD,
            stun_key: strata_stun::IntegrityKey::short_term(STUN_PASSWORD)
                .expect("printable password"),
            stun_out: Vec::with_capacity(256),
            stun_tid: STUN_TID,
            stun_mapped: STUN_MAPPED,
            rtc_crypto,
            rtc_stun_in: rtc_stun::message::Message::new(),
            rtc_stun_out: rtc_stun::message::Message::new(),
            rtc_stun_integrity:
                rtc_stun::integrity::MessageIntegrity::new_short_term_integrity_with_provider(
                    STUN_PASSWORD.to_owned(),
                    rtc_crypto,
                ),
            rtp_packet: RTP_PACKET,
            rtp_bytes,
            rtp_repr: strata_rtp::RtpRepr::parse_bytes(RTP_PACKET)
                .expect("strata parses the packet"),
            rtc_rtp_packet,
            rtp_out: vec![0; 1500],
            rtcp_packet: RTCP_COMPOUND,
            rtcp_bytes: Bytes::copy_from_slice(RTCP_COMPOUND),
            sdp: SDP_OFFER,
            batch: security::SRTP_BATCH,
            srtp: security::SrtpFixtures::default(),
            dtls: None,
            sctp: sctp::SctpFixtures::default(),
        }
    }
}

impl Default for Fixtures {
    fn default() -> Self {
        Fixtures::new()
    }
}

// ---------------------------------------------------------------------------------------
// STUN

/// Strata: parse the request, verify MESSAGE-INTEGRITY with the prepared key, verify
/// FINGERPRINT.
#[inline(never)]
pub fn stun_parse_verify_strata(fx: &mut Fixtures) -> u64 {
    let m = strata_stun::Message::new_checked(fx.stun_request).expect("valid STUN");
    m.verify_message_integrity(&fx.stun_key)
        .expect("integrity verifies");
    m.verify_fingerprint().expect("fingerprint verifies");
    u64::from(m.length()) + u64::from(m.transaction_id().0[0])
}

/// Strata, deriving the short-term key from the password on every call (what a caller that
/// keeps no key pays).
#[inline(never)]
pub fn stun_parse_verify_strata_key_per_call(fx: &mut Fixtures) -> u64 {
    let key = strata_stun::IntegrityKey::short_term(fx.stun_password).expect("printable password");
    let m = strata_stun::Message::new_checked(fx.stun_request).expect("valid STUN");
    m.verify_message_integrity(&key)
        .expect("integrity verifies");
    m.verify_fingerprint().expect("fingerprint verifies");
    u64::from(m.length()) + u64::from(m.transaction_id().0[0])
}

/// rtc-stun: decode into a reused `Message` (`Message::write` copies and decodes), then
/// `MessageIntegrity::check` and `FINGERPRINT.check`.
#[inline(never)]
pub fn stun_parse_verify_rtc(fx: &mut Fixtures) -> u64 {
    use rtc_stun::fingerprint::FINGERPRINT;
    use rtc_stun::integrity::MessageIntegrity;
    let m = &mut fx.rtc_stun_in;
    m.write(fx.stun_request).expect("valid STUN");
    MessageIntegrity::check(m, fx.stun_password.as_bytes(), fx.rtc_crypto)
        .expect("integrity verifies");
    FINGERPRINT.check(m).expect("fingerprint verifies");
    u64::from(m.length) + u64::from(m.transaction_id.0[0])
}

/// Strata: Binding success with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY and FINGERPRINT,
/// appended to a reused `Vec` after clearing it.
#[inline(never)]
pub fn stun_build_success_strata(fx: &mut Fixtures) -> u64 {
    use strata_stun::{Attribute, MessageBuilder, MessageType, TransactionId};
    fx.stun_out.clear();
    let mut b = MessageBuilder::append_to(
        &mut fx.stun_out,
        MessageType::BINDING_SUCCESS,
        TransactionId(fx.stun_tid),
    );
    b.add(&Attribute::XorMappedAddress(fx.stun_mapped))
        .expect("fits");
    b.add_message_integrity(&fx.stun_key).expect("fits");
    b.add_fingerprint().expect("fits");
    let out = b.finish();
    out.len() as u64 + u64::from(out[out.len() - 1])
}

/// rtc-stun: the same response in a reused `Message`: reset, header, then the setters
/// (`XorMappedAddress`, `MessageIntegrity`, `FINGERPRINT`) applied directly — what
/// `Message::build` does, minus boxing each setter.
#[inline(never)]
pub fn stun_build_success_rtc(fx: &mut Fixtures) -> u64 {
    use rtc_stun::fingerprint::FINGERPRINT;
    use rtc_stun::message::{BINDING_SUCCESS, Setter, TransactionId};
    use rtc_stun::xoraddr::XorMappedAddress;
    let m = &mut fx.rtc_stun_out;
    m.reset();
    m.write_header();
    m.set_type(BINDING_SUCCESS);
    TransactionId(fx.stun_tid).add_to(m).expect("fits");
    XorMappedAddress {
        ip: fx.stun_mapped.ip(),
        port: fx.stun_mapped.port(),
    }
    .add_to(m)
    .expect("fits");
    fx.rtc_stun_integrity.add_to(m).expect("fits");
    FINGERPRINT.add_to(m).expect("fits");
    m.raw.len() as u64 + u64::from(m.raw[m.raw.len() - 1])
}

// ---------------------------------------------------------------------------------------
// RTP

/// Strata: parse the packet, read the three extensions (typed) and the payload length.
#[inline(never)]
pub fn rtp_parse_strata(fx: &mut Fixtures) -> u64 {
    use strata_rtp::rtp::values::{AbsSendTime, SdesMid, TransportSequenceNumber};
    let p = strata_rtp::RtpRepr::parse_bytes(fx.rtp_packet).expect("valid RTP");
    let ext = p.extension.expect("has extensions");
    let abs = ext
        .get_value::<AbsSendTime>(RTP_EXT_ABS_SEND_TIME)
        .expect("abs-send-time present")
        .expect("valid");
    let twcc = ext
        .get_value::<TransportSequenceNumber>(RTP_EXT_TWCC)
        .expect("twcc present")
        .expect("valid");
    let mid = ext
        .get_value::<SdesMid<'_>>(RTP_EXT_MID)
        .expect("mid present")
        .expect("valid");
    u64::from(abs.0)
        + u64::from(twcc.0)
        + mid.0.len() as u64
        + p.payload.len() as u64
        + u64::from(p.sequence_number)
}

/// rtc-rtp: `Packet::unmarshal` from a clone of a shared `Bytes`, then
/// `header.get_extension(id)` for the three extensions, and the payload length.
#[inline(never)]
pub fn rtp_parse_rtc(fx: &mut Fixtures) -> u64 {
    let p = rtc_rtp::Packet::unmarshal(&mut fx.rtp_bytes.clone()).expect("valid RTP");
    let abs = p
        .header
        .get_extension(RTP_EXT_ABS_SEND_TIME)
        .expect("abs-send-time present");
    let abs = u32::from_be_bytes([0, abs[0], abs[1], abs[2]]);
    let twcc = p.header.get_extension(RTP_EXT_TWCC).expect("twcc present");
    let twcc = u16::from_be_bytes([twcc[0], twcc[1]]);
    let mid = p.header.get_extension(RTP_EXT_MID).expect("mid present");
    u64::from(abs)
        + u64::from(twcc)
        + mid.len() as u64
        + p.payload.len() as u64
        + u64::from(p.header.sequence_number)
}

/// Strata: emit the parsed packet (header, extension block, payload) into a preallocated
/// buffer.
#[inline(never)]
pub fn rtp_marshal_strata(fx: &mut Fixtures) -> u64 {
    let n = fx.rtp_repr.emit(&mut fx.rtp_out).expect("fits");
    n as u64 + u64::from(fx.rtp_out[n - 1]) + u64::from(fx.rtp_out[20])
}

/// Strata, building the extension block (three typed elements) on every call, as a sender
/// does for each packet.
#[inline(never)]
pub fn rtp_marshal_strata_build_ext(fx: &mut Fixtures) -> u64 {
    use strata_rtp::rtp::ExtensionBuilder;
    use strata_rtp::rtp::values::{AbsSendTime, SdesMid, TransportSequenceNumber};
    let mut ext = ExtensionBuilder::<16>::one_byte();
    ext.push_value(RTP_EXT_ABS_SEND_TIME, &AbsSendTime(0x12_3456))
        .expect("fits");
    ext.push_value(RTP_EXT_TWCC, &TransportSequenceNumber(0x002a))
        .expect("fits");
    ext.push_value(RTP_EXT_MID, &SdesMid(b"0")).expect("fits");
    let repr = strata_rtp::RtpRepr {
        extension: Some(ext.as_extension()),
        ..fx.rtp_repr
    };
    let n = repr.emit(&mut fx.rtp_out).expect("fits");
    n as u64 + u64::from(fx.rtp_out[n - 1]) + u64::from(fx.rtp_out[20])
}

/// rtc-rtp: `Packet::marshal_to` into a preallocated buffer.
#[inline(never)]
pub fn rtp_marshal_rtc(fx: &mut Fixtures) -> u64 {
    let n = fx.rtc_rtp_packet.marshal_to(&mut fx.rtp_out).expect("fits");
    n as u64 + u64::from(fx.rtp_out[n - 1]) + u64::from(fx.rtp_out[20])
}

// ---------------------------------------------------------------------------------------
// RTCP

/// Strata: parse every packet of the compound and read every report block, SDES item and
/// decoded transport-wide CC packet status (Strata decodes lists lazily, so reading them is
/// part of the parse).
#[inline(never)]
pub fn rtcp_parse_compound_strata(fx: &mut Fixtures) -> u64 {
    use strata_rtp::RtcpRepr;
    use strata_rtp::rtcp::PacketStatus;
    let mut acc = 0u64;
    for p in RtcpRepr::parse_compound(fx.rtcp_packet) {
        match p.expect("valid RTCP") {
            RtcpRepr::SenderReport(sr) => {
                acc += u64::from(sr.ssrc) + u64::from(sr.packet_count);
                for rb in sr.reports.iter() {
                    acc += u64::from(rb.ssrc) + u64::from(rb.jitter);
                }
            }
            RtcpRepr::SourceDescription(sd) => {
                for chunk in sd.chunks.iter() {
                    acc += u64::from(chunk.ssrc);
                    for item in chunk.items.iter() {
                        acc += item.value.len() as u64;
                    }
                }
            }
            RtcpRepr::TransportFeedback(tf) => {
                acc += u64::from(tf.base_sequence_number);
                for r in tf.packet_results() {
                    acc += match r.status {
                        PacketStatus::NotReceived => 1,
                        PacketStatus::ReceivedSmallDelta(d) => u64::from(d),
                        PacketStatus::ReceivedLargeDelta(d) => d as u64,
                    };
                }
            }
            _ => acc += 1,
        }
    }
    acc
}

/// rtc-rtcp: `packet::unmarshal` of the compound (a `Vec<Box<dyn Packet>>`, every list
/// decoded eagerly), then the same fields read through downcasts.
#[inline(never)]
pub fn rtcp_parse_compound_rtc(fx: &mut Fixtures) -> u64 {
    use rtc_rtcp::sender_report::SenderReport;
    use rtc_rtcp::source_description::SourceDescription;
    use rtc_rtcp::transport_feedbacks::transport_layer_cc::TransportLayerCc;
    let packets = rtc_rtcp::packet::unmarshal(&mut fx.rtcp_bytes.clone()).expect("valid RTCP");
    let mut acc = 0u64;
    for p in &packets {
        let any = p.as_any();
        if let Some(sr) = any.downcast_ref::<SenderReport>() {
            acc += u64::from(sr.ssrc) + u64::from(sr.packet_count);
            for rb in &sr.reports {
                acc += u64::from(rb.ssrc) + u64::from(rb.jitter);
            }
        } else if let Some(sd) = any.downcast_ref::<SourceDescription>() {
            for chunk in &sd.chunks {
                acc += u64::from(chunk.source);
                for item in &chunk.items {
                    acc += item.text.len() as u64;
                }
            }
        } else if let Some(tf) = any.downcast_ref::<TransportLayerCc>() {
            acc += u64::from(tf.base_sequence_number);
            for d in &tf.recv_deltas {
                acc += d.delta as u64;
            }
        } else {
            acc += 1;
        }
    }
    acc
}

// ---------------------------------------------------------------------------------------
// SDP

/// Strata, the fair comparison: `SessionDescription::parse` then `to_typed` (every field
/// line and every known attribute typed, as the other crates' parse does).
#[inline(never)]
pub fn sdp_parse_strata_typed(fx: &mut Fixtures) -> u64 {
    let sdp = strata_sdp::SessionDescription::parse(fx.sdp).expect("valid SDP");
    let typed = sdp.to_typed().expect("valid values");
    typed
        .media
        .iter()
        .map(|m| m.attributes.len() as u64)
        .sum::<u64>()
        + typed.attributes.len() as u64
}

/// Strata, raw layer only: lines split and kept verbatim, values typed on demand later.
#[inline(never)]
pub fn sdp_parse_strata_raw(fx: &mut Fixtures) -> u64 {
    let sdp = strata_sdp::SessionDescription::parse(fx.sdp).expect("valid SDP");
    sdp.media.iter().map(|m| m.lines.len() as u64).sum::<u64>() + sdp.lines.len() as u64
}

/// rtc-sdp: `SessionDescription::unmarshal` from a `Cursor`.
#[inline(never)]
pub fn sdp_parse_rtc(fx: &mut Fixtures) -> u64 {
    let sdp = rtc_sdp::description::session::SessionDescription::unmarshal(&mut Cursor::new(
        fx.sdp.as_bytes(),
    ))
    .expect("valid SDP");
    sdp.media_descriptions
        .iter()
        .map(|m| m.attributes.len() as u64)
        .sum::<u64>()
        + sdp.attributes.len() as u64
}

/// webrtc-sdp (Mozilla): `parse_sdp(text, false)`.
#[inline(never)]
pub fn sdp_parse_webrtc_sdp(fx: &mut Fixtures) -> u64 {
    let sdp = webrtc_sdp::parse_sdp(fx.sdp, false).expect("valid SDP");
    sdp.media
        .iter()
        .map(|m| m.get_attributes().len() as u64)
        .sum::<u64>()
        + sdp.attribute.len() as u64
}

/// Strata, fair comparison: parse, type everything, serialize to a `String`.
#[inline(never)]
pub fn sdp_parse_serialize_strata_typed(fx: &mut Fixtures) -> u64 {
    let sdp = strata_sdp::SessionDescription::parse(fx.sdp).expect("valid SDP");
    let typed = sdp.to_typed().expect("valid values");
    let text = sdp.emit_string();
    text.len() as u64 + typed.media.len() as u64
}

/// Strata, raw layer: parse and serialize to a `String`.
#[inline(never)]
pub fn sdp_parse_serialize_strata_raw(fx: &mut Fixtures) -> u64 {
    let sdp = strata_sdp::SessionDescription::parse(fx.sdp).expect("valid SDP");
    let text = sdp.emit_string();
    text.len() as u64 + sdp.media.len() as u64
}

/// rtc-sdp: `unmarshal` then `marshal` (to a `String`).
#[inline(never)]
pub fn sdp_parse_serialize_rtc(fx: &mut Fixtures) -> u64 {
    let sdp = rtc_sdp::description::session::SessionDescription::unmarshal(&mut Cursor::new(
        fx.sdp.as_bytes(),
    ))
    .expect("valid SDP");
    let text = sdp.marshal();
    text.len() as u64 + sdp.media_descriptions.len() as u64
}

/// webrtc-sdp: `parse_sdp` then `to_string` (its `Display`).
#[inline(never)]
pub fn sdp_parse_serialize_webrtc_sdp(fx: &mut Fixtures) -> u64 {
    let sdp = webrtc_sdp::parse_sdp(fx.sdp, false).expect("valid SDP");
    let text = sdp.to_string();
    text.len() as u64 + sdp.media.len() as u64
}

// ---------------------------------------------------------------------------------------
// The table

/// The measured work of one (case, implementation) pair.
pub type CaseFn = fn(&mut Fixtures) -> u64;

/// One measured (case, implementation) pair.
#[derive(Clone, Copy)]
pub struct Case {
    /// The criterion group, e.g. `stun/parse_verify`.
    pub group: &'static str,
    /// The implementation, e.g. `strata` or `rtc-stun`.
    pub implementation: &'static str,
    /// The measured work.
    pub run: CaseFn,
    /// For cases that consume prepared inputs: restores them (not measured). `run` may be
    /// called at most [`Fixtures::batch`] times after each call of `refill`.
    pub refill: Option<fn(&mut Fixtures)>,
    /// What one run moves, for criterion's throughput figures (MB/s, elements/s).
    pub throughput: Option<Throughput>,
}

/// What one run of a case moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throughput {
    /// User bytes delivered per run.
    Bytes(u64),
    /// Messages delivered per run.
    Elements(u64),
}

impl Case {
    /// A case that can run any number of times.
    pub const fn new(group: &'static str, implementation: &'static str, run: CaseFn) -> Case {
        Case {
            group,
            implementation,
            run,
            refill: None,
            throughput: None,
        }
    }

    /// The same case, reporting `throughput` per run.
    pub const fn with_throughput(mut self, throughput: Throughput) -> Case {
        self.throughput = Some(throughput);
        self
    }

    /// A case that consumes [`Fixtures::batch`] prepared inputs between calls of `refill`.
    pub const fn batched(
        group: &'static str,
        implementation: &'static str,
        run: CaseFn,
        refill: fn(&mut Fixtures),
    ) -> Case {
        Case {
            group,
            implementation,
            run,
            refill: Some(refill),
            throughput: None,
        }
    }

    /// `group/implementation`, the name the instruction counter takes.
    pub fn name(&self) -> String {
        format!("{}/{}", self.group, self.implementation)
    }
}

/// The wire-codec cases; the first entry of each group is its Strata reference.
const WIRE_CASES: &[Case] = &[
    Case::new("stun/parse_verify", "strata", stun_parse_verify_strata),
    Case::new(
        "stun/parse_verify",
        "strata-key-per-call",
        stun_parse_verify_strata_key_per_call,
    ),
    Case::new("stun/parse_verify", "rtc-stun", stun_parse_verify_rtc),
    Case::new("stun/build_success", "strata", stun_build_success_strata),
    Case::new("stun/build_success", "rtc-stun", stun_build_success_rtc),
    Case::new("rtp/parse", "strata", rtp_parse_strata),
    Case::new("rtp/parse", "rtc-rtp", rtp_parse_rtc),
    Case::new("rtp/marshal", "strata", rtp_marshal_strata),
    Case::new(
        "rtp/marshal",
        "strata-build-ext",
        rtp_marshal_strata_build_ext,
    ),
    Case::new("rtp/marshal", "rtc-rtp", rtp_marshal_rtc),
    Case::new("rtcp/parse_compound", "strata", rtcp_parse_compound_strata),
    Case::new("rtcp/parse_compound", "rtc-rtcp", rtcp_parse_compound_rtc),
    Case::new("sdp/parse", "strata-typed", sdp_parse_strata_typed),
    Case::new("sdp/parse", "strata-raw", sdp_parse_strata_raw),
    Case::new("sdp/parse", "rtc-sdp", sdp_parse_rtc),
    Case::new("sdp/parse", "webrtc-sdp", sdp_parse_webrtc_sdp),
    Case::new(
        "sdp/parse_serialize",
        "strata-typed",
        sdp_parse_serialize_strata_typed,
    ),
    Case::new(
        "sdp/parse_serialize",
        "strata-raw",
        sdp_parse_serialize_strata_raw,
    ),
    Case::new("sdp/parse_serialize", "rtc-sdp", sdp_parse_serialize_rtc),
    Case::new(
        "sdp/parse_serialize",
        "webrtc-sdp",
        sdp_parse_serialize_webrtc_sdp,
    ),
];

/// Every case, in table order; the first entry of each group is its Strata reference.
pub fn cases() -> &'static [Case] {
    static CASES: LazyLock<Vec<Case>> = LazyLock::new(|| {
        let mut cases = WIRE_CASES.to_vec();
        security::srtp_cases(&mut cases);
        security::dtls_cases(&mut cases);
        sctp::sctp_cases(&mut cases);
        cases
    });
    &CASES
}

/// Looks a case up by its `group/implementation` name.
pub fn find(name: &str) -> Option<&'static Case> {
    cases().iter().find(|c| c.name() == name)
}

/// Runs `case` `iterations` times on `fx`, keeping every result alive.
///
/// A batched case is refilled first; if `iterations` exceeds [`Fixtures::batch`], the case
/// refills itself when its batch runs out (and that work is part of the run).
pub fn run_n(case: &Case, fx: &mut Fixtures, iterations: u64) -> u64 {
    if let Some(refill) = case.refill {
        refill(fx);
    }
    let mut acc = 0u64;
    for _ in 0..iterations {
        acc = acc.wrapping_add(black_box((case.run)(black_box(&mut *fx))));
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_runs() {
        let mut fx = Fixtures::new();
        for case in cases() {
            assert_ne!((case.run)(&mut fx), 0, "{}", case.name());
        }
    }

    #[test]
    fn marshalled_rtp_equals_the_input() {
        let mut fx = Fixtures::new();
        let cases: [(&str, CaseFn); 3] = [
            ("strata", rtp_marshal_strata),
            ("strata-build-ext", rtp_marshal_strata_build_ext),
            ("rtc-rtp", rtp_marshal_rtc),
        ];
        for (name, f) in cases {
            f(&mut fx);
            assert!(&fx.rtp_out[..RTP_PACKET.len()] == RTP_PACKET, "{name}");
            fx.rtp_out.fill(0);
        }
    }

    #[test]
    fn parsers_agree() {
        let mut fx = Fixtures::new();
        assert_eq!(rtp_parse_strata(&mut fx), rtp_parse_rtc(&mut fx));
        assert_eq!(
            stun_parse_verify_strata(&mut fx),
            stun_parse_verify_rtc(&mut fx)
        );
    }

    #[test]
    fn built_stun_responses_are_identical() {
        let mut fx = Fixtures::new();
        stun_build_success_strata(&mut fx);
        stun_build_success_rtc(&mut fx);
        assert_eq!(fx.stun_out, fx.rtc_stun_out.raw);
        let m = strata_stun::Message::new_checked(&fx.stun_out[..]).expect("valid");
        m.verify_message_integrity(&fx.stun_key).expect("integrity");
        m.verify_fingerprint().expect("fingerprint");
    }

    #[test]
    fn sdp_round_trips() {
        let sdp = strata_sdp::SessionDescription::parse(SDP_OFFER).expect("parses");
        assert_eq!(sdp.emit_string(), SDP_OFFER);
    }
}
