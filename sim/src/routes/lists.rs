//! `web/lists` (read all, create) and one list (read, delete).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::{Ctx, ListSel};
use crate::odata::{codes, EntityMeta, Fmt};
use crate::ops::OpError;
use crate::store::{List, Site};
use crate::time;

/// `1;3;{list};{ticks};{n}` for the list's current position.
pub fn current_token(list: &List, now_ms: i64) -> String {
    format!(
        "1;3;{};{};{}",
        list.id,
        time::ticks(now_ms),
        list.last_change
    )
}

/// One list as JSON in the negotiated shape (without the outer wrapper).
pub fn list_json(
    fmt: Fmt,
    base: &str,
    site: &Site,
    list: &List,
    select: &[String],
    now_ms: i64,
) -> Value {
    let mut m = Map::new();
    m.insert("Id".into(), json!(list.id.to_string()));
    m.insert("Title".into(), json!(list.title));
    m.insert("Description".into(), json!(list.description));
    m.insert("BaseTemplate".into(), json!(list.base_template));
    m.insert("BaseType".into(), json!(0));
    m.insert("ItemCount".into(), json!(list.items.len()));
    m.insert("Created".into(), json!(time::iso(list.created_ms)));
    m.insert(
        "LastItemModifiedDate".into(),
        json!(time::iso(list.last_modified_ms)),
    );
    m.insert(
        "LastItemDeletedDate".into(),
        json!(time::iso(list.last_deleted_ms)),
    );
    m.insert("EntityTypeName".into(), json!(list.entity_name()));
    m.insert("ListItemEntityTypeFullName".into(), json!(list.item_type()));
    m.insert("Hidden".into(), json!(false));
    m.insert("ParentWebUrl".into(), json!(site.path));
    if !select.is_empty() {
        m.retain(|k, _| select.iter().any(|s| s.eq_ignore_ascii_case(k)));
        if select
            .iter()
            .any(|s| s.eq_ignore_ascii_case("CurrentChangeToken"))
        {
            let mut t = Map::new();
            t.insert("StringValue".into(), json!(current_token(list, now_ms)));
            m.insert(
                "CurrentChangeToken".into(),
                fmt.complex(t, "SP.ChangeToken"),
            );
        }
    }
    let e = EntityMeta {
        ty: "SP.List".into(),
        uri: format!("{base}/_api/Web/Lists(guid'{}')", list.id),
        edit: format!("Web/Lists(guid'{}')", list.id),
        etag: Some(format!("\"{}\"", list.last_change)),
    };
    fmt.entity(m, &e)
}

/// 404 for a list that does not exist.
pub fn missing(ctx: &Ctx, sel: &ListSel) -> Response {
    let msg = match sel {
        ListSel::Title(t) => format!("List '{t}' does not exist at site with URL '{}'.", ctx.base),
        ListSel::Key(_) => "List does not exist.\n\nThe page you selected contains a list that does not exist.  It may have been deleted by another user.".to_string(),
    };
    ctx.err(StatusCode::NOT_FOUND, codes::LIST_MISSING, &msg)
}

/// `web/lists`: GET all lists, POST `{Title, BaseTemplate}` to create one.
pub fn lists(ctx: &Ctx) -> Response {
    let select = ctx.query.select();
    match ctx.method.as_str() {
        "GET" => {
            let inner = ctx.app.lock();
            let now = inner.now_ms();
            let s = &inner.sites[ctx.site];
            let v = s
                .lists
                .iter()
                .map(|l| list_json(ctx.fmt, &ctx.base, s, l, &select, now))
                .collect();
            let url = format!("{}/_api/$metadata#SP.ApiData.Lists", ctx.base);
            ctx.fmt
                .respond(StatusCode::OK, ctx.fmt.collection(v, &url, None))
        }
        "POST" => {
            let body = match ctx.json_body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let get = |k: &str| {
                body.iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(k))
                    .map(|(_, v)| v)
            };
            let Some(title) = get("Title")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|t| !t.is_empty())
            else {
                return ctx.err(
                    StatusCode::BAD_REQUEST,
                    codes::ARGUMENT,
                    "The parameter Title cannot be empty.",
                );
            };
            let template = get("BaseTemplate").and_then(Value::as_i64).unwrap_or(100);
            let desc = get("Description").and_then(Value::as_str).unwrap_or("");
            let mut inner = ctx.app.lock();
            match inner.create_list(ctx.site, title, desc, template) {
                Ok(i) => {
                    let now = inner.now_ms();
                    let s = &inner.sites[ctx.site];
                    let v = list_json(ctx.fmt, &ctx.base, s, &s.lists[i], &select, now);
                    let url = format!("{}/_api/$metadata#SP.ApiData.Lists/@Element", ctx.base);
                    ctx.fmt.respond(StatusCode::CREATED, ctx.fmt.single(v, &url))
                }
                Err(OpError::TitleExists) | Err(_) => ctx.err(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    codes::LIST_EXISTS,
                    &format!("A list, survey, discussion board, or document library with the specified title '{title}' already exists in this Web site.  Please choose another title."),
                ),
            }
        }
        _ => ctx.bad_method(),
    }
}

/// One list: GET (honours `$select`, incl. `CurrentChangeToken`), DELETE.
pub fn list(ctx: &Ctx, list: usize) -> Response {
    match ctx.method.as_str() {
        "GET" => {
            let inner = ctx.app.lock();
            let now = inner.now_ms();
            let s = &inner.sites[ctx.site];
            let v = list_json(
                ctx.fmt,
                &ctx.base,
                s,
                &s.lists[list],
                &ctx.query.select(),
                now,
            );
            let url = format!("{}/_api/$metadata#SP.ApiData.Lists/@Element", ctx.base);
            ctx.fmt.respond(StatusCode::OK, ctx.fmt.single(v, &url))
        }
        "DELETE" => {
            let mut inner = ctx.app.lock();
            inner.sites[ctx.site].lists.remove(list);
            StatusCode::OK.into_response()
        }
        _ => ctx.bad_method(),
    }
}
