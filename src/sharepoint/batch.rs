//! OData `$batch` for item reads: several GETs in one `POST {site}/_api/$batch`
//! (multipart/mixed), and the parts of its multipart/mixed response. Only GETs are
//! batched, so no changesets are written or expected.

use super::parse::ParseError;
use crate::text;

/// Most requests in one batch (PnPjs splits at 20; about 100 is the service's limit).
pub const MAX_BATCH: usize = 20;

/// The `$batch` endpoint of a site.
pub fn batch_url(site_url: &str) -> String {
    text::concat(&[site_url.trim_end_matches('/'), "/_api/$batch"])
}

/// The `Content-Type` of a batch request whose parts are separated by `boundary`.
pub fn batch_content_type(boundary: &str) -> String {
    text::concat(&["multipart/mixed; boundary=", boundary])
}

/// A batch request body: one `GET url` part per URL, each with `headers`.
pub fn batch_body(boundary: &str, urls: &[String], headers: &[(String, String)]) -> String {
    let mut body = String::new();
    for url in urls {
        body.push_str(&text::concat(&[
            "--",
            boundary,
            "\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nGET ",
            url,
            " HTTP/1.1\r\n",
        ]));
        for (name, value) in headers {
            body.push_str(&text::concat(&[name, ": ", value, "\r\n"]));
        }
        body.push_str("\r\n");
    }
    body.push_str(&text::concat(&["--", boundary, "--\r\n"]));
    body
}

/// One response of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchPart {
    /// HTTP status of this request.
    pub status: u16,
    /// `Retry-After` in seconds, if present and numeric.
    pub retry_after_secs: Option<u64>,
    /// Its body.
    pub body: String,
}

fn bad<T>(what: &str) -> Result<T, ParseError> {
    Err(ParseError(text::concat(&["$batch response: ", what])))
}

/// A line without its trailing CR.
fn chomp(line: &str) -> &str {
    match line.as_bytes().last() {
        Some(b'\r') => &line[..line.len() - 1],
        _ => line,
    }
}

/// The value of `line` if it is header `name` (case-insensitive).
fn header_value<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let value = line.get(name.len() + 1..)?;
    let bytes = line.as_bytes();
    let named =
        bytes[name.len()] == b':' && bytes[..name.len()].eq_ignore_ascii_case(name.as_bytes());
    named.then(|| value.trim_ascii())
}

/// The parts of a batch response, in request order. The boundary is the response's
/// first line (`--batchresponse_...`), so no `Content-Type` header is needed.
pub fn parse_batch(body: &str) -> Result<Vec<BatchPart>, ParseError> {
    let mut lines = body.split('\n').map(chomp);
    let first = lines.find(|l| !l.is_empty());
    let Some(delimiter) = first.filter(|l| l.starts_with("--")) else {
        return bad("no boundary line");
    };
    let mut parts = Vec::new();
    loop {
        // 0: the part's MIME headers, 1: the HTTP status line and headers, 2: the body.
        let (mut stage, mut changeset, mut closed) = (0, false, None);
        let (mut status, mut retry_after_secs, mut content) = (None, None, String::new());
        for line in lines.by_ref() {
            if line.starts_with(delimiter) {
                closed = Some(line.len() > delimiter.len());
                break;
            }
            match stage {
                0 if line.is_empty() => stage = 1,
                0 => {
                    changeset |= header_value(line, "Content-Type")
                        .is_some_and(|v| text::contains(v, "multipart/"))
                }
                1 if line.is_empty() => stage = 2,
                1 if status.is_none() => {
                    let code = line.split(' ').nth(1).and_then(text::parse_uint);
                    status = code.filter(|c| (100..600).contains(c)).or(Some(0));
                }
                1 => {
                    if let Some(v) = header_value(line, "Retry-After") {
                        retry_after_secs = text::parse_uint(v);
                    }
                }
                _ => {
                    content.push_str(line);
                    content.push('\n');
                }
            }
        }
        let Some(closed) = closed else {
            return bad("no closing boundary");
        };
        if changeset {
            return bad("unexpected changeset");
        }
        let Some(status @ 100..) = status else {
            return bad("a part without an HTTP status line");
        };
        while content.as_bytes().last() == Some(&b'\n') {
            content.pop();
        }
        parts.push(BatchPart {
            status: status as u16,
            retry_after_secs,
            body: content,
        });
        if closed {
            return Ok(parts);
        }
    }
}
