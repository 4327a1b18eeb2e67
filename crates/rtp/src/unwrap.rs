//! Extending 16-bit RTP sequence numbers and 32-bit RTP timestamps to 64 bits.
//!
//! In the spirit of RFC 3550 appendix A.1: the extended value counts wrap-arounds
//! ("cycles") since the first value seen. Each new value is placed at the extended value
//! closest to the highest one seen so far, so a packet reordered across the wrap
//! (65535 arriving after 0) lands in the previous cycle instead of 65536 ahead. Exactly
//! half a cycle away counts as backwards. Left out: the probation and resynchronisation
//! rules of appendix A.1 (`MAX_DROPOUT`, `MIN_SEQUENTIAL`), which belong to the receiver.

/// Closest-value unwrapping for `BITS`-bit counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Unwrapper<const BITS: u32> {
    highest: Option<u64>,
}

impl<const BITS: u32> Unwrapper<BITS> {
    #[inline]
    fn extend(&mut self, value: u64) -> Option<u64> {
        let Some(highest) = self.highest else {
            self.highest = Some(value);
            return Some(value);
        };
        let modulus = 1u64 << BITS;
        let half = modulus >> 1;
        let forward = value.wrapping_sub(highest) & (modulus - 1);
        if forward < half {
            let extended = highest + forward;
            self.highest = Some(extended);
            Some(extended)
        } else {
            highest.checked_sub(modulus - forward)
        }
    }
}

/// Extends RTP sequence numbers (16 bits) to 64 bits.
///
/// ```
/// use strata_rtp::unwrap::SequenceUnwrapper;
/// let mut u = SequenceUnwrapper::new();
/// assert_eq!(u.extend(65534), Some(65534));
/// assert_eq!(u.extend(1), Some(65537));     // wrapped forward
/// assert_eq!(u.extend(65535), Some(65535)); // late packet from before the wrap
/// assert_eq!(u.extend(2), Some(65538));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SequenceUnwrapper(Unwrapper<16>);

impl SequenceUnwrapper {
    /// A fresh unwrapper; the first value seen is placed in cycle 0.
    pub const fn new() -> Self {
        Self(Unwrapper { highest: None })
    }

    /// The extended value of `seq`, or `None` for a packet older than the first one seen by
    /// so much that it would fall before extended value 0.
    #[inline]
    pub fn extend(&mut self, seq: u16) -> Option<u64> {
        self.0.extend(u64::from(seq))
    }

    /// The highest extended value seen so far.
    #[inline]
    pub fn highest(&self) -> Option<u64> {
        self.0.highest
    }
}

/// Extends RTP timestamps (32 bits) to 64 bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimestampUnwrapper(Unwrapper<32>);

impl TimestampUnwrapper {
    /// A fresh unwrapper; the first value seen is placed in cycle 0.
    pub const fn new() -> Self {
        Self(Unwrapper { highest: None })
    }

    /// The extended value of `timestamp`, or `None` if it would fall before 0.
    #[inline]
    pub fn extend(&mut self, timestamp: u32) -> Option<u64> {
        self.0.extend(u64::from(timestamp))
    }

    /// The highest extended value seen so far.
    #[inline]
    pub fn highest(&self) -> Option<u64> {
        self.0.highest
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reordering_around_the_wrap() {
        let mut u = SequenceUnwrapper::new();
        assert_eq!(u.extend(0xfffe), Some(0xfffe));
        assert_eq!(u.extend(0x0000), Some(0x1_0000));
        assert_eq!(u.extend(0xffff), Some(0xffff));
        assert_eq!(u.highest(), Some(0x1_0000));
        assert_eq!(u.extend(0x0001), Some(0x1_0001));
        // A large jump forward just under half a cycle is taken as forward.
        assert_eq!(u.extend(0x8000), Some(0x1_8000));
    }

    #[test]
    fn before_the_first_packet_is_none() {
        let mut u = SequenceUnwrapper::new();
        assert_eq!(u.extend(2), Some(2));
        assert_eq!(u.extend(1), Some(1));
        assert_eq!(u.extend(65535), None);
        assert_eq!(u.highest(), Some(2));
    }

    #[test]
    fn timestamps_wrap_at_32_bits() {
        let mut u = TimestampUnwrapper::new();
        assert_eq!(u.extend(0xffff_ff00), Some(0xffff_ff00));
        assert_eq!(u.extend(0x0000_0100), Some(0x1_0000_0100));
        assert_eq!(u.extend(0xffff_fff0), Some(0xffff_fff0));
    }

    proptest! {
        #[test]
        fn steps_below_half_a_cycle_are_tracked(start: u16, steps in proptest::collection::vec(0u64..0x8000, 1..50)) {
            let mut u = SequenceUnwrapper::new();
            let mut expected = u64::from(start);
            prop_assert_eq!(u.extend(start), Some(expected));
            for s in steps {
                expected += s;
                prop_assert_eq!(u.extend(expected as u16), Some(expected));
            }
        }
    }
}
