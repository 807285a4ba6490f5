//! The SharePoint webhook endpoint: validation handshake, body checks, `clientState`
//! verification, and the [`Batch`] handed to the emitter.

use std::sync::atomic::Ordering;

use axum::body::{to_bytes, Body};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::value::RawValue;
use subtle::ConstantTimeEq;

use crate::batch::Batch;
use crate::config::MAX_VALIDATION_TOKEN;
use crate::AppState;

/// The event name used on every transport (as the seed did).
pub const EVENT: &str = "list:changes";

/// Why a webhook body was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    /// Not JSON, or not the `{"value":[{..., "resource": "..."}]}` shape (400).
    BadRequest(String),
    /// A `clientState` did not match any configured secret (403).
    Forbidden,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    value: Option<&'a RawValue>,
}

/// The member of a notification entry that holds the subscription's shared secret. It is
/// checked here and never forwarded: every connected client is anonymous.
const CLIENT_STATE: &str = "clientState";

/// One notification entry: its members in their original order, values as raw JSON text.
struct Entry<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Entry<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = Entry<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Self::Value, M::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, &'de RawValue>()? {
                    members.push(member);
                }
                Ok(Entry(members))
            }
        }
        deserializer.deserialize_map(Members)
    }
}

impl<'a> Entry<'a> {
    /// The raw value of member `name`; `Err` if the entry holds it more than once.
    fn member(&self, name: &str) -> Result<Option<&'a RawValue>, ()> {
        let mut found = self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| *v);
        let first = found.next();
        match found.next() {
            Some(_) => Err(()),
            None => Ok(first),
        }
    }

    /// The entry as JSON text without its `clientState` (any letter case): `original`
    /// itself when it has none, else its other members in their order, values unchanged.
    fn without_client_state(&self, original: &'a str) -> std::borrow::Cow<'a, str> {
        let is_secret = |k: &str| k.eq_ignore_ascii_case(CLIENT_STATE);
        if !self.0.iter().any(|(k, _)| is_secret(k)) {
            return original.into();
        }
        let mut out = String::with_capacity(original.len());
        out.push('{');
        for (key, value) in self.0.iter().filter(|(k, _)| !is_secret(k)) {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str(&serde_json::Value::from(key.as_str()).to_string());
            out.push(':');
            out.push_str(value.get());
        }
        out.push('}');
        out.into()
    }
}

/// Normalises a list id: trims, drops `{}` braces, lower-cases; `None` unless it is a GUID
/// (`8-4-4-4-12` hex digits). This string is also the socket.io room name of the list.
pub fn normalize_list_id(s: &str) -> Option<String> {
    let t = s.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(t);
    let b = t.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let ok = b.iter().enumerate().all(|(i, c)| match i {
        8 | 13 | 18 | 23 => *c == b'-',
        _ => c.is_ascii_hexdigit(),
    });
    ok.then(|| t.to_ascii_lowercase())
}

/// Constant-time check of `given` against every secret (no early exit): one of them?
/// (`clientState` here, and the client tokens of [`crate::client_auth`].)
pub(crate) fn one_of_secrets(given: &str, secrets: &[String]) -> bool {
    secrets.iter().fold(false, |acc, s| {
        acc | bool::from(s.as_bytes().ct_eq(given.as_bytes()))
    })
}

/// Whether a notification's `clientState` is one of the secrets.
fn client_state_ok(got: Option<&str>, secrets: &[String]) -> bool {
    got.is_some_and(|got| one_of_secrets(got, secrets))
}

/// Parses and checks a notification body. `secrets` empty = accept any `clientState`.
///
/// The entries of the returned [`Batch`] are the body's entries as received (members,
/// their order and values kept) except `clientState`, which is removed: it is the secret
/// proving a notification comes from SharePoint, and the batch goes to anonymous clients.
/// An entry whose `clientState` matches no secret is left out, and counted (the number
/// returned with the batch): each entry carries its own proof, and SharePoint may send
/// the notifications of several subscriptions (one still on a retired secret, say) in
/// one body. [`BodyError::Forbidden`] when no entry passes.
pub fn parse_body(body: &[u8], secrets: &[String]) -> Result<(Batch, usize), BodyError> {
    let bad = |m: &str| BodyError::BadRequest(m.to_owned());
    // RFC 8259 lets a parser ignore a byte order mark: SharePoint sends none, but a relay
    // in front may add one, and a 400 would lose the notifications.
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    // serde reads a struct from an array as well (`[[...]]` as `{"value":[...]}`).
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(bad("body is not a JSON object"));
    }
    let env: Envelope<'_> = serde_json::from_slice(body)
        .map_err(|e| bad(&format!("body is not a JSON object: {e}")))?;
    let raw = env.value.ok_or_else(|| bad("missing \"value\" array"))?;
    let items: Vec<&RawValue> =
        serde_json::from_str(raw.get()).map_err(|_| bad("\"value\" must be an array"))?;
    let mut all: Vec<std::borrow::Cow<'_, str>> = Vec::with_capacity(items.len());
    let mut per_list: Vec<(String, Vec<usize>)> = Vec::new();
    let mut refused = 0;
    for (i, item) in items.iter().enumerate() {
        let e: Entry<'_> = serde_json::from_str(item.get())
            .map_err(|_| bad(&format!("value[{i}] must be an object")))?;
        let twice = |name: &str| bad(&format!("value[{i}] has more than one \"{name}\""));
        let resource = e
            .member("resource")
            .map_err(|()| twice("resource"))?
            .and_then(|r| serde_json::from_str::<String>(r.get()).ok())
            .filter(|r| !r.trim().is_empty())
            .ok_or_else(|| bad(&format!("value[{i}].resource must be a non-empty string")))?;
        let client_state = e.member(CLIENT_STATE).map_err(|()| twice(CLIENT_STATE))?;
        if !secrets.is_empty() {
            let cs = client_state.and_then(|v| serde_json::from_str::<String>(v.get()).ok());
            if !client_state_ok(cs.as_deref(), secrets) {
                refused += 1;
                continue;
            }
        }
        if let Some(list) = normalize_list_id(&resource) {
            let at = all.len();
            match per_list.iter_mut().find(|(l, _)| *l == list) {
                Some((_, v)) => v.push(at),
                None => per_list.push((list, vec![at])),
            }
        }
        all.push(e.without_client_state(item.get()));
    }
    if refused > 0 && all.is_empty() {
        return Err(BodyError::Forbidden);
    }
    let join = |indexes: &mut dyn Iterator<Item = usize>| {
        let parts: Vec<&str> = indexes.map(|i| all[i].as_ref()).collect();
        format!("[{}]", parts.join(","))
    };
    let batch = Batch {
        all: join(&mut (0..all.len())),
        per_list: per_list
            .iter()
            .map(|(l, v)| (l.clone(), join(&mut v.iter().copied())))
            .collect(),
        count: all.len(),
    };
    Ok((batch, refused))
}

/// Finds `validationtoken` (name matched case-insensitively) in a raw query string.
pub fn validation_token(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("validationtoken"))
        .map(|(_, v)| v.into_owned())
}

fn json_error(status: StatusCode, msg: &str) -> Response {
    let body = serde_json::json!({ "error": msg }).to_string();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Whether a request for `path` is one for the webhook at `configured`: as the seed's
/// Express routes match, letter case aside and with one trailing slash allowed, so that
/// a subscription made against the seed (`/API/Webhook/`, say) keeps working.
pub fn is_webhook_path(path: &str, configured: &str) -> bool {
    let path = path.strip_suffix('/').unwrap_or(path);
    path.eq_ignore_ascii_case(configured)
}

/// Every request no route took: `POST` to the webhook path spelt another way
/// ([`is_webhook_path`]) is the webhook's; anything else is 404, as before.
pub async fn handle_other(
    state: State<AppState>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    query: RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if method == axum::http::Method::POST && is_webhook_path(uri.path(), &state.cfg.webhook_path) {
        return handle(state, query, headers, body).await;
    }
    StatusCode::NOT_FOUND.into_response()
}

/// `POST {webhook_path}`: validation handshake or notification batch.
pub async fn handle(
    State(st): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Some(token) = query.as_deref().and_then(validation_token) {
        return validation_response(&st, token);
    }
    st.stats.webhook_requests.fetch_add(1, Ordering::Relaxed);
    let max = st.cfg.max_body;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return too_large(&st, max);
    }
    let read = tokio::time::timeout(st.cfg.read_timeout, to_bytes(body, max)).await;
    let Ok(read) = read else {
        st.stats.rejected.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(timeout = ?st.cfg.read_timeout, "webhook body not received in time");
        return json_error(
            StatusCode::REQUEST_TIMEOUT,
            "request body not received in time",
        );
    };
    let bytes = match read {
        Ok(b) => b,
        Err(e) => {
            let inner = e.into_inner();
            if inner.is::<http_body_util::LengthLimitError>() {
                return too_large(&st, max);
            }
            st.stats.rejected.fetch_add(1, Ordering::Relaxed);
            return json_error(StatusCode::BAD_REQUEST, "could not read request body");
        }
    };
    let batch = match parse_body(&bytes, &st.client_states.get()) {
        Ok((batch, 0)) => batch,
        Ok((batch, refused)) => {
            // Not counted as a rejected request: the rest of the body is accepted.
            tracing::warn!(refused, "webhook entries left out: clientState mismatch");
            batch
        }
        Err(BodyError::BadRequest(m)) => {
            st.stats.rejected.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(reason = %m, "webhook body rejected");
            return json_error(StatusCode::BAD_REQUEST, &m);
        }
        Err(BodyError::Forbidden) => {
            st.stats.rejected.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("webhook rejected: no entry's clientState matches");
            return json_error(StatusCode::FORBIDDEN, "clientState mismatch");
        }
    };
    let count = batch.count;
    let lists = batch.per_list.len();
    // Their subscriptions are SharePoint's, whatever becomes of the batch here.
    crate::expiry::log(&st.subscriptions.note(&batch.all, crate::expiry::unix_now()));
    {
        // Held until the batch is queued and counted: a shutdown starting meanwhile waits
        // for it, and then for it to be emitted (see `ServerHandle::shutdown`).
        let shutting_down = st.shutdown.borrow();
        // Shutting down, the listeners are about to be disconnected: nobody might hear
        // the batch, and SharePoint does not send again what it was told was accepted.
        if count > 0 && *shutting_down {
            tracing::warn!("webhook received while shutting down; asking the sender to retry");
            return json_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting down, retry later",
            );
        }
        if count > 0 && st.emit_tx.try_send(batch).is_err() {
            tracing::error!("emit queue full; asking the sender to retry");
            return json_error(StatusCode::SERVICE_UNAVAILABLE, "busy, retry later");
        }
        st.stats
            .notifications_received
            .fetch_add(count as u64, Ordering::SeqCst);
    }
    tracing::info!(notifications = count, lists, "webhook accepted");
    let body = serde_json::json!({ "accepted": count }).to_string();
    (
        StatusCode::ACCEPTED,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

fn too_large(st: &AppState, max: usize) -> Response {
    st.stats.rejected.fetch_add(1, Ordering::Relaxed);
    tracing::warn!(max_body = max, "webhook body too large");
    json_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("body exceeds {max} bytes"),
    )
}

fn validation_response(st: &AppState, token: String) -> Response {
    if token.is_empty() || token.len() > MAX_VALIDATION_TOKEN {
        return json_error(
            StatusCode::BAD_REQUEST,
            &format!("validationtoken must be 1..={MAX_VALIDATION_TOKEN} bytes"),
        );
    }
    st.stats.validations.fetch_add(1, Ordering::Relaxed);
    tracing::info!(len = token.len(), "webhook validation handshake");
    let mut resp = (StatusCode::OK, token).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'"),
    );
    resp
}

#[cfg(test)]
#[path = "webhook_tests.rs"]
mod tests;
