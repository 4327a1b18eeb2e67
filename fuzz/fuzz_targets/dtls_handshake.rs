#![no_main]
//! DTLS handshake bodies: the first byte picks the parser (a HandshakeType, or one of the
//! sub-structures), the rest is the body. Whatever parses must emit and re-parse to the
//! same repr.

use libfuzzer_sys::fuzz_target;
use strata_dtls::extensions::parse_extensions;
use strata_dtls::handshake::{DigitallySigned, ServerKeyExchange, parse_whole_message};
use strata_dtls::{Alert, HandshakeMessage, HandshakeType, List, WireItem};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    match selector {
        0xf0 => {
            if let Ok(exts) = parse_extensions(body) {
                let items: Vec<_> = exts.iter().collect();
                assert_eq!(exts.wire_len(), body.len());
                let list = List::Slice(&items);
                assert_eq!(list.wire_len(), body.len());
                let mut out = vec![0u8; list.wire_len()];
                let mut at = 0;
                for e in &items {
                    at += e.write(&mut out[at..]).expect("a parsed extension emits");
                }
                assert_eq!(parse_extensions(&out), Ok(exts));
            }
        }
        0xf1 => {
            if let Ok(alert) = Alert::parse(body) {
                let mut out = [0u8; 2];
                assert_eq!(alert.emit(&mut out), Ok(2));
                assert_eq!(&out[..], body);
            }
        }
        0xf2 => {
            if let Ok(ds) = DigitallySigned::parse(body) {
                let mut out = vec![0u8; ds.buffer_len()];
                assert_eq!(ds.emit(&mut out), Ok(body.len()));
                assert_eq!(&out[..], body);
            }
        }
        0xf3 => {
            if let Ok(f) = parse_whole_message(body) {
                assert!(f.is_whole());
                let _ = HandshakeMessage::parse(f.msg_type, f.fragment);
            }
        }
        msg_type => {
            let msg_type = HandshakeType(msg_type);
            let Ok(msg) = HandshakeMessage::parse(msg_type, body) else {
                return;
            };
            if let HandshakeMessage::ServerKeyExchange(ske) = msg {
                let params = ServerKeyExchange::signed_params(body).expect("parsed before");
                assert_eq!(params.len(), ske.params_len());
            }
            let mut out = vec![0u8; msg.buffer_len()];
            assert_eq!(msg.emit(&mut out), Ok(out.len()));
            assert_eq!(HandshakeMessage::parse(msg_type, &out), Ok(msg));
            let mut whole = vec![0u8; msg.whole_len()];
            assert_eq!(msg.emit_whole(7, &mut whole), Ok(whole.len()));
            let f = parse_whole_message(&whole).expect("emitted whole message parses");
            assert_eq!(HandshakeMessage::parse(f.msg_type, f.fragment), Ok(msg));
        }
    }
});
