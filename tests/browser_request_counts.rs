//! Browser tests of what a round costs in requests, counted by sp-sim: item reads
//! that need several URLs go in one `$batch`, a burst of hints costs two requests, and
//! an edit shows after one request with the read-ahead (a delete after one more read).

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

fn list_options(list_id: &str, extra: &[(&str, JsValue)]) -> JsValue {
    live_list_options(BROADCASTER, list_id, &["Title"], extra)
}

/// Edits every other item of a 30-item list (so item reads by ID need several URLs
/// under a 250-character limit), then sends one hint; returns the sim's counters for
/// the round and whether the list showed the edits.
async fn round_of_scattered_edits(batch: bool) -> (u32, u32, u32) {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    // No webhook subscription: the one hint below is the only one.
    let list_id = fresh_list(if batch { "Batched" } else { "Unbatched" }, 30).await;
    // No read-ahead: the edits would come with the GetChanges (tested below).
    let extra = [
        ("urlLimit", JsValue::from(250)),
        ("batch", JsValue::from(batch)),
        ("readAhead", JsValue::from(false)),
    ];
    let mut list = LiveList::open(list_options(&list_id, &extra))
        .await
        .unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    reset_counters_when_quiet().await;
    for id in (1..=30).step_by(2) {
        let path = format!("lists/{list_id}/items/{id}");
        admin(
            "PATCH",
            &path,
            Some(&format!(r#"{{"Title":"edited {id}"}}"#)),
        )
        .await;
    }
    let hint = webhook_body(&list_id);
    request("POST", &format!("{BROADCASTER}/api/webhook"), Some(&hint)).await;
    wait_until("the edits", 10_000, || {
        rows_of(&list.items())
            .iter()
            .filter(|(_, t)| t.starts_with("edited"))
            .count()
            == 15
    })
    .await;
    let counts = (
        counter("batch").await,
        counter("items").await,
        counter("batched:items").await,
    );
    list.close();
    counts
}

#[wasm_bindgen_test]
async fn item_reads_that_need_several_requests_go_in_one_batch() {
    let (batches, reads, batched) = round_of_scattered_edits(true).await;
    assert_eq!((batches, reads), (1, 0), "one $batch, no single reads");
    assert!(batched >= 2, "the batch held the reads ({batched})");
    let (batches, reads, _) = round_of_scattered_edits(false).await;
    assert_eq!(batches, 0, "`batch: false` reads one by one");
    assert!(reads >= 2, "{reads} reads");
}

/// A burst of two hints (the second while the first round's GetChanges is out, made
/// slow) for one edit; the sim's counters of getchanges, batch, batched:getchanges,
/// batched:items, items and total once the edit showed and nothing more followed.
async fn burst_counts(extra: &[(&str, JsValue)]) -> [u32; 6] {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Burst", 5).await;
    let mut list = LiveList::open(list_options(&list_id, extra)).await.unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    reset_counters_when_quiet().await;
    admin(
        "POST",
        "latency",
        Some(r#"{"ms":300,"match":"getchanges"}"#),
    )
    .await;
    admin(
        "PATCH",
        &format!("lists/{list_id}/items/2"),
        Some(r#"{"Title":"burst"}"#),
    )
    .await;
    let hint = webhook_body(&list_id);
    let webhook = format!("{BROADCASTER}/api/webhook");
    request("POST", &webhook, Some(&hint)).await;
    sleep(100).await;
    request("POST", &webhook, Some(&hint)).await;
    wait_until("the edit", 10_000, || {
        rows_of(&list.items()).iter().any(|(_, t)| t == "burst")
    })
    .await;
    sleep(400).await; // nothing more may follow
    admin("POST", "latency", Some(r#"{"ms":0}"#)).await;
    list.close();
    let mut counts = [0; 6];
    let kinds = [
        "getchanges",
        "batch",
        "batched:getchanges",
        "batched:items",
        "items",
        "total",
    ];
    for (count, kind) in counts.iter_mut().zip(kinds) {
        *count = counter(kind).await;
    }
    counts
}

#[wasm_bindgen_test]
async fn a_burst_of_hints_costs_two_requests() {
    let counts = burst_counts(&[]).await;
    assert_eq!(
        counts,
        [0, 2, 2, 2, 0, 2],
        "GetChanges with its read-ahead, then one more after the hints settled"
    );
    let counts = burst_counts(&[("readAhead", JsValue::from(false))]).await;
    assert_eq!(
        counts,
        [1, 1, 1, 1, 0, 2],
        "GetChanges, then the read and a confirming GetChanges in one batch"
    );
}

/// The sim's counters of batch, batched:getchanges, batched:items, getchanges, items.
async fn round_counts() -> Vec<u32> {
    let mut counts = Vec::new();
    for kind in [
        "batch",
        "batched:getchanges",
        "batched:items",
        "getchanges",
        "items",
    ] {
        counts.push(counter(kind).await);
    }
    counts
}

#[wasm_bindgen_test]
async fn an_edit_shows_after_one_request_with_the_read_ahead() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("ReadAhead", 5).await;
    let mut list = LiveList::open(list_options(&list_id, &[])).await.unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    let hint = webhook_body(&list_id);
    let webhook = format!("{BROADCASTER}/api/webhook");
    reset_counters_when_quiet().await;
    let path = format!("lists/{list_id}/items/3");
    admin("PATCH", &path, Some(r#"{"Title":"ahead"}"#)).await;
    request("POST", &webhook, Some(&hint)).await;
    wait_until("the edit", 10_000, || {
        rows_of(&list.items()).iter().any(|(_, t)| t == "ahead")
    })
    .await;
    sleep(300).await;
    assert_eq!(
        round_counts().await,
        [1, 1, 1, 0, 0],
        "one batch, no read by ID"
    );
    // A delete is still confirmed by a read (a restored item keeps its old Modified).
    admin("POST", "counters/reset", None).await;
    admin("DELETE", &format!("lists/{list_id}/items/4"), None).await;
    request("POST", &webhook, Some(&hint)).await;
    wait_until("the delete", 10_000, || {
        rows_of(&list.items()).iter().all(|(id, _)| *id != 4)
    })
    .await;
    sleep(300).await;
    assert_eq!(
        round_counts().await,
        [1, 1, 1, 0, 1],
        "the batch, then one read"
    );
    list.close();
}
