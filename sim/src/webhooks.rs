//! Webhook delivery: the validation handshake and the batched, lossy, retried
//! notification queue.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{time, App};

/// A notification batch waiting to be retried.
#[derive(Clone, Debug)]
pub struct Retry {
    /// Target URL.
    pub url: String,
    /// The exact body to resend.
    pub body: Value,
    /// Attempts made so far.
    pub attempts: u32,
    /// When to retry (wall clock ms).
    pub due_ms: i64,
}

/// Delivery counters.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookStats {
    /// POSTs attempted (including retries and duplicates).
    pub posts: u64,
    /// POSTs answered 2xx.
    pub delivered: u64,
    /// POSTs that failed (non-2xx, timeout, connection error).
    pub failed: u64,
    /// Retry attempts made.
    pub retried: u64,
    /// Batches given up after the last retry.
    pub gave_up: u64,
    /// Batches dropped by the `drop` fault.
    pub dropped: u64,
    /// Extra POSTs sent by the `duplicate` fault.
    pub duplicated: u64,
    /// Notifications (value entries) handed to POSTs, first attempts only.
    pub notifications: u64,
}

/// Webhook state kept in [`crate::Inner`].
#[derive(Clone, Debug, Default)]
pub struct HookState {
    /// Subscriptions with undelivered changes.
    pub dirty: BTreeSet<Uuid>,
    /// Failed batches waiting for a retry.
    pub retries: Vec<Retry>,
    /// Drop the next N batches (POSTs) instead of sending them.
    pub drop_next: u32,
    /// Send the next N batches twice.
    pub duplicate_next: u32,
    /// Counters.
    pub stats: HookStats,
}

/// Whether a URL points at this machine (the simulator never calls anything else).
pub fn is_loopback(url: &str) -> bool {
    match reqwest::Url::parse(url) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => match u.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

/// SharePoint's validation handshake: `POST url?validationtoken=T` with an empty body;
/// the endpoint must answer 200, `Content-Type: text/plain`, with the token as body
/// within the timeout.
pub async fn handshake(app: &App, url: &str) -> Result<(), String> {
    if !is_loopback(url) {
        return Err(format!("The notification URL '{url}' is not a loopback URL (sp-sim only calls 127.0.0.1/localhost)."));
    }
    let token = Uuid::new_v4().to_string();
    let sep = if url.contains('?') { '&' } else { '?' };
    let target = format!("{url}{sep}validationtoken={token}");
    let timeout = app.lock().knobs.webhook_timeout_ms;
    let res = app
        .http
        .post(&target)
        .header("content-length", "0")
        .timeout(Duration::from_millis(timeout))
        .send()
        .await
        .map_err(|e| format!("Failed to validate the notification URL '{url}': {e}"))?;
    let status = res.status();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let body = res.text().await.unwrap_or_default();
    if status.as_u16() != 200 || body.trim() != token {
        Err(format!(
            "Failed to validate the notification URL '{url}'. The endpoint answered {status} without the validation token."
        ))
    } else if !content_type.starts_with("text/plain") {
        Err(format!(
            "Failed to validate the notification URL '{url}'. The endpoint answered the validation token as '{content_type}', not 'text/plain'."
        ))
    } else {
        Ok(())
    }
}

/// The delivery loop: every `webhookIntervalMs` (or when woken) deliver what is due.
pub async fn run(app: App) {
    loop {
        let interval = app.lock().knobs.webhook_interval_ms.max(10);
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(interval)) => {}
            _ = app.wake.notified() => {}
        }
        deliver_due(&app, false).await;
    }
}

/// Builds the batches due now and sends them. With `wait`, returns after all sends
/// finished; returns the number of POSTs started.
pub async fn deliver_due(app: &App, wait: bool) -> usize {
    let sends = collect(app);
    let n = sends.len();
    let mut handles = Vec::new();
    for (url, body, attempts) in sends {
        let app = app.clone();
        handles.push(tokio::spawn(async move {
            send(&app, url, body, attempts).await
        }));
    }
    if wait {
        for h in handles {
            let _ = h.await;
        }
    }
    n
}

fn collect(app: &App) -> Vec<(String, Value, u32)> {
    let mut inner = app.lock();
    let now = inner.now_ms();
    let wall = time::system_ms();
    let tenant = inner.knobs.tenant_id.clone();
    let dirty: Vec<Uuid> = std::mem::take(&mut inner.hooks.dirty).into_iter().collect();
    let mut by_url: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for site in &inner.sites {
        for list in &site.lists {
            for s in list
                .subscriptions
                .iter()
                .filter(|s| dirty.contains(&s.id) && s.expiration_ms > now)
            {
                by_url
                    .entry(s.notification_url.clone())
                    .or_default()
                    .push(json!({
                        "subscriptionId": s.id.to_string(),
                        "clientState": s.client_state,
                        "expirationDateTime": time::iso_ticks(s.expiration_ms),
                        "resource": list.id.to_string(),
                        "tenantId": tenant,
                        "siteUrl": site.path,
                        "webId": site.web_id.to_string(),
                    }));
            }
        }
    }
    let mut out: Vec<(String, Value, u32)> = Vec::new();
    for (url, values) in by_url {
        inner.hooks.stats.notifications += values.len() as u64;
        out.push((url, json!({ "value": values }), 0));
    }
    let (due, later): (Vec<Retry>, Vec<Retry>) = std::mem::take(&mut inner.hooks.retries)
        .into_iter()
        .partition(|r| r.due_ms <= wall);
    inner.hooks.retries = later;
    for r in due {
        inner.hooks.stats.retried += 1;
        out.push((r.url, r.body, r.attempts));
    }
    let mut sends = Vec::new();
    for s in out {
        if inner.hooks.drop_next > 0 {
            inner.hooks.drop_next -= 1;
            inner.hooks.stats.dropped += 1;
            continue;
        }
        if inner.hooks.duplicate_next > 0 {
            inner.hooks.duplicate_next -= 1;
            inner.hooks.stats.duplicated += 1;
            // The duplicate is fire-and-forget: it is never retried.
            sends.push((s.0.clone(), s.1.clone(), u32::MAX));
        }
        sends.push(s);
    }
    sends
}

async fn send(app: &App, url: String, body: Value, attempts: u32) {
    let timeout = app.lock().knobs.webhook_timeout_ms;
    let ok = if is_loopback(&url) {
        match app
            .http
            .post(&url)
            .json(&body)
            .timeout(Duration::from_millis(timeout))
            .send()
            .await
        {
            Ok(r) => r.status().is_success(),
            Err(e) => {
                tracing::debug!("notification to {url} failed: {e}");
                false
            }
        }
    } else {
        false
    };
    let mut inner = app.lock();
    inner.hooks.stats.posts += 1;
    if ok {
        inner.hooks.stats.delivered += 1;
        return;
    }
    inner.hooks.stats.failed += 1;
    if attempts == u32::MAX {
        return;
    }
    if attempts < inner.knobs.webhook_max_retries {
        let delay = i64::try_from(inner.knobs.webhook_retry_delay_ms).unwrap_or(i64::MAX);
        let due_ms = time::system_ms().saturating_add(delay);
        inner.hooks.retries.push(Retry {
            url,
            body,
            attempts: attempts + 1,
            due_ms,
        });
    } else {
        inner.hooks.stats.gave_up += 1;
    }
}
