#!/bin/sh
# Capture real SDP offers/answers from headless Chromium and aiortc into crates/sdp/tests/data.
# Everything runs inside a fresh network namespace (see /work/shared/INTEROP.md): only `lo` and
# a veth pair with 10.99.0.1, so nothing can leave the machine. Needs root.
# usage: xtask/capture/capture.sh [OUTDIR]
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$(cd "${1:-$ROOT/crates/sdp/tests/data}" && pwd)

# Beyond INTEROP.md's setup: a default route via t0, because Chromium without media permission
# (the mDNS run) gathers only on the "default local address", found by connect()ing a UDP
# socket towards a public address (no packet is sent); with no default route it gathers no
# candidates at all. t0's peer t1 is in the same namespace, so nothing can leave anyway, and the
# OUTPUT rules refuse every packet not for loopback, 10.99.0.0/24 or multicast (Chromium also
# tries the host's DNS resolver), so such packets are not even put on the veth.
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

# ---- inside the namespace from here on ----
WORK=$(mktemp -d)
PORT=8765
CHROME_MAJOR=$(chromium --version 2>/dev/null | sed -n 's/^Chromium \([0-9]*\)\..*/\1/p')
AIORTC_VER=$(python3 -c 'import aiortc; print(aiortc.__version__.replace(".", "")[:3])')
C="chromium$CHROME_MAJOR"
A="aiortc$AIORTC_VER"

python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$HERE" >"$WORK/http.log" 2>&1 &
HTTP_PID=$!
trap 'kill $HTTP_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
i=0
until python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$PORT/sdp.html')" 2>/dev/null; do
  i=$((i + 1)); [ $i -lt 50 ] || { echo "http server did not start" >&2; exit 1; }; sleep 0.1
done

# run_chromium LOG MODE [extra flags...]: load the page, wait for SDP_DONE, stop Chromium.
run_chromium() {
  log=$1; mode=$2; shift 2
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d -p "$WORK")" --use-fake-device-for-media-stream \
    --enable-logging=stderr --v=0 --remote-debugging-port=0 "$@" \
    "http://127.0.0.1:$PORT/sdp.html?mode=$mode" >"$log" 2>&1 &
  cpid=$!
  i=0
  until grep -q SDP_DONE "$log" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 300 ] || break; sleep 0.1
  done
  kill "$cpid" 2>/dev/null || true
  wait "$cpid" 2>/dev/null || true
  if grep -q SDP_ERROR "$log"; then grep SDP_ERROR "$log" >&2; exit 1; fi
  grep -o 'SDP_UA [^"]*' "$log" | head -n 1 || true
}

# 1. fake UI: media permission granted, raw IP host candidates.
run_chromium "$WORK/chromium-raw.log" all --use-fake-ui-for-media-stream
python3 "$HERE/extract.py" "$WORK/chromium-raw.log" "$OUT" "$C" \
  av-dc-offer=offer-av-dc.captured.sdp av-dc-answer=answer-av-dc.sdp \
  dc-offer=offer-dc.captured.sdp dc-answer=answer-dc.sdp

# 2. no fake UI: no media permission, host candidates are mDNS <uuid>.local names.
run_chromium "$WORK/chromium-mdns.log" dc
python3 "$HERE/extract.py" "$WORK/chromium-mdns.log" "$OUT" "$C" \
  dc-offer=offer-dc-mdns.sdp dc-answer=answer-dc-mdns.sdp

# 3. aiortc offerer and aiortc answerer (no ICE servers).
timeout 60 python3 "$HERE/aiortc_sdp.py" >"$WORK/aiortc.log" 2>&1 || { cat "$WORK/aiortc.log" >&2; exit 1; }
head -n 1 "$WORK/aiortc.log"
python3 "$HERE/extract.py" "$WORK/aiortc.log" "$OUT" "$A" \
  av-dc-offer=offer-av-dc.sdp av-dc-answer=answer-av-dc.sdp \
  dc-offer=offer-dc.sdp dc-answer=answer-dc.sdp
