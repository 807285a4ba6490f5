//! What the subscriber holds, checked on every delivery: tokens never go back, a reset
//! is the load's pages, sorted and unique, and every added or updated item carries a
//! strictly newer version than the last one delivered for it.

use sp_live::json::{self, Json};
use sp_live::sharepoint::{ChangeToken, Item};
use sp_live::sync::{ChangeSet, ChangeSetKind};

use super::Sim;

pub(crate) fn version(item: &Item) -> u64 {
    item.value()
        .get("Version")
        .and_then(Json::as_i64)
        .map_or(0, |v| v as u64)
}

/// The item's id, checked against its text (what JavaScript gets), and its
/// fingerprint checked to be its text's content.
pub(crate) fn id_of(item: &Item) -> i64 {
    let value = json::parse(&item.text).expect("the item's text is JSON");
    let id = value.get("Id").and_then(Json::as_i64).expect("item id");
    assert_eq!(item.id, id);
    assert_eq!(item.print, json::fingerprint(&value), "item {id}'s print");
    id
}

impl Sim {
    pub(crate) fn deliver(&mut self, set: ChangeSet, seed: u64) {
        self.stats.deliveries += 1;
        self.token_text = Some(set.token.clone());
        let token = ChangeToken::parse(&set.token).expect("delivered token parses");
        if let Some(prev) = &self.last_token {
            assert!(token >= *prev, "seed {seed}: token went backwards");
        }
        self.last_token = Some(token);
        match set.kind {
            ChangeSetKind::Reset => {
                self.stats.resets += 1;
                self.seen_reset = true;
                assert!(set.added.is_empty() && set.updated.is_empty() && set.deleted.is_empty());
                self.client.clear();
                assert!(
                    set.items.is_empty(),
                    "seed {seed}: the snapshot comes in pages"
                );
                let mut prev = None;
                for it in &std::mem::take(&mut self.pages) {
                    let (id, v) = (id_of(it), version(it));
                    assert!(
                        prev < Some(id),
                        "seed {seed}: reset items sorted and unique"
                    );
                    prev = Some(id);
                    let last = self.last_version.get(&id).copied().unwrap_or(0);
                    assert!(v >= last, "seed {seed}: reset went back on item {id}");
                    self.last_version.insert(id, v);
                    self.client.insert(id, v);
                }
            }
            ChangeSetKind::Changes => {
                assert!(
                    self.seen_reset,
                    "seed {seed}: changes before the first reset"
                );
                assert!(set.items.is_empty());
                for id in &set.deleted {
                    assert!(
                        self.client.remove(id).is_some(),
                        "seed {seed}: deleted unknown {id}"
                    );
                }
                for (it, is_new) in set
                    .added
                    .iter()
                    .map(|i| (i, true))
                    .chain(set.updated.iter().map(|i| (i, false)))
                {
                    let (id, v) = (id_of(it), version(it));
                    assert_eq!(
                        self.client.contains_key(&id),
                        !is_new,
                        "seed {seed}: add/update of {id}"
                    );
                    let last = self.last_version.get(&id).copied().unwrap_or(0);
                    assert!(
                        v > last,
                        "seed {seed}: item {id} v{v} delivered again (last v{last})"
                    );
                    self.last_version.insert(id, v);
                    self.client.insert(id, v);
                }
            }
        }
    }
}
