//! Helpers for browser tests against sp-sim (127.0.0.1:9500) and sp-broadcaster
//! (127.0.0.1:9400), both started by tests/scripts/with-servers.sh.

#![allow(dead_code)]

use super::browser::*;
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

/// sp-sim's root.
pub const SIM: &str = "http://127.0.0.1:9500";
/// The simulated site.
pub const SITE: &str = "http://127.0.0.1:9500/sites/dev";
/// sp-broadcaster.
pub const BROADCASTER: &str = "http://127.0.0.1:9400";

/// POSTs to the sim's admin API.
pub async fn admin(method: &str, path: &str, body: Option<&str>) -> JsValue {
    request(method, &format!("{SIM}/_admin/{path}"), body).await
}

/// Resets the sim and creates a list of `count` mail rows; returns its GUID.
pub async fn fresh_list(title: &str, count: u32) -> String {
    let summary = admin(
        "POST",
        "seed",
        Some(&format!(r#"{{"title":"{title}","count":{count}}}"#)),
    )
    .await;
    field(&summary, "id").expect("seed returns the list id")
}

/// Resets the sim and creates a list of 5 mail rows whose webhooks go to sp-broadcaster;
/// returns its GUID.
pub async fn fresh_watched_list(title: &str) -> String {
    admin("POST", "reset", None).await;
    let list_id = fresh_list(title, 5).await;
    subscribe_webhook(&list_id, &format!("{BROADCASTER}/api/webhook")).await;
    list_id
}

/// Opens a live list through sp-broadcaster reading `fields`, with `extra` options,
/// and waits until it is live.
pub async fn open_live(
    list_id: &str,
    fields: &[&str],
    extra: &[(&str, JsValue)],
) -> sp_live::web::LiveList {
    let options = live_list_options(BROADCASTER, list_id, fields, extra);
    let list = sp_live::web::LiveList::open(options).await.unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    list
}

/// Subscribes `notification_url` to the list's webhooks through SharePoint's REST
/// API (form digest first), as a real set-up would.
pub async fn subscribe_webhook(list_id: &str, notification_url: &str) {
    let info = request_with("POST", &format!("{SITE}/_api/contextinfo"), None, &[]).await;
    let digest = field(&info, "FormDigestValue").expect("a digest");
    let expires = js_sys::Date::new(&JsValue::from(js_sys::Date::now() + 90.0 * 86_400_000.0));
    let expires = String::from(expires.to_iso_string());
    let body = format!(
        r#"{{"resource":"{list_id}","notificationUrl":"{notification_url}","expirationDateTime":"{expires}"}}"#
    );
    let url = format!("{SITE}/_api/web/lists(guid'{list_id}')/subscriptions");
    let created = request_with("POST", &url, Some(&body), &[("X-RequestDigest", &digest)]).await;
    assert!(
        field(&created, "id").is_some(),
        "subscription created: {created:?}"
    );
}

/// Every item of the list as the sim has it, ordered by ID: (Id, Title).
pub async fn sim_rows(list_id: &str) -> Vec<(i64, String)> {
    let url = format!(
        "{SITE}/_api/web/lists(guid'{list_id}')/items?$select=Id,Title&$top=5000&$orderby=ID"
    );
    let body = request_with("GET", &url, None, &[]).await;
    let items: Array = Reflect::get(&body, &"value".into()).unwrap().into();
    rows_of(&items)
}

/// (Id, Title) of JavaScript item objects.
pub fn rows_of(items: &Array) -> Vec<(i64, String)> {
    items
        .iter()
        .map(|item| {
            let id = Reflect::get(&item, &"Id".into()).unwrap().as_f64().unwrap() as i64;
            (id, field(&item, "Title").unwrap_or_default())
        })
        .collect()
}

/// Request counters of the sim: `kind` -> count.
pub async fn counter(kind: &str) -> u32 {
    let counters = admin("GET", "counters", None).await;
    Reflect::get(&counters, &kind.into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0) as u32
}

/// Resets the sim's request counters once no request has come for 150 ms (at most 5 s
/// of waiting). A list shows `live` while the catch-up round after its load may still be
/// on its way; counted from before that round arrives, a test would count it too.
pub async fn reset_counters_when_quiet() {
    wait_for_quiet(150).await;
    admin("POST", "counters/reset", None).await;
}

/// Waits (5 s at most) until sp-sim has had no request for `quiet_ms`. A status of "live"
/// does not mean idle: the catch-up round a (re)connection starts may still be on its way,
/// and would pick up an edit made meanwhile as if a webhook had come.
pub async fn wait_for_quiet(quiet_ms: u32) {
    let mut last = counter("total").await;
    let mut quiet = 0;
    for _ in 0..33 {
        sleep(150).await;
        let now = counter("total").await;
        quiet = if now == last { quiet + 150 } else { 0 };
        if quiet >= quiet_ms {
            break;
        }
        last = now;
    }
}

/// Delivers pending webhook notifications now.
pub async fn flush_webhooks() {
    admin("POST", "webhooks/flush", None).await;
}

/// Adds an item through the admin API; returns its id.
pub async fn add_item(list_id: &str, title: &str) -> i64 {
    let item = admin(
        "POST",
        &format!("lists/{list_id}/items"),
        Some(&format!(r#"{{"Title":"{title}"}}"#)),
    )
    .await;
    Reflect::get(&item, &"Id".into()).unwrap().as_f64().unwrap() as i64
}

/// `LiveList.open` options for `list_id` on the sim through `broadcaster`, reading
/// `fields`, with fast reconnection, plus `extra` options.
pub fn live_list_options(
    broadcaster: &str,
    list_id: &str,
    fields: &[&str],
    extra: &[(&str, JsValue)],
) -> JsValue {
    let o = options("auto");
    Reflect::set(&o, &"broadcaster".into(), &broadcaster.into()).unwrap();
    Reflect::set(&o, &"siteUrl".into(), &SITE.into()).unwrap();
    Reflect::set(&o, &"listId".into(), &list_id.into()).unwrap();
    let select: Array = fields.iter().map(|s| JsValue::from(*s)).collect();
    Reflect::set(&o, &"select".into(), &select).unwrap();
    for (key, value) in extra {
        Reflect::set(&o, &(*key).into(), value).unwrap();
    }
    o
}

/// Sockets connected to sp-broadcaster (socket.io and plain WebSocket).
pub async fn broadcaster_sockets() -> i64 {
    let health = request("GET", &format!("{BROADCASTER}/health"), None).await;
    let sockets = Reflect::get(&health, &"sockets".into()).unwrap();
    let total = Reflect::get(&sockets, &"total".into())
        .ok()
        .and_then(|v| v.as_f64());
    total.or_else(|| sockets.as_f64()).unwrap_or(-1.0) as i64
}

/// Waits (up to 5 s) until sp-broadcaster counts `expected` sockets; returns the last count.
pub async fn wait_sockets(expected: i64) -> i64 {
    let mut now = -1;
    for _ in 0..100 {
        now = broadcaster_sockets().await;
        if now == expected {
            break;
        }
        sleep(50).await;
    }
    now
}

/// Adds `count` items titled `"{prefix} {i}"` in one admin call (one change burst).
pub async fn add_items(list_id: &str, prefix: &str, count: usize) {
    let items: Vec<String> = (0..count)
        .map(|i| format!(r#"{{"Title":"{prefix} {i}"}}"#))
        .collect();
    let body = format!("[{}]", items.join(","));
    admin("POST", &format!("lists/{list_id}/items"), Some(&body)).await;
}

/// An item added to `list_id` shows in `list`, found through a webhook's hint.
pub async fn hears_a_hint(list: &sp_live::web::LiveList, list_id: &str) {
    let title = format!("heard {}", js_sys::Date::now());
    add_item(list_id, &title).await;
    flush_webhooks().await;
    wait_until("the new row", 5_000, || {
        rows_of(&list.items()).iter().any(|(_, t)| *t == title)
    })
    .await;
    let hints = js_sys::Reflect::get(&list.stats(), &"hints".into()).unwrap();
    assert!(
        hints.as_f64().unwrap_or(0.0) >= 1.0,
        "{list_id}: found by a hint"
    );
}

/// A token provider (an `accessToken` function) that notes `who` in
/// `globalThis.__askedFor` at each call.
pub fn provider(who: &str) -> JsValue {
    let body = format!(
        "(globalThis.__askedFor = globalThis.__askedFor || []).push('{who}'); \
         return Promise.resolve('token-{who}');"
    );
    js_sys::Function::new_no_args(&body).into()
}

/// The providers ([`provider`]) asked since the last call, in order.
pub fn asked() -> Vec<String> {
    let list = js_sys::eval("(globalThis.__askedFor || []).splice(0)").unwrap();
    Array::from(&list)
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}
