//! Browser tests of what a page shares: the broadcaster's per-list rooms of a socket that
//! many feeds use.

#![cfg(target_arch = "wasm32")]

#[path = "support/browser.rs"]
mod browser;
#[path = "support/sim.rs"]
mod sim;

use browser::*;
use sim::*;
use sp_live::web::LiveList;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Opens a live list reading `fields`, with `extra` options, and waits until it is live.
async fn open_live(list_id: &str, fields: &[&str], extra: &[(&str, JsValue)]) -> LiveList {
    let list = LiveList::open(live_list_options(BROADCASTER, list_id, fields, extra))
        .await
        .unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    list
}

#[wasm_bindgen_test]
async fn a_room_stays_while_any_feed_on_the_socket_needs_it() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Rooms", 3).await;
    let other = fresh_list("Another list", 3).await;
    subscribe_webhook(&list_id, &format!("{BROADCASTER}/api/webhook")).await;
    // The socket is in another list's room too: out of every room it would hear all.
    let _other = open_live(&other, &["Title"], &[]).await;
    // Two feeds for one list on one socket (their fields differ), then one of them goes.
    let mut titles = open_live(&list_id, &["Title"], &[]).await;
    let subjects = open_live(&list_id, &["Title", "Subject"], &[]).await;
    titles.close();
    sleep(300).await;
    add_item(&list_id, "after one feed left").await;
    wait_until("the other feed still hears the list's hints", 5_000, || {
        subjects.items().length() == 4
    })
    .await;
}
