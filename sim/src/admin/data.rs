//! Admin data helpers: list summaries, seeding and item edits that skip digests.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{admin_error, body};
use crate::ops::OpError;
use crate::routes::items::item_fields;
use crate::routes::lists::current_token;
use crate::store::Inner;
use crate::{time, App};

/// Routes merged into the admin router.
pub fn router() -> Router<App> {
    Router::new()
        .route("/lists", get(lists).post(create_list))
        .route("/seed", post(seed))
        .route("/lists/{list}/items", post(add_items))
        .route(
            "/lists/{list}/items/{id}",
            get(get_item).patch(update_item).delete(delete_item),
        )
        .route("/lists/{list}/items/{id}/recycle", post(recycle_item))
        .route("/lists/{list}/items/{id}/restore", post(restore_item))
        .route("/restore", post(restore_shortcut))
}

/// `?site=/sites/other` selector (default: the first site).
#[derive(Deserialize, Default)]
pub struct SiteQ {
    site: Option<String>,
    system: Option<bool>,
    list: Option<String>,
    id: Option<u32>,
    /// The user an add or edit is attributed to (`AuthorId`/`EditorId`).
    by: Option<i64>,
}

/// Runs `write` as user `by` (default: the dev user); an unknown user is a 400.
fn as_user<T>(
    inner: &mut Inner,
    by: Option<i64>,
    write: impl FnOnce(&mut Inner) -> T,
) -> Result<T, Response> {
    let user = by.unwrap_or(crate::users::DEV_USER);
    if crate::users::user(user).is_none() {
        return Err(admin_error(
            StatusCode::BAD_REQUEST,
            &format!("no user {user} (the users are 9 to 12)"),
        ));
    }
    Ok(inner.as_user(user, write))
}

fn summary(inner: &Inner, site: usize, list: usize) -> Value {
    let s = &inner.sites[site];
    let l = &s.lists[list];
    json!({
        "id": l.id.to_string(),
        "title": l.title,
        "site": s.path,
        "itemCount": l.items.len(),
        "lastChangeNumber": l.last_change,
        "currentChangeToken": current_token(l, inner.now_ms()),
        "entityTypeName": l.entity_name(),
        "listItemEntityTypeFullName": l.item_type(),
        "subscriptions": l.subscriptions.len(),
        "columns": l.columns,
    })
}

fn site_of(inner: &Inner, site: Option<&str>) -> Result<usize, Response> {
    inner.site_index(site).ok_or_else(|| {
        admin_error(
            StatusCode::NOT_FOUND,
            &format!("no site {}", site.unwrap_or("")),
        )
    })
}

fn find(inner: &Inner, site: Option<&str>, list: &str) -> Result<(usize, usize), Response> {
    let s = site_of(inner, site)?;
    let l = inner.sites[s]
        .list_by_key(list)
        .ok_or_else(|| admin_error(StatusCode::NOT_FOUND, &format!("no list '{list}'")))?;
    Ok((s, l))
}

fn op_err(e: OpError) -> Response {
    let (st, m) = match e {
        OpError::ItemNotFound => (StatusCode::NOT_FOUND, "no such item"),
        OpError::EtagMismatch => (StatusCode::PRECONDITION_FAILED, "etag mismatch"),
        OpError::RecycleNotFound => (StatusCode::NOT_FOUND, "no such item in the recycle bin"),
        OpError::TitleExists => (StatusCode::CONFLICT, "a list with that title exists"),
    };
    admin_error(st, m)
}

fn item_out(inner: &Inner, s: usize, l: usize, id: u32) -> Response {
    match inner.sites[s].lists[l].items.get(&id) {
        Some(it) => {
            let mut m = item_fields(it);
            m.insert("etag".into(), json!(format!("\"{}\"", it.version)));
            Json(Value::Object(m)).into_response()
        }
        None => op_err(OpError::ItemNotFound),
    }
}

async fn lists(State(app): State<App>, Query(q): Query<SiteQ>) -> Response {
    let inner = app.lock();
    let sites: Vec<usize> = match &q.site {
        Some(s) => match site_of(&inner, Some(s)) {
            Ok(i) => vec![i],
            Err(r) => return r,
        },
        None => (0..inner.sites.len()).collect(),
    };
    let v: Vec<Value> = sites
        .into_iter()
        .flat_map(|s| (0..inner.sites[s].lists.len()).map(move |l| (s, l)))
        .map(|(s, l)| summary(&inner, s, l))
        .collect();
    Json(json!(v)).into_response()
}

#[derive(Deserialize, Default)]
struct ListBody {
    title: Option<String>,
    site: Option<String>,
    count: Option<usize>,
    /// Columns to declare on the list (as a write setting them would create them).
    fields: Option<Vec<String>>,
}

/// The columns of the generated mail rows ([`mail_row`]).
pub const MAIL_COLUMNS: [&str; 5] = ["Title", "Subject", "From", "To", "SentDate"];

async fn create_list(State(app): State<App>, bytes: axum::body::Bytes) -> Response {
    let b: ListBody = match body(&bytes) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(title) = b.title.filter(|t| !t.trim().is_empty()) else {
        return admin_error(StatusCode::BAD_REQUEST, "title is required");
    };
    let mut inner = app.lock();
    let s = match site_of(&inner, b.site.as_deref()) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match inner.create_list(s, title.trim(), "", 100) {
        Ok(l) => {
            inner.sites[s].lists[l].add_columns(b.fields.iter().flatten());
            (StatusCode::CREATED, Json(summary(&inner, s, l))).into_response()
        }
        Err(e) => op_err(e),
    }
}

/// Fields of the `n`th generated mail-like row.
pub fn mail_row(n: usize, sent_ms: i64) -> Map<String, Value> {
    let names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace"];
    let topics = [
        "Quarterly report",
        "Lunch",
        "Release plan",
        "Invoice",
        "Offsite",
        "Bug triage",
    ];
    let mut m = Map::new();
    m.insert("Title".into(), json!(format!("Message {n}")));
    m.insert(
        "Subject".into(),
        json!(format!("{} #{n}", topics[n % topics.len()])),
    );
    m.insert(
        "From".into(),
        json!(format!("{}@contoso.com", names[n % names.len()])),
    );
    m.insert(
        "To".into(),
        json!(format!("{}@contoso.com", names[(n * 3 + 1) % names.len()])),
    );
    m.insert("SentDate".into(), json!(time::iso(sent_ms)));
    m
}

async fn seed(State(app): State<App>, bytes: axum::body::Bytes) -> Response {
    let b: ListBody = match body(&bytes) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let title = b
        .title
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| "Mails".into());
    let count = b.count.unwrap_or(100).min(200_000);
    let mut inner = app.lock();
    let s = match site_of(&inner, b.site.as_deref()) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let l = match inner.sites[s].list_by_title(&title) {
        Some(l) => l,
        None => match inner.create_list(s, title.trim(), "", 100) {
            Ok(l) => l,
            Err(e) => return op_err(e),
        },
    };
    let mail = MAIL_COLUMNS.map(String::from);
    let list = &mut inner.sites[s].lists[l];
    list.add_columns(mail.iter().chain(b.fields.iter().flatten()));
    let now = inner.now_ms();
    let start = inner.sites[s].lists[l].next_id as usize;
    for i in 0..count {
        let n = start + i;
        inner.add_item(s, l, mail_row(n, now - ((count - i) as i64) * 60_000));
    }
    (StatusCode::CREATED, Json(summary(&inner, s, l))).into_response()
}

async fn add_items(
    State(app): State<App>,
    Path(list): Path<String>,
    Query(q): Query<SiteQ>,
    bytes: axum::body::Bytes,
) -> Response {
    let v: Value = match body(&bytes) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let rows: Vec<Map<String, Value>> = match v {
        Value::Object(m) => vec![m],
        Value::Null => vec![Map::new()],
        Value::Array(a) => a
            .into_iter()
            .map(|r| {
                if let Value::Object(m) = r {
                    m
                } else {
                    Map::new()
                }
            })
            .collect(),
        _ => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                "body must be an object or an array of objects",
            )
        }
    };
    let mut inner = app.lock();
    let (s, l) = match find(&inner, q.site.as_deref(), &list) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let single = rows.len() == 1;
    let add = |inner: &mut Inner| -> Vec<u32> {
        rows.into_iter().map(|r| inner.add_item(s, l, r)).collect()
    };
    let ids = match as_user(&mut inner, q.by, add) {
        Ok(ids) => ids,
        Err(r) => return r,
    };
    if single {
        let mut r = item_out(&inner, s, l, ids[0]);
        *r.status_mut() = StatusCode::CREATED;
        return r;
    }
    (StatusCode::CREATED, Json(json!({ "ids": ids }))).into_response()
}

async fn get_item(
    State(app): State<App>,
    Path((list, id)): Path<(String, u32)>,
    Query(q): Query<SiteQ>,
) -> Response {
    let inner = app.lock();
    match find(&inner, q.site.as_deref(), &list) {
        Ok((s, l)) => item_out(&inner, s, l, id),
        Err(r) => r,
    }
}

async fn update_item(
    State(app): State<App>,
    Path((list, id)): Path<(String, u32)>,
    Query(q): Query<SiteQ>,
    bytes: axum::body::Bytes,
) -> Response {
    let mut fields: Map<String, Value> = match body(&bytes) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let system = q.system.unwrap_or(false)
        || fields
            .remove("system")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
    let mut inner = app.lock();
    let (s, l) = match find(&inner, q.site.as_deref(), &list) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let update = |inner: &mut Inner| inner.update_item(s, l, id, &fields, None, system);
    match as_user(&mut inner, q.by, update) {
        Ok(Ok(_)) => item_out(&inner, s, l, id),
        Ok(Err(e)) => op_err(e),
        Err(r) => r,
    }
}

async fn delete_item(
    State(app): State<App>,
    Path((list, id)): Path<(String, u32)>,
    Query(q): Query<SiteQ>,
) -> Response {
    let mut inner = app.lock();
    let (s, l) = match find(&inner, q.site.as_deref(), &list) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match inner.delete_item(s, l, id, None) {
        Ok(()) => Json(json!({ "ok": true })).into_response(),
        Err(e) => op_err(e),
    }
}

async fn recycle_item(
    State(app): State<App>,
    Path((list, id)): Path<(String, u32)>,
    Query(q): Query<SiteQ>,
) -> Response {
    let mut inner = app.lock();
    let (s, l) = match find(&inner, q.site.as_deref(), &list) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match inner.recycle_item(s, l, id, None) {
        Ok(bin) => Json(json!({ "recycleBinId": bin.to_string() })).into_response(),
        Err(e) => op_err(e),
    }
}

fn do_restore(app: &App, site: Option<&str>, list: &str, id: u32) -> Response {
    let mut inner = app.lock();
    let (s, l) = match find(&inner, site, list) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match inner.restore_item(s, l, id) {
        Ok(bin) => Json(json!({ "recycleBinId": bin.to_string(), "id": id })).into_response(),
        Err(e) => op_err(e),
    }
}

async fn restore_item(
    State(app): State<App>,
    Path((list, id)): Path<(String, u32)>,
    Query(q): Query<SiteQ>,
) -> Response {
    do_restore(&app, q.site.as_deref(), &list, id)
}

async fn restore_shortcut(State(app): State<App>, Query(q): Query<SiteQ>) -> Response {
    match (q.list.as_deref(), q.id) {
        (Some(list), Some(id)) => do_restore(&app, q.site.as_deref(), list, id),
        _ => admin_error(
            StatusCode::BAD_REQUEST,
            "list and id query parameters are required",
        ),
    }
}
