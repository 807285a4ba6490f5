//! Admin API: faults, latency, counters, reset, seed, clock, config, multi-site.

mod common;
use common::*;
use reqwest::Method;
use serde_json::json;
use std::time::Instant;

#[tokio::test]
async fn faults_429_503_with_matchers() {
    let t = start().await;
    let id = t.seed("Mails", 3).await;
    let rule = t
        .admin(
            Method::POST,
            "faults",
            Some(json!({"status": 429, "count": 2, "retryAfter": 7, "match": "getchanges"})),
        )
        .await;
    assert_eq!(rule["remaining"], 2);
    // Items are not matched.
    assert_eq!(
        t.get(&format!("{}/items", t.list_url(&id)), NONE).await.0,
        200
    );
    for _ in 0..2 {
        let r = t
            .req(
                Method::POST,
                &format!("{}/GetChanges", t.list_url(&id)),
                VERBOSE,
                Some(json!({"query": {}})),
            )
            .await;
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "7");
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(v["error"]["message"]["value"].is_string());
    }
    assert_eq!(t.changes(&id, None, NONE).await.0, 200);
    // 503 on any request with a path substring matcher.
    t.admin(
        Method::POST,
        "faults",
        Some(json!({"status": 503, "count": 1, "retryAfter": 2, "match": "/items"})),
    )
    .await;
    let r = t
        .req(
            Method::GET,
            &format!("{}/items(1)", t.list_url(&id)),
            NONE,
            None,
        )
        .await;
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["retry-after"].to_str().unwrap()
        ),
        (503, "2")
    );
    // Unmatched rules can be listed and cleared.
    t.admin(Method::POST, "faults", Some(json!({"count": 5})))
        .await;
    let f = t.admin(Method::GET, "faults", None).await;
    assert_eq!(f["rules"][0]["status"], 429);
    assert_eq!(f["injected"], 3);
    t.admin(Method::DELETE, "faults", None).await;
    assert_eq!(t.get(&t.api("web"), NONE).await.0, 200);
    // Bad admin input.
    let r =
        t.c.post(format!("{}/_admin/faults", t.base))
            .body("{nope")
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400);
}

/// SharePoint's throttling answers do not always carry `Retry-After` (a client must
/// then back off by itself): `"retryAfter": null` leaves it out; absent, it is 1.
#[tokio::test]
async fn a_fault_may_come_without_retry_after() {
    let t = start().await;
    let id = t.seed("Mails", 3).await;
    let items = format!("{}/items", t.list_url(&id));
    let rule = json!({"status": 503, "retryAfter": null, "match": "items"});
    let r = t.admin(Method::POST, "faults", Some(rule)).await;
    assert_eq!(r["retryAfter"], serde_json::Value::Null);
    t.admin(
        Method::POST,
        "faults",
        Some(json!({"status": 429, "match": "items"})),
    )
    .await;
    let r = t.req(Method::GET, &items, NONE, None).await;
    assert_eq!(r.status(), 503);
    assert!(
        r.headers().get("retry-after").is_none(),
        "{:?}",
        r.headers()
    );
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        v["odata.error"]["code"],
        "-2147024891, Microsoft.SharePoint.SPServiceUnavailableException"
    );
    let r = t.req(Method::GET, &items, NONE, None).await;
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["retry-after"].to_str().unwrap()
        ),
        (429, "1")
    );
    assert_eq!(t.get(&items, NONE).await.0, 200);
}

#[tokio::test]
async fn latency_counters_reset() {
    let t = start().await;
    let id = t.seed("Mails", 3).await;
    t.admin(Method::POST, "counters/reset", None).await;
    t.admin(
        Method::POST,
        "latency",
        Some(json!({"ms": 150, "match": "contextinfo"})),
    )
    .await;
    let s = Instant::now();
    t.digest().await;
    assert!(s.elapsed().as_millis() >= 150);
    let s = Instant::now();
    t.get(&t.api("web"), NONE).await;
    assert!(s.elapsed().as_millis() < 150);
    t.admin(Method::POST, "latency", Some(json!({"ms": 0})))
        .await;
    t.changes(&id, None, NONE).await;
    t.changes(&id, None, NONE).await;
    t.get(&format!("{}/items", t.list_url(&id)), NONE).await;
    t.get(&t.list_url(&id), NONE).await;
    let _ =
        t.c.request(Method::OPTIONS, t.api("web"))
            .send()
            .await
            .unwrap();
    let c = t.admin(Method::GET, "counters", None).await;
    assert_eq!(c["contextinfo"], 1);
    assert_eq!(c["getchanges"], 2);
    assert_eq!(c["items"], 1);
    assert_eq!(c["list"], 1);
    assert_eq!(c["web"], 1);
    assert_eq!(c["preflight"], 1);
    assert_eq!(c["total"], 6);
    t.admin(Method::DELETE, "counters", None).await;
    let c = t.admin(Method::GET, "counters", None).await;
    assert_eq!(c["total"], 0);
    // Full reset clears lists.
    t.admin(Method::POST, "reset", None).await;
    assert_eq!(t.admin(Method::GET, "lists", None).await, json!([]));
    assert_eq!(t.get(&t.list_url(&id), NONE).await.0, 404);
}

#[tokio::test]
async fn seed_lists_items_clock_config_sites() {
    let t = start().await;
    let s = t
        .admin(
            Method::POST,
            "seed",
            Some(json!({"title": "Mails", "count": 5})),
        )
        .await;
    assert_eq!(
        (s["itemCount"].clone(), s["title"].clone()),
        (json!(5), json!("Mails"))
    );
    assert!(s["currentChangeToken"].as_str().unwrap().ends_with(";5"));
    let id = s["id"].as_str().unwrap();
    // Seeding again appends.
    let s = t
        .admin(
            Method::POST,
            "seed",
            Some(json!({"title": "Mails", "count": 2})),
        )
        .await;
    assert_eq!(s["itemCount"], 7);
    let it = t
        .admin(Method::GET, &format!("lists/{id}/items/7"), None)
        .await;
    for k in ["Title", "Subject", "From", "To", "SentDate"] {
        assert!(it[k].is_string(), "{k}");
    }
    let it = t
        .admin(
            Method::POST,
            "lists/Mails/items",
            Some(json!({"Title": "new"})),
        )
        .await;
    assert_eq!(
        (it["ID"].clone(), it["etag"].clone()),
        (json!(8), json!("\"1\""))
    );
    let it = t
        .admin(
            Method::PATCH,
            "lists/mails/items/8",
            Some(json!({"Title": "newer"})),
        )
        .await;
    assert_eq!(
        (it["Title"].clone(), it["etag"].clone()),
        (json!("newer"), json!("\"2\""))
    );
    let r = t
        .admin(Method::POST, "lists/Mails/items/8/recycle", None)
        .await;
    assert!(r["recycleBinId"].is_string());
    t.admin(Method::POST, "lists/Mails/items/8/restore", None)
        .await;
    t.admin(Method::DELETE, "lists/Mails/items/8", None).await;
    let r =
        t.c.delete(format!("{}/_admin/lists/Mails/items/8", t.base))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 404);
    let r =
        t.c.post(format!("{}/_admin/lists/Nope/items", t.base))
            .body("{}")
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 404);
    // Clock.
    let c0 = t.admin(Method::GET, "clock", None).await;
    let c1 = t
        .admin(Method::POST, "clock", Some(json!({"advanceSeconds": 3600})))
        .await;
    assert!(c1["nowMs"].as_i64().unwrap() - c0["nowMs"].as_i64().unwrap() >= 3_600_000);
    assert_eq!(c1["offsetSeconds"], 3600.0);
    // Config knobs.
    let k = t
        .admin(
            Method::POST,
            "config",
            Some(json!({"digestTimeoutSeconds": 60})),
        )
        .await;
    assert_eq!(k["digestTimeoutSeconds"], 60);
    let (_, v) = t.post(&t.api("contextinfo"), NONE, json!({})).await;
    assert_eq!(v["FormDigestTimeoutSeconds"], 60);
    let r =
        t.c.post(format!("{}/_admin/config", t.base))
            .body(json!({"nope": 1}).to_string())
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400);
    // Second site is independent.
    let o = t
        .admin(
            Method::POST,
            "seed",
            Some(json!({"title": "Other", "count": 1, "site": "/sites/other"})),
        )
        .await;
    assert_eq!(o["site"], "/sites/other");
    let (s, _) = t
        .get(
            &format!("{}/sites/other/_api/web/lists/getbytitle('Other')", t.base),
            NONE,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        t.get(&t.api("web/lists/getbytitle('Other')"), NONE).await.0,
        404
    );
    let h = t.admin(Method::GET, "health", None).await;
    assert_eq!(h["sites"], json!(["/sites/dev", "/sites/other"]));
}
