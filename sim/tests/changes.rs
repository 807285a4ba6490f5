//! GetChanges: token semantics, change types, paging, errors.

mod common;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

fn types(v: &Value) -> Vec<(i64, i64)> {
    v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["ChangeType"].as_i64().unwrap(),
                c["ItemId"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn change_log_types_tokens_and_fields() {
    let t = start().await;
    let id = t.list("Mails").await;
    let t0 = t.token(&id).await;
    let items = format!("lists/{id}/items");
    t.admin(
        Method::POST,
        &items,
        Some(json!([{"Title": "a"}, {"Title": "b"}, {"Title": "c"}])),
    )
    .await;
    t.admin(
        Method::PATCH,
        &format!("{items}/1"),
        Some(json!({"Title": "a2"})),
    )
    .await;
    t.admin(
        Method::PATCH,
        &format!("{items}/1?system=true"),
        Some(json!({"Title": "a3"})),
    )
    .await;
    t.admin(Method::DELETE, &format!("{items}/2"), None).await;
    t.admin(Method::POST, &format!("{items}/3/recycle"), None)
        .await;
    t.admin(Method::POST, &format!("restore?list={id}&id=3"), None)
        .await;
    let (s, v) = t.changes(&id, Some(&t0), NONE).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        types(&v),
        vec![
            (1, 1),
            (1, 2),
            (1, 3),
            (2, 1),
            (15, 1),
            (3, 2),
            (3, 3),
            (7, 3)
        ]
    );
    let c = &v["value"][0];
    for k in [
        "ChangeToken",
        "ChangeType",
        "ItemId",
        "ListId",
        "WebId",
        "SiteId",
        "Time",
        "UniqueId",
        "Editor",
        "ServerRelativeUrl",
    ] {
        assert!(c.get(k).is_some(), "missing {k}");
    }
    assert_eq!(c["ListId"], id.as_str());
    assert!(c["Time"].as_str().unwrap().ends_with('Z'));
    assert!(c["ServerRelativeUrl"]
        .as_str()
        .unwrap()
        .starts_with("/sites/dev/Lists/"));
    // Numbers increase; the start token is exclusive.
    let toks: Vec<String> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c["ChangeToken"]["StringValue"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let nums: Vec<i64> = toks
        .iter()
        .map(|s| s.rsplit(';').next().unwrap().parse().unwrap())
        .collect();
    assert!(nums.windows(2).all(|w| w[0] < w[1]));
    let (_, v2) = t.changes(&id, Some(&toks[4]), NONE).await;
    assert_eq!(types(&v2), vec![(3, 2), (3, 3), (7, 3)]);
    // Current token is past everything; a hand-made -1 token from before the first
    // change sees everything (one of now sees nothing: see the test below).
    let cur = t.token(&id).await;
    assert!(cur.ends_with(";8"));
    let (_, v3) = t.changes(&id, Some(&cur), NONE).await;
    assert_eq!(v3["value"].as_array().unwrap().len(), 0);
    let ticks: i64 = t0.split(';').nth(3).unwrap().parse().unwrap();
    let (_, v4) = t
        .changes(
            &id,
            Some(&format!(
                "1;3;{{{}}};{};-1",
                id.to_uppercase(),
                ticks - 10_000
            )),
            NONE,
        )
        .await;
    assert_eq!(v4["value"].as_array().unwrap().len(), 8);
    // Only updates; Item flag missing -> nothing.
    let url = format!("{}/GetChanges", t.list_url(&id));
    let (_, v5) = t.post(&url, NONE, json!({"query": {"Item": true, "Update": true, "ChangeTokenStart": {"StringValue": t0}}})).await;
    assert_eq!(types(&v5), vec![(2, 1)]);
    let (_, v6) = t
        .post(&url, NONE, json!({"query": {"Add": true, "Update": true}}))
        .await;
    assert_eq!(v6["value"].as_array().unwrap().len(), 0);
    // ChangeTokenEnd is inclusive.
    let (_, v7) = t
        .post(
            &url,
            NONE,
            json!({"query": {"Item": true, "Add": true, "Update": true,
        "ChangeTokenStart": {"StringValue": t0}, "ChangeTokenEnd": {"StringValue": toks[1]}}}),
        )
        .await;
    assert_eq!(types(&v7), vec![(1, 1), (1, 2)]);
}

/// Adds item 1 ("early"), then 10 s later takes the list's token (returned with its
/// time in ticks), then 10 s later adds item 2 ("late").
async fn early_and_late(t: &T, id: &str) -> (String, i64) {
    let items = format!("lists/{id}/items");
    t.admin(Method::POST, &items, Some(json!({"Title": "early"})))
        .await;
    t.admin(Method::POST, "clock", Some(json!({"advanceSeconds": 10})))
        .await;
    let between = t.token(id).await;
    t.admin(Method::POST, "clock", Some(json!({"advanceSeconds": 10})))
        .await;
    t.admin(Method::POST, &items, Some(json!({"Title": "late"})))
        .await;
    let ticks: i64 = between.split(';').nth(3).unwrap().parse().unwrap();
    (between, ticks)
}

/// A hand-made token (`SPChangeToken(scope, listId, changeTime)`: change number -1)
/// starts after its time, not at the start of the log.
#[tokio::test]
async fn a_hand_made_token_starts_after_its_time() {
    let t = start().await;
    let id = t.list("Mails").await;
    let (_, ticks) = early_and_late(&t, &id).await;
    let hand_made = |ticks: i64| format!("1;3;{id};{ticks};-1");
    let (s, v) = t.changes(&id, Some(&hand_made(ticks)), NONE).await;
    assert_eq!((s, types(&v)), (200, vec![(1, 2)]), "{v}");
    let (_, v) = t
        .changes(&id, Some(&hand_made(ticks - 200_000_000)), NONE)
        .await;
    assert_eq!(types(&v), vec![(1, 1), (1, 2)]);
    let now = t.token(&id).await;
    let ticks: i64 = now.split(';').nth(3).unwrap().parse().unwrap();
    let (_, v) = t.changes(&id, Some(&hand_made(ticks)), NONE).await;
    assert_eq!(types(&v), vec![]);
}

/// A hand-made `ChangeTokenEnd` ends with its time (its changes included), as a
/// hand-made start starts after it: it used to end before the whole log (change
/// number -1), so that nothing came back.
#[tokio::test]
async fn a_hand_made_end_token_ends_with_its_time() {
    let t = start().await;
    let id = t.list("Mails").await;
    let (between, ticks) = early_and_late(&t, &id).await;
    let url = format!("{}/GetChanges", t.list_url(&id));
    let query = |end: String| {
        json!({"query": {"Item": true, "Add": true,
            "ChangeTokenEnd": {"StringValue": end}}})
    };
    let (s, v) = t
        .post(&url, NONE, query(format!("1;3;{id};{ticks};-1")))
        .await;
    assert_eq!((s, types(&v)), (200, vec![(1, 1)]), "{v}");
    let (_, v) = t.post(&url, NONE, query(between)).await;
    assert_eq!(types(&v), vec![(1, 1)], "as its numbered token");
}

#[tokio::test]
async fn verbose_minimal_and_fetch_limit_paging() {
    let t = start().await;
    let id = t.seed("Mails", 25).await;
    let url = format!("{}/GetChanges", t.list_url(&id));
    let body = json!({"query": {"__metadata": {"type": "SP.ChangeQuery"}, "Item": true, "Add": true, "FetchLimit": 10}});
    let (s, v) = t.post(&url, VERBOSE, body).await;
    assert_eq!(s, 200);
    let r = v["d"]["results"].as_array().unwrap();
    assert_eq!(r.len(), 10);
    assert_eq!(r[0]["__metadata"]["type"], "SP.ChangeItem");
    assert_eq!(r[0]["ChangeToken"]["__metadata"]["type"], "SP.ChangeToken");
    let (_, v) = t.changes(&id, None, MINIMAL).await;
    assert_eq!(v["value"].as_array().unwrap().len(), 25);
    assert_eq!(v["value"][0]["odata.type"], "SP.ChangeItem");
    // Page through with FetchLimit 10 until empty.
    let mut start: Option<String> = None;
    let mut seen = 0;
    let mut calls = 0;
    loop {
        let mut q = json!({"Item": true, "Add": true, "FetchLimit": 10});
        if let Some(s) = &start {
            q["ChangeTokenStart"] = json!({"StringValue": s});
        }
        let (_, v) = t.post(&url, NONE, json!({"query": q})).await;
        let a = v["value"].as_array().unwrap();
        calls += 1;
        if a.is_empty() {
            break;
        }
        seen += a.len();
        start = Some(
            a.last().unwrap()["ChangeToken"]["StringValue"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!((seen, calls), (25, 4));
    // Default FetchLimit 1000 and the configurable max.
    let id2 = t.seed("Big", 1500).await;
    let (_, v) = t.changes(&id2, None, NONE).await;
    assert_eq!(v["value"].as_array().unwrap().len(), 1000);
    let url2 = format!("{}/GetChanges", t.list_url(&id2));
    let (_, v) = t
        .post(
            &url2,
            NONE,
            json!({"query": {"Item": true, "Add": true, "FetchLimit": 5000}}),
        )
        .await;
    assert_eq!(v["value"].as_array().unwrap().len(), 1500);
}

#[tokio::test]
async fn token_errors() {
    let t = start().await;
    let a = t.seed("A", 2).await;
    let b = t.seed("B", 2).await;
    let ta = t.token(&a).await;
    // Another list's token.
    let (s, v) = t.changes(&b, Some(&ta), VERBOSE).await;
    assert_eq!(s, 500);
    assert_eq!(
        odata_error_message(&v),
        "Cannot use the changeToken from one object against a different object"
    );
    // Web-scope token for the list.
    let web = ta.replacen("1;3;", "1;2;", 1);
    assert_eq!(t.changes(&a, Some(&web), NONE).await.0, 500);
    // Garbage.
    let (s, v) = t.changes(&a, Some("garbage"), NONE).await;
    assert_eq!(s, 400);
    assert!(v["odata.error"]["code"].as_str().is_some());
    assert!(odata_error_message(&v).starts_with("The change token is invalid"));
    // Too old: advance the clock past the retention.
    t.admin(
        Method::POST,
        "clock",
        Some(json!({"advanceSeconds": 61 * 24 * 3600})),
    )
    .await;
    let (s, v) = t.changes(&a, Some(&ta), NONE).await;
    assert_eq!(s, 500);
    assert_eq!(
        odata_error_message(&v),
        "The changeToken refers to a time before the start of the current change log."
    );
    // A fresh current token works again; retention is a knob.
    let fresh = t.token(&a).await;
    assert_eq!(t.changes(&a, Some(&fresh), NONE).await.0, 200);
    t.admin(
        Method::POST,
        "config",
        Some(json!({"retentionSeconds": 10})),
    )
    .await;
    t.admin(Method::POST, "clock", Some(json!({"advanceSeconds": 11})))
        .await;
    assert_eq!(t.changes(&a, Some(&fresh), NONE).await.0, 500);
    // Its REST status is a knob (unconfirmed).
    t.admin(
        Method::POST,
        "config",
        Some(json!({"expiredTokenStatus": 400})),
    )
    .await;
    assert_eq!(t.changes(&a, Some(&fresh), NONE).await.0, 400);
    // Wrong shapes.
    let url = format!("{}/GetChanges", t.list_url(&a));
    assert_eq!(t.post(&url, NONE, json!({"query": 5})).await.0, 400);
    let r = t.req(Method::GET, &url, NONE, None).await;
    assert_eq!(r.status(), 405);
    // By title too.
    let (s, _) = t
        .post(
            &t.api("web/lists/getbytitle('A')/GetChanges"),
            NONE,
            json!({"query": {"Item": true, "Add": true}}),
        )
        .await;
    assert_eq!(s, 200);
}

/// A GetChanges body as SharePoint reads it: `{"query":{...}}` only, `SP.ChangeQuery`
/// properties by exact name, tokens as `SP.ChangeToken` objects, `__metadata` only in
/// a verbose body.
#[tokio::test]
async fn change_query_bodies_are_read_strictly() {
    let t = start().await;
    let a = t.seed("A", 2).await;
    let url = format!("{}/GetChanges", t.list_url(&a));
    let post = |body: Value, content_type: &'static str| {
        let c =
            t.c.post(&url)
                .header("accept", NONE)
                .header("authorization", "Bearer x");
        async move {
            let r = c
                .header("content-type", content_type)
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let light = "application/json;odata=nometadata";
    let ok = json!({"query": {"Item": true, "Add": true, "ChangeTokenStart": {"StringValue": t.token(&a).await}}});
    assert_eq!(post(ok.clone(), light).await.0, 200);
    let refused = [
        (json!({"Item": true}), "The parameter Item does not exist in method GetChanges."),
        (json!({}), "Value cannot be null.\r\nParameter name: query"),
        (json!({"query": {"item": true, "Add": true}}), "The property 'item' does not exist on type 'SP.ChangeQuery'. Make sure to only use property names that are defined by the type."),
        (json!({"query": {"Item": true, "Adds": true}}), "The property 'Adds' does not exist on type 'SP.ChangeQuery'. Make sure to only use property names that are defined by the type."),
        (json!({"query": {"__metadata": {"type": "SP.ChangeQuery"}, "Item": true}}), "The property '__metadata' does not exist on type 'SP.ChangeQuery'. Make sure to only use property names that are defined by the type."),
        (json!({"query": {"Item": true, "ChangeTokenStart": {"stringValue": "x"}}}), "The property 'stringValue' does not exist on type 'SP.ChangeToken'. Make sure to only use property names that are defined by the type."),
    ];
    for (body, msg) in refused {
        let (s, v) = post(body.clone(), light).await;
        assert_eq!((s, odata_error_message(&v).as_str()), (400, msg), "{body}");
    }
    let (s, v) = post(
        json!({"query": {"Item": true, "ChangeTokenStart": "1;3;x;1;1"}}),
        light,
    )
    .await;
    assert_eq!(s, 400, "a bare string token: {v}");
    // Verbose bodies carry `__metadata` on the query and its tokens.
    let verbose = json!({"query": {"__metadata": {"type": "SP.ChangeQuery"}, "Item": true, "Add": true,
        "ChangeTokenStart": {"__metadata": {"type": "SP.ChangeToken"}, "StringValue": t.token(&a).await}}});
    assert_eq!(post(verbose, "application/json;odata=verbose").await.0, 200);
}
