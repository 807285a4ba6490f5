//! The admin API under `/_admin` (not part of SharePoint): counters, reset, knobs,
//! clock, digests, faults, latency and webhook controls. Data helpers are in [`data`].

pub mod data;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::faults::Latency;
use crate::{time, webhooks, App};

/// An admin error: `{"error": "..."}` with a 4xx status.
pub fn admin_error(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({ "error": msg }))).into_response()
}

/// Parses an optional JSON body into `T` (empty body = `T::default()`).
pub fn body<T: for<'de> Deserialize<'de> + Default>(bytes: &[u8]) -> Result<T, Response> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes)
        .map_err(|e| admin_error(StatusCode::BAD_REQUEST, &format!("bad JSON body: {e}")))
}

/// The admin router (nested under `/_admin`).
pub fn router() -> Router<App> {
    Router::new()
        .route("/health", get(health))
        .route("/counters", get(counters).delete(reset_counters))
        .route("/counters/reset", post(reset_counters))
        .route("/reset", post(reset))
        .route("/config", get(get_config).post(set_config))
        .route("/clock", get(get_clock).post(set_clock))
        .route("/digests/expire", post(expire_digests))
        .route(
            "/faults",
            get(get_faults).post(add_fault).delete(clear_faults),
        )
        .route("/latency", post(set_latency))
        .route("/webhooks", get(get_webhooks))
        .route("/webhooks/flush", post(flush))
        .route("/webhooks/drop", post(drop_next))
        .route("/webhooks/duplicate", post(duplicate_next))
        .merge(data::router())
}

async fn health(State(app): State<App>) -> Json<Value> {
    let sites: Vec<String> = app.lock().sites.iter().map(|s| s.path.clone()).collect();
    Json(json!({ "ok": true, "sites": sites }))
}

async fn counters(State(app): State<App>) -> Json<Value> {
    let inner = app.lock();
    let mut m = serde_json::Map::new();
    let mut total = 0;
    for (k, v) in &inner.counters {
        m.insert(k.clone(), json!(v));
        // A batch is one request; its parts are counted as `batched:<kind>`.
        if k != "preflight" && !k.starts_with("batched:") {
            total += v;
        }
    }
    m.insert("total".into(), json!(total));
    m.insert("faulted".into(), json!(inner.faults.injected));
    Json(Value::Object(m))
}

async fn reset_counters(State(app): State<App>) -> Json<Value> {
    let mut inner = app.lock();
    inner.counters.clear();
    inner.faults.injected = 0;
    Json(json!({ "ok": true }))
}

async fn reset(State(app): State<App>) -> Json<Value> {
    app.lock().reset();
    Json(json!({ "ok": true }))
}

async fn get_config(State(app): State<App>) -> Json<Value> {
    Json(serde_json::to_value(&app.lock().knobs).unwrap_or(Value::Null))
}

async fn set_config(State(app): State<App>, bytes: axum::body::Bytes) -> Response {
    let patch: serde_json::Map<String, Value> = match body(&bytes) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut inner = app.lock();
    let mut cur = serde_json::to_value(&inner.knobs).unwrap_or(Value::Null);
    if let Value::Object(c) = &mut cur {
        for (k, v) in patch {
            if !c.contains_key(&k) {
                return admin_error(StatusCode::BAD_REQUEST, &format!("unknown knob '{k}'"));
            }
            c.insert(k, v);
        }
    }
    match serde_json::from_value(cur) {
        Ok(k) => inner.knobs = k,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, &format!("bad knob value: {e}")),
    }
    drop(inner);
    app.wake.notify_one();
    Json(serde_json::to_value(&app.lock().knobs).unwrap_or(Value::Null)).into_response()
}

fn clock_json(app: &App) -> Json<Value> {
    let inner = app.lock();
    let now = inner.now_ms();
    Json(json!({
        "now": time::iso_millis(now),
        "nowMs": now,
        "ticks": time::ticks(now),
        "offsetSeconds": inner.clock_offset_ms as f64 / 1000.0,
    }))
}

async fn get_clock(State(app): State<App>) -> Json<Value> {
    clock_json(&app)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ClockBody {
    advance_seconds: Option<f64>,
    offset_seconds: Option<f64>,
}

async fn set_clock(State(app): State<App>, bytes: axum::body::Bytes) -> Response {
    let b: ClockBody = match body(&bytes) {
        Ok(b) => b,
        Err(r) => return r,
    };
    {
        let mut inner = app.lock();
        if let Some(o) = b.offset_seconds {
            inner.clock_offset_ms = (o * 1000.0) as i64;
        }
        if let Some(a) = b.advance_seconds {
            inner.clock_offset_ms = inner.clock_offset_ms.saturating_add((a * 1000.0) as i64);
        }
    }
    clock_json(&app).into_response()
}

async fn expire_digests(State(app): State<App>) -> Json<Value> {
    let mut inner = app.lock();
    let n = inner.digests.len();
    inner.digests.clear();
    Json(json!({ "expired": n }))
}

fn faults_json(app: &App) -> Json<Value> {
    let inner = app.lock();
    Json(json!({
        "rules": inner.faults.rules,
        "latency": inner.faults.latency,
        "injected": inner.faults.injected,
    }))
}

async fn get_faults(State(app): State<App>) -> Json<Value> {
    faults_json(&app)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct FaultBody {
    status: Option<u16>,
    count: Option<u32>,
    /// Absent: 1 second; `null`: no `Retry-After` header.
    #[serde(default, deserialize_with = "present")]
    retry_after: Option<Option<u32>>,
    #[serde(rename = "match")]
    matches: Option<String>,
}

/// A field that may be `null`: present (even as `null`) is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
    Option::<u32>::deserialize(d).map(Some)
}

async fn add_fault(State(app): State<App>, bytes: axum::body::Bytes) -> Response {
    let b: FaultBody = match body(&bytes) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let status = b.status.unwrap_or(429);
    if !(400..=599).contains(&status) {
        return admin_error(StatusCode::BAD_REQUEST, "status must be 4xx or 5xx");
    }
    let rule = app.lock().faults.add(
        status,
        b.count.unwrap_or(1),
        b.retry_after.unwrap_or(Some(1)),
        b.matches,
    );
    (StatusCode::CREATED, Json(json!(rule))).into_response()
}

async fn clear_faults(State(app): State<App>) -> Json<Value> {
    {
        let mut inner = app.lock();
        inner.faults.rules.clear();
        inner.faults.latency = Latency::default();
    }
    faults_json(&app)
}

async fn set_latency(State(app): State<App>, bytes: axum::body::Bytes) -> Response {
    let l: Latency = match body(&bytes) {
        Ok(b) => b,
        Err(r) => return r,
    };
    app.lock().faults.latency = l;
    faults_json(&app).into_response()
}

async fn get_webhooks(State(app): State<App>) -> Json<Value> {
    let inner = app.lock();
    let mut subs = Vec::new();
    for site in &inner.sites {
        for l in &site.lists {
            for s in &l.subscriptions {
                subs.push(json!({
                    "id": s.id.to_string(),
                    "site": site.path,
                    "listId": l.id.to_string(),
                    "notificationUrl": s.notification_url,
                    "expirationDateTime": time::iso_millis(s.expiration_ms),
                    "clientState": s.client_state,
                    "pending": inner.hooks.dirty.contains(&s.id),
                }));
            }
        }
    }
    Json(json!({
        "stats": inner.hooks.stats,
        "pending": inner.hooks.dirty.len(),
        "retries": inner.hooks.retries.len(),
        "dropNext": inner.hooks.drop_next,
        "duplicateNext": inner.hooks.duplicate_next,
        "subscriptions": subs,
    }))
}

async fn flush(State(app): State<App>) -> Json<Value> {
    let n = webhooks::deliver_due(&app, true).await;
    Json(json!({ "posts": n }))
}

#[derive(Deserialize, Default)]
struct CountBody {
    count: Option<u32>,
}

async fn drop_next(State(app): State<App>, bytes: axum::body::Bytes) -> Response {
    let b: CountBody = match body(&bytes) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut inner = app.lock();
    inner.hooks.drop_next = b.count.unwrap_or(1);
    Json(json!({ "dropNext": inner.hooks.drop_next })).into_response()
}

async fn duplicate_next(State(app): State<App>, bytes: axum::body::Bytes) -> Response {
    let b: CountBody = match body(&bytes) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut inner = app.lock();
    inner.hooks.duplicate_next = b.count.unwrap_or(1);
    Json(json!({ "duplicateNext": inner.hooks.duplicate_next })).into_response()
}
