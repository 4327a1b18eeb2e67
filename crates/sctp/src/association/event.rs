//! What an association reports: its state, events, close reasons, errors and counters.

use crate::chunk::{CauseCode, Ppid};

/// The association state (RFC 9260 section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum State {
    /// No association yet; an INIT from the peer is answered (passive open).
    Closed,
    /// INIT sent, waiting for INIT ACK.
    CookieWait,
    /// COOKIE ECHO sent, waiting for COOKIE ACK.
    CookieEchoed,
    /// Data flows.
    Established,
    /// `shutdown` was called; waiting for our outstanding data to be acknowledged.
    ShutdownPending,
    /// SHUTDOWN sent, waiting for SHUTDOWN ACK.
    ShutdownSent,
    /// The peer sent SHUTDOWN; finishing our outstanding data.
    ShutdownReceived,
    /// SHUTDOWN ACK sent, waiting for SHUTDOWN COMPLETE.
    ShutdownAckSent,
    /// The association is gone (see the [`Event::Closed`] reason); every call fails.
    Terminated,
}

/// Why the association ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The peer sent an ABORT; the first error cause code, if any.
    PeerAbort {
        /// The first error cause of the ABORT.
        cause: Option<CauseCode>,
    },
    /// The SHUTDOWN sequence completed (either side started it).
    Shutdown,
    /// We aborted ([`Association::abort_with_reason`](super::Association::abort_with_reason)).
    LocalAbort,
    /// INIT or COOKIE ECHO went unanswered Max.Init.Retransmits times.
    HandshakeTimeout,
    /// DATA, SHUTDOWN or HEARTBEAT went unacknowledged Association.Max.Retrans times in a
    /// row.
    RetransmissionLimit,
    /// The peer broke the protocol (we sent an ABORT); the text says how.
    ProtocolViolation(&'static str),
}

/// Something that happened, drained with [`Association::poll_event`](super::Association::poll_event).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The handshake completed: messages can flow.
    Connected,
    /// A whole user message arrived.
    Message {
        /// The stream identifier.
        stream: u16,
        /// The payload protocol identifier.
        ppid: Ppid,
        /// The message.
        data: Vec<u8>,
        /// Whether it was sent ordered (unordered messages carry the U bit).
        ordered: bool,
    },
    /// The peer restarted the association (RFC 9260 section 5.2.4 case A): it continues
    /// with new tags and TSNs; messages queued or in flight on our side were dropped and
    /// every stream starts over at SSN 0.
    Restarted,
    /// The association ended; the machine is dead.
    Closed {
        /// Why.
        reason: CloseReason,
    },
    /// The peer reset these incoming streams (RFC 6525 Outgoing SSN Reset Request; an
    /// empty list means all): their SSNs restart at 0. A data channel on them is closed
    /// by the peer.
    StreamsReset {
        /// The streams reset.
        streams: Vec<u16>,
    },
    /// Our reset of these outgoing streams ([`super::Association::reset_streams`])
    /// completed: their SSNs restart at 0 and they can be used again.
    OutgoingStreamsReset {
        /// The streams reset.
        streams: Vec<u16>,
    },
    /// The peer refused our reset of these outgoing streams.
    StreamResetFailed {
        /// The streams whose reset failed.
        streams: Vec<u16>,
        /// The Result field of the peer's response (RFC 6525 section 4.4).
        result: u32,
    },
}

/// Why a command failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The association is terminated.
    #[error("the association is closed")]
    Closed,
    /// A shutdown is under way: no new messages.
    #[error("the association is shutting down")]
    ShuttingDown,
    /// `connect` was called when the association was not in the CLOSED state.
    #[error("the association is already opening or open")]
    AlreadyConnecting,
    /// The message is longer than `max_message_size`.
    #[error("message of {len} bytes exceeds the maximum of {max}")]
    MessageTooLarge {
        /// The message length.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The message is longer than the peer's maximum message size
    /// ([`super::Association::set_remote_max_message_size`], RFC 8841).
    #[error("message of {len} bytes exceeds the peer's max-message-size of {max}")]
    PeerMessageTooLarge {
        /// The message length.
        len: usize,
        /// The peer's maximum.
        max: usize,
    },
    /// DATA chunks cannot be empty (RFC 9260 section 3.3.1); WebRTC sends empty messages
    /// as one byte with an "empty" PPID.
    #[error("empty messages cannot be sent")]
    EmptyMessage,
    /// The stream identifier is not below the negotiated number of outbound streams.
    #[error("stream {stream} is not below the {limit} outbound streams")]
    InvalidStream {
        /// The stream identifier.
        stream: u16,
        /// The number of outbound streams.
        limit: u16,
    },
    /// The stream has an outgoing reset pending ([`super::Association::reset_streams`]).
    #[error("stream {stream} is being reset")]
    StreamResetPending {
        /// The stream.
        stream: u16,
    },
    /// The command needs an established association.
    #[error("the association is not established")]
    NotEstablished,
    /// The send buffer cannot take the message now ("would block"): retry once queued data
    /// has been sent (see [`Association::buffered_amount`](super::Association::buffered_amount)).
    #[error("send buffer full: {buffered} bytes waiting to be sent, limit {limit}")]
    SendBufferFull {
        /// Bytes waiting to be sent, all streams.
        buffered: usize,
        /// The configured limit.
        limit: usize,
    },
}

/// Counters of what the association saw and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Packets given to `handle_packet`.
    pub packets_received: u64,
    /// Packets returned by `poll_transmit`.
    pub packets_sent: u64,
    /// Packets dropped as malformed (framing or chunk syntax).
    pub dropped_malformed: u64,
    /// Packets dropped for a bad CRC32c.
    pub dropped_checksum: u64,
    /// Packets (or their remaining chunks) dropped for a wrong verification tag or ports.
    pub dropped_tag: u64,
    /// Packets that arrived in a state that cannot take them (out of the blue).
    pub dropped_out_of_state: u64,
    /// DATA chunks dropped because the receive buffer was full or their TSN too far ahead.
    pub data_dropped_no_room: u64,
    /// Duplicate DATA chunks received.
    pub data_duplicates: u64,
    /// DATA chunks retransmitted after a T3-rtx expiry.
    pub timeout_retransmits: u64,
    /// DATA chunks fast-retransmitted.
    pub fast_retransmits: u64,
    /// T3-rtx expiries.
    pub t3_expiries: u64,
    /// Queued packets `poll_transmit_into` dropped because they did not fit its buffer.
    pub dropped_oversize: u64,
}
