# tshark decodes a whole peer-connection session of ours (aiortc offering to our echo peer):
# STUN, DTLS, and, with the DTLS secrets our peer writes to SSLKEYLOGFILE, the SCTP packets
# and the data channel protocol (DCEP, "RTCDC") inside DTLS, with no malformed packet and no
# expert warning or error. Runs inside the case's namespace; needs $ECHO, $ROOT, $OUT.
tshark -i lo -f "udp and not port 5353 and not port 8080" -w "$OUT/session.pcap" -q > "$OUT/tshark.log" 2>&1 &
T=$!
for i in $(seq 100); do grep -q "Capturing on" "$OUT/tshark.log" 2>/dev/null && break; sleep 0.1; done
SSLKEYLOGFILE="$OUT/keys.log" "$ECHO" --http 127.0.0.1:8080 > "$OUT/echo.log" 2>&1 &
E=$!
for i in $(seq 50); do grep -q "listening" "$OUT/echo.log" 2>/dev/null && break; sleep 0.1; done
timeout 60 python3 "$ROOT/xtask/interop/aiortc_echo.py" client http://127.0.0.1:8080 > "$OUT/aiortc.log" 2>&1
sleep 0.5
kill $E; wait $E 2>/dev/null
kill -INT $T; wait $T
tail -1 "$OUT/aiortc.log"
PORT=$(sed -n 's/^connected: local candidate:[^ ]* 1 udp [0-9]* [0-9.]* \([0-9]*\) typ.*/\1/p' "$OUT/echo.log" | head -1)
[ -n "$PORT" ] || { echo "no connection in the echo log"; exit 1; }
# Wireshark maps decrypted DTLS application data to a protocol by address and port through
# its DTLS key table, which insists on a key file; the RSA key is never used (ECDHE).
openssl genrsa -out "$OUT/unused.key" 2048 2>/dev/null
# Pass 1, plain: STUN and DTLS found by Wireshark's own heuristics.
tshark -r "$OUT/session.pcap" -o "tls.keylog_file:$OUT/keys.log" -V > "$OUT/plain.txt" 2>&1
# Pass 2: the port's DTLS application data as SCTP (this also shows the port's STUN packets
# as DTLS continuation data, which is why STUN is counted in pass 1).
tshark -r "$OUT/session.pcap" -o "tls.keylog_file:$OUT/keys.log" \
  -o "uat:dtlsdecrypttablefile:\"10.99.0.1\",\"$PORT\",\"sctp\",\"$OUT/unused.key\",\"\"" \
  -V > "$OUT/decoded.txt" 2>&1
STUN=$(grep -c "^Session Traversal Utilities for NAT" "$OUT/plain.txt")
DTLS=$(grep -c "^Datagram Transport Layer Security" "$OUT/plain.txt")
SCTP=$(grep -c "^Stream Control Transmission Protocol" "$OUT/decoded.txt")
DCEP=$(grep -c "^WebRTC Datachannel Protocol" "$OUT/decoded.txt")
BAD=$(cat "$OUT/plain.txt" "$OUT/decoded.txt" | grep -ci "malformed\|Expert Info (Error\|Expert Info (Warn")
echo "decoded: stun=$STUN dtls=$DTLS sctp=$SCTP dcep=$DCEP malformed-or-warnings=$BAD"
grep -q "AIORTC-DONE pass=6 fail=0" "$OUT/aiortc.log" && [ "$STUN" -gt 0 ] && [ "$DTLS" -gt 0 ] \
  && [ "$SCTP" -gt 100 ] && [ "$DCEP" -ge 12 ] && [ "$BAD" -eq 0 ]
