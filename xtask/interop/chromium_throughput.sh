# Data channel throughput between headless Chromium and our throughput peer, both
# directions, and between two RTCPeerConnections inside Chromium (the reference): 64 MiB per
# run (MIB to change; PAGE_ARGS adds page parameters, e.g. "&runs=strata-to-chromium&progress")
# in 64 KiB and 16 KiB messages. Runs inside the case's namespace;
# $TPUT_PEER is the throughput_peer example, $OUT a scratch directory. Prints the page's
# STRATA-TPUT lines and passes when every run delivered all its bytes (no timing threshold).
# Network setup as in chromium_echo.sh: a default route onto the namespace's own veth and
# iptables dropping everything not local. Chromium runs with media permission granted
# (raw host candidates): two connections inside one Chromium cannot resolve each other's
# mDNS names, and the mDNS path is chromium-echo-mdns's business.
MIB=${MIB:-64}
ip route add default dev t0
iptables -A OUTPUT -o lo -j ACCEPT
iptables -A OUTPUT -d 10.99.0.0/16 -j ACCEPT
iptables -A OUTPUT -d 224.0.0.0/4 -j ACCEPT
iptables -A OUTPUT -j DROP
"$TPUT_PEER" --http 127.0.0.1:8081 > "$OUT/peer.log" 2>&1 &
PEER=$!
for i in $(seq 50); do grep -q "listening" "$OUT/peer.log" 2>/dev/null && break; sleep 0.1; done
PROFILE=$(mktemp -d)
timeout 110 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$PROFILE" --use-fake-ui-for-media-stream --enable-logging=stderr --v=0 --remote-debugging-port=0 \
  "http://127.0.0.1:8081/?auto&mib=$MIB${PAGE_ARGS:-}" > "$OUT/chromium.log" 2>&1 &
CHROME=$!
# Every second, each UDP socket's receive drops (last column of /proc/net/udp), to tell
# afterwards whose receive buffer overflowed (sockets vanish when their connection closes).
# Our peer's port is in its "connected:" line; the others are Chromium's.
snapshot() {
  tail -n +2 /proc/net/udp | while read -r _ LOCAL _ _ _ _ _ _ _ _ _ _ DROPS; do
    [ "$DROPS" != 0 ] && echo "$((0x${LOCAL#*:})) $DROPS"
  done >> "$OUT/drops.all"
}
: > "$OUT/drops.all"
for i in $(seq 1100); do
  grep -q "STRATA-DONE" "$OUT/chromium.log" 2>/dev/null && break
  [ $((i % 10)) -eq 0 ] && snapshot
  sleep 0.1
done
snapshot
kill $CHROME 2>/dev/null; wait $CHROME 2>/dev/null
kill $PEER 2>/dev/null; wait $PEER 2>/dev/null
rm -rf "$PROFILE"
# Datagrams the kernel dropped in this namespace (a full socket receive buffer shows here).
grep '^Udp:' /proc/net/snmp
awk '{ if ($2 > m[$1]) m[$1] = $2 } END { for (p in m) print "udp port " p " dropped " m[p] " datagrams (receive buffer full)" }' "$OUT/drops.all"
grep -o 'STRATA-[A-Z]*[^"]*' "$OUT/chromium.log"
cat "$OUT/peer.log"
grep -q "STRATA-DONE pass=6 fail=0" "$OUT/chromium.log"
