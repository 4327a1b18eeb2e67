//! Data channels (RFC 8831, RFC 8832) over two associations joined in memory.

use std::time::{Duration, Instant};

use strata_sctp::association::{Association, Config};
use strata_sctp::datachannel::{
    ChannelConfig, ChannelError, ChannelEvent, ChannelState, DataChannels, DtlsRole, Reliability,
};

struct Pair {
    a: DataChannels,
    b: DataChannels,
    now: Instant,
    a_events: Vec<ChannelEvent>,
    b_events: Vec<ChannelEvent>,
    /// Drop every n-th packet (0: none).
    drop_every: usize,
    sent: usize,
}

fn config(seed: u64) -> Config {
    Config {
        seed,
        heartbeat_interval: None,
        ..Config::default()
    }
}

impl Pair {
    fn new(drop_every: usize) -> Pair {
        Pair::with(drop_every, config)
    }

    fn with(drop_every: usize, config: impl Fn(u64) -> Config) -> Pair {
        let now = Instant::now();
        let mut p = Pair {
            a: DataChannels::new(Association::new(config(1), now), DtlsRole::Client),
            b: DataChannels::new(Association::new(config(2), now), DtlsRole::Server),
            now,
            a_events: Vec::new(),
            b_events: Vec::new(),
            drop_every,
            sent: 0,
        };
        p.a.association_mut().connect(now).expect("connect");
        p.run(|p| {
            p.a_events.contains(&ChannelEvent::Connected)
                && p.b_events.contains(&ChannelEvent::Connected)
        });
        p
    }

    /// Shuttles packets (10 ms one way) and fires timers until `done` or 100k steps.
    fn run(&mut self, done: impl Fn(&Pair) -> bool) {
        for _ in 0..100_000 {
            while let Some(e) = self.a.poll_event() {
                self.a_events.push(e);
            }
            while let Some(e) = self.b.poll_event() {
                self.b_events.push(e);
            }
            if done(self) {
                return;
            }
            let mut any = false;
            self.now += Duration::from_millis(10);
            while let Some(pkt) = self.a.poll_transmit() {
                any = true;
                self.sent += 1;
                if self.drop_every == 0 || !self.sent.is_multiple_of(self.drop_every) {
                    let _ = self.b.handle_packet(self.now, &pkt);
                }
            }
            let mut buf = [0u8; 1500];
            while let Some(n) = self.b.poll_transmit_into(&mut buf) {
                let pkt = &buf[..n];
                any = true;
                self.sent += 1;
                if self.drop_every == 0 || !self.sent.is_multiple_of(self.drop_every) {
                    let _ = self.a.handle_packet(self.now, pkt);
                }
            }
            if !any {
                let next = [self.a.poll_timeout(), self.b.poll_timeout()]
                    .into_iter()
                    .flatten()
                    .min();
                let Some(next) = next else { continue };
                self.now = self.now.max(next);
                self.a.handle_timeout(self.now);
                self.b.handle_timeout(self.now);
            }
        }
        panic!(
            "condition not reached: {:?} / {:?}",
            self.a_events, self.b_events
        );
    }
}

fn messages(events: &[ChannelEvent], id: u16) -> Vec<(Vec<u8>, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            ChannelEvent::Message {
                id: i,
                data,
                binary,
            } if *i == id => Some((data.clone(), *binary)),
            _ => None,
        })
        .collect()
}

#[test]
fn dcep_open_send_and_close() {
    for drop_every in [0, 4] {
        let mut p = Pair::new(drop_every);
        let now = p.now;
        let id =
            p.a.open(
                now,
                ChannelConfig {
                    label: "chat".into(),
                    protocol: "proto".into(),
                    ordered: false,
                    reliability: Reliability::MaxRetransmits(3),
                    ..ChannelConfig::default()
                },
            )
            .unwrap();
        assert_eq!(id % 2, 0, "the DTLS client picks even ids");
        assert_eq!(p.a.state(id), Some(ChannelState::Connecting));
        p.run(|p| p.a_events.contains(&ChannelEvent::Open { id }));
        assert!(p.b_events.contains(&ChannelEvent::Open { id }));
        let seen = p.b.config(id).unwrap();
        assert_eq!(
            (seen.label.as_str(), seen.protocol.as_str()),
            ("chat", "proto")
        );
        assert_eq!(seen.reliability, Reliability::MaxRetransmits(3));
        assert!(!seen.ordered);

        // Server side opens one too: odd id.
        let now = p.now;
        let id_b = p.b.open(now, ChannelConfig::default()).unwrap();
        assert_eq!(id_b % 2, 1);

        let now = p.now;
        p.a.send(now, id, b"hello", false).unwrap();
        p.a.send(now, id, &[1, 2, 3], true).unwrap();
        p.a.send(now, id, b"", false).unwrap();
        p.a.send(now, id, b"", true).unwrap();
        p.run(|p| messages(&p.b_events, id).len() == 4);
        let mut got = messages(&p.b_events, id);
        got.sort();
        let mut want = vec![
            (b"hello".to_vec(), false),
            (vec![1, 2, 3], true),
            (Vec::new(), false),
            (Vec::new(), true),
        ];
        want.sort();
        assert_eq!(got, want);

        let now = p.now;
        p.a.close(now, id).unwrap();
        assert!(matches!(
            p.a.send(now, id, b"late", false),
            Err(ChannelError::NoSuchChannel(_))
        ));
        p.run(|p| {
            p.a_events.contains(&ChannelEvent::Closed { id })
                && p.b_events.contains(&ChannelEvent::Closed { id })
        });
        assert_eq!(p.a.state(id), None);
        assert_eq!(p.b.state(id), None);
        // The id is free again and the other channel still works.
        let now = p.now;
        assert_eq!(p.a.open(now, ChannelConfig::default()).unwrap(), id);
        p.b.send(now, id_b, b"still here", false).unwrap();
        p.run(|p| !messages(&p.a_events, id_b).is_empty());
    }
}

#[test]
fn negotiated_channels_skip_dcep() {
    let mut p = Pair::new(0);
    let now = p.now;
    let cfg = ChannelConfig {
        negotiated: Some(7),
        ..ChannelConfig::default()
    };
    assert_eq!(p.a.open(now, cfg.clone()).unwrap(), 7);
    assert_eq!(p.b.open(now, cfg.clone()).unwrap(), 7);
    assert_eq!(p.a.state(7), Some(ChannelState::Open));
    assert_eq!(p.a.open(now, cfg), Err(ChannelError::StreamInUse(7)));
    p.a.send(now, 7, b"x", true).unwrap();
    p.run(|p| messages(&p.b_events, 7) == [(b"x".to_vec(), true)]);
}

#[test]
fn buffered_amount_low_fires_once_drained() {
    let mut p = Pair::new(0);
    let now = p.now;
    let id =
        p.a.open(
            now,
            ChannelConfig {
                negotiated: Some(0),
                ..ChannelConfig::default()
            },
        )
        .unwrap();
    p.b.open(
        now,
        ChannelConfig {
            negotiated: Some(0),
            ..ChannelConfig::default()
        },
    )
    .unwrap();
    p.a.set_buffered_amount_low_threshold(id, 10_000);
    for _ in 0..50 {
        p.a.send(now, id, &[7; 4000], true).unwrap();
    }
    assert!(p.a.buffered_amount(id) > 10_000);
    p.run(|p| p.a_events.contains(&ChannelEvent::BufferedAmountLow { id }));
    assert!(p.a.buffered_amount(id) <= 10_000);
    p.run(|p| messages(&p.b_events, id).len() == 50);
    let lows = p
        .a_events
        .iter()
        .filter(|e| **e == ChannelEvent::BufferedAmountLow { id })
        .count();
    assert_eq!(lows, 1);
}

#[test]
fn peer_max_message_size_is_honoured() {
    use strata_sctp::association::{Error, RemoteMaxMessageSize};
    let mut p = Pair::new(0);
    let cfg = ChannelConfig {
        negotiated: Some(3),
        ..ChannelConfig::default()
    };
    let id = p.a.open(p.now, cfg.clone()).expect("open");
    p.b.open(p.now, cfg).expect("open");
    // RFC 8841 section 6.1: no attribute means 64 KiB.
    p.a.set_remote_max_message_size(RemoteMaxMessageSize::from_sdp(None));
    assert_eq!(p.a.association().max_sendable_message_size(), 65_536);
    let big = vec![7u8; 65_537];
    assert_eq!(
        p.a.send(p.now, id, &big, true),
        Err(ChannelError::Association(Error::PeerMessageTooLarge {
            len: 65_537,
            max: 65_536
        }))
    );
    p.a.send(p.now, id, &big[..65_536], true)
        .expect("at the limit");
    // An explicit smaller limit.
    p.a.set_remote_max_message_size(RemoteMaxMessageSize::from_sdp(Some(1000)));
    assert!(matches!(
        p.a.send(p.now, id, &big[..1001], false),
        Err(ChannelError::Association(Error::PeerMessageTooLarge {
            len: 1001,
            max: 1000
        }))
    ));
    // 0: any size the peer can take, bounded only by our own max_message_size (256 KiB).
    p.a.set_remote_max_message_size(RemoteMaxMessageSize::from_sdp(Some(0)));
    assert_eq!(p.a.association().max_sendable_message_size(), 262_144);
    p.a.send(p.now, id, &big, true).expect("no peer limit");
    let huge = vec![1u8; 262_145];
    assert!(matches!(
        p.a.send(p.now, id, &huge, true),
        Err(ChannelError::Association(Error::MessageTooLarge { .. }))
    ));
    // What was accepted arrives whole.
    p.run(|p| messages(&p.b_events, id).len() == 2);
    let got = messages(&p.b_events, id);
    assert_eq!(got[0].0.len(), 65_536);
    assert_eq!(got[1].0.len(), 65_537);
}

#[test]
fn peer_restart_closes_every_channel() {
    let mut p = Pair::new(0);
    let cfg = |id| ChannelConfig {
        negotiated: Some(id),
        ..ChannelConfig::default()
    };
    p.a.open(p.now, cfg(1)).unwrap();
    p.b.open(p.now, cfg(1)).unwrap();
    p.a.send(p.now, 1, b"one", true).unwrap();
    p.run(|p| messages(&p.b_events, 1).len() == 1);
    // b loses its state and starts over.
    p.b = DataChannels::new(Association::new(config(9), p.now), DtlsRole::Server);
    p.b_events.clear();
    p.b.association_mut().connect(p.now).unwrap();
    p.run(|p| {
        p.a_events.contains(&ChannelEvent::Closed { id: 1 })
            && p.b_events.contains(&ChannelEvent::Connected)
    });
    assert_eq!(p.a.state(1), None);
    // The id is free again; a new channel carries data.
    p.a.open(p.now, cfg(1)).unwrap();
    p.b.open(p.now, cfg(1)).unwrap();
    p.a.send(p.now, 1, b"two", true).unwrap();
    p.run(|p| messages(&p.b_events, 1) == [(b"two".to_vec(), true)]);
}

#[test]
fn channel_priority_weighs_its_stream_on_both_ends() {
    let mut p = Pair::new(0);
    let now = p.now;
    let high = ChannelConfig {
        label: "high".into(),
        priority: 1024,
        ..ChannelConfig::default()
    };
    let id = p.a.open(now, high).unwrap();
    p.run(|p| p.b_events.contains(&ChannelEvent::Open { id }));
    // RFC 8831 section 6.4: the opener's scheduler uses it, and the peer takes the
    // priority from DATA_CHANNEL_OPEN for its own sending on that channel.
    assert_eq!(p.a.association().stream_priority(id), 1024);
    assert_eq!(p.b.config(id).unwrap().priority, 1024);
    assert_eq!(p.b.association().stream_priority(id), 1024);
    // A default channel is "low" (256).
    let id2 = p.b.open(now, ChannelConfig::default()).unwrap();
    p.run(|p| p.a_events.contains(&ChannelEvent::Open { id: id2 }));
    assert_eq!(p.a.association().stream_priority(id2), 256);
}

/// With message interleaving (RFC 8260) on both ends: DCEP, messages of every kind, a
/// small message overtaking a large one on another channel, and close (stream reset,
/// which restarts the MIDs) then reopen of the same id.
#[test]
fn channels_over_i_data() {
    for drop_every in [0, 5] {
        let mut p = Pair::with(drop_every, |seed| Config {
            message_interleaving: true,
            ..config(seed)
        });
        assert!(p.a.association().message_interleaving());
        assert!(p.b.association().message_interleaving());
        let now = p.now;
        let bulk = p.a.open(now, ChannelConfig::default()).unwrap();
        let chat = p.a.open(now, ChannelConfig::default()).unwrap();
        let lossy =
            p.a.open(
                now,
                ChannelConfig {
                    ordered: false,
                    reliability: Reliability::MaxRetransmits(0),
                    ..ChannelConfig::default()
                },
            )
            .unwrap();
        p.run(|p| {
            [bulk, chat, lossy]
                .iter()
                .all(|&id| p.b_events.contains(&ChannelEvent::Open { id }))
        });
        let now = p.now;
        let large: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        p.a.send(now, bulk, &large, true).unwrap();
        p.a.send(now, chat, b"hi", false).unwrap();
        p.a.send(now, chat, b"", true).unwrap();
        for i in 0..20u8 {
            p.a.send(now, lossy, &[i; 100], true).unwrap();
        }
        p.run(|p| messages(&p.b_events, bulk).len() == 1 && messages(&p.b_events, chat).len() == 2);
        assert_eq!(messages(&p.b_events, bulk), [(large.clone(), true)]);
        assert_eq!(
            messages(&p.b_events, chat),
            [(b"hi".to_vec(), false), (Vec::new(), true)]
        );
        let order: Vec<u16> = p
            .b_events
            .iter()
            .filter_map(|e| match e {
                ChannelEvent::Message { id, .. } if *id != lossy => Some(*id),
                _ => None,
            })
            .collect();
        assert_eq!(order, [chat, chat, bulk], "chat waited behind bulk");
        // Close, reopen the same id, and send on it again.
        let now = p.now;
        p.a.close(now, bulk).unwrap();
        p.run(|p| {
            p.a_events.contains(&ChannelEvent::Closed { id: bulk })
                && p.b_events.contains(&ChannelEvent::Closed { id: bulk })
        });
        let now = p.now;
        assert_eq!(p.a.open(now, ChannelConfig::default()).unwrap(), bulk);
        p.run(|p| {
            p.b_events
                .iter()
                .filter(|e| **e == ChannelEvent::Open { id: bulk })
                .count()
                == 2
        });
        let now = p.now;
        p.a.send(now, bulk, b"again", true).unwrap();
        p.b.send(now, bulk, b"back", true).unwrap();
        p.run(|p| {
            messages(&p.b_events, bulk).len() == 2 && !messages(&p.a_events, bulk).is_empty()
        });
        assert_eq!(messages(&p.b_events, bulk)[1], (b"again".to_vec(), true));
        assert_eq!(messages(&p.a_events, bulk), [(b"back".to_vec(), true)]);
    }
}
