//! Strata's side: strata-peer's async `PeerConnection`, public API only.
//!
//! Each connection gathers on 127.0.0.1 only (`local_addresses`), mDNS off, a fresh ECDSA
//! P-256 certificate per connection (`certificate: None`, generated in `PeerConnection::new`).
//! Signalling is non-trickle: each side waits for `gathering_complete` and hands over its
//! `local_description` in-process.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use strata_peer::{ChannelId, Configuration, DataChannel, DataChannelInit, Event, PeerConnection};
use tokio::sync::Notify;

use super::{DRAIN_TIMEOUT, HIGH_WATER, LOW_WATER, OPEN_TIMEOUT, Receiver, Throughput};

/// Two connected peer connections with an open data channel A -> B.
pub struct Pair {
    /// The offerer.
    pub a: Arc<PeerConnection>,
    /// The answerer.
    pub b: Arc<PeerConnection>,
    /// A's channel.
    pub channel: DataChannel,
    /// The same channel as B knows it.
    pub remote: ChannelId,
    /// Both `PeerConnection::new` calls (sockets, certificate generation).
    pub construct: Duration,
    /// `create_data_channel` + `create_offer` -> the channel open on both sides.
    pub open: Duration,
}

fn config() -> Configuration {
    Configuration {
        local_addresses: Some(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]),
        disable_mdns: true,
        ..Configuration::default()
    }
}

fn err(what: &str) -> impl FnOnce(strata_peer::Error) -> String + '_ {
    move |e| format!("strata: {what}: {e}")
}

/// Builds a pair and opens its channel (offer/answer, ICE, DTLS, SCTP, DCEP).
pub async fn connect() -> Result<Pair, String> {
    let t0 = Instant::now();
    let a = PeerConnection::new(config()).await.map_err(err("new"))?;
    let b = PeerConnection::new(config()).await.map_err(err("new"))?;
    let t1 = Instant::now();
    let channel = a
        .create_data_channel("bench", DataChannelInit::default())
        .await
        .map_err(err("create_data_channel"))?;
    let offer = a.create_offer().await.map_err(err("create_offer"))?;
    a.set_local_description(offer)
        .await
        .map_err(err("set_local_description"))?;
    a.gathering_complete().await;
    let offer = a.local_description().await.ok_or("strata: no offer")?;
    b.set_remote_description(offer)
        .await
        .map_err(err("set_remote_description"))?;
    let answer = b.create_answer().await.map_err(err("create_answer"))?;
    b.set_local_description(answer)
        .await
        .map_err(err("set_local_description"))?;
    b.gathering_complete().await;
    let answer = b.local_description().await.ok_or("strata: no answer")?;
    a.set_remote_description(answer)
        .await
        .map_err(err("set_remote_description"))?;
    let local = channel.id();
    let a_open = async {
        loop {
            match a.next_event().await {
                Some(Event::ChannelOpen(id)) if id == local => return Ok(()),
                Some(_) => {}
                None => return Err("strata: A closed before the channel opened".to_string()),
            }
        }
    };
    let b_open = async {
        let mut announced = None;
        loop {
            match b.next_event().await {
                Some(Event::DataChannel(id)) => announced = Some(id),
                Some(Event::ChannelOpen(id)) if announced == Some(id) => return Ok(id),
                Some(_) => {}
                None => return Err("strata: B closed before the channel opened".to_string()),
            }
        }
    };
    let (a_open, remote) =
        tokio::time::timeout(OPEN_TIMEOUT, async { tokio::join!(a_open, b_open) })
            .await
            .map_err(|_| format!("strata: the channel did not open within {OPEN_TIMEOUT:?}"))?;
    a_open?;
    let remote = remote?;
    let t2 = Instant::now();
    Ok(Pair {
        a: Arc::new(a),
        b: Arc::new(b),
        channel,
        remote,
        construct: t1 - t0,
        open: t2 - t1,
    })
}

impl Pair {
    /// Closes both connections.
    pub async fn close(self) {
        self.a.close().await;
        self.b.close().await;
    }
}

/// One way A -> B on an open pair: `size`-byte binary messages for `seconds`, pausing while
/// `buffered_amount()` > [`HIGH_WATER`] until `ChannelBufferedAmountLow` (threshold
/// [`LOW_WATER`]).
pub async fn throughput(pair: &Pair, size: usize, seconds: f64) -> Result<Throughput, String> {
    pair.channel
        .set_buffered_amount_low_threshold(LOW_WATER)
        .await;
    // A's events: only the low-threshold crossings matter; reading them keeps A's queue empty.
    let low = Arc::new(Notify::new());
    let pump = {
        let (a, low, id) = (pair.a.clone(), low.clone(), pair.channel.id());
        tokio::spawn(async move {
            while let Some(e) = a.next_event().await {
                if e == Event::ChannelBufferedAmountLow(id) {
                    low.notify_one();
                }
            }
        })
    };
    let start = Instant::now();
    let cpu_start = super::cpu_seconds();
    let receiver = Arc::new(Mutex::new(Receiver::new(size, start)));
    let expected = Arc::new(AtomicU64::new(u64::MAX));
    let done = Arc::new(Notify::new());
    let reader = {
        let (b, receiver, expected, done, remote) = (
            pair.b.clone(),
            receiver.clone(),
            expected.clone(),
            done.clone(),
            pair.remote,
        );
        tokio::spawn(async move {
            while let Some(e) = b.next_event().await {
                if let Event::ChannelMessage { channel, data, .. } = e {
                    if channel != remote {
                        continue;
                    }
                    let mut r = receiver.lock().unwrap_or_else(|p| p.into_inner());
                    r.on_message(&data);
                    if r.messages >= expected.load(Ordering::Acquire) {
                        done.notify_one();
                    }
                }
            }
        })
    };

    let mut message = vec![0x5a_u8; size];
    let until = start + Duration::from_secs_f64(seconds);
    let mut sent = 0u64;
    while Instant::now() < until {
        if pair.channel.buffered_amount().await > HIGH_WATER {
            // Re-check at least once a second so a lost event cannot hang the run.
            let _ = tokio::time::timeout(Duration::from_secs(1), low.notified()).await;
            continue;
        }
        super::number_message(&mut message, sent);
        pair.channel
            .send_binary(&message)
            .await
            .map_err(err("send_binary"))?;
        sent += 1;
    }
    expected.store(sent, Ordering::Release);
    let drained = async {
        loop {
            let notified = done.notified();
            if receiver.lock().unwrap_or_else(|p| p.into_inner()).messages >= sent {
                return;
            }
            notified.await;
        }
    };
    let complete_in_time = tokio::time::timeout(DRAIN_TIMEOUT, drained).await.is_ok();
    let cpu = super::cpu_seconds() - cpu_start;
    reader.abort();
    pump.abort();
    let r = receiver.lock().unwrap_or_else(|p| p.into_inner());
    let end = if complete_in_time {
        r.last()
    } else {
        Instant::now()
    };
    Ok(Throughput {
        sent_messages: sent,
        bytes: r.bytes,
        messages: r.messages,
        seconds: (end - r.started()).as_secs_f64(),
        cpu,
        longest_gap: r.longest_gap,
        complete: complete_in_time && r.messages == sent && r.error.is_none(),
        error: r.error.clone(),
    })
}
