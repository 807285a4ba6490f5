//! Webhook subscriptions: `.../subscriptions` (GET, POST with handshake) and
//! `.../subscriptions('id')` (GET, PATCH renew, DELETE).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::Ctx;
use crate::odata::{codes, EntityMeta};
use crate::store::{parse_guid, List, Subscription};
use crate::{time, webhooks, Inner};

/// Maximum subscription lifetime: 180 days.
pub const MAX_LIFETIME_MS: i64 = 180 * 24 * 3600 * 1000;

const TYPE: &str = "Microsoft.SharePoint.Webhooks.Subscription";

fn sub_json(ctx: &Ctx, list: &List, s: &Subscription) -> Value {
    let mut m = Map::new();
    m.insert("clientState".into(), json!(s.client_state));
    m.insert(
        "expirationDateTime".into(),
        json!(time::iso(s.expiration_ms)),
    );
    m.insert("id".into(), json!(s.id.to_string()));
    m.insert("notificationUrl".into(), json!(s.notification_url));
    m.insert("resource".into(), json!(list.id.to_string()));
    m.insert("resourceData".into(), Value::Null);
    let e = EntityMeta {
        ty: TYPE.into(),
        uri: format!(
            "{}/_api/web/lists('{}')/subscriptions('{}')",
            ctx.base, list.id, s.id
        ),
        edit: format!("web/lists('{}')/subscriptions('{}')", list.id, s.id),
        etag: None,
    };
    ctx.fmt.entity(m, &e)
}

fn field<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a Value> {
    m.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(k))
        .map(|(_, v)| v)
}

fn expiry_error(ctx: &Ctx) -> Response {
    ctx.err(
        StatusCode::BAD_REQUEST,
        codes::ARGUMENT,
        "The specified expiration date is invalid. It must be in the future and at most 180 days from now.",
    )
}

/// Parses and checks `expirationDateTime` (future, at most 180 days ahead).
fn expiry(ctx: &Ctx, body: &Map<String, Value>) -> Result<i64, Response> {
    let now = ctx.app.lock().now_ms();
    let ms = field(body, "expirationDateTime")
        .and_then(Value::as_str)
        .and_then(time::parse_iso);
    match ms {
        Some(ms) if ms > now && ms <= now.saturating_add(MAX_LIFETIME_MS) => Ok(ms),
        _ => Err(expiry_error(ctx)),
    }
}

/// Deletes the list's subscriptions that have expired (sim clock): SharePoint deletes a
/// subscription at its `expirationDateTime`, so it can no longer be read or renewed.
fn delete_expired(inner: &mut Inner, site: usize, list: usize) {
    let now = inner.now_ms();
    inner.sites[site].lists[list]
        .subscriptions
        .retain(|s| s.expiration_ms > now);
}

/// `.../subscriptions`: GET all, POST to create (after the validation handshake).
pub async fn collection(ctx: &Ctx, list: usize) -> Response {
    match ctx.method.as_str() {
        "GET" => {
            let mut inner = ctx.app.lock();
            delete_expired(&mut inner, ctx.site, list);
            let l = &inner.sites[ctx.site].lists[list];
            let v = l
                .subscriptions
                .iter()
                .map(|s| sub_json(ctx, l, s))
                .collect();
            let url = format!("{}/_api/$metadata#SP.ApiData.Subscriptions", ctx.base);
            ctx.fmt
                .respond(StatusCode::OK, ctx.fmt.collection(v, &url, None))
        }
        "POST" => create(ctx, list).await,
        _ => ctx.bad_method(),
    }
}

async fn create(ctx: &Ctx, list: usize) -> Response {
    let body = match ctx.json_body() {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(url) = field(&body, "notificationUrl")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return ctx.err(
            StatusCode::BAD_REQUEST,
            codes::ARGUMENT,
            "The parameter notificationUrl is required.",
        );
    };
    let exp = match expiry(ctx, &body) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let client_state = field(&body, "clientState")
        .and_then(Value::as_str)
        .map(str::to_string);
    let list_id = ctx.app.lock().sites[ctx.site].lists[list].id;
    if let Err(msg) = webhooks::handshake(&ctx.app, &url).await {
        return ctx.err(StatusCode::BAD_REQUEST, codes::ARGUMENT, &msg);
    }
    let mut inner = ctx.app.lock();
    let Some(list) = inner.sites[ctx.site]
        .lists
        .iter()
        .position(|l| l.id == list_id)
    else {
        return ctx.err(
            StatusCode::NOT_FOUND,
            codes::LIST_MISSING,
            "List does not exist.",
        );
    };
    let sub = Subscription {
        id: Uuid::new_v4(),
        notification_url: url,
        expiration_ms: exp,
        client_state,
    };
    let l = &mut inner.sites[ctx.site].lists[list];
    l.subscriptions.push(sub.clone());
    let v = sub_json(ctx, l, &sub);
    let meta = format!(
        "{}/_api/$metadata#SP.ApiData.Subscriptions/@Element",
        ctx.base
    );
    ctx.fmt
        .respond(StatusCode::CREATED, ctx.fmt.single(v, &meta))
}

/// `.../subscriptions('id')`: GET, PATCH/MERGE (renew), DELETE.
pub fn one(ctx: &Ctx, list: usize, id: &str) -> Response {
    let Some(id) = parse_guid(id) else {
        return not_found(ctx);
    };
    let body = if matches!(ctx.method.as_str(), "PATCH" | "MERGE" | "PUT") {
        match ctx.json_body() {
            Ok(b) => Some(b),
            Err(r) => return r,
        }
    } else {
        None
    };
    let exp = match &body {
        Some(b) if field(b, "expirationDateTime").is_some() => match expiry(ctx, b) {
            Ok(e) => Some(e),
            Err(r) => return r,
        },
        _ => None,
    };
    let mut inner = ctx.app.lock();
    delete_expired(&mut inner, ctx.site, list);
    let l = &mut inner.sites[ctx.site].lists[list];
    let Some(pos) = l.subscriptions.iter().position(|s| s.id == id) else {
        return not_found(ctx);
    };
    match ctx.method.as_str() {
        "GET" => {
            let v = sub_json(ctx, l, &l.subscriptions[pos]);
            let meta = format!(
                "{}/_api/$metadata#SP.ApiData.Subscriptions/@Element",
                ctx.base
            );
            ctx.fmt.respond(StatusCode::OK, ctx.fmt.single(v, &meta))
        }
        "PATCH" | "MERGE" | "PUT" => {
            let s = &mut l.subscriptions[pos];
            if let Some(e) = exp {
                s.expiration_ms = e;
            }
            if let Some(b) = &body {
                if let Some(u) = field(b, "notificationUrl").and_then(Value::as_str) {
                    s.notification_url = u.to_string();
                }
                if let Some(c) = field(b, "clientState") {
                    s.client_state = c.as_str().map(str::to_string);
                }
            }
            StatusCode::NO_CONTENT.into_response()
        }
        "DELETE" => {
            l.subscriptions.remove(pos);
            StatusCode::NO_CONTENT.into_response()
        }
        _ => ctx.bad_method(),
    }
}

fn not_found(ctx: &Ctx) -> Response {
    ctx.err(
        StatusCode::NOT_FOUND,
        codes::ARGUMENT,
        "The object specified does not belong to a list.",
    )
}
