//! Errors of the session-description parser and of the typed value parsers.

/// Why a typed value (a field line such as `o=` or `m=`, or an attribute value) is invalid.
///
/// The `field` strings name the grammar element in the RFC's words (for example
/// `"sess-version"` or `"component-id"`), so a message points at the exact token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// A required token is absent.
    #[error("missing {field}")]
    Missing {
        /// The grammar element that is missing.
        field: &'static str,
    },
    /// A token does not match its grammar (bad digits, bad characters, out of range).
    #[error("invalid {field}")]
    Invalid {
        /// The grammar element that is invalid.
        field: &'static str,
    },
    /// Tokens follow the end of the grammar.
    #[error("unexpected trailing data")]
    TrailingData,
    /// A value attribute (`a=name:value`) was given without a value.
    #[error("attribute requires a value")]
    MissingValue,
    /// A property attribute (`a=name`) was given with a value.
    #[error("attribute takes no value")]
    UnexpectedValue,
    /// The attribute name is not the one this type parses.
    #[error("attribute name does not match the requested type")]
    WrongName,
}

/// Why a session description could not be parsed.
///
/// Line numbers count from 1 over the lines of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The input holds no line at all.
    #[error("empty session description")]
    Empty,
    /// A line is not of the form `<type>=<value>` with an ASCII letter as type.
    #[error("line {line}: expected `<type>=<value>`")]
    InvalidLine {
        /// 1-based line number.
        line: usize,
    },
    /// The first line is not `v=0` (RFC 8866 section 5.1).
    #[error("line 1: expected `v=0`")]
    InvalidVersion,
    /// A mandatory session-level line is absent.
    #[error("missing `{line_type}=` line")]
    MissingLine {
        /// The type letter of the missing line.
        line_type: char,
    },
    /// A session-level line that may appear once appears again.
    #[error("line {line}: duplicate `{line_type}=` line")]
    DuplicateLine {
        /// 1-based line number.
        line: usize,
        /// The type letter.
        line_type: char,
    },
    /// A session-level-only line (`v o s u e p t r z`) inside a media description.
    #[error("line {line}: `{line_type}=` is not allowed in a media description")]
    UnexpectedLine {
        /// 1-based line number.
        line: usize,
        /// The type letter.
        line_type: char,
    },
    /// An `a=` line with an empty attribute name.
    #[error("line {line}: empty attribute name")]
    InvalidAttribute {
        /// 1-based line number.
        line: usize,
    },
    /// A line's value does not match its grammar.
    #[error("line {line}: invalid `{line_type}=` value: {source}")]
    InvalidValue {
        /// 1-based line number.
        line: usize,
        /// The type letter.
        line_type: char,
        /// What is wrong with the value.
        source: ValueError,
    },
}
