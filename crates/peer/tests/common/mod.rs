//! Helpers shared by the async `PeerConnection` tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use strata_peer::{Configuration, Event, PeerConnection};

/// Host candidates on 127.0.0.1 only, no mDNS.
pub(crate) fn loopback() -> Configuration {
    Configuration {
        local_addresses: Some(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]),
        disable_mdns: true,
        ..Configuration::default()
    }
}

/// Non-trickle offer from `a`, answer from `b`, each description complete with its
/// candidates (10 s for gathering each). Returns the offer's and the answer's SDP.
pub(crate) async fn negotiate(a: &PeerConnection, b: &PeerConnection) -> (String, String) {
    let within = |f| tokio::time::timeout(Duration::from_secs(10), f);
    a.set_local_description(a.create_offer().await.unwrap())
        .await
        .unwrap();
    within(a.gathering_complete()).await.unwrap();
    let offer = a.local_description().await.unwrap();
    b.set_remote_description(offer.clone()).await.unwrap();
    b.set_local_description(b.create_answer().await.unwrap())
        .await
        .unwrap();
    within(b.gathering_complete()).await.unwrap();
    let answer = b.local_description().await.unwrap();
    a.set_remote_description(answer.clone()).await.unwrap();
    (offer.sdp, answer.sdp)
}

/// The first event `want` accepts (10 s at most), skipping the others.
pub(crate) async fn wait_for(pc: &PeerConnection, want: impl Fn(&Event) -> bool) -> Event {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let e = pc.next_event().await.unwrap();
            if want(&e) {
                return e;
            }
        }
    })
    .await
    .unwrap()
}
