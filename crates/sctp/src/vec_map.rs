//! A small map kept as a `Vec` sorted by key: what [`crate::datachannel::DataChannels`]
//! holds per stream. Most associations carry one or a few channels; a `BTreeMap` allocates
//! a whole 11-entry node (about 1 KiB here) for the first one, this holds exactly what is
//! used, and lookups are a binary search over contiguous entries.

#[derive(Debug)]
pub(crate) struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord + Copy, V> VecMap<K, V> {
    #[inline]
    fn position(&self, key: &K) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.cmp(key))
    }

    #[inline]
    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        let i = self.position(key).ok()?;
        self.entries.get(i).map(|(_, v)| v)
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let i = self.position(key).ok()?;
        self.entries.get_mut(i).map(|(_, v)| v)
    }

    #[inline]
    pub(crate) fn contains_key(&self, key: &K) -> bool {
        self.position(key).is_ok()
    }

    /// Inserts or replaces; returns the value replaced.
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.position(&key) {
            Ok(i) => self
                .entries
                .get_mut(i)
                .map(|e| std::mem::replace(&mut e.1, value)),
            Err(i) => {
                if self.entries.capacity() == 0 {
                    self.entries.reserve_exact(1);
                }
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub(crate) fn remove(&mut self, key: &K) -> Option<V> {
        let i = self.position(key).ok()?;
        Some(self.entries.remove(i).1)
    }

    pub(crate) fn clear(&mut self) {
        self.entries = Vec::new();
    }

    /// Keys in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &K> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Entries in key order.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        /// The same operations on a `BTreeMap` and a `VecMap` give the same answers.
        #[test]
        fn behaves_like_btreemap(ops in proptest::collection::vec((0u8..4, 0u16..32, any::<u32>()), 0..200)) {
            let mut model = BTreeMap::new();
            let mut map = VecMap::default();
            for (op, k, v) in ops {
                match op {
                    0 => prop_assert_eq!(map.insert(k, v), model.insert(k, v)),
                    1 => prop_assert_eq!(map.remove(&k), model.remove(&k)),
                    2 => {
                        if let (Some(a), Some(b)) = (map.get_mut(&k), model.get_mut(&k)) {
                            *a = a.wrapping_add(v);
                            *b = b.wrapping_add(v);
                        }
                    }
                    _ => prop_assert_eq!(map.contains_key(&k), model.contains_key(&k)),
                }
                prop_assert_eq!(map.get(&k), model.get(&k));
                let keys: Vec<u16> = map.keys().copied().collect();
                let model_keys: Vec<u16> = model.keys().copied().collect();
                prop_assert_eq!(keys, model_keys);
            }
            let all: Vec<(u16, u32)> = map.iter_mut().map(|(k, v)| (*k, *v)).collect();
            let model_all: Vec<(u16, u32)> = model.into_iter().collect();
            prop_assert_eq!(all, model_all);
            map.clear();
            prop_assert!(map.keys().next().is_none());
        }
    }
}
