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
