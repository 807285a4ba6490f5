//! Browser tests of `LiveList` against sp-sim (the SharePoint simulator) and real
//! broadcasters: sp-broadcaster, the seed's socket.io 2.0.4 one, socket.io 4.x.

#![cfg(target_arch = "wasm32")]

#[path = "support/browser.rs"]
mod browser;
#[path = "support/live_list_helpers.rs"]
mod helpers;
#[path = "support/sim.rs"]
mod sim;

use browser::*;
use helpers::*;
use js_sys::{Array, Reflect};
use sim::*;
use sp_live::web::LiveList;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn snapshot_then_add_update_delete_restore_through_sp_broadcaster() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Mails", 20).await;
    subscribe_webhook(&list_id, &format!("{BROADCASTER}/api/webhook")).await;
    let (mut list, events, _sub) = open(BROADCASTER, &list_id).await;
    let first_data = events
        .types()
        .into_iter()
        .find(|t| t != "status" && t != "progress");
    assert_eq!(
        first_data.as_deref(),
        Some("snapshot"),
        "snapshot first: {:?}",
        events.types()
    );
    let snapshot = &events.of("snapshot")[0];
    let items: Array = Reflect::get(snapshot, &"items".into()).unwrap().into();
    assert_eq!(rows_of(&items), sim_rows(&list_id).await);

    let id = add_item(&list_id, "added by the test").await;
    converges(&list, &list_id, "add").await;
    assert_eq!(ids(events.of("changes").last().unwrap(), "added"), [id]);
    let apply_ms = Reflect::get(&list.stats(), &"lastApplyMs".into())
        .unwrap()
        .as_f64();
    assert!(
        apply_ms.is_some_and(|ms| ms >= 0.0),
        "stats().lastApplyMs after a change: {apply_ms:?}"
    );

    admin(
        "PATCH",
        &format!("lists/{list_id}/items/{id}"),
        Some(r#"{"Title":"updated"}"#),
    )
    .await;
    converges(&list, &list_id, "update").await;
    assert_eq!(ids(events.of("changes").last().unwrap(), "updated"), [id]);

    admin("DELETE", &format!("lists/{list_id}/items/3"), None).await;
    converges(&list, &list_id, "delete").await;
    assert_eq!(ids(events.of("changes").last().unwrap(), "deleted"), [3]);

    admin("POST", &format!("lists/{list_id}/items/4/recycle"), None).await;
    converges(&list, &list_id, "recycle").await;
    admin("POST", &format!("lists/{list_id}/items/4/restore"), None).await;
    converges(&list, &list_id, "restore").await;
    assert_eq!(ids(events.of("changes").last().unwrap(), "added"), [4]);

    // diffs replayed on the snapshot give the same rows.
    let mut rows: Vec<JsValue> = items.iter().collect();
    replay_diffs(&mut rows, &events.of("changes"));
    assert_eq!(
        rows_of(&rows.into_iter().collect()),
        sim_rows(&list_id).await
    );
    list.close();
    assert_eq!(list.status(), "closed");
}

#[wasm_bindgen_test]
async fn the_seed_socket_io_2_broadcaster_works_unchanged() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Seed", 5).await;
    subscribe_webhook(&list_id, "http://127.0.0.1:9302/api/webhook").await;
    let (mut list, _events, _sub) = open("http://127.0.0.1:9302", &list_id).await;
    add_item(&list_id, "via the seed broadcaster").await;
    converges(&list, &list_id, "add through socket.io 2.0.4").await;
    list.close();
}

#[wasm_bindgen_test]
async fn a_burst_of_200_edits_costs_one_get_changes_and_chunked_reads() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Burst", 10).await;
    subscribe_webhook(&list_id, &format!("{BROADCASTER}/api/webhook")).await;
    // GetChanges alone and reads by ID (with the read-ahead, 100 of the new items would
    // come with the GetChanges: browser_request_counts.rs tests that).
    let no_read_ahead = [("readAhead", JsValue::from(false))];
    let (mut list, _events, _sub) = open_with(BROADCASTER, &list_id, &no_read_ahead).await;
    sleep(300).await;
    admin("POST", "counters/reset", None).await;
    add_items(&list_id, "burst", 200).await;
    // Wait without touching the sim's REST API: its counters are the measurement.
    wait_until("210 rows", 10_000, || list.items().length() == 210).await;
    sleep(500).await;
    let get_changes = counter("getchanges").await;
    let reads = counter("items").await;
    converges(&list, &list_id, "burst").await;
    assert_eq!(get_changes, 1, "one GetChanges page for 200 changes");
    let all = js_sys::JSON::stringify(&admin("GET", "counters", None).await).unwrap();
    assert_eq!(
        reads, 1,
        "200 new items are one id range: one read ({all:?})"
    );
    list.close();
}

#[wasm_bindgen_test]
async fn lists_share_one_socket_and_one_feed_per_list() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let a = fresh_list("Shared A", 5).await;
    let b = fresh_list("Shared B", 5).await;
    subscribe_webhook(&a, &format!("{BROADCASTER}/api/webhook")).await;
    subscribe_webhook(&b, &format!("{BROADCASTER}/api/webhook")).await;
    let sockets_before = broadcaster_sockets().await;
    // GetChanges alone: a burst is then exactly one such request (with the read-ahead
    // it is one or two batches, depending on when the burst's hints land).
    let no_read_ahead = [("readAhead", JsValue::from(false))];
    let (mut one, e1, _s1) = open_with(BROADCASTER, &a, &no_read_ahead).await;
    let (mut two, e2, _s2) = open_with(BROADCASTER, &a, &no_read_ahead).await;
    let (mut three, _e3, _s3) = open(BROADCASTER, &b).await;
    assert_eq!(
        broadcaster_sockets().await - sockets_before,
        1,
        "one WebSocket for three lists"
    );
    sleep(300).await;
    admin("POST", "counters/reset", None).await;
    add_items(&a, "shared", 10).await;
    wait_until("both lists see the burst", 10_000, || {
        one.items().length() == 15 && two.items().length() == 15
    })
    .await;
    sleep(500).await;
    assert_eq!(
        counter("getchanges").await,
        1,
        "one GetChanges round for two LiveLists on one list"
    );
    converges(&one, &a, "first list").await;
    assert_eq!(e1.of("changes").len(), e2.of("changes").len());
    one.close();
    two.close();
    three.close();
    let mut left = 1;
    for _ in 0..50 {
        left = broadcaster_sockets().await - sockets_before;
        if left == 0 {
            break;
        }
        sleep(50).await;
    }
    assert_eq!(left, 0, "the last close releases the socket");
}

#[wasm_bindgen_test]
async fn broadcaster_restart_while_editing_catches_up_without_duplicates() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Restart", 5).await;
    subscribe_webhook(&list_id, "http://127.0.0.1:9304/api/webhook").await;
    let (mut list, events, _sub) = open("http://127.0.0.1:9304", &list_id).await;
    supervisor("/kill/sio4", None).await;
    wait_until("reconnecting", 5_000, || list.status() == "reconnecting").await;
    for i in 0..5 {
        add_item(&list_id, &format!("while away {i}")).await;
    }
    admin("DELETE", &format!("lists/{list_id}/items/2"), None).await;
    sleep(500).await;
    supervisor("/start/sio4", None).await;
    wait_until("live again", 10_000, || list.status() == "live").await;
    converges(&list, &list_id, "catch-up after the restart").await;
    let statuses: Vec<String> = events
        .of("status")
        .iter()
        .filter_map(|e| field(e, "status"))
        .collect();
    // "connecting" may show between the load and the first open of the socket.
    let first_live = statuses.iter().position(|s| s == "live").unwrap();
    assert!(
        statuses[..first_live]
            .iter()
            .all(|s| s == "loading" || s == "connecting"),
        "{statuses:?}"
    );
    assert_eq!(
        statuses[first_live..],
        ["live", "reconnecting", "live"],
        "{statuses:?}"
    );
    let mut added: Vec<i64> = events
        .of("changes")
        .iter()
        .flat_map(|c| ids(c, "added"))
        .collect();
    let count = added.len();
    added.sort_unstable();
    added.dedup();
    assert_eq!(added.len(), count, "no item added twice");
    list.close();
}

#[wasm_bindgen_test]
async fn late_subscribers_get_a_snapshot_and_callbacks_may_reenter() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Reentry", 3).await;
    subscribe_webhook(&list_id, &format!("{BROADCASTER}/api/webhook")).await;
    let (list, _events, _sub) = open(BROADCASTER, &list_id).await;
    let list = Rc::new(RefCell::new(list));
    let thrower = js_sys::Function::new_no_args("throw new Error('subscriber failure')");
    list.borrow().subscribe(thrower).unwrap();
    let late = Events(Recorder::new());
    list.borrow().subscribe(late.0.function.clone()).unwrap();
    wait_until("late snapshot", 5_000, || late.of("snapshot").len() == 1).await;

    let seen = Rc::new(RefCell::new(Vec::new()));
    let (l, s) = (list.clone(), seen.clone());
    let reenter =
        wasm_bindgen::closure::Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            if field(&event, "type").as_deref() == Some("changes") {
                s.borrow_mut().push(l.borrow().items().length());
                l.borrow_mut().close();
            }
        });
    list.borrow()
        .subscribe(reenter.into_js_value().unchecked_into())
        .unwrap();
    add_item(&list_id, "re-entrant").await;
    wait_until("the re-entrant subscriber ran", 5_000, || {
        !seen.borrow().is_empty()
    })
    .await;
    assert_eq!(seen.borrow()[0], 4);
    assert_eq!(list.borrow().status(), "closed");
    assert_eq!(
        late.of("changes").len(),
        1,
        "the subscriber after a throwing one still got the change"
    );
}

#[wasm_bindgen_test]
async fn bad_options_are_coded_errors() {
    for bad in [
        r#"{"siteUrl":"http://127.0.0.1:9500/sites/dev","listTitle":"x"}"#,
        r#"{"broadcaster":"http://127.0.0.1:9400","listTitle":"x"}"#,
        r#"{"broadcaster":"http://127.0.0.1:9400","siteUrl":"/sites/dev","listTitle":"x"}"#,
        r#"{"broadcaster":"http://127.0.0.1:9400","siteUrl":"http://h/sites/dev"}"#,
        // No host, a query or a fragment: the REST paths appended to them went nowhere.
        r#"{"broadcaster":"http://127.0.0.1:9400","siteUrl":"https://","listTitle":"x"}"#,
        r#"{"broadcaster":"http://127.0.0.1:9400","siteUrl":"https://h/sites/dev?web=1","listTitle":"x"}"#,
        r#"{"broadcaster":"http://127.0.0.1:9400","siteUrl":"https://h/sites/dev#top","listTitle":"x"}"#,
        r#"{"broadcaster":"http://127.0.0.1:9400","siteUrl":"http://h/sites/dev","listId":"nope"}"#,
        r#"{"broadcaster":"http://127.0.0.1:9400","siteUrl":"http://h","listTitle":"x","select":"Title"}"#,
        r#"{"broadcaster":"http://127.0.0.1:9400","siteUrl":"http://h","listTitle":"x","metadata":"xml"}"#,
        r#"{"broadcaster":"127.0.0.1:9400","siteUrl":"http://h","listTitle":"x"}"#,
        r#"{"broadcaster":"http://127.0.0.1:9400","siteUrl":"http://h","listTitle":"x","clientTag":"a\nb"}"#,
    ] {
        let options = js_sys::JSON::parse(bad).unwrap();
        let error = match LiveList::open(options).await {
            Ok(_) => panic!("accepted {bad}"),
            Err(e) => e,
        };
        assert!(error.is_instance_of::<js_sys::Error>(), "{bad}");
        let code = field(&error, "code").unwrap();
        assert!(
            code == "invalid-options" || code == "protocol-config",
            "{bad}: {code}"
        );
    }
}

#[wasm_bindgen_test]
async fn a_webhook_batching_many_notifications_costs_one_round() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Batched", 3).await;
    let (mut list, _events, _sub) = open(BROADCASTER, &list_id).await;
    sleep(300).await;
    for i in 0..5 {
        add_item(&list_id, &format!("batched {i}")).await;
    }
    admin("POST", "counters/reset", None).await;
    // As SharePoint does: one POST whose value array holds a notification per change.
    let entry = format!(
        r#"{{"subscriptionId":"s","clientState":null,"expirationDateTime":"2027-01-01T00:00:00Z","resource":"{list_id}","tenantId":"t","siteUrl":"/sites/dev","webId":"w"}}"#
    );
    let body = format!(r#"{{"value":[{}]}}"#, vec![entry; 5].join(","));
    request("POST", &format!("{BROADCASTER}/api/webhook"), Some(&body)).await;
    wait_until("8 rows", 10_000, || list.items().length() == 8).await;
    sleep(500).await;
    let get_changes = counter("getchanges").await + counter("batched:getchanges").await;
    assert_eq!(
        get_changes, 1,
        "five notifications in one webhook: one round"
    );
    list.close();
}

#[wasm_bindgen_test]
async fn order_by_a_field_keeps_rows_and_diffs_in_that_order() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Ordered", 6).await;
    subscribe_webhook(&list_id, &format!("{BROADCASTER}/api/webhook")).await;
    let options = live_list_options(
        BROADCASTER,
        &list_id,
        &["Title"],
        &[("orderBy", "Title desc".into())],
    );
    let mut list = LiveList::open(options).await.unwrap();
    let events = Events(Recorder::new());
    list.subscribe(events.0.function.clone()).unwrap();
    wait_until("live", 10_000, || list.status() == "live").await;
    let expected = |mut rows: Vec<(i64, String)>| {
        rows.sort_by(|a, b| (&b.1, b.0).cmp(&(&a.1, a.0)));
        rows
    };
    assert_eq!(rows_of(&list.items()), expected(sim_rows(&list_id).await));
    let snapshot = Reflect::get(&events.of("snapshot")[0], &"items".into()).unwrap();
    let mut rows: Vec<JsValue> = Array::from(&snapshot).iter().collect();
    admin(
        "PATCH",
        &format!("lists/{list_id}/items/2"),
        Some(r#"{"Title":"ZZZ first now"}"#),
    )
    .await;
    add_item(&list_id, "AAA last").await;
    admin("DELETE", &format!("lists/{list_id}/items/5"), None).await;
    wait_until("the three changes", 10_000, || {
        let titles: Vec<String> = rows_of(&list.items()).into_iter().map(|(_, t)| t).collect();
        titles.first().map(String::as_str) == Some("ZZZ first now") && list.items().length() == 6
    })
    .await;
    replay_diffs(&mut rows, &events.of("changes"));
    let want = expected(sim_rows(&list_id).await);
    assert_eq!(rows_of(&list.items()), want);
    assert_eq!(
        rows_of(&rows.into_iter().collect()),
        want,
        "diffs replayed in the same order"
    );
    list.close();
    let bad = live_list_options(
        BROADCASTER,
        &list_id,
        &[],
        &[("orderBy", "Title sideways".into())],
    );
    let error = LiveList::open(bad)
        .await
        .err()
        .expect("a bad orderBy is refused");
    assert_eq!(field(&error, "code").as_deref(), Some("invalid-options"));
}
