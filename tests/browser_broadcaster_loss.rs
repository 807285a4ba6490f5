//! A LiveList when its broadcaster connection fails: a server's DISCONNECT is followed
//! by a reconnect (a list without webhooks is not live), a connection closed for good
//! (also on a connection opened without that by a raw `Broadcaster`), a connection closed
//! for good shows as status `offline` and is not joined by later lists (one opened on its
//! feed brings the feed a new connection), and connection errors
//! reach the list's subscribers as `error` events.

#![cfg(target_arch = "wasm32")]

#[path = "support/browser.rs"]
mod browser;
#[path = "support/sim.rs"]
mod sim;

use browser::*;
use sim::*;
use sp_live::web::{Broadcaster, LiveList};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The socket.io 4 fixture broadcaster (tests/fixtures: DISCONNECT on demand).
const SIO4: &str = "http://127.0.0.1:9304";

/// Every status a recorder saw, in order.
fn statuses(events: &Recorder) -> Vec<String> {
    (0..events.len())
        .filter_map(|i| field(&events.arg(i), "status"))
        .collect()
}

/// A list of 3 items whose webhooks go to the socket.io 4 fixture, opened on it with
/// `extra` options and live, with a recorder of its events.
async fn live_on_sio4(title: &str, extra: &[(&str, JsValue)]) -> (String, LiveList, Recorder) {
    admin("POST", "reset", None).await;
    let list_id = fresh_list(title, 3).await;
    subscribe_webhook(&list_id, &format!("{SIO4}/api/webhook")).await;
    let list = LiveList::open(live_list_options(SIO4, &list_id, &["Title"], extra))
        .await
        .unwrap();
    let events = Recorder::new();
    list.subscribe(events.function.clone()).unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    (list_id, list, events)
}

#[wasm_bindgen_test]
async fn a_server_disconnect_is_followed_by_a_reconnect() {
    let _serial = serial().await;
    trap_page_errors();
    let (list_id, mut list, events) = live_on_sio4("Kicked", &[]).await;
    supervisor("/ctl/sio4/disconnect", None).await;
    wait_until("reconnecting", 5_000, || list.status() != "live").await;
    wait_until("live again", 10_000, || list.status() == "live").await;
    add_item(&list_id, "after the kick").await;
    wait_until("the add", 10_000, || list.items().length() == 4).await;
    let seen = statuses(&events);
    assert!(seen.contains(&"reconnecting".to_string()), "{seen:?}");
    list.close();
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
}

#[wasm_bindgen_test]
async fn a_list_joining_a_raw_connection_still_reconnects_after_a_server_disconnect() {
    let _serial = serial().await;
    trap_page_errors();
    // The earlier tests' lists have let go of their connection (which reconnects).
    for _ in 0..50 {
        if stats("sio4").await.0 == 0 {
            break;
        }
        sleep(100).await;
    }
    assert_eq!(stats("sio4").await.0, 0, "no connection left over");
    // Opened first with socket.io-client's default: no reconnect after DISCONNECT.
    let mut raw = Broadcaster::connect(SIO4.into(), options("auto"))
        .await
        .unwrap();
    wait_open(&raw).await;
    let (list_id, mut list, _events) = live_on_sio4("Joined raw", &[]).await;
    assert_eq!(
        stats("sio4").await.0,
        1,
        "one socket: the list joined the raw one"
    );
    supervisor("/ctl/sio4/disconnect", None).await;
    wait_until("reconnecting", 5_000, || list.status() != "live").await;
    wait_until("live again", 10_000, || list.status() == "live").await;
    wait_open(&raw).await;
    add_item(&list_id, "after the kick").await;
    wait_until("the add", 10_000, || list.items().length() == 4).await;
    list.close();
    raw.close();
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
}

#[wasm_bindgen_test]
async fn a_connection_closed_for_good_is_offline_and_not_joined() {
    let _serial = serial().await;
    trap_page_errors();
    let no = [("reconnectOnServerDisconnect", JsValue::FALSE)];
    let (list_id, mut list, events) = live_on_sio4("Offline", &no).await;
    supervisor("/ctl/sio4/disconnect", None).await;
    wait_until("offline", 5_000, || list.status() == "offline").await;
    let reason = (0..events.len())
        .map(|i| events.arg(i))
        .filter(|e| field(e, "status").as_deref() == Some("offline"))
        .find_map(|e| field(&e, "reason"))
        .unwrap_or_default();
    assert!(reason.contains("no reconnection"), "{reason}");
    // The list still catches up when asked.
    add_item(&list_id, "while offline").await;
    list.refresh();
    wait_until("the refresh", 10_000, || list.items().length() == 4).await;
    // A list opened now gets a connection of its own, not the closed one.
    let other = LiveList::open(live_list_options(
        SIO4,
        &list_id,
        &["Title", "Modified"],
        &no,
    ))
    .await
    .unwrap();
    wait_until("the other live", 10_000, || other.status() == "live").await;
    let mut other = other;
    other.close();
    list.close();
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
}

/// A list opened on a feed whose connection closed for good (another web part showing the
/// same list, with the same options) brings a connection of its own, as any list opened
/// later does, and the feed moves to it: both lists are live again and hear webhooks.
/// Before, the new list joined the feed as it was and stayed `offline` with it, however
/// often it was reopened, until every list of the feed had closed.
#[wasm_bindgen_test]
async fn a_list_opened_on_an_offline_feed_brings_it_a_new_connection() {
    let _serial = serial().await;
    trap_page_errors();
    let no = [("reconnectOnServerDisconnect", JsValue::FALSE)];
    let (list_id, mut list, _events) = live_on_sio4("Offline feed", &no).await;
    supervisor("/ctl/sio4/disconnect", None).await;
    wait_until("offline", 5_000, || list.status() == "offline").await;
    let mut other = LiveList::open(live_list_options(SIO4, &list_id, &["Title"], &no))
        .await
        .unwrap();
    wait_until("the other live", 10_000, || other.status() == "live").await;
    assert_eq!(list.status(), "live", "the first list shares the feed");
    assert_eq!(stats("sio4").await.0, 1, "one socket: the new one");
    add_item(&list_id, "heard again").await;
    wait_until("the add, through a webhook", 10_000, || {
        list.items().length() == 4 && other.items().length() == 4
    })
    .await;
    other.close();
    list.close();
    sleep(300).await;
    assert_eq!(
        stats("sio4").await.0,
        0,
        "the new socket goes with the feed"
    );
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
}

#[wasm_bindgen_test]
async fn connection_errors_reach_the_list_as_error_events() {
    let _serial = serial().await;
    trap_page_errors();
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Unreachable", 3).await;
    // Nothing listens on port 9 here: every attempt fails.
    let options = live_list_options("http://127.0.0.1:9", &list_id, &["Title"], &[]);
    let mut list = LiveList::open(options).await.unwrap();
    let events = Recorder::new();
    list.subscribe(events.function.clone()).unwrap();
    wait_until("an error event", 10_000, || {
        !error_codes(&events).is_empty()
    })
    .await;
    let codes = error_codes(&events);
    assert!(
        codes.iter().all(|c| c.starts_with("protocol-")),
        "{codes:?}"
    );
    wait_until("the rows", 10_000, || list.items().length() == 3).await;
    assert_ne!(list.status(), "live");
    list.close();
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
}
