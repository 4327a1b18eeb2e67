#!/bin/sh
# One strata-sctp <-> usrsctp case (xtask/src/interop/usrsctp.rs), run inside the case's
# network namespace: compiles usrsctp_peer.c against libusrsctp into $OUT, starts the server
# side, then the client side, over UDP on 127.0.0.1 (usrsctp port 5001, ours 5002), and
# passes only if both sides pass their own checks.
#
# usage: run.sh USRSCTP_ROLE PLAN CLOSER CLOSE [strata args ...] [-- usrsctp args ...]
#   USRSCTP_ROLE  client | server (strata-sctp takes the other role) | simultaneous (both
#                 connect at the same time)
#   PLAN          data | smoke | pr | reset | close | idata (tables in both programs)
#   CLOSER        usrsctp | strata: the side that closes once both received everything
#   CLOSE         shutdown | abort
# Needs $OUT, $ROOT and $USRSCTP_PEER (our example binary).
set -u
ROLE=$1 PLAN=$2 CLOSER=$3 CLOSE=$4
shift 4
STRATA_ARGS=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do STRATA_ARGS="$STRATA_ARGS $1"; shift; done
[ $# -gt 0 ] && shift
C_ARGS="$*"

gcc -O2 -Wall -o "$OUT/usrsctp_peer" "$ROOT/xtask/interop/usrsctp/usrsctp_peer.c" \
  -lusrsctp -lpthread || exit 1

# simultaneous: both sides connect at once (as Firefox's data channels do with usrsctp).
C_ROLE=$ROLE
case $ROLE in
  client) OUR_ROLE=server ;;
  server) OUR_ROLE=client ;;
  simultaneous) OUR_ROLE=client; C_ROLE=client ;;
  *) echo "unknown role $ROLE"; exit 2 ;;
esac
if [ "$CLOSER" = usrsctp ]; then C_CLOSE=$CLOSE; R_CLOSE=peer-$CLOSE
else C_CLOSE=peer-$CLOSE; R_CLOSE=$CLOSE; fi

# `exec`: a backgrounded side is the `timeout` process itself, so `kill` reaches it.
run_c() {
  exec timeout 40 "$OUT/usrsctp_peer" --role "$C_ROLE" --local 5001 --remote 5002 --plan "$PLAN" \
    --close "$C_CLOSE" --timeout 30 $C_ARGS > "$OUT/usrsctp.log" 2>&1
}
run_r() {
  exec timeout 40 "$USRSCTP_PEER" --role "$OUR_ROLE" --local 5002 --remote 5001 --plan "$PLAN" \
    --close "$R_CLOSE" --timeout 30 $STRATA_ARGS > "$OUT/strata.log" 2>&1
}

START=$(date +%s.%N)
if [ "$ROLE" = simultaneous ]; then
  # usrsctp sends its INIT first; we read nothing before sending ours 50 ms later, so each
  # side is in COOKIE-WAIT when the other's INIT arrives: both INITs cross (RFC 9260 5.2.1).
  AT=$(( $(date +%s%3N) + 300 ))
  C_ARGS="$C_ARGS --start-at $((AT - 50))" STRATA_ARGS="$STRATA_ARGS --start-at $AT"
  (run_c) & SRV=$!
  (run_r); CLI_RC=$?
  [ $CLI_RC -ne 0 ] && kill $SRV 2>/dev/null
  wait $SRV; SRV_RC=$?
  C_RC=$SRV_RC R_RC=$CLI_RC
elif [ "$ROLE" = server ]; then
  (run_c) & SRV=$!
  sleep 0.2
  (run_r); CLI_RC=$?
  [ $CLI_RC -ne 0 ] && kill $SRV 2>/dev/null
  wait $SRV; SRV_RC=$?
  C_RC=$SRV_RC R_RC=$CLI_RC
else
  (run_r) & SRV=$!
  sleep 0.2
  (run_c); CLI_RC=$?
  [ $CLI_RC -ne 0 ] && kill $SRV 2>/dev/null
  wait $SRV; SRV_RC=$?
  C_RC=$CLI_RC R_RC=$SRV_RC
fi
END=$(date +%s.%N)
# Receive-buffer drops in this namespace: loss the cases did not ask for.
awk '/^Udp:/ { if (!h) { split($0, k); h = 1 } else { for (i = 2; i <= NF; i++) if (k[i] ~ /RcvbufErrors|InErrors/) printf "udp %s %s\n", k[i], $i } }' /proc/net/snmp
echo "--- usrsctp ($C_ROLE, exit $C_RC)"; cat "$OUT/usrsctp.log"
echo "--- strata-sctp ($OUR_ROLE, exit $R_RC)"; cat "$OUT/strata.log"
echo "--- plan $PLAN, $CLOSER closes with $CLOSE: $(awk "BEGIN{printf \"%.2f\", $END - $START}") s"
[ "$C_RC" -eq 0 ] && [ "$R_RC" -eq 0 ] \
  && grep -q "PASS" "$OUT/usrsctp.log" && grep -q "PASS" "$OUT/strata.log"
