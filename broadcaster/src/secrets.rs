//! Shared secrets (client tokens, `clientState` values) given on the command line and,
//! optionally, in a file that is read again when it changes, so that a secret can be
//! rotated without a restart: add the new one to the file, move the clients or the
//! subscriptions over, then remove the old one. Nothing is lost on a bad edit: a file that
//! cannot be read or holds no secret keeps the secrets in hand (and the log says so).

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::watch;

use crate::webhook::one_of_secrets;

/// How often a secrets file is looked at for changes, by default.
pub const DEFAULT_RELOAD_INTERVAL: Duration = Duration::from_secs(5);

/// One kind of secret: the fixed ones plus those of the file, if any.
pub struct Secrets {
    what: &'static str,
    fixed: Vec<String>,
    file: Option<PathBuf>,
    /// The fixed secrets, then the file's, as last read.
    current: RwLock<Arc<Vec<String>>>,
}

impl Secrets {
    /// `fixed` secrets only (`what` names them in messages: "client token", say).
    pub fn fixed(what: &'static str, fixed: Vec<String>) -> Self {
        Self {
            what,
            current: RwLock::new(Arc::new(fixed.clone())),
            fixed,
            file: None,
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

    /// Reads the file again; `Ok(Some(count))` when its secrets changed, `Ok(None)` when
    /// they did not (or there is no file), `Err` (the secrets in hand kept) when it cannot
    /// be read or holds none.
    pub fn reload(&self) -> Result<Option<usize>, String> {
        let Some(path) = &self.file else {
            return Ok(None);
        };
        let next = self.with_fixed(read_file(self.what, path)?);
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        if **current == next {
            return Ok(None);
        }
        let count = next.len() - self.fixed.len();
        *current = Arc::new(next);
        Ok(Some(count))
    }

    /// Reads the file again every `every` until `stop` turns `true` (nothing without a
    /// file); changes and failures are logged.
    pub fn watch(self: &Arc<Self>, every: Duration, mut stop: watch::Receiver<bool>) {
        let Some(path) = self.file.clone() else {
            return;
        };
        let secrets = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stop.wait_for(|stopped| *stopped) => return,
                }
                let Some(secrets) = secrets.upgrade() else {
                    return;
                };
                match secrets.reload() {
                    Ok(None) => {}
                    Ok(Some(count)) => tracing::info!(
                        file = %path.display(),
                        count,
                        "{}s read again from the file",
                        secrets.what
                    ),
                    Err(why) => tracing::warn!("{why}; the {}s in hand are kept", secrets.what),
                }
            }
        });
    }

    fn with_fixed(&self, from_file: Vec<String>) -> Vec<String> {
        self.fixed.iter().cloned().chain(from_file).collect()
    }
}

/// The secrets of `path`, or why there are none.
fn read_file(what: &str, path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the {what} file {}: {e}", path.display()))?;
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

/// One secret per line, trimmed; blank lines and `#` comments skipped.
fn parse(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_adds_to_the_fixed_secrets_and_a_bad_edit_keeps_them() {
        let dir = std::env::temp_dir().join(format!("sp-secrets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tokens");
        std::fs::write(&path, "# rotated monthly\n\n  new-1  \r\nnew-2\n").unwrap();
        let s = Secrets::load("client token", vec!["fixed".into()], Some(path.clone())).unwrap();
        assert_eq!(*s.get(), ["fixed", "new-1", "new-2"]);
        assert!(s.matches("new-1") && s.matches("fixed") && !s.matches("new"));
        assert_eq!(s.reload(), Ok(None), "unchanged");

        std::fs::write(&path, "new-2\n").unwrap();
        assert_eq!(s.reload(), Ok(Some(1)));
        assert!(!s.matches("new-1") && s.matches("new-2"));

        std::fs::write(&path, "# all gone\n").unwrap();
        assert!(s.reload().unwrap_err().contains("holds no client token"));
        std::fs::remove_file(&path).unwrap();
        assert!(s.reload().unwrap_err().contains("cannot read"));
        assert_eq!(*s.get(), ["fixed", "new-2"], "kept");

        let error = Secrets::load("client token", vec![], Some(path))
            .err()
            .unwrap();
        assert!(
            error.contains("cannot read the client token file"),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
