//! Browser tests of `Broadcaster` against each kind of real fixture server (started by
//! `make test-browser` through tests/fixtures/supervisor.js): the seed's socket.io 2.0.4
//! broadcaster (also one whose middleware checks a token), socket.io 4.8 with and
//! without allowEIO3, socket.io 4.4 (no maxPayload in its open packet) and plain ws, each
//! with its protocol named and with `auto`; a plain WebSocket renewed when the browser
//! is back online.

#![cfg(target_arch = "wasm32")]

#[path = "support/browser.rs"]
mod support;

use js_sys::Array;
use sp_live::web::Broadcaster;
use support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const LIST: &str = "5c1ad7e3-13c4-4f2b-9d0e-1b1f3e6a7c01";

/// Connects, posts a webhook to the server, and checks the parsed payload arrives.
async fn receives_a_webhook(server: &str, protocol: &str) {
    receives_a_webhook_with(server, options(protocol)).await;
}

async fn receives_a_webhook_with(server: &str, options: JsValue) {
    let protocol = field(&options, "protocol").unwrap_or_default();
    let (mut hub, events, _off) = connect_recording(&fixture_url(server), options).await;
    wait_open(&hub).await;
    supervisor(&format!("/ctl/{server}/webhook"), Some(&webhook_body(LIST))).await;
    wait_until("the list:changes event", 5_000, || events.len() == 1).await;
    let payload: Array = events.arg(0).into();
    assert!(
        Array::is_array(&payload),
        "{server}/{protocol}: the JSON string arrives parsed"
    );
    assert_eq!(field(&payload.get(0), "resource").as_deref(), Some(LIST));
    hub.close();
}

#[wasm_bindgen_test]
async fn socket_io_2_0_4_seed_broadcaster() {
    let _serial = serial().await;
    receives_a_webhook("sio2", "socket.io-v2").await;
}

#[wasm_bindgen_test]
async fn socket_io_4() {
    let _serial = serial().await;
    receives_a_webhook("sio4", "socket.io-v4").await;
}

#[wasm_bindgen_test]
async fn socket_io_4_with_allow_eio3_in_both_protocols() {
    let _serial = serial().await;
    receives_a_webhook("sio4eio3", "socket.io-v2").await;
    receives_a_webhook("sio4eio3", "socket.io-v4").await;
}

#[wasm_bindgen_test]
async fn plain_websocket() {
    let _serial = serial().await;
    receives_a_webhook("ws", "websocket").await;
}

/// Back online, a plain WebSocket (no heartbeat would notice its link died) is opened
/// again, and still delivers; a socket.io connection stays (its heartbeat tells).
#[wasm_bindgen_test]
async fn back_online_a_plain_websocket_is_opened_again() {
    let _serial = serial().await;
    trap_page_errors();
    for (server, protocol, renewed) in [("ws", "websocket", true), ("sio4", "auto", false)] {
        let mut hub = Broadcaster::connect(fixture_url(server), options(protocol))
            .await
            .unwrap();
        let statuses = Recorder::new();
        let _off = hub.on_status(statuses.function.clone()).unwrap();
        wait_open(&hub).await;
        let online = js_sys::eval("dispatchEvent(new Event('online'))").unwrap();
        assert_eq!(online, true);
        sleep(300).await;
        let seen = states(&statuses);
        let reconnected = seen.contains(&"reconnecting".to_string());
        assert_eq!(reconnected, renewed, "{server}: {seen:?}");
        wait_open(&hub).await;
        hub.close();
    }
    receives_a_webhook("ws", "websocket").await;
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
}

#[wasm_bindgen_test]
async fn auto_connects_to_2x_and_4x_without_being_told() {
    let _serial = serial().await;
    receives_a_webhook("sio2", "auto").await;
    receives_a_webhook("sio4", "auto").await;
    receives_a_webhook("sio4eio3", "auto").await;
}

#[wasm_bindgen_test]
async fn auto_connects_to_socket_io_4_4_whose_open_packet_has_no_max_payload() {
    let _serial = serial().await;
    receives_a_webhook("sio44", "socket.io-v4").await;
    receives_a_webhook("sio44", "auto").await;
}

#[wasm_bindgen_test]
async fn auth_reaches_a_2x_server_that_checks_it_also_with_auto() {
    let _serial = serial().await;
    let with_token = |protocol: &str, token: &str| {
        let o = options(protocol);
        let auth = js_sys::Object::new();
        js_sys::Reflect::set(&auth, &"token".into(), &token.into()).unwrap();
        js_sys::Reflect::set(&o, &"auth".into(), &auth).unwrap();
        o
    };
    receives_a_webhook_with("sio2auth", with_token("socket.io-v2", "fixture-token")).await;
    // auto: refused at first (the auth is not in a 3.x/4.x URL), then at once as 2.x.
    receives_a_webhook_with("sio2auth", with_token("auto", "fixture-token")).await;
    // A wrong token is refused with the server's message.
    let mut hub = Broadcaster::connect(fixture_url("sio2auth"), with_token("auto", "wrong"))
        .await
        .unwrap();
    let errors = Recorder::new();
    let _off = hub.on_error(errors.function.clone()).unwrap();
    wait_until("a refusal", 10_000, || errors.len() > 0).await;
    assert_eq!(
        field(&errors.arg(0), "code").as_deref(),
        Some("protocol-connect-refused")
    );
    assert!(field(&errors.arg(0), "message")
        .unwrap_or_default()
        .contains("Not authorized"));
    hub.close();
}

#[wasm_bindgen_test]
async fn auto_on_a_2x_server_delivers_each_event_once() {
    let _serial = serial().await;
    let (mut hub, events, _off) = connect_recording(&fixture_url("sio2"), options("auto")).await;
    wait_open(&hub).await;
    supervisor("/ctl/sio2/webhook", Some(&webhook_body(LIST))).await;
    wait_until("the event", 5_000, || events.len() == 1).await;
    sleep(300).await;
    assert_eq!(
        events.len(),
        1,
        "no duplicate namespace socket on the server"
    );
    hub.close();
}
