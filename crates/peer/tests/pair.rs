//! Two peer connections over a virtual network: a virtual clock, fixed latency and seeded
//! loss, real ICE + DTLS + SCTP in between.
#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use strata_peer::{
    ChannelId, ChannelState, DataChannelInit, Error, Event, PeerConnectionState, Rtc, RtcConfig,
    SdpType, SessionDescriptionInit, SignalingState,
};

struct Xorshift(u64);
impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

struct SeededRng(Xorshift);
impl strata_stun::Rng for SeededRng {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = self.0.next() as u8;
        }
    }
}

struct Net {
    now: Instant,
    a: Rtc,
    b: Rtc,
    a_events: Vec<Event>,
    b_events: Vec<Event>,
    in_flight: VecDeque<(Instant, bool, strata_peer::Transmit)>,
    latency: Duration,
    loss_percent: u64,
    rng: Xorshift,
    delivered: u64,
    dropped: u64,
    /// `b`'s application takes its events (false: a reader that stopped).
    b_reads: bool,
}

const A: &str = "10.0.0.1:5000";
const B: &str = "10.0.0.2:6000";

impl Net {
    fn new(seed: u64, loss_percent: u64) -> Net {
        Net::with_config(seed, loss_percent, &RtcConfig::default())
    }

    fn with_config(seed: u64, loss_percent: u64, config: &RtcConfig) -> Net {
        let now = Instant::now();
        let mut a = Rtc::with_rng(config.clone(), Box::new(SeededRng(Xorshift(seed | 1)))).unwrap();
        let mut b = Rtc::with_rng(
            config.clone(),
            Box::new(SeededRng(Xorshift(seed.wrapping_mul(7) | 1))),
        )
        .unwrap();
        a.add_local_address(A.parse().unwrap());
        b.add_local_address(B.parse().unwrap());
        Net {
            now,
            a,
            b,
            a_events: Vec::new(),
            b_events: Vec::new(),
            in_flight: VecDeque::new(),
            latency: Duration::from_millis(5),
            loss_percent,
            rng: Xorshift(seed.wrapping_add(0x9E37) | 1),
            delivered: 0,
            dropped: 0,
            b_reads: true,
        }
    }

    /// Offer from `a`, answer from `b`, non-trickle.
    fn negotiate(&mut self) {
        let offer = self.a.create_offer().unwrap();
        self.a.set_local_description(self.now, &offer).unwrap();
        self.b.set_remote_description(self.now, offer).unwrap();
        let answer = self.b.create_answer().unwrap();
        self.b.set_local_description(self.now, &answer).unwrap();
        self.a.set_remote_description(self.now, answer).unwrap();
    }

    fn collect(&mut self) {
        while let Some(t) = self.a.poll_transmit() {
            self.send(true, t);
        }
        while let Some(t) = self.b.poll_transmit() {
            self.send(false, t);
        }
        while let Some(e) = self.a.poll_event() {
            self.a_events.push(e);
        }
        while self.b_reads
            && let Some(e) = self.b.poll_event()
        {
            self.b_events.push(e);
        }
        // Taking events may reopen the SCTP window (a window update).
        while let Some(t) = self.b.poll_transmit() {
            self.send(false, t);
        }
    }

    fn send(&mut self, from_a: bool, t: strata_peer::Transmit) {
        if self.rng.next() % 100 < self.loss_percent {
            self.dropped += 1;
            return;
        }
        self.in_flight
            .push_back((self.now + self.latency, from_a, t));
    }

    /// Advances to the next packet arrival or timer, whichever is first.
    fn step(&mut self) {
        self.collect();
        let next_packet = self.in_flight.front().map(|p| p.0);
        let next_timer = [self.a.poll_timeout(), self.b.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        let next = match (next_packet, next_timer) {
            (Some(p), Some(t)) => p.min(t),
            (Some(p), None) => p,
            (None, Some(t)) => t,
            (None, None) => self.now + Duration::from_millis(10),
        };
        self.now = self.now.max(next);
        while self.in_flight.front().is_some_and(|p| p.0 <= self.now) {
            let (_, from_a, t) = self.in_flight.pop_front().unwrap();
            self.delivered += 1;
            if from_a {
                self.b
                    .handle_packet(self.now, t.source, t.destination, &t.contents);
            } else {
                self.a
                    .handle_packet(self.now, t.source, t.destination, &t.contents);
            }
        }
        self.a.handle_timeout(self.now);
        self.b.handle_timeout(self.now);
        self.collect();
    }

    fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&mut Net) -> bool) -> Duration {
        let start = self.now;
        while !done(self) {
            assert!(
                self.now - start < limit,
                "not done after {limit:?}: a {:?} b {:?}",
                self.a,
                self.b
            );
            self.step();
        }
        self.now - start
    }

    /// A connected pair with one open channel from `a` and nothing in flight.
    fn with_open_channel(seed: u64, label: &str) -> (Net, ChannelId) {
        let mut net = Net::new(seed, 0);
        let ch = net
            .a
            .create_data_channel(net.now, label, DataChannelInit::default())
            .unwrap();
        net.negotiate();
        net.open(ch);
        net.run_until(Duration::from_secs(5), |n| n.in_flight.is_empty());
        net.collect();
        (net, ch)
    }

    fn open(&mut self, channel: ChannelId) -> Duration {
        self.run_until(Duration::from_secs(30), |n| {
            n.a_events.contains(&Event::ChannelOpen(channel))
        })
    }

    fn take_messages_b(&mut self) -> Vec<(ChannelId, Vec<u8>, bool)> {
        let mut out = Vec::new();
        self.b_events.retain(|e| match e {
            Event::ChannelMessage {
                channel,
                data,
                binary,
            } => {
                out.push((*channel, data.clone(), *binary));
                false
            }
            _ => true,
        });
        out
    }
}

#[test]
fn connects_and_exchanges_text_and_binary() {
    let mut net = Net::new(1, 0);
    let ch = net
        .a
        .create_data_channel(net.now, "chat", DataChannelInit::default())
        .unwrap();
    assert_eq!(net.a.poll_event(), Some(Event::NegotiationNeeded));
    net.negotiate();
    let took = net.open(ch);
    assert!(took < Duration::from_millis(200), "open took {took:?}");
    assert_eq!(net.a.connection_state(), PeerConnectionState::Connected);
    net.a.send(net.now, ch, b"hello", false).unwrap();
    net.a.send(net.now, ch, &[0, 1, 2], true).unwrap();
    net.a.send(net.now, ch, b"", false).unwrap();
    net.run_until(Duration::from_secs(5), |n| {
        n.b_events
            .iter()
            .filter(|e| matches!(e, Event::ChannelMessage { .. }))
            .count()
            == 3
    });
    let remote = net
        .b_events
        .iter()
        .find_map(|e| match e {
            Event::DataChannel(id) => Some(*id),
            _ => None,
        })
        .unwrap();
    let info = net.b.channel(remote).unwrap();
    assert_eq!(info.label, "chat");
    assert_eq!(info.state, ChannelState::Open);
    // The offerer is the DTLS server (the answer says active): odd stream ids.
    assert_eq!(info.stream.map(|s| s % 2), Some(1));
    let msgs = net.take_messages_b();
    assert_eq!(
        msgs,
        vec![
            (remote, b"hello".to_vec(), false),
            (remote, vec![0, 1, 2], true),
            (remote, Vec::new(), false),
        ]
    );
    // And back.
    net.b.send(net.now, remote, b"pong", false).unwrap();
    net.run_until(Duration::from_secs(5), |n| {
        n.a_events.iter().any(|e| {
            matches!(e, Event::ChannelMessage { channel, data, .. } if *channel == ch && data == b"pong")
        })
    });
}

#[test]
fn many_channels_negotiated_and_unreliable_under_loss() {
    let mut net = Net::new(7, 10);
    let mut chans = Vec::new();
    for i in 0..10 {
        chans.push(
            net.a
                .create_data_channel(net.now, &format!("c{i}"), DataChannelInit::default())
                .unwrap(),
        );
    }
    let unordered = net
        .a
        .create_data_channel(
            net.now,
            "fast",
            DataChannelInit {
                ordered: false,
                max_retransmits: Some(0),
                ..DataChannelInit::default()
            },
        )
        .unwrap();
    let neg_a = net
        .a
        .create_data_channel(
            net.now,
            "neg",
            DataChannelInit {
                negotiated: Some(42),
                ..DataChannelInit::default()
            },
        )
        .unwrap();
    net.negotiate();
    let neg_b = net
        .b
        .create_data_channel(
            net.now,
            "neg",
            DataChannelInit {
                negotiated: Some(42),
                ..DataChannelInit::default()
            },
        )
        .unwrap();
    for c in chans.iter().chain([&unordered, &neg_a]) {
        net.open(*c);
    }
    for (i, c) in chans.iter().enumerate() {
        for j in 0..20u8 {
            net.a.send(net.now, *c, &[i as u8, j], true).unwrap();
        }
    }
    net.a.send(net.now, neg_a, b"negotiated", false).unwrap();
    net.run_until(Duration::from_secs(60), |n| {
        n.b_events
            .iter()
            .filter(|e| matches!(e, Event::ChannelMessage { .. }))
            .count()
            == 201
    });
    let msgs = net.take_messages_b();
    assert!(msgs.contains(&(neg_b, b"negotiated".to_vec(), false)));
    // Each reliable ordered channel delivered its 20 messages in order.
    for i in 0..10u8 {
        let seq: Vec<u8> = msgs
            .iter()
            .filter(|m| m.1.first() == Some(&i) && m.1.len() == 2)
            .map(|m| m.1[1])
            .collect();
        assert_eq!(seq, (0..20).collect::<Vec<u8>>(), "channel {i}");
    }
    assert!(net.dropped > 0, "the network dropped packets");
}

#[test]
fn large_message_and_peer_max_message_size() {
    let mut net = Net::new(3, 0);
    let ch = net
        .a
        .create_data_channel(net.now, "big", DataChannelInit::default())
        .unwrap();
    net.negotiate();
    net.open(ch);
    // 226 DATA fragments at the SCTP MTU left by DTLS (1163 bytes, not a multiple of 4).
    let big: Vec<u8> = (0..256 * 1024).map(|i| (i % 251) as u8).collect();
    net.a.send(net.now, ch, &big, true).unwrap();
    net.run_until(Duration::from_secs(10), |n| {
        n.b_events
            .iter()
            .any(|e| matches!(e, Event::ChannelMessage { data, .. } if data.len() == big.len()))
    });
    assert_eq!(net.take_messages_b()[0].1, big);
    assert_eq!(
        net.a.send(net.now, ch, &vec![0; 256 * 1024 + 1], true),
        Err(Error::MessageTooLarge {
            len: 256 * 1024 + 1,
            max: 256 * 1024
        })
    );
}

#[test]
fn signaling_states_and_rollback() {
    let mut net = Net::new(5, 0);
    assert!(matches!(
        net.a.create_answer(),
        Err(Error::InvalidState(SignalingState::Stable))
    ));
    let offer = net.a.create_offer().unwrap();
    assert_eq!(offer.sdp_type, SdpType::Offer);
    net.a.set_local_description(net.now, &offer).unwrap();
    assert_eq!(net.a.signaling_state(), SignalingState::HaveLocalOffer);
    net.a
        .set_local_description(net.now, &SessionDescriptionInit::new(SdpType::Rollback, ""))
        .unwrap();
    assert_eq!(net.a.signaling_state(), SignalingState::Stable);
    // Munged SDP is refused.
    let offer = net.a.create_offer().unwrap();
    let munged = SessionDescriptionInit::new(SdpType::Offer, offer.sdp.replace("5000", "5001"));
    assert!(matches!(
        net.a.set_local_description(net.now, &munged),
        Err(Error::BadDescription(_))
    ));
    net.b.set_remote_description(net.now, offer).unwrap();
    assert_eq!(net.b.signaling_state(), SignalingState::HaveRemoteOffer);
    net.b
        .set_remote_description(net.now, SessionDescriptionInit::new(SdpType::Rollback, ""))
        .unwrap();
    assert_eq!(net.b.signaling_state(), SignalingState::Stable);
    assert!(matches!(
        net.b
            .set_remote_description(net.now, SessionDescriptionInit::new(SdpType::Answer, "v=0")),
        Err(Error::InvalidState(SignalingState::Stable))
    ));
}

#[test]
fn answers_a_chromium_offer_with_media_rejected() {
    let offer = include_str!("data/chromium156-offer-av-dc.sdp");
    let mut b = Rtc::new(RtcConfig::default()).unwrap();
    b.add_local_address("10.0.0.2:6000".parse::<SocketAddr>().unwrap());
    b.set_remote_description(
        Instant::now(),
        SessionDescriptionInit::new(SdpType::Offer, offer),
    )
    .unwrap();
    let answer = b.create_answer().unwrap();
    b.set_local_description(Instant::now(), &answer).unwrap();
    let sdp = strata_sdp::SessionDescription::parse(&answer.sdp).unwrap();
    let lines: Vec<String> = sdp
        .media
        .iter()
        .map(|m| {
            let l = m.media_line().unwrap();
            format!("{} {}", l.media, l.port)
        })
        .collect();
    assert_eq!(lines, ["audio 0", "video 0", "application 9"]);
    let offered = strata_sdp::SessionDescription::parse(offer).unwrap();
    assert_eq!(sdp.media[2].mid(), offered.media[2].mid());
    assert!(answer.sdp.contains("a=setup:active\r\n"));
    assert!(answer.sdp.contains(&format!(
        "a=group:BUNDLE {}\r\n",
        offered.media[2].mid().unwrap()
    )));
    // Gathering was immediate (one host address): the local description has the candidate.
    let local = b.local_description().unwrap();
    assert!(local.sdp.contains("typ host"));
    assert!(local.sdp.contains("a=end-of-candidates"));
}

#[test]
fn aiortc_offer_is_accepted() {
    let offer = include_str!("data/aiortc116-offer-dc.sdp");
    let mut b = Rtc::new(RtcConfig::default()).unwrap();
    b.set_remote_description(
        Instant::now(),
        SessionDescriptionInit::new(SdpType::Offer, offer),
    )
    .unwrap();
    let answer = b.create_answer().unwrap();
    assert!(
        answer
            .sdp
            .contains("m=application 9 UDP/DTLS/SCTP webrtc-datachannel")
    );
}

#[test]
fn channel_close_reaches_both_sides() {
    let mut net = Net::new(11, 0);
    let ch = net
        .a
        .create_data_channel(net.now, "bye", DataChannelInit::default())
        .unwrap();
    net.negotiate();
    net.open(ch);
    net.a.close_channel(net.now, ch).unwrap();
    net.run_until(Duration::from_secs(5), |n| {
        n.a_events.contains(&Event::ChannelClose(ch))
            && n.b_events
                .iter()
                .any(|e| matches!(e, Event::ChannelClose(_)))
    });
    assert_eq!(net.a.channel(ch).unwrap().state, ChannelState::Closed);
    assert!(net.a.send(net.now, ch, b"x", false).is_err());
}

fn ice_ufrag(sdp: &str) -> String {
    sdp.lines()
        .find_map(|l| l.strip_prefix("a=ice-ufrag:"))
        .unwrap()
        .to_owned()
}

#[test]
fn ice_restart_renegotiates_and_keeps_data_flowing() {
    let mut net = Net::new(13, 0);
    let ch = net
        .a
        .create_data_channel(net.now, "r", DataChannelInit::default())
        .unwrap();
    net.negotiate();
    net.open(ch);
    let old_a = ice_ufrag(&net.a.local_description().unwrap().sdp);
    let old_b = ice_ufrag(&net.b.local_description().unwrap().sdp);
    net.a_events.clear();
    net.a.restart_ice();
    assert_eq!(net.a.poll_event(), Some(Event::NegotiationNeeded));
    // Data sent while the restart is negotiated still arrives.
    net.a.send(net.now, ch, b"before", false).unwrap();
    net.negotiate();
    let new_a = ice_ufrag(&net.a.local_description().unwrap().sdp);
    let new_b = ice_ufrag(&net.b.local_description().unwrap().sdp);
    assert_ne!(old_a, new_a, "the offerer has new credentials");
    assert_ne!(
        old_b, new_b,
        "the answerer restarts with new credentials too"
    );
    let checks_before = net.a.ice_agent().unwrap().stats().checks_sent;
    net.a.send(net.now, ch, b"during", false).unwrap();
    // Let the new checks run (ICE stays connected on the old pair meanwhile).
    let until = net.now + Duration::from_secs(2);
    net.run_until(Duration::from_secs(5), |n| n.now >= until);
    assert!(
        net.a.ice_agent().unwrap().stats().checks_sent > checks_before,
        "the restart ran new connectivity checks"
    );
    let selected = net.a.ice_agent().unwrap().selected_pair().is_some();
    assert!(selected, "a pair is selected after the restart");
    net.a.send(net.now, ch, b"after", false).unwrap();
    net.run_until(Duration::from_secs(5), |n| {
        n.b_events
            .iter()
            .filter(|e| matches!(e, Event::ChannelMessage { .. }))
            .count()
            == 3
    });
    let texts: Vec<Vec<u8>> = net.take_messages_b().into_iter().map(|m| m.1).collect();
    assert_eq!(
        texts,
        [b"before".to_vec(), b"during".to_vec(), b"after".to_vec()]
    );
    assert_eq!(net.a.connection_state(), PeerConnectionState::Connected);
}

#[test]
fn get_stats_reports_the_w3c_entries() {
    use strata_peer::stats::Stats;
    let mut net = Net::new(17, 0);
    let ch = net
        .a
        .create_data_channel(net.now, "stats", DataChannelInit::default())
        .unwrap();
    net.negotiate();
    net.open(ch);
    for _ in 0..3 {
        net.a.send(net.now, ch, b"12345", true).unwrap();
    }
    net.run_until(Duration::from_secs(5), |n| {
        n.b_events
            .iter()
            .filter(|e| matches!(e, Event::ChannelMessage { .. }))
            .count()
            == 3
    });
    let stats = net.a.stats();
    let transport = stats
        .iter()
        .find_map(|s| match s {
            Stats::Transport(t) => Some(t.clone()),
            _ => None,
        })
        .unwrap();
    assert!(transport.bytes_sent > 0 && transport.packets_received > 0);
    assert_eq!(transport.dtls_state, "connected");
    assert_eq!(transport.dtls_role, "server");
    assert_eq!(transport.ice_role, "controlling");
    let pair_id = transport.selected_candidate_pair_id.clone().unwrap();
    assert!(
        stats
            .iter()
            .any(|s| matches!(s, Stats::CandidatePair(p) if p.id == pair_id))
    );
    let dc = stats
        .iter()
        .find_map(|s| match s {
            Stats::DataChannel(d) => Some(d.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!((dc.label.as_str(), dc.state), ("stats", "open"));
    assert_eq!((dc.messages_sent, dc.bytes_sent), (3, 15));
    let json = serde_json::to_string(&stats).unwrap();
    assert!(json.contains(r#""type":"candidate-pair""#), "{json}");
    assert!(json.contains(r#""type":"local-candidate""#));
    assert!(json.contains(r#""dataChannelIdentifier":"#));
    // The receiving side counted the messages.
    let received: u64 = net
        .b
        .stats()
        .iter()
        .filter_map(|s| match s {
            Stats::DataChannel(d) => Some(d.messages_received),
            _ => None,
        })
        .sum();
    assert_eq!(received, 3);
}

/// `handle_packets`: datagrams that arrive in one batch are answered together (one SACK for
/// the batch), where one at a time they get a SACK for every second packet; both deliver
/// everything.
#[test]
fn a_batch_of_datagrams_gets_one_sack() {
    let sacks = |batched: bool| {
        // Settled: delayed SACKs and DCEP done.
        let (mut net, ch) = Net::with_open_channel(3, "batch");
        for i in 0..16u8 {
            net.a.send(net.now, ch, &[i; 1000], true).unwrap();
        }
        let mut data = Vec::new();
        while let Some(t) = net.a.poll_transmit() {
            data.push(t);
        }
        // As many as the initial congestion window lets out.
        assert!(data.len() >= 4, "{} datagrams", data.len());
        let destination = data[0].destination;
        if batched {
            net.b.handle_packets(
                net.now,
                destination,
                data.iter().map(|t| (t.source, t.contents.as_slice())),
            );
        } else {
            for t in &data {
                net.b
                    .handle_packet(net.now, t.source, t.destination, &t.contents);
            }
        }
        let answers = std::iter::from_fn(|| net.b.poll_transmit()).count();
        net.collect();
        let got = std::iter::from_fn(|| net.b.poll_event())
            .chain(net.b_events.drain(..))
            .filter(|e| matches!(e, Event::ChannelMessage { .. }))
            .count();
        (data.len(), answers, got)
    };
    let (sent, one_by_one, got) = sacks(false);
    assert!(got > 0);
    assert!(
        one_by_one >= sent / 2,
        "{one_by_one} SACKs for {sent} packets"
    );
    let (sent, batched, got_batched) = sacks(true);
    assert_eq!(got_batched, got);
    assert_eq!(batched, 1, "one SACK for {sent} packets");
}

/// A batch with a hole still gets a SACK for every packet after the hole (RFC 9260 section
/// 6.7: report gaps at once), so the sender's fast retransmit sees its miss indications.
#[test]
fn a_batch_with_a_gap_is_acknowledged_packet_by_packet() {
    let (mut net, ch) = Net::with_open_channel(5, "gap");
    for i in 0..16u8 {
        net.a.send(net.now, ch, &[i; 1000], true).unwrap();
    }
    let mut data: Vec<_> = std::iter::from_fn(|| net.a.poll_transmit()).collect();
    assert!(data.len() >= 4, "{} datagrams", data.len());
    data.remove(1);
    let destination = data[0].destination;
    net.b.handle_packets(
        net.now,
        destination,
        data.iter().map(|t| (t.source, t.contents.as_slice())),
    );
    let answers = std::iter::from_fn(|| net.b.poll_transmit()).count();
    // The first packet is in order (its SACK may wait for the batch's end); each later one
    // is above the hole.
    assert!(
        answers >= data.len() - 1,
        "{answers} SACKs for {} packets with a hole",
        data.len()
    );
}

/// RFC 8829 section 4.1.1: with the data section alone, every bundle policy offers and
/// answers one m-section in a BUNDLE group.
#[test]
fn every_bundle_policy_gives_one_bundled_data_section() {
    for policy in [
        strata_peer::BundlePolicy::Balanced,
        strata_peer::BundlePolicy::MaxCompat,
        strata_peer::BundlePolicy::MaxBundle,
    ] {
        let config = || RtcConfig {
            bundle_policy: policy,
            ..RtcConfig::default()
        };
        let now = Instant::now();
        let mut a = Rtc::new(config()).unwrap();
        let mut b = Rtc::new(config()).unwrap();
        a.add_local_address(A.parse().unwrap());
        b.add_local_address(B.parse().unwrap());
        a.create_data_channel(now, "x", DataChannelInit::default())
            .unwrap();
        let offer = a.create_offer().unwrap();
        a.set_local_description(now, &offer).unwrap();
        b.set_remote_description(now, offer.clone()).unwrap();
        let answer = b.create_answer().unwrap();
        for sdp in [&offer.sdp, &answer.sdp] {
            assert_eq!(sdp.matches("\r\nm=").count(), 1, "{policy:?}: {sdp}");
            let mid = sdp.lines().find_map(|l| l.strip_prefix("a=mid:")).unwrap();
            assert!(
                sdp.contains(&format!("a=group:BUNDLE {mid}\r\n")),
                "{policy:?}: {sdp}"
            );
        }
    }
}

/// Receive-side back-pressure: an application that stops taking messages leaves them in
/// the SCTP receive buffer, so the advertised window closes and the sender waits (rather
/// than the receiver queueing without bound or dropping); once it reads again everything
/// arrives, in order and intact.
#[test]
fn a_reader_that_stops_closes_the_window() {
    const MESSAGE: usize = 64 << 10;
    const TOTAL: usize = 128; // messages: 8 MiB
    let (mut net, ch) = Net::with_open_channel(11, "slow");
    let message = |i: usize| -> Vec<u8> {
        (0..MESSAGE)
            .map(|k| (k as u64 * 31 + i as u64 * 7) as u8)
            .collect()
    };
    net.b_reads = false;
    let mut queued = 0usize;
    let fill = |net: &mut Net, queued: &mut usize| {
        // Keep 1 MiB waiting, as a browser-style sender watching bufferedAmount does.
        while *queued < TOTAL && net.a.buffered_amount(ch) < (1 << 20) {
            net.a.send(net.now, ch, &message(*queued), true).unwrap();
            *queued += 1;
        }
    };
    let start = net.now;
    while net.now - start < Duration::from_secs(20) {
        fill(&mut net, &mut queued);
        net.step();
    }
    // What left `a` while `b` read nothing: the SCTP receive buffer (1 MiB) plus what the
    // core pulls ahead of the application (256 KiB) plus a message in reassembly.
    let left_a = queued * MESSAGE - net.a.buffered_amount(ch);
    assert!(
        left_a <= (1 << 20) + (256 << 10) + 2 * MESSAGE,
        "{left_a} bytes left a sender whose peer read nothing"
    );
    assert!(left_a >= 512 << 10, "only {left_a} bytes left a");
    assert!(
        net.b_events
            .iter()
            .all(|e| !matches!(e, Event::ChannelMessage { .. }))
    );
    // The reader comes back: everything arrives, in order, intact.
    net.b_reads = true;
    let mut got = 0usize;
    net.run_until(Duration::from_secs(60), |n| {
        fill(n, &mut queued);
        for (channel, data, binary) in n.take_messages_b() {
            assert_eq!((channel, binary), (ch, true));
            assert!(
                data == message(got),
                "message {got} corrupt or out of order"
            );
            got += 1;
        }
        got == TOTAL
    });
    let (a, b) = (net.a.sctp_stats().unwrap(), net.b.sctp_stats().unwrap());
    assert_eq!(b.data_duplicates, 0, "{b:?}");
    // While the window was closed only zero-window probes went out (one per RTO), not a
    // window's worth of retransmissions.
    assert!(a.timeout_retransmits <= 20, "{a:?}");
}

/// With message interleaving offered by both (RFC 8260), a small message on one channel
/// overtakes a large one sent just before it on another; without it, it waits.
#[test]
fn message_interleaving_lets_a_small_message_pass_a_large_one() {
    let small_first = |interleaving: bool| {
        let config = RtcConfig {
            message_interleaving: interleaving,
            ..RtcConfig::default()
        };
        let mut net = Net::with_config(21, 0, &config);
        let bulk = net
            .a
            .create_data_channel(net.now, "bulk", DataChannelInit::default())
            .unwrap();
        let chat = net
            .a
            .create_data_channel(net.now, "chat", DataChannelInit::default())
            .unwrap();
        net.negotiate();
        net.open(bulk);
        net.open(chat);
        net.run_until(Duration::from_secs(5), |n| n.in_flight.is_empty());
        net.take_messages_b();
        net.a
            .send(net.now, bulk, &vec![7u8; 200 << 10], true)
            .unwrap();
        net.a.send(net.now, chat, b"hi", false).unwrap();
        let mut order = Vec::new();
        net.run_until(Duration::from_secs(30), |n| {
            order.extend(n.take_messages_b().into_iter().map(|m| m.1.len()));
            order.len() == 2
        });
        order == [2, 200 << 10]
    };
    assert!(
        small_first(true),
        "interleaved: the small message should arrive first"
    );
    assert!(
        !small_first(false),
        "DATA: the large message's fragments go first"
    );
}
