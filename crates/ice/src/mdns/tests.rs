use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use super::message::{CLASS_IN, Header, Message, Question, TYPE_A, TYPE_AAAA};
use super::*;

struct SeqRng(u8);
impl strata_stun::Rng for SeqRng {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 = self.0.wrapping_mul(31).wrapping_add(7);
            *b = self.0;
        }
    }
}

const HOST: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 99, 0, 1));
const FROM_5353: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 99, 0, 2)), 5353);

fn drain(r: &mut Responder) -> Vec<strata_stun::Transmit> {
    std::iter::from_fn(|| r.poll_transmit()).collect()
}

#[test]
fn names_are_uuid_v4_dot_local() {
    let mut r = Responder::new(ResponderConfig::default());
    let now = Instant::now();
    let name = r.publish(now, HOST, &mut SeqRng(1)).unwrap();
    let uuid = name.strip_suffix(".local").unwrap();
    let parts: Vec<&str> = uuid.split('-').collect();
    assert_eq!(
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12]
    );
    assert!(parts[2].starts_with('4'));
    assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"));
    assert!(is_mdns_name(&name));
    // The same address keeps its name.
    assert_eq!(r.publish(now, HOST, &mut SeqRng(9)).unwrap(), name);
}

#[test]
fn querier_resolves_through_responder_and_caches() {
    let now = Instant::now();
    let mut r = Responder::new(ResponderConfig::default());
    let name = r.publish(now, HOST, &mut SeqRng(2)).unwrap();
    // Two announcements, one second apart.
    assert_eq!(drain(&mut r).len(), 1);
    assert_eq!(r.poll_timeout(), Some(now + Duration::from_secs(1)));
    r.handle_timeout(now + Duration::from_secs(1));
    assert_eq!(drain(&mut r).len(), 1);
    assert_eq!(r.poll_timeout(), None);

    let mut q = Querier::new(QuerierConfig::default());
    let t = now + Duration::from_secs(5);
    q.query(t, &name.to_uppercase()).unwrap();
    let query = q.poll_transmit().unwrap();
    assert_eq!(query.destination, MDNS_V4);
    r.handle_packet(t, FROM_5353, &query.contents);
    let answer = r.poll_transmit().unwrap();
    assert_eq!(answer.destination, MDNS_V4, "multicast answer");
    q.handle_packet(t, &answer.contents);
    assert_eq!(
        q.poll_event(),
        Some(QuerierEvent::Resolved {
            name: name.clone(),
            address: HOST
        })
    );
    assert_eq!(q.poll_timeout(), None);
    // Cached: no new query.
    q.query(t + Duration::from_secs(60), &name).unwrap();
    assert!(q.poll_transmit().is_none());
    assert!(matches!(
        q.poll_event(),
        Some(QuerierEvent::Resolved { .. })
    ));
    // Expired after the TTL: queried again.
    q.query(t + Duration::from_secs(121), &name).unwrap();
    assert!(q.poll_transmit().is_some());
}

#[test]
fn multicast_answers_are_rate_limited_but_unicast_are_not() {
    let now = Instant::now();
    let mut r = Responder::new(ResponderConfig {
        announcements: 0,
        ..ResponderConfig::default()
    });
    let name = r.publish(now, HOST, &mut SeqRng(3)).unwrap();
    let mut q = Querier::new(QuerierConfig::default());
    q.query(now, &name).unwrap();
    let query = q.poll_transmit().unwrap().contents;
    r.handle_packet(now, FROM_5353, &query);
    r.handle_packet(now + Duration::from_millis(500), FROM_5353, &query);
    assert_eq!(drain(&mut r).len(), 1, "one multicast answer per second");
    r.handle_packet(now + Duration::from_millis(1000), FROM_5353, &query);
    assert_eq!(drain(&mut r).len(), 1);

    // Legacy unicast: from an ephemeral port, id echoed, question repeated, TTL <= 10.
    let mut legacy = query.clone();
    legacy[0] = 0x12;
    legacy[1] = 0x34;
    let from = SocketAddr::new(FROM_5353.ip(), 40000);
    r.handle_packet(now, from, &legacy);
    let t = r.poll_transmit().unwrap();
    assert_eq!(t.destination, from);
    let m = Message::parse(&t.contents).unwrap();
    assert_eq!(m.header.id, 0x1234);
    assert_eq!(m.questions.len(), 1);
    assert_eq!(m.records[0].ttl, LEGACY_UNICAST_TTL);
    assert!(!m.records[0].cache_flush);
    // The AAAA question gets nothing for an IPv4 name.
    assert!(r.poll_transmit().is_none());
}

#[test]
fn qu_bit_gets_a_unicast_answer() {
    let now = Instant::now();
    let mut r = Responder::new(ResponderConfig::default());
    let name = r.publish(now, HOST, &mut SeqRng(4)).unwrap();
    drain(&mut r);
    let query = Message {
        header: Header {
            id: 0,
            response: false,
            opcode: 0,
            authoritative: false,
            rcode: 0,
        },
        questions: vec![Question {
            name: name.clone(),
            qtype: TYPE_A,
            unicast_response: true,
            class: CLASS_IN,
        }],
        records: vec![],
    };
    let mut bytes = Vec::new();
    query.emit(&mut bytes).unwrap();
    r.handle_packet(now, FROM_5353, &bytes);
    assert_eq!(r.poll_transmit().unwrap().destination, FROM_5353);
}

#[test]
fn unanswered_queries_repeat_at_doubling_intervals_then_fail() {
    let start = Instant::now();
    let mut q = Querier::new(QuerierConfig {
        timeout: Duration::from_secs(10),
        ..QuerierConfig::default()
    });
    q.query(start, "abc.local").unwrap();
    let mut sent = vec![0u64];
    while q.poll_transmit().is_some() {}
    let mut failed = None;
    while let Some(t) = q.poll_timeout() {
        q.handle_timeout(t);
        let at = t.duration_since(start).as_secs();
        while q.poll_transmit().is_some() {
            sent.push(at);
        }
        if let Some(QuerierEvent::Failed { name }) = q.poll_event() {
            failed = Some((name, at));
        }
    }
    assert_eq!(sent, [0, 1, 3, 7]);
    assert_eq!(failed, Some(("abc.local".to_owned(), 10)));
    assert_eq!(q.stats().queries_sent, 4);
}

#[test]
fn bounds_and_bad_input() {
    let now = Instant::now();
    let mut q = Querier::new(QuerierConfig {
        max_pending: 2,
        ..QuerierConfig::default()
    });
    assert_eq!(q.query(now, "example.com"), Err(MdnsError::NotLocalName));
    assert_eq!(q.query(now, ".local"), Err(MdnsError::NotLocalName));
    q.query(now, "a.local").unwrap();
    q.query(now, "a.local.").unwrap();
    q.query(now, "b.local").unwrap();
    assert_eq!(q.query(now, "c.local"), Err(MdnsError::TooManyPending));
    assert_eq!(
        std::iter::from_fn(|| q.poll_transmit()).count(),
        2,
        "a duplicate name is not queried twice"
    );
    q.handle_packet(now, &[1, 2, 3]);
    assert_eq!(q.stats().malformed, 1);

    let mut r = Responder::new(ResponderConfig {
        max_names: 1,
        ..ResponderConfig::default()
    });
    r.publish(now, HOST, &mut SeqRng(5)).unwrap();
    assert_eq!(
        r.publish(now, IpAddr::V6(Ipv6Addr::LOCALHOST), &mut SeqRng(6)),
        Err(MdnsError::TooManyNames)
    );
    r.handle_packet(now, FROM_5353, &[0xFF; 7]);
    assert_eq!(r.stats().malformed, 1);
}

#[test]
fn ipv6_names_answer_aaaa_and_goodbye_has_ttl_zero() {
    let now = Instant::now();
    let v6 = IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1));
    let mut r = Responder::new(ResponderConfig::default());
    let name = r.publish(now, v6, &mut SeqRng(7)).unwrap();
    let ann = r.poll_transmit().unwrap();
    assert_eq!(ann.destination, MDNS_V6);
    let mut q = Querier::new(QuerierConfig::default());
    q.query(now, &name).unwrap();
    let query = q.poll_transmit().unwrap();
    let m = Message::parse(&query.contents).unwrap();
    assert_eq!(
        m.questions.iter().map(|q| q.qtype).collect::<Vec<_>>(),
        [TYPE_A, TYPE_AAAA]
    );
    q.handle_packet(now, &ann.contents);
    assert_eq!(
        q.poll_event(),
        Some(QuerierEvent::Resolved {
            name: name.clone(),
            address: v6
        })
    );
    r.unpublish(&name);
    let bye = Message::parse(&r.poll_transmit().unwrap().contents).unwrap();
    assert_eq!(bye.records[0].ttl, 0);
    assert_eq!(r.published().count(), 0);
}

#[test]
fn responses_for_other_names_or_with_errors_are_ignored() {
    let now = Instant::now();
    let mut r = Responder::new(ResponderConfig::default());
    let name = r.publish(now, HOST, &mut SeqRng(8)).unwrap();
    let mut ann = r.poll_transmit().unwrap().contents;
    let mut q = Querier::new(QuerierConfig::default());
    q.query(now, "other.local").unwrap();
    q.handle_packet(now, &ann);
    assert_eq!(q.poll_event(), None);
    q.query(now, &name).unwrap();
    ann[3] |= 0x03; // RCODE 3
    q.handle_packet(now, &ann);
    assert_eq!(q.poll_event(), None);
    assert_eq!(q.stats().ignored, 2);
}
