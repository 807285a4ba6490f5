//! Refused CONNECTs in one Engine.IO session: a client may try again, but the third
//! refusal ends the session, and what comes after it is not checked.

mod common;

use std::time::Duration;

use common::*;
use sp_broadcaster::Config;

const WAIT: Duration = Duration::from_secs(5);

/// Sends CONNECT again once an earlier one was answered. socketioxide sends its answer
/// a moment before it is done with that CONNECT, and ignores (does not answer) one that
/// comes meanwhile: this waits that moment out.
async fn connect_again(ws: &mut Ws, connect: &str) {
    tokio::time::sleep(Duration::from_millis(20)).await;
    ws_send(ws, connect).await;
}

fn with_tokens() -> Config {
    Config {
        client_tokens: vec!["t1".into(), "t 2&".into()],
        ..Config::default()
    }
}

/// A socket.io 3/4 client may send CONNECT again in the same session (with another
/// token, say), and a refused one is answered each time; but each costs a check (an Entra
/// ID token's signature) and a log line, and without a limit one WebSocket could carry
/// thousands a second, unseen by a proxy's limit on connections: the third refused
/// CONNECT ends the session (on its own WebSocket, its connection is closed).
#[tokio::test]
async fn a_websocket_session_ends_after_three_refused_connects() {
    let h = start(with_tokens()).await;
    let a = h.local_addr();
    let bad = r#"40{"token":"t3"}"#;
    // Refused twice, then admitted in the same session.
    let (mut ws, answer) = sio_attempt(a, 4, "", bad).await;
    assert!(answer.starts_with("44"), "{answer}");
    connect_again(&mut ws, "40").await;
    let answer = next_packet(&mut ws, WAIT).await.unwrap();
    assert!(answer.starts_with("44"), "{answer}");
    connect_again(&mut ws, r#"40{"token":"t1"}"#).await;
    let answer = next_packet(&mut ws, WAIT).await.unwrap();
    assert!(answer.starts_with("40{\"sid\""), "{answer}");
    // Refused three times: the server closes the connection.
    let (mut ws, answer) = sio_attempt(a, 4, "", bad).await;
    assert!(answer.starts_with("44"), "{answer}");
    for _ in 0..2 {
        connect_again(&mut ws, bad).await;
        let answer = next_packet(&mut ws, WAIT).await.unwrap();
        assert!(answer.starts_with("44"), "{answer}");
    }
    let closed = heard_until_closed(&mut ws, Duration::from_secs(2)).await;
    assert_eq!(closed, Some(vec![]), "closed after the third refusal");
    h.shutdown().await;
}

/// CONNECTs that come after the third refusal, before the session has ended, are refused
/// unchecked: the log has one line per checked token, three for the session.
#[tokio::test]
async fn connects_after_the_third_refusal_are_not_checked() {
    let mut child = binary().args(["--client-token", "t1"]).spawn().unwrap();
    let line = first_stdout_line(&mut child).await;
    let a: std::net::SocketAddr = line.rsplit("http://").next().unwrap().parse().unwrap();
    let bad = r#"40{"token":"t3"}"#;
    let (mut ws, answer) = sio_attempt(a, 4, "", bad).await;
    assert!(answer.starts_with("44"), "{answer}");
    for _ in 0..2 {
        connect_again(&mut ws, bad).await;
        assert!(next_packet(&mut ws, WAIT).await.unwrap().starts_with("44"));
    }
    for _ in 0..50 {
        ws_send(&mut ws, bad).await;
    }
    let closed = heard_until_closed(&mut ws, Duration::from_secs(2)).await;
    let log = kill_and_read_log(&mut child).await;
    let checked = log.matches("socket.io client refused").count();
    assert_eq!(checked, 3, "{log}");
    assert!(closed.is_some(), "closed after the third refusal");
}

/// The same on long polling: the session is cut off (its connection, perhaps shared, is
/// left open), and its requests are answered as engine.io answers a session it does not
/// know.
#[tokio::test]
async fn a_polling_session_ends_after_three_refused_connects() {
    let h = start(Config {
        ping_interval: Duration::from_secs(1),
        ping_timeout: Duration::from_secs(1),
        ..with_tokens()
    })
    .await;
    let a = h.local_addr();
    let text = [("Content-Type", "text/plain")];
    let path = polling_session(a).await; // its CONNECT carries no token
    let mut refusals = 0;
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let poll = http(a, "GET", &path, &[], b"").await;
            if poll.status != 200 {
                return poll;
            }
            for packet in poll.body.split('\u{1e}') {
                if packet == "2" {
                    http(a, "POST", &path, &text, b"3").await;
                } else if packet.starts_with("44") {
                    refusals += 1;
                    if refusals < 3 {
                        tokio::time::sleep(Duration::from_millis(20)).await; // as above
                        let again = br#"40{"token":"t3"}"#;
                        assert_eq!(http(a, "POST", &path, &text, again).await.status, 200);
                    }
                }
            }
        }
    })
    .await;
    let ended = ended.unwrap_or_else(|_| panic!("still open after {refusals} refusals"));
    assert_eq!(refusals, 3);
    assert_eq!(ended.status, 400, "{}", ended.body);
    assert!(ended.body.contains("Session ID unknown"), "{}", ended.body);
    h.shutdown().await;
}
