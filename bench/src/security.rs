//! SRTP and DTLS cases: strata-srtp / strata-dtls against webrtc-rs `rtc-srtp` / `rtc-dtls`
//! 0.21.1 and libsrtp 2 (through `c/libsrtp_shim.c`).
//!
//! SRTP, the same work for every implementation:
//! - `srtp/protect/<profile>/<size>`: one sender context; each call writes the next sequence
//!   number into the packet's header and protects it (in place for Strata and libsrtp; rtc-srtp
//!   reads the packet and returns a new `BytesMut`, its only API). The in-place
//!   implementations encrypt the previous call's ciphertext again, which costs the same as
//!   encrypting plaintext, so no copy is made between calls.
//! - `srtp/unprotect/<profile>/<size>`: a batch of [`Fixtures::batch`] packets with sequence
//!   numbers 1..=batch is protected once by the implementation's own sender; each call
//!   unprotects the next packet of the batch (replay window 64 in all three). When the batch
//!   is used up, [`Case::refill`] makes a fresh receiver and restores the protected bytes;
//!   the criterion bench calls it outside the timed region, and the instruction counter uses
//!   a batch larger than its run, so the refill is never counted.
//!
//! DTLS:
//! - `dtls/handshake`: client and server endpoints made from configurations and
//!   certificates prepared once; every datagram shuttled in memory until both sides report
//!   the handshake complete. rtc-dtls always answers the first ClientHello with a
//!   HelloVerifyRequest, so Strata's reference entry keeps its cookie exchange on too
//!   (`strata-no-cookie` shows the cost of that round trip).
//! - `dtls/app_data`: on a connected pair, the client sends 1200 bytes of application data
//!   (AES-128-GCM record) and the server decrypts it and hands it up as an event.
//! - `dtls/record_seal_open`: the record ciphers alone: seal then open one 1200-byte
//!   application-data record.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use crate::{Case, Fixtures, libsrtp};

// ---------------------------------------------------------------------------------------
// SRTP

/// One SRTP protection profile as the bench names it.
#[derive(Debug, Clone, Copy)]
pub struct SrtpProfile {
    /// The name in the criterion group, e.g. `AEAD_AES_128_GCM`.
    pub name: &'static str,
    /// The DTLS `use_srtp` id (RFC 5764, RFC 7714).
    pub id: u16,
    /// Master key length.
    pub key_len: usize,
    /// Master salt length.
    pub salt_len: usize,
}

/// The measured profiles.
pub const SRTP_PROFILES: [SrtpProfile; 4] = [
    SrtpProfile {
        name: "AES_CM_128_HMAC_SHA1_80",
        id: 1,
        key_len: 16,
        salt_len: 14,
    },
    SrtpProfile {
        name: "AEAD_AES_128_GCM",
        id: 7,
        key_len: 16,
        salt_len: 12,
    },
    SrtpProfile {
        name: "AES_CM_128_HMAC_SHA1_32",
        id: 2,
        key_len: 16,
        salt_len: 14,
    },
    SrtpProfile {
        name: "AEAD_AES_256_GCM",
        id: 8,
        key_len: 32,
        salt_len: 12,
    },
];

/// Total RTP packet sizes (12-byte header included).
pub const SRTP_SIZES: [usize; 2] = [160, 1200];

/// Packets unprotected between two refills in the criterion bench (cache-resident: 128
/// packets of 1200 bytes are ~150 KiB, twice over with the pristine copies).
pub const SRTP_BATCH: usize = 128;

const SRTP_SSRC: u32 = 0x0102_0304;
const SLOTS: usize = SRTP_PROFILES.len() * SRTP_SIZES.len();

fn master(p: &SrtpProfile) -> (Vec<u8>, Vec<u8>) {
    let key = (0..p.key_len).map(|i| 0x11 + i as u8).collect();
    let salt = (0..p.salt_len).map(|i| 0xa0 + i as u8).collect();
    (key, salt)
}

/// Room after the packet for any implementation's trailer (libsrtp asks for tag + MKI).
fn trailer_room() -> usize {
    libsrtp::max_trailer_len().max(strata_srtp::MAX_RTP_TRAILER_LEN)
}

/// An RTP packet of `size` bytes (V=2, PT 96, timestamp 0x1234, SSRC 0x01020304) with
/// `trailer_room()` spare bytes after it.
pub fn rtp_packet(size: usize, seq: u16) -> Vec<u8> {
    let mut p = vec![0u8; size + trailer_room()];
    p[0] = 0x80;
    p[1] = 96;
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    p[4..8].copy_from_slice(&0x1234u32.to_be_bytes());
    p[8..12].copy_from_slice(&SRTP_SSRC.to_be_bytes());
    for (i, b) in p[12..size].iter_mut().enumerate() {
        *b = i as u8;
    }
    p
}

/// One SRTP implementation, as the harness drives it.
pub trait SrtpImpl: Sized {
    /// One direction's context.
    type Ctx;
    /// A sender (`inbound == false`) or receiver context for `p` keyed with [`master`].
    fn new(p: &SrtpProfile, inbound: bool) -> Self::Ctx;
    /// Protects the `len`-byte packet at the start of `buf` (the measured call).
    fn protect(ctx: &mut Self::Ctx, buf: &mut [u8], len: usize) -> usize;
    /// Protects and leaves the protected packet at the start of `buf` (for preparing
    /// batches; the same as `protect` for in-place implementations).
    fn protect_into(ctx: &mut Self::Ctx, buf: &mut [u8], len: usize) -> usize {
        Self::protect(ctx, buf, len)
    }
    /// Unprotects the SRTP packet `buf`; returns the RTP length.
    fn unprotect(ctx: &mut Self::Ctx, buf: &mut [u8]) -> usize;
    /// This implementation's states in the fixtures.
    fn slots(fx: &mut SrtpFixtures) -> &mut Slots<Self>;
}

/// Sender state of one (implementation, profile, size).
pub struct Tx<I: SrtpImpl> {
    ctx: I::Ctx,
    buf: Vec<u8>,
    len: usize,
    seq: u16,
}

/// Receiver state: the protected batch and the receiver eating it.
pub struct Rx<I: SrtpImpl> {
    ctx: I::Ctx,
    pristine: Vec<Vec<u8>>,
    work: Vec<Vec<u8>>,
    lens: Vec<usize>,
    next: usize,
}

impl<I: SrtpImpl> Rx<I> {
    fn new(p: &SrtpProfile, size: usize, batch: usize) -> Rx<I> {
        assert!(
            (1..=65_535).contains(&batch),
            "sequence numbers must not wrap"
        );
        let mut sender = I::new(p, false);
        let mut pristine = Vec::with_capacity(batch);
        let mut lens = Vec::with_capacity(batch);
        for seq in 1..=batch as u16 {
            let mut packet = rtp_packet(size, seq);
            lens.push(I::protect_into(&mut sender, &mut packet, size));
            pristine.push(packet);
        }
        Rx {
            ctx: I::new(p, true),
            work: pristine.clone(),
            pristine,
            lens,
            next: 0,
        }
    }

    fn refill(&mut self, p: &SrtpProfile) {
        self.ctx = I::new(p, true);
        for ((work, pristine), &len) in self.work.iter_mut().zip(&self.pristine).zip(&self.lens) {
            work[..len].copy_from_slice(&pristine[..len]);
        }
        self.next = 0;
    }
}

/// The per-(profile, size) states of one implementation, created on first use.
pub struct Slots<I: SrtpImpl> {
    tx: [Option<Tx<I>>; SLOTS],
    rx: [Option<Rx<I>>; SLOTS],
}

impl<I: SrtpImpl> Default for Slots<I> {
    fn default() -> Self {
        Slots {
            tx: std::array::from_fn(|_| None),
            rx: std::array::from_fn(|_| None),
        }
    }
}

/// Every implementation's SRTP states.
#[derive(Default)]
pub struct SrtpFixtures {
    strata: Slots<StrataSrtp>,
    rtc: Slots<RtcSrtp>,
    libsrtp: Slots<LibSrtp>,
}

/// strata-srtp.
pub struct StrataSrtp;

impl SrtpImpl for StrataSrtp {
    type Ctx = strata_srtp::Context;

    fn new(p: &SrtpProfile, _inbound: bool) -> Self::Ctx {
        let profile = strata_srtp::ProtectionProfile::from_id(p.id).expect("implemented");
        let (key, salt) = master(p);
        let master = strata_srtp::MasterKey::new(profile, &key, &salt).expect("key lengths");
        strata_srtp::Context::new(&master, strata_srtp::Config::default()).expect("context")
    }

    #[inline]
    fn protect(ctx: &mut Self::Ctx, buf: &mut [u8], len: usize) -> usize {
        ctx.protect_rtp_in_place(buf, len).expect("protects")
    }

    #[inline]
    fn unprotect(ctx: &mut Self::Ctx, buf: &mut [u8]) -> usize {
        ctx.unprotect_rtp_in_place(buf).expect("unprotects")
    }

    fn slots(fx: &mut SrtpFixtures) -> &mut Slots<Self> {
        &mut fx.strata
    }
}

/// The rtc-crypto provider rtc-srtp and rtc-dtls use (ring, their default).
fn rtc_provider() -> &'static Arc<dyn rtc_srtp::crypto::RTCCryptoProvider> {
    static PROVIDER: OnceLock<Arc<dyn rtc_srtp::crypto::RTCCryptoProvider>> = OnceLock::new();
    PROVIDER.get_or_init(|| rtc_srtp::crypto::default_provider().expect("rtc's default provider"))
}

/// webrtc-rs rtc-srtp, replay protection (64 packets) on the receiver as `rtc` configures it.
pub struct RtcSrtp;

impl SrtpImpl for RtcSrtp {
    type Ctx = rtc_srtp::context::Context;

    fn new(p: &SrtpProfile, inbound: bool) -> Self::Ctx {
        use rtc_srtp::protection_profile::ProtectionProfile;
        let profile = match p.id {
            1 => ProtectionProfile::Aes128CmHmacSha1_80,
            2 => ProtectionProfile::Aes128CmHmacSha1_32,
            7 => ProtectionProfile::AeadAes128Gcm,
            8 => ProtectionProfile::AeadAes256Gcm,
            other => panic!("profile {other}"),
        };
        let (key, salt) = master(p);
        let replay = inbound.then(|| rtc_srtp::option::srtp_replay_protection(64));
        rtc_srtp::context::Context::new(&key, &salt, profile, replay, None, rtc_provider().crypto())
            .expect("context")
    }

    #[inline]
    fn protect(ctx: &mut Self::Ctx, buf: &mut [u8], len: usize) -> usize {
        let out = ctx.encrypt_rtp(&buf[..len]).expect("protects");
        black_box(&out);
        out.len()
    }

    fn protect_into(ctx: &mut Self::Ctx, buf: &mut [u8], len: usize) -> usize {
        let out = ctx.encrypt_rtp(&buf[..len]).expect("protects");
        buf[..out.len()].copy_from_slice(&out);
        out.len()
    }

    #[inline]
    fn unprotect(ctx: &mut Self::Ctx, buf: &mut [u8]) -> usize {
        let out = ctx.decrypt_rtp(buf).expect("unprotects");
        black_box(&out);
        out.len()
    }

    fn slots(fx: &mut SrtpFixtures) -> &mut Slots<Self> {
        &mut fx.rtc
    }
}

/// libsrtp 2 (the system's, Debian `libsrtp2-dev`).
pub struct LibSrtp;

impl SrtpImpl for LibSrtp {
    type Ctx = libsrtp::Session;

    fn new(p: &SrtpProfile, inbound: bool) -> Self::Ctx {
        let (mut key, salt) = master(p);
        key.extend_from_slice(&salt);
        libsrtp::Session::new(p.id, &key, inbound)
    }

    #[inline]
    fn protect(ctx: &mut Self::Ctx, buf: &mut [u8], len: usize) -> usize {
        ctx.protect(buf, len).expect("protects")
    }

    #[inline]
    fn unprotect(ctx: &mut Self::Ctx, buf: &mut [u8]) -> usize {
        ctx.unprotect(buf).expect("unprotects")
    }

    fn slots(fx: &mut SrtpFixtures) -> &mut Slots<Self> {
        &mut fx.libsrtp
    }
}

/// Protect the next packet (sequence number + 1) with profile `P`, size `S`.
#[inline(never)]
pub fn srtp_protect<I: SrtpImpl, const P: usize, const S: usize>(fx: &mut Fixtures) -> u64 {
    let (p, size) = (&SRTP_PROFILES[P], SRTP_SIZES[S]);
    let tx = I::slots(&mut fx.srtp).tx[P * SRTP_SIZES.len() + S].get_or_insert_with(|| Tx {
        ctx: I::new(p, false),
        buf: rtp_packet(size, 0),
        len: size,
        seq: 0,
    });
    tx.seq = tx.seq.wrapping_add(1);
    tx.buf[2..4].copy_from_slice(&tx.seq.to_be_bytes());
    let n = I::protect(&mut tx.ctx, &mut tx.buf, tx.len);
    n as u64 + u64::from(tx.buf[n - 1])
}

/// Unprotect the next packet of the batch (refilling first if it is used up).
#[inline(never)]
pub fn srtp_unprotect<I: SrtpImpl, const P: usize, const S: usize>(fx: &mut Fixtures) -> u64 {
    let slot = P * SRTP_SIZES.len() + S;
    if I::slots(&mut fx.srtp).rx[slot]
        .as_ref()
        .is_none_or(|rx| rx.next >= rx.work.len())
    {
        srtp_unprotect_refill::<I, P, S>(fx);
    }
    let rx = I::slots(&mut fx.srtp).rx[slot]
        .as_mut()
        .expect("filled above");
    let i = rx.next;
    rx.next += 1;
    let len = rx.lens[i];
    let n = I::unprotect(&mut rx.ctx, &mut rx.work[i][..len]);
    n as u64 + u64::from(rx.work[i][n - 1])
}

/// A fresh receiver and a restored batch of [`Fixtures::batch`] protected packets.
pub fn srtp_unprotect_refill<I: SrtpImpl, const P: usize, const S: usize>(fx: &mut Fixtures) {
    let (p, size, batch) = (&SRTP_PROFILES[P], SRTP_SIZES[S], fx.batch);
    let rx = &mut I::slots(&mut fx.srtp).rx[P * SRTP_SIZES.len() + S];
    match rx {
        Some(rx) if rx.pristine.len() == batch => rx.refill(p),
        other => *other = Some(Rx::new(p, size, batch)),
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Appends the SRTP cases: per profile and size, protect then unprotect, each with Strata
/// first, then rtc-srtp, then libsrtp.
pub fn srtp_cases(cases: &mut Vec<Case>) {
    macro_rules! one {
        ($p:literal, $s:literal) => {{
            let (name, size) = (SRTP_PROFILES[$p].name, SRTP_SIZES[$s]);
            let group = leak(format!("srtp/protect/{name}/{size}"));
            cases.push(Case::new(
                group,
                "strata",
                srtp_protect::<StrataSrtp, $p, $s>,
            ));
            cases.push(Case::new(
                group,
                "rtc-srtp",
                srtp_protect::<RtcSrtp, $p, $s>,
            ));
            cases.push(Case::new(group, "libsrtp", srtp_protect::<LibSrtp, $p, $s>));
            let group = leak(format!("srtp/unprotect/{name}/{size}"));
            cases.push(Case::batched(
                group,
                "strata",
                srtp_unprotect::<StrataSrtp, $p, $s>,
                srtp_unprotect_refill::<StrataSrtp, $p, $s>,
            ));
            cases.push(Case::batched(
                group,
                "rtc-srtp",
                srtp_unprotect::<RtcSrtp, $p, $s>,
                srtp_unprotect_refill::<RtcSrtp, $p, $s>,
            ));
            cases.push(Case::batched(
                group,
                "libsrtp",
                srtp_unprotect::<LibSrtp, $p, $s>,
                srtp_unprotect_refill::<LibSrtp, $p, $s>,
            ));
        }};
    }
    one!(0, 0);
    one!(0, 1);
    one!(1, 0);
    one!(1, 1);
    one!(2, 0);
    one!(2, 1);
    one!(3, 0);
    one!(3, 1);
}

// ---------------------------------------------------------------------------------------
// DTLS

pub(crate) const CLIENT_ADDR: SocketAddr =
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 5000);
pub(crate) const SERVER_ADDR: SocketAddr =
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 5001);
const APP_DATA_LEN: usize = 1200;

/// Everything the DTLS cases keep: configurations with their certificates, and a connected
/// pair per implementation.
pub struct DtlsFixtures {
    now: Instant,
    strata_client: strata_dtls::endpoint::Config,
    strata_server: strata_dtls::endpoint::Config,
    strata_server_no_cookie: strata_dtls::endpoint::Config,
    rtc_client: Arc<rtc_dtls::config::HandshakeConfig>,
    rtc_server: Arc<rtc_dtls::config::HandshakeConfig>,
    strata_pair: (
        strata_dtls::endpoint::Endpoint,
        strata_dtls::endpoint::Endpoint,
    ),
    rtc_pair: (rtc_dtls::endpoint::Endpoint, rtc_dtls::endpoint::Endpoint),
    payload: Vec<u8>,
    seq: u64,
    strata_seal: strata_dtls::crypto::record::RecordCipher,
    strata_open: strata_dtls::crypto::record::RecordCipher,
    strata_record: Vec<u8>,
    rtc_sender: rtc_dtls::crypto::crypto_gcm::CryptoGcm,
    rtc_receiver: rtc_dtls::crypto::crypto_gcm::CryptoGcm,
    rtc_header: rtc_dtls::record_layer::record_layer_header::RecordLayerHeader,
    rtc_raw: Vec<u8>,
}

fn sha256(der: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, der)
        .as_ref()
        .to_vec()
}

/// rtc-dtls configured as `rtc` configures it for WebRTC: self-signed certificates, no CA
/// check, client certificate required, extended master secret required, the peer's
/// certificate checked against its SHA-256 fingerprint, AES-128-GCM with ECDSA.
fn rtc_config(
    is_client: bool,
    own: &rtc_dtls::crypto::Certificate,
    peer_fingerprint: Vec<u8>,
) -> Arc<rtc_dtls::config::HandshakeConfig> {
    use rtc_dtls::cipher_suite::CipherSuiteId;
    use rtc_dtls::config::{ClientAuthType, ConfigBuilder, ExtendedMasterSecretType};
    use rtc_dtls::extension::extension_use_srtp::SrtpProtectionProfile;
    let verify: rtc_dtls::config::VerifyPeerCertificateFn =
        Arc::new(move |certs: &[Vec<u8>], _chains| {
            let first = certs.first().ok_or(rtc_shared::error::Error::Other(
                "no peer certificate".into(),
            ))?;
            if sha256(first) == peer_fingerprint {
                Ok(())
            } else {
                Err(rtc_shared::error::Error::Other(
                    "fingerprint mismatch".into(),
                ))
            }
        });
    let config = ConfigBuilder::default()
        .with_crypto_provider(rtc_provider().clone())
        .with_certificates(vec![own.clone()])
        .with_cipher_suites(vec![CipherSuiteId::Tls_Ecdhe_Ecdsa_With_Aes_128_Gcm_Sha256])
        .with_srtp_protection_profiles(vec![
            SrtpProtectionProfile::Srtp_Aead_Aes_128_Gcm,
            SrtpProtectionProfile::Srtp_Aes128_Cm_Hmac_Sha1_80,
        ])
        .with_insecure_skip_verify(true)
        .with_client_auth(ClientAuthType::RequireAnyClientCert)
        .with_extended_master_secret(ExtendedMasterSecretType::Require)
        .with_verify_peer_certificate(Some(verify))
        .build(
            is_client,
            Some(if is_client { SERVER_ADDR } else { CLIENT_ADDR }),
        )
        .expect("rtc-dtls configuration");
    Arc::new(config)
}

impl DtlsFixtures {
    fn new() -> DtlsFixtures {
        use strata_dtls::crypto::cert::{Certificate, FingerprintAlgorithm};
        use strata_dtls::endpoint::Config;
        let now = Instant::now();
        let rng = ring::rand::SystemRandom::new();
        let a = Arc::new(Certificate::generate("client", &rng).expect("certificate"));
        let b = Arc::new(Certificate::generate("server", &rng).expect("certificate"));
        let strata_client =
            Config::new(a.clone(), vec![b.fingerprint(FingerprintAlgorithm::Sha256)]);
        let strata_server = Config::new(b, vec![a.fingerprint(FingerprintAlgorithm::Sha256)]);
        let mut strata_server_no_cookie = strata_server.clone();
        strata_server_no_cookie.hello_verify = false;

        let crypto = rtc_provider().crypto();
        let ca = rtc_dtls::crypto::Certificate::generate_self_signed(vec!["client".into()], crypto)
            .expect("certificate");
        let cb = rtc_dtls::crypto::Certificate::generate_self_signed(vec!["server".into()], crypto)
            .expect("certificate");
        let rtc_client = rtc_config(true, &ca, sha256(cb.certificate[0].as_ref()));
        let rtc_server = rtc_config(false, &cb, sha256(ca.certificate[0].as_ref()));

        let mut strata_pair = strata_handshake(now, &strata_client, &strata_server);
        // Drop the Connected events, so the first event after a send is the data.
        while strata_pair.0.poll_event().is_some() {}
        while strata_pair.1.poll_event().is_some() {}
        let rtc_pair = rtc_handshake(now, &rtc_client, &rtc_server);

        use strata_dtls::crypto::record::RecordCipher;
        use strata_dtls::crypto::suite::Aead;
        let (key, iv) = ([0x11u8; 16], [0x22u8; 4]);
        let strata_seal = RecordCipher::new(Aead::Aes128Gcm, &key, &iv).expect("cipher");
        let strata_open = RecordCipher::new(Aead::Aes128Gcm, &key, &iv).expect("cipher");
        let (key2, iv2) = ([0x33u8; 16], [0x44u8; 4]);
        let provider = rtc_provider().clone();
        let rtc_sender =
            rtc_dtls::crypto::crypto_gcm::CryptoGcm::new(provider.clone(), &key, &iv, &key2, &iv2)
                .expect("cipher");
        let rtc_receiver =
            rtc_dtls::crypto::crypto_gcm::CryptoGcm::new(provider, &key2, &iv2, &key, &iv)
                .expect("cipher");
        use rtc_dtls::record_layer::record_layer_header::{PROTOCOL_VERSION1_2, RecordLayerHeader};
        let rtc_header = RecordLayerHeader {
            content_type: rtc_dtls::content::ContentType::ApplicationData,
            protocol_version: PROTOCOL_VERSION1_2,
            epoch: 1,
            sequence_number: 1,
            content_len: APP_DATA_LEN as u16,
        };
        let payload: Vec<u8> = (0..APP_DATA_LEN).map(|i| i as u8).collect();
        let mut rtc_raw = Vec::new();
        rtc_header.marshal(&mut rtc_raw).expect("header");
        rtc_raw.extend_from_slice(&payload);
        DtlsFixtures {
            now,
            strata_client,
            strata_server,
            strata_server_no_cookie,
            rtc_client,
            rtc_server,
            strata_pair,
            rtc_pair,
            payload,
            seq: 0,
            strata_seal,
            strata_open,
            strata_record: Vec::with_capacity(APP_DATA_LEN + 64),
            rtc_sender,
            rtc_receiver,
            rtc_header,
            rtc_raw,
        }
    }
}

impl DtlsFixtures {
    /// A fresh connected Strata pair (client, server), its Connected events drained.
    pub fn strata_connected_pair(
        &self,
    ) -> (
        strata_dtls::endpoint::Endpoint,
        strata_dtls::endpoint::Endpoint,
    ) {
        let mut pair = strata_handshake(self.now, &self.strata_client, &self.strata_server);
        while pair.0.poll_event().is_some() {}
        while pair.1.poll_event().is_some() {}
        pair
    }

    /// A fresh connected rtc-dtls pair (client, server).
    pub fn rtc_connected_pair(
        &self,
    ) -> (rtc_dtls::endpoint::Endpoint, rtc_dtls::endpoint::Endpoint) {
        rtc_handshake(self.now, &self.rtc_client, &self.rtc_server)
    }
}

impl Fixtures {
    /// The DTLS fixtures, made on first use (certificates and two handshakes).
    pub fn dtls(&mut self) -> &mut DtlsFixtures {
        self.dtls
            .get_or_insert_with(|| Box::new(DtlsFixtures::new()))
    }
}

/// A full Strata handshake in memory; returns the connected (client, server).
fn strata_handshake(
    now: Instant,
    client: &strata_dtls::endpoint::Config,
    server: &strata_dtls::endpoint::Config,
) -> (
    strata_dtls::endpoint::Endpoint,
    strata_dtls::endpoint::Endpoint,
) {
    use strata_dtls::endpoint::Endpoint;
    let mut client = Endpoint::client(client.clone(), now).expect("client");
    let mut server = Endpoint::server(server.clone());
    for _ in 0..16 {
        while let Some(d) = client.poll_transmit() {
            server.handle_packet(now, &d).expect("server handles");
        }
        while let Some(d) = server.poll_transmit() {
            client.handle_packet(now, &d).expect("client handles");
        }
        if client.is_connected() && server.is_connected() {
            return (client, server);
        }
    }
    panic!("strata-dtls handshake did not finish");
}

/// A full rtc-dtls handshake in memory; returns the connected (client, server).
fn rtc_handshake(
    now: Instant,
    client_cfg: &Arc<rtc_dtls::config::HandshakeConfig>,
    server_cfg: &Arc<rtc_dtls::config::HandshakeConfig>,
) -> (rtc_dtls::endpoint::Endpoint, rtc_dtls::endpoint::Endpoint) {
    use rtc_dtls::endpoint::{Endpoint, EndpointEvent};
    use rtc_shared::TransportProtocol;
    let mut client = Endpoint::new(CLIENT_ADDR, TransportProtocol::UDP, None);
    let mut server = Endpoint::new(
        SERVER_ADDR,
        TransportProtocol::UDP,
        Some(server_cfg.clone()),
    );
    client
        .connect(now, SERVER_ADDR, client_cfg.clone(), None)
        .expect("connect");
    let (mut client_done, mut server_done) = (false, false);
    for _ in 0..16 {
        while let Some(t) = client.poll_transmit() {
            for e in server
                .read(now, CLIENT_ADDR, None, t.message)
                .expect("server reads")
            {
                server_done |= matches!(e, EndpointEvent::HandshakeComplete);
            }
        }
        while let Some(t) = server.poll_transmit() {
            for e in client
                .read(now, SERVER_ADDR, None, t.message)
                .expect("client reads")
            {
                client_done |= matches!(e, EndpointEvent::HandshakeComplete);
            }
        }
        if client_done && server_done {
            return (client, server);
        }
    }
    panic!("rtc-dtls handshake did not finish");
}

/// Strata: one full handshake (HelloVerifyRequest cookie exchange on, as rtc-dtls always
/// does).
#[inline(never)]
pub fn dtls_handshake_strata(fx: &mut Fixtures) -> u64 {
    let d = fx.dtls();
    let (c, s) = strata_handshake(d.now, &d.strata_client, &d.strata_server);
    u64::from(c.is_connected()) + u64::from(s.is_connected())
}

/// Strata without the HelloVerifyRequest round trip (its server option `hello_verify`).
#[inline(never)]
pub fn dtls_handshake_strata_no_cookie(fx: &mut Fixtures) -> u64 {
    let d = fx.dtls();
    let (c, s) = strata_handshake(d.now, &d.strata_client, &d.strata_server_no_cookie);
    u64::from(c.is_connected()) + u64::from(s.is_connected())
}

/// rtc-dtls: one full handshake through its sans-IO `Endpoint`.
#[inline(never)]
pub fn dtls_handshake_rtc(fx: &mut Fixtures) -> u64 {
    let d = fx.dtls();
    let (c, s) = rtc_handshake(d.now, &d.rtc_client, &d.rtc_server);
    c.get_connections_keys().count() as u64 + s.get_connections_keys().count() as u64
}

/// Strata: the client sends 1200 bytes, the server decrypts them into an event.
#[inline(never)]
pub fn dtls_app_data_strata(fx: &mut Fixtures) -> u64 {
    use strata_dtls::endpoint::Event;
    let d = fx.dtls();
    let (client, server) = &mut d.strata_pair;
    client.send(&d.payload).expect("sends");
    let datagram = client.poll_transmit().expect("a record");
    server.handle_packet(d.now, &datagram).expect("handles");
    match server.poll_event() {
        Some(Event::ApplicationData(data)) => data.len() as u64 + datagram.len() as u64,
        other => panic!("unexpected {other:?}"),
    }
}

/// rtc-dtls: `write` on the client endpoint, `read` on the server endpoint.
#[inline(never)]
pub fn dtls_app_data_rtc(fx: &mut Fixtures) -> u64 {
    use rtc_dtls::endpoint::EndpointEvent;
    let d = fx.dtls();
    let (client, server) = &mut d.rtc_pair;
    client
        .write(d.now, SERVER_ADDR, &d.payload)
        .expect("writes");
    let t = client.poll_transmit().expect("a record");
    let len = t.message.len() as u64;
    let mut got = 0;
    for e in server
        .read(d.now, CLIENT_ADDR, None, t.message)
        .expect("reads")
    {
        if let EndpointEvent::ApplicationData(data) = e {
            got += data.len() as u64;
        }
    }
    assert_eq!(got, APP_DATA_LEN as u64);
    got + len
}

/// Strata's record cipher: seal a 1200-byte application-data record into a reused `Vec`,
/// then open it in place.
#[inline(never)]
pub fn dtls_record_strata(fx: &mut Fixtures) -> u64 {
    let d = fx.dtls();
    d.seq += 1;
    d.strata_record.clear();
    d.strata_seal
        .seal(1, d.seq, 23, 0xfefd, &d.payload, &mut d.strata_record);
    let plain = d
        .strata_open
        .open(1, d.seq, 23, 0xfefd, &mut d.strata_record)
        .expect("opens");
    plain.len() as u64 + u64::from(plain[APP_DATA_LEN - 1])
}

/// rtc-dtls's `CryptoGcm`: `encrypt` (header + payload in, a new record out), `decrypt` (a
/// new plaintext record out).
#[inline(never)]
pub fn dtls_record_rtc(fx: &mut Fixtures) -> u64 {
    let d = fx.dtls();
    d.seq += 1;
    d.rtc_header.sequence_number = d.seq;
    d.rtc_raw[5..11].copy_from_slice(&d.seq.to_be_bytes()[2..]);
    let sealed = d
        .rtc_sender
        .encrypt(&d.rtc_header, &d.rtc_raw)
        .expect("encrypts");
    let plain = d.rtc_receiver.decrypt(&sealed).expect("decrypts");
    plain.len() as u64 + u64::from(plain[plain.len() - 1])
}

/// Appends the DTLS cases.
pub fn dtls_cases(cases: &mut Vec<Case>) {
    cases.push(Case::new("dtls/handshake", "strata", dtls_handshake_strata));
    cases.push(Case::new(
        "dtls/handshake",
        "strata-no-cookie",
        dtls_handshake_strata_no_cookie,
    ));
    cases.push(Case::new("dtls/handshake", "rtc-dtls", dtls_handshake_rtc));
    cases.push(Case::new("dtls/app_data", "strata", dtls_app_data_strata));
    cases.push(Case::new("dtls/app_data", "rtc-dtls", dtls_app_data_rtc));
    cases.push(Case::new(
        "dtls/record_seal_open",
        "strata",
        dtls_record_strata,
    ));
    cases.push(Case::new(
        "dtls/record_seal_open",
        "rtc-dtls",
        dtls_record_rtc,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// All three implementations produce the same bytes for the same packet, so the batches
    /// they unprotect are identical work.
    #[test]
    fn srtp_implementations_agree() {
        for p in &SRTP_PROFILES {
            for size in SRTP_SIZES {
                let mut a = rtp_packet(size, 7);
                let mut b = a.clone();
                let mut c = a.clone();
                let na = StrataSrtp::protect_into(&mut StrataSrtp::new(p, false), &mut a, size);
                let nb = RtcSrtp::protect_into(&mut RtcSrtp::new(p, false), &mut b, size);
                let nc = LibSrtp::protect_into(&mut LibSrtp::new(p, false), &mut c, size);
                assert_eq!(a[..na], b[..nb], "{} {size}: strata vs rtc-srtp", p.name);
                assert_eq!(a[..na], c[..nc], "{} {size}: strata vs libsrtp", p.name);
                let n = LibSrtp::unprotect(&mut LibSrtp::new(p, true), &mut a[..na]);
                assert_eq!(a[..n], rtp_packet(size, 7)[..size]);
            }
        }
    }

    #[test]
    fn dtls_pairs_negotiate_aes_128_gcm() {
        let mut fx = Fixtures::new();
        assert_eq!(dtls_app_data_strata(&mut fx), dtls_app_data_strata(&mut fx));
        let d = fx.dtls();
        let (c, s) = strata_handshake(d.now, &d.strata_client, &d.strata_server);
        let _ = s;
        let mut c = c;
        match c.poll_event() {
            Some(strata_dtls::endpoint::Event::Connected(info)) => assert_eq!(
                info.cipher_suite,
                strata_dtls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
            ),
            other => panic!("{other:?}"),
        }
        // Strata's record: 13-byte header + 8-byte explicit nonce + 1200 + 16-byte tag,
        // the same size as rtc-dtls's AES-128-GCM record.
        assert_eq!(dtls_app_data_strata(&mut fx), dtls_app_data_rtc(&mut fx));
    }
}
