//! The CRC32c of an SCTP packet (RFC 9260 section 6.8 and appendix B), computed over the
//! whole packet with its checksum field (bytes 8 to 11) taken as zero.
//!
//! The `crc32c` crate does the work, except on x86-64 built with SSE 4.2 enabled at compile
//! time (`-C target-cpu=x86-64-v2` or newer; this workspace's `.cargo/config.toml` sets it):
//! there packets of [`INTERLEAVED_MIN`] bytes or more run on three interleaved chains of the
//! `crc32` instruction. The instruction takes three cycles and the CPU starts one per cycle,
//! so one chain runs at a third of its speed. The crate interleaves only within 768-byte
//! blocks and leaves the rest of a packet (432 of a 1200-byte packet's bytes) on one chain;
//! here the packet is cut in three: a head of any length and two parts of one of the
//! [`PARTS`] lengths, the one that makes the three about even (a 1 KiB message's 1052-byte
//! packet and a full 1200-byte one both split evenly), each on its own chain, and the three results are combined by
//! linearity (a CRC register shifted over n zero bytes is a linear map, applied by table). This halves the checksum's
//! cost on MTU-sized packets (docs/benchmarks.md).
//!
//! No `unsafe` here: the instruction comes through `safe_arch`, whose wrappers exist only
//! when the target feature is enabled for the whole build, so without it this path is not
//! compiled at all.

/// The CRC32c of `packet` with bytes 8..12 (the checksum field) read as zero.
pub(crate) fn packet_checksum(packet: &[u8]) -> u32 {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse4.2"))]
    if packet.len() >= INTERLEAVED_MIN {
        return interleaved::checksum(packet);
    }
    match (packet.get(..8), packet.get(12..)) {
        (Some(head), Some(tail)) => {
            // The header with a zero checksum field, then the rest: two passes, the
            // first over 12 bytes on the stack.
            let mut first = [0u8; 12];
            first[..8].copy_from_slice(head);
            crc32c::crc32c_append(crc32c::crc32c(&first), tail)
        }
        _ => crc32c::crc32c(packet),
    }
}

/// The lengths of the two trailing parts of an interleaved computation, shortest first: a
/// packet uses the longest whose three parts it holds (less 32 bytes), so that its head is
/// about as long as a part.
#[cfg_attr(
    not(all(target_arch = "x86_64", target_feature = "sse4.2")),
    allow(dead_code)
)]
const PARTS: [usize; 3] = [352, 384, 400];

/// The shortest packet checksummed on three chains (a head of at least 64 bytes).
#[cfg_attr(
    not(all(target_arch = "x86_64", target_feature = "sse4.2")),
    allow(dead_code)
)]
const INTERLEAVED_MIN: usize = 2 * PARTS[0] + 64;

/// CRC32c's polynomial, bit-reflected.
const POLY: u32 = 0x82F6_3B78;

/// The tables that shift a raw CRC register over `len` zero bytes: the shifted register is
/// the XOR of `t[j][byte j of the register]`, since the shift is linear.
#[cfg_attr(
    not(all(target_arch = "x86_64", target_feature = "sse4.2")),
    allow(dead_code)
)]
const fn shift_table(len: usize) -> [[u32; 256]; 4] {
    // Where each of the 32 register bits goes.
    let mut basis = [0u32; 32];
    let mut bit = 0;
    while bit < 32 {
        let mut r = 1u32 << bit;
        let mut i = 0;
        while i < len * 8 {
            r = (r >> 1) ^ if r & 1 != 0 { POLY } else { 0 };
            i += 1;
        }
        basis[bit] = r;
        bit += 1;
    }
    let mut t = [[0u32; 256]; 4];
    let mut j = 0;
    while j < 4 {
        let mut v = 0;
        while v < 256 {
            let mut x = 0;
            let mut k = 0;
            while k < 8 {
                if v & (1 << k) != 0 {
                    x ^= basis[j * 8 + k];
                }
                k += 1;
            }
            t[j][v] = x;
            v += 1;
        }
        j += 1;
    }
    t
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse4.2"))]
mod interleaved {
    use safe_arch::{crc32_u8, crc32_u64};

    use super::{PARTS, shift_table};

    /// A part's length and the tables that shift over one and over two parts.
    type Split = (usize, [[u32; 256]; 4], [[u32; 256]; 4]);

    const fn split(part: usize) -> Split {
        (part, shift_table(part), shift_table(2 * part))
    }

    static SPLITS: [Split; 3] = [split(PARTS[0]), split(PARTS[1]), split(PARTS[2])];

    fn shift(t: &[[u32; 256]; 4], r: u32) -> u32 {
        let b = r.to_le_bytes();
        t[0][usize::from(b[0])]
            ^ t[1][usize::from(b[1])]
            ^ t[2][usize::from(b[2])]
            ^ t[3][usize::from(b[3])]
    }

    /// See the module docs; `packet.len() >= INTERLEAVED_MIN`.
    pub(super) fn checksum(packet: &[u8]) -> u32 {
        let n = packet.len();
        let (part, shift_one, shift_two) = SPLITS
            .iter()
            .rev()
            .find(|s| 3 * s.0 <= n + 32)
            .unwrap_or(&SPLITS[0]);
        let (head, parts) = packet.split_at(packet.len() - 2 * part);
        let (b, c) = parts.split_at(*part);
        // The head's odd bytes first, so that its words end where the parts begin.
        let odd = head.len() % 8;
        let mut ra = 0xFFFF_FFFFu64;
        for &byte in &head[..odd] {
            ra = u64::from(crc32_u8(ra as u32, byte));
        }
        let (a, _) = head[odd..].as_chunks::<8>();
        let (b, _) = b.as_chunks::<8>();
        let (c, _) = c.as_chunks::<8>();
        // The words holding bytes 8..12 (the checksum field) are read with them as zero.
        let (a_first, a) = a.split_at(2);
        let mut start = odd;
        for &w in a_first {
            let mut w = u64::from_le_bytes(w);
            let (lo, hi) = (start.max(8), (start + 8).min(12));
            if lo < hi {
                let bits = 8 * (hi - lo);
                let mask = (u64::MAX >> (64 - bits)) << (8 * (lo - start));
                w &= !mask;
            }
            ra = crc32_u64(ra, w);
            start += 8;
        }
        // Three chains while the head lasts, then the rest of the longer side.
        let n = a.len().min(b.len());
        let (mut rb, mut rc) = (0u64, 0u64);
        for ((&wa, &wb), &wc) in a[..n].iter().zip(&b[..n]).zip(&c[..n]) {
            ra = crc32_u64(ra, u64::from_le_bytes(wa));
            rb = crc32_u64(rb, u64::from_le_bytes(wb));
            rc = crc32_u64(rc, u64::from_le_bytes(wc));
        }
        for &w in &a[n..] {
            ra = crc32_u64(ra, u64::from_le_bytes(w));
        }
        for (&wb, &wc) in b[n..].iter().zip(&c[n..]) {
            rb = crc32_u64(rb, u64::from_le_bytes(wb));
            rc = crc32_u64(rc, u64::from_le_bytes(wc));
        }
        !(shift(shift_two, ra as u32) ^ shift(shift_one, rb as u32) ^ rc as u32)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn reference(packet: &[u8]) -> u32 {
        let mut p = packet.to_vec();
        if let Some(field) = p.get_mut(8..12) {
            field.fill(0);
        }
        crc32c::crc32c(&p)
    }

    #[test]
    fn every_length_around_the_interleaved_threshold_matches_the_crate() {
        let data: Vec<u8> = (0..4000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for len in (0..64)
            .chain(INTERLEAVED_MIN - 20..INTERLEAVED_MIN + 40)
            .chain(PARTS.iter().flat_map(|p| 3 * p - 52..3 * p - 12))
            .chain([1052, 1056, 1200, 1201, 1207, 1500, 2048, 4000])
        {
            assert_eq!(
                packet_checksum(&data[..len]),
                reference(&data[..len]),
                "{len}"
            );
        }
    }

    #[test]
    fn the_checksum_field_is_read_as_zero() {
        let mut p = vec![0x5Au8; 1200];
        let before = packet_checksum(&p);
        p[8..12].copy_from_slice(&[1, 2, 3, 4]);
        assert_eq!(packet_checksum(&p), before);
        p[12] ^= 1;
        assert_ne!(packet_checksum(&p), before);
        p[12] ^= 1;
        p[7] ^= 1;
        assert_ne!(packet_checksum(&p), before);
    }

    proptest! {
        #[test]
        fn matches_the_crate(packet in proptest::collection::vec(any::<u8>(), 0..3000)) {
            prop_assert_eq!(packet_checksum(&packet), reference(&packet));
        }
    }
}
