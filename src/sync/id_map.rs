//! Items by id in one sorted vector: the map type of the change feed. A vector
//! rather than a `BTreeMap` keeps the WebAssembly small (no B-tree code at all), and
//! the feed's access pattern suits it: pages and reads arrive in ID order (appends),
//! lookups are binary searches.

use crate::sharepoint::Item;

/// A map from item id to a value (the item by default), ordered by id.
#[derive(Clone, Debug, PartialEq)]
pub struct IdMap<V = Item> {
    entries: Vec<(i64, V)>,
}

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<V> IdMap<V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn find(&self, id: i64) -> Result<usize, usize> {
        // Appends in id order are the common case: check the end first.
        match self.entries.last() {
            Some((last, _)) if *last < id => Err(self.entries.len()),
            _ => self.entries.binary_search_by_key(&id, |(i, _)| *i),
        }
    }

    /// The item with `id`.
    pub fn get(&self, id: i64) -> Option<&V> {
        self.find(id).ok().map(|at| &self.entries[at].1)
    }

    /// Whether `id` is present.
    pub fn contains_key(&self, id: i64) -> bool {
        self.find(id).is_ok()
    }

    /// Inserts or replaces; returns the previous item.
    pub fn insert(&mut self, id: i64, item: V) -> Option<V> {
        match self.find(id) {
            Ok(at) => Some(std::mem::replace(&mut self.entries[at].1, item)),
            Err(at) => {
                self.entries.insert(at, (id, item));
                None
            }
        }
    }

    /// Removes `id`; returns its item.
    pub fn remove(&mut self, id: i64) -> Option<V> {
        self.find(id).ok().map(|at| self.entries.remove(at).1)
    }

    /// The largest id.
    pub fn last_id(&self) -> Option<i64> {
        self.entries.last().map(|(id, _)| *id)
    }

    /// Inserts every `(id, item)`.
    pub fn extend(&mut self, items: impl IntoIterator<Item = (i64, V)>) {
        for (id, item) in items {
            self.insert(id, item);
        }
    }

    /// `(id, item)` in id order.
    pub fn iter(&self) -> impl Iterator<Item = (i64, &V)> + '_ {
        self.entries.iter().map(|(id, item)| (*id, item))
    }

    /// The items in id order.
    pub fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.entries.iter().map(|(_, item)| item)
    }

    /// The entries in id order, by value.
    pub fn into_entries(self) -> Vec<(i64, V)> {
        self.entries
    }

    /// The ids in order.
    pub fn ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.entries.iter().map(|(id, _)| *id)
    }
}

impl<V: Copy> IdMap<V> {
    /// Removes the entries of `ids` (ascending, each in the map) in one pass, not a
    /// shift of the tail per id (100 deletes in 10,000 entries moved ~12 MB).
    pub fn remove_sorted(&mut self, ids: &[i64]) {
        if ids.is_empty() {
            return;
        }
        let (mut kept, mut next) = (0, 0);
        for at in 0..self.entries.len() {
            let entry = self.entries[at];
            if ids.get(next) == Some(&entry.0) {
                next += 1;
            } else {
                self.entries[kept] = entry;
                kept += 1;
            }
        }
        self.entries.truncate(kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Json;

    #[test]
    fn behaves_like_an_ordered_map() {
        let mut rng = crate::sync::SplitMix64::new(5);
        let mut map: IdMap<Json> = IdMap::new();
        let mut model = std::collections::BTreeMap::new();
        for _ in 0..5_000 {
            let id = (rng.next_u64() % 300) as i64;
            let value = Json::from((rng.next_u64() % 1000) as i64);
            match rng.next_u64() % 3 {
                0 => assert_eq!(map.insert(id, value.clone()), model.insert(id, value)),
                1 => assert_eq!(map.remove(id), model.remove(&id)),
                _ => assert_eq!(map.get(id), model.get(&id)),
            }
            assert_eq!(map.len(), model.len());
        }
        let ours: Vec<(i64, Json)> = map.iter().map(|(i, v)| (i, v.clone())).collect();
        let theirs: Vec<(i64, Json)> = model.into_iter().collect();
        assert_eq!(ours, theirs);
        assert_eq!(map.last_id(), ours.last().map(|(i, _)| *i));
    }

    #[test]
    fn removes_sorted_ids_in_one_pass() {
        let mut rng = crate::sync::SplitMix64::new(7);
        for _ in 0..200 {
            let mut map: IdMap<u64> = IdMap::new();
            let mut model = std::collections::BTreeMap::new();
            for _ in 0..(rng.next_u64() % 60) {
                let id = (rng.next_u64() % 100) as i64;
                map.insert(id, id as u64);
                model.insert(id, id as u64);
            }
            let gone: Vec<i64> = model
                .keys()
                .copied()
                .filter(|_| rng.next_u64() % 3 == 0)
                .collect();
            map.remove_sorted(&gone);
            for id in &gone {
                model.remove(id);
            }
            let ours: Vec<(i64, u64)> = map.iter().map(|(i, v)| (i, *v)).collect();
            let theirs: Vec<(i64, u64)> = model.into_iter().collect();
            assert_eq!(ours, theirs);
        }
    }

    /// The feed keeps an `(id, fingerprint)` entry per item of the list: 24 bytes, with
    /// no padding (a `u128` fingerprint, 16-byte aligned, made it 32).
    #[test]
    fn a_fingerprint_entry_is_24_bytes() {
        assert_eq!(std::mem::size_of::<(i64, crate::json::Fingerprint)>(), 24);
    }
}
