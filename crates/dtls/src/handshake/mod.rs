//! The DTLS 1.2 handshake protocol's wire formats (RFC 6347 section 4.2, RFC 5246
//! section 7.4): the fragment header, and the message bodies of a full ECDHE handshake.
//!
//! Message bodies are parsed from the *reassembled* body (see [`crate::reassembly`]),
//! never from a fragment. [`HandshakeMessage`] dispatches on the HandshakeType; types this
//! crate does not model (NewSessionTicket, the TLS 1.3 messages...) stay
//! [`HandshakeMessage::Unknown`] with their raw body. ServerKeyExchange and
//! ClientKeyExchange are parsed in their ECDHE form, the only key exchange WebRTC peers
//! negotiate. Left out: the handshake state machine, transcript hashing and all crypto.

mod certificate;
mod header;
mod hello;
mod key_exchange;

pub use certificate::{Asn1Cert, Certificate, CertificateRequest, DistinguishedName};
pub use header::{
    HEADER_LEN, Handshake, HandshakeFragment, HandshakeFragments, HandshakeHeader, MAX_U24,
    parse_whole_message,
};
pub use hello::{
    ClientHello, HelloVerifyRequest, MAX_COOKIE_LEN, MAX_SESSION_ID_LEN, RANDOM_LEN, ServerHello,
};
pub use key_exchange::{
    CertificateVerify, ClientKeyExchange, DigitallySigned, Finished, ServerHelloDone,
    ServerKeyExchange,
};

use crate::bytes::{Reader, Writer};
use crate::codes::HandshakeType;
use crate::{EmitError, ParseError};

/// One reassembled handshake message body, typed by its HandshakeType.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeMessage<'a> {
    /// hello_request (0): empty.
    HelloRequest,
    /// client_hello (1).
    ClientHello(ClientHello<'a>),
    /// server_hello (2).
    ServerHello(ServerHello<'a>),
    /// hello_verify_request (3).
    HelloVerifyRequest(HelloVerifyRequest<'a>),
    /// certificate (11).
    Certificate(Certificate<'a>),
    /// server_key_exchange (12), ECDHE form.
    ServerKeyExchange(ServerKeyExchange<'a>),
    /// certificate_request (13).
    CertificateRequest(CertificateRequest<'a>),
    /// server_hello_done (14): empty.
    ServerHelloDone,
    /// certificate_verify (15).
    CertificateVerify(CertificateVerify<'a>),
    /// client_key_exchange (16), ECDHE form.
    ClientKeyExchange(ClientKeyExchange<'a>),
    /// finished (20).
    Finished(Finished<'a>),
    /// Any other type, with its raw body.
    Unknown {
        /// The message type.
        msg_type: HandshakeType,
        /// The body.
        body: &'a [u8],
    },
}

impl<'a> HandshakeMessage<'a> {
    /// Parses a reassembled body of the given type.
    pub fn parse(msg_type: HandshakeType, body: &'a [u8]) -> Result<Self, ParseError> {
        Ok(match msg_type {
            HandshakeType::HELLO_REQUEST => {
                Reader::new(body).finish()?;
                HandshakeMessage::HelloRequest
            }
            HandshakeType::CLIENT_HELLO => HandshakeMessage::ClientHello(ClientHello::parse(body)?),
            HandshakeType::SERVER_HELLO => HandshakeMessage::ServerHello(ServerHello::parse(body)?),
            HandshakeType::HELLO_VERIFY_REQUEST => {
                HandshakeMessage::HelloVerifyRequest(HelloVerifyRequest::parse(body)?)
            }
            HandshakeType::CERTIFICATE => HandshakeMessage::Certificate(Certificate::parse(body)?),
            HandshakeType::SERVER_KEY_EXCHANGE => {
                HandshakeMessage::ServerKeyExchange(ServerKeyExchange::parse(body)?)
            }
            HandshakeType::CERTIFICATE_REQUEST => {
                HandshakeMessage::CertificateRequest(CertificateRequest::parse(body)?)
            }
            HandshakeType::SERVER_HELLO_DONE => {
                ServerHelloDone::parse(body)?;
                HandshakeMessage::ServerHelloDone
            }
            HandshakeType::CERTIFICATE_VERIFY => {
                HandshakeMessage::CertificateVerify(CertificateVerify::parse(body)?)
            }
            HandshakeType::CLIENT_KEY_EXCHANGE => {
                HandshakeMessage::ClientKeyExchange(ClientKeyExchange::parse(body)?)
            }
            HandshakeType::FINISHED => HandshakeMessage::Finished(Finished::parse(body)?),
            msg_type => HandshakeMessage::Unknown { msg_type, body },
        })
    }

    /// The message's HandshakeType.
    pub fn msg_type(&self) -> HandshakeType {
        match self {
            HandshakeMessage::HelloRequest => HandshakeType::HELLO_REQUEST,
            HandshakeMessage::ClientHello(_) => HandshakeType::CLIENT_HELLO,
            HandshakeMessage::ServerHello(_) => HandshakeType::SERVER_HELLO,
            HandshakeMessage::HelloVerifyRequest(_) => HandshakeType::HELLO_VERIFY_REQUEST,
            HandshakeMessage::Certificate(_) => HandshakeType::CERTIFICATE,
            HandshakeMessage::ServerKeyExchange(_) => HandshakeType::SERVER_KEY_EXCHANGE,
            HandshakeMessage::CertificateRequest(_) => HandshakeType::CERTIFICATE_REQUEST,
            HandshakeMessage::ServerHelloDone => HandshakeType::SERVER_HELLO_DONE,
            HandshakeMessage::CertificateVerify(_) => HandshakeType::CERTIFICATE_VERIFY,
            HandshakeMessage::ClientKeyExchange(_) => HandshakeType::CLIENT_KEY_EXCHANGE,
            HandshakeMessage::Finished(_) => HandshakeType::FINISHED,
            HandshakeMessage::Unknown { msg_type, .. } => *msg_type,
        }
    }

    /// Bytes of the body [`HandshakeMessage::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        match self {
            HandshakeMessage::HelloRequest | HandshakeMessage::ServerHelloDone => 0,
            HandshakeMessage::ClientHello(m) => m.buffer_len(),
            HandshakeMessage::ServerHello(m) => m.buffer_len(),
            HandshakeMessage::HelloVerifyRequest(m) => m.buffer_len(),
            HandshakeMessage::Certificate(m) => m.buffer_len(),
            HandshakeMessage::ServerKeyExchange(m) => m.buffer_len(),
            HandshakeMessage::CertificateRequest(m) => m.buffer_len(),
            HandshakeMessage::CertificateVerify(m) => m.buffer_len(),
            HandshakeMessage::ClientKeyExchange(m) => m.buffer_len(),
            HandshakeMessage::Finished(m) => m.buffer_len(),
            HandshakeMessage::Unknown { body, .. } => body.len(),
        }
    }

    /// Writes the body (no handshake header) into the front of `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        match self {
            HandshakeMessage::HelloRequest | HandshakeMessage::ServerHelloDone => Ok(0),
            HandshakeMessage::ClientHello(m) => m.emit(buf),
            HandshakeMessage::ServerHello(m) => m.emit(buf),
            HandshakeMessage::HelloVerifyRequest(m) => m.emit(buf),
            HandshakeMessage::Certificate(m) => m.emit(buf),
            HandshakeMessage::ServerKeyExchange(m) => m.emit(buf),
            HandshakeMessage::CertificateRequest(m) => m.emit(buf),
            HandshakeMessage::CertificateVerify(m) => m.emit(buf),
            HandshakeMessage::ClientKeyExchange(m) => m.emit(buf),
            HandshakeMessage::Finished(m) => m.emit(buf),
            HandshakeMessage::Unknown { body, .. } => {
                let mut w = Writer::with_len(buf, body.len())?;
                w.bytes(body)?;
                Ok(w.written())
            }
        }
    }

    /// Bytes [`HandshakeMessage::emit_whole`] writes: header plus body.
    #[inline]
    pub fn whole_len(&self) -> usize {
        HEADER_LEN + self.buffer_len()
    }

    /// Writes the message unfragmented: a handshake header with fragment_offset 0 and
    /// fragment_length = length, then the body. This is both what a single-fragment
    /// record carries and what the handshake transcript hashes (RFC 6347 section 4.2.6).
    pub fn emit_whole(&self, message_seq: u16, buf: &mut [u8]) -> Result<usize, EmitError> {
        let len = self.buffer_len();
        if len > MAX_U24 as usize {
            return Err(EmitError::ValueOutOfRange { field: "length" });
        }
        let header = HandshakeHeader::unfragmented(self.msg_type(), message_seq, len as u32);
        let mut w = Writer::with_len(buf, HEADER_LEN + len)?;
        header.write(&mut w)?;
        let body = w.reserve(len)?;
        let n = self.emit(body)?;
        debug_assert_eq!(n, len);
        Ok(HEADER_LEN + n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatch_and_whole() {
        let m = HandshakeMessage::parse(HandshakeType::FINISHED, &[1; 12]).unwrap();
        assert_eq!(m.msg_type(), HandshakeType::FINISHED);
        let mut buf = [0u8; 24];
        assert_eq!(m.emit_whole(5, &mut buf), Ok(24));
        assert_eq!(&buf[..12], &[20, 0, 0, 12, 0, 5, 0, 0, 0, 0, 0, 12]);
        let f = parse_whole_message(&buf).unwrap();
        assert_eq!(HandshakeMessage::parse(f.msg_type, f.fragment), Ok(m));

        let u = HandshakeMessage::parse(HandshakeType::NEW_SESSION_TICKET, &[9, 9]).unwrap();
        assert_eq!(
            u,
            HandshakeMessage::Unknown {
                msg_type: HandshakeType::NEW_SESSION_TICKET,
                body: &[9, 9]
            }
        );
        assert_eq!(
            HandshakeMessage::parse(HandshakeType::SERVER_HELLO_DONE, &[]),
            Ok(HandshakeMessage::ServerHelloDone)
        );
        assert!(HandshakeMessage::parse(HandshakeType::HELLO_REQUEST, &[0]).is_err());
        assert!(HandshakeMessage::parse(HandshakeType::CLIENT_HELLO, &[0xfe]).is_err());
        assert_eq!(
            m.emit_whole(5, &mut [0u8; 23]),
            Err(EmitError::BufferTooSmall {
                needed: 24,
                available: 23
            })
        );
    }
}
