//! A sans-IO mDNS querier for ICE host candidates named `<uuid>.local` (RFC 6762 section 5,
//! draft-ietf-mmusic-mdns-ice-candidates section 3.2).
//!
//! [`Querier::query`] asks for a name's A and AAAA records on 224.0.0.251:5353 (or
//! `[ff02::fb]:5353`), repeats the query after one second and then at doubling intervals
//! (section 5.2: the first two queries at least one second apart, each interval twice the
//! last), and gives up after [`QuerierConfig::timeout`]. Responses are accepted from any
//! section of any well-formed mDNS response (QR set, OPCODE and RCODE zero, sections 18.3 and
//! 18.11); the first address found for a pending name resolves it. Resolved names are cached
//! (bounded) for their TTL, so a second query for the same name answers at once.
//!
//! Which socket to use is the caller's choice: one bound to port 5353 and joined to the group
//! receives multicast responses (what Chromium's responder sends); a socket on an ephemeral
//! port makes the query a "legacy unicast" one that responders answer by unicast (section
//! 6.7). Accept only packets that arrive on the link (section 11): the caller knows the
//! interface, this core does not.
//!
//! Left out: continuous querying beyond the timeout, known-answer lists (section 7.1),
//! duplicate question suppression (section 7.3).

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use strata_stun::Transmit;

use super::message::{CLASS_IN, Header, Message, Question, TYPE_A, TYPE_AAAA};
use super::{MdnsError, is_mdns_name};

/// The mDNS IPv4 group and port.
pub const MDNS_V4: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(224, 0, 0, 251)), 5353);
/// The mDNS IPv6 group and port.
pub const MDNS_V6: SocketAddr = SocketAddr::new(
    IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0xfb)),
    5353,
);

/// Querier settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuerierConfig {
    /// Where queries go (default [`MDNS_V4`]).
    pub destination: SocketAddr,
    /// Also ask for AAAA records (default true).
    pub ask_aaaa: bool,
    /// The first retransmission interval (default 1 s; doubles after each query).
    pub first_interval: Duration,
    /// When an unanswered query fails (default 5 s).
    pub timeout: Duration,
    /// How many names may be pending at once (default 32); more are refused.
    pub max_pending: usize,
    /// How many resolved names are cached (default 64).
    pub max_cached: usize,
}

impl Default for QuerierConfig {
    fn default() -> Self {
        QuerierConfig {
            destination: MDNS_V4,
            ask_aaaa: true,
            first_interval: Duration::from_secs(1),
            timeout: Duration::from_secs(5),
            max_pending: 32,
            max_cached: 64,
        }
    }
}

/// What the querier reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuerierEvent {
    /// A name resolved.
    Resolved {
        /// The name as queried (lower case).
        name: String,
        /// Its address.
        address: IpAddr,
    },
    /// No answer within the timeout.
    Failed {
        /// The name as queried (lower case).
        name: String,
    },
}

#[derive(Debug)]
struct Pending {
    name: String,
    deadline: Instant,
    next_send: Instant,
    interval: Duration,
}

#[derive(Debug)]
struct Cached {
    name: String,
    address: IpAddr,
    expires: Instant,
}

/// Counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuerierStats {
    /// Queries sent (first sends and repeats).
    pub queries_sent: u64,
    /// Packets that did not parse as DNS.
    pub malformed: u64,
    /// Well-formed packets ignored (queries, non-zero opcode/rcode, nothing we wait for).
    pub ignored: u64,
}

/// Resolves `.local` names; see the [module documentation](crate::mdns).
#[derive(Debug)]
pub struct Querier {
    config: QuerierConfig,
    pending: Vec<Pending>,
    cache: VecDeque<Cached>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<QuerierEvent>,
    stats: QuerierStats,
}

impl Querier {
    /// A querier with `config`.
    pub fn new(config: QuerierConfig) -> Querier {
        Querier {
            config,
            pending: Vec::new(),
            cache: VecDeque::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: QuerierStats::default(),
        }
    }

    /// Counters.
    pub fn stats(&self) -> QuerierStats {
        self.stats
    }

    /// Starts resolving `name` (`<something>.local`). A cached answer is reported at once; a
    /// name already pending is not queried twice.
    pub fn query(&mut self, now: Instant, name: &str) -> Result<(), MdnsError> {
        let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
        if !is_mdns_name(&name) {
            return Err(MdnsError::NotLocalName);
        }
        self.cache.retain(|c| c.expires > now);
        if let Some(c) = self.cache.iter().find(|c| c.name == name) {
            self.events.push_back(QuerierEvent::Resolved {
                name,
                address: c.address,
            });
            return Ok(());
        }
        if self.pending.iter().any(|p| p.name == name) {
            return Ok(());
        }
        if self.pending.len() >= self.config.max_pending {
            return Err(MdnsError::TooManyPending);
        }
        self.send_query(&name)?;
        self.pending.push(Pending {
            name,
            deadline: now + self.config.timeout,
            next_send: now + self.config.first_interval,
            interval: self.config.first_interval,
        });
        Ok(())
    }

    /// Feeds a received packet (from the mDNS socket).
    pub fn handle_packet(&mut self, now: Instant, packet: &[u8]) {
        let Ok(msg) = Message::parse(packet) else {
            self.stats.malformed += 1;
            return;
        };
        if !msg.header.response || msg.header.opcode != 0 || msg.header.rcode != 0 {
            self.stats.ignored += 1;
            return;
        }
        let mut used = false;
        for r in &msg.records {
            let Some(address) = r.data.address() else {
                continue;
            };
            if r.class != CLASS_IN {
                continue;
            }
            if let Some(i) = self.pending.iter().position(|p| p.name == r.name) {
                let p = self.pending.swap_remove(i);
                self.remember(now, &p.name, address, r.ttl);
                self.events.push_back(QuerierEvent::Resolved {
                    name: p.name,
                    address,
                });
                used = true;
            }
        }
        if !used {
            self.stats.ignored += 1;
        }
    }

    /// Repeats due queries and fails expired ones.
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut i = 0;
        while i < self.pending.len() {
            if self.pending[i].deadline <= now {
                let p = self.pending.swap_remove(i);
                self.events.push_back(QuerierEvent::Failed { name: p.name });
                continue;
            }
            if self.pending[i].next_send <= now {
                let name = self.pending[i].name.clone();
                // The name was accepted by `query`, so it encodes.
                let _ = self.send_query(&name);
                let p = &mut self.pending[i];
                p.interval *= 2;
                p.next_send = now + p.interval;
            }
            i += 1;
        }
    }

    /// The next query to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<QuerierEvent> {
        self.events.pop_front()
    }

    /// When to call [`Querier::handle_timeout`] next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending
            .iter()
            .map(|p| p.next_send.min(p.deadline))
            .min()
    }

    fn remember(&mut self, now: Instant, name: &str, address: IpAddr, ttl: u32) {
        if ttl == 0 || self.config.max_cached == 0 {
            return;
        }
        self.cache.retain(|c| c.name != name);
        if self.cache.len() >= self.config.max_cached {
            self.cache.pop_front();
        }
        self.cache.push_back(Cached {
            name: name.to_owned(),
            address,
            expires: now + Duration::from_secs(u64::from(ttl)),
        });
    }

    fn send_query(&mut self, name: &str) -> Result<(), MdnsError> {
        let question = |qtype| Question {
            name: name.to_owned(),
            qtype,
            unicast_response: false,
            class: CLASS_IN,
        };
        let mut questions = vec![question(TYPE_A)];
        if self.config.ask_aaaa {
            questions.push(question(TYPE_AAAA));
        }
        let msg = Message {
            header: Header {
                id: 0,
                response: false,
                opcode: 0,
                authoritative: false,
                rcode: 0,
            },
            questions,
            records: Vec::new(),
        };
        let mut contents = Vec::with_capacity(128);
        msg.emit(&mut contents)
            .map_err(|_| MdnsError::NotLocalName)?;
        self.stats.queries_sent += 1;
        self.transmits.push_back(Transmit {
            destination: self.config.destination,
            contents,
        });
        Ok(())
    }
}
