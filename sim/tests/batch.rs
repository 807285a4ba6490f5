//! `$batch`: GET parts answered in order in one multipart response, a changeset with a
//! GetChanges POST answered in a nested response, faults per part, counters (one
//! request; parts as `batched:<kind>`), and the requests it refuses.

mod common;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

const BOUNDARY: &str = "batch_test-1";

fn batch_body(urls: &[String]) -> String {
    let mut body = String::new();
    for url in urls {
        body += &format!(
            "--{BOUNDARY}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nGET {url} HTTP/1.1\r\nAccept: {NONE}\r\n\r\n"
        );
    }
    body + &format!("--{BOUNDARY}--\r\n")
}

/// A GetChanges from `token` in a changeset of its own, as a batch part.
fn get_changes_part(list: &str, token: &str) -> String {
    let query = json!({"query": {"Item": true, "Add": true, "Update": true, "DeleteObject": true,
        "ChangeTokenStart": {"StringValue": token}}});
    format!(
        "--{BOUNDARY}\r\nContent-Type: multipart/mixed; boundary=changeset_1\r\n\r\n\
         --changeset_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n\
         POST {list}/GetChanges HTTP/1.1\r\nAccept: {NONE}\r\nContent-Type: application/json\r\n\r\n\
         {query}\r\n--changeset_1--\r\n"
    )
}

/// POSTs a batch with a digest; asserts a 200 and returns the response text.
async fn post_batch(t: &T, body: String) -> String {
    let r =
        t.c.post(t.api("$batch"))
            .header("accept", NONE)
            .header(
                "content-type",
                format!("multipart/mixed; boundary={BOUNDARY}"),
            )
            .header("x-requestdigest", t.digest().await)
            .body(body)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

/// POSTs a batch; the status, the response boundary's parts as (status, headers, body).
async fn send(t: &T, body: String, digest: bool) -> (u16, Vec<(u16, String, String)>) {
    let mut r = t.c.post(t.api("$batch")).header("accept", NONE).header(
        "content-type",
        format!("multipart/mixed; boundary=\"{BOUNDARY}\""),
    );
    if digest {
        r = r.header("x-requestdigest", t.digest().await);
    }
    let r = r.body(body).send().await.unwrap();
    let status = r.status().as_u16();
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    let text = r.text().await.unwrap();
    if status != 200 {
        return (status, vec![(0, content_type, text)]);
    }
    let boundary = content_type.split("boundary=").nth(1).unwrap().to_owned();
    let mut parts = Vec::new();
    for chunk in text.split(&format!("--{boundary}")).skip(1) {
        if chunk.starts_with("--") {
            break;
        }
        let (_, http) = chunk.split_once("\r\n\r\n").unwrap();
        let (head, body) = http.split_once("\r\n\r\n").unwrap();
        let code = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        parts.push((code, head.to_owned(), body.trim_end().to_owned()));
    }
    (status, parts)
}

#[tokio::test]
async fn gets_in_a_batch_are_answered_in_order_as_one_request() {
    let t = start().await;
    let id = t.seed("Batched", 5).await;
    t.admin(Method::POST, "counters/reset", None).await;
    let list = t.list_url(&id);
    let urls = vec![
        format!("{list}/items?$select=Id,Title&$filter=(ID%20eq%202)"),
        format!("{list}?$select=ItemCount"),
        format!("{list}/items?$select=Id,Title&$filter=(ID%20eq%204)%20or%20(ID%20eq%205)"),
    ];
    let (status, parts) = send(&t, batch_body(&urls), true).await;
    assert_eq!(status, 200);
    assert_eq!(parts.len(), 3);
    let json = |i: usize| -> Value { serde_json::from_str(&parts[i].2).unwrap() };
    assert!(parts.iter().all(|p| p.0 == 200), "{parts:?}");
    assert_eq!(json(0)["value"][0]["Id"], 2, "{}", parts[0].2);
    assert_eq!(json(1)["ItemCount"], 5);
    assert_eq!(json(2)["value"].as_array().unwrap().len(), 2);
    assert!(parts[0]
        .1
        .contains("CONTENT-TYPE: application/json;odata=nometadata"));
    let counters = t.admin(Method::GET, "counters", None).await;
    assert_eq!(counters["batch"], 1);
    assert_eq!(counters["batched:items"], 2);
    assert_eq!(counters["batched:list"], 1);
    assert_eq!(counters["total"], 2, "the batch and the digest: {counters}");
}

#[tokio::test]
async fn faults_and_the_url_limit_apply_to_each_part() {
    let t = start().await;
    let id = t.seed("Faulty", 3).await;
    t.admin(
        Method::POST,
        "faults",
        Some(json!({"status": 429, "count": 1, "retryAfter": 4, "match": "items"})),
    )
    .await;
    let list = t.list_url(&id);
    let long = format!("{list}/items?$filter={}", "x".repeat(3000));
    let urls = vec![
        format!("{list}/items?$select=Title"),
        format!("{list}/items?$select=Title"),
        long,
    ];
    let (status, parts) = send(&t, batch_body(&urls), true).await;
    assert_eq!(status, 200);
    let codes: Vec<u16> = parts.iter().map(|p| p.0).collect();
    // As SharePoint Online: every part after a failed one is a 500 IndexOutOfRange.
    assert_eq!(codes, [429, 500, 500]);
    assert!(parts[0].1.contains("RETRY-AFTER: 4"), "{}", parts[0].1);
    assert!(parts[0].2.contains("throttled"));
    for part in &parts[1..] {
        assert!(
            part.2.contains("System.IndexOutOfRangeException"),
            "{}",
            part.2
        );
        assert!(part
            .2
            .contains("Index was outside the bounds of the array."));
    }
    // The fault used up: the URL limit applies to each part.
    let (_, parts) = send(&t, batch_body(&urls[1..]), true).await;
    let codes: Vec<u16> = parts.iter().map(|p| p.0).collect();
    assert_eq!(codes, [200, 414]);
}

#[tokio::test]
async fn batches_it_cannot_serve_are_refused_clearly() {
    let t = start().await;
    let url = t.api("web");
    // No digest: like every POST.
    let (status, _) = send(&t, batch_body(std::slice::from_ref(&url)), false).await;
    assert_eq!(status, 403);
    // A POST outside a changeset, an unclosed body.
    let post = batch_body(std::slice::from_ref(&url)).replace("GET ", "POST ");
    let (status, parts) = send(&t, post, true).await;
    assert_eq!(
        (status, parts[0].2.contains("outside a changeset")),
        (400, true),
        "{}",
        parts[0].2
    );
    let open = batch_body(&[url]).replace(&format!("--{BOUNDARY}--"), "");
    let (status, parts) = send(&t, open, true).await;
    assert_eq!(
        (status, parts[0].2.contains("closing boundary")),
        (400, true)
    );
    // GET $batch.
    let r =
        t.c.get(t.api("$batch"))
            .header("accept", NONE)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test]
async fn a_getchanges_in_a_changeset_is_answered_in_a_nested_response() {
    let t = start().await;
    let id = t.seed("Confirmed", 3).await;
    let token = t.token(&id).await;
    t.admin(
        Method::PATCH,
        &format!("lists/{id}/items/2"),
        Some(json!({"Title": "two"})),
    )
    .await;
    let list = t.list_url(&id);
    let closing = format!("--{BOUNDARY}--\r\n");
    let body = batch_body(&[format!(
        "{list}/items?$select=Id,Title&$filter=(ID%20eq%202)"
    )])
    .replace(&closing, &(get_changes_part(&list, &token) + &closing));
    let text = post_batch(&t, body).await;
    let (outer, nested) = text
        .split_once("Content-Type: multipart/mixed; boundary=")
        .unwrap();
    assert!(outer.contains(r#""Title":"two""#), "{outer}");
    let inner_boundary = nested.lines().next().unwrap().trim();
    assert!(
        nested.contains(&format!("--{inner_boundary}--")),
        "{nested}"
    );
    assert!(nested.contains("HTTP/1.1 200 OK"), "{nested}");
    let json_start = nested.find("{\"value\"").unwrap();
    let json_end = json_start + nested[json_start..].find("\r\n").unwrap();
    let changes: Value = serde_json::from_str(&nested[json_start..json_end]).unwrap();
    assert_eq!(changes["value"][0]["ItemId"], 2, "{changes}");
}

#[tokio::test]
async fn a_get_after_a_get_changes_changeset_reads_the_items_modified_since() {
    let t = start().await;
    let id = t.seed("ReadAhead", 4).await;
    let token = t.token(&id).await;
    t.admin(Method::POST, "clock", Some(json!({"advanceSeconds": 120})))
        .await;
    for item in [2, 3] {
        let title = json!({ "Title": format!("edited {item}") });
        t.admin(
            Method::PATCH,
            &format!("lists/{id}/items/{item}"),
            Some(title),
        )
        .await;
    }
    let list = t.list_url(&id);
    let (_, two) = t
        .get(&format!("{list}/items(2)?$select=Modified"), NONE)
        .await;
    let since = two["Modified"].as_str().unwrap().to_owned();
    t.admin(Method::POST, "counters/reset", None).await;
    let read_ahead = format!(
        "{list}/items?$select=Id,Title&$top=100&$orderby=Modified%20desc&$filter=Modified%20ge%20datetime'{since}'"
    );
    let body = get_changes_part(&list, &token) + &batch_body(&[read_ahead]);
    let text = post_batch(&t, body).await;
    // The GetChanges answer (nested, first), then the read-ahead's.
    let changes_at = text.find(r#""ItemId":2"#).expect("GetChanges saw the edit");
    let items_at = text.rfind(r#"{"value":[{"#).unwrap();
    assert!(changes_at < items_at, "{text}");
    let json_end = items_at + text[items_at..].find("\r\n").unwrap();
    let items: Value = serde_json::from_str(&text[items_at..json_end]).unwrap();
    let got: Vec<(i64, &str)> = items["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["Id"].as_i64().unwrap(), i["Title"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [(3, "edited 3"), (2, "edited 2")],
        "newest first, only those"
    );
    let counters = t.admin(Method::GET, "counters", None).await;
    assert_eq!(counters["batch"], 1);
    assert_eq!(counters["batched:getchanges"], 1);
    assert_eq!(counters["batched:items"], 1);
}

#[tokio::test]
async fn ordering_by_modified_refuses_a_skip_token() {
    let t = start().await;
    let id = t.seed("ByModified", 2).await;
    let list = t.list_url(&id);
    let url = format!("{list}/items?$orderby=Modified%20desc&$skiptoken=Paged%3DTRUE%26p_ID%3D1");
    let (status, body) = t.get(&url, NONE).await;
    assert_eq!(status, 400, "{body}");
}

/// What ODataLib's batch reader refuses, and SharePoint's limits: a part without
/// `application/http` or `binary`, a request line without `HTTP/1.1`, a GET in a
/// changeset, a body over 1 MiB (whole batch 400/413); a part for another site (that part).
#[tokio::test]
async fn batches_are_read_as_strictly_as_sharepoint_does() {
    let t = start().await;
    let id = t.seed("Strict", 2).await;
    let url = format!("{}/items?$select=Title", t.list_url(&id));
    let good = batch_body(std::slice::from_ref(&url));
    assert_eq!(send(&t, good.clone(), true).await.0, 200);
    let broken = [
        (
            good.replace("Content-Transfer-Encoding: binary\r\n", ""),
            "Content-Transfer-Encoding",
        ),
        (
            good.replace("Content-Type: application/http", "Content-Type: text/plain"),
            "application/http",
        ),
        (good.replace(" HTTP/1.1\r\n", "\r\n"), "HTTP version"),
        (
            get_changes_part(&t.list_url(&id), "1;3;x;1;1").replace("POST ", "GET ")
                + &format!("--{BOUNDARY}--\r\n"),
            "change set",
        ),
    ];
    for (body, says) in broken {
        let (status, parts) = send(&t, body, true).await;
        assert_eq!(
            (status, parts[0].2.contains(says)),
            (400, true),
            "{says}: {}",
            parts[0].2
        );
    }
    let huge = batch_body(std::slice::from_ref(&url)).replace(
        "\r\n\r\n--",
        &format!("\r\nX-Pad: {}\r\n\r\n--", "x".repeat(1 << 20)),
    );
    assert_eq!(send(&t, huge, true).await.0, 413);
    // A part for another site of the same host: refused; the parts after it as usual.
    let other = t.api("web").replace("/sites/dev/", "/sites/other/");
    let (status, parts) = send(&t, batch_body(&[url.clone(), other, url]), true).await;
    let codes: Vec<u16> = parts.iter().map(|p| p.0).collect();
    assert_eq!((status, codes), (200, vec![200, 400, 500]));
    assert!(parts[1].2.contains("/sites/dev/_api/"), "{}", parts[1].2);
}
