#!/bin/sh
# Capture Chromium's DTLS ClientHello (and aiortc's answering flight) into tests/data.
# Everything runs inside a fresh network namespace as /work/shared/INTEROP.md and
# xtask/capture/README.md describe: only lo and a veth pair (10.99.0.1), OUTPUT limited to
# loopback, 10.99.0.0/24 and multicast. Needs root, chromium, tshark and `pip install aiortc`.
# usage: crates/dtls/tests/capture/capture.sh [OUTDIR]
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(cd "${1:-$HERE/../data}" && pwd)

if [ "${CAPTURE_IN_NETNS:-}" != 1 ]; then
  export CAPTURE_IN_NETNS=1
  exec unshare -n sh -c 'ip link set lo up
    ip link add t0 type veth peer name t1; ip addr add 10.99.0.1/24 dev t0
    sysctl -qw net.ipv6.conf.t1.disable_ipv6=1; ip link set t1 up; ip link set t0 up
    ip route add 224.0.0.0/4 dev t0
    ip route add default dev t0
    iptables -A OUTPUT -d 127.0.0.0/8 -j ACCEPT
    iptables -A OUTPUT -d 10.99.0.0/24 -j ACCEPT
    iptables -A OUTPUT -d 224.0.0.0/4 -j ACCEPT
    iptables -A OUTPUT -j DROP
    exec "$0" "$1"' "$0" "$OUT"
fi

WORK=$(mktemp -d)
PORT=8766
MAJOR=$(chromium --version 2>/dev/null | sed -n 's/^Chromium \([0-9]*\)\..*/\1/p')
AIORTC=$(python3 -c 'import aiortc; print(aiortc.__version__.replace(".", "")[:3])')

tshark -i lo -f udp -F pcap -w "$WORK/dtls.pcap" >"$WORK/tshark.log" 2>&1 &
TSHARK=$!
python3 "$HERE/peer.py" "$PORT" >"$WORK/peer.log" 2>&1 &
PEER=$!
trap 'kill $TSHARK $PEER 2>/dev/null || true; rm -rf "$WORK"' EXIT
i=0
until grep -q PEER_READY "$WORK/peer.log" 2>/dev/null && grep -q Capturing "$WORK/tshark.log"; do
  i=$((i + 1)); [ $i -lt 100 ] || { cat "$WORK/peer.log" "$WORK/tshark.log" >&2; exit 1; }; sleep 0.1
done

timeout 40 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$(mktemp -d -p "$WORK")" --use-fake-ui-for-media-stream \
  --enable-logging=stderr --v=0 --remote-debugging-port=0 \
  "http://127.0.0.1:$PORT/dtls.html" >"$WORK/chromium.log" 2>&1 &
CPID=$!
i=0
until grep -q PEER_MESSAGE "$WORK/peer.log" 2>/dev/null; do
  i=$((i + 1)); [ $i -lt 300 ] || break; sleep 0.1
done
sleep 0.5
kill "$CPID" 2>/dev/null || true
wait "$CPID" 2>/dev/null || true
grep -o 'DTLS_[A-Z]*[^"]*' "$WORK/chromium.log" | head -n 5 || true
cat "$WORK/peer.log"
kill -INT $TSHARK 2>/dev/null || true
wait $TSHARK 2>/dev/null || true
python3 "$HERE/extract.py" "$WORK/dtls.pcap" "$OUT" "chromium$MAJOR" "aiortc$AIORTC"
