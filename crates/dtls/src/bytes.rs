//! A bounds-checked big-endian reader and writer for TLS presentation-language structures
//! (RFC 5246 section 4): integers of 1, 2, 3 and 6 bytes and length-prefixed vectors.
//!
//! Every read returns [`ParseError::Truncated`] instead of panicking, and every write
//! returns [`EmitError::BufferTooSmall`].

use crate::{EmitError, ParseError};

/// A cursor over input bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    #[inline]
    pub(crate) const fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    #[inline]
    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], ParseError> {
        if n > self.buf.len() {
            return Err(ParseError::Truncated);
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    #[inline]
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], ParseError> {
        let (head, tail) = self
            .buf
            .split_first_chunk::<N>()
            .ok_or(ParseError::Truncated)?;
        self.buf = tail;
        Ok(*head)
    }

    #[inline]
    pub(crate) fn u8(&mut self) -> Result<u8, ParseError> {
        let (&b, tail) = self.buf.split_first().ok_or(ParseError::Truncated)?;
        self.buf = tail;
        Ok(b)
    }

    #[inline]
    pub(crate) fn u16(&mut self) -> Result<u16, ParseError> {
        self.array::<2>().map(u16::from_be_bytes)
    }

    #[inline]
    pub(crate) fn u24(&mut self) -> Result<u32, ParseError> {
        let [a, b, c] = self.array::<3>()?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    /// A vector with a one-byte length prefix, whose length must lie in `min..=max`.
    #[inline]
    pub(crate) fn vec8(
        &mut self,
        min: usize,
        max: usize,
        field: &'static str,
    ) -> Result<&'a [u8], ParseError> {
        let n = usize::from(self.u8()?);
        self.vec_body(n, min, max, field)
    }

    /// A vector with a two-byte length prefix, whose length must lie in `min..=max`.
    #[inline]
    pub(crate) fn vec16(
        &mut self,
        min: usize,
        max: usize,
        field: &'static str,
    ) -> Result<&'a [u8], ParseError> {
        let n = usize::from(self.u16()?);
        self.vec_body(n, min, max, field)
    }

    /// A vector with a three-byte length prefix, whose length must lie in `min..=max`.
    #[inline]
    pub(crate) fn vec24(
        &mut self,
        min: usize,
        max: usize,
        field: &'static str,
    ) -> Result<&'a [u8], ParseError> {
        let n = self.u24()? as usize;
        self.vec_body(n, min, max, field)
    }

    #[inline]
    fn vec_body(
        &mut self,
        n: usize,
        min: usize,
        max: usize,
        field: &'static str,
    ) -> Result<&'a [u8], ParseError> {
        if n < min || n > max {
            return Err(ParseError::InvalidLength { field });
        }
        self.bytes(n)
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Everything not read yet.
    #[inline]
    pub(crate) fn rest(self) -> &'a [u8] {
        self.buf
    }

    /// Fails with [`ParseError::TrailingData`] unless everything was read.
    #[inline]
    pub(crate) fn finish(self) -> Result<(), ParseError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(ParseError::TrailingData)
        }
    }
}

/// A cursor over an output buffer.
#[derive(Debug)]
pub(crate) struct Writer<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl<'a> Writer<'a> {
    /// A writer over `buf` that first checks it holds `needed` bytes.
    #[inline]
    pub(crate) fn with_len(buf: &'a mut [u8], needed: usize) -> Result<Self, EmitError> {
        if buf.len() < needed {
            return Err(EmitError::BufferTooSmall {
                needed,
                available: buf.len(),
            });
        }
        Ok(Self { buf, at: 0 })
    }

    /// Bytes written so far.
    #[inline]
    pub(crate) fn written(&self) -> usize {
        self.at
    }

    /// Claims the next `n` bytes of the buffer for the caller to fill.
    #[inline]
    pub(crate) fn reserve(&mut self, n: usize) -> Result<&mut [u8], EmitError> {
        self.slot(n)
    }

    #[inline]
    fn slot(&mut self, n: usize) -> Result<&mut [u8], EmitError> {
        let available = self.buf.len();
        let at = self.at;
        let dst = self
            .buf
            .get_mut(at..at + n)
            .ok_or(EmitError::BufferTooSmall {
                needed: at + n,
                available,
            })?;
        self.at = at + n;
        Ok(dst)
    }

    #[inline]
    pub(crate) fn bytes(&mut self, b: &[u8]) -> Result<(), EmitError> {
        self.slot(b.len())?.copy_from_slice(b);
        Ok(())
    }

    #[inline]
    pub(crate) fn u8(&mut self, v: u8) -> Result<(), EmitError> {
        self.bytes(&[v])
    }

    #[inline]
    pub(crate) fn u16(&mut self, v: u16) -> Result<(), EmitError> {
        self.bytes(&v.to_be_bytes())
    }

    /// Writes the low 24 bits of `v`; fails if `v` does not fit.
    #[inline]
    pub(crate) fn u24(&mut self, v: u32, field: &'static str) -> Result<(), EmitError> {
        if v > 0x00ff_ffff {
            return Err(EmitError::ValueOutOfRange { field });
        }
        self.bytes(&v.to_be_bytes()[1..])
    }

    /// Writes the low 48 bits of `v`; fails if `v` does not fit.
    #[inline]
    pub(crate) fn u48(&mut self, v: u64, field: &'static str) -> Result<(), EmitError> {
        if v > 0xffff_ffff_ffff {
            return Err(EmitError::ValueOutOfRange { field });
        }
        self.bytes(&v.to_be_bytes()[2..])
    }

    /// Writes a vector with a `prefix`-byte length (1, 2 or 3) whose body `body` writes;
    /// the body's length must lie in `min..=max`.
    #[inline]
    pub(crate) fn vec(
        &mut self,
        prefix: usize,
        min: usize,
        max: usize,
        field: &'static str,
        body: impl FnOnce(&mut Self) -> Result<(), EmitError>,
    ) -> Result<(), EmitError> {
        let len_at = self.at;
        self.slot(prefix)?;
        let start = self.at;
        body(self)?;
        let n = self.at - start;
        if n < min || n > max {
            return Err(EmitError::InvalidLength { field });
        }
        let be = (n as u32).to_be_bytes();
        let dst = self
            .buf
            .get_mut(len_at..start)
            .ok_or(EmitError::InvalidLength { field })?;
        dst.copy_from_slice(
            be.get(4 - prefix..)
                .ok_or(EmitError::InvalidLength { field })?,
        );
        Ok(())
    }

    /// Writes `b` as a vector with a `prefix`-byte length, bounded by `min..=max`.
    #[inline]
    pub(crate) fn opaque(
        &mut self,
        prefix: usize,
        min: usize,
        max: usize,
        field: &'static str,
        b: &[u8],
    ) -> Result<(), EmitError> {
        if b.len() < min || b.len() > max {
            return Err(EmitError::InvalidLength { field });
        }
        self.vec(prefix, min, max, field, |w| w.bytes(b))
    }
}
