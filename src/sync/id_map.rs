//! Items by id in one sorted vector: the map type of the change feed. A vector
//! rather than a `BTreeMap` keeps the WebAssembly small (no B-tree code at all), and
//! the feed's access pattern suits it: pages and reads arrive in ID order (appends),
//! lookups are binary searches.

use crate::json::Json;

/// A map from item id to a value (the item by default), ordered by id.
#[derive(Clone, Debug, PartialEq)]
pub struct IdMap<V = Json> {
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

/// A 128-bit fingerprint of a JSON value's content (two FNV-1a hashes over its
/// structure, no allocation). The feed keeps fingerprints, not items, to recognise
/// an unchanged item: the rows themselves live once, in JavaScript.
pub fn fingerprint(value: &Json) -> u128 {
    let mut h = [0xcbf2_9ce4_8422_2325_u64, 0x8422_2325_cbf2_9ce4_u64];
    hash_value(value, &mut h);
    (u128::from(h[0]) << 64) | u128::from(h[1])
}

fn mix(h: &mut [u64; 2], bytes: &[u8]) {
    for &b in bytes {
        h[0] = (h[0] ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        h[1] = (h[1] ^ u64::from(b))
            .wrapping_mul(0x0000_0100_0000_01b3)
            .rotate_left(5);
    }
}

fn hash_value(value: &Json, h: &mut [u64; 2]) {
    match value {
        Json::Null => mix(h, b"n"),
        Json::Bool(b) => mix(h, if *b { b"t" } else { b"f" }),
        Json::Number(n) => {
            mix(h, b"#");
            mix(h, n.as_bytes());
            mix(h, b";");
        }
        Json::String(s) => {
            mix(h, b"\"");
            mix(h, &(s.len() as u64).to_le_bytes());
            mix(h, s.as_bytes());
        }
        Json::Array(items) => {
            mix(h, b"[");
            for item in items {
                hash_value(item, h);
            }
            mix(h, b"]");
        }
        Json::Object(members) => {
            mix(h, b"{");
            for (key, item) in members {
                mix(h, &(key.len() as u64).to_le_bytes());
                mix(h, key.as_bytes());
                hash_value(item, h);
            }
            mix(h, b"}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_an_ordered_map() {
        let mut rng = crate::sync::SplitMix64::new(5);
        let mut map: IdMap = IdMap::new();
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
    fn fingerprints_tell_contents_apart() {
        let f = |s: &str| fingerprint(&crate::json::parse(s).unwrap());
        assert_eq!(f(r#"{"a":"x","b":1}"#), f(r#"{ "a" : "x", "b" : 1 }"#));
        for (a, b) in [
            (r#"{"a":"x"}"#, r#"{"a":"y"}"#),
            (r#"{"a":"x","b":"y"}"#, r#"{"a":"xb","":"y"}"#),
            (r#"["ab","c"]"#, r#"["a","bc"]"#),
            (r#"{"n":1}"#, r#"{"n":"1"}"#),
            (r#"{"n":null}"#, r#"{"n":false}"#),
        ] {
            assert_ne!(f(a), f(b), "{a} vs {b}");
        }
    }
}
