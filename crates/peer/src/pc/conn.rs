//! The transport seam: a [`PeerConnection`] over webrtc-util [`Conn`]s instead of its own UDP
//! sockets, for users who bring their own datagram transport (a multiplexed socket, a tunnel)
//! and for tests on webrtc-util's virtual network (`vnet`: routers, NATs, delay).
//!
//! Each `Conn` is one local address to ICE (`Conn::local_addr`). A reader task feeds what
//! `recv_from` returns into the core; a writer task sends from a bounded queue (1024
//! datagrams; a full queue loses the datagram as a congested link would, and SCTP recovers).
//! `close` stops both. mDNS resolution needs the machine's multicast socket and is off here.

use std::net::SocketAddr;
use std::sync::{Arc, Weak};

use tokio::sync::mpsc;
use webrtc_util::Conn;

use super::driver::Inner;
use super::net::Link;
use super::{Configuration, PeerConnection, core};
use crate::Error;

/// A transport handed to [`PeerConnection::with_transports`].
pub type Transport = Arc<dyn Conn + Send + Sync>;

impl PeerConnection {
    /// Creates a peer connection whose datagrams go through `transports` (webrtc-util
    /// `Conn`s, unconnected: `recv_from` / `send_to`) instead of UDP sockets it binds itself.
    /// Each transport's `local_addr` is gathered as a host candidate;
    /// [`Configuration::local_addresses`] and mDNS do not apply.
    pub async fn with_transports(
        config: Configuration,
        transports: Vec<Transport>,
    ) -> Result<PeerConnection, Error> {
        if transports.is_empty() {
            return Err(Error::Io("no transport to gather candidates on".into()));
        }
        let (mut rtc, streams) = core(&config).await?;
        let mut links = Vec::new();
        let mut writers = Vec::new();
        for conn in transports {
            let local = conn.local_addr().map_err(|e| Error::Io(e.to_string()))?;
            rtc.add_local_address(local);
            let (link, rx) = Link::task(local);
            links.push(link);
            writers.push((local, conn, rx));
        }
        let pc = PeerConnection::start(rtc, links, streams, None);
        for (local, conn, rx) in writers {
            let reader = tokio::spawn(read(Arc::downgrade(&pc.inner), local, conn.clone()));
            let writer = tokio::spawn(write(rx, conn));
            pc.inner.adopt(reader.abort_handle());
            pc.inner.adopt(writer.abort_handle());
        }
        Ok(pc)
    }
}

async fn read(inner: Weak<Inner>, local: SocketAddr, conn: Transport) {
    let mut buf = vec![0u8; 65_536];
    loop {
        let Ok((n, from)) = conn.recv_from(&mut buf).await else {
            // A closed transport; a live one keeps answering.
            return;
        };
        let Some(inner) = inner.upgrade() else { return };
        if !inner.handle_datagram(local, from, buf.get(..n).unwrap_or_default()) {
            return;
        }
    }
}

async fn write(mut queue: mpsc::Receiver<(Vec<u8>, SocketAddr)>, conn: Transport) {
    while let Some((datagram, to)) = queue.recv().await {
        // An error loses the datagram, as on the wire.
        let _ = conn.send_to(&datagram, to).await;
    }
}
