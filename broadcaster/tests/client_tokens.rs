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
        // 2.x clients are sent DISCONNECT after the refusal (see the test below).
        while let Some(next) = next_packet(ws, Duration::from_millis(300)).await {
            assert_eq!(next, "41", "a refused client heard {next:?}");
        }
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

/// socket.io-client 2.x keeps its Engine.IO connection open after a refusal (with pings
/// for ever): the server sends it a DISCONNECT after the refusal (so that it closes and
/// does not reconnect) and closes the WebSocket itself soon after. Admitted 2.x clients
/// and refused 3.x/4.x clients are left as they were.
#[tokio::test]
async fn a_refused_socket_io_2_client_is_closed_by_the_server() {
    let h = start(with_tokens()).await;
    let a = h.local_addr();
    let refused_at = tokio::time::Instant::now();
    let (mut refused, answer) = sio_attempt(a, 3, "&token=t3", "").await;
    // socketioxide sends `44{"message":"Not authorized"}` to 2.x clients too.
    assert!(
        answer.starts_with("44") && answer.contains("Not authorized"),
        "{answer}"
    );
    let (mut admitted, answer) = sio_attempt(a, 3, "&token=t1", "").await;
    assert_eq!(answer, "40");
    let (mut refused_v4, answer) = sio_attempt(a, 4, "", "40").await;
    assert!(answer.starts_with("44{"), "{answer}");

    // The refused 2.x client hears a DISCONNECT, then the server closes the WebSocket,
    // although this client answers pings and never closes it.
    let next = next_packet(&mut refused, WAIT).await;
    assert_eq!(next.as_deref(), Some("41"), "after the refusal");
    let left = refused_at + Duration::from_secs(3) - tokio::time::Instant::now();
    assert_eq!(
        heard_until_closed(&mut refused, left).await,
        Some(vec![]),
        "the server closes the refused 2.x client within 3 s"
    );

    // The others are still open: the admitted one hears a webhook, the refused 4.x one
    // hears nothing and is not closed (socketioxide closes it after its connect timeout).
    let entries = [entry(L1, None)];
    assert_eq!(post_webhook(a, &body(&entries)).await.status, 202);
    let event = next_packet(&mut admitted, WAIT).await.expect("the event");
    assert_eq!(list_changes(&event), forwarded(&entries));
    let v4 = heard_until_closed(&mut refused_v4, Duration::from_millis(500)).await;
    assert_eq!(
        v4, None,
        "the refused 4.x client is left open, hearing nothing"
    );
    assert_eq!(health(a).await["sockets"]["socketio"], 1);
    h.shutdown().await;
}

/// A refused socket.io 2.x client that long-polls is not on a connection of its own: a
/// browser's keep-alive connection, or a reverse proxy's pooled one, carries other
/// clients' requests next. The server must not close it (as it does a refused client's
/// own WebSocket): that would cut whatever is in flight on it, here another client's poll.
#[tokio::test]
async fn a_refused_polling_client_leaves_its_shared_connection_open() {
    use tokio::io::BufReader;
    let h = start(with_tokens()).await;
    let a = h.local_addr();
    let mut conn = BufReader::new(tokio::net::TcpStream::connect(a).await.unwrap());
    // engine.io goes by the first `transport`: both are polling sessions.
    for transports in ["polling", "polling&transport=websocket"] {
        let refused = format!("/socket.io/?EIO=3&transport={transports}");
        let refused = keep_alive_get(&mut conn, &refused).await;
        assert!(refused.is_some_and(|open| open.contains("\"sid\"")));
    }
    // Another client's session on the same connection: admitted, then long-polling.
    let open = keep_alive_get(&mut conn, "/socket.io/?EIO=3&transport=polling&token=t1").await;
    let open = open.expect("an open packet");
    let sid = open
        .split("\"sid\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next());
    let poll = format!("/socket.io/?EIO=3&transport=polling&sid={}", sid.unwrap());
    // After the time the server took to close a refused 2.x client's connection.
    let webhook = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(2)).await;
        post_webhook(a, &body(&[entry(L1, None)])).await.status
    });
    let mut heard = String::new();
    while !heard.contains("list:changes") {
        let poll = tokio::time::timeout(WAIT, keep_alive_get(&mut conn, &poll)).await;
        let answer = poll.expect("an answer to the poll");
        heard.push_str(&answer.expect("the connection was closed under another client's poll"));
    }
    assert_eq!(webhook.await.unwrap(), 202);
    drop(conn);
    h.shutdown().await;
}

/// A refused socket.io 2.x client on long polling that ignores its DISCONNECT, and goes
/// on polling and pinging, has its Engine.IO session ended by the server soon after (else
/// it would keep it for ever): then its requests are answered as engine.io answers a
/// session it does not know. Its connection is not closed (see the test above).
#[tokio::test]
async fn a_refused_polling_client_that_stays_loses_its_session() {
    let h = start(Config {
        client_tokens: vec!["t1".into()],
        ping_interval: Duration::from_secs(1),
        ping_timeout: Duration::from_secs(1),
        ..Config::default()
    })
    .await;
    let a = h.local_addr();
    let open = http(
        a,
        "GET",
        "/socket.io/?EIO=3&transport=polling&token=t3",
        &[],
        b"",
    )
    .await;
    let sid = open
        .body
        .split("\"sid\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next());
    let poll = format!("/socket.io/?EIO=3&transport=polling&sid={}", sid.unwrap());
    // An Engine.IO 3 client pings the server; this one more often than it must.
    let pinger = {
        let poll = poll.clone();
        tokio::spawn(async move {
            loop {
                let text = [("Content-Type", "text/plain")];
                http(a, "POST", &poll, &text, b"1:2").await;
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        })
    };
    let mut heard = open.body.clone();
    let ended = tokio::time::timeout(Duration::from_secs(8), async {
        loop {
            let answer = http(a, "GET", &poll, &[], b"").await;
            if answer.status != 200 {
                return answer;
            }
            heard.push_str(&answer.body);
        }
    })
    .await;
    pinger.abort();
    let ended = ended.unwrap_or_else(|_| panic!("the session is still open; heard {heard:?}"));
    assert_eq!(ended.status, 400, "{}", ended.body);
    assert!(ended.body.contains("Session ID unknown"), "{}", ended.body);
    assert!(
        heard.contains("Not authorized") && heard.contains(":41"),
        "{heard}"
    );
    h.shutdown().await;
}
