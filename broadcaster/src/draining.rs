//! New work refused once the shutdown has begun.
//!
//! Between the start of a shutdown and the closing of the listeners, the server still
//! takes requests: long-polling socket.io clients fetch the last batches with them. A new
//! client, though, would be connected only to be closed a moment later (and sp-live would
//! catch up twice): a new socket.io session, a plain-ws upgrade and `/health` (a load
//! balancer's probe) are answered `503` instead, so that clients and load balancers go to
//! another instance (or come back once this one has restarted). Webhooks get their own
//! `503` ([`crate::webhook::handle`]).

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

use crate::cut;

/// Middleware in front of socket.io: while `shutdown` is `true`, a request that would open
/// an Engine.IO session (one without `sid`) is answered `503`; requests of sessions already
/// open go through.
pub(crate) async fn refuse_new_sessions(
    State(shutdown): State<watch::Receiver<bool>>,
    req: Request,
    next: Next,
) -> Response {
    if *shutdown.borrow() && cut::opens_session(req.uri()) {
        return unavailable();
    }
    next.run(req).await
}

/// The answer to new work while shutting down.
pub(crate) fn unavailable() -> Response {
    let body = serde_json::json!({ "error": "shutting down, retry later" }).to_string();
    let json = [(header::CONTENT_TYPE, "application/json")];
    (StatusCode::SERVICE_UNAVAILABLE, json, body).into_response()
}
