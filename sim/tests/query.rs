//! Item queries: $select, $filter, $orderby, $top, $skiptoken paging, next links, throttling.

mod common;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn filter_select_orderby_top() {
    let t = start().await;
    let id = t.seed("Mails", 20).await;
    let items = format!("{}/items", t.list_url(&id));
    let (s, v) = t
        .get(
            &format!("{items}?$select=ID,Title&$filter=(ID eq 1) or (ID eq 7)"),
            NONE,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(ids(&v), vec![1, 7]);
    // Only what was selected; the id comes in both spellings, as SharePoint sends it.
    let first = v["value"][0].as_object().unwrap();
    let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["ID", "Id", "Title"]);
    let (_, v) = t
        .get(
            &format!("{items}?$filter=ID ge 5 and ID lt 9 and not (ID eq 6)"),
            NONE,
        )
        .await;
    assert_eq!(ids(&v), vec![5, 7, 8]);
    let (_, v) = t
        .get(
            &format!("{items}?$filter=(ID gt 18) or (ID le 2)&$orderby=ID desc"),
            NONE,
        )
        .await;
    assert_eq!(ids(&v), vec![20, 19, 2, 1]);
    let (_, v) = t
        .get(&format!("{items}?$filter=Title eq 'Message 3'"), NONE)
        .await;
    assert_eq!(ids(&v), vec![3]);
    let (_, v) = t.get(&format!("{items}?$top=3"), NONE).await;
    assert_eq!(ids(&v), vec![1, 2, 3]);
    // URL-encoded with + for spaces.
    let (_, v) = t.get(&format!("{items}?%24filter=ID+eq+4"), NONE).await;
    assert_eq!(ids(&v), vec![4]);
    for bad in [
        "$filter=ID eq",
        "$filter=(ID eq 1",
        "$top=abc",
        "$orderby=Title",
        "$skiptoken=zzz",
    ] {
        let (s, v) = t.get(&format!("{items}?{bad}"), MINIMAL).await;
        assert_eq!(s, 400, "{bad}");
        assert!(v["odata.error"]["message"]["value"].is_string(), "{bad}");
    }
}

#[tokio::test]
async fn paging_with_next_links_in_each_level() {
    let t = start().await;
    let id = t.seed("Mails", 250).await;
    let first = format!("{}/items?$select=ID,Title", t.list_url(&id));
    for (accept, next_of) in [
        (
            NONE,
            (|v: &Value| v["odata.nextLink"].as_str().map(str::to_string))
                as fn(&Value) -> Option<String>,
        ),
        (MINIMAL, |v: &Value| {
            v["odata.nextLink"].as_str().map(str::to_string)
        }),
        (VERBOSE, |v: &Value| {
            v["d"]["__next"].as_str().map(str::to_string)
        }),
    ] {
        let mut url = Some(first.clone());
        let mut all = Vec::new();
        let mut pages = 0;
        while let Some(u) = url {
            let (s, v) = t.get(&u, accept).await;
            assert_eq!(s, 200, "{u}");
            all.extend(ids(&v));
            pages += 1;
            url = next_of(&v);
            if let Some(n) = &url {
                assert!(n.contains("%24skiptoken=Paged%3DTRUE%26p_ID%3D"), "{n}");
                assert!(n.contains("%24select=ID%2CTitle"), "{n}");
            }
        }
        assert_eq!(pages, 3, "{accept}");
        assert_eq!(all, (1..=250).collect::<Vec<_>>());
    }
    // Hand-written skiptoken, unencoded.
    let (_, v) = t
        .get(
            &format!(
                "{}/items?$top=2&$skiptoken=Paged=TRUE&p_ID=10",
                t.list_url(&id)
            ),
            NONE,
        )
        .await;
    assert_eq!(ids(&v), vec![11, 12]);
    // $top is capped at 5000 and defaults to 100.
    let (_, v) = t.get(&format!("{}/items", t.list_url(&id)), NONE).await;
    assert_eq!(ids(&v).len(), 100);
}

#[tokio::test]
async fn list_view_threshold() {
    let t = start().await;
    t.admin(Method::POST, "config", Some(json!({"viewThreshold": 50})))
        .await;
    let id = t.seed("Big", 60).await;
    let items = format!("{}/items", t.list_url(&id));
    let (s, v) = t
        .get(&format!("{items}?$filter=Title eq 'Message 3'"), VERBOSE)
        .await;
    assert_eq!(s, 500);
    assert_eq!(
        v["error"]["code"],
        "-2147024860, Microsoft.SharePoint.SPQueryThrottledException"
    );
    assert!(odata_error_message(&v).contains("list view threshold"));
    let (s, v) = t.get(&format!("{items}?$filter=ID eq 55"), NONE).await;
    assert_eq!((s, ids(&v)), (200, vec![55]));
    // A page up to the threshold runs (a bigger $top does not: see below).
    let (s, _) = t.get(&format!("{items}?$top=50"), NONE).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn over_the_threshold_only_id_ordered_pages_up_to_it_run() {
    let t = start().await;
    t.admin(Method::POST, "config", Some(json!({"viewThreshold": 50})))
        .await;
    let small = t.seed("Small", 50).await;
    let items = format!("{}/items", t.list_url(&small));
    // At the threshold nothing is refused: any $top, a sort by Modified.
    let (s, v) = t.get(&format!("{items}?$top=6000"), NONE).await;
    assert_eq!((s, ids(&v).len()), (200, 50));
    let (s, _) = t
        .get(&format!("{items}?$orderby=Modified desc&$top=5"), NONE)
        .await;
    assert_eq!(s, 200);
    let big = t.seed("Big", 60).await;
    let items = format!("{}/items", t.list_url(&big));
    // Pages of up to the threshold by ID, either way, still run.
    let (s, v) = t.get(&format!("{items}?$top=50"), NONE).await;
    assert_eq!((s, ids(&v).len()), (200, 50));
    let (s, v) = t
        .get(&format!("{items}?$orderby=ID desc&$top=2"), NONE)
        .await;
    assert_eq!((s, ids(&v)), (200, vec![60, 59]));
    // A bigger $top (SharePoint does not cap it) and a sort by the unindexed
    // Modified are refused as a non-ID filter is (PnP-JS-Core#203, sp-dev-docs#6826).
    for query in [
        "$top=51",
        "$top=6000",
        "$orderby=Modified desc&$top=5",
        "$orderby=Modified",
    ] {
        let (s, v) = t.get(&format!("{items}?{query}"), VERBOSE).await;
        assert_eq!(s, 500, "{query}");
        assert_eq!(
            v["error"]["code"], "-2147024860, Microsoft.SharePoint.SPQueryThrottledException",
            "{query}"
        );
        assert!(
            odata_error_message(&v).contains("list view threshold"),
            "{query}"
        );
    }
}

#[tokio::test]
async fn person_columns_expand_to_the_users_who_wrote() {
    let t = start().await;
    let id = t.seed("Mails", 3).await;
    // An admin edit as another user makes them the editor; the author stays.
    t.admin(
        Method::PATCH,
        "lists/Mails/items/2?by=10",
        Some(json!({"Title": "x"})),
    )
    .await;
    let query = "$select=Title,Author/Title,Editor/Title,editor/EMail&$expand=Author,Editor";
    let items = format!("{}/items", t.list_url(&id));
    let (s, v) = t
        .get(&format!("{items}?{query}&$filter=ID eq 2"), NONE)
        .await;
    assert_eq!(s, 200, "{v}");
    let item = &v["value"][0];
    assert_eq!(item["Author"], json!({"Title": "Dev User"}));
    assert_eq!(
        item["Editor"],
        json!({"Title": "Adele Vance", "EMail": "adelev@contoso.onmicrosoft.com"})
    );
    assert!(item.get("Author/Title").is_none());
    // Verbose: the user is an entity with its own `__metadata`; one item read.
    let (_, v) = t
        .get(&format!("{}/items(1)?{query}", t.list_url(&id)), VERBOSE)
        .await;
    assert_eq!(v["d"]["Editor"]["Title"], "Dev User");
    assert_eq!(
        v["d"]["Editor"]["__metadata"]["type"],
        "SP.Data.UserInfoItem"
    );
    // A filter on a person column's field, with its expand.
    let (s, v) = t
        .get(
            &format!("{items}?$select=ID&$expand=Editor&$filter=Editor/Title eq 'Adele Vance'"),
            NONE,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(ids(&v), [2]);
    // SharePoint's refusals: a column's field without the expand (selected or
    // filtered on), an unknown column or user field.
    for (bad, says) in [
        (
            "$select=Author/Title",
            "$expand query string must contains Author",
        ),
        ("$select=Title&$expand=Boss", "'Boss' does not exist"),
        (
            "$select=Author/Shoe&$expand=Author",
            "'Shoe' does not exist",
        ),
        (
            "$filter=Editor/Title eq 'x'",
            "$expand query string must contains Editor",
        ),
    ] {
        let (s, v) = t.get(&format!("{items}?{bad}"), MINIMAL).await;
        assert_eq!(s, 400, "{bad}");
        assert!(odata_error_message(&v).contains(says), "{bad}: {v}");
    }
    // Through the REST API, a bearer token `user:N` writes as user N; any other
    // credential as the dev user.
    let item3 = format!("{}/items(3)", t.list_url(&id));
    for (token, editor) in [("user:12", "Megan Bowen"), ("user:99", "Dev User")] {
        let r =
            t.c.patch(&item3)
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(r#"{"Title":"y"}"#)
                .send()
                .await
                .unwrap();
        assert_eq!(r.status(), 204, "{token}");
        let (_, v) = t.get(&format!("{item3}?{query}"), NONE).await;
        assert_eq!(v["Editor"]["Title"], editor, "{token}");
    }
    let r =
        t.c.patch(format!("{}/_admin/lists/Mails/items/2?by=99", t.base))
            .body("{}")
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400);
}
