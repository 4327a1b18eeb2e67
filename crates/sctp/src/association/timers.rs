//! Timers, the retransmission timeout estimator (RFC 9260 section 6.3.1) and the seeded
//! pseudo-random generator behind tags, initial TSNs and the cookie secret.

use std::time::{Duration, Instant};

/// The association's timers (RFC 9260 section 14.3 names T1-init, T1-cookie, T3-rtx).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Timer {
    /// T1-init or T1-cookie, whichever the state needs.
    T1 = 0,
    /// T3-rtx: retransmission of outstanding DATA.
    T3Rtx = 1,
    /// The delayed SACK timer (section 6.2).
    DelayedAck = 2,
    /// T2-shutdown: retransmission of SHUTDOWN or SHUTDOWN ACK (section 9.2).
    T2Shutdown = 3,
    /// The heartbeat timer (section 8.3).
    Heartbeat = 4,
    /// Retransmission of an RE-CONFIG request (RFC 6525 section 5.1.1).
    Reconfig = 5,
}

const TIMER_COUNT: usize = 6;

/// One deadline per [`Timer`]; the next wake-up is the earliest.
#[derive(Debug, Default, Clone)]
pub(super) struct Timers {
    deadlines: [Option<Instant>; TIMER_COUNT],
}

impl Timers {
    #[inline]
    pub(super) fn set(&mut self, timer: Timer, at: Instant) {
        self.deadlines[timer as usize] = Some(at);
    }

    #[inline]
    pub(super) fn stop(&mut self, timer: Timer) {
        self.deadlines[timer as usize] = None;
    }

    #[inline]
    pub(super) fn get(&self, timer: Timer) -> Option<Instant> {
        self.deadlines[timer as usize]
    }

    /// Whether `timer` is armed and due at `now`.
    #[inline]
    pub(super) fn expired(&self, timer: Timer, now: Instant) -> bool {
        self.get(timer).is_some_and(|t| t <= now)
    }

    #[inline]
    pub(super) fn next(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }

    pub(super) fn clear(&mut self) {
        self.deadlines = [None; TIMER_COUNT];
    }
}

/// Clock granularity G of section 6.3.1.
const GRANULARITY: Duration = Duration::from_millis(1);

/// SRTT / RTTVAR / RTO per RFC 9260 section 6.3.1, with the exponential back-off of
/// section 6.3.3 rule E2.
#[derive(Debug, Clone)]
pub(super) struct RttEstimator {
    srtt: Option<Duration>,
    rttvar: Duration,
    rto: Duration,
    /// The RTO before any back-off (rule C3, or RTO.Initial before a measurement).
    computed: Duration,
    min: Duration,
    max: Duration,
}

impl RttEstimator {
    pub(super) fn new(initial: Duration, min: Duration, max: Duration) -> Self {
        Self {
            srtt: None,
            rttvar: Duration::ZERO,
            rto: initial.clamp(min, max),
            computed: initial.clamp(min, max),
            min,
            max,
        }
    }

    /// The current RTO.
    #[inline]
    pub(super) fn rto(&self) -> Duration {
        self.rto
    }

    /// The smoothed round-trip time, once measured.
    #[inline]
    pub(super) fn srtt(&self) -> Option<Duration> {
        self.srtt
    }

    /// Feeds one measurement R (rules C1 to C3).
    pub(super) fn update(&mut self, r: Duration) {
        let srtt = match self.srtt {
            None => {
                self.rttvar = r / 2;
                r
            }
            Some(srtt) => {
                let diff = srtt.abs_diff(r);
                self.rttvar = self.rttvar * 3 / 4 + diff / 4;
                srtt * 7 / 8 + r / 8
            }
        };
        self.srtt = Some(srtt);
        let rto = srtt + (self.rttvar * 4).max(GRANULARITY);
        self.rto = rto.clamp(self.min, self.max);
        self.computed = self.rto;
    }

    /// Doubles the RTO after a timer expiry (rule E2), up to RTO.Max.
    pub(super) fn back_off(&mut self) {
        self.rto = (self.rto * 2).min(self.max);
    }

    /// Drops the back-off once the peer acknowledges new data: the path works again.
    ///
    /// RFC 9260 keeps a backed-off RTO until the next measurement (rule C3), but Karn's
    /// rule (C5) allows none from retransmitted chunks, and none come while only FORWARD
    /// TSN is outstanding, so after a loss the RTO would stay doubled, and double again on
    /// each later loss, for as long as no new chunk is acknowledged first time. Like TCP
    /// stacks (Linux resets its back-off on an ACK of new data), we return to the
    /// estimate instead.
    pub(super) fn clear_back_off(&mut self) {
        self.rto = self.computed;
    }
}

/// xorshift64* seeded through splitmix64: deterministic, small and fast. Not a CSPRNG: its
/// outputs are only as unpredictable as the seed the caller passes in the config.
#[derive(Debug, Clone)]
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Self(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(super) fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// A non-zero value, as section 5.3.1 requires of verification tags.
    pub(super) fn nonzero_u32(&mut self) -> u32 {
        loop {
            let v = self.next_u32();
            if v != 0 {
                return v;
            }
        }
    }

    pub(super) fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rto_follows_rfc_formulas() {
        let ms = Duration::from_millis;
        let mut e = RttEstimator::new(ms(1000), ms(10), ms(60_000));
        assert_eq!(e.rto(), ms(1000));
        e.update(ms(100));
        // SRTT = 100, RTTVAR = 50, RTO = 100 + 200.
        assert_eq!(e.srtt(), Some(ms(100)));
        assert_eq!(e.rto(), ms(300));
        e.update(ms(200));
        // RTTVAR = 3/4 * 50 + 1/4 * 100 = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5.
        assert_eq!(e.srtt(), Some(Duration::from_micros(112_500)));
        assert_eq!(e.rto(), Duration::from_micros(112_500 + 250_000));
        e.back_off();
        assert_eq!(e.rto(), Duration::from_micros(725_000));
        let mut e = RttEstimator::new(ms(1000), ms(1000), ms(3000));
        e.update(ms(1));
        assert_eq!(e.rto(), ms(1000), "clamped to RTO.Min");
        e.back_off();
        e.back_off();
        assert_eq!(e.rto(), ms(3000), "clamped to RTO.Max");
    }

    #[test]
    fn rng_is_seeded_and_tags_nonzero() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        assert_eq!(a.next_u64(), b.next_u64());
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
        assert!((0..1000).all(|_| a.nonzero_u32() != 0));
        let mut buf = [0u8; 13];
        a.fill(&mut buf);
        assert!(buf.iter().any(|&x| x != 0));
    }
}
