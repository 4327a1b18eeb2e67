//! Certificate (RFC 5246 section 7.4.2) and CertificateRequest (RFC 5246 section 7.4.4,
//! with the ECDSA certificate types of RFC 8422 section 5.5).
//!
//! Certificates are DER bytes borrowed from the message and iterated lazily; nothing here
//! decodes X.509 (WebRTC checks the peer's certificate against the SDP fingerprint, not
//! a chain). Left out: the TLS 1.3 Certificate structure with per-entry extensions.

use core::fmt;

use crate::bytes::{Reader, Writer};
use crate::codes::{ClientCertificateType, SignatureScheme};
use crate::list::{List, WireItem};
use crate::{EmitError, ParseError};

/// The largest value of a 24-bit vector length.
const MAX_U24: usize = 0x00ff_ffff;

/// One `opaque ASN.1Cert<1..2^24-1>`: a DER-encoded X.509 certificate.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Asn1Cert<'a>(pub &'a [u8]);

impl fmt::Debug for Asn1Cert<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Asn1Cert({} bytes)", self.0.len())
    }
}

impl<'a> WireItem<'a> for Asn1Cert<'a> {
    #[inline]
    fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let mut r = Reader::new(buf);
        let der = r.vec24(1, MAX_U24, "ASN.1Cert").ok()?;
        Some((Self(der), r.rest()))
    }

    #[inline]
    fn wire_len(&self) -> usize {
        3 + self.0.len()
    }

    fn write(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, 0)?;
        w.opaque(3, 1, MAX_U24, "ASN.1Cert", self.0)?;
        Ok(w.written())
    }
}

/// A Certificate body: `ASN.1Cert certificate_list<0..2^24-1>`, the sender's certificate
/// first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Certificate<'a> {
    /// The certificates, end-entity first.
    pub certificate_list: List<'a, Asn1Cert<'a>>,
}

impl<'a> Certificate<'a> {
    /// Parses a Certificate body, checking every entry's framing.
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        let list = r.vec24(0, MAX_U24, "certificate_list")?;
        r.finish()?;
        let mut entries = Reader::new(list);
        while !entries.is_empty() {
            entries.vec24(1, MAX_U24, "ASN.1Cert")?;
        }
        Ok(Self {
            certificate_list: List::Wire(list),
        })
    }

    /// The first (end-entity) certificate's DER bytes, if any.
    #[inline]
    pub fn end_entity(&self) -> Option<&'a [u8]> {
        self.certificate_list.iter().next().map(|c| c.0)
    }

    /// Bytes [`Certificate::emit`] writes.
    #[inline]
    pub fn buffer_len(&self) -> usize {
        3 + self.certificate_list.wire_len()
    }

    /// Writes the body into the front of `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, self.buffer_len())?;
        w.vec(3, 0, MAX_U24, "certificate_list", |w| {
            self.certificate_list.write_to(w)
        })?;
        Ok(w.written())
    }
}

/// One `opaque DistinguishedName<1..2^16-1>` (DER of an X.501 Name).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DistinguishedName<'a>(pub &'a [u8]);

impl fmt::Debug for DistinguishedName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DistinguishedName({} bytes)", self.0.len())
    }
}

impl<'a> WireItem<'a> for DistinguishedName<'a> {
    #[inline]
    fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let mut r = Reader::new(buf);
        let der = r.vec16(1, 0xffff, "DistinguishedName").ok()?;
        Some((Self(der), r.rest()))
    }

    #[inline]
    fn wire_len(&self) -> usize {
        2 + self.0.len()
    }

    fn write(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, 0)?;
        w.opaque(2, 1, 0xffff, "DistinguishedName", self.0)?;
        Ok(w.written())
    }
}

/// A CertificateRequest body (TLS 1.2 form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificateRequest<'a> {
    /// certificate_types `<1..2^8-1>`.
    pub certificate_types: List<'a, ClientCertificateType>,
    /// supported_signature_algorithms `<2..2^16-2>` bytes.
    pub supported_signature_algorithms: List<'a, SignatureScheme>,
    /// certificate_authorities `<0..2^16-1>` bytes (WebRTC peers send none).
    pub certificate_authorities: List<'a, DistinguishedName<'a>>,
}

impl<'a> CertificateRequest<'a> {
    /// Parses a CertificateRequest body.
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        let types = r.vec8(1, 0xff, "certificate_types")?;
        let field = "supported_signature_algorithms";
        let algs = r.vec16(2, 0xfffe, field)?;
        if algs.len() % 2 != 0 {
            return Err(ParseError::InvalidLength { field });
        }
        let cas = r.vec16(0, 0xffff, "certificate_authorities")?;
        r.finish()?;
        let mut names = Reader::new(cas);
        while !names.is_empty() {
            names.vec16(1, 0xffff, "DistinguishedName")?;
        }
        Ok(Self {
            certificate_types: List::Wire(types),
            supported_signature_algorithms: List::Wire(algs),
            certificate_authorities: List::Wire(cas),
        })
    }

    /// Bytes [`CertificateRequest::emit`] writes.
    #[inline]
    pub fn buffer_len(&self) -> usize {
        1 + self.certificate_types.wire_len()
            + 2
            + self.supported_signature_algorithms.wire_len()
            + 2
            + self.certificate_authorities.wire_len()
    }

    /// Writes the body into the front of `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, self.buffer_len())?;
        w.vec(1, 1, 0xff, "certificate_types", |w| {
            self.certificate_types.write_to(w)
        })?;
        w.vec(2, 2, 0xfffe, "supported_signature_algorithms", |w| {
            self.supported_signature_algorithms.write_to(w)
        })?;
        w.vec(2, 0, 0xffff, "certificate_authorities", |w| {
            self.certificate_authorities.write_to(w)
        })?;
        Ok(w.written())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn certificate_parse_emit() {
        let body = [0, 0, 9, 0, 0, 2, 0x30, 0x00, 0, 0, 1, 0x05];
        let c = Certificate::parse(&body).unwrap();
        let certs: Vec<_> = c.certificate_list.iter().collect();
        assert_eq!(certs, [Asn1Cert(&[0x30, 0x00]), Asn1Cert(&[0x05])]);
        assert_eq!(c.end_entity(), Some(&[0x30, 0x00][..]));
        let mut out = [0u8; 12];
        assert_eq!(c.emit(&mut out), Ok(12));
        assert_eq!(out, body);
        // An empty certificate_list is allowed (a client without a certificate).
        assert_eq!(Certificate::parse(&[0, 0, 0]).unwrap().end_entity(), None);
        // A zero-length certificate is not.
        assert_eq!(
            Certificate::parse(&[0, 0, 3, 0, 0, 0]),
            Err(ParseError::InvalidLength { field: "ASN.1Cert" })
        );
        // An entry running past the list.
        assert_eq!(
            Certificate::parse(&[0, 0, 4, 0, 0, 2, 0x30]),
            Err(ParseError::Truncated)
        );
        assert_eq!(
            Certificate::parse(&[0, 0, 4, 0, 0, 2, 0x30, 0]),
            Err(ParseError::TrailingData)
        );
    }

    #[test]
    fn certificate_request_parse_emit() {
        let body = [1, 64, 0, 4, 4, 3, 5, 3, 0, 0];
        let cr = CertificateRequest::parse(&body).unwrap();
        assert!(
            cr.certificate_types
                .contains(&ClientCertificateType::ECDSA_SIGN)
        );
        assert_eq!(
            cr.supported_signature_algorithms.iter().collect::<Vec<_>>(),
            [
                SignatureScheme::ECDSA_SECP256R1_SHA256,
                SignatureScheme::ECDSA_SECP384R1_SHA384
            ]
        );
        assert!(cr.certificate_authorities.is_empty());
        let mut out = [0u8; 10];
        assert_eq!(cr.emit(&mut out), Ok(10));
        assert_eq!(out, body);
        assert!(CertificateRequest::parse(&[0, 0, 2, 4, 3, 0, 0]).is_err());
        assert!(CertificateRequest::parse(&[1, 64, 0, 3, 4, 3, 5, 0, 0]).is_err());
        assert!(CertificateRequest::parse(&[1, 64, 0, 2, 4, 3, 0, 2, 0, 0]).is_err());
    }

    fn blobs(max_n: usize, max_len: usize) -> impl Strategy<Value = Vec<Vec<u8>>> {
        proptest::collection::vec(
            proptest::collection::vec(any::<u8>(), 1..=max_len),
            0..=max_n,
        )
    }

    proptest! {
        #[test]
        fn certificate_round_trip(certs in blobs(4, 300)) {
            let items: Vec<_> = certs.iter().map(|c| Asn1Cert(c)).collect();
            let c = Certificate { certificate_list: List::Slice(&items) };
            let mut buf = vec![0u8; c.buffer_len()];
            prop_assert_eq!(c.emit(&mut buf), Ok(buf.len()));
            prop_assert_eq!(Certificate::parse(&buf), Ok(c));
        }

        #[test]
        fn certificate_request_round_trip(
            types in proptest::collection::vec(any::<u8>().prop_map(ClientCertificateType), 1..5),
            algs in proptest::collection::vec(any::<u16>().prop_map(SignatureScheme), 1..10),
            cas in blobs(3, 40),
        ) {
            let names: Vec<_> = cas.iter().map(|c| DistinguishedName(c)).collect();
            let cr = CertificateRequest {
                certificate_types: List::Slice(&types),
                supported_signature_algorithms: List::Slice(&algs),
                certificate_authorities: List::Slice(&names),
            };
            let mut buf = vec![0u8; cr.buffer_len()];
            prop_assert_eq!(cr.emit(&mut buf), Ok(buf.len()));
            prop_assert_eq!(CertificateRequest::parse(&buf), Ok(cr));
        }
    }
}
