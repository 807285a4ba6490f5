//! The rows JavaScript sees, built from the feed's outputs with few crossings into
//! JavaScript: a load page or a change set becomes one JSON text that one call into
//! `bridge.js` parses and applies.

use crate::sharepoint::{items_text, Item};
use crate::sync::{diff_ops, ChangeSet, Diff};
use js_sys::Array;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/bridge.js")]
extern "C" {
    /// Parses a JSON array and pushes its elements onto `rows`.
    #[wasm_bindgen(js_name = appendRows)]
    fn append_rows(rows: &Array, items_json: &str);
    /// `order.map(i => from[i])` (`i32`, as the ops of `changesEvent`: one typed-array
    /// reader in the glue for both).
    #[wasm_bindgen(js_name = pickRows)]
    fn pick_rows(from: &Array, order: &[i32]) -> Array;
    /// Parses the changed items, applies `ops` to a copy of `rows`, returns the
    /// `changes` event and the new rows: `[event, rows]`.
    #[wasm_bindgen(js_name = changesEvent)]
    fn changes_event(
        rows: &Array,
        items_json: &str,
        added_count: u32,
        ops: &[i32],
        deleted: &[f64],
        token: &str,
    ) -> Array;
}

/// The rows of a load in progress: each page becomes JavaScript objects as it arrives,
/// so wasm holds one page at a time, not the whole list.
#[derive(Default)]
pub(crate) struct LoadRows {
    rows: Option<Array>,
}

impl LoadRows {
    /// Keeps one page (`first` drops the pages of a load that was cut short).
    pub(crate) fn add_page(&mut self, first: bool, items: &[Item]) {
        if first {
            self.rows = None;
        }
        let rows = self.rows.get_or_insert_with(Array::new);
        append_rows(rows, &items_text(items));
    }

    /// The kept rows picked by `order` (indices into them, from
    /// `ListState::take_reset_order`: the list state kept the same pages); starts over.
    pub(crate) fn take_in_order(&mut self, order: &[i32]) -> Array {
        pick_rows(&self.rows.take().unwrap_or_default(), order)
    }
}

/// Applies a `Changes` set's `diffs` to `rows` in one call and returns its `changes`
/// event and the rows after it: one JSON text of the changed items (added, then
/// updated; their texts as received) and one op triple per diff go to JavaScript.
pub(crate) fn apply_changes(rows: &Array, set: &ChangeSet, diffs: Vec<Diff>) -> (JsValue, Array) {
    let items_json = items_text(set.added.iter().chain(&set.updated));
    let ops = diff_ops(set, &diffs);
    let deleted: Vec<f64> = set.deleted.iter().map(|id| *id as f64).collect();
    let pair = changes_event(
        rows,
        &items_json,
        set.added.len() as u32,
        &ops,
        &deleted,
        &set.token,
    );
    (pair.get(0), pair.get(1).unchecked_into())
}
