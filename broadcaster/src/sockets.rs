//! socket.io side: namespace `/`, the `subscribe` / `unsubscribe` events, per-list rooms, and
//! broadcasting a [`Batch`].
//!
//! Rooms: every socket starts in [`ALL_ROOM`] (unfiltered). `subscribe` moves it into one
//! room per list (the lower-case GUID) and out of [`ALL_ROOM`]; when it leaves its last
//! list room it goes back to [`ALL_ROOM`]; a new room is always joined before the old is
//! left. See `README.md` ("Rooms protocol").

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use socketioxide::extract::{AckSender, SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::{SendError, SocketError, SocketIo};

use crate::client_auth;
use crate::conn_close::CloseHandle;
use crate::cut::Cuts;
use crate::refused;
use crate::webhook::{normalize_list_id, EVENT};
use crate::Batch;

/// Room of sockets that subscribed to no specific list (cannot collide with a GUID).
pub const ALL_ROOM: &str = "*all";
/// Most lists one client may be subscribed to at once.
pub const MAX_LISTS_PER_CLIENT: usize = 256;

/// How many characters of a session id the log shows (see [`log_sid`]).
const LOGGED_SID_CHARS: usize = 8;

/// How the log names a socket.io client: the first 8 of its Engine.IO session id's 16
/// characters. The whole id is a long-polling client's credential (whoever has it can
/// poll, post and upgrade as that client), and logs are read by more people, and kept
/// longer, than sessions live; 8 characters (48 of its 96 random bits) tell sessions apart.
pub fn log_sid(sid: &str) -> &str {
    sid.get(..LOGGED_SID_CHARS).unwrap_or(sid)
}

/// Extracts the list ids of a `subscribe` / `unsubscribe` payload.
///
/// Accepted: `{"lists":["<guid>",...]}`, the same object as a JSON string, a bare array of
/// GUIDs, or one GUID as a string. `None` / `null` / no `lists` yields an empty vector
/// (meaning "all" for `unsubscribe`). Ids are normalised (braces dropped, lower-cased) and
/// de-duplicated.
pub fn parse_lists(data: Option<&Value>) -> Result<Vec<String>, String> {
    const FORMS: &str =
        "payload must be {\"lists\":[...]}, an array of list GUIDs or one list GUID";
    let parsed;
    let data = match data {
        Some(Value::String(s)) => {
            if let Some(id) = normalize_list_id(s) {
                return Ok(vec![id]);
            }
            parsed = serde_json::from_str::<Value>(s).map_err(|_| FORMS.to_owned())?;
            Some(&parsed)
        }
        other => other,
    };
    let lists = match data {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(Value::Object(o)) => match o.get("lists") {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(a)) => a,
            Some(_) => return Err("\"lists\" must be an array of list GUIDs".into()),
        },
        Some(_) => return Err(FORMS.into()),
    };
    if lists.len() > MAX_LISTS_PER_CLIENT {
        return Err(format!("at most {MAX_LISTS_PER_CLIENT} lists"));
    }
    let mut out: Vec<String> = Vec::with_capacity(lists.len());
    for l in lists {
        let id = l
            .as_str()
            .and_then(normalize_list_id)
            .ok_or_else(|| format!("not a list GUID: {l}"))?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// The lists a socket is subscribed to (its rooms other than [`ALL_ROOM`]), sorted.
fn subscribed(socket: &SocketRef) -> Vec<String> {
    let mut v: Vec<String> = socket
        .rooms()
        .into_iter()
        .filter(|r| r != ALL_ROOM)
        .map(|r| r.into_owned())
        .collect();
    v.sort();
    v
}

fn reply(ack: AckSender, res: Result<Vec<String>, String>) {
    let body = match res {
        Ok(lists) => json!({ "ok": true, "lists": lists }),
        Err(e) => json!({ "ok": false, "error": e }),
    };
    // No ack requested -> send() is a no-op; a closed socket is not an error worth logging.
    let _ = ack.send(&body);
}

/// Makes a socket's `subscribe` and `unsubscribe` requests change its rooms one at a
/// time. socketioxide runs each request in its own task, and each reads the socket's
/// rooms, then joins and leaves: two at once (unsubscribing from L1 and from L2, say) could
/// each see the other's list still there, neither join [`ALL_ROOM`], and leave the socket
/// in no room, deaf to every batch.
#[derive(Clone, Default)]
struct RoomChanges(Arc<Mutex<()>>);

impl RoomChanges {
    /// Runs `change` while no other request of `socket` changes its rooms.
    fn one_at_a_time<T>(socket: &SocketRef, change: impl FnOnce() -> T) -> T {
        let lock = socket.extensions.get::<RoomChanges>().unwrap_or_default();
        let _held = lock.0.lock().unwrap_or_else(|e| e.into_inner());
        change()
    }
}

/// What a `subscribe` or `unsubscribe` request does to a socket's rooms: given the lists
/// of its payload (or why they could not be read), the socket's lists after it.
type RoomChange = fn(&SocketRef, Result<Vec<String>, String>) -> Result<Vec<String>, String>;

/// Applies one `subscribe` / `unsubscribe` request (`what`) whole, and acks its outcome.
fn change_rooms(
    socket: &SocketRef,
    data: Option<&Value>,
    ack: AckSender,
    what: &str,
    change: RoomChange,
) {
    let lists = parse_lists(data);
    let res = RoomChanges::one_at_a_time(socket, || change(socket, lists));
    tracing::debug!(sid = %log_sid(socket.id.as_str()), request = what, result = ?res, "socket.io rooms");
    reply(ack, res);
}

async fn on_subscribe(socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender) {
    change_rooms(&socket, data.as_ref().ok(), ack, "subscribe", subscribe);
}

/// Adds `lists` to the socket's (leaving "all" after joining them); its lists now.
fn subscribe(
    socket: &SocketRef,
    lists: Result<Vec<String>, String>,
) -> Result<Vec<String>, String> {
    lists.and_then(|lists| {
        if lists.is_empty() {
            return Err("no lists given".to_owned());
        }
        let current = subscribed(socket);
        let new = lists.iter().filter(|l| !current.contains(l)).count();
        if current.len() + new > MAX_LISTS_PER_CLIENT {
            return Err(format!("at most {MAX_LISTS_PER_CLIENT} lists"));
        }
        socket.join(lists);
        socket.leave(ALL_ROOM);
        Ok(subscribed(socket))
    })
}

async fn on_unsubscribe(socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender) {
    change_rooms(&socket, data.as_ref().ok(), ack, "unsubscribe", unsubscribe);
}

/// Removes `lists` (all when empty), back in "all" when none is left; its lists now.
fn unsubscribe(
    socket: &SocketRef,
    lists: Result<Vec<String>, String>,
) -> Result<Vec<String>, String> {
    lists.map(|lists| {
        let current = subscribed(socket);
        let leaving: Vec<String> = if lists.is_empty() {
            current.clone()
        } else {
            lists
        };
        let left: Vec<String> = current
            .into_iter()
            .filter(|l| !leaving.contains(l))
            .collect();
        // Join "all" before leaving the last list room: the socket is in one of them at
        // every moment, so a batch emitted meanwhile reaches it (see `emit`).
        if left.is_empty() {
            socket.join(ALL_ROOM);
        }
        socket.leave(leaving);
        subscribed(socket)
    })
}

/// Registers the default namespace handlers on `io`; a client that `gate` does not admit
/// is refused (CONNECT_ERROR "Not authorized") before it joins anything (see `refused`).
/// `heartbeat` is the Engine.IO ping interval plus timeout.
pub fn register(io: &SocketIo, gate: Arc<client_auth::Gate>, heartbeat: Duration) {
    let admit = move |socket: SocketRef, TryData(auth): TryData<Value>| {
        refused::admit(gate.clone(), heartbeat, socket, auth.ok())
    };
    // The last middleware given runs first: the token is checked before set-up.
    io.ns("/", on_connect.with(set_up).with(admit));
}

/// Whether the socket's first request was a WebSocket.
pub(crate) fn opened_on_websocket(socket: &SocketRef) -> bool {
    crate::cut::asks_for_websocket(socket.req_parts().uri.query().unwrap_or_default())
}

/// Puts a new socket in [`ALL_ROOM`] and registers its event handlers. It runs as a connect
/// middleware, i.e. before the socket.io CONNECT answer is sent: a client may emit
/// `subscribe` as soon as it has that answer, and socketioxide drops, without a word, an
/// event with no handler yet. The connect handler is spawned after CONNECT is sent, so
/// handlers registered there could come too late (a first `subscribe` lost, no ack).
async fn set_up(socket: SocketRef) -> Result<(), std::convert::Infallible> {
    socket.extensions.insert(RoomChanges::default());
    socket.join(ALL_ROOM);
    socket.on("subscribe", on_subscribe);
    socket.on("unsubscribe", on_unsubscribe);
    socket.on_disconnect(async |s: SocketRef| {
        if let Some(cuts) = s.req_parts().extensions.get::<Arc<Cuts>>() {
            cuts.forget(&s.id.to_string());
        }
        tracing::info!(sid = %log_sid(s.id.as_str()), "socket.io disconnected");
    });
    Ok(())
}

async fn on_connect(socket: SocketRef) {
    tracing::info!(
        sid = %log_sid(socket.id.as_str()),
        protocol = ?socket.protocol(),
        transport = ?socket.transport_type(),
        "socket.io connected"
    );
}

/// Number of socket.io clients connected to `/` on this instance.
pub fn connected(io: &SocketIo) -> usize {
    io.of("/").map_or(0, |op| op.sockets().len())
}

/// Marks a socket that missed an event because its buffer was full; it gets nothing more
/// until it is disconnected.
#[derive(Clone, Copy)]
struct Lagging;

/// Emits `list:changes` with the JSON *string* of the array: the whole batch to sockets
/// in [`ALL_ROOM`], and to a socket in list rooms one event per list of the batch it is
/// subscribed to, with only that list's entries.
///
/// Which socket gets what is decided per socket, from its rooms read once (one lock),
/// not room by room: `subscribe` and `unsubscribe` join a socket's new room before it
/// leaves the old, so at every moment it is in one of them, and reading its rooms at one
/// moment finds it there. Taking the rooms' members one room after the other would not:
/// a socket that left its last list for "all" after "all" was read and before its list
/// was read got neither (the batch was lost for it).
///
/// Each socket is sent its events one by one, so that a socket whose buffer is full (a
/// client that stopped reading, or a polling client between two polls) is known: it
/// would otherwise lose events silently. Such a socket is sent nothing more and is ended
/// (see `disconnect_lagging`), so its client reconnects and catches up, as plain-ws
/// clients closed with 1013 do. Returns how many sockets were found lagging.
pub async fn emit(io: &SocketIo, batch: &Batch) -> usize {
    let Some(op) = io.of("/") else { return 0 };
    let mut lagged = 0;
    let rooms: Vec<String> = std::iter::once(ALL_ROOM.to_owned())
        .chain(batch.per_list.iter().map(|(list, _)| list.clone()))
        .collect();
    let position: HashMap<&str, usize> = batch
        .per_list
        .iter()
        .enumerate()
        .map(|(i, (list, _))| (list.as_str(), i))
        .collect();
    // Every socket in one of those rooms (each once).
    for socket in op.to(rooms).sockets() {
        if socket.extensions.get::<Lagging>().is_some() {
            continue;
        }
        let joined = socket.rooms();
        let events: Vec<&String> = if joined.iter().any(|r| r == ALL_ROOM) {
            vec![&batch.all]
        } else {
            let mut mine: Vec<usize> = joined
                .iter()
                .filter_map(|r| position.get(r.as_ref()).copied())
                .collect();
            mine.sort_unstable(); // the lists' order of first appearance in the batch
            mine.into_iter().map(|i| &batch.per_list[i].1).collect()
        };
        for json in events {
            match socket.emit(EVENT, json) {
                Ok(()) => {}
                Err(SendError::Socket(SocketError::InternalChannelFull)) => {
                    tracing::warn!(sid = %log_sid(socket.id.as_str()), "socket.io client lagged; cutting it off");
                    socket.extensions.insert(Lagging);
                    lagged += 1;
                    tokio::spawn(disconnect_lagging(socket));
                    break;
                }
                // Closed meanwhile: nothing to do.
                Err(SendError::Socket(SocketError::Closed)) => break,
                Err(e) => {
                    tracing::warn!(error = %e, sid = %log_sid(socket.id.as_str()), "socket.io emit failed")
                }
            }
        }
    }
    lagged
}

/// Ends a lagging socket so that its client reconnects (and sp-live catches up), not with
/// DISCONNECT, after which a standard socket.io client stays away.
///
/// One on a WebSocket of its own (its first request was `transport=websocket`) loses that
/// connection: every socket.io client reopens a lost connection. Any other (long polling,
/// or upgraded from it) is cut off (see [`Cuts::cut`]): its upgrade WebSocket's connection
/// is aborted, and its polls, POSTs and upgrade attempts from now on are answered as
/// engine.io answers a session it does not know; its session ends on the heartbeat.
/// Only sockets served without [`crate::cut::guard`] (not by `serve`), which cannot be cut
/// off, are sent DISCONNECT.
async fn disconnect_lagging(socket: SocketRef) {
    let parts = socket.req_parts();
    if opened_on_websocket(&socket) {
        if let Some(connection) = parts.extensions.get::<CloseHandle>() {
            return connection.abort();
        }
    }
    let Some(cuts) = parts.extensions.get::<Arc<Cuts>>() else {
        return send_disconnect(socket).await; // not served by `serve` (no `cut::guard`)
    };
    let sid = socket.id.to_string();
    cuts.cut(&sid);
    // Gone meanwhile, its disconnect may have forgotten it before the cut: forget it now.
    if !socket.connected() {
        cuts.forget(&sid);
    }
}

/// How often a lagging socket's DISCONNECT is retried while its buffer stays full.
const DISCONNECT_RETRY: Duration = Duration::from_millis(50);

/// Sends a lagging socket DISCONNECT, retried while the buffer is still full (the packet
/// needs one free place) until it goes or the socket closes otherwise.
async fn send_disconnect(socket: SocketRef) {
    while socket.connected() {
        match socket.clone().disconnect() {
            Err(SocketError::InternalChannelFull) => tokio::time::sleep(DISCONNECT_RETRY).await,
            Ok(()) | Err(SocketError::Closed) => return,
        }
    }
}

#[cfg(test)]
#[path = "sockets_tests.rs"]
mod tests;
