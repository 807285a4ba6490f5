//! A LiveList's hints from what a broadcaster passes on: a `list:changes` event that
//! cannot be read is still a hint, since it may be this list's.

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

/// The seed broadcaster passes on a webhook body whose `value` holds this list's entry
/// and one nested deeper than sp-live's JSON reader goes (a junk body merged with a real
/// one, as a broadcaster that merges queued bodies would send it): the event's string
/// cannot be read, and the list looks for changes all the same. Before, it read as
/// naming no list, and the edit waited for the next hint or the safety poll (off here).
#[wasm_bindgen_test]
async fn an_unreadable_list_changes_event_is_a_hint() {
    let _serial = serial().await;
    trap_page_errors();
    admin("POST", "reset", None).await;
    // No webhook subscription: the event below is the only hint.
    let list_id = fresh_list("Unreadable", 3).await;
    let extra = [("pollIntervalMs", JsValue::from(0))];
    let options = live_list_options(&fixture_url("sio2"), &list_id, &["Title"], &extra);
    let mut list = LiveList::open(options).await.unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    let path = format!("lists/{list_id}/items/2");
    admin("PATCH", &path, Some(r#"{"Title":"after junk"}"#)).await;
    let deep = format!(r#"{{"resource":{}1{}}}"#, "[".repeat(200), "]".repeat(200));
    let ours = format!(r#"{{"subscriptionId":"s","resource":"{list_id}"}}"#);
    let body = format!(r#"{{"value":[{deep},{ours}]}}"#);
    supervisor("/ctl/sio2/webhook", Some(&body)).await;
    wait_until("the edit", 5_000, || {
        rows_of(&list.items())
            .iter()
            .any(|(_, t)| t == "after junk")
    })
    .await;
    list.close();
}
