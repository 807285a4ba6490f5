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

fn err<T>(what: &str) -> Result<T, ParseError> {
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
fn int(v: Option<&Json>) -> Option<i64> {
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

/// A list item as read from SharePoint: its id, its JSON text as received, and the
/// fingerprint of its content. The item is not kept as a [`Json`] tree: the rows live
/// in JavaScript, which gets the text (or, with an [`Origin`], the object a driver
/// parsed from the same response); [`Item::value`] parses it when Rust needs more.
/// Items are equal when their ids and texts are: the origin is not content.
#[derive(Clone, Debug)]
pub struct Item {
    /// `Id` (else `ID`).
    pub id: i64,
    /// The item object's JSON text: as SharePoint sent it (handed on as it is, not
    /// written again), or compact JSON for an item made in code.
    pub text: String,
    /// [`json::fingerprint`] of the object: equal for equal content, whatever the
    /// whitespace or escapes of the text.
    pub print: json::Fingerprint,
    /// Where in which response the item was read, if it was.
    pub origin: Option<Origin>,
}

/// Where an [`Item`] was read: record `index` of the collection in part `part` of the
/// response to request `request` (a response that is not a `$batch` is part 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The request's id ([`crate::sync::HttpRequest::id`]).
    pub request: u64,
    /// The `$batch` part, counted from 0.
    pub part: u16,
    /// The record's position in the part's item collection.
    pub index: u32,
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        (self.id, &self.text, self.print) == (other.id, &other.text, other.print)
    }
}

impl Eq for Item {}

impl Item {
    /// An item made in code from its object; `None` without a readable id.
    pub fn from_value(value: &Json) -> Option<Item> {
        Some(Item {
            id: item_id(value)?,
            text: value.to_json(),
            print: json::fingerprint(value),
            origin: None,
        })
    }

    /// The whole item object, parsed from its text (which is valid JSON by
    /// construction: `Null` if it were not).
    pub fn value(&self) -> Json {
        json::parse(&self.text).unwrap_or(Json::Null)
    }
}

/// `items` as one JSON array text, from their texts.
pub fn items_text<'a>(items: impl IntoIterator<Item = &'a Item>) -> String {
    let mut text = String::from("[");
    for item in items {
        if text.len() > 1 {
            text.push(',');
        }
        text.push_str(&item.text);
    }
    text.push(']');
    text
}

/// One page of list items.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemsPage {
    /// The items in response order.
    pub items: Vec<Item>,
    /// The next page link (`odata.nextLink`, `@odata.nextLink` or `d.__next`), if any.
    pub next_link: Option<String>,
}

/// The id of an item object (`Id`, else `ID`), numbers or numeric strings.
pub fn item_id(item: &Json) -> Option<i64> {
    int(item.get("Id")).or_else(|| int(item.get("ID")))
}

/// The members [`parse_items`] builds: the collection, the next-page links and the
/// item ids; every item is checked, noted and fingerprinted, but not built.
const ITEMS_KEYS: [&str; 8] = [
    "value",
    "d",
    "results",
    "odata.nextLink",
    "@odata.nextLink",
    "__next",
    "Id",
    "ID",
];

/// Parses an items response; an item without a readable id is an error. Each item
/// keeps its source text and the fingerprint of its content.
pub fn parse_items(body: &str) -> Result<ItemsPage, ParseError> {
    parse_items_at(body, None)
}

/// [`parse_items`] of part `part` of the response to request `request`: each item
/// knows its [`Origin`].
pub fn parse_items_from(body: &str, request: u64, part: u16) -> Result<ItemsPage, ParseError> {
    parse_items_at(body, Some((request, part)))
}

fn parse_items_at(body: &str, at: Option<(u64, u16)>) -> Result<ItemsPage, ParseError> {
    let (root, elements) =
        json::parse_elements(body, &ITEMS_KEYS).map_err(|e| ParseError(e.message()))?;
    let link = |v: &Json| {
        ["odata.nextLink", "@odata.nextLink", "__next"]
            .iter()
            .find_map(|k| v.get(k).and_then(Json::as_str).map(str::to_owned))
    };
    let next_link = link(&root)
        .or_else(|| root.get("d").and_then(link))
        .filter(|l| !l.is_empty());
    let Some(records) = collection(&root) else {
        return err("no item collection");
    };
    // The collection is a built array one or two levels deep, so each of its records
    // is a noted element; as many elements as records means they are the records'.
    if elements.len() != records.len() {
        return err("more than one array of records");
    }
    let mut items = Vec::with_capacity(records.len());
    for (index, (record, element)) in records.iter().zip(elements).enumerate() {
        let Some(id) = item_id(record) else {
            return err("item without Id");
        };
        items.push(Item {
            id,
            text: body[element.span].to_owned(),
            print: element.print,
            origin: at.map(|(request, part)| Origin {
                request,
                part,
                index: index as u32,
            }),
        });
    }
    Ok(ItemsPage { items, next_link })
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
