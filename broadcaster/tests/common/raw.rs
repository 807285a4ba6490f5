//! Raw clients: a WebSocket that reads only when told, slow heartbeats, and what
//! `/health` says about the clients.

use std::net::SocketAddr;
use std::time::Duration;

use sp_broadcaster::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{body, entry, health, post_webhook, L1};

/// A raw WebSocket client of `path` with a small receive buffer: it completes the handshake
/// and then reads only when the test says so, and never answers pings.
pub async fn raw_ws_at(addr: SocketAddr, path: &str) -> TcpStream {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(2048).unwrap();
    let mut s = sock.connect(addr).await.unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut b).await.unwrap();
        head.push(b[0]);
    }
    assert!(String::from_utf8_lossy(&head).starts_with("HTTP/1.1 101"));
    s
}

/// Server frames (unmasked) from raw bytes: (opcode, payload).
pub fn frames(mut raw: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while raw.len() >= 2 {
        let (mut len, mut at) = ((raw[1] & 0x7f) as usize, 2);
        if len == 126 {
            len = u16::from_be_bytes([raw[2], raw[3]]) as usize;
            at = 4;
        } else if len == 127 {
            len = u64::from_be_bytes(raw[2..10].try_into().unwrap()) as usize;
            at = 10;
        }
        if raw.len() < at + len {
            break;
        }
        out.push((raw[0] & 0x0f, raw[at..at + len].to_vec()));
        raw = &raw[at + len..];
    }
    out
}

/// A heartbeat that stays out of the way of a test's minute.
pub fn slow_ping() -> Config {
    Config {
        ping_interval: Duration::from_secs(60),
        ping_timeout: Duration::from_secs(60),
        ..Config::default()
    }
}

/// The number of `transport` (`socketio` or `ws`) clients `/health` reports.
pub async fn count(a: SocketAddr, transport: &str) -> u64 {
    health(a).await["sockets"][transport].as_u64().unwrap()
}

/// Waits (at most 2 s) until `/health` reports `n` socket.io clients.
pub async fn wait_until_socketio(a: SocketAddr, n: u64) {
    for _ in 0..200 {
        if count(a, "socketio").await == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("not {n} socket.io clients");
}

/// How many clients the server has let go for falling behind (`/health`).
pub async fn lagged(a: SocketAddr) -> u64 {
    health(a).await["sockets"]["lagged"].as_u64().unwrap()
}

/// Posts `body` and waits (at most 10 s) until it is emitted as a batch of its own.
pub async fn post_and_emit(a: SocketAddr, body: &[u8]) {
    let emitted = || async { health(a).await["notifications"]["batches_emitted"].as_u64() };
    let before = emitted().await.unwrap();
    assert_eq!(post_webhook(a, body).await.status, 202);
    for _ in 0..5000 {
        if emitted().await.unwrap() > before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("a webhook was not emitted within 10 s");
}

/// Posts `n` small webhooks, each emitted before the next (no two merged into one batch).
pub async fn post_one_by_one(a: SocketAddr, n: u64) {
    let one = body(&[entry(L1, None)]);
    for _ in 0..n {
        post_and_emit(a, &one).await;
    }
}

/// Sends `GET path` on `conn` (kept alive); the answer's body, `None` once it is closed.
pub async fn keep_alive_get(
    conn: &mut tokio::io::BufReader<TcpStream>,
    path: &str,
) -> Option<String> {
    use tokio::io::AsyncBufReadExt;
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
    conn.get_mut().write_all(request.as_bytes()).await.ok()?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        if conn.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    conn.read_exact(&mut body).await.ok()?;
    Some(String::from_utf8_lossy(&body).into_owned())
}
