//! `--client-token-file` and `--client-state-file`: secrets in a file, read again when it
//! changes, so that one is rotated without a restart; a bad edit (no secret left, the file
//! gone) keeps the secrets in hand, and a bad file at start stops the server.

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use common::entra::sio4_with;
use common::*;
use sp_broadcaster::Config;

const RELOAD: Duration = Duration::from_millis(100);

/// A fresh directory for this test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sp-secret-files-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits up to 5 s for `check` to hold.
async fn eventually<F: std::future::Future<Output = bool>>(what: &str, check: impl Fn() -> F) {
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not within 5 s: {what}");
}

#[tokio::test]
async fn a_client_token_is_rotated_by_editing_the_file() {
    let dir = scratch("tokens");
    let file = dir.join("tokens");
    std::fs::write(&file, "# the web parts' token\nold\n").unwrap();
    let h = start(Config {
        client_tokens: vec!["fixed".into()],
        client_token_file: Some(file.clone()),
        secrets_reload: RELOAD,
        ..Config::default()
    })
    .await;
    let a = h.local_addr();
    let admits = |token: &'static str| async move { sio4_with(a, token).await.is_ok() };
    assert!(admits("old").await && admits("fixed").await);
    assert!(!admits("new").await);

    std::fs::write(&file, "old\nnew\n").unwrap();
    eventually("the new token admits", || admits("new")).await;
    assert!(admits("old").await, "both during the move");
    std::fs::write(&file, "new\n").unwrap();
    eventually("the old token is refused", || async {
        !admits("old").await
    })
    .await;
    assert!(admits("new").await && admits("fixed").await);

    // A bad edit loses nothing: an emptied file, then no file at all.
    std::fs::write(&file, "\n# nothing yet\n").unwrap();
    tokio::time::sleep(RELOAD * 4).await;
    assert!(admits("new").await, "an emptied file keeps the tokens");
    std::fs::remove_file(&file).unwrap();
    tokio::time::sleep(RELOAD * 4).await;
    assert!(admits("new").await, "a missing file keeps the tokens");
    assert!(!admits("old").await);
    h.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_client_state_is_rotated_by_editing_the_file() {
    let dir = scratch("states");
    let file = dir.join("states");
    std::fs::write(&file, "s1\n").unwrap();
    let h = start(Config {
        client_state_file: Some(file.clone()),
        secrets_reload: RELOAD,
        ..Config::default()
    })
    .await;
    let a = h.local_addr();
    let status = |secret: &'static str| async move {
        let entries = [entry(L1, Some(secret))];
        post_webhook(a, &body(&entries)).await.status
    };
    assert_eq!(status("s1").await, 202);
    assert_eq!(status("s2").await, 403);
    std::fs::write(&file, "s2\n").unwrap();
    eventually("s2 accepted", || async { status("s2").await == 202 }).await;
    assert_eq!(status("s1").await, 403);
    h.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A file that cannot be read, or holds no secret, stops the binary with a clear error
/// instead of starting open.
#[tokio::test]
async fn a_bad_secrets_file_stops_the_server() {
    let dir = scratch("bad");
    let comments = dir.join("comments");
    std::fs::write(&comments, "# to do\n\n").unwrap();
    let missing = dir.join("missing");
    // A FIFO would block a read for ever: refused, as a directory would be.
    let fifo = dir.join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    for (flag, file, expected) in [
        ("--client-token-file", &fifo, "not a regular file"),
        (
            "--client-token-file",
            &missing,
            "cannot read the client token file",
        ),
        ("--client-token-file", &comments, "holds no client token"),
        (
            "--client-state-file",
            &missing,
            "cannot read the clientState secret file",
        ),
    ] {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_sp-broadcaster"));
        cmd.args(["--host", "127.0.0.1", "--port", "0", flag])
            .arg(file)
            .env_remove("SP_CLIENT_TOKEN_FILE")
            .env_remove("SP_CLIENT_STATE_FILE")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        let out = tokio::time::timeout(Duration::from_secs(10), cmd.output())
            .await
            .expect("the binary exits")
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{flag} {file:?} started");
        assert!(stderr.contains(expected), "{flag} {file:?}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
