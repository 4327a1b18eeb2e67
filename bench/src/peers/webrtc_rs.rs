//! webrtc-rs's side: `webrtc` 0.21.1 (default features: tokio runtime, ring crypto).
//!
//! Each connection binds one UDP socket on 127.0.0.1 (`with_udp_addrs`), with a setting
//! engine that turns mDNS off, allows the loopback host candidate and gathers UDP4 only. No
//! certificate is configured, so each connection generates its own (in `build`), as Strata's
//! does. Signalling is non-trickle like Strata's: wait for gathering `Complete`, hand over
//! `local_description` in-process. Flow control: webrtc-rs's async `DataChannel` has no
//! `bufferedAmount` getter, so the sender pauses on `OnBufferedAmountHigh` (threshold
//! [`HIGH_WATER`]) and resumes on `OnBufferedAmountLow` (threshold [`LOW_WATER`]), the pattern
//! of webrtc-rs's own data-channels-flow-control example.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use rtc::ice::mdns::MulticastDnsMode;
use rtc::ice::network_type::NetworkType;
use tokio::sync::{Notify, mpsc, watch};
use webrtc::data_channel::{DataChannel, DataChannelEvent, RTCDataChannelInit};
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfigurationBuilder,
    RTCIceGatheringState, SettingEngineBuilder,
};

use super::{DRAIN_TIMEOUT, HIGH_WATER, LOW_WATER, OPEN_TIMEOUT, Receiver, Throughput};

/// Two connected peer connections with an open data channel A -> B.
pub struct Pair {
    /// The offerer.
    pub a: Arc<dyn PeerConnection>,
    /// The answerer.
    pub b: Arc<dyn PeerConnection>,
    /// A's channel.
    pub channel: Arc<dyn DataChannel>,
    /// The same channel as B got it from `on_data_channel`.
    pub remote: Arc<dyn DataChannel>,
    /// Both `build` calls (sockets, certificate generation, driver start).
    pub construct: Duration,
    /// `create_data_channel` + `create_offer` -> the channel open on both sides.
    pub open: Duration,
}

struct Handler {
    gathered: watch::Sender<bool>,
    channels: mpsc::UnboundedSender<Arc<dyn DataChannel>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            self.gathered.send_replace(true);
        }
    }

    async fn on_data_channel(&self, data_channel: Arc<dyn DataChannel>) {
        // Must not block: this runs on the connection's driver.
        let _ = self.channels.send(data_channel);
    }
}

struct Peer {
    pc: Arc<dyn PeerConnection>,
    gathered: watch::Receiver<bool>,
    channels: mpsc::UnboundedReceiver<Arc<dyn DataChannel>>,
}

fn err(what: &str) -> impl FnOnce(webrtc::error::Error) -> String + '_ {
    move |e| format!("webrtc-rs: {what}: {e}")
}

async fn peer() -> Result<Peer, String> {
    let (gathered_tx, gathered) = watch::channel(false);
    let (channels_tx, channels) = mpsc::unbounded_channel();
    let settings = SettingEngineBuilder::new()
        .with_multicast_dns_mode(MulticastDnsMode::Disabled)
        .with_include_loopback_candidate(true)
        .with_network_types(vec![NetworkType::Udp4])
        .build();
    let pc = PeerConnectionBuilder::new()
        .with_configuration(RTCConfigurationBuilder::new().build())
        .with_setting_engine(settings)
        .with_handler(Arc::new(Handler {
            gathered: gathered_tx,
            channels: channels_tx,
        }))
        .with_udp_addrs(vec!["127.0.0.1:0"])
        .build()
        .await
        .map_err(err("build"))?;
    Ok(Peer {
        pc: Arc::new(pc),
        gathered,
        channels,
    })
}

async fn wait_gathered(p: &mut Peer) -> Result<(), String> {
    p.gathered
        .wait_for(|g| *g)
        .await
        .map(|_| ())
        .map_err(|_| "webrtc-rs: gathering never completed".to_string())
}

async fn wait_open(channel: &Arc<dyn DataChannel>) -> Result<(), String> {
    loop {
        match channel.poll().await {
            Some(DataChannelEvent::OnOpen) => return Ok(()),
            Some(_) => {}
            None => return Err("webrtc-rs: the channel closed before it opened".into()),
        }
    }
}

/// Builds a pair and opens its channel (offer/answer, ICE, DTLS, SCTP, DCEP).
pub async fn connect() -> Result<Pair, String> {
    let t0 = Instant::now();
    let mut a = peer().await?;
    let mut b = peer().await?;
    let t1 = Instant::now();
    let channel =
        a.pc.create_data_channel("bench", Some(RTCDataChannelInit::default()))
            .await
            .map_err(err("create_data_channel"))?;
    let offer = a.pc.create_offer(None).await.map_err(err("create_offer"))?;
    a.pc.set_local_description(offer)
        .await
        .map_err(err("set_local_description"))?;
    wait_gathered(&mut a).await?;
    let offer =
        a.pc.local_description()
            .await
            .ok_or("webrtc-rs: no offer")?;
    b.pc.set_remote_description(offer)
        .await
        .map_err(err("set_remote_description"))?;
    let answer =
        b.pc.create_answer(None)
            .await
            .map_err(err("create_answer"))?;
    b.pc.set_local_description(answer)
        .await
        .map_err(err("set_local_description"))?;
    wait_gathered(&mut b).await?;
    let answer =
        b.pc.local_description()
            .await
            .ok_or("webrtc-rs: no answer")?;
    a.pc.set_remote_description(answer)
        .await
        .map_err(err("set_remote_description"))?;
    let b_open = async {
        let remote = b
            .channels
            .recv()
            .await
            .ok_or("webrtc-rs: B closed before announcing the channel")?;
        wait_open(&remote).await?;
        Ok::<_, String>(remote)
    };
    let (a_open, remote) = tokio::time::timeout(OPEN_TIMEOUT, async {
        tokio::join!(wait_open(&channel), b_open)
    })
    .await
    .map_err(|_| format!("webrtc-rs: the channel did not open within {OPEN_TIMEOUT:?}"))?;
    a_open?;
    let remote = remote?;
    let t2 = Instant::now();
    Ok(Pair {
        a: a.pc,
        b: b.pc,
        channel,
        remote,
        construct: t1 - t0,
        open: t2 - t1,
    })
}

impl Pair {
    /// Closes both connections.
    pub async fn close(self) {
        let _ = self.a.close().await;
        let _ = self.b.close().await;
    }
}

/// One way A -> B on an open pair: `size`-byte binary messages for `seconds`, pausing on
/// `OnBufferedAmountHigh` ([`HIGH_WATER`]) until `OnBufferedAmountLow` ([`LOW_WATER`]).
pub async fn throughput(pair: &Pair, size: usize, seconds: f64) -> Result<Throughput, String> {
    let channel = &pair.channel;
    channel
        .set_buffered_amount_low_threshold(LOW_WATER as u32)
        .await
        .map_err(err("set_buffered_amount_low_threshold"))?;
    channel
        .set_buffered_amount_high_threshold(HIGH_WATER as u32)
        .await
        .map_err(err("set_buffered_amount_high_threshold"))?;
    let start = Instant::now();
    let cpu_start = super::cpu_seconds();
    let receiver = Arc::new(Mutex::new(Receiver::new(size, start)));
    let expected = Arc::new(AtomicU64::new(u64::MAX));
    let done = Arc::new(Notify::new());
    let reader = {
        let (remote, receiver, expected, done) = (
            pair.remote.clone(),
            receiver.clone(),
            expected.clone(),
            done.clone(),
        );
        tokio::spawn(async move {
            while let Some(e) = remote.poll().await {
                if let DataChannelEvent::OnMessage(m) = e {
                    let mut r = receiver.lock().unwrap_or_else(|p| p.into_inner());
                    r.on_message(&m.data);
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
    let mut paused = false;
    while Instant::now() < until {
        // The events that arrived meanwhile (without waiting).
        while let Some(e) = futures_now(channel.poll()).await {
            match e {
                Some(DataChannelEvent::OnBufferedAmountHigh) => paused = true,
                Some(DataChannelEvent::OnBufferedAmountLow) => paused = false,
                Some(_) => {}
                None => return Err("webrtc-rs: the sender's channel closed".into()),
            }
        }
        if paused {
            // Re-check the clock at least once a second while paused.
            match tokio::time::timeout(Duration::from_secs(1), channel.poll()).await {
                Ok(Some(DataChannelEvent::OnBufferedAmountLow)) => paused = false,
                Ok(Some(_)) | Err(_) => {}
                Ok(None) => return Err("webrtc-rs: the sender's channel closed".into()),
            }
            continue;
        }
        super::number_message(&mut message, sent);
        channel
            .send(BytesMut::from(&message[..]))
            .await
            .map_err(err("send"))?;
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

/// Polls `f` once: `Some(output)` if it is ready now, `None` if it would wait (then `f` is
/// dropped; `DataChannel::poll` is a queue receive, so nothing is lost).
async fn futures_now<F: std::future::Future>(f: F) -> Option<F::Output> {
    let mut f = std::pin::pin!(f);
    std::future::poll_fn(|cx| match f.as_mut().poll(cx) {
        std::task::Poll::Ready(v) => std::task::Poll::Ready(Some(v)),
        std::task::Poll::Pending => std::task::Poll::Ready(None),
    })
    .await
}
