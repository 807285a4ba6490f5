//! Contextinfo, digests, lists, items, metadata levels, CORS, URL limit.

mod common;
use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn contextinfo_shapes_and_digest_rules() {
    let t = start().await;
    let (s, v) = t.post(&t.api("contextinfo"), VERBOSE, json!({})).await;
    assert_eq!(s, 200);
    let info = &v["d"]["GetContextWebInformation"];
    assert_eq!(info["FormDigestTimeoutSeconds"], 1800);
    assert!(info["FormDigestValue"].as_str().unwrap().starts_with("0x"));
    assert_eq!(info["__metadata"]["type"], "SP.ContextWebInformation");
    let (_, v) = t.post(&t.api("contextinfo"), MINIMAL, json!({})).await;
    assert!(v["odata.metadata"]
        .as_str()
        .unwrap()
        .ends_with("#SP.ContextWebInformation"));
    // No digest, no bearer: 403 with SharePoint's body, in each shape; under OData 4 (as
    // SPFx asks), `error` with the message as a string.
    let v4 = "application/json;odata.metadata=minimal";
    for (accept, key) in [(VERBOSE, "error"), (NONE, "odata.error"), (v4, "error")] {
        let r =
            t.c.post(t.api("web/lists"))
                .header("accept", accept)
                .header("odata-version", if accept == v4 { "4.0" } else { "3.0" })
                .body("{}")
                .send()
                .await
                .unwrap();
        assert_eq!(r.status(), 403);
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(
            v[key]["code"],
            "-2130575251, Microsoft.SharePoint.SPException"
        );
        let message = if accept == v4 {
            v[key]["message"].as_str().unwrap().to_owned()
        } else {
            odata_error_message(&v)
        };
        assert!(message.starts_with("The security validation for this page is invalid"));
    }
    // A valid digest works; a made-up one does not; a digest of another site does not.
    let d = t.digest().await;
    let body = json!({"Title": "Digested", "BaseTemplate": 100}).to_string();
    let r =
        t.c.post(t.api("web/lists"))
            .header("x-requestdigest", &d)
            .header("accept", NONE)
            .body(body.clone())
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 201);
    let r =
        t.c.post(t.api("web/lists"))
            .header("x-requestdigest", "0xBAD,1 Jan 2020")
            .body(body.clone())
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 403);
    let other = format!("{}/sites/other/_api/web/lists", t.base);
    let r =
        t.c.post(&other)
            .header("x-requestdigest", &d)
            .body(body.clone())
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 403);
    // Digest expiry by the sim clock.
    t.admin(Method::POST, "clock", Some(json!({"advanceSeconds": 1801})))
        .await;
    let r =
        t.c.post(t.api("web/lists"))
            .header("x-requestdigest", &d)
            .body(json!({"Title": "Late"}).to_string())
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 403);
    // And by the admin switch.
    let d = t.digest().await;
    t.admin(Method::POST, "digests/expire", None).await;
    let r =
        t.c.post(t.api("web/lists"))
            .header("x-requestdigest", &d)
            .body(json!({"Title": "X2"}).to_string())
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn lists_create_and_read_three_ways() {
    let t = start().await;
    let (s, v) = t
        .post(
            &t.api("web/lists"),
            VERBOSE,
            json!({"__metadata": {"type": "SP.List"}, "Title": "Mails", "BaseTemplate": 100}),
        )
        .await;
    assert_eq!(s, 201);
    let id = v["d"]["Id"].as_str().unwrap().to_string();
    assert_eq!(id, id.to_lowercase());
    assert_eq!(
        v["d"]["ListItemEntityTypeFullName"],
        "SP.Data.MailsListItem"
    );
    let (s, v) = t
        .post(&t.api("web/lists"), NONE, json!({"Title": "mails"}))
        .await;
    assert_eq!(s, 500, "duplicate title: {v}");
    for url in [
        t.api(&format!("web/lists(guid'{}')", id.to_uppercase())),
        t.api(&format!("web/lists('{id}')")),
        t.api("web/lists/getbytitle('MAILS')"),
        t.api(&format!("lists/GetById('{id}')")),
    ] {
        let (s, v) = t.get(&url, NONE).await;
        assert_eq!((s, v["Id"].as_str()), (200, Some(id.as_str())), "{url}");
        assert_eq!(v["ItemCount"], 0);
    }
    let (s, v) = t.get(&t.api("web/lists/getbytitle('Nope')"), NONE).await;
    assert_eq!(s, 404);
    assert!(odata_error_message(&v).contains("does not exist"));
    let (_, v) = t
        .get(
            &format!("{}?$select=CurrentChangeToken", t.list_url(&id)),
            VERBOSE,
        )
        .await;
    let tok = v["d"]["CurrentChangeToken"]["StringValue"]
        .as_str()
        .unwrap();
    assert!(
        tok.starts_with(&format!("1;3;{id};")) && tok.ends_with(";0"),
        "{tok}"
    );
    assert_eq!(
        v["d"]["CurrentChangeToken"]["__metadata"]["type"],
        "SP.ChangeToken"
    );
    let (_, v) = t.get(&t.api("web/lists"), MINIMAL).await;
    assert_eq!(v["value"][0]["odata.type"], "SP.List");
    let (s, _) = t.get(&t.api("web/nonsense(1)"), NONE).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn items_crud_etags_recycle_restore() {
    let t = start().await;
    let id = t.list("Tasks").await;
    let items = format!("{}/items", t.list_url(&id));
    let (s, v) = t
        .post(&items, NONE, json!({"Title": "one", "Subject": "s1"}))
        .await;
    assert_eq!(s, 201);
    assert_eq!(
        (v["Id"].clone(), v["ID"].clone(), v["Title"].clone()),
        (json!(1), json!(1), json!("one"))
    );
    assert!(v["Modified"].as_str().unwrap().ends_with('Z'));
    let (s, v) = t
        .post(
            &items,
            VERBOSE,
            json!({"__metadata": {"type": "SP.Data.TasksListItem"}, "Title": "two"}),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(v["d"]["__metadata"]["etag"], "\"1\"");
    let item1 = format!("{}/items(1)", t.list_url(&id));
    // MERGE with the right etag, then PATCH with a stale one -> 412.
    let r =
        t.c.post(&item1)
            .header("authorization", "Bearer x")
            .header("x-http-method", "MERGE")
            .header("if-match", "\"1\"")
            .body(json!({"Title": "uno"}).to_string())
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let r =
        t.c.patch(&item1)
            .header("authorization", "Bearer x")
            .header("if-match", "\"1\"")
            .header("accept", NONE)
            .body(json!({"Title": "nope"}).to_string())
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 412);
    let r =
        t.c.patch(&item1)
            .header("authorization", "Bearer x")
            .header("if-match", "*")
            .body(json!({"Title": "uno!"}).to_string())
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 204);
    let (_, v) = t.get(&item1, MINIMAL).await;
    assert_eq!(
        (v["Title"].clone(), v["odata.etag"].clone()),
        (json!("uno!"), json!("\"3\""))
    );
    assert!(v["odata.editLink"].as_str().unwrap().ends_with("/Items(1)"));
    // Recycle item 1 and restore it through the REST recycle bin; delete item 2.
    let (s, v) = t.post(&format!("{item1}/recycle()"), NONE, json!({})).await;
    assert_eq!(s, 200);
    let bin = v["value"].as_str().unwrap().to_string();
    assert_eq!(t.get(&item1, NONE).await.0, 404);
    let (_, v) = t.get(&t.api("web/RecycleBin"), NONE).await;
    assert_eq!(v["value"][0]["Id"], bin.as_str());
    let (s, _) = t
        .post(
            &t.api(&format!("web/RecycleBin('{bin}')/restore()")),
            NONE,
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(t.get(&item1, NONE).await.0, 200);
    let r =
        t.c.post(format!("{}/items(2)", t.list_url(&id)))
            .header("authorization", "Bearer x")
            .header("x-http-method", "DELETE")
            .header("if-match", "*")
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    let r = t
        .req(
            Method::DELETE,
            &format!("{}/items(2)", t.list_url(&id)),
            NONE,
            None,
        )
        .await;
    assert_eq!(r.status(), 404);
    let (_, v) = t.get(&t.list_url(&id), NONE).await;
    assert_eq!(v["ItemCount"], 1);
    // Bad JSON body -> 400 SharePoint-shaped.
    let r =
        t.c.post(&items)
            .header("authorization", "Bearer x")
            .header("accept", NONE)
            .body("{nope")
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["odata.error"]["message"]["value"]
        .as_str()
        .unwrap()
        .contains("Invalid JSON"));
}

#[tokio::test]
async fn metadata_levels_and_odata_v4() {
    let t = start().await;
    let id = t.seed("Mails", 3).await;
    let items = format!("{}/items", t.list_url(&id));
    let (_, v) = t.get(&items, VERBOSE).await;
    let first = &v["d"]["results"][0];
    assert_eq!(first["__metadata"]["type"], "SP.Data.MailsListItem");
    assert!(first["__metadata"]["uri"]
        .as_str()
        .unwrap()
        .contains("/_api/Web/Lists(guid'"));
    let (_, v) = t.get(&items, "application/json").await;
    assert!(v["odata.metadata"].as_str().unwrap().contains("$metadata#"));
    assert_eq!(v["value"][0]["odata.type"], "SP.Data.MailsListItem");
    assert_eq!(v["value"][0]["odata.etag"], "\"1\"");
    let (_, v) = t.get(&items, NONE).await;
    assert!(v["value"][0].get("odata.type").is_none());
    assert_eq!(v["value"][2]["ID"], 3);
    assert!(v["value"][0]["From"].as_str().unwrap().contains('@'));
    // OData 4.0: odata.metadata=none works, odata=nometadata is 406.
    let get4 = |accept: &'static str| {
        t.c.get(&items)
            .header("accept", accept)
            .header("odata-version", "4.0")
            .send()
    };
    let r = get4("application/json;odata.metadata=none").await.unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["value"].as_array().unwrap().len(), 3);
    assert_eq!(get4(NONE).await.unwrap().status(), 406);
    // So are the other OData 3 formats (SPFx's SPHttpClient must be told
    // `odata-version` '' or 3.0 to read verbose, sp-dev-docs#764), and 3.0 named
    // explicitly is OData 3.
    for accept in [VERBOSE, "application/json;odata=minimalmetadata"] {
        let r = get4(accept).await.unwrap();
        assert_eq!(r.status(), 406, "{accept}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(
            v["error"]["message"].as_str().unwrap().contains("ACCEPT"),
            "{v}"
        );
    }
    assert_eq!(get4("application/json").await.unwrap().status(), 200);
    let r =
        t.c.get(&items)
            .header("accept", VERBOSE)
            .header("odata-version", "3.0");
    let v: serde_json::Value = r.send().await.unwrap().json().await.unwrap();
    assert_eq!(v["d"]["results"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn cors_preflight_and_headers() {
    let t = start().await;
    let r =
        t.c.request(Method::OPTIONS, t.api("web/lists"))
            .header("origin", "http://127.0.0.1:9999")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "x-requestdigest,content-type",
            )
            .send()
            .await
            .unwrap();
    assert!(r.status().is_success());
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://127.0.0.1:9999"
    );
    let allow = r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for h in [
        "authorization",
        "x-requestdigest",
        "x-http-method",
        "if-match",
        "odata-version",
        "x-clientservice-clienttag",
    ] {
        assert!(allow.contains(h), "{h}");
    }
    let r = t.c.get(t.api("web")).send().await.unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .contains("Retry-After"));
    let r =
        t.c.get(format!("{}/_admin/counters", t.base))
            .header("origin", "http://x")
            .send()
            .await
            .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "http://x");
}

#[tokio::test]
async fn url_length_limit_answers_like_iis() {
    let t = start().await;
    let id = t.seed("Mails", 2).await;
    let base = format!("{}/items?$filter=", t.list_url(&id));
    let ids: Vec<String> = (1..400).map(|i| format!("(ID eq {i})")).collect();
    let url = format!("{base}{}", ids.join(" or "));
    assert!(url.len() > 2100);
    let r = t.c.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 414);
    assert!(r.text().await.unwrap().contains("Request URL Too Long"));
    t.admin(Method::POST, "config", Some(json!({"urlLimit": 100000})))
        .await;
    let (s, v) = t.get(&url, NONE).await;
    assert_eq!((s, v["value"].as_array().map(Vec::len)), (200, Some(2)));
}
