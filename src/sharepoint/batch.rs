//! OData `$batch`: item reads (GETs) and a GetChanges (a POST, in a changeset, as OData
//! 3 wants for anything but a GET) in one `POST {site}/_api/$batch` (multipart/mixed),
//! run by the service in order; and the parts of the multipart/mixed response,
//! changesets flattened, in request order.

use super::parse::ParseError;
use crate::text;

/// Most requests in one batch (PnPjs splits at 20; about 100 is the service's limit).
pub const MAX_BATCH: usize = 20;

/// The `$batch` endpoint of a site.
pub fn batch_url(site_url: &str) -> String {
    text::concat(&[text::trim_end_byte(site_url, b'/'), "/_api/$batch"])
}

/// The `Content-Type` of a batch request whose parts are separated by `boundary`.
pub fn batch_content_type(boundary: &str) -> String {
    text::concat(&["multipart/mixed; boundary=", boundary])
}

/// A POST for a batch: URL, headers and JSON body.
pub type BatchPost<'a> = (&'a str, &'a [(String, String)], &'a str);

/// A batch request body, written part by part in the order the service runs them.
pub struct BatchBody {
    boundary: String,
    body: String,
}

impl BatchBody {
    /// An empty batch whose parts are separated by `boundary`.
    pub fn new(boundary: &str) -> Self {
        Self {
            boundary: boundary.to_owned(),
            body: String::new(),
        }
    }

    /// One `application/http` part: `request_line` with `headers`, `delimiter` first.
    fn part(&mut self, delimiter: &str, request_line: &[&str], headers: &[(String, String)]) {
        let out = &mut self.body;
        out.push_str(&text::concat(&[
            delimiter,
            "\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n",
        ]));
        out.push_str(&text::concat(request_line));
        out.push_str(" HTTP/1.1\r\n");
        for (name, value) in headers {
            out.push_str(&text::concat(&[name, ": ", value, "\r\n"]));
        }
        out.push_str("\r\n");
    }

    /// `GET url` with `headers`.
    pub fn get(&mut self, url: &str, headers: &[(String, String)]) {
        let delimiter = text::concat(&["--", &self.boundary]);
        self.part(&delimiter, &["GET ", url], headers);
    }

    /// `POST url` with its headers and JSON body, in a changeset of its own (OData 3
    /// takes anything but a GET only in a changeset).
    pub fn post(&mut self, (url, headers, json): BatchPost<'_>) {
        let changeset = text::concat(&["changeset_", &self.boundary]);
        self.body.push_str(&text::concat(&[
            "--",
            &self.boundary,
            "\r\nContent-Type: multipart/mixed; boundary=",
            &changeset,
            "\r\n\r\n",
        ]));
        let inner = text::concat(&["--", &changeset]);
        self.part(&inner, &["POST ", url], headers);
        self.body
            .push_str(&text::concat(&[json, "\r\n", &inner, "--\r\n"]));
    }

    /// The body, closed.
    pub fn finish(mut self) -> String {
        let close = text::concat(&["--", &self.boundary, "--\r\n"]);
        self.body.push_str(&close);
        self.body
    }
}

/// A batch request body: one `GET url` part per URL, each with `headers`, then, if
/// given, `POST url` with its headers and JSON body in a changeset of its own.
pub fn batch_body(
    boundary: &str,
    urls: &[String],
    headers: &[(String, String)],
    post: Option<BatchPost<'_>>,
) -> String {
    let mut batch = BatchBody::new(boundary);
    for url in urls {
        batch.get(url, headers);
    }
    if let Some(post) = post {
        batch.post(post);
    }
    batch.finish()
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

/// The `boundary` parameter of a multipart `Content-Type` value.
fn boundary_param(value: &str) -> Option<&str> {
    let (_, rest) = text::split_once(value, "boundary=")?;
    let rest = text::split(rest, ";").next()?.trim_ascii();
    Some(text::trim_start_byte(text::trim_end_byte(rest, b'"'), b'"')).filter(|b| !b.is_empty())
}

/// The parts of a batch response, in request order (a changeset's parts in its
/// place). The boundary is the response's first line (`--batchresponse_...`), so no
/// `Content-Type` header is needed.
pub fn parse_batch(body: &str) -> Result<Vec<BatchPart>, ParseError> {
    let mut lines = text::split(body, "\n").map(chomp);
    let first = lines.find(|l| !l.is_empty());
    // A delimiter line may end in spaces or tabs (RFC 2046's transport padding).
    let Some(delimiter) = first
        .filter(|l| l.starts_with("--"))
        .map(str::trim_ascii_end)
    else {
        return bad("no boundary line");
    };
    let mut parts = Vec::new();
    read_parts(&mut lines, delimiter, 0, &mut parts)?;
    Ok(parts)
}

/// Reads the parts after a `delimiter` line up to and including its closing line.
fn read_parts<'a>(
    lines: &mut impl Iterator<Item = &'a str>,
    delimiter: &str,
    depth: u8,
    parts: &mut Vec<BatchPart>,
) -> Result<(), ParseError> {
    loop {
        // 0: the part's MIME headers, 1: the HTTP status line and headers, 2: the
        // body, 3: the rest of a changeset part.
        let (mut stage, mut changeset, mut closed) = (0, None, None);
        let (mut status, mut retry_after_secs, mut content) = (None, None, String::new());
        while let Some(line) = lines.next() {
            if line.starts_with(delimiter) {
                closed = Some(line.trim_ascii_end().len() > delimiter.len());
                break;
            }
            match stage {
                0 if line.is_empty() => stage = 1,
                0 => {
                    let value = header_value(line, "Content-Type");
                    if value.is_some_and(|v| text::contains(v, "multipart/")) {
                        changeset = value.and_then(boundary_param);
                        if changeset.is_none() || depth > 0 {
                            return bad("a changeset without a boundary, or nested");
                        }
                    }
                }
                1 if changeset.is_some() => {
                    let inner = text::concat(&["--", changeset.unwrap_or_default()]);
                    if line.starts_with(&inner) {
                        read_parts(lines, &inner, depth + 1, parts)?;
                        stage = 3;
                    }
                }
                1 if line.is_empty() => stage = 2,
                1 if status.is_none() => {
                    let code = text::split(line, " ").nth(1).and_then(text::parse_uint);
                    status = code.filter(|c| (100..600).contains(c)).or(Some(0));
                }
                1 => {
                    if let Some(v) = header_value(line, "Retry-After") {
                        retry_after_secs = text::parse_uint(v);
                    }
                }
                2 => {
                    content.push_str(line);
                    content.push('\n');
                }
                _ => {}
            }
        }
        let Some(closed) = closed else {
            return bad("no closing boundary");
        };
        if changeset.is_some() && stage != 3 {
            return bad("a changeset without its parts");
        }
        if stage != 3 {
            let Some(status @ 100..) = status else {
                return bad("a part without an HTTP status line");
            };
            while content.as_bytes().last() == Some(&b'\n') {
                content.truncate(content.len() - 1);
            }
            parts.push(BatchPart {
                status: status as u16,
                retry_after_secs,
                body: content,
            });
        }
        if closed {
            return Ok(());
        }
    }
}

#[cfg(test)]
#[path = "batch_tests.rs"]
mod tests;
