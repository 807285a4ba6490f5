//! Tests of row order: parsing, keys read from item texts, value comparison.

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
    for bad in [
        "Title up",
        "Title desc x",
        "f(x)",
        "a,b",
        "Author/",
        "A/B/C desc",
    ] {
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

#[test]
fn lookup_fields_read_the_expanded_column() {
    let verbose = r#"{"__metadata":{"type":"SP.Data.X"},"Id":2,"Title":"t",
        "Author":{"__metadata":{"type":"SP.Data.UserInfoItem"},"Title":"Zoe","EMail":"z@x"}}"#;
    let plain = r#"{"Id":3,"Author":{"Title":"Adele"}}"#;
    let items = [verbose, plain, r#"{"Id":4,"Author":null}"#]
        .map(|text| Item::from_value(&json::parse(text).unwrap()).unwrap());
    let order = Order::parse("Author/Title desc").unwrap();
    let keys: Vec<Json> = items.iter().map(|item| order.item_key(item)).collect();
    assert_eq!(keys, [Json::from("Zoe"), Json::from("Adele"), Json::Null]);
    for (item, key) in items.iter().zip(&keys) {
        assert_eq!(&order.key(&item.value()), key);
    }
    // Case-insensitive at each level, as for plain fields.
    assert_eq!(
        Order::parse("author/email").unwrap().item_key(&items[0]),
        Json::from("z@x")
    );
    assert_eq!(
        order.compare((&keys[0], 2), (&keys[1], 3)),
        std::cmp::Ordering::Less
    );
}

/// SharePoint's JSON puts `OData_` before a field name that starts with `_`: a column
/// titled "2024 Budget" (internal name `_x0032_024Budget`) comes as
/// `OData__x0032_024Budget`, `_UIVersionString` as `OData__UIVersionString`. An order by
/// the internal name sorted every row as null.
#[test]
fn a_field_starting_with_an_underscore_is_read_as_sharepoint_spells_it() {
    let texts = [
        r#"{"Id":1,"OData__x0032_024Budget":300,"OData__UIVersionString":"2.0"}"#,
        r#"{"Id":2,"OData__x0032_024Budget":100,"OData__UIVersionString":"10.0"}"#,
        r#"{"Id":3,"odata__x0032_024budget":200}"#,
    ];
    let items = texts.map(|text| Item::from_value(&json::parse(text).unwrap()).unwrap());
    let keys = |order: &str| -> Vec<Json> {
        let order = Order::parse(order).unwrap();
        items
            .iter()
            .map(|item| {
                let key = order.item_key(item);
                assert_eq!(order.key(&item.value()), key);
                key
            })
            .collect()
    };
    let number = |n: &str| json::parse(n).unwrap();
    assert_eq!(
        keys("_x0032_024Budget desc"),
        [number("300"), number("100"), number("200")]
    );
    assert_eq!(
        keys("_UIVersionString"),
        [Json::from("2.0"), Json::from("10.0"), Json::Null]
    );
    // The name as the JSON spells it still works, and a name without `_` is not renamed.
    assert_eq!(keys("OData__UIVersionString")[1], Json::from("10.0"));
    assert_eq!(
        keys("x0032_024Budget"),
        [Json::Null, Json::Null, Json::Null]
    );
}
