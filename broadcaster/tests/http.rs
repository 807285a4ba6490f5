//! HTTP-level tests: validation handshake, clientState, bad input, health, CORS, plain ws.

mod common;

use std::time::Duration;

use common::*;
use sp_broadcaster::{Config, CorsMode};

const QUIET: Duration = Duration::from_millis(300);

#[tokio::test]
async fn validation_token_any_case() {
    let h = start(Config::default()).await;
    let a = h.local_addr();
    for name in ["validationtoken", "validationToken", "VALIDATIONTOKEN"] {
        let r = http(
            a,
            "POST",
            &format!("/api/webhook?{name}=abc%3Cb%3E%201"),
            &[],
            b"",
        )
        .await;
        assert_eq!(r.status, 200, "{name}");
        assert_eq!(r.body, "abc<b> 1");
        assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    }
    let long = "x".repeat(1025);
    let r = http(
        a,
        "POST",
        &format!("/api/webhook?validationtoken={long}"),
        &[],
        b"",
    )
    .await;
    assert_eq!(r.status, 400);
    let r = http(a, "POST", "/api/webhook?validationtoken=", &[], b"").await;
    assert_eq!(r.status, 400);
    let ok = "y".repeat(1024);
    let r = http(
        a,
        "POST",
        &format!("/api/webhook?validationtoken={ok}"),
        &[],
        b"",
    )
    .await;
    assert_eq!((r.status, r.body.len()), (200, 1024));
    assert_eq!(health(a).await["webhooks"]["validations"], 4);
    h.shutdown().await;
}

/// The seed's Express routes ignore letter case and a trailing slash, so a subscription
/// made against the seed with `/API/Webhook/` in its `notificationUrl` keeps working.
#[tokio::test]
async fn the_webhook_path_matches_as_loosely_as_the_seed_s() {
    let h = start(Config::default()).await;
    let a = h.local_addr();
    let mut listener = ws_connect(a, "/ws").await;
    wait_sockets(a, 1).await;
    for path in ["/api/webhook/", "/API/Webhook", "/Api/WebHook/"] {
        let r = http(a, "POST", &format!("{path}?validationtoken=t1"), &[], b"").await;
        assert_eq!((r.status, r.body.as_str()), (200, "t1"), "{path}");
        let r = post_to(a, path, &body(&[entry(L1, None)])).await;
        assert_eq!(r.status, 202, "{path}");
        assert!(ws_next_text(&mut listener, Duration::from_secs(5))
            .await
            .is_some());
    }
    for path in ["/api/webhook//", "/api/webhooks", "/api", "/api/webhook/x"] {
        let r = post_to(a, path, &body(&[entry(L1, None)])).await;
        assert_eq!(r.status, 404, "{path}");
    }
    assert_eq!(ws_next_text(&mut listener, QUIET).await, None);
    assert_eq!(http(a, "GET", "/API/Webhook", &[], b"").await.status, 404);
    h.shutdown().await;
}

async fn post_to(a: std::net::SocketAddr, path: &str, body: &[u8]) -> Resp {
    http(
        a,
        "POST",
        path,
        &[("Content-Type", "application/json")],
        body,
    )
    .await
}

#[tokio::test]
async fn client_state_accept_and_reject() {
    let cfg = Config {
        client_states: vec!["s3cret".into(), "second".into()],
        ..Config::default()
    };
    let h = start(cfg).await;
    let a = h.local_addr();
    let mut ws = ws_connect(a, "/ws").await;
    wait_sockets(a, 1).await;

    for bad in [
        body(&[entry(L1, Some("wrong")), entry(L2, Some("s3cre"))]),
        body(&[entry(L1, None)]),
        body(&[entry(L1, Some("s3cre"))]),
    ] {
        let r = post_webhook(a, &bad).await;
        assert_eq!(r.status, 403, "{}", r.body);
    }
    assert_eq!(
        ws_next_text(&mut ws, QUIET).await,
        None,
        "nothing emitted on 403"
    );

    // One entry on a retired secret (a rotation not finished) next to a good one: the
    // good one goes out, the other is left out.
    let mixed = body(&[entry(L1, Some("wrong")), entry(L2, Some("second"))]);
    let r = post_webhook(a, &mixed).await;
    assert_eq!((r.status, r.body.as_str()), (202, r#"{"accepted":1}"#));
    let frame: serde_json::Value =
        serde_json::from_str(&ws_next_text(&mut ws, Duration::from_secs(5)).await.unwrap())
            .unwrap();
    let data = frame["data"].as_array().unwrap();
    assert_eq!((data.len(), data[0]["resource"].as_str()), (1, Some(L2)));

    let good = body(&[entry(L1, Some("s3cret")), entry(L2, Some("second"))]);
    let r = post_webhook(a, &good).await;
    assert_eq!(r.status, 202);
    let frame: serde_json::Value =
        serde_json::from_str(&ws_next_text(&mut ws, Duration::from_secs(5)).await.unwrap())
            .unwrap();
    assert_eq!(frame["event"], "list:changes");
    assert_eq!(frame["data"].as_array().unwrap().len(), 2);
    let hj = health(a).await;
    assert_eq!(hj["webhooks"]["rejected"], 3);
    assert_eq!(hj["notifications"]["received"], 3);
    assert_eq!(hj["notifications"]["emitted"], 3);
    h.shutdown().await;
}

#[tokio::test]
async fn no_client_state_configured_accepts_everything() {
    let h = start(Config::default()).await;
    let r = post_webhook(
        h.local_addr(),
        &body(&[entry(L1, None), entry(L2, Some("x"))]),
    )
    .await;
    assert_eq!(r.status, 202);
    assert_eq!(r.json()["accepted"], 2);
    h.shutdown().await;
}

#[tokio::test]
async fn bad_input_is_rejected_and_nothing_emitted() {
    let cfg = Config {
        max_body: 1024,
        ..Config::default()
    };
    let h = start(cfg).await;
    let a = h.local_addr();
    let mut ws = ws_connect(a, "/ws").await;
    wait_sockets(a, 1).await;

    let cases: Vec<(&[u8], u16)> = vec![
        (b"not json", 400),
        (b"", 400),
        (b"[1,2]", 400),
        (b"{\"value\":5}", 400),
        (b"{\"other\":[]}", 400),
        (b"{\"value\":[{\"subscriptionId\":\"x\"}]}", 400),
        (b"{\"value\":[null]}", 400),
        (
            b"{\"value\":[{\"resource\":\"482e418a-0900-414b-8902-02248c2e44e8\"}",
            400,
        ),
        (b"\xff\xfe garbage", 400),
    ];
    for (b, want) in cases {
        let r = post_webhook(a, b).await;
        assert_eq!(r.status, want, "{:?}", String::from_utf8_lossy(b));
        assert!(r.json()["error"].is_string());
    }
    // Oversized, with a declared length and streamed in chunks.
    let big = body(&vec![entry(L1, None); 20]);
    assert!(big.len() > 1024);
    let r = post_webhook(a, &big).await;
    assert_eq!(r.status, 413);
    let head = [("Transfer-Encoding", "chunked"), ("Content-Length", "")];
    let mut chunked = format!("{:x}\r\n", big.len()).into_bytes();
    chunked.extend_from_slice(&big);
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    let r = http(a, "POST", "/api/webhook", &head[..1], &chunked).await;
    assert_eq!(r.status, 413);

    assert_eq!(ws_next_text(&mut ws, QUIET).await, None, "nothing emitted");
    let hj = health(a).await;
    assert_eq!(hj["notifications"]["emitted"], 0);
    assert_eq!(hj["webhooks"]["rejected"], 11);
    // Still serving.
    let r = post_webhook(a, &body(&[entry(L1, None)])).await;
    assert_eq!(r.status, 202);
    assert!(ws_next_text(&mut ws, Duration::from_secs(5))
        .await
        .is_some());
    h.shutdown().await;
}

#[tokio::test]
async fn health_reports_counts() {
    let h = start(Config::default()).await;
    let a = h.local_addr();
    let hj = health(a).await;
    assert_eq!(hj["status"], "ok");
    assert!(hj["uptime_secs"].is_u64());
    assert_eq!(hj["sockets"]["total"], 0);
    assert!(hj["entra"].is_null(), "no Entra ID tokens");
    let _w1 = ws_connect(a, "/ws").await;
    let _w2 = ws_connect(a, "/ws").await;
    wait_sockets(a, 2).await;
    assert_eq!(health(a).await["sockets"]["ws"], 2);
    drop(_w1);
    wait_sockets(a, 1).await;
    h.shutdown().await;
}

#[tokio::test]
async fn cors_modes() {
    let pre = [
        ("Origin", "http://127.0.0.1:8000"),
        ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", "content-type"),
    ];
    let h = start(Config::default()).await;
    let a = h.local_addr();
    let r = http(a, "OPTIONS", "/health", &pre, b"").await;
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://127.0.0.1:8000")
    );
    // socket.io-client 2.x polls first, with credentials: the origin is echoed, never `*`.
    let poll = "/socket.io/?EIO=3&transport=polling&t=x";
    let r = http(a, "GET", poll, &pre[..1], b"").await;
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://127.0.0.1:8000")
    );
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    for path in ["/api/webhook", "/API/Webhook/"] {
        let r = http(a, "OPTIONS", path, &pre, b"").await;
        assert!(
            r.header("access-control-allow-origin").is_none(),
            "public mode: webhook not CORS ({path})"
        );
    }
    h.shutdown().await;

    let h = start(Config {
        cors: CorsMode::All,
        ..Config::default()
    })
    .await;
    let a = h.local_addr();
    let r = http(a, "OPTIONS", "/api/webhook", &pre, b"").await;
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://127.0.0.1:8000")
    );
    let r = http(
        a,
        "POST",
        "/api/webhook",
        &[pre[0]],
        &body(&[entry(L1, None)]),
    )
    .await;
    assert_eq!(
        (r.status, r.header("access-control-allow-origin")),
        (202, Some("http://127.0.0.1:8000"))
    );
    h.shutdown().await;

    let h = start(Config {
        cors: CorsMode::Off,
        ..Config::default()
    })
    .await;
    let r = http(h.local_addr(), "GET", "/health", &pre[..1], b"").await;
    assert!(r.header("access-control-allow-origin").is_none());
    h.shutdown().await;
}

#[tokio::test]
async fn plain_ws_subscribe_filters_and_custom_paths() {
    let cfg = Config {
        webhook_path: "/hooks/sp".into(),
        ws_path: "/live".into(),
        ..Config::default()
    };
    let h = start(cfg).await;
    let a = h.local_addr();
    let mut sub = ws_connect(a, "/live").await;
    let mut all = ws_connect(a, "/live").await;
    ws_send(
        &mut sub,
        &format!(
            r#"{{"event":"subscribe","data":{{"lists":["{{{}}}"]}}}}"#,
            L1.to_uppercase()
        ),
    )
    .await;
    let reply: serde_json::Value = serde_json::from_str(
        &ws_next_text(&mut sub, Duration::from_secs(5))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        reply,
        serde_json::json!({"event":"subscribed","data":{"ok":true,"lists":[L1]}})
    );

    let b = body(&[
        entry(L2, None),
        entry(L1, None),
        entry(L3, None),
        entry(L1, None),
    ]);
    let r = http(a, "POST", "/hooks/sp", &[], &b).await;
    assert_eq!(r.status, 202);
    let f: serde_json::Value = serde_json::from_str(
        &ws_next_text(&mut all, Duration::from_secs(5))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(f["data"].as_array().unwrap().len(), 4);
    let f: serde_json::Value = serde_json::from_str(
        &ws_next_text(&mut sub, Duration::from_secs(5))
            .await
            .unwrap(),
    )
    .unwrap();
    let d = f["data"].as_array().unwrap();
    assert_eq!(d.len(), 2);
    assert!(d.iter().all(|e| e["resource"] == L1));

    // A batch without L1 reaches only the unfiltered client.
    http(a, "POST", "/hooks/sp", &[], &body(&[entry(L2, None)])).await;
    assert!(ws_next_text(&mut all, Duration::from_secs(5))
        .await
        .is_some());
    assert_eq!(ws_next_text(&mut sub, QUIET).await, None);

    // Unsubscribing from everything restores the full feed.
    ws_send(&mut sub, r#"{"event":"unsubscribe","data":{"lists":[]}}"#).await;
    let reply = ws_next_text(&mut sub, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(reply.contains(r#""lists":[]"#), "{reply}");
    http(a, "POST", "/hooks/sp", &[], &body(&[entry(L2, None)])).await;
    assert!(ws_next_text(&mut sub, Duration::from_secs(5))
        .await
        .is_some());
    assert!(ws_next_text(&mut all, Duration::from_secs(5))
        .await
        .is_some());
    assert_eq!(http(a, "POST", "/api/webhook", &[], &b).await.status, 404);

    // Shutdown closes plain ws clients.
    h.shutdown().await;
    assert_eq!(ws_next_text(&mut all, Duration::from_secs(5)).await, None);
}
