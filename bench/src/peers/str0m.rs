//! str0m 0.25.0's side (sans-IO, its default aws-lc-rs crypto), driven by the loop a str0m
//! user writes: one tokio task per `Rtc` owning its UDP socket on 127.0.0.1, draining
//! `poll_output` (transmits sent one `send_to` each, events handed to the application code
//! in the same task), then waiting for a datagram (and reading whatever else is queued) or
//! the `Timeout`. The application runs inside that loop, as str0m intends: the sender
//! writes until `buffered_amount()` exceeds [`HIGH_WATER`] (or `write` refuses), then
//! pauses until `ChannelBufferedAmountLow` (threshold [`LOW_WATER`]); a refused `write`
//! (SCTP send buffer full) is retried on the next wake-up.
//!
//! Status: setup and idle memory work; [`throughput`] stalls (the run never completes, cause
//! not found yet: our loop or str0m), so the `peers` binary reports that workload as failed
//! without running it.
//!
//! Sockets ask for 4 MiB kernel buffers like strata-peer's. Each `Rtc` makes its own DTLS
//! certificate in `build`. Signalling: the host candidate is
//! added before the offer, so the SDP carries it (non-trickle, as for the other stacks).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use str0m::channel::ChannelId;
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::net::UdpSocket;
use tokio::sync::Notify;

use super::{DRAIN_TIMEOUT, HIGH_WATER, LOW_WATER, OPEN_TIMEOUT, Receiver, Throughput};

/// One side: the `Rtc`, its socket, and its end of the channel.
pub struct Side {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    channel: Option<ChannelId>,
}

/// Two connected `Rtc`s with an open data channel A -> B (not being driven between phases).
pub struct Pair {
    a: Side,
    b: Side,
    /// Both `Rtc` built (certificate generation) and their sockets bound.
    pub construct: Duration,
    /// `add_channel` + offer -> the channel open on both sides.
    pub open: Duration,
}

/// What the application code tells the loop after a step.
#[derive(PartialEq, Eq)]
enum Flow {
    /// Wait for the network or the timeout.
    Wait,
    /// Run the step again before waiting (it has more to do).
    Again,
    /// Stop driving; hand the side back.
    Stop,
}

fn err(what: &str) -> impl FnOnce(str0m::RtcError) -> String + '_ {
    move |e| format!("str0m: {what}: {e}")
}

/// Drives `side` until `app` says stop. `app` is called with `None` once per pass (before
/// the outputs are drained) and with `Some(event)` for each event; `wake` interrupts a wait.
async fn drive(
    side: &mut Side,
    wake: &Notify,
    mut app: impl FnMut(&mut Side, Option<Event>) -> Flow,
) -> Result<(), String> {
    let mut buf = vec![0u8; 2048];
    loop {
        let mut again = match app(side, None) {
            Flow::Stop => return Ok(()),
            Flow::Again => true,
            Flow::Wait => false,
        };
        let deadline = loop {
            match side.rtc.poll_output().map_err(err("poll_output"))? {
                Output::Timeout(t) => break t,
                Output::Transmit(t) => {
                    // A lost datagram is what UDP does; SCTP recovers.
                    let _ = side.socket.send_to(&t.contents, t.destination).await;
                }
                Output::Event(e) => match app(side, Some(e)) {
                    Flow::Stop => return Ok(()),
                    Flow::Again => again = true,
                    Flow::Wait => {}
                },
            }
        };
        if again {
            continue;
        }
        let sleep = tokio::time::sleep_until(tokio::time::Instant::from_std(deadline));
        tokio::select! {
            r = side.socket.recv_from(&mut buf) => {
                if let Ok((n, from)) = r {
                    input(side, from, &buf[..n])?;
                    // Whatever else is queued, without waiting.
                    while let Ok((n, from)) = side.socket.try_recv_from(&mut buf) {
                        input(side, from, &buf[..n])?;
                    }
                }
            }
            () = sleep => {
                side.rtc.handle_input(Input::Timeout(Instant::now())).map_err(err("timeout"))?;
            }
            () = wake.notified() => {}
        }
    }
}

fn input(side: &mut Side, from: SocketAddr, data: &[u8]) -> Result<(), String> {
    let Ok(receive) = Receive::new(Protocol::Udp, from, side.local, data) else {
        return Ok(()); // not STUN / DTLS / RTP: ignored
    };
    side.rtc
        .handle_input(Input::Receive(Instant::now(), receive))
        .map_err(err("handle_input"))
}

async fn side() -> Result<Side, String> {
    let socket = UdpSocket::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("str0m: bind: {e}"))?;
    // The same socket buffers strata-peer asks for, so neither loses datagrams the other
    // would keep.
    super::set_socket_buffers(&socket, 4 << 20);
    let local = socket.local_addr().map_err(|e| e.to_string())?;
    let mut rtc = Rtc::builder().build(Instant::now());
    let candidate = Candidate::host(local, "udp").map_err(|e| format!("str0m: {e}"))?;
    rtc.add_local_candidate(candidate);
    Ok(Side {
        rtc,
        socket,
        local,
        channel: None,
    })
}

/// Builds a pair and opens its channel (offer/answer, ICE, DTLS, SCTP, DCEP).
pub async fn connect() -> Result<Pair, String> {
    static CRYPTO: Once = Once::new();
    CRYPTO.call_once(|| str0m::crypto::from_feature_flags().install_process_default());
    let t0 = Instant::now();
    let mut a = side().await?;
    let mut b = side().await?;
    let t1 = Instant::now();
    let mut api = a.rtc.sdp_api();
    let local = api.add_channel("bench".into());
    let (offer, pending) = api.apply().ok_or("str0m: nothing to offer")?;
    let answer = b
        .rtc
        .sdp_api()
        .accept_offer(offer)
        .map_err(err("accept_offer"))?;
    a.rtc
        .sdp_api()
        .accept_answer(pending, answer)
        .map_err(err("accept_answer"))?;
    // Each side is driven until the channel is open on both: a side that stopped early
    // would leave the other's handshake without answers.
    let opened = Arc::new(AtomicUsize::new(0));
    let wake = Arc::new(Notify::new());
    let open_on = |expect: Option<ChannelId>| {
        let (opened, wake) = (opened.clone(), wake.clone());
        let mut mine = false;
        move |side: &mut Side, e: Option<Event>| {
            if let Some(Event::ChannelOpen(id, _)) = e
                && !mine
                && expect.is_none_or(|x| x == id)
            {
                mine = true;
                side.channel = Some(id);
                opened.fetch_add(1, Ordering::AcqRel);
                wake.notify_waiters();
            }
            if opened.load(Ordering::Acquire) >= 2 {
                Flow::Stop
            } else {
                Flow::Wait
            }
        }
    };
    let (app_a, app_b) = (open_on(Some(local)), open_on(None));
    let both = async { tokio::join!(drive(&mut a, &wake, app_a), drive(&mut b, &wake, app_b)) };
    let (ra, rb) = tokio::time::timeout(OPEN_TIMEOUT, both)
        .await
        .map_err(|_| format!("str0m: the channel did not open within {OPEN_TIMEOUT:?}"))?;
    ra?;
    rb?;
    let t2 = Instant::now();
    Ok(Pair {
        a,
        b,
        construct: t1 - t0,
        open: t2 - t1,
    })
}

impl Pair {
    /// Closes both connections.
    pub async fn close(mut self) {
        self.a.rtc.disconnect();
        self.b.rtc.disconnect();
    }
}

/// A connected pair kept alive (ICE consent, SCTP heartbeats) by two driving tasks until
/// dropped.
pub struct Idle {
    tasks: [tokio::task::JoinHandle<()>; 2],
}

impl Drop for Idle {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// [`connect`], then keeps both sides driven in the background.
pub async fn connect_idle() -> Result<Idle, String> {
    let Pair { a, b, .. } = connect().await?;
    let never = Arc::new(Notify::new());
    let spawn = |mut side: Side, never: Arc<Notify>| {
        tokio::spawn(async move {
            let _ = drive(&mut side, &never, |_, _| Flow::Wait).await;
        })
    };
    Ok(Idle {
        tasks: [spawn(a, never.clone()), spawn(b, never)],
    })
}

/// One way A -> B: `size`-byte binary messages for `seconds`; A writes while
/// `buffered_amount() <= HIGH_WATER`, pauses above it until `ChannelBufferedAmountLow`.
pub async fn throughput(pair: Pair, size: usize, seconds: f64) -> Result<Throughput, String> {
    let Pair { mut a, mut b, .. } = pair;
    let (Some(out), Some(inbound)) = (a.channel, b.channel) else {
        return Err("str0m: no channel".into());
    };
    if let Some(mut c) = a.rtc.channel(out) {
        c.set_buffered_amount_low_threshold(LOW_WATER);
    }
    let start = Instant::now();
    let cpu_start = super::cpu_seconds();
    let until = start + Duration::from_secs_f64(seconds);
    let receiver = Arc::new(Mutex::new(Receiver::new(size, start)));
    let expected = Arc::new(AtomicU64::new(u64::MAX));
    let stopped_at = Arc::new(Mutex::new(None::<Instant>));
    let done = Arc::new(AtomicBool::new(false));
    let wake = Arc::new(Notify::new());

    let sender = {
        let (expected, stopped_at, done, wake) = (
            expected.clone(),
            stopped_at.clone(),
            done.clone(),
            wake.clone(),
        );
        tokio::spawn(async move {
            let mut message = vec![0x5a_u8; size];
            let mut sent = 0u64;
            let mut finished = false;
            let mut paused = false;
            let result = drive(&mut a, &wake.clone(), |side, e| {
                if done.load(Ordering::Acquire) {
                    return Flow::Stop;
                }
                if matches!(e, Some(Event::ChannelBufferedAmountLow(_))) {
                    paused = false;
                    return Flow::Again;
                }
                if e.is_some() || finished {
                    return Flow::Wait;
                }
                if Instant::now() >= until {
                    finished = true;
                    expected.store(sent, Ordering::Release);
                    *stopped_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
                    wake.notify_waiters();
                    return Flow::Wait;
                }
                let Some(mut c) = side.rtc.channel(out) else {
                    eprintln!("peers: str0m: the channel is gone");
                    return Flow::Stop;
                };
                if paused {
                    // The low event, or the level it announces (whichever is seen first).
                    if c.buffered_amount() > LOW_WATER {
                        return Flow::Wait;
                    }
                    paused = false;
                }
                // Queue a bounded batch, then let the loop send it.
                for _ in 0..64 {
                    if c.buffered_amount() > HIGH_WATER {
                        paused = true;
                        return Flow::Wait;
                    }
                    super::number_message(&mut message, sent);
                    match c.write(true, &message) {
                        Ok(true) => sent += 1,
                        // Not accepted (SCTP send buffer full): retry on the next wake
                        // (each SACK wakes this loop).
                        Ok(false) => return Flow::Wait,
                        Err(e) => {
                            eprintln!("peers: str0m write: {e}");
                            return Flow::Stop;
                        }
                    }
                }
                Flow::Again
            })
            .await;
            (result, sent, a)
        })
    };
    let reader = {
        let (receiver, expected, stopped_at, done, wake) = (
            receiver.clone(),
            expected.clone(),
            stopped_at.clone(),
            done.clone(),
            wake.clone(),
        );
        tokio::spawn(async move {
            let result = drive(&mut b, &wake.clone(), |_, e| {
                if let Some(Event::ChannelData(d)) = e
                    && d.id == inbound
                {
                    receiver
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .on_message(&d.data);
                }
                let got = receiver.lock().unwrap_or_else(|p| p.into_inner()).messages;
                let stopped = *stopped_at.lock().unwrap_or_else(|p| p.into_inner());
                let late = stopped.is_some_and(|s| s.elapsed() > DRAIN_TIMEOUT);
                if got >= expected.load(Ordering::Acquire) || late {
                    done.store(true, Ordering::Release);
                    wake.notify_waiters();
                    return Flow::Stop;
                }
                Flow::Wait
            })
            .await;
            (result, b)
        })
    };
    let (sent_result, sent, mut a) = sender.await.map_err(|e| e.to_string())?;
    if let Err(e) = &sent_result {
        eprintln!("peers: str0m sender: {e}");
    }
    // The sender may have stopped early (error): the reader then gives up after the drain
    // timeout instead of waiting for a count that was never published.
    stopped_at
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get_or_insert_with(Instant::now);
    wake.notify_waiters();
    let (read_result, mut b) = reader.await.map_err(|e| e.to_string())?;
    let cpu = super::cpu_seconds() - cpu_start;
    sent_result?;
    read_result?;
    a.rtc.disconnect();
    b.rtc.disconnect();
    let r = receiver.lock().unwrap_or_else(|p| p.into_inner());
    let complete = r.messages == sent && r.error.is_none();
    let end = if complete { r.last() } else { Instant::now() };
    Ok(Throughput {
        sent_messages: sent,
        bytes: r.bytes,
        messages: r.messages,
        seconds: (end - r.started()).as_secs_f64(),
        cpu,
        longest_gap: r.longest_gap,
        complete,
        error: r.error.clone(),
    })
}
