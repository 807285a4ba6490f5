//! socket.io wire-level tests over a raw WebSocket, for Engine.IO 3 (socket.io 2.x clients)
//! and Engine.IO 4 (socket.io 3.x/4.x clients): exact frames of events and acks.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use sp_broadcaster::Config;

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn eio3_and_eio4_subscribe_ack_events_unsubscribe() {
    let h = start(Config::default()).await;
    let a = h.local_addr();
    for eio in [3u8, 4] {
        let mut all = sio_connect(a, eio).await;
        let mut sub = sio_connect(a, eio).await;
        ws_send(
            &mut sub,
            &format!(
                r#"421["subscribe",{{"lists":["{}","{L2}"]}}]"#,
                L1.to_uppercase()
            ),
        )
        .await;
        let ack = next_packet(&mut sub, WAIT).await.unwrap();
        let mut want = [L1, L2];
        want.sort();
        assert_eq!(ack_value(&ack, 1), json!({"ok": true, "lists": want}));
        // Invalid ids are refused and change nothing.
        ws_send(&mut sub, r#"422["subscribe",{"lists":["nope"]}]"#).await;
        let ack = ack_value(&next_packet(&mut sub, WAIT).await.unwrap(), 2);
        assert_eq!(ack["ok"], false);
        assert!(ack["error"].as_str().unwrap().contains("nope"));

        let entries = [
            entry(L1, None),
            entry(L3, None),
            entry(L2, None),
            entry(L1, Some("c")),
        ];
        assert_eq!(post_webhook(a, &body(&entries)).await.status, 202);
        let entries = forwarded(&entries);
        assert_eq!(
            list_changes(&next_packet(&mut all, WAIT).await.unwrap()),
            entries
        );
        // One event per subscribed list present in the batch, in order of first appearance.
        let first = list_changes(&next_packet(&mut sub, WAIT).await.unwrap());
        assert_eq!(first, [entries[0].clone(), entries[3].clone()]);
        let second = list_changes(&next_packet(&mut sub, WAIT).await.unwrap());
        assert_eq!(second, [entries[2].clone()]);
        assert_eq!(
            next_packet(&mut sub, Duration::from_millis(200)).await,
            None
        );

        // Unsubscribe from one list, then from all: back to the full feed.
        ws_send(
            &mut sub,
            &format!(r#"423["unsubscribe",{{"lists":["{L2}"]}}]"#),
        )
        .await;
        assert_eq!(
            ack_value(&next_packet(&mut sub, WAIT).await.unwrap(), 3),
            json!({"ok": true, "lists": [L1]})
        );
        ws_send(&mut sub, r#"424["unsubscribe"]"#).await;
        assert_eq!(
            ack_value(&next_packet(&mut sub, WAIT).await.unwrap(), 4),
            json!({"ok": true, "lists": []})
        );
        ws_send(&mut sub, r#"42["subscribe","garbage"]"#).await; // no ack requested, ignored
        let only_l3 = [entry(L3, None)];
        post_webhook(a, &body(&only_l3)).await;
        let only_l3 = forwarded(&only_l3);
        assert_eq!(
            list_changes(&next_packet(&mut sub, WAIT).await.unwrap()),
            only_l3
        );
        assert_eq!(
            list_changes(&next_packet(&mut all, WAIT).await.unwrap()),
            only_l3
        );
    }
    h.shutdown().await;
}

#[tokio::test]
async fn garbage_frames_do_not_hurt_the_server() {
    let h = start(Config::default()).await;
    let a = h.local_addr();
    let mut bad = sio_connect(a, 4).await;
    for f in [
        "xyz{{not-a-packet",
        r#"42["subscribe",{bad"#,
        "421[",
        "4",
        "",
    ] {
        ws_send(&mut bad, f).await;
    }
    let mut good = sio_connect(a, 4).await;
    post_webhook(a, &body(&[entry(L1, None)])).await;
    assert_eq!(
        list_changes(&next_packet(&mut good, WAIT).await.unwrap()).len(),
        1
    );
    h.shutdown().await;
}

/// socket.io clients (Engine.IO 3 and 4, unfiltered and per list) never get the secret.
#[tokio::test]
async fn client_state_secret_is_not_sent_to_socketio_clients() {
    let h = start(Config {
        client_states: vec!["s3cret".into()],
        ..Config::default()
    })
    .await;
    let a = h.local_addr();
    let mut all = sio_connect(a, 3).await;
    let mut one = sio_connect(a, 4).await;
    ws_send(
        &mut one,
        &format!(r#"421["subscribe",{{"lists":["{L1}"]}}]"#),
    )
    .await;
    assert!(next_packet(&mut one, WAIT)
        .await
        .unwrap()
        .starts_with("431"));
    let entries = [entry(L1, Some("s3cret")), entry(L2, Some("s3cret"))];
    assert_eq!(post_webhook(a, &body(&entries)).await.status, 202);
    for ws in [&mut all, &mut one] {
        let packet = next_packet(ws, WAIT).await.unwrap();
        assert!(
            !packet.contains("s3cret"),
            "secret sent to a client: {packet}"
        );
        let expected = forwarded(&[entry(L1, None)]);
        assert_eq!(list_changes(&packet)[0], expected[0], "other members kept");
    }
    h.shutdown().await;
}

/// The heartbeat announced to clients by default is the seed broadcaster's (socket.io
/// 2.0.4: ping every 25 s, 60 s to answer). A socket.io 2.x client pings from a timer,
/// which a browser may run late in a background page (Chrome delays chained timers of a
/// page hidden for a while to once a minute): with socket.io 4's 20 s it would be dropped
/// once 45 s pass without a ping from it.
#[tokio::test]
async fn the_default_heartbeat_is_the_seed_s_and_outlasts_a_minute_late_ping() {
    let cli = <sp_broadcaster::Cli as clap::Parser>::parse_from(["sp-broadcaster"]);
    let from_cli = Config::from(cli);
    let h = start(Config::default()).await;
    for eio in [3u8, 4] {
        let path = format!("/socket.io/?EIO={eio}&transport=websocket");
        let mut ws = ws_connect(h.local_addr(), &path).await;
        let open = ws_next_text(&mut ws, WAIT).await.expect("open packet");
        let open: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
        assert_eq!(open["pingInterval"], 25_000, "EIO={eio}");
        assert_eq!(open["pingTimeout"], 60_000, "EIO={eio}");
        let window = open["pingInterval"].as_u64().unwrap() + open["pingTimeout"].as_u64().unwrap();
        assert!(window > 60_000 + 20_000, "a minute's timer and margin");
    }
    assert_eq!(from_cli.ping_timeout, Config::default().ping_timeout);
    assert_eq!(from_cli.ping_interval, Config::default().ping_interval);
    h.shutdown().await;
}
