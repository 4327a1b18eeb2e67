//! Internal bookkeeping: local and remote candidates, candidate pairs and their states
//! (RFC 8445 §6.1.2.6), pair priority (§6.1.2.3).

use std::net::SocketAddr;
use std::time::Instant;

use strata_stun::ClientTransaction;

use crate::{Candidate, RelayId};

/// Pushes onto a list that usually holds one or two entries (candidates, pairs, consent
/// transactions): the first push allocates room for exactly one instead of `Vec`'s four,
/// so an idle agent does not keep three unused slots of each; later pushes grow as usual.
#[inline]
pub(crate) fn push_lean<T>(list: &mut Vec<T>, item: T) {
    if list.capacity() == 0 {
        list.reserve_exact(1);
    }
    list.push(item);
}

/// A local candidate with the base it sends from.
#[derive(Debug)]
pub(crate) struct Local {
    pub(crate) cand: Candidate,
    /// The transport address of the candidate itself.
    pub(crate) addr: SocketAddr,
    /// Where datagrams leave from (the host address; the relayed address for relays).
    pub(crate) base: SocketAddr,
    pub(crate) via: Option<RelayId>,
    /// Host, relayed and peer-reflexive candidates pair; server-reflexive ones are replaced
    /// by their base (§6.1.2.4) and so do not.
    pub(crate) pairable: bool,
    /// Signalled to the peer (learned peer-reflexive ones are not).
    pub(crate) signalled: bool,
}

/// A remote candidate; `addr` is `None` until an mDNS name is resolved.
#[derive(Debug)]
pub(crate) struct Remote {
    pub(crate) cand: Candidate,
    pub(crate) addr: Option<SocketAddr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PairState {
    Frozen,
    Waiting,
    InProgress,
    Succeeded,
    Failed,
}

/// An outstanding connectivity check.
#[derive(Debug)]
pub(crate) struct Check {
    pub(crate) tx: ClientTransaction,
    pub(crate) use_candidate: bool,
    /// The role we claimed in the request (for 487 handling, §7.2.5.1).
    pub(crate) controlling: bool,
    /// The PRIORITY we sent (a learned local peer-reflexive candidate gets it, §7.2.5.3.1).
    pub(crate) priority: u32,
}

/// Indices of a pair's local and remote candidates: stable for a check-list generation.
pub(crate) type PairKey = (usize, usize);

#[derive(Debug)]
pub(crate) struct Pair {
    pub(crate) local: usize,
    pub(crate) remote: usize,
    pub(crate) priority: u64,
    pub(crate) state: PairState,
    /// In the valid list (§7.2.5.3.2).
    pub(crate) valid: bool,
    pub(crate) nominated: bool,
    /// Controlled: USE-CANDIDATE arrived before our own check succeeded (§7.3.1.5).
    pub(crate) nominate_on_success: bool,
    /// The valid pair this pair's successful check produced.
    pub(crate) valid_pair: Option<PairKey>,
    pub(crate) check: Option<Check>,
}

impl Pair {
    pub(crate) fn key(&self) -> PairKey {
        (self.local, self.remote)
    }

    pub(crate) fn is_pending(&self) -> bool {
        matches!(
            self.state,
            PairState::Frozen | PairState::Waiting | PairState::InProgress
        )
    }
}

/// RFC 8445 §6.1.2.3: 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0), G the controlling agent's
/// candidate priority.
#[inline]
pub(crate) fn pair_priority(controlling: bool, local: u32, remote: u32) -> u64 {
    let (g, d) = if controlling {
        (u64::from(local), u64::from(remote))
    } else {
        (u64::from(remote), u64::from(local))
    };
    (g.min(d) << 32) + 2 * g.max(d) + u64::from(g > d)
}

/// Data path of a pair: what a datagram to the peer needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Path {
    pub(crate) base: SocketAddr,
    pub(crate) via: Option<RelayId>,
    pub(crate) remote: SocketAddr,
}

/// Consent freshness on the selected pair (RFC 7675).
#[derive(Debug)]
pub(crate) struct Consent {
    pub(crate) next_check: Instant,
    pub(crate) last_response: Instant,
    /// Outstanding consent requests and when each was first sent.
    pub(crate) pending: Vec<(ClientTransaction, Instant)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_priority_of_rfc8445_6_1_2_3() {
        // G = 10, D = 20: 2^32*10 + 2*20 + 0.
        assert_eq!(pair_priority(true, 10, 20), (10u64 << 32) + 40);
        // Controlled: G is the remote priority.
        assert_eq!(pair_priority(false, 10, 20), (10u64 << 32) + 40 + 1);
        // Both sides compute the same value.
        assert_eq!(pair_priority(true, 7, 9), pair_priority(false, 9, 7));
    }
}
