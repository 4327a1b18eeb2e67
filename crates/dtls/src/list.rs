//! [`List`]: a TLS vector that is either still on the wire or a caller's slice.
//!
//! Parsed messages borrow their vectors (cipher suites, extensions, certificates...) as
//! validated wire bytes and decode them lazily, so parsing allocates nothing. The same
//! field accepts a plain slice when building a message, so emitting allocates nothing
//! either. Two lists compare equal when they yield equal items, whichever form each is in.

use core::fmt;
use core::marker::PhantomData;

use crate::EmitError;
use crate::bytes::Writer;

/// An element of a TLS vector that can be read from and written to wire bytes.
///
/// Implemented by the crate's list elements. Reading is only ever done on bytes the
/// enclosing message's parser has already validated, and still never panics on bad input.
pub trait WireItem<'a>: Copy {
    /// Reads one element from the front of `buf`, returning it and the rest, or `None`
    /// when `buf` is empty or malformed.
    fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])>;
    /// The number of bytes the element occupies on the wire.
    fn wire_len(&self) -> usize;
    /// Writes the element into the front of `buf` and returns the bytes written.
    fn write(&self, buf: &mut [u8]) -> Result<usize, EmitError>;
}

/// A list of `T` either as validated wire bytes or as a caller-supplied slice.
#[derive(Clone, Copy)]
pub enum List<'a, T> {
    /// Validated wire bytes (without the vector's length prefix), decoded on iteration.
    Wire(&'a [u8]),
    /// Elements supplied by the caller (used when building messages).
    Slice(&'a [T]),
}

impl<'a, T: WireItem<'a>> List<'a, T> {
    /// An empty list.
    pub const EMPTY: Self = List::Slice(&[]);

    /// Iterates over the elements.
    #[inline]
    pub fn iter(&self) -> ListIter<'a, T> {
        match *self {
            List::Wire(b) => ListIter::Wire(b, PhantomData),
            List::Slice(s) => ListIter::Slice(s.iter()),
        }
    }

    /// The number of elements (counts by iterating for variable-size wire elements).
    pub fn len(&self) -> usize {
        match *self {
            List::Slice(s) => s.len(),
            List::Wire(_) => self.iter().count(),
        }
    }

    /// Whether the list has no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        match *self {
            List::Slice(s) => s.is_empty(),
            List::Wire(b) => b.is_empty(),
        }
    }

    /// Bytes the elements occupy on the wire (without the vector's length prefix).
    #[inline]
    pub fn wire_len(&self) -> usize {
        match *self {
            List::Wire(b) => b.len(),
            List::Slice(s) => s.iter().map(WireItem::wire_len).sum(),
        }
    }

    /// Whether the list contains `item`.
    pub fn contains(&self, item: &T) -> bool
    where
        T: PartialEq,
    {
        self.iter().any(|x| x == *item)
    }

    /// Writes the elements (no length prefix).
    pub(crate) fn write_to(&self, w: &mut Writer<'_>) -> Result<(), EmitError> {
        match *self {
            List::Wire(b) => w.bytes(b),
            List::Slice(s) => {
                for item in s {
                    w.item(item)?;
                }
                Ok(())
            }
        }
    }
}

impl Writer<'_> {
    /// Writes one list element.
    #[inline]
    pub(crate) fn item<'a, T: WireItem<'a>>(&mut self, item: &T) -> Result<(), EmitError> {
        let n = item.wire_len();
        let dst = self.reserve(n)?;
        item.write(dst)?;
        Ok(())
    }
}

impl<'a, T: WireItem<'a>> IntoIterator for List<'a, T> {
    type Item = T;
    type IntoIter = ListIter<'a, T>;
    #[inline]
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T: WireItem<'a>> IntoIterator for &List<'a, T> {
    type Item = T;
    type IntoIter = ListIter<'a, T>;
    #[inline]
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T: WireItem<'a> + PartialEq> PartialEq for List<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        if let (List::Wire(a), List::Wire(b)) = (self, other)
            && a == b
        {
            return true;
        }
        self.iter().eq(other.iter())
    }
}

impl<'a, T: WireItem<'a> + Eq> Eq for List<'a, T> {}

impl<'a, T: WireItem<'a> + fmt::Debug> fmt::Debug for List<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: WireItem<'a>> Default for List<'a, T> {
    fn default() -> Self {
        Self::EMPTY
    }
}

/// Iterator over a [`List`].
#[derive(Debug, Clone)]
pub enum ListIter<'a, T> {
    /// Decoding wire bytes.
    Wire(&'a [u8], PhantomData<T>),
    /// Walking a caller's slice.
    Slice(core::slice::Iter<'a, T>),
}

impl<'a, T: WireItem<'a>> Iterator for ListIter<'a, T> {
    type Item = T;
    #[inline]
    fn next(&mut self) -> Option<T> {
        match self {
            ListIter::Wire(b, _) => {
                let (item, rest) = T::read(b)?;
                *b = rest;
                Some(item)
            }
            ListIter::Slice(it) => it.next().copied(),
        }
    }
}

/// Implements [`WireItem`] for a one- or two-byte code point newtype.
macro_rules! wire_code {
    ($name:ident, u8) => {
        impl<'a> $crate::list::WireItem<'a> for $name {
            #[inline]
            fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
                let (&b, rest) = buf.split_first()?;
                Some((Self(b), rest))
            }
            #[inline]
            fn wire_len(&self) -> usize {
                1
            }
            #[inline]
            fn write(&self, buf: &mut [u8]) -> Result<usize, $crate::EmitError> {
                let available = buf.len();
                *buf.first_mut().ok_or($crate::EmitError::BufferTooSmall {
                    needed: 1,
                    available,
                })? = self.0;
                Ok(1)
            }
        }
    };
    ($name:ident, u16) => {
        impl<'a> $crate::list::WireItem<'a> for $name {
            #[inline]
            fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
                let (b, rest) = buf.split_first_chunk::<2>()?;
                Some((Self(u16::from_be_bytes(*b)), rest))
            }
            #[inline]
            fn wire_len(&self) -> usize {
                2
            }
            #[inline]
            fn write(&self, buf: &mut [u8]) -> Result<usize, $crate::EmitError> {
                let available = buf.len();
                buf.get_mut(..2)
                    .ok_or($crate::EmitError::BufferTooSmall {
                        needed: 2,
                        available,
                    })?
                    .copy_from_slice(&self.0.to_be_bytes());
                Ok(2)
            }
        }
    };
}
pub(crate) use wire_code;
