//! Parsing of SharePoint REST responses in all metadata shapes:
//! `{"value":[...]}` (minimal/none/OData 4), `{"d":{"results":[...]}}` (verbose) and
//! single objects `{"d":{...}}` or bare. Unknown members are ignored throughout.

use std::fmt;

use super::token::normalize_guid;
use crate::json::{self, Json};
use crate::text;

/// A response that is not the expected shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError(pub String);

impl ParseError {
    /// The error for people (what `Display` shows).
    pub fn message(&self) -> String {
        text::concat(&["unexpected SharePoint response: ", &self.0])
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ParseError {}

pub(super) fn err<T>(what: &str) -> Result<T, ParseError> {
    Err(ParseError(what.to_owned()))
}

fn parse_json(body: &str) -> Result<Json, ParseError> {
    json::parse(body).map_err(|e| ParseError(e.message()))
}

/// The payload object: `d` when present (verbose), else the root.
fn payload(root: &Json) -> &Json {
    match root.get("d") {
        Some(d @ Json::Object(_)) => d,
        _ => root,
    }
}

/// The array of a collection response in any of the shapes.
pub fn collection(root: &Json) -> Option<&[Json]> {
    if let Some(v) = root.get("value").and_then(Json::as_array) {
        return Some(v);
    }
    let d = root.get("d")?;
    d.as_array()
        .or_else(|| d.get("results").and_then(Json::as_array))
}

/// The members [`parse_changes`] reads; the others are skipped unbuilt.
const CHANGE_KEYS: [&str; 8] = [
    "value",
    "d",
    "results",
    "ChangeToken",
    "StringValue",
    "ChangeType",
    "ItemId",
    "ListId",
];

/// A number that may also arrive as a numeric string.
pub(super) fn int(v: Option<&Json>) -> Option<i64> {
    match v? {
        Json::String(s) => text::parse_int(s.trim_ascii()),
        other => other.as_i64(),
    }
}

/// The kind of a change record (`ChangeType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeType {
    /// 1
    Add,
    /// 2
    Update,
    /// 3
    DeleteObject,
    /// 4
    Rename,
    /// 5
    MoveAway,
    /// 6
    MoveInto,
    /// 7
    Restore,
    /// 15
    SystemUpdate,
    /// Any other number (0 NoChange, role and navigation changes, ...): no item effect.
    Other(i64),
}

/// What a change means for one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemEffect {
    /// The item exists (again) or changed: read it.
    Upsert,
    /// The item is gone from the list.
    Delete,
}

impl ChangeType {
    /// From the `ChangeType` number.
    pub fn from_number(n: i64) -> Self {
        match n {
            1 => ChangeType::Add,
            2 => ChangeType::Update,
            3 => ChangeType::DeleteObject,
            4 => ChangeType::Rename,
            5 => ChangeType::MoveAway,
            6 => ChangeType::MoveInto,
            7 => ChangeType::Restore,
            15 => ChangeType::SystemUpdate,
            n => ChangeType::Other(n),
        }
    }

    /// From a name (as an OData 4 enum string might arrive), e.g. `"DeleteObject"`.
    pub fn from_name(name: &str) -> Self {
        const NAMES: [(&str, i64); 8] = [
            ("Add", 1),
            ("Update", 2),
            ("DeleteObject", 3),
            ("Rename", 4),
            ("MoveAway", 5),
            ("MoveInto", 6),
            ("Restore", 7),
            ("SystemUpdate", 15),
        ];
        let n = NAMES
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or(0, |(_, n)| *n);
        ChangeType::from_number(n)
    }

    /// Add/Restore/MoveInto/Update/SystemUpdate/Rename upsert; DeleteObject/MoveAway delete.
    pub fn effect(self) -> Option<ItemEffect> {
        match self {
            ChangeType::Add
            | ChangeType::Restore
            | ChangeType::MoveInto
            | ChangeType::Update
            | ChangeType::SystemUpdate
            | ChangeType::Rename => Some(ItemEffect::Upsert),
            ChangeType::DeleteObject | ChangeType::MoveAway => Some(ItemEffect::Delete),
            ChangeType::Other(_) => None,
        }
    }
}

/// One record of a GetChanges response (the fields item sync needs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// `ChangeToken.StringValue`: the position of this change in the log.
    pub token: Option<String>,
    /// `ChangeType`.
    pub change_type: ChangeType,
    /// `ItemId` (absent for non-item changes).
    pub item_id: Option<i64>,
    /// `ListId`, normalised lower-case.
    pub list_id: Option<String>,
}

/// Parses a GetChanges response. Records that are not objects are an error; records
/// without an `ItemId` are kept (their token still advances the cursor).
pub fn parse_changes(body: &str) -> Result<Vec<Change>, ParseError> {
    let root = json::parse_only(body, &CHANGE_KEYS).map_err(|e| ParseError(e.message()))?;
    let Some(records) = collection(&root) else {
        return err("no change collection");
    };
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        if !matches!(r, Json::Object(_)) {
            return err("change record is not an object");
        }
        let change_type = match r.get("ChangeType") {
            Some(Json::String(s)) if text::parse_int(s).is_none() => ChangeType::from_name(s),
            v => ChangeType::from_number(int(v).unwrap_or(0)),
        };
        out.push(Change {
            token: r
                .get("ChangeToken")
                .and_then(|t| t.get("StringValue"))
                .and_then(Json::as_str)
                .map(str::to_owned),
            change_type,
            item_id: int(r.get("ItemId")),
            list_id: r
                .get("ListId")
                .and_then(Json::as_str)
                .and_then(normalize_guid),
        });
    }
    Ok(out)
}

/// The form digest from `POST /_api/contextinfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextInfo {
    /// `FormDigestValue`, sent as `X-RequestDigest`.
    pub form_digest: String,
    /// `FormDigestTimeoutSeconds` (1800 when absent).
    pub timeout_secs: u64,
}

/// Parses a contextinfo response (verbose nests it in `d.GetContextWebInformation`).
pub fn parse_context_info(body: &str) -> Result<ContextInfo, ParseError> {
    let root = parse_json(body)?;
    let p = payload(&root);
    let p = p.get("GetContextWebInformation").unwrap_or(p);
    let Some(digest) = p.get("FormDigestValue").and_then(Json::as_str) else {
        return err("no FormDigestValue");
    };
    let timeout = int(p.get("FormDigestTimeoutSeconds"))
        .unwrap_or(1800)
        .max(0);
    Ok(ContextInfo {
        form_digest: digest.to_owned(),
        timeout_secs: timeout.unsigned_abs(),
    })
}

/// The list facts read before a load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListInfo {
    /// `CurrentChangeToken.StringValue`.
    pub current_token: String,
    /// `Id`, normalised, if selected and valid.
    pub id: Option<String>,
    /// `ItemCount`, if selected.
    pub item_count: Option<u32>,
}

/// Parses `GET {list}?$select=CurrentChangeToken,Id,ItemCount`.
pub fn parse_list_info(body: &str) -> Result<ListInfo, ParseError> {
    let root = parse_json(body)?;
    let p = payload(&root);
    let token = p
        .get("CurrentChangeToken")
        .and_then(|t| t.get("StringValue"));
    let Some(token) = token.and_then(Json::as_str) else {
        return err("no CurrentChangeToken");
    };
    Ok(ListInfo {
        current_token: token.to_owned(),
        id: p.get("Id").and_then(Json::as_str).and_then(normalize_guid),
        item_count: int(p.get("ItemCount")).and_then(|n| u32::try_from(n).ok()),
    })
}
