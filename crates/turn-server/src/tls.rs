//! TURN over TLS (RFC 8656 section 3.1, `turns:`): rustls driven by hand over a tokio
//! `TcpStream`, with the same STUN/ChannelData framing as plain TCP inside.

use std::io::{Read as _, Write as _};
use std::sync::Arc;
use std::time::Instant;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use strata_turn::framing::StreamDecoder;
use strata_turn::server::FiveTuple;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::{State, TCP_QUEUE, feed_frames, flush};

/// A TLS server configuration from PEM files: the certificate chain and its private key.
pub(crate) fn server_config(cert: &str, key: &str) -> Result<Arc<rustls::ServerConfig>, String> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{cert}: {e}"))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{key}: {e}"))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .map_err(|e| format!("certificate and key: {e}"))?;
    Ok(Arc::new(config))
}

pub(crate) async fn listener(
    state: State,
    listener: TcpListener,
    local: std::net::SocketAddr,
    config: Arc<rustls::ServerConfig>,
) {
    loop {
        let Ok((stream, client)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let five_tuple = FiveTuple {
            transport: strata_turn::server::Transport::Tls,
            client,
            server: local,
        };
        tokio::task::spawn_local(connection(
            state.clone(),
            stream,
            five_tuple,
            config.clone(),
        ));
    }
}

async fn connection(
    state: State,
    mut stream: TcpStream,
    five_tuple: FiveTuple,
    config: Arc<rustls::ServerConfig>,
) {
    let Ok(mut tls) = rustls::ServerConnection::new(config) else {
        return;
    };
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(TCP_QUEUE);
    state.borrow_mut().tcp.insert(five_tuple, tx);
    let mut decoder = StreamDecoder::new();
    let mut buf = vec![0u8; 16 * 1024];
    let mut plain = vec![0u8; 16 * 1024];
    let mut out = Vec::new();
    let mut batch = Vec::new();
    'conn: loop {
        while tls.wants_write() {
            out.clear();
            if tls.write_tls(&mut out).is_err() || stream.write_all(&out).await.is_err() {
                break 'conn;
            }
        }
        tokio::select! {
            r = stream.read(&mut buf) => {
                let n = match r {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let mut received = &buf[..n];
                while !received.is_empty() {
                    if tls.read_tls(&mut received).is_err() {
                        break 'conn;
                    }
                    if tls.process_new_packets().is_err() {
                        // Send the alert rustls queued, then give up.
                        out.clear();
                        let _ = tls.write_tls(&mut out);
                        let _ = stream.write_all(&out).await;
                        break 'conn;
                    }
                }
                loop {
                    match tls.reader().read(&mut plain) {
                        Ok(0) => break 'conn,
                        Ok(m) => {
                            if decoder.push(&plain[..m]).is_err()
                                || !feed_frames(&state, &mut decoder, five_tuple)
                            {
                                break 'conn;
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                        Err(_) => break 'conn,
                    }
                }
                flush(&state, &mut batch).await;
            }
            message = rx.recv() => {
                let Some(message) = message else { break };
                let ok = tls.writer().write_all(&message).is_ok();
                state.borrow_mut().server.recycle(message);
                if !ok {
                    break;
                }
            }
        }
    }
    {
        let mut s = state.borrow_mut();
        s.tcp.remove(&five_tuple);
        s.server
            .handle_connection_closed(Instant::now(), five_tuple);
    }
    flush(&state, &mut batch).await;
}
