//! Two async PeerConnections in one process over real loopback UDP.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{loopback, negotiate, wait_for};
use strata_peer::{Configuration, DataChannelInit, Event, PeerConnection, PeerConnectionState};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_peers_over_loopback_udp() {
    let a = PeerConnection::new(loopback()).await.unwrap();
    let b = PeerConnection::new(loopback()).await.unwrap();
    let chat = a
        .create_data_channel("chat", DataChannelInit::default())
        .await
        .unwrap();
    let (offer, _) = negotiate(&a, &b).await;
    assert!(offer.contains("typ host"));

    let echo = tokio::spawn(async move {
        // b echoes every message back on its channel.
        while let Some(e) = b.next_event().await {
            if let Event::ChannelMessage {
                channel,
                data,
                binary,
            } = e
            {
                b.channel(channel).send(data, binary).await.unwrap();
            }
        }
    });
    let got = tokio::time::timeout(Duration::from_secs(10), async {
        let mut echoed = Vec::new();
        while let Some(e) = a.next_event().await {
            match e {
                Event::ChannelOpen(id) if id == chat.id() => {
                    for i in 0..100u32 {
                        chat.send_binary(&i.to_be_bytes()).await.unwrap();
                    }
                    chat.send_text("done").await.unwrap();
                }
                Event::ChannelMessage { data, binary, .. } => {
                    if !binary && data == b"done" {
                        return echoed;
                    }
                    echoed.push(u32::from_be_bytes(data.try_into().unwrap()));
                }
                _ => {}
            }
        }
        echoed
    })
    .await
    .unwrap();
    assert_eq!(got, (0..100).collect::<Vec<u32>>());
    assert_eq!(a.connection_state(), PeerConnectionState::Connected);
    a.close().await;
    echo.abort();
}

#[tokio::test]
async fn ice_server_urls() {
    let with = |url: &str, user: Option<&str>| Configuration {
        ice_servers: vec![strata_peer::IceServer {
            urls: vec![url.into()],
            username: user.map(Into::into),
            credential: user.map(Into::into),
        }],
        ..loopback()
    };
    assert!(
        PeerConnection::new(with("stun:127.0.0.1", None))
            .await
            .is_ok()
    );
    assert!(
        PeerConnection::new(with("turn:127.0.0.1:3478?transport=udp", Some("u")))
            .await
            .is_ok()
    );
    assert!(matches!(
        PeerConnection::new(with("turn:127.0.0.1", None)).await,
        Err(strata_peer::Error::BadConfiguration(_))
    ));
    // Nothing listens there: no relay candidate, but a valid configuration.
    assert!(
        PeerConnection::new(with("turns:127.0.0.1:9", Some("u")))
            .await
            .is_ok()
    );
    assert!(
        PeerConnection::new(with("turn:127.0.0.1:9?transport=tcp", Some("u")))
            .await
            .is_ok()
    );
    assert!(matches!(
        PeerConnection::new(with("turns:127.0.0.1?transport=udp", Some("u"))).await,
        Err(strata_peer::Error::Unsupported(_))
    ));
    assert!(matches!(
        PeerConnection::new(with("stuns:127.0.0.1", None)).await,
        Err(strata_peer::Error::Unsupported(_))
    ));
    assert!(matches!(
        PeerConnection::new(with("turn:127.0.0.1?transport=sctp", Some("u"))).await,
        Err(strata_peer::Error::BadConfiguration(_))
    ));
    assert!(matches!(
        PeerConnection::new(with("http://x", None)).await,
        Err(strata_peer::Error::BadConfiguration(_))
    ));
}

/// Receive-side back-pressure over real sockets: while the application does not read, the
/// sender gets only as far as the receiver's bounded buffers (event queue, core, SCTP
/// receive buffer) and then waits on a closed window; nothing is lost to full socket
/// buffers, and everything arrives in order once the reader comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reader_holds_the_sender_back() {
    const MESSAGE: usize = 64 << 10;
    const TOTAL: usize = 160; // 10 MiB
    let a = PeerConnection::new(loopback()).await.unwrap();
    let b = PeerConnection::new(loopback()).await.unwrap();
    let ch = a
        .create_data_channel("bulk", DataChannelInit::default())
        .await
        .unwrap();
    negotiate(&a, &b).await;
    wait_for(&a, |e| *e == Event::ChannelOpen(ch.id())).await;
    wait_for(&b, |e| matches!(e, Event::DataChannel(_))).await;
    let message = |i: usize| -> Vec<u8> { (0..MESSAGE).map(|k| (k ^ (i * 13)) as u8).collect() };
    let sender = tokio::spawn(async move {
        for i in 0..TOTAL {
            while ch.buffered_amount().await > (1 << 20) {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            ch.send(message(i), true).await.unwrap();
        }
        (a, ch)
    });
    // Not reading for a second: the sender fills what the receiver holds, then waits.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        !sender.is_finished(),
        "the whole transfer went into a reader that read nothing"
    );
    let mut got = 0usize;
    tokio::time::timeout(Duration::from_secs(30), async {
        while got < TOTAL {
            if let Some(Event::ChannelMessage { data, binary, .. }) = b.next_event().await {
                assert!(binary);
                assert!(
                    data == message(got),
                    "message {got} corrupt or out of order"
                );
                got += 1;
            }
        }
    })
    .await
    .unwrap();
    let (a, _ch) = sender.await.unwrap();
    let (sa, sb) = (a.sctp_stats().await.unwrap(), b.sctp_stats().await.unwrap());
    // No losses on loopback: nothing retransmitted but the zero-window probes of the
    // pause (one per RTO), nothing dropped for want of room beyond those probes.
    assert!(sa.timeout_retransmits <= 3, "{sa:?}");
    assert!(sb.data_dropped_no_room <= 3, "{sb:?}");
    a.close().await;
    b.close().await;
}

/// Several tasks on two worker threads send small messages on their own channels at once:
/// each task's sends seal under the lock and write outside it, one writer at a time, so
/// senders hand their datagrams to whichever is writing. Every message arrives, in order
/// per channel, and nothing is retransmitted on a timeout (datagrams reordered or held back
/// by the hand-over would show as retransmissions).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_senders_share_the_writer_and_lose_nothing() {
    const CHANNELS: usize = 4;
    const MESSAGES: u32 = 3000;
    let a = PeerConnection::new(loopback()).await.unwrap();
    let b = PeerConnection::new(loopback()).await.unwrap();
    let mut channels = Vec::new();
    for i in 0..CHANNELS {
        let label = format!("c{i}");
        channels.push(
            a.create_data_channel(&label, DataChannelInit::default())
                .await
                .unwrap(),
        );
    }
    negotiate(&a, &b).await;
    let mut open = std::collections::HashSet::new();
    while open.len() < CHANNELS {
        if let Event::ChannelOpen(id) = wait_for(&a, |e| matches!(e, Event::ChannelOpen(_))).await {
            open.insert(id);
        }
    }
    let mut senders = Vec::new();
    for ch in channels {
        senders.push(tokio::spawn(async move {
            for i in 0..MESSAGES {
                while ch.buffered_amount().await > (256 << 10) {
                    tokio::task::yield_now().await;
                }
                let mut m = vec![0u8; 1024];
                m[..4].copy_from_slice(&i.to_be_bytes());
                ch.send(m, true).await.unwrap();
            }
            ch.id()
        }));
    }
    let mut next = std::collections::HashMap::new();
    let mut done = 0usize;
    tokio::time::timeout(Duration::from_secs(30), async {
        while done < CHANNELS {
            if let Some(Event::ChannelMessage { channel, data, .. }) = b.next_event().await {
                let n = next.entry(channel).or_insert(0u32);
                assert_eq!(data.len(), 1024);
                assert_eq!(u32::from_be_bytes(data[..4].try_into().unwrap()), *n);
                *n += 1;
                if *n == MESSAGES {
                    done += 1;
                }
            }
        }
    })
    .await
    .unwrap();
    for s in senders {
        s.await.unwrap();
    }
    let sa = a.sctp_stats().await.unwrap();
    assert_eq!(sa.timeout_retransmits, 0, "{sa:?}");
    a.close().await;
    b.close().await;
}
