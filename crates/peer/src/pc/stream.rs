//! TURN over TCP and TLS (RFC 8656 section 3.1, RFC 7065 `turn:...?transport=tcp` and
//! `turns:`): the stream to the server, its reader and writer tasks.
//!
//! The connection is made when the `PeerConnection` is created (so the core knows the
//! stream's local address before ICE starts); a server that cannot be reached within
//! [`CONNECT_TIMEOUT`] gives no relay candidate, as in browsers. `turns:` verifies the
//! server's certificate against the name in the URL (a DNS name or an IP address) with the
//! system's trust anchors, or only with [`Configuration::turns_roots`](super::Configuration)
//! when given. Bytes read go to the core in whatever pieces the socket returns; the core's
//! TURN client reassembles STUN and ChannelData frames (RFC 8656 section 12.5).

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::driver::Inner;
use super::net::Link;
use crate::TurnTransport;

/// How long connecting (and the TLS handshake) to a TURN server may take.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Bytes read from a stream per call.
const READ_CHUNK: usize = 16 * 1024;

type Reader = Box<dyn AsyncRead + Send + Unpin>;
type Writer = Box<dyn AsyncWrite + Send + Unpin>;

/// A connected stream to a TURN server, before its tasks start.
pub(super) struct TurnStream {
    /// The server's address (the source of what we read).
    pub(super) server: SocketAddr,
    /// The stream's local address (the core's name for this link).
    pub(super) local: SocketAddr,
    reader: Reader,
    writer: Writer,
}

/// Connects to a TURN server over TCP, or TLS verified for `host`.
pub(super) async fn connect(
    server: SocketAddr,
    transport: TurnTransport,
    host: &str,
    roots: Option<&[Vec<u8>]>,
) -> io::Result<TurnStream> {
    tokio::time::timeout(CONNECT_TIMEOUT, connect_now(server, transport, host, roots))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "TURN server connect timed out"))?
}

async fn connect_now(
    server: SocketAddr,
    transport: TurnTransport,
    host: &str,
    roots: Option<&[Vec<u8>]>,
) -> io::Result<TurnStream> {
    let tcp = TcpStream::connect(server).await?;
    // TURN frames are small and latency matters more than packing.
    tcp.set_nodelay(true)?;
    let local = tcp.local_addr()?;
    let (reader, writer): (Reader, Writer) = match transport {
        TurnTransport::Tls => {
            let connector = tokio_rustls::TlsConnector::from(client_config(roots)?);
            let name = ServerName::try_from(host.to_owned())
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            let tls = connector.connect(name, tcp).await?;
            let (r, w) = tokio::io::split(tls);
            (Box::new(r), Box::new(w))
        }
        _ => {
            let (r, w) = tcp.into_split();
            (Box::new(r), Box::new(w))
        }
    };
    Ok(TurnStream {
        server,
        local,
        reader,
        writer,
    })
}

/// A TLS client configuration: the given DER trust anchors, or the system's.
fn client_config(roots: Option<&[Vec<u8>]>) -> io::Result<Arc<rustls::ClientConfig>> {
    let mut store = rustls::RootCertStore::empty();
    match roots {
        Some(roots) => {
            for der in roots {
                store
                    .add(CertificateDer::from(der.clone()))
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            }
        }
        None => {
            // Certificates the store cannot parse are skipped, as other TLS clients do.
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = store.add(cert);
            }
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(io::Error::other)?
    .with_root_certificates(store)
    .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A stream's link for the connection task, and what its tasks need once the connection
/// exists.
pub(super) fn link(stream: TurnStream) -> (Link, Pending) {
    let (link, rx) = Link::task(stream.local);
    (link, Pending { stream, rx })
}

/// A stream whose tasks have not started.
pub(super) struct Pending {
    stream: TurnStream,
    rx: mpsc::Receiver<(Vec<u8>, SocketAddr)>,
}

impl Pending {
    /// Starts the reader and writer tasks; `close` stops them.
    pub(super) fn start(self, inner: &Arc<Inner>) {
        let Pending { stream, rx } = self;
        let reader = tokio::spawn(read(
            Arc::downgrade(inner),
            stream.server,
            stream.local,
            stream.reader,
        ));
        let writer = tokio::spawn(write(rx, stream.writer));
        inner.adopt(reader.abort_handle());
        inner.adopt(writer.abort_handle());
    }
}

async fn read(inner: Weak<Inner>, server: SocketAddr, local: SocketAddr, mut reader: Reader) {
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        // End of stream or an error: the allocation is lost (the TURN client's refresh
        // fails and reports it).
        let n = match reader.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let Some(inner) = inner.upgrade() else { return };
        if !inner.handle_datagram(local, server, buf.get(..n).unwrap_or_default()) {
            return;
        }
    }
}

async fn write(mut queue: mpsc::Receiver<(Vec<u8>, SocketAddr)>, mut writer: Writer) {
    while let Some((frame, _)) = queue.recv().await {
        if writer.write_all(&frame).await.is_err() {
            return;
        }
    }
}
