//! Parsing tests with realistic samples of each metadata level.

use super::*;
use crate::json::Json;

const GUID: &str = "482e418a-0900-414b-8902-02248c2e44e8";

const CHANGES_NOMETADATA: &str = r#"{"value":[
 {"ChangeToken":{"StringValue":"1;3;482e418a-0900-414b-8902-02248c2e44e8;637896971170000000;5749111"},
  "ChangeType":1,"SiteId":"9f0b2f5e-2a0f-4c33-9d4b-6f3c9d8f0e11","Time":"2022-05-31T12:31:57Z",
  "Editor":"i:0#.f|membership|bob@contoso.com","EditorEmailHint":null,"ItemId":12,
  "ListId":"482E418A-0900-414B-8902-02248C2E44E8","ServerRelativeUrl":"","SharedByUser":null,
  "SharedWithUsers":null,"UniqueId":"3f1c...","WebId":"a3b5...","ListTitle":"Tasks",
  "ContentTypeId":{"StringValue":"0x0100"},"Hashtag":"","IsRecycled":false},
 {"ChangeToken":{"StringValue":"1;3;482e418a-0900-414b-8902-02248c2e44e8;637896971180000000;5749112"},
  "ChangeType":3,"ItemId":"7","ListId":"482e418a-0900-414b-8902-02248c2e44e8"},
 {"ChangeToken":{"StringValue":"1;3;482e418a-0900-414b-8902-02248c2e44e8;637896971190000000;5749113"},
  "ChangeType":8}
]}"#;

const CHANGES_VERBOSE: &str = r#"{"d":{"results":[
 {"__metadata":{"id":"https://contoso.sharepoint.com/sites/team/_api/SP.ChangeItem1",
   "uri":"https://contoso.sharepoint.com/sites/team/_api/SP.ChangeItem1","type":"SP.ChangeItem"},
  "ChangeToken":{"__metadata":{"type":"SP.ChangeToken"},
   "StringValue":"1;3;482e418a-0900-414b-8902-02248c2e44e8;637896971170000000;5749111"},
  "ChangeType":2,"SiteId":"9f0b2f5e","Time":"2022-05-31T12:31:57Z","ItemId":12,
  "ListId":"482e418a-0900-414b-8902-02248c2e44e8","WebId":"a3b5"}]}}"#;

const CHANGES_MINIMAL: &str = r#"{"odata.metadata":"https://contoso.sharepoint.com/sites/team/_api/$metadata#Collection(SP.Change)",
 "value":[{"odata.type":"SP.ChangeItem","odata.id":"https://x/_api/SP.ChangeItem1","odata.editLink":"SP.ChangeItem1",
 "ChangeToken":{"StringValue":"1;3;482e418a-0900-414b-8902-02248c2e44e8;637896971170000000;5749111"},
 "ChangeType":7,"ItemId":5}]}"#;

#[test]
fn parses_change_records_in_every_shape() {
    let c = parse_changes(CHANGES_NOMETADATA).unwrap();
    assert_eq!(c.len(), 3);
    assert_eq!(c[0].change_type, ChangeType::Add);
    assert_eq!(c[0].item_id, Some(12));
    assert_eq!(c[0].list_id.as_deref(), Some(GUID));
    assert!(c[0].token.as_deref().unwrap().ends_with(";5749111"));
    assert_eq!(c[1].change_type.effect(), Some(ItemEffect::Delete));
    assert_eq!(c[1].item_id, Some(7));
    assert_eq!(c[2].change_type, ChangeType::Other(8));
    assert_eq!(c[2].change_type.effect(), None);
    assert_eq!(c[2].item_id, None);

    let v = parse_changes(CHANGES_VERBOSE).unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].change_type, ChangeType::Update);
    assert_eq!(
        ChangeToken::parse(v[0].token.as_deref().unwrap())
            .unwrap()
            .change_number,
        5749111
    );

    let m = parse_changes(CHANGES_MINIMAL).unwrap();
    assert_eq!(
        (m[0].change_type, m[0].item_id),
        (ChangeType::Restore, Some(5))
    );

    assert_eq!(parse_changes(r#"{"value":[]}"#).unwrap(), vec![]);
    assert_eq!(parse_changes(r#"{"d":{"results":[]}}"#).unwrap(), vec![]);
    let named = parse_changes(r#"{"value":[{"ChangeType":"DeleteObject","ItemId":3}]}"#).unwrap();
    assert_eq!(named[0].change_type, ChangeType::DeleteObject);
    for bad in [
        "",
        "{",
        r#"{"value":{}}"#,
        r#"{"d":{}}"#,
        r#"{"value":[1]}"#,
        "<html>",
    ] {
        assert!(parse_changes(bad).is_err(), "{bad}");
    }
}

#[test]
fn change_type_effects() {
    use ItemEffect::*;
    let table = [
        (1, Some(Upsert)),
        (2, Some(Upsert)),
        (3, Some(Delete)),
        (4, Some(Upsert)),
    ];
    for (n, e) in table {
        assert_eq!(ChangeType::from_number(n).effect(), e);
    }
    let more = [
        (5, Some(Delete)),
        (6, Some(Upsert)),
        (7, Some(Upsert)),
        (15, Some(Upsert)),
    ];
    for (n, e) in more {
        assert_eq!(ChangeType::from_number(n).effect(), e);
    }
    for n in [0, 8, 9, 16, 21, 22, 99, -1] {
        assert_eq!(ChangeType::from_number(n).effect(), None);
    }
}

#[test]
fn items_keep_their_source_text_and_join_into_one_array() {
    // Verbose, with whitespace and escapes: each item's text is its source, as is.
    let verbose = "{\"d\": {\"results\": [\n  {\"Id\": 1, \"Title\": \"a\\u00e9\\\"\", \"Tags\": {\"results\": [1, 2]}},\n  {\"ID\": 2}\n]}}";
    let p = parse_items(verbose).unwrap();
    let texts: Vec<&str> = p.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            r#"{"Id": 1, "Title": "a\u00e9\"", "Tags": {"results": [1, 2]}}"#,
            r#"{"ID": 2}"#
        ]
    );
    assert_eq!(
        p.items[0].value().get("Title").and_then(Json::as_str),
        Some("a\u{e9}\"")
    );
    let all = items_text(&p.items);
    assert_eq!(
        crate::json::parse(&all).unwrap(),
        crate::json::parse(&format!("[{},{}]", texts[0], texts[1])).unwrap()
    );
    assert_eq!(items_text(&[]), "[]");

    // The print is the content's: the same item with other whitespace and escapes
    // (as made in code from its value) prints the same; another title does not.
    let value = p.items[0].value();
    let made = Item::from_value(&value).unwrap();
    assert_eq!(made.print, p.items[0].print);
    assert_eq!(
        made.text,
        "{\"Id\":1,\"Title\":\"a\u{e9}\\\"\",\"Tags\":{\"results\":[1,2]}}"
    );
    let other = crate::json::parse(&made.text.replace("a\u{e9}", "b")).unwrap();
    assert_ne!(Item::from_value(&other).unwrap().print, made.print);

    // An array of unknown records next to the collection (here `d.value` beside
    // `d.results`): which elements are the items cannot be told, so it is refused.
    let odd = r#"{"d": {"value": [0], "results": [ {"Id": 3, "T": "x"} ]}}"#;
    assert!(parse_items(odd).is_err());
    // An array the parser skips (a member it does not read) is no problem.
    let fine = r#"{"extra": [0], "value": [ {"Id": 3, "T": "x"} ]}"#;
    assert_eq!(
        parse_items(fine).unwrap().items[0].text,
        r#"{"Id": 3, "T": "x"}"#
    );

    // Made in code: compact JSON of the value; no id, no item.
    let made = Item::from_value(&crate::json::parse(r#"{ "ID": "7" }"#).unwrap()).unwrap();
    assert_eq!((made.id, made.text.as_str()), (7, r#"{"ID":"7"}"#));
    assert_eq!(Item::from_value(&Json::Null), None);
}

#[test]
fn parses_items_and_next_links() {
    let none = r#"{"odata.nextLink":"https://contoso.sharepoint.com/sites/team/_api/web/lists(guid'x')/items?%24skiptoken=Paged%3dTRUE%26p_ID%3d2&%24top=2",
      "value":[{"Id":1,"ID":1,"Title":"A","Modified":"2022-05-31T12:31:57Z","AuthorId":9,"EditorId":9},
               {"Id":2,"ID":2,"Title":"B \"quoted\"","Modified":"2022-05-31T12:32:57Z","AuthorId":9,"EditorId":9}]}"#;
    let p = parse_items(none).unwrap();
    assert_eq!(p.items.len(), 2);
    assert_eq!(p.items[1].id, 2);
    assert_eq!(
        p.items[1].value().get("Title").and_then(Json::as_str),
        Some("B \"quoted\"")
    );
    assert!(p.next_link.unwrap().contains("p_ID%3d2"));

    let minimal = r#"{"odata.metadata":"https://x/_api/$metadata#SP.ListData.TasksListItems",
      "value":[{"odata.type":"SP.Data.TasksListItem","odata.id":"https://x/Items(3)","odata.etag":"\"4\"",
      "odata.editLink":"Web/Lists(guid'x')/Items(3)","FileSystemObjectType":0,"Id":3,"ID":3,"Title":"C"}]}"#;
    let p = parse_items(minimal).unwrap();
    assert_eq!((p.items[0].id, p.next_link), (3, None));
    assert_eq!(
        p.items[0].value().get("odata.etag").and_then(Json::as_str),
        Some("\"4\"")
    );

    let verbose = r#"{"d":{"results":[{"__metadata":{"id":"Web/Lists(guid'x')/Items(4)","uri":"https://x/Items(4)",
      "etag":"\"1\"","type":"SP.Data.TasksListItem"},"Id":4,"ID":4,"Title":"D"}],
      "__next":"https://x/_api/web/lists(guid'x')/items?%24skiptoken=Paged%3dTRUE%26p_ID%3d4"}}"#;
    let p = parse_items(verbose).unwrap();
    assert_eq!(p.items[0].id, 4);
    assert!(p.next_link.unwrap().ends_with("p_ID%3d4"));

    let odata4 = r#"{"@odata.context":"https://x/_api/$metadata#Collection","value":[{"ID":5}],
      "@odata.nextLink":"https://x/next"}"#;
    let p = parse_items(odata4).unwrap();
    assert_eq!(
        (p.items[0].id, p.next_link.as_deref()),
        (5, Some("https://x/next"))
    );

    assert!(parse_items(r#"{"value":[{"Title":"no id"}]}"#).is_err());
    assert!(parse_items(r#"{"value":[{"Id":"x"}]}"#).is_err());
    assert_eq!(
        item_id(&crate::json::parse(r#"{"Id":"17"}"#).unwrap()),
        Some(17)
    );
}

#[test]
fn parses_context_info_and_list_info() {
    let none = r#"{"FormDigestTimeoutSeconds":1800,"FormDigestValue":"0x1A2B,31 May 2022 12:31:57 -0000",
      "LibraryVersion":"16.0.22511.12006","SiteFullUrl":"https://x/sites/team","SupportedSchemaVersions":["14.0.0.0","15.0.0.0"],
      "WebFullUrl":"https://x/sites/team"}"#;
    let c = parse_context_info(none).unwrap();
    assert_eq!(c.timeout_secs, 1800);
    assert!(c.form_digest.starts_with("0x1A2B"));
    let verbose = r#"{"d":{"GetContextWebInformation":{"__metadata":{"type":"SP.ContextWebInformation"},
      "FormDigestTimeoutSeconds":900,"FormDigestValue":"0xABC","LibraryVersion":"16.0",
      "SupportedSchemaVersions":{"__metadata":{"type":"Collection(Edm.String)"},"results":["14.0.0.0"]}}}}"#;
    assert_eq!(
        parse_context_info(verbose).unwrap(),
        ContextInfo {
            form_digest: "0xABC".into(),
            timeout_secs: 900
        }
    );
    assert!(parse_context_info(r#"{"d":{}}"#).is_err());

    let t = "1;3;482e418a-0900-414b-8902-02248c2e44e8;637896971170000000;5749111";
    let none = format!(
        r#"{{"CurrentChangeToken":{{"StringValue":"{t}"}},"Id":"482E418A-0900-414B-8902-02248C2E44E8","ItemCount":42}}"#
    );
    let info = parse_list_info(&none).unwrap();
    assert_eq!(info.current_token, t);
    assert_eq!(info.id.as_deref(), Some(GUID));
    assert_eq!(info.item_count, Some(42));
    let verbose = format!(
        r#"{{"d":{{"__metadata":{{"type":"SP.List"}},"CurrentChangeToken":{{"__metadata":{{"type":"SP.ChangeToken"}},"StringValue":"{t}"}},"Id":"{GUID}"}}}}"#
    );
    let info = parse_list_info(&verbose).unwrap();
    assert_eq!((info.current_token.as_str(), info.item_count), (t, None));
    assert!(parse_list_info(r#"{"Id":"x"}"#).is_err());
}

#[test]
fn classifies_error_bodies() {
    let expired = r#"{"error":{"code":"-2146232832, Microsoft.SharePoint.SPException","message":{"lang":"en-US",
      "value":"The changeToken refers to a time before the start of the current change log."}}}"#;
    let e = classify_error(500, expired);
    assert_eq!(e.kind, SpErrorKind::TokenExpired);
    assert_eq!(
        e.code.as_deref(),
        Some("-2146232832, Microsoft.SharePoint.SPException")
    );

    let other = r#"{"odata.error":{"code":"-1, System.ArgumentException","message":{"lang":"en-US",
      "value":"Cannot use the changeToken from one object against a different object"}}}"#;
    assert_eq!(classify_error(400, other).kind, SpErrorKind::TokenInvalid);

    let digest = r#"{"error":{"code":"-2130575251, Microsoft.SharePoint.SPException","message":{"lang":"en-US",
      "value":"The security validation for this page is invalid and might be corrupted. Please use your web browser's Back button to try your operation again."}}}"#;
    assert_eq!(
        classify_error(403, digest).kind,
        SpErrorKind::SecurityValidation
    );

    let v4 = r#"{"error":{"code":"-2147024891, System.UnauthorizedAccessException","message":"Access denied."}}"#;
    let e = classify_error(403, v4);
    assert_eq!(
        (e.kind, e.message.as_str()),
        (SpErrorKind::Unauthorized, "Access denied.")
    );
    assert_eq!(classify_error(401, "").kind, SpErrorKind::Unauthorized);
    assert_eq!(classify_error(429, "").kind, SpErrorKind::Throttled);
    assert_eq!(
        classify_error(503, "<html>busy</html>").kind,
        SpErrorKind::Throttled
    );
    let e = classify_error(500, &"é".repeat(300));
    assert_eq!(
        (e.kind, e.message.chars().count()),
        (SpErrorKind::Http, 100)
    );
    assert_eq!(classify_error(404, "{}").kind, SpErrorKind::Http);
}
