//! Big-endian helpers over slices whose length the caller has already checked.

#[inline(always)]
pub(crate) fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

#[inline(always)]
pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[inline(always)]
pub(crate) fn put_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

#[inline(always)]
pub(crate) fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// Rounds up to the next multiple of 4.
#[inline(always)]
pub(crate) const fn pad4(n: usize) -> usize {
    (n + 3) & !3
}

/// Returns `buf[..n]` or a [`crate::EmitError::BufferTooSmall`].
#[inline(always)]
pub(crate) fn room(buf: &mut [u8], n: usize) -> Result<&mut [u8], crate::EmitError> {
    let available = buf.len();
    buf.get_mut(..n).ok_or(crate::EmitError::BufferTooSmall {
        needed: n,
        available,
    })
}
