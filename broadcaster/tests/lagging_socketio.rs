//! socket.io clients whose buffer overflows (they stopped reading or polling): they are
//! sent nothing more and are cut off in a way their client recovers from by reconnecting
//! (a lost connection, or an unknown Engine.IO session), never with a DISCONNECT, after
//! which a standard socket.io client stays away for good.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use sp_broadcaster::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What engine.io answers a request for a session it does not know.
const UNKNOWN_SESSION: &str = r#"{"code":1,"message":"Session ID unknown"}"#;

/// Posts ~200 KiB webhooks until the one socket.io client is gone (at most 600): the
/// socket buffers and socketioxide's 256 packets of a client that stopped reading fill up.
/// Returns how many were posted.
async fn overflow_a_reader(a: SocketAddr) -> u64 {
    let big: Vec<_> = (0..700).map(|_| entry(L1, None)).collect();
    let b = body(&big);
    let mut posted = 0u64;
    while posted < 600 && count(a, "socketio").await == 1 {
        assert_eq!(post_webhook(a, &b).await.status, 202);
        posted += 1;
    }
    posted
}

/// Reads everything `client` is sent into `raw` until its connection ends (`true`) or
/// `wait` has passed (`false`).
async fn read_until_closed(client: &mut TcpStream, raw: &mut Vec<u8>, wait: Duration) -> bool {
    let read = tokio::time::timeout(wait, async {
        let mut chunk = vec![0u8; 1 << 16];
        loop {
            match client.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => raw.extend_from_slice(&chunk[..n]),
            }
        }
    });
    read.await.is_ok()
}

/// The text frames in `raw` (server frames).
fn texts(raw: &[u8]) -> Vec<String> {
    frames(raw)
        .into_iter()
        .filter(|(op, _)| *op == 1)
        .map(|(_, p)| String::from_utf8_lossy(&p).into_owned())
        .collect()
}

/// Sends `text` as one masked text frame (as a client must) on a raw WebSocket.
async fn raw_ws_send(client: &mut TcpStream, text: &str) {
    let mask = [0x12u8, 0x34, 0x56, 0x78];
    let payload = text.as_bytes();
    assert!(payload.len() < 126, "a short frame");
    let mut frame = vec![0x81, 0x80 | payload.len() as u8];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    client.write_all(&frame).await.unwrap();
}

/// Opens an Engine.IO `eio` long-polling session on `/socket.io/` and joins socket.io's
/// `/` (EIO=4 sends CONNECT; a 2.x server connects by itself); returns its sid once the
/// socket.io socket exists.
async fn polling_sid(a: SocketAddr, eio: u8) -> String {
    let open = http(
        a,
        "GET",
        &format!("/socket.io/?EIO={eio}&transport=polling"),
        &[],
        b"",
    )
    .await;
    let (_, rest) = open.body.split_once(r#""sid":""#).expect("an open packet");
    let sid = rest.split('"').next().unwrap().to_owned();
    if eio == 4 {
        let p = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
        let text = [("Content-Type", "text/plain")];
        assert_eq!(http(a, "POST", &p, &text, b"40").await.status, 200);
    }
    wait_until_socketio(a, 1).await;
    sid
}

/// Upgrades the polling session `sid` to a raw WebSocket (the probe, then `5`), as
/// engine.io-client does; what the server sent meanwhile is put in `raw`.
async fn upgrade(a: SocketAddr, eio: u8, sid: &str, raw: &mut Vec<u8>) -> TcpStream {
    let path = format!("/socket.io/?EIO={eio}&transport=websocket&sid={sid}");
    let mut client = raw_ws_at(a, &path).await;
    raw_ws_send(&mut client, "2probe").await;
    let probed = tokio::time::timeout(SIO_WAIT, async {
        let mut chunk = vec![0u8; 4096];
        while !texts(raw).iter().any(|t| t == "3probe") {
            let n = client.read(&mut chunk).await.unwrap();
            assert_ne!(n, 0, "closed during the upgrade");
            raw.extend_from_slice(&chunk[..n]);
        }
    });
    assert!(probed.await.is_ok(), "no 3probe: {:?}", texts(raw));
    raw_ws_send(&mut client, "5").await;
    client
}

/// A socket.io client on a WebSocket of its own whose buffer overflows (it stopped reading)
/// loses its connection, which every socket.io client reopens (and catches up after).
#[tokio::test]
async fn a_lagging_socketio_websocket_client_loses_its_connection_not_its_session() {
    let h = start(slow_ping()).await;
    let a = h.local_addr();
    // socket.io 2.x (Engine.IO 3): joined to `/` without a word from the client.
    let mut client = raw_ws_at(a, "/socket.io/?EIO=3&transport=websocket").await;
    wait_until_socketio(a, 1).await;
    let posted = overflow_a_reader(a).await;
    let mut raw = Vec::new();
    let closed = read_until_closed(&mut client, &mut raw, Duration::from_secs(10)).await;
    assert!(closed, "the connection stayed open ({posted} webhooks)");
    let texts = texts(&raw);
    let events = texts.iter().filter(|t| t.starts_with("42")).count() as u64;
    assert!(events < posted, "all {posted} events arrived: no overflow");
    assert!(!texts.iter().any(|t| t == "41"), "sent DISCONNECT");
    assert_eq!(count(a, "socketio").await, 0);
    assert_eq!(lagged(a).await, 1);
    h.shutdown().await;
}

/// A client that started with long polling and upgraded to a WebSocket (socket.io-client's
/// default), then stopped reading, loses that WebSocket's connection too: no DISCONNECT.
async fn an_upgraded_client_that_lags_loses_its_connection(eio: u8) {
    let h = start(slow_ping()).await;
    let a = h.local_addr();
    let sid = polling_sid(a, eio).await;
    let mut raw = Vec::new();
    let mut client = upgrade(a, eio, &sid, &mut raw).await;
    let posted = overflow_a_reader(a).await;
    let closed = read_until_closed(&mut client, &mut raw, Duration::from_secs(10)).await;
    assert!(
        closed,
        "eio{eio}: the connection stayed open ({posted} webhooks)"
    );
    let texts = texts(&raw);
    let events = texts.iter().filter(|t| t.starts_with("42")).count() as u64;
    assert!(events > 0, "eio{eio}: no event came over the WebSocket");
    assert!(events < posted, "eio{eio}: all {posted} events arrived");
    assert!(
        !texts.iter().any(|t| t == "41"),
        "eio{eio}: sent DISCONNECT"
    );
    assert_eq!(count(a, "socketio").await, 0, "eio{eio}");
    assert_eq!(lagged(a).await, 1, "eio{eio}");
    h.shutdown().await;
}

#[tokio::test]
async fn a_lagging_upgraded_eio3_client_loses_its_websocket_connection() {
    an_upgraded_client_that_lags_loses_its_connection(3).await;
}

#[tokio::test]
async fn a_lagging_upgraded_eio4_client_loses_its_websocket_connection() {
    an_upgraded_client_that_lags_loses_its_connection(4).await;
}

/// Asserts `r` is engine.io's answer for an unknown session.
fn assert_unknown_session(r: &Resp, what: &str) {
    let start: String = r.body.chars().take(120).collect();
    assert_eq!(r.status, 400, "{what}: {start}");
    assert_eq!(r.header("content-type"), Some("application/json"), "{what}");
    assert_eq!(r.body, UNKNOWN_SESSION, "{what}");
}

/// A long-polling client (socket.io 3/4) that stops polling lags; its session is cut off:
/// its next poll, POST or upgrade attempt is answered as engine.io answers an unknown
/// session, which engine.io-client takes as a transport error (socket.io-client then
/// reconnects), instead of a DISCONNECT (after which it would stay away).
#[tokio::test]
async fn a_lagging_polling_client_is_told_its_session_is_unknown() {
    let h = start(slow_ping()).await;
    let a = h.local_addr();
    let sid = polling_sid(a, 4).await;
    let p = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    let connected = poll_until_connected(a, &p).await;
    assert!(connected.contains("40{"), "{connected}");
    post_one_by_one(a, 300).await; // more than the socket's buffer holds
    assert_eq!(lagged(a).await, 1);
    // A browser's poll: the answer carries CORS headers, so the page sees the 400 itself.
    let origin = [("Origin", "https://tenant.example")];
    let poll = http(a, "GET", &p, &origin, b"").await;
    assert_unknown_session(&poll, "poll");
    let allowed = poll.header("access-control-allow-origin");
    assert_eq!(allowed, Some("https://tenant.example"));
    let text = [("Content-Type", "text/plain")];
    assert_unknown_session(&http(a, "POST", &p, &text, b"3").await, "POST");
    let ws = format!("/socket.io/?EIO=4&transport=websocket&sid={sid}");
    assert_unknown_session(&http(a, "GET", &ws, &[], b"").await, "upgrade");
    h.shutdown().await;
}

/// A lagging long-polling client is cut off, not by closing its first poll's connection:
/// a keep-alive one (a browser's, a reverse proxy's pool) that other requests use next,
/// here another session's long poll. Also when its query names `websocket` after the
/// `transport` engine.io goes by (the first: a polling session).
#[tokio::test]
async fn a_lagging_polling_client_leaves_its_shared_connection_open() {
    let h = start(slow_ping()).await;
    let a = h.local_addr();
    let mut conn = tokio::io::BufReader::new(TcpStream::connect(a).await.unwrap());
    let open = "/socket.io/?EIO=3&transport=polling&transport=websocket";
    let open = keep_alive_get(&mut conn, open)
        .await
        .expect("an open packet");
    assert!(open.contains(r#""sid":""#), "{open}");
    wait_until_socketio(a, 1).await;
    // Another session (engine.io only) long-polls on the same connection meanwhile.
    let other = http(a, "GET", "/socket.io/?EIO=4&transport=polling", &[], b"").await;
    let (_, rest) = other.body.split_once(r#""sid":""#).expect("an open packet");
    let poll = format!(
        "/socket.io/?EIO=4&transport=polling&sid={}",
        rest.split('"').next().unwrap()
    );
    let polling =
        tokio::spawn(async move { while keep_alive_get(&mut conn, &poll).await.is_some() {} });
    post_one_by_one(a, 300).await; // more than the first session's buffer holds
    assert_eq!(lagged(a).await, 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!polling.is_finished(), "the shared connection was closed");
    polling.abort();
    h.shutdown().await;
}

/// A socket.io 2.x polling client that stops polling (but pings) lags and is cut off; once
/// its session has ended on the heartbeat (its pings are refused too) the cut is
/// forgotten: requests with its sid reach Engine.IO again.
#[tokio::test]
async fn a_cut_polling_session_ends_on_the_heartbeat_and_is_forgotten() {
    let h = start(Config {
        ping_interval: Duration::from_millis(1000),
        ping_timeout: Duration::from_millis(1000),
        ..Config::default()
    })
    .await;
    let a = h.local_addr();
    let sid = polling_sid(a, 3).await;
    let p = format!("/socket.io/?EIO=3&transport=polling&sid={sid}");
    // Engine.IO 3: the client pings; these keep the session alive until they are refused.
    let pinger = tokio::spawn({
        let p = p.clone();
        async move {
            let text = [("Content-Type", "text/plain;charset=UTF-8")];
            loop {
                let r = http(a, "POST", &p, &text, b"1:2").await;
                if r.status != 200 {
                    return r;
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    });
    post_one_by_one(a, 300).await;
    assert_eq!(lagged(a).await, 1);
    assert_unknown_session(&http(a, "GET", &p, &[], b"").await, "poll");
    let refused = tokio::time::timeout(Duration::from_secs(2), pinger).await;
    assert_unknown_session(&refused.expect("pings still taken").unwrap(), "ping");
    // The session ends within ping interval + timeout of the last ping taken.
    for _ in 0..40 {
        if count(a, "socketio").await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count(a, "socketio").await, 0, "the session did not end");
    // Engine.IO's own answer now (its code is a string): the cut was forgotten.
    let r = http(a, "GET", &p, &[], b"").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body, r#"{"code":"1","message":"Session ID unknown"}"#);
    h.shutdown().await;
}
