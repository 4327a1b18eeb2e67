//! Interop cases for our `PeerConnection` through real NATs (xtask/interop/nat_lib.sh): the
//! echo peer on the public segment (10.99.100.2), our `echo_client` on host B behind NAT2,
//! endpoint-independent or symmetric; once more with the echo peer restricted to relay
//! candidates from coturn. The data channel suite must pass 6/6.

use super::{Case, Example};

/// The examples these cases run (the echo peer and client are listed by the Chromium and
/// aiortc modules).
pub(super) const EXAMPLES: &[Example] = &[];

/// One case: `$env` sets the NAT kind, `$echo` the extra echo peer arguments, `$check` a
/// `grep -E` pattern for the echo peer's `connected:` line.
macro_rules! peer_nat_case {
    ($env:literal, $echo:literal, $check:literal) => {
        concat!(
            $env, "\nECHO_ARGS='", $echo, "'\nCHECK='", $check, "'\n",
            r#"
export NAT_B_SYMMETRIC
. "$ROOT/xtask/interop/nat_lib.sh"
trap nat_down EXIT
nat_up || exit 1
# A certificate for coturn's TLS listener (turns:), trusted by the echo peer via --turns-ca-der.
# An end-entity certificate (CA:FALSE: WebPKI refuses a CA certificate as a server's).
printf '[req]\ndistinguished_name=dn\nx509_extensions=ext\nprompt=no\n[dn]\nCN=turn\n[ext]\nbasicConstraints=critical,CA:FALSE\nsubjectAltName=IP:10.99.100.2\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' > "$OUT/turn.cnf"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -config "$OUT/turn.cnf" \
  -keyout "$OUT/turn-key.pem" -out "$OUT/turn-cert.pem" 2>/dev/null
openssl x509 -in "$OUT/turn-cert.pem" -outform DER -out "$OUT/turn-cert.der"
ip netns exec "$NS-pub" turnserver -n --listening-ip=10.99.100.2 --listening-port=3478 \
  --tls-listening-port=5349 --cert="$OUT/turn-cert.pem" --pkey="$OUT/turn-key.pem" \
  --relay-ip=10.99.100.2 --min-port=49152 --max-port=49300 --lt-cred-mech --user=u:p \
  --realm=strata --no-dtls --no-cli --allowed-peer-ip=10.99.0.0-10.99.255.255 \
  --pidfile="$OUT/turnserver.pid" --log-file=stdout --simple-log > "$OUT/turnserver.log" 2>&1 &
TS=$!
for i in $(seq 50); do grep -q "Total General servers\|Total UDP servers" "$OUT/turnserver.log" 2>/dev/null && break; sleep 0.1; done
sleep 0.3
eval "ip netns exec \"\$NS-pub\" \"\$ECHO\" --http 10.99.100.2:8080 --local-ip 10.99.100.2 --no-mdns $ECHO_ARGS" > "$OUT/echo.log" 2>&1 &
E=$!
for i in $(seq 50); do grep -q "listening" "$OUT/echo.log" 2>/dev/null && break; sleep 0.1; done
ip netns exec "$NS-b" timeout 60 "$ECHO_CLIENT" --url http://10.99.100.2:8080 --local-ip 10.99.2.2 --ice-server stun:10.99.100.2:3478 > "$OUT/client.log" 2>&1
STATUS=$?
sleep 0.3
kill $E 2>/dev/null; wait $E 2>/dev/null
kill $TS 2>/dev/null; wait $TS 2>/dev/null
cat "$OUT/client.log" "$OUT/echo.log"
[ $STATUS -eq 0 ] && grep -q "STRATA-DONE pass=6 fail=0" "$OUT/client.log" \
  && grep -Eq "$CHECK" "$OUT/echo.log"
"#
        )
    };
}

/// The cases.
pub(super) const CASES: &[Case] = &[
    Case {
        name: "peer-nat-client-behind-nat",
        about: "our PeerConnection behind an endpoint-independent NAT reaches our public echo peer (its server- or peer-reflexive candidate through the NAT): 6/6",
        smoke: false,
        disabled: None,
        script: peer_nat_case!(
            "NAT_B_SYMMETRIC=0",
            "",
            "^connected: .* remote candidate:[^ ]* 1 udp [0-9]* 10\\.99\\.100\\.12 [0-9]* typ (srflx|prflx)"
        ),
    },
    Case {
        name: "peer-nat-client-behind-symmetric-nat",
        about: "the same behind a symmetric NAT (--random): 6/6",
        smoke: false,
        disabled: None,
        script: peer_nat_case!(
            "NAT_B_SYMMETRIC=1",
            "",
            "^connected: .* remote candidate:[^ ]* 1 udp [0-9]* 10\\.99\\.100\\.12 [0-9]* typ (srflx|prflx)"
        ),
    },
    Case {
        name: "peer-nat-relay-only",
        about: "the echo peer restricted to coturn relay candidates, the client behind the symmetric NAT: 6/6 over the relay",
        smoke: false,
        disabled: None,
        script: peer_nat_case!(
            "NAT_B_SYMMETRIC=1",
            "--ice-server turn:10.99.100.2:3478 --ice-user u --ice-pass p --relay-only",
            "^connected: local candidate:[^ ]* 1 udp [0-9]* 10\\.99\\.100\\.2 [0-9]* typ relay"
        ),
    },
    Case {
        name: "peer-nat-relay-only-turn-tcp",
        about: "the same with the echo peer reaching coturn over TCP (turn:...?transport=tcp): 6/6 over the relay",
        smoke: false,
        disabled: None,
        script: peer_nat_case!(
            "NAT_B_SYMMETRIC=1",
            "--ice-server turn:10.99.100.2:3478?transport=tcp --ice-user u --ice-pass p --relay-only",
            "^connected: local candidate:[^ ]* 1 udp [0-9]* 10\\.99\\.100\\.2 [0-9]* typ relay"
        ),
    },
    Case {
        name: "peer-nat-relay-only-turns",
        about: "the same with the echo peer reaching coturn over TLS (turns:, coturn's certificate checked against 10.99.100.2): 6/6 over the relay",
        smoke: false,
        disabled: None,
        script: peer_nat_case!(
            "NAT_B_SYMMETRIC=1",
            "--ice-server turns:10.99.100.2:5349 --ice-user u --ice-pass p --relay-only --turns-ca-der $OUT/turn-cert.der",
            "^connected: local candidate:[^ ]* 1 udp [0-9]* 10\\.99\\.100\\.2 [0-9]* typ relay"
        ),
    },
];
