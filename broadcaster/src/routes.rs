//! The HTTP routes: `/health`, the plain WebSocket endpoint, the webhook endpoint and
//! socket.io, with the middleware in front of them and the CORS answers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderValue;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use socketioxide::layer::SocketIoLayer;
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};

use crate::{cut, draining, expiry, plain_ws, sockets, webhook, AppState, Config, CorsMode};

/// The service: every route, socket.io, and the middleware in front of them.
pub(crate) fn router(state: &AppState, io_layer: SocketIoLayer) -> Router {
    let app = Router::new()
        .route("/health", get(health_route))
        .route(&state.cfg.ws_path, get(plain_ws::upgrade))
        .route(&state.cfg.webhook_path, post(webhook::handle))
        .fallback(webhook::handle_other)
        .with_state(state.clone())
        .layer(io_layer)
        // In front of socket.io: cut-off sessions never reach it (see `cut`).
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(cut::Cuts::default()),
            cut::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.shutdown.clone(),
            draining::refuse_new_sessions,
        ));
    match cors_layer(&state.cfg) {
        Some(cors) => app.layer(cors),
        None => app,
    }
}

/// CORS as the seed's socket.io 2.0.4 server answered it: the request's origin is
/// echoed with `Access-Control-Allow-Credentials: true`, because socket.io-client 2.x
/// starts with long polling and sends credentials, which browsers refuse against `*`.
fn cors_layer(cfg: &Config) -> Option<CorsLayer> {
    let base = CorsLayer::new()
        .allow_methods(AllowMethods::mirror_request())
        .allow_headers(AllowHeaders::mirror_request())
        .allow_credentials(true)
        .max_age(Duration::from_secs(600));
    match cfg.cors {
        CorsMode::Off => None,
        CorsMode::All => Some(base.allow_origin(AllowOrigin::mirror_request())),
        CorsMode::Public => {
            let webhook = cfg.webhook_path.clone();
            Some(base.allow_origin(AllowOrigin::predicate(
                move |_origin: &HeaderValue, parts| {
                    !webhook::is_webhook_path(parts.uri.path(), &webhook)
                },
            )))
        }
    }
}

/// `GET /health`: `503` once the shutdown has begun (a load balancer's probe: go
/// elsewhere), else the report.
async fn health_route(State(st): State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    if *st.shutdown.borrow() {
        return draining::unavailable();
    }
    health(State(st)).await.into_response()
}

pub(crate) async fn health(State(st): State<AppState>) -> Json<serde_json::Value> {
    let s = &st.stats;
    let sio = sockets::connected(&st.io);
    let ws = s.ws_clients.load(Ordering::Relaxed);
    let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let entra = st.gate.entra().map(|verifier| {
        let (keys, age) = verifier.keys_status();
        json!({ "keys": keys, "keys_age_secs": age.map(|a| a.as_secs()) })
    });
    Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_secs": st.started.elapsed().as_secs(),
        "sockets": {
            "socketio": sio,
            "ws": ws,
            "total": sio + ws,
            "lagged": n(&s.clients_lagged),
        },
        "webhooks": {
            "requests": n(&s.webhook_requests),
            "validations": n(&s.validations),
            "rejected": n(&s.rejected),
        },
        "notifications": {
            "received": n(&s.notifications_received),
            "emitted": n(&s.notifications_emitted),
            "batches_emitted": n(&s.batches_emitted),
        },
        "subscriptions": st.subscriptions.summary(expiry::unix_now()),
        "entra": entra,
    }))
}
