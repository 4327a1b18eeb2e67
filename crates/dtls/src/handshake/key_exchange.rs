//! The key exchange and authentication messages for ECDHE suites: ServerKeyExchange
//! (RFC 8422 section 5.4: named_curve parameters, the public point and a TLS 1.2
//! digitally-signed struct, RFC 5246 section 4.7), ClientKeyExchange (RFC 8422 section
//! 5.7), CertificateVerify (RFC 5246 section 7.4.8), Finished (RFC 5246 section 7.4.9)
//! and the empty ServerHelloDone (RFC 5246 section 7.4.5).
//!
//! The ServerKeyExchange signature covers `client_random + server_random + params`, where
//! params are the first [`ServerKeyExchange::params_len`] bytes of the message body
//! exactly as received; [`ServerKeyExchange::signed_params`] returns that range.
//! Left out: the RSA, DHE and PSK key exchanges, explicit curves (refused with
//! [`ParseError::UnsupportedCurveType`]), and the anonymous (unsigned) ECDH form.

use core::fmt;

use crate::bytes::{Reader, Writer};
use crate::codes::{EcCurveType, NamedGroup, SignatureScheme};
use crate::{EmitError, ParseError};

/// A TLS 1.2 `digitally-signed` struct: the SignatureAndHashAlgorithm and
/// `opaque signature<0..2^16-1>`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DigitallySigned<'a> {
    /// The algorithm used.
    pub algorithm: SignatureScheme,
    /// The signature bytes (DER for ECDSA).
    pub signature: &'a [u8],
}

impl fmt::Debug for DigitallySigned<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigitallySigned")
            .field("algorithm", &self.algorithm)
            .field("signature_len", &self.signature.len())
            .finish()
    }
}

impl<'a> DigitallySigned<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, ParseError> {
        let algorithm = SignatureScheme(r.u16()?);
        let signature = r.vec16(0, 0xffff, "signature")?;
        Ok(Self {
            algorithm,
            signature,
        })
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EmitError> {
        w.u16(self.algorithm.0)?;
        w.opaque(2, 0, 0xffff, "signature", self.signature)
    }

    /// Parses a body that is exactly one digitally-signed struct.
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        let ds = Self::read(&mut r)?;
        r.finish()?;
        Ok(ds)
    }

    /// Bytes [`DigitallySigned::emit`] writes.
    #[inline]
    pub fn buffer_len(&self) -> usize {
        4 + self.signature.len()
    }

    /// Writes the struct into the front of `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, self.buffer_len())?;
        self.write(&mut w)?;
        Ok(w.written())
    }
}

/// A ServerKeyExchange body for ECDHE_ECDSA / ECDHE_RSA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerKeyExchange<'a> {
    /// The named curve (curve_type is always named_curve).
    pub named_curve: NamedGroup,
    /// The server's ephemeral public point, `<1..2^8-1>` (X9.62 uncompressed point for
    /// the NIST curves, 32 bytes for x25519).
    pub public: &'a [u8],
    /// The signature over client_random + server_random + params.
    pub signed_params: DigitallySigned<'a>,
}

impl<'a> ServerKeyExchange<'a> {
    /// Parses a ServerKeyExchange body.
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        let curve_type = r.u8()?;
        if curve_type != EcCurveType::NAMED_CURVE.0 {
            return Err(ParseError::UnsupportedCurveType(curve_type));
        }
        let named_curve = NamedGroup(r.u16()?);
        let public = r.vec8(1, 0xff, "point")?;
        let signed_params = DigitallySigned::read(&mut r)?;
        r.finish()?;
        Ok(Self {
            named_curve,
            public,
            signed_params,
        })
    }

    /// The length of the ServerECDHParams at the front of the body: curve_type,
    /// named_curve and the length-prefixed point.
    #[inline]
    pub fn params_len(&self) -> usize {
        4 + self.public.len()
    }

    /// The ServerECDHParams bytes of a ServerKeyExchange body, exactly as received (the
    /// signed part after the two randoms).
    pub fn signed_params(body: &[u8]) -> Result<&[u8], ParseError> {
        let ske = ServerKeyExchange::parse(body)?;
        body.get(..ske.params_len()).ok_or(ParseError::Truncated)
    }

    /// Writes only the ServerECDHParams (what the server signs after the randoms).
    pub fn emit_params(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, self.params_len())?;
        self.write_params(&mut w)?;
        Ok(w.written())
    }

    fn write_params(&self, w: &mut Writer<'_>) -> Result<(), EmitError> {
        w.u8(EcCurveType::NAMED_CURVE.0)?;
        w.u16(self.named_curve.0)?;
        w.opaque(1, 1, 0xff, "point", self.public)
    }

    /// Bytes [`ServerKeyExchange::emit`] writes.
    #[inline]
    pub fn buffer_len(&self) -> usize {
        self.params_len() + self.signed_params.buffer_len()
    }

    /// Writes the body into the front of `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, self.buffer_len())?;
        self.write_params(&mut w)?;
        self.signed_params.write(&mut w)?;
        Ok(w.written())
    }
}

/// A ClientKeyExchange body for ECDHE: `ECPoint ecdh_Yc`, `opaque point <1..2^8-1>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientKeyExchange<'a> {
    /// The client's ephemeral public point.
    pub public: &'a [u8],
}

impl<'a> ClientKeyExchange<'a> {
    /// Parses a ClientKeyExchange body.
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        let public = r.vec8(1, 0xff, "point")?;
        r.finish()?;
        Ok(Self { public })
    }

    /// Bytes [`ClientKeyExchange::emit`] writes.
    #[inline]
    pub fn buffer_len(&self) -> usize {
        1 + self.public.len()
    }

    /// Writes the body into the front of `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, self.buffer_len())?;
        w.opaque(1, 1, 0xff, "point", self.public)?;
        Ok(w.written())
    }
}

/// A CertificateVerify body: one digitally-signed struct over the handshake transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificateVerify<'a> {
    /// The signature.
    pub signed: DigitallySigned<'a>,
}

impl<'a> CertificateVerify<'a> {
    /// Parses a CertificateVerify body.
    #[inline]
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        DigitallySigned::parse(body).map(|signed| Self { signed })
    }

    /// Bytes [`CertificateVerify::emit`] writes.
    #[inline]
    pub fn buffer_len(&self) -> usize {
        self.signed.buffer_len()
    }

    /// Writes the body into the front of `buf`.
    #[inline]
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        self.signed.emit(buf)
    }
}

/// A Finished body: verify_data, the whole body. It is 12 bytes for every suite this
/// stack negotiates (RFC 5246 section 7.4.9), but any length parses; checking it is the
/// handshake's job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished<'a> {
    /// verify_data.
    pub verify_data: &'a [u8],
}

impl<'a> Finished<'a> {
    /// The verify_data length of the TLS 1.2 PRF suites.
    pub const VERIFY_DATA_LEN: usize = 12;

    /// Parses a Finished body (never fails).
    #[inline]
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        Ok(Self { verify_data: body })
    }

    /// Bytes [`Finished::emit`] writes.
    #[inline]
    pub fn buffer_len(&self) -> usize {
        self.verify_data.len()
    }

    /// Writes the body into the front of `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, self.buffer_len())?;
        w.bytes(self.verify_data)?;
        Ok(w.written())
    }
}

/// The empty ServerHelloDone body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServerHelloDone;

impl ServerHelloDone {
    /// Checks that the body is empty.
    #[inline]
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        Reader::new(body).finish().map(|()| Self)
    }

    /// Bytes [`ServerHelloDone::emit`] writes: none.
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        0
    }

    /// Writes nothing.
    #[inline]
    pub fn emit(&self, _buf: &mut [u8]) -> Result<usize, EmitError> {
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ske_bytes() -> Vec<u8> {
        let mut b = vec![3, 0x00, 0x1d, 32];
        b.extend([0x42; 32]);
        b.extend([0x04, 0x03, 0x00, 0x03, 0x30, 0x01, 0x02]);
        b
    }

    #[test]
    fn server_key_exchange() {
        let b = ske_bytes();
        let ske = ServerKeyExchange::parse(&b).unwrap();
        assert_eq!(ske.named_curve, NamedGroup::X25519);
        assert_eq!(ske.public, &[0x42; 32]);
        assert_eq!(
            ske.signed_params.algorithm,
            SignatureScheme::ECDSA_SECP256R1_SHA256
        );
        assert_eq!(ske.signed_params.signature, &[0x30, 0x01, 0x02]);
        assert_eq!(ske.params_len(), 36);
        assert_eq!(ServerKeyExchange::signed_params(&b), Ok(&b[..36]));
        let mut params = [0u8; 36];
        assert_eq!(ske.emit_params(&mut params), Ok(36));
        assert_eq!(&params[..], &b[..36]);
        let mut out = vec![0u8; ske.buffer_len()];
        assert_eq!(ske.emit(&mut out), Ok(b.len()));
        assert_eq!(out, b);

        let mut explicit = b.clone();
        explicit[0] = 1;
        assert_eq!(
            ServerKeyExchange::parse(&explicit),
            Err(ParseError::UnsupportedCurveType(1))
        );
        let mut empty_point = vec![3, 0, 23, 0];
        empty_point.extend([4, 3, 0, 0]);
        assert_eq!(
            ServerKeyExchange::parse(&empty_point),
            Err(ParseError::InvalidLength { field: "point" })
        );
        assert_eq!(
            ServerKeyExchange::parse(&b[..b.len() - 1]),
            Err(ParseError::Truncated)
        );
    }

    #[test]
    fn small_messages() {
        assert_eq!(
            ClientKeyExchange::parse(&[2, 1, 2]).unwrap().public,
            &[1, 2]
        );
        assert!(ClientKeyExchange::parse(&[0]).is_err());
        assert!(ClientKeyExchange::parse(&[1, 1, 2]).is_err());
        assert_eq!(ServerHelloDone::parse(&[]), Ok(ServerHelloDone));
        assert_eq!(ServerHelloDone::parse(&[0]), Err(ParseError::TrailingData));
        assert_eq!(Finished::parse(&[1; 12]).unwrap().verify_data.len(), 12);
        let cv = CertificateVerify::parse(&[4, 3, 0, 1, 9]).unwrap();
        assert_eq!(cv.signed.signature, &[9]);
        assert!(CertificateVerify::parse(&[4, 3, 0, 2, 9]).is_err());
    }

    fn blob(r: core::ops::Range<usize>) -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>(), r)
    }

    proptest! {
        #[test]
        fn server_key_exchange_round_trip(
            group in any::<u16>(), public in blob(1..256), alg in any::<u16>(), sig in blob(0..200)
        ) {
            let ske = ServerKeyExchange {
                named_curve: NamedGroup(group),
                public: &public,
                signed_params: DigitallySigned { algorithm: SignatureScheme(alg), signature: &sig },
            };
            let mut buf = vec![0u8; ske.buffer_len()];
            prop_assert_eq!(ske.emit(&mut buf), Ok(buf.len()));
            prop_assert_eq!(ServerKeyExchange::parse(&buf), Ok(ske));
            prop_assert_eq!(ServerKeyExchange::signed_params(&buf).map(<[u8]>::len), Ok(ske.params_len()));
        }

        #[test]
        fn client_key_exchange_round_trip(public in blob(1..256)) {
            let cke = ClientKeyExchange { public: &public };
            let mut buf = vec![0u8; cke.buffer_len()];
            prop_assert_eq!(cke.emit(&mut buf), Ok(buf.len()));
            prop_assert_eq!(ClientKeyExchange::parse(&buf), Ok(cke));
        }

        #[test]
        fn certificate_verify_round_trip(alg in any::<u16>(), sig in blob(0..300)) {
            let cv = CertificateVerify { signed: DigitallySigned { algorithm: SignatureScheme(alg), signature: &sig } };
            let mut buf = vec![0u8; cv.buffer_len()];
            prop_assert_eq!(cv.emit(&mut buf), Ok(buf.len()));
            prop_assert_eq!(CertificateVerify::parse(&buf), Ok(cv));
        }

        #[test]
        fn finished_round_trip(vd in blob(0..40)) {
            let f = Finished { verify_data: &vd };
            let mut buf = vec![0u8; f.buffer_len()];
            prop_assert_eq!(f.emit(&mut buf), Ok(buf.len()));
            prop_assert_eq!(Finished::parse(&buf), Ok(f));
        }
    }
}
