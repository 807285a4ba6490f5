//! Real clients: socket.io-client 2.0.4 (EIO=3) and 4.8.1 (EIO=4) and `ws` in Node, from
//! `tests/fixtures/node_modules` (install with `npm ci --prefix tests/fixtures`).

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use common::*;
use serde_json::Value;
use sp_broadcaster::Config;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

const WAIT: Duration = Duration::from_secs(15);
const NODE: &str = "/usr/bin/node";

fn paths() -> (PathBuf, PathBuf) {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let modules = crate_dir.join("../tests/fixtures/node_modules");
    for pkg in ["socket.io-client-v2", "socket.io-client-v4", "ws"] {
        assert!(
            modules.join(pkg).join("package.json").exists(),
            "Node fixture package {pkg} missing in {}: run `npm ci --prefix tests/fixtures` \
             in the repository root",
            modules.display()
        );
    }
    assert!(
        std::path::Path::new(NODE).exists(),
        "{NODE} not found: these tests need Node 20"
    );
    (crate_dir.join("tests/node"), modules)
}

/// A Node client process printing JSON lines.
struct NodeClient {
    name: String,
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl NodeClient {
    async fn spawn(name: &str, script: &str, args: Vec<String>) -> Self {
        let mut c = Self::start(name, script, args, None);
        c.wait_for("ready").await;
        c
    }

    /// Starts a client (giving `token`, if any) without waiting for it to be ready.
    fn start(name: &str, script: &str, args: Vec<String>, token: Option<&str>) -> Self {
        let env: Vec<_> = token.map(|t| ("SP_CLIENT_TOKEN", t)).into_iter().collect();
        Self::start_env(name, script, args, &env)
    }

    /// Starts a client with more environment variables, without waiting for it.
    fn start_env(name: &str, script: &str, args: Vec<String>, env: &[(&str, &str)]) -> Self {
        let (dir, modules) = paths();
        let mut command = Command::new(NODE);
        command.envs(env.iter().copied());
        let mut child = command
            .arg(dir.join(script))
            .args(&args)
            .env("SP_FIXTURE_MODULES", &modules)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn node");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        Self {
            name: name.to_owned(),
            child,
            lines,
        }
    }

    /// Sends the client one command line (see `sio_client.js`).
    async fn command(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().expect("stdin piped");
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
    }

    async fn next(&mut self, wait: Duration) -> Option<Value> {
        let line = tokio::time::timeout(wait, self.lines.next_line())
            .await
            .ok()?
            .ok()??;
        Some(
            serde_json::from_str(&line)
                .unwrap_or_else(|_| panic!("{}: bad line {line}", self.name)),
        )
    }

    async fn wait_for(&mut self, ty: &str) -> Value {
        loop {
            let v = self
                .next(WAIT)
                .await
                .unwrap_or_else(|| panic!("{}: no {ty:?} line", self.name));
            if v["type"] == "error" || v["type"] == "disconnect" {
                panic!("{}: {v}", self.name);
            }
            if v["type"] == "ack" {
                assert_eq!(
                    v["data"]["ok"], true,
                    "{}: subscribe refused: {v}",
                    self.name
                );
            }
            if v["type"] == ty {
                return v;
            }
        }
    }

    /// Next `list:changes` payload, decoded to the array (socket.io: from the string arg).
    async fn changes(&mut self) -> Vec<Value> {
        let v = self.wait_for_any(&["event", "frame"]).await;
        if v["type"] == "event" {
            let args = v["args"].as_array().unwrap();
            assert_eq!(args.len(), 1, "{}: one argument: {v}", self.name);
            let s = args[0]
                .as_str()
                .unwrap_or_else(|| panic!("{}: not a string: {v}", self.name));
            serde_json::from_str(s).unwrap()
        } else {
            assert_eq!(v["data"]["event"], "list:changes", "{}: {v}", self.name);
            v["data"]["data"].as_array().unwrap().clone()
        }
    }

    async fn wait_for_any(&mut self, tys: &[&str]) -> Value {
        loop {
            let v = self.wait_for_nonempty().await;
            if tys.iter().any(|t| v["type"] == *t) {
                return v;
            }
        }
    }

    async fn wait_for_nonempty(&mut self) -> Value {
        let v = self
            .next(WAIT)
            .await
            .unwrap_or_else(|| panic!("{}: nothing received", self.name));
        assert_ne!(v["type"], "error", "{}: {v}", self.name);
        v
    }

    /// Waits for `disconnect` after the server went away. A transport error may come
    /// first (socket.io-client 2 reports the closed WebSocket as `websocket error`).
    async fn wait_for_disconnect(&mut self) -> Value {
        loop {
            let v = self
                .next(WAIT)
                .await
                .unwrap_or_else(|| panic!("{}: no disconnect", self.name));
            if v["type"] == "disconnect" {
                return v;
            }
        }
    }

    /// Asserts nothing further arrives within `wait`.
    async fn quiet(&mut self, wait: Duration) {
        if let Some(v) = self.next(wait).await {
            panic!("{}: unexpected {v}", self.name);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socketio_v2_v4_and_ws_clients_receive_list_changes() {
    let h = start(Config::default()).await;
    let a = h.local_addr();
    let base = format!("http://{a}");
    let ws = format!("ws://{a}/ws");
    let s = |x: &str| x.to_owned();
    let (mut v2, mut v4, mut v2_l1, mut v4_l2, mut ws_all, mut ws_l1) = tokio::join!(
        NodeClient::spawn("v2", "sio_client.js", vec![s("v2"), base.clone()]),
        NodeClient::spawn("v4", "sio_client.js", vec![s("v4"), base.clone()]),
        NodeClient::spawn(
            "v2[L1]",
            "sio_client.js",
            vec![s("v2"), base.clone(), L1.to_uppercase()]
        ),
        NodeClient::spawn(
            "v4[L2]",
            "sio_client.js",
            vec![s("v4"), base.clone(), L2.into()]
        ),
        NodeClient::spawn("ws", "ws_client.js", vec![ws.clone()]),
        NodeClient::spawn("ws[L1]", "ws_client.js", vec![ws.clone(), L1.into()]),
    );
    assert_eq!(health(a).await["sockets"]["total"], 6);

    let entries = vec![
        entry(L1, None),
        entry(L2, Some("cs")),
        entry(L3, None),
        entry(L1, None),
    ];
    assert_eq!(post_webhook(a, &body(&entries)).await.status, 202);
    let entries = forwarded(&entries);
    let only = |l: &str| -> Vec<Value> {
        entries
            .iter()
            .filter(|e| e["resource"] == l)
            .cloned()
            .collect()
    };

    assert_eq!(v2.changes().await, entries);
    assert_eq!(v4.changes().await, entries);
    assert_eq!(ws_all.changes().await, entries);
    assert_eq!(v2_l1.changes().await, only(L1));
    assert_eq!(v4_l2.changes().await, only(L2));
    assert_eq!(ws_l1.changes().await, only(L1));

    // A batch for L3 only: unfiltered clients get it, subscribed ones get nothing.
    let l3 = vec![entry(L3, None)];
    post_webhook(a, &body(&l3)).await;
    let l3 = forwarded(&l3);
    assert_eq!(v2.changes().await, l3);
    assert_eq!(v4.changes().await, l3);
    assert_eq!(ws_all.changes().await, l3);
    let q = Duration::from_millis(300);
    tokio::join!(v2_l1.quiet(q), v4_l2.quiet(q), ws_l1.quiet(q));

    let hj = health(a).await;
    assert_eq!(hj["notifications"]["received"], 5);
    assert_eq!(hj["notifications"]["emitted"], 5);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_keep_v2_and_v4_clients_connected() {
    let cfg = Config {
        ping_interval: Duration::from_millis(200),
        ping_timeout: Duration::from_millis(400),
        ..Config::default()
    };
    let h = start(cfg).await;
    let a = h.local_addr();
    let base = format!("http://{a}");
    let (mut v2, mut v4) = tokio::join!(
        NodeClient::spawn("v2", "sio_client.js", vec!["v2".into(), base.clone()]),
        NodeClient::spawn("v4", "sio_client.js", vec!["v4".into(), base.clone()]),
    );
    // Several heartbeat periods (v2: client pings; v4: server pings) without a disconnect.
    let q = Duration::from_millis(1500);
    tokio::join!(v2.quiet(q), v4.quiet(q));
    assert_eq!(health(a).await["sockets"]["socketio"], 2);
    let e = vec![entry(L1, None)];
    post_webhook(a, &body(&e)).await;
    let e = forwarded(&e);
    assert_eq!(v2.changes().await, e);
    assert_eq!(v4.changes().await, e);
    h.shutdown().await;
    // Shutdown disconnects them ("io server disconnect" or transport close, possibly
    // after a transport error).
    v2.wait_for_disconnect().await;
    v4.wait_for_disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_client_tokens_real_clients_listen_only_with_one() {
    let h = start(Config {
        client_tokens: vec!["t1".into(), "t2".into()],
        ..Config::default()
    })
    .await;
    let a = h.local_addr();
    let base = format!("http://{a}");
    let args = |v: &str| vec![v.to_owned(), base.clone()];
    // socket.io-client 2.0.4 with `query`, 4.8.1 with `auth`.
    let mut v2 = NodeClient::start("v2+token", "sio_client.js", args("v2"), Some("t2"));
    let mut v4 = NodeClient::start("v4+token", "sio_client.js", args("v4"), Some("t1"));
    v2.wait_for("ready").await;
    v4.wait_for("ready").await;
    for (version, token) in [
        ("v2", None),
        ("v4", None),
        ("v2", Some("t3")),
        ("v4", Some("t3")),
    ] {
        let name = format!("{version} with {token:?}");
        let mut c = NodeClient::start(&name, "sio_client.js", args(version), token);
        let v = c
            .next(WAIT)
            .await
            .unwrap_or_else(|| panic!("{name}: no answer"));
        assert_eq!(v["type"], "error", "{name}: {v}");
        assert_eq!(v["message"], "Not authorized", "{name}: {v}");
    }
    let entries = vec![entry(L1, None)];
    assert_eq!(post_webhook(a, &body(&entries)).await.status, 202);
    assert_eq!(v2.changes().await, forwarded(&entries));
    assert_eq!(v4.changes().await, forwarded(&entries));
    h.shutdown().await;
}

/// socket.io-client 2.0.4 does not close its connection when refused, and would reopen it
/// about every second if the server merely closed it. The server sends it DISCONNECT
/// after the refusal ("io server disconnect": it closes and stays closed), then closes the
/// connection. Here with reconnection on, as by default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_v2_client_is_disconnected_and_stays_away() {
    let h = start(Config {
        client_tokens: vec!["t1".into()],
        ..Config::default()
    })
    .await;
    let a = h.local_addr();
    let args = vec!["v2".to_owned(), format!("http://{a}")];
    let env = [("SP_CLIENT_TOKEN", "t3"), ("SP_RECONNECTION", "1")];
    let mut c = NodeClient::start_env("v2 refused", "sio_client.js", args, &env);
    let v = c.next(WAIT).await.expect("an answer");
    assert_eq!(v["type"], "error", "{v}");
    assert_eq!(v["message"], "Not authorized", "{v}");
    let v = c.next(WAIT).await.expect("a disconnect");
    assert_eq!(v["type"], "disconnect", "{v}");
    assert_eq!(v["reason"], "io server disconnect", "{v}");
    // No reconnection attempt (the first would come after 0.5 to 1.5 s).
    c.quiet(Duration::from_millis(3000)).await;
    h.shutdown().await;
}

/// socket.io-client 2.0.4 and 4.8.1 with their default transports (long polling, upgraded
/// to a WebSocket), made to lag by no longer reading their TCP socket, lose their
/// connection (no DISCONNECT) and, reading again, reconnect and get the events that follow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lagging_upgraded_v2_and_v4_clients_reconnect() {
    lagging_upgraded_client_reconnects("v2").await;
    lagging_upgraded_client_reconnects("v4").await;
}

async fn lagging_upgraded_client_reconnects(version: &str) {
    let h = start(slow_ping()).await;
    let a = h.local_addr();
    let args = vec![version.to_owned(), format!("http://{a}")];
    let env = [("SP_RECONNECTION", "1"), ("SP_TRANSPORTS", "default")];
    let name = format!("{version} upgraded");
    let mut c = NodeClient::start_env(&name, "sio_client.js", args, &env);
    let (mut ready, mut upgraded) = (false, false); // in either order
    while !(ready && upgraded) {
        let v = c.wait_for_nonempty().await;
        ready |= v["type"] == "ready";
        upgraded |= v["type"] == "upgrade";
    }
    c.command("pause").await;
    c.wait_for("paused").await;
    // ~200 KiB bodies until the server has let the client go.
    let big = body(&(0..700).map(|_| entry(L1, None)).collect::<Vec<_>>());
    let mut posted = 0;
    while posted < 600 && count(a, "socketio").await == 1 {
        assert_eq!(post_webhook(a, &big).await.status, 202);
        posted += 1;
    }
    assert_eq!(count(a, "socketio").await, 0, "{name}: {posted} webhooks");
    c.command("resume").await;
    let reason = loop {
        let v = c.next(WAIT).await.expect("a disconnect");
        assert_ne!(v["type"], "connect", "{name}: {v}");
        if v["type"] == "disconnect" {
            break v["reason"].clone();
        }
    };
    assert_ne!(reason, "io server disconnect", "{name}");
    c.wait_for("connect").await;
    let small = vec![entry(L2, None)];
    assert_eq!(post_webhook(a, &body(&small)).await.status, 202);
    assert_eq!(c.changes().await, forwarded(&small));
    h.shutdown().await;
}
