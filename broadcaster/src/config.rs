//! Server configuration: the [`Config`] used by [`crate::serve`] and the command-line /
//! environment front end ([`Cli`]) of the `sp-broadcaster` binary.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::entra::{EntraCloud, EntraConfig};

mod values;
use values::entra_setting;
pub use values::{parse_secret, parse_size, parse_token};

/// Default TCP port.
pub const DEFAULT_PORT: u16 = 9400;
/// Default path of the SharePoint webhook endpoint.
pub const DEFAULT_WEBHOOK_PATH: &str = "/api/webhook";
/// Default path of the plain WebSocket endpoint.
pub const DEFAULT_WS_PATH: &str = "/ws";
/// Default maximum webhook body size in bytes (256 KiB).
pub const DEFAULT_MAX_BODY: usize = 256 * 1024;
/// Default longest wait for a request's headers or a webhook's body (SharePoint wants an
/// answer within 5 s, so a slower body is not SharePoint's).
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Default Engine.IO ping timeout in milliseconds: the seed broadcaster's (socket.io 2.0.4),
/// so that socket.io 2.x clients keep the slack they had. They ping from a timer, which
/// browsers may run late in a background page; with socket.io 4's 20 s a client is
/// dropped once 45 s pass without a ping from it, with 60 s once 85 s do. The cost: a
/// client whose network died is noticed after 85 s instead of 45 (by the server, and by
/// an Engine.IO 4 client).
pub const DEFAULT_PING_TIMEOUT_MS: u64 = 60_000;
/// Longest accepted `validationtoken`, in bytes.
pub const MAX_VALIDATION_TOKEN: usize = 1024;
/// The longest delay a browser's `setTimeout` takes (2^31 - 1 ms, ~24.8 days); a client
/// waits up to the ping interval plus the ping timeout for the next ping.
const MAX_TIMER_MS: u128 = 2_147_483_647;

/// Which routes answer cross-origin (CORS) requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum CorsMode {
    /// No CORS headers anywhere.
    Off,
    /// Permissive CORS on every route except the webhook (health, ws, socket.io polling).
    #[default]
    Public,
    /// Permissive CORS on every route, the webhook included (browser tests that POST
    /// webhooks themselves).
    All,
}

/// Log output format of the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    /// Human-readable lines with key=value fields.
    #[default]
    Text,
    /// One JSON object per line (for log collectors).
    Json,
}

/// Everything [`crate::serve`] needs. `Config::default()` listens on 127.0.0.1:9400.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to bind.
    pub host: IpAddr,
    /// Port to bind; `0` picks an ephemeral port (see [`crate::ServerHandle::local_addr`]).
    pub port: u16,
    /// Path of the webhook endpoint (validation handshake and notifications).
    pub webhook_path: String,
    /// Path of the plain WebSocket endpoint.
    pub ws_path: String,
    /// Maximum accepted webhook body size in bytes; larger bodies get `413`.
    pub max_body: usize,
    /// Accepted `clientState` secrets; empty means every notification is accepted.
    pub client_states: Vec<String>,
    /// Tokens a socket.io or plain-ws client must present one of (see
    /// [`crate::client_auth`]); empty means anyone may listen.
    pub client_tokens: Vec<String>,
    /// A file of more client tokens, one per line, read again when it changes.
    pub client_token_file: Option<PathBuf>,
    /// A file of more `clientState` secrets, one per line, read again when it changes.
    pub client_state_file: Option<PathBuf>,
    /// How often the secrets files are looked at for changes.
    pub secrets_reload: Duration,
    /// Entra ID access tokens that admit a client besides the client tokens (see
    /// [`crate::entra`]); `None` accepts none.
    pub entra: Option<EntraConfig>,
    /// Engine.IO ping interval (also the plain-ws ping period).
    pub ping_interval: Duration,
    /// Engine.IO ping timeout (also the plain-ws pong grace period).
    pub ping_timeout: Duration,
    /// CORS policy.
    pub cors: CorsMode,
    /// Longest wait for a request's headers and for a webhook's body; slower requests are
    /// dropped (headers) or answered `408` (body).
    pub read_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: DEFAULT_PORT,
            webhook_path: DEFAULT_WEBHOOK_PATH.to_owned(),
            ws_path: DEFAULT_WS_PATH.to_owned(),
            max_body: DEFAULT_MAX_BODY,
            client_states: Vec::new(),
            client_tokens: Vec::new(),
            client_token_file: None,
            client_state_file: None,
            secrets_reload: crate::secrets::DEFAULT_RELOAD_INTERVAL,
            entra: None,
            ping_interval: Duration::from_millis(25_000),
            ping_timeout: Duration::from_millis(DEFAULT_PING_TIMEOUT_MS),
            cors: CorsMode::Public,
            read_timeout: DEFAULT_READ_TIMEOUT,
        }
    }
}

impl Config {
    /// Checks the values `serve` relies on; returns a human-readable reason on failure.
    pub fn validate(&self) -> Result<(), String> {
        for (name, path) in [
            ("webhook path", &self.webhook_path),
            ("ws path", &self.ws_path),
        ] {
            if !path.starts_with('/') || path.len() < 2 {
                return Err(format!(
                    "{name} must start with '/' and not be '/': {path:?}"
                ));
            }
            let plain = path
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"-._~/".contains(&c));
            if !plain || path.contains("//") || path.ends_with('/') {
                return Err(format!(
                    "{name} may only use letters, digits, '-', '.', '_', '~' and single '/' \
                     (no trailing '/'): {path:?}"
                ));
            }
            if path.starts_with("/socket.io") || path == "/health" {
                return Err(format!("{name} {path:?} collides with a built-in route"));
            }
        }
        // The webhook path is matched ignoring case (`webhook::is_webhook_path`).
        if self.webhook_path.eq_ignore_ascii_case(&self.ws_path) {
            return Err("webhook path and ws path must differ (ignoring case)".into());
        }
        if self.max_body == 0 {
            return Err("max body must be > 0".into());
        }
        if self.ping_interval.is_zero() || self.ping_timeout.is_zero() {
            return Err("ping interval and timeout must be > 0".into());
        }
        let heartbeat = self.ping_interval.checked_add(self.ping_timeout);
        if heartbeat.is_none_or(|d| d.as_millis() > MAX_TIMER_MS) {
            return Err(
                "ping interval + timeout must be at most 2147483647 ms (browsers' longest \
                 timer: clients given more fire at once and reconnect in a loop)"
                    .into(),
            );
        }
        if self.read_timeout.is_zero() {
            return Err("read timeout must be > 0".into());
        }
        if self.secrets_reload.is_zero() {
            return Err("the secrets files' reload interval must be > 0".into());
        }
        if self.client_states.iter().any(|s| s.trim().is_empty()) {
            return Err("a blank clientState secret is not allowed".into());
        }
        if self.client_tokens.iter().any(|s| s.trim().is_empty()) {
            return Err("a blank client token is not allowed".into());
        }
        if let Some(entra) = &self.entra {
            if entra.tenant.is_empty() {
                return Err("the --entra-* flags need --entra-tenant".into());
            }
            entra.validate()?;
        }
        Ok(())
    }
}

/// Command line of the `sp-broadcaster` binary; every flag also reads an environment variable.
#[derive(Debug, Parser)]
#[command(name = "sp-broadcaster", version, about)]
pub struct Cli {
    /// Address to bind.
    #[arg(long, env = "SP_BROADCASTER_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to bind (0 = ephemeral).
    #[arg(long, env = "SP_BROADCASTER_PORT", default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Path of the SharePoint webhook endpoint.
    #[arg(long, env = "SP_BROADCASTER_WEBHOOK_PATH", default_value = DEFAULT_WEBHOOK_PATH)]
    pub webhook_path: String,
    /// Path of the plain WebSocket endpoint.
    #[arg(long, env = "SP_BROADCASTER_WS_PATH", default_value = DEFAULT_WS_PATH)]
    pub ws_path: String,
    /// Maximum webhook body: bytes, or with a suffix K/KiB/M/MiB (e.g. 256KiB).
    #[arg(long, env = "SP_BROADCASTER_MAX_BODY", default_value = "256KiB", value_parser = parse_size)]
    pub max_body: usize,
    /// Accepted clientState secret (repeatable; env: comma-separated). Surrounding spaces are
    /// trimmed; a blank secret is refused, so a secret missing from a deployment cannot turn
    /// the check off.
    #[arg(
        long = "client-state",
        env = "SP_CLIENT_STATE",
        value_delimiter = ',',
        hide_env_values = true,
        value_parser = parse_secret
    )]
    pub client_state: Vec<String>,
    /// A file of more `clientState` secrets, one per line (blank lines and `#` comments
    /// ignored), read again within 5 s of a change: rotate without a restart.
    #[arg(long, env = "SP_CLIENT_STATE_FILE")]
    pub client_state_file: Option<PathBuf>,
    /// Accepted client token (repeatable; env: comma-separated): socket.io and plain-ws
    /// clients must give one (`auth: {token}`, or `?token=`). Trimmed; a blank one is
    /// refused. Without any, anyone may listen.
    #[arg(
        long = "client-token",
        env = "SP_CLIENT_TOKEN",
        value_delimiter = ',',
        hide_env_values = true,
        value_parser = parse_token
    )]
    pub client_token: Vec<String>,
    /// A file of more client tokens, one per line (blank lines and `#` comments ignored),
    /// read again within 5 s of a change: rotate without a restart.
    #[arg(long, env = "SP_CLIENT_TOKEN_FILE")]
    pub client_token_file: Option<PathBuf>,
    /// Also admit clients whose token is an Entra ID access token of this tenant (its id, a
    /// GUID) for `--entra-audience`, e.g. from SPFx's `aadTokenProviderFactory`.
    #[arg(
        long,
        env = "SP_ENTRA_TENANT",
        value_parser = entra_setting("the Entra ID tenant (--entra-tenant / SP_ENTRA_TENANT)")
    )]
    pub entra_tenant: Option<String>,
    /// The Entra ID cloud of `--entra-tenant`: `global` (Microsoft 365 commercial and GCC),
    /// `usgov` (GCC High and DoD) or `china` (21Vianet); default `global`.
    #[arg(long, env = "SP_ENTRA_CLOUD", value_enum)]
    pub entra_cloud: Option<EntraCloud>,
    /// Accepted `aud` of Entra ID tokens (repeatable; env: comma-separated): the app's ID
    /// URI (`api://...`, v1 tokens) and/or its client id (v2 tokens).
    #[arg(
        long,
        env = "SP_ENTRA_AUDIENCE",
        value_delimiter = ',',
        value_parser = entra_setting("an Entra ID audience (--entra-audience / SP_ENTRA_AUDIENCE)")
    )]
    pub entra_audience: Vec<String>,
    /// Accepted delegated scope of Entra ID tokens, in their `scp` (repeatable; env:
    /// comma-separated). Default `user_impersonation`, unless `--entra-role` is given.
    #[arg(
        long,
        env = "SP_ENTRA_SCOPE",
        value_delimiter = ',',
        value_parser = entra_setting("an Entra ID scope (--entra-scope / SP_ENTRA_SCOPE)")
    )]
    pub entra_scope: Vec<String>,
    /// Accepted app role of Entra ID tokens, in their `roles` (repeatable; env:
    /// comma-separated): app-only tokens (a daemon's), or users assigned the role.
    #[arg(
        long,
        env = "SP_ENTRA_ROLE",
        value_delimiter = ',',
        value_parser = entra_setting("an Entra ID role (--entra-role / SP_ENTRA_ROLE)")
    )]
    pub entra_role: Vec<String>,
    /// The tenant's signing keys (JWKS, https); default
    /// `https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys` (the host is
    /// `--entra-cloud`'s).
    #[arg(long, env = "SP_ENTRA_KEYS_URL")]
    pub entra_keys_url: Option<String>,
    /// Engine.IO ping interval in milliseconds.
    #[arg(
        long,
        env = "SP_BROADCASTER_PING_INTERVAL_MS",
        default_value_t = 25_000
    )]
    pub ping_interval_ms: u64,
    /// Engine.IO ping timeout in milliseconds (the seed's socket.io 2.0.4 default; see
    /// [`DEFAULT_PING_TIMEOUT_MS`]).
    #[arg(
        long,
        env = "SP_BROADCASTER_PING_TIMEOUT_MS",
        default_value_t = DEFAULT_PING_TIMEOUT_MS
    )]
    pub ping_timeout_ms: u64,
    /// Longest wait in milliseconds for a request's headers or a webhook's body.
    #[arg(long, env = "SP_BROADCASTER_READ_TIMEOUT_MS", default_value_t = 5_000)]
    pub read_timeout_ms: u64,
    /// CORS policy: off, public (all routes but the webhook) or all.
    #[arg(long, env = "SP_BROADCASTER_CORS", value_enum, default_value_t = CorsMode::Public)]
    pub cors: CorsMode,
    /// Log format (binary only; filter with `RUST_LOG`).
    #[arg(long, env = "SP_BROADCASTER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

impl From<Cli> for Config {
    fn from(cli: Cli) -> Self {
        // Any other --entra-* flag without a tenant is kept as a blank tenant, which
        // `validate` refuses, rather than silently ignored.
        let others = cli.entra_audience.len()
            + cli.entra_scope.len()
            + cli.entra_role.len()
            + usize::from(cli.entra_cloud.is_some());
        let entra = match (cli.entra_tenant, others, cli.entra_keys_url) {
            (None, 0, None) => None,
            (tenant, _, keys_url) => {
                let tenant = tenant.unwrap_or_default();
                let cloud = cli.entra_cloud.unwrap_or_default();
                let defaults = EntraConfig::in_cloud(cloud, &tenant, cli.entra_audience);
                // The default scope only when neither scopes nor roles are given.
                let scopes = match cli.entra_scope.is_empty() && cli.entra_role.is_empty() {
                    true => defaults.scopes.clone(),
                    false => cli.entra_scope,
                };
                Some(EntraConfig {
                    keys_url: keys_url.unwrap_or(defaults.keys_url.clone()),
                    scopes,
                    roles: cli.entra_role,
                    ..defaults
                })
            }
        };
        Self {
            entra,
            host: cli.host,
            port: cli.port,
            webhook_path: cli.webhook_path,
            ws_path: cli.ws_path,
            max_body: cli.max_body,
            client_states: cli.client_state,
            client_tokens: cli.client_token,
            client_token_file: cli.client_token_file,
            client_state_file: cli.client_state_file,
            secrets_reload: crate::secrets::DEFAULT_RELOAD_INTERVAL,
            ping_interval: Duration::from_millis(cli.ping_interval_ms),
            ping_timeout: Duration::from_millis(cli.ping_timeout_ms),
            cors: cli.cors,
            read_timeout: Duration::from_millis(cli.read_timeout_ms),
        }
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
