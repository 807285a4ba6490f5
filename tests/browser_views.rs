//! Browser tests of what a list shows against sp-sim: lookup and person columns
//! (`select: ["Editor/Title"]`, expanded and sortable) and views (`filter`: items
//! move in and out as edits change whether they match).

#![cfg(target_arch = "wasm32")]

#[path = "support/browser.rs"]
mod browser;
#[path = "support/sim.rs"]
mod sim;

use browser::*;
use js_sys::Reflect;
use sim::*;
use sp_live::web::LiveList;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// `"{Id} {Column.Title}"` of each row, in display order.
fn person_of(items: &js_sys::Array, column: &str) -> Vec<String> {
    items
        .iter()
        .map(|item| {
            let id = Reflect::get(&item, &"Id".into()).unwrap().as_f64().unwrap();
            let person = Reflect::get(&item, &column.into()).unwrap();
            format!("{id} {}", field(&person, "Title").unwrap_or_default())
        })
        .collect()
}

/// Person columns: `Editor/Title` and `Author/Title` in `select` expand both columns in
/// the load, the read-ahead and the item reads, in every metadata level; `orderBy` sorts
/// by a column's field, so an edit by another user moves its row.
#[wasm_bindgen_test]
async fn person_columns_are_expanded_and_can_order_the_rows() {
    let _serial = serial().await;
    for metadata in ["nometadata", "verbose", "odata4"] {
        let list_id = fresh_watched_list("People").await;
        let extra = [
            ("metadata", metadata.into()),
            ("orderBy", "Editor/Title".into()),
        ];
        let list = open_live(&list_id, &["Title", "Author/Title"], &extra).await;
        let dev: Vec<String> = (1..=5).map(|id| format!("{id} Dev User")).collect();
        assert_eq!(person_of(&list.items(), "Editor"), dev, "{metadata}");
        // Adele Vance (10) edits item 4; Alex Wilber (11) adds item 6.
        let (edit, add) = (r#"{"Title":"edited"}"#, r#"{"Title":"new"}"#);
        admin(
            "PATCH",
            &format!("lists/{list_id}/items/4?by=10"),
            Some(edit),
        )
        .await;
        admin("POST", &format!("lists/{list_id}/items?by=11"), Some(add)).await;
        let want = ["4 Adele Vance", "6 Alex Wilber", "1 Dev User", "2 Dev User"];
        let want = [&want[..], &["3 Dev User", "5 Dev User"]].concat();
        wait_until("the edit and the add", 10_000, || {
            person_of(&list.items(), "Editor") == want
        })
        .await;
        let authors = person_of(&list.items(), "Author");
        assert_eq!(authors[..2], ["4 Dev User", "6 Alex Wilber"], "{metadata}");
        let mut list = list;
        list.close();
    }
}

/// The ids of the rows, in display order.
fn ids_of(items: &js_sys::Array) -> Vec<i64> {
    rows_of(items).into_iter().map(|(id, _)| id).collect()
}

/// A view: `filter` loads only the matching items; an edit that makes an item match adds
/// it, one that makes it stop matching removes it (a `deleted` in the changes event),
/// and edits of items outside the view show nothing.
#[wasm_bindgen_test]
async fn a_filtered_list_follows_items_into_and_out_of_its_view() {
    let _serial = serial().await;
    for read_ahead in [true, false] {
        let list_id = fresh_watched_list("Open tasks").await;
        let status = |id: i64, status: &str| {
            let path = format!("lists/{list_id}/items/{id}");
            let body = format!(r#"{{"Status":"{status}"}}"#);
            async move { admin("PATCH", &path, Some(&body)).await }
        };
        status(1, "Open").await;
        status(3, "Open").await;
        let extra = [
            ("filter", "Status eq 'Open'".into()),
            ("readAhead", read_ahead.into()),
        ];
        let fields = ["Title", "Status"];
        let options = live_list_options(BROADCASTER, &list_id, &fields, &extra);
        let list = LiveList::open(options).await.unwrap();
        let events = Recorder::new();
        list.subscribe(events.function.clone()).unwrap();
        wait_until("live", 10_000, || list.status() == "live").await;
        assert_eq!(ids_of(&list.items()), [1, 3]);
        status(2, "Open").await; // into the view
        status(1, "Done").await; // out of it
        status(4, "Done").await; // outside, still outside
        let item = admin(
            "POST",
            &format!("lists/{list_id}/items"),
            Some(r#"{"Title":"new","Status":"Open"}"#),
        )
        .await;
        let added = Reflect::get(&item, &"Id".into()).unwrap().as_f64().unwrap() as i64;
        wait_until("the view's changes", 10_000, || {
            ids_of(&list.items()) == [2, 3, added]
        })
        .await;
        sleep(300).await; // and nothing else follows
        assert_eq!(ids_of(&list.items()), [2, 3, added]);
        let types: Vec<String> = (0..events.len())
            .filter_map(|i| field(&events.arg(i), "type"))
            .collect();
        assert!(!types.contains(&"error".to_string()), "{types:?}");
        let mut list = list;
        list.close();
    }
}

/// A view on a person column's field: `filter: "Editor/Title eq 'Adele Vance'"`, with
/// the field in `select` so that its column is expanded (SharePoint refuses the filter
/// otherwise); her edit brings an item into the view, another user's takes it out.
#[wasm_bindgen_test]
async fn a_view_can_filter_on_a_person_column() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("Adele's").await;
    let edit = |id: i64, by: i64| {
        let path = format!("lists/{list_id}/items/{id}?by={by}");
        async move { admin("PATCH", &path, Some(r#"{"Title":"edited"}"#)).await }
    };
    edit(2, 10).await;
    let extra = [("filter", "Editor/Title eq 'Adele Vance'".into())];
    let list = open_live(&list_id, &["Title", "Editor/Title"], &extra).await;
    assert_eq!(person_of(&list.items(), "Editor"), ["2 Adele Vance"]);
    edit(4, 10).await; // into the view
    edit(2, 11).await; // out of it
    wait_until("the view's changes", 10_000, || {
        person_of(&list.items(), "Editor") == ["4 Adele Vance"]
    })
    .await;
    let mut list = list;
    list.close();
}

/// A lookup or person column reads one field, "Column/Field": anything else is refused
/// before a request, with an example in the message.
#[wasm_bindgen_test]
async fn a_field_path_deeper_than_column_field_is_refused() {
    let list_id = "5c1ad7e3-13c4-4f2b-9d0e-1b1f3e6a7c01";
    for fields in [["Author/"], ["Author/Manager/Title"]] {
        let bad = live_list_options(BROADCASTER, list_id, &fields, &[]);
        let error = LiveList::open(bad)
            .await
            .err()
            .expect("a bad field is refused");
        assert_eq!(field(&error, "code").as_deref(), Some("invalid-options"));
        assert!(field(&error, "message").unwrap().contains("Author/Title"));
    }
}
