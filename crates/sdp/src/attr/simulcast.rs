//! RTP stream identifiers and simulcast: `rid` (RFC 8851 section 10) and `simulcast`
//! (RFC 8853 section 5.1).
//!
//! Left out: semantic checks across attributes (that every `rid` named in `simulcast` exists,
//! that restrictions are consistent); the parser checks the grammar of each attribute only.

use std::borrow::Cow;
use std::fmt;

use super::{AttributeValue, require};
use crate::ValueError;
use crate::util::{Tokens, parse_pt};

/// `rid-id = 1*(alpha-numeric / "-" / "_")` (RFC 8851 section 10).
fn is_rid_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The direction of a `rid` (RFC 8851 section 10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RidDirection {
    /// `send`.
    Send,
    /// `recv`.
    Recv,
}

impl RidDirection {
    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Send => "send",
            Self::Recv => "recv",
        }
    }
}

/// One `rid-param` restriction, such as `max-width=1280` (RFC 8851 section 4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RidRestriction<'a> {
    /// The parameter name (`max-width`, `max-fps`, `depend`, ...).
    pub name: Cow<'a, str>,
    /// The value after `=`, if any.
    pub value: Option<Cow<'a, str>>,
}

/// `a=rid:<rid-id> <send/recv> [pt=<fmt>,...][;<restriction>...]` (RFC 8851 section 10).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rid<'a> {
    /// The RTP stream identifier.
    pub id: Cow<'a, str>,
    /// Send or receive.
    pub direction: RidDirection,
    /// The payload types from `pt=`, empty when absent.
    pub payload_types: Vec<u8>,
    /// The other restrictions, in order.
    pub restrictions: Vec<RidRestriction<'a>>,
}

impl<'a> AttributeValue<'a> for Rid<'a> {
    const FLAG: bool = false;
    fn accepts(name: &str) -> bool {
        name == "rid"
    }
    fn parse_attribute(_: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        let mut t = Tokens::new(require(value)?);
        let id = t.expect("rid-id")?;
        if !is_rid_id(id) {
            return Err(ValueError::Invalid { field: "rid-id" });
        }
        let direction = match t.expect("rid-dir")? {
            "send" => RidDirection::Send,
            "recv" => RidDirection::Recv,
            _ => return Err(ValueError::Invalid { field: "rid-dir" }),
        };
        let params = t.rest();
        let mut rid = Self {
            id: Cow::Borrowed(id),
            direction,
            payload_types: Vec::new(),
            restrictions: Vec::new(),
        };
        if params.is_empty() {
            return Ok(rid);
        }
        for (i, param) in params.split(';').enumerate() {
            let (name, value) = match param.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (param, None),
            };
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(ValueError::Invalid { field: "rid-param" });
            }
            if name == "pt" {
                if i != 0 {
                    return Err(ValueError::Invalid {
                        field: "rid-fmt-list",
                    });
                }
                let list = value.ok_or(ValueError::Invalid {
                    field: "rid-fmt-list",
                })?;
                rid.payload_types = list.split(',').map(parse_pt).collect::<Result<_, _>>()?;
                continue;
            }
            if let Some(v) = value
                && v.bytes().any(|b| !(0x20..=0x7e).contains(&b))
            {
                return Err(ValueError::Invalid { field: "param-val" });
            }
            rid.restrictions.push(RidRestriction {
                name: Cow::Borrowed(name),
                value: value.map(Cow::Borrowed),
            });
        }
        Ok(rid)
    }
    fn name(&self) -> &'static str {
        "rid"
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.id, self.direction.as_str())?;
        let mut sep = " ";
        if !self.payload_types.is_empty() {
            f.write_str(" pt=")?;
            for (i, pt) in self.payload_types.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{pt}")?;
            }
            sep = ";";
        }
        for r in &self.restrictions {
            write!(f, "{sep}{}", r.name)?;
            if let Some(v) = &r.value {
                write!(f, "={v}")?;
            }
            sep = ";";
        }
        Ok(())
    }
}

/// One `sc-id`: a rid, possibly paused (`~`) (RFC 8853 section 5.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SimulcastId<'a> {
    /// The rid.
    pub rid: Cow<'a, str>,
    /// Whether the stream starts paused (`~` prefix).
    pub paused: bool,
}

/// `a=simulcast:<send/recv> <streams> [<recv/send> <streams>]` (RFC 8853 section 5.1).
///
/// Each direction holds a list of simulcast streams (separated by `;`), each a list of
/// alternative rids (separated by `,`). An empty list means the direction is absent. The
/// formatter writes `send` before `recv`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Simulcast<'a> {
    /// The send streams.
    pub send: Vec<Vec<SimulcastId<'a>>>,
    /// The receive streams.
    pub recv: Vec<Vec<SimulcastId<'a>>>,
}

fn parse_streams(list: &str) -> Result<Vec<Vec<SimulcastId<'_>>>, ValueError> {
    list.split(';')
        .map(|alts| {
            alts.split(',')
                .map(|id| {
                    let (rid, paused) = match id.strip_prefix('~') {
                        Some(rid) => (rid, true),
                        None => (id, false),
                    };
                    if is_rid_id(rid) {
                        Ok(SimulcastId {
                            rid: Cow::Borrowed(rid),
                            paused,
                        })
                    } else {
                        Err(ValueError::Invalid { field: "sc-id" })
                    }
                })
                .collect()
        })
        .collect()
}

fn fmt_streams(f: &mut fmt::Formatter<'_>, streams: &[Vec<SimulcastId<'_>>]) -> fmt::Result {
    for (i, alts) in streams.iter().enumerate() {
        if i > 0 {
            f.write_str(";")?;
        }
        for (j, id) in alts.iter().enumerate() {
            if j > 0 {
                f.write_str(",")?;
            }
            if id.paused {
                f.write_str("~")?;
            }
            f.write_str(&id.rid)?;
        }
    }
    Ok(())
}

impl<'a> AttributeValue<'a> for Simulcast<'a> {
    const FLAG: bool = false;
    fn accepts(name: &str) -> bool {
        name == "simulcast"
    }
    fn parse_attribute(_: &'a str, value: Option<&'a str>) -> Result<Self, ValueError> {
        let mut t = Tokens::new(require(value)?);
        let mut sc = Self::default();
        let mut any = false;
        while let Some(dir) = t.next_token() {
            let list = t.expect("sc-str-list")?;
            let slot = match dir {
                "send" => &mut sc.send,
                "recv" => &mut sc.recv,
                _ => return Err(ValueError::Invalid { field: "sc-dir" }),
            };
            if !slot.is_empty() {
                return Err(ValueError::Invalid { field: "sc-dir" });
            }
            *slot = parse_streams(list)?;
            any = true;
        }
        if !any {
            return Err(ValueError::Missing { field: "sc-dir" });
        }
        Ok(sc)
    }
    fn name(&self) -> &'static str {
        "simulcast"
    }
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.send.is_empty() {
            f.write_str("send ")?;
            fmt_streams(f, &self.send)?;
            if !self.recv.is_empty() {
                f.write_str(" ")?;
            }
        }
        if !self.recv.is_empty() {
            f.write_str("recv ")?;
            fmt_streams(f, &self.recv)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rid(v: &str) -> Result<Rid<'_>, ValueError> {
        Rid::parse_attribute("rid", Some(v))
    }

    fn sc(v: &str) -> Result<Simulcast<'_>, ValueError> {
        Simulcast::parse_attribute("simulcast", Some(v))
    }

    #[test]
    fn rid_examples() {
        // RFC 8851 section 11.1 and 11.2.
        let r = rid("1 send pt=97;max-width=1280;max-height=720").unwrap();
        assert_eq!(r.direction, RidDirection::Send);
        assert_eq!(r.payload_types, [97]);
        assert_eq!(r.restrictions.len(), 2);
        assert_eq!(r.restrictions[0].name, "max-width");
        assert_eq!(r.restrictions[0].value.as_deref(), Some("1280"));
        assert_eq!(
            r.to_attribute().to_string(),
            "rid:1 send pt=97;max-width=1280;max-height=720"
        );
        let r = rid("5 send pt=100,101,102").unwrap();
        assert_eq!(r.payload_types, [100, 101, 102]);
        let r = rid("hi recv max-fps=30").unwrap();
        assert!(r.payload_types.is_empty());
        assert_eq!(r.to_attribute().to_string(), "rid:hi recv max-fps=30");
        let r = rid("lo send").unwrap();
        assert_eq!(r.to_attribute().to_string(), "rid:lo send");
        for bad in [
            "a",
            "a up",
            "a.b send",
            "a send max-fps=30;pt=96",
            "a send pt=x",
            "a send ;",
            "a send pt",
        ] {
            assert!(rid(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn simulcast_examples() {
        // RFC 8853 section 5.1 examples.
        let s = sc("send 1,~4;2;3 recv c").unwrap();
        assert_eq!(s.send.len(), 3);
        assert_eq!(
            s.send[0][1],
            SimulcastId {
                rid: "4".into(),
                paused: true
            }
        );
        assert_eq!(
            s.recv,
            [vec![SimulcastId {
                rid: "c".into(),
                paused: false
            }]]
        );
        assert_eq!(
            s.to_attribute().to_string(),
            "simulcast:send 1,~4;2;3 recv c"
        );
        let s = sc("recv h;m;l").unwrap();
        assert!(s.send.is_empty());
        assert_eq!(s.to_attribute().to_string(), "simulcast:recv h;m;l");
        for bad in [
            "",
            "send",
            "send a recv",
            "up a",
            "send a send b",
            "send a,,b",
            "send ~",
        ] {
            assert!(sc(bad).is_err(), "{bad}");
        }
    }
}
