#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
// A command-line program reports on stdout and stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod options;
mod ports;
mod tls;

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use strata_turn::framing::{Frame, StreamDecoder};
use strata_turn::server::{Event, FiveTuple, Input, Route, Server, Transmit, Transport};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc;

use ports::Ports;

/// Largest UDP datagram read.
const MAX_DATAGRAM: usize = 65_536;
/// Datagrams read from one socket before the queued output is sent.
const RECV_BATCH: usize = 64;
/// Queued writes per TCP connection before packets are dropped.
pub(crate) const TCP_QUEUE: usize = 256;

/// Everything the tasks share.
pub(crate) struct Shared {
    server: Server<Ports>,
    udp: HashMap<SocketAddr, Rc<UdpSocket>>,
    tcp: HashMap<FiveTuple, mpsc::Sender<Vec<u8>>>,
    verbose: u8,
    send_errors: u64,
}

pub(crate) type State = Rc<RefCell<Shared>>;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Sends everything the core queued. `batch` is the caller's scratch vector, kept to avoid
/// allocating.
pub(crate) async fn flush(state: &State, batch: &mut Vec<(Transmit, Option<Rc<UdpSocket>>)>) {
    loop {
        {
            let mut s = state.borrow_mut();
            while batch.len() < 64 {
                let Some(t) = s.server.poll_transmit() else {
                    break;
                };
                let socket = match t.route {
                    Route::Peer { relayed, .. } => s
                        .server
                        .relay_ports()
                        .sockets
                        .get(&relayed)
                        .map(|r| r.socket.clone()),
                    Route::Client(ft) if ft.transport == Transport::Udp => {
                        s.udp.get(&ft.server).cloned()
                    }
                    Route::Client(ft) => {
                        // Stream clients: hand the buffer to the connection's writer.
                        if let Some(tx) = s.tcp.get(&ft) {
                            if let Err(e) = tx.try_send(t.contents) {
                                s.send_errors += 1;
                                let buf = match e {
                                    mpsc::error::TrySendError::Full(b)
                                    | mpsc::error::TrySendError::Closed(b) => b,
                                };
                                s.server.recycle(buf);
                            }
                        } else {
                            s.server.recycle(t.contents);
                        }
                        continue;
                    }
                };
                batch.push((t, socket));
            }
            while let Some(event) = s.server.poll_event() {
                if s.verbose > 0 {
                    log_event(&event);
                }
            }
            start_relay_tasks(state, &mut s);
        }
        if batch.is_empty() {
            return;
        }
        let mut errors = 0;
        for (t, socket) in batch.iter() {
            let destination = match t.route {
                Route::Peer { peer, .. } => peer,
                Route::Client(ft) => ft.client,
            };
            if let Some(socket) = socket
                && socket.send_to(&t.contents, destination).await.is_err()
            {
                errors += 1;
            }
        }
        let mut s = state.borrow_mut();
        s.send_errors += errors;
        for (t, _) in batch.drain(..) {
            s.server.recycle(t.contents);
        }
    }
}

fn log_event(event: &Event) {
    match event {
        Event::AllocationCreated {
            five_tuple,
            relayed,
            username,
        } => println!(
            "allocation {:?} {} -> relayed {relayed} for {username}",
            five_tuple.transport, five_tuple.client
        ),
        Event::AllocationDeleted {
            five_tuple,
            relayed,
            reason,
        } => println!(
            "allocation {:?} {} relayed {relayed} deleted: {reason:?}",
            five_tuple.transport, five_tuple.client
        ),
        Event::ChannelBound {
            five_tuple,
            channel,
            peer,
        } => println!(
            "channel {:#06x} -> {peer} for {}",
            channel.0, five_tuple.client
        ),
        other => println!("{other:?}"),
    }
}

/// Starts a receive task for each relayed address opened since the last call.
fn start_relay_tasks(state: &State, s: &mut Shared) {
    let ports = s.server.relay_ports_mut();
    while let Some(addr) = ports.opened.pop() {
        let Some(r) = ports.sockets.get(&addr) else {
            continue;
        };
        let (socket, stop) = (r.socket.clone(), r.stop.clone());
        let state = state.clone();
        tokio::task::spawn_local(async move {
            let mut buf = vec![0u8; MAX_DATAGRAM];
            let mut batch = Vec::new();
            loop {
                tokio::select! {
                    r = socket.recv_from(&mut buf) => {
                        let Ok((n, peer)) = r else { continue };
                        {
                            let mut s = state.borrow_mut();
                            let now = Instant::now();
                            s.server.handle_relay_packet(now, addr, peer, &buf[..n]);
                            // Take what else is waiting before sending: one flush per burst.
                            for _ in 1..RECV_BATCH {
                                let Ok((n, peer)) = socket.try_recv_from(&mut buf) else {
                                    break;
                                };
                                s.server.handle_relay_packet(now, addr, peer, &buf[..n]);
                            }
                        }
                        flush(&state, &mut batch).await;
                    }
                    () = stop.notified() => break,
                }
            }
        });
    }
}

async fn udp_listener(state: State, socket: Rc<UdpSocket>, local: SocketAddr) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let mut batch = Vec::new();
    loop {
        let Ok((n, client)) = socket.recv_from(&mut buf).await else {
            continue;
        };
        {
            let mut s = state.borrow_mut();
            let now = Instant::now();
            let mut next = Some((n, client));
            let mut taken = 0;
            while let Some((n, client)) = next {
                s.server.handle_packet(
                    now,
                    Input {
                        transport: Transport::Udp,
                        client,
                        local,
                        data: &buf[..n],
                    },
                );
                taken += 1;
                // Take what else is waiting before sending: one flush per burst.
                next = if taken < RECV_BATCH {
                    socket.try_recv_from(&mut buf).ok()
                } else {
                    None
                };
            }
        }
        flush(&state, &mut batch).await;
    }
}

async fn tcp_listener(state: State, listener: TcpListener, local: SocketAddr) {
    loop {
        let Ok((stream, client)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let five_tuple = FiveTuple {
            transport: Transport::Tcp,
            client,
            server: local,
        };
        tokio::task::spawn_local(tcp_connection(state.clone(), stream, five_tuple));
    }
}

/// Hands every complete frame in `decoder` to the core; `false` if the stream is broken.
fn feed_frames(state: &State, decoder: &mut StreamDecoder, five_tuple: FiveTuple) -> bool {
    let now = Instant::now();
    let mut s = state.borrow_mut();
    loop {
        match decoder.next_frame() {
            Ok(Some(Frame::Stun(bytes))) => s.server.handle_packet(
                now,
                Input {
                    transport: five_tuple.transport,
                    client: five_tuple.client,
                    local: five_tuple.server,
                    data: bytes,
                },
            ),
            Ok(Some(Frame::ChannelData { channel, data })) => {
                s.server.handle_channel_data(now, five_tuple, channel, data);
            }
            Ok(None) => return true,
            Err(_) => return false,
        }
    }
}

async fn tcp_connection(state: State, stream: TcpStream, five_tuple: FiveTuple) {
    let (mut reader, mut writer) = stream.into_split();
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(TCP_QUEUE);
    state.borrow_mut().tcp.insert(five_tuple, tx);
    let writer_state = state.clone();
    let writer_task = tokio::task::spawn_local(async move {
        while let Some(buf) = rx.recv().await {
            let ok = writer.write_all(&buf).await.is_ok();
            writer_state.borrow_mut().server.recycle(buf);
            if !ok {
                break;
            }
        }
    });
    let mut decoder = StreamDecoder::new();
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let mut batch = Vec::new();
    loop {
        let n = match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if decoder.push(&buf[..n]).is_err() || !feed_frames(&state, &mut decoder, five_tuple) {
            break;
        }
        flush(&state, &mut batch).await;
    }
    {
        let mut s = state.borrow_mut();
        s.tcp.remove(&five_tuple);
        s.server
            .handle_connection_closed(Instant::now(), five_tuple);
    }
    flush(&state, &mut batch).await;
    writer_task.abort();
}

async fn timers(state: State) {
    let mut batch = Vec::new();
    let mut last_stats = Instant::now();
    loop {
        let wake = state.borrow().server.poll_timeout();
        let now = Instant::now();
        let sleep = wake.map_or(Duration::from_secs(1), |w| {
            w.saturating_duration_since(now).min(Duration::from_secs(1))
        });
        tokio::time::sleep(sleep).await;
        let now = Instant::now();
        {
            let mut s = state.borrow_mut();
            s.server.set_unix_time(now, unix_now());
            s.server.handle_timeout(now);
            if s.verbose > 1 && now.duration_since(last_stats) >= Duration::from_secs(10) {
                last_stats = now;
                println!("stats {:?}", s.server.stats());
            }
        }
        flush(&state, &mut batch).await;
    }
}

/// The settings every worker shares, derived once from the options.
struct Plan {
    opts: options::Options,
    tls: Option<std::sync::Arc<rustls::ServerConfig>>,
    config: strata_turn::server::ServerConfig,
    relay_ip: Option<std::net::IpAddr>,
}

fn plan(opts: options::Options) -> Result<Plan, String> {
    let relay_ip = opts
        .relay_ip
        .or_else(|| opts.listen.iter().map(|a| a.ip()).find(|ip| ip.is_ipv4()));
    let mut config = opts.config.clone();
    config.ipv4_relay = relay_ip.is_some();
    for l in &opts.listen {
        if !l.ip().is_unspecified() {
            config.peer_filter.own.push(l.ip());
        }
    }
    config.peer_filter.own.extend(relay_ip);
    config.peer_filter.own.extend(opts.relay_ipv6);
    // One secret for all workers, so a nonce stays valid whichever worker checks it.
    let mut secret = [0u8; 32];
    strata_stun::Rng::fill(&mut strata_stun::OsRng::default(), &mut secret);
    config.nonce_secret = secret;
    let tls = match (&opts.cert, &opts.key) {
        _ if opts.tls_listen.is_empty() => None,
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
        _ => return Err("--tls-listen needs --cert and --key".into()),
    };
    Ok(Plan {
        opts,
        tls,
        config,
        relay_ip,
    })
}

/// One worker: its own runtime, core, listeners (shared with the other workers through
/// SO_REUSEPORT) and relay sockets. Reports its listening lines on `ready`, then runs until
/// `stop` changes and returns its counters as a line of text.
fn worker(
    index: usize,
    plan: &Plan,
    ready: &std::sync::mpsc::Sender<Result<Vec<String>, String>>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Option<String> {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            let _ = ready.send(Err(format!("cannot start the runtime: {e}")));
            return None;
        }
    };
    let opts = &plan.opts;
    let threads = opts.threads.max(1);
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async move {
        let span = usize::from(opts.max_port - opts.min_port) + 1;
        let first_port = opts.min_port + (span * index / threads) as u16;
        let ports = Ports::new(
            plan.relay_ip,
            opts.relay_ipv6,
            (opts.min_port, opts.max_port, first_port),
            opts.socket_buffer,
        );
        let mut server = Server::new(plan.config.clone(), ports);
        server.set_unix_time(Instant::now(), unix_now());
        let state: State = Rc::new(RefCell::new(Shared {
            server,
            udp: HashMap::new(),
            tcp: HashMap::new(),
            verbose: opts.verbose,
            send_errors: 0,
        }));
        let reuse_port = threads > 1;
        let mut lines = Vec::new();
        let bound: std::io::Result<()> = async {
            for &addr in &opts.listen {
                if opts.udp {
                    let std_socket = ports::bind_udp(addr, opts.socket_buffer, reuse_port)?;
                    let socket = Rc::new(UdpSocket::from_std(std_socket)?);
                    let local = socket.local_addr()?;
                    state.borrow_mut().udp.insert(local, socket.clone());
                    tokio::task::spawn_local(udp_listener(state.clone(), socket, local));
                    lines.push(format!("listening udp {local}"));
                }
                if opts.tcp {
                    let listener = TcpListener::from_std(ports::bind_tcp(addr, reuse_port)?)?;
                    let local = listener.local_addr()?;
                    tokio::task::spawn_local(tcp_listener(state.clone(), listener, local));
                    lines.push(format!("listening tcp {local}"));
                }
            }
            if let Some(config) = &plan.tls {
                for &addr in &opts.tls_listen {
                    let listener = TcpListener::from_std(ports::bind_tcp(addr, reuse_port)?)?;
                    let local = listener.local_addr()?;
                    tokio::task::spawn_local(tls::listener(
                        state.clone(),
                        listener,
                        local,
                        config.clone(),
                    ));
                    lines.push(format!("listening tls {local}"));
                }
            }
            Ok(())
        }
        .await;
        if let Err(e) = bound {
            let _ = ready.send(Err(e.to_string()));
            return None;
        }
        let _ = ready.send(Ok(lines));
        tokio::task::spawn_local(timers(state.clone()));
        let _ = stop.changed().await;
        let s = state.borrow();
        Some(format!(
            "stats {:?} send_errors {} allocations {}",
            s.server.stats(),
            s.send_errors,
            s.server.allocation_count()
        ))
    })
}

/// Starts the workers, prints the listening lines once all are ready, waits for SIGINT or
/// SIGTERM, then prints every worker's counters.
fn run(opts: options::Options) -> Result<(), String> {
    let threads = opts.threads.max(1);
    let plan = std::sync::Arc::new(plan(opts)?);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let mut handles = Vec::new();
    for index in 0..threads {
        let (plan, ready, stop) = (plan.clone(), ready_tx.clone(), stop_rx.clone());
        handles.push(
            std::thread::Builder::new()
                .name(format!("turn-worker-{index}"))
                .spawn(move || worker(index, &plan, &ready, stop))
                .map_err(|e| format!("cannot start a worker thread: {e}"))?,
        );
    }
    drop(ready_tx);
    let mut failure = None;
    let mut lines = Vec::new();
    for _ in 0..threads {
        match ready_rx.recv() {
            Ok(Ok(l)) => lines = l,
            Ok(Err(e)) => failure = Some(e),
            Err(_) => failure = Some("a worker stopped before it was ready".into()),
        }
    }
    if failure.is_none() {
        {
            // Released before waiting: the workers print through the same lock.
            let mut out = std::io::stdout().lock();
            for l in &lines {
                let _ = writeln!(out, "{l}");
            }
            let _ = out.flush();
        }
        let signals = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the runtime: {e}"))?;
        signals.block_on(async {
            let Ok(mut term) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            else {
                let _ = tokio::signal::ctrl_c().await;
                return;
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        });
    }
    let _ = stop_tx.send(true);
    for (index, h) in handles.into_iter().enumerate() {
        if let Ok(Some(report)) = h.join() {
            if threads == 1 {
                println!("{report}");
            } else {
                println!("worker {index} {report}");
            }
        }
    }
    failure.map_or(Ok(()), Err)
}

/// Runs the server with `args` (without the program name) until SIGINT or SIGTERM and
/// returns the process exit code: 0, 1 for a runtime error, 2 for bad arguments.
pub fn main_with_args(args: &[String]) -> i32 {
    let opts = match options::parse_args(args) {
        Ok(Some(o)) => o,
        Ok(None) => {
            print!("{}", options::USAGE);
            return 0;
        }
        Err(e) => {
            eprintln!("strata-turn-server: {e}\n\n{}", options::USAGE);
            return 2;
        }
    };
    if let Err(e) = run(opts) {
        eprintln!("strata-turn-server: {e}");
        return 1;
    }
    0
}
