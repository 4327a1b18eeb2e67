//! The STUN message header and a zero-copy view of a whole message.
//!
//! RFC 8489 §5 (message structure), §6 (message types, classes, the magic cookie), §14 (the
//! attribute TLV and its 32-bit padding) and §14.5 / §14.6 / §14.7 (which attributes an agent
//! must ignore after MESSAGE-INTEGRITY).
//!
//! Messages without the magic cookie (the RFC 3489 "classic STUN" format) are refused: ICE and
//! TURN both require the cookie.

use core::fmt;

use crate::attributes::AttrType;
use crate::error::ParseError;

/// The fixed value in bytes 4..8 of every RFC 5389 / RFC 8489 message (RFC 8489 §5).
pub const MAGIC_COOKIE: u32 = 0x2112_A442;

/// Length of the STUN message header in bytes.
pub const HEADER_LEN: usize = 20;

/// Length of an attribute's type-length header in bytes.
pub const ATTR_HEADER_LEN: usize = 4;

mod field {
    use core::ops::Range;
    pub(crate) const TYPE: Range<usize> = 0..2;
    pub(crate) const LENGTH: Range<usize> = 2..4;
    pub(crate) const COOKIE: Range<usize> = 4..8;
    pub(crate) const TRANSACTION_ID: Range<usize> = 8..20;
}

/// The class of a message (RFC 8489 §5): request, indication, success or error response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// A request: expects a response.
    Request,
    /// An indication: no response.
    Indication,
    /// A success response.
    SuccessResponse,
    /// An error response (carries ERROR-CODE).
    ErrorResponse,
}

impl Class {
    const fn bits(self) -> u16 {
        match self {
            Class::Request => 0b00,
            Class::Indication => 0b01,
            Class::SuccessResponse => 0b10,
            Class::ErrorResponse => 0b11,
        }
    }

    const fn from_bits(bits: u16) -> Class {
        match bits & 0b11 {
            0b00 => Class::Request,
            0b01 => Class::Indication,
            0b10 => Class::SuccessResponse,
            _ => Class::ErrorResponse,
        }
    }

    /// True for both response classes.
    pub const fn is_response(self) -> bool {
        matches!(self, Class::SuccessResponse | Class::ErrorResponse)
    }
}

/// A STUN method: a 12-bit code point (RFC 8489 §18.4). Unknown values are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Method(pub u16);

impl Method {
    /// Binding (RFC 8489).
    pub const BINDING: Method = Method(0x001);
    /// Allocate (RFC 8656 §17).
    pub const ALLOCATE: Method = Method(0x003);
    /// Refresh (RFC 8656).
    pub const REFRESH: Method = Method(0x004);
    /// Send (RFC 8656, indication only).
    pub const SEND: Method = Method(0x006);
    /// Data (RFC 8656, indication only).
    pub const DATA: Method = Method(0x007);
    /// CreatePermission (RFC 8656).
    pub const CREATE_PERMISSION: Method = Method(0x008);
    /// ChannelBind (RFC 8656).
    pub const CHANNEL_BIND: Method = Method(0x009);

    /// The largest method value that fits the 12 bits of the message type.
    pub const MAX: u16 = 0x0FFF;
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Method::BINDING => f.write_str("Binding"),
            Method::ALLOCATE => f.write_str("Allocate"),
            Method::REFRESH => f.write_str("Refresh"),
            Method::SEND => f.write_str("Send"),
            Method::DATA => f.write_str("Data"),
            Method::CREATE_PERMISSION => f.write_str("CreatePermission"),
            Method::CHANNEL_BIND => f.write_str("ChannelBind"),
            Method(m) => write!(f, "Method({m:#05x})"),
        }
    }
}

/// The 14-bit message type: a method and a class interleaved (RFC 8489 §5, figure 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageType {
    /// The method.
    pub method: Method,
    /// The class.
    pub class: Class,
}

impl MessageType {
    /// A Binding request.
    pub const BINDING_REQUEST: MessageType = MessageType::new(Method::BINDING, Class::Request);
    /// A Binding success response.
    pub const BINDING_SUCCESS: MessageType =
        MessageType::new(Method::BINDING, Class::SuccessResponse);

    /// A message type from its parts. Methods above [`Method::MAX`] are truncated to 12 bits.
    pub const fn new(method: Method, class: Class) -> MessageType {
        MessageType {
            method: Method(method.0 & Method::MAX),
            class,
        }
    }

    /// Decode the 16-bit type field; the top two bits must already be known to be zero.
    pub const fn from_u16(value: u16) -> MessageType {
        let m = value & 0x3EEF; // clear the two class bits (C1 at bit 8, C0 at bit 4)
        let method = (m & 0x000F) | ((m & 0x00E0) >> 1) | ((m & 0x3E00) >> 2);
        let class = ((value >> 7) & 0b10) | ((value >> 4) & 0b01);
        MessageType {
            method: Method(method),
            class: Class::from_bits(class),
        }
    }

    /// Encode as the 16-bit type field.
    pub const fn to_u16(self) -> u16 {
        let m = self.method.0 & Method::MAX;
        let c = self.class.bits();
        (m & 0x000F)
            | ((m & 0x0070) << 1)
            | ((m & 0x0F80) << 2)
            | ((c & 0b01) << 4)
            | ((c & 0b10) << 7)
    }
}

/// The 96-bit transaction id (RFC 8489 §5).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TransactionId(pub [u8; 12]);

impl TransactionId {
    /// A new transaction id from a cryptographically secure source, as RFC 8489 §5 asks.
    ///
    /// Tests that need determinism build ids with [`TransactionId::from`] instead.
    pub fn random<R: crate::Rng + ?Sized>(rng: &mut R) -> TransactionId {
        let mut id = [0u8; 12];
        rng.fill(&mut id);
        TransactionId(id)
    }

    /// The id's bytes.
    pub const fn as_bytes(&self) -> &[u8; 12] {
        &self.0
    }
}

impl From<[u8; 12]> for TransactionId {
    fn from(bytes: [u8; 12]) -> Self {
        TransactionId(bytes)
    }
}

impl fmt::Debug for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TransactionId(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// One attribute as it sits in a message: its type, its value (without padding) and where
/// its header starts in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawAttribute<'a> {
    /// The attribute type.
    pub attr_type: AttrType,
    /// The value bytes, without the padding that follows them.
    pub value: &'a [u8],
    /// Byte offset of the attribute's type field from the start of the message.
    pub offset: usize,
}

/// A zero-copy view of a STUN message.
///
/// [`Message::new_checked`] validates the header and walks the attribute list once; after
/// that, no accessor can panic and iteration cannot fail.
#[derive(Debug, Clone, Copy)]
pub struct Message<T: AsRef<[u8]>> {
    buffer: T,
}

/// Tells whether `bytes` starts like a STUN message (RFC 7983 demultiplexing plus the magic
/// cookie), without validating the rest. Useful to sort datagrams on a shared socket.
pub fn is_stun(bytes: &[u8]) -> bool {
    bytes.len() >= HEADER_LEN
        && bytes[0] & 0xC0 == 0
        && bytes[field::COOKIE] == MAGIC_COOKIE.to_be_bytes()
}

/// For stream transports: the total length of the message at the start of `bytes`, once its
/// header is there (RFC 8489 §6.2.2 framing by the length field). `None` if fewer than 20
/// bytes are available or the header is not STUN.
pub fn message_len(bytes: &[u8]) -> Option<usize> {
    if !is_stun(bytes) {
        return None;
    }
    Some(HEADER_LEN + usize::from(u16::from_be_bytes([bytes[2], bytes[3]])))
}

impl<T: AsRef<[u8]>> Message<T> {
    /// Wrap a buffer without validating it. Accessors may panic on a bad buffer: use
    /// [`Message::new_checked`] for anything from the network.
    pub const fn new_unchecked(buffer: T) -> Message<T> {
        Message { buffer }
    }

    /// Wrap and validate a buffer that holds exactly one STUN message.
    pub fn new_checked(buffer: T) -> Result<Message<T>, ParseError> {
        let message = Message::new_unchecked(buffer);
        message.check()?;
        Ok(message)
    }

    fn check(&self) -> Result<(), ParseError> {
        let data = self.buffer.as_ref();
        if data.len() < HEADER_LEN {
            return Err(ParseError::Truncated { len: data.len() });
        }
        if data[0] & 0xC0 != 0 {
            return Err(ParseError::NotStun);
        }
        if data[field::COOKIE] != MAGIC_COOKIE.to_be_bytes() {
            return Err(ParseError::BadMagicCookie);
        }
        let length = usize::from(u16::from_be_bytes([data[2], data[3]]));
        if length % 4 != 0 {
            return Err(ParseError::UnalignedLength { length });
        }
        if HEADER_LEN + length != data.len() {
            return Err(ParseError::LengthMismatch {
                header: length,
                actual: data.len() - HEADER_LEN,
            });
        }
        let mut offset = HEADER_LEN;
        while offset < data.len() {
            if data.len() - offset < ATTR_HEADER_LEN {
                return Err(ParseError::TruncatedAttribute { offset });
            }
            let value_len = usize::from(u16::from_be_bytes([data[offset + 2], data[offset + 3]]));
            let padded = padded_len(value_len);
            if data.len() - offset - ATTR_HEADER_LEN < padded {
                return Err(ParseError::TruncatedAttribute { offset });
            }
            offset += ATTR_HEADER_LEN + padded;
        }
        Ok(())
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole message as bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// The message type (method and class).
    #[inline]
    pub fn message_type(&self) -> MessageType {
        let d = self.buffer.as_ref();
        MessageType::from_u16(u16::from_be_bytes([
            d[field::TYPE.start],
            d[field::TYPE.start + 1],
        ]))
    }

    /// The message class.
    #[inline]
    pub fn class(&self) -> Class {
        self.message_type().class
    }

    /// The message method.
    #[inline]
    pub fn method(&self) -> Method {
        self.message_type().method
    }

    /// The length field: bytes of attributes after the header.
    #[inline]
    pub fn length(&self) -> u16 {
        let d = self.buffer.as_ref();
        u16::from_be_bytes([d[field::LENGTH.start], d[field::LENGTH.start + 1]])
    }

    /// The transaction id.
    #[inline]
    pub fn transaction_id(&self) -> TransactionId {
        let mut id = [0u8; 12];
        id.copy_from_slice(&self.buffer.as_ref()[field::TRANSACTION_ID]);
        TransactionId(id)
    }

    /// Every attribute in wire order, including those an agent must ignore (see
    /// [`Message::attributes`]).
    #[inline]
    pub fn raw_attributes(&self) -> RawAttributes<'_> {
        RawAttributes {
            data: self.buffer.as_ref(),
            offset: HEADER_LEN,
            seen_integrity: None,
            skip_after_integrity: false,
        }
    }

    /// The attributes an agent acts on, in wire order: everything up to and including
    /// MESSAGE-INTEGRITY, then only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT (RFC 8489 §14.5,
    /// §14.6). If only MESSAGE-INTEGRITY-SHA256 is present, only FINGERPRINT may follow it.
    #[inline]
    pub fn attributes(&self) -> RawAttributes<'_> {
        RawAttributes {
            data: self.buffer.as_ref(),
            offset: HEADER_LEN,
            seen_integrity: None,
            skip_after_integrity: true,
        }
    }

    /// The first attribute of `attr_type` among [`Message::attributes`].
    #[inline]
    pub fn get(&self, attr_type: AttrType) -> Option<RawAttribute<'_>> {
        self.attributes().find(|a| a.attr_type == attr_type)
    }

    /// Parse the first attribute of `attr_type` into its typed form.
    pub fn get_typed(
        &self,
        attr_type: AttrType,
    ) -> Option<Result<crate::Attribute<'_>, crate::AttributeError>> {
        let raw = self.get(attr_type)?;
        Some(crate::Attribute::parse(
            raw.attr_type,
            raw.value,
            &self.transaction_id(),
        ))
    }

    /// Comprehension-required attribute types (0x0000..=0x7FFF) that this crate does not know,
    /// among [`Message::attributes`]. A server answers a request that has any with a 420
    /// (Unknown Attribute) response listing them in UNKNOWN-ATTRIBUTES (RFC 8489 §6.3.1).
    pub fn unknown_comprehension_required(&self) -> impl Iterator<Item = AttrType> + '_ {
        self.attributes()
            .map(|a| a.attr_type)
            .filter(|t| t.is_comprehension_required() && !t.is_known())
    }
}

/// Padded length of an attribute value (RFC 8489 §14: values are padded to 32 bits).
#[inline]
pub const fn padded_len(len: usize) -> usize {
    (len + 3) & !3
}

/// Iterator over the attributes of a validated [`Message`].
#[derive(Debug, Clone)]
pub struct RawAttributes<'a> {
    data: &'a [u8],
    offset: usize,
    /// The first integrity attribute seen, if any.
    seen_integrity: Option<AttrType>,
    skip_after_integrity: bool,
}

impl<'a> RawAttributes<'a> {
    /// Every attribute of an already validated message buffer.
    pub(crate) fn all(data: &'a [u8]) -> RawAttributes<'a> {
        RawAttributes {
            data,
            offset: HEADER_LEN,
            seen_integrity: None,
            skip_after_integrity: false,
        }
    }
}

impl<'a> Iterator for RawAttributes<'a> {
    type Item = RawAttribute<'a>;

    #[inline]
    fn next(&mut self) -> Option<RawAttribute<'a>> {
        loop {
            let header = self.data.get(self.offset..self.offset + ATTR_HEADER_LEN)?;
            let attr_type = AttrType(u16::from_be_bytes([header[0], header[1]]));
            let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
            let start = self.offset + ATTR_HEADER_LEN;
            let value = self.data.get(start..start + len)?;
            let offset = self.offset;
            self.offset = start + padded_len(len);
            if self.skip_after_integrity {
                if let Some(first) = self.seen_integrity {
                    // Once an integrity attribute has been seen, only FINGERPRINT and a
                    // MESSAGE-INTEGRITY-SHA256 following MESSAGE-INTEGRITY are looked at.
                    let allowed = attr_type == AttrType::FINGERPRINT
                        || (attr_type == AttrType::MESSAGE_INTEGRITY_SHA256
                            && first == AttrType::MESSAGE_INTEGRITY);
                    if !allowed {
                        continue;
                    }
                } else if attr_type == AttrType::MESSAGE_INTEGRITY
                    || attr_type == AttrType::MESSAGE_INTEGRITY_SHA256
                {
                    self.seen_integrity = Some(attr_type);
                }
            }
            return Some(RawAttribute {
                attr_type,
                value,
                offset,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_type_layout_matches_rfc_figure() {
        // RFC 8489 §5: a Binding request is 0x0001, success 0x0101, error 0x0111,
        // indication 0x0011.
        assert_eq!(
            MessageType::new(Method::BINDING, Class::Request).to_u16(),
            0x0001
        );
        assert_eq!(
            MessageType::new(Method::BINDING, Class::SuccessResponse).to_u16(),
            0x0101
        );
        assert_eq!(
            MessageType::new(Method::BINDING, Class::ErrorResponse).to_u16(),
            0x0111
        );
        assert_eq!(
            MessageType::new(Method::BINDING, Class::Indication).to_u16(),
            0x0011
        );
        // TURN: Allocate request 0x0003, Data indication 0x0017, ChannelBind success 0x0109.
        assert_eq!(
            MessageType::new(Method::ALLOCATE, Class::Request).to_u16(),
            0x0003
        );
        assert_eq!(
            MessageType::new(Method::DATA, Class::Indication).to_u16(),
            0x0017
        );
        assert_eq!(
            MessageType::new(Method::CHANNEL_BIND, Class::SuccessResponse).to_u16(),
            0x0109
        );
    }

    #[test]
    fn message_type_round_trips_all_values() {
        for method in 0..=Method::MAX {
            for class in [
                Class::Request,
                Class::Indication,
                Class::SuccessResponse,
                Class::ErrorResponse,
            ] {
                let t = MessageType::new(Method(method), class);
                let v = t.to_u16();
                assert_eq!(v & 0xC000, 0);
                assert_eq!(MessageType::from_u16(v), t);
            }
        }
    }

    fn header(len: u16) -> Vec<u8> {
        let mut v = vec![0x00, 0x01];
        v.extend_from_slice(&len.to_be_bytes());
        v.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        v.extend_from_slice(&[7; 12]);
        v
    }

    #[test]
    fn rejects_bad_headers() {
        assert!(matches!(
            Message::new_checked(&[0u8; 19][..]),
            Err(ParseError::Truncated { .. })
        ));
        let mut h = header(0);
        h[0] = 0x80;
        assert!(matches!(
            Message::new_checked(&h[..]),
            Err(ParseError::NotStun)
        ));
        let mut h = header(0);
        h[4] = 0;
        assert!(matches!(
            Message::new_checked(&h[..]),
            Err(ParseError::BadMagicCookie)
        ));
        let h = header(2);
        assert!(matches!(
            Message::new_checked(&h[..]),
            Err(ParseError::UnalignedLength { .. })
        ));
        let h = header(4);
        assert!(matches!(
            Message::new_checked(&h[..]),
            Err(ParseError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn rejects_attribute_overrunning_message() {
        let mut h = header(8);
        // attribute claims 5 bytes of value: needs 8 padded, only 4 left
        h.extend_from_slice(&[0x80, 0x22, 0x00, 0x05, 1, 2, 3, 4]);
        assert!(matches!(
            Message::new_checked(&h[..]),
            Err(ParseError::TruncatedAttribute { offset: 20 })
        ));
    }

    #[test]
    fn iterates_attributes_with_padding() {
        let mut h = header(16);
        h.extend_from_slice(&[0x80, 0x22, 0x00, 0x03, b'a', b'b', b'c', 0]);
        h.extend_from_slice(&[0x00, 0x24, 0x00, 0x04, 0, 0, 0, 9]);
        let m = Message::new_checked(&h[..]).unwrap();
        let attrs: Vec<_> = m.attributes().collect();
        assert_eq!(attrs.len(), 2);
        assert_eq!(attrs[0].attr_type, AttrType::SOFTWARE);
        assert_eq!(attrs[0].value, b"abc");
        assert_eq!(attrs[1].attr_type, AttrType::PRIORITY);
        assert_eq!(attrs[1].offset, 28);
        assert_eq!(m.transaction_id(), TransactionId([7; 12]));
        assert_eq!(m.message_type(), MessageType::BINDING_REQUEST);
    }

    #[test]
    fn ignores_attributes_after_integrity_except_fingerprint() {
        let mut h = header(4 + 20 + 8 + 8);
        h.extend_from_slice(&[0x00, 0x08, 0x00, 0x14]);
        h.extend_from_slice(&[0; 20]);
        h.extend_from_slice(&[0x80, 0x22, 0x00, 0x04, b'x', b'y', b'z', b'w']);
        h.extend_from_slice(&[0x80, 0x28, 0x00, 0x04, 0, 0, 0, 0]);
        let m = Message::new_checked(&h[..]).unwrap();
        let seen: Vec<_> = m.attributes().map(|a| a.attr_type).collect();
        assert_eq!(seen, [AttrType::MESSAGE_INTEGRITY, AttrType::FINGERPRINT]);
        assert_eq!(m.raw_attributes().count(), 3);
        assert!(m.get(AttrType::SOFTWARE).is_none());
    }

    #[test]
    fn message_len_frames_streams() {
        let h = header(8);
        assert_eq!(message_len(&h), Some(28));
        assert_eq!(message_len(&h[..10]), None);
        assert!(is_stun(&h));
        assert!(!is_stun(&[0x16; 40]));
    }
}
