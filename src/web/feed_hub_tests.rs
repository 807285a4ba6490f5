//! What each subscriber is handed from one batch of events, in which order (run in a
//! page: the events are JavaScript objects).

use super::*;
use js_sys::Reflect;
use wasm_bindgen_test::wasm_bindgen_test;

/// A feed hub with no task behind it, its rows `rows` (loaded if there are any).
fn hub(rows: &[u32]) -> FeedHub {
    let loaded = !rows.is_empty();
    FeedHub {
        key: "test".into(),
        mailbox: Rc::new(Mailbox::default()),
        subscribers: RefCell::new(Vec::new()),
        view: RefCell::new(View {
            rows: rows.iter().map(|&id| JsValue::from(id)).collect(),
            loaded,
            token: None,
            status: "live",
            reason: None,
            status_event: status_event("live", None),
            stats: Stats::default(),
        }),
        handles: Cell::new(1),
        transports: RefCell::new(Vec::new()),
        catchup_pending: Cell::new(false),
    }
}

/// Subscribes a recorder; returns what it heard so far, as `type[:detail]` strings.
fn subscribe(hub: &FeedHub) -> impl Fn() -> Vec<String> {
    let heard = Array::new();
    let push: Function = Reflect::get(&heard, &"push".into()).unwrap().into();
    hub.subscribe(1, push.bind0(&heard));
    move || heard.iter().map(|event| describe(&event)).collect()
}

fn describe(event: &JsValue) -> String {
    let get = |key: &str| Reflect::get(event, &key.into()).unwrap();
    let kind = get("type").as_string().unwrap();
    let detail = match kind.as_str() {
        "status" => get("status").as_string().unwrap(),
        "snapshot" | "reset" => {
            let items: Array = get("items").into();
            let ids: Vec<String> = items
                .iter()
                .map(|i| format!("{}", i.as_f64().unwrap()))
                .collect();
            ids.join(",")
        }
        _ => get("n").as_f64().map(|n| n.to_string()).unwrap_or_default(),
    };
    format!("{kind}:{detail}")
}

fn event(kind: &str, n: u32) -> JsValue {
    js::object(&[("type", kind.into()), ("n", n.into())])
}

#[wasm_bindgen_test]
fn a_subscriber_joining_a_loaded_list_hears_its_snapshot_before_a_new_status() {
    let hub = hub(&[1, 2]);
    let heard = subscribe(&hub);
    let mut batch = Outbox::default();
    batch.status(status_event(
        "reconnecting",
        Some("broadcaster connection lost"),
    ));
    hub.deliver(batch);
    assert_eq!(heard(), ["snapshot:1,2", "status:reconnecting"]);
}

#[wasm_bindgen_test]
fn a_joining_subscriber_gets_the_rows_after_the_batch_where_its_changes_were() {
    let hub = hub(&[1, 2, 3]);
    let synced = subscribe(&hub);
    hub.deliver(Outbox::default());
    assert_eq!(synced(), ["snapshot:1,2,3", "status:live"]);

    let joining = subscribe(&hub);
    let mut batch = Outbox::default();
    batch.status(status_event("resyncing", Some("retrying SharePoint")));
    batch.push(Audience::All, event("error", 1));
    batch.push(Audience::Synced, event("changes", 2));
    batch.status(status_event("live", None));
    hub.deliver(batch);
    assert_eq!(
        joining(),
        [
            "status:resyncing",
            "error:1",
            "snapshot:1,2,3",
            "status:live"
        ],
        "the changes are in its snapshot, not repeated"
    );
    assert_eq!(
        &synced()[2..],
        ["status:resyncing", "error:1", "changes:2", "status:live"]
    );
}

#[wasm_bindgen_test]
fn before_the_first_load_a_subscriber_hears_progress_then_its_snapshot() {
    let hub = hub(&[]);
    let heard = subscribe(&hub);
    let mut batch = Outbox::default();
    batch.status(status_event("loading", None));
    batch.push(Audience::All, event("progress", 100));
    hub.deliver(batch);
    assert_eq!(heard(), ["status:loading", "progress:100"]);

    let rows: Array = [7u32, 8].iter().map(|&id| JsValue::from(id)).collect();
    {
        let mut view = hub.view.borrow_mut();
        (view.rows, view.loaded) = (rows.clone(), true);
    }
    let mut batch = Outbox::default();
    batch.push(Audience::All, event("progress", 200));
    batch.reset(rows);
    batch.status(status_event("live", None));
    hub.deliver(batch);
    assert_eq!(
        &heard()[2..],
        ["progress:200", "snapshot:7,8", "status:live"]
    );
}

#[wasm_bindgen_test]
fn a_synced_subscriber_hears_a_reload_as_a_reset() {
    let hub = hub(&[1]);
    let heard = subscribe(&hub);
    hub.deliver(Outbox::default());
    let mut batch = Outbox::default();
    batch.reset([4u32].iter().map(|&id| JsValue::from(id)).collect());
    hub.deliver(batch);
    assert_eq!(heard(), ["snapshot:1", "status:live", "reset:4"]);
}
