//! The session descriptions a data-channel peer connection writes and reads (RFC 8829
//! sections 5.2-5.3 and 5.7-5.10, RFC 8841 for the SCTP m-line, RFC 8839 for ICE
//! attributes, RFC 8122/8842 for fingerprint and setup, RFC 8843 for BUNDLE).
//!
//! We write one `m=application 9 UDP/DTLS/SCTP webrtc-datachannel` section, bundled, with
//! rtcp-less ICE/DTLS attributes at media level the way browsers write them. Reading a remote
//! description takes what the transport needs from the first usable application section
//! (mid, ICE credentials and options, ice-lite, fingerprints, setup, sctp-port,
//! max-message-size, candidates, end-of-candidates) and remembers every other m-section so
//! the answer can reject it with port 0 (RFC 8829 section 5.3.1) instead of failing.
//!
//! Left out: the legacy `DTLS/SCTP 5000` + `a=sctpmap` form of pre-2017 Firefox; audio and
//! video sections (rejected until media lands); more than one data section (the extra ones
//! are rejected).

use std::fmt::Write as _;

use strata_dtls::crypto::cert::Fingerprint;
use strata_ice::Candidate;
use strata_sdp::SessionDescription;

use crate::Error;

/// The DTLS role negotiation attribute (RFC 4145, RFC 8842).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    /// `actpass`: the offerer lets the answerer choose.
    ActPass,
    /// `active`: this side is the DTLS client.
    Active,
    /// `passive`: this side is the DTLS server.
    Passive,
}

impl Setup {
    fn as_str(self) -> &'static str {
        match self {
            Setup::ActPass => "actpass",
            Setup::Active => "active",
            Setup::Passive => "passive",
        }
    }

    fn parse(s: &str) -> Option<Setup> {
        match s.trim() {
            "actpass" => Some(Setup::ActPass),
            "active" => Some(Setup::Active),
            "passive" => Some(Setup::Passive),
            _ => None,
        }
    }
}

/// What we put in a local description.
#[derive(Debug, Clone)]
pub(crate) struct LocalParams<'a> {
    pub session_id: u64,
    pub session_version: u64,
    pub mid: &'a str,
    pub ufrag: &'a str,
    pub pwd: &'a str,
    pub ice_lite: bool,
    pub fingerprint: &'a Fingerprint,
    pub setup: Setup,
    pub sctp_port: u16,
    pub max_message_size: usize,
    pub candidates: &'a [Candidate],
    pub end_of_candidates: bool,
    /// Remote m-sections to answer with port 0, in order around ours.
    pub rejected: &'a [RejectedSection],
    /// Our section's index among all m-sections (0 in offers).
    pub data_index: usize,
}

/// A remote m-section we do not take, answered with port 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RejectedSection {
    pub index: usize,
    pub media: String,
    pub proto: String,
    pub formats: String,
    pub mid: Option<String>,
}

/// Writes a local offer or answer.
pub(crate) fn write_description(p: &LocalParams<'_>) -> String {
    let mut s = String::with_capacity(1024);
    let _ = write!(
        s,
        "v=0\r\no=- {} {} IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
        p.session_id, p.session_version
    );
    let _ = write!(s, "a=group:BUNDLE {}\r\n", p.mid);
    if p.ice_lite {
        s.push_str("a=ice-lite\r\n");
    }
    let sections = p.rejected.len() + 1;
    let mut rejected = p.rejected.iter();
    for index in 0..sections {
        if index != p.data_index {
            if let Some(r) = rejected.next() {
                let _ = write!(
                    s,
                    "m={} 0 {} {}\r\nc=IN IP4 0.0.0.0\r\n",
                    r.media, r.proto, r.formats
                );
                if let Some(mid) = &r.mid {
                    let _ = write!(s, "a=mid:{mid}\r\n");
                }
                s.push_str("a=inactive\r\n");
            }
            continue;
        }
        s.push_str("m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n");
        for c in p.candidates {
            let _ = write!(s, "a={c}\r\n");
        }
        if p.end_of_candidates {
            s.push_str("a=end-of-candidates\r\n");
        }
        let _ = write!(
            s,
            "a=ice-ufrag:{}\r\na=ice-pwd:{}\r\na=ice-options:trickle\r\n",
            p.ufrag, p.pwd
        );
        let _ = write!(s, "a=fingerprint:{}\r\n", fingerprint_text(p.fingerprint));
        let _ = write!(s, "a=setup:{}\r\na=mid:{}\r\n", p.setup.as_str(), p.mid);
        let _ = write!(
            s,
            "a=sctp-port:{}\r\na=max-message-size:{}\r\n",
            p.sctp_port, p.max_message_size
        );
    }
    s
}

/// The fingerprint in SDP form: lower-case hash name, upper-case hex (RFC 8122 section 5).
fn fingerprint_text(f: &Fingerprint) -> String {
    let text = f.to_string();
    match text.split_once(' ') {
        Some((alg, hex)) => format!("{} {hex}", alg.to_ascii_lowercase()),
        None => text,
    }
}

/// What a remote description says about the data transport.
#[derive(Debug, Clone, Default)]
pub(crate) struct RemoteParams {
    pub mid: String,
    pub data_index: usize,
    pub ufrag: String,
    pub pwd: String,
    pub ice_lite: bool,
    pub fingerprints: Vec<Fingerprint>,
    pub setup: Option<Setup>,
    pub sctp_port: u16,
    /// `a=max-message-size`; `None` if absent (RFC 8841 section 6.1: then 64 KiB).
    pub max_message_size: Option<usize>,
    pub candidates: Vec<Candidate>,
    pub end_of_candidates: bool,
    pub rejected: Vec<RejectedSection>,
    /// The data section was rejected by the remote side (port 0).
    pub data_rejected: bool,
}

/// Reads a remote offer or answer.
pub(crate) fn read_description(text: &str) -> Result<RemoteParams, Error> {
    let sdp = SessionDescription::parse(text).map_err(|e| Error::BadDescription(e.to_string()))?;
    let mut out = RemoteParams::default();
    let mut found = false;
    for (index, media) in sdp.media.iter().enumerate() {
        let line = media
            .media_line()
            .map_err(|e| Error::BadDescription(e.to_string()))?;
        let is_data = line.media == "application"
            && line.proto.ends_with("DTLS/SCTP")
            && line.formats.trim() == "webrtc-datachannel";
        if !is_data || found {
            out.rejected.push(RejectedSection {
                index,
                media: line.media.to_string(),
                proto: line.proto.to_string(),
                formats: line.formats.to_string(),
                mid: media.mid().map(str::to_owned),
            });
            continue;
        }
        found = true;
        out.data_index = index;
        out.data_rejected = line.port == 0;
        out.mid = media.mid().unwrap_or("0").to_owned();
        let attr = |name: &str| -> Option<String> {
            media
                .attribute(name)
                .or_else(|| sdp.attribute(name))
                .and_then(|a| a.value.as_deref().map(|v| v.trim().to_owned()))
        };
        out.ufrag = attr("ice-ufrag").ok_or(Error::BadDescription("no a=ice-ufrag".into()))?;
        out.pwd = attr("ice-pwd").ok_or(Error::BadDescription("no a=ice-pwd".into()))?;
        out.ice_lite = sdp.attribute("ice-lite").is_some();
        let fps: Vec<&str> = {
            let m: Vec<&str> = media
                .attributes()
                .filter(|a| a.name == "fingerprint")
                .filter_map(|a| a.value.as_deref())
                .collect();
            if m.is_empty() {
                sdp.attributes()
                    .filter(|a| a.name == "fingerprint")
                    .filter_map(|a| a.value.as_deref())
                    .collect()
            } else {
                m
            }
        };
        for f in fps {
            // Unknown hash functions are skipped; at least one must be usable.
            if let Ok(fp) = Fingerprint::parse(f) {
                out.fingerprints.push(fp);
            }
        }
        if out.fingerprints.is_empty() {
            return Err(Error::BadDescription(
                "no usable a=fingerprint (sha-256, sha-384 or sha-512)".into(),
            ));
        }
        out.setup = attr("setup").and_then(|s| Setup::parse(&s));
        out.sctp_port = match attr("sctp-port") {
            Some(p) => p
                .parse()
                .map_err(|_| Error::BadDescription(format!("bad a=sctp-port:{p}")))?,
            None => 5000,
        };
        out.max_message_size = match attr("max-message-size") {
            Some(m) => Some(
                m.parse()
                    .map_err(|_| Error::BadDescription(format!("bad a=max-message-size:{m}")))?,
            ),
            None => None,
        };
        for a in media.attributes().filter(|a| a.name == "candidate") {
            if let Some(v) = a.value.as_deref() {
                // A candidate we cannot parse (another transport's extension) is skipped,
                // as browsers skip them.
                if let Ok(c) = Candidate::parse(v) {
                    out.candidates.push(c);
                }
            }
        }
        out.end_of_candidates = media.attribute("end-of-candidates").is_some();
    }
    if !found {
        return Err(Error::BadDescription(
            "no m=application UDP/DTLS/SCTP webrtc-datachannel section".into(),
        ));
    }
    // The parameters are kept for the connection's life: no spare capacity.
    out.fingerprints.shrink_to_fit();
    out.rejected.shrink_to_fit();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_dtls::crypto::cert::FingerprintAlgorithm;

    const CHROMIUM_OFFER: &str = include_str!("../tests/data/chromium156-offer-av-dc.sdp");

    #[test]
    fn reads_chromium_offer_and_rejects_media() {
        let r = read_description(CHROMIUM_OFFER).unwrap();
        assert_eq!(r.sctp_port, 5000);
        assert_eq!(r.max_message_size, Some(262_144));
        assert_eq!(r.setup, Some(Setup::ActPass));
        assert_eq!(r.fingerprints[0].algorithm, FingerprintAlgorithm::Sha256);
        assert!(!r.ufrag.is_empty() && r.pwd.len() >= 22);
        assert_eq!(
            r.rejected
                .iter()
                .map(|s| s.media.as_str())
                .collect::<Vec<_>>(),
            ["audio", "video"]
        );
    }

    #[test]
    fn written_answer_parses_and_rejects_in_place() {
        let offer = read_description(CHROMIUM_OFFER).unwrap();
        let fp = Fingerprint {
            algorithm: FingerprintAlgorithm::Sha256,
            value: vec![0xAB; 32],
        };
        let text = write_description(&LocalParams {
            session_id: 1,
            session_version: 2,
            mid: &offer.mid,
            ufrag: "abcd",
            pwd: "0123456789012345678901",
            ice_lite: false,
            fingerprint: &fp,
            setup: Setup::Active,
            sctp_port: 5000,
            max_message_size: 262_144,
            candidates: &[],
            end_of_candidates: false,
            rejected: &offer.rejected,
            data_index: offer.data_index,
        });
        let sdp = SessionDescription::parse(&text).unwrap();
        assert_eq!(sdp.media.len(), 3);
        let ports: Vec<u16> = sdp
            .media
            .iter()
            .map(|m| m.media_line().unwrap().port)
            .collect();
        assert_eq!(ports, [0, 0, 9]);
        assert_eq!(sdp.media[2].mid(), Some(offer.mid.as_str()));
        let back = read_description(&text).unwrap();
        assert_eq!(back.fingerprints, vec![fp]);
        assert_eq!(back.setup, Some(Setup::Active));
        assert!(text.contains("a=fingerprint:sha-256 AB:AB:"));
    }

    #[test]
    fn refuses_descriptions_without_data() {
        let audio_only =
            "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
        assert!(matches!(
            read_description(audio_only),
            Err(Error::BadDescription(_))
        ));
        assert!(read_description("garbage").is_err());
    }
}
