//! Fuzz the STUN message parser: validate, walk attributes, type every attribute, verify
//! integrity and fingerprint, and check that emit(parse(x)) parses back to the same repr.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_stun::{IntegrityKey, Message, MessageRepr};

fuzz_target!(|data: &[u8]| {
    let Ok(message) = Message::new_checked(data) else {
        return;
    };
    let _ = message.unknown_comprehension_required().count();
    let _ = message.verify_fingerprint();
    let key = IntegrityKey::from_bytes(b"fuzz");
    let _ = message.verify_integrity(&key);
    if let Ok(repr) = MessageRepr::parse(message) {
        // Some parsed values are not emittable (for example a text attribute whose length the
        // builder would refuse); when emit succeeds, the result must parse to the same repr.
        if let Ok(bytes) = repr.to_vec() {
            let again = Message::new_checked(&bytes[..]).expect("emitted message must validate");
            let reparsed = MessageRepr::parse(again).expect("emitted message must parse");
            assert_eq!(reparsed, repr);
        }
    }
});
