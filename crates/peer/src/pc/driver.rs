//! The state one connection's handles and its task share, and the task itself.
//!
//! The sans-IO [`Rtc`] sits behind a mutex. Whoever holds the lock does the work its call
//! caused right away: a `send` on the caller's task seals the SCTP packets and writes them to
//! the socket without a hop through the connection task, and the task reads datagrams in
//! batches and answers them (SACKs) under one lock. Sockets are non-blocking; a datagram the
//! kernel refuses (`EWOULDBLOCK`) waits in a queue the task flushes once the socket is
//! writable again. Events wait in a bounded queue for [`PeerConnection::next_event`]
//! (super::PeerConnection::next_event): while it is full, further events stay in the core,
//! whose received messages keep the SCTP receive window closed, so the peer stops sending
//! and a caller that never reads cannot grow memory. The sockets are read all the time.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::io::{ErrorKind, IoSliceMut};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Poll;
use std::time::Instant;

use quinn_udp::{RecvMeta, UdpSocketState};
use strata_ice::mdns::MDNS_V4;
use tokio::io::Interest;
use tokio::net::UdpSocket;
use tokio::sync::{Notify, watch};

use super::net::{Link, LinkIo};

use crate::{Error, Event, PeerConnectionState, Rtc, SignalingState, Transmit};

/// Events kept for `next_event`; more wait in the core.
const MAX_QUEUED_EVENTS: usize = 4096;
/// Message bytes kept for `next_event`; more wait in the core, whose SCTP receive window
/// closes once its buffer is full, so the peer waits (receive-side back-pressure).
const MAX_QUEUED_BYTES: usize = 2 << 20;
/// Receive calls per lock, so that callers get the lock between batches.
const RECV_CALLS: usize = 8;
/// Buffers per receive call (`recvmmsg`); each takes one datagram, or with GRO up to 64 KiB
/// of equal-size datagrams.
const RECV_SLOTS: usize = 8;
/// One receive buffer: the largest UDP payload.
const RECV_SLOT: usize = 65_536;
/// Datagrams handed to the core as one batch at most: the SCTP receiver answers a batch with
/// one SACK, so this bounds how many packets one SACK acknowledges (the sender's slow start
/// grows by at most one MTU per SACK, and fast retransmit counts SACKs).
const SACK_BATCH: usize = 16;
/// Datagrams per GSO send at most (the kernel's UDP_MAX_SEGMENTS is 64) and their bytes.
const GSO_SEGMENTS: usize = 64;
const GSO_BYTES: usize = 65_000;

thread_local! {
    /// Receive and GSO buffers, one set per thread rather than per connection: they are used
    /// only under a connection's lock, without an await, so connections on one thread never
    /// use them at the same time. Allocated on first use.
    static BUFFERS: RefCell<(Vec<u8>, Vec<u8>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// The state the task publishes for waiting on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Published {
    pub(super) gathering_complete: bool,
    pub(super) connection: PeerConnectionState,
    pub(super) signaling: SignalingState,
}

impl Published {
    /// The state of `rtc`; a closed connection reports closed states.
    fn of(rtc: &Rtc, closed: bool) -> Published {
        Published {
            gathering_complete: rtc.is_gathering_complete(),
            connection: if closed {
                PeerConnectionState::Closed
            } else {
                rtc.connection_state()
            },
            signaling: if closed {
                SignalingState::Closed
            } else {
                rtc.signaling_state()
            },
        }
    }
}

/// What the handles and the task share under the lock.
pub(super) struct Shared {
    pub(super) rtc: Rtc,
    /// Events for `next_event`, oldest first.
    events: VecDeque<Event>,
    /// Message bytes in `events`.
    queued_bytes: usize,
    /// Datagrams a full socket refused, sent before anything else.
    blocked: VecDeque<Transmit>,
    /// The datagrams of one GSO send (kept for its capacity).
    group: Vec<Transmit>,
    /// The deadline the task sleeps until; a call that needs an earlier one wakes it.
    deadline: Option<Instant>,
    /// `close` was called (or the `PeerConnection` dropped): the task stops.
    pub(super) closed: bool,
    /// Events were left in the core because the event queue was full; `next_event` takes
    /// them once the queue is half empty.
    paused: bool,
}

/// One connection's shared half.
pub(super) struct Inner {
    shared: Mutex<Shared>,
    /// One socket per local address.
    sockets: Vec<Link>,
    /// The mDNS socket (port 5353), if mDNS resolution is on.
    mdns: Option<UdpSocket>,
    /// Wakes the task: an earlier deadline, a refused datagram, close.
    wake: Notify,
    /// Wakes `next_event`.
    event_ready: Notify,
    state: watch::Sender<Published>,
    /// Tasks besides the connection task (readers and writers of user transports), stopped
    /// by `close`.
    tasks: Mutex<Vec<tokio::task::AbortHandle>>,
}

impl Inner {
    pub(super) fn new(
        rtc: Rtc,
        sockets: Vec<Link>,
        mdns: Option<UdpSocket>,
    ) -> (Arc<Inner>, watch::Receiver<Published>) {
        let (state, state_rx) = watch::channel(Published::of(&rtc, false));
        let inner = Arc::new(Inner {
            shared: Mutex::new(Shared {
                rtc,
                events: VecDeque::new(),
                queued_bytes: 0,
                blocked: VecDeque::new(),
                group: Vec::new(),
                deadline: None,
                closed: false,
                paused: false,
            }),
            sockets,
            mdns,
            wake: Notify::new(),
            event_ready: Notify::new(),
            state,
            tasks: Mutex::new(Vec::new()),
        });
        (inner, state_rx)
    }

    /// The lock. A panic while it was held leaves the core as it was at the panic; the
    /// connection goes on rather than poisoning every handle.
    pub(super) fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the core, then does what it caused (datagrams out, events queued, the task
    /// woken for an earlier timer). `Error::Closed` once the connection is closed.
    pub(super) fn with<T>(&self, f: impl FnOnce(&mut Rtc, Instant) -> T) -> Result<T, Error> {
        let mut s = self.lock();
        if s.closed {
            return Err(Error::Closed);
        }
        let out = f(&mut s.rtc, Instant::now());
        self.settle(&mut s);
        Ok(out)
    }

    /// After any change to the core: flushes datagrams, queues events, publishes the state,
    /// and wakes the task if it must wake earlier or flush refused datagrams.
    fn settle(&self, s: &mut Shared) {
        self.settle_inner(s);
        let earlier = match (s.rtc.poll_timeout(), s.deadline) {
            (Some(d), Some(current)) => d < current,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if earlier || !s.blocked.is_empty() {
            self.wake.notify_one();
        }
    }

    /// [`Inner::settle`] without waking the task (for the task itself).
    fn settle_inner(&self, s: &mut Shared) {
        self.flush(s);
        let mut queued = false;
        // A full queue leaves the rest in the core: its messages keep the SCTP window
        // closed until `next_event` makes room. The network is still read, so control
        // traffic (acknowledgements, consent, timers) goes on.
        while !s.paused {
            let Some(e) = s.rtc.poll_event() else { break };
            if let Event::ChannelMessage { data, .. } = &e {
                s.queued_bytes += data.len();
            }
            s.events.push_back(e);
            queued = true;
            s.paused = !s.has_room();
        }
        // Taking a message may have reopened the window (a window update to send).
        self.flush(s);
        if queued {
            self.event_ready.notify_one();
        }
        self.publish(s);
    }

    fn publish(&self, s: &Shared) {
        let published = Published::of(&s.rtc, s.closed);
        self.state.send_if_modified(|p| {
            let changed = *p != published;
            *p = published;
            changed
        });
    }

    /// Writes the datagrams the core has for the network, refused ones first: runs of
    /// equal-size datagrams to one destination go out in one GSO send. Stops at the first
    /// `EWOULDBLOCK` (the task retries once the socket is writable).
    fn flush(&self, s: &mut Shared) {
        let mut group = std::mem::take(&mut s.group);
        while let Some(t) = s.next_transmit() {
            if t.destination == MDNS_V4 {
                if let Some(m) = &self.mdns {
                    // Straight to the socket (tokio's `try_send_to` refuses until its reactor
                    // has seen the socket writable). A full socket loses the query; the
                    // querier retries.
                    let _ = socket2::SockRef::from(m).send_to(&t.contents, &t.destination.into());
                }
                continue;
            }
            let Some(link) = self.sockets.iter().find(|l| l.local == t.source) else {
                continue;
            };
            let (socket, state) = match &link.io {
                LinkIo::Udp { socket, state } => (socket, state),
                LinkIo::Task { queue } => {
                    // Full: lost, as on a congested link.
                    let _ = queue.try_send((t.contents, t.destination));
                    continue;
                }
            };
            let segment = t.contents.len();
            let (source, destination) = (t.source, t.destination);
            let max = state.max_gso_segments().min(GSO_SEGMENTS);
            let mut bytes = segment;
            group.push(t);
            // A run: same path, same size; the last one may be shorter.
            while group.len() < max && bytes + segment <= GSO_BYTES {
                let Some(next) = s.next_transmit() else { break };
                let len = next.contents.len();
                if next.source != source || next.destination != destination || len > segment {
                    s.blocked.push_front(next);
                    break;
                }
                bytes += len;
                group.push(next);
                if len < segment {
                    break;
                }
            }
            let sent = BUFFERS.with_borrow_mut(|(_, gso)| {
                let contents: &[u8] = match group.as_slice() {
                    [one] => &one.contents,
                    many => {
                        gso.clear();
                        for t in many {
                            gso.extend_from_slice(&t.contents);
                        }
                        gso
                    }
                };
                let transmit = quinn_udp::Transmit {
                    destination,
                    ecn: None,
                    contents,
                    segment_size: (group.len() > 1).then_some(segment),
                    src_ip: None,
                };
                // Straight to the socket: tokio's `try_io` would refuse until its reactor has
                // seen the socket writable, delaying a new connection's first datagrams.
                state.try_send(socket.into(), &transmit)
            });
            match sent {
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    // Clear tokio's writable readiness so the task waits for the next edge.
                    let _ = socket.try_io(Interest::WRITABLE, || {
                        Err::<(), _>(std::io::Error::from(ErrorKind::WouldBlock))
                    });
                    for t in group.drain(..).rev() {
                        s.blocked.push_front(t);
                    }
                    break;
                }
                // Any other error (unreachable network) loses the datagrams, as on the wire.
                _ => group.clear(),
            }
        }
        s.group = group;
    }

    /// Closes the connection: the core says goodbye (close_notify), the task stops, waiters
    /// on events see the end.
    pub(super) fn close(&self) {
        let mut s = self.lock();
        if s.closed {
            return;
        }
        s.rtc.close(Instant::now());
        self.flush(&mut s);
        s.closed = true;
        self.publish(&s);
        drop(s);
        self.wake.notify_one();
        self.event_ready.notify_waiters();
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(PoisonError::into_inner));
        for t in tasks {
            t.abort();
        }
    }

    /// Keeps a task to stop at `close`.
    pub(super) fn adopt(&self, task: tokio::task::AbortHandle) {
        self.tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(task);
    }

    /// Feeds a datagram (or stream bytes) a link's own task received; false once the
    /// connection is closed.
    pub(super) fn handle_datagram(&self, local: SocketAddr, from: SocketAddr, data: &[u8]) -> bool {
        let mut s = self.lock();
        if s.closed {
            return false;
        }
        s.rtc.handle_packet(Instant::now(), from, local, data);
        self.settle(&mut s);
        true
    }

    /// The next event; `None` once the connection is closed and the queue drained.
    pub(super) async fn next_event(&self) -> Option<Event> {
        loop {
            {
                let mut s = self.lock();
                if let Some(e) = s.events.pop_front() {
                    if let Event::ChannelMessage { data, .. } = &e {
                        s.queued_bytes -= data.len();
                    }
                    // Take more from the core once the queue is half empty, not at the
                    // first free slot (which would pump the core for every event taken).
                    if s.paused && s.half_empty() {
                        s.paused = false;
                        self.settle(&mut s);
                    }
                    if !s.events.is_empty() {
                        // Let another waiter take the next one.
                        self.event_ready.notify_one();
                    }
                    return Some(e);
                }
                if s.closed {
                    return None;
                }
            }
            self.event_ready.notified().await;
        }
    }
}

impl Shared {
    /// The next datagram to write: a refused one first, then the core's.
    fn next_transmit(&mut self) -> Option<Transmit> {
        self.blocked
            .pop_front()
            .or_else(|| self.rtc.poll_transmit())
    }

    /// Whether the event queue takes more events from the core.
    fn has_room(&self) -> bool {
        self.events.len() < MAX_QUEUED_EVENTS && self.queued_bytes < MAX_QUEUED_BYTES
    }

    /// Whether a full queue takes events again.
    fn half_empty(&self) -> bool {
        self.events.len() <= MAX_QUEUED_EVENTS / 2 && self.queued_bytes <= MAX_QUEUED_BYTES / 2
    }
}

/// What woke the task.
enum Ready {
    /// Data socket `i` has datagrams (`sockets.len()` is the mDNS socket).
    Readable(usize),
    /// A socket with refused datagrams is writable again.
    Writable,
}

/// The connection's task: timers, reading the sockets, flushing refused datagrams.
pub(super) async fn drive(inner: Arc<Inner>) {
    // Where the next readiness scan starts, so a busy socket cannot starve the others.
    let mut first = 0usize;
    let count = inner.sockets.len() + usize::from(inner.mdns.is_some());
    let receiver = |i: usize| match inner.sockets.get(i) {
        Some(Link {
            io: LinkIo::Udp { socket, .. },
            ..
        }) => Some(socket),
        // Read by its own task.
        Some(_) => None,
        None => inner.mdns.as_ref(),
    };
    loop {
        let (deadline, want_write) = {
            let mut s = inner.lock();
            if s.closed {
                break;
            }
            let now = Instant::now();
            if s.rtc.poll_timeout().is_some_and(|d| d <= now) {
                s.rtc.handle_timeout(now);
            }
            inner.settle_inner(&mut s);
            s.deadline = s.rtc.poll_timeout();
            (s.deadline, !s.blocked.is_empty())
        };
        let ready = poll_fn(|cx| {
            for k in 0..count {
                let i = (first + k) % count;
                if receiver(i).is_some_and(|r| r.poll_recv_ready(cx).is_ready()) {
                    return Poll::Ready(Ready::Readable(i));
                }
            }
            if want_write {
                for link in &inner.sockets {
                    if let LinkIo::Udp { socket, .. } = &link.io
                        && socket.poll_send_ready(cx).is_ready()
                    {
                        return Poll::Ready(Ready::Writable);
                    }
                }
            }
            Poll::Pending
        });
        let ready = tokio::select! {
            r = ready => Some(r),
            () = inner.wake.notified() => None,
            () = sleep_until(deadline) => None,
        };
        if let Some(Ready::Readable(i)) = ready {
            first = (i + 1) % count;
            let mut s = inner.lock();
            if s.closed {
                break;
            }
            match inner.sockets.get(i) {
                Some(Link {
                    local,
                    io: LinkIo::Udp { socket, state },
                }) => receive(&mut s.rtc, *local, socket, state),
                Some(_) => {}
                None => {
                    if let Some(m) = &inner.mdns {
                        receive_mdns(&mut s.rtc, m);
                    }
                }
            }
            inner.settle_inner(&mut s);
        }
    }
}

/// Reads what a data socket has (up to [`RECV_CALLS`] batched calls) into the core.
fn receive(rtc: &mut Rtc, local: SocketAddr, socket: &UdpSocket, state: &UdpSocketState) {
    BUFFERS.with_borrow_mut(|(buf, _)| {
        if buf.is_empty() {
            buf.resize(RECV_SLOTS * RECV_SLOT, 0);
        }
        let mut meta = [RecvMeta::default(); RECV_SLOTS];
        for _ in 0..RECV_CALLS {
            let mut slots = buf.chunks_mut(RECV_SLOT);
            let mut iovs: [IoSliceMut<'_>; RECV_SLOTS] =
                std::array::from_fn(|_| IoSliceMut::new(slots.next().unwrap_or_default()));
            let got = socket.try_io(Interest::READABLE, || {
                state.recv(socket.into(), &mut iovs, &mut meta)
            });
            let n = match got {
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                // ICMP errors (port unreachable) surface as receive errors on Linux.
                Err(_) => continue,
            };
            // Batches for the core of at most SACK_BATCH datagrams, each answered once (one
            // SACK). With GRO one buffer holds several datagrams of `stride` bytes.
            let mut datagrams = meta
                .iter()
                .zip(buf.chunks(RECV_SLOT))
                .take(n)
                .flat_map(|(m, slot)| {
                    let data = slot.get(..m.len).unwrap_or(slot);
                    data.chunks(m.stride.max(1)).map(move |d| (m.addr, d))
                })
                .peekable();
            let now = Instant::now();
            while datagrams.peek().is_some() {
                rtc.handle_packets(now, local, datagrams.by_ref().take(SACK_BATCH));
            }
        }
    });
}

/// Reads what the mDNS socket has into the core.
fn receive_mdns(rtc: &mut Rtc, socket: &UdpSocket) {
    BUFFERS.with_borrow_mut(|(buf, _)| {
        if buf.is_empty() {
            buf.resize(RECV_SLOTS * RECV_SLOT, 0);
        }
        for _ in 0..RECV_CALLS {
            match socket.try_recv_from(buf) {
                Ok((n, _)) => rtc.handle_mdns(Instant::now(), buf.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(_) => {}
            }
        }
    });
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
        None => std::future::pending().await,
    }
}
