//! Interop cases for the TURN client (see crates/turn): our client allocates through
//! coturn's `turnserver` over UDP, TCP and TLS, on IPv4 and IPv6 loopback, and relays
//! datagrams to a UDP echo peer both over a bound channel (ChannelData) and with Send/Data
//! indications.

use super::{Case, Example};

/// The examples these cases run.
pub(super) const EXAMPLES: &[Example] = &[Example {
    env: "TURN_CLIENT",
    package: "strata-turn",
    example: "turn_client",
}];

/// One case script: coturn with long-term credentials and a TLS listener on `$host`
/// (a self-signed end-entity certificate with that IP in its subjectAltName), then our client
/// over `$transport` to `$port`, once with a channel and once with Send indications, 20
/// echoed messages each. `$bracketed` is the host as it appears in a socket address.
macro_rules! coturn_case {
    ($host:literal, $bracketed:literal, $transport:literal, $port:literal) => {
        concat!(
            "H=", $host, "\nB=", $bracketed, "\nT=", $transport, "\nPORT=", $port, "\n",
            r#"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$OUT/key.pem" \
  -out "$OUT/cert.pem" -days 2 -subj "/CN=turn" -addext "subjectAltName=IP:$H" \
  -addext "basicConstraints=critical,CA:FALSE" 2>"$OUT/openssl.log" || exit 1
turnserver -n --listening-ip=$H --listening-port=3478 --tls-listening-port=5349 \
  --lt-cred-mech --user=u:p --realm=strata --cert "$OUT/cert.pem" --pkey "$OUT/key.pem" \
  --no-dtls --relay-ip=$H --min-port=49152 --max-port=49200 --no-cli --allow-loopback-peers \
  --log-file=stdout --simple-log --pidfile="$OUT/turnserver.pid" > "$OUT/turnserver.log" 2>&1 &
TS=$!
for i in $(seq 50); do grep -q "Total General servers\|Total UDP servers" "$OUT/turnserver.log" 2>/dev/null && break; sleep 0.1; done
sleep 0.3
RC=0
"$TURN_CLIENT" --server "$B:$PORT" --transport $T --user u --pass p --peer "$B:40101" \
  --mode channel --count 20 --ca "$OUT/cert.pem" || RC=1
"$TURN_CLIENT" --server "$B:$PORT" --transport $T --user u --pass p --peer "$B:40102" \
  --mode send --count 20 --ca "$OUT/cert.pem" || RC=1
kill $TS 2>/dev/null; wait $TS 2>/dev/null
exit $RC
"#
        )
    };
}

/// The cases.
pub(super) const CASES: &[Case] = &[
    Case {
        name: "turn-client-udp-vs-coturn",
        about: "our TURN client allocates through coturn over UDP (IPv4), relays via a channel and via Send indications",
        smoke: true,
        disabled: None,
        script: coturn_case!("127.0.0.1", "127.0.0.1", "udp", "3478"),
    },
    Case {
        name: "turn-client-tcp-vs-coturn",
        about: "our TURN client allocates through coturn over TCP (IPv4, padded ChannelData), channel and Send",
        smoke: true,
        disabled: None,
        script: coturn_case!("127.0.0.1", "127.0.0.1", "tcp", "3478"),
    },
    Case {
        name: "turn-client-tls-vs-coturn",
        about: "our TURN client allocates through coturn over TLS (rustls, IPv4), channel and Send",
        smoke: true,
        disabled: None,
        script: coturn_case!("127.0.0.1", "127.0.0.1", "tls", "5349"),
    },
    Case {
        name: "turn-client-udp6-vs-coturn",
        about: "our TURN client gets an IPv6 allocation from coturn over UDP on ::1, channel and Send",
        smoke: false,
        disabled: None,
        script: coturn_case!("::1", "[::1]", "udp", "3478"),
    },
    Case {
        name: "turn-client-tcp6-vs-coturn",
        about: "our TURN client gets an IPv6 allocation from coturn over TCP on ::1, channel and Send",
        smoke: false,
        disabled: None,
        script: coturn_case!("::1", "[::1]", "tcp", "3478"),
    },
    Case {
        name: "turn-client-tls6-vs-coturn",
        about: "our TURN client gets an IPv6 allocation from coturn over TLS on ::1, channel and Send",
        smoke: false,
        disabled: None,
        script: coturn_case!("::1", "[::1]", "tls", "5349"),
    },
];
