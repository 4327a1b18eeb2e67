//! [`Items`]: a list that is either still on the wire or a caller's slice.
//!
//! Parsed chunks borrow their repeated parts (gap ack blocks, duplicate TSNs, parameters,
//! error causes, stream lists) as wire bytes that the chunk's parser has validated, and
//! decode them lazily, so parsing allocates nothing. The same field accepts a plain slice
//! when building a chunk, so emitting allocates nothing either. Two lists compare equal when
//! they yield equal items, whichever form each is in.

use core::fmt;
use core::marker::PhantomData;

use crate::bytes::{pad4, put_u16, u16_at};
use crate::{EmitError, ParseError};

/// An element that can be read from and written to wire bytes.
///
/// Implemented by the crate's list elements. Reading never panics on bad input.
pub trait WireItem<'a>: Copy {
    /// Reads one element from the front of `buf`, returning it and the rest.
    fn read(buf: &'a [u8]) -> Result<(Self, &'a [u8]), ParseError>;
    /// The number of bytes [`WireItem::write`] produces, trailing padding included.
    fn wire_len(&self) -> usize;
    /// The trailing padding included in [`WireItem::wire_len`] (for TLV parameters,
    /// which are padded to 4 bytes; the padding of the last one in a chunk is not
    /// counted in the chunk length).
    #[inline]
    fn pad_len(&self) -> usize {
        0
    }
    /// Writes the element into `buf`, which is exactly [`WireItem::wire_len`] bytes long,
    /// padding included.
    fn write(&self, buf: &mut [u8]) -> Result<(), EmitError>;
}

/// A list of `T` either as validated wire bytes or as a caller-supplied slice.
#[derive(Clone, Copy)]
pub enum Items<'a, T> {
    /// Validated wire bytes, decoded on iteration.
    Wire(&'a [u8]),
    /// Elements supplied by the caller (used when building chunks).
    Slice(&'a [T]),
}

impl<'a, T: WireItem<'a>> Items<'a, T> {
    /// An empty list.
    pub const EMPTY: Self = Items::Slice(&[]);

    /// Checks that `buf` is a whole sequence of valid `T` and wraps it.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Self, ParseError> {
        let mut rest = buf;
        while !rest.is_empty() {
            rest = T::read(rest)?.1;
        }
        Ok(Items::Wire(buf))
    }

    /// Iterates over the elements.
    #[inline]
    pub fn iter(&self) -> ItemsIter<'a, T> {
        match *self {
            Items::Wire(b) => ItemsIter::Wire(b, PhantomData),
            Items::Slice(s) => ItemsIter::Slice(s.iter()),
        }
    }

    /// The number of elements (counts by iterating for wire bytes).
    pub fn len(&self) -> usize {
        match *self {
            Items::Slice(s) => s.len(),
            Items::Wire(_) => self.iter().count(),
        }
    }

    /// Whether the list has no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        match *self {
            Items::Slice(s) => s.is_empty(),
            Items::Wire(b) => b.is_empty(),
        }
    }

    /// Bytes the list occupies on the wire, without the last element's trailing padding.
    #[inline]
    pub fn wire_len(&self) -> usize {
        match *self {
            Items::Wire(b) => b.len(),
            Items::Slice(s) => {
                let all: usize = s.iter().map(WireItem::wire_len).sum();
                all - s.last().map_or(0, WireItem::pad_len)
            }
        }
    }

    /// Writes the list into the front of `buf` and returns [`Items::wire_len`]. A slice
    /// list also writes the last element's padding, so `buf` must have room for it.
    pub(crate) fn write(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        match *self {
            Items::Wire(b) => {
                crate::bytes::room(buf, b.len())?.copy_from_slice(b);
                Ok(b.len())
            }
            Items::Slice(s) => {
                let mut at = 0;
                let available = buf.len();
                for item in s {
                    let n = item.wire_len();
                    let dst = buf.get_mut(at..at + n).ok_or(EmitError::BufferTooSmall {
                        needed: at + n,
                        available,
                    })?;
                    item.write(dst)?;
                    at += n;
                }
                Ok(at - s.last().map_or(0, WireItem::pad_len))
            }
        }
    }
}

impl<'a, T: WireItem<'a>> IntoIterator for Items<'a, T> {
    type Item = T;
    type IntoIter = ItemsIter<'a, T>;
    #[inline]
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T: WireItem<'a> + PartialEq> PartialEq for Items<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        if let (Items::Wire(a), Items::Wire(b)) = (self, other)
            && a == b
        {
            return true;
        }
        self.iter().eq(other.iter())
    }
}

impl<'a, T: WireItem<'a> + Eq> Eq for Items<'a, T> {}

impl<'a, T: WireItem<'a> + fmt::Debug> fmt::Debug for Items<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Iterator over [`Items`].
#[derive(Debug, Clone)]
pub enum ItemsIter<'a, T> {
    /// Decoding wire bytes.
    Wire(&'a [u8], PhantomData<T>),
    /// Walking a slice.
    Slice(core::slice::Iter<'a, T>),
}

impl<'a, T: WireItem<'a>> Iterator for ItemsIter<'a, T> {
    type Item = T;
    #[inline]
    fn next(&mut self) -> Option<T> {
        match self {
            ItemsIter::Wire(b, _) => {
                if b.is_empty() {
                    return None;
                }
                match T::read(b) {
                    Ok((item, rest)) => {
                        *b = rest;
                        Some(item)
                    }
                    Err(_) => {
                        *b = &[];
                        None
                    }
                }
            }
            ItemsIter::Slice(s) => s.next().copied(),
        }
    }
}

impl<'a> WireItem<'a> for u16 {
    #[inline]
    fn read(buf: &'a [u8]) -> Result<(Self, &'a [u8]), ParseError> {
        match buf {
            [a, b, rest @ ..] => Ok((u16::from_be_bytes([*a, *b]), rest)),
            _ => Err(ParseError::Truncated),
        }
    }
    #[inline]
    fn wire_len(&self) -> usize {
        2
    }
    #[inline]
    fn write(&self, buf: &mut [u8]) -> Result<(), EmitError> {
        buf.copy_from_slice(&self.to_be_bytes());
        Ok(())
    }
}

impl<'a> WireItem<'a> for u32 {
    #[inline]
    fn read(buf: &'a [u8]) -> Result<(Self, &'a [u8]), ParseError> {
        match buf {
            [a, b, c, d, rest @ ..] => Ok((u32::from_be_bytes([*a, *b, *c, *d]), rest)),
            _ => Err(ParseError::Truncated),
        }
    }
    #[inline]
    fn wire_len(&self) -> usize {
        4
    }
    #[inline]
    fn write(&self, buf: &mut [u8]) -> Result<(), EmitError> {
        buf.copy_from_slice(&self.to_be_bytes());
        Ok(())
    }
}

/// Splits one type-length-value element (a parameter or an error cause: 16-bit type,
/// 16-bit length counting the 4-byte header, value, padding to 4 bytes) off the front of
/// `buf`. Returns the type, the value and the rest. Padding missing at the very end of
/// `buf` is accepted, as the last element's padding is not counted in its chunk's length.
#[inline]
pub(crate) fn read_tlv(buf: &[u8]) -> Result<(u16, &[u8], &[u8]), ParseError> {
    if buf.len() < 4 {
        return Err(ParseError::Truncated);
    }
    let ty = u16_at(buf, 0);
    let len = usize::from(u16_at(buf, 2));
    if len < 4 {
        return Err(ParseError::InvalidLength);
    }
    let value = buf.get(4..len).ok_or(ParseError::Truncated)?;
    let rest = buf.get(pad4(len)..).unwrap_or(&[]);
    Ok((ty, value, rest))
}

/// Writes a TLV header for a value of `value_len` bytes and zeroes its padding; `buf` is
/// exactly `pad4(4 + value_len)` bytes long. The caller writes the value at `buf[4..]`.
#[inline]
pub(crate) fn write_tlv_header(buf: &mut [u8], ty: u16, value_len: usize) -> Result<(), EmitError> {
    let len = 4 + value_len;
    let len16 = u16::try_from(len).map_err(|_| EmitError::TooLong)?;
    put_u16(buf, 0, ty);
    put_u16(buf, 2, len16);
    buf[len..].fill(0);
    Ok(())
}

/// `pad4(4 + value_len)`: the padded length of a TLV element.
#[inline]
pub(crate) const fn tlv_wire_len(value_len: usize) -> usize {
    pad4(4 + value_len)
}

/// The trailing padding of a TLV element.
#[inline]
pub(crate) const fn tlv_pad_len(value_len: usize) -> usize {
    pad4(4 + value_len) - (4 + value_len)
}
