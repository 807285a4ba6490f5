//! The rows JavaScript sees, built from the feed's outputs with few crossings into
//! JavaScript: a load page becomes one JSON text that one call into `bridge.js` parses
//! and appends; a change set is one call too, with the places of its items in the
//! responses `bridge.js` parsed as they came (the texts of items without one).

use crate::sharepoint::{items_text, Item};
use crate::sync::{diff_ops, ChangeSet, Diff};
use js_sys::{Array, Function};
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
    /// Takes the changed items (`places`: request, part, record and id of each, as
    /// parsed for `done`; request -1: the next one of `items_json`), applies `ops` to a
    /// copy of `rows`, returns the `changes` event and the new rows, `[event, rows]`,
    /// or `null` if an item is not where `places` says.
    #[wasm_bindgen(js_name = changesEvent)]
    #[allow(clippy::too_many_arguments)]
    fn changes_event(
        rows: &Array,
        items_json: &str,
        added_count: u32,
        ops: &[i32],
        deleted: &[f64],
        token: &str,
        done: &Function,
        places: &[f64],
    ) -> JsValue;
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
/// event and the rows after it. The changed items (added, then updated) go to
/// JavaScript as the objects `send` parsed from their responses as they came (for the
/// requests answered through `done`, [`super::http::Requests::callback`]); the others,
/// and all if one is not where its [`Origin`] says, as one JSON text of their texts as
/// received. One op triple per diff goes with them.
///
/// [`Origin`]: crate::sharepoint::Origin
pub(crate) fn apply_changes(
    rows: &Array,
    set: &ChangeSet,
    diffs: Vec<Diff>,
    done: &Function,
) -> (JsValue, Array) {
    let ops = diff_ops(set, &diffs);
    let deleted: Vec<f64> = set.deleted.iter().map(|id| *id as f64).collect();
    let mut pair = JsValue::NULL;
    for parsed in [true, false] {
        let (mut places, mut texts) = (Vec::new(), Vec::new());
        for item in set.added.iter().chain(&set.updated) {
            let origin = item.origin.filter(|_| parsed);
            let place = origin.map_or([-1.0, 0.0, 0.0], |o| {
                [o.request as f64, o.part.into(), o.index.into()]
            });
            if origin.is_none() {
                texts.push(item);
            }
            places.extend(place);
            places.push(item.id as f64);
        }
        pair = changes_event(
            rows,
            &items_text(texts),
            set.added.len() as u32,
            &ops,
            &deleted,
            &set.token,
            done,
            &places,
        );
        // An item not where its origin says: the second time all go as text.
        if !pair.is_null() {
            break;
        }
    }
    let pair: Array = pair.unchecked_into();
    (pair.get(0), pair.get(1).unchecked_into())
}

#[cfg(test)]
#[path = "rows_tests.rs"]
mod tests;
