//! The list as subscribers see it: item ids in display order ([`Order`]: ID ascending
//! unless configured) held in a futures-signals [`MutableVec`], whose `SignalVec` diffs
//! are turned into the index-based [`Diff`]s a UI applies without re-sorting.

use super::order::Order;
use super::{ChangeSet, ChangeSetKind};
use crate::json::Json;
use crate::sharepoint::item_id;
use futures_signals::signal_vec::{MutableVec, SignalVec, VecDiff};
use futures_util::task::noop_waker_ref;
use std::pin::Pin;
use std::task::{Context, Poll};

/// One positional edit, in application order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Diff {
    /// Insert item `id` at `index`.
    Insert {
        /// Position after the edits before this one.
        index: usize,
        /// The item's id.
        id: i64,
    },
    /// Replace the item at `index` (same id, new content).
    Update {
        /// Position.
        index: usize,
        /// The item's id.
        id: i64,
    },
    /// Remove the item at `index`.
    Remove {
        /// Position.
        index: usize,
    },
    /// Everything was replaced (a reset): re-read the whole list.
    Replace,
}

type IdDiffs = Pin<Box<dyn SignalVec<Item = i64>>>;

/// Ordered ids plus the stream of their diffs.
pub struct ListState {
    ids: MutableVec<i64>,
    diffs: IdDiffs,
    order: Order,
    /// Sort keys by id (ascending id), kept only when ordering by a field.
    keys: Vec<(i64, Json)>,
}

impl Default for ListState {
    fn default() -> Self {
        Self::with_order(Order::default())
    }
}

impl ListState {
    /// An empty list ordered by ID.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty list in `order`.
    pub fn with_order(order: Order) -> Self {
        let ids = MutableVec::new();
        let diffs = Box::pin(ids.signal_vec());
        let mut state = Self {
            ids,
            diffs,
            order,
            keys: Vec::new(),
        };
        state.drain(0); // the initial (empty) Replace
        state
    }

    /// Ids in display order.
    pub fn ids(&self) -> Vec<i64> {
        self.ids.lock_ref().to_vec()
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.ids.lock_ref().len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The position of `id`, if present.
    pub fn index_of(&self, id: i64) -> Option<usize> {
        let ids = self.ids.lock_ref();
        position(&self.order, &self.keys, &ids, key_of(&self.keys, id), id).ok()
    }

    /// Applies a change set and returns the positional diffs, in order.
    pub fn apply(&mut self, set: &ChangeSet) -> Vec<Diff> {
        let len_before = self.len();
        let (order, keys) = (&self.order, &mut self.keys);
        let by_field = order.field.is_some();
        {
            let mut ids = self.ids.lock_mut();
            match set.kind {
                ChangeSetKind::Reset => {
                    keys.clear();
                    let mut all: Vec<i64> = Vec::new();
                    for item in &set.items {
                        let Some(id) = item_id(item) else { continue };
                        all.push(id);
                        if by_field {
                            keys.push((id, order.key(item)));
                        }
                    }
                    // `items` come by id (ascending), so `keys` is sorted already.
                    all.sort_unstable();
                    all.dedup();
                    if by_field || order.descending {
                        heap_sort_by(&mut all, |a, b| {
                            order
                                .compare((key_of(keys, a), a), (key_of(keys, b), b))
                                .is_lt()
                        });
                    }
                    ids.replace_cloned(all);
                }
                ChangeSetKind::Changes => {
                    for &id in &set.deleted {
                        if let Ok(index) = position(order, keys, &ids, key_of(keys, id), id) {
                            ids.remove(index);
                        }
                        set_key(keys, id, None);
                    }
                    for item in set.added.iter().chain(&set.updated) {
                        let Some(id) = item_id(item) else { continue };
                        let new_key = if by_field {
                            order.key(item)
                        } else {
                            Json::Null
                        };
                        let old = position(order, keys, &ids, key_of(keys, id), id);
                        match old {
                            Ok(index) if *key_of(keys, id) == new_key => ids.set_cloned(index, id),
                            _ => {
                                if let Ok(index) = old {
                                    ids.remove(index);
                                }
                                if by_field {
                                    set_key(keys, id, Some(new_key));
                                }
                                let at = position(order, keys, &ids, key_of(keys, id), id);
                                let (Ok(at) | Err(at)) = at;
                                ids.insert_cloned(at, id);
                            }
                        }
                    }
                }
            }
        }
        self.drain(len_before)
    }

    /// Pulls every queued `VecDiff` from the signal (it never waits: changes are
    /// queued synchronously) and maps them to [`Diff`]s, tracking the length so that
    /// `Push`/`Pop` get their positions.
    fn drain(&mut self, mut len: usize) -> Vec<Diff> {
        let mut cx = Context::from_waker(noop_waker_ref());
        let mut out = Vec::new();
        while let Poll::Ready(Some(diff)) = self.diffs.as_mut().poll_vec_change(&mut cx) {
            out.push(match diff {
                VecDiff::InsertAt { index, value } => {
                    len += 1;
                    Diff::Insert { index, id: value }
                }
                VecDiff::Push { value } => {
                    len += 1;
                    Diff::Insert {
                        index: len - 1,
                        id: value,
                    }
                }
                VecDiff::UpdateAt { index, value } => Diff::Update { index, id: value },
                VecDiff::RemoveAt { index } => {
                    len = len.saturating_sub(1);
                    Diff::Remove { index }
                }
                VecDiff::Pop {} => {
                    len = len.saturating_sub(1);
                    Diff::Remove { index: len }
                }
                VecDiff::Replace { values } => {
                    len = values.len();
                    Diff::Replace
                }
                VecDiff::Clear {} => {
                    len = 0;
                    Diff::Replace
                }
                // Never produced by the edits above; a full re-read is the safe reading.
                VecDiff::Move { .. } => Diff::Replace,
            });
        }
        out
    }
}

static NULL: Json = Json::Null;

/// An in-place heapsort of ids by `less`: O(n log n), and a few hundred bytes of
/// WebAssembly where the standard sorts with a custom comparator cost kilobytes.
fn heap_sort_by(v: &mut [i64], mut less: impl FnMut(i64, i64) -> bool) {
    let mut sift_down = |v: &mut [i64], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && less(v[child], v[child + 1]) {
            child += 1;
        }
        if !less(v[root], v[child]) {
            return;
        }
        v.swap(root, child);
        root = child;
    };
    let n = v.len();
    for start in (0..n / 2).rev() {
        sift_down(v, start, n);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end);
    }
}

/// The stored sort key of `id` (`null` when none).
fn key_of(keys: &[(i64, Json)], id: i64) -> &Json {
    match keys.binary_search_by_key(&id, |(i, _)| *i) {
        Ok(at) => &keys[at].1,
        Err(_) => &NULL,
    }
}

/// Sets or removes the sort key of `id`.
fn set_key(keys: &mut Vec<(i64, Json)>, id: i64, key: Option<Json>) {
    match (keys.binary_search_by_key(&id, |(i, _)| *i), key) {
        (Ok(at), Some(key)) => keys[at].1 = key,
        (Ok(at), None) => {
            keys.remove(at);
        }
        (Err(at), Some(key)) => keys.insert(at, (id, key)),
        (Err(_), None) => {}
    }
}

/// Where `(key, id)` is (`Ok`) or belongs (`Err`) among `ids` in display order.
fn position(
    order: &Order,
    keys: &[(i64, Json)],
    ids: &[i64],
    key: &Json,
    id: i64,
) -> Result<usize, usize> {
    ids.binary_search_by(|probe| order.compare((key_of(keys, *probe), *probe), (key, id)))
}

#[cfg(test)]
#[path = "list_state_tests.rs"]
mod tests;
