//! Browser tests of what a `LiveList` subscriber gets: the current status when it joins,
//! a subscription that is its own unsubscribe function, and every event however the
//! others and `console.error` throw.

#![cfg(target_arch = "wasm32")]

#[path = "support/browser.rs"]
mod browser;
#[path = "support/sim.rs"]
mod sim;

use browser::*;
use js_sys::Reflect;
use sim::*;
use sp_live::web::LiveList;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Opens the list through sp-broadcaster, subscribes at once and waits until it is live.
async fn open_watched(list_id: &str) -> (LiveList, Recorder, JsValue) {
    let options = live_list_options(BROADCASTER, list_id, &["Title"], &[]);
    let list = LiveList::open(options).await.unwrap();
    let events = Recorder::new();
    let sub = list.subscribe(events.function.clone()).unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    (list, events, sub)
}

/// A status line fed by `status` events alone is right however late it subscribes:
/// status events come on changes, so a joining subscriber is told the current one
/// (after its snapshot once the list is loaded).
#[wasm_bindgen_test]
async fn every_subscriber_hears_the_current_status_when_it_joins() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("StatusOnJoin", 2).await;
    let (mut list, first, _sub) = open_watched(&list_id).await;
    assert_eq!(first.types()[0], "status", "{:?}", first.types());

    let late = Recorder::new();
    list.subscribe(late.function.clone()).unwrap();
    // A second LiveList (another web part) joins the live feed.
    let (mut other, joined, _other_sub) = open_watched(&list_id).await;
    for (who, events) in [("late", &late), ("joined", &joined)] {
        wait_until(who, 5_000, || events.len() >= 2).await;
        sleep(200).await;
        assert_eq!(events.types(), ["snapshot", "status"], "{who}");
        let status = &events.of_type("status")[0];
        assert_eq!(field(status, "status").as_deref(), Some("live"), "{who}");
        assert!(Reflect::get(status, &"reason".into()).unwrap().is_null());
    }
    other.close();
    list.close();
}

/// `subscribe` returns a function that unsubscribes (a React effect's cleanup), which is
/// also its own `unsubscribe()`; either stops delivery, and calling again is harmless.
#[wasm_bindgen_test]
async fn a_subscription_is_called_or_unsubscribed_to_stop() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Unsubscribe", 1).await;
    subscribe_webhook(&list_id, &format!("{BROADCASTER}/api/webhook")).await;
    let (mut list, first, _sub) = open_watched(&list_id).await;
    let (called, unsubscribed) = (Recorder::new(), Recorder::new());
    let by_call: js_sys::Function = list
        .subscribe(called.function.clone())
        .unwrap()
        .dyn_into()
        .expect("a subscription is a function");
    let by_method = list.subscribe(unsubscribed.function.clone()).unwrap();
    wait_until("both snapshots", 5_000, || {
        called.of_type("snapshot").len() == 1 && unsubscribed.of_type("snapshot").len() == 1
    })
    .await;
    by_call.call0(&JsValue::NULL).unwrap();
    by_call.call0(&JsValue::NULL).unwrap();
    let method: js_sys::Function = Reflect::get(&by_method, &"unsubscribe".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    method.call0(&by_method).unwrap();
    method.call0(&by_method).unwrap();
    add_item(&list_id, "after both let go").await;
    wait_until("the change", 5_000, || first.of_type("changes").len() == 1).await;
    sleep(200).await;
    assert!(called.of_type("changes").is_empty() && unsubscribed.of_type("changes").is_empty());
    list.close();
}

/// A throwing subscriber is reported with `console.error`. On a page where that throws too
/// (a test runner that fails on console errors, a logging hook that fails), the others
/// still get every event and the feed goes on: before, the second throw unwound through
/// the feed's turn, the later subscribers were skipped, and its next turn trapped the
/// module ("unreachable": the turn's borrow was never released).
#[wasm_bindgen_test]
async fn a_throwing_subscriber_breaks_nothing_where_console_error_throws_too() {
    let _serial = serial().await;
    trap_page_errors();
    admin("POST", "reset", None).await;
    let list_id = fresh_list("ConsoleThrows", 2).await;
    subscribe_webhook(&list_id, &format!("{BROADCASTER}/api/webhook")).await;
    js_sys::eval("globalThis.__error = console.error; console.error = () => { throw 1; }").unwrap();
    let options = live_list_options(BROADCASTER, &list_id, &["Title"], &[]);
    let mut list = LiveList::open(options).await.unwrap();
    let thrower = js_sys::Function::new_no_args("throw new Error('subscriber bug')");
    list.subscribe(thrower).unwrap();
    let events = Recorder::new();
    list.subscribe(events.function.clone()).unwrap();
    let live = wait_until_or_false(10_000, || list.status() == "live").await;
    if live {
        add_item(&list_id, "despite both").await;
        wait_until_or_false(10_000, || events.of_type("changes").len() == 1).await;
    }
    js_sys::eval("console.error = __error").unwrap();
    assert!(live, "the list went live");
    assert_eq!(events.of_type("snapshot").len(), 1);
    assert_eq!(events.of_type("changes").len(), 1);
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
    list.close();
}

/// Whether `condition` came true within `timeout_ms` (a test that must restore the page
/// before it asserts).
async fn wait_until_or_false(timeout_ms: i32, mut condition: impl FnMut() -> bool) -> bool {
    for _ in 0..timeout_ms / 25 {
        if condition() {
            return true;
        }
        sleep(25).await;
    }
    condition()
}
