//! A media description: an `m=` line and the lines up to the next `m=` (RFC 8866
//! section 5.14).

use std::borrow::Cow;

use crate::attr::{AttributeValue, Direction};
use crate::{Attribute, Connection, Line, LineEnding, LineType, MediaLine, ValueError};

/// One media description: the `m=` value and the media-level lines that follow it, verbatim.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MediaDescription<'a> {
    /// The value of the `m=` line, verbatim. See [`MediaDescription::media_line`].
    pub media: Cow<'a, str>,
    /// The lines after `m=` (`i=`, `c=`, `b=`, `k=`, `a=` and unknown types), in order.
    pub lines: Vec<Line<'a>>,
}

impl<'a> MediaDescription<'a> {
    /// A media description with the given `m=` line and no other lines yet.
    #[must_use]
    pub fn new(media: &MediaLine<'_>) -> Self {
        Self {
            media: Cow::Owned(media.to_string()),
            lines: Vec::new(),
        }
    }

    /// The typed `m=` line.
    pub fn media_line(&self) -> Result<MediaLine<'_>, ValueError> {
        MediaLine::parse(&self.media)
    }

    /// The attributes (`a=` lines), in order.
    pub fn attributes(&self) -> impl Iterator<Item = &Attribute<'a>> + '_ {
        self.lines.iter().filter_map(Line::as_attribute)
    }

    /// The first attribute called `name`.
    #[must_use]
    pub fn attribute(&self, name: &str) -> Option<&Attribute<'a>> {
        self.attributes().find(|a| a.name == name)
    }

    /// Whether a property or value attribute called `name` is present.
    #[must_use]
    pub fn has_attribute(&self, name: &str) -> bool {
        self.attribute(name).is_some()
    }

    /// The first attribute of type `T`, parsed.
    pub fn get<'s, T: AttributeValue<'s>>(&'s self) -> Option<Result<T, ValueError>> {
        self.attributes().find_map(Attribute::get::<T>)
    }

    /// Every attribute of type `T`, parsed, in order.
    pub fn get_all<'s, T: AttributeValue<'s> + 's>(
        &'s self,
    ) -> impl Iterator<Item = Result<T, ValueError>> + 's {
        self.attributes().filter_map(Attribute::get::<T>)
    }

    /// The `a=mid` value, if present and well-formed.
    #[must_use]
    pub fn mid(&self) -> Option<&str> {
        self.attribute("mid")
            .and_then(Attribute::value)
            .filter(|v| crate::util::is_word(v))
    }

    /// The media direction; [`Direction::SendRecv`] when no direction attribute is present
    /// (RFC 8866 section 6.7).
    #[must_use]
    pub fn direction(&self) -> Direction {
        self.attributes()
            .find_map(|a| Direction::from_name(&a.name))
            .unwrap_or_default()
    }

    /// The first `c=` line, typed.
    pub fn connection(&self) -> Option<Result<Connection<'_>, ValueError>> {
        self.lines
            .iter()
            .find_map(|l| l.field_value(LineType::CONNECTION))
            .map(Connection::parse)
    }

    /// Appends a line.
    pub fn push(&mut self, line: impl Into<Line<'a>>) -> &mut Self {
        self.lines.push(line.into());
        self
    }

    /// Appends the attribute for a typed value.
    pub fn push_attribute<'t, T: AttributeValue<'t>>(&mut self, value: &T) -> &mut Self {
        self.lines.push(Line::Attribute(value.to_attribute()));
        self
    }

    /// Length of this media description when emitted with `ending`.
    #[must_use]
    pub fn buffer_len(&self, ending: LineEnding) -> usize {
        let e = ending.as_str().len();
        2 + self.media.len() + e + self.lines.iter().map(|l| l.text_len() + e).sum::<usize>()
    }

    /// Appends the media description to `out`.
    pub fn emit(&self, out: &mut String, ending: LineEnding) {
        out.push_str("m=");
        out.push_str(&self.media);
        out.push_str(ending.as_str());
        for l in &self.lines {
            l.write(out, ending);
        }
    }

    /// Copies borrowed strings so the description no longer borrows the input.
    #[must_use]
    pub fn into_owned(self) -> MediaDescription<'static> {
        MediaDescription {
            media: Cow::Owned(self.media.into_owned()),
            lines: self.lines.into_iter().map(Line::into_owned).collect(),
        }
    }
}
