//! Agent settings: role, lite mode, timers and bounds.

use std::time::Duration;

/// The agent's role (RFC 8445 §6.1.1): the controlling agent nominates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Nominates the pair to use (the offerer in WebRTC).
    Controlling,
    /// Follows the controlling agent's nomination.
    Controlled,
}

/// Agent settings. `AgentConfig::default()` has the RFC's and browsers' values.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Initial role (may change on a role conflict, or toward a lite peer).
    pub role: Role,
    /// Be an ICE-lite agent (RFC 8445 §2.5): answer checks, send none, always controlled.
    pub lite: bool,
    /// Ta: pacing of new checks (RFC 8445 §14.2, 50 ms).
    pub ta: Duration,
    /// Initial retransmission timeout of a check (RFC 8445 §14.3: at least 500 ms).
    pub check_rto: Duration,
    /// Requests sent per check before it fails.
    pub check_max_requests: u32,
    /// Cap on the doubled retransmission timeout of checks and consent requests.
    pub max_rto: Duration,
    /// Initial retransmission timeout of Binding requests to STUN servers.
    pub gather_rto: Duration,
    /// Requests sent to a STUN server before giving up on it.
    pub gather_max_requests: u32,
    /// How long the controlling agent waits, after the first pair succeeds, for a better pair
    /// still being checked before nominating (regular nomination, RFC 8445 §8.1.1).
    pub nomination_delay: Duration,
    /// Mean interval of consent checks (RFC 7675 §5.1: 5 s, randomized 0.8..1.2).
    pub consent_interval: Duration,
    /// Consent is lost after this long without a response (RFC 7675: 30 s) -> failed.
    pub consent_timeout: Duration,
    /// A consent check unanswered this long -> disconnected (browsers: about 5 s).
    pub disconnected_timeout: Duration,
    /// Checking with every pair failed for this long (and no end-of-candidates) -> failed.
    pub failed_timeout: Duration,
    /// Bound on local candidates.
    pub max_local_candidates: usize,
    /// Bound on remote candidates (trickled or peer-reflexive).
    pub max_remote_candidates: usize,
    /// Bound on candidate pairs (RFC 8445 §6.1.2.5 suggests 100).
    pub max_pairs: usize,
    /// Local credentials to use instead of random ones (ufrag, password).
    pub local_credentials: Option<(String, String)>,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            role: Role::Controlling,
            lite: false,
            ta: Duration::from_millis(50),
            check_rto: Duration::from_millis(500),
            check_max_requests: 7,
            max_rto: Duration::from_millis(1600),
            gather_rto: Duration::from_millis(500),
            gather_max_requests: 4,
            nomination_delay: Duration::from_millis(200),
            consent_interval: Duration::from_secs(5),
            consent_timeout: Duration::from_secs(30),
            disconnected_timeout: Duration::from_secs(5),
            failed_timeout: Duration::from_secs(30),
            max_local_candidates: 32,
            max_remote_candidates: 100,
            max_pairs: 100,
            local_credentials: None,
        }
    }
}
