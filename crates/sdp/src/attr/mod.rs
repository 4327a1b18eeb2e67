//! The typed layer: attribute values parsed on demand from a raw [`Attribute`].
//!
//! Every typed value implements [`AttributeValue`]: it knows its attribute name(s), parses from
//! a raw attribute and formats back to one, so `T::to_attribute()` then `Attribute::get::<T>()`
//! returns the same `T`. [`TypedAttribute`] gathers all of them into one enum for callers who
//! want to type every line (see [`Attribute::parse_typed`]).
//!
//! Implemented: RFC 8829 (JSEP) section 5 attributes, RFC 8839 (ICE: candidate, ice-ufrag,
//! ice-pwd, ice-options, ice-lite, end-of-candidates), RFC 8122 fingerprint, RFC 4145 setup,
//! RFC 5888/8843 group and mid, RFC 8866 section 6.7 direction, RFC 8830 msid and
//! msid-semantic, RFC 5576 ssrc and ssrc-group, RFC 3605 rtcp, RFC 5761 rtcp-mux, RFC 5506
//! rtcp-rsize, RFC 8866 rtpmap and fmtp, RFC 4585 rtcp-fb, RFC 8285 extmap and
//! extmap-allow-mixed, RFC 8841 sctp-port and max-message-size, RFC 8851 rid, RFC 8853
//! simulcast.
//!
//! Left out: typed forms of other attributes (ptime, maxptime, rtcp-xr, crypto, ...), which
//! stay available as raw [`Attribute`]s and as [`TypedAttribute::Unknown`].

use std::borrow::Cow;
use std::fmt;

use crate::{Attribute, ValueError};

mod dtls;
mod ice;
mod media;
mod rtp;
mod simulcast;

pub use dtls::{Fingerprint, Setup};
pub use ice::{
    Candidate, CandidateAddress, CandidateType, EndOfCandidates, IceLite, IceOptions, IcePwd,
    IceUfrag, TcpType,
};
pub use media::{
    Direction, ExtmapAllowMixed, Group, MaxMessageSize, Mid, Msid, MsidSemantic, SctpPort, Ssrc,
    SsrcGroup,
};
pub use rtp::{Extmap, Fmtp, FmtpParameters, Rtcp, RtcpFb, RtcpMux, RtcpRsize, RtpMap};
pub use simulcast::{Rid, RidDirection, RidRestriction, Simulcast, SimulcastId};

/// A typed attribute value: parse from and format to a raw [`Attribute`].
pub trait AttributeValue<'a>: Sized {
    /// `true` for a property attribute (`a=name`), `false` for a value attribute.
    const FLAG: bool;

    /// Whether an attribute called `name` carries this type.
    fn accepts(name: &str) -> bool;

    /// Parses an attribute whose name [`accepts`](Self::accepts) returned `true` for.
    fn parse_attribute(name: &'a str, value: Option<&'a str>) -> Result<Self, ValueError>;

    /// The attribute name to emit.
    fn name(&self) -> &'static str;

    /// Formats the value (the text after the colon); not called for property attributes.
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;

    /// The raw attribute for this value, ready to push into a description.
    fn to_attribute(&self) -> Attribute<'static> {
        Attribute {
            name: Cow::Borrowed(self.name()),
            value: if Self::FLAG {
                None
            } else {
                Some(Cow::Owned(ValueText(self).to_string()))
            },
        }
    }
}

impl<'a, T: AttributeValue<'a>> AttributeValue<'a> for Box<T> {
    const FLAG: bool = T::FLAG;
    #[inline]
    fn accepts(name: &str) -> bool {
        T::accepts(name)
    }
    #[inline]
    fn parse_attribute(name: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        T::parse_attribute(name, value).map(Box::new)
    }
    #[inline]
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt_value(f)
    }
}

/// Displays the value part of an [`AttributeValue`].
struct ValueText<'t, T>(&'t T);

impl<'a, T: AttributeValue<'a>> fmt::Display for ValueText<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_value(f)
    }
}

/// The value of a value attribute, or `MissingValue`.
#[inline]
pub(crate) fn require(value: Option<&str>) -> Result<&str, ValueError> {
    value.ok_or(ValueError::MissingValue)
}

/// Checks that a property attribute has no value.
#[inline]
pub(crate) fn no_value(value: Option<&str>) -> Result<(), ValueError> {
    match value {
        None => Ok(()),
        Some(_) => Err(ValueError::UnexpectedValue),
    }
}

/// Implements [`AttributeValue`] for a unit struct property attribute.
macro_rules! flag_attribute {
    ($(#[$doc:meta])* $ty:ident, $name:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $ty;

        impl<'a> $crate::attr::AttributeValue<'a> for $ty {
            const FLAG: bool = true;
            #[inline]
            fn accepts(name: &str) -> bool {
                name == $name
            }
            #[inline]
            fn parse_attribute(
                _name: &'a str,
                value: Option<&'a str>,
            ) -> Result<Self, $crate::ValueError> {
                $crate::attr::no_value(value).map(|()| $ty)
            }
            #[inline]
            fn name(&self) -> &'static str {
                $name
            }
            fn fmt_value(&self, _f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                Ok(())
            }
        }
    };
}
pub(crate) use flag_attribute;

/// Implements [`AttributeValue`] for a newtype over a string without blanks.
macro_rules! word_attribute {
    ($(#[$doc:meta])* $ty:ident, $name:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $ty<'a>(pub std::borrow::Cow<'a, str>);

        impl<'a> $crate::attr::AttributeValue<'a> for $ty<'a> {
            const FLAG: bool = false;
            #[inline]
            fn accepts(name: &str) -> bool {
                name == $name
            }
            #[inline]
            fn parse_attribute(
                _name: &'a str,
                value: Option<&'a str>,
            ) -> Result<Self, $crate::ValueError> {
                let v = $crate::attr::require(value)?;
                $crate::util::word(v, $name).map(|v| $ty(std::borrow::Cow::Borrowed(v)))
            }
            #[inline]
            fn name(&self) -> &'static str {
                $name
            }
            fn fmt_value(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use word_attribute;

/// Implements [`AttributeValue`] for a newtype over an integer.
macro_rules! number_attribute {
    ($(#[$doc:meta])* $ty:ident, $int:ty, $parse:path, $name:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $ty(pub $int);

        impl<'a> $crate::attr::AttributeValue<'a> for $ty {
            const FLAG: bool = false;
            #[inline]
            fn accepts(name: &str) -> bool {
                name == $name
            }
            #[inline]
            fn parse_attribute(
                _name: &'a str,
                value: Option<&'a str>,
            ) -> Result<Self, $crate::ValueError> {
                $parse($crate::attr::require(value)?, $name).map($ty)
            }
            #[inline]
            fn name(&self) -> &'static str {
                $name
            }
            fn fmt_value(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}
pub(crate) use number_attribute;

impl<'a> Attribute<'a> {
    /// Parses this attribute as `T` if its name is `T`'s: `None` for another name.
    ///
    /// ```
    /// use strata_sdp::{Attribute, Mid};
    /// let a = Attribute::new("mid", "audio");
    /// assert_eq!(a.get::<Mid<'_>>(), Some(Ok(Mid("audio".into()))));
    /// ```
    #[inline]
    pub fn get<'s, T: AttributeValue<'s>>(&'s self) -> Option<Result<T, ValueError>> {
        if T::accepts(&self.name) {
            Some(T::parse_attribute(&self.name, self.value.as_deref()))
        } else {
            None
        }
    }

    /// Parses this attribute into the [`TypedAttribute`] its name selects.
    #[inline]
    pub fn parse_typed(&self) -> Result<TypedAttribute<'_>, ValueError> {
        TypedAttribute::parse(&self.name, self.value.as_deref())
    }
}

impl<'a, T: AttributeValue<'a>> From<&T> for Attribute<'static> {
    fn from(value: &T) -> Self {
        value.to_attribute()
    }
}

macro_rules! typed_attribute {
    ($($(#[$doc:meta])* $variant:ident($ty:ty) = $($name:literal)|+,)*) => {
        /// Any attribute, typed by its name.
        ///
        /// Attributes this crate has no type for are [`TypedAttribute::Unknown`]. Building an
        /// `Unknown` with a known name makes it parse back as the typed variant.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum TypedAttribute<'a> {
            $($(#[$doc])* $variant($ty),)*
            /// An attribute without a typed form, kept verbatim.
            Unknown(Attribute<'a>),
        }

        impl<'a> TypedAttribute<'a> {
            /// Parses an attribute by name; unknown names give [`TypedAttribute::Unknown`].
            pub fn parse(name: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
                match name {
                    $($($name)|+ => {
                        <$ty as AttributeValue<'a>>::parse_attribute(name, value).map(Self::$variant)
                    })*
                    _ => Ok(Self::Unknown(Attribute {
                        name: Cow::Borrowed(name),
                        value: value.map(Cow::Borrowed),
                    })),
                }
            }

            /// The raw attribute for this value.
            #[must_use]
            pub fn to_attribute(&self) -> Attribute<'static> {
                match self {
                    $(Self::$variant(v) => v.to_attribute(),)*
                    Self::Unknown(a) => a.clone().into_owned(),
                }
            }

            /// The attribute name.
            #[must_use]
            pub fn name(&self) -> &str {
                match self {
                    $(Self::$variant(v) => v.name(),)*
                    Self::Unknown(a) => &a.name,
                }
            }
        }

        impl<'a> fmt::Display for TypedAttribute<'a> {
            /// Formats `name[:value]`, the text after `a=`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $(Self::$variant(v) => {
                        f.write_str(v.name())?;
                        if !<$ty as AttributeValue<'a>>::FLAG {
                            f.write_str(":")?;
                            v.fmt_value(f)?;
                        }
                        Ok(())
                    })*
                    Self::Unknown(a) => fmt::Display::fmt(a, f),
                }
            }
        }
    };
}

typed_attribute! {
    // Ordered by how often browsers write them: the name match tests arms in order.
    /// `a=rtcp-fb` (RFC 4585 section 4.2).
    RtcpFb(RtcpFb<'a>) = "rtcp-fb",
    /// `a=candidate` (RFC 8839 section 5.1), boxed: it is the largest value by far.
    Candidate(Box<Candidate<'a>>) = "candidate",
    /// `a=rtpmap` (RFC 8866 section 6.6).
    RtpMap(RtpMap<'a>) = "rtpmap",
    /// `a=fmtp` (RFC 8866 section 6.15).
    Fmtp(Fmtp<'a>) = "fmtp",
    /// `a=extmap` (RFC 8285 section 8).
    Extmap(Extmap<'a>) = "extmap",
    /// `a=ssrc` (RFC 5576 section 4.1).
    Ssrc(Ssrc<'a>) = "ssrc",
    /// `a=ssrc-group` (RFC 5576 section 4.2).
    SsrcGroup(SsrcGroup<'a>) = "ssrc-group",
    /// `a=mid` (RFC 5888 section 4).
    Mid(Mid<'a>) = "mid",
    /// `a=sendrecv`, `a=sendonly`, `a=recvonly`, `a=inactive` (RFC 8866 section 6.7).
    Direction(Direction) = "sendrecv" | "sendonly" | "recvonly" | "inactive",
    /// `a=msid` (RFC 8830 section 2).
    Msid(Msid<'a>) = "msid",
    /// `a=group` (RFC 5888 section 5).
    Group(Group<'a>) = "group",
    /// `a=msid-semantic` (draft-ietf-mmusic-msid, still emitted by browsers).
    MsidSemantic(MsidSemantic<'a>) = "msid-semantic",
    /// `a=extmap-allow-mixed` (RFC 8285 section 6).
    ExtmapAllowMixed(ExtmapAllowMixed) = "extmap-allow-mixed",
    /// `a=ice-ufrag` (RFC 8839 section 5.4).
    IceUfrag(IceUfrag<'a>) = "ice-ufrag",
    /// `a=ice-pwd` (RFC 8839 section 5.4).
    IcePwd(IcePwd<'a>) = "ice-pwd",
    /// `a=ice-options` (RFC 8839 section 5.6).
    IceOptions(IceOptions<'a>) = "ice-options",
    /// `a=ice-lite` (RFC 8839 section 5.3).
    IceLite(IceLite) = "ice-lite",
    /// `a=end-of-candidates` (RFC 8840 section 8.2).
    EndOfCandidates(EndOfCandidates) = "end-of-candidates",
    /// `a=fingerprint` (RFC 8122 section 5).
    Fingerprint(Fingerprint<'a>) = "fingerprint",
    /// `a=setup` (RFC 4145 section 4).
    Setup(Setup) = "setup",
    /// `a=rtcp` (RFC 3605 section 2.1).
    Rtcp(Rtcp<'a>) = "rtcp",
    /// `a=rtcp-mux` (RFC 5761 section 5.1.1).
    RtcpMux(RtcpMux) = "rtcp-mux",
    /// `a=rtcp-rsize` (RFC 5506 section 5).
    RtcpRsize(RtcpRsize) = "rtcp-rsize",
    /// `a=sctp-port` (RFC 8841 section 5).
    SctpPort(SctpPort) = "sctp-port",
    /// `a=max-message-size` (RFC 8841 section 6).
    MaxMessageSize(MaxMessageSize) = "max-message-size",
    /// `a=rid` (RFC 8851 section 10).
    Rid(Rid<'a>) = "rid",
    /// `a=simulcast` (RFC 8853 section 5.1).
    Simulcast(Simulcast<'a>) = "simulcast",
}
