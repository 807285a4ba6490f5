//! Entra ID (Azure AD) access tokens as client credentials. An SPFx web part gets one for
//! the broadcaster's app registration from `aadTokenProviderFactory` and gives it as its
//! token (`auth: { token }` or `?token=`, as a `--client-token`); it is admitted when the
//! token is signed by one of the tenant's published keys (RS256), was issued by that tenant
//! (v1 or v2 issuer), is for one of the configured audiences, and is within its validity
//! (`nbf`..`exp`, 60 s of clock skew allowed). The token is checked when the client
//! connects; a connection outlives its token, as an HTTP response outlives its request.
//!
//! The tenant's keys are fetched from its JWKS document once at start, again when a token
//! names a key not seen yet (Entra ID rolls its keys over) and when they are a day old, at
//! most once per [`EntraConfig::refetch_interval`] (so tokens with made-up key ids cannot
//! make the server hammer the key endpoint); each fetch replaces the keys.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// How often an unknown key id may make the server fetch the keys again, by default.
pub const DEFAULT_REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// How often an unknown key id may make the server fetch the keys while it has none.
const NO_KEYS_REFETCH_INTERVAL: Duration = Duration::from_secs(5);
/// Keys older than this are fetched again before the next token is checked.
const KEYS_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);
/// Longest wait for the key document (a connecting client waits meanwhile).
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest accepted key document (Entra ID's is a few KB).
const MAX_KEYS_DOCUMENT: usize = 1024 * 1024;
/// Clock skew allowed on `exp` and `nbf`, in seconds.
const LEEWAY_SECS: u64 = 60;

/// Which Entra ID tokens admit a client (`--entra-tenant`, `--entra-audience`,
/// `--entra-keys-url`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraConfig {
    /// The tenant's id (a GUID, as in the tokens' issuer; not a domain name).
    pub tenant: String,
    /// Accepted `aud` values: the app's ID URI (`api://...`, v1 tokens) and/or its client
    /// id (v2 tokens).
    pub audiences: Vec<String>,
    /// The tenant's JWKS document (see [`EntraConfig::default_keys_url`]).
    pub keys_url: String,
    /// Least time between two fetches of the keys caused by unknown key ids.
    pub refetch_interval: Duration,
}

impl EntraConfig {
    /// Entra ID's published signing keys for `tenant` (the same keys sign v1 and v2 tokens).
    pub fn default_keys_url(tenant: &str) -> String {
        format!("https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys")
    }

    /// Checks the values; a human-readable reason on failure.
    pub fn validate(&self) -> Result<(), String> {
        if !is_guid(&self.tenant) {
            return Err(format!(
                "--entra-tenant must be the tenant's id, a GUID such as \
                 72f988bf-86f1-41af-91ab-2d7cd011db47 (the issuer of its tokens names the id, \
                 not a domain): {:?}",
                self.tenant
            ));
        }
        if self.audiences.is_empty() || self.audiences.iter().any(|a| a.trim().is_empty()) {
            return Err(
                "--entra-tenant needs --entra-audience: the app's ID URI (api://...) \
                        and/or its client id, none blank"
                    .into(),
            );
        }
        if !(self.keys_url.starts_with("https://") || self.keys_url.starts_with("http://")) {
            return Err(format!(
                "--entra-keys-url must be an http(s) URL: {:?}",
                self.keys_url
            ));
        }
        Ok(())
    }
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Why a token was not accepted (logged by the server; the client only hears
/// "Not authorized").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRefused {
    /// Not a JWT, or its header does not parse.
    Malformed,
    /// Signed with something other than RS256, or with no key id.
    Algorithm,
    /// Its key id is none of the tenant's keys (a token of another tenant or cloud, or
    /// keys that could not be fetched).
    UnknownKey,
    /// Signature, audience, issuer or validity failed (jsonwebtoken's reason).
    Invalid(String),
}

impl std::fmt::Display for TokenRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed => f.write_str("not a JWT"),
            Self::Algorithm => f.write_str("not signed with RS256 and a key id"),
            Self::UnknownKey => f.write_str("signed with a key the tenant does not publish"),
            Self::Invalid(why) => write!(f, "{why}"),
        }
    }
}

/// Who the token names, for the logs.
#[derive(Debug, Deserialize)]
pub struct Claims {
    /// The user's object id (absent in app-only tokens).
    #[serde(default)]
    pub oid: Option<String>,
}

/// Checks Entra ID tokens against a tenant's keys, fetching them as needed.
pub struct Verifier {
    cfg: EntraConfig,
    validation: Validation,
    http: reqwest::Client,
    keys: RwLock<Keys>,
    /// Held while fetching; notes when the last fetch started.
    fetching: tokio::sync::Mutex<Option<Instant>>,
}

#[derive(Default)]
struct Keys {
    by_id: HashMap<String, DecodingKey>,
    fetched: Option<Instant>,
}

impl Verifier {
    /// A verifier for `cfg` (already validated); fetches nothing yet. Fails only when no
    /// HTTP client can be built (its TLS set-up failed).
    pub fn new(cfg: EntraConfig) -> Result<Self, String> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&cfg.audiences);
        validation.set_issuer(&[
            format!("https://sts.windows.net/{}/", cfg.tenant),
            format!("https://login.microsoftonline.com/{}/v2.0", cfg.tenant),
        ]);
        validation.set_required_spec_claims(&["exp", "aud", "iss"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .build()
            .map_err(|e| format!("no HTTP client for the Entra ID keys: {}", with_causes(&e)))?;
        Ok(Self {
            cfg,
            validation,
            http,
            keys: RwLock::default(),
            fetching: tokio::sync::Mutex::new(None),
        })
    }

    /// Admits or refuses `token`.
    pub async fn verify(&self, token: &str) -> Result<Claims, TokenRefused> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenRefused::Malformed)?;
        let kid = match (header.alg, header.kid) {
            (Algorithm::RS256, Some(kid)) => kid,
            _ => return Err(TokenRefused::Algorithm),
        };
        if self.stale() {
            self.fetch_keys(self.cfg.refetch_interval).await;
        }
        let key = match self.key(&kid) {
            Some(key) => key,
            None => {
                // With no keys at all (the key endpoint was out of reach), try sooner.
                let no_keys = self.keys.read().map(|k| k.by_id.is_empty()).unwrap_or(true);
                let interval = match no_keys {
                    true => self.cfg.refetch_interval.min(NO_KEYS_REFETCH_INTERVAL),
                    false => self.cfg.refetch_interval,
                };
                self.fetch_keys(interval).await;
                self.key(&kid).ok_or(TokenRefused::UnknownKey)?
            }
        };
        jsonwebtoken::decode::<Claims>(token, &key, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| TokenRefused::Invalid(e.to_string()))
    }

    /// Fetches the keys now (at start, so the first client does not wait); logs a failure.
    pub async fn prefetch(&self) {
        self.fetch_keys(Duration::ZERO).await;
    }

    fn key(&self, kid: &str) -> Option<DecodingKey> {
        self.keys.read().ok()?.by_id.get(kid).cloned()
    }

    fn stale(&self) -> bool {
        self.keys
            .read()
            .map(|k| k.fetched.is_some_and(|at| at.elapsed() > KEYS_MAX_AGE))
            .unwrap_or(false)
    }

    /// Fetches the keys unless a fetch started less than `interval` ago; concurrent
    /// callers wait for the one fetch and then use its keys.
    async fn fetch_keys(&self, interval: Duration) {
        let started = Instant::now();
        let mut last = self.fetching.lock().await;
        if last.is_some_and(|at| at.elapsed() < interval || at >= started) {
            return;
        }
        *last = Some(Instant::now());
        match self.download().await {
            Ok(found) => {
                tracing::info!(keys = found.len(), url = %self.cfg.keys_url, "Entra ID keys fetched");
                if let Ok(mut keys) = self.keys.write() {
                    // Replaced, not merged: a key Entra ID stops publishing (after a
                    // rollover, or revoked) checks no token once the keys are fetched again.
                    keys.by_id = found;
                    keys.fetched = Some(Instant::now());
                }
            }
            Err(error) => {
                tracing::warn!(%error, url = %self.cfg.keys_url, "could not fetch the Entra ID keys");
            }
        }
    }

    async fn download(&self) -> Result<HashMap<String, DecodingKey>, String> {
        let response = self
            .http
            .get(&self.cfg.keys_url)
            .send()
            .await
            .map_err(|e| with_causes(&e))?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status()));
        }
        let body = response.bytes().await.map_err(|e| with_causes(&e))?;
        if body.len() > MAX_KEYS_DOCUMENT {
            return Err(format!("a key document of {} bytes", body.len()));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> EntraConfig {
        let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47".to_owned();
        EntraConfig {
            keys_url: EntraConfig::default_keys_url(&tenant),
            tenant,
            audiences: vec!["api://sp-live".into()],
            refetch_interval: DEFAULT_REFETCH_INTERVAL,
        }
    }

    #[test]
    fn configuration_is_checked() {
        assert_eq!(cfg().validate(), Ok(()));
        for tenant in [
            "contoso.onmicrosoft.com",
            "",
            "72f988bf-86f1-41af-91ab-2d7cd011db4",
        ] {
            let bad = EntraConfig {
                tenant: tenant.into(),
                ..cfg()
            };
            assert!(bad.validate().unwrap_err().contains("GUID"), "{tenant}");
        }
        for audiences in [vec![], vec![" ".to_owned()]] {
            let bad = EntraConfig { audiences, ..cfg() };
            assert!(bad.validate().unwrap_err().contains("--entra-audience"));
        }
        let bad = EntraConfig {
            keys_url: "/etc/keys.json".into(),
            ..cfg()
        };
        assert!(bad.validate().is_err());
    }

    #[tokio::test]
    async fn what_is_not_an_rs256_jwt_is_refused_before_any_fetch() {
        let verifier = Verifier::new(EntraConfig {
            keys_url: "http://127.0.0.1:9/never".into(),
            ..cfg()
        })
        .unwrap();
        assert_eq!(
            verifier.verify("t1").await.unwrap_err(),
            TokenRefused::Malformed
        );
        // {"alg":"HS256","typ":"JWT","kid":"k"} . {} . signature
        let hs256 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsifQ.e30.c2ln";
        assert_eq!(
            verifier.verify(hs256).await.unwrap_err(),
            TokenRefused::Algorithm
        );
        // {"alg":"none"}
        let none = "eyJhbGciOiJub25lIn0.e30.";
        assert!(verifier.verify(none).await.is_err());
        assert!(verifier.fetching.lock().await.is_none(), "nothing fetched");
    }
}
