//! Browser tests of `auth` functions across copies of sp-live sharing one connection
//! through a port (`src/web/peers.rs`): each attempt asks the newest holder's function,
//! whichever copy holds it.

#![cfg(target_arch = "wasm32")]

#[path = "support/browser.rs"]
mod browser;
#[path = "support/ports.rs"]
mod ports;
#[path = "support/sim.rs"]
mod sim;

use browser::*;
use js_sys::Function;
use ports::*;
use sp_live::web::{Broadcaster, LiveList};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Options for the socket.io 4 fixture with an `auth` function whose body is `body` (its
/// argument is `cb`).
fn with_auth(body: &str) -> JsValue {
    let o = options("socket.io-v4");
    let ask = Function::new_with_args("cb", body);
    js_sys::Reflect::set(&o, &"auth".into(), &ask).unwrap();
    o
}

/// With `auth` functions, copies hand theirs over through the port: a peer's, given when
/// it attaches (op 0's third argument), is asked once this copy's holder let go; and this
/// copy gives its own when it joins another copy's connection.
#[wasm_bindgen_test]
async fn copies_hand_their_auth_functions_over_through_the_port() {
    let _serial = serial().await;
    let sio4 = "127.0.0.1:9304";
    let with_auth = |who: &str| with_auth(&format!("globalThis.__asked.push('{who}'); cb({{}});"));
    js("globalThis.__asked = []");
    let url = format!("http://{sio4}");
    let mut own = Broadcaster::connect(url.clone(), with_auth("own"))
        .await
        .unwrap();
    wait_open(&own).await;
    let (key, port) = ports_for(sio4).pop().expect("a port");
    assert!(key.ends_with("|auth()"), "{key}");
    let peer_auth = js("(cb) => { globalThis.__asked.push('peer'); cb({}); }");
    let id = port_call(&port, 0, &peer_recorder(), &peer_auth);
    own.close();
    supervisor("/ctl/sio4/drop", None).await;
    wait_until("the peer's function asked", 5_000, || {
        js("globalThis.__asked.join()").as_string().unwrap() == "own,peer"
    })
    .await;
    port_call(&port, 1, &id, &JsValue::UNDEFINED);
    wait_until("withdrawn", 5_000, || ports_for(sio4).is_empty()).await;

    // This copy joins another's connection (a fake port) and gives its function.
    fake_port(&key);
    let mut joined = Broadcaster::connect(url, with_auth("joined"))
        .await
        .unwrap();
    assert_eq!(
        js("typeof globalThis.__portCalls[0][2]")
            .as_string()
            .as_deref(),
        Some("function")
    );
    joined.close();
    js("globalThis[Symbol.for('sp-live.ports.1')].clear()");
}

/// The function this copy hands to another copy's connection asks this copy's newest
/// holder when the owner calls it, not the first one (a disposed web part whose function
/// may fail or give a stale token); its answer, by callback or promise, and its throw
/// reach the owner.
#[wasm_bindgen_test]
async fn the_function_handed_over_asks_the_newest_holder_of_this_copy() {
    let _serial = serial().await;
    let url = "http://127.0.0.1:9304".to_owned();
    js("globalThis[Symbol.for('sp-live.ports.1')]?.clear()");
    let key = {
        let mut probe = Broadcaster::connect(url.clone(), with_auth("cb({})"))
            .await
            .unwrap();
        let key = ports_for("127.0.0.1:9304").pop().expect("a port").0;
        probe.close();
        key
    };
    wait_until("withdrawn", 5_000, || {
        ports_for("127.0.0.1:9304").is_empty()
    })
    .await;
    fake_port(&key);
    let first = "cb({ token: 'first' })";
    let mut first = Broadcaster::connect(url.clone(), with_auth(first))
        .await
        .unwrap();
    let second = "return Promise.resolve({ token: 'second' })";
    let mut second = Broadcaster::connect(url.clone(), with_auth(second))
        .await
        .unwrap();
    // The owner asks as `askAuth` does: a callback, and what the function returns.
    let ask = "new Promise((resolve, reject) => { \
                 const r = globalThis.__portCalls[0][2]((a) => resolve(a)); \
                 Promise.resolve(r).then((a) => a !== undefined && resolve(a), reject); })";
    let token = |answer: JsValue| field(&answer, "token");
    let asked = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(js(ask))).await;
    assert_eq!(token(asked.unwrap()).as_deref(), Some("second"));
    second.close();
    let asked = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(js(ask))).await;
    assert_eq!(token(asked.unwrap()).as_deref(), Some("first"));
    // A third holder whose function throws: the owner sees a rejection.
    let mut third = Broadcaster::connect(url, with_auth("throw new Error('no token')"))
        .await
        .unwrap();
    let asked = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(js(ask))).await;
    assert_eq!(
        field(&asked.unwrap_err(), "message").as_deref(),
        Some("no token")
    );
    third.close();
    first.close();
    js("globalThis[Symbol.for('sp-live.ports.1')].clear()");
}

/// Two lists on one feed in a copy that joined another copy's connection: the first with
/// an `auth` function, the second with none (`auth` is not part of a feed's key). Once the
/// first is closed, the function this copy handed over answers no `auth` (`null`), as a
/// connection of its own would go without, instead of asking the closed list's function
/// (which the feed held on its own handle before) or throwing.
#[wasm_bindgen_test]
async fn the_function_handed_over_answers_none_once_no_open_list_has_one() {
    let _serial = serial().await;
    let url = "http://127.0.0.1:9304";
    js("globalThis[Symbol.for('sp-live.ports.1')]?.clear()");
    let key = {
        let mut probe = Broadcaster::connect(url.into(), with_auth("cb({})"))
            .await
            .unwrap();
        let key = ports_for("127.0.0.1:9304").pop().expect("a port").0;
        probe.close();
        key
    };
    wait_until("withdrawn", 5_000, || {
        ports_for("127.0.0.1:9304").is_empty()
    })
    .await;
    fake_port(&key);
    let list_id = sim::fresh_watched_list("Handed over, then none").await;
    let first_auth = Function::new_with_args("cb", "cb({ token: 'first' })");
    let v4 = ("protocol", "socket.io-v4".into());
    let options =
        |extra: &[(&str, JsValue)]| sim::live_list_options(url, &list_id, &["Title"], extra);
    let mut first = LiveList::open(options(&[v4.clone(), ("auth", first_auth.into())]))
        .await
        .unwrap();
    let mut second = LiveList::open(options(&[v4])).await.unwrap();
    // The attach (a detach of the last test's may come first).
    let ask = "new Promise((resolve, reject) => { \
                 const attach = globalThis.__portCalls.find((c) => c[0] === 0); \
                 const r = attach[2]((a) => resolve(a)); \
                 Promise.resolve(r).then((a) => a !== undefined && resolve(a), reject); })";
    let asked = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(js(ask))).await;
    assert_eq!(field(&asked.unwrap(), "token").as_deref(), Some("first"));
    first.close();
    let asked = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(js(ask))).await;
    assert!(asked.unwrap().is_null(), "no `auth`");
    second.close();
    // The feed lets go of the connection in its next turn: the next test must not join it.
    let detached = "(({ __portCalls: c }) => c.slice(c.findIndex((x) => x[0] === 0)) \
                    .some((x) => x[0] === 1))(globalThis)";
    wait_until("detached", 5_000, || js(detached).is_truthy()).await;
    js("globalThis[Symbol.for('sp-live.ports.1')].clear()");
}
