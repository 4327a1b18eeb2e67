//! The fully typed view of a session description: every known line and attribute parsed.

use crate::{
    Bandwidth, Connection, Line, LineType, MediaDescription, MediaLine, Origin, ParseError,
    SessionDescription, Timing, TypedAttribute, ValueError,
};

/// A session description with every field and attribute typed, borrowing from a
/// [`SessionDescription`]. Built by [`SessionDescription::to_typed`].
///
/// Lines of other types (`i=`, `u=`, `e=`, `p=`, `r=`, `z=`, `k=`, unknown letters) are not
/// repeated here; they stay in the raw description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedSession<'s> {
    /// `o=`.
    pub origin: Origin<'s>,
    /// `s=`.
    pub session_name: &'s str,
    /// Session-level `c=`.
    pub connection: Option<Connection<'s>>,
    /// Session-level `b=` lines.
    pub bandwidths: Vec<Bandwidth<'s>>,
    /// `t=` lines.
    pub timings: Vec<Timing>,
    /// Session-level attributes in order.
    pub attributes: Vec<TypedAttribute<'s>>,
    /// Media descriptions in order.
    pub media: Vec<TypedMedia<'s>>,
}

/// A media description with every field and attribute typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedMedia<'s> {
    /// `m=`.
    pub media: MediaLine<'s>,
    /// Media-level `c=`.
    pub connection: Option<Connection<'s>>,
    /// Media-level `b=` lines.
    pub bandwidths: Vec<Bandwidth<'s>>,
    /// Attributes in order.
    pub attributes: Vec<TypedAttribute<'s>>,
}

fn at(line: usize, line_type: u8) -> impl FnOnce(ValueError) -> ParseError {
    move |source| ParseError::InvalidValue {
        line,
        line_type: char::from(line_type),
        source,
    }
}

/// Types the lines of one section; `first` is the line number of `lines[0]`.
fn type_lines<'s>(
    lines: &'s [Line<'_>],
    first: usize,
    connection: &mut Option<Connection<'s>>,
    bandwidths: &mut Vec<Bandwidth<'s>>,
    mut other: impl FnMut(usize, LineType, &'s str) -> Result<(), ParseError>,
) -> Result<Vec<TypedAttribute<'s>>, ParseError> {
    let count = lines
        .iter()
        .filter(|l| matches!(l, Line::Attribute(_)))
        .count();
    let mut attributes = Vec::with_capacity(count);
    for (i, line) in lines.iter().enumerate() {
        let number = first + i;
        match line {
            Line::Attribute(a) => attributes.push(a.parse_typed().map_err(at(number, b'a'))?),
            Line::Field(f) => match f.line_type {
                LineType::CONNECTION if connection.is_none() => {
                    *connection = Some(Connection::parse(&f.value).map_err(at(number, b'c'))?);
                }
                LineType::BANDWIDTH => {
                    bandwidths.push(Bandwidth::parse(&f.value).map_err(at(number, b'b'))?);
                }
                t => other(number, t, &f.value)?,
            },
        }
    }
    Ok(attributes)
}

impl<'a> SessionDescription<'a> {
    /// Types every `o=`, `s=`, `c=`, `b=`, `t=`, `m=` line and every attribute; the first
    /// failure is reported with its line number (counted as in the emitted text).
    ///
    /// This is the "parse fully" step: `SessionDescription::parse(s)?.to_typed()?` does the
    /// work other SDP crates do in their parse.
    pub fn to_typed(&self) -> Result<TypedSession<'_>, ParseError> {
        let mut origin = None;
        let mut session_name = None;
        let mut timings = Vec::new();
        let mut connection = None;
        let mut bandwidths = Vec::new();
        let attributes = type_lines(
            &self.lines,
            1,
            &mut connection,
            &mut bandwidths,
            |n, t, v| {
                match t {
                    LineType::ORIGIN if origin.is_none() => {
                        origin = Some(Origin::parse(v).map_err(at(n, b'o'))?);
                    }
                    LineType::SESSION_NAME if session_name.is_none() => session_name = Some(v),
                    LineType::TIMING => timings.push(Timing::parse(v).map_err(at(n, b't'))?),
                    _ => {}
                }
                Ok(())
            },
        )?;
        let mut number = 1 + self.lines.len();
        let mut media = Vec::with_capacity(self.media.len());
        for m in &self.media {
            media.push(type_media(m, number)?);
            number += 1 + m.lines.len();
        }
        Ok(TypedSession {
            origin: origin.ok_or(ParseError::MissingLine { line_type: 'o' })?,
            session_name: session_name.ok_or(ParseError::MissingLine { line_type: 's' })?,
            connection,
            bandwidths,
            timings,
            attributes,
            media,
        })
    }
}

fn type_media<'s>(
    m: &'s MediaDescription<'_>,
    number: usize,
) -> Result<TypedMedia<'s>, ParseError> {
    let media = MediaLine::parse(&m.media).map_err(at(number, b'm'))?;
    let mut connection = None;
    let mut bandwidths = Vec::new();
    let attributes = type_lines(
        &m.lines,
        number + 1,
        &mut connection,
        &mut bandwidths,
        |_, _, _| Ok(()),
    )?;
    Ok(TypedMedia {
        media,
        connection,
        bandwidths,
        attributes,
    })
}
