//! Helpers of browser_live_list.rs: opening its lists, recording their events, and
//! checking rows against sp-sim.

use super::browser::*;
use super::sim::*;
use js_sys::{Array, Reflect};
use sp_live::web::LiveList;
use wasm_bindgen::JsValue;

/// The options of these tests' lists (Title and Subject) with `extra` ones.
pub fn list_options(broadcaster: &str, list_id: &str, extra: &[(&str, JsValue)]) -> JsValue {
    live_list_options(broadcaster, list_id, &["Title", "Subject"], extra)
}

/// Events of one subscription, by type.
pub struct Events(pub Recorder);

impl Events {
    pub fn of(&self, kind: &str) -> Vec<JsValue> {
        self.0.of_type(kind)
    }
    pub fn types(&self) -> Vec<String> {
        self.0.types()
    }
}

/// Opens a list of Title and Subject, subscribed, and waits for it to be live.
pub async fn open(broadcaster: &str, list_id: &str) -> (LiveList, Events, JsValue) {
    open_with(broadcaster, list_id, &[]).await
}

/// [`open`] with more options.
pub async fn open_with(
    broadcaster: &str,
    list_id: &str,
    extra: &[(&str, JsValue)],
) -> (LiveList, Events, JsValue) {
    let list = LiveList::open(list_options(broadcaster, list_id, extra))
        .await
        .unwrap();
    let events = Events(Recorder::new());
    let sub = list.subscribe(events.0.function.clone()).unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    (list, events, sub)
}

/// Waits (6 s at most) until the list's rows are sp-sim's; panics with both otherwise.
pub async fn converges(list: &LiveList, list_id: &str, what: &str) {
    let mut last = (vec![], vec![]);
    for _ in 0..150 {
        let (mine, theirs) = (rows_of(&list.items()), sim_rows(list_id).await);
        if mine == theirs {
            return;
        }
        last = (mine, theirs);
        sleep(40).await;
    }
    panic!("{what}: client {:?} != sim {:?}", last.0, last.1);
}

/// Applies the `diffs` of `changes` events to `rows`, as a UI would.
pub fn replay_diffs(rows: &mut Vec<JsValue>, changes: &[JsValue]) {
    for change in changes {
        let diffs: Array = Reflect::get(change, &"diffs".into()).unwrap().into();
        for d in diffs.iter() {
            let index = Reflect::get(&d, &"index".into()).unwrap().as_f64().unwrap() as usize;
            let item = Reflect::get(&d, &"item".into()).unwrap();
            match field(&d, "op").unwrap().as_str() {
                "insert" => rows.insert(index, item),
                "update" => rows[index] = item,
                _ => {
                    rows.remove(index);
                }
            }
        }
    }
}

/// The ids in `values[key]`: numbers, or items' `Id`s.
pub fn ids(values: &JsValue, key: &str) -> Vec<i64> {
    let array: Array = Reflect::get(values, &key.into()).unwrap().into();
    array
        .iter()
        .map(|v| {
            v.as_f64()
                .map(|n| n as i64)
                .unwrap_or_else(|| Reflect::get(&v, &"Id".into()).unwrap().as_f64().unwrap() as i64)
        })
        .collect()
}
