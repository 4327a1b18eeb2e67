//! Hello extensions (RFC 5246 section 7.4.1.4): the list codec and typed values for the
//! extensions a DTLS 1.2 WebRTC endpoint acts on.
//!
//! Typed: supported_groups (RFC 8422 section 5.1.1, RFC 8446 section 4.2.7),
//! ec_point_formats (RFC 8422 section 5.1.2), signature_algorithms (RFC 5246 section
//! 7.4.1.4.1), use_srtp (RFC 5764 section 4.1.1), extended_master_secret (RFC 7627 section
//! 5.1), renegotiation_info (RFC 5746 section 3.2) and supported_versions (RFC 8446 section
//! 4.2.1, both the ClientHello list and the ServerHello selected_version). Every other
//! extension (key_share, psk_key_exchange_modes, GREASE...) is kept as
//! [`Extension::Unknown`] with its raw bytes, so it is skipped without error and survives
//! a round trip. A list holding the same type twice is refused
//! ([`ParseError::DuplicateExtension`]), as section 7.4.1.4 requires. Left out: checking
//! that a ServerHello only echoes extensions the ClientHello offered (the handshake's job).

use crate::bytes::{Reader, Writer};
use crate::codes::{EcPointFormat, ExtensionType, NamedGroup, ProtocolVersion};
use crate::codes::{SignatureScheme, SrtpProtectionProfile};
use crate::list::{List, WireItem};
use crate::{EmitError, ParseError};

/// The use_srtp extension body (RFC 5764 section 4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UseSrtp<'a> {
    /// SRTPProtectionProfiles, `<2..2^16-1>` bytes: the client's offer in preference order,
    /// or the single profile the server chose.
    pub profiles: List<'a, SrtpProtectionProfile>,
    /// srtp_mki `<0..255>`; WebRTC peers leave it empty.
    pub mki: &'a [u8],
}

/// The supported_versions extension body (RFC 8446 section 4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupportedVersions<'a> {
    /// The ClientHello form: versions `<2..254>` bytes, in preference order.
    Offered(List<'a, ProtocolVersion>),
    /// The ServerHello (and HelloRetryRequest) form: the selected version.
    Selected(ProtocolVersion),
}

/// One extension, typed where this crate knows the type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Extension<'a> {
    /// supported_groups (10): named_group_list `<2..2^16-1>` bytes.
    SupportedGroups(List<'a, NamedGroup>),
    /// ec_point_formats (11): ec_point_format_list `<1..2^8-1>` bytes.
    EcPointFormats(List<'a, EcPointFormat>),
    /// signature_algorithms (13): supported_signature_algorithms `<2..2^16-2>` bytes.
    SignatureAlgorithms(List<'a, SignatureScheme>),
    /// use_srtp (14).
    UseSrtp(UseSrtp<'a>),
    /// extended_master_secret (23), always empty.
    ExtendedMasterSecret,
    /// renegotiation_info (0xff01): renegotiated_connection `<0..255>` (empty on an
    /// initial handshake).
    RenegotiationInfo(&'a [u8]),
    /// supported_versions (43).
    SupportedVersions(SupportedVersions<'a>),
    /// Any other type, kept as raw extension_data. Use it only for types without a typed
    /// variant above: a typed type written this way parses back as its typed variant.
    Unknown {
        /// The extension type.
        typ: ExtensionType,
        /// The extension_data bytes.
        data: &'a [u8],
    },
}

/// An extension list: `Extension extensions<0..2^16-1>`.
pub type Extensions<'a> = List<'a, Extension<'a>>;

/// Checks that a code list has a whole number of `size`-byte elements and a length in
/// `min..=max`, and returns it as a wire list.
#[inline]
fn code_list<'a, T: WireItem<'a>>(
    data: &'a [u8],
    size: usize,
    min: usize,
    max: usize,
    field: &'static str,
) -> Result<List<'a, T>, ParseError> {
    if data.len() < min || data.len() > max || !data.len().is_multiple_of(size) {
        return Err(ParseError::InvalidLength { field });
    }
    Ok(List::Wire(data))
}

impl<'a> Extension<'a> {
    /// The extension's type.
    #[inline]
    pub fn typ(&self) -> ExtensionType {
        match self {
            Extension::SupportedGroups(_) => ExtensionType::SUPPORTED_GROUPS,
            Extension::EcPointFormats(_) => ExtensionType::EC_POINT_FORMATS,
            Extension::SignatureAlgorithms(_) => ExtensionType::SIGNATURE_ALGORITHMS,
            Extension::UseSrtp(_) => ExtensionType::USE_SRTP,
            Extension::ExtendedMasterSecret => ExtensionType::EXTENDED_MASTER_SECRET,
            Extension::RenegotiationInfo(_) => ExtensionType::RENEGOTIATION_INFO,
            Extension::SupportedVersions(_) => ExtensionType::SUPPORTED_VERSIONS,
            Extension::Unknown { typ, .. } => *typ,
        }
    }

    /// Parses one extension's extension_data given its type.
    pub fn parse_data(typ: ExtensionType, data: &'a [u8]) -> Result<Self, ParseError> {
        Ok(match typ {
            ExtensionType::SUPPORTED_GROUPS => {
                let mut r = Reader::new(data);
                let list = r.vec16(2, 0xffff, "named_group_list")?;
                r.finish()?;
                Extension::SupportedGroups(code_list(list, 2, 2, 0xffff, "named_group_list")?)
            }
            ExtensionType::EC_POINT_FORMATS => {
                let mut r = Reader::new(data);
                let list = r.vec8(1, 0xff, "ec_point_format_list")?;
                r.finish()?;
                Extension::EcPointFormats(List::Wire(list))
            }
            ExtensionType::SIGNATURE_ALGORITHMS => {
                let mut r = Reader::new(data);
                let field = "supported_signature_algorithms";
                let list = r.vec16(2, 0xfffe, field)?;
                r.finish()?;
                Extension::SignatureAlgorithms(code_list(list, 2, 2, 0xfffe, field)?)
            }
            ExtensionType::USE_SRTP => {
                let mut r = Reader::new(data);
                let list = r.vec16(2, 0xffff, "SRTPProtectionProfiles")?;
                let mki = r.vec8(0, 0xff, "srtp_mki")?;
                r.finish()?;
                Extension::UseSrtp(UseSrtp {
                    profiles: code_list(list, 2, 2, 0xffff, "SRTPProtectionProfiles")?,
                    mki,
                })
            }
            ExtensionType::EXTENDED_MASTER_SECRET => {
                if !data.is_empty() {
                    return Err(ParseError::InvalidLength {
                        field: "extended_master_secret",
                    });
                }
                Extension::ExtendedMasterSecret
            }
            ExtensionType::RENEGOTIATION_INFO => {
                let mut r = Reader::new(data);
                let rc = r.vec8(0, 0xff, "renegotiated_connection")?;
                r.finish()?;
                Extension::RenegotiationInfo(rc)
            }
            ExtensionType::SUPPORTED_VERSIONS => {
                // The two forms cannot be confused: the list form has an odd length.
                if let [a, b] = *data {
                    Extension::SupportedVersions(SupportedVersions::Selected(ProtocolVersion(
                        u16::from_be_bytes([a, b]),
                    )))
                } else {
                    let mut r = Reader::new(data);
                    let list = r.vec8(2, 254, "versions")?;
                    r.finish()?;
                    Extension::SupportedVersions(SupportedVersions::Offered(code_list(
                        list, 2, 2, 254, "versions",
                    )?))
                }
            }
            typ => Extension::Unknown { typ, data },
        })
    }

    /// Bytes of the extension_data (without the four-byte type and length).
    pub fn data_len(&self) -> usize {
        match self {
            Extension::SupportedGroups(l) => 2 + l.wire_len(),
            Extension::EcPointFormats(l) => 1 + l.wire_len(),
            Extension::SignatureAlgorithms(l) => 2 + l.wire_len(),
            Extension::UseSrtp(u) => 2 + u.profiles.wire_len() + 1 + u.mki.len(),
            Extension::ExtendedMasterSecret => 0,
            Extension::RenegotiationInfo(rc) => 1 + rc.len(),
            Extension::SupportedVersions(SupportedVersions::Offered(l)) => 1 + l.wire_len(),
            Extension::SupportedVersions(SupportedVersions::Selected(_)) => 2,
            Extension::Unknown { data, .. } => data.len(),
        }
    }

    fn write_data(&self, w: &mut Writer<'_>) -> Result<(), EmitError> {
        match self {
            Extension::SupportedGroups(l) => {
                w.vec(2, 2, 0xffff, "named_group_list", |w| l.write_to(w))
            }
            Extension::EcPointFormats(l) => {
                w.vec(1, 1, 0xff, "ec_point_format_list", |w| l.write_to(w))
            }
            Extension::SignatureAlgorithms(l) => {
                w.vec(2, 2, 0xfffe, "supported_signature_algorithms", |w| {
                    l.write_to(w)
                })
            }
            Extension::UseSrtp(u) => {
                w.vec(2, 2, 0xffff, "SRTPProtectionProfiles", |w| {
                    u.profiles.write_to(w)
                })?;
                w.opaque(1, 0, 0xff, "srtp_mki", u.mki)
            }
            Extension::ExtendedMasterSecret => Ok(()),
            Extension::RenegotiationInfo(rc) => w.opaque(1, 0, 0xff, "renegotiated_connection", rc),
            Extension::SupportedVersions(SupportedVersions::Offered(l)) => {
                w.vec(1, 2, 254, "versions", |w| l.write_to(w))
            }
            Extension::SupportedVersions(SupportedVersions::Selected(v)) => w.u16(v.0),
            Extension::Unknown { data, .. } => w.bytes(data),
        }
    }
}

impl<'a> WireItem<'a> for Extension<'a> {
    #[inline]
    fn read(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let mut r = Reader::new(buf);
        let typ = ExtensionType(r.u16().ok()?);
        let data = r.vec16(0, 0xffff, "extension_data").ok()?;
        let ext = Extension::parse_data(typ, data).ok()?;
        Some((ext, r.rest()))
    }

    #[inline]
    fn wire_len(&self) -> usize {
        4 + self.data_len()
    }

    fn write(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let mut w = Writer::with_len(buf, 4)?;
        w.u16(self.typ().0)?;
        w.vec(2, 0, 0xffff, "extension_data", |w| self.write_data(w))?;
        Ok(w.written())
    }
}

/// Remembers the extension types seen so far in one list. A linear scan for the usual
/// dozen or two; a 65536-bit set when a hostile list is longer, so the check stays linear.
struct SeenTypes {
    small: [u16; 32],
    n: usize,
    big: Option<Box<[u64; 1024]>>,
}

impl SeenTypes {
    fn new() -> Self {
        Self {
            small: [0; 32],
            n: 0,
            big: None,
        }
    }

    /// Records `typ`; returns false if it was seen before.
    fn insert(&mut self, typ: u16) -> bool {
        if let Some(big) = &mut self.big {
            let word = &mut big[usize::from(typ >> 6)];
            let bit = 1u64 << (typ & 63);
            let fresh = *word & bit == 0;
            *word |= bit;
            return fresh;
        }
        if self.small[..self.n].contains(&typ) {
            return false;
        }
        if self.n < self.small.len() {
            self.small[self.n] = typ;
            self.n += 1;
        } else {
            let mut big = Box::new([0u64; 1024]);
            for &t in self.small.iter().chain(core::iter::once(&typ)) {
                big[usize::from(t >> 6)] |= 1u64 << (t & 63);
            }
            self.big = Some(big);
        }
        true
    }
}

/// Validates the body of an extensions vector (without its two-byte length): every
/// extension frames correctly, typed ones parse, and no type repeats.
pub fn parse_extensions(body: &[u8]) -> Result<Extensions<'_>, ParseError> {
    let mut r = Reader::new(body);
    let mut seen = SeenTypes::new();
    while !r.is_empty() {
        let typ = ExtensionType(r.u16()?);
        let data = r.vec16(0, 0xffff, "extension_data")?;
        if !seen.insert(typ.0) {
            return Err(ParseError::DuplicateExtension(typ));
        }
        Extension::parse_data(typ, data)?;
    }
    Ok(List::Wire(body))
}

/// Reads the optional trailing extensions block of a hello message: nothing (no
/// extensions) or `Extension extensions<0..2^16-1>` filling the rest of the message.
pub(crate) fn read_extensions_block<'a>(r: &mut Reader<'a>) -> Result<Extensions<'a>, ParseError> {
    if r.is_empty() {
        return Ok(List::EMPTY);
    }
    let body = r.vec16(0, 0xffff, "extensions")?;
    parse_extensions(body)
}

/// Writes the extensions block; an empty list is written as no block at all.
pub(crate) fn write_extensions_block(
    w: &mut Writer<'_>,
    exts: &Extensions<'_>,
) -> Result<(), EmitError> {
    if exts.is_empty() {
        return Ok(());
    }
    w.vec(2, 0, 0xffff, "extensions", |w| exts.write_to(w))
}

/// Bytes [`write_extensions_block`] writes.
pub(crate) fn extensions_block_len(exts: &Extensions<'_>) -> usize {
    if exts.is_empty() {
        0
    } else {
        2 + exts.wire_len()
    }
}

impl<'a> List<'a, Extension<'a>> {
    /// The extension of the given type, if present.
    pub fn get(&self, typ: ExtensionType) -> Option<Extension<'a>> {
        match *self {
            // Walk the raw headers and decode only the match.
            List::Wire(b) => {
                let mut r = Reader::new(b);
                while !r.is_empty() {
                    let t = ExtensionType(r.u16().ok()?);
                    let data = r.vec16(0, 0xffff, "extension_data").ok()?;
                    if t == typ {
                        return Extension::parse_data(t, data).ok();
                    }
                }
                None
            }
            List::Slice(s) => s.iter().find(|e| e.typ() == typ).copied(),
        }
    }

    /// The use_srtp extension, if present.
    pub fn use_srtp(&self) -> Option<UseSrtp<'a>> {
        match self.get(ExtensionType::USE_SRTP)? {
            Extension::UseSrtp(u) => Some(u),
            _ => None,
        }
    }

    /// The supported_versions extension, if present.
    pub fn supported_versions(&self) -> Option<SupportedVersions<'a>> {
        match self.get(ExtensionType::SUPPORTED_VERSIONS)? {
            Extension::SupportedVersions(v) => Some(v),
            _ => None,
        }
    }

    /// The supported_groups list, if present.
    pub fn supported_groups(&self) -> Option<List<'a, NamedGroup>> {
        match self.get(ExtensionType::SUPPORTED_GROUPS)? {
            Extension::SupportedGroups(l) => Some(l),
            _ => None,
        }
    }

    /// The signature_algorithms list, if present.
    pub fn signature_algorithms(&self) -> Option<List<'a, SignatureScheme>> {
        match self.get(ExtensionType::SIGNATURE_ALGORITHMS)? {
            Extension::SignatureAlgorithms(l) => Some(l),
            _ => None,
        }
    }

    /// The renegotiated_connection of renegotiation_info, if present.
    pub fn renegotiation_info(&self) -> Option<&'a [u8]> {
        match self.get(ExtensionType::RENEGOTIATION_INFO)? {
            Extension::RenegotiationInfo(rc) => Some(rc),
            _ => None,
        }
    }

    /// Whether extended_master_secret is present.
    pub fn has_extended_master_secret(&self) -> bool {
        self.get(ExtensionType::EXTENDED_MASTER_SECRET).is_some()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An owned model of an extension, for property tests.
    #[derive(Debug, Clone)]
    pub(crate) enum OwnedExt {
        Groups(Vec<NamedGroup>),
        PointFormats(Vec<EcPointFormat>),
        SigAlgs(Vec<SignatureScheme>),
        Srtp(Vec<SrtpProtectionProfile>, Vec<u8>),
        Ems,
        Reneg(Vec<u8>),
        Versions(Vec<ProtocolVersion>),
        Selected(ProtocolVersion),
        Unknown(u16, Vec<u8>),
    }

    impl OwnedExt {
        pub(crate) fn as_ext(&self) -> Extension<'_> {
            match self {
                OwnedExt::Groups(v) => Extension::SupportedGroups(List::Slice(v)),
                OwnedExt::PointFormats(v) => Extension::EcPointFormats(List::Slice(v)),
                OwnedExt::SigAlgs(v) => Extension::SignatureAlgorithms(List::Slice(v)),
                OwnedExt::Srtp(p, m) => Extension::UseSrtp(UseSrtp {
                    profiles: List::Slice(p),
                    mki: m,
                }),
                OwnedExt::Ems => Extension::ExtendedMasterSecret,
                OwnedExt::Reneg(v) => Extension::RenegotiationInfo(v),
                OwnedExt::Versions(v) => {
                    Extension::SupportedVersions(SupportedVersions::Offered(List::Slice(v)))
                }
                OwnedExt::Selected(v) => {
                    Extension::SupportedVersions(SupportedVersions::Selected(*v))
                }
                OwnedExt::Unknown(t, d) => Extension::Unknown {
                    typ: ExtensionType(*t),
                    data: d,
                },
            }
        }
    }

    fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>(), 0..=max)
    }

    pub(crate) fn arb_ext() -> impl Strategy<Value = OwnedExt> {
        let known = [10u16, 11, 13, 14, 23, 43, 0xff01];
        prop_oneof![
            proptest::collection::vec(any::<u16>().prop_map(NamedGroup), 1..8)
                .prop_map(OwnedExt::Groups),
            proptest::collection::vec(any::<u8>().prop_map(EcPointFormat), 1..4)
                .prop_map(OwnedExt::PointFormats),
            proptest::collection::vec(any::<u16>().prop_map(SignatureScheme), 1..8)
                .prop_map(OwnedExt::SigAlgs),
            (
                proptest::collection::vec(any::<u16>().prop_map(SrtpProtectionProfile), 1..5),
                bytes(8)
            )
                .prop_map(|(p, m)| OwnedExt::Srtp(p, m)),
            Just(OwnedExt::Ems),
            bytes(24).prop_map(OwnedExt::Reneg),
            proptest::collection::vec(any::<u16>().prop_map(ProtocolVersion), 1..6)
                .prop_map(OwnedExt::Versions),
            any::<u16>().prop_map(|v| OwnedExt::Selected(ProtocolVersion(v))),
            (
                any::<u16>().prop_filter("typed", move |t| !known.contains(t)),
                bytes(40)
            )
                .prop_map(|(t, d)| OwnedExt::Unknown(t, d)),
        ]
    }

    /// A list of extensions with distinct types.
    pub(crate) fn arb_exts() -> impl Strategy<Value = Vec<OwnedExt>> {
        proptest::collection::vec(arb_ext(), 0..10).prop_map(|v| {
            let mut seen = std::collections::HashSet::new();
            v.into_iter()
                .filter(|e| seen.insert(e.as_ext().typ()))
                .collect()
        })
    }

    fn emit_list(exts: &[Extension<'_>]) -> Vec<u8> {
        let list = List::Slice(exts);
        let mut buf = vec![0u8; list.wire_len()];
        let mut w = Writer::with_len(&mut buf, 0).unwrap();
        list.write_to(&mut w).unwrap();
        assert_eq!(w.written(), buf.len());
        buf
    }

    // use_srtp offering SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_HMAC_SHA1_80, no MKI;
    // extended_master_secret; a GREASE extension with one zero byte.
    static LIST: [u8; 21] = [
        0x00, 0x0e, 0x00, 0x07, 0x00, 0x04, 0x00, 0x07, 0x00, 0x01, 0x00, //
        0x00, 0x17, 0x00, 0x00, //
        0x3a, 0x3a, 0x00, 0x01, 0x00, //
        0x00,
    ];

    #[test]
    fn parse_known_and_unknown() {
        let exts = parse_extensions(&LIST[..20]).unwrap();
        assert_eq!(exts.len(), 3);
        let srtp = exts.use_srtp().unwrap();
        assert_eq!(
            srtp.profiles.iter().collect::<Vec<_>>(),
            [
                SrtpProtectionProfile::SRTP_AEAD_AES_128_GCM,
                SrtpProtectionProfile::SRTP_AES128_CM_HMAC_SHA1_80
            ]
        );
        assert!(srtp.mki.is_empty());
        assert!(exts.has_extended_master_secret());
        assert_eq!(
            exts.get(ExtensionType(0x3a3a)),
            Some(Extension::Unknown {
                typ: ExtensionType(0x3a3a),
                data: &[0]
            })
        );
        let items: Vec<_> = exts.iter().collect();
        assert_eq!(emit_list(&items), &LIST[..20]);
        let built = List::Slice(&items);
        assert_eq!(built.use_srtp(), Some(srtp));
        assert!(built.has_extended_master_secret());
        assert_eq!(built.get(ExtensionType::KEY_SHARE), None);
        assert_eq!(exts.get(ExtensionType::KEY_SHARE), None);
    }

    #[test]
    fn rejects_bad_lists() {
        assert_eq!(parse_extensions(&LIST[..21]), Err(ParseError::Truncated));
        assert_eq!(parse_extensions(&LIST[..3]), Err(ParseError::Truncated));
        let mut dup = LIST[11..15].to_vec();
        dup.extend_from_slice(&LIST[11..15]);
        assert_eq!(
            parse_extensions(&dup),
            Err(ParseError::DuplicateExtension(
                ExtensionType::EXTENDED_MASTER_SECRET
            ))
        );
        // extended_master_secret with a body.
        assert_eq!(
            parse_extensions(&[0x00, 0x17, 0x00, 0x01, 0x00]),
            Err(ParseError::InvalidLength {
                field: "extended_master_secret"
            })
        );
        // use_srtp with an odd profile list.
        assert_eq!(
            parse_extensions(&[0x00, 0x0e, 0x00, 0x04, 0x00, 0x01, 0x07, 0x00]),
            Err(ParseError::InvalidLength {
                field: "SRTPProtectionProfiles"
            })
        );
        // supported_versions list of zero bytes.
        assert_eq!(
            parse_extensions(&[0x00, 0x2b, 0x00, 0x01, 0x00]),
            Err(ParseError::InvalidLength { field: "versions" })
        );
    }

    #[test]
    fn duplicates_found_in_long_lists() {
        // 40 distinct unknown types then a repeat of the first: exercises the bitmap.
        let mut body = Vec::new();
        for t in 0x1000u16..0x1028 {
            body.extend_from_slice(&t.to_be_bytes());
            body.extend_from_slice(&[0, 0]);
        }
        assert_eq!(parse_extensions(&body).unwrap().len(), 40);
        body.extend_from_slice(&[0x10, 0x00, 0, 0]);
        assert_eq!(
            parse_extensions(&body),
            Err(ParseError::DuplicateExtension(ExtensionType(0x1000)))
        );
    }

    #[test]
    fn supported_versions_forms() {
        let offered = parse_extensions(&[0x00, 0x2b, 0x00, 0x05, 0x04, 0xfe, 0xfc, 0xfe, 0xfd])
            .unwrap()
            .supported_versions()
            .unwrap();
        let SupportedVersions::Offered(list) = offered else {
            panic!("expected the list form");
        };
        assert_eq!(
            list.iter().collect::<Vec<_>>(),
            [ProtocolVersion::DTLS_1_3, ProtocolVersion::DTLS_1_2]
        );
        let selected = parse_extensions(&[0x00, 0x2b, 0x00, 0x02, 0xfe, 0xfd])
            .unwrap()
            .supported_versions();
        assert_eq!(
            selected,
            Some(SupportedVersions::Selected(ProtocolVersion::DTLS_1_2))
        );
    }

    #[test]
    fn emit_refuses_out_of_range_lengths() {
        let e = Extension::UseSrtp(UseSrtp {
            profiles: List::EMPTY,
            mki: &[],
        });
        let mut buf = [0u8; 16];
        assert_eq!(
            e.write(&mut buf),
            Err(EmitError::InvalidLength {
                field: "SRTPProtectionProfiles"
            })
        );
        let long = [0u8; 256];
        let e = Extension::RenegotiationInfo(&long);
        let mut buf = [0u8; 300];
        assert_eq!(
            e.write(&mut buf),
            Err(EmitError::InvalidLength {
                field: "renegotiated_connection"
            })
        );
    }

    proptest! {
        #[test]
        fn extension_list_round_trip(model in arb_exts()) {
            let exts: Vec<_> = model.iter().map(OwnedExt::as_ext).collect();
            let bytes = emit_list(&exts);
            let parsed = parse_extensions(&bytes).unwrap();
            prop_assert_eq!(parsed, List::Slice(&exts));
            prop_assert_eq!(parsed.wire_len(), bytes.len());
        }
    }
}
