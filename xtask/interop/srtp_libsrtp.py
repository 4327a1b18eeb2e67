#!/usr/bin/env python3
"""SRTP/SRTCP interop between strata-srtp and libsrtp (through pylibsrtp).

Drives crates/srtp/examples/libsrtp_vectors.rs (JSON lines on stdin/stdout) and, for every
profile pylibsrtp exposes, checks in both directions:
  - libsrtp protects RTP (across the 65535 -> 0 wrap, delivered out of order, with CSRCs and a
    header extension) and we unprotect to the same plaintext; a replay and a tampered packet
    are refused;
  - we protect RTP and libsrtp unprotects to the same plaintext;
  - the same for SRTCP in both directions.

Usage: srtp_libsrtp.py --bin target/release/examples/libsrtp_vectors
Exit status 0 when every check passes. Needs `pip install pylibsrtp`.
"""

import argparse
import hashlib
import json
import subprocess
import sys

import pylibsrtp
from pylibsrtp import Policy, Session

# DTLS-SRTP profile id -> (pylibsrtp profile, master key + salt length)
PROFILES = {
    0x0001: ("SRTP_AES128_CM_HMAC_SHA1_80", Policy.SRTP_PROFILE_AES128_CM_SHA1_80, 30),
    0x0002: ("SRTP_AES128_CM_HMAC_SHA1_32", Policy.SRTP_PROFILE_AES128_CM_SHA1_32, 30),
    0x0007: ("SRTP_AEAD_AES_128_GCM", Policy.SRTP_PROFILE_AEAD_AES_128_GCM, 28),
    0x0008: ("SRTP_AEAD_AES_256_GCM", Policy.SRTP_PROFILE_AEAD_AES_256_GCM, 44),
}


class Strata:
    def __init__(self, binary):
        self.proc = subprocess.Popen(
            [binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def call(self, op, profile, key, packet):
        req = {"op": op, "profile": profile, "key": key.hex(), "packet": packet.hex()}
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        if reply["ok"]:
            return bytes.fromhex(reply["packet"]), None
        return None, reply["error"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def rtp(seq, ssrc, size, csrcs=0, extension=False):
    first = 0x80 | (0x10 if extension else 0) | csrcs
    header = bytes([first, 0x60 | (0x80 if seq % 7 == 0 else 0)])
    header += seq.to_bytes(2, "big") + (seq * 960 % 2**32).to_bytes(4, "big")
    header += ssrc.to_bytes(4, "big")
    for i in range(csrcs):
        header += (0xC0000000 + i).to_bytes(4, "big")
    if extension:
        header += bytes([0xBE, 0xDE, 0x00, 0x02, 0x10, 0xAB, 0x21, 0xCD, 0xEF, 0, 0, 0])
    payload = bytes((seq + i) % 256 for i in range(size))
    return header + payload


def rtcp(ssrc, n):
    # Sender report (no report blocks) + SDES with a CNAME.
    sr = bytes([0x80, 200, 0, 6]) + ssrc.to_bytes(4, "big")
    sr += (0xE0000000 + n).to_bytes(4, "big") + bytes(4) + (n * 160).to_bytes(4, "big")
    sr += n.to_bytes(4, "big") + (n * 1000).to_bytes(4, "big")
    cname = b"strata@interop"
    item = bytes([1, len(cname)]) + cname
    chunk = ssrc.to_bytes(4, "big") + item
    chunk += bytes(4 - len(chunk) % 4)
    sdes = bytes([0x81, 202]) + (len(chunk) // 4).to_bytes(2, "big") + chunk
    return sr + sdes


class Checker:
    def __init__(self):
        self.failures = []
        self.passed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failures.append(what)
            print("FAIL:", what, file=sys.stderr)


def run_profile(strata, c, pid):
    name, lib_profile, key_len = PROFILES[pid]
    key = hashlib.sha512(name.encode()).digest()[:key_len]
    lib_tx = Session(Policy(key=key, ssrc_type=Policy.SSRC_ANY_OUTBOUND, srtp_profile=lib_profile))
    lib_rx = Session(Policy(key=key, ssrc_type=Policy.SSRC_ANY_INBOUND, srtp_profile=lib_profile))

    # libsrtp -> strata, RTP across the wrap, delivered out of order.
    seqs = list(range(65528, 65536)) + list(range(0, 8))
    plain = {s: rtp(s, 0x11223344, 20 + 97 * (s % 13), csrcs=s % 3, extension=s % 2 == 0) for s in seqs}
    protected = {s: lib_tx.protect(plain[s]) for s in seqs}
    order = seqs[:]
    # Swap neighbours around the wrap: 65534, 65535, 0, 1 -> 0, 65535, 1, 65534 etc.
    for i in range(0, len(order) - 1, 3):
        order[i], order[i + 1] = order[i + 1], order[i]
    for s in order:
        got, err = strata.call("unprotect_rtp", pid, key, protected[s])
        c.check(got == plain[s], f"{name}: strata unprotects libsrtp RTP seq {s} ({err})")
    got, err = strata.call("unprotect_rtp", pid, key, protected[seqs[5]])
    c.check(got is None, f"{name}: strata refuses a replayed libsrtp packet")
    nxt = lib_tx.protect(rtp(8, 0x11223344, 100))
    tampered = bytearray(nxt)
    tampered[20] ^= 0x01
    got, err = strata.call("unprotect_rtp", pid, key, bytes(tampered))
    c.check(got is None and "auth" in (err or ""), f"{name}: strata refuses a tampered packet ({err})")
    got, err = strata.call("unprotect_rtp", pid, key, nxt)
    c.check(got == rtp(8, 0x11223344, 100), f"{name}: genuine packet after a tampered one ({err})")

    # strata -> libsrtp, RTP across the wrap.
    for s in seqs:
        p = rtp(s, 0x55667788, 1 + 89 * (s % 17), csrcs=(s + 1) % 4, extension=s % 3 == 0)
        prot, err = strata.call("protect_rtp", pid, key, p)
        c.check(prot is not None, f"{name}: strata protects RTP seq {s} ({err})")
        if prot is None:
            continue
        try:
            c.check(lib_rx.unprotect(prot) == p, f"{name}: libsrtp unprotects strata RTP seq {s}")
        except pylibsrtp.Error as e:
            c.check(False, f"{name}: libsrtp unprotects strata RTP seq {s} ({e})")

    # SRTCP both ways.
    for n in range(6):
        p = rtcp(0x11223344, n)
        got, err = strata.call("unprotect_rtcp", pid, key, lib_tx.protect_rtcp(p))
        c.check(got == p, f"{name}: strata unprotects libsrtp RTCP {n} ({err})")
        q = rtcp(0x55667788, n)
        prot, err = strata.call("protect_rtcp", pid, key, q)
        c.check(prot is not None, f"{name}: strata protects RTCP {n} ({err})")
        if prot is None:
            continue
        try:
            c.check(lib_rx.unprotect_rtcp(prot) == q, f"{name}: libsrtp unprotects strata RTCP {n}")
        except pylibsrtp.Error as e:
            c.check(False, f"{name}: libsrtp unprotects strata RTCP {n} ({e})")
    replay = lib_tx.protect_rtcp(rtcp(0x11223344, 99))
    got, _ = strata.call("unprotect_rtcp", pid, key, replay)
    c.check(got is not None, f"{name}: strata unprotects libsrtp RTCP 99")
    got, _ = strata.call("unprotect_rtcp", pid, key, replay)
    c.check(got is None, f"{name}: strata refuses a replayed SRTCP packet")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True, help="path to the libsrtp_vectors example binary")
    args = ap.parse_args()
    strata = Strata(args.bin)
    c = Checker()
    for pid in PROFILES:
        before = c.passed
        run_profile(strata, c, pid)
        print(f"{PROFILES[pid][0]}: {c.passed - before} checks passed")
    strata.close()
    print(f"srtp-vs-libsrtp: {c.passed} passed, {len(c.failures)} failed")
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
