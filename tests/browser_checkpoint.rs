//! Browser tests of checkpoints against sp-sim: `LiveList.checkpoint()` kept across a
//! "page load" (as JSON, as `sessionStorage` keeps it) and handed back as `resume`
//! shows its rows at once and catches up from its change token with GetChanges, with
//! no load of the list; a checkpoint of other options or an expired one loads the list.

#![cfg(target_arch = "wasm32")]

#[path = "support/browser.rs"]
mod browser;
#[path = "support/sim.rs"]
mod sim;

use browser::*;
use js_sys::{Array, Reflect, JSON};
use sim::*;
use sp_live::web::LiveList;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The events' `type`s, and the `status` events as "status:reason".
fn kinds(events: &Recorder) -> Vec<String> {
    (0..events.len())
        .map(|i| {
            let event = events.arg(i);
            let kind = field(&event, "type").unwrap_or_default();
            match (field(&event, "status"), field(&event, "reason")) {
                (Some(status), Some(reason)) => format!("{status}:{reason}"),
                (Some(status), None) => status,
                _ => kind,
            }
        })
        .collect()
}

/// The first event of `kind`.
fn first_event(events: &Recorder, kind: &str) -> JsValue {
    (0..events.len())
        .map(|i| events.arg(i))
        .find(|e| field(e, "type").as_deref() == Some(kind))
        .unwrap_or_else(|| panic!("no {kind} event in {:?}", kinds(events)))
}

fn items_of(event: &JsValue) -> Array {
    Reflect::get(event, &"items".into()).unwrap().into()
}

/// A list's checkpoint after a JSON round trip, as `sessionStorage` would keep it.
fn stored_checkpoint(list: &LiveList) -> JsValue {
    let checkpoint = list.checkpoint();
    assert!(!checkpoint.is_null(), "a live list has a checkpoint");
    JSON::parse(&String::from(JSON::stringify(&checkpoint).unwrap())).unwrap()
}

/// Opens `list_id` (fields Title, newest title first) with `extra` options and records
/// its events from the start.
async fn open_recorded(list_id: &str, extra: &[(&str, JsValue)]) -> (LiveList, Recorder) {
    let extra = [&[("orderBy", JsValue::from("Title desc"))], extra].concat();
    let options = live_list_options(BROADCASTER, list_id, &["Title"], &extra);
    let list = LiveList::open(options).await.unwrap();
    let events = Recorder::new();
    list.subscribe(events.function.clone()).unwrap();
    (list, events)
}

/// A fresh watched list `title`, opened until live and closed, as a page that then goes
/// away: its id, the checkpoint it left (as kept) and the rows it showed.
async fn left_checkpoint(title: &str) -> (String, JsValue, Vec<(i64, String)>) {
    let list_id = fresh_watched_list(title).await;
    let (mut list, _) = open_recorded(&list_id, &[]).await;
    wait_until("live", 10_000, || list.status() == "live").await;
    let kept = stored_checkpoint(&list);
    let shown = rows_of(&list.items());
    assert_eq!(
        rows_of(&items_of(&kept)),
        shown,
        "the checkpoint is what was shown"
    );
    list.close();
    assert!(list.checkpoint().is_null(), "none after close()");
    (list_id, kept, shown)
}

/// The sim's rows in the test's display order (Title descending, ties by ID).
async fn sim_rows_by_title_desc(list_id: &str) -> Vec<(i64, String)> {
    let mut rows = sim_rows(list_id).await;
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    rows
}

/// A checkpoint kept over a page load: the snapshot is its rows, at once; the changes
/// made while the page was away (an update, a delete, an add) arrive as one `changes`
/// event from its token, with no load of the list; the status is `resyncing` until
/// then.
#[wasm_bindgen_test]
async fn a_checkpoint_shows_at_once_and_catches_up_from_its_token() {
    let _serial = serial().await;
    let (list_id, kept, shown) = left_checkpoint("Checkpoints").await;

    // While the page is away: item 2 edited, item 3 deleted, an item added.
    let edit = r#"{"Title":"zz edited while away"}"#;
    admin("PATCH", &format!("lists/{list_id}/items/2"), Some(edit)).await;
    admin("DELETE", &format!("lists/{list_id}/items/3"), None).await;
    add_item(&list_id, "added while away").await;
    reset_counters_when_quiet().await;

    // Pages of 2: the checkpoint's 5 rows are taken in 3 pieces.
    let extra = [("resume", kept), ("pageSize", 2.into())];
    let (list, events) = open_recorded(&list_id, &extra).await;
    wait_until("live", 10_000, || list.status() == "live").await;
    let want = sim_rows_by_title_desc(&list_id).await;
    wait_until("the changes", 10_000, || rows_of(&list.items()) == want).await;
    let snapshot = first_event(&events, "snapshot");
    assert_eq!(
        rows_of(&items_of(&snapshot)),
        shown,
        "the snapshot is the checkpoint's"
    );
    let changes = first_event(&events, "changes");
    let count = |key: &str| Array::from(&Reflect::get(&changes, &key.into()).unwrap()).length();
    assert_eq!(
        (count("added"), count("updated"), count("deleted")),
        (1, 1, 1)
    );
    let seen = kinds(&events);
    let resyncing = "resyncing:catching up from a checkpoint".to_string();
    let (at, live) = (
        seen.iter().position(|k| *k == resyncing),
        seen.iter().position(|k| k == "live"),
    );
    assert!(at.is_some() && at < live, "resyncing, then live: {seen:?}");
    assert_eq!(counter("list").await, 0, "no load: {seen:?}");
    let mut list = list;
    list.close();
}

/// A checkpoint of other options (another field list) is ignored and the list loads;
/// an expired one shows, then the list reloads (a `reset`); one whose items cannot be
/// read is reported (`sp-parse`) and the list loads; one that is not a checkpoint is
/// refused.
#[wasm_bindgen_test]
async fn other_or_expired_checkpoints_load_the_list_and_non_checkpoints_are_refused() {
    let _serial = serial().await;
    let (list_id, kept, _) = left_checkpoint("Old checkpoints").await;

    reset_counters_when_quiet().await;
    let other = live_list_options(
        BROADCASTER,
        &list_id,
        &["Title", "Subject"],
        &[("resume", kept.clone())],
    );
    let mut wider = LiveList::open(other).await.unwrap();
    wait_until("live", 10_000, || wider.status() == "live").await;
    assert_eq!(counter("list").await, 1, "another field list: a load");
    wider.close();

    admin("POST", "config", Some(r#"{"retentionSeconds":60}"#)).await;
    admin("POST", "clock", Some(r#"{"advanceSeconds":3600}"#)).await;
    add_item(&list_id, "after the change log moved on").await;
    reset_counters_when_quiet().await;
    let (list, events) = open_recorded(&list_id, &[("resume", kept.clone())]).await;
    let want = sim_rows_by_title_desc(&list_id).await;
    wait_until("the reload", 10_000, || rows_of(&list.items()) == want).await;
    let seen = kinds(&events);
    assert!(seen.contains(&"reset".to_string()), "{seen:?}");
    assert_eq!(
        counter("list").await,
        1,
        "the expired token reloads: {seen:?}"
    );
    let mut list = list;
    list.close();

    // Its own checkpoint, but items that are not SharePoint items (no id; a `null`,
    // which JavaScript cannot sort by id): reported, the list loads and stays live.
    let null_item = Array::of2(
        &JSON::parse(r#"{"Id":1,"Title":"a"}"#).unwrap(),
        &JsValue::NULL,
    );
    let broken_items = [
        JSON::parse(r#"[{"Title":"no id"}]"#).unwrap(),
        null_item.into(),
    ];
    for (round, items) in broken_items.into_iter().enumerate() {
        let broken = JSON::parse(&String::from(JSON::stringify(&kept).unwrap())).unwrap();
        Reflect::set(&broken, &"items".into(), &items).unwrap();
        reset_counters_when_quiet().await;
        let (list, events) = open_recorded(&list_id, &[("resume", broken)]).await;
        let want = sim_rows_by_title_desc(&list_id).await;
        wait_until("the load", 10_000, || rows_of(&list.items()) == want).await;
        let error = Reflect::get(&first_event(&events, "error"), &"error".into()).unwrap();
        assert_eq!(field(&error, "code").as_deref(), Some("sp-parse"));
        assert_eq!(counter("list").await, 1, "loaded instead");
        // The feed still works (a jammed one traps on its next message): look at once
        // (no webhook may come: the sim's clock moved on an hour).
        add_item(&list_id, &format!("added after broken checkpoint {round}")).await;
        list.refresh();
        let want = sim_rows_by_title_desc(&list_id).await;
        wait_until("the add", 10_000, || rows_of(&list.items()) == want).await;
        let mut list = list;
        list.close();
    }

    for bad in [
        "5",
        r#"{"version":1}"#,
        r#"{"version":1,"key":"k","token":"t","items":{}}"#,
    ] {
        let resume = JSON::parse(bad).unwrap();
        let extra = [("orderBy", "Title desc".into()), ("resume", resume)];
        let options = live_list_options(BROADCASTER, &list_id, &["Title"], &extra);
        let error = LiveList::open(options).await.err().expect("refused");
        assert_eq!(
            field(&error, "code").as_deref(),
            Some("invalid-options"),
            "{bad}"
        );
    }
}

/// A checkpoint whose change token is 55 days old is not caught up from but reloaded:
/// SharePoint keeps its change log about 60 days, and SharePoint Online has answered
/// GetChanges from an older token with nothing and no error. (sp-sim, keeping 60 days,
/// would answer this one: only the token's age tells.)
#[wasm_bindgen_test]
async fn a_checkpoint_near_the_end_of_the_change_log_loads_the_list() {
    let _serial = serial().await;
    admin("POST", "config", Some(r#"{"retentionSeconds":5184000}"#)).await;
    let (list_id, kept, _) = left_checkpoint("Aged checkpoint").await;
    let token = field(&kept, "token").unwrap();
    let mut parts: Vec<String> = token.split(';').map(String::from).collect();
    let aged_ms = js_sys::Date::now() as i64 - 55 * 86_400_000;
    parts[3] = sp_live::sharepoint::ms_to_ticks(aged_ms).to_string();
    Reflect::set(&kept, &"token".into(), &parts.join(";").into()).unwrap();
    add_item(&list_id, "added while the page was away").await;
    reset_counters_when_quiet().await;
    let (list, events) = open_recorded(&list_id, &[("resume", kept)]).await;
    let want = sim_rows_by_title_desc(&list_id).await;
    wait_until("the load", 10_000, || rows_of(&list.items()) == want).await;
    let seen = kinds(&events);
    assert_eq!(counter("list").await, 1, "loaded, not caught up: {seen:?}");
    assert!(!seen.iter().any(|k| k.contains("catching up")), "{seen:?}");
    let mut list = list;
    list.close();
}

/// A list opened by title resumes too: the checkpoint's token names the list's GUID, so
/// the resumed feed hears its webhooks (an item added after it is live arrives through
/// a hint) without a load to learn the GUID from.
#[wasm_bindgen_test]
async fn a_list_by_title_resumes_and_hears_its_webhooks() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("By title").await;
    let by_title = |extra: &[(&str, JsValue)]| {
        let options = live_list_options(BROADCASTER, &list_id, &["Title"], extra);
        Reflect::delete_property(&options.clone().into(), &"listId".into()).unwrap();
        Reflect::set(&options, &"listTitle".into(), &"By title".into()).unwrap();
        options
    };
    let mut list = LiveList::open(by_title(&[])).await.unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    let kept = stored_checkpoint(&list);
    list.close();

    reset_counters_when_quiet().await;
    let list = LiveList::open(by_title(&[("resume", kept)])).await.unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    reset_counters_when_quiet().await;
    add_item(&list_id, "after the resume").await;
    let want = sim_rows(&list_id).await;
    wait_until("the hinted add", 10_000, || rows_of(&list.items()) == want).await;
    assert_eq!(counter("list").await, 0, "no load, before or after");
    let mut list = list;
    list.close();
}
