//! RFC 5769 "Test Vectors for STUN": every sample message parses, its MESSAGE-INTEGRITY and
//! FINGERPRINT verify with the RFC's credentials, and fails with any other.

#![allow(clippy::unwrap_used)]

use strata_stun::{
    AttrType, Attribute, Class, IntegrityError, IntegrityKey, Message, MessageBuilder, MessageRepr,
    MessageType, PasswordAlgorithmId, TransactionId,
};

fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .map(|c| (c as char).to_digit(16).unwrap() as u8)
        .collect();
    digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect()
}

const TID: [u8; 12] = [
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
];
const PASSWORD: &str = "VOkJxbRl1RmTxUk/WvJxBt";

/// §2.1 Sample Request (also in tests/data as captured bytes).
fn sample_request() -> Vec<u8> {
    hex("00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
         80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
         00 24 00 04 6e 00 01 ff 80 29 00 08 93 2f f9 b1 51 26 3b 36
         00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
         00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
         80 28 00 04 e5 7a 3b cf")
}

#[test]
fn sample_request_2_1() {
    let bytes = sample_request();
    assert_eq!(
        bytes,
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/stun-rfc5769-req.bin"
        ))
        .unwrap()
    );
    let m = Message::new_checked(&bytes[..]).unwrap();
    assert_eq!(m.message_type(), MessageType::BINDING_REQUEST);
    assert_eq!(m.transaction_id(), TransactionId(TID));
    let key = IntegrityKey::short_term(PASSWORD).unwrap();
    m.verify_message_integrity(&key).unwrap();
    m.verify_integrity(&key).unwrap();
    m.verify_fingerprint().unwrap();
    assert_eq!(
        m.verify_message_integrity(&IntegrityKey::short_term("VOkJxbRl1RmTxUk/WvJxBT").unwrap()),
        Err(IntegrityError::Mismatch)
    );

    let repr = MessageRepr::parse(m).unwrap();
    assert_eq!(
        repr.attributes[..4],
        [
            Attribute::Software("STUN test client"),
            Attribute::Priority(0x6e0001ff),
            Attribute::IceControlled(0x932ff9b151263b36),
            Attribute::Username("evtj:h6vY"),
        ]
    );
    // Emitting the parsed repr reproduces the message, except USERNAME padding: the RFC pads
    // with spaces, we pad with zeros (both allowed, §14).
    let mut emitted = repr.to_vec().unwrap();
    emitted[73..76].copy_from_slice(b"   ");
    assert_eq!(emitted, bytes);

    // The RFC pads USERNAME with spaces and the HMAC covers the padding, so a zero-padding
    // builder yields another (valid) tag: check that ours verifies and differs only there.
    let mut b = MessageBuilder::new(MessageType::BINDING_REQUEST, TransactionId(TID));
    for a in &repr.attributes[..4] {
        b.add(a).unwrap();
    }
    b.add_message_integrity(&key).unwrap();
    b.add_fingerprint().unwrap();
    let ours = b.finish();
    let ours_view = Message::new_checked(&ours[..]).unwrap();
    ours_view.verify_integrity(&key).unwrap();
    ours_view.verify_fingerprint().unwrap();
    assert_eq!(ours[..73], bytes[..73]);
}

#[test]
fn sample_ipv4_response_2_2() {
    let bytes = hex("01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
         80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
         00 20 00 08 00 01 a1 47 e1 12 a6 43
         00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
         80 28 00 04 c0 7d 4c 96");
    let m = Message::new_checked(&bytes[..]).unwrap();
    assert_eq!(m.class(), Class::SuccessResponse);
    m.verify_message_integrity(&IntegrityKey::short_term(PASSWORD).unwrap())
        .unwrap();
    m.verify_fingerprint().unwrap();
    assert_eq!(
        m.get_typed(AttrType::XOR_MAPPED_ADDRESS),
        Some(Ok(Attribute::XorMappedAddress(
            "192.0.2.1:32853".parse().unwrap()
        )))
    );
    assert_eq!(
        m.get_typed(AttrType::SOFTWARE),
        Some(Ok(Attribute::Software("test vector")))
    );
}

#[test]
fn sample_ipv6_response_2_3() {
    let bytes = hex("01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
         80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
         00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
         00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
         80 28 00 04 c8 fb 0b 4c");
    let m = Message::new_checked(&bytes[..]).unwrap();
    m.verify_message_integrity(&IntegrityKey::short_term(PASSWORD).unwrap())
        .unwrap();
    m.verify_fingerprint().unwrap();
    assert_eq!(
        m.get_typed(AttrType::XOR_MAPPED_ADDRESS),
        Some(Ok(Attribute::XorMappedAddress(
            "[2001:db8:1234:5678:11:2233:4455:6677]:32853"
                .parse()
                .unwrap()
        )))
    );
}

#[test]
fn long_term_request_2_4() {
    let bytes = hex("00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
         00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
         00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
         00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
         00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66");
    let m = Message::new_checked(&bytes[..]).unwrap();
    let username = "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}";
    assert_eq!(
        m.get_typed(AttrType::USERNAME),
        Some(Ok(Attribute::Username(username)))
    );
    assert_eq!(
        m.get_typed(AttrType::NONCE),
        Some(Ok(Attribute::Nonce("f//499k954d6OL34oL9FSTvy64sA")))
    );
    assert_eq!(
        m.get_typed(AttrType::REALM),
        Some(Ok(Attribute::Realm("example.org")))
    );
    let key = IntegrityKey::long_term(
        username,
        "example.org",
        "The\u{00AD}M\u{00AA}tr\u{2168}",
        PasswordAlgorithmId::MD5,
    )
    .unwrap();
    m.verify_message_integrity(&key).unwrap();
    let wrong = IntegrityKey::long_term(
        username,
        "example.org",
        "TheMatrix",
        PasswordAlgorithmId::MD5,
    )
    .unwrap();
    assert_eq!(
        m.verify_message_integrity(&wrong),
        Err(IntegrityError::Mismatch)
    );
    assert_eq!(
        m.verify_fingerprint(),
        Err(IntegrityError::FingerprintMissing)
    );

    // Our builder signs the same content to the same tag (all padding here is zeros).
    let mut b = MessageBuilder::new(MessageType::BINDING_REQUEST, m.transaction_id());
    b.add(&Attribute::Username(username)).unwrap();
    b.add(&Attribute::Nonce("f//499k954d6OL34oL9FSTvy64sA"))
        .unwrap();
    b.add(&Attribute::Realm("example.org")).unwrap();
    b.add_message_integrity(&key).unwrap();
    assert_eq!(b.finish(), bytes);
}
