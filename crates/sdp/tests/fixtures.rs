//! Real session descriptions (Chromium, aiortc): exact round trip and typed parsing of every
//! file in `tests/data/*.sdp`, plus targeted checks on the Chromium 156 offers.

use std::fs;
use std::path::PathBuf;

use strata_sdp::{
    Candidate, CandidateAddress, Direction, ExtmapAllowMixed, Fingerprint, Fmtp, IceOptions,
    IcePwd, IceUfrag, LineEnding, MaxMessageSize, MsidSemantic, RtpMap, SctpPort,
    SessionDescription, Setup, SsrcGroup, TcpType, TypedAttribute,
};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn fixtures() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in fs::read_dir(data_dir()).expect("tests/data exists") {
        let path = entry.expect("readable dir entry").path();
        if path.extension().is_some_and(|e| e == "sdp") {
            let name = path
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let text = fs::read_to_string(&path).expect("fixture is UTF-8");
            out.push((name, text));
        }
    }
    out.sort();
    out
}

fn fixture(name: &str) -> String {
    fs::read_to_string(data_dir().join(name)).expect("fixture present")
}

#[test]
fn every_fixture_round_trips_exactly() {
    let all = fixtures();
    assert!(all.len() >= 2, "fixtures missing");
    for (name, text) in &all {
        let sdp = SessionDescription::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(sdp.buffer_len(), text.len(), "{name}: buffer_len");
        assert_eq!(&sdp.emit_string(), text, "{name}: emit differs");
        assert_eq!(sdp.to_string(), *text, "{name}: Display differs");
        // Owned copies compare equal and emit the same bytes.
        let owned = sdp.clone().into_owned();
        assert_eq!(owned, sdp, "{name}");
        let lines = text.lines().count();
        let counted = sdp.lines.len() + sdp.media.iter().map(|m| 1 + m.lines.len()).sum::<usize>();
        assert_eq!(counted, lines, "{name}: line count");
    }
}

#[test]
fn every_fixture_types_every_attribute() {
    for (name, text) in fixtures() {
        let sdp = SessionDescription::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let typed = sdp.to_typed().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(typed.media.len(), sdp.media.len());
        let raw = sdp
            .attributes()
            .chain(sdp.media.iter().flat_map(|m| m.attributes()));
        let all_typed = typed
            .attributes
            .iter()
            .chain(typed.media.iter().flat_map(|m| &m.attributes));
        let mut known = 0;
        for (raw, t) in raw.zip(all_typed) {
            if let TypedAttribute::Unknown(u) = t {
                assert_eq!(u, raw);
                continue;
            }
            known += 1;
            // typed -> attribute -> typed is the identity.
            let back = t.to_attribute();
            assert_eq!(back.parse_typed().as_ref(), Ok(t), "{name}: {raw}");
            // Chromium and aiortc write attributes the way we format them, except for the
            // blank after `msid-semantic:` (Chromium writes one, aiortc does not).
            if !matches!(t, TypedAttribute::MsidSemantic(_)) {
                assert_eq!(back.to_string(), raw.to_string(), "{name}: canonical form");
            }
        }
        assert!(known > 5, "{name}: only {known} typed attributes");
        for m in &sdp.media {
            let ml = m.media_line().expect("m= line");
            for c in m.get_all::<Candidate<'_>>() {
                c.unwrap_or_else(|e| panic!("{name}: candidate: {e}"));
            }
            if ml.proto.contains("RTP") {
                let pts: Vec<u8> = ml.payload_types().collect::<Result<_, _>>().expect("pts");
                for map in m.get_all::<RtpMap<'_>>() {
                    let map = map.expect("rtpmap");
                    assert!(
                        pts.contains(&map.payload_type),
                        "{name}: rtpmap {}",
                        map.payload_type
                    );
                }
                for f in m.get_all::<Fmtp<'_>>() {
                    assert!(pts.contains(&f.expect("fmtp").payload_type), "{name}: fmtp");
                }
            }
            let ufrag = sdp
                .get_for::<IceUfrag<'_>>(m)
                .expect("ice-ufrag")
                .expect("valid");
            assert!(!ufrag.0.is_empty());
            assert!(sdp.get_for::<IcePwd<'_>>(m).is_some(), "{name}: ice-pwd");
            let fps: Vec<_> = sdp
                .get_all_for::<Fingerprint<'_>>(m)
                .collect::<Result<_, _>>()
                .expect("fp");
            assert!(!fps.is_empty(), "{name}: fingerprint");
            assert!(fps.iter().all(|f| f.digest().len() >= 20));
        }
    }
}

#[test]
fn chromium_offer_av_dc() {
    let text = fixture("chromium156-offer-av-dc.sdp");
    let sdp = SessionDescription::parse(&text).unwrap();
    assert_eq!(sdp.line_ending, LineEnding::Crlf);
    assert_eq!(text.lines().count(), 183);

    let origin = sdp.origin().unwrap();
    assert_eq!(origin.session_id, 1_365_477_164_264_912_965);
    assert_eq!(origin.session_version, 2);
    assert_eq!(sdp.session_name(), Some("-"));

    let bundle: Vec<_> = sdp.bundle_groups().collect::<Result<_, _>>().unwrap();
    assert_eq!(bundle.len(), 1);
    assert_eq!(bundle[0].mids, ["0", "1", "2"]);
    assert!(sdp.extmap_allow_mixed());
    assert_eq!(sdp.get::<ExtmapAllowMixed>(), Some(Ok(ExtmapAllowMixed)));
    let ms = sdp.get::<MsidSemantic<'_>>().unwrap().unwrap();
    assert_eq!(ms.semantic, "WMS");
    assert_eq!(ms.identifiers, ["4ebc22d5-376f-43de-a87a-a48b01269bf9"]);

    let kinds: Vec<_> = sdp
        .media
        .iter()
        .map(|m| m.media_line().unwrap().media.into_owned())
        .collect();
    assert_eq!(kinds, ["audio", "video", "application"]);
    for (i, m) in sdp.media.iter().enumerate() {
        assert_eq!(m.mid(), Some(["0", "1", "2"][i]));
        assert_eq!(m.get::<Setup>(), Some(Ok(Setup::ActPass)));
        assert_eq!(m.get::<IceUfrag<'_>>(), Some(Ok(IceUfrag("bgAm".into()))));
        assert!(m.get::<IceOptions<'_>>().unwrap().unwrap().has_trickle());
        let fp = m.get::<Fingerprint<'_>>().unwrap().unwrap();
        assert_eq!(fp.hash_function, "sha-256");
        assert_eq!(fp.digest()[..4], [0x64, 0x17, 0xab, 0x3b]);
        let cands: Vec<_> = m
            .get_all::<Candidate<'_>>()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(cands.len(), 4);
        assert!(matches!(cands[1].address, CandidateAddress::Ip(ip) if ip.is_ipv6()));
        assert_eq!(cands[2].tcp_type, Some(TcpType::Active));
        assert_eq!(cands[3].extension("network-id"), Some("2"));
    }

    let audio = &sdp.media[0];
    assert_eq!(audio.direction(), Direction::SendRecv);
    assert!(audio.has_attribute("rtcp-mux") && audio.has_attribute("rtcp-rsize"));
    let opus = audio.get::<RtpMap<'_>>().unwrap().unwrap();
    assert_eq!(
        (
            opus.payload_type,
            &*opus.encoding_name,
            opus.clock_rate,
            opus.channels
        ),
        (111, "opus", 48000, Some(2))
    );
    let fmtp = audio.get::<Fmtp<'_>>().unwrap().unwrap();
    assert_eq!(fmtp.parameter("useinbandfec"), Some("1"));
    assert_eq!(audio.media_line().unwrap().payload_types().count(), 8);

    let video = &sdp.media[1];
    assert_eq!(video.get_all::<RtpMap<'_>>().count(), 23);
    let h264 = video
        .get_all::<Fmtp<'_>>()
        .map(Result::unwrap)
        .find(|f| f.payload_type == 102)
        .unwrap();
    assert_eq!(h264.parameter("profile-level-id"), Some("42001f"));
    let fid = video.get::<SsrcGroup<'_>>().unwrap().unwrap();
    assert_eq!(
        (&*fid.semantics, fid.ssrcs.as_slice()),
        ("FID", &[836_509_962, 833_551_736][..])
    );

    let data = &sdp.media[2];
    assert_eq!(data.get::<SctpPort>(), Some(Ok(SctpPort(5000))));
    assert_eq!(
        data.get::<MaxMessageSize>(),
        Some(Ok(MaxMessageSize(262_144)))
    );
    assert_eq!(sdp.media_by_mid("2"), Some(data));
}

#[test]
fn chromium_offer_dc_lf_variant() {
    let text = fixture("chromium156-offer-dc.sdp");
    let lf = text.replace("\r\n", "\n");
    let crlf = SessionDescription::parse(&text).unwrap();
    let sdp = SessionDescription::parse(&lf).unwrap();
    assert_eq!(sdp.line_ending, LineEnding::Lf);
    assert_eq!(sdp.emit_string(), lf);
    assert_eq!(sdp.lines, crlf.lines);
    assert_eq!(sdp.media, crlf.media);
}
