//! Tests of the rooms protocol's payloads.

use super::*;

#[test]
fn list_payloads() {
    let g = "482E418A-0900-414B-8902-02248C2E44E8";
    let lower = g.to_ascii_lowercase();
    let v = json!({ "lists": [g, lower, format!("{{{g}}}")] });
    assert_eq!(parse_lists(Some(&v)).unwrap(), vec![lower.clone()]);
    let s = Value::String(json!({ "lists": [g] }).to_string());
    assert_eq!(parse_lists(Some(&s)).unwrap(), vec![lower.clone()]);
    assert_eq!(parse_lists(Some(&json!([g]))).unwrap(), vec![lower.clone()]);
    assert!(parse_lists(None).unwrap().is_empty());
    assert!(parse_lists(Some(&json!({}))).unwrap().is_empty());
    assert!(parse_lists(Some(&json!({ "lists": ["*all"] }))).is_err());
    assert!(parse_lists(Some(&json!({ "lists": "x" }))).is_err());
    assert!(parse_lists(Some(&json!(5))).is_err());
    // One GUID as a string, as a hand-written client would send it.
    assert_eq!(parse_lists(Some(&json!(g))).unwrap(), vec![lower.clone()]);
    assert_eq!(
        parse_lists(Some(&json!(format!("{{{g}}}")))).unwrap(),
        vec![lower]
    );
    let error = parse_lists(Some(&json!("not a guid"))).unwrap_err();
    assert!(error.contains("one list GUID"), "{error}");
}
