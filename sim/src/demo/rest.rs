//! A small SharePoint REST client for the demo: the same calls a web part makes
//! (contextinfo -> `X-RequestDigest` -> POST / MERGE / DELETE), nothing sim-specific.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

/// Accept header for every call (plain JSON, no OData annotations).
const ACCEPT: &str = "application/json;odata=nometadata";

/// A REST client bound to one site and one list.
pub struct Rest {
    http: reqwest::Client,
    site: String,
    list_id: String,
    digest: Option<(String, Instant)>,
    /// Writes as this site user: a bearer token `user:N` beside the digest (sp-sim
    /// attributes the write to N; SharePoint would to the token's user).
    pub user: Option<i64>,
}

/// Error text for the demo's log lines.
pub type RestError = String;

impl Rest {
    /// A client for `site` (absolute URL) and the list with GUID `list_id`.
    pub fn new(http: reqwest::Client, site: &str, list_id: &str) -> Rest {
        Rest {
            http,
            site: site.trim_end_matches('/').to_owned(),
            list_id: list_id.to_owned(),
            digest: None,
            user: None,
        }
    }

    /// `{site}/_api/web/lists(guid'...')`.
    pub fn list_url(&self) -> String {
        format!("{}/_api/web/lists(guid'{}')", self.site, self.list_id)
    }

    /// A form digest, fetched again shortly before it expires.
    async fn digest(&mut self) -> Result<String, RestError> {
        if let Some((d, until)) = &self.digest {
            if Instant::now() < *until {
                return Ok(d.clone());
            }
        }
        let v = self
            .send(
                self.http
                    .post(format!("{}/_api/contextinfo", self.site))
                    .header("Accept", ACCEPT),
            )
            .await?;
        let d = v["FormDigestValue"]
            .as_str()
            .ok_or("contextinfo: no FormDigestValue")?
            .to_owned();
        let secs = v["FormDigestTimeoutSeconds"].as_u64().unwrap_or(1800);
        let until = Instant::now() + Duration::from_secs(secs.saturating_sub(60).max(10));
        self.digest = Some((d.clone(), until));
        Ok(d)
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Value, RestError> {
        let res = req.send().await.map_err(|e| e.to_string())?;
        let status = res.status();
        let text = res.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            let mut t = text;
            t.truncate(300);
            return Err(format!("HTTP {status}: {t}"));
        }
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| format!("bad JSON: {e}"))
    }

    /// A write with a digest; retried once with a fresh digest on 403.
    async fn write(
        &mut self,
        url: &str,
        verb: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, RestError> {
        let mut last = String::new();
        for _ in 0..2 {
            let digest = self.digest().await?;
            let mut req = self
                .http
                .post(url)
                .header("Accept", ACCEPT)
                .header("X-RequestDigest", digest);
            if let Some(v) = verb {
                req = req.header("X-HTTP-Method", v).header("IF-MATCH", "*");
            }
            if let Some(user) = self.user {
                req = req.header("Authorization", format!("Bearer user:{user}"));
            }
            if let Some(b) = body {
                req = req
                    .header("Content-Type", "application/json;odata=nometadata")
                    .body(b.to_string());
            }
            match self.send(req).await {
                Ok(v) => return Ok(v),
                Err(e) if e.starts_with("HTTP 403") => {
                    self.digest = None;
                    last = e;
                }
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// The IDs of every item (paged).
    pub async fn item_ids(&self) -> Result<Vec<u64>, RestError> {
        let mut ids = Vec::new();
        let mut url = format!("{}/items?$select=ID&$top=500", self.list_url());
        loop {
            let v = self
                .send(self.http.get(&url).header("Accept", ACCEPT))
                .await?;
            for it in v["value"].as_array().into_iter().flatten() {
                if let Some(id) = it["ID"].as_u64() {
                    ids.push(id);
                }
            }
            match v["odata.nextLink"].as_str() {
                Some(next) => url = next.to_owned(),
                None => return Ok(ids),
            }
        }
    }

    /// `POST items`; returns the new item's ID.
    pub async fn add(&mut self, fields: &Map<String, Value>) -> Result<u64, RestError> {
        let url = format!("{}/items", self.list_url());
        let v = self
            .write(&url, None, Some(&Value::Object(fields.clone())))
            .await?;
        v["ID"].as_u64().ok_or_else(|| "POST items: no ID".into())
    }

    /// `MERGE items(id)`.
    pub async fn update(&mut self, id: u64, fields: &Map<String, Value>) -> Result<(), RestError> {
        let url = format!("{}/items({id})", self.list_url());
        let body = Value::Object(fields.clone());
        self.write(&url, Some("MERGE"), Some(&body)).await.map(drop)
    }

    /// `DELETE items(id)`.
    pub async fn delete(&mut self, id: u64) -> Result<(), RestError> {
        let url = format!("{}/items({id})", self.list_url());
        self.write(&url, Some("DELETE"), None).await.map(drop)
    }

    /// Subscribes `notification_url` to the list's webhooks (90 days); returns the id.
    pub async fn subscribe(
        &mut self,
        notification_url: &str,
        client_state: &str,
    ) -> Result<String, RestError> {
        let expires = chrono::Utc::now() + chrono::Duration::days(90);
        let body = json!({
            "resource": self.list_url(),
            "notificationUrl": notification_url,
            "expirationDateTime": expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "clientState": client_state,
        });
        let url = format!("{}/subscriptions", self.list_url());
        let v = self.write(&url, None, Some(&body)).await?;
        Ok(v["id"].as_str().unwrap_or_default().to_owned())
    }
}
