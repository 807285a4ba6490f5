//! Bad input never panics: every odd request gets an answer, and the server stays up.

mod common;
use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn odd_requests_get_answers() {
    let t = start().await;
    let id = t.seed("Mails", 3).await;
    let l = t.list_url(&id);
    let paths = [
        "web/lists('é€ü')".to_string(),
        "web/lists(guid')".to_string(),
        "web/lists()/items".to_string(),
        "web/lists/getbytitle(')".to_string(),
        format!("web/lists(guid'{id}')/items(99999999999)"),
        format!("web/lists(guid'{id}')/items(-1)"),
        format!("web/lists(guid'{id}')/subscriptions('nope')"),
        "web/RecycleBin('x')/restore()".to_string(),
        "web/lists/getbytitle('Mails')/items?$filter=ID eq 1 or".to_string(),
        "web/lists/getbytitle('Mails')/items?$filter=((((".to_string(),
        "web/lists/getbytitle('Mails')/items?$filter=-".to_string(),
        "web/lists/getbytitle('Mails')/items?$top=-5".to_string(),
        "web/lists/getbytitle('Mails')/items?$skiptoken=Paged%3DTRUE%26p_ID%3Dx".to_string(),
        "web/lists/getbytitle('Mails')/items?%ZZ=%".to_string(),
        "%E9%FF/web".to_string(),
    ];
    for p in &paths {
        for m in [Method::GET, Method::POST, Method::DELETE, Method::PATCH] {
            let r = t
                .req(m.clone(), &t.api(p), VERBOSE, Some(json!({"x": 1})))
                .await;
            assert!(r.status().as_u16() < 600, "{m} {p}");
        }
    }
    let url = format!("{l}/GetChanges");
    for body in [
        json!({"query": {"Item": true, "Add": true, "ChangeTokenStart": {"StringValue": "1;3;x;9223372036854775807;1"}}}),
        json!({"query": {"Item": true, "Add": true, "ChangeTokenStart": {"StringValue": format!("1;3;{id};-9223372036854775808;1")}}}),
        json!({"query": {"Item": true, "Add": true, "ChangeTokenStart": 5, "FetchLimit": -1}}),
        json!({"query": {"Item": "yes", "FetchLimit": 1e300}}),
        json!([1, 2]),
    ] {
        let (s, _) = t.post(&url, NONE, body.clone()).await;
        assert!(s < 600, "{body}");
    }
    for body in [
        json!({"advanceSeconds": 1e300}),
        json!({"offsetSeconds": -1e300}),
        json!({"advanceSeconds": "x"}),
    ] {
        let _ =
            t.c.post(format!("{}/_admin/clock", t.base))
                .body(body.to_string())
                .send()
                .await
                .unwrap();
    }
    let _ =
        t.c.post(format!("{}/_admin/config", t.base))
            .body(json!({"digestTimeoutSeconds": i64::MAX}).to_string())
            .send()
            .await
            .unwrap();
    let _ = t.c.post(t.api("contextinfo")).send().await.unwrap();
    let _ =
        t.c.post(format!("{}/_admin/seed", t.base))
            .body("[]")
            .send()
            .await
            .unwrap();
    t.admin(Method::POST, "reset", None).await;
    // Still serving.
    assert_eq!(t.get(&t.api("web"), NONE).await.0, 200);
    let r =
        t.c.get(format!("{}/elsewhere", t.base))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 404);
}
