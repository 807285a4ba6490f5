//! Start-up configuration and the knobs that the admin API can change at run time.

use serde::{Deserialize, Serialize};

/// Static configuration of one simulator instance.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to bind (default `127.0.0.1`).
    pub host: String,
    /// Port to bind; `0` picks an ephemeral port.
    pub port: u16,
    /// Server-relative site URLs served, e.g. `/sites/dev`.
    pub sites: Vec<String>,
    /// Initial values of the run-time knobs.
    pub knobs: Knobs,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 0,
            sites: vec!["/sites/dev".into()],
            knobs: Knobs::default(),
        }
    }
}

/// Behaviour knobs; readable and settable through `/_admin/config`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Knobs {
    /// `FormDigestTimeoutSeconds` handed out by contextinfo (default 1800).
    pub digest_timeout_seconds: i64,
    /// Maximum length of path + query before the IIS-style 414 (default 2048).
    pub url_limit: usize,
    /// Change log retention in seconds (default 60 days).
    pub retention_seconds: i64,
    /// Default `FetchLimit` of GetChanges (default 1000).
    pub fetch_limit_default: usize,
    /// Largest honoured `FetchLimit` (default 2000; *unconfirmed* for Online).
    pub fetch_limit_max: usize,
    /// Status of GetChanges' "refers to a time before the start of the current change
    /// log" error (default 500; the REST status is *unconfirmed*).
    pub expired_token_status: u16,
    /// List view threshold: lists with more items refuse non-ID filters (default 5000).
    pub view_threshold: usize,
    /// Webhook delivery period in milliseconds (default 60000).
    pub webhook_interval_ms: u64,
    /// Delay before a failed notification is retried, ms (default 300000).
    pub webhook_retry_delay_ms: u64,
    /// Retries after the first failed attempt before a notification is dropped (default 5).
    pub webhook_max_retries: u32,
    /// Timeout of the validation handshake and of each notification POST, ms (default 5000).
    pub webhook_timeout_ms: u64,
    /// Tenant id put in notifications.
    pub tenant_id: String,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            digest_timeout_seconds: 1800,
            url_limit: 2048,
            retention_seconds: 60 * 24 * 3600,
            fetch_limit_default: 1000,
            fetch_limit_max: 2000,
            expired_token_status: 500,
            view_threshold: 5000,
            webhook_interval_ms: 60_000,
            webhook_retry_delay_ms: 300_000,
            webhook_max_retries: 5,
            webhook_timeout_ms: 5_000,
            tenant_id: "8f2b3c1e-5d4a-4c6b-9a7e-0d1f2e3a4b5c".into(),
        }
    }
}
