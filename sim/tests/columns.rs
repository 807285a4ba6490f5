//! Item queries that name a column the list does not have are refused as SharePoint
//! Online refuses them: `$select`, `$expand`, `$filter`, `$orderby`, a person column
//! without its `$expand`; built-in columns, written and declared columns pass.

mod common;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

const V4: &str = "application/json;odata.metadata=minimal";
const FIELD: &str = "-1, Microsoft.SharePoint.SPException";
const COLUMN: &str = "-2147024809, System.ArgumentException";

/// GETs `url` with `accept` (OData 4.0 for [`V4`]); returns the status, error code
/// and error message whatever the shape (`error` / `odata.error`, message object or
/// string).
async fn refusal(t: &T, url: &str, accept: &str) -> (u16, String, String) {
    let r =
        t.c.get(url)
            .header("accept", accept)
            .header("odata-version", if accept == V4 { "4.0" } else { "3.0" })
            .send()
            .await
            .unwrap();
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    let key = if accept == VERBOSE || accept == V4 {
        "error"
    } else {
        "odata.error"
    };
    let e = &v[key];
    let message = e["message"]["value"]
        .as_str()
        .or_else(|| e["message"].as_str())
        .unwrap_or_default();
    let code = e["code"].as_str().unwrap_or_default();
    (status, code.to_owned(), message.to_owned())
}

#[tokio::test]
async fn unknown_columns_are_refused_in_every_shape() {
    let t = start().await;
    let id = t.seed("Mails", 3).await;
    let items = format!("{}/items", t.list_url(&id));
    let one = format!("{}/items(1)", t.list_url(&id));
    let no_field = |name: &str| format!("The field or property '{name}' does not exist.");
    let no_column = |name: &str| {
        format!("Column '{name}' does not exist. It may have been deleted by another user.")
    };
    let cases = [
        (format!("{items}?$select=Title,Foo"), FIELD, no_field("Foo")),
        (format!("{one}?$select=Foo"), FIELD, no_field("Foo")),
        (format!("{items}?$expand=Foo"), FIELD, no_field("Foo")),
        (format!("{items}?$orderby=Foo desc"), FIELD, no_field("Foo")),
        (
            format!("{items}?$select=Title&$filter=Foo eq 1"),
            COLUMN,
            no_column("Foo"),
        ),
        // Deep inside the expression, and beside a known column.
        (
            format!("{items}?$filter=(ID eq 1) or (Subject eq 'x' and not (Bar ne 2))"),
            COLUMN,
            no_column("Bar"),
        ),
        // Column names are case-sensitive in `$filter`.
        (
            format!("{items}?$filter=title eq 'Message 1'"),
            COLUMN,
            no_column("title"),
        ),
    ];
    for accept in [NONE, MINIMAL, VERBOSE, V4] {
        for (url, code, message) in &cases {
            let got = refusal(&t, url, accept).await;
            assert_eq!(
                got,
                (400, code.to_string(), message.clone()),
                "{url} {accept}"
            );
        }
    }
}

#[tokio::test]
async fn person_columns_need_their_expand() {
    let t = start().await;
    let id = t.seed("Mails", 2).await;
    let items = format!("{}/items", t.list_url(&id));
    let must = |c: &str| {
        format!(
            "The query to field '{c}' is not valid. The $select query string must specify \
             the target fields and the $expand query string must contains {c}."
        )
    };
    for (query, message) in [
        ("$select=Author/Title", must("Author")),
        ("$select=Title,Author", must("Author")),
        ("$select=Editor/Title&$expand=Author", must("Editor")),
        (
            "$select=Author/Title&$expand=Title",
            "The query to field 'Title' is not valid.".into(),
        ),
        (
            "$select=Subject/Title",
            "The query to field 'Subject/Title' is not valid.".into(),
        ),
        (
            "$select=Boss/Title&$expand=Author",
            "The field or property 'Boss' does not exist.".into(),
        ),
    ] {
        let got = refusal(&t, &format!("{items}?{query}"), NONE).await;
        assert_eq!(got, (400, FIELD.to_string(), message), "{query}");
    }
    // With the expand, both forms read.
    for query in [
        "$select=Author/Title&$expand=Author",
        "$select=ID,Author&$expand=Author",
    ] {
        let (s, v) = t.get(&format!("{items}?{query}"), NONE).await;
        assert_eq!(s, 200, "{query}: {v}");
        assert!(v["value"][0]["Author"].is_object(), "{query}: {v}");
    }
}

/// Every built-in column passes in `$select`, with SharePoint's values for those the sim
/// serves only when asked, and in `$filter` / `$orderby` as sp-live sends them.
#[tokio::test]
async fn built_in_columns_pass() {
    let t = start().await;
    let id = t.seed("Team Mails", 2).await;
    let items = format!("{}/items", t.list_url(&id));
    let select = "Id,ID,Title,Created,Modified,AuthorId,EditorId,GUID,ContentTypeId,\
                  FileSystemObjectType,Attachments,FileRef,FileLeafRef,FileDirRef,\
                  OData__UIVersionString,UniqueId,ComplianceAssetId,ServerRedirectedEmbedUrl";
    let (s, v) = t
        .get(&format!("{items}?$select={select}&$filter=ID eq 2"), NONE)
        .await;
    assert_eq!(s, 200, "{v}");
    let item = &v["value"][0];
    assert_eq!(item["FileRef"], "/sites/dev/Lists/TeamMails/2_.000");
    assert_eq!(item["FileLeafRef"], "2_.000");
    assert_eq!(item["FileDirRef"], "/sites/dev/Lists/TeamMails");
    assert_eq!(item["OData__UIVersionString"], "1.0");
    assert_eq!(item["UniqueId"], item["GUID"]);
    assert_eq!(item["ComplianceAssetId"], Value::Null);
    for name in select.split(',') {
        assert!(item.get(name).is_some(), "{name}: {item}");
    }
    // `$select` ignores case, as before; the spelling answered is SharePoint's.
    let (s, v) = t.get(&format!("{items}?$select=title,fileref"), NONE).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["value"][0]["FileRef"],
        "/sites/dev/Lists/TeamMails/1_.000"
    );
    // What sp-live asks for: a page of a view, a chunk of ids, the read-ahead.
    let mut sent = vec![
        "$select=Id,Modified,Title,Editor/Title&$expand=Editor&$orderby=ID&$top=100\
         &$filter=(Subject ne 'x') and ((ID eq 1) or (ID ge 2 and ID le 9))"
            .to_string(),
        "$select=Id,Modified,Title&$top=100&$orderby=Modified desc\
         &$filter=Modified ge datetime'2000-01-01T00:00:00Z'"
            .to_string(),
    ];
    sent.push("$select=Id&$filter=Id eq 1 or Created ne null&$orderby=id".into());
    for query in sent {
        let (s, v) = t.get(&format!("{items}?{query}"), NONE).await;
        assert_eq!(s, 200, "{query}: {v}");
        assert!(!ids(&v).is_empty(), "{query}");
    }
}

/// A column exists once any write set it (and stays when that item goes), or once the
/// admin API declared it; a seeded list has the mail columns even with no rows.
#[tokio::test]
async fn written_and_declared_columns_pass() {
    let t = start().await;
    let id = t.seed("Mails", 3).await;
    let items = format!("{}/items", t.list_url(&id));
    let (s, _) = t.get(&format!("{items}?$select=Status"), NONE).await;
    assert_eq!(s, 400);
    t.admin(
        Method::PATCH,
        "lists/Mails/items/2",
        Some(json!({"Status": "Open"})),
    )
    .await;
    let url = format!("{items}?$select=ID,Status&$filter=Status eq 'Open' or ID eq 1");
    let (s, v) = t.get(&url, NONE).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["value"][0]["Status"], Value::Null);
    assert_eq!(v["value"][1]["Status"], "Open");
    t.admin(Method::DELETE, "lists/Mails/items/2", None).await;
    let (s, v) = t.get(&url, NONE).await;
    assert_eq!((s, ids(&v)), (200, vec![1]));
    // A write through REST creates a column too.
    let (s, _) = t
        .post(&items, NONE, json!({"Title": "x", "Priority": 2}))
        .await;
    assert_eq!(s, 201);
    let (s, v) = t.get(&format!("{items}?$filter=Priority eq 2"), NONE).await;
    assert_eq!((s, ids(&v)), (200, vec![4]));
    // Declared: an empty list answers its columns with no rows.
    let v = t
        .admin(
            Method::POST,
            "lists",
            Some(json!({"title": "Tasks", "fields": ["Odd", "Owner"]})),
        )
        .await;
    assert_eq!(v["columns"], json!(["Odd", "Owner"]));
    let tasks = format!("{}/items", t.list_url(v["id"].as_str().unwrap()));
    let (s, v) = t
        .get(
            &format!("{tasks}?$select=Id,Title,Owner&$filter=Odd ne 1"),
            NONE,
        )
        .await;
    assert_eq!((s, v["value"].as_array().map(Vec::len)), (200, Some(0)));
    let v = t
        .admin(
            Method::POST,
            "seed",
            Some(json!({"title": "Empty", "count": 0})),
        )
        .await;
    let empty = format!("{}/items", t.list_url(v["id"].as_str().unwrap()));
    let query = "$select=Title,Subject,From,To,SentDate&$filter=SentDate ne null";
    let (s, _) = t.get(&format!("{empty}?{query}"), NONE).await;
    assert_eq!(s, 200);
}

/// A column whose internal name starts with `_` (`_x0032_024Budget`, titled "2024
/// Budget") is the REST property `OData__x0032_024Budget`: items carry it so, `$select`
/// and `$filter` take that name, and `$select` refuses the internal one.
#[tokio::test]
async fn a_column_starting_with_an_underscore_goes_by_its_rest_name() {
    let t = start().await;
    let id = t.seed("Mails", 3).await;
    let items = format!("{}/items", t.list_url(&id));
    let budget = |b: i64| Some(json!({"_x0032_024Budget": b}));
    t.admin(Method::PATCH, "lists/Mails/items/2", budget(300))
        .await;
    // Written by its REST name, it is the same column.
    let by_rest = Some(json!({"OData__x0032_024Budget": 100}));
    t.admin(Method::PATCH, "lists/Mails/items/3", by_rest).await;
    for accept in [NONE, VERBOSE, V4] {
        let url = format!("{items}?$select=Title,_x0032_024Budget");
        let no_field = "The field or property '_x0032_024Budget' does not exist.";
        let (s, code, message) = refusal(&t, &url, accept).await;
        assert_eq!((s, code.as_str(), message.as_str()), (400, FIELD, no_field));
    }
    let url =
        format!("{items}?$select=Id,OData__x0032_024Budget&$filter=OData__x0032_024Budget ge 100");
    let (s, v) = t.get(&url, NONE).await;
    assert_eq!((s, ids(&v)), (200, vec![2, 3]), "{v}");
    assert_eq!(v["value"][0]["OData__x0032_024Budget"], 300);
    assert_eq!(v["value"][1]["OData__x0032_024Budget"], 100);
    let (s, v) = t.get(&format!("{items}?$filter=ID eq 2"), NONE).await;
    assert_eq!(s, 200);
    assert_eq!(v["value"][0]["OData__x0032_024Budget"], 300, "{v}");
    assert!(v["value"][0].get("_x0032_024Budget").is_none(), "{v}");
}

/// A refused query inside a `$batch` is refused in its part (the parts after it get
/// SharePoint's answer to any part after a failed one).
#[tokio::test]
async fn a_refused_batch_part_is_answered_alone() {
    let t = start().await;
    let id = t.seed("Mails", 2).await;
    let list = format!("/sites/dev/_api/web/lists(guid'{id}')");
    let part = |q: &str| {
        format!(
            "--b\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n\
             GET {list}/items?{q} HTTP/1.1\r\nAccept: {NONE}\r\n\r\n"
        )
    };
    let body = format!("{}{}--b--\r\n", part("$select=Title"), part("$select=Nope"));
    let r =
        t.c.post(t.api("$batch"))
            .header("authorization", "Bearer test")
            .header("content-type", "multipart/mixed; boundary=b")
            .body(body)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let first = text.find("HTTP/1.1 200").expect("a 200 part");
    let second = text.find("HTTP/1.1 400").expect("a 400 part");
    assert!(first < second, "{text}");
    assert!(
        text.contains("The field or property 'Nope' does not exist."),
        "{text}"
    );
}
