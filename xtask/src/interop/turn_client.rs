//! Interop cases for the TURN client (see crates/turn).

use super::{Case, Example};

/// The examples these cases run.
pub(super) const EXAMPLES: &[Example] = &[];

/// The cases.
pub(super) const CASES: &[Case] = &[];
