//! Real clients: socket.io-client 2.0.4 (EIO=3) and 4.8.1 (EIO=4) and `ws` in Node, from
//! `tests/fixtures/node_modules` (install with `npm ci --prefix tests/fixtures`).

mod common;

use std::time::Duration;

use common::node::*;
use common::*;
use serde_json::Value;
use sp_broadcaster::Config;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socketio_v2_v4_and_ws_clients_receive_list_changes() {
    let h = start(Config::default()).await;
    let a = h.local_addr();
    let base = format!("http://{a}");
    let ws = format!("ws://{a}/ws");
    let s = |x: &str| x.to_owned();
    let (mut v2, mut v4, mut v2_l1, mut v4_l2, mut ws_all, mut ws_l1) = tokio::join!(
        NodeClient::spawn("v2", "sio_client.js", vec![s("v2"), base.clone()]),
        NodeClient::spawn("v4", "sio_client.js", vec![s("v4"), base.clone()]),
        NodeClient::spawn(
            "v2[L1]",
            "sio_client.js",
            vec![s("v2"), base.clone(), L1.to_uppercase()]
        ),
        NodeClient::spawn(
            "v4[L2]",
            "sio_client.js",
            vec![s("v4"), base.clone(), L2.into()]
        ),
        NodeClient::spawn("ws", "ws_client.js", vec![ws.clone()]),
        NodeClient::spawn("ws[L1]", "ws_client.js", vec![ws.clone(), L1.into()]),
    );
    assert_eq!(health(a).await["sockets"]["total"], 6);

    let entries = vec![
        entry(L1, None),
        entry(L2, Some("cs")),
        entry(L3, None),
        entry(L1, None),
    ];
    assert_eq!(post_webhook(a, &body(&entries)).await.status, 202);
    let entries = forwarded(&entries);
    let only = |l: &str| -> Vec<Value> {
        entries
            .iter()
            .filter(|e| e["resource"] == l)
            .cloned()
            .collect()
    };

    assert_eq!(v2.changes().await, entries);
    assert_eq!(v4.changes().await, entries);
    assert_eq!(ws_all.changes().await, entries);
    assert_eq!(v2_l1.changes().await, only(L1));
    assert_eq!(v4_l2.changes().await, only(L2));
    assert_eq!(ws_l1.changes().await, only(L1));

    // A batch for L3 only: unfiltered clients get it, subscribed ones get nothing.
    let l3 = vec![entry(L3, None)];
    post_webhook(a, &body(&l3)).await;
    let l3 = forwarded(&l3);
    assert_eq!(v2.changes().await, l3);
    assert_eq!(v4.changes().await, l3);
    assert_eq!(ws_all.changes().await, l3);
    let q = Duration::from_millis(300);
    tokio::join!(v2_l1.quiet(q), v4_l2.quiet(q), ws_l1.quiet(q));

    let hj = health(a).await;
    assert_eq!(hj["notifications"]["received"], 5);
    assert_eq!(hj["notifications"]["emitted"], 5);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_keep_v2_and_v4_clients_connected() {
    let cfg = Config {
        ping_interval: Duration::from_millis(200),
        ping_timeout: Duration::from_millis(400),
        ..Config::default()
    };
    let h = start(cfg).await;
    let a = h.local_addr();
    let base = format!("http://{a}");
    let (mut v2, mut v4) = tokio::join!(
        NodeClient::spawn("v2", "sio_client.js", vec!["v2".into(), base.clone()]),
        NodeClient::spawn("v4", "sio_client.js", vec!["v4".into(), base.clone()]),
    );
    // Several heartbeat periods (v2: client pings; v4: server pings) without a disconnect.
    let q = Duration::from_millis(1500);
    tokio::join!(v2.quiet(q), v4.quiet(q));
    assert_eq!(health(a).await["sockets"]["socketio"], 2);
    let e = vec![entry(L1, None)];
    post_webhook(a, &body(&e)).await;
    let e = forwarded(&e);
    assert_eq!(v2.changes().await, e);
    assert_eq!(v4.changes().await, e);
    h.shutdown().await;
    // Shutdown disconnects them ("io server disconnect" or transport close, possibly
    // after a transport error).
    v2.wait_for_disconnect().await;
    v4.wait_for_disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_client_tokens_real_clients_listen_only_with_one() {
    let h = start(Config {
        client_tokens: vec!["t1".into(), "t2".into()],
        ..Config::default()
    })
    .await;
    let a = h.local_addr();
    let base = format!("http://{a}");
    let args = |v: &str| vec![v.to_owned(), base.clone()];
    // socket.io-client 2.0.4 with `query`, 4.8.1 with `auth`.
    let mut v2 = NodeClient::start("v2+token", "sio_client.js", args("v2"), Some("t2"));
    let mut v4 = NodeClient::start("v4+token", "sio_client.js", args("v4"), Some("t1"));
    v2.wait_for("ready").await;
    v4.wait_for("ready").await;
    for (version, token) in [
        ("v2", None),
        ("v4", None),
        ("v2", Some("t3")),
        ("v4", Some("t3")),
    ] {
        let name = format!("{version} with {token:?}");
        let mut c = NodeClient::start(&name, "sio_client.js", args(version), token);
        let v = c
            .next(WAIT)
            .await
            .unwrap_or_else(|| panic!("{name}: no answer"));
        assert_eq!(v["type"], "error", "{name}: {v}");
        assert_eq!(v["message"], "Not authorized", "{name}: {v}");
    }
    let entries = vec![entry(L1, None)];
    assert_eq!(post_webhook(a, &body(&entries)).await.status, 202);
    assert_eq!(v2.changes().await, forwarded(&entries));
    assert_eq!(v4.changes().await, forwarded(&entries));
    h.shutdown().await;
}

/// socket.io-client 2.0.4 does not close its connection when refused, and would reopen it
/// about every second if the server merely closed it. The server sends it DISCONNECT
/// after the refusal ("io server disconnect": it closes and stays closed), then closes the
/// connection. Here with reconnection on, as by default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_v2_client_is_disconnected_and_stays_away() {
    let h = start(Config {
        client_tokens: vec!["t1".into()],
        ..Config::default()
    })
    .await;
    let a = h.local_addr();
    let args = vec!["v2".to_owned(), format!("http://{a}")];
    let env = [("SP_CLIENT_TOKEN", "t3"), ("SP_RECONNECTION", "1")];
    let mut c = NodeClient::start_env("v2 refused", "sio_client.js", args, &env);
    let v = c.next(WAIT).await.expect("an answer");
    assert_eq!(v["type"], "error", "{v}");
    assert_eq!(v["message"], "Not authorized", "{v}");
    let v = c.next(WAIT).await.expect("a disconnect");
    assert_eq!(v["type"], "disconnect", "{v}");
    assert_eq!(v["reason"], "io server disconnect", "{v}");
    // No reconnection attempt (the first would come after 0.5 to 1.5 s).
    c.quiet(Duration::from_millis(3000)).await;
    h.shutdown().await;
}

/// socket.io-client 2.0.4 and 4.8.1 with their default transports (long polling, upgraded
/// to a WebSocket), made to lag by no longer reading their TCP socket, lose their
/// connection (no DISCONNECT) and, reading again, reconnect and get the events that follow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lagging_upgraded_v2_and_v4_clients_reconnect() {
    lagging_upgraded_client_reconnects("v2").await;
    lagging_upgraded_client_reconnects("v4").await;
}

async fn lagging_upgraded_client_reconnects(version: &str) {
    let h = start(slow_ping()).await;
    let a = h.local_addr();
    let args = vec![version.to_owned(), format!("http://{a}")];
    let env = [("SP_RECONNECTION", "1"), ("SP_TRANSPORTS", "default")];
    let name = format!("{version} upgraded");
    let mut c = NodeClient::start_env(&name, "sio_client.js", args, &env);
    let (mut ready, mut upgraded) = (false, false); // in either order
    while !(ready && upgraded) {
        let v = c.wait_for_nonempty().await;
        ready |= v["type"] == "ready";
        upgraded |= v["type"] == "upgrade";
    }
    c.command("pause").await;
    c.wait_for("paused").await;
    // ~200 KiB bodies until the server has let the client go.
    let big = body(&(0..700).map(|_| entry(L1, None)).collect::<Vec<_>>());
    let mut posted = 0;
    while posted < 600 && count(a, "socketio").await == 1 {
        assert_eq!(post_webhook(a, &big).await.status, 202);
        posted += 1;
    }
    assert_eq!(count(a, "socketio").await, 0, "{name}: {posted} webhooks");
    c.command("resume").await;
    let reason = loop {
        let v = c.next(WAIT).await.expect("a disconnect");
        assert_ne!(v["type"], "connect", "{name}: {v}");
        if v["type"] == "disconnect" {
            break v["reason"].clone();
        }
    };
    assert_ne!(reason, "io server disconnect", "{name}");
    c.wait_for("connect").await;
    let small = vec![entry(L2, None)];
    assert_eq!(post_webhook(a, &body(&small)).await.status, 202);
    assert_eq!(c.changes().await, forwarded(&small));
    h.shutdown().await;
}
