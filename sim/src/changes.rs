//! Change tokens (`1;3;{list};{ticks};{n}`) and `POST .../GetChanges`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::odata::{codes, EntityMeta};
use crate::ops::change_type as ct;
use crate::routes::Ctx;
use crate::store::{parse_guid, Change};
use crate::time;

/// A parsed change token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Scope: 0 content db, 1 site, 2 web, 3 list.
    pub scope: u8,
    /// Object the token belongs to.
    pub guid: Uuid,
    /// .NET ticks.
    pub ticks: i64,
    /// Change number (`-1` for a hand-made start token).
    pub number: i64,
}

/// Parses `version;scope;guid;ticks;number`.
pub fn parse_token(s: &str) -> Result<Token, String> {
    let p: Vec<&str> = s.trim().split(';').map(str::trim).collect();
    let bad = || format!("The change token is invalid: '{s}'.");
    if p.len() != 5 || p[0] != "1" {
        return Err(bad());
    }
    Ok(Token {
        scope: p[1].parse().map_err(|_| bad())?,
        guid: parse_guid(p[2]).ok_or_else(bad)?,
        ticks: p[3].parse().map_err(|_| bad())?,
        number: p[4].parse().map_err(|_| bad())?,
    })
}

/// Formats a list-scope token.
pub fn format_token(list: Uuid, ms: i64, number: i64) -> String {
    format!("1;3;{list};{};{number}", time::ticks(ms))
}

fn flag(m: &Map<String, Value>, k: &str) -> bool {
    m.get(k).is_some_and(|v| v.as_bool().unwrap_or(false))
}

/// The properties of `SP.ChangeQuery` (names are case-sensitive, as SharePoint's JSON
/// reader has them).
const QUERY_PROPERTIES: [&str; 36] = [
    "Activity",
    "Add",
    "Alert",
    "ChangeTokenEnd",
    "ChangeTokenStart",
    "ContentType",
    "DeleteObject",
    "FetchLimit",
    "Field",
    "File",
    "Folder",
    "Group",
    "GroupMembershipAdd",
    "GroupMembershipDelete",
    "IgnoreStartTokenNotFoundError",
    "Item",
    "LatestFirst",
    "List",
    "Move",
    "Navigation",
    "RecursiveAll",
    "Rename",
    "RequireSecurityTrim",
    "Restore",
    "RoleAssignmentAdd",
    "RoleAssignmentDelete",
    "RoleDefinitionAdd",
    "RoleDefinitionDelete",
    "RoleDefinitionUpdate",
    "SecurityPolicy",
    "Site",
    "SystemUpdate",
    "Update",
    "User",
    "View",
    "Web",
];

/// Whether the request body is JSON light (`odata=nometadata`/`minimalmetadata`, or
/// OData 4's `odata.metadata=...`), where `__metadata` is no property.
fn light_body(ctx: &Ctx) -> bool {
    let ct = ctx
        .header("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    let ct = ct.replace(' ', "");
    ct.contains("odata=nometadata")
        || ct.contains("odata=minimalmetadata")
        || ct.contains("odata.metadata=")
}

/// The `query` parameter of the body, checked as SharePoint reads it: the only
/// parameter is `query`; its members are `SP.ChangeQuery` properties, by exact name
/// (`__metadata` only in a verbose body); the tokens are `SP.ChangeToken` objects.
fn read_query(ctx: &Ctx) -> Result<Map<String, Value>, Response> {
    let bad = |code: &str, msg: String| Err(ctx.err(StatusCode::BAD_REQUEST, code, &msg));
    let body = ctx.json_body()?;
    if let Some(k) = body.keys().find(|k| *k != "query") {
        return bad(
            codes::INVALID_QUERY,
            format!("The parameter {k} does not exist in method GetChanges."),
        );
    }
    let q = match body.get("query") {
        Some(Value::Object(q)) => q.clone(),
        Some(_) => {
            return bad(
                codes::INVALID_QUERY,
                "The parameter query must be a ChangeQuery object.".into(),
            )
        }
        None => {
            return bad(
                codes::ARGUMENT_NULL,
                "Value cannot be null.\r\nParameter name: query".into(),
            )
        }
    };
    let light = light_body(ctx);
    let unknown = |k: &str, ty: &str| {
        format!("The property '{k}' does not exist on type '{ty}'. Make sure to only use property names that are defined by the type.")
    };
    for (k, v) in &q {
        let known = QUERY_PROPERTIES.contains(&k.as_str()) || (k == "__metadata" && !light);
        if !known {
            return bad(codes::INVALID_QUERY, unknown(k, "SP.ChangeQuery"));
        }
        if k.starts_with("ChangeToken") {
            let Value::Object(t) = v else {
                return bad(
                    codes::INVALID_QUERY,
                    format!("An unexpected 'PrimitiveValue' node was found when reading from the JSON reader. A 'StartObject' node was expected for the property '{k}'."),
                );
            };
            for tk in t.keys() {
                if tk != "StringValue" && (tk != "__metadata" || light) {
                    return bad(codes::INVALID_QUERY, unknown(tk, "SP.ChangeToken"));
                }
            }
        }
    }
    Ok(q)
}

fn token_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Object(o) => o
            .get("StringValue")
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    }
}

/// `POST .../GetChanges` with a ChangeQuery body.
pub fn get_changes(ctx: &Ctx, list: usize) -> Response {
    if ctx.method != "POST" {
        return ctx.bad_method();
    }
    let q = match read_query(ctx) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let mut types: Vec<u8> = Vec::new();
    if flag(&q, "Item") {
        for (k, t) in [
            ("Add", vec![ct::ADD]),
            ("Update", vec![ct::UPDATE]),
            ("DeleteObject", vec![ct::DELETE_OBJECT]),
            ("Restore", vec![ct::RESTORE]),
            ("SystemUpdate", vec![ct::SYSTEM_UPDATE]),
            ("Rename", vec![4]),
            ("Move", vec![5, 6]),
        ] {
            if flag(&q, k) {
                types.extend(t);
            }
        }
    }
    let inner = ctx.app.lock();
    let now = inner.now_ms();
    let retention_ms = inner.knobs.retention_seconds.saturating_mul(1000);
    let site = &inner.sites[ctx.site];
    let l = &site.lists[list];
    let mut bounds = [None, None];
    for (i, key) in ["ChangeTokenStart", "ChangeTokenEnd"].iter().enumerate() {
        let Some(s) = token_string(q.get(*key)) else {
            continue;
        };
        let t = match parse_token(&s) {
            Ok(t) => t,
            Err(e) => return ctx.err(StatusCode::BAD_REQUEST, codes::ARGUMENT, &e),
        };
        if t.scope != 3 || t.guid != l.id {
            return ctx.err(
                StatusCode::INTERNAL_SERVER_ERROR,
                codes::TOKEN_OTHER,
                "Cannot use the changeToken from one object against a different object",
            );
        }
        if i == 0 && time::ms_from_ticks(t.ticks) < now.saturating_sub(retention_ms) {
            return ctx.err(
                StatusCode::from_u16(inner.knobs.expired_token_status)
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                codes::TOKEN_TOO_OLD,
                "The changeToken refers to a time before the start of the current change log.",
            );
        }
        bounds[i] = Some(t);
    }
    let limit = match q.get("FetchLimit").and_then(Value::as_i64) {
        Some(n) if n > 0 => (n as usize).min(inner.knobs.fetch_limit_max),
        _ => inner.knobs.fetch_limit_default,
    };
    // The start is exclusive, the end inclusive; a hand-made token (change number -1, as
    // `SPChangeToken(scope, id, changeTime)` makes) starts after its time, or ends with it.
    let end = |c: &Change| match &bounds[1] {
        None => true,
        Some(t) if t.number == -1 => time::ticks(c.time_ms) <= t.ticks,
        Some(t) => c.number <= t.number,
    };
    let from = match &bounds[0] {
        None => 0,
        Some(t) if t.number == -1 => l
            .changes
            .iter()
            .position(|c| time::ticks(c.time_ms) > t.ticks)
            .unwrap_or(l.changes.len()),
        Some(t) => l.changes.partition_point(|c| c.number <= t.number),
    };
    let fmt = ctx.fmt;
    let folder = l.entity_name();
    let folder = folder.strip_suffix("List").unwrap_or(&folder);
    let values: Vec<Value> = l.changes[from..]
        .iter()
        .take_while(|c| end(c))
        .filter(|c| c.time_ms >= now.saturating_sub(retention_ms) && types.contains(&c.change_type))
        .take(limit)
        .map(|c| {
            let mut tok = Map::new();
            tok.insert(
                "StringValue".into(),
                json!(format_token(l.id, c.time_ms, c.number)),
            );
            let mut m = Map::new();
            m.insert("ChangeToken".into(), fmt.complex(tok, "SP.ChangeToken"));
            m.insert("ChangeType".into(), json!(c.change_type));
            m.insert("SiteId".into(), json!(site.site_id.to_string()));
            m.insert("Time".into(), json!(time::iso(c.time_ms)));
            m.insert("Editor".into(), json!("Dev User"));
            m.insert(
                "EditorEmailHint".into(),
                json!("dev@contoso.onmicrosoft.com"),
            );
            m.insert("ItemId".into(), json!(c.item_id));
            m.insert("ListId".into(), json!(l.id.to_string()));
            m.insert("ListTitle".into(), json!(l.title));
            m.insert(
                "ServerRelativeUrl".into(),
                json!(format!("{}/Lists/{folder}/{}_.000", site.path, c.item_id)),
            );
            m.insert("UniqueId".into(), json!(c.unique_id.to_string()));
            m.insert("WebId".into(), json!(site.web_id.to_string()));
            let id = format!("SP.ChangeItem{}", Uuid::new_v4());
            let e = EntityMeta {
                ty: "SP.ChangeItem".into(),
                uri: format!("{}/_api/{id}", ctx.base),
                edit: id,
                etag: None,
            };
            fmt.entity(m, &e)
        })
        .collect();
    let url = format!("{}/_api/$metadata#Collection(SP.Change)", ctx.base);
    fmt.respond(StatusCode::OK, fmt.collection(values, &url, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let g = "482e418a-0900-414b-8902-02248c2e44e8";
        let t = parse_token(&format!("1;3;{g};634955266749500000;5749111")).unwrap();
        assert_eq!(
            (t.scope, t.number, t.guid.to_string()),
            (3, 5749111, g.to_string())
        );
        assert_eq!(
            parse_token(&format!("1;3;{{{}}};1;-1", g.to_uppercase()))
                .unwrap()
                .number,
            -1
        );
        for bad in [
            "",
            "1;3;x;1;1",
            "2;3;{g};1;1",
            "1;3;482e418a-0900-414b-8902-02248c2e44e8;x;1",
            "1;3",
        ] {
            assert!(parse_token(bad).is_err(), "{bad}");
        }
        let u = Uuid::parse_str(g).unwrap();
        assert_eq!(
            format_token(u, 0, 7),
            format!("1;3;{g};621355968000000000;7")
        );
    }
}
