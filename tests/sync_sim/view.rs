//! What a UI shows, built from the feed's outputs the way the web layer builds it: a
//! `ListState` in the seed's display order fed the load pages and every change set,
//! and an array of rows kept by replaying the index diffs. After each delivery the
//! rows must be the client's items, each once, in display order by their current
//! keys: the list state checked against the change sets a real feed makes.

use std::collections::BTreeMap;

use sp_live::sharepoint::Item;
use sp_live::sync::{ChangeSet, ChangeSetKind, Diff, ListState, Order};

/// The display orders a seed picks from: by ID, by text and by a number, each way.
pub const ORDERS: [&str; 6] = [
    "ID",
    "ID desc",
    "Title",
    "Title desc",
    "Version",
    "Version desc",
];

pub struct View {
    order: Order,
    list: ListState,
    /// Each shown item's latest copy, by id.
    items: BTreeMap<i64, Item>,
    /// Load pages since the last first page, until the reset they make.
    pages: Vec<Item>,
    /// The ids a UI holds, kept by replaying diffs.
    rows: Vec<i64>,
}

impl View {
    /// The items shown, each once (a checkpoint's items).
    pub fn items(&self) -> Vec<Item> {
        self.items.values().cloned().collect()
    }

    pub fn new(order: &str) -> Self {
        let order = Order::parse(order).expect("a display order");
        View {
            list: ListState::with_order(order.clone()),
            order,
            items: BTreeMap::new(),
            pages: Vec::new(),
            rows: Vec::new(),
        }
    }

    pub fn load_page(&mut self, first: bool, items: &[Item]) {
        self.list.load_page(first, items);
        if first {
            self.pages.clear();
        }
        self.pages.extend(items.iter().cloned());
    }

    pub fn apply(&mut self, set: &ChangeSet, seed: u64) {
        let diffs = self.list.apply(set);
        match set.kind {
            ChangeSetKind::Reset => {
                self.items.clear();
                let mut came = Vec::new();
                for item in std::mem::take(&mut self.pages)
                    .into_iter()
                    .chain(set.items.clone())
                {
                    came.push(item.id);
                    self.items.insert(item.id, item);
                }
                // The rows are the items, as they came, picked in display order.
                let picks = self.list.take_reset_order();
                self.rows = picks.iter().map(|&i| came[i as usize]).collect();
            }
            ChangeSetKind::Changes => {
                for id in &set.deleted {
                    self.items.remove(id);
                }
                for item in set.added.iter().chain(&set.updated) {
                    self.items.insert(item.id, item.clone());
                }
                for diff in diffs {
                    match diff {
                        Diff::Insert { index, id } => self.rows.insert(index, id),
                        Diff::Update { index, id } => {
                            assert_eq!(self.rows[index], id, "seed {seed}: update in place")
                        }
                        Diff::Remove { index } => {
                            self.rows.remove(index);
                        }
                        Diff::Replace => panic!("seed {seed}: Replace in a change set"),
                    }
                }
            }
        }
        assert_eq!(self.rows, self.list.ids(), "seed {seed}: the diffs replay");
        let mut ids = self.rows.clone();
        ids.sort_unstable();
        let shown: Vec<i64> = self.items.keys().copied().collect();
        assert_eq!(ids, shown, "seed {seed}: every item once");
        for pair in self.rows.windows(2) {
            let (a, b) = (&self.items[&pair[0]], &self.items[&pair[1]]);
            let cmp = self.order.compare(
                (&self.order.item_key(a), a.id),
                (&self.order.item_key(b), b.id),
            );
            assert!(
                cmp.is_lt(),
                "seed {seed}: {} before {} in {:?}",
                a.id,
                b.id,
                self.order
            );
        }
    }
}
