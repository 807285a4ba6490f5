//! Browser tests of what makes lists share a change feed, and what a shared feed uses:
//! one feed for a broadcaster however its URL is spelt and for a site whatever the case of
//! its scheme and host; requests through the newest open list's `accessToken` or `fetch`
//! (a web part disposed since is not asked again).
//! Sockets and feeds across copies of sp-live: `browser_sharing.rs`.

#![cfg(target_arch = "wasm32")]

#[path = "support/browser.rs"]
mod browser;
#[path = "support/sim.rs"]
mod sim;

use browser::*;
use js_sys::Function;
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

/// `http://h/sites/dev` and `HTTP://h/sites/dev/` name one site (the scheme and host in
/// any case, as `new URL()` reads them): their lists share one feed (one load), and so
/// their checkpoints.
#[wasm_bindgen_test]
async fn spellings_of_one_site_share_one_feed() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_watched_list("Site spellings").await;
    admin("POST", "counters/reset", None).await;
    let other = format!("HTTP://{}/", SITE.trim_start_matches("http://"));
    let mut lists = vec![
        open_on(BROADCASTER, &list_id, &[]).await,
        open_on(BROADCASTER, &list_id, &[("siteUrl", other.into())]).await,
    ];
    sleep(300).await;
    assert_eq!(counter("items").await, 1, "one load for the two lists");
    let key = |l: &LiveList| js_sys::Reflect::get(&l.checkpoint(), &"key".into()).unwrap();
    assert_eq!(key(&lists[0]), key(&lists[1]));
    for list in &mut lists {
        list.close();
    }
}

/// Asserts that the providers asked since the last look were `who`'s, at least once.
fn only_asked(who: &str, what: &str) {
    let seen = asked();
    assert!(
        !seen.is_empty() && seen.iter().all(|w| w == who),
        "{what}: {seen:?}"
    );
}

/// A list's options with an `accessToken` provider noting `who` ([`provider`]).
fn with_provider(list_id: &str, who: &str) -> JsValue {
    live_list_options(
        BROADCASTER,
        list_id,
        &["Title"],
        &[("accessToken", provider(who))],
    )
}

/// Two web parts show one list with their own token providers: the feed asks the
/// newest open one's, and once that web part closes its list, the other one's (the
/// closed web part's provider may hold a disposed context).
#[wasm_bindgen_test]
async fn a_shared_feed_asks_the_newest_open_list_for_its_token() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_watched_list("Two providers").await;
    asked();
    let mut first = open_on(BROADCASTER, &list_id, &[("accessToken", provider("first"))]).await;
    let mut second = open_on(
        BROADCASTER,
        &list_id,
        &[("accessToken", provider("second"))],
    )
    .await;
    asked();
    add_item(&list_id, "while both are open").await;
    wait_until("the first item", 10_000, || first.items().length() == 6).await;
    only_asked("second", "the newest list's provider");

    second.close();
    add_item(&list_id, "after the second closed").await;
    wait_until("the second item", 10_000, || first.items().length() == 7).await;
    only_asked("first", "the open list's provider once the newest closed");
    first.close();
}

/// A fresh list `title` and two lists opened on it with providers `first` and `second`,
/// before the feed's first turn.
async fn two_lists(title: &str) -> (String, LiveList, LiveList) {
    admin("POST", "reset", None).await;
    let list_id = fresh_watched_list(title).await;
    asked();
    let first = LiveList::open(with_provider(&list_id, "first"));
    let first = first.await.unwrap();
    let second = LiveList::open(with_provider(&list_id, "second"));
    (list_id, first, second.await.unwrap())
}

/// A web part that opens a list and is disposed before the feed's first turn (another
/// web part on the list opened meanwhile) is not asked for the first load's token: the
/// feed's first requests leave through the newest list still open.
#[wasm_bindgen_test]
async fn a_list_closed_before_the_feeds_first_turn_is_not_asked() {
    let _serial = serial().await;
    let (_, mut first, mut second) = two_lists("Closed at once").await;
    first.close();
    wait_until("live", 10_000, || second.status() == "live").await;
    only_asked("second", "only the open list's provider");
    second.close();
}

/// Two lists opened and closed before the feed's first turn: no request leaves (no
/// closed list's provider is asked), and the list opens again afresh.
#[wasm_bindgen_test]
async fn lists_closed_before_the_feeds_first_turn_send_nothing() {
    let _serial = serial().await;
    let (list_id, mut first, mut second) = two_lists("All closed at once").await;
    second.close();
    first.close();
    sleep(300).await;
    assert_eq!(asked(), Vec::<String>::new(), "no closed list's provider");
    let mut again = open_on(BROADCASTER, &list_id, &[("accessToken", provider("again"))]).await;
    assert_eq!(again.items().length(), 5);
    again.close();
}

/// A `fetch` that notes `who` and answers after `delay_ms`.
fn fetch_of(who: &str, delay_ms: u32) -> JsValue {
    let body = format!(
        "(globalThis.__askedFor = globalThis.__askedFor || []).push('{who}'); \
         init.headers['Authorization'] = 'Bearer from-{who}'; \
         return new Promise(r => setTimeout(r, {delay_ms})).then(() => fetch(url, init));"
    );
    Function::new_with_args("url, init", &body).into()
}

/// The newest list's `fetch` is used, and when that list closes while its request is
/// out, the answer still reaches the feed (the other list gets the item), and later
/// requests use the list left open.
#[wasm_bindgen_test]
async fn an_answer_to_a_closed_lists_fetch_still_reaches_the_feed() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_watched_list("Fetch handover").await;
    asked();
    let first = open_on(BROADCASTER, &list_id, &[("fetch", fetch_of("first", 0))]).await;
    let mut second = open_on(BROADCASTER, &list_id, &[("fetch", fetch_of("second", 400))]).await;
    asked();
    add_item(&list_id, "asked through the second").await;
    wait_until("the second fetch is out", 10_000, || {
        js_sys::eval("(globalThis.__askedFor || []).length")
            .unwrap()
            .as_f64()
            > Some(0.0)
    })
    .await;
    second.close();
    wait_until("the item", 10_000, || first.items().length() == 6).await;
    let seen = asked();
    assert_eq!(seen.first().map(String::as_str), Some("second"), "{seen:?}");
    add_item(&list_id, "asked through the first").await;
    wait_until("the next item", 10_000, || first.items().length() == 7).await;
    let seen = asked();
    assert!(
        !seen.is_empty() && seen.iter().all(|w| w == "first"),
        "{seen:?}"
    );
    let mut first = first;
    first.close();
}

/// A checkpoint written by a list on one spelling of the broadcaster resumes a list on
/// another (one feed key): no load.
#[wasm_bindgen_test]
async fn a_checkpoint_resumes_under_another_spelling() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_watched_list("Checkpoint spelling").await;
    let mut list = open_on(BROADCASTER, &list_id, &[]).await;
    let kept = list.checkpoint();
    list.close();
    sleep(100).await;
    admin("POST", "counters/reset", None).await;
    let host = BROADCASTER.trim_start_matches("http://");
    let other = format!("WS://{host}/");
    let mut list = LiveList::open(live_list_options(
        &other,
        &list_id,
        &["Title"],
        &[("resume", kept)],
    ))
    .await
    .unwrap();
    assert_eq!(list.items().length(), 0, "before the first turn");
    wait_until("live", 10_000, || list.status() == "live").await;
    assert_eq!(list.items().length(), 5);
    assert_eq!(counter("list").await, 0, "no load");
    list.close();
}
