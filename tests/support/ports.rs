//! Helpers for tests of the ports through which copies of sp-live on a page share a
//! broadcaster connection (`src/web/peers.rs`). Each test file uses some of them.

#![allow(dead_code)]

use super::browser::*;
use super::sim::*;
use js_sys::{Array, Function};
use sp_live::web::Broadcaster;
use wasm_bindgen::{JsCast, JsValue};

/// Calls a published port: `port(op, a, b)`.
pub fn port_call(port: &Function, op: u32, a: &JsValue, b: &JsValue) -> JsValue {
    port.call3(&JsValue::NULL, &op.into(), a, b).unwrap()
}

/// Runs JavaScript and returns its value.
pub fn js(code: &str) -> JsValue {
    js_sys::eval(code).unwrap()
}

/// The page's published ports for sp-broadcaster's URL: `[key, port]` pairs.
pub fn ports() -> Vec<(String, Function)> {
    ports_for("127.0.0.1:9400")
}

/// The page's published ports whose key names `target`.
pub fn ports_for(target: &str) -> Vec<(String, Function)> {
    let entries = js("[...(globalThis[Symbol.for('sp-live.ports.1')] || new Map()).entries()]");
    Array::from(&entries)
        .iter()
        .map(|pair| {
            let pair = Array::from(&pair);
            (
                pair.get(0).as_string().unwrap(),
                pair.get(1).unchecked_into(),
            )
        })
        .filter(|(key, _)| key.contains(target))
        .collect()
}

/// Waits until no copy publishes a port for sp-broadcaster (a test's lists let go of
/// their connections a turn after they close).
pub async fn no_ports() {
    wait_until("no port left", 5_000, || ports().is_empty()).await;
}

/// What `globalThis.__peer` (the peer of [`peer_recorder`]) was told, as JSON.
pub fn peer_calls() -> String {
    js("JSON.stringify(globalThis.__peerCalls)")
        .as_string()
        .unwrap()
}

/// A peer function `(kind, a, b)` that records its calls in `globalThis.__peerCalls`
/// (an event's arguments parsed).
pub fn peer_recorder() -> Function {
    js("globalThis.__peerCalls = []; \
        (kind, a, b) => { __peerCalls.push([kind, a, kind === 0 ? JSON.parse(b) : b]); }")
    .unchecked_into()
}

/// Installs a port for `key` that records its calls in `globalThis.__portCalls` (an
/// emit's arguments parsed), keeps the peer it is given in `globalThis.__peer` and
/// answers id 5.
pub fn fake_port(key: &str) {
    let install = Function::new_with_args(
        "key",
        "globalThis.__portCalls = []; \
         const port = (op, a, b) => { \
           __portCalls.push([op, op === 0 ? 'peer' : a, op === 2 ? JSON.parse(b) : b]); \
           if (op === 0) globalThis.__peer = a; return op === 0 ? 5 : 0; }; \
         const s = Symbol.for('sp-live.ports.1'); \
         if (!(globalThis[s] instanceof Map)) globalThis[s] = new Map(); \
         globalThis[s].set(key, port);",
    );
    install.call1(&JsValue::NULL, &key.into()).unwrap();
}

pub fn fake_port_calls() -> String {
    js("JSON.stringify(globalThis.__portCalls)")
        .as_string()
        .unwrap()
}

/// The sharing key of sp-broadcaster's connection with [`options`]`("auto")`.
pub async fn broadcaster_key() -> String {
    no_ports().await;
    let mut probe = Broadcaster::connect(BROADCASTER.into(), options("auto"))
        .await
        .unwrap();
    let key = ports()[0].0.clone();
    probe.close();
    key
}
