//! Clients and senders that are slow or stop reading: they are dropped or told, never
//! left holding a connection or silently losing events.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use sp_broadcaster::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// [`raw_ws_at`] on the plain-ws path.
async fn raw_ws(addr: SocketAddr) -> TcpStream {
    raw_ws_at(addr, "/ws").await
}

fn fast_ping() -> Config {
    Config {
        ping_interval: Duration::from_millis(200),
        ping_timeout: Duration::from_millis(200),
        ..Config::default()
    }
}

/// A plain-ws client that stops reading is dropped once a frame cannot be handed to it
/// within the ping timeout, instead of blocking its connection's loop forever.
#[tokio::test]
async fn plain_ws_client_that_stops_reading_is_dropped() {
    let h = start(fast_ping()).await;
    let a = h.local_addr();
    let _client = raw_ws(a).await;
    wait_sockets(a, 1).await;
    // ~200 KiB bodies: 60 of them are more than the socket buffers hold.
    let big: Vec<_> = (0..700).map(|_| entry(L1, None)).collect();
    let b = body(&big);
    for _ in 0..60 {
        assert_eq!(post_webhook(a, &b).await.status, 202);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        count(a, "ws").await,
        0,
        "a stalled client is still connected"
    );
    h.shutdown().await;
}

/// A plain-ws client that falls more than 256 batches behind (it stopped reading for a
/// while, but not for the ping timeout) is closed with 1013 "lagged, reconnect" once it
/// reads again, and counted in `/health` as let go for lagging.
#[tokio::test]
async fn plain_ws_client_far_behind_is_closed_with_1013() {
    let h = start(slow_ping()).await;
    let a = h.local_addr();
    let mut client = raw_ws(a).await;
    wait_sockets(a, 1).await;
    // ~200 KiB bodies fill the socket buffers: the connection's loop waits on a send.
    let big: Vec<_> = (0..700).map(|_| entry(L1, None)).collect();
    let b = body(&big);
    for _ in 0..20 {
        assert_eq!(post_webhook(a, &b).await.status, 202);
    }
    // Meanwhile more batches than the connection's queue holds.
    post_one_by_one(a, 300).await;
    assert_eq!(
        lagged(a).await,
        0,
        "noticed only when the loop reads its queue"
    );
    // Reading again: what was in flight, then the close (the server then waits for the
    // client's close, which this client never sends).
    let mut raw = Vec::new();
    let closes = |raw: &[u8]| -> Vec<Vec<u8>> {
        frames(raw)
            .into_iter()
            .filter(|(op, _)| *op == 8)
            .map(|(_, p)| p)
            .collect()
    };
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        let mut chunk = vec![0u8; 1 << 16];
        while closes(&raw).is_empty() {
            match client.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => raw.extend_from_slice(&chunk[..n]),
            }
        }
    });
    assert!(read.await.is_ok(), "no close frame within 20 s");
    let closes = closes(&raw);
    assert_eq!(closes.len(), 1, "one close frame");
    assert_eq!(&closes[0][..2], &1013u16.to_be_bytes(), "close code 1013");
    assert_eq!(&closes[0][2..], b"lagged, reconnect");
    assert_eq!(lagged(a).await, 1);
    drop(client);
    wait_sockets(a, 0).await;
    h.shutdown().await;
}

/// A client that never answers pings is closed with a close frame, not just cut off.
#[tokio::test]
async fn plain_ws_ping_timeout_sends_a_close_frame() {
    let h = start(fast_ping()).await;
    let a = h.local_addr();
    let mut client = raw_ws(a).await;
    let mut raw = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(3), client.read_to_end(&mut raw)).await;
    assert!(read.is_ok(), "the server never closed the connection");
    let got = frames(&raw);
    let close = got.iter().find(|(op, _)| *op == 0x8);
    let (_, payload) = close.unwrap_or_else(|| panic!("no close frame in {got:?}"));
    assert_eq!(&payload[2..], b"ping timeout");
    h.shutdown().await;
}

/// A client's close is answered with a close frame (the closing handshake completes).
#[tokio::test]
async fn plain_ws_client_close_is_answered() {
    let h = start(Config::default()).await;
    let a = h.local_addr();
    let mut ws = ws_connect(a, "/ws").await;
    wait_sockets(a, 1).await;
    ws.send(Message::Close(None)).await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(3), ws.next()).await;
    match got {
        Ok(Some(Ok(Message::Close(_)))) => {}
        other => panic!("expected a close frame back, got {other:?}"),
    }
    h.shutdown().await;
}

/// A request whose headers trickle in (slow loris) is closed after the read timeout.
#[tokio::test]
async fn slow_request_headers_are_cut_off() {
    let h = start(Config {
        read_timeout: Duration::from_millis(300),
        ..Config::default()
    })
    .await;
    let mut s = TcpStream::connect(h.local_addr()).await.unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "connection still open after 3 s");
    h.shutdown().await;
}

/// A webhook body that stalls is answered 408 after the read timeout.
#[tokio::test]
async fn stalled_webhook_body_gets_408() {
    let h = start(Config {
        read_timeout: Duration::from_millis(300),
        ..Config::default()
    })
    .await;
    let mut s = TcpStream::connect(h.local_addr()).await.unwrap();
    let head = "POST /api/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                Content-Length: 100\r\n\r\n{\"value\":";
    s.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(3), s.read(&mut buf))
        .await
        .expect("no answer within 3 s")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(health(h.local_addr()).await["webhooks"]["rejected"], 1);
    h.shutdown().await;
}
