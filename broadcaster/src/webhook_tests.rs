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
    let (b, _) = parse_body(body.as_bytes(), &[]).unwrap();
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
    // One entry on a secret no longer (or never) accepted: left out, the others kept.
    let one_bad = format!(
        r#"{{"value":[{},{},{}]}}"#,
        entry(L1, Some("s3cret")),
        entry(L2, Some("nope")),
        entry(L1, None)
    );
    let (batch, refused) = parse_body(one_bad.as_bytes(), &secrets).unwrap();
    assert_eq!(refused, 2);
    assert_eq!(batch.count, 1);
    let kept = format!(r#"[{{"subscriptionId":"s","resource":"{L1}","siteUrl":"/sites/t"}}]"#);
    assert_eq!(batch.all, kept);
    assert_eq!(batch.per_list, vec![(L1.to_ascii_lowercase(), kept)]);
    // No entry passes: the body is refused.
    let all_bad = format!(
        r#"{{"value":[{},{}]}}"#,
        entry(L1, Some("nope")),
        entry(L2, Some("stale"))
    );
    assert_eq!(
        parse_body(all_bad.as_bytes(), &secrets).unwrap_err(),
        BodyError::Forbidden
    );
    let null = format!(r#"{{"value":[{}]}}"#, entry(L1, None));
    assert_eq!(
        parse_body(null.as_bytes(), &secrets).unwrap_err(),
        BodyError::Forbidden
    );
    assert!(parse_body(null.as_bytes(), &[]).is_ok());
}

/// A body that starts with a UTF-8 byte order mark (which a relay in front of the server,
/// a .NET one writing UTF-8 with its BOM say, may add) is read as without it: RFC 8259
/// lets a parser ignore one, and a `400` would lose the notifications.
#[test]
fn a_byte_order_mark_is_ignored() {
    let body = format!(r#"{{"value":[{}]}}"#, entry(L1, Some("s3cret")));
    let secrets = vec!["s3cret".to_owned()];
    let (plain, _) = parse_body(body.as_bytes(), &secrets).unwrap();
    let with_bom = format!("\u{feff}{body}");
    let (batch, refused) = parse_body(with_bom.as_bytes(), &secrets).unwrap();
    assert_eq!(
        (batch.all, batch.per_list, refused),
        (plain.all, plain.per_list, 0)
    );
    let twice = format!("\u{feff}\u{feff}{body}");
    assert!(parse_body(twice.as_bytes(), &secrets).is_err());
}

/// With secrets configured, an entry without one of them never reaches a client, however
/// its `clientState` is spelt; an accepted entry goes out without any member named
/// `clientState` in any letter case or escaping; and a `resource` that is no string is
/// refused, not forwarded.
#[test]
fn what_reaches_clients_without_the_secret() {
    let secrets = vec!["s3cret".to_owned()];
    let forged = [
        r#"{"resource":"x","ClientState":"s3cret"}"#,
        r#"{"resource":"x","clientstate":"s3cret"}"#,
        r#"{"resource":"x","clientState":["s3cret"]}"#,
        r#"{"resource":"x","clientState":" s3cret"}"#,
        r#"{"resource":"x","extra":{"clientState":"s3cret"}}"#,
    ];
    for entry in forged {
        let body = format!(r#"{{"value":[{entry}]}}"#);
        let refused = parse_body(body.as_bytes(), &secrets).err();
        assert_eq!(refused, Some(BodyError::Forbidden), "{entry}");
    }
    let escaped = r#"{"resource":"x","clientState":"s3cret","CLIENTSTATE":"s3cret"}"#;
    let (batch, refused) = parse_body(format!(r#"{{"value":[{escaped}]}}"#).as_bytes(), &secrets)
        .expect("its escaped clientState is the secret");
    assert_eq!((batch.all.as_str(), refused), (r#"[{"resource":"x"}]"#, 0));
    for resource in [r#"{"a":1}"#, r#"["x"]"#, "null", "1"] {
        let body = format!(r#"{{"value":[{{"resource":{resource},"clientState":"s3cret"}}]}}"#);
        let refused = parse_body(body.as_bytes(), &secrets).err();
        assert!(
            matches!(refused, Some(BodyError::BadRequest(_))),
            "{resource}"
        );
    }
}

#[test]
fn bad_shapes() {
    for body in [
        "not json",
        "[]",
        // serde reads a struct from an array too: an array holding a `value`-like array
        // was taken as an envelope.
        r#"[[{"resource":"x"}]]"#,
        " \n [[]]",
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

/// A server state whose emit queue holds `queue` batches and is drained only by the test
/// (the returned receiver stands in for the emitter task).
fn state(queue: usize) -> (AppState, tokio::sync::mpsc::Receiver<Batch>) {
    use std::sync::Arc;
    let (_layer, io) = socketioxide::SocketIo::new_layer();
    let (emit_tx, emit_rx) = tokio::sync::mpsc::channel(queue);
    let (ws_tx, _) = tokio::sync::broadcast::channel(1);
    let (shutdown_tx, shutdown) = tokio::sync::watch::channel(false);
    let (closing_clients_tx, closing_clients) = tokio::sync::watch::channel(false);
    let st = AppState {
        cfg: Arc::new(crate::Config::default()),
        io,
        stats: Arc::default(),
        emit_tx,
        ws_tx,
        gate: Arc::new(crate::client_auth::Gate::new(no_secrets(), None)),
        client_states: no_secrets(),
        subscriptions: Arc::default(),
        shutdown,
        shutdown_tx: Arc::new(shutdown_tx),
        closing_clients,
        closing_clients_tx: Arc::new(closing_clients_tx),
        started: std::time::Instant::now(),
    };
    (st, emit_rx)
}

fn no_secrets() -> std::sync::Arc<crate::secrets::Secrets> {
    std::sync::Arc::new(crate::secrets::Secrets::fixed("secret", Vec::new()))
}

/// POSTs `n` notification entries to the handler; its status and JSON body.
async fn post(st: &AppState, n: usize) -> (StatusCode, serde_json::Value) {
    let entries: Vec<String> = (0..n).map(|_| entry(L1, None)).collect();
    let body = format!(r#"{{"value":[{}]}}"#, entries.join(","));
    let resp = handle(
        State(st.clone()),
        RawQuery(None),
        HeaderMap::new(),
        Body::from(body),
    )
    .await;
    let status = resp.status();
    let bytes = to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

/// `notifications.received` and `webhooks.requests` as `GET /health` reports them.
async fn received_and_requests(st: &AppState) -> (serde_json::Value, serde_json::Value) {
    let h = crate::routes::health(State(st.clone())).await.0;
    (
        h["notifications"]["received"].clone(),
        h["webhooks"]["requests"].clone(),
    )
}

/// A body answered `503` (emit queue full, or no emitter any more) was not taken: its
/// entries are not counted as received (SharePoint sends them again later), though the
/// request is.
#[tokio::test]
async fn bodies_answered_503_are_not_counted_as_received() {
    let (st, mut rx) = state(1);
    assert_eq!(
        post(&st, 2).await,
        (StatusCode::ACCEPTED, serde_json::json!({ "accepted": 2 }))
    );
    assert_eq!(received_and_requests(&st).await, (2.into(), 1.into()));

    // The queue (one batch) is full: refused, not counted.
    let busy = (
        StatusCode::SERVICE_UNAVAILABLE,
        serde_json::json!({ "error": "busy, retry later" }),
    );
    assert_eq!(post(&st, 3).await, busy);
    assert_eq!(received_and_requests(&st).await, (2.into(), 2.into()));
    assert_eq!(rx.recv().await.map(|b| b.count), Some(2));
    assert!(rx.try_recv().is_err(), "the refused body was not queued");

    // Room again: the same body is taken and counted.
    assert_eq!(post(&st, 3).await.0, StatusCode::ACCEPTED);
    assert_eq!(received_and_requests(&st).await, (5.into(), 3.into()));

    // No emitter (queue closed): refused, not counted.
    drop(rx);
    assert_eq!(post(&st, 4).await, busy);
    assert_eq!(received_and_requests(&st).await, (5.into(), 4.into()));
}
