//! Cutting off a lagging socket.io client that is not on a WebSocket of its own (long
//! polling, or upgraded from it), in a way its client recovers from.
//!
//! Such a client cannot be sent DISCONNECT (a standard socket.io client never reconnects
//! after the server's), and the connection socketioxide knows it by is its first poll's.
//! So the server remembers, per Engine.IO session id (a socket's `id` in socketioxide),
//! the connections of its WebSocket upgrade requests (`transport=websocket&sid=...`:
//! browsers open a connection of its own for each), and [`Cuts::cut`] does two things:
//!
//! - it aborts those connections: an upgraded client sees its connection lost;
//! - it marks the session as cut: from then on [`guard`] answers every request with its
//!   sid (poll, POST, upgrade attempt) `400` with engine.io's unknown-session body, before
//!   socketioxide sees it. engine.io-client (2.x and 4.x) takes a poll that is not `200`
//!   as a transport error, and socket.io-client then reconnects.
//!
//! A pending poll's connection is not aborted: a lagging polling client has none (its
//! buffer would be draining), and a poll's connection is a pooled keep-alive one that
//! another page of the same browser may be using.
//!
//! Nothing is kept for ever: the session of a cut client ends on the Engine.IO heartbeat
//! (its pings or pongs are refused, or cannot be queued), and the socket's disconnect
//! [`Cuts::forget`]s it; upgrade connections that have ended are dropped from time to time.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::conn_close::CloseHandle;
use crate::refused::Refusals;

/// The path socket.io is served on.
pub(crate) const SOCKETIO_PATH: &str = "/socket.io";
/// What engine.io answers a request for a session it does not know.
pub(crate) const UNKNOWN_SESSION: &str = r#"{"code":1,"message":"Session ID unknown"}"#;
/// Sessions with upgrade connections remembered before ended ones are first looked for.
const FIRST_PURGE_AT: usize = 64;

/// The Engine.IO sessions cut off, and the WebSocket upgrade connections of each session
/// (see the module documentation).
#[derive(Default)]
pub(crate) struct Cuts(Mutex<Remembered>);

#[derive(Default)]
struct Remembered {
    upgrades: HashMap<String, Vec<CloseHandle>>,
    cut: HashSet<String>,
    /// When `upgrades` has this many sessions, those whose connections all ended go.
    purge_at: usize,
}

impl Remembered {
    /// Remembers `connection` as one of session `sid`'s WebSocket upgrade requests.
    fn remember_upgrade(&mut self, sid: &str, connection: CloseHandle) {
        let upgrades = &mut self.upgrades;
        if upgrades.len() >= self.purge_at.max(FIRST_PURGE_AT) {
            upgrades.retain(|_, connections| {
                connections.retain(CloseHandle::is_live);
                !connections.is_empty()
            });
            // Amortised: the next purge after as many new sessions as are left.
            self.purge_at = 2 * upgrades.len();
        }
        let connections = upgrades.entry(sid.to_owned()).or_default();
        connections.retain(CloseHandle::is_live);
        connections.push(connection);
    }
}

impl Cuts {
    fn remembered(&self) -> std::sync::MutexGuard<'_, Remembered> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a request of session `sid` is refused (the session is cut); if not, `upgrade`
    /// (the connection of a WebSocket upgrade request) is remembered. One look under one
    /// lock: an upgrade let through just before a cut is aborted by it, never missed.
    fn refuses(&self, sid: &str, upgrade: Option<&CloseHandle>) -> bool {
        let mut remembered = self.remembered();
        if remembered.cut.contains(sid) {
            return true;
        }
        if let Some(connection) = upgrade {
            remembered.remember_upgrade(sid, connection.clone());
        }
        false
    }

    /// Cuts session `sid` off: its upgrade connections are aborted, and requests with its
    /// sid are refused until it is forgotten.
    pub(crate) fn cut(&self, sid: &str) {
        let mut remembered = self.remembered();
        remembered.cut.insert(sid.to_owned());
        for connection in remembered.upgrades.remove(sid).unwrap_or_default() {
            connection.abort();
        }
    }

    /// Forgets `connection` as an upgrade of session `sid`: it was not upgraded (engine.io
    /// refused it: a made-up or ended sid, say).
    fn not_upgraded(&self, sid: &str, connection: &CloseHandle) {
        let mut remembered = self.remembered();
        if let Some(connections) = remembered.upgrades.get_mut(sid) {
            connections.retain(|c| !c.is(connection));
            if connections.is_empty() {
                remembered.upgrades.remove(sid);
            }
        }
    }

    /// Forgets all about session `sid` (it has ended).
    pub(crate) fn forget(&self, sid: &str) {
        let mut remembered = self.remembered();
        remembered.cut.remove(sid);
        remembered.upgrades.remove(sid);
    }
}

/// Whether `uri` is under the socket.io path.
fn is_socketio(uri: &Uri) -> bool {
    let rest = uri.path().strip_prefix(SOCKETIO_PATH);
    rest.is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Whether a request to socket.io would open an Engine.IO session (it has no `sid`).
pub(crate) fn opens_session(uri: &Uri) -> bool {
    is_socketio(uri) && session_of(uri).is_none()
}

/// The Engine.IO session id of a request to socket.io, and whether it asks for a WebSocket.
fn session_of(uri: &Uri) -> Option<(&str, bool)> {
    if !is_socketio(uri) {
        return None;
    }
    let query = uri.query()?;
    let sid = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("sid="))?;
    Some((sid, asks_for_websocket(query)))
}

/// Whether a socket.io request's query asks for a WebSocket, as engine.io reads it: by its
/// first `transport` (`transport=polling&transport=websocket` is a poll, whose connection
/// may be a pooled keep-alive one).
pub(crate) fn asks_for_websocket(query: &str) -> bool {
    let transport = query.split('&').find(|pair| pair.starts_with("transport="));
    transport == Some("transport=websocket")
}

/// Middleware in front of socket.io: refuses the requests of cut sessions, remembers the
/// connections of WebSocket upgrades, and puts `cuts` in every request's extensions (the
/// socket.io side finds it in a socket's `req_parts`), and a count of its refused
/// CONNECTs ([`Refusals`]) in a request that opens a session. An upgrade request that engine.io
/// does not upgrade is forgotten once answered: the sid is the client's to make up, and
/// one kept connection would otherwise make the server remember one per request.
pub(crate) async fn guard(State(cuts): State<Arc<Cuts>>, mut req: Request, next: Next) -> Response {
    let mut upgrading = None;
    if let Some((sid, websocket)) = session_of(req.uri()) {
        let upgrade = websocket.then(|| req.extensions().get::<CloseHandle>());
        let upgrade = upgrade.flatten();
        if cuts.refuses(sid, upgrade) {
            let sid = crate::sockets::log_sid(sid);
            tracing::debug!(sid, "request of a cut-off socket.io session refused");
            return unknown_session();
        }
        upgrading = upgrade.map(|connection| (sid.to_owned(), connection.clone()));
    }
    req.extensions_mut().insert(cuts.clone());
    if opens_session(req.uri()) {
        req.extensions_mut().insert(Arc::new(Refusals::default()));
    }
    let response = next.run(req).await;
    if let Some((sid, connection)) = upgrading {
        if response.status() != StatusCode::SWITCHING_PROTOCOLS {
            cuts.not_upgraded(&sid, &connection);
        }
    }
    response
}

/// engine.io's answer to a request for a session it does not know.
fn unknown_session() -> Response {
    let json = [(header::CONTENT_TYPE, "application/json")];
    (StatusCode::BAD_REQUEST, json, Body::from(UNKNOWN_SESSION)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conn_close;
    use tokio::io::AsyncWriteExt;

    #[test]
    fn sessions_of_socketio_requests_only() {
        let uri = |s: &str| s.parse::<Uri>().unwrap();
        let ws = uri("/socket.io/?EIO=4&transport=websocket&sid=abc");
        assert_eq!(session_of(&ws), Some(("abc", true)));
        let poll = uri("/socket.io/?EIO=3&transport=polling&t=x&sid=abc");
        assert_eq!(session_of(&poll), Some(("abc", false)));
        // A poll to engine.io, whatever comes after its first `transport`: its (shared)
        // connection must not be remembered as an upgrade, which a cut aborts.
        let twice = uri("/socket.io/?EIO=3&transport=polling&transport=websocket&sid=abc");
        assert_eq!(session_of(&twice), Some(("abc", false)));
        assert_eq!(
            session_of(&uri("/socket.io/?EIO=4&transport=polling")),
            None
        );
        assert_eq!(session_of(&uri("/socket.iox/?sid=abc")), None);
        assert_eq!(session_of(&uri("/ws?sid=abc")), None);
        assert!(opens_session(&uri("/socket.io/?EIO=4&transport=polling")));
        assert!(opens_session(&uri("/socket.io")));
        assert!(!opens_session(&ws) && !opens_session(&poll));
        assert!(!opens_session(&uri("/socket.iox/")) && !opens_session(&uri("/ws")));
    }

    #[tokio::test]
    async fn a_cut_aborts_the_upgrades_until_it_is_forgotten() {
        let cuts = Cuts::default();
        let (stream, _client) = tokio::io::duplex(64);
        let (mut upgrade, handle) = conn_close::wrap(stream);
        assert!(!cuts.refuses("a", Some(&handle)));
        cuts.cut("a");
        let error = upgrade.write_all(b"x").await.unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionAborted);
        assert!(cuts.refuses("a", None) && !cuts.refuses("b", None));
        let (_late, late) = conn_close::wrap(tokio::io::empty());
        assert!(cuts.refuses("a", Some(&late)), "an upgrade after the cut");
        cuts.forget("a");
        assert!(!cuts.refuses("a", None));
        let remembered = cuts.remembered();
        assert!(remembered.cut.is_empty() && remembered.upgrades.is_empty());
    }

    /// A WebSocket request with a made-up sid is refused by engine.io (400): its connection
    /// is not kept. Else a client could make the server remember a sid (of any length) per
    /// request, for as long as it keeps one connection open, before any token is checked.
    #[tokio::test]
    async fn requests_that_are_not_upgraded_are_not_remembered() {
        use axum::http::Request;
        use tower::ServiceExt as _;
        let cuts = Arc::new(Cuts::default());
        let app = |status: StatusCode| {
            axum::Router::new()
                .fallback(move || async move { status })
                .layer(axum::middleware::from_fn_with_state(cuts.clone(), guard))
        };
        let (_live, connection) = conn_close::wrap(tokio::io::empty());
        for i in 0..200 {
            let uri = format!("/socket.io/?EIO=4&transport=websocket&sid=made-up-{i}");
            let mut req = Request::get(uri).body(Body::empty()).unwrap();
            req.extensions_mut().insert(connection.clone());
            let res = app(StatusCode::BAD_REQUEST).oneshot(req).await.unwrap();
            assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        }
        assert!(cuts.remembered().upgrades.is_empty(), "no made-up sid kept");
        // An upgrade engine.io takes is remembered, and a cut aborts it.
        let uri = "/socket.io/?EIO=4&transport=websocket&sid=real";
        let mut req = Request::get(uri).body(Body::empty()).unwrap();
        req.extensions_mut().insert(connection.clone());
        app(StatusCode::SWITCHING_PROTOCOLS)
            .oneshot(req)
            .await
            .unwrap();
        assert_eq!(cuts.remembered().upgrades.len(), 1);
    }

    #[test]
    fn ended_upgrade_connections_are_purged() {
        let cuts = Cuts::default();
        let (_kept, handle) = conn_close::wrap(tokio::io::empty());
        assert!(!cuts.refuses("kept", Some(&handle)));
        for i in 0..1000 {
            let (ended, handle) = conn_close::wrap(tokio::io::empty());
            assert!(!cuts.refuses(&format!("s{i}"), Some(&handle)));
            drop(ended);
        }
        let remembered = cuts.remembered();
        let sessions = remembered.upgrades.len();
        assert!(sessions <= FIRST_PURGE_AT, "{sessions} sessions remembered");
        assert!(remembered.upgrades.contains_key("kept"));
    }
}
