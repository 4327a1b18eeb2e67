//! Arbitrary datagrams (or stream bytes) into an allocated TURN client with one permission
//! and one bound channel. Oracle: no panic, relayed data returned from `handle_packet` lies
//! inside the input, and the client's queues stay within their configured bounds.
#![no_main]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use strata_stun::{
    AttrType, Attribute, Class, ErrorCode, IntegrityKey, Message, MessageBuilder, MessageType,
    PasswordAlgorithmId, Rng,
};
use strata_turn::client::{Client, Config, Transport};

struct Counter(u8);

impl Rng for Counter {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 = self.0.wrapping_add(1);
            *b = self.0;
        }
    }
}

fn server() -> SocketAddr {
    "192.0.2.1:3478".parse().expect("literal")
}

fn peer() -> SocketAddr {
    "203.0.113.9:6000".parse().expect("literal")
}

/// Answer one request the way a server would (401 first, then success).
fn answer(request: &[u8], key: &IntegrityKey) -> Vec<u8> {
    let m = Message::new_checked(request).expect("the client sends valid STUN");
    if m.get(AttrType::MESSAGE_INTEGRITY).is_none() {
        let mut b = MessageBuilder::new(
            MessageType::new(m.method(), Class::ErrorResponse),
            m.transaction_id(),
        );
        b.add(&Attribute::ErrorCode(ErrorCode {
            code: 401,
            reason: "Unauthenticated",
        }))
        .expect("fits");
        b.add(&Attribute::Realm("realm")).expect("fits");
        b.add(&Attribute::Nonce("nonce")).expect("fits");
        return b.finish();
    }
    let mut b = MessageBuilder::new(
        MessageType::new(m.method(), Class::SuccessResponse),
        m.transaction_id(),
    );
    b.add(&Attribute::XorRelayedAddress(
        "192.0.2.1:50000".parse().expect("literal"),
    ))
    .expect("fits");
    b.add(&Attribute::Lifetime(600)).expect("fits");
    b.add_message_integrity(key).expect("fits");
    b.finish()
}

fn allocated(transport: Transport, now: Instant) -> Client {
    let key = IntegrityKey::long_term("u", "realm", "p", PasswordAlgorithmId::MD5).expect("ascii");
    let mut config = Config::new(server(), transport, "u", "p");
    config.max_queued_events = 16;
    let mut c = Client::with_rng(config, Box::new(Counter(0)), now);
    let mut bound = false;
    for _ in 0..8 {
        while let Some(t) = c.poll_transmit() {
            let reply = answer(&t.contents, &key);
            if transport.is_stream() {
                c.handle_stream_data(now, &reply).expect("valid framing");
            } else {
                let _ = c.handle_packet(now, server(), &reply);
            }
        }
        while c.poll_event().is_some() {}
        if c.is_allocated() && !bound {
            c.create_permission(now, "203.0.113.10".parse().expect("literal"))
                .expect("allocated");
            c.bind_channel(now, peer()).expect("allocated");
            bound = true;
        }
    }
    assert!(c.is_allocated() && c.channel(peer()).is_some());
    c
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let transport = match mode % 3 {
        0 => Transport::Udp,
        1 => Transport::Tcp,
        _ => Transport::Tls,
    };
    let start = Instant::now();
    let mut c = allocated(transport, start);
    // Datagrams separated by 0xFE bytes, each followed by a clock step.
    for (i, chunk) in rest.split(|b| *b == 0xFE).enumerate() {
        let now = start + Duration::from_secs(i as u64 * (u64::from(mode) + 1));
        if transport.is_stream() {
            if c.handle_stream_data(now, chunk).is_err() {
                assert!(c.is_closed());
                return;
            }
        } else if let Some(r) = c.handle_packet(now, server(), chunk) {
            let range = chunk.as_ptr_range();
            assert!(r.data.is_empty() || range.contains(&r.data.as_ptr()));
            assert!(r.data.len() <= chunk.len());
        }
        let _ = c.send_to(now, peer(), chunk);
        c.handle_timeout(now);
        let mut events = 0;
        while c.poll_event().is_some() {
            events += 1;
        }
        assert!(events <= 16 + 8, "event queue bound");
        while c.poll_transmit().is_some() {}
    }
});
