//! Interop cases for the TURN server (see crates/turn and crates/turn-server): coturn's
//! `turnutils_uclient` drives our `strata-turn-server` over UDP, TCP and TLS (RTP/RTCP allocation
//! pairs with EVEN-PORT and RESERVATION-TOKEN, channels, ChannelData both ways) and must lose
//! nothing; without `--allow-loopback-peers` our server refuses its loopback peers with 403.

use super::{Case, Example};

/// The examples these cases run.
pub(super) const EXAMPLES: &[Example] = &[Example {
    env: "TURN_SERVER",
    package: "strata-turn-server",
    example: "turn_server",
}];

/// A uclient run (`$FLAGS`: `-t` for TCP) of 2 clients x 50 messages x (RTP + RTCP) through
/// our server: coturn reports no loss and our server counts 200 relayed packets each way.
macro_rules! uclient_case {
    ($flags:literal) => {
        concat!(
            "ALLOW=--allow-loopback-peers\nFLAGS=",
            $flags,
            "\n",
            r#"
"$TURN_SERVER" --listen 127.0.0.1:3478 --user u:p --realm strata --relay-ip 127.0.0.1 \
  --min-port 50000 --max-port 50999 $ALLOW -v > "$OUT/server.log" 2>&1 &
SRV=$!
for i in $(seq 50); do grep -q "listening tcp" "$OUT/server.log" 2>/dev/null && break; sleep 0.1; done
timeout 60 turnutils_uclient $FLAGS -u u -w p -p 3478 -m 2 -n 50 -l 120 -y 127.0.0.1 > "$OUT/uclient.log" 2>&1
STATUS=$?
kill $SRV; wait $SRV
tail -6 "$OUT/uclient.log"; tail -1 "$OUT/server.log"
[ $STATUS -eq 0 ] \
  && grep -q "tot_send_msgs=200, tot_recv_msgs=200" "$OUT/uclient.log" \
  && grep -q "Total lost packets 0 (" "$OUT/uclient.log" \
  && grep -q "relayed_to_peer_packets: 200," "$OUT/server.log" \
  && grep -q "relayed_to_client_packets: 200," "$OUT/server.log"
"#
        )
    };
}

/// The cases.
pub(super) const CASES: &[Case] = &[
    Case {
        name: "uclient-vs-turn-server-udp",
        about: "coturn's turnutils_uclient relays 200 messages through our TURN server over UDP (EVEN-PORT pairs, channels) with no loss",
        smoke: false,
        disabled: None,
        script: uclient_case!(""),
    },
    Case {
        name: "uclient-vs-turn-server-tcp",
        about: "coturn's turnutils_uclient relays 200 messages through our TURN server over TCP (stream framing, padded ChannelData) with no loss",
        smoke: false,
        disabled: None,
        script: uclient_case!("-t"),
    },
    Case {
        name: "uclient-vs-turn-server-tls",
        about: "coturn's turnutils_uclient -t -S relays 200 messages through our TURN server over TLS (rustls, self-signed certificate) with no loss",
        smoke: false,
        disabled: None,
        script: r#"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$OUT/key.pem" \
  -out "$OUT/cert.pem" -days 2 -subj "/CN=turn" -addext "subjectAltName=IP:127.0.0.1" 2>"$OUT/openssl.log" || exit 1
"$TURN_SERVER" --listen 127.0.0.1:3478 --tls-listen 127.0.0.1:5349 --cert "$OUT/cert.pem" --key "$OUT/key.pem" \
  --user u:p --realm strata --relay-ip 127.0.0.1 --min-port 50000 --max-port 50999 --allow-loopback-peers -v > "$OUT/server.log" 2>&1 &
SRV=$!
for i in $(seq 50); do grep -q "listening tls" "$OUT/server.log" 2>/dev/null && break; sleep 0.1; done
timeout 60 turnutils_uclient -t -S -u u -w p -p 5349 -m 2 -n 50 -l 120 -y 127.0.0.1 > "$OUT/uclient.log" 2>&1
STATUS=$?
kill $SRV; wait $SRV
tail -6 "$OUT/uclient.log"; grep -m2 "allocation Tls" "$OUT/server.log"; tail -1 "$OUT/server.log"
[ $STATUS -eq 0 ] \
  && grep -q "tot_send_msgs=200, tot_recv_msgs=200" "$OUT/uclient.log" \
  && grep -q "Total lost packets 0 (" "$OUT/uclient.log" \
  && grep -q "allocation Tls" "$OUT/server.log" \
  && grep -q "relayed_to_peer_packets: 200," "$OUT/server.log" \
  && grep -q "relayed_to_client_packets: 200," "$OUT/server.log"
"#,
    },
    Case {
        name: "uclient-rest-vs-turn-server",
        about: "turnutils_uclient -W computes TURN REST ephemeral credentials (expiry:user, base64 HMAC-SHA1) that our server's --auth-secret accepts; 20 messages relayed with no loss",
        smoke: false,
        disabled: None,
        script: r#"
"$TURN_SERVER" --listen 127.0.0.1:3478 --auth-secret north --realm strata --relay-ip 127.0.0.1 \
  --min-port 50000 --max-port 50999 --allow-loopback-peers -v > "$OUT/server.log" 2>&1 &
SRV=$!
for i in $(seq 50); do grep -q "listening tcp" "$OUT/server.log" 2>/dev/null && break; sleep 0.1; done
timeout 60 turnutils_uclient -W north -u alice -p 3478 -m 1 -n 10 -l 120 -y -c 127.0.0.1 > "$OUT/uclient.log" 2>&1
STATUS=$?
kill $SRV; wait $SRV
tail -4 "$OUT/uclient.log"; grep -E "for [0-9]+:alice" "$OUT/server.log" | head -2; tail -1 "$OUT/server.log"
[ $STATUS -eq 0 ] \
  && grep -q "Total lost packets 0 (" "$OUT/uclient.log" \
  && grep -qE "relayed [0-9.:]+ for [0-9]+:alice" "$OUT/server.log" \
  && grep -q "relayed_to_peer_packets: 20," "$OUT/server.log"
"#,
    },
    Case {
        name: "turn-server-refuses-loopback-peer",
        about: "by default our TURN server answers 403 Forbidden to turnutils_uclient's ChannelBind towards a loopback peer",
        smoke: true,
        disabled: None,
        script: r#"
"$TURN_SERVER" --listen 127.0.0.1:3478 --user u:p --realm strata --relay-ip 127.0.0.1 \
  --min-port 50000 --max-port 50999 > "$OUT/server.log" 2>&1 &
SRV=$!
for i in $(seq 50); do grep -q "listening tcp" "$OUT/server.log" 2>/dev/null && break; sleep 0.1; done
timeout 20 turnutils_uclient -u u -w p -p 3478 -m 1 -n 5 -l 120 -y 127.0.0.1 > "$OUT/uclient.log" 2>&1
STATUS=$?
kill $SRV; wait $SRV
cat "$OUT/uclient.log"; tail -1 "$OUT/server.log"
[ $STATUS -ne 0 ] && grep -q "error 403" "$OUT/uclient.log" \
  && grep -q "relayed_to_peer_packets: 0," "$OUT/server.log"
"#,
    },
];
