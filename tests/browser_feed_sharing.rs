//! Browser tests of what makes lists share a change feed, and what a shared feed uses:
//! one feed for a broadcaster however its URL is spelt, and requests through the newest
//! open list's `accessToken` or `fetch` (a web part disposed since is not asked again).
//! Sockets and feeds across copies of sp-live: `browser_sharing.rs`.

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

async fn open_on(broadcaster: &str, list_id: &str, extra: &[(&str, JsValue)]) -> LiveList {
    let options = live_list_options(broadcaster, list_id, &["Title"], extra);
    let list = LiveList::open(options).await.unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    list
}

/// `http://host:port`, `HTTP://host:port/` and `ws://host:port` name one broadcaster:
/// their lists share one feed (one load), as they share one socket.
#[wasm_bindgen_test]
async fn spellings_of_one_broadcaster_share_one_feed() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_watched_list("Spellings").await;
    let host = BROADCASTER.trim_start_matches("http://");
    admin("POST", "counters/reset", None).await;
    let mut lists = Vec::new();
    for url in [
        BROADCASTER.to_owned(),
        format!("HTTP://{host}/"),
        format!("ws://{host}"),
    ] {
        lists.push(open_on(&url, &list_id, &[]).await);
    }
    sleep(300).await;
    assert_eq!(counter("items").await, 1, "one load for the three lists");
    add_item(&list_id, "seen by all").await;
    wait_until("every list has the new item", 10_000, || {
        lists.iter().all(|l| l.items().length() == 6)
    })
    .await;
    for list in &mut lists {
        list.close();
    }
}
