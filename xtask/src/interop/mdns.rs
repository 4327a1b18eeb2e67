//! Interop cases for mDNS host-candidate names (strata-ice's querier and responder) against
//! python-zeroconf, an independent mDNS implementation, over real multicast in the namespace.

use super::{Case, Example};

/// The examples these cases run.
pub(super) const EXAMPLES: &[Example] = &[Example {
    env: "MDNS",
    package: "strata-ice",
    example: "mdns",
}];

/// The cases.
pub(super) const CASES: &[Case] = &[
    Case {
        name: "mdns-resolve-zeroconf-name",
        about: "our mDNS querier resolves a .local name python-zeroconf publishes (queried after its announcements ended)",
        smoke: false,
        disabled: None,
        script: r#"
NAME=3f0e1b52-0c1d-4a55-9d7e-1c2b3a4d5e6f.local
python3 "$ROOT/xtask/interop/mdns_zeroconf.py" publish $NAME 10.99.0.1 12 > "$OUT/zeroconf.log" 2>&1 &
ZC=$!
sleep 5
OUTPUT=$("$MDNS" resolve $NAME --timeout-ms 4000)
STATUS=$?
kill $ZC 2>/dev/null; wait $ZC 2>/dev/null
echo "$OUTPUT"; cat "$OUT/zeroconf.log"
[ $STATUS -eq 0 ] && echo "$OUTPUT" | grep -qx "resolved $NAME 10.99.0.1"
"#,
    },
    Case {
        name: "mdns-zeroconf-resolves-our-name",
        about: "python-zeroconf resolves the <uuid>.local name our mDNS responder publishes, by query after our announcements",
        smoke: true,
        disabled: None,
        script: r#"
"$MDNS" publish 10.99.0.1 --seconds 6 > "$OUT/publish.log" 2>&1 &
PUB=$!
sleep 2.5
NAME=$(head -1 "$OUT/publish.log" | cut -d' ' -f2)
OUTPUT=$(python3 "$ROOT/xtask/interop/mdns_zeroconf.py" resolve "$NAME" 2>&1)
STATUS=$?
wait $PUB
echo "$OUTPUT"; cat "$OUT/publish.log"
ANSWERS=$(sed -n 's/^answers sent //p' "$OUT/publish.log")
[ $STATUS -eq 0 ] && echo "$OUTPUT" | grep -qx "zeroconf resolved $NAME 10.99.0.1" && [ "$ANSWERS" -ge 3 ]
"#,
    },
];
