//! Interop cases with Chromium (headless) against the echo peer (strata-peer's
//! `PeerConnection` behind `crates/strata/examples/echo`): the page's suite covers text and
//! binary messages, a 256 KiB message, 1000 small messages in order, unordered and
//! maxRetransmits=0 channels, a negotiated channel and 10 channels at once.

use super::{Case, Example};

/// The examples these cases run.
pub(super) const EXAMPLES: &[Example] = &[Example {
    env: "ECHO",
    package: "strata",
    example: "echo",
}];

/// The cases.
pub(super) const CASES: &[Case] = &[
    Case {
        name: "chromium-echo-mdns",
        about: "Chromium's data channel suite against our echo peer, Chromium hiding its host address behind an mDNS name we resolve",
        smoke: true,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/chromium_echo.sh" mdns"#,
    },
    Case {
        name: "chromium-echo-raw-ip",
        about: "Chromium's data channel suite against our echo peer with raw host candidates (media permission granted)",
        smoke: false,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/chromium_echo.sh" raw-ip"#,
    },
    Case {
        name: "chromium-answers-strata",
        about: "our peer offers a data channel, Chromium answers (mDNS candidates) and echoes 100 text + 10 binary messages in order",
        smoke: false,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/chromium_echo.sh" answerer"#,
    },
    Case {
        name: "chromium-echo-via-coturn-relay",
        about: "the Chromium suite against our echo peer restricted to relay candidates from coturn (turn: URL, long-term credentials)",
        smoke: false,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/chromium_echo.sh" relay"#,
    },
];
