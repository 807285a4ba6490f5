//! Webhooks against a tiny axum receiver: handshake, batching, retries, faults, CRUD.

mod common;
use common::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use reqwest::Method;
use serde_json::{json, Value};

#[derive(Default)]
struct Rx {
    bodies: Vec<Value>,
    handshakes: usize,
    fail_next: usize,
    bad_handshake: bool,
    html_handshake: bool,
}

type Shared = Arc<Mutex<Rx>>;

async fn receiver(
    State(s): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let mut rx = s.lock().unwrap();
    if let Some(tok) = q
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("validationtoken"))
        .map(|(_, v)| v.clone())
    {
        rx.handshakes += 1;
        assert!(body.is_empty());
        let tok = if rx.bad_handshake {
            "wrong".to_string()
        } else {
            tok
        };
        let ty = if rx.html_handshake {
            "text/html; charset=utf-8"
        } else {
            "text/plain"
        };
        return (StatusCode::OK, [("content-type", ty)], tok).into_response();
    }
    if rx.fail_next > 0 {
        rx.fail_next -= 1;
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    rx.bodies.push(serde_json::from_str(&body).unwrap());
    StatusCode::OK.into_response()
}

async fn start_receiver() -> (String, Shared) {
    let s: Shared = Arc::default();
    let app = Router::new().fallback(receiver).with_state(s.clone());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (format!("http://{addr}/hook"), s)
}

fn in_days(d: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(d)).to_rfc3339()
}

async fn wait_for(s: &Shared, n: usize) -> Vec<Value> {
    for _ in 0..250 {
        if s.lock().unwrap().bodies.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.lock().unwrap().bodies.clone()
}

/// Polls the admin webhook stats until `stats[key] >= n` (at most 5 s).
async fn wait_stat(t: &T, key: &str, n: u64) -> Value {
    for _ in 0..250 {
        let w = t.admin(Method::GET, "webhooks", None).await;
        if w["stats"][key].as_u64().unwrap_or(0) >= n {
            return w;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    t.admin(Method::GET, "webhooks", None).await
}

async fn subscribe(t: &T, list: &str, url: &str, state: Option<&str>) -> (u16, Value) {
    let body = json!({"resource": t.list_url(list), "notificationUrl": url, "expirationDateTime": in_days(90), "clientState": state});
    t.post(
        &format!("{}/subscriptions", t.api(&format!("web/lists('{list}')"))),
        NONE,
        body,
    )
    .await
}

#[tokio::test]
async fn handshake_create_list_renew_delete() {
    let t = start().await;
    let id = t.list("Mails").await;
    let (url, rx) = start_receiver().await;
    let (s, v) = subscribe(&t, &id, &url, Some("secret")).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(rx.lock().unwrap().handshakes, 1);
    assert_eq!(v["resource"], id.as_str());
    assert_eq!(v["notificationUrl"], url.as_str());
    let sub = v["id"].as_str().unwrap().to_string();
    let subs = format!("{}/subscriptions", t.list_url(&id));
    let (_, v) = t.get(&subs, VERBOSE).await;
    assert_eq!(v["d"]["results"][0]["id"], sub.as_str());
    // Renew, then too far, then delete.
    let one = format!("{subs}('{sub}')");
    let r = t
        .req(
            Method::PATCH,
            &one,
            NONE,
            Some(json!({"expirationDateTime": in_days(170)})),
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = t
        .req(
            Method::PATCH,
            &one,
            NONE,
            Some(json!({"expirationDateTime": in_days(181)})),
        )
        .await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert!(odata_error_message(&v).starts_with("The specified expiration date is invalid"));
    let body = json!({"resource": id, "notificationUrl": url, "expirationDateTime": in_days(200)});
    let (s, _) = t.post(&subs, NONE, body).await;
    assert_eq!(s, 400);
    assert_eq!(t.req(Method::DELETE, &one, NONE, None).await.status(), 204);
    let (_, v) = t.get(&subs, NONE).await;
    assert_eq!(v["value"], json!([]));
    // A failed handshake refuses the subscription; non-loopback URLs are refused.
    // The token in another Content-Type than text/plain (as Express's res.send answers).
    rx.lock().unwrap().html_handshake = true;
    let (s, v) = subscribe(&t, &id, &url, None).await;
    assert_eq!(s, 400, "{v}");
    assert!(v.to_string().contains("not 'text/plain'"), "{v}");
    rx.lock().unwrap().html_handshake = false;
    rx.lock().unwrap().bad_handshake = true;
    assert_eq!(subscribe(&t, &id, &url, None).await.0, 400);
    assert_eq!(
        subscribe(&t, &id, "http://example.invalid/hook", None)
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn batched_delivery_without_item_data() {
    let t = start().await;
    let a = t.list("A").await;
    let b = t.list("B").await;
    let (url, rx) = start_receiver().await;
    let (_, sa) = subscribe(&t, &a, &url, Some("cs")).await;
    let (_, sb) = subscribe(&t, &b, &url, None).await;
    // 50 edits on A and one on B within one interval -> one POST, two notifications.
    // A long interval during the edits; setting it back wakes the delivery loop.
    let rows: Vec<Value> = (0..50).map(|i| json!({"Title": format!("r{i}")})).collect();
    t.admin(
        Method::POST,
        "config",
        Some(json!({"webhookIntervalMs": 60_000})),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    t.admin(Method::POST, &format!("lists/{a}/items"), Some(json!(rows)))
        .await;
    t.admin(
        Method::POST,
        &format!("lists/{b}/items"),
        Some(json!({"Title": "x"})),
    )
    .await;
    assert!(rx.lock().unwrap().bodies.is_empty());
    t.admin(
        Method::POST,
        "config",
        Some(json!({"webhookIntervalMs": 100})),
    )
    .await;
    let got = wait_for(&rx, 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.lock().unwrap().bodies.len(), 1, "{got:?}");
    let value = got[0]["value"].as_array().unwrap();
    assert_eq!(value.len(), 2);
    let na = value.iter().find(|n| n["resource"] == a.as_str()).unwrap();
    assert_eq!(na["subscriptionId"], sa["id"]);
    assert_eq!(na["clientState"], "cs");
    assert_eq!(na["siteUrl"], "/sites/dev");
    for k in ["expirationDateTime", "tenantId", "webId"] {
        assert!(na[k].is_string(), "{k}");
    }
    let nb = value.iter().find(|n| n["resource"] == b.as_str()).unwrap();
    assert_eq!(
        (nb["subscriptionId"].clone(), nb["clientState"].clone()),
        (sb["id"].clone(), Value::Null)
    );
    assert!(na.get("Title").is_none() && na.get("value").is_none());
    // A REST edit notifies too.
    let (s, _) = t
        .post(
            &format!("{}/items", t.list_url(&a)),
            NONE,
            json!({"Title": "rest"}),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(wait_for(&rx, 2).await.len(), 2);
    let w = wait_stat(&t, "delivered", 2).await;
    assert_eq!(w["stats"]["delivered"], 2);
}

#[tokio::test]
async fn retries_then_gives_up_and_fault_knobs() {
    let t = start().await;
    t.admin(
        Method::POST,
        "config",
        Some(json!({"webhookIntervalMs": 50, "webhookRetryDelayMs": 60, "webhookMaxRetries": 2})),
    )
    .await;
    let id = t.list("A").await;
    let (url, rx) = start_receiver().await;
    subscribe(&t, &id, &url, None).await;
    // Fails twice then succeeds on the second retry.
    rx.lock().unwrap().fail_next = 2;
    t.admin(
        Method::POST,
        &format!("lists/{id}/items"),
        Some(json!({"Title": "x"})),
    )
    .await;
    assert_eq!(wait_for(&rx, 1).await.len(), 1);
    let w = t.admin(Method::GET, "webhooks", None).await;
    assert_eq!(
        (w["stats"]["failed"].clone(), w["stats"]["retried"].clone()),
        (json!(2), json!(2))
    );
    // Fails three times: dropped after 2 retries.
    rx.lock().unwrap().fail_next = 3;
    t.admin(
        Method::POST,
        &format!("lists/{id}/items"),
        Some(json!({"Title": "y"})),
    )
    .await;
    let w = wait_stat(&t, "gaveUp", 1).await;
    assert_eq!(w["stats"]["gaveUp"], 1);
    assert_eq!(rx.lock().unwrap().bodies.len(), 1);
    // Drop the next one, duplicate the one after.
    t.admin(Method::POST, "webhooks/drop", Some(json!({"count": 1})))
        .await;
    t.admin(
        Method::POST,
        &format!("lists/{id}/items"),
        Some(json!({"Title": "z"})),
    )
    .await;
    wait_stat(&t, "dropped", 1).await;
    assert_eq!(rx.lock().unwrap().bodies.len(), 1);
    t.admin(
        Method::POST,
        "webhooks/duplicate",
        Some(json!({"count": 1})),
    )
    .await;
    t.admin(
        Method::POST,
        &format!("lists/{id}/items"),
        Some(json!({"Title": "w"})),
    )
    .await;
    assert_eq!(wait_for(&rx, 3).await.len(), 3);
    let w = t.admin(Method::GET, "webhooks", None).await;
    assert_eq!(
        (
            w["stats"]["dropped"].clone(),
            w["stats"]["duplicated"].clone()
        ),
        (json!(1), json!(1))
    );
}

#[tokio::test]
async fn flush_delivers_now() {
    let t = start_with(sp_sim::Knobs::default()).await; // 60 s interval
    let id = t.list("A").await;
    let (url, rx) = start_receiver().await;
    subscribe(&t, &id, &url, None).await;
    t.admin(
        Method::POST,
        &format!("lists/{id}/items"),
        Some(json!({"Title": "x"})),
    )
    .await;
    assert_eq!(t.admin(Method::GET, "webhooks", None).await["pending"], 1);
    let f = t.admin(Method::POST, "webhooks/flush", None).await;
    assert_eq!(f["posts"], 1);
    assert_eq!(rx.lock().unwrap().bodies.len(), 1);
}

/// As SharePoint writes them: `expirationDateTime` to the second in a subscription, with
/// seven fraction digits in a notification; at its end a subscription is deleted (no
/// longer listed, read or renewable) and notifies no more.
#[tokio::test]
async fn expiration_formats_and_an_expired_subscription_is_gone() {
    let t = start_with(sp_sim::Knobs::default()).await; // 60 s interval: flush by hand
    let id = t.list("A").await;
    let (url, rx) = start_receiver().await;
    let (s, v) = subscribe(&t, &id, &url, None).await;
    assert_eq!(s, 201, "{v}");
    assert!(
        regex_like(v["expirationDateTime"].as_str().unwrap(), ""),
        "{v}"
    );
    let one = format!(
        "{}/subscriptions('{}')",
        t.list_url(&id),
        v["id"].as_str().unwrap()
    );
    let add = |title: &'static str| {
        let t = &t;
        let id = id.clone();
        async move {
            let row = Some(json!({ "Title": title }));
            t.admin(Method::POST, &format!("lists/{id}/items"), row)
                .await;
            t.admin(Method::POST, "webhooks/flush", None).await
        }
    };
    assert_eq!(add("a").await["posts"], 1);
    let got = rx.lock().unwrap().bodies[0]["value"][0]["expirationDateTime"].clone();
    assert!(regex_like(got.as_str().unwrap(), ".0000000"), "{got}");
    // 91 days later the 90-day subscription has ended.
    let clock = Some(json!({"advanceSeconds": 91 * 86_400}));
    t.admin(Method::POST, "clock", clock).await;
    assert_eq!(add("b").await["posts"], 0);
    let (s, v) = t
        .get(&format!("{}/subscriptions", t.list_url(&id)), NONE)
        .await;
    assert_eq!((s, v["value"].clone()), (200, json!([])));
    assert_eq!(t.get(&one, NONE).await.0, 404);
    let renew = Some(json!({"expirationDateTime": in_days(120)}));
    assert_eq!(t.req(Method::PATCH, &one, NONE, renew).await.status(), 404);
    assert_eq!(rx.lock().unwrap().bodies.len(), 1);
}

/// Whether `s` is `YYYY-MM-DDTHH:MM:SS{fraction}Z` with `fraction` made of the same
/// count of digits (`""`: none).
fn regex_like(s: &str, fraction: &str) -> bool {
    let b = s.as_bytes();
    let shape = format!("0000-00-00T00:00:00{fraction}Z");
    b.len() == shape.len()
        && shape.bytes().zip(b).all(|(p, c)| match p {
            b'0' => c.is_ascii_digit(),
            _ => p == *c,
        })
}
