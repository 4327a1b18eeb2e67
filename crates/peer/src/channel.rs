//! Data channel handles and options in the W3C shape (RTCDataChannelInit, RFC 8831).

use std::time::Duration;

/// A data channel of one peer connection. Stable for the channel's life, assigned before the
/// SCTP stream id is known (the stream id depends on the DTLS role, RFC 8832 section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(pub u32);

/// How a data channel is opened (W3C `RTCDataChannelInit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataChannelInit {
    /// Deliver in order (default true).
    pub ordered: bool,
    /// `maxPacketLifeTime`: give up on a message after this long.
    pub max_packet_life_time: Option<Duration>,
    /// `maxRetransmits`: give up on a message after this many retransmissions.
    pub max_retransmits: Option<u16>,
    /// The sub-protocol.
    pub protocol: String,
    /// `negotiated` with its `id`: no in-band open; both sides create the channel with this
    /// stream id.
    pub negotiated: Option<u16>,
    /// The priority sent in DATA_CHANNEL_OPEN (RFC 8832 section 5.1; 256 = "low").
    pub priority: u16,
}

impl Default for DataChannelInit {
    fn default() -> Self {
        DataChannelInit {
            ordered: true,
            max_packet_life_time: None,
            max_retransmits: None,
            protocol: String::new(),
            negotiated: None,
            priority: 256,
        }
    }
}

/// A data channel's `readyState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelState {
    /// Created, not open yet.
    Connecting,
    /// Messages flow.
    Open,
    /// Closing (stream reset under way).
    Closing,
    /// Closed.
    Closed,
}

/// What is known about a data channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelInfo {
    /// The label.
    pub label: String,
    /// The options it was opened with (for remote channels: what the peer asked for).
    pub init: DataChannelInit,
    /// The SCTP stream id, once assigned.
    pub stream: Option<u16>,
    /// The ready state.
    pub state: ChannelState,
}
