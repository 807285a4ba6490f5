//! The webhook subscriptions the broadcaster hears from: a warning in the log before one
//! ends (SharePoint ends them after at most 180 days, silently), and a summary in
//! `/health`.

mod common;

use std::time::Duration;

use common::*;
use sp_broadcaster::expiry::{format_utc, unix_now};
use sp_broadcaster::Config;

const DAY: i64 = 86_400;

fn ending_in(list: &str, days: i64, client_state: Option<&str>) -> serde_json::Value {
    let mut e = entry(list, client_state);
    e["expirationDateTime"] = format_utc(unix_now() + days * DAY + 3_600).into();
    e
}

#[tokio::test]
async fn health_counts_the_subscriptions_heard_from_and_the_soonest_end() {
    let h = start(Config {
        client_states: vec!["s3cret".into()],
        ..Config::default()
    })
    .await;
    let a = h.local_addr();
    let none = health(a).await["subscriptions"].clone();
    assert_eq!(
        none,
        serde_json::json!({"seen": 0, "ending_within_30_days": 0, "ended": 0, "soonest_end": null})
    );
    let soon = ending_in(L1, 12, Some("s3cret"));
    let entries = [
        soon.clone(),
        ending_in(L2, 150, Some("s3cret")),
        ending_in(L3, 3, Some("forged")),
    ];
    assert_eq!(post_webhook(a, &body(&entries)).await.status, 202);
    let subs = health(a).await["subscriptions"].clone();
    assert_eq!(
        subs["seen"], 2,
        "a refused entry's subscription is not noted: {subs}"
    );
    assert_eq!(subs["ending_within_30_days"], 1);
    assert_eq!(subs["soonest_end"], soon["expirationDateTime"]);
    h.shutdown().await;
}

#[tokio::test]
async fn the_log_warns_of_a_subscription_that_ends_within_30_days() {
    let mut child = binary().spawn().unwrap();
    let line = first_stdout_line(&mut child).await;
    let base = line.split("http://").nth(1).unwrap().trim();
    let a: std::net::SocketAddr = base.parse().unwrap();
    let entries = [
        ending_in(L1, 9, Some("secret-value")),
        ending_in(L2, 100, None),
    ];
    assert_eq!(post_webhook(a, &body(&entries)).await.status, 202);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stderr = kill_and_read_log(&mut child).await;
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("ends soon")).collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    for part in [
        &format!("sub-{L1}"),
        L1,
        "/sites/team",
        "days_left=9",
        "m365 spo list webhook set",
    ] {
        assert!(warnings[0].contains(part), "{part}: {}", warnings[0]);
    }
    assert!(!stderr.contains("secret-value"), "a clientState in the log");
}
