//! Sockets and ICE server URLs of the async [`PeerConnection`](super::PeerConnection).

use std::net::{Ipv4Addr, SocketAddr};

use quinn_udp::UdpSocketState;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use crate::{Error, TurnTransport};

/// A parsed ICE server URL (RFC 7064 / RFC 7065).
pub(super) enum IceUrl {
    Stun(Vec<SocketAddr>),
    Turn {
        addr: SocketAddr,
        transport: TurnTransport,
        /// The host as written (the name a `turns:` certificate must carry).
        host: String,
    },
}

/// `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]` and `turns:host[:port]` (TLS
/// over TCP, default port 5349) to addresses. `stuns:` and DTLS to a TURN server
/// (`turns:...?transport=udp`) are refused as unsupported.
pub(super) async fn resolve_ice_url(url: &str) -> Result<IceUrl, Error> {
    let (scheme, rest) = url
        .split_once(':')
        .ok_or_else(|| Error::BadConfiguration(format!("not an ICE server URL: {url}")))?;
    let (host_port, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (transport, default_port) = match (scheme, query) {
        ("stun", "") => (TurnTransport::Udp, 3478),
        ("turn", "" | "transport=udp") => (TurnTransport::Udp, 3478),
        ("turn", "transport=tcp") => (TurnTransport::Tcp, 3478),
        ("turns", "" | "transport=tcp") => (TurnTransport::Tls, 5349),
        ("stuns", _) => {
            return Err(Error::Unsupported(
                "stuns: (STUN over TLS) is not supported",
            ));
        }
        ("turns", "transport=udp") => {
            return Err(Error::Unsupported(
                "turns:?transport=udp (DTLS to the TURN server) is not supported",
            ));
        }
        ("stun" | "turn" | "turns", _) => {
            return Err(Error::BadConfiguration(format!(
                "unknown query in {url} (transport=udp or transport=tcp)"
            )));
        }
        _ => return Err(Error::BadConfiguration(format!("unknown scheme in {url}"))),
    };
    // `host`, `host:port`, `[v6]` or `[v6]:port`.
    let (host, has_port) = match host_port.rfind(']') {
        Some(end) => (
            host_port.get(..=end).unwrap_or(host_port),
            host_port[end..].starts_with("]:"),
        ),
        None => match host_port.rsplit_once(':') {
            Some((host, _)) => (host, true),
            None => (host_port, false),
        },
    };
    let with_port = if has_port {
        host_port.to_owned()
    } else {
        format!("{host_port}:{default_port}")
    };
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(&with_port)
        .await
        .map_err(|e| Error::BadConfiguration(format!("{url}: {e}")))?
        .collect();
    if scheme == "stun" {
        return Ok(IceUrl::Stun(addrs));
    }
    let addr = addrs
        .first()
        .copied()
        .ok_or_else(|| Error::BadConfiguration(format!("{url}: no address")))?;
    Ok(IceUrl::Turn {
        addr,
        transport,
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
    })
}

/// Socket buffers asked for (the kernel caps them at net.core.rmem_max / wmem_max): bursts of
/// a fast SCTP sender must not overflow the receive buffer, which costs a retransmission.
const SOCKET_BUFFER: usize = 4 << 20;

/// A UDP socket of one local address, with quinn-udp's state for batched I/O: UDP GSO
/// (several equal-size datagrams in one `sendmsg`), GRO and `recvmmsg` where the platform has
/// them, one datagram per call where it does not.
pub(super) struct Link {
    /// The address it is bound to (what ICE knows as the local address).
    pub(super) local: SocketAddr,
    pub(super) io: LinkIo,
}

/// How a [`Link`] reaches the network.
pub(super) enum LinkIo {
    /// Our own non-blocking UDP socket, read by the connection task.
    Udp {
        socket: UdpSocket,
        state: UdpSocketState,
    },
    /// Served by tasks of its own (a TCP/TLS stream to a TURN server, a user's webrtc-util
    /// `Conn`): a reader task feeds the core, a writer task drains a bounded queue (full: the
    /// datagram, or the whole TURN frame, is lost, as on a congested link).
    Task {
        queue: mpsc::Sender<(Vec<u8>, SocketAddr)>,
    },
}

/// Datagrams (or TURN frames) waiting for a [`LinkIo::Task`] link's writer.
const WRITE_QUEUE: usize = 1024;

impl Link {
    /// A link served by tasks of its own, and the receiving end of its write queue (for its
    /// writer task).
    pub(super) fn task(local: SocketAddr) -> (Link, mpsc::Receiver<(Vec<u8>, SocketAddr)>) {
        let (queue, rx) = mpsc::channel(WRITE_QUEUE);
        let link = Link {
            local,
            io: LinkIo::Task { queue },
        };
        (link, rx)
    }
}

pub(super) fn data_socket(addr: SocketAddr) -> std::io::Result<Link> {
    let s = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    // Best effort: a smaller buffer still works.
    let _ = s.set_recv_buffer_size(SOCKET_BUFFER);
    let _ = s.set_send_buffer_size(SOCKET_BUFFER);
    s.set_nonblocking(true)?;
    s.bind(&addr.into())?;
    let socket = UdpSocket::from_std(s.into())?;
    let state = UdpSocketState::new((&socket).into())?;
    let local = socket.local_addr()?;
    Ok(Link {
        local,
        io: LinkIo::Udp { socket, state },
    })
}

pub(super) fn mdns_socket() -> std::io::Result<UdpSocket> {
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    s.set_nonblocking(true)?;
    s.bind(&SocketAddr::from((Ipv4Addr::UNSPECIFIED, 5353)).into())?;
    s.join_multicast_v4(&Ipv4Addr::new(224, 0, 0, 251), &Ipv4Addr::UNSPECIFIED)?;
    s.set_multicast_loop_v4(true)?;
    s.set_multicast_ttl_v4(255)?;
    UdpSocket::from_std(s.into())
}
