//! The reverse direction of the echo contract: our peer offers and the browser answers.
//!
//! `POST /strata-offer` creates a peer connection with a data channel ("strata"), gathers and
//! answers `201` with the offer and `Location: /strata-answer/N`. `POST /strata-answer/N`
//! with the browser's answer applies it, sends 100 text and 10 binary messages on the
//! channel, waits for the browser to echo them and answers `200 PASS ...` or
//! `500 FAIL ...` (within 20 s).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use strata::peer::{
    Configuration, DataChannel, DataChannelInit, Event, PeerConnection, SdpType,
    SessionDescriptionInit,
};

/// Offers waiting for their answer.
#[derive(Default)]
pub(crate) struct Pending {
    next: AtomicU64,
    offers: Mutex<HashMap<u64, (PeerConnection, DataChannel)>>,
}

/// At most this many offers wait for an answer at once.
const MAX_PENDING: usize = 64;

impl Pending {
    /// Creates an offer; returns its number and SDP.
    pub(crate) async fn offer(&self, config: Configuration) -> Result<(u64, String), String> {
        if self.offers.lock().map_err(|e| e.to_string())?.len() >= MAX_PENDING {
            return Err("too many pending offers".into());
        }
        let pc = PeerConnection::new(config)
            .await
            .map_err(|e| e.to_string())?;
        let dc = pc
            .create_data_channel("strata", DataChannelInit::default())
            .await
            .map_err(|e| e.to_string())?;
        let offer = pc.create_offer().await.map_err(|e| e.to_string())?;
        pc.set_local_description(offer)
            .await
            .map_err(|e| e.to_string())?;
        pc.gathering_complete().await;
        let sdp = pc.local_description().await.ok_or("no offer")?.sdp;
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        self.offers
            .lock()
            .map_err(|e| e.to_string())?
            .insert(n, (pc, dc));
        Ok((n, sdp))
    }

    /// Applies the answer to offer `n` and runs the exchange.
    pub(crate) async fn answer(&self, n: u64, sdp: String) -> Result<String, String> {
        let (pc, dc) = self
            .offers
            .lock()
            .map_err(|e| e.to_string())?
            .remove(&n)
            .ok_or("no such offer")?;
        pc.set_remote_description(SessionDescriptionInit::new(SdpType::Answer, sdp))
            .await
            .map_err(|e| e.to_string())?;
        let result = tokio::time::timeout(Duration::from_secs(20), exchange(&pc, &dc))
            .await
            .unwrap_or_else(|_| Err("timeout".into()));
        if let Some((local, remote)) = pc.selected_candidate_pair().await {
            println!("strata-offer connected: local {local} remote {remote}");
        }
        pc.close().await;
        result
    }
}

async fn exchange(pc: &PeerConnection, dc: &DataChannel) -> Result<String, String> {
    let mut expected = Vec::new();
    let mut got = Vec::new();
    while let Some(e) = pc.next_event().await {
        match e {
            Event::ChannelOpen(id) if id == dc.id() => {
                for i in 0..100 {
                    let text = format!("s{i}");
                    dc.send_text(&text).await.map_err(|e| e.to_string())?;
                    expected.push((text.into_bytes(), false));
                }
                for i in 0..10u8 {
                    let bin = vec![i; 1000 + usize::from(i)];
                    dc.send_binary(&bin).await.map_err(|e| e.to_string())?;
                    expected.push((bin, true));
                }
            }
            Event::ChannelMessage {
                channel,
                data,
                binary,
            } if channel == dc.id() => {
                got.push((data, binary));
                if !expected.is_empty() && got.len() == expected.len() {
                    return if got == expected {
                        Ok(format!(
                            "PASS {}/{} echoed in order",
                            got.len(),
                            expected.len()
                        ))
                    } else {
                        Err("FAIL echoes differ".into())
                    };
                }
            }
            _ => {}
        }
    }
    Err(format!(
        "FAIL closed after {}/{} echoes",
        got.len(),
        expected.len()
    ))
}
