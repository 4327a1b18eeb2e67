#!/bin/sh
# One DTLS 1.2 handshake between our dtls_peer example and OpenSSL 3 (s_server / s_client),
# inside the caller's network namespace. Checks that both print the same RFC 5705 keying
# material (EXTRACTOR-dtls_srtp), agree on the SRTP profile, and that application data flows
# both ways.
#
# usage: dtls_openssl.sh ROLE PROFILE KEY MTU [OUR_MTU]
#   ROLE     our role: client (OpenSSL is s_server) or server (OpenSSL is s_client)
#   PROFILE  OpenSSL's -use_srtp name, e.g. SRTP_AES128_CM_SHA1_80
#   KEY      OpenSSL's certificate key: ec or rsa
#   MTU      MTU for both sides (fragmentation), e.g. 1200 (OpenSSL needs at least 256)
#   OUR_MTU  a different MTU for our side (e.g. 100, to fragment our ClientHello)
# env: DTLS_PEER (our example binary), OUT (scratch directory)
set -u
ROLE=$1 PROFILE=$2 KEY=$3 MTU=$4 OUR_MTU=${5:-$4}
cd "$OUT" || exit 1
LEN=60
case "$PROFILE" in *GCM*) LEN=56;; esac
[ "$PROFILE" = SRTP_AEAD_AES_256_GCM ] && LEN=88

gen() { # name keytype
  if [ "$2" = rsa ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 30 -subj "/CN=$1" 2>/dev/null
  else
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.pem" -days 30 -subj "/CN=$1" 2>/dev/null
  fi
}
fp() { openssl x509 -in "$1.pem" -noout -fingerprint -sha256 | cut -d= -f2; }
gen ours ec
gen theirs "$KEY"

if [ "$ROLE" = client ]; then
  (sleep 1; echo "hello from openssl"; sleep 4) | timeout 15 openssl s_server -dtls1_2 -accept 127.0.0.1:44433 \
    -cert theirs.pem -key theirs.key -use_srtp "$PROFILE" -keymatexport EXTRACTOR-dtls_srtp \
    -keymatexportlen $LEN -naccept 1 -verify 1 -mtu "$MTU" > openssl.log 2>&1 &
  OSSL=$!
  sleep 0.5
  "$DTLS_PEER" client --peer 127.0.0.1:44433 --cert ours.pem --key ours.key --fingerprint "sha-256 $(fp theirs)" \
    --mtu "$OUR_MTU" --export-len $LEN > ours.log 2>&1
  OURS=$?
else
  "$DTLS_PEER" server --bind 127.0.0.1:44433 --cert ours.pem --key ours.key --fingerprint "sha-256 $(fp theirs)" \
    --mtu "$OUR_MTU" --export-len $LEN > ours.log 2>&1 &
  PEER=$!
  sleep 0.3
  (sleep 1; echo "hello from openssl"; sleep 2) | timeout 15 openssl s_client -dtls1_2 -connect 127.0.0.1:44433 \
    -cert theirs.pem -key theirs.key -use_srtp "$PROFILE" -keymatexport EXTRACTOR-dtls_srtp \
    -keymatexportlen $LEN -mtu "$MTU" > openssl.log 2>&1 &
  OSSL=$!
  wait $PEER
  OURS=$?
fi
wait $OSSL 2>/dev/null
echo "--- ours"; cat ours.log
echo "--- openssl"; grep -E "Cipher is|SRTP Extension|Keying material:|hello from|error" openssl.log
THEIR_KM=$(grep "Keying material:" openssl.log | awk '{print $3}')
OUR_KM=$(grep "^keying-material" ours.log | awk '{print $2}')
[ $OURS -eq 0 ] || { echo "our peer failed"; exit 1; }
[ -n "$OUR_KM" ] && [ "$OUR_KM" = "$THEIR_KM" ] || { echo "keying material differs"; exit 1; }
grep -q "SRTP Extension negotiated, profile=$PROFILE" openssl.log || { echo "SRTP profile not negotiated"; exit 1; }
grep -q "^received hello from openssl" ours.log || { echo "no data from OpenSSL"; exit 1; }
grep -q "^hello from strata" openssl.log || { echo "OpenSSL got no data from us"; exit 1; }
echo "ok: $ROLE $PROFILE $KEY mtu $MTU"
