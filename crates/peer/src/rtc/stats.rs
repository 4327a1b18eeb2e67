//! getStats: the W3C-shaped entries built from the layers' state and counters.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::SctpStats;
use crate::stats::{
    CandidatePairStats, CandidateStats, CertificateStats, DataChannelStats, PeerConnectionStats,
    Stats, TransportStats,
};

const TRANSPORT_ID: &str = "T01";
const CERTIFICATE_ID: &str = "CF-local";

fn candidate_stats(prefix: &str, i: usize, c: &Candidate) -> CandidateStats {
    CandidateStats {
        id: format!("{prefix}{i}"),
        transport_id: TRANSPORT_ID.to_owned(),
        address: c.address.to_string(),
        port: c.port,
        protocol: c.transport.as_str().to_owned(),
        candidate_type: c.kind.as_str().to_owned(),
        priority: c.priority,
        foundation: c.foundation.clone(),
    }
}

impl Rtc {
    /// The SCTP association's counters (packets, drops, duplicates, retransmissions),
    /// once SCTP has started.
    pub fn sctp_stats(&self) -> Option<SctpStats> {
        self.data.as_ref().map(|d| d.association().stats())
    }

    /// `getStats`: the peer connection, transport, selected candidate pair, candidates,
    /// certificate and data channels (see [`Stats`]).
    pub fn stats(&self) -> Vec<Stats> {
        let mut out = vec![Stats::PeerConnection(PeerConnectionStats {
            id: "P".to_owned(),
            data_channels_opened: self.counters.channels_opened,
            data_channels_closed: self.counters.channels_closed,
        })];
        let locals: Vec<&Candidate> = self
            .agent
            .as_ref()
            .map(|a| a.local_candidates().collect())
            .unwrap_or_default();
        let remotes: Vec<&Candidate> = self
            .agent
            .as_ref()
            .map(|a| a.remote_candidates().collect())
            .unwrap_or_default();
        let selected = self
            .agent
            .as_ref()
            .and_then(|a| a.selected_pair())
            .and_then(|(l, r)| {
                let li = locals.iter().position(|c| *c == l)?;
                let ri = remotes.iter().position(|c| *c == r)?;
                Some((li, ri))
            });
        let dtls_state = match (&self.dtls, self.dtls_connected, self.state) {
            (_, _, PeerConnectionState::Failed) => "failed",
            (_, _, PeerConnectionState::Closed) => "closed",
            (_, true, _) => "connected",
            (Some(_), false, _) => "connecting",
            (None, _, _) => "new",
        };
        out.push(Stats::Transport(TransportStats {
            id: TRANSPORT_ID.to_owned(),
            bytes_sent: self.counters.bytes_sent,
            bytes_received: self.counters.bytes_received,
            packets_sent: self.counters.packets_sent,
            packets_received: self.counters.packets_received,
            ice_role: match self.agent.as_ref().map(Agent::role) {
                Some(Role::Controlling) => "controlling",
                Some(Role::Controlled) => "controlled",
                None => "unknown",
            },
            ice_state: ice_state_name(self.ice_state),
            dtls_state,
            dtls_role: match self.dtls_role {
                Some(DtlsRole::Client) => "client",
                Some(DtlsRole::Server) => "server",
                None => "unknown",
            },
            selected_candidate_pair_id: selected.map(|(l, r)| format!("CP{l}_{r}")),
            local_certificate_id: CERTIFICATE_ID.to_owned(),
        }));
        if let Some((l, r)) = selected {
            out.push(Stats::CandidatePair(CandidatePairStats {
                id: format!("CP{l}_{r}"),
                transport_id: TRANSPORT_ID.to_owned(),
                local_candidate_id: format!("I{l}"),
                remote_candidate_id: format!("R{r}"),
                state: "succeeded",
                nominated: true,
            }));
        }
        out.extend(
            locals
                .iter()
                .enumerate()
                .map(|(i, c)| Stats::LocalCandidate(candidate_stats("I", i, c))),
        );
        out.extend(
            remotes
                .iter()
                .enumerate()
                .map(|(i, c)| Stats::RemoteCandidate(candidate_stats("R", i, c))),
        );
        let fp = self.fingerprint.to_string();
        let (alg, hex) = fp.split_once(' ').unwrap_or(("sha-256", fp.as_str()));
        out.push(Stats::Certificate(CertificateStats {
            id: CERTIFICATE_ID.to_owned(),
            fingerprint: hex.to_owned(),
            fingerprint_algorithm: alg.to_ascii_lowercase(),
        }));
        for (id, c) in self.channels.iter() {
            out.push(Stats::DataChannel(DataChannelStats {
                id: format!("D{}", id.0),
                label: c.label.clone(),
                protocol: c.init.protocol.clone(),
                data_channel_identifier: c.stream,
                state: match c.state {
                    ChannelState::Connecting => "connecting",
                    ChannelState::Open => "open",
                    ChannelState::Closing => "closing",
                    ChannelState::Closed => "closed",
                },
                messages_sent: c.counters.messages_sent,
                bytes_sent: c.counters.bytes_sent,
                messages_received: c.counters.messages_received,
                bytes_received: c.counters.bytes_received,
            }));
        }
        out
    }
}

fn ice_state_name(s: IceState) -> &'static str {
    match s {
        IceState::New => "new",
        IceState::Checking => "checking",
        IceState::Connected => "connected",
        IceState::Completed => "completed",
        IceState::Disconnected => "disconnected",
        IceState::Failed => "failed",
        IceState::Closed => "closed",
    }
}
