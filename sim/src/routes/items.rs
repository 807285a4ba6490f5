//! List items: query with `$select/$filter/$orderby/$top/$skiptoken`, create, read,
//! update (MERGE/PATCH/PUT with IF-MATCH), delete, recycle, and the recycle bin.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::Ctx;
use crate::auth;
use crate::filter;
use crate::odata::{codes, EntityMeta};
use crate::ops::OpError;
use crate::query::encode;
use crate::schema;
use crate::store::{parse_guid, Item, List};
use crate::users::Selection;

/// Largest honoured `$top`.
pub const MAX_TOP: usize = 5000;

use super::item_shape::field_value;
pub use super::item_shape::{item_fields, item_json};

fn etag_header(r: &mut Response, version: u32) {
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        r.headers_mut().insert(header::ETAG, v);
    }
}

fn op_error(ctx: &Ctx, e: OpError, if_match: Option<&str>, current: Option<u32>) -> Response {
    match e {
        OpError::EtagMismatch => ctx.err(
            StatusCode::PRECONDITION_FAILED,
            codes::ETAG,
            &format!(
                "The request ETag value '{}' does not match the object's ETag value '\"{}\"'.",
                if_match.unwrap_or(""),
                current.unwrap_or(0)
            ),
        ),
        OpError::RecycleNotFound => ctx.err(
            StatusCode::NOT_FOUND,
            codes::ARGUMENT,
            "Value does not fall within the expected range.",
        ),
        _ => ctx.err(
            StatusCode::NOT_FOUND,
            codes::ITEM_MISSING,
            "Item does not exist. It may have been deleted by another user.",
        ),
    }
}

fn bad_query(ctx: &Ctx, msg: &str) -> Response {
    ctx.err(StatusCode::BAD_REQUEST, codes::INVALID_QUERY, msg)
}

fn refused(ctx: &Ctx, r: schema::Refusal) -> Response {
    ctx.err(StatusCode::BAD_REQUEST, r.code, &r.message)
}

/// `.../items`: GET a page of items, POST to create one.
pub fn items(ctx: &Ctx, list: usize) -> Response {
    match ctx.method.as_str() {
        "GET" => query_items(ctx, list),
        "POST" => {
            let body = match ctx.json_body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let mut inner = ctx.app.lock();
            let by = auth::writer(&ctx.headers);
            let id = inner.as_user(by, |inner| inner.add_item(ctx.site, list, body));
            let l = &inner.sites[ctx.site].lists[list];
            let Some(item) = l.items.get(&id) else {
                return op_error(ctx, OpError::ItemNotFound, None, None);
            };
            let v = item_json(ctx.fmt, &ctx.base, l, item, &Selection::all());
            let url = format!(
                "{}/_api/$metadata#SP.Data.{}Items/@Element",
                ctx.base,
                l.entity_name()
            );
            let mut r = ctx
                .fmt
                .respond(StatusCode::CREATED, ctx.fmt.single(v, &url));
            etag_header(&mut r, item.version);
            if let Ok(loc) = HeaderValue::from_str(&format!(
                "{}/_api/Web/Lists(guid'{}')/Items({id})",
                ctx.base, l.id
            )) {
                r.headers_mut().insert(header::LOCATION, loc);
            }
            r
        }
        _ => ctx.bad_method(),
    }
}

fn query_items(ctx: &Ctx, list: usize) -> Response {
    let q = &ctx.query;
    let asked = match q.get("$top").map(|t| t.trim().parse::<usize>()) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            return bad_query(
                ctx,
                "Invalid value for $top: it must be a non-negative integer.",
            )
        }
    };
    let top = asked.unwrap_or(100).min(MAX_TOP);
    let skip = match q.skip_id() {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(e)) => return bad_query(ctx, &format!("Invalid $skiptoken: {e}.")),
    };
    let filter = match q.get("$filter").filter(|f| !f.trim().is_empty()) {
        None => None,
        Some(f) => match filter::parse(f) {
            Ok(e) => Some(e),
            Err(e) => return bad_query(ctx, &format!("The expression \"{f}\" is not valid: {e}.")),
        },
    };
    let inner = ctx.app.lock();
    let l = &inner.sites[ctx.site].lists[list];
    let select = match schema::check(l, q, filter.as_ref()) {
        Ok(s) => s,
        Err(e) => return refused(ctx, e),
    };
    let (by_modified, desc) = match q.get("$orderby").map(|o| o.trim().to_ascii_lowercase()) {
        None => (false, false),
        Some(o) => {
            let mut p = o.split_whitespace();
            let (f, dir) = (p.next().unwrap_or(""), p.next().unwrap_or("asc"));
            let known = f == "id" || f == "modified";
            if !known || !(dir == "asc" || dir == "desc") || p.next().is_some() {
                return bad_query(
                    ctx,
                    "sp-sim supports $orderby=ID [asc|desc] or Modified [asc|desc] only.",
                );
            }
            (f == "modified", dir == "desc")
        }
    };
    // Over the list view threshold only queries that stay on the ID index run: a
    // filter on another column, a sort by `Modified` (not indexed) or a `$top` above
    // the threshold are refused, whatever they would return (the default of 100 is
    // far below Online's 5,000: only an explicit `$top` counts).
    let threshold = inner.knobs.view_threshold;
    let non_id = filter
        .as_ref()
        .is_some_and(|f| f.fields().iter().any(|n| !n.eq_ignore_ascii_case("id")));
    if l.items.len() > threshold && (non_id || by_modified || asked.is_some_and(|n| n > threshold))
    {
        return ctx.err(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::THROTTLED,
            "The attempted operation is prohibited because it exceeds the list view threshold.",
        );
    }
    if by_modified && skip.is_some() {
        return bad_query(ctx, "sp-sim does not page $orderby=Modified results.");
    }
    let matches = |it: &Item| {
        filter
            .as_ref()
            .is_none_or(|f| f.eval(&|n| field_value(it, n)))
    };
    if by_modified {
        // Newest (or oldest) first, ties by ID; the first $top, without a next link.
        let mut all: Vec<&Item> = l.items.values().filter(|it| matches(it)).collect();
        all.sort_by_key(|it| (it.modified_ms, it.id));
        if desc {
            all.reverse();
        }
        all.truncate(top);
        return items_response(ctx, l, &all, &select, None);
    }
    let iter: Box<dyn Iterator<Item = &Item>> = match (desc, skip) {
        (false, None) => Box::new(l.items.values()),
        (false, Some(p)) => Box::new(l.items.range(p.saturating_add(1)..).map(|(_, v)| v)),
        (true, None) => Box::new(l.items.values().rev()),
        (true, Some(p)) => Box::new(l.items.range(..p).rev().map(|(_, v)| v)),
    };
    let mut page: Vec<&Item> = Vec::new();
    let mut more = false;
    for it in iter {
        if !matches(it) {
            continue;
        }
        if page.len() == top {
            more = true;
            break;
        }
        page.push(it);
    }
    let next = match (more, page.last()) {
        (true, Some(last)) => Some(next_link(ctx, last.id, top)),
        _ => None,
    };
    items_response(ctx, l, &page, &select, next)
}

/// A 200 collection of `page`, shaped for the request's format.
fn items_response(
    ctx: &Ctx,
    l: &List,
    page: &[&Item],
    select: &Selection,
    next: Option<String>,
) -> Response {
    let values = page
        .iter()
        .map(|it| item_json(ctx.fmt, &ctx.base, l, it, select))
        .collect();
    let url = format!(
        "{}/_api/$metadata#SP.Data.{}Items",
        ctx.base,
        l.entity_name()
    );
    ctx.fmt
        .respond(StatusCode::OK, ctx.fmt.collection(values, &url, next))
}

fn next_link(ctx: &Ctx, last: u32, top: usize) -> String {
    let mut params: Vec<String> = ctx
        .query
        .0
        .iter()
        .filter(|(k, _)| {
            !["$skiptoken", "p_id", "paged", "$top"]
                .iter()
                .any(|x| k.eq_ignore_ascii_case(x))
        })
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    params.push(format!(
        "%24skiptoken={}",
        encode(&format!("Paged=TRUE&p_ID={last}"))
    ));
    params.push(format!("%24top={top}"));
    format!(
        "{}/_api/{}?{}",
        ctx.base,
        ctx.api_path.replace(' ', "%20"),
        params.join("&")
    )
}

/// `.../items(N)`: GET, MERGE/PATCH/PUT (IF-MATCH), DELETE.
pub fn item(ctx: &Ctx, list: usize, id: u32) -> Response {
    let if_match = ctx.header("if-match").map(str::to_string);
    let current = || {
        ctx.app.lock().sites[ctx.site].lists[list]
            .items
            .get(&id)
            .map(|i| i.version)
    };
    match ctx.method.as_str() {
        "GET" => {
            let inner = ctx.app.lock();
            let l = &inner.sites[ctx.site].lists[list];
            let select = match schema::check(l, &ctx.query, None) {
                Ok(s) => s,
                Err(e) => return refused(ctx, e),
            };
            let Some(it) = l.items.get(&id) else {
                return op_error(ctx, OpError::ItemNotFound, None, None);
            };
            let v = item_json(ctx.fmt, &ctx.base, l, it, &select);
            let url = format!(
                "{}/_api/$metadata#SP.Data.{}Items/@Element",
                ctx.base,
                l.entity_name()
            );
            let mut r = ctx.fmt.respond(StatusCode::OK, ctx.fmt.single(v, &url));
            etag_header(&mut r, it.version);
            r
        }
        "MERGE" | "PATCH" | "PUT" => {
            let body = match ctx.json_body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let by = auth::writer(&ctx.headers);
            let res = ctx.app.lock().as_user(by, |inner| {
                inner.update_item(ctx.site, list, id, &body, if_match.as_deref(), false)
            });
            match res {
                Ok(v) => {
                    let mut r = StatusCode::NO_CONTENT.into_response();
                    etag_header(&mut r, v);
                    r
                }
                Err(e) => op_error(ctx, e, if_match.as_deref(), current()),
            }
        }
        "DELETE" => {
            let res = ctx
                .app
                .lock()
                .delete_item(ctx.site, list, id, if_match.as_deref());
            match res {
                Ok(()) => StatusCode::OK.into_response(),
                Err(e) => op_error(ctx, e, if_match.as_deref(), current()),
            }
        }
        _ => ctx.bad_method(),
    }
}

/// `POST .../items(N)/recycle()`: returns the recycle bin id.
pub fn recycle(ctx: &Ctx, list: usize, id: u32) -> Response {
    if ctx.method != "POST" {
        return ctx.bad_method();
    }
    let if_match = ctx.header("if-match").map(str::to_string);
    let res = ctx
        .app
        .lock()
        .recycle_item(ctx.site, list, id, if_match.as_deref());
    match res {
        Ok(bin) => {
            let url = format!("{}/_api/$metadata#Edm.Guid", ctx.base);
            ctx.fmt.respond(
                StatusCode::OK,
                ctx.fmt.primitive("Recycle", json!(bin.to_string()), &url),
            )
        }
        Err(e) => {
            let cur = ctx.app.lock().sites[ctx.site].lists[list]
                .items
                .get(&id)
                .map(|i| i.version);
            op_error(ctx, e, if_match.as_deref(), cur)
        }
    }
}

/// `GET web/RecycleBin`: the site's recycle bin entries.
pub fn recycle_bin(ctx: &Ctx) -> Response {
    if ctx.method != "GET" {
        return ctx.bad_method();
    }
    let inner = ctx.app.lock();
    let s = &inner.sites[ctx.site];
    let values = s
        .recycle_bin
        .iter()
        .map(|r| {
            let mut m = Map::new();
            m.insert("Id".into(), json!(r.id.to_string()));
            m.insert("ItemType".into(), json!(1));
            m.insert("LeafName".into(), json!(format!("{}_.000", r.item.id)));
            m.insert(
                "Title".into(),
                r.item.fields.get("Title").cloned().unwrap_or(Value::Null),
            );
            m.insert("ListId".into(), json!(r.list_id.to_string()));
            m.insert("ItemId".into(), json!(r.item.id));
            let e = EntityMeta {
                ty: "SP.RecycleBinItem".into(),
                uri: format!("{}/_api/Web/RecycleBin('{}')", ctx.base, r.id),
                edit: format!("Web/RecycleBin('{}')", r.id),
                etag: None,
            };
            ctx.fmt.entity(m, &e)
        })
        .collect();
    let url = format!("{}/_api/$metadata#SP.ApiData.RecycleBinItems", ctx.base);
    ctx.fmt
        .respond(StatusCode::OK, ctx.fmt.collection(values, &url, None))
}

/// `POST web/RecycleBin('id')/restore()`.
pub fn restore(ctx: &Ctx, id: &str) -> Response {
    if ctx.method != "POST" {
        return ctx.bad_method();
    }
    let Some(bin) = parse_guid(id) else {
        return op_error(ctx, OpError::RecycleNotFound, None, None);
    };
    let res = ctx.app.lock().restore_recycled(ctx.site, bin);
    match res {
        Ok(_) => {
            let url = format!("{}/_api/$metadata#Edm.Null", ctx.base);
            ctx.fmt.respond(
                StatusCode::OK,
                ctx.fmt.primitive("Restore", Value::Null, &url),
            )
        }
        Err(e) => op_error(ctx, e, None, None),
    }
}
