//! Plain WebSocket endpoint for clients using `protocol: "websocket"`.
//!
//! Server -> client text frames: `{"event":"list:changes","data":[...]}` (the value array as
//! JSON, not a string), and replies `{"event":"subscribed"|"unsubscribed","data":{"ok":...}}`.
//! Client -> server: `{"event":"subscribe"|"unsubscribe","data":{"lists":[...]}}`.
//! The server pings every `ping_interval` and closes a client silent for
//! `ping_interval + ping_timeout`.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{interval_at, Instant, MissedTickBehavior};

use crate::sockets::{parse_lists, MAX_LISTS_PER_CLIENT};
use crate::webhook::EVENT;
use crate::AppState;
use crate::Batch;

/// Largest accepted client message (subscriptions are small).
const MAX_CLIENT_MESSAGE: usize = 64 * 1024;
/// Close code sent when a client fell too far behind (it should reconnect and catch up).
const CLOSE_LAGGED: u16 = 1013;
/// Close code sent on server shutdown ("going away").
const CLOSE_GOING_AWAY: u16 = 1001;

/// `GET {ws_path}`: upgrades to a plain WebSocket.
pub async fn upgrade(State(st): State<AppState>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| run(st, socket))
}

/// Decrements the connected-client gauge however the connection ends.
struct Gauge(AppState);
impl Drop for Gauge {
    fn drop(&mut self) {
        self.0.stats.ws_clients.fetch_sub(1, Ordering::Relaxed);
    }
}

fn frame(event: &str, data_json: &str) -> Message {
    let ev = Value::String(event.to_owned());
    Message::Text(format!("{{\"event\":{ev},\"data\":{data_json}}}").into())
}

/// Frames for one batch given the client's subscription (empty set = everything).
fn frames_for(batch: &Batch, lists: &BTreeSet<String>) -> Vec<Message> {
    if lists.is_empty() {
        return vec![frame(EVENT, &batch.all)];
    }
    batch
        .per_list
        .iter()
        .filter(|(l, _)| lists.contains(l))
        .map(|(_, json)| frame(EVENT, json))
        .collect()
}

/// Applies a client text frame; returns the reply frame, if any.
fn on_client_text(text: &str, lists: &mut BTreeSet<String>) -> Option<Message> {
    let Ok(msg) = serde_json::from_str::<Value>(text) else {
        return Some(frame(
            "error",
            &json!({"ok": false, "error": "not JSON"}).to_string(),
        ));
    };
    let event = msg.get("event").and_then(Value::as_str).unwrap_or_default();
    let (reply_event, res) = match event {
        "subscribe" => (
            "subscribed",
            parse_lists(msg.get("data")).and_then(|new| {
                if new.is_empty() {
                    return Err("no lists given".to_owned());
                }
                let mut next = lists.clone();
                next.extend(new);
                if next.len() > MAX_LISTS_PER_CLIENT {
                    return Err(format!("at most {MAX_LISTS_PER_CLIENT} lists"));
                }
                *lists = next;
                Ok(())
            }),
        ),
        "unsubscribe" => (
            "unsubscribed",
            parse_lists(msg.get("data")).map(|gone| {
                if gone.is_empty() {
                    lists.clear();
                } else {
                    gone.iter().for_each(|l| {
                        lists.remove(l);
                    });
                }
            }),
        ),
        _ => return None,
    };
    let body = match res {
        Ok(()) => json!({ "ok": true, "lists": lists }),
        Err(e) => json!({ "ok": false, "error": e }),
    };
    Some(frame(reply_event, &body.to_string()))
}

async fn run(st: AppState, socket: WebSocket) {
    st.stats.ws_clients.fetch_add(1, Ordering::Relaxed);
    let _gauge = Gauge(st.clone());
    let mut batches = st.ws_tx.subscribe();
    let mut shutdown = st.shutdown.clone();
    let (mut tx, mut rx) = socket.split();
    let mut lists: BTreeSet<String> = BTreeSet::new();
    let period = st.cfg.ping_interval;
    let deadline = st.cfg.ping_interval + st.cfg.ping_timeout;
    let mut ticker = interval_at(Instant::now() + period, period);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_seen = Instant::now();
    tracing::info!("plain ws connected");
    let close = |code: u16, reason: &'static str| {
        Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }))
    };
    loop {
        tokio::select! {
            _ = async { let _ = shutdown.wait_for(|v| *v).await; } => {
                let _ = tx.send(close(CLOSE_GOING_AWAY, "server shutting down")).await;
                break;
            }
            incoming = rx.next() => {
                let Some(Ok(msg)) = incoming else { break };
                last_seen = Instant::now();
                match msg {
                    Message::Text(t) => {
                        if let Some(reply) = on_client_text(t.as_str(), &mut lists) {
                            tracing::debug!(lists = lists.len(), "plain ws subscription message");
                            if tx.send(reply).await.is_err() { break; }
                        }
                    }
                    Message::Close(_) => break,
                    _ => {}
                }
            }
            b = batches.recv() => match b {
                Ok(batch) => {
                    for f in frames_for(&batch, &lists) {
                        if tx.send(f).await.is_err() { return; }
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "plain ws client lagged; closing it");
                    let _ = tx.send(close(CLOSE_LAGGED, "lagged, reconnect")).await;
                    break;
                }
                Err(RecvError::Closed) => break,
            },
            _ = ticker.tick() => {
                if last_seen.elapsed() > deadline {
                    tracing::info!("plain ws client timed out");
                    break;
                }
                if tx.send(Message::Ping(Default::default())).await.is_err() { break; }
            }
        }
    }
    tracing::info!("plain ws disconnected");
}

/// Hands a batch to every plain-ws connection (each filters by its own subscription).
pub fn publish(st: &AppState, batch: Arc<Batch>) {
    // Err only means "no plain-ws client connected".
    let _ = st.ws_tx.send(batch);
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: &str = "482e418a-0900-414b-8902-02248c2e44e8";

    #[test]
    fn subscribe_filter_unsubscribe() {
        let mut lists = BTreeSet::new();
        let r = on_client_text(
            &json!({"event":"subscribe","data":{"lists":[G.to_uppercase()]}}).to_string(),
            &mut lists,
        );
        let Some(Message::Text(t)) = r else { panic!() };
        assert!(t.as_str().contains(r#""ok":true"#), "{}", t.as_str());
        assert!(lists.contains(G));
        let batch = Batch {
            all: "[1,2]".into(),
            per_list: vec![(G.into(), "[1]".into()), ("other".into(), "[2]".into())],
            count: 2,
        };
        let f = frames_for(&batch, &lists);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0],
            Message::Text(r#"{"event":"list:changes","data":[1]}"#.into())
        );
        on_client_text(r#"{"event":"unsubscribe"}"#, &mut lists);
        assert!(lists.is_empty());
        assert_eq!(frames_for(&batch, &lists).len(), 1);
        assert!(on_client_text(r#"{"event":"other"}"#, &mut lists).is_none());
        assert!(on_client_text("garbage", &mut lists).is_some());
        let r = on_client_text(
            r#"{"event":"subscribe","data":{"lists":["x"]}}"#,
            &mut lists,
        );
        let Some(Message::Text(t)) = r else { panic!() };
        assert!(t.as_str().contains(r#""ok":false"#));
        assert!(lists.is_empty());
    }
}
