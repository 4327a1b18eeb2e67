# Chromium (headless) runs the echo page's interop suite against our echo peer.
# Usage: chromium_echo.sh mdns|raw-ip|answerer|relay (answerer: our peer offers, Chromium answers
# and echoes). Runs inside the case's namespace; $ECHO is the echo
# example, $OUT a scratch directory. Chromium needs a default route to gather host
# candidates without media permission (it asks the routing table which interface is the
# default one); the route points at the namespace's own veth, so nothing can leave.
MODE=$1
ip route add default dev t0
iptables -A OUTPUT -o lo -j ACCEPT
iptables -A OUTPUT -d 10.99.0.0/16 -j ACCEPT
iptables -A OUTPUT -d 224.0.0.0/4 -j ACCEPT
iptables -A OUTPUT -j DROP
FLAGS=""
PAGE="?auto"
WANT="STRATA-DONE pass=8 fail=0"
[ "$MODE" = raw-ip ] && FLAGS="--use-fake-ui-for-media-stream"
[ "$MODE" = answerer ] && PAGE="?answerer" && WANT="STRATA-DONE pass=1 fail=0"
ECHO_ARGS=""
if [ "$MODE" = relay ]; then
  # Our peer gathers only a relayed candidate, from coturn on the namespace's address.
  turnserver -n --listening-ip=10.99.0.1 --listening-port=3478 --relay-ip=10.99.0.1 \
    --lt-cred-mech --user=u:p --realm=strata --no-tls --no-dtls --no-cli \
    --min-port=49152 --max-port=49200 --log-file=stdout --simple-log \
    --pidfile="$OUT/turnserver.pid" > "$OUT/turnserver.log" 2>&1 &
  TS=$!
  for i in $(seq 50); do grep -q "Total UDP servers\|listener opened on : 10.99.0.1:3478" "$OUT/turnserver.log" 2>/dev/null && break; sleep 0.1; done
  ECHO_ARGS="--ice-server turn:10.99.0.1:3478 --ice-user u --ice-pass p --relay-only"
fi
"$ECHO" --http 127.0.0.1:8080 $ECHO_ARGS > "$OUT/echo.log" 2>&1 &
ECHO_PID=$!
for i in $(seq 50); do grep -q "listening" "$OUT/echo.log" 2>/dev/null && break; sleep 0.1; done
PROFILE=$(mktemp -d)
timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$PROFILE" $FLAGS --enable-logging=stderr --v=0 --remote-debugging-port=0 \
  "http://127.0.0.1:8080/$PAGE" > "$OUT/chromium.log" 2>&1 &
CHROME=$!
for i in $(seq 600); do grep -q "STRATA-DONE" "$OUT/chromium.log" 2>/dev/null && break; sleep 0.1; done
kill $CHROME 2>/dev/null; wait $CHROME 2>/dev/null
kill $ECHO_PID 2>/dev/null; wait $ECHO_PID 2>/dev/null
[ -n "${TS:-}" ] && kill $TS 2>/dev/null && wait $TS 2>/dev/null
rm -rf "$PROFILE"
grep -o 'STRATA-[A-Z]*[^"]*' "$OUT/chromium.log"
cat "$OUT/echo.log"
grep -q "$WANT" "$OUT/chromium.log" || exit 1
# Which remote candidate our peer selected: Chromium's mDNS name (resolved by our querier)
# without media permission, its raw address with it.
if [ "$MODE" = relay ]; then
  grep -q "^connected: local candidate:[^ ]* 1 udp [0-9]* 10\.99\.0\.1 [0-9]* typ relay" "$OUT/echo.log"
elif [ "$MODE" = answerer ]; then
  # Chromium's checks usually arrive before its mDNS name resolves: prflx or host both do.
  grep -q "^strata-offer connected: " "$OUT/echo.log"
elif [ "$MODE" = mdns ]; then
  grep -q "^connected: .* remote candidate:[^ ]* 1 udp [0-9]* [0-9a-f-]*\.local [0-9]* typ host" "$OUT/echo.log"
else
  grep -q "^connected: .* remote candidate:[^ ]* 1 udp [0-9]* 10\.99\.0\.1 [0-9]* typ host" "$OUT/echo.log"
fi
