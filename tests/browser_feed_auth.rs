//! Browser tests of the broadcaster `auth` functions of lists that share a change feed:
//! a reconnection asks the newest open list's, never a closed list's, wherever the feed's
//! connection came from (the first list's options, or a list that moved it there).
//! Sharing feeds: `browser_feed_sharing.rs`; `auth` across copies: `browser_sharing_auth.rs`.

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

/// An `auth` function that notes `who` as [`provider`] does, and answers `{}`.
fn auth_of(who: &str) -> JsValue {
    let body =
        format!("(globalThis.__askedFor = globalThis.__askedFor || []).push('{who}'); cb({{}});");
    Function::new_with_args("cb", &body).into()
}

/// Drops the socket.io 4 fixture's sockets and returns the `auth` functions asked by
/// the reconnection, once `list` is live again.
async fn asked_on_reconnection(list: &LiveList) -> Vec<String> {
    asked();
    supervisor("/ctl/sio4/drop", None).await;
    wait_until("a reconnection", 5_000, || list.status() != "live").await;
    wait_until("live again", 10_000, || list.status() == "live").await;
    asked()
}

/// Two web parts show one list (one feed) through a broadcaster whose `auth` is a
/// function: a reconnection asks the newest open list's, as for lists of two feeds on
/// the connection, and once a web part closes its list, its function is not asked again
/// (it may hold a disposed context).
#[wasm_bindgen_test]
async fn a_shared_feed_asks_the_newest_open_lists_auth_function() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("Two auth functions").await;
    let sio4 = "http://127.0.0.1:9304";
    let with_auth = |who| [("protocol", "socket.io-v4".into()), ("auth", auth_of(who))];
    let mut first = open_on(sio4, &list_id, &with_auth("first")).await;
    let mut second = open_on(sio4, &list_id, &with_auth("second")).await;
    assert_eq!(
        asked_on_reconnection(&second).await,
        ["second"],
        "the newest"
    );
    first.close();
    assert_eq!(
        asked_on_reconnection(&second).await,
        ["second"],
        "the open one"
    );
    let mut third = open_on(sio4, &list_id, &with_auth("third")).await;
    third.close();
    assert_eq!(
        asked_on_reconnection(&second).await,
        ["second"],
        "not a closed one"
    );
    second.close();
}

/// A feed whose connection closed for good moves to the one a list opening on it brings
/// (see `browser_broadcaster_loss.rs`): the open lists' `auth` functions move with it.
/// Before, only the joining list's was held on the new connection, by the feed itself:
/// once that web part closed its list, its function was still the one asked, and the
/// first list's never again.
#[wasm_bindgen_test]
async fn a_feed_moved_to_a_new_connection_asks_its_open_lists_auth_functions() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("Moved auth").await;
    let sio4 = "http://127.0.0.1:9304";
    let with_auth = |who| {
        [
            ("protocol", "socket.io-v4".into()),
            ("auth", auth_of(who)),
            ("reconnectOnServerDisconnect", JsValue::FALSE),
        ]
    };
    let mut first = open_on(sio4, &list_id, &with_auth("first")).await;
    supervisor("/ctl/sio4/disconnect", None).await;
    wait_until("offline", 5_000, || first.status() == "offline").await;
    let mut second = open_on(sio4, &list_id, &with_auth("second")).await;
    assert_eq!(
        asked_on_reconnection(&first).await,
        ["second"],
        "the newest"
    );
    second.close();
    assert_eq!(
        asked_on_reconnection(&first).await,
        ["first"],
        "the open one"
    );
    first.close();
}

/// Two web parts show one list through one broadcaster, spelt differently (one leaves
/// `protocol` to "auto", the other says "socket.io-v4"): one feed, on the first list's
/// connection. The second list's `auth` function is held there (it was held on a
/// connection of its own spelling, which the feed does not use): once the first web part
/// closes its list, its function is not asked again.
#[wasm_bindgen_test]
async fn a_shared_feed_asks_the_auth_function_of_a_list_spelling_the_broadcaster_otherwise() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("Two spellings, two auth functions").await;
    let sio4 = "http://127.0.0.1:9304";
    let mut first = open_on(sio4, &list_id, &[("auth", auth_of("first"))]).await;
    let with_v4 = [
        ("protocol", "socket.io-v4".into()),
        ("auth", auth_of("second")),
    ];
    let mut second = open_on(sio4, &list_id, &with_v4).await;
    assert_eq!(
        asked_on_reconnection(&second).await,
        ["second"],
        "the newest"
    );
    first.close();
    assert_eq!(
        asked_on_reconnection(&second).await,
        ["second"],
        "the open one"
    );
    second.close();
}

/// A feed whose connection closed for good (status `offline`) and a web part that opens
/// a list on it and is disposed before the feed's next turn: the feed does not move to
/// the connection that list's options make (its `auth` function, its `protocol`...), as
/// if it had never opened. Before, the feed moved there and asked the closed list's
/// function on every attempt.
#[wasm_bindgen_test]
async fn a_list_closed_before_the_feed_takes_its_join_brings_no_connection() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("Joined and closed at once").await;
    let sio4 = "http://127.0.0.1:9304";
    let no_reconnect = ("reconnectOnServerDisconnect", JsValue::FALSE);
    let v4 = ("protocol", "socket.io-v4".into());
    let mut first = open_on(sio4, &list_id, &[v4.clone(), no_reconnect.clone()]).await;
    supervisor("/ctl/sio4/disconnect", None).await;
    wait_until("offline", 5_000, || first.status() == "offline").await;
    asked();
    let with_auth = [v4, no_reconnect, ("auth", auth_of("closed"))];
    let options = live_list_options(sio4, &list_id, &["Title"], &with_auth);
    let mut second = LiveList::open(options).await.unwrap();
    second.close();
    sleep(1_000).await;
    assert_eq!(asked(), Vec::<String>::new(), "the closed list's function");
    assert_eq!(
        first.status(),
        "offline",
        "no connection of the closed list's"
    );
    first.close();
}

/// Two web parts show one list (one feed) through one broadcaster: the first with an
/// `auth` function, the second with none (`auth` is not part of the feed's key), and a
/// third with a fixed `auth`. The feed is on the first list's connection; once that web
/// part closes its list, its function is not asked again: the connection reconnects as
/// the open lists' options would, with no function (the first list decided the
/// broadcaster options: no fixed `auth` either). Before, the feed held the first list's
/// function on its own handle and asked it on every reconnection.
#[wasm_bindgen_test]
async fn a_shared_feed_asks_no_closed_lists_auth_function_when_no_open_list_has_one() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("Auth function, then none").await;
    let sio4 = "http://127.0.0.1:9304";
    let v4 = ("protocol", "socket.io-v4".into());
    let mut first = open_on(sio4, &list_id, &[v4.clone(), ("auth", auth_of("first"))]).await;
    let mut second = open_on(sio4, &list_id, std::slice::from_ref(&v4)).await;
    let fixed = js_sys::JSON::parse("{\"token\":\"fixed\"}").unwrap();
    let mut third = open_on(sio4, &list_id, &[v4, ("auth", fixed)]).await;
    assert_eq!(
        asked_on_reconnection(&second).await,
        ["first"],
        "the only one"
    );
    first.close();
    assert_eq!(
        asked_on_reconnection(&second).await,
        Vec::<String>::new(),
        "not a closed one"
    );
    third.close();
    second.close();
}

/// A feed whose connection closed for good moves to the one a list opening on it brings
/// (see `browser_broadcaster_loss.rs`), here with an `auth` function where the first list
/// has none. Once the web part that moved it closes its list, its function is not asked
/// again: the connection reconnects with no `auth`, as the first list's options would.
/// Before, the feed held it on its own handle on the new connection.
#[wasm_bindgen_test]
async fn a_feed_moved_by_a_list_closed_since_asks_its_auth_function_no_more() {
    let _serial = serial().await;
    let list_id = fresh_watched_list("Moved, then closed").await;
    let sio4 = "http://127.0.0.1:9304";
    let v4 = ("protocol", "socket.io-v4".into());
    let no_reconnect = ("reconnectOnServerDisconnect", JsValue::FALSE);
    let mut first = open_on(sio4, &list_id, &[v4.clone(), no_reconnect.clone()]).await;
    supervisor("/ctl/sio4/disconnect", None).await;
    wait_until("offline", 5_000, || first.status() == "offline").await;
    let with_auth = [v4, no_reconnect, ("auth", auth_of("second"))];
    let mut second = open_on(sio4, &list_id, &with_auth).await;
    assert_eq!(
        asked_on_reconnection(&first).await,
        ["second"],
        "the only one"
    );
    second.close();
    assert_eq!(
        asked_on_reconnection(&first).await,
        Vec::<String>::new(),
        "not a closed one"
    );
    first.close();
}
