//! A subscriber's own check of a live list: it keeps its rows from the snapshot and
//! the diffs alone, as a UI does, and notes every event that does not fit them.

#![allow(dead_code)]

use super::browser::field;
use super::sim::rows_of;
use js_sys::{Array, Reflect};
use wasm_bindgen::JsValue;

/// What one subscriber has seen: its rows (Id, Title) kept from the events alone.
#[derive(Default)]
pub struct Seen {
    pub rows: Vec<(i64, String)>,
    pub loaded: bool,
    pub change_sets: u32,
    pub resets: u32,
    pub errors: Vec<String>,
    pub violations: Vec<String>,
}

/// `(Id, Title)` of the item objects in `event[key]`.
fn rows_at(event: &JsValue, key: &str) -> Vec<(i64, String)> {
    rows_of(&Reflect::get(event, &key.into()).unwrap().into())
}

/// Whether `rows` are in the list's display order, each id once.
fn in_display_order(rows: &[(i64, String)], descending_titles: bool) -> bool {
    let mut ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.len() == rows.len()
        && rows.windows(2).all(|w| match descending_titles {
            true => w[0].1 > w[1].1,
            false => w[0].0 < w[1].0,
        })
}

/// Checks one event against what the subscriber had, then updates it.
pub fn check_event(seen: &mut Seen, event: &JsValue, items: Vec<(i64, String)>, descending: bool) {
    let kind = field(event, "type").unwrap_or_default();
    let mut problems = Vec::new();
    match kind.as_str() {
        "snapshot" | "reset" => {
            if kind == "snapshot" && seen.loaded {
                problems.push("a second snapshot".to_owned());
            }
            seen.rows = rows_at(event, "items");
            seen.loaded = true;
            seen.resets += u32::from(kind == "reset");
        }
        "changes" => {
            if !seen.loaded {
                problems.push("changes before the snapshot".to_owned());
            }
            seen.change_sets += 1;
            let has = |id: i64| seen.rows.iter().find(|r| r.0 == id).map(|r| r.1.clone());
            let added = rows_at(event, "added");
            let updated = rows_at(event, "updated");
            let deleted: Array = Reflect::get(event, &"deleted".into()).unwrap().into();
            if added.is_empty() && updated.is_empty() && deleted.length() == 0 {
                problems.push("an empty change set".to_owned());
            }
            for (id, title) in &added {
                if let Some(shown) = has(*id) {
                    problems.push(format!("added {id} ({title}) while showing {shown}"));
                }
            }
            for (id, title) in &updated {
                match has(*id) {
                    None => problems.push(format!("updated {id} ({title}), not shown")),
                    Some(shown) if shown == *title => {
                        problems.push(format!("updated {id} again with {title}"))
                    }
                    Some(_) => {}
                }
            }
            for id in deleted.iter() {
                let id = id.as_f64().unwrap() as i64;
                if has(id).is_none() {
                    problems.push(format!("deleted {id}, not shown"));
                }
            }
            let diffs: Array = Reflect::get(event, &"diffs".into()).unwrap().into();
            for diff in diffs.iter() {
                let index = Reflect::get(&diff, &"index".into())
                    .unwrap()
                    .as_f64()
                    .unwrap();
                let index = index as usize;
                let item = || rows_of(&Array::of1(&Reflect::get(&diff, &"item".into()).unwrap()));
                match field(&diff, "op").unwrap().as_str() {
                    "insert" if index <= seen.rows.len() => {
                        seen.rows.insert(index, item().remove(0))
                    }
                    "update" if index < seen.rows.len() => {
                        let item = item().remove(0);
                        if seen.rows[index].0 != item.0 {
                            problems.push(format!("update of {} at {index}", item.0));
                        }
                        seen.rows[index] = item;
                    }
                    "remove" if index < seen.rows.len() => {
                        seen.rows.remove(index);
                    }
                    op => problems.push(format!("{op} at {index} of {}", seen.rows.len())),
                }
            }
        }
        "error" => {
            let error = Reflect::get(event, &"error".into()).unwrap();
            seen.errors.push(field(&error, "code").unwrap_or_default());
        }
        _ => return,
    }
    if kind != "error" {
        if seen.rows != items {
            problems.push(format!(
                "{kind}: diffs give {:?}, items() {items:?}",
                seen.rows
            ));
        }
        if !in_display_order(&seen.rows, descending) {
            problems.push(format!("{kind}: out of order {:?}", seen.rows));
        }
    }
    seen.violations.extend(problems);
}
