//! Browser tests of wake-ups: a list looks for the changes whose webhooks were lost while
//! the browser was offline or the machine slept (told apart from a tab switch by the wall
//! clock running ahead of `performance.now()`), a tab switch costs nothing, nothing is
//! fetched while the browser says it is offline, a sleep is noticed with the page in view
//! too, and closing lets go of every listener.
//! (A plain WebSocket renewed back online: browser_protocols.rs.)

#![cfg(target_arch = "wasm32")]

#[path = "support/browser.rs"]
mod browser;
#[path = "support/sim.rs"]
mod sim;

use browser::*;
use sim::*;
use sp_live::web::LiveList;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Runs JavaScript in the page.
fn js(code: &str) -> wasm_bindgen::JsValue {
    js_sys::eval(code).unwrap()
}

/// Tracks the page's `online` and `visibilitychange` listeners and its intervals (the
/// sleep check) added from now on and not removed yet, in `globalThis.__wakeListeners` (a
/// set: removals of ones added before, such as an earlier test's list closing late, do not
/// count).
fn count_wake_listeners() {
    js(
        "if (!globalThis.__wakeListeners) { globalThis.__wakeListeners = new Set(); \
        const proto = EventTarget.prototype, add = proto.addEventListener, \
        remove = proto.removeEventListener, \
        wakes = (type) => type === 'online' || type === 'visibilitychange'; \
        proto.addEventListener = function (type, listener, ...rest) { \
          if (wakes(type)) __wakeListeners.add(listener); \
          return add.call(this, type, listener, ...rest); }; \
        proto.removeEventListener = function (type, listener, ...rest) { \
          if (wakes(type)) __wakeListeners.delete(listener); \
          return remove.call(this, type, listener, ...rest); }; \
        const every = setInterval, stop = clearInterval; \
        globalThis.setInterval = (...args) => { \
          const id = every(...args); __wakeListeners.add(id); return id; }; \
        globalThis.clearInterval = (id) => { __wakeListeners.delete(id); stop(id); }; }",
    );
}

fn wake_listeners() -> f64 {
    js("globalThis.__wakeListeners.size").as_f64().unwrap()
}

/// The page visible again, `slept_ms` after it was hidden by the wall clock (which runs
/// on while a machine sleeps; `performance.now()` does not).
fn hide_and_show(slept_ms: f64) {
    js("Object.defineProperty(document, 'visibilityState', \
        { value: 'hidden', configurable: true }); \
        document.dispatchEvent(new Event('visibilitychange'));");
    js(&format!(
        "const realNow = Date.now; Date.now = () => realNow() + {slept_ms}; \
         Object.defineProperty(document, 'visibilityState', \
         {{ value: 'visible', configurable: true }}); \
         document.dispatchEvent(new Event('visibilitychange')); \
         Date.now = realNow; delete document.visibilityState;"
    ));
}

/// GetChanges requests sp-sim received since its counters were reset, alone or in a
/// `$batch` (with the read-ahead, a round's GetChanges goes in one).
async fn looks() -> u32 {
    counter("getchanges").await + counter("batched:getchanges").await
}

/// A watched list of 5 items, live, without the safety poll; one edit made whose webhook
/// never comes.
async fn live_with_a_lost_webhook(title: &str) -> (String, LiveList) {
    let list_id = fresh_watched_list(title).await;
    let list = open_live(&list_id, &["Title"], &[("pollIntervalMs", 0.into())]).await;
    wait_for_quiet(600).await;
    admin("POST", "webhooks/drop", Some(r#"{"count":1}"#)).await;
    add_item(&list_id, "written while away").await;
    sleep(600).await;
    assert_eq!(list.items().length(), 5, "no webhook, no poll: not yet");
    (list_id, list)
}

/// Back online, a list looks for the changes whose webhooks were lost meanwhile; a tab
/// switch right after a round costs nothing; closing removes the listeners.
#[wasm_bindgen_test]
async fn back_online_a_list_looks_for_changes_whose_webhook_was_lost() {
    let _serial = serial().await;
    trap_page_errors();
    count_wake_listeners();
    let before = wake_listeners();
    let (list_id, list) = live_with_a_lost_webhook("Back online").await;
    assert!(wake_listeners() > before, "listening");
    js("dispatchEvent(new Event('online'))");
    wait_until("the item, back online", 3_000, || {
        list.items().length() == 6
    })
    .await;
    assert_eq!(rows_of(&list.items()), sim_rows(&list_id).await);

    reset_counters_when_quiet().await;
    hide_and_show(0.0);
    sleep(300).await;
    assert_eq!(looks().await, 0, "a round that recent saw it all");

    let mut list = list;
    list.close();
    wait_until("every wake listener removed", 3_000, || {
        wake_listeners() == before
    })
    .await;
    assert!(page_errors().is_empty(), "{:?}", page_errors());
}

/// Visible again after the machine slept, a list looks at once (however recent its last
/// round by `performance.now()`), unless the browser says it is offline: then it waits
/// for `online`.
#[wasm_bindgen_test]
async fn visible_after_a_sleep_a_list_looks_unless_offline() {
    let _serial = serial().await;
    trap_page_errors();
    let (list_id, list) = live_with_a_lost_webhook("Slept").await;
    reset_counters_when_quiet().await;

    js("Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })");
    hide_and_show(3_600_000.0);
    sleep(300).await;
    js("delete navigator.onLine");
    assert_eq!(looks().await, 0, "offline: nothing to fetch yet");

    hide_and_show(3_600_000.0);
    wait_until("the item, after the sleep", 3_000, || {
        list.items().length() == 6
    })
    .await;
    assert_eq!(rows_of(&list.items()), sim_rows(&list_id).await);
    let mut list = list;
    list.close();
    assert!(page_errors().is_empty(), "{:?}", page_errors());
}

/// A sleep with the page in view all along (no `visibilitychange`, no `offline`) is noticed
/// by the check every 10 s: the first timer after the sleep sees the wall clock ahead.
#[wasm_bindgen_test]
async fn a_sleep_with_the_page_in_view_is_noticed_within_10_s() {
    let _serial = serial().await;
    trap_page_errors();
    let (list_id, list) = live_with_a_lost_webhook("Slept in view").await;
    js("globalThis.__realNow = Date.now; Date.now = () => __realNow() + 3600000;");
    let mut waited = 0;
    while list.items().length() != 6 && waited < 12_000 {
        sleep(100).await;
        waited += 100;
    }
    js("Date.now = __realNow;");
    assert_eq!(list.items().length(), 6, "the item, after the sleep");
    assert_eq!(rows_of(&list.items()), sim_rows(&list_id).await);
    let mut list = list;
    list.close();
    assert!(page_errors().is_empty(), "{:?}", page_errors());
}
