//! Browser tests of a `LiveList` opened by `listTitle`: an empty `listId` counts as
//! absent, and a list deleted and created again under the title is followed.

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

fn list_options(
    broadcaster: &str,
    list_id: &str,
    extra: &[(&str, wasm_bindgen::JsValue)],
) -> wasm_bindgen::JsValue {
    live_list_options(broadcaster, list_id, &["Title"], extra)
}

/// An empty `listId` or `listTitle` counts as absent (a property pane leaves one empty).
#[wasm_bindgen_test]
async fn an_empty_list_id_or_title_counts_as_absent() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    fresh_list("ByTitle", 2).await;
    let options = list_options(BROADCASTER, "", &[("listTitle", "ByTitle".into())]);
    let mut list = LiveList::open(options)
        .await
        .expect("listId \"\" is absent");
    wait_until("live", 10_000, || list.status() == "live").await;
    assert_eq!(list.items().length(), 2);
    list.close();
    let both_empty = list_options(BROADCASTER, "", &[("listTitle", "".into())]);
    let error = LiveList::open(both_empty).await.err().expect("refused");
    assert_eq!(field(&error, "code").as_deref(), Some("invalid-options"));
}

/// Deletes a list through SharePoint's REST API (form digest first), as its owner would.
async fn delete_list(list_id: &str) {
    let info = request_with("POST", &format!("{SITE}/_api/contextinfo"), None, &[]).await;
    let digest = field(&info, "FormDigestValue").expect("a digest");
    let url = format!("{SITE}/_api/web/lists(guid'{list_id}')");
    let headers = [("X-RequestDigest", digest.as_str()), ("IF-MATCH", "*")];
    request_with("DELETE", &url, None, &headers).await;
}

/// A list opened by title that is deleted and created again under the same title (a new
/// GUID): the feed finds the old GUID gone, looks the title up again and shows the new
/// list, and then hears the new list's webhooks (it joins its room on the broadcaster).
#[wasm_bindgen_test]
async fn a_list_created_again_under_its_title_is_followed() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let old = fresh_list("Recreated", 2).await;
    subscribe_webhook(&old, &format!("{BROADCASTER}/api/webhook")).await;
    let options = list_options(BROADCASTER, "", &[("listTitle", "Recreated".into())]);
    let mut list = LiveList::open(options).await.unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    assert_eq!(list.items().length(), 2);

    delete_list(&old).await;
    let new = fresh_list("Recreated", 3).await;
    assert_ne!(new, old);
    subscribe_webhook(&new, &format!("{BROADCASTER}/api/webhook")).await;
    list.refresh(); // the app looks (the old list's webhooks are gone with it)
    wait_until("the new list's rows", 30_000, || {
        list.items().length() == 3 && list.status() == "live"
    })
    .await;
    add_item(&new, "heard through the new list's webhook").await;
    wait_until("the new list's change", 5_000, || {
        list.items().length() == 4
    })
    .await;
    list.close();
}
