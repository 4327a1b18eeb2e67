//! Interop cases with aiortc 1.16 (Python) in both roles, over the echo contract: text and
//! binary, 64 KiB, 1000 in order, unordered, negotiated channel 42.

use super::{Case, Example};

/// The examples these cases run.
pub(super) const EXAMPLES: &[Example] = &[Example {
    env: "ECHO_CLIENT",
    package: "strata",
    example: "echo_client",
}];

/// The cases.
pub(super) const CASES: &[Case] = &[
    Case {
        name: "aiortc-offers-to-strata",
        about: "aiortc offers (with end-of-candidates, aggressive nomination) to our echo peer and runs its data channel suite",
        smoke: true,
        disabled: None,
        script: r#"
"$ECHO" --http 127.0.0.1:8080 > "$OUT/echo.log" 2>&1 &
E=$!
for i in $(seq 50); do grep -q "listening" "$OUT/echo.log" 2>/dev/null && break; sleep 0.1; done
timeout 90 python3 "$ROOT/xtask/interop/aiortc_echo.py" client http://127.0.0.1:8080 > "$OUT/aiortc.log" 2>&1
STATUS=$?
kill $E; wait $E 2>/dev/null
cat "$OUT/aiortc.log" "$OUT/echo.log"
[ $STATUS -eq 0 ] && grep -q "AIORTC-DONE pass=6 fail=0" "$OUT/aiortc.log"
"#,
    },
    Case {
        name: "strata-offers-to-aiortc",
        about: "our PeerConnection offers to aiortc's echo server and runs the data channel suite",
        smoke: false,
        disabled: None,
        script: r#"
python3 "$ROOT/xtask/interop/aiortc_echo.py" server 8081 60 > "$OUT/aiortc.log" 2>&1 &
S=$!
for i in $(seq 100); do grep -q "listening" "$OUT/aiortc.log" 2>/dev/null && break; sleep 0.1; done
timeout 60 "$ECHO_CLIENT" --url http://127.0.0.1:8081 > "$OUT/client.log" 2>&1
STATUS=$?
kill $S; wait $S 2>/dev/null
cat "$OUT/client.log" "$OUT/aiortc.log"
[ $STATUS -eq 0 ] && grep -q "STRATA-DONE pass=6 fail=0" "$OUT/client.log"
"#,
    },
    Case {
        name: "tshark-decodes-peer-session",
        about: "tshark decodes a captured session of ours (aiortc offering): STUN, DTLS, and with our SSLKEYLOGFILE secrets SCTP and DCEP inside DTLS; no malformed packet, no expert warning",
        smoke: false,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/tshark_peer.sh""#,
    },
];
