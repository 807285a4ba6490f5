//! Plain WebSocket frames of one batch: built once and shared by every connection, so
//! every client gets the same bytes, and each only the part its subscription selects.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use sp_broadcaster::Config;

const WAIT: Duration = Duration::from_secs(5);
const QUIET: Duration = Duration::from_millis(300);

/// The exact frame a client must get for `entries` (as posted; `clientState` removed).
fn expected_frame(entries: &[Value]) -> String {
    let data = serde_json::to_string(&forwarded(entries)).unwrap();
    format!(r#"{{"event":"list:changes","data":{data}}}"#)
}

/// Connects a plain-ws client and sets its subscription (`[]` = unfiltered); the server's
/// reply proves the connection's loop is running (so it gets the next batch).
async fn client(addr: std::net::SocketAddr, lists: &[&str]) -> Ws {
    let mut ws = ws_connect(addr, "/ws").await;
    let (event, reply) = if lists.is_empty() {
        ("unsubscribe", "unsubscribed")
    } else {
        ("subscribe", "subscribed")
    };
    ws_send(
        &mut ws,
        &json!({ "event": event, "data": { "lists": lists } }).to_string(),
    )
    .await;
    let r: Value = serde_json::from_str(&ws_next_text(&mut ws, WAIT).await.unwrap()).unwrap();
    assert_eq!(r["event"], reply, "{r}");
    assert_eq!(r["data"]["ok"], true, "{r}");
    ws
}

/// Every frame `ws` receives until it has been quiet for [`QUIET`].
async fn frames(ws: &mut Ws) -> Vec<String> {
    let mut got = Vec::new();
    while let Some(f) = ws_next_text(ws, QUIET).await {
        got.push(f);
    }
    got
}

#[tokio::test]
async fn every_plain_ws_client_gets_the_same_exact_frames_of_a_batch() {
    let h = start(Config::default()).await;
    let a = h.local_addr();
    // Two clients per audience: unfiltered, list 1, list 2, both lists; and one whose
    // list is not in the batch.
    let audiences: [&[&str]; 5] = [&[], &[L1], &[L2], &[L2, L1], &[L3]];
    let mut clients = Vec::new();
    for lists in audiences {
        for _ in 0..2 {
            clients.push((lists, client(a, lists).await));
        }
    }
    wait_sockets(a, clients.len() as u64).await;

    let mut secret = entry(L1, Some("s3cret"));
    secret["subscriptionId"] = "second-of-list-1".into();
    let mut not_a_list = entry(L1, None);
    not_a_list["resource"] = "not-a-list-guid".into();
    let batch = [
        entry(L1, None),
        entry(L2, None),
        not_a_list.clone(),
        secret.clone(),
        json!({ "resource": L2, "unknown": { "kept": [1, 2.5, null] } }),
    ];
    let r = post_webhook(a, &body(&batch)).await;
    assert_eq!((r.status, r.json()), (202, json!({ "accepted": 5 })));

    let all = expected_frame(&batch);
    let list1 = expected_frame(&[batch[0].clone(), batch[3].clone()]);
    let list2 = expected_frame(&[batch[1].clone(), batch[4].clone()]);
    assert!(!all.contains("s3cret"), "{all}");
    // Read every client at once (each waits until it has been quiet for a while).
    let got = futures_util::future::join_all(clients.iter_mut().map(|(_, ws)| frames(ws))).await;
    for ((lists, _), got) in clients.iter().zip(got) {
        let want = match *lists {
            [] => vec![all.clone()],
            [l] if *l == L1 => vec![list1.clone()],
            [l] if *l == L2 => vec![list2.clone()],
            // One frame per list, in order of first appearance in the batch.
            [_, _] => vec![list1.clone(), list2.clone()],
            _ => vec![],
        };
        assert_eq!(got, want, "client subscribed to {lists:?}");
    }
    h.shutdown().await;
}

/// A client message over the 64 KiB limit, in one frame or in fragments, ends the
/// connection with close code 1009 (Message Too Big) and a reason: the client learns why,
/// instead of seeing its connection end with no status.
#[tokio::test]
async fn a_client_message_over_the_limit_is_closed_with_1009() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    use tokio_tungstenite::tungstenite::Message;
    let h = start(Config::default()).await;
    let a = h.local_addr();
    let fragment = |op: Data, fin: bool| {
        Message::Frame(Frame::message(vec![b'a'; 40 * 1024], OpCode::Data(op), fin))
    };
    let oversized: [Vec<Message>; 2] = [
        vec![Message::text("a".repeat(64 * 1024 + 1))],
        vec![fragment(Data::Text, false), fragment(Data::Continue, true)],
    ];
    for (case, frames) in oversized.into_iter().enumerate() {
        let mut ws = client(a, &[]).await;
        for frame in frames {
            // The server may close before the last fragment is out.
            let _ = ws.send(frame).await;
        }
        let close = tokio::time::timeout(WAIT, async {
            loop {
                match ws.next().await {
                    Some(Ok(Message::Close(frame))) => return frame,
                    Some(Ok(_)) => continue,
                    other => panic!("case {case}: no close frame: {other:?}"),
                }
            }
        })
        .await
        .expect("a close frame");
        let close = close.unwrap_or_else(|| panic!("case {case}: a close frame without a code"));
        assert_eq!(close.code, CloseCode::Size, "case {case}");
        assert!(!close.reason.is_empty(), "case {case}: a reason");
    }
    h.shutdown().await;
}

/// A client still sending a message of several MiB when the server closes it with 1009
/// hears 1009 (Node's `ws`), not 1006: the server does not reset the connection before the
/// client could read the close frame.
#[tokio::test]
async fn a_client_still_sending_a_huge_message_hears_1009() {
    use common::node::NodeClient;
    let h = start(Config::default()).await;
    let url = format!("ws://{}/ws", h.local_addr());
    let mut clients = Vec::new();
    for i in 0..4 {
        clients.push(NodeClient::spawn(&format!("ws{i}"), "ws_client.js", vec![url.clone()]).await);
    }
    for c in &mut clients {
        c.command(&format!("send {}", 8 * 1024 * 1024)).await;
    }
    for c in &mut clients {
        let mut seen = Vec::new();
        let close = loop {
            let v = c
                .next(WAIT)
                .await
                .unwrap_or_else(|| panic!("no close: {seen:?}"));
            if v["type"] == "close" {
                break v;
            }
            seen.push(v);
        };
        assert_eq!(close["code"], 1009, "{close} after {seen:?}");
    }
    h.shutdown().await;
}
