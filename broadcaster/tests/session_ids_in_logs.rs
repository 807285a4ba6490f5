//! The log names socket.io clients without giving away their Engine.IO session id: that
//! id is a long-polling client's only credential (whoever has it can poll, post and
//! upgrade as that client), and logs are read by more people, and kept longer, than the
//! sessions live.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;

const WAIT: Duration = Duration::from_secs(5);

/// Opens an Engine.IO session on a WebSocket; returns it and its session id.
async fn session(a: SocketAddr, eio: u8, query: &str) -> (Ws, String) {
    let mut ws = ws_connect(
        a,
        &format!("/socket.io/?EIO={eio}&transport=websocket{query}"),
    )
    .await;
    let open = ws_next_text(&mut ws, WAIT).await.expect("open packet");
    let open: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    let sid = open["sid"].as_str().expect("a sid").to_owned();
    (ws, sid)
}

#[tokio::test]
async fn the_log_names_sessions_by_a_prefix_of_their_id() {
    let mut child = binary().args(["--client-token", "t1"]).spawn().unwrap();
    let line = first_stdout_line(&mut child).await;
    let a: SocketAddr = line.rsplit("http://").next().unwrap().parse().unwrap();

    // Connected, then gone; refused (2.x and 4.x).
    let (mut admitted, admitted_sid) = session(a, 4, "").await;
    ws_send(&mut admitted, r#"40{"token":"t1"}"#).await;
    let answer = next_packet(&mut admitted, WAIT).await.unwrap();
    assert!(answer.starts_with("40{"), "{answer}");
    drop(admitted);
    let (mut refused, refused_sid) = session(a, 4, "").await;
    ws_send(&mut refused, r#"40{"token":"t3"}"#).await;
    assert!(next_packet(&mut refused, WAIT)
        .await
        .unwrap()
        .starts_with("44"));
    let (mut refused_v2, refused_v2_sid) = session(a, 3, "&token=t3").await;
    assert!(next_packet(&mut refused_v2, WAIT)
        .await
        .unwrap()
        .starts_with("44"));
    wait_until_socketio(a, 0).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let log = kill_and_read_log(&mut child).await;
    for what in ["socket.io connected", "socket.io disconnected"] {
        let line = log.lines().find(|l| l.contains(what)).expect(what);
        assert!(line.contains(&admitted_sid[..8]), "{line}");
    }
    let refusals: Vec<&str> = log.lines().filter(|l| l.contains("refused")).collect();
    assert_eq!(refusals.len(), 2, "{log}");
    for sid in [&refused_sid, &refused_v2_sid] {
        assert!(refusals.iter().any(|l| l.contains(&sid[..8])), "{log}");
    }
    for sid in [&admitted_sid, &refused_sid, &refused_v2_sid] {
        assert!(!log.contains(sid.as_str()), "{sid} in the log:\n{log}");
    }
}
