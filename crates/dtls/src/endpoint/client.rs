//! The client side of the handshake (RFC 6347 §4.2.1 flights 1, 3, 5; RFC 5246 §7.4).

use std::time::Instant;

use super::flight::FlightItem;
use super::{Endpoint, Error, ServerFlightStep, State};
use crate::codes::{
    AlertDescription, AlertLevel, CipherSuite, CompressionMethod, EcPointFormat, ProtocolVersion,
    SignatureScheme, SrtpProtectionProfile,
};
use crate::crypto::cert::{self, ECDSA_SECP256R1_SHA256};
use crate::crypto::kx::EphemeralKey;
use crate::crypto::suite::{self, Authentication};
use crate::extensions::{Extension, UseSrtp};
use crate::handshake::{
    Asn1Cert, Certificate, CertificateVerify, ClientHello, ClientKeyExchange, DigitallySigned,
    Finished, HandshakeMessage, ServerHello, ServerKeyExchange,
};
use crate::list::List;

/// The signature schemes we accept from a peer, in preference order.
pub(super) const SIGNATURE_SCHEMES: [SignatureScheme; 6] = [
    SignatureScheme(0x0403),
    SignatureScheme(0x0503),
    SignatureScheme(0x0804),
    SignatureScheme(0x0805),
    SignatureScheme(0x0401),
    SignatureScheme(0x0501),
];

/// Whether a signature scheme fits a suite's server authentication.
pub(super) fn scheme_fits(scheme: SignatureScheme, auth: Authentication) -> bool {
    let ecdsa = matches!(scheme.0, 0x0403 | 0x0503 | 0x0603);
    match auth {
        Authentication::Ecdsa => ecdsa,
        Authentication::Rsa => !ecdsa && scheme.0 != 0x0807,
    }
}

pub(super) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Endpoint {
    /// Flight 1 (or 3, with the cookie): the ClientHello.
    pub(super) fn send_client_hello(&mut self, now: Instant) -> Result<(), Error> {
        let groups = self.config.groups.clone();
        let srtp: Vec<SrtpProtectionProfile> = self.config.srtp_profiles.clone();
        let suites: Vec<CipherSuite> = self.config.cipher_suites.clone();
        let mut extensions = vec![
            Extension::SupportedGroups(List::Slice(&groups)),
            Extension::EcPointFormats(List::Slice(&[EcPointFormat::UNCOMPRESSED])),
            Extension::SignatureAlgorithms(List::Slice(&SIGNATURE_SCHEMES)),
            Extension::ExtendedMasterSecret,
            Extension::RenegotiationInfo(&[]),
        ];
        if !srtp.is_empty() {
            extensions.push(Extension::UseSrtp(UseSrtp {
                profiles: List::Slice(&srtp),
                mki: &[],
            }));
        }
        let cookie = self.hs.cookie.clone();
        let hello = ClientHello {
            client_version: ProtocolVersion::DTLS_1_2,
            random: self.hs.client_random,
            session_id: &[],
            cookie: &cookie,
            cipher_suites: List::Slice(&suites),
            compression_methods: List::Slice(&[CompressionMethod::NULL]),
            extensions: List::Slice(&extensions),
        };
        // The first ClientHello and the HelloVerifyRequest stay out of the transcript
        // (RFC 6347 §4.2.1): start it afresh with each ClientHello.
        self.clear_transcript();
        let message = self.encode_message(&HandshakeMessage::ClientHello(hello))?;
        self.start_flight(now, vec![FlightItem::Handshake { epoch: 0, message }], true)
    }

    pub(super) fn client_message(
        &mut self,
        now: Instant,
        seq: u16,
        message: HandshakeMessage<'_>,
        body: &[u8],
    ) -> Result<(), Error> {
        match (self.state, message) {
            (State::ClientWaitServerHello, HandshakeMessage::HelloVerifyRequest(hvr)) => {
                self.hs.cookie = hvr.cookie.to_vec();
                self.send_client_hello(now)
            }
            (State::ClientWaitServerHello, HandshakeMessage::ServerHello(hello)) => {
                self.accept_server_hello(&hello)?;
                self.transcript_received(crate::codes::HandshakeType::SERVER_HELLO, seq, body);
                self.state = State::ClientWaitServerHelloDone(ServerFlightStep::Certificate);
                Ok(())
            }
            (
                State::ClientWaitServerHelloDone(ServerFlightStep::Certificate),
                HandshakeMessage::Certificate(c),
            ) => {
                self.check_peer_certificate(&c)?;
                self.transcript_received(crate::codes::HandshakeType::CERTIFICATE, seq, body);
                self.state = State::ClientWaitServerHelloDone(ServerFlightStep::ServerKeyExchange);
                Ok(())
            }
            (
                State::ClientWaitServerHelloDone(ServerFlightStep::ServerKeyExchange),
                HandshakeMessage::ServerKeyExchange(ske),
            ) => {
                self.accept_server_key_exchange(&ske, body)?;
                self.transcript_received(
                    crate::codes::HandshakeType::SERVER_KEY_EXCHANGE,
                    seq,
                    body,
                );
                self.state =
                    State::ClientWaitServerHelloDone(ServerFlightStep::CertificateRequestOrDone);
                Ok(())
            }
            (
                State::ClientWaitServerHelloDone(ServerFlightStep::CertificateRequestOrDone),
                HandshakeMessage::CertificateRequest(_),
            ) => {
                self.hs.certificate_requested = true;
                self.transcript_received(
                    crate::codes::HandshakeType::CERTIFICATE_REQUEST,
                    seq,
                    body,
                );
                self.state = State::ClientWaitServerHelloDone(ServerFlightStep::ServerHelloDone);
                Ok(())
            }
            (
                State::ClientWaitServerHelloDone(
                    ServerFlightStep::CertificateRequestOrDone | ServerFlightStep::ServerHelloDone,
                ),
                HandshakeMessage::ServerHelloDone,
            ) => {
                self.transcript_received(crate::codes::HandshakeType::SERVER_HELLO_DONE, seq, body);
                self.send_client_flight(now)
            }
            (State::ClientWaitFinished, HandshakeMessage::Finished(f)) => {
                let expected = self.verify_data(false);
                if !ct_eq(&expected, f.verify_data) {
                    return Err(Error::BadFinished);
                }
                self.transcript_received(crate::codes::HandshakeType::FINISHED, seq, body);
                self.timer = None;
                self.connected();
                Ok(())
            }
            (State::Connected | State::ConnectedUnverified, HandshakeMessage::HelloRequest) => {
                // Renegotiation is refused (RFC 5746 §4.2 leaves this to us).
                self.send_alert(AlertLevel::WARNING, AlertDescription::NO_RENEGOTIATION)
            }
            (_, m) => Err(Error::UnexpectedMessage(m.msg_type())),
        }
    }

    fn accept_server_hello(&mut self, hello: &ServerHello<'_>) -> Result<(), Error> {
        if hello.server_version != ProtocolVersion::DTLS_1_2 {
            return Err(Error::UnsupportedVersion);
        }
        if !self.config.cipher_suites.contains(&hello.cipher_suite) {
            return Err(Error::IllegalParameter("cipher suite"));
        }
        let params =
            suite::params(hello.cipher_suite.0).ok_or(Error::IllegalParameter("cipher suite"))?;
        if hello.compression_method != CompressionMethod::NULL {
            return Err(Error::IllegalParameter("compression method"));
        }
        let mut ems = false;
        let mut srtp = None;
        for ext in hello.extensions.iter() {
            match ext {
                Extension::ExtendedMasterSecret => ems = true,
                Extension::UseSrtp(u) => {
                    let mut profiles = u.profiles.iter();
                    let chosen = profiles.next().ok_or(Error::IllegalParameter("use_srtp"))?;
                    if profiles.next().is_some()
                        || !self.config.srtp_profiles.contains(&chosen)
                        || !u.mki.is_empty()
                    {
                        return Err(Error::IllegalParameter("use_srtp"));
                    }
                    srtp = Some(chosen);
                }
                Extension::RenegotiationInfo(data) if !data.is_empty() => {
                    return Err(Error::IllegalParameter("renegotiation_info"));
                }
                _ => {}
            }
        }
        if !ems {
            return Err(Error::NoExtendedMasterSecret);
        }
        self.hs.server_random = hello.random;
        self.hs.suite = Some(params);
        self.hs.cipher_suite = Some(hello.cipher_suite);
        self.hs.srtp_profile = srtp;
        Ok(())
    }

    fn accept_server_key_exchange(
        &mut self,
        ske: &ServerKeyExchange<'_>,
        body: &[u8],
    ) -> Result<(), Error> {
        let suite = self.hs.suite.ok_or(Error::UnexpectedMessage(
            crate::codes::HandshakeType::SERVER_KEY_EXCHANGE,
        ))?;
        if !self.config.groups.contains(&ske.named_curve) {
            return Err(Error::IllegalParameter("named group"));
        }
        let scheme = ske.signed_params.algorithm;
        if !scheme_fits(scheme, suite.authentication) || !SIGNATURE_SCHEMES.contains(&scheme) {
            return Err(Error::IllegalParameter("signature scheme"));
        }
        let params = body
            .get(..ske.params_len())
            .ok_or(Error::Decode("ServerKeyExchange params".into()))?;
        let mut signed = Vec::with_capacity(64 + params.len());
        signed.extend_from_slice(&self.hs.client_random);
        signed.extend_from_slice(&self.hs.server_random);
        signed.extend_from_slice(params);
        let der = self
            .hs
            .peer_certificate
            .as_deref()
            .ok_or(Error::NoCertificate)?;
        cert::verify_signature(der, scheme.0, &signed, ske.signed_params.signature)
            .map_err(Error::BadSignature)?;
        self.hs.peer_public = ske.public.to_vec();
        self.hs.key_exchange = Some(Box::new(
            EphemeralKey::generate(ske.named_curve.0, &self.rng)
                .map_err(|_| Error::NoCommonGroup)?,
        ));
        Ok(())
    }

    /// Flight 5: [Certificate], ClientKeyExchange, [CertificateVerify], ChangeCipherSpec,
    /// Finished.
    fn send_client_flight(&mut self, now: Instant) -> Result<(), Error> {
        let mut items = Vec::new();
        if self.hs.certificate_requested {
            let certificate = self.config.certificate.clone();
            let list = [Asn1Cert(certificate.der())];
            let message = self.encode_message(&HandshakeMessage::Certificate(Certificate {
                certificate_list: List::Slice(&list),
            }))?;
            items.push(FlightItem::Handshake { epoch: 0, message });
        }
        let kx = *self.hs.key_exchange.take().ok_or(Error::BadKeyExchange)?;
        let public = kx.public_key().to_vec();
        let message =
            self.encode_message(&HandshakeMessage::ClientKeyExchange(ClientKeyExchange {
                public: &public,
            }))?;
        items.push(FlightItem::Handshake { epoch: 0, message });
        let pre_master = kx
            .agree(&self.hs.peer_public)
            .map_err(|_| Error::BadKeyExchange)?;
        self.derive_keys(&pre_master)?;
        if self.hs.certificate_requested {
            let signature = self
                .config
                .certificate
                .sign(&self.hs.transcript, &self.rng)
                .map_err(Error::Local)?;
            let message =
                self.encode_message(&HandshakeMessage::CertificateVerify(CertificateVerify {
                    signed: DigitallySigned {
                        algorithm: SignatureScheme(ECDSA_SECP256R1_SHA256),
                        signature: &signature,
                    },
                }))?;
            items.push(FlightItem::Handshake { epoch: 0, message });
        }
        items.push(FlightItem::ChangeCipherSpec);
        let verify_data = self.own_verify_data();
        let message = self.encode_message(&HandshakeMessage::Finished(Finished {
            verify_data: &verify_data,
        }))?;
        items.push(FlightItem::Handshake { epoch: 1, message });
        self.records.write_epoch = 1;
        self.state = State::ClientWaitFinished;
        self.start_flight(now, items, true)
    }
}
