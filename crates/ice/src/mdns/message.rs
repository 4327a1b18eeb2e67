//! The subset of the DNS message format (RFC 1035 section 4) that Multicast DNS host-name
//! resolution needs, with the mDNS uses of the class field's top bit (RFC 6762 sections 5.4
//! and 10.2).
//!
//! Parsing takes hostile input: names are followed through compression pointers only
//! backwards and at most [`MAX_POINTER_HOPS`] times, a name is at most 255 bytes, and record
//! counts are bounded by the message length (every question takes at least five bytes, every
//! record eleven), so no input can make the parser loop or allocate more than a small multiple
//! of its own size. Emitting never compresses names (RFC 6762 section 18.14 allows that).
//!
//! Left out: every record type but A and AAAA is kept as its type number only; EDNS(0),
//! NSEC negative answers (RFC 6762 section 6.1) and known-answer suppression (section 7.1).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The DNS header length.
pub const HEADER_LEN: usize = 12;
/// How many compression pointers one name may follow.
pub const MAX_POINTER_HOPS: usize = 16;
/// The longest name in wire form (RFC 1035 section 3.1).
pub const MAX_NAME_LEN: usize = 255;

/// Record type A (IPv4 address).
pub const TYPE_A: u16 = 1;
/// Record type AAAA (IPv6 address, RFC 3596).
pub const TYPE_AAAA: u16 = 28;
/// Query type ANY.
pub const TYPE_ANY: u16 = 255;
/// Class IN.
pub const CLASS_IN: u16 = 1;

/// Why a DNS message could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DnsError {
    /// The message ends inside a field.
    #[error("truncated DNS message")]
    Truncated,
    /// A name is longer than 255 bytes or a label has the reserved 01/10 prefix.
    #[error("malformed DNS name")]
    BadName,
    /// A compression pointer points forward or too many pointers were followed.
    #[error("DNS compression pointer loop")]
    PointerLoop,
    /// An A or AAAA record's data has the wrong length.
    #[error("malformed A/AAAA record data")]
    BadRecordData,
}

/// The fields of a DNS header that mDNS looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The query identifier (zero in multicast queries, RFC 6762 section 18.1).
    pub id: u16,
    /// QR: a response.
    pub response: bool,
    /// The OPCODE (0 for standard queries; mDNS ignores others, section 18.3).
    pub opcode: u8,
    /// AA (set in mDNS responses, section 18.4).
    pub authoritative: bool,
    /// The RCODE (mDNS ignores messages with a non-zero one, section 18.11).
    pub rcode: u8,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The name asked for, in lower case without the trailing dot.
    pub name: String,
    /// QTYPE.
    pub qtype: u16,
    /// The QU bit: the querier asks for a unicast response (RFC 6762 section 5.4).
    pub unicast_response: bool,
    /// QCLASS without the QU bit.
    pub class: u16,
}

/// One resource record's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordData {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address.
    Aaaa(Ipv6Addr),
    /// Another type, data not kept.
    Other(u16),
}

impl RecordData {
    /// The address of an A or AAAA record.
    pub fn address(&self) -> Option<IpAddr> {
        match *self {
            RecordData::A(a) => Some(IpAddr::V4(a)),
            RecordData::Aaaa(a) => Some(IpAddr::V6(a)),
            RecordData::Other(_) => None,
        }
    }
}

/// One resource record (answer, authority or additional).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The owner name, in lower case without the trailing dot.
    pub name: String,
    /// The cache-flush bit (RFC 6762 section 10.2).
    pub cache_flush: bool,
    /// CLASS without the cache-flush bit.
    pub class: u16,
    /// Time to live in seconds.
    pub ttl: u32,
    /// The data.
    pub data: RecordData,
}

/// A parsed DNS message: the header, the questions and every record of the answer, authority
/// and additional sections in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The header.
    pub header: Header,
    /// The question section.
    pub questions: Vec<Question>,
    /// The answer, authority and additional sections, concatenated.
    pub records: Vec<Record>,
}

impl Message {
    /// Parses a DNS message.
    pub fn parse(bytes: &[u8]) -> Result<Message, DnsError> {
        let h = bytes.get(..HEADER_LEN).ok_or(DnsError::Truncated)?;
        let header = Header {
            id: u16::from_be_bytes([h[0], h[1]]),
            response: h[2] & 0x80 != 0,
            opcode: (h[2] >> 3) & 0x0F,
            authoritative: h[2] & 0x04 != 0,
            rcode: h[3] & 0x0F,
        };
        let count = |i: usize| usize::from(u16::from_be_bytes([h[i], h[i + 1]]));
        let (qd, an, ns, ar) = (count(4), count(6), count(8), count(10));
        let body = bytes.len() - HEADER_LEN;
        // Bound the allocations by what the message can hold at all.
        let mut questions = Vec::with_capacity(qd.min(body / 5));
        let mut records = Vec::with_capacity((an + ns + ar).min(body / 11));
        let mut pos = HEADER_LEN;
        for _ in 0..qd {
            let name = read_name(bytes, &mut pos)?;
            let f = take(bytes, &mut pos, 4)?;
            let class = u16::from_be_bytes([f[2], f[3]]);
            questions.push(Question {
                name,
                qtype: u16::from_be_bytes([f[0], f[1]]),
                unicast_response: class & 0x8000 != 0,
                class: class & 0x7FFF,
            });
        }
        for _ in 0..an + ns + ar {
            let name = read_name(bytes, &mut pos)?;
            let f = take(bytes, &mut pos, 10)?;
            let rtype = u16::from_be_bytes([f[0], f[1]]);
            let class = u16::from_be_bytes([f[2], f[3]]);
            let ttl = u32::from_be_bytes([f[4], f[5], f[6], f[7]]);
            let rdlen = usize::from(u16::from_be_bytes([f[8], f[9]]));
            let rdata = take(bytes, &mut pos, rdlen)?;
            let data = match rtype {
                TYPE_A => RecordData::A(Ipv4Addr::from(
                    <[u8; 4]>::try_from(rdata).map_err(|_| DnsError::BadRecordData)?,
                )),
                TYPE_AAAA => RecordData::Aaaa(Ipv6Addr::from(
                    <[u8; 16]>::try_from(rdata).map_err(|_| DnsError::BadRecordData)?,
                )),
                other => RecordData::Other(other),
            };
            records.push(Record {
                name,
                cache_flush: class & 0x8000 != 0,
                class: class & 0x7FFF,
                ttl,
                data,
            });
        }
        Ok(Message {
            header,
            questions,
            records,
        })
    }

    /// Appends the message in wire form to `out`, answers in the answer section. Fails on a
    /// name that cannot be encoded (a label over 63 bytes, a name over 255).
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), DnsError> {
        let start = out.len();
        let h = &self.header;
        out.extend_from_slice(&h.id.to_be_bytes());
        out.push(
            u8::from(h.response) << 7 | (h.opcode & 0x0F) << 3 | u8::from(h.authoritative) << 2,
        );
        out.push(h.rcode & 0x0F);
        let qd = u16::try_from(self.questions.len()).map_err(|_| DnsError::Truncated)?;
        let an = u16::try_from(self.records.len()).map_err(|_| DnsError::Truncated)?;
        for n in [qd, an, 0, 0] {
            out.extend_from_slice(&n.to_be_bytes());
        }
        let result = (|| {
            for q in &self.questions {
                write_name(out, &q.name)?;
                out.extend_from_slice(&q.qtype.to_be_bytes());
                let class = q.class & 0x7FFF | if q.unicast_response { 0x8000 } else { 0 };
                out.extend_from_slice(&class.to_be_bytes());
            }
            for r in &self.records {
                write_name(out, &r.name)?;
                let (rtype, rdata): (u16, &[u8]) = match &r.data {
                    RecordData::A(a) => (TYPE_A, &a.octets()[..]),
                    RecordData::Aaaa(a) => (TYPE_AAAA, &a.octets()[..]),
                    RecordData::Other(t) => (*t, &[]),
                };
                out.extend_from_slice(&rtype.to_be_bytes());
                let class = r.class & 0x7FFF | if r.cache_flush { 0x8000 } else { 0 };
                out.extend_from_slice(&class.to_be_bytes());
                out.extend_from_slice(&r.ttl.to_be_bytes());
                out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
                out.extend_from_slice(rdata);
            }
            Ok(())
        })();
        if result.is_err() {
            out.truncate(start);
        }
        result
    }
}

fn take<'a>(bytes: &'a [u8], pos: &mut usize, n: usize) -> Result<&'a [u8], DnsError> {
    let s = bytes
        .get(*pos..pos.checked_add(n).ok_or(DnsError::Truncated)?)
        .ok_or(DnsError::Truncated)?;
    *pos += n;
    Ok(s)
}

/// Reads a possibly compressed name at `*pos`, leaving `*pos` after its in-place part.
fn read_name(bytes: &[u8], pos: &mut usize) -> Result<String, DnsError> {
    let mut name = String::new();
    let mut wire_len = 0usize;
    let mut cursor = *pos;
    let mut hops = 0usize;
    // Where the in-place part of the name ends (set at the first pointer).
    let mut end = None;
    loop {
        let &len = bytes.get(cursor).ok_or(DnsError::Truncated)?;
        match len & 0xC0 {
            0x00 => {
                let len = usize::from(len);
                if len == 0 {
                    cursor += 1;
                    break;
                }
                let label = bytes
                    .get(cursor + 1..cursor + 1 + len)
                    .ok_or(DnsError::Truncated)?;
                wire_len += len + 1;
                if wire_len + 1 > MAX_NAME_LEN {
                    return Err(DnsError::BadName);
                }
                if !name.is_empty() {
                    name.push('.');
                }
                // Labels are bytes; keep them as text with non-ASCII escaped so a
                // comparison with a `.local` name can never be fooled.
                for &b in label {
                    match b {
                        b'A'..=b'Z' => name.push(char::from(b.to_ascii_lowercase())),
                        0x21..=0x7E if b != b'.' && b != b'\\' => name.push(char::from(b)),
                        _ => {
                            name.push('\\');
                            name.push_str(&format!("{b:03}"));
                        }
                    }
                }
                cursor += 1 + len;
            }
            0xC0 => {
                let &low = bytes.get(cursor + 1).ok_or(DnsError::Truncated)?;
                let target = usize::from(u16::from_be_bytes([len & 0x3F, low]));
                hops += 1;
                // Only backwards, and a bounded number of times: no loops.
                if target >= cursor || hops > MAX_POINTER_HOPS {
                    return Err(DnsError::PointerLoop);
                }
                if end.is_none() {
                    end = Some(cursor + 2);
                }
                cursor = target;
            }
            _ => return Err(DnsError::BadName),
        }
    }
    *pos = end.unwrap_or(cursor);
    Ok(name)
}

fn write_name(out: &mut Vec<u8>, name: &str) -> Result<(), DnsError> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let mut total = 1;
    if !name.is_empty() {
        for label in name.split('.') {
            if label.is_empty() || label.len() > 63 {
                return Err(DnsError::BadName);
            }
            total += label.len() + 1;
            if total > MAX_NAME_LEN {
                return Err(DnsError::BadName);
            }
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
        }
    }
    out.push(0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A response as Chromium's mDNS responder sends it for one of its candidate names: an
    /// A record with the cache-flush bit, TTL 120, no questions, id 0, QR and AA set.
    fn chromium_style_response() -> Vec<u8> {
        let mut m = vec![0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0];
        m.push(36);
        m.extend_from_slice(b"1f4712db-ea17-4bcf-a596-105139dfd8bf");
        m.push(5);
        m.extend_from_slice(b"local");
        m.push(0);
        m.extend_from_slice(&[0, 1, 0x80, 1, 0, 0, 0, 120, 0, 4, 10, 99, 0, 1]);
        m
    }

    #[test]
    fn parses_a_response() {
        let m = Message::parse(&chromium_style_response()).unwrap();
        assert!(m.header.response && m.header.authoritative);
        assert_eq!(m.records.len(), 1);
        let r = &m.records[0];
        assert_eq!(r.name, "1f4712db-ea17-4bcf-a596-105139dfd8bf.local");
        assert!(r.cache_flush);
        assert_eq!(r.ttl, 120);
        assert_eq!(r.data, RecordData::A(Ipv4Addr::new(10, 99, 0, 1)));
    }

    #[test]
    fn follows_backward_pointers() {
        // Question "a.local", answer named by a pointer to offset 12.
        let mut m = vec![0, 0, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0];
        m.extend_from_slice(&[1, b'A', 5, b'l', b'o', b'c', b'a', b'l', 0, 0, 1, 0, 1]);
        m.extend_from_slice(&[0xC0, 12, 0, 28, 0, 1, 0, 0, 0, 10, 0, 16]);
        m.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        let msg = Message::parse(&m).unwrap();
        assert_eq!(msg.questions[0].name, "a.local");
        assert_eq!(msg.records[0].name, "a.local");
        assert_eq!(msg.records[0].data, RecordData::Aaaa(Ipv6Addr::LOCALHOST));
    }

    #[test]
    fn refuses_loops_and_truncation() {
        // A pointer to itself.
        let mut m = vec![0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1];
        assert_eq!(Message::parse(&m), Err(DnsError::PointerLoop));
        // A forward pointer.
        m[13] = 14;
        assert_eq!(Message::parse(&m), Err(DnsError::PointerLoop));
        // Counts promising more than there is.
        let m = [0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        assert_eq!(Message::parse(&m), Err(DnsError::Truncated));
        assert_eq!(Message::parse(&m[..5]), Err(DnsError::Truncated));
        // A 3-byte A record.
        let mut r = chromium_style_response();
        let n = r.len();
        r[n - 5] = 3;
        r.pop();
        assert_eq!(Message::parse(&r), Err(DnsError::BadRecordData));
    }

    #[test]
    fn refuses_overlong_names() {
        let mut m = vec![0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        for _ in 0..5 {
            m.push(63);
            m.extend_from_slice(&[b'a'; 63]);
        }
        m.extend_from_slice(&[0, 0, 1, 0, 1]);
        assert_eq!(Message::parse(&m), Err(DnsError::BadName));
        let long = ["a"; 200].join(".");
        let msg = Message {
            header: Header {
                id: 0,
                response: false,
                opcode: 0,
                authoritative: false,
                rcode: 0,
            },
            questions: vec![Question {
                name: long,
                qtype: TYPE_A,
                unicast_response: false,
                class: CLASS_IN,
            }],
            records: vec![],
        };
        let mut out = vec![7];
        assert_eq!(msg.emit(&mut out), Err(DnsError::BadName));
        assert_eq!(out, [7]);
    }

    fn label() -> impl Strategy<Value = String> {
        "[a-z0-9-]{1,20}"
    }

    proptest! {
        #[test]
        fn emit_parse_round_trip(
            id: u16,
            response: bool,
            names in proptest::collection::vec(proptest::collection::vec(label(), 1..4), 1..4),
            v4: [u8; 4],
            v6: [u8; 16],
            ttl: u32,
            qu: bool,
        ) {
            let names: Vec<String> = names.into_iter().map(|l| l.join(".")).collect();
            let msg = Message {
                header: Header { id, response, opcode: 0, authoritative: response, rcode: 0 },
                questions: names.iter().map(|n| Question {
                    name: n.clone(), qtype: TYPE_AAAA, unicast_response: qu, class: CLASS_IN,
                }).collect(),
                records: names.iter().enumerate().map(|(i, n)| Record {
                    name: n.clone(),
                    cache_flush: i % 2 == 0,
                    class: CLASS_IN,
                    ttl,
                    data: if i % 2 == 0 { RecordData::A(v4.into()) } else { RecordData::Aaaa(v6.into()) },
                }).collect(),
            };
            let mut out = Vec::new();
            msg.emit(&mut out).unwrap();
            prop_assert_eq!(Message::parse(&out).unwrap(), msg);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(m) = Message::parse(&bytes) {
                prop_assert!(m.questions.len() * 5 + m.records.len() * 11 <= bytes.len());
            }
        }
    }
}
