#![no_main]
//! RTCP: parse every packet of a compound, decode the lazy parts, and check that each
//! parsed repr emits and parses back to itself.

use libfuzzer_sys::fuzz_target;
use strata_rtp::RtcpRepr;

fuzz_target!(|data: &[u8]| {
    let _ = strata_rtp::rtcp::check_compound(data, true);
    let mut reprs = Vec::new();
    for repr in RtcpRepr::parse_compound(data).flatten() {
        match repr {
            RtcpRepr::TransportFeedback(fb) => {
                let _ = fb.chunks().count();
                let _ = fb.packet_results().count();
            }
            RtcpRepr::GenericNack(n) => {
                let _ = n.lost_sequence_numbers().count();
            }
            RtcpRepr::SourceDescription(s) => {
                for c in s.chunks {
                    let _ = c.items.len();
                }
            }
            _ => {}
        }
        let mut out = vec![0u8; repr.buffer_len()];
        repr.emit(&mut out).expect("a parsed repr emits");
        assert_eq!(RtcpRepr::parse_bytes(&out), Ok(repr));
        reprs.push(repr);
    }
    let mut out = vec![0u8; RtcpRepr::compound_buffer_len(&reprs)];
    let n = RtcpRepr::emit_compound(&reprs, &mut out).expect("parsed reprs emit");
    let again: Vec<_> = RtcpRepr::parse_compound(&out[..n]).collect();
    assert!(again.iter().all(Result::is_ok));
    assert_eq!(again.len(), reprs.len());
});
