//! Helpers shared by the browser tests: timers, fetch to the fixture servers,
//! JavaScript callbacks that record what they receive.

#![allow(dead_code)]

use js_sys::{Array, Function, Promise, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The fixture supervisor (tests/fixtures/supervisor.js).
pub const SUPERVISOR: &str = "http://127.0.0.1:9300";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_init(url: &str, init: &JsValue) -> Promise;
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

/// Polls `condition` every 20 ms until it holds; panics with `what` after `timeout_ms`.
pub async fn wait_until(what: &str, timeout_ms: i32, mut condition: impl FnMut() -> bool) {
    let mut waited = 0;
    while !condition() {
        assert!(
            waited < timeout_ms,
            "timed out after {timeout_ms} ms waiting for {what}"
        );
        sleep(20).await;
        waited += 20;
    }
}

/// `fetch(url, {method, body})` and the response body parsed as JSON (or as text
/// when it is not JSON).
pub async fn request(method: &str, url: &str, body: Option<&str>) -> JsValue {
    request_with(method, url, body, &[]).await
}

/// [`request`] with extra headers; asks SharePoint for `odata=nometadata` JSON.
pub async fn request_with(
    method: &str,
    url: &str,
    body: Option<&str>,
    extra: &[(&str, &str)],
) -> JsValue {
    let init = js_sys::Object::new();
    Reflect::set(&init, &"method".into(), &method.into()).unwrap();
    if let Some(body) = body {
        Reflect::set(&init, &"body".into(), &body.into()).unwrap();
    }
    let headers = js_sys::Object::new();
    Reflect::set(&headers, &"content-type".into(), &"application/json".into()).unwrap();
    Reflect::set(
        &headers,
        &"accept".into(),
        &"application/json;odata=nometadata".into(),
    )
    .unwrap();
    for (name, value) in extra {
        Reflect::set(&headers, &(*name).into(), &(*value).into()).unwrap();
    }
    Reflect::set(&init, &"headers".into(), &headers).unwrap();
    let response = JsFuture::from(fetch_with_init(url, &init))
        .await
        .expect("fetch failed");
    let text_fn: Function = Reflect::get(&response, &"text".into()).unwrap().into();
    let text = JsFuture::from(Promise::from(text_fn.call0(&response).unwrap()))
        .await
        .unwrap();
    let text = text.as_string().unwrap_or_default();
    js_sys::JSON::parse(&text).unwrap_or(JsValue::from(text))
}

/// The URL of a fixture server the supervisor runs, by its name (tests/fixtures/README.md).
pub fn fixture_url(server: &str) -> String {
    let port = match server {
        "sio2" => 9302,
        "sio4" => 9304,
        "sio4eio3" => 9305,
        "sio44" => 9307,
        "sio2auth" => 9308,
        "sio4auth" => 9309,
        "ws" => 9306,
        other => panic!("no fixture server {other}"),
    };
    match server {
        "ws" => format!("http://127.0.0.1:{port}/ws"),
        _ => format!("http://127.0.0.1:{port}"),
    }
}

/// POST to the supervisor.
pub async fn supervisor(path: &str, body: Option<&str>) -> JsValue {
    request("POST", &format!("{SUPERVISOR}{path}"), body).await
}

/// A fixture server's connection counters: (open, total).
pub async fn stats(server: &str) -> (u32, u32) {
    let stats = request("GET", &format!("{SUPERVISOR}/ctl/{server}/stats"), None).await;
    let n = |k: &str| {
        Reflect::get(&stats, &k.into())
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(-1.0) as u32
    };
    (n("open"), n("total"))
}

/// A webhook notification body for `list_id`, as SharePoint sends it.
pub fn webhook_body(list_id: &str) -> String {
    format!(
        r#"{{"value":[{{"subscriptionId":"sub-1","clientState":null,"expirationDateTime":"2027-01-01T00:00:00Z","resource":"{list_id}","tenantId":"t","siteUrl":"/sites/dev","webId":"w"}}]}}"#
    )
}

/// A JavaScript function that records its arguments (as an array per call).
pub struct Recorder {
    pub calls: Rc<RefCell<Vec<Array>>>,
    pub function: Function,
}

impl Recorder {
    pub fn new() -> Self {
        let calls: Rc<RefCell<Vec<Array>>> = Rc::default();
        let sink = calls.clone();
        let closure = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |a: JsValue, b: JsValue| {
            let call = Array::new();
            call.push(&a);
            if !b.is_undefined() {
                call.push(&b);
            }
            sink.borrow_mut().push(call);
        });
        Self {
            calls,
            function: closure.into_js_value().unchecked_into(),
        }
    }

    pub fn len(&self) -> usize {
        self.calls.borrow().len()
    }

    /// The first argument of call `i`.
    pub fn arg(&self, i: usize) -> JsValue {
        self.calls.borrow()[i].get(0)
    }

    /// The first arguments whose `type` is `kind` (a LiveList subscriber's events).
    pub fn of_type(&self, kind: &str) -> Vec<JsValue> {
        (0..self.len())
            .map(|i| self.arg(i))
            .filter(|e| field(e, "type").as_deref() == Some(kind))
            .collect()
    }

    /// The `type` of each first argument, in order.
    pub fn types(&self) -> Vec<String> {
        (0..self.len())
            .filter_map(|i| field(&self.arg(i), "type"))
            .collect()
    }
}

/// Connects to `url` with `options` and records every `list:changes` event: the handle,
/// the recorder and the function that stops the recording.
pub async fn connect_recording(
    url: &str,
    options: JsValue,
) -> (sp_live::web::Broadcaster, Recorder, Function) {
    let hub = sp_live::web::Broadcaster::connect(url.into(), options)
        .await
        .unwrap();
    let events = Recorder::new();
    let off = hub
        .on("list:changes".into(), events.function.clone())
        .unwrap();
    (hub, events, off)
}

/// Waits (up to 10 s) until a broadcaster connection is open.
pub async fn wait_open(hub: &sp_live::web::Broadcaster) {
    wait_until("status open", 10_000, || {
        field(&hub.status(), "state").as_deref() == Some("open")
    })
    .await;
}

/// `value[key]` as a string.
pub fn field(value: &JsValue, key: &str) -> Option<String> {
    Reflect::get(value, &key.into())
        .ok()
        .and_then(|v| v.as_string())
}

/// The `code` of every `error` event a LiveList subscriber recorded, in order.
pub fn error_codes(events: &Recorder) -> Vec<String> {
    (0..events.len())
        .map(|i| events.arg(i))
        .filter(|e| field(e, "type").as_deref() == Some("error"))
        .filter_map(|e| field(&Reflect::get(&e, &"error".into()).ok()?, "code"))
        .collect()
}

/// The `state` of every status call recorded.
pub fn states(recorder: &Recorder) -> Vec<String> {
    (0..recorder.len())
        .filter_map(|i| field(&recorder.arg(i), "state"))
        .collect()
}

/// `{protocol, reconnectionDelay: 100, ...}` options for fast tests.
pub fn options(protocol: &str) -> JsValue {
    let o = js_sys::Object::new();
    Reflect::set(&o, &"protocol".into(), &protocol.into()).unwrap();
    Reflect::set(&o, &"reconnectionDelay".into(), &100.into()).unwrap();
    Reflect::set(&o, &"reconnectionDelayMax".into(), &400.into()).unwrap();
    o.into()
}

thread_local! {
    static BUSY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Held while a test runs: wasm-bindgen-test runs async tests concurrently, and
/// these tests share (and kill) fixture servers.
pub struct Serial;

impl Drop for Serial {
    fn drop(&mut self) {
        BUSY.with(|b| b.set(false));
    }
}

/// Waits for the other tests to finish, then holds the fixtures.
pub async fn serial() -> Serial {
    while BUSY.with(|b| b.replace(true)) {
        sleep(25).await;
    }
    Serial
}

/// Starts recording uncaught errors and unhandled rejections of the page (e.g. a
/// "closure invoked recursively or after being dropped" from a browser callback).
pub fn trap_page_errors() {
    js_sys::eval(
        "if (!globalThis.__spErrors) { globalThis.__spErrors = []; \
         addEventListener('error', (e) => __spErrors.push(String(e.message))); \
         addEventListener('unhandledrejection', (e) => __spErrors.push(String(e.reason))); }",
    )
    .unwrap();
}

/// The uncaught page errors recorded since [`trap_page_errors`].
pub fn page_errors() -> Vec<String> {
    let errors = js_sys::eval("globalThis.__spErrors || []").unwrap();
    js_sys::Array::from(&errors)
        .iter()
        .filter_map(|e| e.as_string())
        .collect()
}

/// `globalThis.spAuth`: what the tests' `auth` functions read and count (`token`, `calls`).
pub fn auth_state() -> JsValue {
    js_sys::Reflect::get(&js_sys::global(), &"spAuth".into()).unwrap()
}

/// Sets `globalThis.spAuth` to `{token, calls}`.
pub fn set_auth_state(token: &str, calls: u32) {
    let state = js_sys::Object::new();
    js_sys::Reflect::set(&state, &"token".into(), &token.into()).unwrap();
    js_sys::Reflect::set(&state, &"calls".into(), &calls.into()).unwrap();
    js_sys::Reflect::set(&js_sys::global(), &"spAuth".into(), &state).unwrap();
}

/// `globalThis.spAuth.calls`: how often the tests' `auth` functions were asked.
pub fn auth_calls() -> u32 {
    let calls = js_sys::Reflect::get(&auth_state(), &"calls".into()).unwrap();
    calls.as_f64().unwrap_or(0.0) as u32
}
