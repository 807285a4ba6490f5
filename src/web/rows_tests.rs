//! A change set's items are the objects parsed from their responses as they came (no
//! second parse), found by their origin; an item not where its origin says, and one
//! whose response was not kept, comes from its text.

use super::super::http::{drop_parts, send};
use super::apply_changes;
use crate::sharepoint::{Item, Origin};
use crate::sync::{ChangeSet, ChangeSetKind, Diff};
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

/// Answers request `id` with `body` through `send`, as a feed's requests are, with
/// parts `parts` announced as items; resolves once `done` has been called.
async fn answered(done: &Function, id: f64, body: &str, parts: (u16, u16)) {
    let fetch = Function::new_with_args(
        "url, init",
        &format!("return Promise.resolve({{ status: 200, text: () => {body:?} }})"),
    );
    send(
        done,
        id,
        Some(&fetch),
        &JsValue::UNDEFINED,
        "u",
        "GET",
        "",
        None,
        parts.0,
        parts.1,
    );
    // `done` runs a few microtasks later; a timer runs after them.
    let later = Promise::new(&mut |resolve, _| {
        let set_timeout = Reflect::get(&js_sys::global(), &"setTimeout".into()).unwrap();
        let set_timeout: Function = set_timeout.into();
        set_timeout
            .call2(&JsValue::NULL, &resolve, &10.into())
            .unwrap();
    });
    JsFuture::from(later).await.unwrap();
}

/// Item 1 as its text says ("from the text"), read at `origin`.
fn item(origin: Option<Origin>) -> Item {
    let mut item =
        Item::from_value(&crate::json::parse(r#"{"Id":1,"Title":"from the text"}"#).unwrap())
            .unwrap();
    item.origin = origin;
    item
}

/// The `Title` of the updated item of applying an update of `item` to one row.
fn title_shown(item: Item, done: &Function) -> String {
    let rows = Array::of1(&JsValue::from_str("row"));
    let set = ChangeSet {
        kind: ChangeSetKind::Changes,
        items: vec![],
        added: vec![],
        updated: vec![item],
        deleted: vec![],
        token: "t".into(),
    };
    let (event, rows) = apply_changes(&rows, &set, vec![Diff::Update { index: 0, id: 1 }], done);
    let updated: Array = Reflect::get(&event, &"updated".into()).unwrap().into();
    let title = Reflect::get(&updated.get(0), &"Title".into()).unwrap();
    assert_eq!(
        Reflect::get(&rows.get(0), &"Title".into()).unwrap(),
        title,
        "the row is the event's item"
    );
    title.as_string().unwrap()
}

fn at(request: u64, part: u16, index: u32) -> Option<Origin> {
    Some(Origin {
        request,
        part,
        index,
    })
}

fn done() -> Function {
    Function::new_no_args("")
}

#[wasm_bindgen_test]
async fn items_are_the_objects_parsed_from_their_response() {
    // (A response that differs from the text shows which one was used.)
    let done = done();
    let body = r#"{"value":[{"Id":2,"Title":"two"},{"Id":1,"Title":"from the response"}]}"#;
    answered(&done, 7.0, body, (0, 1)).await;
    assert_eq!(title_shown(item(at(7, 0, 1)), &done), "from the response");
    // Taken by that change set: a later one has only the texts.
    assert_eq!(title_shown(item(at(7, 0, 1)), &done), "from the text");
}

#[wasm_bindgen_test]
async fn items_of_a_batch_are_found_by_part_in_any_metadata_shape() {
    let done = done();
    let part = |json: &str| {
        format!(
            "--batchresponse_x\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 200 OK\r\n\
             Content-Type: application/json\r\n\r\n{json}\r\n"
        )
    };
    let body = [
        part(r#"{"value":[{"ChangeType":1}]}"#),
        part(r#"{"d":{"results":[{"ID":1,"Title":"verbose"}]}}"#),
        part(r#"{"d":[{"Id":"1","Title":"bare"}]}"#),
    ]
    .concat()
        + "--batchresponse_x--\r\n";
    answered(&done, 8.0, &body, (1, 3)).await;
    assert_eq!(title_shown(item(at(8, 1, 0)), &done), "verbose");
    answered(&done, 8.0, &body, (1, 3)).await;
    assert_eq!(title_shown(item(at(8, 2, 0)), &done), "bare");
    answered(&done, 8.0, &body, (1, 3)).await;
    // Part 0 was not announced as items: not parsed.
    assert_eq!(title_shown(item(at(8, 0, 0)), &done), "from the text");
}

#[wasm_bindgen_test]
async fn an_item_not_where_its_origin_says_comes_from_its_text() {
    let done = done();
    answered(&done, 7.0, r#"{"value":[{"Id":2,"Title":"two"}]}"#, (0, 1)).await;
    assert_eq!(
        title_shown(item(at(7, 0, 0)), &done),
        "from the text",
        "another id"
    );
    answered(&done, 7.0, r#"{"value":[{"Id":2,"Title":"two"}]}"#, (0, 1)).await;
    assert_eq!(
        title_shown(item(at(7, 0, 5)), &done),
        "from the text",
        "no record"
    );
    answered(&done, 7.0, "not json", (0, 1)).await;
    assert_eq!(
        title_shown(item(at(7, 0, 0)), &done),
        "from the text",
        "no parse"
    );
    assert_eq!(
        title_shown(item(at(6, 0, 0)), &done),
        "from the text",
        "not kept"
    );
    assert_eq!(title_shown(item(None), &done), "from the text", "no origin");
}

#[wasm_bindgen_test]
async fn parts_dropped_between_rounds_are_not_used() {
    let done = done();
    answered(
        &done,
        7.0,
        r#"{"value":[{"Id":1,"Title":"from the response"}]}"#,
        (0, 1),
    )
    .await;
    drop_parts(&done);
    assert_eq!(title_shown(item(at(7, 0, 0)), &done), "from the text");
}
