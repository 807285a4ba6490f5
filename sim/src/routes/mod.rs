//! The SharePoint REST surface: path parsing, format negotiation, the digest check
//! and dispatch to the handlers in the submodules.

pub mod batch;
pub mod context;
mod item_shape;
pub mod items;
pub mod lists;
pub mod subscriptions;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::Value;

use crate::odata::{codes, Fmt};
use crate::query::{decode, Query};
use crate::{admin, auth, middleware, App};

/// Builds the whole axum router (SharePoint routes, admin API, middleware).
pub fn router(app: App) -> Router {
    Router::new()
        .nest("/_admin", admin::router())
        .fallback(dispatch)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            middleware::layer,
        ))
        .with_state(app)
}

/// How a list is addressed.
#[derive(Clone, Debug, PartialEq)]
pub enum ListSel {
    /// `lists(guid'..')`, `lists('..')`, `lists/GetById('..')`.
    Key(String),
    /// `lists/getbytitle('..')`.
    Title(String),
}

/// What follows the list in the path.
#[derive(Clone, Debug, PartialEq)]
pub enum Tail {
    /// The list itself.
    None,
    /// `/items`.
    Items,
    /// `/items(N)` or `/GetItemById(N)`.
    Item(u32),
    /// `/items(N)/recycle()`.
    Recycle(u32),
    /// `/GetChanges`.
    GetChanges,
    /// `/subscriptions`.
    Subscriptions,
    /// `/subscriptions('id')`.
    Subscription(String),
}

/// A parsed `_api` path.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// `contextinfo`.
    ContextInfo,
    /// `web`.
    Web,
    /// `web/lists`.
    Lists,
    /// One list and what follows.
    List(ListSel, Tail),
    /// `web/RecycleBin`.
    RecycleBin,
    /// `web/RecycleBin('id')/restore()`.
    RecycleRestore(String),
}

/// Splits on `/` outside single quotes.
fn segments(s: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '/' if !quoted => out.push(String::new()),
            _ => {
                if c == '\'' {
                    quoted = !quoted;
                }
                if let Some(l) = out.last_mut() {
                    l.push(c);
                }
            }
        }
    }
    out.into_iter().filter(|s| !s.is_empty()).collect()
}

/// The argument of `name(...)` in a segment, with `guid'..'`/`'..'` quoting removed.
fn call_arg(seg: &str, name: &str) -> Option<String> {
    let lower = seg.to_ascii_lowercase();
    if !lower.starts_with(&format!("{name}(")) || !seg.ends_with(')') {
        return None;
    }
    let inner = &seg[name.len() + 1..seg.len() - 1];
    let inner = inner.trim();
    let inner = if inner
        .get(..4)
        .is_some_and(|g| g.eq_ignore_ascii_case("guid"))
    {
        &inner[4..]
    } else {
        inner
    };
    let unq = inner
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .unwrap_or(inner);
    Some(unq.replace("''", "'"))
}

fn parse_tail(rest: &[String]) -> Option<Tail> {
    let num = |s: &str, n: &str| call_arg(s, n).and_then(|a| a.trim().parse::<u32>().ok());
    match rest {
        [] => Some(Tail::None),
        [a] if a.eq_ignore_ascii_case("items") => Some(Tail::Items),
        [a] if a.eq_ignore_ascii_case("getchanges") => Some(Tail::GetChanges),
        [a] if a.eq_ignore_ascii_case("subscriptions") => Some(Tail::Subscriptions),
        [a] if call_arg(a, "subscriptions").is_some() => {
            call_arg(a, "subscriptions").map(Tail::Subscription)
        }
        [a] => num(a, "items")
            .or_else(|| num(a, "getitembyid"))
            .map(Tail::Item),
        [a, b] if b.eq_ignore_ascii_case("recycle()") => num(a, "items").map(Tail::Recycle),
        _ => None,
    }
}

/// Parses the path after `_api/`.
pub fn parse_target(api: &str) -> Option<Target> {
    let segs = segments(api);
    let mut s: &[String] = &segs;
    if s.first()
        .is_some_and(|f| f.eq_ignore_ascii_case("contextinfo"))
        && s.len() == 1
    {
        return Some(Target::ContextInfo);
    }
    if s.first().is_some_and(|f| f.eq_ignore_ascii_case("web")) {
        s = &s[1..];
        if s.is_empty() {
            return Some(Target::Web);
        }
    }
    let first = s.first()?;
    if first.eq_ignore_ascii_case("lists") {
        match s.get(1) {
            None => return Some(Target::Lists),
            Some(sel) => {
                let sel = call_arg(sel, "getbytitle")
                    .map(ListSel::Title)
                    .or_else(|| call_arg(sel, "getbyid").map(ListSel::Key))?;
                return parse_tail(&s[2..]).map(|t| Target::List(sel, t));
            }
        }
    }
    if let Some(k) = call_arg(first, "lists") {
        return parse_tail(&s[1..]).map(|t| Target::List(ListSel::Key(k), t));
    }
    if first.eq_ignore_ascii_case("recyclebin") && s.len() == 1 {
        return Some(Target::RecycleBin);
    }
    if let Some(id) = call_arg(first, "recyclebin") {
        if s.len() == 2 && s[1].eq_ignore_ascii_case("restore()") {
            return Some(Target::RecycleRestore(id));
        }
    }
    None
}

/// Everything a handler needs about one request.
pub struct Ctx {
    /// Shared state.
    pub app: App,
    /// Negotiated format.
    pub fmt: Fmt,
    /// Site index.
    pub site: usize,
    /// `http://host/sites/dev`.
    pub base: String,
    /// Effective method (X-HTTP-Method applied), upper case.
    pub method: String,
    /// Request headers.
    pub headers: HeaderMap,
    /// Decoded query.
    pub query: Query,
    /// Raw body.
    pub body: Bytes,
    /// Decoded path after `_api/`.
    pub api_path: String,
}

impl Ctx {
    /// An error body in the negotiated shape.
    pub fn err(&self, status: StatusCode, code: &str, msg: &str) -> Response {
        self.fmt.error(status, code, msg)
    }

    /// The body as a JSON object (empty body = empty object).
    pub fn json_body(&self) -> Result<serde_json::Map<String, Value>, Response> {
        if self.body.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(Default::default());
        }
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(self.err(
                StatusCode::BAD_REQUEST,
                codes::INVALID_QUERY,
                "Invalid JSON. A token was not recognized in the JSON content.",
            )),
        }
    }

    /// A header as a string.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// 405-style error for a method the endpoint does not take.
    pub fn bad_method(&self) -> Response {
        self.err(
            StatusCode::METHOD_NOT_ALLOWED,
            codes::INVALID_QUERY,
            &format!(
                "The HTTP method '{}' cannot be used for this resource.",
                self.method
            ),
        )
    }
}

/// The fallback handler: every SharePoint request comes through here.
pub async fn dispatch(
    State(app): State<App>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fmt = match Fmt::negotiate(&headers) {
        Ok(f) => f,
        Err(f) => {
            return f.error(
                StatusCode::NOT_ACCEPTABLE,
                codes::NOT_ACCEPTABLE,
                "The HTTP header ACCEPT is missing or its value is unsupported.",
            )
        }
    };
    let path = decode(uri.path());
    let lower = path.to_ascii_lowercase();
    let found = {
        let inner = app.lock();
        inner
            .sites
            .iter()
            .enumerate()
            .filter(|(_, s)| lower.starts_with(&format!("{}/_api/", s.path.to_ascii_lowercase())))
            .max_by_key(|(_, s)| s.path.len())
            .map(|(i, s)| (i, s.path.clone()))
    };
    let Some((site, site_path)) = found else {
        return (StatusCode::NOT_FOUND, "404 FILE NOT FOUND").into_response();
    };
    let api_path = path[site_path.len() + 6..].to_string();
    if api_path.eq_ignore_ascii_case("$batch") {
        if method != Method::POST {
            let msg = "The HTTP method cannot be used for $batch: use POST.";
            return fmt.error(StatusCode::METHOD_NOT_ALLOWED, codes::INVALID_QUERY, msg);
        }
        if !auth::authorized(&app.lock(), site, &headers) {
            return fmt.error(StatusCode::FORBIDDEN, codes::DIGEST, codes::DIGEST_MSG);
        }
        return batch::batch(app, fmt, &site_path, headers, body).await;
    }
    let Some(target) = parse_target(&api_path) else {
        return fmt.error(
            StatusCode::NOT_FOUND,
            codes::INVALID_QUERY,
            &format!("Cannot find resource for the request {api_path}."),
        );
    };
    let mut eff = method.as_str().to_ascii_uppercase();
    if eff == "POST" {
        if let Some(x) = headers.get("x-http-method").and_then(|v| v.to_str().ok()) {
            eff = x.trim().to_ascii_uppercase();
        }
    }
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    let ctx = Ctx {
        base: format!("http://{host}{site_path}"),
        app: app.clone(),
        fmt,
        site,
        method: eff,
        query: Query::parse(uri.query()),
        headers,
        body,
        api_path,
    };
    let writes = !matches!(method, Method::GET | Method::HEAD);
    if writes && target != Target::ContextInfo && !auth::authorized(&app.lock(), site, &ctx.headers)
    {
        return ctx.err(StatusCode::FORBIDDEN, codes::DIGEST, codes::DIGEST_MSG);
    }
    match target {
        Target::ContextInfo => context::contextinfo(&ctx),
        Target::Web => context::web(&ctx),
        Target::Lists => lists::lists(&ctx),
        Target::RecycleBin => items::recycle_bin(&ctx),
        Target::RecycleRestore(id) => items::restore(&ctx, &id),
        Target::List(sel, tail) => {
            let list = {
                let inner = app.lock();
                let s = &inner.sites[site];
                match &sel {
                    ListSel::Key(k) => s.list_by_key(k),
                    ListSel::Title(t) => s.list_by_title(t),
                }
            };
            let Some(list) = list else {
                return lists::missing(&ctx, &sel);
            };
            match tail {
                Tail::None => lists::list(&ctx, list),
                Tail::Items => items::items(&ctx, list),
                Tail::Item(id) => items::item(&ctx, list, id),
                Tail::Recycle(id) => items::recycle(&ctx, list, id),
                Tail::GetChanges => crate::changes::get_changes(&ctx, list),
                Tail::Subscriptions => subscriptions::collection(&ctx, list).await,
                Tail::Subscription(id) => subscriptions::one(&ctx, list, &id),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let g = "482e418a-0900-414b-8902-02248c2e44e8";
        assert_eq!(parse_target("contextinfo"), Some(Target::ContextInfo));
        assert_eq!(parse_target("web/lists"), Some(Target::Lists));
        assert_eq!(
            parse_target(&format!("web/lists(guid'{g}')/items(5)/recycle()")),
            Some(Target::List(ListSel::Key(g.into()), Tail::Recycle(5)))
        );
        assert_eq!(
            parse_target("web/lists/getbytitle('a/b''c')/GetChanges"),
            Some(Target::List(
                ListSel::Title("a/b'c".into()),
                Tail::GetChanges
            ))
        );
        assert_eq!(
            parse_target(&format!("Web/Lists('{g}')/subscriptions('x')")),
            Some(Target::List(
                ListSel::Key(g.into()),
                Tail::Subscription("x".into())
            ))
        );
        assert_eq!(parse_target("web/lists(guid'x')/items(abc)"), None);
        assert_eq!(parse_target("nonsense"), None);
        assert_eq!(
            parse_target("web/RecycleBin('x')/restore()"),
            Some(Target::RecycleRestore("x".into()))
        );
    }
}
