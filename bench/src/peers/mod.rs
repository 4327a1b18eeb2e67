//! Whole stacks side by side: two peer connections in one process over loopback UDP.
//!
//! Each (stack, workload) runs in its own child process (the `peers` binary re-executed with
//! `--child STACK WORKLOAD ...`), so one stack's heap, threads and CPU time never count for
//! the other, and VmHWM is the peak of that workload alone. A child prints `RESULT` lines;
//! the parent collects them and prints the table. See `src/bin/peers.rs` for the workloads.

pub mod str0m;
pub mod strata;
pub mod webrtc_rs;

use std::time::{Duration, Instant};

/// The buffered amount above which the sender pauses.
pub const HIGH_WATER: usize = 1 << 20;
/// The `bufferedAmountLowThreshold`: the sender resumes on the low event.
pub const LOW_WATER: usize = 512 << 10;
/// How long a connection may take to open its data channel before the run counts as failed.
pub const OPEN_TIMEOUT: Duration = Duration::from_secs(20);
/// After the sender stops, how long the receiver may take to get the rest.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// The stacks compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    /// strata-peer's async `PeerConnection`.
    Strata,
    /// webrtc-rs `webrtc` 0.21.1 (tokio + ring).
    WebrtcRs,
    /// str0m 0.25.0 (sans-IO, aws-lc-rs) in a tokio UDP loop of ours.
    Str0m,
}

impl Stack {
    /// All, in table order (Strata first: the ratios compare with it).
    pub const ALL: [Stack; 3] = [Stack::Strata, Stack::WebrtcRs, Stack::Str0m];

    /// The command-line and table name.
    pub fn name(self) -> &'static str {
        match self {
            Stack::Strata => "strata",
            Stack::WebrtcRs => "webrtc-rs",
            Stack::Str0m => "str0m",
        }
    }

    /// The stack of a command-line name.
    pub fn from_name(name: &str) -> Option<Stack> {
        Stack::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// User + system CPU time of this process so far (getrusage RUSAGE_SELF), in seconds.
pub fn cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a `struct rusage` into the pointer it is given; the
    // zero-initialised buffer is a valid `rusage` either way.
    #[allow(unsafe_code)]
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Raises RLIMIT_NOFILE's soft limit to its hard limit (many sockets in the memory run).
pub fn raise_nofile_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: both calls read or write one `struct rlimit` we own.
    #[allow(unsafe_code)]
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// Asks for `bytes` of kernel send and receive buffer on a socket (the kernel caps it at
/// net.core.wmem_max / rmem_max), as strata-peer does for its sockets (4 MiB).
pub fn set_socket_buffers(socket: &impl std::os::fd::AsRawFd, bytes: usize) {
    let value = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    for option in [libc::SO_RCVBUF, libc::SO_SNDBUF] {
        // SAFETY: setsockopt reads one c_int from the pointer for these options; the
        // descriptor is owned by `socket`, which outlives the call. Best effort: a smaller
        // buffer still works.
        #[allow(unsafe_code)]
        unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                option,
                std::ptr::from_ref(&value).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }
}

/// A `/proc/self/status` field in KiB (`VmRSS`, `VmHWM`).
pub fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The tokio runtime a user would write: multi-thread, 2 workers.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// Makes `buf` message number `seq`: the sequence number in its first 8 bytes (the receiver
/// checks order with it; the rest of the buffer is left as it is).
pub fn number_message(buf: &mut [u8], seq: u64) {
    if let Some(head) = buf.get_mut(..8) {
        head.copy_from_slice(&seq.to_be_bytes());
    }
}

/// The receiver's bookkeeping: bytes, messages, order and the longest gap without progress.
#[derive(Debug)]
pub struct Receiver {
    size: usize,
    start: Instant,
    last: Instant,
    /// The longest time between two received messages (or the start and the first).
    pub longest_gap: Duration,
    /// Bytes received.
    pub bytes: u64,
    /// Messages received.
    pub messages: u64,
    /// The first message that was not the expected next one, or had the wrong length.
    pub error: Option<String>,
}

impl Receiver {
    /// Expects messages of `size` bytes numbered from 0, from `start` on.
    pub fn new(size: usize, start: Instant) -> Receiver {
        Receiver {
            size,
            start,
            last: start,
            longest_gap: Duration::ZERO,
            bytes: 0,
            messages: 0,
            error: None,
        }
    }

    /// One message arrived.
    pub fn on_message(&mut self, data: &[u8]) {
        let now = Instant::now();
        self.longest_gap = self.longest_gap.max(now - self.last);
        self.last = now;
        if self.error.is_none() {
            let expected_head = self.messages.to_be_bytes();
            let head_ok = data.len() < 8 || data.get(..8) == Some(&expected_head[..]);
            if data.len() != self.size || !head_ok {
                self.error = Some(format!(
                    "message {} has {} bytes (expected {}) or is out of order",
                    self.messages,
                    data.len(),
                    self.size
                ));
            }
        }
        self.bytes += data.len() as u64;
        self.messages += 1;
    }

    /// When the last message arrived.
    pub fn last(&self) -> Instant {
        self.last
    }

    /// Since the start.
    pub fn started(&self) -> Instant {
        self.start
    }
}

/// What a throughput child measured.
#[derive(Debug, Clone)]
pub struct Throughput {
    /// Messages the sender queued.
    pub sent_messages: u64,
    /// Bytes received.
    pub bytes: u64,
    /// Messages received.
    pub messages: u64,
    /// From the first send to the last byte received.
    pub seconds: f64,
    /// CPU seconds of the process over the same interval.
    pub cpu: f64,
    /// Longest time without a received message.
    pub longest_gap: Duration,
    /// Everything arrived, in order, within [`DRAIN_TIMEOUT`].
    pub complete: bool,
    /// Why not, if not.
    pub error: Option<String>,
}

impl Throughput {
    /// The `RESULT` line.
    pub fn result_line(&self) -> String {
        format!(
            "RESULT throughput sent_messages={} bytes={} messages={} seconds={:.6} cpu={:.6} gap_ms={:.3} complete={} hwm_kib={}",
            self.sent_messages,
            self.bytes,
            self.messages,
            self.seconds,
            self.cpu,
            self.longest_gap.as_secs_f64() * 1e3,
            u8::from(self.complete),
            status_kib("VmHWM"),
        )
    }
}
