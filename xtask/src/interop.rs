//! `cargo xtask interop`: our code against real peers.
//!
//! Every case runs inside a fresh network namespace (`unshare -n`) that holds only `lo` and a
//! veth pair of its own (see docs/interop.md), so nothing can leave this machine. Cases need
//! root (for the namespace) and Debian packages, which are installed when missing.

use std::path::PathBuf;
use std::process::Command;

use crate::{Result, cargo, root, run};

mod aiortc;
mod chromium;
pub(crate) mod chromium_throughput;
mod ice_nat;
mod mdns;
mod peer_nat;
mod turn_client;
mod turn_server;
mod usrsctp;

/// An example binary the cases run: built once in release mode, its path exported to the
/// case scripts in the environment variable `env`.
struct Example {
    env: &'static str,
    package: &'static str,
    example: &'static str,
}

/// The examples of the cases in this file; each submodule lists its own.
const EXAMPLES: &[Example] = &[
    Example {
        env: "STUN",
        package: "strata",
        example: "stun",
    },
    Example {
        env: "SRTP_VECTORS",
        package: "strata-srtp",
        example: "libsrtp_vectors",
    },
    Example {
        env: "DTLS_PEER",
        package: "strata-dtls",
        example: "dtls_peer",
    },
];

/// Builds `ex` in release mode; its binary's path.
fn build_example(ex: &Example) -> Result<PathBuf> {
    run(
        &format!("build the {} example of {}", ex.example, ex.package),
        cargo().args([
            "build",
            "--release",
            "-p",
            ex.package,
            "--example",
            ex.example,
        ]),
    )?;
    Ok(root().join("target/release/examples").join(ex.example))
}

/// Every case: this file's and the submodules'.
fn all_cases() -> impl Iterator<Item = &'static Case> {
    CASES
        .iter()
        .chain(mdns::CASES)
        .chain(chromium::CASES)
        .chain(aiortc::CASES)
        .chain(peer_nat::CASES)
        .chain(turn_client::CASES)
        .chain(turn_server::CASES)
        .chain(ice_nat::CASES)
        .chain(chromium_throughput::CASES)
        .chain(usrsctp::CASES)
}

fn all_examples() -> impl Iterator<Item = &'static Example> {
    EXAMPLES
        .iter()
        .chain(mdns::EXAMPLES)
        .chain(chromium::EXAMPLES)
        .chain(aiortc::EXAMPLES)
        .chain(peer_nat::EXAMPLES)
        .chain(turn_client::EXAMPLES)
        .chain(turn_server::EXAMPLES)
        .chain(ice_nat::EXAMPLES)
        .chain(chromium_throughput::EXAMPLES)
        .chain(usrsctp::EXAMPLES)
}

/// Python modules some cases need: (case name prefix, module, pip package).
const PYTHON_NEEDS: &[(&str, &str, &str)] = &[
    ("srtp-vs-libsrtp", "pylibsrtp", "pylibsrtp"),
    ("mdns-", "zeroconf", "zeroconf"),
    ("aiortc-", "aiortc", "aiortc"),
    ("strata-offers-to-aiortc", "aiortc", "aiortc"),
    ("tshark-decodes-peer-session", "aiortc", "aiortc"),
];

/// One interop case.
pub(super) struct Case {
    pub(super) name: &'static str,
    /// What it proves.
    pub(super) about: &'static str,
    /// In the quick subset CI runs.
    pub(super) smoke: bool,
    /// `Some(reason)` when the case is known not to pass yet.
    pub(super) disabled: Option<&'static str>,
    /// Shell script run inside the namespace. Each [`Example`]'s binary path is in its
    /// environment variable (`$STUN`, `$SRTP_VECTORS`, `$DTLS_PEER`, ...), `$ROOT` is the
    /// repository root and `$OUT` a scratch directory. It must exit 0 on success.
    pub(super) script: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "stun-client-vs-coturn",
        about: "our STUN client gets its mapped address from coturn's STUN server",
        smoke: true,
        disabled: None,
        script: r#"
turnserver -n --listening-ip=127.0.0.1 --listening-port=3478 --no-tls --no-dtls --no-cli \
  --log-file=stdout --simple-log --pidfile="$OUT/turnserver.pid" > "$OUT/turnserver.log" 2>&1 &
TS=$!
for i in $(seq 50); do grep -q "listener opened on : 127.0.0.1:3478\|Total UDP servers" "$OUT/turnserver.log" 2>/dev/null && break; sleep 0.1; done
sleep 0.3
OUTPUT=$("$STUN" client 127.0.0.1:3478 --bind 127.0.0.1:40001)
STATUS=$?
kill $TS 2>/dev/null; wait $TS 2>/dev/null
echo "$OUTPUT"
[ $STATUS -eq 0 ] && echo "$OUTPUT" | grep -qx "mapped-address 127.0.0.1:40001"
"#,
    },
    Case {
        name: "coturn-client-vs-stun-server",
        about: "coturn's turnutils_stunclient gets its mapped address from our Binding server",
        smoke: true,
        disabled: None,
        script: r#"
"$STUN" server 127.0.0.1:3479 --count 1 > "$OUT/server.log" 2>&1 &
SRV=$!
sleep 0.3
OUTPUT=$(timeout 20 turnutils_stunclient -p 3479 127.0.0.1 2>&1)
STATUS=$?
wait $SRV
SRV_STATUS=$?
echo "$OUTPUT"; cat "$OUT/server.log"
[ $STATUS -eq 0 ] && [ $SRV_STATUS -eq 0 ] && grep -q "answered: 1" "$OUT/server.log" \
  && echo "$OUTPUT" | grep -q "127.0.0.1"
"#,
    },
    Case {
        name: "tshark-decodes-stun",
        about: "tshark decodes our Binding request and signed response without a malformed-packet warning",
        smoke: true,
        disabled: None,
        script: r#"
tshark -i lo -f "udp port 3480" -w "$OUT/stun.pcap" -q > "$OUT/tshark.log" 2>&1 &
TSH=$!
for i in $(seq 100); do grep -q "Capturing on" "$OUT/tshark.log" 2>/dev/null && break; sleep 0.1; done
"$STUN" server 127.0.0.1:3480 --count 1 --user alice:bob --pass secretpassword123 > "$OUT/server.log" 2>&1 &
SRV=$!
sleep 0.3
"$STUN" client 127.0.0.1:3480 --bind 127.0.0.1:40002 --user alice:bob --pass secretpassword123 || exit 1
wait $SRV
sleep 0.5
kill -INT $TSH; wait $TSH
tshark -r "$OUT/stun.pcap" -d udp.port==3480,stun -V > "$OUT/decoded.txt" 2>&1
grep -E "Message Type|MESSAGE-INTEGRITY|FINGERPRINT|XOR-MAPPED|correct|Malformed|Expert" "$OUT/decoded.txt"
PACKETS=$(grep -c "^Session Traversal Utilities for NAT" "$OUT/decoded.txt")
echo "stun packets decoded: $PACKETS"
[ "$PACKETS" -eq 2 ] && ! grep -qi "malformed" "$OUT/decoded.txt"
"#,
    },
    Case {
        name: "srtp-vs-libsrtp",
        about: "libsrtp (pylibsrtp) and our SRTP/SRTCP protect and unprotect each other's packets, every profile",
        smoke: true,
        disabled: None,
        script: r#"
python3 "$ROOT/xtask/interop/srtp_libsrtp.py" --bin "$SRTP_VECTORS" > "$OUT/srtp.log" 2>&1
STATUS=$?
cat "$OUT/srtp.log"
[ $STATUS -eq 0 ]
"#,
    },
    Case {
        name: "dtls-client-vs-openssl-cm80",
        about: "our DTLS client against openssl s_server with SRTP_AES128_CM_SHA1_80: same exported keys, data both ways",
        smoke: true,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/dtls_openssl.sh" client SRTP_AES128_CM_SHA1_80 ec 1200"#,
    },
    Case {
        name: "dtls-client-vs-openssl-cm32",
        about: "our DTLS client against openssl s_server with SRTP_AES128_CM_SHA1_32: same exported keys, data both ways",
        smoke: false,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/dtls_openssl.sh" client SRTP_AES128_CM_SHA1_32 ec 1200"#,
    },
    Case {
        name: "dtls-client-vs-openssl-gcm128",
        about: "our DTLS client against openssl s_server with SRTP_AEAD_AES_128_GCM: same exported keys, data both ways",
        smoke: false,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/dtls_openssl.sh" client SRTP_AEAD_AES_128_GCM ec 1200"#,
    },
    Case {
        name: "dtls-client-vs-openssl-gcm256",
        about: "our DTLS client against openssl s_server with SRTP_AEAD_AES_256_GCM: same exported keys, data both ways",
        smoke: false,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/dtls_openssl.sh" client SRTP_AEAD_AES_256_GCM ec 1200"#,
    },
    Case {
        name: "dtls-server-vs-openssl-cm80",
        about: "our DTLS server against openssl s_client with SRTP_AES128_CM_SHA1_80: same exported keys, data both ways",
        smoke: false,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/dtls_openssl.sh" server SRTP_AES128_CM_SHA1_80 ec 1200"#,
    },
    Case {
        name: "dtls-server-vs-openssl-cm32",
        about: "our DTLS server against openssl s_client with SRTP_AES128_CM_SHA1_32: same exported keys, data both ways",
        smoke: false,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/dtls_openssl.sh" server SRTP_AES128_CM_SHA1_32 ec 1200"#,
    },
    Case {
        name: "dtls-server-vs-openssl-gcm128",
        about: "our DTLS server against openssl s_client with SRTP_AEAD_AES_128_GCM: same exported keys, data both ways",
        smoke: true,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/dtls_openssl.sh" server SRTP_AEAD_AES_128_GCM ec 1200"#,
    },
    Case {
        name: "dtls-server-vs-openssl-gcm256",
        about: "our DTLS server against openssl s_client with SRTP_AEAD_AES_256_GCM: same exported keys, data both ways",
        smoke: false,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/dtls_openssl.sh" server SRTP_AEAD_AES_256_GCM ec 1200"#,
    },
    Case {
        name: "dtls-client-vs-openssl-rsa",
        about: "our DTLS client against an openssl s_server with an RSA certificate (TLS_ECDHE_RSA)",
        smoke: true,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/dtls_openssl.sh" client SRTP_AES128_CM_SHA1_80 rsa 1200"#,
    },
    Case {
        name: "dtls-server-vs-openssl-rsa-client",
        about: "openssl s_client with an RSA client certificate against our DTLS server (RSA CertificateVerify)",
        smoke: false,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/dtls_openssl.sh" server SRTP_AES128_CM_SHA1_80 rsa 1200"#,
    },
    Case {
        name: "dtls-fragmented-client-hello",
        about: "our ClientHello fragmented to a 100-byte MTU, reassembled by openssl s_server; its flight fragmented to 256",
        smoke: true,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/dtls_openssl.sh" client SRTP_AEAD_AES_128_GCM ec 256 100"#,
    },
    Case {
        name: "dtls-server-small-mtu",
        about: "openssl s_client at a 256-byte MTU against our server: fragmented flights both ways",
        smoke: false,
        disabled: None,
        script: r#"sh "$ROOT/xtask/interop/dtls_openssl.sh" server SRTP_AES128_CM_SHA1_80 ec 256"#,
    },
];

/// Namespace setup from ../shared/INTEROP.md: loopback plus one veth pair, multicast routed to
/// it, and nothing routable outside.
const NAMESPACE_SETUP: &str = r#"
set -u
ip link set lo up
ip link add t0 type veth peer name t1
ip addr add 10.99.0.1/24 dev t0
sysctl -qw net.ipv6.conf.t1.disable_ipv6=1
ip link set t1 up
ip link set t0 up
ip route add 224.0.0.0/4 dev t0
"#;

pub(crate) fn main(args: &[String]) -> Result {
    let smoke = args.iter().any(|a| a == "--smoke");
    let list = args.iter().any(|a| a == "--list");
    let only: Option<&String> = args.iter().find(|a| !a.starts_with("--"));
    if list {
        for c in all_cases() {
            let state = c
                .disabled
                .map_or(String::new(), |r| format!(" [disabled: {r}]"));
            eprintln!("{:32} {}{state}", c.name, c.about);
        }
        return Ok(());
    }
    if let Some(name) = only
        && !all_cases().any(|c| c.name == name.as_str())
    {
        return Err(format!("no interop case {name}; see --list"));
    }
    ensure_packages(&[
        ("turnserver", "coturn"),
        ("tshark", "tshark"),
        ("unshare", "util-linux"),
        ("openssl", "openssl"),
        ("chromium", "chromium"),
        ("iptables", "iptables"),
        ("gcc", "gcc"),
        ("/usr/include/usrsctp.h", "libusrsctp-dev"),
    ])?;
    for (prefix, module, package) in PYTHON_NEEDS {
        let wanted = all_cases().any(|c| {
            c.name.starts_with(prefix)
                && only.is_none_or(|n| n == c.name)
                && (!smoke || c.smoke)
                && c.disabled.is_none()
        });
        if wanted {
            ensure_python_module(module, package)?;
        }
    }
    let mut binaries = Vec::new();
    for ex in all_examples() {
        binaries.push((ex.env, build_example(ex)?));
    }
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in all_cases() {
        if only.is_some_and(|n| n != case.name) || (smoke && !case.smoke) {
            continue;
        }
        if let Some(reason) = case.disabled {
            eprintln!("interop: {} ... disabled: {reason}", case.name);
            skipped += 1;
            continue;
        }
        let out = scratch(case.name)?;
        let script = format!("{NAMESPACE_SETUP}\n{}", case.script);
        let status = Command::new("timeout")
            .args(["120", "unshare", "-n", "sh", "-c", &script])
            .envs(binaries.iter().map(|(k, v)| (*k, v)))
            .env("ROOT", root())
            .env("OUT", &out)
            .status()
            .map_err(|e| format!("cannot start unshare: {e}"))?;
        if status.success() {
            eprintln!("interop: {} ... ok", case.name);
            passed += 1;
        } else {
            eprintln!(
                "interop: {} ... FAILED ({status}); logs in {}",
                case.name,
                out.display()
            );
            failed += 1;
            failures.push(case.name);
        }
    }
    println_summary(passed, failed, skipped);
    if failed > 0 {
        return Err(format!("interop failures: {failures:?}"));
    }
    Ok(())
}

#[allow(clippy::print_stdout)]
fn println_summary(passed: u32, failed: u32, skipped: u32) {
    println!("interop: {passed} passed, {failed} failed, {skipped} skipped");
}

fn scratch(name: &str) -> Result<PathBuf> {
    let dir = root().join("target/interop").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

fn ensure_packages(needed: &[(&str, &str)]) -> Result {
    let missing: Vec<&str> = needed
        .iter()
        .filter(|(bin, _)| {
            // A path (a header of a -dev package) must exist; a bare name must be a command.
            let check = if bin.starts_with('/') {
                format!("test -e {bin}")
            } else {
                format!("command -v {bin}")
            };
            !Command::new("sh")
                .args(["-c", &check])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(|(_, pkg)| *pkg)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("interop: installing {missing:?}");
    let script = format!(
        "echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections; \
         apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {}",
        missing.join(" ")
    );
    run("apt-get install", Command::new("sh").args(["-c", &script]))
}

/// pylibsrtp (libsrtp 2 for Python) for `srtp-vs-libsrtp`; installed with pip before entering
/// the namespace, which has no network.
fn ensure_python_module(module: &str, package: &str) -> Result {
    let present = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        return Ok(());
    }
    eprintln!("interop: installing {package}");
    run(
        &format!("pip install {package}"),
        Command::new("python3").args(["-m", "pip", "install", "-q", package]),
    )
}
