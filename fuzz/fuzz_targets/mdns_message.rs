//! mDNS: the DNS subset parser, then the querier and responder fed the same bytes.
//!
//! Oracles: parsing never panics; a parsed message whose names need no escaping re-emits to
//! bytes that parse to the same message; the querier and responder never panic and stay
//! within their bounds.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use strata_ice::mdns::message::{Message, RecordData};
use strata_ice::mdns::{Querier, QuerierConfig, Responder, ResponderConfig};

struct FixedRng;
impl strata_ice::Rng for FixedRng {
    fn fill(&mut self, buf: &mut [u8]) {
        buf.fill(0x5a);
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = Message::parse(data) {
        let plain = msg.questions.iter().map(|q| &q.name).chain(msg.records.iter().map(|r| &r.name))
            .all(|n| !n.contains('\\') && !n.split('.').any(|l| l.is_empty() || l.len() > 63));
        let mut out = Vec::new();
        if plain && msg.emit(&mut out).is_ok() {
            let again = Message::parse(&out).expect("emitted message parses");
            // Data of unknown types is not kept, so compare the known parts.
            assert_eq!(again.header, msg.header);
            assert_eq!(again.questions, msg.questions);
            assert_eq!(again.records.len(), msg.records.len());
            for (a, b) in again.records.iter().zip(&msg.records) {
                assert_eq!(a.name, b.name);
                if !matches!(b.data, RecordData::Other(_)) {
                    assert_eq!(a, b);
                }
            }
        }
    }
    let now = Instant::now();
    let mut q = Querier::new(QuerierConfig::default());
    let _ = q.query(now, "5a5a5a5a-5a5a-4a5a-9a5a-5a5a5a5a5a5a.local");
    q.handle_packet(now, data);
    q.handle_timeout(now + Duration::from_secs(2));
    while q.poll_transmit().is_some() {}
    while q.poll_event().is_some() {}

    let mut r = Responder::new(ResponderConfig::default());
    let _ = r.publish(now, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), &mut FixedRng);
    let from = SocketAddr::from(([10, 0, 0, 2], if data.len() % 2 == 0 { 5353 } else { 40000 }));
    r.handle_packet(now, from, data);
    let mut answers = 0;
    while r.poll_transmit().is_some() {
        answers += 1;
    }
    assert!(answers <= 1 + data.len() / 5, "one answer per question at most, plus the announcement");
});
