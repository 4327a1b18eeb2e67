//! Relayed transport addresses: real UDP sockets in the configured port range.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;

use strata_stun::AddressFamily;
use strata_turn::server::{RelayPorts, RelayRequest};
use tokio::net::UdpSocket;
use tokio::sync::Notify;

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
    pub(crate) sockets: HashMap<SocketAddr, RelaySocket>,
    /// Opened since the driver last looked: it starts their receive tasks.
    pub(crate) opened: Vec<SocketAddr>,
}

impl Ports {
    pub(crate) fn new(ipv4: Option<IpAddr>, ipv6: Option<IpAddr>, min: u16, max: u16) -> Ports {
        Ports {
            ipv4,
            ipv6,
            min,
            max,
            cursor: min,
            sockets: HashMap::new(),
            opened: Vec::new(),
        }
    }
}

impl Ports {
    fn register(&mut self, std_socket: std::net::UdpSocket) -> io::Result<SocketAddr> {
        std_socket.set_nonblocking(true)?;
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
            let Ok(first) = std::net::UdpSocket::bind(SocketAddr::new(ip, port)) else {
                continue;
            };
            let second = if request.reserve_next {
                match std::net::UdpSocket::bind(SocketAddr::new(ip, port + 1)) {
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
