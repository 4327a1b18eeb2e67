//! A sans-IO mDNS responder that publishes our host candidates under random `<uuid>.local`
//! names (draft-ietf-mmusic-mdns-ice-candidates section 3.1, RFC 6762 sections 6, 8.3, 10).
//!
//! [`Responder::publish`] makes a fresh version-4 UUID name for an address, announces it (two
//! unsolicited responses one second apart, section 8.3) and answers queries for it:
//! - a query from a port other than 5353 is a legacy unicast query (section 6.7): the answer
//!   goes back to the querier's address and port with its query id, the question repeated and
//!   a TTL of at most 10 s;
//! - a query with the QU bit gets a unicast answer to the querier (section 5.4);
//! - otherwise the answer is multicast to the group, at most once per second per name
//!   (section 6), with the cache-flush bit since the name is unique (section 10.2).
//!
//! Records have the host-name TTL of 120 s (section 10). [`Responder::unpublish`] sends a
//! goodbye (TTL 0, section 10.1). Names are unique by construction (122 random bits), so
//! probing (section 8.1) is left out, as browsers leave it out; so are NSEC negative answers.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use strata_stun::{Rng, Transmit};

use super::MdnsError;
use super::message::{
    CLASS_IN, Header, Message, Question, Record, RecordData, TYPE_A, TYPE_AAAA, TYPE_ANY,
};
use super::querier::{MDNS_V4, MDNS_V6};

/// The TTL of host-name records (RFC 6762 section 10).
pub const HOST_TTL: u32 = 120;
/// The largest TTL in legacy unicast answers (RFC 6762 section 6.7).
pub const LEGACY_UNICAST_TTL: u32 = 10;

/// Responder settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponderConfig {
    /// How many names may be published at once (default 16).
    pub max_names: usize,
    /// Unsolicited announcements per published name (default 2, one second apart).
    pub announcements: u8,
}

impl Default for ResponderConfig {
    fn default() -> Self {
        ResponderConfig {
            max_names: 16,
            announcements: 2,
        }
    }
}

#[derive(Debug)]
struct Published {
    name: String,
    address: IpAddr,
    last_multicast: Option<Instant>,
    announcements_left: u8,
    next_announcement: Instant,
}

/// Counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponderStats {
    /// Answers sent (multicast and unicast, announcements included).
    pub answers_sent: u64,
    /// Packets that did not parse as DNS.
    pub malformed: u64,
}

/// Publishes and answers for our `.local` names; see the [module documentation](crate::mdns).
#[derive(Debug)]
pub struct Responder {
    config: ResponderConfig,
    names: Vec<Published>,
    transmits: VecDeque<Transmit>,
    stats: ResponderStats,
}

impl Responder {
    /// A responder with `config`.
    pub fn new(config: ResponderConfig) -> Responder {
        Responder {
            config,
            names: Vec::new(),
            transmits: VecDeque::new(),
            stats: ResponderStats::default(),
        }
    }

    /// Counters.
    pub fn stats(&self) -> ResponderStats {
        self.stats
    }

    /// The names published now, with their addresses.
    pub fn published(&self) -> impl Iterator<Item = (&str, IpAddr)> {
        self.names.iter().map(|p| (p.name.as_str(), p.address))
    }

    /// Publishes `address` under a new random name and returns the name (`<uuid>.local`). An
    /// address already published keeps its name.
    pub fn publish(
        &mut self,
        now: Instant,
        address: IpAddr,
        rng: &mut dyn Rng,
    ) -> Result<String, MdnsError> {
        if let Some(p) = self.names.iter().find(|p| p.address == address) {
            return Ok(p.name.clone());
        }
        if self.names.len() >= self.config.max_names {
            return Err(MdnsError::TooManyNames);
        }
        let name = format!("{}.local", uuid_v4(rng));
        self.names.push(Published {
            name: name.clone(),
            address,
            last_multicast: None,
            announcements_left: self.config.announcements,
            next_announcement: now,
        });
        self.handle_timeout(now);
        Ok(name)
    }

    /// Withdraws a name, sending a goodbye (TTL 0). Unknown names are ignored.
    pub fn unpublish(&mut self, name: &str) {
        if let Some(i) = self.names.iter().position(|p| p.name == name) {
            let p = self.names.swap_remove(i);
            let dest = group_for(p.address);
            self.send_answer(dest, 0, None, &p.name, p.address, 0, true);
        }
    }

    /// Feeds a packet received on the mDNS socket from `source`.
    pub fn handle_packet(&mut self, now: Instant, source: SocketAddr, packet: &[u8]) {
        let Ok(msg) = Message::parse(packet) else {
            self.stats.malformed += 1;
            return;
        };
        if msg.header.response || msg.header.opcode != 0 {
            return;
        }
        let legacy = source.port() != 5353;
        for q in &msg.questions {
            if q.class != CLASS_IN && q.class != TYPE_ANY {
                continue;
            }
            let Some(i) = self.names.iter().position(|p| p.name == q.name) else {
                continue;
            };
            let (name, address) = (self.names[i].name.clone(), self.names[i].address);
            let wanted = match q.qtype {
                TYPE_A => address.is_ipv4(),
                TYPE_AAAA => address.is_ipv6(),
                TYPE_ANY => true,
                _ => false,
            };
            if !wanted {
                continue;
            }
            if legacy {
                self.send_answer(
                    source,
                    msg.header.id,
                    Some(q),
                    &name,
                    address,
                    LEGACY_UNICAST_TTL,
                    false,
                );
            } else if q.unicast_response {
                self.send_answer(source, 0, None, &name, address, HOST_TTL, true);
            } else {
                let p = &mut self.names[i];
                if p.last_multicast
                    .is_some_and(|t| now.duration_since(t) < Duration::from_secs(1))
                {
                    continue;
                }
                p.last_multicast = Some(now);
                self.send_answer(group_for(address), 0, None, &name, address, HOST_TTL, true);
            }
        }
    }

    /// Sends due announcements.
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut due = Vec::new();
        for p in &mut self.names {
            if p.announcements_left > 0 && p.next_announcement <= now {
                p.announcements_left -= 1;
                p.next_announcement = now + Duration::from_secs(1);
                p.last_multicast = Some(now);
                due.push((p.name.clone(), p.address));
            }
        }
        for (name, address) in due {
            self.send_answer(group_for(address), 0, None, &name, address, HOST_TTL, true);
        }
    }

    /// The next answer to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// When to call [`Responder::handle_timeout`] next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.names
            .iter()
            .filter(|p| p.announcements_left > 0)
            .map(|p| p.next_announcement)
            .min()
    }

    #[allow(clippy::too_many_arguments)]
    fn send_answer(
        &mut self,
        destination: SocketAddr,
        id: u16,
        question: Option<&Question>,
        name: &str,
        address: IpAddr,
        ttl: u32,
        cache_flush: bool,
    ) {
        let data = match address {
            IpAddr::V4(a) => RecordData::A(a),
            IpAddr::V6(a) => RecordData::Aaaa(a),
        };
        let msg = Message {
            header: Header {
                id,
                response: true,
                opcode: 0,
                authoritative: true,
                rcode: 0,
            },
            questions: question.into_iter().cloned().collect(),
            records: vec![Record {
                name: name.to_owned(),
                cache_flush,
                class: CLASS_IN,
                ttl,
                data,
            }],
        };
        let mut contents = Vec::with_capacity(96);
        if msg.emit(&mut contents).is_ok() {
            self.stats.answers_sent += 1;
            self.transmits.push_back(Transmit {
                destination,
                contents,
            });
        }
    }
}

fn group_for(address: IpAddr) -> SocketAddr {
    if address.is_ipv4() { MDNS_V4 } else { MDNS_V6 }
}

/// A random (version 4) UUID in its lower-case text form (RFC 9562 section 5.4).
pub(crate) fn uuid_v4(rng: &mut dyn Rng) -> String {
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    b[6] = (b[6] & 0x0F) | 0x40;
    b[8] = (b[8] & 0x3F) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}
