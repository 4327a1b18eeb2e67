//! UDP drivers for the sans-IO STUN machines, shared by the examples.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use strata::stun::{
    AttrType, Attribute, BindingServer, Class, ClientTransaction, ErrorCode, IntegrityKey, Message,
    MessageBuilder, MessageType, OsRng, TransactionConfig, TransactionEvent, TransactionId,
};

pub(crate) type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// What one Binding transaction produced.
#[derive(Debug)]
pub(crate) enum BindingOutcome {
    /// A verified success response.
    Mapped {
        /// XOR-MAPPED-ADDRESS (or MAPPED-ADDRESS from an old server).
        address: SocketAddr,
        /// Round-trip time when the request went out once.
        rtt: Option<Duration>,
    },
    /// An error response.
    Error(u16, String),
}

/// Serve Binding requests on `socket` until `count` have been answered (or forever).
pub(crate) fn serve(
    socket: &UdpSocket,
    server: &mut BindingServer,
    count: Option<u64>,
) -> Result<()> {
    let mut buf = [0u8; 2048];
    while count.is_none_or(|c| server.stats().answered + server.stats().rejected < c) {
        let (n, from) = socket.recv_from(&mut buf)?;
        server.handle_packet(Instant::now(), from, &buf[..n]);
        while let Some(t) = server.poll_transmit() {
            socket.send_to(&t.contents, t.destination)?;
        }
    }
    Ok(())
}

/// Run one Binding transaction from `socket` to `server`, with short-term credentials when
/// given, and check the response's FINGERPRINT and MESSAGE-INTEGRITY.
pub(crate) fn binding(
    socket: &UdpSocket,
    server: SocketAddr,
    creds: Option<(&str, &str)>,
) -> Result<BindingOutcome> {
    let tid = TransactionId::random(&mut OsRng::default());
    let mut request = MessageBuilder::new(MessageType::BINDING_REQUEST, tid);
    request.add(&Attribute::Software(concat!(
        "strata-stun ",
        env!("CARGO_PKG_VERSION")
    )))?;
    let key = match creds {
        Some((user, pass)) => {
            request.add(&Attribute::Username(user))?;
            let key = IntegrityKey::short_term(pass)?;
            request.add_message_integrity(&key)?;
            Some(key)
        }
        None => None,
    };
    request.add_fingerprint()?;
    let mut tx = ClientTransaction::new(
        Instant::now(),
        server,
        request.finish(),
        TransactionConfig::default(),
    )?;
    let mut buf = [0u8; 2048];
    loop {
        while let Some(t) = tx.poll_transmit() {
            socket.send_to(&t.contents, t.destination)?;
        }
        if let Some(event) = tx.poll_event() {
            let (class, message, rtt) = match event {
                TransactionEvent::Response {
                    class,
                    message,
                    rtt,
                } => (class, message, rtt),
                TransactionEvent::TimedOut => {
                    return Err("no response: the transaction timed out".into());
                }
            };
            let m = Message::new_checked(&message[..])?;
            if m.get(AttrType::FINGERPRINT).is_some() {
                m.verify_fingerprint()?;
            }
            if class == Class::ErrorResponse {
                return match m.get_typed(AttrType::ERROR_CODE) {
                    Some(Ok(Attribute::ErrorCode(ErrorCode { code, reason }))) => {
                        Ok(BindingOutcome::Error(code, reason.to_string()))
                    }
                    _ => Err("error response without a valid ERROR-CODE".into()),
                };
            }
            if let Some(key) = &key {
                m.verify_integrity(key)?;
            }
            return match m
                .get_typed(AttrType::XOR_MAPPED_ADDRESS)
                .or_else(|| m.get_typed(AttrType::MAPPED_ADDRESS))
            {
                Some(Ok(
                    Attribute::XorMappedAddress(address) | Attribute::MappedAddress(address),
                )) => Ok(BindingOutcome::Mapped { address, rtt }),
                other => Err(format!("no mapped address in the response: {other:?}").into()),
            };
        }
        let deadline = tx.poll_timeout().ok_or("transaction has no timer")?;
        let wait = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        socket.set_read_timeout(Some(wait))?;
        match socket.recv_from(&mut buf) {
            Ok((n, from)) if from == server => {
                tx.handle_packet(Instant::now(), &buf[..n]);
            }
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                tx.handle_timeout(Instant::now());
            }
            Err(e) => return Err(e.into()),
        }
    }
}
