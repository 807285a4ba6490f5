//! Shared secrets (client tokens, `clientState` values) given on the command line and,
//! optionally, in a file that is read again when it changes, so that a secret can be
//! rotated without a restart: add the new one to the file, move the clients or the
//! subscriptions over, then remove the old one. Nothing is lost on a bad edit: a file that
//! cannot be read or holds no secret keeps the secrets in hand (and the log says so), and
//! a change is used only once two reads in a row agree (a file caught half-written is
//! not). The file must be a regular file of at most 64 KiB.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::webhook::one_of_secrets;

/// How often a secrets file is looked at for changes, by default.
pub const DEFAULT_RELOAD_INTERVAL: Duration = Duration::from_secs(5);
/// The largest secrets file read.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// One kind of secret: the fixed ones plus those of the file, if any.
pub struct Secrets {
    what: &'static str,
    fixed: Vec<String>,
    file: Option<PathBuf>,
    /// The fixed secrets, then the file's, as last used.
    current: RwLock<Arc<Vec<String>>>,
    /// A change read once: used when the next read agrees.
    pending: Mutex<Option<Vec<String>>>,
}

impl Secrets {
    /// `fixed` secrets only (`what` names them in messages: "client token", say).
    pub fn fixed(what: &'static str, fixed: Vec<String>) -> Self {
        Self {
            what,
            current: RwLock::new(Arc::new(fixed.clone())),
            fixed,
            file: None,
            pending: Mutex::new(None),
        }
    }

    /// `fixed` plus the secrets in `file`, if given: one per line, blank lines and lines
    /// starting with `#` ignored, each trimmed. Fails when the file cannot be read or holds
    /// no secret (a server meant to check secrets must not start open).
    pub fn load(
        what: &'static str,
        fixed: Vec<String>,
        file: Option<PathBuf>,
    ) -> Result<Self, String> {
        let mut secrets = Self::fixed(what, fixed);
        if let Some(path) = file {
            let read = read_file(what, &path)?;
            secrets.current = RwLock::new(Arc::new(secrets.with_fixed(read)));
            secrets.file = Some(path);
        }
        Ok(secrets)
    }

    /// The secrets now.
    pub fn get(&self) -> Arc<Vec<String>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Whether there is no secret at all (then nothing is checked).
    pub fn is_empty(&self) -> bool {
        self.get().is_empty()
    }

    /// Constant-time check of `given` against every secret: one of them?
    pub fn matches(&self, given: &str) -> bool {
        one_of_secrets(given, &self.get())
    }

    /// Reads the file again; `Ok(Some(count))` when its secrets changed (the same change
    /// read twice in a row), `Ok(None)` when they did not, or not yet (or there is no
    /// file), `Err` (the secrets in hand kept) when it cannot be read or holds none.
    pub fn reload(&self) -> Result<Option<usize>, String> {
        let Some(path) = &self.file else {
            return Ok(None);
        };
        let read = read_file(self.what, path);
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let next = self.with_fixed(read.inspect_err(|_| *pending = None)?);
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        if **current == next {
            *pending = None;
            return Ok(None);
        }
        if pending.as_ref() != Some(&next) {
            *pending = Some(next);
            return Ok(None);
        }
        *pending = None;
        let count = next.len() - self.fixed.len();
        *current = Arc::new(next);
        Ok(Some(count))
    }

    /// Reads the file again every `every` until `stop` turns `true` (nothing without a
    /// file); changes and failures are logged.
    pub fn watch(self: &Arc<Self>, every: Duration, stop: watch::Receiver<bool>) {
        let Some(path) = self.file.clone() else {
            return;
        };
        let what = self.what;
        let secrets = Arc::downgrade(self);
        let next_read = move || {
            let secrets = secrets.upgrade()?;
            Some(move || secrets.reload())
        };
        let report = move |outcome: Result<Option<usize>, String>| match outcome {
            Ok(None) => {}
            Ok(Some(count)) => tracing::info!(
                file = %path.display(),
                count,
                "{what}s read again from the file"
            ),
            Err(why) => tracing::warn!("{why}; the {what}s in hand are kept"),
        };
        tokio::spawn(reload_every(every, stop, what, next_read, report));
    }

    fn with_fixed(&self, from_file: Vec<String>) -> Vec<String> {
        self.fixed.iter().cloned().chain(from_file).collect()
    }
}

/// Every `every` until `stop` turns `true` or `next_read` has nothing to read (the
/// secrets are gone), runs a read off the async workers (a stalled network share must not
/// stall them) and reports its outcome; one that takes longer than `every` is reported as
/// not answering. While it still hangs no other read is started, only waited for: a share
/// stalled for hours must not take every thread of the blocking pool (reqwest's DNS
/// lookups for the Entra ID keys use it too).
async fn reload_every<F>(
    every: Duration,
    mut stop: watch::Receiver<bool>,
    what: &'static str,
    mut next_read: impl FnMut() -> Option<F>,
    report: impl Fn(Result<Option<usize>, String>),
) where
    F: FnOnce() -> Result<Option<usize>, String> + Send + 'static,
{
    let mut hanging: Option<JoinHandle<Result<Option<usize>, String>>> = None;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
        let mut read = match hanging.take() {
            Some(read) if !read.is_finished() => read,
            _ => match next_read() {
                Some(read) => tokio::task::spawn_blocking(read),
                None => return,
            },
        };
        report(match tokio::time::timeout(every, &mut read).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Err(format!("the {what} file could not be read")),
            Err(_) => {
                hanging = Some(read);
                Err(format!("the {what} file did not answer"))
            }
        });
    }
}

/// The secrets of `path`, or why there are none.
fn read_file(what: &str, path: &Path) -> Result<Vec<String>, String> {
    let cannot =
        |e: &dyn std::fmt::Display| format!("cannot read the {what} file {}: {e}", path.display());
    // A FIFO or a device would block or never end: regular files only (links followed).
    let meta = std::fs::metadata(path).map_err(|e| cannot(&e))?;
    if !meta.is_file() {
        return Err(cannot(&"not a regular file"));
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| cannot(&e))?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(cannot(&"larger than 64 KiB"));
    }
    let secrets = parse(&text);
    if secrets.is_empty() {
        return Err(format!(
            "the {what} file {} holds no {what} (one per line; blank lines and lines \
             starting with # are ignored)",
            path.display()
        ));
    }
    Ok(secrets)
}

/// One secret per line, trimmed; blank lines and `#` comments skipped. A byte order mark
/// (PowerShell 5's UTF-8) is not part of the first line: else a first comment would be
/// taken as a secret.
fn parse(text: &str) -> Vec<String> {
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sp-secrets-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_file_adds_to_the_fixed_secrets_and_a_bad_edit_keeps_them() {
        let dir = scratch("edits");
        let path = dir.join("tokens");
        std::fs::write(&path, "# rotated monthly\n\n  new-1  \r\nnew-2\n").unwrap();
        let s = Secrets::load("client token", vec!["fixed".into()], Some(path.clone())).unwrap();
        assert_eq!(*s.get(), ["fixed", "new-1", "new-2"]);
        assert!(s.matches("new-1") && s.matches("fixed") && !s.matches("new"));
        assert_eq!(s.reload(), Ok(None), "unchanged");

        // A change is used once two reads in a row agree (not a file caught half-written).
        std::fs::write(&path, "new-2\n").unwrap();
        assert_eq!(s.reload(), Ok(None), "read once");
        assert!(s.matches("new-1"));
        assert_eq!(s.reload(), Ok(Some(1)), "read twice");
        assert!(!s.matches("new-1") && s.matches("new-2"));
        std::fs::write(&path, "n").unwrap();
        assert_eq!(s.reload(), Ok(None));
        std::fs::write(&path, "new-3\n").unwrap();
        assert_eq!(s.reload(), Ok(None), "another read: not the same change");
        assert!(!s.matches("n") && s.matches("new-2"));
        assert_eq!(s.reload(), Ok(Some(1)));
        assert!(s.matches("new-3"));

        std::fs::write(&path, "# all gone\n").unwrap();
        assert!(s.reload().unwrap_err().contains("holds no client token"));
        std::fs::remove_file(&path).unwrap();
        assert!(s.reload().unwrap_err().contains("cannot read"));
        assert_eq!(*s.get(), ["fixed", "new-3"], "kept");

        let error = Secrets::load("client token", vec![], Some(path))
            .err()
            .unwrap();
        assert!(
            error.contains("cannot read the client token file"),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_byte_order_mark_does_not_make_a_comment_a_secret() {
        let dir = scratch("bom");
        let path = dir.join("tokens");
        std::fs::write(&path, "\u{feff}# rotated monthly\r\nsecret-1\r\n").unwrap();
        let s = Secrets::load("client token", vec![], Some(path.clone())).unwrap();
        assert_eq!(*s.get(), ["secret-1"]);
        std::fs::write(&path, "\u{feff}# nothing\r\n").unwrap();
        let error = Secrets::load("client token", vec![], Some(path))
            .err()
            .unwrap();
        assert!(error.contains("holds no client token"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_a_regular_file_of_at_most_64_kib_is_read() {
        let dir = scratch("kinds");
        let error = Secrets::load("client token", vec![], Some(dir.clone()))
            .err()
            .unwrap();
        assert!(error.contains("not a regular file"), "{error}");
        let big = dir.join("big");
        std::fs::write(&big, "x".repeat(64 * 1024 + 1)).unwrap();
        let error = Secrets::load("client token", vec![], Some(big))
            .err()
            .unwrap();
        assert!(error.contains("larger than 64 KiB"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_read_that_hangs_is_waited_for_not_started_again() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let started = Arc::new(AtomicUsize::new(0));
        let (release, released) = std::sync::mpsc::channel::<()>();
        let released = Arc::new(Mutex::new(released));
        let (outcomes_tx, mut outcomes) = tokio::sync::mpsc::unbounded_channel();
        let (stop_tx, stop) = watch::channel(false);
        let count = started.clone();
        let next_read = move || {
            let (count, released) = (count.clone(), released.clone());
            Some(move || {
                count.fetch_add(1, SeqCst);
                // A stalled network share: hangs until the test lets go.
                let _ = released.lock().unwrap().recv();
                Ok(None)
            })
        };
        let report = move |outcome| drop(outcomes_tx.send(outcome));
        let every = Duration::from_millis(20);
        let task = tokio::spawn(reload_every(every, stop, "client token", next_read, report));
        for _ in 0..5 {
            let outcome = outcomes.recv().await.unwrap();
            assert_eq!(outcome, Err("the client token file did not answer".into()));
        }
        // At most one (a loaded machine may not have started its thread yet).
        let reads = started.load(SeqCst);
        assert!(
            reads <= 1,
            "{reads} reads at once: one at a time, however long it hangs"
        );
        drop(release);
        while outcomes.recv().await.unwrap().is_err() {}
        stop_tx.send(true).unwrap();
        task.await.unwrap();
    }
}
