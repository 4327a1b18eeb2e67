#![no_main]
//! RTP: parse, walk the extensions, and check that emit -> parse gives the same repr.

use libfuzzer_sys::fuzz_target;
use strata_rtp::rtp::values::{AbsSendTime, ExtensionValue, SdesMid, TransportSequenceNumber};
use strata_rtp::{RtpPacket, RtpRepr};

fuzz_target!(|data: &[u8]| {
    let Ok(packet) = RtpPacket::new_checked(data) else {
        return;
    };
    let _ = (packet.payload(), packet.csrcs().len(), packet.header_len());
    let repr = RtpRepr::parse(&packet).expect("a checked packet parses");
    if let Some(ext) = repr.extension {
        for e in ext.elements() {
            let _ = AbsSendTime::parse(e.data);
            let _ = TransportSequenceNumber::parse(e.data);
            let _ = SdesMid::parse(e.data);
        }
    }
    let mut out = vec![0u8; repr.buffer_len()];
    let n = repr.emit(&mut out).expect("a parsed repr emits");
    assert_eq!(n, data.len());
    assert_eq!(RtpRepr::parse_bytes(&out), Ok(repr));
});
