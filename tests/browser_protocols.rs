//! Browser tests of `Broadcaster` against each kind of real fixture server (started by
//! `make test-browser` through tests/fixtures/supervisor.js): the seed's socket.io 2.0.4
//! broadcaster (also one whose middleware checks a token), socket.io 4.8 with and
//! without allowEIO3, socket.io 4.4 (no maxPayload in its open packet) and plain ws, each
//! with its protocol named and with `auto`; a plain WebSocket renewed when the browser
//! is back online; an `auth` function asked before every attempt (a rotated token),
//! also by live lists, which share one socket.

#![cfg(target_arch = "wasm32")]

#[path = "support/browser.rs"]
mod browser;
#[path = "support/sim.rs"]
mod sim;

use browser::*;
use js_sys::Array;
use sim::*;
use sp_live::web::{Broadcaster, LiveList};
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

/// `options(protocol)` with `auth` set to a JavaScript function of `cb` whose body is
/// `body`; it may read and count through `globalThis.spAuth` (`token`, `calls`).
fn with_auth_function(protocol: &str, body: &str) -> JsValue {
    let o = options(protocol);
    let ask = js_sys::Function::new_with_args("cb", body);
    js_sys::Reflect::set(&o, &"auth".into(), &ask).unwrap();
    o
}

async fn set_server_token(server: &str, token: &str) {
    let body = format!(r#"{{"token":"{token}"}}"#);
    supervisor(&format!("/ctl/{server}/token"), Some(&body)).await;
}

/// A broadcaster rotates its token and drops every link: the reconnection asks the
/// function again and gets in with the new token (a fixed `auth` would be refused for
/// good), on a 4.x server (the CONNECT payload) and a 2.x one (the URL's query).
#[wasm_bindgen_test]
async fn an_auth_function_is_asked_before_every_attempt_so_a_rotated_token_gets_in() {
    let _serial = serial().await;
    trap_page_errors();
    let forms = [
        // socket.io-client's callback, on 4.x.
        (
            "sio4auth",
            "socket.io-v4",
            "spAuth.calls++; cb({ token: spAuth.token });",
        ),
        // A Promise (an async token provider), on 2.x.
        (
            "sio2auth",
            "socket.io-v2",
            "spAuth.calls++; return Promise.resolve().then(() => ({ token: spAuth.token }));",
        ),
        // A plain return, with `auto` on 2.x (asked again for the 2.x URL).
        (
            "sio2auth",
            "auto",
            "spAuth.calls++; return { token: spAuth.token };",
        ),
    ];
    for (server, protocol, body) in forms {
        set_server_token(server, "fixture-token").await;
        set_auth_state("fixture-token", 0);
        let options = with_auth_function(protocol, body);
        let (mut hub, events, _off) = connect_recording(&fixture_url(server), options).await;
        wait_open(&hub).await;
        let first = auth_calls();
        assert!(first >= 1, "{server}/{protocol}: asked before connecting");

        set_server_token(server, "rotated").await;
        set_auth_state("rotated", first);
        supervisor(&format!("/ctl/{server}/drop"), None).await;
        wait_until("asked again", 5_000, || auth_calls() > first).await;
        wait_open(&hub).await;
        supervisor(&format!("/ctl/{server}/webhook"), Some(&webhook_body(LIST))).await;
        wait_until("the event after the rotation", 5_000, || events.len() == 1).await;
        hub.close();
        set_server_token(server, "fixture-token").await;
    }
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
}

/// A function that throws (or rejects, or answers no object, or what JSON cannot hold)
/// fails that attempt with `protocol-auth` at once; the next attempt asks again and gets in.
#[wasm_bindgen_test]
async fn an_auth_function_that_fails_reports_protocol_auth_and_is_asked_again() {
    let _serial = serial().await;
    trap_page_errors();
    set_server_token("sio4auth", "fixture-token").await;
    set_auth_state("fixture-token", 0);
    let body = concat!(
        "spAuth.calls++;",
        "if (spAuth.calls === 1) throw new Error('token service down');",
        "if (spAuth.calls === 2) return Promise.reject(new Error('still down'));",
        "if (spAuth.calls === 3) return 'not an object';",
        "if (spAuth.calls === 4) return cb(() => 1);",
        "return { token: spAuth.token };",
    );
    let options = with_auth_function("socket.io-v4", body);
    let mut hub = Broadcaster::connect(fixture_url("sio4auth"), options)
        .await
        .unwrap();
    let errors = Recorder::new();
    let _off = hub.on_error(errors.function.clone()).unwrap();
    wait_open(&hub).await;
    assert_eq!(auth_calls(), 5);
    let codes: Vec<_> = (0..errors.len())
        .filter_map(|i| field(&errors.arg(i), "code"))
        .collect();
    assert_eq!(codes, ["protocol-auth"; 4]);
    let messages: Vec<_> = (0..errors.len())
        .filter_map(|i| field(&errors.arg(i), "message"))
        .collect();
    assert!(messages[0].contains("token service down"), "{messages:?}");
    assert!(messages[1].contains("still down"), "{messages:?}");
    assert!(messages[2].contains("object"), "{messages:?}");
    assert!(messages[3].contains("cannot be converted"), "{messages:?}");
    hub.close();
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
}

/// Live lists whose `auth` is a function share one socket (the newest holder's function
/// is asked; once it lets go, the one before) and get their hints through a broadcaster
/// that checks the token.
#[wasm_bindgen_test]
async fn live_lists_whose_auth_is_a_function_share_one_socket_and_hear_hints() {
    let _serial = serial().await;
    trap_page_errors();
    set_server_token("sio4auth", "fixture-token").await;
    set_auth_state("fixture-token", 0);
    admin("POST", "reset", None).await;
    let broadcaster = fixture_url("sio4auth");
    let lists = [fresh_list("AuthA", 3).await, fresh_list("AuthB", 3).await];
    for id in &lists {
        subscribe_webhook(id, &format!("{broadcaster}/api/webhook")).await;
    }
    let (_, before) = stats("sio4auth").await;
    let bodies = [
        "spAuth.calls++; cb({ token: spAuth.token });",
        "spAuth.other = (spAuth.other || 0) + 1; cb({ token: spAuth.token });",
    ];
    let mut open = vec![];
    for (id, body) in lists.iter().zip(bodies) {
        let ask = js_sys::Function::new_with_args("cb", body);
        let extra = [("protocol", "socket.io-v4".into()), ("auth", ask.into())];
        let options = live_list_options(&broadcaster, id, &["Title"], &extra);
        let list = LiveList::open(options).await.unwrap();
        wait_until("live", 10_000, || list.status() == "live").await;
        open.push(list);
    }
    assert_eq!(
        stats("sio4auth").await.1,
        before + 1,
        "one socket for both lists"
    );
    let other = || {
        let n = js_sys::Reflect::get(&auth_state(), &"other".into()).unwrap();
        n.as_f64().unwrap_or(0.0) as u32
    };
    assert_eq!(
        (auth_calls(), other()),
        (1, 0),
        "the first list's function opened it"
    );
    for (id, list) in lists.iter().zip(&open) {
        hears_a_hint(list, id).await;
    }
    // The link drops: the newest holder's function is asked.
    supervisor("/ctl/sio4auth/drop", None).await;
    wait_until("the second function asked", 5_000, || other() == 1).await;
    wait_until("live again", 10_000, || open[0].status() == "live").await;
    assert_eq!(auth_calls(), 1);
    // Its list lets go (a disposed web part): the next attempt asks the one before.
    let mut second = open.pop().unwrap();
    second.close();
    supervisor("/ctl/sio4auth/drop", None).await;
    wait_until("the first function asked again", 5_000, || {
        auth_calls() == 2
    })
    .await;
    assert_eq!(other(), 1, "a holder that let go is not asked");
    wait_until("live again", 10_000, || open[0].status() == "live").await;
    hears_a_hint(&open[0], &lists[0]).await;
    open[0].close();
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
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
