//! List items as read from SharePoint: each keeps its id, its JSON text as received, the
//! fingerprint of its content and where it was read ([`Origin`]).

use super::parse::{collection, err, int, ParseError};
use crate::json::{self, Json};

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
