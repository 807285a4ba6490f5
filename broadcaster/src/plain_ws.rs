//! Plain WebSocket endpoint for clients using `protocol: "websocket"`.
//!
//! Server -> client text frames: `{"event":"list:changes","data":[...]}` (the value array as
//! JSON, not a string), and replies `{"event":"subscribed"|"unsubscribed","data":{"ok":...}}`.
//! Client -> server: `{"event":"subscribe"|"unsubscribe","data":{"lists":[...]}}`.
//! The server pings every `ping_interval` and closes a client silent for
//! `ping_interval + ping_timeout`; a client that does not take a frame within
//! `ping_timeout` is dropped; one whose message is over 64 KiB is closed with 1009.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{interval_at, timeout, Instant, MissedTickBehavior};

use crate::client_auth;
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
/// Close code sent to a client from which nothing (pong included) arrived in time.
const CLOSE_TIMED_OUT: u16 = 1000;
/// Close code sent to a client whose message is over [`MAX_CLIENT_MESSAGE`] ("Message Too
/// Big").
const CLOSE_TOO_BIG: u16 = 1009;

/// How long the server waits for a refused client to answer its close frame (a connected
/// one gets the ping timeout). Until it does, the socket stays open and is read: a socket
/// dropped with unread data, or written to by the client after it closed, is reset, and a
/// browser that gets the reset before it has read the close frame reports 1006 with no
/// reason (in Chromium about 1 refusal in 200 was seen as a lost link).
const CLOSING_HANDSHAKE: Duration = Duration::from_secs(5);

/// How long the connection of a client whose message was too big stays open, unread,
/// after its close frame. The rest of that message is still coming, and the WebSocket
/// layer will not read past the limit (it would hold all of it); a socket dropped with
/// unread data is reset at once, and a client still sending (a message of a few MiB)
/// may get the reset before it has read the close frame: `ws` (Node) then reports 1006.
/// Held open, the client's sending stalls while it reads the close frame.
const TOO_BIG_LINGER: Duration = Duration::from_secs(2);

/// `GET {ws_path}`: upgrades to a plain WebSocket. A client without a valid `?token=`
/// (with `--client-token` or `--entra-tenant` set) is closed at once with 4401 "Not
/// authorized": a browser sees a close reason, not a failed handshake's status. Once the
/// shutdown has begun, `503` (see the `draining` module).
pub async fn upgrade(State(st): State<AppState>, uri: Uri, ws: WebSocketUpgrade) -> Response {
    if *st.shutdown.borrow() {
        return crate::draining::unavailable(); // it would be closed at once
    }
    let ws = ws
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE);
    if let Err(refused) = st.gate.admits(None, &uri).await {
        tracing::info!(reason = %refused.reason(), "plain ws client refused");
        return ws.on_upgrade(|mut socket| async move {
            let frame = CloseFrame {
                code: client_auth::CLOSE_NOT_AUTHORIZED,
                reason: client_auth::REFUSED.into(),
            };
            let _ = timeout(CLOSING_HANDSHAKE, async {
                if socket.send(Message::Close(Some(frame))).await.is_ok() {
                    while let Some(Ok(_)) = socket.recv().await {}
                }
            })
            .await;
        });
    }
    ws.on_upgrade(move |socket| run(st, socket))
}

/// Decrements the connected-client gauge however the connection ends.
struct Gauge(AppState);
impl Drop for Gauge {
    fn drop(&mut self) {
        self.0.stats.ws_clients.fetch_sub(1, Ordering::Relaxed);
    }
}

fn frame(event: &str, data_json: &str) -> Message {
    Message::Text(frame_text(event, data_json))
}

fn frame_text(event: &str, data_json: &str) -> Utf8Bytes {
    let ev = Value::String(event.to_owned());
    format!("{{\"event\":{ev},\"data\":{data_json}}}").into()
}

/// The text frames of one batch, built once and shared by every plain-ws connection
/// (cloning a frame's text is a reference count, not a copy).
#[derive(Debug)]
pub struct Frames {
    /// The whole batch, for unfiltered connections.
    all: Utf8Bytes,
    /// One frame per list (lower-case GUID) in the batch, in order of first appearance.
    per_list: Vec<(String, Utf8Bytes)>,
}

impl Frames {
    /// Builds the `list:changes` frames of `batch`.
    pub fn new(batch: &Batch) -> Self {
        Self {
            all: frame_text(EVENT, &batch.all),
            per_list: batch
                .per_list
                .iter()
                .map(|(list, json)| (list.clone(), frame_text(EVENT, json)))
                .collect(),
        }
    }
}

/// Frames for one batch given the client's subscription (empty set = everything).
fn frames_for(frames: &Frames, lists: &BTreeSet<String>) -> Vec<Message> {
    if lists.is_empty() {
        return vec![Message::Text(frames.all.clone())];
    }
    frames
        .per_list
        .iter()
        .filter(|(l, _)| lists.contains(l))
        .map(|(_, text)| Message::Text(text.clone()))
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

/// The sending half of a connection. Every write is bounded in time: a client that does
/// not take a frame within the limit (it stopped reading, its link stalled) is dropped
/// instead of holding the connection's loop, so heartbeats, lag and shutdown still apply.
struct Outbox {
    sink: SplitSink<WebSocket, Message>,
    limit: Duration,
}

impl Outbox {
    /// Sends one frame; `false` if the client is gone or did not take it in time.
    async fn send(&mut self, msg: Message) -> bool {
        matches!(timeout(self.limit, self.sink.send(msg)).await, Ok(Ok(())))
    }

    /// Sends a close frame (unless the client's own close is being answered, which the
    /// WebSocket layer queued already) and flushes it, within the time limit; `false`
    /// if it could not.
    async fn close(&mut self, frame: Option<Message>) -> bool {
        if let Some(frame) = frame {
            if !self.send(frame).await {
                return false;
            }
        }
        matches!(timeout(self.limit, self.sink.close()).await, Ok(Ok(())))
    }
}

async fn run(st: AppState, socket: WebSocket) {
    st.stats.ws_clients.fetch_add(1, Ordering::Relaxed);
    let _gauge = Gauge(st.clone());
    let mut batches = st.ws_tx.subscribe();
    let mut closing = st.closing_clients.clone();
    let (sink, mut rx) = socket.split();
    let mut out = Outbox {
        sink,
        limit: st.cfg.ping_timeout,
    };
    let mut lists: BTreeSet<String> = BTreeSet::new();
    let period = st.cfg.ping_interval;
    let deadline = st.cfg.ping_interval + st.cfg.ping_timeout;
    let mut ticker = interval_at(Instant::now() + period, period);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_seen = Instant::now();
    tracing::info!("plain ws connected");
    let close = |code: u16, reason: &'static str| {
        Some(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
    };
    // What ends the connection: `Some(close frame)` to send, `None` when the client is
    // gone or closed first (its close is answered by `Outbox::close`).
    let last_frame = 'conn: loop {
        tokio::select! {
            // Batches first: those published before the shutdown closes the listeners
            // (every accepted one) go out before the close frame.
            biased;
            b = batches.recv() => match b {
                Ok(frames) => {
                    for f in frames_for(&frames, &lists) {
                        if !out.send(f).await {
                            tracing::info!("plain ws client did not take a frame in time");
                            break 'conn None;
                        }
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "plain ws client lagged; closing it");
                    st.stats.clients_lagged.fetch_add(1, Ordering::Relaxed);
                    break close(CLOSE_LAGGED, "lagged, reconnect");
                }
                Err(RecvError::Closed) => break close(CLOSE_GOING_AWAY, "server shutting down"),
            },
            // Before the client's messages: one that never stops sending is closed too.
            () = async { let _ = closing.wait_for(|v| *v).await; } => {
                break close(CLOSE_GOING_AWAY, "server shutting down");
            }
            incoming = rx.next() => {
                let msg = match incoming {
                    Some(Ok(msg)) => msg,
                    Some(Err(e)) if over_the_limit(&e) => {
                        tracing::info!("plain ws client message over the limit");
                        break close(CLOSE_TOO_BIG, "message too big");
                    }
                    _ => break None,
                };
                last_seen = Instant::now();
                match msg {
                    Message::Text(t) => {
                        if let Some(reply) = on_client_text(t.as_str(), &mut lists) {
                            tracing::debug!(lists = lists.len(), "plain ws subscription message");
                            if !out.send(reply).await { break None; }
                        }
                    }
                    Message::Close(_) => break None,
                    _ => {}
                }
            }
            _ = ticker.tick() => {
                if last_seen.elapsed() > deadline {
                    tracing::info!("plain ws client timed out");
                    break close(CLOSE_TIMED_OUT, "ping timeout");
                }
                if !out.send(Message::Ping(Default::default())).await { break None; }
            }
        }
    };
    // A client that went silent will not answer the close either.
    let awaits_answer = matches!(&last_frame,
        Some(Message::Close(Some(f))) if f.code != CLOSE_TIMED_OUT);
    let too_big = matches!(&last_frame,
        Some(Message::Close(Some(f))) if f.code == CLOSE_TOO_BIG);
    if out.close(last_frame).await && awaits_answer {
        if too_big {
            tokio::time::sleep(TOO_BIG_LINGER).await;
        } else {
            let _ = timeout(out.limit, async {
                while let Some(Ok(_)) = rx.next().await {}
            })
            .await;
        }
    }
    tracing::info!("plain ws disconnected");
}

/// Whether a read failed because the client's message (or one of its frames) is larger
/// than [`MAX_CLIENT_MESSAGE`]: the WebSocket layer stops reading, without a word to the
/// client.
fn over_the_limit(error: &axum::Error) -> bool {
    use std::error::Error as _;
    let error = error
        .source()
        .and_then(|e| e.downcast_ref::<tungstenite::Error>());
    matches!(error, Some(tungstenite::Error::Capacity(_)))
}

/// Hands a batch to every plain-ws connection (each filters by its own subscription).
/// The frames are built once here, not per connection, and only if a client is connected.
pub fn publish(st: &AppState, batch: &Batch) {
    if st.ws_tx.receiver_count() == 0 {
        return;
    }
    // Err only means the last client left meanwhile.
    let _ = st.ws_tx.send(Arc::new(Frames::new(batch)));
}

#[cfg(test)]
#[path = "plain_ws_tests.rs"]
mod tests;
