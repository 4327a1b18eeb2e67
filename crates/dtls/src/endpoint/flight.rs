//! Outgoing flights (RFC 6347 §4.2.4): the messages of one flight are kept so the whole
//! flight can be sent again, fragmented to the path MTU (§4.2.3) and packed into as few
//! datagrams as fit, each time with fresh record sequence numbers.

use crate::codes::{ContentType, HandshakeType};
use crate::fragment::Fragments;
use crate::handshake::HEADER_LEN as HANDSHAKE_HEADER_LEN;
use crate::handshake::parse_whole_message;
use crate::record::ChangeCipherSpec;

use super::records::{RecordLayer, SequenceExhausted};

/// One item of a flight.
#[derive(Debug, Clone)]
pub(crate) enum FlightItem {
    /// A whole handshake message (12-byte header and body) to send in `epoch`.
    Handshake { epoch: u16, message: Vec<u8> },
    /// ChangeCipherSpec (always epoch 0 in a first handshake).
    ChangeCipherSpec,
}

/// Serialise `items` into datagrams of at most `mtu` bytes.
pub(crate) fn write_flight(
    items: &[FlightItem],
    records: &mut RecordLayer,
    mtu: usize,
    out: &mut Vec<Vec<u8>>,
) -> Result<(), SequenceExhausted> {
    let mut datagram: Vec<u8> = Vec::with_capacity(mtu);
    let mut record_payload = Vec::with_capacity(mtu);
    for item in items {
        match item {
            FlightItem::ChangeCipherSpec => {
                let need = records.overhead(0) + 1;
                if !datagram.is_empty() && datagram.len() + need > mtu {
                    out.push(std::mem::take(&mut datagram));
                }
                records.write(
                    0,
                    ContentType::CHANGE_CIPHER_SPEC,
                    &ChangeCipherSpec::BYTES,
                    &mut datagram,
                )?;
            }
            FlightItem::Handshake { epoch, message } => {
                let Ok(whole) = parse_whole_message(message) else {
                    debug_assert!(false, "flight holds a malformed message");
                    continue;
                };
                let overhead = records.overhead(*epoch) + HANDSHAKE_HEADER_LEN;
                // Start a new datagram when less than a useful fragment would fit.
                if !datagram.is_empty()
                    && datagram.len() + overhead + 32.min(whole.fragment.len()) > mtu
                {
                    out.push(std::mem::take(&mut datagram));
                }
                let mut offset = 0usize;
                loop {
                    let room = mtu.saturating_sub(datagram.len() + overhead).max(1);
                    let frag = Fragments::new(
                        whole.msg_type,
                        whole.message_seq,
                        &whole.fragment[offset..],
                        room,
                    )
                    .next()
                    .map(|mut f| {
                        f.length = whole.fragment.len() as u32;
                        f.fragment_offset = offset as u32;
                        f
                    });
                    let Some(frag) = frag else { break };
                    record_payload.clear();
                    record_payload.resize(frag.buffer_len(), 0);
                    if frag.emit(&mut record_payload).is_err() {
                        debug_assert!(false, "fragment emit cannot fail with its own length");
                        break;
                    }
                    records.write(
                        *epoch,
                        ContentType::HANDSHAKE,
                        &record_payload,
                        &mut datagram,
                    )?;
                    offset += frag.fragment.len();
                    if offset >= whole.fragment.len() {
                        break;
                    }
                    out.push(std::mem::take(&mut datagram));
                }
            }
        }
    }
    if !datagram.is_empty() {
        out.push(datagram);
    }
    Ok(())
}

/// The message type of a whole message in a flight (for tests and tracing).
#[allow(dead_code)]
pub(crate) fn message_type(item: &FlightItem) -> Option<HandshakeType> {
    match item {
        FlightItem::Handshake { message, .. } => {
            parse_whole_message(message).ok().map(|m| m.msg_type)
        }
        FlightItem::ChangeCipherSpec => None,
    }
}
