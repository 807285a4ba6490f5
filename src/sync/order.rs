//! Display order of a live list: by ID (the default) or by one field, ascending or
//! descending, ties broken by ID. Field values compare without parsing floats (it
//! would cost WebAssembly bytes): integers numerically, other numbers and strings
//! ordinally (ISO dates sort right), `null`/missing first.

use crate::json::{self, Json};
use crate::sharepoint::Item;
use crate::text::parse_int;
use std::cmp::Ordering;

/// How rows are ordered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Order {
    /// The field to sort by; `None` sorts by ID.
    pub field: Option<String>,
    /// Largest first.
    pub descending: bool,
}

impl Order {
    /// Parses OData-like `"Field"`, `"Field asc"` or `"Field desc"`; `""`, `"ID"` and
    /// `"Id"` mean by ID. `None` for anything else.
    pub fn parse(text: &str) -> Option<Order> {
        let mut words = text.split_ascii_whitespace();
        let field = words.next().unwrap_or("");
        let descending = match words.next() {
            None => false,
            Some(w) if w.eq_ignore_ascii_case("asc") => false,
            Some(w) if w.eq_ignore_ascii_case("desc") => true,
            Some(_) => return None,
        };
        if words.next().is_some()
            || field
                .bytes()
                .any(|b| matches!(b, b'(' | b')' | b',' | b'\''))
        {
            return None;
        }
        let by_id = field.is_empty() || field.eq_ignore_ascii_case("id");
        Some(Order {
            field: (!by_id).then(|| field.to_owned()),
            descending,
        })
    }

    /// The sort key of `item` (`Null` when sorting by ID or the field is missing).
    pub fn key(&self, item: &Json) -> Json {
        match &self.field {
            Some(field) => item.get(field).cloned().unwrap_or(Json::Null),
            None => Json::Null,
        }
    }

    /// The sort key of `item`, read from its text: only the field is built (a field
    /// holding an array or object is read whole).
    pub fn item_key(&self, item: &Item) -> Json {
        let Some(field) = &self.field else {
            return Json::Null;
        };
        let kept = json::parse_only(&item.text, &[field]).unwrap_or(Json::Null);
        match kept.get(field) {
            // `parse_only` keeps members named `field` at every depth, no others.
            Some(Json::Array(_) | Json::Object(_)) => self.key(&item.value()),
            Some(key) => key.clone(),
            None => Json::Null,
        }
    }

    /// Compares two rows given their keys and ids.
    pub fn compare(&self, a: (&Json, i64), b: (&Json, i64)) -> Ordering {
        let by_key = match self.field {
            Some(_) => compare_values(a.0, b.0).then(a.1.cmp(&b.1)),
            None => a.1.cmp(&b.1),
        };
        if self.descending {
            by_key.reverse()
        } else {
            by_key
        }
    }
}

fn rank(value: &Json) -> u8 {
    match value {
        Json::Null => 0,
        Json::Bool(_) => 1,
        Json::Number(_) => 2,
        Json::String(_) => 3,
        Json::Array(_) => 4,
        Json::Object(_) => 5,
    }
}

/// Orders JSON values: by kind, then integers numerically, the rest ordinally.
pub fn compare_values(a: &Json, b: &Json) -> Ordering {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => match (parse_int(x), parse_int(y)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => x.cmp(y),
        },
        (Json::String(x), Json::String(y)) => x.cmp(y),
        (Json::Bool(x), Json::Bool(y)) => x.cmp(y),
        (Json::Null, Json::Null) => Ordering::Equal,
        _ => rank(a)
            .cmp(&rank(b))
            .then_with(|| a.to_json().cmp(&b.to_json())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn an_items_key_is_read_from_its_text_whole() {
        let text = r#"{"Id":1,"T":"b","Who":{"T":"x","Id":5},"Tags":[{"T":1},2]}"#;
        let item = Item::from_value(&json::parse(text).unwrap()).unwrap();
        let key = |order: &str| Order::parse(order).unwrap().item_key(&item);
        assert_eq!(key("T"), Json::from("b"));
        // A container is read whole, though the fast path keeps only members named
        // like the field.
        assert_eq!(key("Who desc"), json::parse(r#"{"T":"x","Id":5}"#).unwrap());
        assert_eq!(key("Tags"), json::parse(r#"[{"T":1},2]"#).unwrap());
        assert_eq!(key("Missing"), Json::Null);
        assert_eq!(key("ID"), Json::Null);
    }

    #[test]
    fn parses_order_expressions() {
        assert_eq!(Order::parse(""), Some(Order::default()));
        assert_eq!(
            Order::parse("ID desc"),
            Some(Order {
                field: None,
                descending: true
            })
        );
        assert_eq!(
            Order::parse("SentDate desc"),
            Some(Order {
                field: Some("SentDate".into()),
                descending: true
            })
        );
        assert_eq!(
            Order::parse(" Title  asc "),
            Some(Order {
                field: Some("Title".into()),
                descending: false
            })
        );
        for bad in ["Title up", "Title desc x", "f(x)", "a,b"] {
            assert_eq!(Order::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn compares_values_and_breaks_ties_by_id() {
        let v = |s: &str| json::parse(s).unwrap();
        assert_eq!(compare_values(&v("9"), &v("10")), Ordering::Less);
        assert_eq!(
            compare_values(
                &v("\"2026-01-02T00:00:00Z\""),
                &v("\"2025-12-31T00:00:00Z\"")
            ),
            Ordering::Greater
        );
        assert_eq!(compare_values(&v("null"), &v("\"a\"")), Ordering::Less);
        let order = Order::parse("Title desc").unwrap();
        assert_eq!(
            order.compare((&v("\"b\""), 1), (&v("\"a\""), 2)),
            Ordering::Less
        );
        assert_eq!(
            order.compare((&v("\"a\""), 1), (&v("\"a\""), 2)),
            Ordering::Greater
        );
    }
}
