//! Interop cases for the SCTP association (crates/sctp) against usrsctp, the SCTP stack of
//! Firefox and GStreamer's webrtcbin: our `Association` (the `usrsctp_peer` example) and
//! usrsctp in AF_CONN mode (xtask/interop/usrsctp/usrsctp_peer.c, compiled with
//! `-lusrsctp` at case time) exchange raw SCTP packets over UDP on loopback, no DTLS and no
//! ICE. Both sides run the same plan and check every byte, per-stream order, exactly-once
//! delivery of unordered messages, partial reliability without stale or duplicate delivery,
//! stream resets and how the association ends (see xtask/interop/usrsctp/run.sh).

use super::{Case, Example};

/// The examples these cases run.
pub(super) const EXAMPLES: &[Example] = &[Example {
    env: "USRSCTP_PEER",
    package: "strata-sctp",
    example: "usrsctp_peer",
}];

/// `run.sh USRSCTP_ROLE PLAN CLOSER CLOSE [our args] [-- usrsctp args]`.
macro_rules! usrsctp_case {
    ($args:literal) => {
        concat!(r#"sh "$ROOT/xtask/interop/usrsctp/run.sh" "#, $args)
    };
}

/// The cases.
pub(super) const CASES: &[Case] = &[
    Case {
        name: "sctp-vs-usrsctp-smoke",
        about: "our SCTP client and a usrsctp server: 1 KiB, 16 KiB and 256 KiB messages both ways, ordered and unordered, then our SHUTDOWN",
        smoke: true,
        disabled: None,
        script: usrsctp_case!("server smoke strata shutdown"),
    },
    Case {
        name: "sctp-vs-usrsctp-simultaneous-open",
        about: "both sides connect as Firefox does with usrsctp, INITs crossing (each in COOKIE-WAIT when the other's INIT arrives), then the smoke exchange",
        smoke: false,
        disabled: None,
        script: usrsctp_case!("simultaneous smoke strata shutdown"),
    },
    Case {
        name: "sctp-vs-usrsctp-client-data",
        about: "usrsctp client, our server: 200x1 KiB, 40x16 KiB, 6x256 KiB ordered and 220 unordered messages each way, byte-checked; usrsctp's SHUTDOWN",
        smoke: false,
        disabled: None,
        script: usrsctp_case!("client data usrsctp shutdown"),
    },
    Case {
        name: "sctp-vs-usrsctp-server-data",
        about: "our client, usrsctp server: 200x1 KiB, 40x16 KiB, 6x256 KiB ordered and 220 unordered messages each way, byte-checked; our SHUTDOWN",
        smoke: false,
        disabled: None,
        script: usrsctp_case!("server data strata shutdown"),
    },
    Case {
        name: "sctp-vs-usrsctp-pr-lossy-client",
        about: "10% loss, usrsctp client: SCTP_PR_SCTP_RTX/TTL messages to us, max_retransmits/max_lifetime to usrsctp; FORWARD TSN both ways, no stale or duplicate delivery, no stall",
        smoke: false,
        disabled: None,
        script: usrsctp_case!("client pr strata shutdown --drop 100 --seed 7 --expect-forward-tsn"),
    },
    Case {
        name: "sctp-vs-usrsctp-pr-lossy-server",
        about: "10% loss, usrsctp server: partially reliable flows both ways, FORWARD TSN both ways, no stale or duplicate delivery, no stall; usrsctp's SHUTDOWN",
        smoke: false,
        disabled: None,
        script: usrsctp_case!(
            "server pr usrsctp shutdown --drop 100 --seed 9 --expect-forward-tsn"
        ),
    },
    Case {
        name: "sctp-vs-usrsctp-reset",
        about: "each side resets its outgoing streams 7 and 8 (RFC 6525, usrsctp SCTP_RESET_STREAMS), the other reports it, and data sent after the reset arrives",
        smoke: false,
        disabled: None,
        script: usrsctp_case!("client reset usrsctp shutdown"),
    },
    Case {
        name: "sctp-vs-usrsctp-abort-by-usrsctp",
        about: "usrsctp ABORTs (SO_LINGER 0 + close) after an exchange: we report PeerAbort",
        smoke: false,
        disabled: None,
        script: usrsctp_case!("server close usrsctp abort"),
    },
    Case {
        name: "sctp-vs-usrsctp-abort-by-strata",
        about: "we ABORT after an exchange: usrsctp reports SCTP_COMM_LOST",
        smoke: false,
        disabled: None,
        script: usrsctp_case!("client close strata abort"),
    },
    Case {
        name: "sctp-vs-usrsctp-idata",
        about: "I-DATA (RFC 8260): usrsctp with SCTP_INTERLEAVING_SUPPORTED and fragment interleave 2, 256 KiB messages on two streams interleaved with small ones; I-DATA chunks both ways",
        smoke: false,
        disabled: None,
        script: usrsctp_case!("client idata strata shutdown --idata -- --idata"),
    },
];
