//! The server side of the handshake (RFC 6347 §4.2.1 flights 2, 4, 6; RFC 5246 §7.4),
//! with stateless HelloVerifyRequest cookies.

use std::time::Instant;

use ring::hmac;

use super::client::{SIGNATURE_SCHEMES, ct_eq};
use super::flight::FlightItem;
use super::{ClientFlightStep, Endpoint, Error, State};
use crate::codes::{
    AlertDescription, AlertLevel, CipherSuite, ClientCertificateType, CompressionMethod,
    ContentType, EcPointFormat, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme,
    SrtpProtectionProfile,
};
use crate::crypto::cert::ECDSA_SECP256R1_SHA256;
use crate::crypto::kx::EphemeralKey;
use crate::crypto::suite::{self, Authentication};
use crate::extensions::{Extension, UseSrtp};
use crate::handshake::{
    Asn1Cert, Certificate, CertificateRequest, ClientHello, DigitallySigned, Finished,
    HandshakeMessage, HelloVerifyRequest, ServerHello, ServerKeyExchange,
};
use crate::list::List;

/// Length of our HelloVerifyRequest cookies.
const COOKIE_LEN: usize = 20;

/// What the server decided from a ClientHello.
struct Choice {
    suite: CipherSuite,
    group: NamedGroup,
    srtp: Option<SrtpProtectionProfile>,
    renegotiation_info: bool,
    ec_point_formats: bool,
}

impl Endpoint {
    fn cookie_for(&self, hello: &ClientHello<'_>) -> [u8; COOKIE_LEN] {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.cookie_secret);
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(&hello.random);
        ctx.update(hello.session_id);
        let mut out = [0u8; COOKIE_LEN];
        out.copy_from_slice(&ctx.sign().as_ref()[..COOKIE_LEN]);
        out
    }

    pub(super) fn server_message(
        &mut self,
        now: Instant,
        seq: u16,
        message: HandshakeMessage<'_>,
        body: &[u8],
    ) -> Result<(), Error> {
        match (self.state, message) {
            (State::ServerWaitClientHello, HandshakeMessage::ClientHello(hello)) => {
                self.accept_client_hello(now, seq, &hello, body)
            }
            (
                State::ServerWaitClientFlight(ClientFlightStep::Certificate),
                HandshakeMessage::Certificate(c),
            ) => {
                self.check_peer_certificate(&c)?;
                self.transcript_received(HandshakeType::CERTIFICATE, seq, body);
                self.state = State::ServerWaitClientFlight(ClientFlightStep::ClientKeyExchange);
                Ok(())
            }
            (
                State::ServerWaitClientFlight(ClientFlightStep::Certificate),
                HandshakeMessage::ClientKeyExchange(_),
            ) => {
                // We asked for a certificate and WebRTC needs one (RFC 8827 §6.5).
                Err(Error::NoCertificate)
            }
            (
                State::ServerWaitClientFlight(ClientFlightStep::ClientKeyExchange),
                HandshakeMessage::ClientKeyExchange(cke),
            ) => {
                self.transcript_received(HandshakeType::CLIENT_KEY_EXCHANGE, seq, body);
                let kx = *self.hs.key_exchange.take().ok_or(Error::BadKeyExchange)?;
                let pre_master = kx.agree(cke.public).map_err(|_| Error::BadKeyExchange)?;
                self.derive_keys(&pre_master)?;
                self.state = State::ServerWaitClientFlight(ClientFlightStep::CertificateVerify);
                Ok(())
            }
            (
                State::ServerWaitClientFlight(ClientFlightStep::CertificateVerify),
                HandshakeMessage::CertificateVerify(cv),
            ) => {
                let scheme = cv.signed.algorithm;
                if !SIGNATURE_SCHEMES.contains(&scheme) {
                    return Err(Error::IllegalParameter("signature scheme"));
                }
                let der = self
                    .hs
                    .peer_certificate
                    .as_deref()
                    .ok_or(Error::NoCertificate)?;
                crate::crypto::cert::verify_signature(
                    der,
                    scheme.0,
                    &self.hs.transcript,
                    cv.signed.signature,
                )
                .map_err(Error::BadSignature)?;
                self.transcript_received(HandshakeType::CERTIFICATE_VERIFY, seq, body);
                self.state = State::ServerWaitClientFlight(ClientFlightStep::Finished);
                Ok(())
            }
            (
                State::ServerWaitClientFlight(ClientFlightStep::Finished),
                HandshakeMessage::Finished(f),
            ) => {
                let expected = self.verify_data(true);
                if !ct_eq(&expected, f.verify_data) {
                    return Err(Error::BadFinished);
                }
                self.transcript_received(HandshakeType::FINISHED, seq, body);
                let verify_data = self.own_verify_data();
                let message = self.encode_message(&HandshakeMessage::Finished(Finished {
                    verify_data: &verify_data,
                }))?;
                self.records.write_epoch = 1;
                // Flight 6 ends the handshake: no timer; it is sent again if the client repeats
                // its flight.
                self.start_flight(
                    now,
                    vec![
                        FlightItem::ChangeCipherSpec,
                        FlightItem::Handshake { epoch: 1, message },
                    ],
                    false,
                )?;
                self.connected();
                Ok(())
            }
            (State::Connected | State::ConnectedUnverified, HandshakeMessage::ClientHello(_)) => {
                self.send_alert(AlertLevel::WARNING, AlertDescription::NO_RENEGOTIATION)
            }
            (_, m) => Err(Error::UnexpectedMessage(m.msg_type())),
        }
    }

    fn accept_client_hello(
        &mut self,
        now: Instant,
        seq: u16,
        hello: &ClientHello<'_>,
        body: &[u8],
    ) -> Result<(), Error> {
        if self.config.hello_verify {
            let cookie = self.cookie_for(hello);
            if !ct_eq(&cookie, hello.cookie) {
                return self.send_hello_verify_request(seq, &cookie);
            }
        }
        // DTLS versions count down: 1.2 (0xfefd) is below 1.0 (0xfeff).
        if hello.client_version.0 > ProtocolVersion::DTLS_1_2.0 {
            return Err(Error::UnsupportedVersion);
        }
        let choice = self.choose(hello)?;
        self.hs.client_random = hello.random;
        let mut server_random = [0u8; 32];
        self.random_bytes(&mut server_random)?;
        self.hs.server_random = server_random;
        self.hs.suite = suite::params(choice.suite.0);
        self.hs.cipher_suite = Some(choice.suite);
        self.hs.srtp_profile = choice.srtp;
        self.clear_transcript();
        self.transcript_received(HandshakeType::CLIENT_HELLO, seq, body);
        // Our messages continue the client's numbering (RFC 6347 §4.2.2), which also lets a
        // stateless HelloVerifyRequest exchange work.
        self.hs.next_send_seq = seq;
        self.send_server_flight(now, &choice)
    }

    fn send_hello_verify_request(&mut self, seq: u16, cookie: &[u8]) -> Result<(), Error> {
        let hvr = HandshakeMessage::HelloVerifyRequest(HelloVerifyRequest {
            // RFC 6347 §4.2.1: DTLS 1.0 here, whatever version is negotiated later.
            server_version: ProtocolVersion::DTLS_1_0,
            cookie,
        });
        let mut message = vec![0u8; hvr.whole_len()];
        hvr.emit_whole(seq, &mut message)
            .map_err(|e| Error::Decode(format!("cannot encode HelloVerifyRequest: {e}")))?;
        // Stateless: no flight, no timer; the client retransmits its ClientHello if this is lost.
        let mut datagram = Vec::new();
        self.records
            .write(0, ContentType::HANDSHAKE, &message, &mut datagram)
            .map_err(|_| Error::SequenceExhausted)?;
        self.transmits.push_back(datagram);
        Ok(())
    }

    fn choose(&self, hello: &ClientHello<'_>) -> Result<Choice, Error> {
        let offered: Vec<CipherSuite> = hello.cipher_suites.iter().collect();
        // Our certificate is ECDSA, so only ECDSA-authenticated suites can be chosen.
        let suite = self
            .config
            .cipher_suites
            .iter()
            .copied()
            .find(|s| {
                offered.contains(s)
                    && suite::params(s.0).is_some_and(|p| p.authentication == Authentication::Ecdsa)
            })
            .ok_or(Error::NoCommonCipherSuite)?;
        let mut ems = false;
        let mut renegotiation_info =
            offered.contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
        let mut client_groups: Option<Vec<NamedGroup>> = None;
        let mut client_srtp: Option<Vec<SrtpProtectionProfile>> = None;
        let mut ec_point_formats = false;
        let mut schemes_ok = true;
        for ext in hello.extensions.iter() {
            match ext {
                Extension::ExtendedMasterSecret => ems = true,
                Extension::RenegotiationInfo(data) => {
                    if !data.is_empty() {
                        return Err(Error::IllegalParameter("renegotiation_info"));
                    }
                    renegotiation_info = true;
                }
                Extension::SupportedGroups(list) => client_groups = Some(list.iter().collect()),
                Extension::UseSrtp(u) => client_srtp = Some(u.profiles.iter().collect()),
                Extension::EcPointFormats(_) => ec_point_formats = true,
                Extension::SignatureAlgorithms(list) => {
                    schemes_ok = list.iter().any(|s| s.0 == ECDSA_SECP256R1_SHA256);
                }
                _ => {}
            }
        }
        if !ems {
            return Err(Error::NoExtendedMasterSecret);
        }
        if !schemes_ok {
            return Err(Error::NoCommonCipherSuite);
        }
        let group = match &client_groups {
            Some(groups) => self
                .config
                .groups
                .iter()
                .copied()
                .find(|g| groups.contains(g)),
            None => self
                .config
                .groups
                .iter()
                .copied()
                .find(|g| *g == NamedGroup::SECP256R1),
        }
        .ok_or(Error::NoCommonGroup)?;
        let srtp = match client_srtp {
            Some(profiles) if !self.config.srtp_profiles.is_empty() => Some(
                self.config
                    .srtp_profiles
                    .iter()
                    .copied()
                    .find(|p| profiles.contains(p))
                    .ok_or(Error::NoCommonSrtpProfile)?,
            ),
            _ => None,
        };
        Ok(Choice {
            suite,
            group,
            srtp,
            renegotiation_info,
            ec_point_formats,
        })
    }

    /// Flight 4: ServerHello, Certificate, ServerKeyExchange, CertificateRequest,
    /// ServerHelloDone.
    fn send_server_flight(&mut self, now: Instant, choice: &Choice) -> Result<(), Error> {
        let srtp_list = choice.srtp.map(|p| [p]);
        let mut extensions = vec![Extension::ExtendedMasterSecret];
        if choice.renegotiation_info {
            extensions.push(Extension::RenegotiationInfo(&[]));
        }
        if let Some(list) = &srtp_list {
            extensions.push(Extension::UseSrtp(UseSrtp {
                profiles: List::Slice(list),
                mki: &[],
            }));
        }
        if choice.ec_point_formats {
            extensions.push(Extension::EcPointFormats(List::Slice(&[
                EcPointFormat::UNCOMPRESSED,
            ])));
        }
        let mut items = Vec::with_capacity(5);
        let hello = HandshakeMessage::ServerHello(ServerHello {
            server_version: ProtocolVersion::DTLS_1_2,
            random: self.hs.server_random,
            session_id: &[],
            cipher_suite: choice.suite,
            compression_method: CompressionMethod::NULL,
            extensions: List::Slice(&extensions),
        });
        items.push(self.encode_message(&hello)?);

        let certificate = self.config.certificate.clone();
        let list = [Asn1Cert(certificate.der())];
        items.push(
            self.encode_message(&HandshakeMessage::Certificate(Certificate {
                certificate_list: List::Slice(&list),
            }))?,
        );

        let kx =
            EphemeralKey::generate(choice.group.0, &self.rng).map_err(|_| Error::NoCommonGroup)?;
        let public = kx.public_key().to_vec();
        let unsigned = ServerKeyExchange {
            named_curve: choice.group,
            public: &public,
            signed_params: DigitallySigned {
                algorithm: SignatureScheme(ECDSA_SECP256R1_SHA256),
                signature: &[],
            },
        };
        let mut params = vec![0u8; unsigned.params_len()];
        unsigned
            .emit_params(&mut params)
            .map_err(|e| Error::Decode(format!("cannot encode ECDHE params: {e}")))?;
        let mut signed = Vec::with_capacity(64 + params.len());
        signed.extend_from_slice(&self.hs.client_random);
        signed.extend_from_slice(&self.hs.server_random);
        signed.extend_from_slice(&params);
        let signature = certificate.sign(&signed, &self.rng).map_err(Error::Local)?;
        items.push(self.encode_message(&HandshakeMessage::ServerKeyExchange(
            ServerKeyExchange {
                signed_params: DigitallySigned {
                    algorithm: SignatureScheme(ECDSA_SECP256R1_SHA256),
                    signature: &signature,
                },
                ..unsigned
            },
        ))?);
        self.hs.key_exchange = Some(Box::new(kx));

        items.push(self.encode_message(&HandshakeMessage::CertificateRequest(
            CertificateRequest {
                certificate_types: List::Slice(&[
                    ClientCertificateType::ECDSA_SIGN,
                    ClientCertificateType::RSA_SIGN,
                ]),
                supported_signature_algorithms: List::Slice(&SIGNATURE_SCHEMES),
                certificate_authorities: List::Slice(&[]),
            },
        ))?);
        items.push(self.encode_message(&HandshakeMessage::ServerHelloDone)?);

        self.state = State::ServerWaitClientFlight(ClientFlightStep::Certificate);
        let flight = items
            .into_iter()
            .map(|message| FlightItem::Handshake { epoch: 0, message })
            .collect();
        self.start_flight(now, flight, true)
    }
}
