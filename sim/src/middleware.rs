//! Cross-cutting request handling: CORS, the URL length limit, request counters,
//! injected faults and latency.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::odata::{Fmt, Meta};
use crate::App;

const ALLOW_HEADERS: &str = "Authorization, X-RequestDigest, X-HTTP-Method, IF-MATCH, If-None-Match, Accept, Content-Type, OData-Version, OData-MaxVersion, X-ClientService-ClientTag, User-Agent, X-Requested-With";
const EXPOSE_HEADERS: &str =
    "Retry-After, ETag, Location, Content-Type, OData-Version, SPRequestGuid, request-id";

/// The endpoint kind used by the counters and by fault/latency matchers.
pub fn classify(path: &str) -> &'static str {
    let p = path.to_ascii_lowercase();
    let api = match p.find("/_api/") {
        Some(i) => &p[i + 6..],
        None => return "other",
    };
    let api = api.trim_end_matches('/');
    if api == "contextinfo" {
        "contextinfo"
    } else if api.ends_with("/getchanges") {
        "getchanges"
    } else if api.contains("/subscriptions") {
        "subscriptions"
    } else if api.ends_with("/recycle()") {
        "recycle"
    } else if api.contains("recyclebin") {
        "recyclebin"
    } else if api == "$batch" {
        "batch"
    } else if api.contains("/items(") || api.contains("/getitembyid(") {
        "item"
    } else if api.ends_with("/items") {
        "items"
    } else if api == "web/lists" || api == "lists" {
        "lists"
    } else if api.contains("lists(") || api.contains("getbytitle(") || api.contains("getbyid(") {
        "list"
    } else if api == "web" {
        "web"
    } else {
        "other"
    }
}

fn add_cors(h: &mut HeaderMap, origin: Option<HeaderValue>) {
    match origin {
        Some(o) => {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
            h.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
            h.append(header::VARY, HeaderValue::from_static("Origin"));
        }
        None => {
            h.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
        }
    }
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
}

fn preflight(req_headers: Option<HeaderValue>) -> Response {
    let mut r = StatusCode::OK.into_response();
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, PATCH, MERGE, DELETE, OPTIONS"),
    );
    // Allow what was asked for (plus the known list) so odd client headers pass.
    let allow = match req_headers.and_then(|v| v.to_str().ok().map(str::to_string)) {
        Some(asked) if !asked.trim().is_empty() => format!("{ALLOW_HEADERS}, {asked}"),
        _ => ALLOW_HEADERS.to_string(),
    };
    if let Ok(v) = HeaderValue::from_str(&allow) {
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v);
    }
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    r
}

/// IIS/HTTP.sys style answer for an over-long URL.
pub fn too_long() -> Response {
    let body = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"\"http://www.w3.org/TR/html4/strict.dtd\">\r\n<HTML><HEAD><TITLE>Request URL Too Long</TITLE>\r\n<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n<BODY><h2>Request URL Too Long</h2>\r\n<hr><p>HTTP Error 414. The request URL is too long.</p>\r\n</BODY></HTML>\r\n";
    let mut r = (StatusCode::URI_TOO_LONG, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=us-ascii"),
    );
    r
}

/// The response of an injected fault (429 or 503, with `Retry-After` when given).
pub fn fault_response(headers: &HeaderMap, status: u16, retry_after: Option<u32>) -> Response {
    let fmt = Fmt::negotiate(headers).unwrap_or(Fmt {
        meta: Meta::Minimal,
        v4: false,
    });
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::TOO_MANY_REQUESTS);
    let (code, what) = if status == StatusCode::TOO_MANY_REQUESTS {
        (
            "-2147024860, Microsoft.SharePoint.SPRequestThrottledException",
            "The request has been throttled (sp-sim fault).",
        )
    } else {
        (
            "-2147024891, Microsoft.SharePoint.SPServiceUnavailableException",
            "The service is temporarily unavailable (sp-sim fault).",
        )
    };
    let msg = match retry_after {
        Some(s) => format!("{what} Retry after {s} seconds."),
        None => what.to_string(),
    };
    let mut r = fmt.error(status, code, &msg);
    if let Some(v) = retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// The middleware wrapping every request.
pub async fn layer(State(app): State<App>, req: Request<Body>, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    if req.method() == Method::OPTIONS {
        *app.lock().counters.entry("preflight".into()).or_default() += 1;
        let mut r = preflight(
            req.headers()
                .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
                .cloned(),
        );
        add_cors(r.headers_mut(), origin);
        return r;
    }
    let path = req.uri().path().to_string();
    let is_admin =
        path.eq_ignore_ascii_case("/_admin") || path.to_ascii_lowercase().starts_with("/_admin/");
    if !is_admin {
        let len = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().len())
            .unwrap_or(0);
        let kind = classify(&path);
        let (limit, fault, latency) = {
            let mut inner = app.lock();
            *inner.counters.entry(kind.into()).or_default() += 1;
            let limit = inner.knobs.url_limit;
            let fault = if len > limit {
                None
            } else {
                inner.faults.take(kind, &path)
            };
            (limit, fault, inner.faults.latency_for(kind, &path))
        };
        tracing::debug!(%path, kind, len, "request");
        if latency > 0 {
            tokio::time::sleep(Duration::from_millis(latency)).await;
        }
        let early = if len > limit {
            Some(too_long())
        } else {
            fault.map(|(status, ra)| fault_response(req.headers(), status, ra))
        };
        if let Some(mut r) = early {
            add_cors(r.headers_mut(), origin);
            return r;
        }
    }
    let mut r = next.run(req).await;
    add_cors(r.headers_mut(), origin);
    r
}

#[cfg(test)]
mod tests {
    use super::classify;

    #[test]
    fn kinds() {
        let s = "/sites/dev/_api/";
        let k = |p: &str| classify(&format!("{s}{p}"));
        assert_eq!(k("contextinfo"), "contextinfo");
        assert_eq!(k("web/lists(guid'x')/GetChanges"), "getchanges");
        assert_eq!(k("web/lists(guid'x')/items"), "items");
        assert_eq!(k("web/lists(guid'x')/items(3)"), "item");
        assert_eq!(k("web/lists(guid'x')/items(3)/recycle()"), "recycle");
        assert_eq!(k("web/lists/getbytitle('a')"), "list");
        assert_eq!(k("web/lists"), "lists");
        assert_eq!(k("web/lists('x')/subscriptions('y')"), "subscriptions");
        assert_eq!(k("web"), "web");
    }
}
