//! The `clientState` secret: never forwarded to clients, and never switched off by a blank
//! setting.

mod common;

use std::time::Duration;

use common::*;
use sp_broadcaster::Config;

const WAIT: Duration = Duration::from_secs(5);

/// Unfiltered and per-list plain-ws frames carry every member of the entries but the secret.
#[tokio::test]
async fn client_state_secret_is_not_sent_to_plain_ws_clients() {
    let h = start(Config {
        client_states: vec!["s3cret".into()],
        ..Config::default()
    })
    .await;
    let a = h.local_addr();
    let mut all = ws_connect(a, "/ws").await;
    let mut one = ws_connect(a, "/ws").await;
    let sub = format!(r#"{{"event":"subscribe","data":{{"lists":["{L1}"]}}}}"#);
    ws_send(&mut one, &sub).await;
    let reply = ws_next_text(&mut one, WAIT).await.unwrap();
    assert!(reply.contains(r#""ok":true"#), "{reply}");
    wait_sockets(a, 2).await;
    let entries = [entry(L1, Some("s3cret")), entry(L2, Some("s3cret"))];
    assert_eq!(post_webhook(a, &body(&entries)).await.status, 202);
    for ws in [&mut all, &mut one] {
        let f = ws_next_text(ws, WAIT).await.unwrap();
        assert!(!f.contains("s3cret"), "secret sent to a client: {f}");
        assert!(!f.contains("clientState"), "{f}");
        let v: serde_json::Value = serde_json::from_str(&f).unwrap();
        let first = &v["data"][0];
        assert_eq!(
            first,
            &forwarded(&[entry(L1, None)])[0],
            "other members kept"
        );
    }
    h.shutdown().await;
}

/// A blank `SP_CLIENT_STATE` (a secret missing from a deployment template), or a blank
/// item in it, stops the binary with a clear error instead of accepting every webhook.
#[tokio::test]
async fn blank_client_state_refuses_to_start() {
    for value in [" ", "", "s3cret, ,other", "s3cret,"] {
        let mut cmd = binary();
        cmd.env("SP_CLIENT_STATE", value);
        let out = tokio::time::timeout(Duration::from_secs(10), cmd.output())
            .await
            .expect("the binary exits")
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{value:?} started: {stderr}");
        assert!(stderr.contains("must not be blank"), "{value:?}: {stderr}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"));
    }
    let out = binary()
        .args(["--client-state", " "])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
}

/// With no secret at all, the binary starts (as the seed) and warns about it.
#[tokio::test]
async fn no_client_state_starts_with_a_warning() {
    let mut child = binary().spawn().unwrap();
    let line = first_stdout_line(&mut child).await;
    assert!(line.contains("listening on http://"), "{line}");
    let stderr = kill_and_read_log(&mut child).await;
    assert!(stderr.contains("WARN"), "{stderr}");
    assert!(
        stderr.contains("no clientState secret configured"),
        "{stderr}"
    );
}
