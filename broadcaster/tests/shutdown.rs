//! SIGTERM: the binary closes every plain-WebSocket client with 1001 ("going away") before
//! it exits, so that browsers reconnect (to another instance) rather than see 1006.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

const CLIENTS: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_every_plain_ws_client_with_going_away() {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_sp-broadcaster"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SP_") {
            cmd.env_remove(name);
        }
    }
    let mut child = cmd
        .args(["--host", "127.0.0.1", "--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .expect("started");
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
