//! `contextinfo` and `web`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::Ctx;
use crate::auth;
use crate::odata::{EntityMeta, Meta};

/// `POST {site}/_api/contextinfo`: a fresh form digest.
pub fn contextinfo(ctx: &Ctx) -> Response {
    if ctx.method != "POST" {
        return ctx.bad_method();
    }
    let (digest, timeout) = auth::issue(&mut ctx.app.lock(), ctx.site);
    let versions = vec![json!("14.0.0.0"), json!("15.0.0.0")];
    let mut m = Map::new();
    m.insert("FormDigestTimeoutSeconds".into(), json!(timeout));
    m.insert("FormDigestValue".into(), json!(digest));
    m.insert("LibraryVersion".into(), json!("16.0.0.0"));
    m.insert("SiteFullUrl".into(), json!(ctx.base));
    m.insert("WebFullUrl".into(), json!(ctx.base));
    let fmt = ctx.fmt;
    let body = match fmt.meta {
        Meta::Verbose => {
            m.insert(
                "__metadata".into(),
                json!({"type": "SP.ContextWebInformation"}),
            );
            m.insert(
                "SupportedSchemaVersions".into(),
                json!({"__metadata": {"type": "Collection(Edm.String)"}, "results": versions}),
            );
            json!({"d": {"GetContextWebInformation": m}})
        }
        _ => {
            m.insert("SupportedSchemaVersions".into(), Value::Array(versions));
            let url = format!("{}/_api/$metadata#SP.ContextWebInformation", ctx.base);
            fmt.single(Value::Object(m), &url)
        }
    };
    fmt.respond(StatusCode::OK, body)
}

/// `GET {site}/_api/web`: basic web properties.
pub fn web(ctx: &Ctx) -> Response {
    if ctx.method != "GET" {
        return ctx.bad_method();
    }
    let (id, path) = {
        let inner = ctx.app.lock();
        let s = &inner.sites[ctx.site];
        (s.web_id, s.path.clone())
    };
    let mut m = Map::new();
    m.insert("Id".into(), json!(id.to_string()));
    m.insert("Title".into(), json!(path.rsplit('/').next().unwrap_or("")));
    m.insert("ServerRelativeUrl".into(), json!(path));
    m.insert("Url".into(), json!(ctx.base));
    let e = EntityMeta {
        ty: "SP.Web".into(),
        uri: format!("{}/_api/Web", ctx.base),
        edit: "Web".into(),
        etag: None,
    };
    let v = ctx.fmt.entity(m, &e);
    let url = format!("{}/_api/$metadata#SP.ApiData.Webs/@Element", ctx.base);
    ctx.fmt.respond(StatusCode::OK, ctx.fmt.single(v, &url))
}
