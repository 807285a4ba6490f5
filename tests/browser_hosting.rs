//! Browser tests of live lists across copies of sp-live on one page (each SPFx web part
//! bundle carries its own): the copy that opens the first list hosts the page's lists of
//! its version, and the others open theirs through it, sharing feeds.

#![cfg(target_arch = "wasm32")]

#[path = "support/browser.rs"]
mod browser;
#[path = "support/sim.rs"]
mod sim;

use browser::*;
use js_sys::{Array, Function};
use sim::*;
use sp_live::web::LiveList;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Runs JavaScript and returns its value.
fn js(code: &str) -> JsValue {
    js_sys::eval(code).unwrap()
}

/// Where a copy of this version publishes its `LiveList.open` while it hosts lists.
const LISTS_KEY: &str = concat!("lists@", env!("CARGO_PKG_VERSION"));

/// The `LiveList.open` a copy published for this version, if any.
fn host() -> JsValue {
    let get = Function::new_with_args(
        "key",
        "const m = globalThis[Symbol.for('sp-live.ports.1')]; return m && m.get(key);",
    );
    get.call1(&JsValue::NULL, &LISTS_KEY.into()).unwrap()
}

/// Awaits a promise.
async fn settle(promise: JsValue) -> JsValue {
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise))
        .await
        .unwrap()
}

#[wasm_bindgen_test]
async fn lists_of_every_copy_open_in_the_copy_that_hosts_them() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Hosted", 3).await;
    subscribe_webhook(&list_id, &format!("{BROADCASTER}/api/webhook")).await;
    assert!(host().is_undefined());
    let options = || live_list_options(BROADCASTER, &list_id, &["Title"], &[]);

    // This copy opens a list through the JavaScript API: it hosts the page's lists.
    admin("POST", "counters/reset", None).await;
    let mine = settle(LiveList::open_js(options()).into()).await;
    let open: Function = host().dyn_into().expect("a published LiveList.open");
    // Another copy's web part opens the same list through it: one feed, one load.
    let theirs = settle(open.call2(&JsValue::NULL, &0.into(), &options()).unwrap()).await;
    let status = |list: &JsValue| field(list, "status").unwrap_or_default();
    wait_until("both live", 10_000, || {
        status(&mine) == "live" && status(&theirs) == "live"
    })
    .await;
    assert_eq!(counter("list").await, 1, "one load for both");
    add_item(&list_id, "seen by both").await;
    let rows = |list: &JsValue| {
        let items = js_sys::Reflect::get(list, &"items".into()).unwrap();
        Array::from(&items.unchecked_into::<Function>().call0(list).unwrap()).length()
    };
    wait_until("both see the item", 10_000, || {
        rows(&mine) == 4 && rows(&theirs) == 4
    })
    .await;

    // The host withdraws with its last feed.
    let close = |list: &JsValue| {
        let close: Function = js_sys::Reflect::get(list, &"close".into())
            .unwrap()
            .unchecked_into();
        close.call0(list).unwrap();
    };
    close(&mine);
    assert!(host().is_function(), "the other copy's list still open");
    close(&theirs);
    assert!(host().is_undefined());
}

#[wasm_bindgen_test]
async fn a_copy_opens_its_lists_in_the_host_when_there_is_one() {
    let _serial = serial().await;
    let install = Function::new_with_args(
        "key",
        "globalThis.__hostCalls = []; \
         const s = Symbol.for('sp-live.ports.1'); \
         if (!(globalThis[s] instanceof Map)) globalThis[s] = new Map(); \
         globalThis[s].set(key, (op, options) => { __hostCalls.push(options.listId); \
           return Promise.resolve('opened by the host'); });",
    );
    install.call1(&JsValue::NULL, &LISTS_KEY.into()).unwrap();
    let options = live_list_options(BROADCASTER, "some-list", &["Title"], &[]);
    let opened = settle(LiveList::open_js(options).into()).await;
    assert_eq!(opened.as_string().as_deref(), Some("opened by the host"));
    assert_eq!(
        js("JSON.stringify(__hostCalls)").as_string().as_deref(),
        Some(r#"["some-list"]"#)
    );
    // A host that throws is gone: this copy opens the list itself and hosts.
    let install = Function::new_with_args(
        "key",
        "globalThis[Symbol.for('sp-live.ports.1')].set(key, () => { throw new Error('gone'); });",
    );
    install.call1(&JsValue::NULL, &LISTS_KEY.into()).unwrap();
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Self-hosted", 2).await;
    let options = live_list_options(BROADCASTER, &list_id, &["Title"], &[]);
    let list = settle(LiveList::open_js(options).into()).await;
    wait_until("live", 10_000, || {
        field(&list, "status").as_deref() == Some("live")
    })
    .await;
    assert!(host().is_function());
    let close: Function = js_sys::Reflect::get(&list, &"close".into())
        .unwrap()
        .unchecked_into();
    close.call0(&list).unwrap();
    assert!(host().is_undefined());
}

/// Calls `list[method]()`.
fn call(list: &JsValue, method: &str) -> JsValue {
    let f: Function = js_sys::Reflect::get(list, &method.into())
        .unwrap()
        .unchecked_into();
    f.call0(list).unwrap()
}

/// A list hosted for another copy asks that copy's provider while it is the newest, and
/// goes on with it once the host's own list is freed first (the host's provider, of a
/// disposed web part, is not asked again).
#[wasm_bindgen_test]
async fn a_hosted_list_keeps_its_own_provider_when_the_hosts_list_goes_first() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Hosted providers", 3).await;
    subscribe_webhook(&list_id, &format!("{BROADCASTER}/api/webhook")).await;
    let options = |who| {
        live_list_options(
            BROADCASTER,
            &list_id,
            &["Title"],
            &[("accessToken", provider(who))],
        )
    };
    let mine = settle(LiveList::open_js(options("host")).into()).await;
    let open: Function = host().dyn_into().expect("a published LiveList.open");
    let theirs = settle(
        open.call2(&JsValue::NULL, &0.into(), &options("guest"))
            .unwrap(),
    )
    .await;
    let rows = |list: &JsValue| Array::from(&call(list, "items")).length();
    wait_until("both loaded", 10_000, || {
        rows(&mine) == 3 && rows(&theirs) == 3
    })
    .await;
    asked();
    add_item(&list_id, "while both are open").await;
    wait_until("the item", 10_000, || rows(&mine) == 4).await;
    let seen = asked();
    assert!(
        !seen.is_empty() && seen.iter().all(|w| w == "guest"),
        "{seen:?}"
    );
    call(&mine, "free");
    add_item(&list_id, "after the host's list went").await;
    wait_until("the next item", 10_000, || rows(&theirs) == 5).await;
    let seen = asked();
    assert!(
        !seen.is_empty() && seen.iter().all(|w| w == "guest"),
        "{seen:?}"
    );
    assert!(host().is_function(), "still hosting the guest's list");
    call(&theirs, "close");
    assert!(host().is_undefined());
}
