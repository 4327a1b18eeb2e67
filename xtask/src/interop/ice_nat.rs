//! Interop cases for ICE through real NATs: two `ice_peer` processes (one agent each, see
//! crates/ice/examples/ice_peer.rs) behind NATs built from network namespaces by
//! xtask/interop/nat_lib.sh, with coturn's `turnserver` as STUN and TURN server on the public
//! segment (10.99.100.2:3478).
//!
//! nat_lib.sh makes the NATs behave like home routers (these cases found why it must): unsolicited UDP to a NAT's own WAN address is dropped in INPUT (so it never
//! creates a conntrack entry that would force MASQUERADE to pick another port for the hole
//! punched from inside), and the public namespace routes each private LAN to its NAT, which
//! drops new inbound flows in FORWARD. Without the routes coturn's relay gets ENETUNREACH
//! sending to a peer's private host candidate and then broke that allocation (438 then 400
//! on every later request, or its relay port closed).

use super::{Case, Example};

/// The example these cases run.
pub(super) const EXAMPLES: &[Example] = &[Example {
    env: "ICE_PEER",
    package: "strata-ice",
    example: "ice_peer",
}];

/// One case: `$env` sets the NAT kind, `$a`/`$b` are the extra `ice_peer` arguments of host
/// A (controlling) and host B (controlled), `$check` is a `grep -E` pattern both summary lines
/// must match.
macro_rules! nat_case {
    ($env:literal, $a:literal, $b:literal, $check:literal) => {
        concat!(
            $env, "\nA_ARGS='", $a, "'\nB_ARGS='", $b, "'\nCHECK='", $check, "'\n",
            r#"
export NAT_B_SYMMETRIC NAT_B_BLOCK_UDP
. "$ROOT/xtask/interop/nat_lib.sh"
trap nat_down EXIT
nat_up || exit 1
S="--stun 10.99.100.2:3478"
TU="--turn 10.99.100.2:3478 --turn-transport udp --user u --pass p"
TT="--turn 10.99.100.2:3478 --turn-transport tcp --user u --pass p"
mkdir -p "$OUT/sig"
ip netns exec "$NS-pub" turnserver -n --listening-ip=10.99.100.2 --listening-port=3478 \
  --relay-ip=10.99.100.2 --min-port=49152 --max-port=49300 --lt-cred-mech --user=u:p \
  --realm=strata --no-tls --no-dtls --no-cli --allow-loopback-peers \
  --allowed-peer-ip=10.99.0.0-10.99.255.255 --pidfile="$OUT/turnserver.pid" \
  --log-file=stdout --simple-log > "$OUT/turnserver.log" 2>&1 &
TS=$!
for i in $(seq 50); do grep -q "Total General servers\|Total UDP servers" "$OUT/turnserver.log" 2>/dev/null && break; sleep 0.1; done
sleep 0.3
eval "ip netns exec \"\$NS-a\" \"\$ICE_PEER\" --role controlling --dir \"\$OUT/sig\" --bind 10.99.1.2 --timeout-secs 15 $A_ARGS" > "$OUT/a.log" 2> "$OUT/a.err" &
PA=$!
eval "ip netns exec \"\$NS-b\" \"\$ICE_PEER\" --role controlled --dir \"\$OUT/sig\" --bind 10.99.2.2 --timeout-secs 15 $B_ARGS" > "$OUT/b.log" 2> "$OUT/b.err" &
PB=$!
wait $PA; RA=$?
wait $PB; RB=$?
kill $TS 2>/dev/null; wait $TS 2>/dev/null
cat "$OUT/a.log" "$OUT/b.log"
if [ $RA -ne 0 ] || [ $RB -ne 0 ]; then tail -n 20 "$OUT/a.err" "$OUT/b.err"; exit 1; fi
grep "connected via" "$OUT/a.log" | grep -qE "$CHECK" && grep "connected via" "$OUT/b.log" | grep -qE "$CHECK"
"#
        )
    };
}

/// The cases.
pub(super) const CASES: &[Case] = &[
    Case {
        name: "ice-nat-srflx",
        about: "two ICE agents behind two endpoint-independent NATs connect through server-reflexive (or peer-reflexive) candidates from coturn's STUN server, not a relay",
        smoke: true,
        disabled: None,
        script: nat_case!(
            "NAT_B_SYMMETRIC=0\nNAT_B_BLOCK_UDP=0",
            "$S",
            "$S",
            "local=(srflx|prflx) remote=(srflx|prflx) .*100/100"
        ),
    },
    Case {
        name: "ice-nat-symmetric",
        about: "B behind a symmetric NAT (MASQUERADE --random), both with STUN and coturn TURN/UDP: the agents connect (the summary lines say via which candidate types)",
        smoke: false,
        disabled: None,
        script: nat_case!(
            "NAT_B_SYMMETRIC=1\nNAT_B_BLOCK_UDP=0",
            "$S $TU",
            "$S $TU",
            "connected via .*100/100"
        ),
    },
    Case {
        name: "ice-nat-relay-only",
        about: "both agents gather only relayed candidates (coturn TURN/UDP): they connect relay to relay",
        smoke: false,
        disabled: None,
        script: nat_case!(
            "NAT_B_SYMMETRIC=0\nNAT_B_BLOCK_UDP=0",
            "$TU --relay-only",
            "$TU --relay-only",
            "local=relay remote=relay .*100/100"
        ),
    },
    Case {
        name: "ice-nat-turn-tcp",
        about: "B's NAT drops all UDP, B allocates on coturn over TCP; A has STUN and TURN/UDP: they connect through B's relayed candidate",
        smoke: false,
        disabled: None,
        script: nat_case!(
            "NAT_B_SYMMETRIC=0\nNAT_B_BLOCK_UDP=1",
            "$S $TU",
            "$TT",
            "relay.*100/100"
        ),
    },
];
