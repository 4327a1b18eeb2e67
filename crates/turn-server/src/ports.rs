//! Relayed transport addresses: real UDP sockets in the configured port range.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;

use strata_stun::AddressFamily;
use strata_turn::server::{RelayPorts, RelayRequest};
use tokio::net::UdpSocket;
use tokio::sync::Notify;

/// A non-blocking UDP socket bound to `addr` with `buffer`-byte receive and send buffers
/// (the kernel caps them at `net.core.rmem_max` / `wmem_max`). Small datagrams cost about a
/// kilobyte of buffer each, so the 208 KiB default overflows in bursts of a few hundred.
/// With `reuse_port`, several workers bind the same address and the kernel spreads clients
/// over them by their address (SO_REUSEPORT).
pub(crate) fn bind_udp(
    addr: SocketAddr,
    buffer: usize,
    reuse_port: bool,
) -> io::Result<std::net::UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    if buffer > 0 {
        // Best effort: a smaller buffer than asked for still works.
        let _ = socket.set_recv_buffer_size(buffer);
        let _ = socket.set_send_buffer_size(buffer);
    }
    socket.bind(&addr.into())?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// A non-blocking TCP listener on `addr` (SO_REUSEADDR, and SO_REUSEPORT when asked).
pub(crate) fn bind_tcp(addr: SocketAddr, reuse_port: bool) -> io::Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// One open relayed address.
pub(crate) struct RelaySocket {
    pub(crate) socket: Rc<UdpSocket>,
    /// Tells the receive task to stop.
    pub(crate) stop: Rc<Notify>,
}

/// Binds relay sockets round-robin in `min..=max` on the relay addresses.
pub(crate) struct Ports {
    ipv4: Option<IpAddr>,
    ipv6: Option<IpAddr>,
    min: u16,
    max: u16,
    cursor: u16,
    buffer: usize,
    pub(crate) sockets: HashMap<SocketAddr, RelaySocket>,
    /// Opened since the driver last looked: it starts their receive tasks.
    pub(crate) opened: Vec<SocketAddr>,
}

impl Ports {
    pub(crate) fn new(
        ipv4: Option<IpAddr>,
        ipv6: Option<IpAddr>,
        (min, max, first): (u16, u16, u16),
        buffer: usize,
    ) -> Ports {
        Ports {
            ipv4,
            ipv6,
            min,
            max,
            cursor: first.clamp(min, max),
            buffer,
            sockets: HashMap::new(),
            opened: Vec::new(),
        }
    }
}

impl Ports {
    fn register(&mut self, std_socket: std::net::UdpSocket) -> io::Result<SocketAddr> {
        let socket = UdpSocket::from_std(std_socket)?;
        let addr = socket.local_addr()?;
        self.sockets.insert(
            addr,
            RelaySocket {
                socket: Rc::new(socket),
                stop: Rc::new(Notify::new()),
            },
        );
        self.opened.push(addr);
        Ok(addr)
    }
}

impl RelayPorts for Ports {
    fn open(&mut self, request: &RelayRequest) -> io::Result<SocketAddr> {
        let ip = match request.family {
            AddressFamily::IPV6 => self.ipv6,
            _ => self.ipv4,
        }
        .ok_or_else(|| io::Error::other("no relay address of that family"))?;
        let span = u32::from(self.max - self.min) + 1;
        for _ in 0..span {
            let port = self.cursor;
            self.cursor = if self.cursor >= self.max {
                self.min
            } else {
                self.cursor + 1
            };
            if request.even_port && port % 2 == 1 {
                continue;
            }
            if request.reserve_next && port == self.max {
                continue;
            }
            let Ok(first) = bind_udp(SocketAddr::new(ip, port), self.buffer, false) else {
                continue;
            };
            let second = if request.reserve_next {
                match bind_udp(SocketAddr::new(ip, port + 1), self.buffer, false) {
                    Ok(s) => Some(s),
                    Err(_) => continue,
                }
            } else {
                None
            };
            let addr = self.register(first)?;
            if let Some(s) = second {
                self.register(s)?;
            }
            return Ok(addr);
        }
        Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            "relay port range exhausted",
        ))
    }

    fn close(&mut self, relayed: SocketAddr) {
        if let Some(s) = self.sockets.remove(&relayed) {
            s.stop.notify_one();
        }
        self.opened.retain(|a| *a != relayed);
    }
}
