//! `POST {site}/_api/$batch`: an OData 3 multipart/mixed batch of GET requests and
//! changesets (any method; a GetChanges is a POST), each request answered as if it came
//! alone (faults, latency and the URL limit apply per request), in one multipart/mixed
//! response with a nested response per changeset. Changesets are not atomic here.

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

/// The service's limit on a batch request's body: 1 MiB.
pub const MAX_BODY: usize = 1024 * 1024;

/// One request of a batch.
#[derive(Debug, PartialEq)]
pub struct Part {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path and query (the absolute URL's origin dropped).
    pub target: String,
    /// The part's own headers.
    pub headers: Vec<(String, String)>,
    /// Its body.
    pub body: String,
}

/// A batch entry: a request, or a changeset of requests.
#[derive(Debug, PartialEq)]
pub enum Entry {
    /// A request outside a changeset (GET only).
    Request(Part),
    /// A changeset.
    Changeset(Vec<Part>),
}

/// The `boundary` parameter of a multipart `Content-Type`.
pub fn boundary(content_type: &str) -> Option<&str> {
    let (_, rest) = content_type.split_once("boundary=")?;
    let value = rest.split(';').next()?.trim().trim_matches('"');
    (!value.is_empty()).then_some(value)
}

/// The chunks between `--boundary` lines, up to the closing `--boundary--`.
fn chunks<'a>(body: &'a str, boundary: &str) -> Result<Vec<&'a str>, String> {
    let delimiter = format!("--{boundary}");
    let mut out = Vec::new();
    for chunk in body.split(delimiter.as_str()).skip(1) {
        if chunk.starts_with("--") {
            return Ok(out);
        }
        out.push(chunk);
    }
    Err("no closing boundary".into())
}

/// One `application/http` request (after its MIME headers).
fn parse_request(http: &str) -> Result<Part, String> {
    let (head, body) = http.split_once("\n\n").unwrap_or((http, ""));
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or("");
    let mut words = request_line.split_whitespace();
    let (method, url) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    if method.is_empty() || url.is_empty() {
        return Err(format!("a part without a request line: {request_line:?}"));
    }
    // ODataLib's batch reader wants the version, and only this one.
    let version = words.next().unwrap_or("");
    if version != "HTTP/1.1" || words.next().is_some() {
        return Err(format!("The HTTP version '{version}' used in a batch operation request or response is not valid. The value must be 'HTTP/1.1'"));
    }
    let target = match url.find("://") {
        Some(at) => url[at + 3..].find('/').map_or("/", |p| &url[at + 3 + p..]),
        None => url,
    };
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Ok(Part {
        method: method.to_ascii_uppercase(),
        target: target.to_owned(),
        headers,
        body: body.trim_end().to_owned(),
    })
}

/// A MIME header of a part, by name (case-insensitive).
fn mime_header<'a>(mime: &'a str, name: &str) -> Option<&'a str> {
    mime.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// ODataLib's checks of an operation's MIME headers: `application/http`, `binary`.
fn check_operation(mime: &str) -> Result<(), String> {
    let ty = mime_header(mime, "content-type").unwrap_or("");
    if !ty.eq_ignore_ascii_case("application/http") {
        return Err(format!("The content type '{ty}' specified in the batch operation is not valid: it must be 'application/http'"));
    }
    let enc = mime_header(mime, "content-transfer-encoding").unwrap_or("");
    if !enc.eq_ignore_ascii_case("binary") {
        return Err(format!("The 'Content-Transfer-Encoding' header of a batch operation is missing or invalid ('{enc}'): it must be 'binary'"));
    }
    Ok(())
}

/// Parses a batch request body; `Err` says what is wrong.
pub fn parse_entries(body: &str, boundary: &str) -> Result<Vec<Entry>, String> {
    let body = body.replace("\r\n", "\n");
    let mut entries = Vec::new();
    for chunk in chunks(&body, boundary)? {
        let (mime, http) = chunk
            .trim_start_matches('\n')
            .split_once("\n\n")
            .ok_or("a part without headers")?;
        let inner = mime
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(n, v)| {
                n.trim().eq_ignore_ascii_case("content-type") && v.contains("multipart/mixed")
            })
            .and_then(|(_, v)| self::boundary(v));
        let Some(inner) = inner else {
            check_operation(mime)?;
            let part = parse_request(http)?;
            if part.method != "GET" {
                return Err(format!(
                    "{} outside a changeset: only GET may be",
                    part.method
                ));
            }
            entries.push(Entry::Request(part));
            continue;
        };
        let mut parts = Vec::new();
        for sub in chunks(http, inner)? {
            let (sub_mime, sub_http) = sub
                .trim_start_matches('\n')
                .split_once("\n\n")
                .ok_or("a changeset part without headers")?;
            check_operation(sub_mime)?;
            let part = parse_request(sub_http)?;
            if part.method == "GET" {
                return Err(format!("An invalid HTTP method '{}' was detected for a request in a change set. Requests in change sets only support the HTTP methods 'POST', 'PUT', 'DELETE', 'PATCH' and 'MERGE'", part.method));
            }
            parts.push(part);
        }
        entries.push(Entry::Changeset(parts));
    }
    Ok(entries)
}

/// Writes one part's response.
async fn write_response(out: &mut Vec<u8>, boundary: &str, response: Response) {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    out.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 {} {}\r\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .as_bytes(),
    );
    for name in ["content-type", "retry-after", "etag"] {
        if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok()) {
            out.extend_from_slice(format!("{}: {v}\r\n", name.to_ascii_uppercase()).as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&bytes);
    out.extend_from_slice(b"\r\n");
}

/// Answers a `$batch` request.
pub async fn batch(
    app: App,
    fmt: Fmt,
    site_path: &str,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let bad = |msg: &str| fmt.error(StatusCode::BAD_REQUEST, codes::INVALID_QUERY, msg);
    if body.len() > MAX_BODY {
        let msg = format!(
            "The $batch request body is {} bytes; at most {MAX_BODY} are accepted.",
            body.len()
        );
        return fmt.error(StatusCode::PAYLOAD_TOO_LARGE, codes::INVALID_QUERY, &msg);
    }
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let Some(boundary) = content_type.and_then(boundary) else {
        return bad("A $batch request needs a multipart/mixed Content-Type with a boundary.");
    };
    let entries = match parse_entries(&String::from_utf8_lossy(&body), boundary) {
        Ok(entries) => entries,
        Err(e) => return bad(&format!("Invalid $batch request: {e}.")),
    };
    let count: usize = entries
        .iter()
        .map(|e| match e {
            Entry::Request(_) => 1,
            Entry::Changeset(parts) => parts.len(),
        })
        .sum();
    if count > MAX_PARTS {
        return bad(&format!("A batch holds at most {MAX_PARTS} requests."));
    }
    let reply_boundary = format!("batchresponse_{}", uuid::Uuid::new_v4());
    let mut out = Vec::new();
    // SharePoint Online answers every part after a failed one with a 500
    // IndexOutOfRangeException instead of running it (pnp/pnpjs#486, #1275).
    let mut failed = false;
    for entry in entries {
        match entry {
            Entry::Request(part) => {
                let response = answer_unless_failed(&app, site_path, &headers, part, failed).await;
                failed |= response.status().as_u16() >= 400;
                write_response(&mut out, &reply_boundary, response).await;
            }
            Entry::Changeset(parts) => {
                let changeset = format!("changesetresponse_{}", uuid::Uuid::new_v4());
                out.extend_from_slice(
                    format!("--{reply_boundary}\r\nContent-Type: multipart/mixed; boundary={changeset}\r\n\r\n")
                        .as_bytes(),
                );
                for part in parts {
                    let response =
                        answer_unless_failed(&app, site_path, &headers, part, failed).await;
                    failed |= response.status().as_u16() >= 400;
                    write_response(&mut out, &changeset, response).await;
                }
                out.extend_from_slice(format!("--{changeset}--\r\n").as_bytes());
            }
        }
    }
    out.extend_from_slice(format!("--{reply_boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/mixed; boundary={reply_boundary}");
    let mut r = (StatusCode::OK, out).into_response();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r
}

/// A part's own headers.
fn part_headers(part: &Part) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in &part.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(n, v);
        }
    }
    headers
}

/// What SharePoint answers for a part that comes after a failed one, in the part's format.
fn after_a_failed_part(part: &Part) -> Response {
    let fmt = Fmt::negotiate(&part_headers(part)).unwrap_or_else(|fmt| fmt);
    fmt.error(
        StatusCode::INTERNAL_SERVER_ERROR,
        codes::INDEX_OUT_OF_RANGE,
        "Index was outside the bounds of the array.",
    )
}

/// [`answer`], or after a failed part SharePoint's answer to every later one.
async fn answer_unless_failed(
    app: &App,
    site_path: &str,
    outer: &HeaderMap,
    part: Part,
    failed: bool,
) -> Response {
    if failed {
        return after_a_failed_part(&part);
    }
    let path = part.target.split('?').next().unwrap_or("");
    let prefix = format!("{site_path}/_api/");
    if !crate::query::decode(path)
        .to_ascii_lowercase()
        .starts_with(&prefix.to_ascii_lowercase())
    {
        // A batch runs in its own site: a part for another one is refused.
        let fmt = Fmt::negotiate(&part_headers(&part)).unwrap_or_else(|fmt| fmt);
        let msg = format!("A request in a $batch of {site_path} must address {prefix}: '{path}'.");
        return fmt.error(StatusCode::BAD_REQUEST, codes::INVALID_QUERY, &msg);
    }
    answer(app, outer, part).await
}

/// One part, as the middleware and the dispatcher would answer it alone.
async fn answer(app: &App, outer: &HeaderMap, part: Part) -> Response {
    let mut headers = part_headers(&part);
    for name in [
        HOST,
        HeaderName::from_static("authorization"),
        HeaderName::from_static("x-requestdigest"),
    ] {
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
    let method = Method::from_bytes(part.method.as_bytes()).unwrap_or(Method::GET);
    dispatch_boxed(app.clone(), method, uri, headers, Bytes::from(part.body)).await
}

/// The dispatcher for a part, as a boxed trait object: the dispatcher's own future
/// contains this one, and a named type keeps the compiler from chasing the cycle.
fn dispatch_boxed(
    app: App,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Pin<Box<dyn Future<Output = Response> + Send>> {
    let state = axum::extract::State(app);
    Box::pin(dispatch(state, method, uri, headers, body))
}
