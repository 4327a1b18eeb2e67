//! Property tests: every typed attribute survives emit -> parse, whole messages survive
//! MessageRepr emit -> parse, and signed messages verify while any flipped bit breaks them.

#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, SocketAddr};

use proptest::prelude::*;
use strata_stun::{
    AddressFamily, AttrType, Attribute, ErrorCode, IntegrityKey, Message, MessageBuilder,
    MessageRepr, MessageType, Method, PasswordAlgorithm, PasswordAlgorithmId, TransactionId,
};

/// An owned description of an attribute, turned into a borrowing `Attribute` in the test.
#[derive(Debug, Clone)]
enum Spec {
    Addr(u8, SocketAddr),
    Text(u8, String),
    Bytes(u8, Vec<u8>),
    Num32(u8, u32),
    Num64(u8, u64),
    Flag(u8),
    Error(u16, String),
    AddressError(u8, u16, String),
    Algorithms(Vec<(u16, Vec<u8>)>),
    Unknown(Vec<u16>),
    Family(u8, u8),
    Icmp(u8, u8, u32),
    Raw(u16, Vec<u8>),
}

fn socket_addr() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<u16>())
            .prop_map(|(ip, port)| SocketAddr::new(IpAddr::from(ip), port)),
        (any::<[u8; 16]>(), any::<u16>())
            .prop_map(|(ip, port)| SocketAddr::new(IpAddr::from(ip), port)),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    let text = "[a-zA-Z0-9 :/+=\u{e9}\u{30de}]{0,40}";
    prop_oneof![
        (0u8..5, socket_addr()).prop_map(|(k, a)| Spec::Addr(k, a)),
        (0u8..5, text).prop_map(|(k, s)| Spec::Text(k, s)),
        (0u8..6, proptest::collection::vec(any::<u8>(), 0..64))
            .prop_map(|(k, b)| Spec::Bytes(k, b)),
        (0u8..4, any::<u32>()).prop_map(|(k, v)| Spec::Num32(k, v)),
        (0u8..2, any::<u64>()).prop_map(|(k, v)| Spec::Num64(k, v)),
        (0u8..3).prop_map(Spec::Flag),
        (300u16..700, text).prop_map(|(c, s)| Spec::Error(c, s)),
        (any::<u8>(), 300u16..700, text).prop_map(|(f, c, s)| Spec::AddressError(f, c, s)),
        proptest::collection::vec(
            (any::<u16>(), proptest::collection::vec(any::<u8>(), 0..9)),
            0..4
        )
        .prop_map(Spec::Algorithms),
        proptest::collection::vec(any::<u16>(), 0..6).prop_map(Spec::Unknown),
        (0u8..2, any::<u8>()).prop_map(|(k, f)| Spec::Family(k, f)),
        (any::<u8>(), any::<u8>(), any::<u32>()).prop_map(|(t, c, d)| Spec::Icmp(t, c, d)),
        (
            0xC000u16..0xFFFF,
            proptest::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(|(t, v)| Spec::Raw(t, v)),
    ]
}

fn attribute(s: &Spec) -> Attribute<'_> {
    match s {
        Spec::Addr(k, a) => match k {
            0 => Attribute::MappedAddress(*a),
            1 => Attribute::XorMappedAddress(*a),
            2 => Attribute::AlternateServer(*a),
            3 => Attribute::XorPeerAddress(*a),
            _ => Attribute::XorRelayedAddress(*a),
        },
        Spec::Text(k, t) => match k {
            0 => Attribute::Username(t),
            1 => Attribute::Realm(t),
            2 => Attribute::Nonce(t),
            3 => Attribute::Software(t),
            _ => Attribute::AlternateDomain(t),
        },
        Spec::Bytes(k, b) => match k {
            0 => Attribute::Data(b),
            1 => Attribute::UserHash(padded::<32>(b)),
            2 => Attribute::MessageIntegrity(padded::<20>(b)),
            3 => Attribute::ReservationToken(padded::<8>(b)),
            4 if b.len() >= 16 => {
                Attribute::MessageIntegritySha256(&b[..(b.len() / 4 * 4).min(32)])
            }
            4 => Attribute::Data(b),
            _ => Attribute::EvenPort {
                reserve_next: b.len() % 2 == 0,
            },
        },
        Spec::Num32(k, v) => match k {
            0 => Attribute::Priority(*v),
            1 => Attribute::Lifetime(*v),
            2 => Attribute::Fingerprint(*v),
            _ => Attribute::ChannelNumber(*v as u16),
        },
        Spec::Num64(k, v) => {
            if *k == 0 {
                Attribute::IceControlled(*v)
            } else {
                Attribute::IceControlling(*v)
            }
        }
        Spec::Flag(k) => match k {
            0 => Attribute::UseCandidate,
            1 => Attribute::DontFragment,
            _ => Attribute::RequestedTransport(17),
        },
        Spec::Error(code, reason) => Attribute::ErrorCode(ErrorCode {
            code: *code,
            reason,
        }),
        Spec::AddressError(family, code, reason) => Attribute::AddressErrorCode {
            family: AddressFamily(*family),
            error: ErrorCode {
                code: *code,
                reason,
            },
        },
        Spec::Algorithms(list) => {
            if list.len() == 1 {
                Attribute::PasswordAlgorithm(PasswordAlgorithm {
                    algorithm: PasswordAlgorithmId(list[0].0),
                    parameters: &list[0].1,
                })
            } else {
                Attribute::PasswordAlgorithms(
                    list.iter()
                        .map(|(a, p)| PasswordAlgorithm {
                            algorithm: PasswordAlgorithmId(*a),
                            parameters: p,
                        })
                        .collect(),
                )
            }
        }
        Spec::Unknown(list) => {
            Attribute::UnknownAttributes(list.iter().map(|t| AttrType(*t)).collect())
        }
        Spec::Family(k, f) => {
            if *k == 0 {
                Attribute::RequestedAddressFamily(AddressFamily(*f))
            } else {
                Attribute::AdditionalAddressFamily(AddressFamily(*f))
            }
        }
        Spec::Icmp(t, c, d) => Attribute::Icmp {
            icmp_type: *t,
            code: *c,
            error_data: *d,
        },
        Spec::Raw(t, v) => Attribute::Unknown {
            attr_type: AttrType(*t),
            value: v,
        },
    }
}

fn padded<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    for (o, i) in out.iter_mut().zip(b) {
        *o = *i;
    }
    out
}

proptest! {
    #[test]
    fn repr_round_trip(
        method in 0u16..0x1000,
        class in 0u8..4,
        tid in any::<[u8; 12]>(),
        specs in proptest::collection::vec(spec(), 0..12),
    ) {
        let class = [strata_stun::Class::Request, strata_stun::Class::Indication,
            strata_stun::Class::SuccessResponse, strata_stun::Class::ErrorResponse][class as usize];
        let repr = MessageRepr {
            message_type: MessageType::new(Method(method), class),
            transaction_id: TransactionId(tid),
            attributes: specs.iter().map(attribute).collect(),
        };
        let bytes = repr.to_vec().unwrap();
        prop_assert_eq!(bytes.len(), repr.buffer_len());
        let view = Message::new_checked(&bytes[..]).unwrap();
        let parsed = MessageRepr::parse(view).unwrap();
        prop_assert_eq!(parsed, repr);
    }

    #[test]
    fn signed_messages_verify_and_any_bit_flip_is_caught(
        tid in any::<[u8; 12]>(),
        password in "[ -~]{1,32}",
        specs in proptest::collection::vec(spec(), 0..6),
        sha256_len in prop_oneof![Just(0usize), Just(16), Just(20), Just(32)],
        flip in any::<proptest::sample::Index>(),
    ) {
        let key = IntegrityKey::short_term(&password).unwrap();
        let mut b = MessageBuilder::new(MessageType::BINDING_REQUEST, TransactionId(tid));
        for s in &specs {
            let a = attribute(s);
            if a.attr_type() == AttrType::FINGERPRINT || a.attr_type() == AttrType::MESSAGE_INTEGRITY
                || a.attr_type() == AttrType::MESSAGE_INTEGRITY_SHA256 {
                continue;
            }
            b.add(&a).unwrap();
        }
        if sha256_len == 0 {
            b.add_message_integrity(&key).unwrap();
        } else {
            b.add_message_integrity_sha256(&key, sha256_len).unwrap();
        }
        b.add_fingerprint().unwrap();
        let bytes = b.finish();
        let m = Message::new_checked(&bytes[..]).unwrap();
        prop_assert!(m.verify_integrity(&key).is_ok());
        prop_assert!(m.verify_fingerprint().is_ok());

        // Flip one bit past the type field: either the message no longer parses, or the
        // fingerprint or the integrity check fails.
        let mut bad = bytes.clone();
        let i = 2 + flip.index(bad.len() - 2);
        bad[i] ^= 0x01;
        if let Ok(m) = Message::new_checked(&bad[..]) {
            prop_assert!(m.verify_fingerprint().is_err() || m.verify_integrity(&key).is_err());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(m) = Message::new_checked(&data[..]) {
            let _ = MessageRepr::parse(m);
            let _ = m.verify_fingerprint();
            let _ = m.unknown_comprehension_required().count();
        }
    }
}
