//! The connection's data channels by [`ChannelId`]: a `Vec` kept sorted by id.
//!
//! Ids are handed out in increasing order, so inserting appends; lookups are a binary search.
//! A `BTreeMap` would allocate a whole 11-entry node (about 1.4 KiB here) for the one or two
//! channels most connections have; this holds exactly what is used.

use super::Channel;
use crate::channel::ChannelId;

#[derive(Debug, Default)]
pub(super) struct ChannelMap {
    entries: Vec<(ChannelId, Channel)>,
}

impl ChannelMap {
    #[inline]
    fn position(&self, id: ChannelId) -> Result<usize, usize> {
        self.entries.binary_search_by_key(&id, |(k, _)| *k)
    }

    /// Inserts or replaces the channel `id`.
    pub(super) fn insert(&mut self, id: ChannelId, channel: Channel) {
        match self.position(id) {
            Ok(i) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.1 = channel;
                }
            }
            Err(i) => {
                if self.entries.capacity() == 0 {
                    self.entries.reserve_exact(1);
                }
                self.entries.insert(i, (id, channel));
            }
        }
    }

    #[inline]
    pub(super) fn get(&self, id: &ChannelId) -> Option<&Channel> {
        let i = self.position(*id).ok()?;
        self.entries.get(i).map(|(_, c)| c)
    }

    #[inline]
    pub(super) fn get_mut(&mut self, id: &ChannelId) -> Option<&mut Channel> {
        let i = self.position(*id).ok()?;
        self.entries.get_mut(i).map(|(_, c)| c)
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The channels in id order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&ChannelId, &Channel)> {
        self.entries.iter().map(|(id, c)| (id, c))
    }

    pub(super) fn values_mut(&mut self) -> impl Iterator<Item = &mut Channel> {
        self.entries.iter_mut().map(|(_, c)| c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::{ChannelState, DataChannelInit};

    fn channel(label: &str) -> Channel {
        Channel {
            label: label.to_owned(),
            init: DataChannelInit::default(),
            stream: None,
            state: ChannelState::Connecting,
            counters: super::super::ChannelCounters::default(),
        }
    }

    #[test]
    fn keeps_id_order_and_finds_each() {
        let mut m = ChannelMap::default();
        for id in [3, 1, 2, 0] {
            m.insert(ChannelId(id), channel(&id.to_string()));
        }
        let ids: Vec<u32> = m.iter().map(|(id, _)| id.0).collect();
        assert_eq!(ids, [0, 1, 2, 3]);
        for id in 0..4 {
            assert_eq!(m.get(&ChannelId(id)).unwrap().label, id.to_string());
        }
        assert!(m.get(&ChannelId(4)).is_none());
        m.insert(ChannelId(2), channel("again"));
        assert_eq!(m.len(), 4);
        m.get_mut(&ChannelId(2)).unwrap().stream = Some(7);
        assert_eq!(m.get(&ChannelId(2)).unwrap().stream, Some(7));
        assert_eq!(m.get(&ChannelId(2)).unwrap().label, "again");
        for c in m.values_mut() {
            c.state = ChannelState::Closed;
        }
        assert!(m.iter().all(|(_, c)| c.state == ChannelState::Closed));
    }
}
