//! Items by id in one sorted vector: the map type of the change feed. A vector
//! rather than a `BTreeMap` keeps the WebAssembly small (no B-tree code at all), and
//! the feed's access pattern suits it: pages and reads arrive in ID order (appends),
//! lookups are binary searches.

use crate::json::Json;
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

/// A 128-bit fingerprint of a JSON value's content (two 64-bit multiplicative
/// hashes over its structure, eight bytes at a time, no allocation). The feed keeps
/// fingerprints, not items, to recognise an unchanged item: the rows themselves live
/// once, in JavaScript.
pub fn fingerprint(value: &Json) -> u128 {
    let mut h = [0xcbf2_9ce4_8422_2325_u64, 0x8422_2325_cbf2_9ce4_u64];
    hash_value(value, &mut h);
    (u128::from(h[0]) << 64) | u128::from(h[1])
}

/// Mixes one word into both lanes; a bijection of each lane for a given word.
fn step(h: &mut [u64; 2], w: u64) {
    let a = (h[0] ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h[0] = a ^ (a >> 29);
    h[1] = (h[1].rotate_left(23) ^ w).wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
}

/// Mixes a `tag` and the length of `bytes` as one word, then `bytes` as
/// little-endian words (the last zero-padded: the length tells the padding apart).
fn mix(h: &mut [u64; 2], tag: u64, bytes: &[u8]) {
    step(h, tag | (bytes.len() as u64) << 8);
    for chunk in bytes.chunks(8) {
        let mut word = [0; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        step(h, u64::from_le_bytes(word));
    }
}

fn hash_value(value: &Json, h: &mut [u64; 2]) {
    match value {
        Json::Null => step(h, 1),
        Json::Bool(b) => step(h, 2 + u64::from(*b)),
        Json::Number(n) => mix(h, 4, n.as_bytes()),
        Json::String(s) => mix(h, 5, s.as_bytes()),
        Json::Array(items) => {
            step(h, 6 | (items.len() as u64) << 8);
            for item in items {
                hash_value(item, h);
            }
        }
        Json::Object(members) => {
            step(h, 7 | (members.len() as u64) << 8);
            for (key, item) in members {
                mix(h, 8, key.as_bytes());
                hash_value(item, h);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn fingerprints_tell_contents_apart() {
        let f = |s: &str| fingerprint(&crate::json::parse(s).unwrap());
        assert_eq!(f(r#"{"a":"x","b":1}"#), f(r#"{ "a" : "x", "b" : 1 }"#));
        for (a, b) in [
            (r#"{"a":"x"}"#, r#"{"a":"y"}"#),
            (r#"{"a":"x","b":"y"}"#, r#"{"a":"xb","":"y"}"#),
            (r#"["ab","c"]"#, r#"["a","bc"]"#),
            (r#"{"n":1}"#, r#"{"n":"1"}"#),
            (r#"{"n":null}"#, r#"{"n":false}"#),
            (r#"["a"]"#, r#"["a\u0000"]"#),
            (r#"[[1],2]"#, r#"[[1,2]]"#),
            (r#"{"a":[]}"#, r#"{"a":{}}"#),
            (r#"{"abcdefgh":"i"}"#, r#"{"abcdefghi":""}"#),
        ] {
            assert_ne!(f(a), f(b), "{a} vs {b}");
        }
        // Every one-character edit of an item, at every position, changes the print.
        let base = r#"{"Id":7,"Title":"Mail 7: weekly status update","To":"team@contoso.com"}"#;
        let mut prints = vec![f(base)];
        for (at, _) in base.match_indices(|c: char| c.is_ascii_alphanumeric()) {
            for c in ['0', 'x', 'Z'] {
                let edited = format!("{}{c}{}", &base[..at], &base[at + 1..]);
                if let (true, Ok(v)) = (edited != base, crate::json::parse(&edited)) {
                    prints.push(fingerprint(&v));
                }
            }
        }
        let n = prints.len();
        prints.sort_unstable();
        prints.dedup();
        assert_eq!(prints.len(), n);
    }
}
