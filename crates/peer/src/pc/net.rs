//! Sockets and ICE server URLs of the async [`PeerConnection`](super::PeerConnection).

use std::net::{Ipv4Addr, SocketAddr};

use quinn_udp::UdpSocketState;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;

use crate::Error;

/// A parsed ICE server URL (RFC 7064 / RFC 7065).
pub(super) enum IceUrl {
    Stun(Vec<SocketAddr>),
    Turn(SocketAddr),
}

/// `stun:host[:port]` and `turn:host[:port][?transport=udp]` to addresses. TURN over TCP or
/// TLS (`turns:`, `?transport=tcp`) is refused until the peer carries it.
pub(super) async fn resolve_ice_url(url: &str) -> Result<IceUrl, Error> {
    let (scheme, rest) = url
        .split_once(':')
        .ok_or_else(|| Error::BadConfiguration(format!("not an ICE server URL: {url}")))?;
    let (host_port, query) = rest.split_once('?').unwrap_or((rest, ""));
    match scheme {
        "stun" | "turn" => {}
        "stuns" | "turns" => {
            return Err(Error::Unsupported(
                "stuns:/turns: (TLS to the server) is not wired into the peer connection yet",
            ));
        }
        _ => return Err(Error::BadConfiguration(format!("unknown scheme in {url}"))),
    }
    if scheme == "turn" && !query.is_empty() && query != "transport=udp" {
        return Err(Error::Unsupported(
            "TURN over TCP is not wired into the peer connection yet (use transport=udp)",
        ));
    }
    // `host`, `host:port`, `[v6]` or `[v6]:port`; the default port is 3478.
    let has_port = match host_port.rfind(']') {
        Some(end) => host_port[end..].starts_with("]:"),
        None => host_port.contains(':'),
    };
    let with_port = if has_port {
        host_port.to_owned()
    } else {
        format!("{host_port}:3478")
    };
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(&with_port)
        .await
        .map_err(|e| Error::BadConfiguration(format!("{url}: {e}")))?
        .collect();
    if scheme == "stun" {
        return Ok(IceUrl::Stun(addrs));
    }
    addrs
        .first()
        .copied()
        .map(IceUrl::Turn)
        .ok_or_else(|| Error::BadConfiguration(format!("{url}: no address")))
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
    /// A user's transport (webrtc-util `Conn`): a reader task feeds the core, a writer task
    /// drains a bounded queue (full: the datagram is lost, as on a congested link).
    #[cfg(feature = "webrtc-util")]
    Conn {
        queue: tokio::sync::mpsc::Sender<(Vec<u8>, SocketAddr)>,
    },
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
