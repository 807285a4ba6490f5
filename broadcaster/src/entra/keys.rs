//! The tenant's signing keys: fetched from its JWKS document at start, again when a token
//! names a key not seen yet and when they are a day old, each fetch replacing them. Fetches
//! run in their own task, so a client that hangs up while its check waits for one cannot
//! cancel it (and with it a refresh the rate limit then holds back), and at most one runs
//! at a time; a fetch caused by tokens starts at most once per refetch interval, so tokens
//! with made-up key ids cannot make the server hammer the key endpoint. Keys that could not
//! be fetched again for too long are dropped (and a line logged): a key the tenant stopped
//! publishing, revoked perhaps, must not admit tokens for ever while its endpoint is out
//! of reach.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::DecodingKey;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Longest wait for the key document.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest accepted key document (Entra ID's is a few KB).
const MAX_KEYS_DOCUMENT: usize = 1024 * 1024;

/// The keys, shared with the fetch tasks.
pub(super) struct KeyCache {
    url: String,
    http: reqwest::Client,
    /// Keys older than this are dropped.
    expire_after: Duration,
    keys: Arc<RwLock<Keys>>,
    /// Held by the running fetch; notes when the last fetch started.
    fetching: Arc<Mutex<Option<Instant>>>,
}

#[derive(Default)]
struct Keys {
    by_id: HashMap<String, DecodingKey>,
    fetched: Option<Instant>,
}

impl KeyCache {
    /// A cache of the keys at `url`, which drops them once `expire_after` old; fetches
    /// nothing yet. Fails only when no HTTP client can be built (its TLS set-up failed).
    pub fn new(url: String, expire_after: Duration) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            // Entra ID's key endpoint does not redirect; a redirect could lead to http.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("no HTTP client for the Entra ID keys: {}", with_causes(&e)))?;
        Ok(Self {
            url,
            http,
            expire_after,
            keys: Arc::default(),
            fetching: Arc::default(),
        })
    }

    /// The key `kid`, if known (and not expired).
    pub fn key(&self, kid: &str) -> Option<DecodingKey> {
        self.drop_expired();
        self.keys.read().ok()?.by_id.get(kid).cloned()
    }

    /// How many keys are known (none once expired), and how long ago they were fetched
    /// (`None`: never).
    pub fn status(&self) -> (usize, Option<Duration>) {
        self.drop_expired();
        match self.keys.read() {
            Ok(k) => (k.by_id.len(), k.fetched.map(|at| at.elapsed())),
            Err(_) => (0, None),
        }
    }

    /// Drops the keys if they are older than `expire_after`, saying so once.
    fn drop_expired(&self) {
        let expired = |k: &Keys| {
            !k.by_id.is_empty() && k.fetched.is_some_and(|at| at.elapsed() > self.expire_after)
        };
        if !self.keys.read().is_ok_and(|k| expired(&k)) {
            return;
        }
        if let Ok(mut keys) = self.keys.write() {
            if expired(&keys) {
                keys.by_id.clear();
                tracing::error!(
                    expire_after = ?self.expire_after,
                    url = %self.url,
                    "the Entra ID keys could not be fetched again in time and are dropped: \
                     Entra ID tokens are refused until the keys can be fetched"
                );
            }
        }
    }

    /// Fetches the keys and waits for them, unless a fetch started less than `interval`
    /// ago; a caller that finds a fetch running waits for it and then uses its keys (it
    /// does not start another, however long that one took).
    pub async fn fetch(&self, interval: Duration) {
        let Ok(last) = self.fetching.clone().try_lock_owned() else {
            drop(self.fetching.lock().await);
            return;
        };
        if last.is_some_and(|at| at.elapsed() < interval) {
            return;
        }
        let _ = self.spawn(last).await;
    }

    /// Starts a fetch in the background unless one is running or one started less than
    /// `interval` ago (the keys in hand serve meanwhile).
    pub fn refresh(&self, interval: Duration) {
        if let Ok(last) = self.fetching.clone().try_lock_owned() {
            if !last.is_some_and(|at| at.elapsed() < interval) {
                drop(self.spawn(last));
            }
        }
    }

    /// Fetches in a task of its own that holds `last` (the fetch lock) until it is done.
    fn spawn(&self, mut last: OwnedMutexGuard<Option<Instant>>) -> tokio::task::JoinHandle<()> {
        *last = Some(Instant::now());
        let (http, url, keys) = (self.http.clone(), self.url.clone(), self.keys.clone());
        tokio::spawn(async move {
            let _held = last;
            match download(&http, &url).await {
                Ok(found) => {
                    tracing::info!(keys = found.len(), %url, "Entra ID keys fetched");
                    if let Ok(mut keys) = keys.write() {
                        // Replaced, not merged: a key Entra ID stops publishing (rolled
                        // over, or revoked) checks no token once the keys are fetched again.
                        keys.by_id = found;
                        keys.fetched = Some(Instant::now());
                    }
                }
                Err(error) => tracing::warn!(%error, %url, "could not fetch the Entra ID keys"),
            }
        })
    }
}

async fn download(
    http: &reqwest::Client,
    url: &str,
) -> Result<HashMap<String, DecodingKey>, String> {
    let mut response = http.get(url).send().await.map_err(|e| with_causes(&e))?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| with_causes(&e))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_KEYS_DOCUMENT {
            return Err(format!("a key document over {MAX_KEYS_DOCUMENT} bytes"));
        }
    }
    let set: JwkSet = serde_json::from_slice(&body).map_err(|e| format!("not a JWKS: {e}"))?;
    let found: HashMap<_, _> = set
        .keys
        .iter()
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            DecodingKey::from_jwk(jwk).ok().map(|key| (kid, key))
        })
        .collect();
    if found.is_empty() {
        return Err("no usable key in the document".into());
    }
    Ok(found)
}

/// `error` and its causes, `: `-separated (reqwest's own message names only the URL).
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}
