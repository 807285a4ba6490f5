//! The list as subscribers see it: item ids in display order (ID ascending) held in a
//! futures-signals [`MutableVec`], whose `SignalVec` diffs are turned into the
//! index-based [`Diff`]s a UI applies without re-sorting.

use super::{ChangeSet, ChangeSetKind};
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
}

impl Default for ListState {
    fn default() -> Self {
        let ids = MutableVec::new();
        let diffs = Box::pin(ids.signal_vec());
        let mut state = Self { ids, diffs };
        state.drain(0); // the initial (empty) Replace
        state
    }
}

impl ListState {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
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
        self.ids.lock_ref().binary_search(&id).ok()
    }

    /// Applies a change set and returns the positional diffs, in order.
    pub fn apply(&mut self, set: &ChangeSet) -> Vec<Diff> {
        let len_before = self.len();
        {
            let mut ids = self.ids.lock_mut();
            match set.kind {
                ChangeSetKind::Reset => {
                    let mut all: Vec<i64> = set
                        .items
                        .iter()
                        .filter_map(crate::sharepoint::item_id)
                        .collect();
                    all.sort_unstable();
                    all.dedup();
                    ids.replace_cloned(all);
                }
                ChangeSetKind::Changes => {
                    for id in &set.deleted {
                        if let Ok(index) = ids.binary_search(id) {
                            ids.remove(index);
                        }
                    }
                    for item in set.added.iter().chain(&set.updated) {
                        let Some(id) = crate::sharepoint::item_id(item) else {
                            continue;
                        };
                        match ids.binary_search(&id) {
                            Ok(index) => ids.set_cloned(index, id),
                            Err(index) => ids.insert_cloned(index, id),
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

#[cfg(test)]
#[path = "list_state_tests.rs"]
mod tests;
