//! Two relay-only `PeerConnection`s through a real strata-turn-server on loopback: one reaches
//! it over TCP (`turn:...?transport=tcp`), the other over TLS (`turns:`, the server's
//! certificate checked against the URL's IP address with the test's trust anchor). Then a
//! data channel both ways.
#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::time::Duration;

mod common;

use common::{negotiate, wait_for};
use strata_peer::{
    Configuration, DataChannelInit, Event, IceServer, IceTransportPolicy, PeerConnection,
};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts strata-turn-server (TCP and TLS only) and returns its TCP and TLS ports and the
/// DER of its certificate.
fn turn_server() -> (u16, u16, Vec<u8>) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let dir = std::env::temp_dir().join(format!("strata-async-relay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    let (tcp, tls) = (free_port(), free_port());
    let args: Vec<String> = [
        "--listen",
        &format!("127.0.0.1:{tcp}"),
        "--tls-listen",
        &format!("127.0.0.1:{tls}"),
        "--cert",
        cert_path.to_str().unwrap(),
        "--key",
        key_path.to_str().unwrap(),
        "--no-udp",
        "--user",
        "u:pass",
        "--allow-loopback-peers",
        "--relay-ip",
        "127.0.0.1",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    std::thread::spawn(move || strata_turn_server::main_with_args(&args));
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", tls)).is_ok() {
            return (tcp, tls, cert.der().to_vec());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the TURN server did not start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_only_peers_over_turn_tcp_and_tls() {
    let (tcp, tls, der) = turn_server();
    let config = |url: String| Configuration {
        ice_servers: vec![IceServer {
            urls: vec![url],
            username: Some("u".into()),
            credential: Some("pass".into()),
        }],
        ice_transport_policy: IceTransportPolicy::Relay,
        local_addresses: Some(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]),
        disable_mdns: true,
        turns_roots: Some(vec![der.clone()]),
        ..Configuration::default()
    };
    let a = PeerConnection::new(config(format!("turn:127.0.0.1:{tcp}?transport=tcp")))
        .await
        .unwrap();
    let b = PeerConnection::new(config(format!("turns:127.0.0.1:{tls}")))
        .await
        .unwrap();
    let dc = a
        .create_data_channel("relayed", DataChannelInit::default())
        .await
        .unwrap();
    let (offer, answer) = negotiate(&a, &b).await;
    assert!(offer.contains("typ relay"), "{offer}");
    assert!(!offer.contains("typ host"), "{offer}");
    assert!(answer.contains("typ relay"), "{answer}");

    wait_for(&a, |e| *e == Event::ChannelOpen(dc.id())).await;
    let Event::DataChannel(remote) = wait_for(&b, |e| matches!(e, Event::DataChannel(_))).await
    else {
        unreachable!()
    };
    // Bigger than one TURN frame, so the stream carries several frames per message.
    let message = vec![0xa5; 20_000];
    dc.send_binary(&message).await.unwrap();
    let Event::ChannelMessage { data, .. } =
        wait_for(&b, |e| matches!(e, Event::ChannelMessage { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(data, message);
    b.channel(remote).send_text("back over TLS").await.unwrap();
    let Event::ChannelMessage { data, .. } =
        wait_for(&a, |e| matches!(e, Event::ChannelMessage { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(data, b"back over TLS");
    let (local, _) = a.selected_candidate_pair().await.unwrap();
    assert!(local.contains("typ relay"), "{local}");
}
