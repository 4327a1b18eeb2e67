//! [`Items`]: a list that is either still on the wire or a caller's slice.
//!
//! Parsed representations borrow their repeated parts (report blocks, SDES chunks, NACK
//! pairs...) as validated wire bytes and decode them lazily, so parsing allocates nothing.
//! The same field accepts a plain slice when building a packet, so emitting allocates
//! nothing either. Two lists compare equal when they yield equal items, whichever form
//! each is in.

use core::fmt;
use core::marker::PhantomData;

use crate::EmitError;

/// An element that can be read from and written to wire bytes.
///
/// Implemented by the crate's list elements; reading is only ever done on bytes the
/// enclosing packet's parser has already validated, and still never panics on bad input.
pub trait WireItem<'a>: Copy {
    /// Reads one element from the front of `buf`, returning it and the rest, or `None`
    /// when `buf` is empty or malformed.
    fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])>;
    /// The number of bytes [`WireItem::write`] produces.
    fn wire_len(&self) -> usize;
    /// Writes the element into `buf`, which is exactly [`WireItem::wire_len`] bytes long.
    fn write(&self, buf: &mut [u8]) -> Result<(), EmitError>;
}

/// A list of `T` either as validated wire bytes or as a caller-supplied slice.
#[derive(Clone, Copy)]
pub enum Items<'a, T> {
    /// Validated wire bytes, decoded on iteration.
    Wire(&'a [u8]),
    /// Elements supplied by the caller (used when building packets).
    Slice(&'a [T]),
}

impl<'a, T: WireItem<'a>> Items<'a, T> {
    /// An empty list.
    pub const EMPTY: Self = Items::Slice(&[]);

    /// Iterates over the elements.
    #[inline]
    pub fn iter(&self) -> ItemsIter<'a, T> {
        match *self {
            Items::Wire(b) => ItemsIter::Wire(b, PhantomData),
            Items::Slice(s) => ItemsIter::Slice(s.iter()),
        }
    }

    /// The number of elements (counts by iterating for variable-size wire elements).
    pub fn len(&self) -> usize {
        match *self {
            Items::Slice(s) => s.len(),
            Items::Wire(_) => self.iter().count(),
        }
    }

    /// Whether the list has no elements.
    pub fn is_empty(&self) -> bool {
        match *self {
            Items::Slice(s) => s.is_empty(),
            Items::Wire(b) => b.is_empty(),
        }
    }

    /// Bytes the list occupies on the wire.
    pub fn wire_len(&self) -> usize {
        match *self {
            Items::Wire(b) => b.len(),
            Items::Slice(s) => s.iter().map(WireItem::wire_len).sum(),
        }
    }

    /// Writes the list into the front of `buf` (which must hold [`Items::wire_len`]
    /// bytes) and returns the bytes written.
    pub(crate) fn write(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        match *self {
            Items::Wire(b) => {
                let available = buf.len();
                buf.get_mut(..b.len())
                    .ok_or(EmitError::BufferTooSmall {
                        needed: b.len(),
                        available,
                    })?
                    .copy_from_slice(b);
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
                Ok(at)
            }
        }
    }
}

impl<'a, T: WireItem<'a>> IntoIterator for Items<'a, T> {
    type Item = T;
    type IntoIter = ItemsIter<'a, T>;
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

impl<'a, T: WireItem<'a>> Default for Items<'a, T> {
    fn default() -> Self {
        Self::EMPTY
    }
}

/// Iterator over an [`Items`] list.
#[derive(Clone, Debug)]
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
                let (item, rest) = T::read(b)?;
                *b = rest;
                Some(item)
            }
            ItemsIter::Slice(s) => s.next().copied(),
        }
    }
}

impl<'a> WireItem<'a> for u32 {
    #[inline]
    fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let (head, rest) = buf.split_first_chunk::<4>()?;
        Some((u32::from_be_bytes(*head), rest))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_and_slice_compare_by_items() {
        let wire = [0, 0, 0, 1, 0, 0, 0, 2];
        let a: Items<'_, u32> = Items::Wire(&wire);
        let b: Items<'_, u32> = Items::Slice(&[1, 2]);
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
        assert_eq!(b.wire_len(), 8);
        let c: Items<'_, u32> = Items::Slice(&[1, 3]);
        assert_ne!(a, c);
        let mut out = [0u8; 8];
        assert_eq!(b.write(&mut out), Ok(8));
        assert_eq!(out, wire);
        assert!(matches!(
            b.write(&mut out[..7]),
            Err(EmitError::BufferTooSmall { .. })
        ));
    }
}
