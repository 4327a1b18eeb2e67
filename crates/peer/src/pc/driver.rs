//! The state one connection's handles and its task share, and the task itself.
//!
//! The sans-IO [`Rtc`] sits behind a mutex. Whoever holds the lock does the work its call
//! caused right away: a `send` on the caller's task seals the SCTP packets and then writes
//! them to the socket itself, without a hop through the connection task, and the task reads
//! datagrams in batches and answers them (SACKs). System calls happen outside the lock: the
//! datagrams go to an outgoing queue under the lock, and one writer at a time empties it, in
//! order, in GSO sends of equal-size runs; a caller that finds another writer busy leaves its
//! datagrams to it, so a burst of small messages from several threads goes out batched.
//! Sockets are non-blocking; datagrams the kernel refuses (`EWOULDBLOCK`) wait in the queue
//! until the task sees the socket writable again. Events wait in a bounded queue for [`PeerConnection::next_event`]
//! (super::PeerConnection::next_event): while it is full, further events stay in the core,
//! whose received messages keep the SCTP receive window closed, so the peer stops sending
//! and a caller that never reads cannot grow memory. The sockets are read all the time.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::io::{ErrorKind, IoSliceMut};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
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
/// Receive calls per readiness of a socket, each followed by writing what it caused, before
/// the task looks at its timers and the other sockets again.
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
/// Datagrams taken out of the core ahead of the writer at most; beyond, they wait in the
/// core (SCTP data unsealed).
const MAX_OUT: usize = 256;

thread_local! {
    /// Receive and GSO buffers, one set per thread rather than per connection: they are
    /// borrowed only for one system call and its processing, without an await, so
    /// connections on one thread never use them at the same time. Allocated on first use.
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
    /// Datagrams taken from the core for the writer, oldest first (at most [`MAX_OUT`]).
    out: VecDeque<Transmit>,
    /// The socket refused a datagram: the writer waits for the task to see it writable.
    write_blocked: bool,
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
    /// Held by the one thread writing `Shared::out` to the sockets (outside `shared`).
    writer: Mutex<()>,
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
                out: VecDeque::new(),
                write_blocked: false,
                group: Vec::new(),
                deadline: None,
                closed: false,
                paused: false,
            }),
            writer: Mutex::new(()),
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
        drop(s);
        self.write_out();
        Ok(out)
    }

    /// After any change to the core: takes its datagrams for the writer, queues events,
    /// publishes the state, and wakes the task if it must wake earlier. The caller then
    /// unlocks and calls [`Inner::write_out`].
    fn settle(&self, s: &mut Shared) {
        self.settle_inner(s);
        let earlier = match (s.rtc.poll_timeout(), s.deadline) {
            (Some(d), Some(current)) => d < current,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if earlier {
            self.wake.notify_one();
        }
    }

    /// [`Inner::settle`] without waking the task (for the task itself).
    fn settle_inner(&self, s: &mut Shared) {
        Self::collect(s);
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
        Self::collect(s);
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

    /// Moves the core's datagrams to the outgoing queue (under the lock, in order).
    fn collect(s: &mut Shared) {
        while s.out.len() < MAX_OUT {
            let Some(t) = s.rtc.poll_transmit() else {
                break;
            };
            s.out.push_back(t);
        }
    }

    /// Writes the outgoing queue to the sockets, without holding the core's lock during the
    /// system calls: runs of equal-size datagrams to one destination go out in one GSO send.
    /// One writer at a time keeps the order; a caller that finds the writer busy returns at
    /// once, and the writer looks again after letting go, so nothing is left behind. Stops
    /// at the first `EWOULDBLOCK` (the task writes on once the socket is writable).
    pub(super) fn write_out(&self) {
        loop {
            {
                let _writer = match self.writer.try_lock() {
                    Ok(w) => w,
                    // A panic while writing left nothing half done in the lock's `()`.
                    Err(TryLockError::Poisoned(w)) => w.into_inner(),
                    Err(TryLockError::WouldBlock) => return,
                };
                let mut s = self.lock();
                let mut group = std::mem::take(&mut s.group);
                loop {
                    if s.write_blocked {
                        break;
                    }
                    let Some(link) = self.take_run(&mut s, &mut group) else {
                        break;
                    };
                    drop(s);
                    let refused = self.write(link, &mut group);
                    s = self.lock();
                    if refused {
                        for t in group.drain(..).rev() {
                            s.out.push_front(t);
                        }
                        s.write_blocked = true;
                        self.wake.notify_one();
                        break;
                    }
                    group.clear();
                    // Sending may have made room for more of the core's datagrams.
                    Self::collect(&mut s);
                }
                s.group = group;
            }
            // A caller may have queued datagrams after the writer's last look.
            let s = self.lock();
            if s.out.is_empty() || s.write_blocked {
                return;
            }
        }
    }

    /// Takes the next run for one send into `group`: an mDNS query, a datagram for a link's
    /// own task, or equal-size datagrams (the last may be shorter) on one UDP path. Which
    /// link, `None` for mDNS; `None` with `group` empty when there is nothing to write.
    fn take_run(&self, s: &mut Shared, group: &mut Vec<Transmit>) -> Option<Option<usize>> {
        loop {
            let t = s.out.pop_front()?;
            if t.destination == MDNS_V4 {
                group.push(t);
                return Some(None);
            }
            let Some(index) = self.sockets.iter().position(|l| l.local == t.source) else {
                continue;
            };
            let max = match &self.sockets[index].io {
                LinkIo::Udp { state, .. } => state.max_gso_segments().min(GSO_SEGMENTS),
                LinkIo::Task { .. } => 1,
            };
            let segment = t.contents.len();
            let (source, destination) = (t.source, t.destination);
            let mut bytes = segment;
            group.push(t);
            while group.len() < max && bytes + segment <= GSO_BYTES {
                let Some(next) = s.out.front() else { break };
                let len = next.contents.len();
                if next.source != source || next.destination != destination || len > segment {
                    break;
                }
                bytes += len;
                group.extend(s.out.pop_front());
                if len < segment {
                    break;
                }
            }
            return Some(Some(index));
        }
    }

    /// Sends one run (see [`Inner::take_run`]); true if the socket refused it
    /// (`EWOULDBLOCK`), leaving `group` as it was.
    fn write(&self, link: Option<usize>, group: &mut Vec<Transmit>) -> bool {
        let Some(index) = link else {
            if let Some(m) = &self.mdns {
                for t in group.iter() {
                    // Straight to the socket (tokio's `try_send_to` refuses until its reactor
                    // has seen the socket writable). A full socket loses the query; the
                    // querier retries.
                    let _ = socket2::SockRef::from(m).send_to(&t.contents, &t.destination.into());
                }
            }
            return false;
        };
        let (socket, state) = match &self.sockets[index].io {
            LinkIo::Udp { socket, state } => (socket, state),
            LinkIo::Task { queue } => {
                for t in group.drain(..) {
                    // Full: lost, as on a congested link.
                    let _ = queue.try_send((t.contents, t.destination));
                }
                return false;
            }
        };
        let Some(first) = group.first() else {
            return false;
        };
        let (segment, destination) = (first.contents.len(), first.destination);
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
                true
            }
            // Any other error (unreachable network) loses the datagrams, as on the wire.
            _ => false,
        }
    }

    /// Closes the connection: the core says goodbye (close_notify), the task stops, waiters
    /// on events see the end.
    pub(super) fn close(&self) {
        let mut s = self.lock();
        if s.closed {
            return;
        }
        s.rtc.close(Instant::now());
        Self::collect(&mut s);
        s.closed = true;
        self.publish(&s);
        drop(s);
        self.write_out();
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
        drop(s);
        self.write_out();
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
                    let settled = s.paused && s.half_empty();
                    if settled {
                        s.paused = false;
                        self.settle(&mut s);
                    }
                    if !s.events.is_empty() {
                        // Let another waiter take the next one.
                        self.event_ready.notify_one();
                    }
                    drop(s);
                    if settled {
                        self.write_out();
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
            (s.deadline, s.write_blocked)
        };
        inner.write_out();
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
        match ready {
            Some(Ready::Readable(i)) => {
                first = (i + 1) % count;
                let closed = match inner.sockets.get(i) {
                    Some(Link {
                        local,
                        io: LinkIo::Udp { socket, state },
                    }) => inner.receive(*local, socket, state),
                    Some(_) => false,
                    None => {
                        let mut s = inner.lock();
                        if let Some(m) = &inner.mdns {
                            receive_mdns(&mut s.rtc, m);
                        }
                        inner.settle_inner(&mut s);
                        let closed = s.closed;
                        drop(s);
                        inner.write_out();
                        closed
                    }
                };
                if closed {
                    break;
                }
            }
            Some(Ready::Writable) => {
                inner.lock().write_blocked = false;
                inner.write_out();
            }
            None => {}
        }
    }
}

impl Inner {
    /// Reads what a data socket has (up to [`RECV_CALLS`] batched calls) into the core: each
    /// call without the lock, then its datagrams under it, then the answers written. True
    /// once the connection is closed.
    fn receive(&self, local: SocketAddr, socket: &UdpSocket, state: &UdpSocketState) -> bool {
        for _ in 0..RECV_CALLS {
            let got = BUFFERS.with_borrow_mut(|(buf, _)| {
                if buf.is_empty() {
                    buf.resize(RECV_SLOTS * RECV_SLOT, 0);
                }
                let mut meta = [RecvMeta::default(); RECV_SLOTS];
                let mut slots = buf.chunks_mut(RECV_SLOT);
                let mut iovs: [IoSliceMut<'_>; RECV_SLOTS] =
                    std::array::from_fn(|_| IoSliceMut::new(slots.next().unwrap_or_default()));
                let n = match socket.try_io(Interest::READABLE, || {
                    state.recv(socket.into(), &mut iovs, &mut meta)
                }) {
                    Ok(n) => n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => return None,
                    // ICMP errors (port unreachable) surface as receive errors on Linux.
                    Err(_) => return Some(false),
                };
                let mut s = self.lock();
                if s.closed {
                    return Some(true);
                }
                // Batches for the core of at most SACK_BATCH datagrams, each answered once
                // (one SACK). With GRO one buffer holds several datagrams of `stride` bytes.
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
                    s.rtc
                        .handle_packets(now, local, datagrams.by_ref().take(SACK_BATCH));
                }
                self.settle_inner(&mut s);
                Some(false)
            });
            match got {
                None => return false,
                Some(true) => return true,
                Some(false) => self.write_out(),
            }
        }
        false
    }
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
