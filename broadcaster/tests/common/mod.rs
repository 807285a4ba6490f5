//! Helpers shared by the integration tests: an embedded server, a tiny HTTP/1.1 client,
//! webhook bodies, WebSocket helpers, socket.io over a raw WebSocket, the binary, and
//! (in `raw`, re-exported here) raw clients and what `/health` says about clients.
#![allow(dead_code)]

pub mod entra;
pub mod node;
pub mod raw;

#[allow(unused_imports)] // not every test file uses the raw clients
pub use raw::*;

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use sp_broadcaster::{serve, Config, ServerHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

pub const L1: &str = "482e418a-0900-414b-8902-02248c2e44e8";
pub const L2: &str = "11111111-2222-3333-4444-555555555555";
pub const L3: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// Starts a server on 127.0.0.1 with an ephemeral port.
pub async fn start(cfg: Config) -> ServerHandle {
    let cfg = Config {
        port: 0,
        host: [127, 0, 0, 1].into(),
        ..cfg
    };
    serve(cfg).await.expect("server starts")
}

/// Response of [`http`].
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

/// One HTTP/1.1 request with `Connection: close`.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.expect("write head");
    // The server may answer (413) before reading everything; ignore a reset here.
    let _ = s.write_all(body).await;
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut raw)).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Resp {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// One notification entry as SharePoint sends it.
pub fn entry(list: &str, client_state: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "subscriptionId": format!("sub-{list}"),
        "clientState": client_state,
        "expirationDateTime": "2030-01-01T00:00:00.0000000Z",
        "resource": list,
        "tenantId": "00000000-0000-0000-0000-000000000001",
        "siteUrl": "/sites/team",
        "webId": "00000000-0000-0000-0000-000000000002",
    })
}

/// The entries as clients receive them: without `clientState`, the rest unchanged.
pub fn forwarded(entries: &[serde_json::Value]) -> Vec<serde_json::Value> {
    entries
        .iter()
        .map(|e| {
            let mut e = e.clone();
            if let Some(members) = e.as_object_mut() {
                members.remove("clientState");
            }
            e
        })
        .collect()
}

/// A webhook body `{"value":[...]}`.
pub fn body(entries: &[serde_json::Value]) -> Vec<u8> {
    serde_json::json!({ "value": entries })
        .to_string()
        .into_bytes()
}

/// POSTs a webhook body to the default webhook path.
pub async fn post_webhook(addr: SocketAddr, body: &[u8]) -> Resp {
    http(
        addr,
        "POST",
        "/api/webhook",
        &[("Content-Type", "application/json")],
        body,
    )
    .await
}

/// `GET /health` as JSON.
pub async fn health(addr: SocketAddr) -> serde_json::Value {
    let r = http(addr, "GET", "/health", &[], b"").await;
    assert_eq!(r.status, 200);
    r.json()
}

/// Connects a plain WebSocket client.
pub async fn ws_connect(addr: SocketAddr, path: &str) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}{path}"))
        .await
        .expect("ws connect");
    ws
}

/// Next text frame within `wait`, skipping pings; `None` on timeout or close.
pub async fn ws_next_text(ws: &mut Ws, wait: Duration) -> Option<String> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .ok()??
            .ok()?;
        match msg {
            Message::Text(t) => return Some(t.as_str().to_owned()),
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

/// Sends a text frame.
pub async fn ws_send(ws: &mut Ws, text: &str) {
    ws.send(Message::Text(text.to_owned().into()))
        .await
        .expect("ws send");
}

/// Polls `/health` until `sockets.total == n` (connections register asynchronously).
pub async fn wait_sockets(addr: SocketAddr, n: u64) {
    for _ in 0..100 {
        if health(addr).await["sockets"]["total"] == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("socket count never reached {n}: {}", health(addr).await);
}

// socket.io over a raw WebSocket (Engine.IO 3 and 4).

/// How long the socket.io handshake may take.
pub const SIO_WAIT: Duration = Duration::from_secs(5);

/// Connects to `/socket.io/` and completes the namespace handshake.
pub async fn sio_connect(addr: std::net::SocketAddr, eio: u8) -> Ws {
    let mut ws = ws_connect(addr, &format!("/socket.io/?EIO={eio}&transport=websocket")).await;
    let open = ws_next_text(&mut ws, SIO_WAIT).await.expect("open packet");
    assert!(open.starts_with("0{"), "{open}");
    if eio == 4 {
        ws_send(&mut ws, "40").await;
        let c = next_packet(&mut ws, SIO_WAIT).await.expect("connect");
        assert!(c.starts_with("40{\"sid\""), "eio{eio}: {c:?}");
    } else {
        assert_eq!(next_packet(&mut ws, SIO_WAIT).await.as_deref(), Some("40"));
    }
    ws
}

/// Next socket.io packet, answering/skipping Engine.IO pings.
pub async fn next_packet(ws: &mut Ws, wait: Duration) -> Option<String> {
    loop {
        let t = ws_next_text(ws, wait).await?;
        if t == "2" {
            ws_send(ws, "3").await;
            continue;
        }
        return Some(t);
    }
}

/// Parses `42["list:changes","<json>"]` into the decoded array.
pub fn list_changes(packet: &str) -> Vec<Value> {
    let body = packet
        .strip_prefix("42")
        .unwrap_or_else(|| panic!("not an event: {packet}"));
    let v: Value = serde_json::from_str(body).unwrap();
    let args = v.as_array().unwrap();
    assert_eq!(args.len(), 2, "one argument: {packet}");
    assert_eq!(args[0], "list:changes");
    let s = args[1].as_str().expect("argument is a JSON string");
    serde_json::from_str::<Vec<Value>>(s).unwrap()
}

/// Parses `43<id>[<value>]` and returns the value.
pub fn ack_value(packet: &str, id: u32) -> Value {
    let body = packet
        .strip_prefix(&format!("43{id}"))
        .unwrap_or_else(|| panic!("not ack {id}: {packet}"));
    let v: Vec<Value> = serde_json::from_str(body).unwrap();
    assert_eq!(v.len(), 1, "{packet}");
    v[0].clone()
}

/// Opens `/socket.io/` with `query`, reads the open packet and sends `connect` (EIO=4 only:
/// a 2.x server connects `/` by itself); returns the socket and the server's answer.
pub async fn sio_attempt(
    addr: std::net::SocketAddr,
    eio: u8,
    query: &str,
    connect: &str,
) -> (Ws, String) {
    let path = format!("/socket.io/?EIO={eio}&transport=websocket{query}");
    let mut ws = ws_connect(addr, &path).await;
    let open = ws_next_text(&mut ws, SIO_WAIT).await.expect("open packet");
    assert!(open.starts_with("0{"), "{open}");
    if eio == 4 {
        ws_send(&mut ws, connect).await;
    }
    let answer = next_packet(&mut ws, SIO_WAIT)
        .await
        .expect("an answer to connect");
    (ws, answer)
}

/// Opens an Engine.IO 4 long-polling session and sends socket.io's CONNECT on it; returns
/// the session's polling path (the CONNECT answer comes in a poll: [`poll_until_connected`]).
pub async fn polling_session(addr: SocketAddr) -> String {
    let open = http(addr, "GET", "/socket.io/?EIO=4&transport=polling", &[], b"").await;
    let v: serde_json::Value = serde_json::from_str(&open.body[1..]).unwrap();
    let sid = v["sid"].as_str().unwrap().to_owned();
    let p = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    let text = [("Content-Type", "text/plain")];
    assert_eq!(http(addr, "POST", &p, &text, b"40").await.status, 200);
    p
}

/// Long-polls `path` (an Engine.IO 4 session) until socket.io's CONNECT answer (`40{`)
/// has come, at most 5 polls; returns what the polls brought. A poll may bring only the
/// session's first ping (`2`): socketioxide sends it as soon as the session opens.
pub async fn poll_until_connected(addr: SocketAddr, path: &str) -> String {
    let mut bodies = String::new();
    for _ in 0..5 {
        let poll = http(addr, "GET", path, &[], b"").await;
        assert_eq!(poll.status, 200, "{}", poll.body);
        bodies.push_str(&poll.body);
        if bodies.contains("40{") {
            break;
        }
        bodies.push('\u{1e}');
    }
    bodies
}

/// POSTs `body` as `n` webhooks at once; checks that each is answered `202`.
pub async fn post_webhooks_at_once(addr: SocketAddr, body: &[u8], n: usize) {
    let body = std::sync::Arc::new(body.to_vec());
    let posts: Vec<_> = (0..n)
        .map(|_| {
            let b = body.clone();
            tokio::spawn(async move { post_webhook(addr, &b).await.status })
        })
        .collect();
    for post in posts {
        assert_eq!(post.await.unwrap(), 202);
    }
}

/// The binary, with `SP_*` variables of the calling environment removed.
pub fn binary() -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_sp-broadcaster"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SP_") {
            cmd.env_remove(name);
        }
    }
    cmd.args(["--host", "127.0.0.1", "--port", "0"])
        .env("RUST_LOG", "info")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Kills `child` (started by [`binary`]) and returns all it wrote on stderr (its log).
pub async fn kill_and_read_log(child: &mut tokio::process::Child) -> String {
    use tokio::io::AsyncReadExt;
    child.kill().await.unwrap();
    let mut log = String::new();
    let stderr = child.stderr.as_mut().expect("stderr piped");
    stderr.read_to_string(&mut log).await.unwrap();
    log
}

/// The first line `child` (started by [`binary`]) prints on stdout: its "listening on
/// http://..." once it serves (within 10 s).
pub async fn first_stdout_line(child: &mut tokio::process::Child) -> String {
    use tokio::io::AsyncBufReadExt;
    let stdout = child.stdout.take().expect("stdout piped");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .expect("started")
}

/// Reads `ws` (answering pings) for at most `wait`: the text frames it heard if it was
/// closed by then (a close frame, the end of the stream, or an error), `None` if still open.
pub async fn heard_until_closed(ws: &mut Ws, wait: Duration) -> Option<Vec<String>> {
    let mut heard = vec![];
    let closed = tokio::time::timeout(wait, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(Message::Text(t))) if t.as_str() == "2" => ws_send(ws, "3").await,
                Some(Ok(Message::Text(t))) => heard.push(t.as_str().to_owned()),
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    closed.ok().map(|()| heard)
}
