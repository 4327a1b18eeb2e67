#![no_main]
//! DTLS datagram: records -> handshake fragments -> reassembly -> typed messages, with
//! round-trip oracles at every layer (records and fragments re-emit byte for byte; parsed
//! messages and alerts re-parse to the same repr).

use libfuzzer_sys::fuzz_target;
use strata_dtls::handshake::{Handshake, HandshakeFragment};
use strata_dtls::record::Record;
use strata_dtls::{
    Alert, ChangeCipherSpec, ContentType, HandshakeFragments, HandshakeMessage, Reassembler,
    ReassemblerConfig, RecordRepr, Records,
};

fn check_message(msg_type: strata_dtls::HandshakeType, body: &[u8]) {
    let Ok(msg) = HandshakeMessage::parse(msg_type, body) else {
        return;
    };
    assert_eq!(msg.msg_type(), msg_type);
    let mut out = vec![0u8; msg.buffer_len()];
    let n = msg.emit(&mut out).expect("a parsed message emits");
    assert_eq!(n, out.len());
    assert_eq!(HandshakeMessage::parse(msg_type, &out), Ok(msg));
}

fuzz_target!(|data: &[u8]| {
    // A small window and budget so the fuzzer reaches the limits.
    let mut reassembler = Reassembler::new(ReassemblerConfig {
        max_buffered: 8 * 1024,
        max_message_len: 4 * 1024,
        max_ahead: 4,
    });
    let mut consumed = 0;
    for record in Records::new(data) {
        let Ok(record) = record else {
            break;
        };
        let mut out = vec![0u8; record.buffer_len()];
        assert_eq!(record.emit(&mut out), Ok(out.len()));
        assert_eq!(&data[consumed..consumed + out.len()], &out[..]);
        let view = Record::new_checked(&out[..]).expect("emitted record checks");
        assert_eq!(RecordRepr::parse(&view), Ok(record));
        consumed += out.len();

        match record.content_type {
            ContentType::HANDSHAKE => {
                for fragment in HandshakeFragments::new(record.fragment) {
                    let Ok(fragment) = fragment else {
                        break;
                    };
                    let mut out = vec![0u8; fragment.buffer_len()];
                    assert_eq!(fragment.emit(&mut out), Ok(out.len()));
                    let view = Handshake::new_checked(&out[..]).expect("emitted fragment checks");
                    assert_eq!(HandshakeFragment::parse(&view), Ok(fragment));
                    if fragment.is_whole() {
                        check_message(fragment.msg_type, fragment.fragment);
                    }
                    if reassembler.push(&fragment).is_err() {
                        continue;
                    }
                    assert!(reassembler.buffered_bytes() <= 8 * 1024);
                    while let Some(message) = reassembler.pop() {
                        assert_eq!(message.header().length as usize, message.body.len());
                        check_message(message.msg_type, &message.body);
                    }
                }
            }
            ContentType::ALERT => {
                if let Ok(alert) = Alert::parse(record.fragment) {
                    let mut b = [0u8; 2];
                    assert_eq!(alert.emit(&mut b), Ok(2));
                    assert_eq!(&b[..], record.fragment);
                }
            }
            ContentType::CHANGE_CIPHER_SPEC => {
                if ChangeCipherSpec::parse(record.fragment).is_ok() {
                    assert_eq!(record.fragment, &ChangeCipherSpec::BYTES[..]);
                }
            }
            _ => {}
        }
    }
});
