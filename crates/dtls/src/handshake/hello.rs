//! The hello messages: ClientHello (RFC 5246 section 7.4.1.2 with the cookie RFC 6347
//! section 4.2.1 adds), ServerHello (RFC 5246 section 7.4.1.3) and HelloVerifyRequest
//! (RFC 6347 section 4.2.1).
//!
//! The trailing extensions block is optional in both hellos: a message without one parses
//! to an empty list, and an empty list is written as no block at all. Left out: version
//! negotiation and cookie generation or checking (the handshake's job).

use crate::EmitError;
use crate::ParseError;
use crate::bytes::{Reader, Writer};
use crate::codes::{CipherSuite, CompressionMethod, ProtocolVersion};
use crate::extensions::{
    Extensions, extensions_block_len, read_extensions_block, write_extensions_block,
};
use crate::list::List;

/// Length of the Random structure.
pub const RANDOM_LEN: usize = 32;
/// The longest session_id (RFC 5246 section 7.4.1.2: `<0..32>`).
pub const MAX_SESSION_ID_LEN: usize = 32;
/// The longest cookie (RFC 6347 section 4.2.1: `<0..2^8-1>`).
pub const MAX_COOKIE_LEN: usize = 255;

/// A ClientHello body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientHello<'a> {
    /// client_version: the highest version the client offers in the legacy field
    /// (DTLS 1.2 even when supported_versions offers 1.3).
    pub client_version: ProtocolVersion,
    /// random: 32 bytes.
    pub random: [u8; RANDOM_LEN],
    /// session_id `<0..32>`.
    pub session_id: &'a [u8],
    /// cookie `<0..2^8-1>`: empty on a first ClientHello, echoed from a
    /// HelloVerifyRequest otherwise.
    pub cookie: &'a [u8],
    /// cipher_suites `<2..2^16-2>` bytes, in preference order.
    pub cipher_suites: List<'a, CipherSuite>,
    /// compression_methods `<1..2^8-1>`: DTLS peers send only null.
    pub compression_methods: List<'a, CompressionMethod>,
    /// The extensions (empty when the message has none).
    pub extensions: Extensions<'a>,
}

impl<'a> ClientHello<'a> {
    /// Parses a reassembled ClientHello body.
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        let client_version = ProtocolVersion(r.u16()?);
        let random = r.array::<RANDOM_LEN>()?;
        let session_id = r.vec8(0, MAX_SESSION_ID_LEN, "session_id")?;
        let cookie = r.vec8(0, MAX_COOKIE_LEN, "cookie")?;
        let suites = r.vec16(2, 0xfffe, "cipher_suites")?;
        if suites.len() % 2 != 0 {
            return Err(ParseError::InvalidLength {
                field: "cipher_suites",
            });
        }
        let compression = r.vec8(1, 0xff, "compression_methods")?;
        let extensions = read_extensions_block(&mut r)?;
        r.finish()?;
        Ok(Self {
            client_version,
            random,
            session_id,
            cookie,
            cipher_suites: List::Wire(suites),
            compression_methods: List::Wire(compression),
            extensions,
        })
    }

    /// Bytes [`ClientHello::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        2 + RANDOM_LEN
            + 1
            + self.session_id.len()
            + 1
            + self.cookie.len()
            + 2
            + self.cipher_suites.wire_len()
            + 1
            + self.compression_methods.wire_len()
            + extensions_block_len(&self.extensions)
    }

    /// Writes the body into the front of `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, self.buffer_len())?;
        w.u16(self.client_version.0)?;
        w.bytes(&self.random)?;
        w.opaque(1, 0, MAX_SESSION_ID_LEN, "session_id", self.session_id)?;
        w.opaque(1, 0, MAX_COOKIE_LEN, "cookie", self.cookie)?;
        w.vec(2, 2, 0xfffe, "cipher_suites", |w| {
            self.cipher_suites.write_to(w)
        })?;
        w.vec(1, 1, 0xff, "compression_methods", |w| {
            self.compression_methods.write_to(w)
        })?;
        write_extensions_block(&mut w, &self.extensions)?;
        Ok(w.written())
    }
}

/// A ServerHello body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerHello<'a> {
    /// server_version: the version chosen.
    pub server_version: ProtocolVersion,
    /// random: 32 bytes.
    pub random: [u8; RANDOM_LEN],
    /// session_id `<0..32>`.
    pub session_id: &'a [u8],
    /// The cipher suite chosen.
    pub cipher_suite: CipherSuite,
    /// The compression method chosen (null).
    pub compression_method: CompressionMethod,
    /// The extensions (empty when the message has none).
    pub extensions: Extensions<'a>,
}

impl<'a> ServerHello<'a> {
    /// Parses a reassembled ServerHello body.
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        let server_version = ProtocolVersion(r.u16()?);
        let random = r.array::<RANDOM_LEN>()?;
        let session_id = r.vec8(0, MAX_SESSION_ID_LEN, "session_id")?;
        let cipher_suite = CipherSuite(r.u16()?);
        let compression_method = CompressionMethod(r.u8()?);
        let extensions = read_extensions_block(&mut r)?;
        r.finish()?;
        Ok(Self {
            server_version,
            random,
            session_id,
            cipher_suite,
            compression_method,
            extensions,
        })
    }

    /// Bytes [`ServerHello::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        2 + RANDOM_LEN + 1 + self.session_id.len() + 3 + extensions_block_len(&self.extensions)
    }

    /// Writes the body into the front of `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, self.buffer_len())?;
        w.u16(self.server_version.0)?;
        w.bytes(&self.random)?;
        w.opaque(1, 0, MAX_SESSION_ID_LEN, "session_id", self.session_id)?;
        w.u16(self.cipher_suite.0)?;
        w.u8(self.compression_method.0)?;
        write_extensions_block(&mut w, &self.extensions)?;
        Ok(w.written())
    }
}

/// A HelloVerifyRequest body (RFC 6347 section 4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelloVerifyRequest<'a> {
    /// server_version: RFC 6347 recommends DTLS 1.0 here whatever version is negotiated
    /// later.
    pub server_version: ProtocolVersion,
    /// cookie `<0..2^8-1>`.
    pub cookie: &'a [u8],
}

impl<'a> HelloVerifyRequest<'a> {
    /// Parses a HelloVerifyRequest body.
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        let server_version = ProtocolVersion(r.u16()?);
        let cookie = r.vec8(0, MAX_COOKIE_LEN, "cookie")?;
        r.finish()?;
        Ok(Self {
            server_version,
            cookie,
        })
    }

    /// Bytes [`HelloVerifyRequest::emit`] writes.
    #[inline]
    pub fn buffer_len(&self) -> usize {
        3 + self.cookie.len()
    }

    /// Writes the body into the front of `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, self.buffer_len())?;
        w.u16(self.server_version.0)?;
        w.opaque(1, 0, MAX_COOKIE_LEN, "cookie", self.cookie)?;
        Ok(w.written())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::ExtensionType;
    use crate::extensions::Extension;
    use crate::extensions::tests::{OwnedExt, arb_exts};
    use proptest::prelude::*;

    fn sample_client_hello() -> Vec<u8> {
        let mut b = vec![0xfe, 0xfd];
        b.extend((0u8..32).collect::<Vec<_>>());
        b.push(0); // session_id
        b.extend([4, 1, 2, 3, 4]); // cookie
        b.extend([0, 4, 0xc0, 0x2b, 0xc0, 0x2f]); // cipher_suites
        b.extend([1, 0]); // compression_methods
        b.extend([0, 4, 0x00, 0x17, 0x00, 0x00]); // extended_master_secret
        b
    }

    #[test]
    fn client_hello_deconstruct() {
        let bytes = sample_client_hello();
        let ch = ClientHello::parse(&bytes).unwrap();
        assert_eq!(ch.client_version, ProtocolVersion::DTLS_1_2);
        assert_eq!(ch.random[31], 31);
        assert!(ch.session_id.is_empty());
        assert_eq!(ch.cookie, &[1, 2, 3, 4]);
        assert_eq!(
            ch.cipher_suites.iter().collect::<Vec<_>>(),
            [
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
            ]
        );
        assert!(ch.compression_methods.contains(&CompressionMethod::NULL));
        assert!(ch.extensions.has_extended_master_secret());
        let mut out = vec![0u8; ch.buffer_len()];
        assert_eq!(ch.emit(&mut out), Ok(bytes.len()));
        assert_eq!(out, bytes);
    }

    #[test]
    fn client_hello_without_extensions() {
        let bytes = sample_client_hello();
        let ch = ClientHello::parse(&bytes[..bytes.len() - 6]).unwrap();
        assert!(ch.extensions.is_empty());
        assert_eq!(ch.buffer_len(), bytes.len() - 6);
    }

    #[test]
    fn client_hello_impossible_lengths() {
        let bytes = sample_client_hello();
        for n in 0..bytes.len() - 6 {
            assert!(ClientHello::parse(&bytes[..n]).is_err(), "prefix {n}");
        }
        // Extensions block cut short.
        assert_eq!(
            ClientHello::parse(&bytes[..bytes.len() - 1]),
            Err(ParseError::Truncated)
        );
        // Odd cipher suite length.
        let mut b = bytes.clone();
        b[41] = 3;
        assert!(ClientHello::parse(&b).is_err());
        // session_id longer than 32.
        let mut b = bytes.clone();
        b[34] = 33;
        assert_eq!(
            ClientHello::parse(&b),
            Err(ParseError::InvalidLength {
                field: "session_id"
            })
        );
        // Trailing byte after the extensions.
        let mut b = bytes;
        b.push(0);
        assert_eq!(ClientHello::parse(&b), Err(ParseError::TrailingData));
    }

    #[test]
    fn server_hello_and_hvr() {
        let exts = [
            Extension::ExtendedMasterSecret,
            Extension::RenegotiationInfo(&[]),
        ];
        let sh = ServerHello {
            server_version: ProtocolVersion::DTLS_1_2,
            random: [7; 32],
            session_id: &[],
            cipher_suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            compression_method: CompressionMethod::NULL,
            extensions: List::Slice(&exts),
        };
        let mut buf = vec![0u8; sh.buffer_len()];
        assert_eq!(sh.emit(&mut buf), Ok(38 + 2 + 4 + 5));
        assert_eq!(&buf[35..38], &[0xc0, 0x2b, 0x00]);
        assert_eq!(&buf[38..], &[0, 9, 0, 0x17, 0, 0, 0xff, 0x01, 0, 1, 0]);
        let parsed = ServerHello::parse(&buf).unwrap();
        assert_eq!(parsed, sh);
        assert_eq!(
            parsed.extensions.get(ExtensionType::RENEGOTIATION_INFO),
            Some(Extension::RenegotiationInfo(&[]))
        );

        let hvr = HelloVerifyRequest::parse(&[0xfe, 0xff, 2, 9, 9]).unwrap();
        assert_eq!(hvr.server_version, ProtocolVersion::DTLS_1_0);
        assert_eq!(hvr.cookie, &[9, 9]);
        assert_eq!(
            HelloVerifyRequest::parse(&[0xfe, 0xff, 3, 9, 9]),
            Err(ParseError::Truncated)
        );
        let long = [0u8; 256];
        let bad = HelloVerifyRequest {
            cookie: &long,
            ..hvr
        };
        assert_eq!(
            bad.emit(&mut [0u8; 300]),
            Err(EmitError::InvalidLength { field: "cookie" })
        );
    }

    fn vec_of<T: core::fmt::Debug>(
        s: impl Strategy<Value = T>,
        r: core::ops::Range<usize>,
    ) -> impl Strategy<Value = Vec<T>> {
        proptest::collection::vec(s, r)
    }

    proptest! {
        #[test]
        fn client_hello_round_trip(
            version in any::<u16>(),
            random in any::<[u8; 32]>(),
            session_id in vec_of(any::<u8>(), 0..33),
            cookie in vec_of(any::<u8>(), 0..64),
            suites in vec_of(any::<u16>().prop_map(CipherSuite), 1..20),
            compression in vec_of(any::<u8>().prop_map(CompressionMethod), 1..3),
            exts in arb_exts(),
        ) {
            let exts: Vec<_> = exts.iter().map(OwnedExt::as_ext).collect();
            let ch = ClientHello {
                client_version: ProtocolVersion(version),
                random,
                session_id: &session_id,
                cookie: &cookie,
                cipher_suites: List::Slice(&suites),
                compression_methods: List::Slice(&compression),
                extensions: List::Slice(&exts),
            };
            let mut buf = vec![0u8; ch.buffer_len()];
            prop_assert_eq!(ch.emit(&mut buf), Ok(buf.len()));
            prop_assert_eq!(ClientHello::parse(&buf), Ok(ch));
        }

        #[test]
        fn server_hello_round_trip(
            version in any::<u16>(),
            random in any::<[u8; 32]>(),
            session_id in vec_of(any::<u8>(), 0..33),
            suite in any::<u16>(),
            compression in any::<u8>(),
            exts in arb_exts(),
        ) {
            let exts: Vec<_> = exts.iter().map(OwnedExt::as_ext).collect();
            let sh = ServerHello {
                server_version: ProtocolVersion(version),
                random,
                session_id: &session_id,
                cipher_suite: CipherSuite(suite),
                compression_method: CompressionMethod(compression),
                extensions: List::Slice(&exts),
            };
            let mut buf = vec![0u8; sh.buffer_len()];
            prop_assert_eq!(sh.emit(&mut buf), Ok(buf.len()));
            prop_assert_eq!(ServerHello::parse(&buf), Ok(sh));
        }

        #[test]
        fn hello_verify_request_round_trip(
            version in any::<u16>(),
            cookie in vec_of(any::<u8>(), 0..256),
        ) {
            let hvr = HelloVerifyRequest { server_version: ProtocolVersion(version), cookie: &cookie };
            let mut buf = vec![0u8; hvr.buffer_len()];
            prop_assert_eq!(hvr.emit(&mut buf), Ok(buf.len()));
            prop_assert_eq!(HelloVerifyRequest::parse(&buf), Ok(hvr));
        }
    }
}
