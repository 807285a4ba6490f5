//! Resource tests: thousands of subscribe/unsubscribe cycles and a hundred
//! open/close cycles of a LiveList return wasm memory and the broadcaster's socket
//! count to their baseline.

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

fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buffer: js_sys::ArrayBuffer = memory.buffer().unchecked_into();
    buffer.byte_length() as f64
}

fn list_options(list_id: &str) -> JsValue {
    live_list_options(BROADCASTER, list_id, &["Title"], &[])
}

#[wasm_bindgen_test]
async fn subscribe_unsubscribe_and_open_close_cycles_return_to_baseline() {
    let _serial = serial().await;
    trap_page_errors();
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Cycles", 50).await;
    subscribe_webhook(&list_id, &format!("{BROADCASTER}/api/webhook")).await;
    let sockets_before = broadcaster_sockets().await;

    let mut list = LiveList::open(list_options(&list_id)).await.unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    let noop = js_sys::Function::new_no_args("");
    let cycle = |n: usize| {
        for _ in 0..n {
            let sub = list.subscribe(noop.clone()).unwrap();
            let unsubscribe: js_sys::Function = Reflect::get(&sub, &"unsubscribe".into())
                .unwrap()
                .unchecked_into();
            unsubscribe.call0(&sub).unwrap();
        }
    };
    cycle(1_000); // warm up allocator pools
    sleep(200).await; // let the queued snapshot checks drain
    let memory_before = wasm_memory_bytes();
    cycle(10_000);
    sleep(500).await;
    let grown = wasm_memory_bytes() - memory_before;
    assert!(
        grown <= 64.0 * 1024.0,
        "10,000 subscribe/unsubscribe cycles grew wasm memory by {grown} bytes"
    );
    list.close();
    assert_eq!(
        wait_sockets(sockets_before).await,
        sockets_before,
        "socket released"
    );

    // Open/close: the first cycles warm up, the rest must not grow.
    for _ in 0..5 {
        let mut l = LiveList::open(list_options(&list_id)).await.unwrap();
        wait_until("live", 10_000, || l.status() == "live").await;
        l.close();
    }
    assert_eq!(wait_sockets(sockets_before).await, sockets_before);
    let memory_before = wasm_memory_bytes();
    for _ in 0..100 {
        let mut l = LiveList::open(list_options(&list_id)).await.unwrap();
        wait_until("live", 10_000, || l.status() == "live").await;
        l.close();
    }
    assert_eq!(
        wait_sockets(sockets_before).await,
        sockets_before,
        "100 open/close cycles leave no socket"
    );
    sleep(300).await;
    let grown = wasm_memory_bytes() - memory_before;
    assert!(
        grown <= 256.0 * 1024.0,
        "100 open/close cycles grew wasm memory by {grown} bytes"
    );
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
}

#[wasm_bindgen_test]
async fn closing_during_the_load_and_concurrent_opens_are_clean() {
    let _serial = serial().await;
    trap_page_errors();
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Racy", 3_000).await;
    subscribe_webhook(&list_id, &format!("{BROADCASTER}/api/webhook")).await;
    let sockets_before = broadcaster_sockets().await;
    admin("POST", "latency", Some(r#"{"ms":50,"match":"items"}"#)).await;

    // Closed while its pages are still loading: nothing is delivered after, nothing leaks.
    let mut early = LiveList::open(list_options(&list_id)).await.unwrap();
    let seen = Recorder::new();
    early.subscribe(seen.function.clone()).unwrap();
    wait_until("loading", 5_000, || early.status() == "loading").await;
    early.close();
    let count = seen.len();
    sleep(500).await;
    assert_eq!(seen.len(), count, "no event after close");
    assert_eq!(early.status(), "closed");

    // Five opens at once share one feed and one socket, and all see the same rows.
    let opens: Vec<_> = (0..5)
        .map(|_| LiveList::open(list_options(&list_id)))
        .collect();
    let mut lists = Vec::new();
    for open in opens {
        lists.push(open.await.unwrap());
    }
    admin("DELETE", "faults", None).await;
    for l in &lists {
        wait_until("live", 20_000, || l.status() == "live").await;
    }
    assert!(lists.iter().all(|l| l.items().length() == 3_000));
    assert_eq!(broadcaster_sockets().await - sockets_before, 1);
    for mut l in lists {
        l.close();
    }
    assert_eq!(wait_sockets(sockets_before).await, sockets_before);
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
}

/// A LiveList that joins an open feed with other connection options (another `auth`
/// object for the broadcaster here; another namespace would be another feed) uses the
/// feed's connection and opens no connection of its own: before, it started one and
/// dropped it at once, a WebSocket opened and closed for nothing.
#[wasm_bindgen_test]
async fn joining_a_feed_opens_no_connection_of_its_own() {
    let _serial = serial().await;
    trap_page_errors();
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Joined", 3).await;
    subscribe_webhook(&list_id, &format!("{BROADCASTER}/api/webhook")).await;
    let mut first = LiveList::open(list_options(&list_id)).await.unwrap();
    wait_until("live", 10_000, || first.status() == "live").await;
    js_sys::eval(
        "globalThis.__spSockets = 0; globalThis.__spWebSocket = WebSocket; \
         globalThis.WebSocket = class extends __spWebSocket { \
           constructor(...a) { super(...a); __spSockets += 1; } }",
    )
    .unwrap();
    let auth = [(
        "auth",
        js_sys::JSON::parse(r#"{"web part":"another"}"#).unwrap(),
    )];
    let joined = LiveList::open(live_list_options(BROADCASTER, &list_id, &["Title"], &auth)).await;
    sleep(300).await;
    let opened = js_sys::eval("WebSocket = __spWebSocket; __spSockets").unwrap();
    let mut joined = joined.unwrap();
    assert_eq!(opened.as_f64(), Some(0.0), "WebSockets opened by the join");
    assert_eq!(joined.items().length(), 3);
    add_item(&list_id, "seen by both").await;
    wait_until("the add", 10_000, || joined.items().length() == 4).await;
    joined.close();
    first.close();
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
}
