//! Entra ID (Azure AD) access tokens as client credentials. An SPFx web part gets one for
//! the broadcaster's app registration from `aadTokenProviderFactory` and gives it as its
//! token (`auth: { token }` or `?token=`, as a `--client-token`); it is admitted when the
//! token is signed by one of the tenant's published keys (RS256), was issued by that tenant
//! (v1 or v2 issuer), is for one of the configured audiences, and is within its validity
//! (`nbf`..`exp`, 60 s of clock skew allowed). The token is checked when the client
//! connects; a connection outlives its token, as an HTTP response outlives its request.
//!
//! The token must also carry one of the accepted delegated scopes in `scp` (default
//! `user_impersonation`, what the web part's API permission request names) or one of the
//! accepted app roles in `roles`: any app registered in a tenant can get an app-only token
//! for another app of it, with neither, and an ID token has no `scp`.
//!
//! The tenant's keys: the `keys` module.

mod cloud;
mod keys;

use std::time::Duration;

use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;

pub use cloud::EntraCloud;
use keys::KeyCache;

/// How often an unknown key id may make the server fetch the keys again, by default.
pub const DEFAULT_REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// How often an unknown key id may make the server fetch the keys while it has none.
const NO_KEYS_REFETCH_INTERVAL: Duration = Duration::from_secs(5);
/// Keys older than this are fetched again in the background, by default.
pub const DEFAULT_KEYS_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);
/// Keys older than this check no token, by default: half a day after they fell due to be
/// fetched again, every fetch since having failed.
pub const DEFAULT_KEYS_EXPIRE_AFTER: Duration = Duration::from_secs(36 * 60 * 60);
/// The delegated scope accepted by default.
pub const DEFAULT_SCOPE: &str = "user_impersonation";
/// Clock skew allowed on `exp` and `nbf`, in seconds.
const LEEWAY_SECS: u64 = 60;

/// Which Entra ID tokens admit a client (`--entra-tenant`, `--entra-cloud`,
/// `--entra-audience`, `--entra-scope`, `--entra-role`, `--entra-keys-url`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraConfig {
    /// The tenant's id (a GUID, as in the tokens' issuer; not a domain name).
    pub tenant: String,
    /// The cloud the tenant lives in: its tokens' issuers and its keys' default URL.
    pub cloud: EntraCloud,
    /// Accepted `aud` values: the app's ID URI (`api://...`, v1 tokens) and/or its client
    /// id (v2 tokens).
    pub audiences: Vec<String>,
    /// Accepted delegated scopes (one must be in the token's `scp`).
    pub scopes: Vec<String>,
    /// Accepted app roles (one must be in the token's `roles`): app-only tokens (a
    /// daemon's), or a user's to whom the role is assigned.
    pub roles: Vec<String>,
    /// The tenant's JWKS document (default [`EntraCloud::keys_url`]): https, or http to a
    /// loopback address (tests).
    pub keys_url: String,
    /// Least time between two fetches of the keys caused by tokens.
    pub refetch_interval: Duration,
    /// Keys older than this are fetched again (in the background).
    pub keys_max_age: Duration,
    /// Keys older than this (every fetch since `keys_max_age` having failed) are dropped:
    /// a key the tenant has stopped publishing (revoked, say) must not admit tokens for
    /// ever because its key endpoint is out of reach.
    pub keys_expire_after: Duration,
}

impl EntraConfig {
    /// A configuration with the defaults: the global cloud, scope `user_impersonation`, no
    /// roles, the tenant's published keys, refetched at most once a minute and after a day,
    /// and dropped when a day and a half old.
    pub fn new(tenant: &str, audiences: Vec<String>) -> Self {
        Self::in_cloud(EntraCloud::Global, tenant, audiences)
    }

    /// [`EntraConfig::new`] for a tenant of `cloud` (its issuers, its keys).
    pub fn in_cloud(cloud: EntraCloud, tenant: &str, audiences: Vec<String>) -> Self {
        Self {
            tenant: tenant.to_owned(),
            cloud,
            audiences,
            scopes: vec![DEFAULT_SCOPE.into()],
            roles: Vec::new(),
            keys_url: cloud.keys_url(tenant),
            refetch_interval: DEFAULT_REFETCH_INTERVAL,
            keys_max_age: DEFAULT_KEYS_MAX_AGE,
            keys_expire_after: DEFAULT_KEYS_EXPIRE_AFTER,
        }
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
        if self.scopes.is_empty() && self.roles.is_empty() {
            return Err("Entra ID tokens need an --entra-scope or an --entra-role to check".into());
        }
        let blank = |v: &[String]| v.iter().any(|x| x.trim().is_empty());
        if blank(&self.scopes) || blank(&self.roles) {
            return Err("a blank --entra-scope or --entra-role is not allowed".into());
        }
        if !keys_url_is_safe(&self.keys_url) {
            return Err(format!(
                "--entra-keys-url must be an https URL with no user name or password (http only \
                 to a loopback address, for tests): whoever could change the keys on their way \
                 could sign tokens: {:?}",
                self.keys_url
            ));
        }
        Ok(())
    }
}

/// An https URL, or an http one to a loopback address; with no user name or password.
fn keys_url_is_safe(url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(url) else {
        return false;
    };
    let host = url.host_str().unwrap_or_default();
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost"
        || ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let plain = url.username().is_empty() && url.password().is_none();
    plain && (url.scheme() == "https" || (url.scheme() == "http" && loopback))
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
    /// Valid, but with none of the accepted scopes or roles.
    NoPermission,
}

impl std::fmt::Display for TokenRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed => f.write_str("not a JWT"),
            Self::Algorithm => f.write_str("not signed with RS256 and a key id"),
            Self::UnknownKey => f.write_str("signed with a key the tenant does not publish"),
            Self::Invalid(why) => write!(f, "{why}"),
            Self::NoPermission => f.write_str("none of the accepted scopes (scp) or roles"),
        }
    }
}

/// What is read from a token besides what [`Validation`] checks.
#[derive(Debug, Deserialize)]
pub struct Claims {
    /// The user's object id (absent in app-only tokens), for the logs.
    #[serde(default)]
    pub oid: Option<String>,
    /// Delegated scopes, space-separated.
    #[serde(default)]
    pub scp: Option<String>,
    /// App roles.
    #[serde(default)]
    pub roles: Option<Vec<String>>,
}

impl Claims {
    fn allowed(&self, cfg: &EntraConfig) -> bool {
        let scopes = self.scp.as_deref().unwrap_or_default().split(' ');
        let roles = self.roles.iter().flatten();
        scopes
            .into_iter()
            .any(|s| cfg.scopes.iter().any(|a| a == s))
            || roles.into_iter().any(|r| cfg.roles.contains(r))
    }
}

/// Checks Entra ID tokens against a tenant's keys, fetching them as needed.
pub struct Verifier {
    cfg: EntraConfig,
    validation: Validation,
    keys: KeyCache,
}

impl Verifier {
    /// A verifier for `cfg` (already validated); fetches nothing yet. The tenant and GUID
    /// audiences are compared in lower case, as Entra ID writes them in tokens. Fails only
    /// when no HTTP client can be built (its TLS set-up failed).
    pub fn new(mut cfg: EntraConfig) -> Result<Self, String> {
        cfg.tenant.make_ascii_lowercase();
        for audience in cfg.audiences.iter_mut().filter(|a| is_guid(a)) {
            audience.make_ascii_lowercase();
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&cfg.audiences);
        validation.set_issuer(&cfg.cloud.issuers(&cfg.tenant));
        validation.set_required_spec_claims(&["exp", "aud", "iss"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        let keys = KeyCache::new(cfg.keys_url.clone(), cfg.keys_expire_after)?;
        Ok(Self {
            cfg,
            validation,
            keys,
        })
    }

    /// Admits or refuses `token`.
    pub async fn verify(&self, token: &str) -> Result<Claims, TokenRefused> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenRefused::Malformed)?;
        let kid = match (header.alg, header.kid) {
            (Algorithm::RS256, Some(kid)) => kid,
            _ => return Err(TokenRefused::Algorithm),
        };
        let (keys_in_hand, age) = self.keys.status();
        if age.is_some_and(|age| age > self.cfg.keys_max_age) {
            self.keys.refresh(self.cfg.refetch_interval);
        }
        let key = match self.keys.key(&kid) {
            Some(key) => key,
            None => {
                // With no keys at all (the key endpoint was out of reach), try sooner.
                let interval = match keys_in_hand == 0 {
                    true => self.cfg.refetch_interval.min(NO_KEYS_REFETCH_INTERVAL),
                    false => self.cfg.refetch_interval,
                };
                self.keys.fetch(interval).await;
                self.keys.key(&kid).ok_or(TokenRefused::UnknownKey)?
            }
        };
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| TokenRefused::Invalid(e.to_string()))?;
        match claims.allowed(&self.cfg) {
            true => Ok(claims),
            false => Err(TokenRefused::NoPermission),
        }
    }

    /// How many signing keys are in hand (none once they expired), and how long ago they
    /// were fetched (`None`: never), for `/health`.
    pub fn keys_status(&self) -> (usize, Option<Duration>) {
        self.keys.status()
    }

    /// Starts fetching the keys in the background (at start, so that the first client does
    /// not wait); a failure is logged.
    pub fn prefetch(&self) {
        self.keys.refresh(Duration::ZERO);
    }
}

#[cfg(test)]
mod tests;
