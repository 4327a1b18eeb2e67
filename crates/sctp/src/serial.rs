//! Serial number arithmetic (RFC 1982) for TSNs, SSNs, MIDs and FSNs.
//!
//! RFC 9260 section 1.6 compares Transmission Sequence Numbers (32 bits) and Stream
//! Sequence Numbers (16 bits) with RFC 1982 serial number arithmetic; RFC 8260 does the
//! same for Message Identifiers and Fragment Sequence Numbers (32 bits, use the `tsn_*`
//! functions). When two numbers are exactly half the number space apart the comparison is
//! undefined by RFC 1982: here neither is less than the other.

/// `a < b` for 32-bit serial numbers (TSN, MID, FSN).
#[inline]
pub const fn tsn_lt(a: u32, b: u32) -> bool {
    (b.wrapping_sub(a) as i32) > 0
}

/// `a <= b` for 32-bit serial numbers.
#[inline]
pub const fn tsn_le(a: u32, b: u32) -> bool {
    a == b || tsn_lt(a, b)
}

/// `a > b` for 32-bit serial numbers.
#[inline]
pub const fn tsn_gt(a: u32, b: u32) -> bool {
    tsn_lt(b, a)
}

/// `a >= b` for 32-bit serial numbers.
#[inline]
pub const fn tsn_ge(a: u32, b: u32) -> bool {
    a == b || tsn_lt(b, a)
}

/// `a < b` for 16-bit serial numbers (SSN, stream sequence numbers).
#[inline]
pub const fn ssn_lt(a: u16, b: u16) -> bool {
    (b.wrapping_sub(a) as i16) > 0
}

/// `a <= b` for 16-bit serial numbers.
#[inline]
pub const fn ssn_le(a: u16, b: u16) -> bool {
    a == b || ssn_lt(a, b)
}

/// `a > b` for 16-bit serial numbers.
#[inline]
pub const fn ssn_gt(a: u16, b: u16) -> bool {
    ssn_lt(b, a)
}

/// `a >= b` for 16-bit serial numbers.
#[inline]
pub const fn ssn_ge(a: u16, b: u16) -> bool {
    a == b || ssn_lt(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_and_wrapped() {
        assert!(tsn_lt(1, 2));
        assert!(!tsn_lt(2, 1));
        assert!(tsn_lt(u32::MAX, 0));
        assert!(tsn_gt(0, u32::MAX));
        assert!(tsn_le(5, 5) && tsn_ge(5, 5) && !tsn_lt(5, 5));
        assert!(tsn_lt(0xffff_fff0, 0x10));
        assert!(ssn_lt(65535, 0));
        assert!(ssn_gt(3, 65530));
        assert!(ssn_le(7, 7) && ssn_ge(7, 7));
    }

    #[test]
    fn half_space_is_undefined() {
        assert!(!tsn_lt(0, 1 << 31) && !tsn_lt(1 << 31, 0));
        assert!(!ssn_lt(0, 1 << 15) && !ssn_lt(1 << 15, 0));
        // Just under half the space is still ordered.
        assert!(tsn_lt(0, (1 << 31) - 1));
        assert!(ssn_lt(0, (1 << 15) - 1));
    }
}
