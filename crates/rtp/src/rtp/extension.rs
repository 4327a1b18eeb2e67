//! RTP header extension blocks: generic (RFC 3550 section 5.3.1) and the RFC 8285
//! one-byte (`0xBEDE`) and two-byte (`0x100X`) element forms.
//!
//! A [`HeaderExtension`] is the raw block (profile + data); [`HeaderExtension::elements`]
//! walks its elements lazily, skipping padding bytes, and [`ExtensionBuilder`] writes
//! elements into a fixed-capacity inline buffer without allocating. Left out: the
//! `extmap-allow-mixed` negotiation itself (an SDP matter); both forms parse regardless.

use core::fmt;

use crate::EmitError;
use crate::rtp::values::ExtensionValue;

/// The RFC 8285 one-byte header profile value.
pub const ONE_BYTE_PROFILE: u16 = 0xBEDE;
/// The RFC 8285 two-byte header profile value (the low 4 "appbits" are free).
pub const TWO_BYTE_PROFILE: u16 = 0x1000;

/// Which element layout an extension block uses, derived from its profile field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtensionForm {
    /// RFC 8285 section 4.2: profile `0xBEDE`, ids 1..=14, 1..=16 data bytes.
    OneByte,
    /// RFC 8285 section 4.3: profile `0x100X`, ids 1..=255, 0..=255 data bytes.
    TwoByte,
    /// Any other profile: opaque to this crate.
    Generic,
}

/// A raw RTP header extension block.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HeaderExtension<'a> {
    /// The 16-bit "defined by profile" field.
    pub profile: u16,
    /// The extension data: a whole number of 32-bit words when it came off the wire.
    pub data: &'a [u8],
}

impl fmt::Debug for HeaderExtension<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("HeaderExtension");
        d.field("profile", &format_args!("{:#06x}", self.profile));
        if self.form() == ExtensionForm::Generic {
            d.field("data", &self.data);
        } else {
            d.field("elements", &DebugElements(*self));
        }
        d.finish()
    }
}

struct DebugElements<'a>(HeaderExtension<'a>);

impl fmt::Debug for DebugElements<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.elements()).finish()
    }
}

impl<'a> HeaderExtension<'a> {
    /// The element form implied by the profile field.
    #[inline]
    pub const fn form(&self) -> ExtensionForm {
        if self.profile == ONE_BYTE_PROFILE {
            ExtensionForm::OneByte
        } else if self.profile & 0xfff0 == TWO_BYTE_PROFILE {
            ExtensionForm::TwoByte
        } else {
            ExtensionForm::Generic
        }
    }

    /// Iterates over the (id, data) elements. Empty for a generic block. Padding bytes are
    /// skipped; iteration stops at a one-byte id 15 (RFC 8285 section 4.2) or at an element
    /// whose length overruns the block.
    #[inline]
    pub fn elements(&self) -> ExtensionElements<'a> {
        ExtensionElements {
            data: if self.form() == ExtensionForm::Generic {
                &[]
            } else {
                self.data
            },
            two_byte: self.form() == ExtensionForm::TwoByte,
        }
    }

    /// The data of the first element with this id.
    #[inline]
    pub fn get(&self, id: u8) -> Option<&'a [u8]> {
        self.elements().find(|e| e.id == id).map(|e| e.data)
    }

    /// Parses the first element with this id as a typed value.
    /// `None` if absent, `Some(Err)` if present but malformed.
    #[inline]
    pub fn get_value<V: ExtensionValue<'a>>(&self, id: u8) -> Option<Result<V, crate::ParseError>> {
        self.get(id).map(V::parse)
    }
}

/// One element of an RFC 8285 extension block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExtensionElement<'a> {
    /// The local identifier negotiated with `a=extmap`.
    pub id: u8,
    /// The element data.
    pub data: &'a [u8],
}

/// Lazy iterator over the elements of a one-byte or two-byte extension block.
#[derive(Debug, Clone)]
pub struct ExtensionElements<'a> {
    data: &'a [u8],
    two_byte: bool,
}

impl<'a> Iterator for ExtensionElements<'a> {
    type Item = ExtensionElement<'a>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (&first, rest) = self.data.split_first()?;
            if (if self.two_byte { first } else { first >> 4 }) == 0 {
                // Padding byte (id 0), RFC 8285 sections 4.2 and 4.3; a one-byte id 0
                // is skipped as a single byte whatever its length nibble says.
                self.data = rest;
                continue;
            }
            let (id, len, rest) = if self.two_byte {
                let (&len, rest) = rest.split_first()?;
                (first, usize::from(len), rest)
            } else {
                let id = first >> 4;
                if id == 15 {
                    self.data = &[];
                    return None;
                }
                (id, usize::from(first & 0x0f) + 1, rest)
            };
            let Some((data, rest)) = rest.split_at_checked(len) else {
                self.data = &[];
                return None;
            };
            self.data = rest;
            return Some(ExtensionElement { id, data });
        }
    }
}

/// Writes RFC 8285 elements into an inline buffer of `N` bytes, without allocating.
///
/// ```
/// use strata_rtp::rtp::{ExtensionBuilder, values::TransportSequenceNumber};
/// let mut ext = ExtensionBuilder::<16>::one_byte();
/// ext.push(4, b"0")?;
/// ext.push_value(3, &TransportSequenceNumber(42))?;
/// let block = ext.as_extension();
/// assert_eq!(block.get(3), Some(&[0, 42][..]));
/// assert_eq!(block.data.len() % 4, 0);
/// # Ok::<(), strata_rtp::EmitError>(())
/// ```
#[derive(Clone)]
pub struct ExtensionBuilder<const N: usize> {
    profile: u16,
    len: usize,
    buf: [u8; N],
}

impl<const N: usize> fmt::Debug for ExtensionBuilder<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_extension().fmt(f)
    }
}

impl<const N: usize> ExtensionBuilder<N> {
    /// A builder for the one-byte form (profile `0xBEDE`).
    pub const fn one_byte() -> Self {
        Self {
            profile: ONE_BYTE_PROFILE,
            len: 0,
            buf: [0; N],
        }
    }

    /// A builder for the two-byte form; `appbits` fills the profile's low 4 bits.
    pub const fn two_byte(appbits: u8) -> Self {
        Self {
            profile: TWO_BYTE_PROFILE | (appbits & 0x0f) as u16,
            len: 0,
            buf: [0; N],
        }
    }

    /// Appends an element. Fails if the id or length does not fit the form, or if the
    /// padded block would exceed `N` bytes.
    pub fn push(&mut self, id: u8, data: &[u8]) -> Result<(), EmitError> {
        let two_byte = self.profile != ONE_BYTE_PROFILE;
        let header = if two_byte {
            if id == 0 || data.len() > 255 {
                return Err(EmitError::InvalidExtensionElement);
            }
            2
        } else {
            if !(1..=14).contains(&id) || data.is_empty() || data.len() > 16 {
                return Err(EmitError::InvalidExtensionElement);
            }
            1
        };
        let end = self.len + header + data.len();
        if crate::bytes::pad4(end) > N {
            return Err(EmitError::BufferTooSmall {
                needed: crate::bytes::pad4(end),
                available: N,
            });
        }
        if two_byte {
            self.buf[self.len] = id;
            self.buf[self.len + 1] = data.len() as u8;
        } else {
            self.buf[self.len] = (id << 4) | (data.len() - 1) as u8;
        }
        self.buf[self.len + header..end].copy_from_slice(data);
        self.len = end;
        Ok(())
    }

    /// Appends a typed element (see [`crate::rtp::values`]).
    pub fn push_value<'v, V: ExtensionValue<'v>>(
        &mut self,
        id: u8,
        value: &V,
    ) -> Result<(), EmitError> {
        let mut tmp = [0u8; 255];
        let n = value.write(&mut tmp)?;
        self.push(id, &tmp[..n])
    }

    /// Removes all elements.
    pub fn clear(&mut self) {
        self.buf[..self.len].fill(0);
        self.len = 0;
    }

    /// Whether no element was pushed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The block, zero-padded to a whole number of 32-bit words.
    pub fn as_extension(&self) -> HeaderExtension<'_> {
        HeaderExtension {
            profile: self.profile,
            data: &self.buf[..crate::bytes::pad4(self.len)],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_byte_elements_skip_padding_and_stop_at_15() {
        let data = [0x22, 1, 2, 3, 0, 0, 0x10, 9, 0xf0, 0x10, 7, 0];
        let ext = HeaderExtension {
            profile: ONE_BYTE_PROFILE,
            data: &data,
        };
        let v: Vec<_> = ext.elements().collect();
        assert_eq!(
            v,
            [
                ExtensionElement {
                    id: 2,
                    data: &[1, 2, 3]
                },
                ExtensionElement { id: 1, data: &[9] },
            ]
        );
    }

    #[test]
    fn two_byte_elements_allow_empty_data() {
        let data = [5, 0, 0, 7, 2, 0xaa, 0xbb, 0];
        let ext = HeaderExtension {
            profile: 0x1003,
            data: &data,
        };
        assert_eq!(ext.form(), ExtensionForm::TwoByte);
        let v: Vec<_> = ext.elements().collect();
        assert_eq!(
            v,
            [
                ExtensionElement { id: 5, data: &[] },
                ExtensionElement {
                    id: 7,
                    data: &[0xaa, 0xbb]
                },
            ]
        );
    }

    #[test]
    fn overrun_stops_iteration() {
        let data = [0x22, 1, 2, 3, 0x13, 1, 2, 0];
        let ext = HeaderExtension {
            profile: ONE_BYTE_PROFILE,
            data: &data,
        };
        assert_eq!(ext.elements().count(), 1);
        let odd_padding = HeaderExtension {
            profile: ONE_BYTE_PROFILE,
            data: &[0x05, 0x10, 7, 0],
        };
        assert_eq!(odd_padding.get(1), Some(&[7][..]));
        assert_eq!(odd_padding.elements().count(), 1);
        let generic = HeaderExtension {
            profile: 0x1234,
            data: &data,
        };
        assert_eq!(generic.form(), ExtensionForm::Generic);
        assert_eq!(generic.elements().count(), 0);
    }

    #[test]
    fn builder_rejects_what_the_form_cannot_carry() {
        let mut b = ExtensionBuilder::<8>::one_byte();
        assert_eq!(b.push(15, &[1]), Err(EmitError::InvalidExtensionElement));
        assert_eq!(b.push(1, &[]), Err(EmitError::InvalidExtensionElement));
        assert_eq!(b.push(1, &[0; 17]), Err(EmitError::InvalidExtensionElement));
        assert!(b.push(1, &[1, 2, 3, 4, 5]).is_ok());
        assert!(matches!(
            b.push(2, &[1, 2]),
            Err(EmitError::BufferTooSmall { .. })
        ));
        assert_eq!(b.as_extension().data, &[0x14, 1, 2, 3, 4, 5, 0, 0]);
        let mut t = ExtensionBuilder::<8>::two_byte(0);
        assert!(t.push(200, &[]).is_ok());
        assert_eq!(t.push(0, &[1]), Err(EmitError::InvalidExtensionElement));
        assert_eq!(t.as_extension().data, &[200, 0, 0, 0]);
        t.clear();
        assert!(t.is_empty());
    }
}
