//! Real traffic: Chromium 156's DTLS ClientHello (DTLS 1.3 capable, two fragments in two
//! datagrams) and aiortc 1.16's answering server flight, captured on loopback with
//! `tests/capture/capture.sh`.

use strata_dtls::extensions::SupportedVersions;
use strata_dtls::handshake::ServerKeyExchange;
use strata_dtls::{
    CipherSuite, ClientCertificateType, CompressionMethod, ContentType, Extension, ExtensionType,
    FragmentStatus, HandshakeFragment, HandshakeFragments, HandshakeMessage, HandshakeType,
    NamedGroup, ProtocolVersion, ReassembledMessage, Reassembler, RecordRepr, Records,
    SignatureScheme, SrtpProtectionProfile,
};

const HELLO_1: &[u8] = include_bytes!("data/chromium156-client-hello-1.bin");
const HELLO_2: &[u8] = include_bytes!("data/chromium156-client-hello-2.bin");
const SERVER_FLIGHT: &[u8] = include_bytes!("data/aiortc116-server-flight-1.bin");

fn records(datagram: &[u8]) -> Vec<RecordRepr<'_>> {
    Records::new(datagram).map(Result::unwrap).collect()
}

fn fragments<'a>(records: &[RecordRepr<'a>]) -> Vec<HandshakeFragment<'a>> {
    records
        .iter()
        .inspect(|r| assert_eq!(r.content_type, ContentType::HANDSHAKE))
        .flat_map(|r| HandshakeFragments::new(r.fragment).map(Result::unwrap))
        .collect()
}

/// Emitting a parsed message must give back the received body byte for byte.
fn assert_reemits(m: &ReassembledMessage) -> HandshakeMessage<'_> {
    let parsed = m.parse().expect("captured message parses");
    let mut out = vec![0u8; parsed.buffer_len()];
    assert_eq!(parsed.emit(&mut out), Ok(m.body.len()));
    assert_eq!(out, m.body, "{:?} re-emits differently", m.msg_type);
    parsed
}

fn client_hello_message(first: &[u8], second: &[u8]) -> ReassembledMessage {
    let mut r = Reassembler::default();
    for datagram in [first, second] {
        for f in fragments(&records(datagram)) {
            assert_eq!(r.push(&f), Ok(FragmentStatus::Accepted));
        }
    }
    let m = r.pop().expect("ClientHello complete");
    assert_eq!(r.pop(), None);
    assert_eq!(r.buffered_bytes(), 0);
    m
}

#[test]
fn chromium_client_hello_records_and_fragments() {
    let r1 = records(HELLO_1);
    let r2 = records(HELLO_2);
    assert_eq!((r1.len(), r2.len()), (1, 1));
    for (r, seq) in [(r1[0], 0), (r2[0], 1)] {
        assert_eq!(r.version, ProtocolVersion::DTLS_1_0);
        assert_eq!(r.epoch, 0);
        assert_eq!(r.sequence_number, seq);
    }
    let f1 = fragments(&r1);
    let f2 = fragments(&r2);
    assert_eq!((f1.len(), f2.len()), (1, 1));
    let (a, b) = (f1[0], f2[0]);
    assert_eq!(a.msg_type, HandshakeType::CLIENT_HELLO);
    assert_eq!((a.message_seq, b.message_seq), (0, 0));
    assert_eq!(a.length, b.length);
    assert_eq!(a.fragment_offset, 0);
    assert_eq!(b.fragment_offset as usize, a.fragment.len());
    assert_eq!(a.fragment.len() + b.fragment.len(), a.length as usize);
    assert!(a.length > 1200, "a post-quantum key share makes it big");
    // The whole datagram re-emits byte for byte.
    let mut out = vec![0u8; r1[0].buffer_len()];
    r1[0].emit(&mut out).unwrap();
    assert_eq!(out, HELLO_1);
}

#[test]
fn chromium_client_hello_reassembles_in_either_order() {
    let in_order = client_hello_message(HELLO_1, HELLO_2);
    let reversed = client_hello_message(HELLO_2, HELLO_1);
    assert_eq!(in_order, reversed);
    assert_eq!(in_order.message_seq, 0);
    assert_eq!(in_order.msg_type, HandshakeType::CLIENT_HELLO);
}

#[test]
fn chromium_client_hello_fields_and_extensions() {
    let m = client_hello_message(HELLO_1, HELLO_2);
    let HandshakeMessage::ClientHello(ch) = assert_reemits(&m) else {
        panic!("not a ClientHello");
    };
    assert_eq!(ch.client_version, ProtocolVersion::DTLS_1_2);
    assert!(ch.cookie.is_empty(), "Chromium skips the cookie exchange");
    assert!(ch.session_id.is_empty());
    assert!(
        ch.cipher_suites
            .contains(&CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
    );
    assert!(
        ch.cipher_suites
            .contains(&CipherSuite::TLS_AES_128_GCM_SHA256)
    );
    assert_eq!(
        ch.compression_methods.iter().collect::<Vec<_>>(),
        [CompressionMethod::NULL]
    );

    let exts = ch.extensions;
    let Some(SupportedVersions::Offered(versions)) = exts.supported_versions() else {
        panic!("supported_versions list missing");
    };
    assert_eq!(
        versions.iter().collect::<Vec<_>>(),
        [ProtocolVersion::DTLS_1_3, ProtocolVersion::DTLS_1_2]
    );
    let srtp = exts.use_srtp().expect("use_srtp");
    assert!(
        srtp.profiles
            .contains(&SrtpProtectionProfile::SRTP_AES128_CM_HMAC_SHA1_80)
    );
    assert!(
        srtp.profiles
            .contains(&SrtpProtectionProfile::SRTP_AEAD_AES_128_GCM)
    );
    assert!(srtp.mki.is_empty());
    assert!(exts.has_extended_master_secret());
    assert_eq!(exts.renegotiation_info(), Some(&[][..]));
    let groups = exts.supported_groups().expect("supported_groups");
    assert_eq!(groups.iter().next(), Some(NamedGroup::X25519_MLKEM768));
    assert!(groups.contains(&NamedGroup::X25519));
    assert!(
        exts.signature_algorithms()
            .expect("signature_algorithms")
            .contains(&SignatureScheme::ECDSA_SECP256R1_SHA256)
    );
    // key_share is not typed: it must come through as raw bytes, holding the ML-KEM-768
    // share (1184 + 32 bytes) and more.
    let Some(Extension::Unknown { data, .. }) = exts.get(ExtensionType::KEY_SHARE) else {
        panic!("key_share missing");
    };
    assert!(data.len() > 1216);
    assert!(exts.iter().all(|e| !matches!(
        e,
        Extension::Unknown { typ, .. } if typ == ExtensionType::USE_SRTP
    )));
}

#[test]
fn aiortc_server_flight() {
    let recs = records(SERVER_FLIGHT);
    assert!(
        recs.iter()
            .all(|r| r.version == ProtocolVersion::DTLS_1_2 && r.epoch == 0)
    );
    let seqs: Vec<_> = recs.iter().map(|r| r.sequence_number).collect();
    assert_eq!(seqs, (0..recs.len() as u64).collect::<Vec<_>>());

    let mut r = Reassembler::default();
    for f in fragments(&recs) {
        r.push(&f).unwrap();
    }
    let msgs: Vec<_> = core::iter::from_fn(|| r.pop()).collect();
    let types: Vec<_> = msgs.iter().map(|m| m.msg_type).collect();
    assert_eq!(
        types,
        [
            HandshakeType::SERVER_HELLO,
            HandshakeType::CERTIFICATE,
            HandshakeType::SERVER_KEY_EXCHANGE,
            HandshakeType::CERTIFICATE_REQUEST,
            HandshakeType::SERVER_HELLO_DONE,
        ]
    );
    let parsed: Vec<_> = msgs.iter().map(assert_reemits).collect();

    let HandshakeMessage::ServerHello(sh) = parsed[0] else {
        panic!()
    };
    assert_eq!(sh.server_version, ProtocolVersion::DTLS_1_2);
    assert_eq!(
        sh.cipher_suite,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    );
    let chosen: Vec<_> = sh.extensions.use_srtp().unwrap().profiles.iter().collect();
    assert_eq!(chosen.len(), 1, "the server picks one profile");
    assert!(sh.extensions.has_extended_master_secret());

    let HandshakeMessage::Certificate(cert) = parsed[1] else {
        panic!()
    };
    assert_eq!(cert.certificate_list.len(), 1);
    let der = cert.end_entity().unwrap();
    assert_eq!(der[0], 0x30, "DER SEQUENCE");
    assert_eq!(der.len() + 6, msgs[1].body.len());

    let HandshakeMessage::ServerKeyExchange(ske) = parsed[2] else {
        panic!()
    };
    assert_eq!(ske.named_curve, NamedGroup::X25519);
    assert_eq!(ske.public.len(), 32);
    assert_eq!(
        ske.signed_params.algorithm,
        SignatureScheme::ECDSA_SECP256R1_SHA256
    );
    let params = ServerKeyExchange::signed_params(&msgs[2].body).unwrap();
    assert_eq!(params.len(), 36);
    assert_eq!(&params[4..], ske.public);

    let HandshakeMessage::CertificateRequest(cr) = parsed[3] else {
        panic!()
    };
    assert!(
        cr.certificate_types
            .contains(&ClientCertificateType::ECDSA_SIGN)
    );
    assert!(
        cr.supported_signature_algorithms
            .contains(&SignatureScheme::ECDSA_SECP256R1_SHA256)
    );
    assert_eq!(parsed[4], HandshakeMessage::ServerHelloDone);
}
