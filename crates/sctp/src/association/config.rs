//! Association settings.

use std::time::Duration;

/// Association settings. `Config::default()` matches what WebRTC peers expect.
/// Build it with `Config { seed, ..Config::default() }`.
#[derive(Debug, Clone)]
pub struct Config {
    /// Our SCTP port (SDP `a=sctp-port`, default 5000).
    pub local_port: u16,
    /// The peer's SCTP port (default 5000).
    pub remote_port: u16,
    /// Largest SCTP packet we emit, in bytes (default 1200; DTLS overhead is the caller's
    /// budget). Clamped to 256..=65535.
    pub mtu: usize,
    /// Largest user message we send or reassemble (default 262144, SDP
    /// `a=max-message-size`). Honouring a smaller peer value is the caller's job.
    pub max_message_size: usize,
    /// Receive buffer: what we advertise as a_rwnd and the most user data we hold
    /// (default 1 MiB). Raised to at least `max_message_size + mtu`.
    pub receive_buffer: usize,
    /// Send buffer (default 4 MiB, raised to at least `max_message_size`): the most user
    /// data waiting to be sent, all streams (a send that would exceed it fails), and the
    /// most sent data held until acknowledged (new data waits while it is reached).
    pub send_buffer: usize,
    /// Outbound streams we ask for (OS, default 65535).
    pub outbound_streams: u16,
    /// Inbound streams we accept (MIS, default 65535).
    pub inbound_streams: u16,
    /// RTO.Initial (default 1 s).
    pub rto_initial: Duration,
    /// RTO.Min (default 1 s as RFC 9260 says; WebRTC stacks use less).
    pub rto_min: Duration,
    /// RTO.Max (default 60 s).
    pub rto_max: Duration,
    /// Max.Init.Retransmits (default 8).
    pub max_init_retransmits: u32,
    /// Association.Max.Retrans (default 10).
    pub max_retransmits: u32,
    /// Valid.Cookie.Life (default 60 s).
    pub valid_cookie_life: Duration,
    /// HB.interval: an idle association sends a HEARTBEAT every RTO + this (default
    /// 30 s); `None` turns heartbeats off.
    pub heartbeat_interval: Option<Duration>,
    /// Delayed SACK timeout (default 200 ms, section 6.2).
    pub sack_delay: Duration,
    /// Whether received packets must carry a correct CRC32c (default true). Over DTLS a
    /// receiver may skip the check (RFC 8261 section 4); we send a correct one unless
    /// zero checksums are agreed (`zero_checksum`).
    pub verify_checksum: bool,
    /// Zero checksums (RFC 9653, Error Detection Method 1: SCTP over DTLS): announce that
    /// we accept packets with a zero checksum, and send DATA/SACK packets with a zero
    /// checksum when the peer announced the same. Set it only when DTLS carries the
    /// packets (RFC 8261), as in WebRTC; off by default.
    pub zero_checksum: bool,
    /// Message interleaving (RFC 8260): list I-DATA and I-FORWARD-TSN in our Supported
    /// Extensions, and when the peer lists I-DATA too (section 2.2.1) send and expect
    /// I-DATA instead of DATA and I-FORWARD-TSN instead of FORWARD TSN, so that fragments
    /// of messages on different streams interleave (a large message no longer holds back
    /// the other streams). Off by default.
    pub message_interleaving: bool,
    /// Seed of the PRNG behind tags, initial TSN and cookie secret. `Config::default()`
    /// draws it from the operating system's CSPRNG, so secrets are unpredictable unless a
    /// caller (a test) sets a fixed seed for a repeatable run.
    pub seed: u64,
}

/// 64 bits from the OS generator; 0 only if the platform has no generator at all.
fn os_seed() -> u64 {
    use ring::rand::SecureRandom as _;
    let mut bytes = [0u8; 8];
    let _ = ring::rand::SystemRandom::new().fill(&mut bytes);
    u64::from_le_bytes(bytes)
}

impl Default for Config {
    fn default() -> Self {
        Self {
            local_port: 5000,
            remote_port: 5000,
            mtu: 1200,
            max_message_size: 262_144,
            receive_buffer: 1 << 20,
            send_buffer: 4 << 20,
            outbound_streams: u16::MAX,
            inbound_streams: u16::MAX,
            rto_initial: Duration::from_secs(1),
            rto_min: Duration::from_secs(1),
            rto_max: Duration::from_secs(60),
            max_init_retransmits: 8,
            max_retransmits: 10,
            valid_cookie_life: Duration::from_secs(60),
            heartbeat_interval: Some(Duration::from_secs(30)),
            sack_delay: Duration::from_millis(200),
            verify_checksum: true,
            zero_checksum: false,
            message_interleaving: false,
            seed: os_seed(),
        }
    }
}

impl Config {
    pub(super) fn normalized(mut self) -> Self {
        self.mtu = self.mtu.clamp(256, 65_535);
        self.max_message_size = self.max_message_size.max(1);
        self.receive_buffer = self
            .receive_buffer
            .max(self.max_message_size + self.mtu)
            .min(u32::MAX as usize);
        self.send_buffer = self.send_buffer.max(self.max_message_size);
        self.outbound_streams = self.outbound_streams.max(1);
        self.inbound_streams = self.inbound_streams.max(1);
        self.rto_min = self.rto_min.max(Duration::from_millis(1));
        self.rto_max = self.rto_max.max(self.rto_min);
        self
    }
}
