//! `POST {site}/_api/$batch`: an OData multipart/mixed batch of GET requests, each
//! answered as if it came alone (faults, latency and the URL limit apply per part),
//! in one multipart/mixed response. Changesets (writes in a batch) are refused.

use std::future::Future;
use std::pin::Pin;

use axum::body::{to_bytes, Bytes};
use axum::http::header::{CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::dispatch;
use crate::middleware::{classify, fault_response, too_long};
use crate::odata::{codes, Fmt};
use crate::App;

/// The service's limit on requests in one batch.
pub const MAX_PARTS: usize = 100;

/// One request of a batch.
#[derive(Debug, PartialEq)]
pub struct Part {
    /// Path and query (the absolute URL's origin dropped).
    pub target: String,
    /// The part's own headers.
    pub headers: Vec<(String, String)>,
}

/// The `boundary` parameter of a multipart `Content-Type`.
pub fn boundary(content_type: &str) -> Option<&str> {
    let (_, rest) = content_type.split_once("boundary=")?;
    let value = rest.split(';').next()?.trim().trim_matches('"');
    (!value.is_empty()).then_some(value)
}

/// Parses the parts of a batch request body; `Err` says what is wrong.
pub fn parse_parts(body: &str, boundary: &str) -> Result<Vec<Part>, String> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut closed = false;
    for chunk in body.split(delimiter.as_str()).skip(1) {
        if chunk.starts_with("--") {
            closed = true;
            break;
        }
        let text = chunk.replace("\r\n", "\n");
        let (mime, http) = text
            .trim_start_matches('\n')
            .split_once("\n\n")
            .ok_or("a part without headers")?;
        if mime.to_ascii_lowercase().contains("multipart/mixed") {
            return Err("changesets are not supported by sp-sim (batch GETs only)".into());
        }
        let mut lines = http.lines();
        let request_line = lines.next().unwrap_or("");
        let mut words = request_line.split_whitespace();
        let (method, url) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        if method != "GET" {
            return Err(format!(
                "only GET parts are supported, not {request_line:?}"
            ));
        }
        let target = match url.find("://") {
            Some(at) => url[at + 3..].find('/').map_or("/", |p| &url[at + 3 + p..]),
            None => url,
        };
        let headers = lines
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        parts.push(Part {
            target: target.to_owned(),
            headers,
        });
    }
    if !closed {
        return Err("no closing boundary".into());
    }
    Ok(parts)
}

/// Answers a `$batch` request.
pub async fn batch(app: App, fmt: Fmt, headers: HeaderMap, body: Bytes) -> Response {
    let bad = |msg: &str| fmt.error(StatusCode::BAD_REQUEST, codes::INVALID_QUERY, msg);
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let Some(boundary) = content_type.and_then(boundary) else {
        return bad("A $batch request needs a multipart/mixed Content-Type with a boundary.");
    };
    let parts = match parse_parts(&String::from_utf8_lossy(&body), boundary) {
        Ok(parts) if parts.len() > MAX_PARTS => {
            return bad(&format!("A batch holds at most {MAX_PARTS} requests."))
        }
        Ok(parts) => parts,
        Err(e) => return bad(&format!("Invalid $batch request: {e}.")),
    };
    let reply_boundary = format!("batchresponse_{}", uuid::Uuid::new_v4());
    let mut out = Vec::new();
    for part in parts {
        let response = answer(&app, &headers, part).await;
        let status = response.status();
        let part_headers = response.headers().clone();
        let bytes = to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        out.extend_from_slice(
            format!(
                "--{reply_boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 {} {}\r\n",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )
            .as_bytes(),
        );
        for name in ["content-type", "retry-after", "etag"] {
            if let Some(v) = part_headers.get(name).and_then(|v| v.to_str().ok()) {
                out.extend_from_slice(format!("{}: {v}\r\n", name.to_ascii_uppercase()).as_bytes());
            }
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{reply_boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/mixed; boundary={reply_boundary}");
    let mut r = (StatusCode::OK, out).into_response();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r
}

/// One part, as the middleware and the dispatcher would answer it alone.
async fn answer(app: &App, outer: &HeaderMap, part: Part) -> Response {
    let mut headers = HeaderMap::new();
    for (name, value) in &part.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(n, v);
        }
    }
    for name in [HOST, HeaderName::from_static("authorization")] {
        if let (false, Some(v)) = (headers.contains_key(&name), outer.get(&name)) {
            headers.insert(name, v.clone());
        }
    }
    let path = part.target.split('?').next().unwrap_or("").to_owned();
    let kind = classify(&path);
    let (limit, fault, latency) = {
        let mut inner = app.lock();
        *inner.counters.entry(format!("batched:{kind}")).or_default() += 1;
        let fault = inner.faults.take(kind, &path);
        (
            inner.knobs.url_limit,
            fault,
            inner.faults.latency_for(kind, &path),
        )
    };
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    if part.target.len() > limit {
        return too_long();
    }
    if let Some((status, retry_after)) = fault {
        return fault_response(&headers, status, retry_after);
    }
    let Ok(uri) = part.target.parse::<Uri>() else {
        return (StatusCode::BAD_REQUEST, "bad URL in a batch part").into_response();
    };
    dispatch_boxed(app.clone(), uri, headers).await
}

/// The dispatcher for a part, as a boxed trait object: the dispatcher's own future
/// contains this one, and a named type keeps the compiler from chasing the cycle.
fn dispatch_boxed(
    app: App,
    uri: Uri,
    headers: HeaderMap,
) -> Pin<Box<dyn Future<Output = Response> + Send>> {
    let state = axum::extract::State(app);
    Box::pin(dispatch(state, Method::GET, uri, headers, Bytes::new()))
}
