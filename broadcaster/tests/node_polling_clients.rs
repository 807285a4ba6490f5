//! Real socket.io-client 2.0.4 (EIO=3) and 4.8.1 (EIO=4) clients in Node on long polling
//! only (`transports: ["polling"]`), from `tests/fixtures/node_modules` (install with
//! `npm ci --prefix tests/fixtures`): one that lags (it stops polling while more than its
//! 256 packets are queued) is cut off, and reconnects.

mod common;

use common::node::*;
use common::*;

/// Lists the client subscribes to: each webhook below is one event per list for it.
const LISTS: usize = 200;
/// Webhooks posted while the client does not poll: `LISTS` packets each, for a buffer of
/// 256 (a poll answered meanwhile takes at most one payload of 64 KiB).
const WEBHOOKS: usize = 4;

/// The `i`th list GUID of the test.
fn list(i: usize) -> String {
    format!("{i:08x}-0000-4000-8000-000000000000")
}

/// socket.io-client 2.0.4 and 4.8.1 on long polling only, reconnection on (the default),
/// subscribed to 200 lists, block their event loop (no poll) while 800 events are queued
/// for them: the server cuts them off (their next poll is answered `400`, an unknown
/// session), never with DISCONNECT; they reconnect and get the events that follow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lagging_polling_v2_and_v4_clients_reconnect() {
    lagging_polling_client_reconnects("v2").await;
    lagging_polling_client_reconnects("v4").await;
}

async fn lagging_polling_client_reconnects(version: &str) {
    let h = start(slow_ping()).await;
    let a = h.local_addr();
    let lists: Vec<String> = (0..LISTS).map(list).collect();
    let args = vec![version.to_owned(), format!("http://{a}"), lists.join(",")];
    let env = [("SP_RECONNECTION", "1"), ("SP_TRANSPORTS", "polling")];
    let name = format!("{version} polling");
    let mut c = NodeClient::start_env(&name, "sio_client.js", args, &env);
    c.wait_for("ready").await;
    assert_eq!(count(a, "socketio").await, 1, "{name}");

    // The client blocks until this file exists.
    let unblock = std::env::temp_dir().join(format!(
        "sp-broadcaster-unblock-{}-{version}",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&unblock);
    c.command(&format!("block {}", unblock.display())).await;
    c.wait_for("blocking").await;
    let entries: Vec<_> = lists.iter().map(|l| entry(l, None)).collect();
    let one_per_list = body(&entries);
    for _ in 0..WEBHOOKS {
        post_and_emit(a, &one_per_list).await;
    }
    std::fs::write(&unblock, b"").unwrap();

    // It gets what a poll answered before it blocked took, then its next poll is refused.
    let mut events = 0;
    let reason = loop {
        let v = c.next(WAIT).await.unwrap_or_else(|| {
            panic!("{name}: no disconnect (after {events} events)");
        });
        assert_ne!(v["type"], "connect", "{name}: {v}");
        assert_ne!(v["type"], "upgrade", "{name}: {v}");
        events += (v["type"] == "event") as usize;
        if v["type"] == "disconnect" {
            break v["reason"].clone();
        }
    };
    let _ = std::fs::remove_file(&unblock);
    assert!(
        events < WEBHOOKS * LISTS,
        "{name}: all {events} events came"
    );
    // Not "io server disconnect" (DISCONNECT, after which it stays away): a refused poll.
    assert_eq!(reason, "transport error", "{name}: after {events} events");
    c.wait_for("connect").await;
    // Reconnected (not subscribed again: it gets every list's changes).
    let later = vec![entry(L2, None)];
    assert_eq!(post_webhook(a, &body(&later)).await.status, 202);
    assert_eq!(c.changes().await, forwarded(&later), "{name}");
    h.shutdown().await;
}
