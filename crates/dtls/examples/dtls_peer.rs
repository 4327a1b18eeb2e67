//! A DTLS 1.2 peer over real UDP, driven by the sans-IO `strata_dtls::endpoint::Endpoint`.
//! `cargo xtask interop` runs it against OpenSSL's `s_server` / `s_client`.
//!
//! ```text
//! dtls_peer client --peer 127.0.0.1:4433 --cert c.pem --key c.key --fingerprint "sha-256 AB:.."
//! dtls_peer server --bind 127.0.0.1:4433 --cert s.pem --key s.key --fingerprint "sha-256 AB:.."
//!   [--srtp PROFILE,...] [--suite NAME,...] [--mtu N] [--no-cookie] [--send TEXT] [--export-len N]
//! ```
//! It prints `connected <suite> <srtp profile>`, `keying-material <HEX>` (RFC 5705 with the
//! `EXTRACTOR-dtls_srtp` label), and `received <text>` for application data, then exits 0
//! once it has sent `--send` and received one message.
#![allow(clippy::print_stdout)]

use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls_pki_types::pem::PemObject as _;
use strata_dtls::codes::{CipherSuite, SrtpProtectionProfile};
use strata_dtls::crypto::cert::{Certificate, Fingerprint};
use strata_dtls::endpoint::{Config, Endpoint, Event};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dtls_peer: {e}");
            ExitCode::FAILURE
        }
    }
}

fn named<T: Copy>(names: &str, all: &[(&str, T)]) -> Result<Vec<T>> {
    names
        .split(',')
        .map(|n| {
            all.iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(n))
                .map(|(_, v)| *v)
                .ok_or_else(|| format!("unknown name {n}").into())
        })
        .collect()
}

const SRTP: [(&str, SrtpProtectionProfile); 4] = [
    (
        "SRTP_AES128_CM_SHA1_80",
        SrtpProtectionProfile::SRTP_AES128_CM_HMAC_SHA1_80,
    ),
    (
        "SRTP_AES128_CM_SHA1_32",
        SrtpProtectionProfile::SRTP_AES128_CM_HMAC_SHA1_32,
    ),
    (
        "SRTP_AEAD_AES_128_GCM",
        SrtpProtectionProfile::SRTP_AEAD_AES_128_GCM,
    ),
    (
        "SRTP_AEAD_AES_256_GCM",
        SrtpProtectionProfile::SRTP_AEAD_AES_256_GCM,
    ),
];

const SUITES: [(&str, CipherSuite); 6] = [
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
    (
        "ECDHE-RSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        "ECDHE-RSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        "ECDHE-RSA-CHACHA20-POLY1305",
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
];

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let role = args
        .first()
        .ok_or("usage: dtls_peer client|server ...")?
        .clone();
    let rng = ring::rand::SystemRandom::new();
    let cert_path = flag("--cert").ok_or("--cert PEM needed")?;
    let key_path = flag("--key").ok_or("--key PEM needed")?;
    let der = rustls_pki_types::CertificateDer::from_pem_file(&cert_path)?;
    let key = rustls_pki_types::PrivatePkcs8KeyDer::from_pem_file(&key_path)?;
    let certificate = Arc::new(Certificate::from_der(
        der.to_vec(),
        key.secret_pkcs8_der(),
        &rng,
    )?);
    let fingerprint = Fingerprint::parse(&flag("--fingerprint").ok_or("--fingerprint needed")?)?;
    let mut config = Config::new(certificate, vec![fingerprint]);
    if let Some(list) = flag("--srtp") {
        config.srtp_profiles = named(&list, &SRTP)?;
    }
    if let Some(list) = flag("--suite") {
        config.cipher_suites = named(&list, &SUITES)?;
    }
    if let Some(mtu) = flag("--mtu") {
        config.mtu = mtu.parse()?;
    }
    config.hello_verify = !args.iter().any(|a| a == "--no-cookie");
    config.initial_retransmit = Duration::from_millis(500);
    let send = flag("--send").unwrap_or_else(|| "hello from strata".into());
    let export_len: usize = flag("--export-len").map_or(Ok(60), |s| s.parse())?;

    let now = Instant::now();
    let (socket, mut peer, mut endpoint) = match role.as_str() {
        "client" => {
            let peer: SocketAddr = flag("--peer").ok_or("--peer ADDR needed")?.parse()?;
            let socket = UdpSocket::bind(flag("--bind").as_deref().unwrap_or("127.0.0.1:0"))?;
            (socket, Some(peer), Endpoint::client(config, now)?)
        }
        "server" => {
            let socket = UdpSocket::bind(flag("--bind").ok_or("--bind ADDR needed")?)?;
            (socket, None, Endpoint::server(config))
        }
        other => return Err(format!("unknown role {other}").into()),
    };

    let deadline = now + Duration::from_secs(20);
    let (mut sent, mut received) = (false, false);
    let mut buf = vec![0u8; 65536];
    loop {
        while let Some(e) = endpoint.poll_event() {
            match e {
                Event::Connected(c) => {
                    println!("connected {:?} {:?}", c.cipher_suite, c.srtp_profile);
                    let km = endpoint.export_keying_material("EXTRACTOR-dtls_srtp", export_len)?;
                    let hex: String = km.iter().map(|b| format!("{b:02X}")).collect();
                    println!("keying-material {hex}");
                }
                Event::ApplicationData(d) => {
                    println!("received {}", String::from_utf8_lossy(&d).trim_end());
                    received = true;
                }
                Event::CloseNotify => println!("close_notify"),
                _ => {}
            }
        }
        if endpoint.is_connected() && !sent {
            endpoint.send(format!("{send}\n").as_bytes())?;
            sent = true;
        }
        if let Some(p) = peer {
            while let Some(d) = endpoint.poll_transmit() {
                socket.send_to(&d, p)?;
            }
        }
        if sent && received {
            endpoint.close();
            if let Some(p) = peer {
                while let Some(d) = endpoint.poll_transmit() {
                    socket.send_to(&d, p)?;
                }
            }
            return Ok(());
        }
        let now = Instant::now();
        if now > deadline {
            return Err(format!(
                "timed out (connected: {}, sent: {sent}, received: {received})",
                endpoint.is_connected()
            )
            .into());
        }
        let wake = endpoint.poll_timeout().unwrap_or(deadline).min(deadline);
        socket.set_read_timeout(Some(
            wake.saturating_duration_since(now)
                .max(Duration::from_millis(1)),
        ))?;
        match socket.recv_from(&mut buf) {
            Ok((n, from)) => {
                if peer.is_none() {
                    peer = Some(from);
                }
                if Some(from) == peer {
                    endpoint.handle_packet(Instant::now(), &buf[..n])?;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                endpoint.handle_timeout(Instant::now())?;
            }
            Err(e) => return Err(e.into()),
        }
    }
}
