//! Two `PeerConnection`s over webrtc-util's virtual network (the transport seam,
//! `PeerConnection::with_transports`): a WAN router with 20 ms of delay, one host on each
//! side, a data channel carrying messages both ways.
#![cfg(feature = "webrtc-util")]
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

mod common;

use common::{negotiate, wait_for};
use strata_peer::{Configuration, DataChannelInit, Event, PeerConnection};
use tokio::sync::Mutex;
use webrtc_util::vnet::net::{Net, NetConfig};
use webrtc_util::vnet::router::{Router, RouterConfig};

async fn host(wan: &Arc<Mutex<Router>>, ip: &str) -> Net {
    let net = Net::new(Some(NetConfig {
        static_ips: vec![ip.to_owned()],
        ..NetConfig::default()
    }));
    let nic = net.get_nic().unwrap();
    wan.lock().await.add_net(nic.clone()).await.unwrap();
    nic.lock().await.set_router(wan.clone()).await.unwrap();
    net
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_channel_over_the_virtual_network() {
    let wan = Arc::new(Mutex::new(
        Router::new(RouterConfig {
            cidr: "10.1.0.0/24".into(),
            min_delay: Duration::from_millis(20),
            ..RouterConfig::default()
        })
        .unwrap(),
    ));
    let net_a = host(&wan, "10.1.0.2").await;
    let net_b = host(&wan, "10.1.0.3").await;
    wan.lock().await.start().await.unwrap();
    let conn_a = net_a.bind("10.1.0.2:5000".parse().unwrap()).await.unwrap();
    let conn_b = net_b.bind("10.1.0.3:6000".parse().unwrap()).await.unwrap();

    let a = PeerConnection::with_transports(Configuration::default(), vec![conn_a])
        .await
        .unwrap();
    let b = PeerConnection::with_transports(Configuration::default(), vec![conn_b])
        .await
        .unwrap();
    let dc = a
        .create_data_channel("vnet", DataChannelInit::default())
        .await
        .unwrap();
    let (offer, _) = negotiate(&a, &b).await;
    assert!(offer.contains("10.1.0.2 5000 typ host"), "{offer}");

    wait_for(&a, |e| *e == Event::ChannelOpen(dc.id())).await;
    let Event::DataChannel(remote) = wait_for(&b, |e| matches!(e, Event::DataChannel(_))).await
    else {
        unreachable!()
    };
    dc.send_text("over vnet").await.unwrap();
    let Event::ChannelMessage { data, binary, .. } =
        wait_for(&b, |e| matches!(e, Event::ChannelMessage { .. })).await
    else {
        unreachable!()
    };
    assert_eq!((data.as_slice(), binary), (&b"over vnet"[..], false));
    b.channel(remote).send_binary(&[7; 3000]).await.unwrap();
    let Event::ChannelMessage { data, binary, .. } =
        wait_for(&a, |e| matches!(e, Event::ChannelMessage { .. })).await
    else {
        unreachable!()
    };
    assert_eq!((data, binary), (vec![7; 3000], true));
    let (local, remote) = a.selected_candidate_pair().await.unwrap();
    assert!(local.contains("10.1.0.2 5000"), "{local}");
    assert!(remote.contains("10.1.0.3 6000"), "{remote}");
    a.close().await;
    b.close().await;
    wan.lock().await.stop().await.unwrap();
}
