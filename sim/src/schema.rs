//! A list's columns and SharePoint's refusals of item queries that name a column the
//! list does not have: `$select`, `$expand`, `$filter` and `$orderby` are checked
//! against the built-in columns every item has, the person columns `Author`/`Editor`
//! and the columns of the list (created by any write that set them, or declared through
//! the admin API), so that a query a tenant refuses is refused here too.
//!
//! What SharePoint Online answers (sources in `sim/README.md`):
//! - an unknown name in `$select` or `$expand`: 400, `-1, Microsoft.SharePoint.SPException`,
//!   "The field or property 'X' does not exist." (seen for both; for `$orderby` the same
//!   answer is *unconfirmed*);
//! - a person (lookup) column selected bare or through `Column/Field` without its
//!   `$expand`: 400, same code, "The query to field 'X' is not valid. The $select query
//!   string must specify the target fields and the $expand query string must contains X."
//!   (seen for the bare column; that `Column/Field` names the column is *unconfirmed*);
//! - an unknown column in `$filter`: "Column 'X' does not exist. It may have been deleted
//!   by another user." (seen; the names are case-sensitive there). Code
//!   `-2147024809, System.ArgumentException` as reported with that message; status 400
//!   *unconfirmed*.
//! - a column whose internal name starts with `_` (`_x0032_024Budget`, titled
//!   "2024 Budget") is the property `OData__x0032_024Budget`: items carry it under that
//!   name and `$select` names it so; `$select=_x0032_024Budget` is an unknown property
//!   (seen). `$filter` takes the property name (seen); that it also takes the internal
//!   name is *unconfirmed* (the sim takes both, in `$orderby` too).

use serde_json::{json, Value};

use crate::filter::Expr;
use crate::odata::codes;
use crate::query::Query;
use crate::store::{Item, List};
use crate::users::{is_user_field, Selection, PERSON_COLUMNS};

/// Columns every list item has, whatever was written: the ones the sim serves in every
/// item and those it serves only when selected (see [`extra_value`]).
pub const BUILT_IN: [&str; 19] = [
    "Id",
    "ID",
    "Title",
    "Created",
    "Modified",
    "AuthorId",
    "EditorId",
    "GUID",
    "ContentTypeId",
    "FileSystemObjectType",
    "Attachments",
    "FileRef",
    "FileLeafRef",
    "FileDirRef",
    "OData__UIVersionString",
    "UniqueId",
    "ComplianceAssetId",
    "ServerRedirectedEmbedUri",
    "ServerRedirectedEmbedUrl",
];

/// Why an item query is refused: SharePoint's error code and message (status 400).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// `-N, Type` error code.
    pub code: &'static str,
    /// The message.
    pub message: String,
}

fn no_property(name: &str) -> Refusal {
    Refusal {
        code: codes::FIELD,
        message: format!("The field or property '{name}' does not exist."),
    }
}

fn not_valid(field: &str, rest: &str) -> Refusal {
    Refusal {
        code: codes::FIELD,
        message: format!("The query to field '{field}' is not valid.{rest}"),
    }
}

/// The `$select` refusal of a person column read without its `$expand`.
fn needs_expand(column: &str) -> Refusal {
    not_valid(
        column,
        &format!(
            " The $select query string must specify the target fields and the $expand \
             query string must contains {column}."
        ),
    )
}

fn no_column(name: &str) -> Refusal {
    Refusal {
        code: codes::COLUMN_MISSING,
        message: format!(
            "Column '{name}' does not exist. It may have been deleted by another user."
        ),
    }
}

/// The internal name of a column SharePoint's REST names `name`: `OData__X` is the
/// column `_X` (any case of `OData_`); any other name is its own.
pub fn internal_name(name: &str) -> &str {
    match name.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("OData__") => &name[6..],
        _ => name,
    }
}

/// The name SharePoint's REST gives the column `name`: `OData_` before a name that
/// starts with `_`.
pub fn rest_name(name: &str) -> std::borrow::Cow<'_, str> {
    match name.starts_with('_') {
        true => format!("OData_{name}").into(),
        false => name.into(),
    }
}

fn person(name: &str) -> Option<&'static str> {
    PERSON_COLUMNS
        .into_iter()
        .find(|c| c.eq_ignore_ascii_case(name))
}

impl List {
    /// Adds the columns a write set that the list does not have yet.
    pub fn add_columns<'a>(&mut self, names: impl IntoIterator<Item = &'a String>) {
        for name in names {
            if !self.has_column(name, false) {
                self.columns.push(name.clone());
            }
        }
    }

    /// Whether `name` is a built-in or list column (not a person column), its case
    /// ignored unless `exact`; a list column by its internal or its REST name.
    pub fn has_column(&self, name: &str, exact: bool) -> bool {
        let same = |c: &str, name: &str| {
            if exact {
                c == name
            } else {
                c.eq_ignore_ascii_case(name)
            }
        };
        let internal = internal_name(name);
        BUILT_IN.iter().any(|c| same(c, name)) || self.columns.iter().any(|c| same(c, internal))
    }
}

/// Checks an item query's `$expand`, `$select`, `$filter` (already parsed) and
/// `$orderby` against the list's columns; returns what to read, or SharePoint's refusal.
pub fn check(list: &List, q: &Query, filter: Option<&Expr>) -> Result<Selection, Refusal> {
    let mut expand = Vec::new();
    for name in q.list("$expand") {
        match person(&name) {
            Some(column) => expand.push(column),
            // Expanding a column that is no lookup (*unconfirmed* wording).
            None if list.has_column(&name, false) => return Err(not_valid(&name, "")),
            None => return Err(no_property(&name)),
        }
    }
    let select = Selection {
        select: q.select(),
        expand,
    };
    let expanded = |c: &str| select.expand.iter().any(|e| e.eq_ignore_ascii_case(c));
    for name in &select.select {
        match name.split_once('/') {
            Some((column, field)) => match person(column) {
                Some(_) if !expanded(column) => return Err(needs_expand(column)),
                Some(_) if !is_user_field(field) => return Err(no_property(field)),
                Some(_) => {}
                None if list.has_column(column, false) => return Err(not_valid(name, "")),
                None => return Err(no_property(column)),
            },
            None if person(name).is_some() && !expanded(name) => return Err(needs_expand(name)),
            // A column's internal name starting with `_` is no property.
            None if name.starts_with('_') => return Err(no_property(name)),
            None if person(name).is_none() && !list.has_column(name, false) => {
                return Err(no_property(name))
            }
            None => {}
        }
    }
    for name in filter.map(Expr::fields).unwrap_or_default() {
        match name.split_once('/') {
            // The filter's own wording for a missing `$expand` (*unconfirmed*).
            Some((column, _)) if person(column).is_some() && !expanded(column) => {
                let msg = format!(" The $expand query string must contains {column}.");
                return Err(not_valid(column, &msg));
            }
            Some((column, field)) if person(column).is_some() && !is_user_field(field) => {
                return Err(no_property(field))
            }
            Some((column, _)) if person(column).is_some() => {}
            Some((column, _)) => return Err(no_column(column)),
            None if person(&name).is_some() || list.has_column(&name, true) => {}
            None => return Err(no_column(&name)),
        }
    }
    for part in q.list("$orderby") {
        let name = part.split_whitespace().next().unwrap_or("");
        if person(name).is_none() && !list.has_column(name, false) {
            return Err(no_property(name));
        }
    }
    Ok(select)
}

/// A built-in column the sim serves only when selected (`FileRef`,
/// `OData__UIVersionString`, ...): its name as SharePoint spells it and its value;
/// `None` for any other name. `base` is the site URL.
pub fn extra_value(list: &List, item: &Item, base: &str, name: &str) -> Option<(String, Value)> {
    let name = BUILT_IN.iter().find(|c| c.eq_ignore_ascii_case(name))?;
    let site = base.find("://").map_or(base, |i| {
        let rest = &base[i + 3..];
        rest.find('/').map_or("", |j| &rest[j..])
    });
    let folder = format!(
        "{site}/Lists/{}",
        list.entity_name().trim_end_matches("List")
    );
    let leaf = format!("{}_.000", item.id);
    let value = match *name {
        "FileRef" => json!(format!("{folder}/{leaf}")),
        "FileLeafRef" => json!(leaf),
        "FileDirRef" => json!(folder),
        "OData__UIVersionString" => json!(format!("{}.0", item.version)),
        "UniqueId" => json!(item.unique_id.to_string()),
        "ServerRedirectedEmbedUrl" => json!(""),
        "ComplianceAssetId" | "ServerRedirectedEmbedUri" => Value::Null,
        _ => return None,
    };
    Some((name.to_string(), value))
}
