//! Replay protection (RFC 3711 §3.3.2): a sliding window over packet indices, kept as a ring
//! bitmap so that advancing the window never shifts memory.

use crate::Error;

/// Largest replay window this crate accepts (half the sequence number space).
pub const MAX_REPLAY_WINDOW: u32 = 32_768;

/// Sliding replay window over 48-bit SRTP or 31-bit SRTCP indices.
///
/// The bit for index `i` lives at position `i mod (64 * words)`: advancing the highest index
/// clears the bits of the skipped indices instead of shifting the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReplayWindow {
    /// Highest index accepted so far; meaningful only when `started`.
    highest: u64,
    started: bool,
    /// Window size in packets (1..=MAX_REPLAY_WINDOW).
    size: u64,
    /// Bits in `bits` minus one: the bitmap holds a power of two of bits, at least `size`, so
    /// an index's position is a mask rather than a division.
    mask: u64,
    bits: Box<[u64]>,
}

impl ReplayWindow {
    /// A window of `size` packets; `size` is checked by `Config::validate`.
    pub(crate) fn new(size: u32) -> Self {
        let size = u64::from(size.clamp(1, MAX_REPLAY_WINDOW));
        let words = (size.div_ceil(64) as usize).next_power_of_two();
        Self {
            highest: 0,
            started: false,
            size,
            mask: words as u64 * 64 - 1,
            bits: vec![0; words].into_boxed_slice(),
        }
    }

    /// Highest accepted index, if any.
    #[inline]
    pub(crate) fn highest(&self) -> Option<u64> {
        self.started.then_some(self.highest)
    }

    #[inline]
    fn capacity(&self) -> u64 {
        self.mask + 1
    }

    #[inline]
    fn slot(&self, index: u64) -> (usize, u64) {
        let pos = index & self.mask;
        ((pos / 64) as usize, 1u64 << (pos % 64))
    }

    /// Whether `index` may be accepted: it is new, or inside the window and not yet seen.
    #[inline]
    pub(crate) fn check(&self, index: u64) -> Result<(), Error> {
        if !self.started || index > self.highest {
            return Ok(());
        }
        if self.highest - index >= self.size {
            return Err(Error::TooOld { index });
        }
        let (word, mask) = self.slot(index);
        match self.bits.get(word) {
            Some(w) if w & mask != 0 => Err(Error::Replayed { index }),
            _ => Ok(()),
        }
    }

    /// Records `index` as received; call only after [`check`](Self::check) and authentication.
    #[inline]
    pub(crate) fn accept(&mut self, index: u64) {
        if !self.started {
            self.started = true;
            self.highest = index;
            self.bits.fill(0);
        } else if index > self.highest {
            let advance = index - self.highest;
            if advance >= self.capacity() {
                self.bits.fill(0);
            } else {
                for skipped in self.highest + 1..index {
                    self.clear(skipped);
                }
                self.clear(index);
            }
            self.highest = index;
        }
        let (word, mask) = self.slot(index);
        if let Some(w) = self.bits.get_mut(word) {
            *w |= mask;
        }
    }

    #[inline]
    fn clear(&mut self, index: u64) {
        let (word, mask) = self.slot(index);
        if let Some(w) = self.bits.get_mut(word) {
            *w &= !mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_window_accepts_anything() {
        let w = ReplayWindow::new(64);
        assert_eq!(w.check(0), Ok(()));
        assert_eq!(w.check(1 << 40), Ok(()));
        assert_eq!(w.highest(), None);
    }

    #[test]
    fn duplicate_rejected_reordered_accepted() {
        let mut w = ReplayWindow::new(64);
        w.accept(100);
        assert_eq!(w.check(100), Err(Error::Replayed { index: 100 }));
        assert_eq!(w.check(99), Ok(()));
        w.accept(99);
        assert_eq!(w.check(99), Err(Error::Replayed { index: 99 }));
        assert_eq!(w.check(101), Ok(()));
        assert_eq!(w.highest(), Some(100));
    }

    #[test]
    fn edge_of_window() {
        let mut w = ReplayWindow::new(64);
        w.accept(1000);
        // 1000 - 937 = 63 < 64: inside; 1000 - 936 = 64: outside.
        assert_eq!(w.check(937), Ok(()));
        assert_eq!(w.check(936), Err(Error::TooOld { index: 936 }));
    }

    #[test]
    fn advancing_clears_stale_bits() {
        let mut w = ReplayWindow::new(64);
        for i in 0..64 {
            w.accept(i);
        }
        // Jump by less than the capacity: slots of skipped indices must be clear.
        w.accept(100);
        for i in 64..100 {
            assert_eq!(w.check(i), Ok(()), "index {i}");
        }
        assert!(w.check(63).is_err());
        // Jump by more than the capacity.
        w.accept(10_000);
        assert_eq!(w.check(9_990), Ok(()));
        assert_eq!(w.check(10_000), Err(Error::Replayed { index: 10_000 }));
    }

    #[test]
    fn large_window() {
        let mut w = ReplayWindow::new(1024);
        w.accept(5000);
        assert_eq!(w.check(5000 - 1023), Ok(()));
        assert_eq!(w.check(5000 - 1024), Err(Error::TooOld { index: 3976 }));
        w.accept(4000);
        assert_eq!(w.check(4000), Err(Error::Replayed { index: 4000 }));
    }

    #[test]
    fn window_not_multiple_of_64() {
        let mut w = ReplayWindow::new(100);
        w.accept(500);
        assert_eq!(w.check(401), Ok(()));
        assert_eq!(w.check(400), Err(Error::TooOld { index: 400 }));
    }
}
