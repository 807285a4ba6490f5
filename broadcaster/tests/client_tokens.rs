//! `--client-token`: socket.io 3/4 clients give the token in the CONNECT payload, socket.io
//! 2.x and plain-ws clients in `?token=`; anyone else is refused before hearing anything.

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use sp_broadcaster::Config;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

const WAIT: Duration = Duration::from_secs(5);

fn with_tokens() -> Config {
    Config {
        client_tokens: vec!["t1".into(), "t 2&".into()],
        ..Config::default()
    }
}

#[tokio::test]
async fn socket_io_clients_need_a_token_in_auth_or_the_query() {
    let h = start(with_tokens()).await;
    let a = h.local_addr();
    // Refused: none, a wrong one, one of the right ones in the wrong place.
    let mut refused = vec![];
    for (eio, query, connect) in [
        (4, "", "40"),
        (4, "", r#"40{"token":"t3"}"#),
        (4, "", r#"40{"Token":"t1"}"#),
        (3, "", ""),
        (3, "&token=t3", ""),
    ] {
        let (ws, answer) = sio_attempt(a, eio, query, connect).await;
        assert!(
            answer.starts_with("44") && answer.contains("Not authorized"),
            "EIO={eio} {query:?} {connect:?}: {answer}"
        );
        refused.push(ws);
    }
    // Admitted, and hearing webhooks: 4.x with auth, 4.x and 2.x with the query.
    let mut admitted = vec![];
    for (eio, query, connect) in [
        (4, "", r#"40{"token":"t1"}"#),
        (4, "&token=t%202%26", "40"),
        (3, "&token=t1", ""),
    ] {
        let (ws, answer) = sio_attempt(a, eio, query, connect).await;
        assert!(answer.starts_with("40"), "EIO={eio} {query:?}: {answer}");
        admitted.push(ws);
    }
    wait_sockets(a, 3).await;
    let entries = [entry(L1, None)];
    assert_eq!(post_webhook(a, &body(&entries)).await.status, 202);
    for ws in &mut admitted {
        let event = next_packet(ws, WAIT).await.expect("the event");
        assert_eq!(list_changes(&event), forwarded(&entries));
    }
    for ws in &mut refused {
        let next = next_packet(ws, Duration::from_millis(300)).await;
        assert!(next.is_none(), "a refused client heard {next:?}");
    }
    h.shutdown().await;
}

#[tokio::test]
async fn plain_websocket_clients_need_a_token_in_the_query() {
    let h = start(with_tokens()).await;
    let a = h.local_addr();
    for path in ["/ws", "/ws?token=t3", "/ws?Token=t1"] {
        let mut ws = ws_connect(a, path).await;
        let close = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a close");
        match close {
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!(frame.code, CloseCode::from(4401), "{path}");
                assert_eq!(frame.reason.as_str(), "Not authorized", "{path}");
            }
            other => panic!("{path}: {other:?}"),
        }
    }
    let mut ws = ws_connect(a, "/ws?token=t1").await;
    // Registered asynchronously: wait until the server counts it.
    for _ in 0..100 {
        if health(a).await["sockets"]["ws"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let entries = [entry(L2, None)];
    assert_eq!(post_webhook(a, &body(&entries)).await.status, 202);
    let frame = ws_next_text(&mut ws, WAIT).await.expect("the event");
    let v: serde_json::Value = serde_json::from_str(&frame).unwrap();
    assert_eq!(v["data"], serde_json::json!(forwarded(&entries)));
    h.shutdown().await;
}

/// A refused browser has usually sent its first message (its list subscription) before
/// the close frame arrives. The server must read on until the client answers the close:
/// a socket dropped with unread data is reset, and a reset can reach the client before it
/// read the close frame, which then shows as 1006 with no reason (no refusal reported).
#[tokio::test]
async fn a_refused_plain_websocket_that_spoke_first_still_reads_the_refusal() {
    use futures_util::SinkExt;
    let h = start(with_tokens()).await;
    let a = h.local_addr();
    for round in 0..40 {
        let mut ws = ws_connect(a, "/ws?token=t3").await;
        let join = r#"{"event":"subscribe","data":{"lists":["x"]}}"#;
        let _ = ws.send(Message::Text(join.into())).await;
        // Let the server finish with the socket before this client reads anything.
        tokio::time::sleep(Duration::from_millis(30)).await;
        let close = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a close");
        match close {
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!(frame.code, CloseCode::from(4401), "round {round}");
            }
            other => panic!("round {round}: {other:?}"),
        }
        // The client's answer to the close is read: the connection ends cleanly, not
        // with a reset.
        let end = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("the end");
        assert!(end.is_none(), "round {round}: {end:?}");
    }
    h.shutdown().await;
}

#[tokio::test]
async fn without_tokens_anyone_listens() {
    let h = start(Config::default()).await;
    let a = h.local_addr();
    let (_ws, answer) = sio_attempt(a, 4, "", "40").await;
    assert!(answer.starts_with("40{\"sid\""), "{answer}");
    let mut ws = ws_connect(a, "/ws").await;
    assert!(
        ws_next_text(&mut ws, Duration::from_millis(300))
            .await
            .is_none(),
        "no close"
    );
    h.shutdown().await;
}
