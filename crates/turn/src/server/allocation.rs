//! One allocation's state (RFC 8656 section 3.2): its relayed address, lifetime, permissions
//! (section 9), channel bindings (section 12) and rate limits.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use strata_stun::TransactionId;

use super::config::RateLimit;
use crate::channel_data::ChannelNumber;

/// A permission: a peer IP address the allocation may exchange data with (section 9).
#[derive(Debug, Clone, Copy)]
pub(super) struct Permission {
    pub(super) ip: IpAddr,
    pub(super) expires: Instant,
}

/// A channel binding (section 12).
#[derive(Debug, Clone, Copy)]
pub(super) struct Channel {
    pub(super) number: ChannelNumber,
    pub(super) peer: SocketAddr,
    pub(super) expires: Instant,
}

/// A token bucket; `tokens` are in units scaled by 1000 so refills keep sub-unit precision.
#[derive(Debug, Clone)]
pub(super) struct TokenBucket {
    limit: RateLimit,
    milli_tokens: u64,
    last: Instant,
}

impl TokenBucket {
    pub(super) fn new(limit: RateLimit, now: Instant) -> TokenBucket {
        TokenBucket {
            limit,
            milli_tokens: limit.burst.saturating_mul(1000),
            last: now,
        }
    }

    /// Takes `amount` units if the bucket holds them.
    pub(super) fn take(&mut self, now: Instant, amount: u64) -> bool {
        let elapsed = now.saturating_duration_since(self.last);
        if !elapsed.is_zero() {
            let added = (elapsed.as_micros() as u64)
                .saturating_mul(self.limit.per_second)
                .saturating_div(1000);
            self.milli_tokens = self
                .milli_tokens
                .saturating_add(added)
                .min(self.limit.burst.saturating_mul(1000));
            self.last = now;
        }
        let cost = amount.saturating_mul(1000);
        if self.milli_tokens >= cost {
            self.milli_tokens -= cost;
            true
        } else {
            false
        }
    }
}

/// An allocation.
#[derive(Debug)]
pub(super) struct Allocation {
    pub(super) relayed: SocketAddr,
    pub(super) username: String,
    pub(super) key: strata_stun::IntegrityKey,
    pub(super) transaction_id: TransactionId,
    pub(super) lifetime: Duration,
    pub(super) expires: Instant,
    pub(super) permissions: Vec<Permission>,
    pub(super) channels: Vec<Channel>,
    pub(super) bandwidth: Option<TokenBucket>,
    pub(super) packet_rate: Option<TokenBucket>,
    /// The deadline of this allocation's entry in the server's timer heap.
    pub(super) scheduled: Option<Instant>,
}

impl Allocation {
    /// The earliest moment something in this allocation expires.
    pub(super) fn next_deadline(&self) -> Instant {
        let mut t = self.expires;
        for p in &self.permissions {
            t = t.min(p.expires);
        }
        for c in &self.channels {
            t = t.min(c.expires);
        }
        t
    }

    /// Drops expired permissions and channels; returns whether the allocation itself expired.
    pub(super) fn expire(&mut self, now: Instant) -> bool {
        self.permissions.retain(|p| p.expires > now);
        self.channels.retain(|c| c.expires > now);
        self.expires <= now
    }

    #[inline]
    pub(super) fn has_permission(&self, ip: IpAddr, now: Instant) -> bool {
        self.permissions
            .iter()
            .any(|p| p.ip == ip && p.expires > now)
    }

    /// Installs or refreshes a permission; `false` if the table is full.
    pub(super) fn permit(&mut self, ip: IpAddr, expires: Instant, max: usize) -> bool {
        if let Some(p) = self.permissions.iter_mut().find(|p| p.ip == ip) {
            p.expires = expires;
            return true;
        }
        if self.permissions.len() >= max {
            return false;
        }
        self.permissions.push(Permission { ip, expires });
        true
    }

    #[inline]
    pub(super) fn channel_by_number(
        &self,
        number: ChannelNumber,
        now: Instant,
    ) -> Option<&Channel> {
        self.channels
            .iter()
            .find(|c| c.number == number && c.expires > now)
    }

    #[inline]
    pub(super) fn channel_by_peer(&self, peer: SocketAddr, now: Instant) -> Option<&Channel> {
        self.channels
            .iter()
            .find(|c| c.peer == peer && c.expires > now)
    }

    /// Charges one relayed packet of `len` bytes against the limits.
    #[inline]
    pub(super) fn charge(&mut self, now: Instant, len: usize) -> bool {
        self.packet_rate.as_mut().is_none_or(|b| b.take(now, 1))
            && self
                .bandwidth
                .as_mut()
                .is_none_or(|b| b.take(now, len as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Whatever the pattern of requests, a bucket never hands out more than its burst
        /// plus its rate times the elapsed time.
        #[test]
        fn token_bucket_never_exceeds_burst_plus_rate(
            per_second in 1u64..10_000,
            burst in 1u64..10_000,
            steps in proptest::collection::vec((0u64..50_000, 1u64..500), 1..200),
        ) {
            let t0 = Instant::now();
            let mut b = TokenBucket::new(RateLimit { per_second, burst }, t0);
            let (mut now, mut taken) = (t0, 0u64);
            for (micros, amount) in steps {
                now += Duration::from_micros(micros);
                if b.take(now, amount) {
                    taken += amount;
                }
                let elapsed = now.duration_since(t0).as_micros() as u64;
                proptest::prop_assert!(taken <= burst + per_second * elapsed / 1_000_000 + 1);
            }
        }
    }

    #[test]
    fn token_bucket_spends_burst_then_refills_at_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(
            RateLimit {
                per_second: 10,
                burst: 3,
            },
            t0,
        );
        assert!(b.take(t0, 1));
        assert!(b.take(t0, 2));
        assert!(!b.take(t0, 1));
        // 10 per second: one token every 100 ms.
        assert!(!b.take(t0 + Duration::from_millis(99), 1));
        assert!(b.take(t0 + Duration::from_millis(100), 1));
        // Refills never exceed the burst.
        let later = t0 + Duration::from_secs(60);
        assert!(b.take(later, 3));
        assert!(!b.take(later, 1));
    }
}
