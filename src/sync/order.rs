//! Display order of a live list: by ID (the default) or by one field, ascending or
//! descending, ties broken by ID. Field values compare without parsing floats (it
//! would cost WebAssembly bytes): numbers by value, read as decimal digits and an
//! exponent; strings ordinally (ISO dates sort right); `null`/missing first.

use crate::json::{self, Json};
use crate::sharepoint::Item;
use crate::text;
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
            || !crate::sharepoint::is_field_path(field)
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

    /// The sort key of `item` (`Null` when sorting by ID or the field is missing). The
    /// field is matched by name, else ignoring ASCII case (SharePoint's `$select` does:
    /// `orderBy: "title"` sorts by `Title`); `Author/Title` reads `Title` of the
    /// expanded `Author`.
    pub fn key(&self, item: &Json) -> Json {
        self.find(item).cloned().unwrap_or(Json::Null)
    }

    /// The sort key of `item`, read from its text: only the members named as the field
    /// (or as a lookup's parts) are built; a key holding an array or object is read whole.
    pub fn item_key(&self, item: &Item) -> Json {
        let Some(field) = &self.field else {
            return Json::Null;
        };
        let names: Vec<&str> = text::split(field, "/").collect();
        let kept = json::parse_only(&item.text, &names).unwrap_or(Json::Null);
        match self.find(&kept) {
            // `parse_only` keeps members with those names at every depth, no others; a
            // name in another case, or after `OData_`, is found in the whole item.
            Some(Json::Array(_) | Json::Object(_)) | None => self.key(&item.value()),
            Some(key) => key.clone(),
        }
    }

    /// The field's value in `item`, each part of a lookup's path matched by name, else
    /// ignoring ASCII case; a name starting with `_` also as SharePoint's JSON spells
    /// it, after `OData_` (`_x0032_024Budget`, a column titled "2024 Budget", comes as
    /// `OData__x0032_024Budget`).
    fn find<'a>(&self, item: &'a Json) -> Option<&'a Json> {
        let mut value = Some(item);
        for name in text::split(self.field.as_deref()?, "/") {
            value = value.and_then(|v| {
                v.get(name).or_else(|| match v {
                    Json::Object(members) => {
                        let renamed = text::concat(&["OData_", name]);
                        members
                            .iter()
                            .find(|(k, _)| {
                                k.eq_ignore_ascii_case(name)
                                    || name.starts_with('_') && k.eq_ignore_ascii_case(&renamed)
                            })
                            .map(|(_, v)| v)
                    }
                    _ => None,
                })
            });
        }
        value
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

/// Orders JSON values: by kind, then numbers by value, the rest ordinally.
pub fn compare_values(a: &Json, b: &Json) -> Ordering {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => compare_numbers(x, y),
        (Json::String(x), Json::String(y)) => x.cmp(y),
        (Json::Bool(x), Json::Bool(y)) => x.cmp(y),
        (Json::Null, Json::Null) => Ordering::Equal,
        _ => rank(a)
            .cmp(&rank(b))
            .then_with(|| a.to_json().cmp(&b.to_json())),
    }
}

/// A JSON number's text (as the parser checked it) by value: sign, then the decimal
/// exponent of its first significant digit, then its digits.
fn compare_numbers(x: &str, y: &str) -> Ordering {
    let (a, b) = (Decimal::read(x.as_bytes()), Decimal::read(y.as_bytes()));
    let sign = |d: &Decimal| match d.len {
        0 => 0,
        _ if d.negative => -1,
        _ => 1,
    };
    let by_sign = sign(&a).cmp(&sign(&b));
    if by_sign != Ordering::Equal || sign(&a) == 0 {
        return by_sign;
    }
    let mut magnitude = a.exponent.cmp(&b.exponent);
    let mut i = 0;
    while magnitude == Ordering::Equal && (i < a.len || i < b.len) {
        magnitude = a.digit(i).cmp(&b.digit(i));
        i += 1;
    }
    if a.negative {
        magnitude.reverse()
    } else {
        magnitude
    }
}

/// A number as `0.DIGITS x 10^exponent`: its `len` significant digits are the
/// mantissa's from `start` (the first nonzero one), stepping over the point.
struct Decimal<'a> {
    negative: bool,
    mantissa: &'a [u8],
    start: usize,
    point: usize,
    len: usize,
    exponent: i64,
}

impl<'a> Decimal<'a> {
    fn read(text: &'a [u8]) -> Self {
        let negative = text.first() == Some(&b'-');
        let text = &text[usize::from(negative)..];
        let end = text
            .iter()
            .position(|&b| b | 0x20 == b'e')
            .unwrap_or(text.len());
        // The exponent, clamped far beyond what any digits could offset.
        let mut exponent: i64 = 0;
        for &b in &text[end..] {
            if b.is_ascii_digit() {
                exponent = (exponent * 10 + i64::from(b - b'0')).min(1 << 40);
            }
        }
        if text.get(end + 1) == Some(&b'-') {
            exponent = -exponent;
        }
        let mantissa = &text[..end];
        let point = mantissa.iter().position(|&b| b == b'.').unwrap_or(end);
        let start = mantissa
            .iter()
            .position(|&b| b != b'0' && b != b'.')
            .unwrap_or(end);
        // 0.DIGITS: the point sits before the first significant digit.
        exponent += point as i64 - start as i64 + i64::from(start > point);
        let mut d = Decimal {
            negative,
            mantissa,
            start,
            point,
            len: end - start - usize::from(start < point && point < end),
            exponent,
        };
        while d.len > 0 && d.digit(d.len - 1) == b'0' {
            d.len -= 1;
        }
        d
    }

    /// The `i`th significant digit (`0` past the last).
    fn digit(&self, i: usize) -> u8 {
        let at = self.start + i;
        match at + usize::from(at >= self.point && self.start < self.point) {
            _ if i >= self.len => b'0',
            at => self.mantissa[at],
        }
    }
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;
