//! Browser tests of `Broadcaster` against the real fixture servers, started by `make
//! test-browser` through tests/fixtures/supervisor.js: heartbeats, reconnection, bad
//! input, one WebSocket per target, callbacks. Which servers it speaks to: browser_protocols.rs.

#![cfg(target_arch = "wasm32")]

#[path = "support/browser.rs"]
mod support;

use sp_live::web::Broadcaster;
use support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const LIST: &str = "5c1ad7e3-13c4-4f2b-9d0e-1b1f3e6a7c01";

#[wasm_bindgen_test]
async fn heartbeats_keep_the_link_past_several_intervals() {
    let _serial = serial().await;
    for (server, protocol) in [("sio2", "socket.io-v2"), ("sio4", "socket.io-v4")] {
        let mut hub = Broadcaster::connect(fixture_url(server), options(protocol))
            .await
            .unwrap();
        let statuses = Recorder::new();
        let _off = hub.on_status(statuses.function.clone()).unwrap();
        wait_open(&hub).await;
        let (_, total_before) = stats(server).await;
        sleep(3_000).await; // pingInterval 400 ms + pingTimeout 800 ms in the fixtures
        assert_eq!(
            states(&statuses).last().map(String::as_str),
            Some("open"),
            "{server}"
        );
        assert!(
            !states(&statuses).contains(&"reconnecting".to_string()),
            "{server}: {:?}",
            states(&statuses)
        );
        assert_eq!(
            stats(server).await.1,
            total_before,
            "{server}: no new connection was needed"
        );
        hub.close();
    }
}

#[wasm_bindgen_test]
async fn reconnects_after_the_server_is_killed_and_restarted() {
    let _serial = serial().await;
    trap_page_errors();
    for (server, protocol) in [("sio2", "auto"), ("sio4", "auto"), ("ws", "websocket")] {
        let mut hub = Broadcaster::connect(fixture_url(server), options(protocol))
            .await
            .unwrap();
        let statuses = Recorder::new();
        let events = Recorder::new();
        let _s = hub.on_status(statuses.function.clone()).unwrap();
        let _e = hub
            .on("list:changes".into(), events.function.clone())
            .unwrap();
        wait_open(&hub).await;
        supervisor(&format!("/kill/{server}"), None).await;
        wait_until("reconnecting", 5_000, || {
            states(&statuses).contains(&"reconnecting".to_string())
        })
        .await;
        sleep(600).await; // a few failed attempts with backoff while the server is down
        supervisor(&format!("/start/{server}"), None).await;
        wait_until("open again", 10_000, || {
            states(&statuses).iter().filter(|s| *s == "open").count() == 2
        })
        .await;
        assert_eq!(
            states(&statuses),
            ["connecting", "open", "reconnecting", "open"],
            "{server}"
        );
        supervisor(&format!("/ctl/{server}/webhook"), Some(&webhook_body(LIST))).await;
        wait_until("events flow again", 5_000, || events.len() == 1).await;
        hub.close();
    }
    sleep(200).await; // late browser callbacks of the closed sockets
    assert_eq!(
        page_errors(),
        Vec::<String>::new(),
        "no uncaught errors (dropped closures)"
    );
}

#[wasm_bindgen_test]
async fn garbage_from_the_server_is_an_error_and_a_reconnect() {
    let _serial = serial().await;
    trap_page_errors();
    for (server, protocol) in [
        ("sio2", "socket.io-v2"),
        ("sio4", "socket.io-v4"),
        ("ws", "websocket"),
    ] {
        let mut hub = Broadcaster::connect(fixture_url(server), options(protocol))
            .await
            .unwrap();
        let statuses = Recorder::new();
        let errors = Recorder::new();
        let _s = hub.on_status(statuses.function.clone()).unwrap();
        let _e = hub.on_error(errors.function.clone()).unwrap();
        wait_open(&hub).await;
        supervisor(&format!("/ctl/{server}/garbage"), None).await;
        wait_until("an error", 5_000, || errors.len() >= 1).await;
        let error = errors.arg(0);
        assert!(
            error.is_instance_of::<js_sys::Error>(),
            "{server}: errors are Error objects"
        );
        assert_eq!(
            field(&error, "code").as_deref(),
            Some("protocol-decode"),
            "{server}"
        );
        wait_until("open again", 10_000, || {
            states(&statuses).iter().filter(|s| *s == "open").count() >= 2
        })
        .await;
        assert_eq!(
            states(&statuses)[..3],
            ["connecting", "open", "reconnecting"],
            "{server}"
        );
        hub.close();
    }
    sleep(200).await;
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
}

#[wasm_bindgen_test]
async fn one_websocket_per_target_shared_by_every_handle() {
    let _serial = serial().await;
    supervisor("/restart/sio4eio3", None).await; // counters from zero
    let mut first = Broadcaster::connect(fixture_url("sio4eio3"), options("auto"))
        .await
        .unwrap();
    let mut second = Broadcaster::connect(fixture_url("sio4eio3"), options("auto"))
        .await
        .unwrap();
    let a = Recorder::new();
    let b = Recorder::new();
    let _a = first.on("list:changes".into(), a.function.clone()).unwrap();
    let _b = second
        .on("list:changes".into(), b.function.clone())
        .unwrap();
    wait_open(&first).await;
    wait_open(&second).await;
    assert_eq!(
        stats("sio4eio3").await,
        (1, 1),
        "one WebSocket at the server"
    );
    supervisor("/ctl/sio4eio3/webhook", Some(&webhook_body(LIST))).await;
    wait_until("both handles get the event", 5_000, || {
        a.len() == 1 && b.len() == 1
    })
    .await;

    first.close();
    sleep(300).await;
    assert_eq!(
        stats("sio4eio3").await.0,
        1,
        "still open for the second handle"
    );
    supervisor("/ctl/sio4eio3/webhook", Some(&webhook_body(LIST))).await;
    wait_until("the second handle still receives", 5_000, || b.len() == 2).await;
    assert_eq!(a.len(), 1, "a closed handle's listeners are gone");

    second.close();
    wait_until("the last close releases the socket", 5_000, || true).await;
    let mut open = 1;
    for _ in 0..50 {
        open = stats("sio4eio3").await.0;
        if open == 0 {
            break;
        }
        sleep(50).await;
    }
    assert_eq!(open, 0, "the last close closes the WebSocket");
}

#[wasm_bindgen_test]
async fn unsubscribe_stops_delivery_and_is_idempotent() {
    let _serial = serial().await;
    let (mut hub, events, off) =
        connect_recording(&fixture_url("sio4"), options("socket.io-v4")).await;
    wait_open(&hub).await;
    supervisor("/ctl/sio4/webhook", Some(&webhook_body(LIST))).await;
    wait_until("first event", 5_000, || events.len() == 1).await;
    off.call0(&JsValue::UNDEFINED).unwrap();
    off.call0(&JsValue::UNDEFINED).unwrap();
    supervisor("/ctl/sio4/webhook", Some(&webhook_body(LIST))).await;
    sleep(300).await;
    assert_eq!(events.len(), 1);
    hub.close();
    off.call0(&JsValue::UNDEFINED).unwrap();
}

#[wasm_bindgen_test]
async fn binary_attachments_arrive_as_array_buffers() {
    let _serial = serial().await;
    let mut hub = Broadcaster::connect(fixture_url("sio4"), options("socket.io-v4"))
        .await
        .unwrap();
    let events = Recorder::new();
    let _off = hub.on("bin".into(), events.function.clone()).unwrap();
    wait_open(&hub).await;
    supervisor("/ctl/sio4/emit-binary", None).await;
    wait_until("binary event", 5_000, || events.len() == 1).await;
    let buffer = events.arg(0);
    assert!(buffer.is_instance_of::<js_sys::ArrayBuffer>());
    assert_eq!(js_sys::Uint8Array::new(&buffer).to_vec(), [1, 2, 3]);
    hub.close();
}

#[wasm_bindgen_test]
async fn bad_options_reject_with_a_coded_error() {
    let _serial = serial().await;
    for (url, protocol) in [
        ("127.0.0.1:9302", "auto"),
        ("http://127.0.0.1:9302", "socket.io-v9"),
    ] {
        let error = match Broadcaster::connect(url.into(), options(protocol)).await {
            Ok(_) => panic!("{url} {protocol} should be refused"),
            Err(e) => e,
        };
        assert!(error.is_instance_of::<js_sys::Error>());
        let code = field(&error, "code").unwrap();
        assert!(
            code == "protocol-config" || code == "invalid-options",
            "{code}"
        );
    }
    // An auth that is neither an object nor a function says what it may be.
    let o = options("auto");
    js_sys::Reflect::set(&o, &"auth".into(), &"token".into()).unwrap();
    let error = Broadcaster::connect("http://127.0.0.1:9302".into(), o)
        .await
        .err()
        .unwrap();
    assert_eq!(field(&error, "code").as_deref(), Some("protocol-config"));
    let message = field(&error, "message").unwrap();
    assert!(message.contains("object, or a function"), "{message}");
    // What JSON cannot hold (a function, a symbol) is a coded error, not a throw out of wasm.
    let symbol = js_sys::eval("Symbol('x')").unwrap();
    let o = options("auto");
    js_sys::Reflect::set(&o, &"auth".into(), &symbol).unwrap();
    let error = Broadcaster::connect("http://127.0.0.1:9302".into(), o)
        .await
        .err();
    assert_eq!(
        field(&error.unwrap(), "code").as_deref(),
        Some("invalid-options")
    );
    let mut hub = Broadcaster::connect("http://127.0.0.1:9302".into(), options("auto"))
        .await
        .unwrap();
    let function = js_sys::Function::new_no_args("return 1");
    for bad in [function.into(), symbol] {
        let error = hub.emit("x".into(), vec![bad]).unwrap_err();
        assert_eq!(field(&error, "code").as_deref(), Some("invalid-options"));
    }
    hub.close();
}

#[wasm_bindgen_test]
async fn callbacks_may_close_and_throw_without_breaking_others() {
    use wasm_bindgen::prelude::Closure;
    let _serial = serial().await;
    let hub = std::rc::Rc::new(std::cell::RefCell::new(
        Broadcaster::connect(fixture_url("sio4"), options("socket.io-v4"))
            .await
            .unwrap(),
    ));
    let thrower = js_sys::Function::new_no_args("throw new Error('listener failure')");
    let _t = hub.borrow().on("list:changes".into(), thrower).unwrap();
    let after = Recorder::new();
    let _a = hub
        .borrow()
        .on("list:changes".into(), after.function.clone())
        .unwrap();
    wait_until("status open", 10_000, || {
        field(&hub.borrow().status(), "state").as_deref() == Some("open")
    })
    .await;
    supervisor("/ctl/sio4/webhook", Some(&webhook_body(LIST))).await;
    wait_until("the listener after a throwing one", 5_000, || {
        after.len() == 1
    })
    .await;

    // A listener that reads the status and closes its own handle mid-dispatch.
    let seen = std::rc::Rc::new(std::cell::Cell::new(0));
    let (h, s) = (hub.clone(), seen.clone());
    let closer = Closure::<dyn FnMut(JsValue)>::new(move |_payload: JsValue| {
        let _ = h.borrow().status();
        h.borrow_mut().close();
        s.set(s.get() + 1);
    });
    let _c = hub
        .borrow()
        .on(
            "list:changes".into(),
            closer.into_js_value().unchecked_into(),
        )
        .unwrap();
    supervisor("/ctl/sio4/webhook", Some(&webhook_body(LIST))).await;
    wait_until("the closing listener ran", 5_000, || seen.get() == 1).await;
    sleep(200).await;
    assert_eq!(
        field(&hub.borrow().status(), "state").as_deref(),
        Some("closed")
    );
    assert!(
        hub.borrow().on("x".into(), after.function.clone()).is_err(),
        "closed handles refuse listeners"
    );
}

#[wasm_bindgen_test]
async fn infinite_attempts_and_timeout_mean_unlimited_as_in_socket_io_client() {
    let _serial = serial().await;
    let o = options("auto");
    js_sys::Reflect::set(&o, &"reconnectionAttempts".into(), &f64::INFINITY.into()).unwrap();
    js_sys::Reflect::set(&o, &"timeout".into(), &f64::INFINITY.into()).unwrap();
    let mut hub = Broadcaster::connect(fixture_url("sio4"), o).await.unwrap();
    wait_open(&hub).await;
    hub.close();
}

#[wasm_bindgen_test]
async fn a_url_the_browser_refuses_closes_with_the_reason() {
    let _serial = serial().await;
    let options = options("websocket");
    js_sys::Reflect::set(&options, &"reconnection".into(), &false.into()).unwrap();
    // Port 99999 passes the core's checks; the WebSocket constructor throws.
    let mut hub = Broadcaster::connect("http://127.0.0.1:99999/ws".into(), options)
        .await
        .unwrap();
    wait_until("closed", 5_000, || {
        field(&hub.status(), "state").as_deref() == Some("closed")
    })
    .await;
    let reason = field(&hub.status(), "reason").unwrap_or_default();
    assert!(
        reason.starts_with("transport close: cannot open ws://127.0.0.1:99999/ws: ")
            && !reason.ends_with(": "),
        "{reason}"
    );
    hub.close();
}

/// An `auth` function that answers after its connection closed: the answer is dropped
/// quietly (no "closure invoked after being dropped" on the page).
#[wasm_bindgen_test]
async fn an_auth_answer_after_close_is_dropped_quietly() {
    let _serial = serial().await;
    trap_page_errors();
    let o = options("socket.io-v4");
    let late = js_sys::Function::new_with_args("cb", "setTimeout(() => cb({ token: 't' }), 300);");
    js_sys::Reflect::set(&o, &"auth".into(), &late).unwrap();
    let mut hub = Broadcaster::connect(fixture_url("sio4"), o).await.unwrap();
    sleep(50).await; // asked by now
    hub.close();
    sleep(600).await;
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
}
