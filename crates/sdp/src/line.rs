//! The raw layer: lines of a session description, kept verbatim (RFC 8866 section 5).

use std::borrow::Cow;
use std::fmt;

/// The type letter of a line, `<type>=<value>` (RFC 8866 section 5).
///
/// An open newtype: letters this crate does not know are kept and re-emitted unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineType(pub u8);

impl LineType {
    /// `v=` protocol version.
    pub const VERSION: Self = Self(b'v');
    /// `o=` originator and session identifier.
    pub const ORIGIN: Self = Self(b'o');
    /// `s=` session name.
    pub const SESSION_NAME: Self = Self(b's');
    /// `i=` session or media title.
    pub const INFORMATION: Self = Self(b'i');
    /// `u=` URI of description.
    pub const URI: Self = Self(b'u');
    /// `e=` email address.
    pub const EMAIL: Self = Self(b'e');
    /// `p=` phone number.
    pub const PHONE: Self = Self(b'p');
    /// `c=` connection information.
    pub const CONNECTION: Self = Self(b'c');
    /// `b=` bandwidth information.
    pub const BANDWIDTH: Self = Self(b'b');
    /// `t=` time the session is active.
    pub const TIMING: Self = Self(b't');
    /// `r=` repeat times.
    pub const REPEAT: Self = Self(b'r');
    /// `z=` time zone adjustments.
    pub const TIME_ZONES: Self = Self(b'z');
    /// `k=` encryption key (obsolete, kept verbatim).
    pub const KEY: Self = Self(b'k');
    /// `a=` attribute.
    pub const ATTRIBUTE: Self = Self(b'a');
    /// `m=` media description.
    pub const MEDIA: Self = Self(b'm');

    /// The letter as a `char`.
    #[inline]
    #[must_use]
    pub fn as_char(self) -> char {
        char::from(self.0)
    }

    /// Whether this type may only appear at session level (`v o s u e p t r z`).
    #[inline]
    #[must_use]
    pub fn is_session_only(self) -> bool {
        matches!(
            self.0,
            b'v' | b'o' | b's' | b'u' | b'e' | b'p' | b't' | b'r' | b'z'
        )
    }
}

/// The line terminator of a session description.
///
/// RFC 8866 section 5 prescribes CRLF but allows parsers to accept LF; the parser records the
/// terminator of the first line and the serializer uses it for every line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LineEnding {
    /// `\r\n`, what the RFC prescribes and browsers emit.
    #[default]
    Crlf,
    /// `\n`, as some implementations (aiortc) and hand-written files use.
    Lf,
}

impl LineEnding {
    /// The terminator's bytes.
    #[inline]
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Crlf => "\r\n",
            Self::Lf => "\n",
        }
    }
}

/// One `a=` line: `a=<name>` (a property attribute) or `a=<name>:<value>` (a value attribute)
/// (RFC 8866 section 5.13).
///
/// The value is everything after the first colon, verbatim (including any leading blank, as in
/// Chromium's `a=msid-semantic: WMS`). Use [`Attribute::parse_typed`] or
/// [`Attribute::get`](crate::Attribute::get) for the typed form.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attribute<'a> {
    /// The attribute name (`att-field`).
    pub name: Cow<'a, str>,
    /// The attribute value (`att-value`), `None` for a property attribute.
    pub value: Option<Cow<'a, str>>,
}

impl<'a> Attribute<'a> {
    /// A value attribute `name:value`.
    #[must_use]
    pub fn new(name: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        Self {
            name: name.into(),
            value: Some(value.into()),
        }
    }

    /// A property attribute without a value.
    #[must_use]
    pub fn flag(name: impl Into<Cow<'a, str>>) -> Self {
        Self {
            name: name.into(),
            value: None,
        }
    }

    /// Splits the text after `a=` at the first colon.
    #[inline]
    #[must_use]
    pub fn from_text(text: &'a str) -> Self {
        // Names are short: a plain scan beats a memchr call here.
        let colon = text.bytes().position(|b| b == b':');
        match colon.and_then(|i| Some((text.get(..i)?, text.get(i + 1..)?))) {
            Some((name, value)) => Self {
                name: Cow::Borrowed(name),
                value: Some(Cow::Borrowed(value)),
            },
            None => Self {
                name: Cow::Borrowed(text),
                value: None,
            },
        }
    }

    /// The name as `&str`.
    #[inline]
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value as `&str`, if any.
    #[inline]
    #[must_use]
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// Length of `name[:value]` in bytes.
    #[inline]
    #[must_use]
    pub fn text_len(&self) -> usize {
        self.name.len() + self.value.as_ref().map_or(0, |v| v.len() + 1)
    }

    /// Appends `name[:value]` to `out`.
    #[inline]
    pub fn write_text(&self, out: &mut String) {
        out.push_str(&self.name);
        if let Some(v) = &self.value {
            out.push(':');
            out.push_str(v);
        }
    }

    /// Copies borrowed strings so the attribute no longer borrows the input.
    #[must_use]
    pub fn into_owned(self) -> Attribute<'static> {
        Attribute {
            name: Cow::Owned(self.name.into_owned()),
            value: self.value.map(|v| Cow::Owned(v.into_owned())),
        }
    }
}

impl fmt::Display for Attribute<'_> {
    /// Formats `name[:value]` (without the `a=` prefix).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(v) = &self.value {
            f.write_str(":")?;
            f.write_str(v)?;
        }
        Ok(())
    }
}

/// One line other than `a=` and `m=`, kept verbatim: `<type>=<value>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field<'a> {
    /// The type letter.
    pub line_type: LineType,
    /// Everything after `=`, verbatim.
    pub value: Cow<'a, str>,
}

/// A line of a session-level or media-level section.
///
/// `m=` lines are not `Line`s: they open a [`MediaDescription`](crate::MediaDescription).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Line<'a> {
    /// An `a=` line.
    Attribute(Attribute<'a>),
    /// Any other line. A `Field` whose type is [`LineType::ATTRIBUTE`] is emitted as
    /// `a=<value>` and parses back as an [`Line::Attribute`]; build attributes with
    /// [`Line::Attribute`] instead.
    Field(Field<'a>),
}

impl<'a> Line<'a> {
    /// A field line `<type>=<value>`.
    #[must_use]
    pub fn field(line_type: LineType, value: impl Into<Cow<'a, str>>) -> Self {
        Self::Field(Field {
            line_type,
            value: value.into(),
        })
    }

    /// The type letter of this line.
    #[inline]
    #[must_use]
    pub fn line_type(&self) -> LineType {
        match self {
            Self::Attribute(_) => LineType::ATTRIBUTE,
            Self::Field(f) => f.line_type,
        }
    }

    /// The attribute, if this is an `a=` line.
    #[inline]
    #[must_use]
    pub fn as_attribute(&self) -> Option<&Attribute<'a>> {
        match self {
            Self::Attribute(a) => Some(a),
            Self::Field(_) => None,
        }
    }

    /// The value of a field line of type `line_type`.
    #[inline]
    #[must_use]
    pub fn field_value(&self, line_type: LineType) -> Option<&str> {
        match self {
            Self::Field(f) if f.line_type == line_type => Some(&f.value),
            _ => None,
        }
    }

    /// Parses the text of one line without its terminator (for example `a=mid:0`).
    ///
    /// Returns `None` unless the line starts with an ASCII letter and `=`, or if it is an
    /// `a=` line with an empty name.
    #[inline]
    #[must_use]
    pub fn from_text(text: &'a str) -> Option<Self> {
        let bytes = text.as_bytes();
        match bytes {
            [t, b'=', ..] if t.is_ascii_alphabetic() => {
                let value = text.get(2..)?;
                if *t == b'a' {
                    let attr = Attribute::from_text(value);
                    if attr.name.is_empty() {
                        return None;
                    }
                    Some(Self::Attribute(attr))
                } else {
                    Some(Self::Field(Field {
                        line_type: LineType(*t),
                        value: Cow::Borrowed(value),
                    }))
                }
            }
            _ => None,
        }
    }

    /// Length of `<type>=<value>` in bytes, without the terminator.
    #[inline]
    #[must_use]
    pub fn text_len(&self) -> usize {
        2 + match self {
            Self::Attribute(a) => a.text_len(),
            Self::Field(f) => f.value.len(),
        }
    }

    /// Appends `<type>=<value>` and `ending` to `out`.
    #[inline]
    pub fn write(&self, out: &mut String, ending: LineEnding) {
        match self {
            Self::Attribute(a) => {
                out.push_str("a=");
                a.write_text(out);
            }
            Self::Field(f) => {
                out.push(f.line_type.as_char());
                out.push('=');
                out.push_str(&f.value);
            }
        }
        out.push_str(ending.as_str());
    }

    /// Copies borrowed strings so the line no longer borrows the input.
    #[must_use]
    pub fn into_owned(self) -> Line<'static> {
        match self {
            Self::Attribute(a) => Line::Attribute(a.into_owned()),
            Self::Field(f) => Line::Field(Field {
                line_type: f.line_type,
                value: Cow::Owned(f.value.into_owned()),
            }),
        }
    }
}

impl<'a> From<Field<'a>> for Line<'a> {
    fn from(f: Field<'a>) -> Self {
        Self::Field(f)
    }
}

impl<'a> From<Attribute<'a>> for Line<'a> {
    fn from(a: Attribute<'a>) -> Self {
        Self::Attribute(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_split() {
        let a = Attribute::from_text("msid-semantic: WMS x");
        assert_eq!(a.name(), "msid-semantic");
        assert_eq!(a.value(), Some(" WMS x"));
        let a = Attribute::from_text("rtcp-mux");
        assert_eq!(a.value(), None);
        let a = Attribute::from_text("x:");
        assert_eq!(a.value(), Some(""));
        assert_eq!(a.to_string(), "x:");
        assert_eq!(a.text_len(), 2);
    }

    #[test]
    fn line_from_text() {
        assert_eq!(
            Line::from_text("c=IN IP4 0.0.0.0"),
            Some(Line::field(LineType::CONNECTION, "IN IP4 0.0.0.0"))
        );
        assert_eq!(
            Line::from_text("a=mid:0"),
            Some(Line::Attribute(Attribute::new("mid", "0")))
        );
        assert_eq!(Line::from_text("a="), None);
        assert_eq!(Line::from_text("a=:x"), None);
        assert_eq!(Line::from_text("1=x"), None);
        assert_eq!(Line::from_text("ab"), None);
        assert_eq!(Line::from_text("é=x"), None);
        assert_eq!(Line::from_text("x="), Some(Line::field(LineType(b'x'), "")));
    }

    #[test]
    fn line_write() {
        let mut s = String::new();
        let l = Line::Attribute(Attribute::new("mid", "0"));
        l.write(&mut s, LineEnding::Crlf);
        Line::field(LineType::SESSION_NAME, "-").write(&mut s, LineEnding::Lf);
        assert_eq!(s, "a=mid:0\r\ns=-\n");
        assert_eq!(l.text_len(), 7);
    }
}
