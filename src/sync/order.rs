//! Display order of a live list: by ID (the default) or by one field, ascending or
//! descending, ties broken by ID. Field values compare without parsing floats (it
//! would cost WebAssembly bytes): numbers by value, read as decimal digits and an
//! exponent; strings ordinally (ISO dates sort right); `null`/missing first.

use crate::json::{self, Json};
use crate::sharepoint::Item;
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

    /// The sort key of `item` (`Null` when sorting by ID or the field is missing). The
    /// field is matched by name, else ignoring ASCII case (SharePoint's `$select` does:
    /// `orderBy: "title"` sorts by `Title`).
    pub fn key(&self, item: &Json) -> Json {
        let Some(field) = &self.field else {
            return Json::Null;
        };
        let loose = || match item {
            Json::Object(members) => members.iter().find(|(k, _)| k.eq_ignore_ascii_case(field)),
            _ => None,
        };
        item.get(field)
            .or_else(|| loose().map(|(_, v)| v))
            .cloned()
            .unwrap_or(Json::Null)
    }

    /// The sort key of `item`, read from its text: only the field is built (a field
    /// holding an array or object is read whole).
    pub fn item_key(&self, item: &Item) -> Json {
        let Some(field) = &self.field else {
            return Json::Null;
        };
        let kept = json::parse_only(&item.text, &[field]).unwrap_or(Json::Null);
        match kept.get(field) {
            // `parse_only` keeps members named `field` at every depth, no others; a name
            // in another case is found in the whole item.
            Some(Json::Array(_) | Json::Object(_)) | None => self.key(&item.value()),
            Some(key) => key.clone(),
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

    /// Numbers compare by value, whatever their form (integers, decimals, exponents):
    /// a column of 2, 10 and 15.5 sorts as such, and the order is total (transitive),
    /// which the binary searches over the display order rely on.
    #[test]
    fn numbers_compare_by_value_in_any_form() {
        let v = |s: &str| json::parse(s).unwrap();
        let lt = |a: &str, b: &str| {
            assert_eq!(compare_values(&v(a), &v(b)), Ordering::Less, "{a} < {b}");
            assert_eq!(compare_values(&v(b), &v(a)), Ordering::Greater, "{b} > {a}");
        };
        lt("2", "10");
        lt("10", "15.5");
        lt("2", "15.5");
        lt("-15.5", "-2");
        lt("-0.5", "0");
        lt("0", "1E-05");
        lt("1E-05", "0.001");
        lt("9.99", "1e1");
        lt("99999999999999999999", "1e21");
        lt("-1e999999999999999999999", "-1e99");
        for (a, b) in [
            ("1", "1.0"),
            ("0", "-0.0"),
            ("150", "1.5e2"),
            ("0.25", "25E-2"),
        ] {
            assert_eq!(compare_values(&v(a), &v(b)), Ordering::Equal, "{a} = {b}");
        }
        // Against f64 on random decimals: the same order.
        let mut rng = crate::sync::SplitMix64::new(3);
        let numbers: Vec<String> = (0..300)
            .map(|_| {
                let int = rng.up_to(2_000) as i64 - 1_000;
                let frac = format!("{:0w$}", rng.up_to(999), w = 1 + rng.up_to(3) as usize);
                let e = rng.up_to(8) as i64 - 4;
                match rng.up_to(4) {
                    0 => int.to_string(),
                    1 => format!("{int}.{frac}"),
                    2 => format!("{int}E{e}"),
                    _ => format!("{}0.{frac}e{e}", if int < 0 { "-" } else { "" }),
                }
            })
            .collect();
        for a in &numbers {
            for b in &numbers {
                let (x, y) = (a.parse::<f64>().unwrap(), b.parse::<f64>().unwrap());
                if (x - y).abs() > 1e-9 * x.abs().max(y.abs()) {
                    let ours = compare_values(&v(a), &v(b));
                    assert_eq!(ours, x.partial_cmp(&y).unwrap(), "{a} vs {b}");
                }
            }
        }
    }

    /// The key read from an item's text is the key of the whole item, whatever else
    /// carries the field's name (nested objects, arrays, repeated members).
    #[test]
    fn item_keys_read_from_the_text_match_the_whole_item() {
        let mut rng = crate::sync::SplitMix64::new(17);
        fn random(rng: &mut crate::sync::SplitMix64, depth: u32) -> Json {
            match rng.up_to(if depth > 2 { 3 } else { 5 }) {
                0 => Json::Null,
                1 => Json::from(rng.up_to(20) as i64 - 10),
                2 => Json::from(["a", "B", "é", "2026-01-02"][rng.up_to(3) as usize]),
                3 => Json::Array((0..rng.up_to(3)).map(|_| random(rng, depth + 1)).collect()),
                _ => Json::Object(
                    (0..rng.up_to(4))
                        .map(|_| {
                            let name = ["Title", "N", "y", "x"][rng.up_to(3) as usize];
                            (name.to_owned(), random(rng, depth + 1))
                        })
                        .collect(),
                ),
            }
        }
        for _ in 0..2_000 {
            let mut value = random(&mut rng, 0);
            if let Json::Object(members) = &mut value {
                members.insert(0, ("Id".into(), Json::from(1)));
            } else {
                value = Json::Object(vec![("Id".into(), Json::from(1)), ("Title".into(), value)]);
            }
            let item = Item::from_value(&value).unwrap();
            for field in ["Title", "N", "x"] {
                let order = Order::parse(field).unwrap();
                assert_eq!(
                    order.item_key(&item),
                    order.key(&value),
                    "{field} of {}",
                    item.text
                );
            }
        }
    }

    /// `orderBy` names a field as SharePoint's `$select` does, ignoring case: an exact
    /// name wins, else the first member whose name matches ignoring ASCII case.
    #[test]
    fn fields_match_ignoring_case_when_no_exact_name() {
        let text = r#"{"Id":1,"Title":"b","title":"a","N":3}"#;
        let item = Item::from_value(&json::parse(text).unwrap()).unwrap();
        let key = |order: &str| Order::parse(order).unwrap().item_key(&item);
        assert_eq!(key("title"), Json::from("a"));
        assert_eq!(key("Title"), Json::from("b"));
        assert_eq!(key("TITLE"), Json::from("b"));
        assert_eq!(key("n"), json::parse("3").unwrap());
        assert_eq!(key("Missing"), Json::Null);
    }
}
