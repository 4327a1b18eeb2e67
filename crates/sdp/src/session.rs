//! The session description: parse and emit (RFC 8866 section 5), typed accessors and the
//! builder.

use std::borrow::Cow;
use std::fmt;

use crate::attr::{AttributeValue, Group};
use crate::{
    Attribute, Bandwidth, Connection, Field, Line, LineEnding, LineType, MediaDescription,
    MediaLine, Origin, ParseError, Timing, ValueError,
};

/// A session description: the session-level lines and the media descriptions, verbatim.
///
/// [`SessionDescription::parse`] borrows the input (no per-line allocation) and
/// [`SessionDescription::emit`] reproduces well-formed input byte for byte: every line, its
/// order and the line terminator are kept. Typed values are parsed on demand through
/// [`get`](Self::get), the convenience accessors, or all at once by
/// [`to_typed`](Self::to_typed).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionDescription<'a> {
    /// The terminator written after every line.
    pub line_ending: LineEnding,
    /// The session-level lines in order, starting with `v=0`.
    pub lines: Vec<Line<'a>>,
    /// The media descriptions in order.
    pub media: Vec<MediaDescription<'a>>,
}

/// Validates a field line's value with its typed parser.
#[inline]
fn check<T>(parsed: &Result<T, ValueError>, line: usize, line_type: u8) -> Result<(), ParseError> {
    match parsed {
        Ok(_) => Ok(()),
        Err(source) => Err(ParseError::InvalidValue {
            line,
            line_type: char::from(line_type),
            source: *source,
        }),
    }
}

impl<'a> SessionDescription<'a> {
    /// Parses a session description.
    ///
    /// Accepts CRLF or LF terminators (the first line's is recorded and used on output; a
    /// missing terminator after the last line is added on output) and trailing blank lines.
    /// A CR is allowed inside a line but not as the last character before the terminator.
    /// Checks: the first line is `v=0`; exactly one `o=` and one `s=` at session level; the
    /// values of `o=`, `c=`, `b=`, `t=` and `m=` match their grammar; no session-only type
    /// inside a media description; non-empty attribute names. Lines of unknown type and all
    /// attributes are kept verbatim (attribute values are checked by the typed layer only).
    /// The line order within a section is not checked.
    pub fn parse(text: &'a str) -> Result<Self, ParseError> {
        let mut line_ending = None;
        // Vectors grow with the input (no fixed reservation per section), so memory stays
        // proportional to the input whatever its shape.
        let mut lines: Vec<Line<'a>> = Vec::with_capacity(8);
        let mut media: Vec<MediaDescription<'a>> = Vec::new();
        let (mut seen_origin, mut seen_name) = (false, false);
        let mut rest = text;
        let mut number = 0;
        while !rest.is_empty() {
            number += 1;
            let (raw, tail, terminated) = match memchr::memchr(b'\n', rest.as_bytes()) {
                // `\n` is ASCII, so both slices start and end on character boundaries.
                Some(i) => (
                    rest.get(..i).unwrap_or_default(),
                    rest.get(i + 1..).unwrap_or_default(),
                    true,
                ),
                None => (rest, "", false),
            };
            rest = tail;
            let (raw, cr) = match raw.strip_suffix('\r') {
                Some(raw) => (raw, true),
                None => (raw, false),
            };
            if line_ending.is_none() && terminated {
                line_ending = Some(if cr { LineEnding::Crlf } else { LineEnding::Lf });
            }
            // A CR left at the end would be eaten as part of a CRLF on re-parse of LF output.
            if raw.ends_with('\r') {
                return Err(ParseError::InvalidLine { line: number });
            }
            if raw.is_empty() {
                if rest.bytes().all(|b| b == b'\r' || b == b'\n') {
                    break;
                }
                return Err(ParseError::InvalidLine { line: number });
            }
            let (t, value) = match (raw.as_bytes(), raw.get(2..)) {
                ([t, b'=', ..], Some(v)) if t.is_ascii_alphabetic() => (*t, v),
                _ => return Err(ParseError::InvalidLine { line: number }),
            };
            if number == 1 {
                if t != b'v' || value != "0" {
                    return Err(ParseError::InvalidVersion);
                }
                lines.push(Line::Field(Field {
                    line_type: LineType::VERSION,
                    value: Cow::Borrowed(value),
                }));
                continue;
            }
            match t {
                b'a' => {}
                b'm' => {
                    check(&MediaLine::parse(value), number, t)?;
                    media.push(MediaDescription {
                        media: Cow::Borrowed(value),
                        lines: Vec::new(),
                    });
                    continue;
                }
                b'c' => check(&Connection::parse(value), number, t)?,
                b'b' => check(&Bandwidth::parse(value), number, t)?,
                _ if !media.is_empty() && LineType(t).is_session_only() => {
                    return Err(ParseError::UnexpectedLine {
                        line: number,
                        line_type: char::from(t),
                    });
                }
                _ if !media.is_empty() => {}
                b'v' => {
                    return Err(ParseError::DuplicateLine {
                        line: number,
                        line_type: 'v',
                    });
                }
                b'o' => {
                    if seen_origin {
                        return Err(ParseError::DuplicateLine {
                            line: number,
                            line_type: 'o',
                        });
                    }
                    seen_origin = true;
                    check(&Origin::parse(value), number, t)?;
                }
                b's' => {
                    if seen_name {
                        return Err(ParseError::DuplicateLine {
                            line: number,
                            line_type: 's',
                        });
                    }
                    seen_name = true;
                }
                b't' => check(&Timing::parse(value), number, t)?,
                _ => {}
            }
            let line = if t == b'a' {
                let attr = Attribute::from_text(value);
                if attr.name.is_empty() {
                    return Err(ParseError::InvalidAttribute { line: number });
                }
                Line::Attribute(attr)
            } else {
                Line::Field(Field {
                    line_type: LineType(t),
                    value: Cow::Borrowed(value),
                })
            };
            match media.last_mut() {
                Some(m) => m.lines.push(line),
                None => lines.push(line),
            }
        }
        if lines.is_empty() {
            return Err(ParseError::Empty);
        }
        if !seen_origin {
            return Err(ParseError::MissingLine { line_type: 'o' });
        }
        if !seen_name {
            return Err(ParseError::MissingLine { line_type: 's' });
        }
        Ok(Self {
            line_ending: line_ending.unwrap_or_default(),
            lines,
            media,
        })
    }

    /// A new description for the builder path: `v=0`, the given `o=` and `s=`, and
    /// `t=0 0`, with CRLF terminators (RFC 8829 section 5.2.1 uses `s=-`).
    #[must_use]
    pub fn new(origin: &Origin<'_>, session_name: &str) -> SessionDescription<'static> {
        SessionDescription {
            line_ending: LineEnding::Crlf,
            lines: vec![
                Line::field(LineType::VERSION, "0"),
                Line::field(LineType::ORIGIN, origin.to_string()),
                Line::field(LineType::SESSION_NAME, session_name.to_owned()),
                Line::field(LineType::TIMING, "0 0"),
            ],
            media: Vec::new(),
        }
    }

    /// Appends a session-level line.
    pub fn push(&mut self, line: impl Into<Line<'a>>) -> &mut Self {
        self.lines.push(line.into());
        self
    }

    /// Appends a session-level attribute for a typed value.
    pub fn push_attribute<'t, T: AttributeValue<'t>>(&mut self, value: &T) -> &mut Self {
        self.lines.push(Line::Attribute(value.to_attribute()));
        self
    }

    /// Appends a media description.
    pub fn push_media(&mut self, media: MediaDescription<'a>) -> &mut Self {
        self.media.push(media);
        self
    }

    /// The exact length of [`emit`](Self::emit)'s output.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        let e = self.line_ending.as_str().len();
        self.lines.iter().map(|l| l.text_len() + e).sum::<usize>()
            + self
                .media
                .iter()
                .map(|m| m.buffer_len(self.line_ending))
                .sum::<usize>()
    }

    /// Appends the session description to `out`.
    pub fn emit(&self, out: &mut String) {
        for l in &self.lines {
            l.write(out, self.line_ending);
        }
        for m in &self.media {
            m.emit(out, self.line_ending);
        }
    }

    /// Emits into a new string of exactly the right capacity.
    #[must_use]
    pub fn emit_string(&self) -> String {
        let mut out = String::with_capacity(self.buffer_len());
        self.emit(&mut out);
        out
    }

    /// Copies borrowed strings so the description no longer borrows the input.
    #[must_use]
    pub fn into_owned(self) -> SessionDescription<'static> {
        SessionDescription {
            line_ending: self.line_ending,
            lines: self.lines.into_iter().map(Line::into_owned).collect(),
            media: self
                .media
                .into_iter()
                .map(MediaDescription::into_owned)
                .collect(),
        }
    }

    fn field(&self, t: LineType) -> Option<&str> {
        self.lines.iter().find_map(|l| l.field_value(t))
    }

    /// The typed `o=` line.
    pub fn origin(&self) -> Result<Origin<'_>, ValueError> {
        Origin::parse(
            self.field(LineType::ORIGIN)
                .ok_or(ValueError::Missing { field: "o=" })?,
        )
    }

    /// The `s=` value.
    #[must_use]
    pub fn session_name(&self) -> Option<&str> {
        self.field(LineType::SESSION_NAME)
    }

    /// The first `t=` line, typed.
    pub fn timing(&self) -> Option<Result<Timing, ValueError>> {
        self.field(LineType::TIMING).map(Timing::parse)
    }

    /// The session-level `c=` line, typed.
    pub fn connection(&self) -> Option<Result<Connection<'_>, ValueError>> {
        self.field(LineType::CONNECTION).map(Connection::parse)
    }

    /// The session-level attributes, in order.
    pub fn attributes(&self) -> impl Iterator<Item = &Attribute<'a>> + '_ {
        self.lines.iter().filter_map(Line::as_attribute)
    }

    /// The first session-level attribute called `name`.
    #[must_use]
    pub fn attribute(&self, name: &str) -> Option<&Attribute<'a>> {
        self.attributes().find(|a| a.name == name)
    }

    /// The first session-level attribute of type `T`, parsed.
    pub fn get<'s, T: AttributeValue<'s>>(&'s self) -> Option<Result<T, ValueError>> {
        self.attributes().find_map(Attribute::get::<T>)
    }

    /// Every session-level attribute of type `T`, parsed, in order.
    pub fn get_all<'s, T: AttributeValue<'s> + 's>(
        &'s self,
    ) -> impl Iterator<Item = Result<T, ValueError>> + 's {
        self.attributes().filter_map(Attribute::get::<T>)
    }

    /// The attribute `T` of `media`, falling back to the session level (as RFC 8839 allows
    /// for `ice-ufrag`, `ice-pwd`, `ice-options` and RFC 8122 for `fingerprint`).
    pub fn get_for<'s, T: AttributeValue<'s>>(
        &'s self,
        media: &'s MediaDescription<'a>,
    ) -> Option<Result<T, ValueError>> {
        media.get::<T>().or_else(|| self.get::<T>())
    }

    /// Every attribute `T` of `media` or, if it has none, of the session level.
    pub fn get_all_for<'s, T: AttributeValue<'s> + 's>(
        &'s self,
        media: &'s MediaDescription<'a>,
    ) -> impl Iterator<Item = Result<T, ValueError>> + 's {
        let at_media = media.attributes().any(|a| T::accepts(&a.name));
        let (m, s) = if at_media {
            (Some(media), None)
        } else {
            (None, Some(self))
        };
        m.into_iter()
            .flat_map(MediaDescription::get_all::<T>)
            .chain(s.into_iter().flat_map(Self::get_all::<T>))
    }

    /// The `a=group:BUNDLE` groups (RFC 8843), parsed.
    pub fn bundle_groups(&self) -> impl Iterator<Item = Result<Group<'_>, ValueError>> + '_ {
        self.get_all::<Group<'_>>()
            .filter(|g| g.as_ref().map_or(true, |g| g.semantics == Group::BUNDLE))
    }

    /// Whether `a=extmap-allow-mixed` is present at session level (RFC 8285 section 6).
    #[must_use]
    pub fn extmap_allow_mixed(&self) -> bool {
        self.attribute("extmap-allow-mixed").is_some()
    }

    /// The media description whose `a=mid` is `mid`.
    #[must_use]
    pub fn media_by_mid(&self, mid: &str) -> Option<&MediaDescription<'a>> {
        self.media.iter().find(|m| m.mid() == Some(mid))
    }
}

impl fmt::Display for SessionDescription<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.emit_string())
    }
}
