//! Certificates: our self-signed ECDSA P-256 certificate, SDP fingerprints (RFC 8122 §5),
//! and checking a peer's certificate and signatures (RFC 8827 §6.5: WebRTC authenticates
//! the peer by the fingerprint in the SDP, not by a CA).

use core::fmt;

use ring::rand::SecureRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair as _};

/// A certificate or signature problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// Generating or loading our certificate failed.
    #[error("certificate generation failed: {0}")]
    Generation(String),
    /// The peer's certificate does not hash to the fingerprint from the SDP.
    #[error("peer certificate does not match the {algorithm} fingerprint")]
    FingerprintMismatch {
        /// The hash named by the fingerprint.
        algorithm: FingerprintAlgorithm,
    },
    /// The peer's certificate cannot be parsed.
    #[error("peer certificate is malformed")]
    BadCertificate,
    /// A signature scheme we do not implement, or one that does not fit the key.
    #[error("unsupported signature scheme {0:#06x} for this certificate")]
    UnsupportedScheme(u16),
    /// The signature does not verify.
    #[error("bad signature")]
    BadSignature,
    /// A fingerprint string from SDP is malformed.
    #[error("malformed fingerprint")]
    BadFingerprint,
}

/// The hash functions of `a=fingerprint` (RFC 8122 §5; RFC 8829 §5.2.1 asks for SHA-256,
/// aiortc also offers SHA-384 and SHA-512).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FingerprintAlgorithm {
    /// `sha-256`.
    Sha256,
    /// `sha-384`.
    Sha384,
    /// `sha-512`.
    Sha512,
}

impl FingerprintAlgorithm {
    /// The SDP name.
    pub const fn name(self) -> &'static str {
        match self {
            FingerprintAlgorithm::Sha256 => "sha-256",
            FingerprintAlgorithm::Sha384 => "sha-384",
            FingerprintAlgorithm::Sha512 => "sha-512",
        }
    }

    /// From the SDP name, case-insensitively.
    pub fn from_name(name: &str) -> Option<FingerprintAlgorithm> {
        [
            FingerprintAlgorithm::Sha256,
            FingerprintAlgorithm::Sha384,
            FingerprintAlgorithm::Sha512,
        ]
        .into_iter()
        .find(|a| a.name().eq_ignore_ascii_case(name))
    }

    fn digest(self) -> &'static ring::digest::Algorithm {
        match self {
            FingerprintAlgorithm::Sha256 => &ring::digest::SHA256,
            FingerprintAlgorithm::Sha384 => &ring::digest::SHA384,
            FingerprintAlgorithm::Sha512 => &ring::digest::SHA512,
        }
    }
}

impl fmt::Display for FingerprintAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A certificate fingerprint as SDP carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    /// The hash function.
    pub algorithm: FingerprintAlgorithm,
    /// The digest of the DER certificate.
    pub value: Vec<u8>,
}

impl Fingerprint {
    /// The fingerprint of a DER certificate.
    pub fn of(algorithm: FingerprintAlgorithm, der: &[u8]) -> Fingerprint {
        Fingerprint {
            algorithm,
            value: ring::digest::digest(algorithm.digest(), der)
                .as_ref()
                .to_vec(),
        }
    }

    /// Parse `sha-256 AB:CD:...` (the value of `a=fingerprint`).
    pub fn parse(s: &str) -> Result<Fingerprint, CertificateError> {
        let (name, hex) = s
            .trim()
            .split_once(' ')
            .ok_or(CertificateError::BadFingerprint)?;
        let algorithm =
            FingerprintAlgorithm::from_name(name).ok_or(CertificateError::BadFingerprint)?;
        let value = hex
            .trim()
            .split(':')
            .map(|pair| {
                if pair.len() == 2 {
                    u8::from_str_radix(pair, 16).map_err(|_| CertificateError::BadFingerprint)
                } else {
                    Err(CertificateError::BadFingerprint)
                }
            })
            .collect::<Result<Vec<u8>, _>>()?;
        if value.len() != algorithm.digest().output_len() {
            return Err(CertificateError::BadFingerprint);
        }
        Ok(Fingerprint { algorithm, value })
    }

    /// Whether `der` hashes to this fingerprint.
    pub fn matches(&self, der: &[u8]) -> bool {
        Fingerprint::of(self.algorithm, der).value == self.value
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.algorithm)?;
        for (i, b) in self.value.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

/// Our certificate and its private key (ECDSA P-256, signing with SHA-256).
pub struct Certificate {
    der: Vec<u8>,
    key: EcdsaKeyPair,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field(
                "fingerprint",
                &self.fingerprint(FingerprintAlgorithm::Sha256).to_string(),
            )
            .finish_non_exhaustive()
    }
}

/// `ecdsa_secp256r1_sha256` (RFC 8446 §4.2.3; in TLS 1.2 terms hash SHA-256, signature ECDSA).
pub const ECDSA_SECP256R1_SHA256: u16 = 0x0403;

impl Certificate {
    /// A fresh self-signed certificate, as browsers make for each peer connection.
    pub fn generate(
        common_name: &str,
        rng: &dyn SecureRandom,
    ) -> Result<Certificate, CertificateError> {
        let gen_err = |e: rcgen::Error| CertificateError::Generation(e.to_string());
        let key_pair =
            rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(gen_err)?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(gen_err)?;
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        let cert = params.self_signed(&key_pair).map_err(gen_err)?;
        Certificate::from_der(cert.der().to_vec(), &key_pair.serialize_der(), rng)
    }

    /// A certificate from its DER and a PKCS#8 P-256 private key.
    pub fn from_der(
        der: Vec<u8>,
        pkcs8: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<Certificate, CertificateError> {
        let key = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, rng)
            .map_err(|e| CertificateError::Generation(e.to_string()))?;
        Ok(Certificate { der, key })
    }

    /// The DER encoding, as sent in the Certificate message.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The fingerprint to put in SDP.
    pub fn fingerprint(&self, algorithm: FingerprintAlgorithm) -> Fingerprint {
        Fingerprint::of(algorithm, &self.der)
    }

    /// The public key (uncompressed P-256 point).
    pub fn public_key(&self) -> &[u8] {
        self.key.public_key().as_ref()
    }

    /// Sign `message` with [`ECDSA_SECP256R1_SHA256`] (ASN.1 DER signature).
    pub fn sign(
        &self,
        message: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<Vec<u8>, CertificateError> {
        self.key
            .sign(rng, message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| CertificateError::Generation("signing failed".into()))
    }
}

/// Verify that a peer's DER certificate matches `expected` (the SDP fingerprint).
pub fn verify_fingerprint(der: &[u8], expected: &Fingerprint) -> Result<(), CertificateError> {
    if expected.matches(der) {
        Ok(())
    } else {
        Err(CertificateError::FingerprintMismatch {
            algorithm: expected.algorithm,
        })
    }
}

/// Verify a TLS 1.2 `DigitallySigned` signature made with the key of `der` (RFC 5246
/// §4.7), for the signature schemes this crate offers.
pub fn verify_signature(
    der: &[u8],
    scheme: u16,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CertificateError> {
    use webpki::ring as alg;
    let candidates: &[&dyn rustls_pki_types::SignatureVerificationAlgorithm] = match scheme {
        // TLS 1.2 pairs the hash with the signature algorithm, not with the curve: try both
        // curves for each ECDSA hash.
        0x0403 => &[alg::ECDSA_P256_SHA256, alg::ECDSA_P384_SHA256],
        0x0503 => &[alg::ECDSA_P384_SHA384, alg::ECDSA_P256_SHA384],
        0x0401 => &[alg::RSA_PKCS1_2048_8192_SHA256],
        0x0501 => &[alg::RSA_PKCS1_2048_8192_SHA384],
        0x0601 => &[alg::RSA_PKCS1_2048_8192_SHA512],
        0x0804 => &[alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
        0x0805 => &[alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
        0x0806 => &[alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
        0x0807 => &[alg::ED25519],
        other => return Err(CertificateError::UnsupportedScheme(other)),
    };
    let der = rustls_pki_types::CertificateDer::from(der);
    let cert =
        webpki::EndEntityCert::try_from(&der).map_err(|_| CertificateError::BadCertificate)?;
    let mut result = Err(CertificateError::UnsupportedScheme(scheme));
    for a in candidates {
        match cert.verify_signature(*a, message, signature) {
            Ok(()) => return Ok(()),
            Err(webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_)) => {}
            Err(_) => result = Err(CertificateError::BadSignature),
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_sign_verify_and_fingerprint() {
        let rng = ring::rand::SystemRandom::new();
        let cert = Certificate::generate("strata", &rng).unwrap();
        let sig = cert
            .sign(b"client random + server random + params", &rng)
            .unwrap();
        verify_signature(
            cert.der(),
            ECDSA_SECP256R1_SHA256,
            b"client random + server random + params",
            &sig,
        )
        .unwrap();
        assert_eq!(
            verify_signature(cert.der(), ECDSA_SECP256R1_SHA256, b"something else", &sig),
            Err(CertificateError::BadSignature)
        );
        assert!(verify_signature(cert.der(), 0x0401, b"m", &sig).is_err());

        for alg in [
            FingerprintAlgorithm::Sha256,
            FingerprintAlgorithm::Sha384,
            FingerprintAlgorithm::Sha512,
        ] {
            let fp = cert.fingerprint(alg);
            let text = fp.to_string();
            assert_eq!(Fingerprint::parse(&text).unwrap(), fp);
            verify_fingerprint(cert.der(), &fp).unwrap();
        }
        let other = Certificate::generate("other", &rng).unwrap();
        assert_eq!(
            verify_fingerprint(other.der(), &cert.fingerprint(FingerprintAlgorithm::Sha256)),
            Err(CertificateError::FingerprintMismatch {
                algorithm: FingerprintAlgorithm::Sha256
            })
        );
        assert!(Fingerprint::parse("sha-256 AB:CD").is_err());
        assert!(Fingerprint::parse("md5 AB").is_err());
    }
}
