//! Raw-layer parse and emit: structure, errors with line numbers, hostile input, builder.

use strata_sdp::{
    Attribute, Connection, Direction, Field, Fingerprint, Group, IcePwd, IceUfrag, Line,
    LineEnding, LineType, MediaDescription, MediaLine, Mid, Origin, ParseError, RtpMap,
    SessionDescription, Timing, TypedAttribute, ValueError,
};

const MINIMAL: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

fn err(text: &str) -> ParseError {
    SessionDescription::parse(text).expect_err(text)
}

#[test]
fn deconstruct() {
    let text = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=name\r\ni=info\r\nu=http://x\r\n\
                e=a@b\r\np=+1\r\nc=IN IP4 0.0.0.0\r\nb=AS:100\r\nt=0 0\r\nr=7d 1h 0 25h\r\n\
                z=2882844526 -1h\r\nk=prompt\r\na=ice-lite\r\nx=unknown letter\r\n\
                m=audio 9 RTP/AVP 0\r\ni=media title\r\nc=IN IP6 ::1\r\nb=TIAS:64000\r\n\
                k=clear:x\r\na=sendonly\r\ny=other\r\n";
    let sdp = SessionDescription::parse(text).unwrap();
    assert_eq!(sdp.lines.len(), 15);
    assert_eq!(sdp.lines[0], Line::field(LineType::VERSION, "0"));
    assert_eq!(sdp.lines[13], Line::Attribute(Attribute::flag("ice-lite")));
    assert_eq!(sdp.lines[14], Line::field(LineType(b'x'), "unknown letter"));
    assert_eq!(sdp.session_name(), Some("name"));
    assert_eq!(sdp.timing(), Some(Ok(Timing { start: 0, stop: 0 })));
    assert_eq!(sdp.connection().unwrap().unwrap().address, "0.0.0.0");
    assert_eq!(sdp.media.len(), 1);
    let m = &sdp.media[0];
    assert_eq!(m.media, "audio 9 RTP/AVP 0");
    assert_eq!(m.lines.len(), 6);
    assert_eq!(m.direction(), Direction::SendOnly);
    assert_eq!(m.connection().unwrap().unwrap().address_type, "IP6");
    assert_eq!(sdp.emit_string(), text);
    let typed = sdp.to_typed().unwrap();
    assert_eq!(typed.bandwidths[0].bandwidth, 100);
    assert_eq!(typed.media[0].bandwidths[0].bandwidth_type, "TIAS");
    assert_eq!(
        typed.media[0].attributes,
        [TypedAttribute::Direction(Direction::SendOnly)]
    );
}

#[test]
fn line_endings() {
    let lf = MINIMAL.replace("\r\n", "\n");
    let sdp = SessionDescription::parse(&lf).unwrap();
    assert_eq!(sdp.line_ending, LineEnding::Lf);
    assert_eq!(sdp.emit_string(), lf);
    // No terminator after the last line: added on output.
    let sdp = SessionDescription::parse(MINIMAL.trim_end()).unwrap();
    assert_eq!(sdp.emit_string(), MINIMAL);
    // Trailing blank lines are ignored.
    let blank = format!("{MINIMAL}\r\n\r\n");
    let sdp = SessionDescription::parse(&blank).unwrap();
    assert_eq!(sdp.emit_string(), MINIMAL);
    // Mixed terminators are normalized to the first line's.
    let sdp = SessionDescription::parse("v=0\no=- 1 2 IN IP4 a\r\ns=-\n").unwrap();
    assert_eq!(sdp.emit_string(), "v=0\no=- 1 2 IN IP4 a\ns=-\n");
}

#[test]
fn errors_with_line_numbers() {
    assert_eq!(err(""), ParseError::Empty);
    assert_eq!(err("\r\n"), ParseError::Empty);
    assert_eq!(err("v=1\r\n"), ParseError::InvalidVersion);
    assert_eq!(err("o=- 1 2 IN IP4 a\r\n"), ParseError::InvalidVersion);
    assert_eq!(
        err("v=0\r\ns=-\r\n"),
        ParseError::MissingLine { line_type: 'o' }
    );
    assert_eq!(
        err("v=0\r\no=- 1 2 IN IP4 a\r\n"),
        ParseError::MissingLine { line_type: 's' }
    );
    assert_eq!(
        err(&format!("{MINIMAL}bad\r\n")),
        ParseError::InvalidLine { line: 5 }
    );
    assert_eq!(
        err(&format!("{MINIMAL}1=x\r\n")),
        ParseError::InvalidLine { line: 5 }
    );
    assert_eq!(
        err(&format!("{MINIMAL}\r\na=x\r\n")),
        ParseError::InvalidLine { line: 5 }
    );
    assert_eq!(
        err(&format!("{MINIMAL}a=\r\n")),
        ParseError::InvalidAttribute { line: 5 }
    );
    assert_eq!(
        err(&format!("{MINIMAL}a=:v\r\n")),
        ParseError::InvalidAttribute { line: 5 }
    );
    assert_eq!(
        err(&format!("{MINIMAL}a=x\r\r\n")),
        ParseError::InvalidLine { line: 5 }
    );
    assert_eq!(
        err(&format!("{MINIMAL}v=0\r\n")),
        ParseError::DuplicateLine {
            line: 5,
            line_type: 'v'
        }
    );
    assert_eq!(
        err(&format!("{MINIMAL}o=- 1 2 IN IP4 a\r\n")),
        ParseError::DuplicateLine {
            line: 5,
            line_type: 'o'
        }
    );
    assert_eq!(
        err(&format!("{MINIMAL}s=x\r\n")),
        ParseError::DuplicateLine {
            line: 5,
            line_type: 's'
        }
    );
    assert_eq!(
        err("v=0\r\no=- x 2 IN IP4 a\r\ns=-\r\n"),
        ParseError::InvalidValue {
            line: 2,
            line_type: 'o',
            source: ValueError::Invalid { field: "sess-id" }
        }
    );
    assert_eq!(
        err(&format!("{MINIMAL}m=audio 9 RTP/AVP\r\n")),
        ParseError::InvalidValue {
            line: 5,
            line_type: 'm',
            source: ValueError::Missing { field: "fmt" }
        }
    );
    assert_eq!(
        err(&format!("{MINIMAL}m=audio 9 RTP/AVP 0\r\nc=IN IP4\r\n")),
        ParseError::InvalidValue {
            line: 6,
            line_type: 'c',
            source: ValueError::Missing {
                field: "connection-address"
            }
        }
    );
    assert_eq!(
        err(&format!("{MINIMAL}b=AS\r\n")),
        ParseError::InvalidValue {
            line: 5,
            line_type: 'b',
            source: ValueError::Missing { field: "bandwidth" }
        }
    );
    assert_eq!(
        err(&format!("{MINIMAL}t=0\r\n")),
        ParseError::InvalidValue {
            line: 5,
            line_type: 't',
            source: ValueError::Missing { field: "stop-time" }
        }
    );
    assert_eq!(
        err(&format!("{MINIMAL}m=audio 9 RTP/AVP 0\r\nt=0 0\r\n")),
        ParseError::UnexpectedLine {
            line: 6,
            line_type: 't'
        }
    );
    // Display carries the line number.
    assert_eq!(
        err(&format!("{MINIMAL}m=audio x RTP/AVP 0\r\n")).to_string(),
        "line 5: invalid `m=` value: invalid port"
    );
}

#[test]
fn typed_errors_with_line_numbers() {
    let text = format!(
        "{MINIMAL}a=group:BUNDLE 0\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\na=rtpmap:0 PCMU\r\n"
    );
    let sdp = SessionDescription::parse(&text).unwrap();
    assert_eq!(
        sdp.to_typed(),
        Err(ParseError::InvalidValue {
            line: 8,
            line_type: 'a',
            source: ValueError::Missing {
                field: "clock rate"
            }
        })
    );
    let text = format!("{MINIMAL}a=setup:bogus\r\n");
    let sdp = SessionDescription::parse(&text).unwrap();
    assert_eq!(
        sdp.to_typed(),
        Err(ParseError::InvalidValue {
            line: 5,
            line_type: 'a',
            source: ValueError::Invalid { field: "role" }
        })
    );
    // Errors in attributes never fail the raw parse: the raw layer keeps them.
    assert_eq!(sdp.emit_string(), text);
}

#[test]
fn hostile_input() {
    // Deep nesting of nothing, huge numbers, control characters, non-ASCII: errors, not panics.
    for text in [
        "v=0",
        "v=0\r",
        "v=0\n\n\nx",
        "v=0\r\no=- 99999999999999999999999 1 IN IP4 a\r\ns=-\r\n",
        "v=0\r\no=- 1 1 IN IP4 a\r\ns=-\r\nm=audio 99999 RTP/AVP 0\r\n",
        "v=0\r\no=- 1 1 IN IP4 a\r\ns=-\r\nm=audio 9/ RTP/AVP 0\r\n",
        "v=0\r\no=- 1 1 IN IP4 a\r\ns=-\r\nm=\u{e9}\r\n",
        "v=0\r\no=- 1 1 IN IP4 a\r\ns=-\r\n\u{e9}=x\r\n",
        "v=0\r\no=- 1 1 IN IP4 \u{0}\r\ns=-\r\n",
        "\u{feff}v=0\r\n",
        "=\r\n",
        "v=",
    ] {
        let _ = SessionDescription::parse(text).map(|s| s.to_typed().map(|_| ()));
    }
    // Many lines: memory grows with the input only.
    let mut big = String::from(MINIMAL);
    for i in 0..20_000 {
        big.push_str(&format!("m=audio {i} RTP/AVP 0\r\na=x-{i}\r\n"));
    }
    let sdp = SessionDescription::parse(&big).unwrap();
    assert_eq!(sdp.media.len(), 20_000);
    assert_eq!(sdp.emit_string(), big);
}

#[test]
fn construct_and_emit() {
    let origin = Origin::parse("- 4611731400430051336 2 IN IP4 127.0.0.1").unwrap();
    let mut sdp = SessionDescription::new(&origin, "-");
    sdp.push_attribute(&Group::bundle(["0"]));
    let mut m = MediaDescription::new(&MediaLine::new(
        "audio",
        9,
        "UDP/TLS/RTP/SAVPF",
        &["111", "0"],
    ));
    let conn = Connection {
        net_type: "IN".into(),
        address_type: "IP4".into(),
        address: "0.0.0.0".into(),
    };
    m.push(Line::field(LineType::CONNECTION, conn.to_string()))
        .push_attribute(&Mid("0".into()))
        .push_attribute(&Direction::RecvOnly)
        .push_attribute(&RtpMap {
            payload_type: 111,
            encoding_name: "opus".into(),
            clock_rate: 48000,
            channels: Some(2),
        })
        .push_attribute(&Fingerprint::new("sha-256", &[0xab; 32]).unwrap())
        .push(Field {
            line_type: LineType(b'y'),
            value: "kept".into(),
        });
    sdp.push_media(m);
    let expected = format!(
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n\
         m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\n\
         a=rtpmap:111 opus/48000/2\r\na=fingerprint:sha-256 {}\r\ny=kept\r\n",
        vec!["AB"; 32].join(":")
    );
    assert_eq!(sdp.emit_string(), expected);
    assert_eq!(sdp.buffer_len(), expected.len());
    let back = SessionDescription::parse(&expected).unwrap();
    assert_eq!(back, sdp);
    assert_eq!(back.to_typed().unwrap().media[0].attributes.len(), 4);
    // LF output on request.
    sdp.line_ending = LineEnding::Lf;
    assert_eq!(sdp.emit_string(), expected.replace("\r\n", "\n"));
}

#[test]
fn session_level_fallbacks_and_groups() {
    let text = format!(
        "{MINIMAL}a=group:LS 0 1\r\na=group:BUNDLE 1\r\na=ice-ufrag:sess\r\na=ice-pwd:sessionpassword\r\n\
         a=fingerprint:sha-1 AA:BB\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\na=ice-ufrag:media\r\n\
         m=video 9 RTP/AVP 96\r\na=mid:1\r\na=fingerprint:sha-256 01:02\r\na=fingerprint:sha-1 03:04\r\n"
    );
    let sdp = SessionDescription::parse(&text).unwrap();
    let (audio, video) = (&sdp.media[0], &sdp.media[1]);
    // Media level wins; the session level fills in what the media level lacks.
    assert_eq!(
        sdp.get_for::<IceUfrag<'_>>(audio),
        Some(Ok(IceUfrag("media".into())))
    );
    assert_eq!(
        sdp.get_for::<IceUfrag<'_>>(video),
        Some(Ok(IceUfrag("sess".into())))
    );
    assert_eq!(
        sdp.get_for::<IcePwd<'_>>(audio),
        Some(Ok(IcePwd("sessionpassword".into())))
    );
    let fp = |m| -> Vec<Vec<u8>> {
        sdp.get_all_for::<Fingerprint<'_>>(m)
            .map(|f| f.unwrap().digest().to_vec())
            .collect()
    };
    assert_eq!(fp(audio), [vec![0xaa, 0xbb]]);
    assert_eq!(fp(video), [vec![1, 2], vec![3, 4]]);
    // Only BUNDLE groups are bundle groups.
    let groups: Vec<_> = sdp.bundle_groups().collect::<Result<_, _>>().unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].mids, ["1"]);
    assert_eq!(sdp.get_all::<Group<'_>>().count(), 2);
    assert_eq!(sdp.media_by_mid("1"), Some(video));
    assert_eq!(sdp.media_by_mid("2"), None);
    assert!(!sdp.extmap_allow_mixed());
}
