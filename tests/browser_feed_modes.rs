//! Browser tests of the change feed's auth modes, metadata levels and failure paths
//! against sp-sim: bearer tokens (string and async provider), a caller-supplied
//! fetch, throttling with Retry-After, digest expiry, an expired change token, a load
//! of many pages, and lost webhooks made good by the next hint (what a round costs in
//! requests is in browser_request_counts.rs).

#![cfg(target_arch = "wasm32")]

#[path = "support/browser.rs"]
mod browser;
#[path = "support/sim.rs"]
mod sim;

use browser::*;
use js_sys::{Function, Reflect};
use sim::*;
use sp_live::web::LiveList;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn list_options(list_id: &str, extra: &[(&str, JsValue)]) -> JsValue {
    live_list_options(BROADCASTER, list_id, &["Title"], extra)
}

/// Opens a list, waits for it to be live, adds an item and waits for it to arrive.
async fn round_trip(list_id: &str, extra: &[(&str, JsValue)]) -> (LiveList, Recorder) {
    let list = LiveList::open(list_options(list_id, extra)).await.unwrap();
    let events = Recorder::new();
    list.subscribe(events.function.clone()).unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    let id = add_item(list_id, "round trip").await;
    wait_until("the new item", 10_000, || {
        list.items().iter().any(|i| {
            Reflect::get(&i, &"Id".into()).ok().and_then(|v| v.as_f64()) == Some(id as f64)
        })
    })
    .await;
    (list, events)
}

fn event_types(events: &Recorder) -> Vec<String> {
    (0..events.len())
        .filter_map(|i| field(&events.arg(i), "type"))
        .collect()
}

#[wasm_bindgen_test]
async fn every_metadata_level_parses() {
    let _serial = serial().await;
    for level in ["nometadata", "minimalmetadata", "verbose", "odata4"] {
        let list_id = fresh_watched_list(level).await;
        let (mut list, events) = round_trip(&list_id, &[("metadata", level.into())]).await;
        assert!(
            error_codes(&events).is_empty(),
            "{level}: {:?}",
            error_codes(&events)
        );
        assert_eq!(list.items().length(), 6, "{level}");
        // The read-ahead works at this level too: the next add needs no read by ID.
        reset_counters_when_quiet().await;
        add_item(&list_id, "read ahead").await;
        wait_until("the second item", 10_000, || list.items().length() == 7).await;
        let (ahead, reads) = (counter("batched:items").await, counter("items").await);
        assert!(
            ahead >= 1 && reads == 0,
            "{level}: {ahead} read-aheads, {reads} reads"
        );
        list.close();
    }
}

#[wasm_bindgen_test]
async fn bearer_tokens_from_a_string_and_from_an_async_provider() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("Bearer").await;
    admin("POST", "counters/reset", None).await;
    let (mut list, _) = round_trip(&list_id, &[("accessToken", "token-1".into())]).await;
    list.close();
    assert_eq!(
        counter("contextinfo").await,
        0,
        "no digest with a bearer token"
    );

    let provider = Function::new_no_args("return Promise.resolve('token-2')");
    let (mut list, _) = round_trip(&list_id, &[("accessToken", provider.into())]).await;
    list.close();
}

#[wasm_bindgen_test]
async fn a_caller_supplied_fetch_owns_the_requests() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("Custom fetch").await;
    // Counts calls, notes the OData headers and adds its own bearer header, as an
    // SPHttpClient wrapper would, and `OData-Version: 4.0` to a request without one,
    // as SPHttpClient does (under which the sim, as SharePoint, refuses nometadata).
    let fetch = Function::new_with_args(
        "url, init",
        "globalThis.__spFetchCalls = (globalThis.__spFetchCalls || 0) + 1; \
         (globalThis.__spOData = globalThis.__spOData || []).push( \
           `${init.headers['OData-Version'] || '-'} ${init.headers['Accept'] || '-'}`); \
         init.headers['OData-Version'] = init.headers['OData-Version'] || '4.0'; \
         init.headers['Authorization'] = 'Bearer from-the-wrapper'; return fetch(url, init);",
    );
    let odata = || -> Vec<String> {
        let seen = Reflect::get(&js_sys::global(), &"__spOData".into()).unwrap();
        let _ = Reflect::set(
            &js_sys::global(),
            &"__spOData".into(),
            &js_sys::Array::new(),
        );
        js_sys::Array::from(&seen)
            .iter()
            .filter_map(|v| v.as_string())
            .collect()
    };
    let (mut list, events) = round_trip(&list_id, &[("fetch", fetch.clone().into())]).await;
    let calls = Reflect::get(&js_sys::global(), &"__spFetchCalls".into())
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(calls >= 3.0, "the wrapper made the requests ({calls})");
    assert!(
        error_codes(&events).is_empty(),
        "{:?}",
        error_codes(&events)
    );
    list.close();
    // With a fetch, OData 4 by default (SPHttpClient's own OData-Version), as asked.
    let seen = odata();
    assert!(seen.iter().all(|h| h.starts_with("4.0 ")), "{seen:?}");
    assert!(
        seen.iter().any(|h| h.contains("odata.metadata=none")),
        "{seen:?}"
    );
    let nometadata = [("fetch", fetch.into()), ("metadata", "nometadata".into())];
    let (mut list, events) = round_trip(&list_id, &nometadata).await;
    assert!(error_codes(&events).is_empty());
    list.close();
    // Named (3.0) so that SPHttpClient does not add its 4.0, under which SharePoint
    // refuses `odata=nometadata`.
    let seen = odata();
    assert!(seen.iter().all(|h| h.starts_with("3.0 ")), "{seen:?}");
    assert!(
        seen.iter().any(|h| h.contains("odata=nometadata")),
        "{seen:?}"
    );
}

#[wasm_bindgen_test]
async fn non_ascii_text_arrives_intact_through_the_page_fetch_or_a_wrapper() {
    let _serial = serial().await;
    // The page's fetch, and a wrapper (owning auth, as SPHttpClient does) whose responses
    // have only status, headers and text(): the same title (2-, 3- and 4-byte UTF-8).
    let text_only = Function::new_with_args(
        "url, init",
        "init.headers['Authorization'] = 'Bearer from-the-wrapper'; \
         return fetch(url, init).then(r => ({ status: r.status, headers: r.headers, \
         text: () => r.text() }));",
    );
    for (how, extra) in [
        ("page fetch", vec![]),
        ("wrapper", vec![("fetch", text_only.into())]),
    ] {
        let list_id = fresh_watched_list(how).await;
        let mut list = LiveList::open(list_options(&list_id, &extra))
            .await
            .unwrap();
        let events = Recorder::new();
        list.subscribe(events.function.clone()).unwrap();
        wait_until(how, 10_000, || list.status() == "live").await;
        let title = "Zoë ü ✓ 日本 🚀 end"; // (add_item puts it in JSON as it is)
        let id = add_item(&list_id, title).await;
        let row = |list: &LiveList| {
            list.items().iter().find(|i| {
                Reflect::get(i, &"Id".into()).ok().and_then(|v| v.as_f64()) == Some(id as f64)
            })
        };
        wait_until("the new item", 10_000, || row(&list).is_some()).await;
        let got = field(&row(&list).unwrap(), "Title");
        assert_eq!(got.as_deref(), Some(title), "{how}");
        assert!(
            error_codes(&events).is_empty(),
            "{how}: {:?}",
            error_codes(&events)
        );
        list.close();
    }
}

#[wasm_bindgen_test]
async fn a_fetch_that_resolves_to_no_response_is_a_network_error_then_retried() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("Odd fetch").await;
    // The second call resolves to something that is not a Response, the third to a 429
    // whose headers give Retry-After as a number (a mock's, a `Map`'s), the fourth
    // rejects with an Error whose message is a number; the rest are real (with a bearer
    // header, as an SPHttpClient wrapper would add).
    let fetch = Function::new_with_args(
        "url, init",
        "const n = globalThis.__oddFetch = (globalThis.__oddFetch || 0) + 1; \
         init.headers['Authorization'] = 'Bearer from-the-wrapper'; \
         if (n === 3) return { status: 429, headers: new Map([['Retry-After', 1]]), text: () => '' }; \
         if (n === 4) return Promise.reject(Object.assign(new Error(), { message: 503 })); \
         return n === 2 ? Promise.resolve({ status: 200 }) : fetch(url, init);",
    );
    let (mut list, events) = round_trip(&list_id, &[("fetch", fetch.into())]).await;
    let errors: Vec<JsValue> = (0..events.len())
        .map(|i| events.arg(i))
        .filter(|e| field(e, "type").as_deref() == Some("error"))
        .map(|e| Reflect::get(&e, &"error".into()).unwrap())
        .collect();
    assert_eq!(errors.len(), 3, "{:?}", error_codes(&events));
    assert_eq!(field(&errors[0], "code").as_deref(), Some("sp-network"));
    let message = field(&errors[0], "message").unwrap_or_default();
    assert!(message.contains("no text() method"), "{message}");
    assert_eq!(field(&errors[1], "code").as_deref(), Some("sp-throttled"));
    assert_eq!(field(&errors[2], "code").as_deref(), Some("sp-network"));
    assert_eq!(field(&errors[2], "message").as_deref(), Some("503"));
    list.close();
}

#[wasm_bindgen_test]
async fn throttling_is_reported_and_retried_after_the_servers_delay() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("Throttled").await;
    let list = LiveList::open(list_options(&list_id, &[])).await.unwrap();
    let events = Recorder::new();
    list.subscribe(events.function.clone()).unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    admin(
        "POST",
        "faults",
        Some(r#"{"status":429,"count":2,"retryAfter":1,"match":"getchanges"}"#),
    )
    .await;
    add_item(&list_id, "after throttling").await;
    wait_until("the item despite 429s", 10_000, || {
        list.items().length() == 6
    })
    .await;
    let throttled = error_codes(&events)
        .iter()
        .filter(|c| *c == "sp-throttled")
        .count();
    assert_eq!(throttled, 2, "{:?}", error_codes(&events));
    let mut list = list;
    list.close();
}

#[wasm_bindgen_test]
async fn an_expired_digest_is_refreshed_once() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("Digest").await;
    let list = LiveList::open(list_options(&list_id, &[])).await.unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    admin("POST", "digests/expire", None).await;
    admin("POST", "counters/reset", None).await;
    add_item(&list_id, "after the digest expired").await;
    wait_until("the item with a fresh digest", 10_000, || {
        list.items().length() == 6
    })
    .await;
    assert_eq!(counter("contextinfo").await, 1, "one refresh");
    let mut list = list;
    list.close();
}

/// Moves the sim's change log past the list's token, adds an item and waits for the
/// `reset` that follows.
async fn expire_token_then_add(list_id: &str, events: &Recorder) {
    admin("POST", "config", Some(r#"{"retentionSeconds":60}"#)).await;
    admin("POST", "clock", Some(r#"{"advanceSeconds":3600}"#)).await;
    add_item(list_id, "after the change log moved on").await;
    wait_until("a reset", 10_000, || {
        event_types(events).contains(&"reset".to_string())
    })
    .await;
}

#[wasm_bindgen_test]
async fn an_expired_change_token_resets_with_the_whole_list() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("Expired token").await;
    let list = LiveList::open(list_options(&list_id, &[])).await.unwrap();
    let events = Recorder::new();
    list.subscribe(events.function.clone()).unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    expire_token_then_add(&list_id, &events).await;
    wait_until("the item", 10_000, || list.items().length() == 6).await;
    assert!(
        error_codes(&events).contains(&"sp-token-expired".to_string()),
        "{:?}",
        error_codes(&events)
    );
    let types = event_types(&events);
    let reset_at = types.iter().position(|t| t == "reset").unwrap();
    assert!(
        types[..reset_at].contains(&"snapshot".to_string()),
        "{types:?}"
    );
    assert_eq!(rows_of(&list.items()), sim_rows(&list_id).await);
    let mut list = list;
    list.close();
}

#[wasm_bindgen_test]
async fn a_dropped_webhook_is_made_good_by_the_next_one() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("Dropped").await;
    let list = LiveList::open(list_options(&list_id, &[])).await.unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    wait_for_quiet(600).await;
    admin("POST", "webhooks/drop", Some(r#"{"count":1}"#)).await;
    add_item(&list_id, "lost hint").await;
    sleep(800).await;
    assert_eq!(list.items().length(), 5, "no hint, no change yet");
    add_item(&list_id, "next hint").await;
    wait_until("both items", 10_000, || list.items().length() == 7).await;
    assert_eq!(rows_of(&list.items()), sim_rows(&list_id).await);
    let mut list = list;
    list.close();
}

/// A webhook that never comes, and no other after it: the safety poll finds the change
/// (`pollIntervalMs`; five minutes by default, 400 ms here).
#[wasm_bindgen_test]
async fn a_lost_webhook_is_made_good_by_the_poll() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("Polled").await;
    let list = open_live(&list_id, &["Title"], &[("pollIntervalMs", 400.into())]).await;
    admin("POST", "webhooks/drop", Some(r#"{"count":1}"#)).await;
    add_item(&list_id, "no hint").await;
    wait_until("the polled item", 3_000, || list.items().length() == 6).await;
    assert_eq!(rows_of(&list.items()), sim_rows(&list_id).await);
    let mut list = list;
    list.close();
}

/// The app's own write, before (or without) its webhook: `refresh()` looks now. After
/// `close()` it does nothing.
#[wasm_bindgen_test]
async fn refresh_looks_for_changes_without_a_webhook() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("Refreshed").await;
    let list = open_live(&list_id, &["Title"], &[("pollIntervalMs", 0.into())]).await;
    wait_for_quiet(600).await;
    admin("POST", "webhooks/drop", Some(r#"{"count":1}"#)).await;
    add_item(&list_id, "written by the app").await;
    sleep(600).await;
    assert_eq!(list.items().length(), 5, "no webhook, no poll: not yet");
    list.refresh();
    wait_until("the refreshed item", 3_000, || list.items().length() == 6).await;
    assert_eq!(rows_of(&list.items()), sim_rows(&list_id).await);
    let mut list = list;
    list.close();
    list.refresh();
    assert_eq!(list.items().length(), 0);
}

/// A load of many pages (`pageSize: 3` over 11 items) in a field order: every page
/// becomes rows as it arrives, and the snapshot has each row once, in display order; an
/// expired token reloads the same way (the pages of the first load are not reused).
#[wasm_bindgen_test]
async fn a_paged_load_streams_its_rows_and_reloads_the_same_way() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Paged", 11).await;
    subscribe_webhook(&list_id, &format!("{BROADCASTER}/api/webhook")).await;
    let extra = [("pageSize", 3.into()), ("orderBy", "Title desc".into())];
    let list = LiveList::open(list_options(&list_id, &extra))
        .await
        .unwrap();
    let events = Recorder::new();
    list.subscribe(events.function.clone()).unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    let in_order = |mut rows: Vec<(i64, String)>| {
        rows.sort_by(|a, b| (&b.1, b.0).cmp(&(&a.1, a.0)));
        rows
    };
    assert_eq!(rows_of(&list.items()), in_order(sim_rows(&list_id).await));
    let pages = |events: &Recorder| {
        let types = event_types(events);
        types.iter().filter(|t| *t == "progress").count()
    };
    assert!(pages(&events) >= 4, "{:?}", event_types(&events));
    expire_token_then_add(&list_id, &events).await;
    wait_until("the item", 10_000, || list.items().length() == 12).await;
    assert_eq!(rows_of(&list.items()), in_order(sim_rows(&list_id).await));
    assert!(pages(&events) >= 8, "{:?}", event_types(&events));
    let mut list = list;
    list.close();
}
