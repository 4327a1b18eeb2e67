//! Fuzz the SDP parser: parse, then check the emit -> parse round trip, the exact length of
//! the emitted text, and the typed layer (every attribute that types must format back to an
//! attribute that types to the same value).

#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_sdp::SessionDescription;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(sdp) = SessionDescription::parse(text) else {
        return;
    };
    let emitted = sdp.emit_string();
    assert_eq!(emitted.len(), sdp.buffer_len());
    let reparsed = SessionDescription::parse(&emitted).expect("emitted text parses");
    assert_eq!(reparsed, sdp);
    assert_eq!(reparsed.emit_string(), emitted);
    // The typed view is a function of the raw lines: same result on both.
    assert_eq!(sdp.to_typed(), reparsed.to_typed());

    let attributes = sdp.attributes().chain(sdp.media.iter().flat_map(|m| m.attributes()));
    for a in attributes {
        if let Ok(typed) = a.parse_typed() {
            let back = typed.to_attribute();
            assert_eq!(back.parse_typed().as_ref(), Ok(&typed), "{a}");
            assert_eq!(typed.to_string(), back.to_string());
        }
    }
    for m in &sdp.media {
        if let Ok(ml) = m.media_line() {
            ml.payload_types().for_each(drop);
        }
    }
});
