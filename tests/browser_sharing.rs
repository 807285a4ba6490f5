//! Browser tests of what a page shares: the broadcaster's per-list rooms of a socket
//! that many feeds use (a closing feed leaves none), and one connection per broadcaster
//! across copies of sp-live (each SPFx bundle carries its own), through the port a copy
//! publishes. Lists across copies: `browser_hosting.rs`; `auth` across copies:
//! `browser_sharing_auth.rs`.

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
use sim::*;
use sp_live::web::{Broadcaster, LiveList};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_room_stays_while_any_feed_on_the_socket_needs_it() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Rooms", 3).await;
    let other = fresh_list("Another list", 3).await;
    subscribe_webhook(&list_id, &format!("{BROADCASTER}/api/webhook")).await;
    // The socket is in another list's room too: out of every room it would hear all.
    let _other = open_live(&other, &["Title"], &[]).await;
    // Two feeds for one list on one socket (their fields differ), then one of them goes.
    let mut titles = open_live(&list_id, &["Title"], &[]).await;
    let subjects = open_live(&list_id, &["Title", "Subject"], &[]).await;
    titles.close();
    sleep(300).await;
    add_item(&list_id, "after one feed left").await;
    wait_until("the other feed still hears the list's hints", 5_000, || {
        subjects.items().length() == 4
    })
    .await;
}

async fn webhook(list_id: &str) {
    let body = webhook_body(list_id);
    request("POST", &format!("{BROADCASTER}/api/webhook"), Some(&body)).await;
}

#[wasm_bindgen_test]
async fn another_copy_shares_this_copys_connection_through_its_port() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    no_ports().await;
    let before = broadcaster_sockets().await;
    let mut own = Broadcaster::connect(BROADCASTER.into(), options("auto"))
        .await
        .unwrap();
    wait_open(&own).await;
    let published = ports();
    assert_eq!(published.len(), 1, "one port for the connection");
    let port = published[0].1.clone();
    let call = |op: u32, a: &JsValue, b: &JsValue| port_call(&port, op, a, b);

    // Another copy attaches and reads the state (1: open); it keeps the connection
    // when this copy's own handle goes.
    let id = call(0, &peer_recorder(), &JsValue::UNDEFINED);
    assert!(id.as_f64().unwrap() > 0.0);
    assert_eq!(call(3, &JsValue::UNDEFINED, &JsValue::UNDEFINED), 1);
    own.close();
    call(1, &JsValue::from(123_456.0), &JsValue::UNDEFINED); // not a peer: ignored
    sleep(300).await;
    assert_eq!(
        broadcaster_sockets().await,
        before + 1,
        "the peer keeps the socket"
    );
    assert_eq!(ports().len(), 1);

    // Events reach it; its emits reach the server (rooms: then only that list's hints).
    webhook("11111111-1111-1111-1111-111111111111").await;
    wait_until("the peer hears the event", 5_000, || {
        peer_calls().contains(r#"[0,"list:changes",[[{"subscriptionId""#)
    })
    .await;
    let lists = r#"[{"lists":["22222222-2222-2222-2222-222222222222"]}]"#;
    call(2, &"subscribe".into(), &lists.into());
    sleep(200).await;
    js("globalThis.__peerCalls.length = 0");
    webhook("11111111-1111-1111-1111-111111111111").await;
    webhook("22222222-2222-2222-2222-222222222222").await;
    wait_until("the room's hint", 5_000, || {
        peer_calls().contains("22222222")
    })
    .await;
    assert!(!peer_calls().contains("11111111"), "{}", peer_calls());

    // It lets go: the connection closes and the port is withdrawn.
    call(1, &id, &JsValue::UNDEFINED);
    assert!(ports().is_empty(), "withdrawn at once");
    assert_eq!(wait_sockets(before).await, before, "the socket closes");
    // A copy still holding the function gets nothing (copies call ports through a
    // wrapper that turns a throw into NaN).
    let late = port.call3(
        &JsValue::NULL,
        &0.into(),
        &peer_recorder(),
        &JsValue::UNDEFINED,
    );
    assert!(late.map_or(true, |id| id.as_f64().unwrap().is_nan()));
}

#[wasm_bindgen_test]
async fn this_copy_joins_the_connection_another_copy_published() {
    let _serial = serial().await;
    admin("POST", "reset", None).await;
    let list_id = fresh_list("Joined", 3).await;
    no_ports().await;
    let before = broadcaster_sockets().await;
    let key = broadcaster_key().await;
    assert_eq!(wait_sockets(before).await, before);
    fake_port(&key);

    let (mut hub, events, _off) = connect_recording(BROADCASTER, options("auto")).await;
    let list = LiveList::open(live_list_options(BROADCASTER, &list_id, &["Title"], &[]))
        .await
        .unwrap();
    sleep(300).await;
    assert_eq!(broadcaster_sockets().await, before, "no socket of its own");
    assert!(
        fake_port_calls().starts_with(r#"[[0,"peer",null]"#),
        "{}",
        fake_port_calls()
    );
    // The live list asks the other copy's connection to reconnect after a DISCONNECT.
    assert!(
        fake_port_calls().contains("[4,null,null]"),
        "{}",
        fake_port_calls()
    );

    // The other copy's connection opens and hears a webhook for the list.
    js("__peer(1, 1, null)"); // open
    wait_open(&hub).await;
    wait_until("the list loads", 10_000, || list.status() == "live").await;
    add_item(&list_id, "heard through another copy").await;
    let hint = format!(r#"__peer(0, "list:changes", '[[{{"resource":"{list_id}"}}]]')"#);
    js(&hint);
    wait_until("the item arrives", 5_000, || list.items().length() == 4).await;
    assert_eq!(events.len(), 1, "the raw listener hears it too");
    let subscribe = format!(r#"[2,"subscribe",[{{"lists":["{list_id}"]}}]]"#);
    assert!(
        fake_port_calls().contains(&subscribe),
        "{}",
        fake_port_calls()
    );

    hub.emit("hello".into(), vec![JsValue::from(1)]).unwrap();
    drop(list);
    hub.close();
    wait_until("detached", 5_000, || {
        fake_port_calls().contains("[1,5,null]")
    })
    .await;
    let calls = fake_port_calls();
    assert!(calls.contains(r#"[2,"hello",[1]]"#), "{calls}");
    js("globalThis[Symbol.for('sp-live.ports.1')].clear()");
}

#[wasm_bindgen_test]
async fn a_port_that_throws_is_replaced_by_a_connection_of_its_own() {
    let _serial = serial().await;
    no_ports().await;
    let before = broadcaster_sockets().await;
    let key = broadcaster_key().await;
    assert_eq!(wait_sockets(before).await, before);
    let install = Function::new_with_args(
        "key",
        "const s = Symbol.for('sp-live.ports.1'); \
         if (!(globalThis[s] instanceof Map)) globalThis[s] = new Map(); \
         globalThis[s].set(key, () => { throw new Error('closure invoked after being dropped'); });",
    );
    install.call1(&JsValue::NULL, &key.clone().into()).unwrap();
    let mut hub = Broadcaster::connect(BROADCASTER.into(), options("auto"))
        .await
        .unwrap();
    wait_open(&hub).await;
    assert_eq!(broadcaster_sockets().await, before + 1);
    let published = ports();
    assert_eq!(published.len(), 1);
    let answer = published[0]
        .1
        .call3(&JsValue::NULL, &5.into(), &JsValue::NULL, &JsValue::NULL);
    assert!(
        answer.unwrap().as_f64().unwrap().is_nan(),
        "this copy's own port replaced the dead one"
    );
    hub.close();
    no_ports().await;
}

/// This copy's open connection to the socket.io 4 fixture, its port, and the id of a
/// peer attached to it that records what it hears (`peer_calls`).
async fn a_peer_on_sio4() -> (Broadcaster, Function, JsValue) {
    let own = Broadcaster::connect(fixture_url("sio4"), options("auto"))
        .await
        .unwrap();
    wait_open(&own).await;
    let port = ports_for("127.0.0.1:9304")[0].1.clone();
    let id = port_call(&port, 0, &peer_recorder(), &JsValue::UNDEFINED);
    (own, port, id)
}

#[wasm_bindgen_test]
async fn a_peer_hears_the_connection_go_and_come_back() {
    let _serial = serial().await;
    let (mut own, port, id) = a_peer_on_sio4().await;
    let call = |op: u32, a: &JsValue| port_call(&port, op, a, &JsValue::UNDEFINED);
    own.close();
    supervisor("/kill/sio4", None).await;
    wait_until("reconnecting (2)", 5_000, || peer_calls().contains("[1,2,")).await;
    supervisor("/start/sio4", None).await;
    wait_until("open again (1)", 10_000, || peer_calls().contains("[1,1,")).await;
    call(1, &id);
    assert!(ports_for("127.0.0.1:9304").is_empty());
}

#[wasm_bindgen_test]
async fn a_peer_can_ask_for_reconnection_after_a_server_disconnect() {
    let _serial = serial().await;
    let (mut own, port, id) = a_peer_on_sio4().await;
    let call = |op: u32, a: &JsValue| port_call(&port, op, a, &JsValue::UNDEFINED);
    assert_eq!(call(4, &JsValue::UNDEFINED), 0);
    js("globalThis.__peerCalls.length = 0");
    supervisor("/ctl/sio4/disconnect", None).await;
    wait_until("reconnecting (2)", 5_000, || peer_calls().contains("[1,2,")).await;
    wait_until("open again (1)", 10_000, || peer_calls().contains("[1,1,")).await;
    wait_open(&own).await;
    own.close();
    call(1, &id);
    assert!(ports_for("127.0.0.1:9304").is_empty());
}

#[wasm_bindgen_test]
async fn a_peer_cannot_let_go_of_another_handle() {
    let _serial = serial().await;
    no_ports().await;
    let before = broadcaster_sockets().await;
    let (mut own, events, _off) = connect_recording(BROADCASTER, options("auto")).await;
    let port = ports()[0].1.clone();
    let call = |op: u32, a: &JsValue| port_call(&port, op, a, &JsValue::UNDEFINED);
    let id = call(0, &peer_recorder()).as_f64().unwrap() as u32;
    // Every id handed out before the peer's (this copy's own handle among them).
    for other in 0..id {
        call(1, &other.into());
    }
    call(1, &id.into());
    sleep(300).await;
    assert_eq!(
        broadcaster_sockets().await,
        before + 1,
        "this copy's handle holds"
    );
    assert_eq!(field(&own.status(), "state").as_deref(), Some("open"));
    webhook("33333333-3333-3333-3333-333333333333").await;
    wait_until("this copy's listener still hears", 5_000, || {
        events.len() == 1
    })
    .await;
    own.close();
    assert_eq!(wait_sockets(before).await, before);
}
