//! socket.io rooms: a client's first `subscribe` is never lost; a socket leaving its last
//! list goes back to every list's notifications, and none falls between the two (it
//! joins "all" before it leaves, and the emitter reads each socket's rooms at once).

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::*;
use futures_util::SinkExt;
use serde_json::{json, Value};
use sp_broadcaster::Config;
use tokio_tungstenite::tungstenite::Message;

const WAIT: Duration = Duration::from_secs(5);
const QUIET: Duration = Duration::from_millis(200);

/// Sends `42<id>["<event>",{"lists":[...]}]` and waits for its ack; `list:changes` events
/// that arrive meanwhile are handed to `on_event`. Returns the ack's value.
async fn request(
    ws: &mut Ws,
    id: u32,
    event: &str,
    lists: &[&str],
    on_event: &mut (dyn FnMut(Vec<Value>) + Send),
) -> Value {
    let packet = json!([event, { "lists": lists }]);
    ws_send(ws, &format!("42{id}{packet}")).await;
    loop {
        let p = next_packet(ws, WAIT).await.expect("ack");
        if p.starts_with("42") {
            on_event(list_changes(&p));
        } else {
            return ack_value(&p, id);
        }
    }
}

/// A client may emit `subscribe` as soon as it has the CONNECT answer: the handlers are
/// in place by then (socketioxide drops an event that has none, without an ack). Many
/// clients, several at once, each subscribing at once: every one is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn subscribe_right_after_connect_is_never_dropped() {
    let h = start(Config::default()).await;
    let a = h.local_addr();
    let tasks: Vec<_> = (0..4u8)
        .map(|t| {
            tokio::spawn(async move {
                let mut dropped = 0;
                for i in 0..100 {
                    let mut ws = sio_connect(a, 3 + (t + i) % 2).await;
                    let subscribe = json!(["subscribe", { "lists": [L1] }]);
                    ws_send(&mut ws, &format!("421{subscribe}")).await;
                    match next_packet(&mut ws, Duration::from_secs(1)).await {
                        Some(ack) => assert_eq!(ack_value(&ack, 1)["lists"], json!([L1])),
                        None => dropped += 1,
                    }
                }
                dropped
            })
        })
        .collect();
    let mut dropped = 0;
    for t in tasks {
        dropped += t.await.unwrap();
    }
    assert_eq!(
        dropped, 0,
        "first subscribe of {dropped} of 400 clients unanswered"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn unsubscribing_from_the_last_list_by_name_brings_back_every_list() {
    let h = start(Config::default()).await;
    let a = h.local_addr();
    for eio in [3u8, 4] {
        let mut ws = sio_connect(a, eio).await;
        let mut none = |e: Vec<Value>| panic!("unexpected event {e:?}");
        let ack = request(&mut ws, 1, "subscribe", &[L1, L2], &mut none).await;
        assert_eq!(ack["ok"], true, "{ack}");
        let ack = request(&mut ws, 2, "unsubscribe", &[L1], &mut none).await;
        assert_eq!(ack, json!({ "ok": true, "lists": [L2] }));

        // Still filtered: only list 2's entries.
        let batch = [entry(L1, None), entry(L2, None), entry(L3, None)];
        assert_eq!(post_webhook(a, &body(&batch)).await.status, 202);
        let got = list_changes(&next_packet(&mut ws, WAIT).await.unwrap());
        assert_eq!(got, forwarded(&batch[1..2]));
        assert_eq!(next_packet(&mut ws, QUIET).await, None);

        // Its last list, named: unfiltered again, every batch whole, once.
        let ack = request(&mut ws, 3, "unsubscribe", &[L2], &mut none).await;
        assert_eq!(ack, json!({ "ok": true, "lists": [] }));
        let batch = [entry(L3, None), entry(L2, None), entry(L1, None)];
        assert_eq!(post_webhook(a, &body(&batch)).await.status, 202);
        let got = list_changes(&next_packet(&mut ws, WAIT).await.unwrap());
        assert_eq!(got, forwarded(&batch), "eio{eio}");
        assert_eq!(next_packet(&mut ws, QUIET).await, None, "eio{eio}");
    }
    h.shutdown().await;
}

/// Lists with no subscriber put ahead of L1 in every batch (an emitter that read the
/// rooms one after the other spent a while on them between "all" and L1).
const OTHER_LISTS: usize = 50;
/// Sockets switching rooms at once, and tasks posting batches at once.
const SWITCHERS: usize = 4;
const POSTERS: u64 = 4;
/// How long the sockets switch rooms while batches keep coming.
const SWITCHING: Duration = Duration::from_secs(2);
/// Quiet after the last batch that ends a switcher's reading.
const DRAIN_QUIET: Duration = Duration::from_secs(3);

/// A batch: an entry for each of [`OTHER_LISTS`] lists, then one of L1 numbered `n`.
fn numbered_batch(n: u64) -> Vec<u8> {
    let mut entries: Vec<Value> = (0..OTHER_LISTS)
        .map(|i| json!({ "resource": format!("{i:08x}-0000-4000-8000-000000000000") }))
        .collect();
    entries.push(json!({ "subscriptionId": format!("n{n}"), "resource": L1 }));
    body(&entries)
}

/// Records the numbers of the L1 entries in an event.
fn record(got: &mut BTreeSet<u64>, entries: Vec<Value>) {
    for e in entries {
        if let Some(n) = e["subscriptionId"]
            .as_str()
            .and_then(|s| s.strip_prefix('n'))
        {
            got.insert(n.parse().unwrap());
        }
    }
}

/// Subscribes `ws` to L1 and unsubscribes it (its only list) until `deadline`; returns
/// the numbers of the batches it got, and how many times it switched.
async fn switch_rooms(ws: &mut Ws, deadline: Instant) -> (BTreeSet<u64>, u32) {
    let mut got = BTreeSet::new();
    let (mut id, mut switches) = (0, 0);
    while Instant::now() < deadline {
        for event in ["subscribe", "unsubscribe"] {
            id += 1;
            let mut on_event = |entries: Vec<Value>| record(&mut got, entries);
            let ack = request(ws, id, event, &[L1], &mut on_event).await;
            assert_eq!(ack["ok"], true, "{ack}");
        }
        switches += 1;
    }
    (got, switches)
}

/// Sockets that keep subscribing to L1 and unsubscribing from it (their only list) while
/// every batch holds an L1 entry: each is in L1's room or in "all" at every moment, so
/// each batch reaches it, whatever the emitter was doing when it switched.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_batch_is_lost_while_sockets_switch_rooms() {
    let h = start(Config::default()).await;
    let a = h.local_addr();
    let deadline = Instant::now() + SWITCHING;
    let mut switchers = Vec::new();
    for _ in 0..SWITCHERS {
        let mut ws = sio_connect(a, 4).await;
        switchers.push(tokio::spawn(async move {
            let (mut got, switches) = switch_rooms(&mut ws, deadline).await;
            // The batches still on their way, read by every socket at once: a socket left
            // unread meanwhile would fill its buffer and be disconnected as lagging.
            while let Some(p) = next_packet(&mut ws, DRAIN_QUIET).await {
                assert!(p.starts_with("42"), "not an event (lagging?): {p}");
                record(&mut got, list_changes(&p));
            }
            (got, switches)
        }));
    }
    let posters: Vec<_> = (0..POSTERS)
        .map(|p| {
            tokio::spawn(async move {
                let mut accepted = BTreeSet::new();
                for n in (p..).step_by(POSTERS as usize) {
                    if Instant::now() >= deadline {
                        break;
                    }
                    if post_webhook(a, &numbered_batch(n)).await.status == 202 {
                        accepted.insert(n);
                    }
                }
                accepted
            })
        })
        .collect();
    let mut accepted = BTreeSet::new();
    for p in posters {
        accepted.append(&mut p.await.unwrap());
    }
    let mut missed = Vec::new();
    let mut switches = 0;
    for s in switchers {
        let (got, n) = s.await.unwrap();
        switches += n;
        missed.push(accepted.difference(&got).count());
    }
    eprintln!(
        "{switches} switches, {} batches accepted, {} emitted, missed per socket {missed:?}",
        accepted.len(),
        h.stats().batches_emitted.load(Ordering::Relaxed),
    );
    assert!(accepted.len() > 100, "too few batches: {}", accepted.len());
    assert!(
        missed.iter().all(|m| *m == 0),
        "batches missed (per socket): {missed:?} in {switches} switches"
    );
    h.shutdown().await;
}

/// Rounds of [`concurrent_unsubscribes_leave_a_socket_unfiltered`] per socket.
const UNSUBSCRIBE_ROUNDS: u32 = 20;

/// A socket subscribed to lists A and B (128 each) that unsubscribes from both with two
/// requests sent at once (two components of a page going away, say) must be left with
/// no list, i.e. unfiltered, whichever request runs first. socketioxide runs each request
/// in its own task: when both read the socket's lists before either left its rooms, each
/// saw the other's lists still there, so neither joined "all", and the socket was left in
/// no room at all, where no batch ever reaches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_unsubscribes_leave_a_socket_unfiltered() {
    let h = start(Config::default()).await;
    let a = h.local_addr();
    let io = h.io().clone();
    let lists: Vec<String> = (0..256)
        .map(|i| format!("{i:08x}-0000-4000-8000-000000000000"))
        .collect();
    let lists: Vec<&str> = lists.iter().map(String::as_str).collect();
    let (first, second) = lists.split_at(128);
    let mut ws = ws_connect(a, "/socket.io/?EIO=4&transport=websocket").await;
    ws_next_text(&mut ws, SIO_WAIT).await.expect("open packet");
    ws_send(&mut ws, "40").await;
    let connect = next_packet(&mut ws, SIO_WAIT).await.expect("connect");
    let sid: Value = serde_json::from_str(&connect[2..]).unwrap();
    let sid = sid["sid"].as_str().unwrap().parse().unwrap();
    let mut stranded = 0;
    let mut none = |e: Vec<Value>| panic!("unexpected event {e:?}");
    for round in 0..UNSUBSCRIBE_ROUNDS {
        let id = round * 3 + 1;
        let ack = request(&mut ws, id, "subscribe", &lists, &mut none).await;
        assert_eq!(ack["ok"], true, "{ack}");
        // Both in one write, as a page's two requests of one moment go out.
        for (n, half) in [(1, first), (2, second)] {
            let packet = json!(["unsubscribe", { "lists": half }]);
            let text = format!("42{}{packet}", id + n);
            ws.feed(Message::Text(text.into())).await.unwrap();
        }
        ws.flush().await.unwrap();
        for _ in 0..2 {
            let ack = next_packet(&mut ws, WAIT).await.expect("ack");
            assert!(ack.starts_with("43"), "{ack}");
        }
        let socket = io.get_socket(sid).expect("connected");
        if socket.rooms().is_empty() {
            stranded += 1;
        }
    }
    // Where it ends, a batch shows what that means.
    let batch = [entry(L1, None)];
    assert_eq!(post_webhook(a, &body(&batch)).await.status, 202);
    let heard = next_packet(&mut ws, WAIT).await.map(|p| list_changes(&p));
    assert_eq!(
        (stranded, heard),
        (0, Some(forwarded(&batch))),
        "times of {UNSUBSCRIBE_ROUNDS} the socket was left in no room (deaf to every batch)",
    );
    h.shutdown().await;
}
