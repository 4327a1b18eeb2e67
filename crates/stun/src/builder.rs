//! Building messages: an appending [`MessageBuilder`] that computes integrity and
//! fingerprint, and a [`MessageRepr`] for the smoltcp-style parse / buffer_len / emit cycle.

use core::borrow::BorrowMut;

use crate::attributes::{AttrType, Attribute};
use crate::error::{BuildError, ParseError};
use crate::integrity::{IntegrityKey, MESSAGE_INTEGRITY_LEN, covered, fingerprint};
use crate::message::{
    ATTR_HEADER_LEN, HEADER_LEN, MAGIC_COOKIE, Message, MessageType, RawAttributes, TransactionId,
    padded_len,
};

/// Builds one message by appending attributes, keeping the header's length field current.
///
/// `MessageBuilder::new` owns its buffer; [`MessageBuilder::append_to`] appends a message to a
/// caller's `Vec<u8>` so that one allocation serves many messages.
///
/// ```
/// use strata_stun::{Attribute, IntegrityKey, Message, MessageBuilder, MessageType, TransactionId};
///
/// let key = IntegrityKey::short_term("pass")?;
/// let mut b = MessageBuilder::new(MessageType::BINDING_SUCCESS, TransactionId([1; 12]));
/// b.add(&Attribute::XorMappedAddress("192.0.2.1:4444".parse()?))?;
/// b.add_message_integrity(&key)?;
/// b.add_fingerprint()?;
/// let bytes = b.finish();
///
/// let m = Message::new_checked(&bytes[..])?;
/// m.verify_integrity(&key)?;
/// m.verify_fingerprint()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MessageBuilder<B: BorrowMut<Vec<u8>> = Vec<u8>> {
    buf: B,
    start: usize,
    transaction_id: TransactionId,
    sealed: bool,
}

impl MessageBuilder<Vec<u8>> {
    /// Start a message in a new buffer.
    pub fn new(
        message_type: MessageType,
        transaction_id: TransactionId,
    ) -> MessageBuilder<Vec<u8>> {
        MessageBuilder::with_buffer(Vec::with_capacity(128), message_type, transaction_id)
    }
}

impl<'v> MessageBuilder<&'v mut Vec<u8>> {
    /// Start a message at the end of `buf`.
    pub fn append_to(
        buf: &'v mut Vec<u8>,
        message_type: MessageType,
        transaction_id: TransactionId,
    ) -> MessageBuilder<&'v mut Vec<u8>> {
        MessageBuilder::with_buffer(buf, message_type, transaction_id)
    }
}

impl<B: BorrowMut<Vec<u8>>> MessageBuilder<B> {
    fn with_buffer(mut buf: B, message_type: MessageType, transaction_id: TransactionId) -> Self {
        let v = buf.borrow_mut();
        let start = v.len();
        v.extend_from_slice(&message_type.to_u16().to_be_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        v.extend_from_slice(&transaction_id.0);
        MessageBuilder {
            buf,
            start,
            transaction_id,
            sealed: false,
        }
    }

    /// The transaction id of the message being built.
    pub fn transaction_id(&self) -> TransactionId {
        self.transaction_id
    }

    /// The message built so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf.borrow()[self.start..]
    }

    /// Append a typed attribute. Text values are checked against the RFC's limits.
    pub fn add(&mut self, attribute: &Attribute<'_>) -> Result<(), BuildError> {
        check_limits(attribute)?;
        let len = attribute.value_len();
        let tid = self.transaction_id;
        let at = self.reserve(attribute.attr_type(), len)?;
        let v = self.buf.borrow_mut();
        attribute.emit_value(&mut v[at..at + len], &tid);
        Ok(())
    }

    /// Append an attribute from its raw value.
    pub fn add_raw(&mut self, attr_type: AttrType, value: &[u8]) -> Result<(), BuildError> {
        let at = self.reserve(attr_type, value.len())?;
        self.buf.borrow_mut()[at..at + value.len()].copy_from_slice(value);
        Ok(())
    }

    /// Append MESSAGE-INTEGRITY (HMAC-SHA1 with `key`) over everything so far.
    pub fn add_message_integrity(&mut self, key: &IntegrityKey) -> Result<(), BuildError> {
        let at = self.reserve(AttrType::MESSAGE_INTEGRITY, MESSAGE_INTEGRITY_LEN)?;
        let v = &mut self.buf.borrow_mut()[self.start..];
        let offset = at - self.start - ATTR_HEADER_LEN;
        let (t, len, rest, _) = covered(v, offset, ATTR_HEADER_LEN + MESSAGE_INTEGRITY_LEN);
        let tag = key.sign_sha1([&t, &len, rest]);
        v[offset + ATTR_HEADER_LEN..offset + ATTR_HEADER_LEN + MESSAGE_INTEGRITY_LEN]
            .copy_from_slice(tag.as_ref());
        Ok(())
    }

    /// Append MESSAGE-INTEGRITY-SHA256 truncated to `len` bytes (16, 20, 24, 28 or 32).
    pub fn add_message_integrity_sha256(
        &mut self,
        key: &IntegrityKey,
        len: usize,
    ) -> Result<(), BuildError> {
        if !(16..=32).contains(&len) || !len.is_multiple_of(4) {
            return Err(BuildError::BadIntegrityLength(len));
        }
        let at = self.reserve(AttrType::MESSAGE_INTEGRITY_SHA256, len)?;
        let v = &mut self.buf.borrow_mut()[self.start..];
        let offset = at - self.start - ATTR_HEADER_LEN;
        let (t, l, rest, _) = covered(v, offset, ATTR_HEADER_LEN + len);
        let tag = key.sign_sha256([&t, &l, rest]);
        v[offset + ATTR_HEADER_LEN..offset + ATTR_HEADER_LEN + len]
            .copy_from_slice(&tag.as_ref()[..len]);
        Ok(())
    }

    /// Append FINGERPRINT. Nothing may be added after it.
    pub fn add_fingerprint(&mut self) -> Result<(), BuildError> {
        let at = self.reserve(AttrType::FINGERPRINT, 4)?;
        let v = &mut self.buf.borrow_mut()[self.start..];
        let offset = at - self.start - ATTR_HEADER_LEN;
        let crc = fingerprint(v, offset);
        v[offset + ATTR_HEADER_LEN..offset + ATTR_HEADER_LEN + 4]
            .copy_from_slice(&crc.to_be_bytes());
        self.sealed = true;
        Ok(())
    }

    /// Finish and return the buffer (for [`MessageBuilder::append_to`], the caller's `Vec`
    /// reference, now holding the message at its end).
    pub fn finish(self) -> B {
        self.buf
    }

    /// Append a zeroed, padded attribute and return the offset of its value in the buffer.
    fn reserve(&mut self, attr_type: AttrType, len: usize) -> Result<usize, BuildError> {
        if self.sealed {
            return Err(BuildError::AfterFingerprint);
        }
        let start = self.start;
        let v = self.buf.borrow_mut();
        let body = v.len() - start - HEADER_LEN;
        let new_body = body + ATTR_HEADER_LEN + padded_len(len);
        if len > usize::from(u16::MAX) || new_body > usize::from(u16::MAX) {
            return Err(BuildError::MessageTooLong);
        }
        v.extend_from_slice(&attr_type.0.to_be_bytes());
        v.extend_from_slice(&(len as u16).to_be_bytes());
        let at = v.len();
        v.resize(at + padded_len(len), 0);
        v[start + 2..start + 4].copy_from_slice(&(new_body as u16).to_be_bytes());
        Ok(at)
    }
}

/// Values that could not be parsed back: error codes outside 300..=699, bad
/// MESSAGE-INTEGRITY-SHA256 lengths.
fn check_structure(a: &Attribute<'_>) -> Result<(), BuildError> {
    match a {
        Attribute::ErrorCode(e) | Attribute::AddressErrorCode { error: e, .. }
            if !(300..=699).contains(&e.code) =>
        {
            Err(BuildError::BadErrorCode(e.code))
        }
        Attribute::MessageIntegritySha256(v)
            if !(16..=32).contains(&v.len()) || v.len() % 4 != 0 =>
        {
            Err(BuildError::BadIntegrityLength(v.len()))
        }
        _ => Ok(()),
    }
}

/// Character and byte limits of RFC 8489 §14.3, §14.8 - §14.10, §14.14, §14.16.
fn check_limits(a: &Attribute<'_>) -> Result<(), BuildError> {
    let too_long = |attr_type, limit| Err(BuildError::TextTooLong { attr_type, limit });
    match a {
        Attribute::Username(s) if s.len() >= 509 => too_long(AttrType::USERNAME, 508),
        Attribute::Realm(s)
        | Attribute::Nonce(s)
        | Attribute::Software(s)
        | Attribute::AlternateDomain(s)
            if s.len() > 763 || s.chars().count() >= 128 =>
        {
            too_long(a.attr_type(), 127)
        }
        Attribute::ErrorCode(e) | Attribute::AddressErrorCode { error: e, .. } => {
            if !(300..=699).contains(&e.code) {
                Err(BuildError::BadErrorCode(e.code))
            } else if e.reason.len() > 763 || e.reason.chars().count() >= 128 {
                too_long(a.attr_type(), 127)
            } else {
                Ok(())
            }
        }
        Attribute::MessageIntegritySha256(v)
            if !(16..=32).contains(&v.len()) || v.len() % 4 != 0 =>
        {
            Err(BuildError::BadIntegrityLength(v.len()))
        }
        _ => Ok(()),
    }
}

/// A whole message as typed values: `parse` from a [`Message`], `buffer_len`, `emit`.
///
/// Integrity and fingerprint attributes are carried as values: `emit` writes them as they
/// are and does not recompute them (use [`MessageBuilder`] to sign).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRepr<'a> {
    /// Method and class.
    pub message_type: MessageType,
    /// Transaction id.
    pub transaction_id: TransactionId,
    /// Every attribute in wire order, including those after MESSAGE-INTEGRITY.
    pub attributes: Vec<Attribute<'a>>,
}

impl<'a> MessageRepr<'a> {
    /// Parse every attribute of a validated message.
    pub fn parse(message: Message<&'a [u8]>) -> Result<MessageRepr<'a>, ParseError> {
        let tid = message.transaction_id();
        let message_type = message.message_type();
        let attributes = RawAttributes::all(message.into_inner())
            .map(|raw| Attribute::parse(raw.attr_type, raw.value, &tid))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(MessageRepr {
            message_type,
            transaction_id: tid,
            attributes,
        })
    }

    /// Bytes [`MessageRepr::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
            + self
                .attributes
                .iter()
                .map(|a| ATTR_HEADER_LEN + padded_len(a.value_len()))
                .sum::<usize>()
    }

    /// Write the message to the start of `out`, which must hold [`MessageRepr::buffer_len`]
    /// bytes. Fails if the message would not fit the 16-bit length field.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        let total = self.buffer_len();
        if total - HEADER_LEN > usize::from(u16::MAX)
            || self.attributes.iter().any(|a| a.value_len() > 0xFFFF)
        {
            return Err(BuildError::MessageTooLong);
        }
        for a in &self.attributes {
            check_structure(a)?;
        }
        assert!(
            out.len() >= total,
            "emit buffer of {} bytes, need {total}",
            out.len()
        );
        out[0..2].copy_from_slice(&self.message_type.to_u16().to_be_bytes());
        out[2..4].copy_from_slice(&((total - HEADER_LEN) as u16).to_be_bytes());
        out[4..8].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
        out[8..20].copy_from_slice(&self.transaction_id.0);
        let mut at = HEADER_LEN;
        for a in &self.attributes {
            let len = a.value_len();
            out[at..at + 2].copy_from_slice(&a.attr_type().0.to_be_bytes());
            out[at + 2..at + 4].copy_from_slice(&(len as u16).to_be_bytes());
            at += ATTR_HEADER_LEN;
            a.emit_value(&mut out[at..at + len], &self.transaction_id);
            out[at + len..at + padded_len(len)].fill(0);
            at += padded_len(len);
        }
        Ok(total)
    }

    /// Emit into a new `Vec`.
    pub fn to_vec(&self) -> Result<Vec<u8>, BuildError> {
        let mut v = vec![0; self.buffer_len()];
        self.emit(&mut v)?;
        Ok(v)
    }
}
