//! `getStats` in the W3C shape (webrtc-stats): one entry per object, each with an `id` and a
//! `type`, serialized (with serde) the way browsers print them, e.g.
//! `{"type":"candidate-pair","id":"CP0","state":"succeeded",...}`.
//!
//! What exists today is reported: the peer connection, the transport, the selected candidate
//! pair, every local and remote candidate, the local certificate and each data channel. Left
//! out: timestamps (the sans-IO core has no wall clock; the async layer adds one), RTT and
//! per-pair counters of pairs other than the selected one, the remote certificate entry.

use serde::Serialize;

/// One stats object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Stats {
    /// `RTCPeerConnectionStats`.
    PeerConnection(PeerConnectionStats),
    /// `RTCTransportStats`.
    Transport(TransportStats),
    /// `RTCIceCandidatePairStats` (the selected pair).
    CandidatePair(CandidatePairStats),
    /// `RTCIceCandidateStats` of a local candidate.
    LocalCandidate(CandidateStats),
    /// `RTCIceCandidateStats` of a remote candidate.
    RemoteCandidate(CandidateStats),
    /// `RTCCertificateStats` of our certificate.
    Certificate(CertificateStats),
    /// `RTCDataChannelStats`.
    DataChannel(DataChannelStats),
}

/// `RTCPeerConnectionStats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerConnectionStats {
    /// The id.
    pub id: String,
    /// Channels that reached `open`.
    pub data_channels_opened: u32,
    /// Channels that reached `closed`.
    pub data_channels_closed: u32,
}

/// `RTCTransportStats` (one: everything is bundled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransportStats {
    /// The id.
    pub id: String,
    /// UDP payload bytes sent.
    pub bytes_sent: u64,
    /// UDP payload bytes received.
    pub bytes_received: u64,
    /// Datagrams sent.
    pub packets_sent: u64,
    /// Datagrams received.
    pub packets_received: u64,
    /// `controlling` / `controlled` / `unknown`.
    pub ice_role: &'static str,
    /// The ICE connection state (W3C name).
    pub ice_state: &'static str,
    /// `new`, `connecting`, `connected`, `closed` or `failed`.
    pub dtls_state: &'static str,
    /// `client` / `server` / `unknown`.
    pub dtls_role: &'static str,
    /// The selected pair's id, once there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_candidate_pair_id: Option<String>,
    /// Our certificate's id.
    pub local_certificate_id: String,
}

/// `RTCIceCandidatePairStats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidatePairStats {
    /// The id.
    pub id: String,
    /// The transport's id.
    pub transport_id: String,
    /// The local candidate's id.
    pub local_candidate_id: String,
    /// The remote candidate's id.
    pub remote_candidate_id: String,
    /// `succeeded` for the selected pair.
    pub state: &'static str,
    /// Whether the pair was nominated.
    pub nominated: bool,
}

/// `RTCIceCandidateStats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateStats {
    /// The id.
    pub id: String,
    /// The transport's id.
    pub transport_id: String,
    /// The address (an IP or an mDNS name).
    pub address: String,
    /// The port.
    pub port: u16,
    /// `udp` or `tcp`.
    pub protocol: String,
    /// `host`, `srflx`, `prflx` or `relay`.
    pub candidate_type: String,
    /// The priority.
    pub priority: u32,
    /// The foundation.
    pub foundation: String,
}

/// `RTCCertificateStats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateStats {
    /// The id.
    pub id: String,
    /// Colon-separated upper-case hex.
    pub fingerprint: String,
    /// `sha-256`.
    pub fingerprint_algorithm: String,
}

/// `RTCDataChannelStats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataChannelStats {
    /// The id.
    pub id: String,
    /// The label.
    pub label: String,
    /// The sub-protocol.
    pub protocol: String,
    /// The SCTP stream id, once assigned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_channel_identifier: Option<u16>,
    /// `connecting`, `open`, `closing` or `closed`.
    pub state: &'static str,
    /// Messages sent.
    pub messages_sent: u64,
    /// Payload bytes sent.
    pub bytes_sent: u64,
    /// Messages received.
    pub messages_received: u64,
    /// Payload bytes received.
    pub bytes_received: u64,
}
