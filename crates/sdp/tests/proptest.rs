//! Property tests: every typed attribute formats to an attribute that parses back to the same
//! value, and a generated session description survives emit -> parse unchanged.

use std::borrow::Cow;
use std::net::IpAddr;

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use strata_sdp::{
    Attribute, AttributeValue, Bandwidth, Candidate, CandidateAddress, CandidateType, Connection,
    Direction, EndOfCandidates, Extmap, ExtmapAllowMixed, Field, Fingerprint, Fmtp, Group, IceLite,
    IceOptions, IcePwd, IceUfrag, Line, LineEnding, LineType, MaxMessageSize, MediaDescription,
    MediaLine, Mid, Msid, MsidSemantic, Origin, Rid, RidDirection, RidRestriction, Rtcp, RtcpFb,
    RtcpMux, RtcpRsize, RtpMap, SctpPort, SessionDescription, Setup, Simulcast, SimulcastId, Ssrc,
    SsrcGroup, TcpType, Timing, TypedAttribute,
};

type S = Cow<'static, str>;

fn word() -> impl Strategy<Value = S> {
    "[A-Za-z0-9+/._-]{1,12}".prop_map(Cow::Owned)
}

/// Printable ASCII that does not start with a blank (a verbatim "rest of line").
fn rest() -> impl Strategy<Value = S> {
    "[!-~][ -~]{0,15}".prop_map(Cow::Owned)
}

fn pt() -> impl Strategy<Value = u8> {
    0u8..=127
}

fn direction() -> impl Strategy<Value = Direction> {
    prop_oneof![
        Just(Direction::SendRecv),
        Just(Direction::SendOnly),
        Just(Direction::RecvOnly),
        Just(Direction::Inactive)
    ]
}

fn address() -> impl Strategy<Value = CandidateAddress<'static>> {
    prop_oneof![
        any::<IpAddr>().prop_map(CandidateAddress::Ip),
        "[a-z0-9-]{1,12}(\\.[a-z0-9-]{1,8}){0,2}\\.local"
            .prop_filter("not an IP", |s| s.parse::<IpAddr>().is_err())
            .prop_map(|s| CandidateAddress::Fqdn(s.into())),
    ]
}

fn candidate() -> impl Strategy<Value = Candidate<'static>> {
    let typ = prop_oneof![
        Just(CandidateType::Host),
        Just(CandidateType::ServerReflexive),
        Just(CandidateType::PeerReflexive),
        Just(CandidateType::Relay),
        "x-[a-z]{1,6}".prop_map(|s| CandidateType::Other(s.into())),
    ];
    let tcp = option::of(prop_oneof![
        Just(TcpType::Active),
        Just(TcpType::Passive),
        Just(TcpType::SimultaneousOpen)
    ]);
    let ext = vec(
        (
            word().prop_filter("reserved", |n| {
                !matches!(&**n, "raddr" | "rport" | "tcptype")
            }),
            word(),
        ),
        0..4,
    );
    (
        (
            word(),
            0u16..=999,
            word(),
            any::<u32>(),
            address(),
            any::<u16>(),
        ),
        (
            typ,
            option::of(address()),
            option::of(any::<u16>()),
            tcp,
            ext,
        ),
    )
        .prop_map(
            |(
                (foundation, component, transport, priority, address, port),
                (typ, ra, rp, tcp, ext),
            )| {
                Candidate {
                    foundation,
                    component,
                    transport,
                    priority,
                    address,
                    port,
                    typ,
                    related_address: ra,
                    related_port: rp,
                    tcp_type: tcp,
                    extensions: ext,
                }
            },
        )
}

fn fingerprint() -> impl Strategy<Value = Fingerprint<'static>> {
    ("[a-z0-9-]{1,8}", vec(any::<u8>(), 1..=64))
        .prop_map(|(h, d)| Fingerprint::new(h, &d).expect("1..=64 bytes"))
}

fn rid() -> impl Strategy<Value = Rid<'static>> {
    let restriction = (
        "[a-z0-9-]{1,8}".prop_filter("pt is the format list", |n| n != "pt"),
        option::of("[ -:<-~]{0,10}"),
    )
        .prop_map(|(n, v)| RidRestriction {
            name: n.into(),
            value: v.map(Into::into),
        });
    (
        "[A-Za-z0-9_-]{1,8}",
        prop_oneof![Just(RidDirection::Send), Just(RidDirection::Recv)],
        vec(pt(), 0..4),
        vec(restriction, 0..4),
    )
        .prop_map(|(id, direction, payload_types, restrictions)| Rid {
            id: id.into(),
            direction,
            payload_types,
            restrictions,
        })
}

fn simulcast() -> impl Strategy<Value = Simulcast<'static>> {
    let id = ("[A-Za-z0-9_-]{1,6}", any::<bool>()).prop_map(|(rid, paused)| SimulcastId {
        rid: rid.into(),
        paused,
    });
    let streams = || vec(vec(id.clone(), 1..3), 0..3);
    (streams(), streams())
        .prop_filter("one direction", |(s, r)| !s.is_empty() || !r.is_empty())
        .prop_map(|(send, recv)| Simulcast { send, recv })
}

fn typed_attribute() -> impl Strategy<Value = TypedAttribute<'static>> {
    prop_oneof![
        candidate().prop_map(|c| TypedAttribute::Candidate(Box::new(c))),
        (
            pt(),
            "[A-Za-z0-9-]{1,10}",
            any::<u32>(),
            option::of(any::<u16>())
        )
            .prop_map(
                |(payload_type, n, clock_rate, channels)| TypedAttribute::RtpMap(RtpMap {
                    payload_type,
                    encoding_name: n.into(),
                    clock_rate,
                    channels
                })
            ),
        (pt(), "[ -~]{0,30}").prop_map(|(payload_type, p)| TypedAttribute::Fmtp(Fmtp {
            payload_type,
            parameters: p.into()
        })),
        (option::of(pt()), word(), option::of(rest())).prop_map(|(payload_type, t, p)| {
            TypedAttribute::RtcpFb(RtcpFb {
                payload_type,
                feedback_type: t,
                parameter: p,
            })
        }),
        (1u16.., option::of(direction()), word(), option::of(rest())).prop_map(
            |(id, direction, uri, attributes)| TypedAttribute::Extmap(Extmap {
                id,
                direction,
                uri,
                attributes
            })
        ),
        (
            any::<u32>(),
            "[A-Za-z0-9+/._-]{1,8}",
            option::of("[ -~]{0,20}")
        )
            .prop_map(|(ssrc, a, v)| TypedAttribute::Ssrc(Ssrc {
                ssrc,
                attribute: a.into(),
                value: v.map(Into::into)
            })),
        (word(), vec(any::<u32>(), 0..4)).prop_map(|(semantics, ssrcs)| TypedAttribute::SsrcGroup(
            SsrcGroup { semantics, ssrcs }
        )),
        word().prop_map(|m| TypedAttribute::Mid(Mid(m))),
        direction().prop_map(TypedAttribute::Direction),
        (word(), option::of(word())).prop_map(|(stream_id, app_data)| TypedAttribute::Msid(Msid {
            stream_id,
            app_data
        })),
        (word(), vec(word(), 0..4))
            .prop_map(|(semantics, mids)| TypedAttribute::Group(Group { semantics, mids })),
        (word(), vec(word(), 0..4)).prop_map(|(semantic, identifiers)| {
            TypedAttribute::MsidSemantic(MsidSemantic {
                semantic,
                identifiers,
            })
        }),
        prop_oneof![
            Just(TypedAttribute::ExtmapAllowMixed(ExtmapAllowMixed)),
            Just(TypedAttribute::IceLite(IceLite)),
            Just(TypedAttribute::EndOfCandidates(EndOfCandidates)),
            Just(TypedAttribute::RtcpMux(RtcpMux)),
            Just(TypedAttribute::RtcpRsize(RtcpRsize)),
        ],
        word().prop_map(|u| TypedAttribute::IceUfrag(IceUfrag(u))),
        word().prop_map(|p| TypedAttribute::IcePwd(IcePwd(p))),
        vec(word(), 1..4).prop_map(|o| TypedAttribute::IceOptions(IceOptions(o))),
        fingerprint().prop_map(TypedAttribute::Fingerprint),
        prop_oneof![
            Just(Setup::Active),
            Just(Setup::Passive),
            Just(Setup::ActPass),
            Just(Setup::HoldConn)
        ]
        .prop_map(TypedAttribute::Setup),
        (any::<u16>(), option::of((word(), word(), word())))
            .prop_map(|(port, address)| TypedAttribute::Rtcp(Rtcp { port, address })),
        any::<u16>().prop_map(|p| TypedAttribute::SctpPort(SctpPort(p))),
        any::<u64>().prop_map(|s| TypedAttribute::MaxMessageSize(MaxMessageSize(s))),
        rid().prop_map(TypedAttribute::Rid),
        simulcast().prop_map(TypedAttribute::Simulcast),
    ]
}

/// `T` -> attribute -> `T` through the trait (not through `TypedAttribute`).
fn trait_round_trip<'a, T>(v: &T, a: &'a Attribute<'a>)
where
    T: AttributeValue<'a> + PartialEq + Clone + std::fmt::Debug,
{
    assert!(T::accepts(&a.name));
    assert_eq!(a.value.is_none(), T::FLAG);
    assert_eq!(a.get::<T>(), Some(Ok(v.clone())));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn typed_attribute_round_trip(t in typed_attribute()) {
        let a = t.to_attribute();
        prop_assert_eq!(a.name(), t.name());
        prop_assert_eq!(a.parse_typed(), Ok(t.clone()));
        // Display of the typed value equals the attribute text.
        prop_assert_eq!(t.to_string(), a.to_string());
        // Through a whole line of text, too.
        let text = format!("a={a}");
        let line = Line::from_text(&text).expect("valid line");
        let reparsed = line.as_attribute().expect("attribute").parse_typed();
        prop_assert_eq!(reparsed, Ok(t.clone()));
        match &t {
            TypedAttribute::Candidate(c) => {
                trait_round_trip(c, &a);
                prop_assert_eq!(Candidate::parse_attribute_text(&text), Ok((**c).clone()));
            }
            TypedAttribute::Fingerprint(f) => trait_round_trip(f, &a),
            TypedAttribute::Direction(d) => trait_round_trip(d, &a),
            TypedAttribute::Rid(r) => trait_round_trip(r, &a),
            TypedAttribute::Simulcast(s) => trait_round_trip(s, &a),
            _ => {}
        }
    }

    #[test]
    fn field_lines_round_trip(
        o in (word(), any::<u64>(), any::<u64>(), word(), word(), word()),
        c in (word(), word(), word()),
        b in ("[A-Za-z0-9-]{1,6}", any::<u64>()),
        t in (any::<u64>(), any::<u64>()),
        m in (word(), any::<u16>(), option::of(any::<u16>()), word(), vec(word(), 1..5)),
    ) {
        let origin = Origin {
            username: o.0, session_id: o.1, session_version: o.2,
            net_type: o.3, address_type: o.4, unicast_address: o.5,
        };
        let text = origin.to_string();
        prop_assert_eq!(Origin::parse(&text), Ok(origin.clone()));
        let conn = Connection { net_type: c.0, address_type: c.1, address: c.2 };
        let text = conn.to_string();
        prop_assert_eq!(Connection::parse(&text), Ok(conn.clone()));
        let bw = Bandwidth { bandwidth_type: b.0.into(), bandwidth: b.1 };
        let text = bw.to_string();
        prop_assert_eq!(Bandwidth::parse(&text), Ok(bw.clone()));
        let timing = Timing { start: t.0, stop: t.1 };
        prop_assert_eq!(Timing::parse(&timing.to_string()), Ok(timing));
        let fmts: Vec<&str> = m.4.iter().map(|f| &**f).collect();
        let mut ml = MediaLine::new(m.0.clone(), m.1, m.3.clone(), &fmts);
        ml.number_of_ports = m.2;
        let text = ml.to_string();
        prop_assert_eq!(MediaLine::parse(&text), Ok(ml.clone()));
    }

    #[test]
    fn session_round_trip(sdp in session()) {
        let text = sdp.emit_string();
        prop_assert_eq!(sdp.buffer_len(), text.len());
        let parsed = SessionDescription::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&parsed, &sdp);
        prop_assert_eq!(&parsed.emit_string(), &text);
        let typed = parsed.to_typed().map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(typed.media.len(), sdp.media.len());
    }
}

fn raw_attribute() -> impl Strategy<Value = Line<'static>> {
    ("x-[a-z0-9-]{0,10}", option::of("[ -~]{0,20}")).prop_map(|(n, v)| {
        Line::Attribute(Attribute {
            name: n.into(),
            value: v.map(Into::into),
        })
    })
}

fn field(letters: &'static [u8]) -> impl Strategy<Value = Line<'static>> {
    (proptest::sample::select(letters), "[ -~]{0,20}").prop_map(|(t, v)| {
        Line::Field(Field {
            line_type: LineType(t),
            value: v.into(),
        })
    })
}

fn common_line() -> impl Strategy<Value = Line<'static>> {
    prop_oneof![
        3 => typed_attribute().prop_map(|t| Line::Attribute(t.to_attribute())),
        2 => raw_attribute(),
        1 => (word(), word(), word()).prop_map(|(n, a, c)| Line::field(
            LineType::CONNECTION,
            Connection { net_type: n, address_type: a, address: c }.to_string()
        )),
        1 => ("[A-Z]{1,4}", any::<u64>()).prop_map(|(t, b)| Line::field(
            LineType::BANDWIDTH,
            Bandwidth { bandwidth_type: t.into(), bandwidth: b }.to_string()
        )),
    ]
}

fn media() -> impl Strategy<Value = MediaDescription<'static>> {
    let line = prop_oneof![4 => common_line(), 1 => field(b"ikxyqIK")];
    (
        (word(), any::<u16>(), word(), vec(word(), 1..4)),
        vec(line, 0..12),
    )
        .prop_map(|((m, port, proto, fmts), lines)| {
            let fmts: Vec<&str> = fmts.iter().map(|f| &**f).collect();
            let mut md = MediaDescription::new(&MediaLine::new(m, port, proto, &fmts));
            md.lines = lines;
            md
        })
}

fn session() -> impl Strategy<Value = SessionDescription<'static>> {
    let line = prop_oneof![
        4 => common_line(),
        1 => field(b"iuepkrzxyq"),
        1 => (any::<u64>(), any::<u64>()).prop_map(|(start, stop)| Line::field(LineType::TIMING, Timing { start, stop }.to_string())),
    ];
    (
        (word(), any::<u64>(), any::<u64>()),
        "[ -~]{0,10}",
        vec(line, 0..10),
        vec(media(), 0..4),
        any::<bool>(),
    )
        .prop_map(|((user, id, version), name, lines, media, lf)| {
            let origin = Origin {
                username: user,
                session_id: id,
                session_version: version,
                net_type: "IN".into(),
                address_type: "IP4".into(),
                unicast_address: "127.0.0.1".into(),
            };
            let mut sdp = SessionDescription::new(&origin, &name);
            sdp.lines.extend(lines);
            sdp.media = media;
            if lf {
                sdp.line_ending = LineEnding::Lf;
            }
            sdp
        })
}
