//! Gap ack blocks (RFC 9260 sections 6.2.1 and 7.2.4) without walking the window.
//!
//! The blocks of the latest SACK are kept as ranges of absolute chunk positions. A new
//! SACK's blocks are compared with them range by range: only the chunks newly covered
//! (marked acknowledged) and the chunks no longer covered (reneged, back in flight) are
//! touched. Miss indications for fast retransmit go to the chunks in the holes between
//! the blocks below the highest newly acknowledged TSN; chunks inside blocks are never in
//! flight, so skipping them changes nothing. A SACK thus costs O(blocks + changes +
//! holes), whatever the window.

use super::{ChunkState, Sender};
use crate::chunk::Sack;

/// Calls `f(start, end)` for every part of the sorted disjoint ranges `a` not covered by
/// the sorted disjoint ranges `b` (inclusive bounds).
fn for_each_difference(a: &[(u64, u64)], b: &[(u64, u64)], mut f: impl FnMut(u64, u64)) {
    let mut j = 0;
    for &(start, end) in a {
        let mut from = start;
        while j < b.len() && b[j].1 < from {
            j += 1;
        }
        let mut k = j;
        while from <= end {
            match b.get(k) {
                Some(&(bs, be)) if bs <= end => {
                    if bs > from {
                        f(from, bs - 1);
                    }
                    from = from.max(be.saturating_add(1));
                    k += 1;
                }
                _ => {
                    f(from, end);
                    break;
                }
            }
        }
    }
}

impl Sender {
    /// The gap ack blocks of `sack` as sorted, merged ranges of absolute positions of
    /// chunks sent (offset 1 is `base_tsn`, the chunk after the cumulative ack).
    fn blocks_to_ranges(&mut self, sack: &Sack<'_>) {
        let mut ranges = std::mem::take(&mut self.new_ranges);
        ranges.clear();
        let sent = self.next_new as u64;
        for b in sack.gap_ack_blocks.iter() {
            if b.start == 0 || b.end < b.start {
                continue;
            }
            let start = u64::from(b.start) - 1;
            let end = (u64::from(b.end) - 1).min(sent.saturating_sub(1));
            if sent == 0 || start > end {
                continue;
            }
            ranges.push((self.popped + start, self.popped + end));
        }
        ranges.sort_unstable();
        let mut merged = 0;
        for i in 0..ranges.len() {
            let r = ranges[i];
            if merged > 0 && r.0 <= ranges[merged - 1].1.saturating_add(1) {
                ranges[merged - 1].1 = ranges[merged - 1].1.max(r.1);
            } else {
                ranges[merged] = r;
                merged += 1;
            }
        }
        ranges.truncate(merged);
        self.new_ranges = ranges;
    }

    /// Marks chunks newly covered by gap ack blocks, and un-marks reneged ones
    /// (section 6.2.1 D iv: back in flight, T3 will resend them).
    pub(super) fn walk_gap_blocks(
        &mut self,
        sack: &Sack<'_>,
        bytes_acked: &mut usize,
        htna: &mut Option<u32>,
    ) {
        self.blocks_to_ranges(sack);
        let popped = self.popped;
        // Ranges of the previous SACK below the cumulative ack are gone with their chunks.
        self.acked_ranges.retain(|r| r.1 >= popped);
        if let Some(first) = self.acked_ranges.first_mut() {
            first.0 = first.0.max(popped);
        }
        let new = std::mem::take(&mut self.new_ranges);
        let old = std::mem::take(&mut self.acked_ranges);
        for_each_difference(&new, &old, |start, end| {
            for abs in start..=end {
                let i = (abs - popped) as usize;
                #[cfg(test)]
                {
                    self.sack_visits += 1;
                }
                let tsn = self.base_tsn.wrapping_add(i as u32);
                let Some(c) = self.chunks.get_mut(i) else {
                    break;
                };
                match c.state {
                    ChunkState::InFlight => {
                        self.flight -= c.len;
                        *bytes_acked += c.len;
                        c.state = ChunkState::GapAcked;
                        self.gap_acked += 1;
                        *htna = Some(tsn);
                    }
                    ChunkState::Lost => {
                        *bytes_acked += c.len;
                        c.state = ChunkState::GapAcked;
                        self.gap_acked += 1;
                        *htna = Some(tsn);
                    }
                    _ => {}
                }
            }
        });
        for_each_difference(&old, &new, |start, end| {
            for abs in start..=end {
                let i = (abs - popped) as usize;
                #[cfg(test)]
                {
                    self.sack_visits += 1;
                }
                let Some(c) = self.chunks.get_mut(i) else {
                    break;
                };
                if c.state == ChunkState::GapAcked {
                    c.state = ChunkState::InFlight;
                    self.gap_acked -= 1;
                    self.flight += c.len;
                }
            }
        });
        // The previous ranges' storage becomes the next scratch.
        self.new_ranges = old;
        self.acked_ranges = new;
    }

    /// Fast retransmit (section 7.2.4): a miss indication for each chunk in flight below
    /// the highest TSN newly acknowledged; the third marks it lost. Only the holes
    /// between the latest gap ack blocks are visited.
    pub(super) fn count_misses(&mut self, htna: u32, highest_sent: u32) {
        let end = (htna.wrapping_sub(self.base_tsn) as usize).min(self.chunks.len());
        let popped = self.popped;
        let mut marked = false;
        let mut from = 0usize;
        let ranges = std::mem::take(&mut self.acked_ranges);
        let mut next_range = ranges.iter();
        while from < end {
            // The hole runs up to the next acknowledged range (or `end`).
            let (hole_end, skip_to) = match next_range.next() {
                Some(&(s, e)) => (
                    ((s - popped) as usize).min(end),
                    ((e - popped) as usize).saturating_add(1),
                ),
                None => (end, end),
            };
            for i in from..hole_end {
                #[cfg(test)]
                {
                    self.sack_visits += 1;
                }
                let c = &mut self.chunks[i];
                if c.state != ChunkState::InFlight || c.fast_retransmitted {
                    continue;
                }
                c.miss = c.miss.saturating_add(1);
                if c.miss >= 3 {
                    c.state = ChunkState::Lost;
                    if c.max_rtx.is_some() {
                        self.rtx_check.push(self.base_tsn.wrapping_add(i as u32));
                    }
                    c.fast_retransmitted = true;
                    c.lost_fast = true;
                    self.flight -= c.len;
                    let tsn = self.base_tsn.wrapping_add(i as u32);
                    let base = self.base_tsn;
                    let at = self
                        .lost
                        .partition_point(|&t| t.wrapping_sub(base) < tsn.wrapping_sub(base));
                    self.lost.insert(at, tsn);
                    marked = true;
                }
            }
            from = skip_to.max(hole_end);
        }
        self.acked_ranges = ranges;
        if marked {
            if self.fast_recovery_exit.is_none() {
                self.ssthresh = (self.cwnd / 2).max(4 * self.mtu);
                self.cwnd = self.ssthresh;
                self.partial_bytes_acked = 0;
                self.fast_recovery_exit = Some(highest_sent);
            }
            self.fast_rtx_bypass = true;
        }
    }

    /// Chunks the gap processing has looked at so far.
    #[cfg(test)]
    pub(in crate::association) fn sack_work(&self) -> u64 {
        self.sack_visits
    }
}

#[cfg(test)]
mod tests {
    use super::for_each_difference;

    fn diff(a: &[(u64, u64)], b: &[(u64, u64)]) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        for_each_difference(a, b, |s, e| out.push((s, e)));
        out
    }

    #[test]
    fn range_differences() {
        assert_eq!(diff(&[(0, 9)], &[]), [(0, 9)]);
        assert_eq!(diff(&[], &[(0, 9)]), []);
        assert_eq!(diff(&[(0, 9)], &[(3, 4)]), [(0, 2), (5, 9)]);
        assert_eq!(diff(&[(0, 9)], &[(0, 9)]), []);
        assert_eq!(diff(&[(5, 9)], &[(0, 6), (8, 8)]), [(7, 7), (9, 9)]);
        assert_eq!(
            diff(&[(0, 3), (10, 20)], &[(2, 12), (15, 15), (30, 40)]),
            [(0, 1), (13, 14), (16, 20)]
        );
        // Brute force over small sets.
        for mask_a in 0u32..256 {
            for mask_b in [0u32, 0b1010_0110, 0b0111_1110, 0b1000_0001, 0xff] {
                let ranges = |m: u32| {
                    let mut v: Vec<(u64, u64)> = Vec::new();
                    for i in 0..8u64 {
                        if m >> i & 1 == 1 {
                            match v.last_mut() {
                                Some(r) if r.1 + 1 == i => r.1 = i,
                                _ => v.push((i, i)),
                            }
                        }
                    }
                    v
                };
                let mut got = 0u32;
                for (s, e) in diff(&ranges(mask_a), &ranges(mask_b)) {
                    for i in s..=e {
                        got |= 1 << i;
                    }
                }
                assert_eq!(got, mask_a & !mask_b, "{mask_a:08b} - {mask_b:08b}");
            }
        }
    }
}
