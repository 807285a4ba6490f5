//! Error responses: what a failed SharePoint request means for the client (resync,
//! refresh the digest, back off, give up), from its status and error body.

use crate::json::{self, Json};
use crate::text;

/// What a failed response means for the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpErrorKind {
    /// The token is older than the change log: resync fully.
    TokenExpired,
    /// The token belongs to another object (or is otherwise invalid): resync fully.
    TokenInvalid,
    /// 403 "The security validation for this page is invalid" (-2130575251): refresh the
    /// form digest once and retry.
    SecurityValidation,
    /// 429 or 503: wait `Retry-After` seconds when given, else back off.
    Throttled,
    /// 401 or another 403.
    Unauthorized,
    /// Any other non-success status.
    Http,
}

/// A classified error response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpError {
    /// The classification.
    pub kind: SpErrorKind,
    /// The HTTP status.
    pub status: u16,
    /// The server error code (e.g. `-2130575251, Microsoft.SharePoint.SPException`).
    pub code: Option<String>,
    /// The server message, or the start of the body when it has none.
    pub message: String,
}

/// Extracts `(code, message)` from `{"error":{"code","message":{"value"}}}`,
/// `{"odata.error":...}`, `{"error":{"code","message":"..."}}` or an OAuth
/// `{"error":"invalid_client","error_description":"..."}`.
pub fn error_body(body: &str) -> Option<(Option<String>, String)> {
    let root = json::parse(body).ok()?;
    let e = root.get("error").or_else(|| root.get("odata.error"))?;
    let text_of = |v: Option<&Json>| v.and_then(Json::as_str).unwrap_or_default().to_owned();
    let code = match e {
        // OAuth (a bearer token refused): the code is the value, the message beside it.
        Json::String(s) => return Some((Some(s.clone()), text_of(root.get("error_description")))),
        _ => match e.get("code") {
            Some(Json::String(s)) => Some(s.clone()),
            Some(Json::Number(n)) => Some(n.clone()),
            _ => None,
        },
    };
    let message = match e.get("message") {
        Some(Json::String(s)) => s.clone(),
        m => text_of(m.and_then(|m| m.get("value"))),
    };
    Some((code, message))
}

/// Classifies a non-success response from its status and body.
///
/// An expired token is recognised by its code (-2130575172), its English message, or
/// the generic SharePoint code (-2146232832) with a message naming the `changeToken`
/// (the parameter's name is not translated). A message in another language without
/// that name reads as [`SpErrorKind::Http`]: the change feed takes the same error
/// from GetChanges again and again as an expired token.
pub fn classify_error(status: u16, body: &str) -> SpError {
    let parsed = error_body(body);
    // Not JSON (e.g. XML's `<m:error><m:code>..`, which SharePoint sends a client that
    // does not ask for JSON): the whole body is searched for the codes and messages.
    let whole = parsed.is_none();
    let (code, mut message) = parsed.unwrap_or_default();
    if message.is_empty() {
        let mut end = body.len().min(200);
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        message = body[..end].to_owned();
    }
    let code_has = |n: &str| {
        code.as_deref().is_some_and(|c| text::contains(c, n)) || (whole && text::contains(body, n))
    };
    let lower = if whole { body } else { &message }.to_ascii_lowercase();
    let kind = if text::contains(&lower, "before the start of the current change log")
        || code_has("-2130575172")
    {
        SpErrorKind::TokenExpired
    } else if text::contains(
        &lower,
        "changetoken from one object against a different object",
    ) || text::contains(&lower, "change token is invalid")
    {
        SpErrorKind::TokenInvalid
    } else if code_has("-2146232832") && text::contains(&lower, "changetoken") {
        SpErrorKind::TokenExpired
    } else if status == 403
        && (code_has("-2130575251") || text::contains(&lower, "security validation for this page"))
    {
        SpErrorKind::SecurityValidation
    } else if status == 429 || status == 503 {
        SpErrorKind::Throttled
    } else if status == 401 || status == 403 {
        SpErrorKind::Unauthorized
    } else {
        SpErrorKind::Http
    };
    SpError {
        kind,
        status,
        code,
        message,
    }
}

#[cfg(test)]
#[path = "errors_tests.rs"]
mod tests;
