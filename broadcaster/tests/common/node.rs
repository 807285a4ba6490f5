//! Real Node clients of the tests: `tests/node/*.js` (socket.io-client 2.0.4 and 4.8.1, `ws`)
//! from `tests/fixtures/node_modules` (install with `npm ci --prefix tests/fixtures`).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

pub const WAIT: Duration = Duration::from_secs(15);
pub const NODE: &str = "/usr/bin/node";

pub fn paths() -> (PathBuf, PathBuf) {
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
pub struct NodeClient {
    name: String,
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl NodeClient {
    pub async fn spawn(name: &str, script: &str, args: Vec<String>) -> Self {
        let mut c = Self::start(name, script, args, None);
        c.wait_for("ready").await;
        c
    }

    /// Starts a client (giving `token`, if any) without waiting for it to be ready.
    pub fn start(name: &str, script: &str, args: Vec<String>, token: Option<&str>) -> Self {
        let env: Vec<_> = token.map(|t| ("SP_CLIENT_TOKEN", t)).into_iter().collect();
        Self::start_env(name, script, args, &env)
    }

    /// Starts a client with more environment variables, without waiting for it.
    pub fn start_env(name: &str, script: &str, args: Vec<String>, env: &[(&str, &str)]) -> Self {
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
    pub async fn command(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().expect("stdin piped");
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
    }

    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
        let line = tokio::time::timeout(wait, self.lines.next_line())
            .await
            .ok()?
            .ok()??;
        Some(
            serde_json::from_str(&line)
                .unwrap_or_else(|_| panic!("{}: bad line {line}", self.name)),
        )
    }

    pub async fn wait_for(&mut self, ty: &str) -> Value {
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
    pub async fn changes(&mut self) -> Vec<Value> {
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

    pub async fn wait_for_any(&mut self, tys: &[&str]) -> Value {
        loop {
            let v = self.wait_for_nonempty().await;
            if tys.iter().any(|t| v["type"] == *t) {
                return v;
            }
        }
    }

    pub async fn wait_for_nonempty(&mut self) -> Value {
        let v = self
            .next(WAIT)
            .await
            .unwrap_or_else(|| panic!("{}: nothing received", self.name));
        assert_ne!(v["type"], "error", "{}: {v}", self.name);
        v
    }

    /// Waits for `disconnect` after the server went away. A transport error may come
    /// first (socket.io-client 2 reports the closed WebSocket as `websocket error`).
    pub async fn wait_for_disconnect(&mut self) -> Value {
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
    pub async fn quiet(&mut self, wait: Duration) {
        if let Some(v) = self.next(wait).await {
            panic!("{}: unexpected {v}", self.name);
        }
    }
}
