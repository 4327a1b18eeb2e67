//! The plan both sides run (keep in step with PLANS in xtask/interop/usrsctp/usrsctp_peer.c),
//! the receiver's checks and the sender's progress through it.

use std::time::{Duration, Instant};

use strata_sctp::association::{Association, Error, SendOptions};
use strata_sctp::chunk::Ppid;

use super::log;

pub(crate) const HEADER_LEN: usize = 16;
pub(crate) const FLAG_ORDERED: u8 = 1;
pub(crate) const FLAG_FINAL: u8 = 4;
pub(crate) const FINAL_LEN: usize = HEADER_LEN + 16;
pub(crate) const GOT_ALL: &[u8] = b"got-all";

/// Partial reliability of a flow (RFC 3758 policies as usrsctp names them).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pr {
    None,
    /// SCTP_PR_SCTP_RTX: at most this many retransmissions.
    Rtx(u16),
    /// SCTP_PR_SCTP_TTL: abandoned this many milliseconds after the send.
    Ttl(u64),
}

pub(crate) struct Flow {
    pub(crate) stream: u16,
    pub(crate) count: u32,
    pub(crate) size: usize,
    pub(crate) ordered: bool,
    pub(crate) pr: Pr,
}

pub(crate) struct Plan {
    pub(crate) name: &'static str,
    pub(crate) flows: &'static [Flow],
    /// Send the flows, reset their streams, send them again (indices continue).
    pub(crate) reset: bool,
}

pub(crate) const fn flow(stream: u16, count: u32, size: usize, ordered: bool, pr: Pr) -> Flow {
    Flow {
        stream,
        count,
        size,
        ordered,
        pr,
    }
}

/// Keep in step with PLANS in xtask/interop/usrsctp/usrsctp_peer.c.
pub(crate) const PLANS: &[Plan] = &[
    Plan {
        name: "data",
        reset: false,
        flows: &[
            flow(1, 200, 1024, true, Pr::None),
            flow(2, 40, 16384, true, Pr::None),
            flow(3, 6, 262_144, true, Pr::None),
            flow(4, 200, 1024, false, Pr::None),
            flow(5, 20, 16384, false, Pr::None),
        ],
    },
    Plan {
        name: "smoke",
        reset: false,
        flows: &[
            flow(1, 20, 1024, true, Pr::None),
            flow(2, 4, 16384, true, Pr::None),
            flow(3, 1, 262_144, true, Pr::None),
            flow(4, 20, 1024, false, Pr::None),
        ],
    },
    Plan {
        name: "pr",
        reset: false,
        flows: &[
            flow(1, 300, 1024, true, Pr::Rtx(0)),
            flow(2, 300, 1024, false, Pr::Rtx(0)),
            flow(3, 60, 8192, true, Pr::Rtx(1)),
            flow(4, 100, 2048, true, Pr::Ttl(50)),
            flow(6, 100, 1024, true, Pr::None),
        ],
    },
    Plan {
        name: "reset",
        reset: true,
        flows: &[
            flow(7, 10, 1024, true, Pr::None),
            flow(8, 10, 1024, true, Pr::None),
        ],
    },
    Plan {
        name: "close",
        reset: false,
        flows: &[flow(1, 10, 1024, true, Pr::None)],
    },
    Plan {
        name: "idata",
        reset: false,
        flows: &[
            flow(1, 4, 262_144, true, Pr::None),
            flow(2, 4, 262_144, true, Pr::None),
            flow(3, 100, 1024, true, Pr::None),
            flow(4, 100, 1024, false, Pr::None),
        ],
    },
];

impl Plan {
    pub(crate) fn expected(&self, f: &Flow) -> u32 {
        if self.reset { 2 * f.count } else { f.count }
    }

    pub(crate) fn max_count(&self) -> u32 {
        self.flows.iter().map(|f| f.count).max().unwrap_or(0)
    }
}

pub(crate) fn pattern(index: u32, stream: u16, pos: usize) -> u8 {
    let pos = pos as u32;
    (pos.wrapping_mul(31)
        .wrapping_add(index.wrapping_mul(7))
        .wrapping_add(u32::from(stream) * 13)
        .wrapping_add(pos >> 8)) as u8
}

pub(crate) fn fill(buf: &mut Vec<u8>, index: u32, len: usize, stream: u16, flags: u8) {
    buf.clear();
    buf.extend_from_slice(&index.to_be_bytes());
    buf.extend_from_slice(&(len as u32).to_be_bytes());
    buf.extend_from_slice(&stream.to_be_bytes());
    buf.push(flags);
    buf.extend_from_slice(&[0; 5]);
    buf.extend((HEADER_LEN..len).map(|i| pattern(index, stream, i)));
}

/// What arrived on one flow.
#[derive(Default)]
pub(crate) struct RxFlow {
    pub(crate) next: u32,
    pub(crate) received: u32,
    pub(crate) final_seen: bool,
    pub(crate) seen: Vec<bool>,
    pub(crate) reset_at: Option<u32>,
}

/// Checks every message against the plan.
pub(crate) struct Receiver {
    pub(crate) plan: &'static Plan,
    pub(crate) flows: Vec<RxFlow>,
    pub(crate) peer_got_all: bool,
}

impl Receiver {
    pub(crate) fn new(plan: &'static Plan) -> Self {
        let flows = plan
            .flows
            .iter()
            .map(|f| RxFlow {
                seen: vec![false; plan.expected(f) as usize + 1],
                ..RxFlow::default()
            })
            .collect();
        Self {
            plan,
            flows,
            peer_got_all: false,
        }
    }

    pub(crate) fn flow(&self, stream: u16) -> Option<usize> {
        self.plan.flows.iter().position(|f| f.stream == stream)
    }

    pub(crate) fn complete(&self) -> bool {
        self.plan.flows.iter().zip(&self.flows).all(|(f, r)| {
            if f.pr == Pr::None {
                r.received >= self.plan.expected(f)
            } else {
                r.final_seen
            }
        })
    }

    pub(crate) fn message(
        &mut self,
        stream: u16,
        ppid: Ppid,
        ordered: bool,
        m: &[u8],
    ) -> Result<(), String> {
        if stream == 0 {
            if ppid == Ppid::STRING && m == GOT_ALL {
                self.peer_got_all = true;
                log("peer received everything");
                return Ok(());
            }
            return Err(format!("unexpected control message of {} bytes", m.len()));
        }
        let k = self
            .flow(stream)
            .ok_or(format!("message on unexpected stream {stream}"))?;
        let f = &self.plan.flows[k];
        let expected = self.plan.expected(f);
        let r = &mut self.flows[k];
        if ppid != Ppid::BINARY || m.len() < HEADER_LEN {
            return Err(format!(
                "stream {stream}: ppid {} length {}",
                ppid.0,
                m.len()
            ));
        }
        let word = |at: usize| u32::from_be_bytes([m[at], m[at + 1], m[at + 2], m[at + 3]]);
        let (index, len) = (word(0), word(4) as usize);
        let (mstream, flags) = (u16::from_be_bytes([m[8], m[9]]), m[10]);
        let fin = flags & FLAG_FINAL != 0;
        if len != m.len() || mstream != stream || (!fin && len != f.size) {
            return Err(format!(
                "stream {stream}: header says {len} bytes on stream {mstream}, got {}",
                m.len()
            ));
        }
        if let Some(i) = (HEADER_LEN..len).find(|&i| m[i] != pattern(index, stream, i)) {
            return Err(format!("stream {stream} message {index}: byte {i} differs"));
        }
        let sent_ordered = flags & FLAG_ORDERED != 0;
        if sent_ordered != ordered || ordered != f.ordered {
            return Err(format!(
                "stream {stream} message {index}: sent ordered {sent_ordered}, delivered ordered {ordered}"
            ));
        }
        if fin {
            if f.pr == Pr::None || index != f.count || r.final_seen {
                return Err(format!("stream {stream}: unexpected final message {index}"));
            }
            r.final_seen = true;
        } else if index >= expected {
            return Err(format!("stream {stream}: index {index} out of range"));
        }
        if f.ordered {
            if index < r.next || (f.pr == Pr::None && index != r.next) {
                return Err(format!(
                    "stream {stream}: ordered message {index} arrived, expected {}",
                    r.next
                ));
            }
            r.next = index + 1;
        } else if !fin {
            let seen = &mut r.seen[index as usize];
            if *seen {
                return Err(format!(
                    "stream {stream}: unordered message {index} delivered twice"
                ));
            }
            *seen = true;
        }
        if self.plan.reset && index == f.count && r.reset_at != Some(f.count) {
            return Err(format!(
                "stream {stream}: message {index} arrived before the peer's reset was reported"
            ));
        }
        if !fin {
            r.received += 1;
        }
        Ok(())
    }

    pub(crate) fn streams_reset(&mut self, streams: &[u16]) -> Result<(), String> {
        if streams.is_empty() {
            return Err("peer reset all streams; the plan resets its own".into());
        }
        for &s in streams {
            let k = self
                .flow(s)
                .ok_or(format!("peer reset unexpected stream {s}"))?;
            let (f, r) = (&self.plan.flows[k], &mut self.flows[k]);
            if !self.plan.reset || r.received != f.count {
                return Err(format!(
                    "peer reset stream {s} after {} of {} messages",
                    r.received, f.count
                ));
            }
            r.reset_at = Some(r.received);
        }
        Ok(())
    }
}

/// Where the sender is in the plan.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum SendPhase {
    /// Round `round` of the first (or, after a reset, second) pass, flow `flow` next.
    Messages {
        round: u32,
        flow: usize,
        second: bool,
    },
    /// The reliable final message of each partially reliable flow.
    Finals {
        flow: usize,
    },
    /// Our outgoing reset is under way.
    WaitReset,
    Done,
}

pub(crate) struct Sender {
    pub(crate) plan: &'static Plan,
    pub(crate) phase: SendPhase,
    pub(crate) buf: Vec<u8>,
}

impl Sender {
    /// Queues as much as the send buffer takes.
    pub(crate) fn pump(&mut self, a: &mut Association, now: Instant) -> Result<(), String> {
        let rounds = self.plan.max_count();
        loop {
            match self.phase {
                SendPhase::Messages {
                    round,
                    flow,
                    second,
                } => {
                    if round >= rounds {
                        self.phase = if second {
                            SendPhase::Done
                        } else {
                            SendPhase::Finals { flow: 0 }
                        };
                        continue;
                    }
                    let next = if flow + 1 == self.plan.flows.len() {
                        SendPhase::Messages {
                            round: round + 1,
                            flow: 0,
                            second,
                        }
                    } else {
                        SendPhase::Messages {
                            round,
                            flow: flow + 1,
                            second,
                        }
                    };
                    let f = &self.plan.flows[flow];
                    if round < f.count {
                        let index = if second { f.count + round } else { round };
                        if !self.send(a, now, f, index, false)? {
                            return Ok(());
                        }
                    }
                    self.phase = next;
                }
                SendPhase::Finals { flow } => {
                    let Some(f) = self.plan.flows.get(flow) else {
                        if self.plan.reset {
                            let streams: Vec<u16> =
                                self.plan.flows.iter().map(|f| f.stream).collect();
                            a.reset_streams(now, &streams)
                                .map_err(|e| format!("reset_streams: {e}"))?;
                            log(&format!("asked to reset outgoing streams {streams:?}"));
                            self.phase = SendPhase::WaitReset;
                        } else {
                            self.phase = SendPhase::Done;
                            log("all queued");
                        }
                        continue;
                    };
                    if f.pr != Pr::None && !self.send(a, now, f, f.count, true)? {
                        return Ok(());
                    }
                    self.phase = SendPhase::Finals { flow: flow + 1 };
                }
                SendPhase::WaitReset | SendPhase::Done => return Ok(()),
            }
        }
    }

    /// Ok(false): the send buffer is full, try again later.
    pub(crate) fn send(
        &mut self,
        a: &mut Association,
        now: Instant,
        f: &Flow,
        index: u32,
        fin: bool,
    ) -> Result<bool, String> {
        let len = if fin { FINAL_LEN } else { f.size };
        let flags = if f.ordered { FLAG_ORDERED } else { 0 } | if fin { FLAG_FINAL } else { 0 };
        fill(&mut self.buf, index, len, f.stream, flags);
        let mut options = SendOptions {
            ordered: f.ordered,
            ..SendOptions::default()
        };
        match f.pr {
            _ if fin => {}
            Pr::None => {}
            Pr::Rtx(n) => options.max_retransmits = Some(n),
            Pr::Ttl(ms) => options.max_lifetime = Some(Duration::from_millis(ms)),
        }
        match a.send_with(now, f.stream, Ppid::BINARY, &self.buf, options) {
            Ok(()) => Ok(true),
            Err(Error::SendBufferFull { .. }) => Ok(false),
            Err(e) => Err(format!("send on stream {} message {index}: {e}", f.stream)),
        }
    }

    pub(crate) fn reset_done(&mut self, streams: &[u16]) -> Result<(), String> {
        if self.phase != SendPhase::WaitReset {
            return Err(format!("unexpected outgoing reset of {streams:?}"));
        }
        log(&format!(
            "our outgoing streams {streams:?} were reset; sending again on them"
        ));
        self.phase = SendPhase::Messages {
            round: 0,
            flow: 0,
            second: true,
        };
        Ok(())
    }
}
