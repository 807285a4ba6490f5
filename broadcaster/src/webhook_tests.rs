//! Tests of webhook body parsing, list ids and the validation token.

use super::*;

const L1: &str = "482E418A-0900-414B-8902-02248C2E44E8";
const L2: &str = "{11111111-2222-3333-4444-555555555555}";

fn entry(res: &str, cs: Option<&str>) -> String {
    let cs = cs.map_or("null".into(), |c| format!("\"{c}\""));
    format!(
        r#"{{"subscriptionId":"s","clientState":{cs},"resource":"{res}","siteUrl":"/sites/t"}}"#
    )
}

#[test]
fn guid_normalisation() {
    assert_eq!(
        normalize_list_id(L1).as_deref(),
        Some("482e418a-0900-414b-8902-02248c2e44e8")
    );
    assert_eq!(
        normalize_list_id(L2).as_deref(),
        Some("11111111-2222-3333-4444-555555555555")
    );
    assert_eq!(normalize_list_id("*all"), None);
    assert_eq!(
        normalize_list_id("482e418a-0900-414b-8902-02248c2e44eZ"),
        None
    );
}

#[test]
fn groups_per_list_and_passes_entries_through() {
    let body = format!(
        r#"{{"value":[{},{},{}]}}"#,
        entry(L1, None),
        entry(L2, None),
        entry(L1, Some("x"))
    );
    let b = parse_body(body.as_bytes(), &[]).unwrap();
    assert_eq!(b.count, 3);
    let all: serde_json::Value = serde_json::from_str(&b.all).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 3);
    assert!(b.all.contains(r#"{"subscriptionId":"s","resource":"#));
    assert!(!b.all.contains("clientState"), "{}", b.all);
    assert_eq!(b.per_list.len(), 2);
    assert_eq!(b.per_list[0].0, "482e418a-0900-414b-8902-02248c2e44e8");
    let l1: serde_json::Value = serde_json::from_str(&b.per_list[0].1).unwrap();
    assert_eq!(l1.as_array().unwrap().len(), 2);
}

#[test]
fn client_state_rules() {
    let secrets = vec!["s3cret".to_owned(), "other".to_owned()];
    let ok = format!(
        r#"{{"value":[{},{}]}}"#,
        entry(L1, Some("s3cret")),
        entry(L2, Some("other"))
    );
    assert!(parse_body(ok.as_bytes(), &secrets).is_ok());
    let one_bad = format!(
        r#"{{"value":[{},{}]}}"#,
        entry(L1, Some("s3cret")),
        entry(L2, Some("nope"))
    );
    assert_eq!(
        parse_body(one_bad.as_bytes(), &secrets).unwrap_err(),
        BodyError::Forbidden
    );
    let null = format!(r#"{{"value":[{}]}}"#, entry(L1, None));
    assert_eq!(
        parse_body(null.as_bytes(), &secrets).unwrap_err(),
        BodyError::Forbidden
    );
    assert!(parse_body(null.as_bytes(), &[]).is_ok());
}

#[test]
fn bad_shapes() {
    for body in [
        "not json",
        "[]",
        "{}",
        r#"{"value":{}}"#,
        r#"{"value":[1]}"#,
        r#"{"value":[{"clientState":"x"}]}"#,
        r#"{"value":[{"resource":7}]}"#,
        r#"{"value":[{"resource":" "}]}"#,
    ] {
        assert!(
            matches!(
                parse_body(body.as_bytes(), &[]),
                Err(BodyError::BadRequest(_))
            ),
            "{body}"
        );
    }
}

#[test]
fn token_lookup_any_case() {
    assert_eq!(
        validation_token("validationtoken=abc").as_deref(),
        Some("abc")
    );
    assert_eq!(
        validation_token("x=1&ValidationToken=a%20b").as_deref(),
        Some("a b")
    );
    assert_eq!(validation_token("VALIDATIONTOKEN=z").as_deref(), Some("z"));
    assert_eq!(validation_token("token=z"), None);
}
