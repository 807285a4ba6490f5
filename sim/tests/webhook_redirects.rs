//! A notification URL that answers a redirect: SharePoint needs 200 to the handshake and
//! a 2xx to a notification, so the sim follows no redirect (a 3xx fails).

mod common;
use common::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use reqwest::Method;
use serde_json::json;

/// `/hook` answers the handshake (token as text/plain) and counts notifications;
/// `/moved` redirects (308, method and body kept) to `/hook` with the same query.
async fn start_receiver() -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    async fn hook(State(n): State<Arc<AtomicUsize>>, RawQuery(q): RawQuery) -> Response {
        let token = q
            .as_deref()
            .and_then(|q| q.strip_prefix("validationtoken="))
            .map(str::to_owned);
        match token {
            Some(t) => (StatusCode::OK, [("content-type", "text/plain")], t).into_response(),
            None => {
                n.fetch_add(1, Ordering::SeqCst);
                StatusCode::OK.into_response()
            }
        }
    }
    async fn moved(RawQuery(q): RawQuery) -> Response {
        let to = match q {
            Some(q) => format!("/hook?{q}"),
            None => "/hook".to_owned(),
        };
        (StatusCode::PERMANENT_REDIRECT, [("location", to)]).into_response()
    }
    let app = Router::new()
        .route("/hook", post(hook))
        .route("/moved", post(moved))
        .with_state(count.clone());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (format!("http://{addr}"), count)
}

#[tokio::test]
async fn a_redirect_fails_the_handshake_and_the_notification() {
    let t = start_with(sp_sim::Knobs::default()).await; // 60 s interval: flush by hand
    let id = t.list("A").await;
    let (base, notified) = start_receiver().await;
    let subs = format!("{}/subscriptions", t.list_url(&id));
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let create = |path: &str| json!({"resource": id, "notificationUrl": format!("{base}{path}"), "expirationDateTime": expires});
    let (s, v) = t.post(&subs, NONE, create("/moved")).await;
    assert_eq!(s, 400, "a redirected handshake must fail: {v}");
    let (s, v) = t.post(&subs, NONE, create("/hook")).await;
    assert_eq!(s, 201, "{v}");
    // The endpoint moves: its notifications are answered 308, a failure.
    let one = format!("{subs}('{}')", v["id"].as_str().unwrap());
    let to_moved = Some(json!({"notificationUrl": format!("{base}/moved")}));
    assert_eq!(
        t.req(Method::PATCH, &one, NONE, to_moved).await.status(),
        204
    );
    let row = Some(json!({"Title": "x"}));
    t.admin(Method::POST, &format!("lists/{id}/items"), row)
        .await;
    assert_eq!(
        t.admin(Method::POST, "webhooks/flush", None).await["posts"],
        1
    );
    let stats = t.admin(Method::GET, "webhooks", None).await["stats"].clone();
    assert_eq!(
        (stats["delivered"].clone(), stats["failed"].clone()),
        (json!(0), json!(1)),
        "{stats}"
    );
    assert_eq!(notified.load(Ordering::SeqCst), 0);
}
