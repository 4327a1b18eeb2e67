//! The client side of the echo contract: our `PeerConnection` offers (non-trickle) to
//! `URL/offer`, applies the `201` answer and checks that every message comes back.
//!
//! ```text
//! cargo run --release -p strata --example echo_client -- --url http://127.0.0.1:8080 [--local-ip IP]... [--ice-server stun:HOST:PORT]...
//! ```
//! Prints `STRATA-RESULT name PASS|FAIL` per check and `STRATA-DONE pass=N fail=M`; exits 0
//! when every check passes. Used against aiortc's echo server in `cargo xtask interop`.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::net::IpAddr;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use strata::peer::{
    ChannelId, Configuration, DataChannel, DataChannelInit, Event, PeerConnection, SdpType,
    SessionDescriptionInit,
};
use tokio::net::TcpStream;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

async fn post_offer(url: &str, sdp: String) -> Res<String> {
    let uri: hyper::Uri = format!("{url}/offer").parse()?;
    let host = uri.host().ok_or("no host")?.to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let stream = TcpStream::connect((host.as_str(), port)).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let req = hyper::Request::post(uri)
        .header(hyper::header::HOST, host)
        .header(hyper::header::CONTENT_TYPE, "application/sdp")
        .body(Full::new(Bytes::from(sdp)))?;
    let resp = sender.send_request(req).await?;
    let status = resp.status();
    let body = String::from_utf8(resp.into_body().collect().await?.to_bytes().to_vec())?;
    if status != hyper::StatusCode::CREATED {
        return Err(format!("POST /offer: {status}: {}", body.trim()).into());
    }
    Ok(body)
}

/// Waits for `n` messages on `channel`, handling other events on the way.
async fn messages(pc: &PeerConnection, channel: ChannelId, n: usize) -> Res<Vec<(Vec<u8>, bool)>> {
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while got.len() < n {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, pc.next_event()).await {
            Err(_) => return Err(format!("timeout: {}/{n} echoes", got.len()).into()),
            Ok(None) => return Err("connection closed".into()),
            Ok(Some(Event::ChannelMessage {
                channel: c,
                data,
                binary,
            })) if c == channel => got.push((data, binary)),
            Ok(Some(_)) => {}
        }
    }
    Ok(got)
}

async fn open(pc: &PeerConnection, label: &str, init: DataChannelInit) -> Res<DataChannel> {
    let dc = pc.create_data_channel(label, init).await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if dc
            .info()
            .await
            .is_some_and(|i| i.state == strata::peer::ChannelState::Open)
        {
            return Ok(dc);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, pc.next_event()).await {
            Err(_) => return Err(format!("channel {label} did not open").into()),
            Ok(None) => return Err("connection closed".into()),
            Ok(Some(_)) => {}
        }
    }
}

async fn suite(pc: &PeerConnection, name: &str) -> Res<()> {
    match name {
        "text" => {
            let dc = open(pc, "text", DataChannelInit::default()).await?;
            dc.send_text("hello").await?;
            dc.send_text("").await?;
            let got = messages(pc, dc.id(), 2).await?;
            if got != [(b"hello".to_vec(), false), (Vec::new(), false)] {
                return Err(format!("got {got:?}").into());
            }
        }
        "binary" => {
            let dc = open(pc, "binary", DataChannelInit::default()).await?;
            dc.send_binary(&[1, 2, 3]).await?;
            let got = messages(pc, dc.id(), 1).await?;
            if got != [(vec![1, 2, 3], true)] {
                return Err(format!("got {got:?}").into());
            }
        }
        "big" => {
            let dc = open(pc, "big", DataChannelInit::default()).await?;
            let data: Vec<u8> = (0..64 * 1024).map(|i| (i * 7) as u8).collect();
            dc.send_binary(&data).await?;
            let got = messages(pc, dc.id(), 1).await?;
            if got[0].0 != data {
                return Err(format!("64 KiB echo differs ({} bytes)", got[0].0.len()).into());
            }
        }
        "burst" => {
            let dc = open(pc, "burst", DataChannelInit::default()).await?;
            for i in 0..1000 {
                dc.send_text(&format!("m{i}")).await?;
            }
            let got = messages(pc, dc.id(), 1000).await?;
            for (i, (m, _)) in got.iter().enumerate() {
                if *m != format!("m{i}").into_bytes() {
                    return Err(format!("#{i} out of order").into());
                }
            }
        }
        "unordered" => {
            let init = DataChannelInit {
                ordered: false,
                ..DataChannelInit::default()
            };
            let dc = open(pc, "unordered", init).await?;
            for i in 0..100 {
                dc.send_text(&format!("u{i}")).await?;
            }
            let mut got: Vec<Vec<u8>> = messages(pc, dc.id(), 100)
                .await?
                .into_iter()
                .map(|m| m.0)
                .collect();
            got.sort();
            let mut want: Vec<Vec<u8>> = (0..100).map(|i| format!("u{i}").into_bytes()).collect();
            want.sort();
            if got != want {
                return Err("unordered messages differ".into());
            }
        }
        "negotiated" => {
            let init = DataChannelInit {
                negotiated: Some(42),
                ..DataChannelInit::default()
            };
            let dc = open(pc, "negotiated", init).await?;
            dc.send_text("neg").await?;
            let got = messages(pc, dc.id(), 1).await?;
            if got[0].0 != b"neg" {
                return Err("no echo on negotiated channel 42".into());
            }
        }
        _ => unreachable!(),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut url = "http://127.0.0.1:8080".to_owned();
    let mut local_ips: Vec<IpAddr> = Vec::new();
    let mut ice_servers: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--url" => url = it.next().ok_or("--url needs a value")?.clone(),
            "--local-ip" => local_ips.push(it.next().ok_or("--local-ip needs a value")?.parse()?),
            "--ice-server" => {
                ice_servers.push(it.next().ok_or("--ice-server needs a URL")?.clone());
            }
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let pc = PeerConnection::new(Configuration {
        local_addresses: (!local_ips.is_empty()).then_some(local_ips),
        ice_servers: vec![strata::peer::IceServer {
            urls: ice_servers,
            ..Default::default()
        }],
        ..Configuration::default()
    })
    .await?;
    let started = Instant::now();
    let warmup = pc
        .create_data_channel("warmup", DataChannelInit::default())
        .await?;
    let offer = pc.create_offer().await?;
    pc.set_local_description(offer).await?;
    pc.gathering_complete().await;
    let offer = pc.local_description().await.ok_or("no local description")?;
    let answer = post_offer(&url, offer.sdp).await?;
    pc.set_remote_description(SessionDescriptionInit::new(SdpType::Answer, answer))
        .await?;
    loop {
        match tokio::time::timeout(Duration::from_secs(10), pc.next_event()).await {
            Ok(Some(Event::ChannelOpen(id))) if id == warmup.id() => break,
            Ok(Some(_)) => {}
            _ => {
                println!("STRATA-RESULT connect FAIL the first channel did not open");
                println!("STRATA-DONE pass=0 fail=1");
                std::process::exit(1);
            }
        }
    }
    println!("STRATA-INFO connected in {:?}", started.elapsed());
    let (mut pass, mut fail) = (0, 0);
    for name in ["text", "binary", "big", "burst", "unordered", "negotiated"] {
        match suite(&pc, name).await {
            Ok(()) => {
                pass += 1;
                println!("STRATA-RESULT {name} PASS");
            }
            Err(e) => {
                fail += 1;
                println!("STRATA-RESULT {name} FAIL {e}");
            }
        }
    }
    println!("STRATA-DONE pass={pass} fail={fail}");
    pc.close().await;
    std::process::exit(i32::from(fail > 0));
}
