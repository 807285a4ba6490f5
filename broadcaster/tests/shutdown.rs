//! SIGTERM: the binary closes every plain-WebSocket client with 1001 ("going away") before
//! it exits, so that browsers reconnect (to another instance) rather than see 1006.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

const CLIENTS: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_every_plain_ws_client_with_going_away() {
    // Its log is not read: it must not fill a pipe.
    let mut child = binary().stderr(Stdio::null()).spawn().unwrap();
    let line = first_stdout_line(&mut child).await;
    let addr = line.rsplit("http://").next().unwrap().parse().unwrap();
    let mut readers = Vec::new();
    for _ in 0..CLIENTS {
        let mut ws = ws_connect(addr, "/ws").await;
        // Reads (answering pings and the close) until the close frame or the end.
        readers.push(tokio::spawn(async move {
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Close(frame) = msg {
                    return frame.map(|f| f.code);
                }
            }
            None
        }));
    }
    wait_sockets(addr, CLIENTS as u64).await;
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    assert!(killed.unwrap().success());
    let mut codes = Vec::new();
    for reader in readers {
        let code = tokio::time::timeout(Duration::from_secs(10), reader).await;
        codes.push(code.ok().and_then(Result::ok).flatten());
    }
    let away = codes
        .iter()
        .filter(|c| **c == Some(CloseCode::Away))
        .count();
    assert_eq!(away, CLIENTS, "{codes:?}");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
    assert!(status.unwrap().unwrap().success());
}

/// A webhook whose body is still coming in when the server starts shutting down is not
/// answered `202`: its listeners are being disconnected, so nobody would hear it, and
/// SharePoint does not send again what it was told was accepted. Answered `503`, it is
/// sent again later (to this server restarted, or another instance).
#[tokio::test]
async fn a_webhook_received_while_shutting_down_is_not_accepted() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let h = start(sp_broadcaster::Config::default()).await;
    let a = h.local_addr();
    let mut ws = ws_connect(a, "/ws").await;
    wait_sockets(a, 1).await;
    let b = body(&[entry(L1, None)]);
    let mut post = tokio::net::TcpStream::connect(a).await.unwrap();
    let head = format!(
        "POST /api/webhook HTTP/1.1\r\nHost: {a}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        b.len()
    );
    post.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let shutdown = tokio::spawn(h.shutdown());
    // The listener is closed (1001) with nothing more.
    assert_eq!(ws_next_text(&mut ws, Duration::from_secs(5)).await, None);
    post.write_all(&b).await.unwrap();
    let mut answer = String::new();
    let read = post.read_to_string(&mut answer);
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .unwrap()
        .unwrap();
    let status = answer.lines().next().unwrap_or_default();
    assert!(
        status.starts_with("HTTP/1.1 503"),
        "told SharePoint {status:?}; nobody heard it"
    );
    shutdown.await.unwrap();
}

/// Every webhook answered `202` reaches the listeners before shutdown closes them:
/// SharePoint does not send an accepted notification again, so one still on its way to
/// the listeners when the shutdown starts must not be dropped (plain-ws: exactly; socket.io:
/// given half a second after the last batch, ample for a client that reads).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_webhooks_reach_the_listeners_before_shutdown_closes_them() {
    const WEBHOOKS: usize = 40;
    for round in 0..5 {
        let h = start(sp_broadcaster::Config::default()).await;
        let a = h.local_addr();
        let mut ws = ws_connect(a, "/ws").await;
        let mut sio = sio_connect(a, 4).await;
        wait_sockets(a, 2).await;
        // ~70 KiB bodies: emitting them takes a while.
        let entries: Vec<_> = (0..250).map(|_| entry(L1, None)).collect();
        post_webhooks_at_once(a, &body(&entries), WEBHOOKS).await;
        // Both listeners read as they would: at once, each on its own.
        let plain = tokio::spawn(async move {
            let mut entries = 0;
            while let Some(text) = ws_next_text(&mut ws, Duration::from_secs(5)).await {
                let frame: serde_json::Value = serde_json::from_str(&text).unwrap();
                entries += frame["data"].as_array().map_or(0, Vec::len);
            }
            entries
        });
        let socketio = tokio::spawn(async move {
            let mut entries = 0;
            while let Some(packet) = next_packet(&mut sio, Duration::from_secs(5)).await {
                if packet.starts_with("42") {
                    entries += list_changes(&packet).len();
                }
            }
            entries
        });
        let shutdown = tokio::spawn(h.shutdown());
        let (plain, socketio) = (plain.await.unwrap(), socketio.await.unwrap());
        shutdown.await.unwrap();
        let sent = WEBHOOKS * entries.len();
        assert_eq!((plain, socketio), (sent, sent), "round {round}");
    }
}

/// One long poll on a fresh connection; `None` once the server takes no more.
async fn poll_once(a: std::net::SocketAddr, path: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(a).await.ok()?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: {a}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.ok()?;
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut raw))
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_owned())
}

/// Long-polling socket.io clients are listeners too: every webhook answered `202` before
/// the shutdown reaches them, as it does websocket ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_webhooks_reach_polling_socketio_clients_before_shutdown() {
    const WEBHOOKS: usize = 20;
    let h = start(sp_broadcaster::Config::default()).await;
    let a = h.local_addr();
    let p = polling_session(a).await;
    let connected = poll_until_connected(a, &p).await;
    assert!(connected.contains("40{"), "{connected}");
    // The client polls as a browser does: again as soon as a poll is answered.
    let poller = tokio::spawn(async move {
        let mut entries = 0;
        while let Some(body) = poll_once(a, &p).await {
            for packet in body.split('\u{1e}') {
                if packet.starts_with("42") {
                    entries += list_changes(packet).len();
                }
            }
            if body.split('\u{1e}').any(|p| p == "41" || p == "1") {
                break;
            }
        }
        entries
    });
    let entries: Vec<_> = (0..100).map(|_| entry(L1, None)).collect();
    post_webhooks_at_once(a, &body(&entries), WEBHOOKS).await;
    h.shutdown().await;
    let got = poller.await.unwrap();
    assert_eq!(got, WEBHOOKS * entries.len());
}

/// A plain-ws client that keeps sending (here as fast as it can) is closed with 1001 on
/// shutdown too: its messages do not hold the close back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chatty_plain_ws_client_is_closed_on_shutdown() {
    use futures_util::SinkExt;
    let h = start(sp_broadcaster::Config::default()).await;
    let a = h.local_addr();
    let ws = ws_connect(a, "/ws").await;
    wait_sockets(a, 1).await;
    let (mut tx, mut rx) = ws.split();
    let sender = tokio::spawn(async move {
        let msg = r#"{"event":"noise"}"#;
        while tx.send(Message::Text(msg.into())).await.is_ok() {}
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    let shutdown = tokio::spawn(h.shutdown());
    let close = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(msg)) = rx.next().await {
            if let Message::Close(frame) = msg {
                return frame.map(|f| f.code);
            }
        }
        None
    })
    .await;
    sender.abort();
    assert_eq!(close.ok().flatten(), Some(CloseCode::Away));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    shutdown.await.unwrap();
}

/// Once the shutdown has begun, new work is refused at once (`503`), so that clients and a
/// load balancer go to another instance instead of connecting to one about to close them:
/// a new socket.io session (polling or WebSocket handshake), a plain-ws upgrade, and
/// `/health` (a load balancer's probe). Sessions already open go on meanwhile (a long-polling
/// client fetches the last batches: see the test above).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_clients_are_refused_once_the_shutdown_has_begun() {
    let h = start(sp_broadcaster::Config::default()).await;
    let a = h.local_addr();
    // A batch just emitted: socket.io clients get half a second to fetch it.
    post_and_emit(a, &body(&[entry(L1, None)])).await;
    let shutdown = tokio::spawn(h.shutdown());
    tokio::time::sleep(Duration::from_millis(20)).await;
    for path in [
        "/socket.io/?EIO=4&transport=polling",
        "/socket.io/?EIO=3&transport=polling&t=x",
        "/health",
    ] {
        let r = http(a, "GET", path, &[], b"").await;
        assert_eq!(r.status, 503, "GET {path}: {} {}", r.status, r.body);
    }
    for path in ["/socket.io/?EIO=4&transport=websocket", "/ws"] {
        let url = format!("ws://{a}{path}");
        let status = match tokio_tungstenite::connect_async(url).await {
            Ok((_, answer)) => answer.status().as_u16(),
            Err(tokio_tungstenite::tungstenite::Error::Http(answer)) => answer.status().as_u16(),
            Err(e) => panic!("{path}: {e}"),
        };
        assert_eq!(status, 503, "WebSocket {path}");
    }
    shutdown.await.unwrap();
}
