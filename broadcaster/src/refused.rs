//! Refusing a socket.io client that the [`Gate`] does not admit, and ending the session
//! of a refused socket.io 2.x client, which would otherwise keep it for ever, and of any
//! client refused [`MAX_REFUSED_CONNECTS`] times in one session.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use socketioxide::extract::SocketRef;
use socketioxide::ProtocolVersion;

use crate::client_auth::{Gate, Refused};
use crate::conn_close::CloseHandle;
use crate::cut::Cuts;
use crate::sockets::{log_sid, opened_on_websocket};

/// Refused CONNECTs a session may send; the last of them ends it. A client may send
/// CONNECT again in its session (socket.io 3/4 clients do, with another token, say), and
/// each refused one costs a check (an Entra ID token's signature) and a log line: without
/// a limit, one WebSocket could carry thousands a second, unseen by a proxy's limit on
/// connections or requests.
pub(crate) const MAX_REFUSED_CONNECTS: u32 = 3;

/// How many CONNECTs of an Engine.IO session were refused. `cut::guard` puts one in the
/// extensions of each request that opens a session; socketioxide keeps that request's in
/// the socket's `req_parts`.
#[derive(Default)]
pub(crate) struct Refusals(AtomicU32);

/// The connect middleware of namespace `/`: whether the client that sent `auth` (its
/// CONNECT payload) on `socket` may listen. A refused client hears socketioxide's
/// CONNECT_ERROR (`Not authorized`); a 2.x one is then sent on its way ([`close_refused`]).
/// `heartbeat` is the Engine.IO ping interval plus timeout.
pub(crate) async fn admit(
    gate: Arc<Gate>,
    heartbeat: Duration,
    socket: SocketRef,
    auth: Option<Value>,
) -> Result<(), Refused> {
    let parts = socket.req_parts();
    let refusals = parts.extensions.get::<Arc<Refusals>>();
    // Its session is ending: no check, no log line.
    if refusals.is_some_and(|r| r.0.load(Ordering::Relaxed) >= MAX_REFUSED_CONNECTS) {
        return Err(Refused::TooManyAttempts);
    }
    let admitted = gate.admits(auth.as_ref(), &parts.uri).await;
    if let Err(refused) = &admitted {
        // One CONNECT of a socket at a time runs this (socketioxide ignores the others).
        let refusal = refusals.map_or(1, |r| r.0.fetch_add(1, Ordering::Relaxed) + 1);
        let sid = log_sid(socket.id.as_str());
        tracing::info!(sid, reason = %refused.reason(), refusal, "socket.io client refused");
        if refusal == 1 && socket.protocol() == ProtocolVersion::V4 {
            tokio::spawn(close_refused(socket.clone(), heartbeat));
        }
        if refusal == MAX_REFUSED_CONNECTS {
            tracing::info!(sid, "too many refused CONNECTs: ending the session");
            let socket = socket.clone();
            tokio::spawn(async move {
                tokio::time::sleep(REFUSED_DISCONNECT_AFTER).await;
                end_session(&socket, heartbeat);
            });
        }
    }
    admitted
}

/// How long after its refusal a socket.io 2.x client is sent DISCONNECT (and after its
/// last refusal a client's session ends): socketioxide queues the CONNECT_ERROR once the
/// middleware has returned, and it must go first.
const REFUSED_DISCONNECT_AFTER: Duration = Duration::from_millis(250);
/// How long after that DISCONNECT the server closes the connection itself.
const REFUSED_CLOSE_AFTER: Duration = Duration::from_secs(1);

/// How long after a refused client's session is cut off the server forgets it, beyond
/// the heartbeat in which the cut session ends.
const FORGET_CUT_AFTER: Duration = Duration::from_secs(5);

/// Ends the session of a refused socket.io 2.x (protocol v4) client, which would
/// otherwise keep it open, pinging, for ever (socketioxide closes refused 3.x/4.x clients
/// after its connect timeout; 2.x clients join `/` without asking, so none applies). It
/// gets DISCONNECT (`41`) after the CONNECT_ERROR: socket.io-client 2.x then closes its
/// connection and, the disconnect being the server's, does not reconnect (a connection
/// merely closed by the server would be reopened every second or two, refused each time).
/// A client that stays on anyway loses its session: see [`end_session`].
async fn close_refused(socket: SocketRef, heartbeat: Duration) {
    tokio::time::sleep(REFUSED_DISCONNECT_AFTER).await;
    // The socket never joined the namespace: this only sends the packet.
    if let Err(e) = socket.clone().disconnect() {
        let sid = log_sid(socket.id.as_str());
        tracing::debug!(sid, error = %e, "no DISCONNECT for a refused client");
    }
    tokio::time::sleep(REFUSED_CLOSE_AFTER).await;
    end_session(&socket, heartbeat);
}

/// Ends a refused client's Engine.IO session. On a WebSocket of its own, its connection
/// is closed. Otherwise (long polling, perhaps upgraded since) the connection is not its
/// own (a browser's or a proxy's keep-alive one, which carries other requests next), so
/// the session is cut off instead ([`Cuts::cut`]): its requests are answered as engine.io
/// answers a session it does not know, and it ends on the heartbeat, within `heartbeat`;
/// the server forgets the cut a little later (no disconnect handler does: the socket
/// never joined the namespace).
fn end_session(socket: &SocketRef, heartbeat: Duration) {
    let sid = log_sid(socket.id.as_str());
    let extensions = &socket.req_parts().extensions;
    if opened_on_websocket(socket) {
        match extensions.get::<CloseHandle>() {
            Some(connection) => connection.close(),
            None => tracing::warn!(sid, "cannot close a refused client's connection"),
        }
        return;
    }
    let Some(cuts) = extensions.get::<Arc<Cuts>>().cloned() else {
        return tracing::warn!(sid, "cannot end a refused client's session");
    };
    let sid = socket.id.to_string();
    cuts.cut(&sid);
    tokio::spawn(async move {
        tokio::time::sleep(heartbeat + FORGET_CUT_AFTER).await;
        cuts.forget(&sid);
    });
}
