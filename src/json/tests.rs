use super::*;

#[test]
fn parses_scalars_and_keeps_number_text() {
    assert_eq!(parse("null").unwrap(), Json::Null);
    assert_eq!(parse(" true ").unwrap(), Json::Bool(true));
    assert_eq!(parse("-1.50e+3").unwrap(), Json::Number("-1.50e+3".into()));
    assert_eq!(parse("25000").unwrap().as_i64(), Some(25000));
    assert_eq!(parse("1.5").unwrap().as_i64(), None);
}

#[test]
fn parses_nested_structures_in_order() {
    let v = parse(r#"{"sid":"abc","upgrades":[],"pingInterval":25000,"x":{"y":[1,{"z":null}]}}"#)
        .unwrap();
    assert_eq!(v.get("sid").and_then(Json::as_str), Some("abc"));
    assert_eq!(v.get("pingInterval").and_then(Json::as_i64), Some(25000));
    assert_eq!(
        v.get("upgrades").and_then(Json::as_array).map(<[_]>::len),
        Some(0)
    );
    assert_eq!(v.get("missing"), None);
    assert_eq!(
        v.to_json(),
        r#"{"sid":"abc","upgrades":[],"pingInterval":25000,"x":{"y":[1,{"z":null}]}}"#
    );
}

#[test]
fn unescapes_and_escapes_strings() {
    let v = parse(r#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#).unwrap();
    assert_eq!(v.as_str(), Some("a\"b\\c/d\né😀"));
    assert_eq!(v.to_json(), "\"a\\\"b\\\\c/d\\né😀\"");
    assert_eq!(Json::from("\u{1}").to_json(), "\"\\u0001\"");
}

#[test]
fn lone_surrogates_become_replacement_characters_without_losing_text() {
    assert_eq!(parse(r#""\ud800x""#).unwrap().as_str(), Some("\u{FFFD}x"));
    assert_eq!(
        parse(r#""\ud800\u0041""#).unwrap().as_str(),
        Some("\u{FFFD}A")
    );
}

#[test]
fn rejects_malformed_input_with_an_offset() {
    for bad in [
        "",
        "{",
        "[1,]",
        "{\"a\" 1}",
        "01",
        "1.",
        "-",
        "1e",
        "\"abc",
        "tru",
        "nul",
        "[1 2]",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\u+123\"",
        "{1:2}",
        "\"a\u{1}\"",
        "1 2",
        "[",
        "{\"a\":}",
    ] {
        let err = parse(bad).expect_err(bad);
        assert!(err.offset <= bad.len(), "{bad}: {err}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = "[".repeat(100_000);
    assert_eq!(parse(&deep).unwrap_err().reason, "nested too deeply");
    let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(parse(&ok).is_ok());
}

#[test]
fn utf8_text_is_preserved() {
    let v = parse("[\"Grüße — 東京\"]").unwrap();
    assert_eq!(v.as_array().unwrap()[0].as_str(), Some("Grüße — 東京"));
}

#[test]
fn control_characters_are_written_as_u_escapes() {
    assert_eq!(
        Json::from("\u{0}\u{b}\u{1f}\u{7f}").to_json(),
        "\"\\u0000\\u000b\\u001f\u{7f}\""
    );
    let all: String = (0..0x20).filter_map(char::from_u32).collect();
    assert_eq!(
        parse(&Json::from(all.as_str()).to_json()).unwrap().as_str(),
        Some(&*all)
    );
}

#[test]
fn long_strings_with_escapes_anywhere_round_trip() {
    // Runs of plain bytes are scanned eight at a time: put the specials at every
    // offset of a word, next to multi-byte characters.
    for at in 0..17 {
        for special in ["\"", "\\", "\n", "\u{1}", "é", "😀"] {
            let s = format!("{}{special}{}", "a".repeat(at), "b".repeat(17 - at));
            let v = parse(&Json::from(s.as_str()).to_json()).unwrap();
            assert_eq!(v.as_str(), Some(s.as_str()), "{at} {special:?}");
        }
        let raw = format!("\"{}\u{1}\"", "a".repeat(at));
        assert_eq!(parse(&raw).unwrap_err().offset, at + 1);
    }
}

#[test]
fn parse_only_keeps_the_named_members_at_every_depth() {
    let text = r#"{"a":{"b":1,"c":[{"b":"x","d":2}]},"b":{"a":true},"e":"\u0041","\u0061":null}"#;
    let v = parse_only(text, &["a", "b"]).unwrap();
    assert_eq!(v.to_json(), r#"{"a":{"b":1},"b":{"a":true},"a":null}"#);
    let v = parse_only(text, &["a", "c"]).unwrap();
    assert_eq!(v.to_json(), r#"{"a":{"c":[{}]},"a":null}"#);
    assert_eq!(parse_only(text, &[]).unwrap(), Json::Object(vec![]));
    assert_eq!(
        parse_only("[1,\"x\",{}]", &[]).unwrap(),
        parse("[1,\"x\",{}]").unwrap()
    );
}

#[test]
fn parse_only_is_as_strict_as_parse() {
    for bad in [
        r#"{"skip":[1,]}"#,
        r#"{"skip":01}"#,
        r#"{"skip":"\x"}"#,
        r#"{"skip":"\u12"}"#,
        "{\"skip\":\"a\u{1}\"}",
        r#"{"skip":{"x" 1}}"#,
        r#"{"skip":tru}"#,
        r#"{"sk\ip":1}"#,
        r#"{"skip":1} 2"#,
        r#"{"skip":"abc"#,
    ] {
        let (a, b) = (
            parse(bad).unwrap_err(),
            parse_only(bad, &["keep"]).unwrap_err(),
        );
        assert_eq!(a, b, "{bad}");
    }
    let deep = format!("{{\"skip\":{}}}", "[".repeat(200));
    assert_eq!(
        parse_only(&deep, &[]).unwrap_err(),
        parse(&deep).unwrap_err()
    );
}

/// The escaper `write_string` must match: one character at a time.
fn escape_by_char(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn strings_are_written_as_a_char_by_char_escaper_writes_them() {
    let alphabet: Vec<char> = "ab\"\\\n\r\t\u{0}\u{1f}\u{7f} é—東😀".chars().collect();
    let mut rng = crate::sync::SplitMix64::new(7);
    for len in 0..40 {
        for _ in 0..50 {
            let s: String = (0..len)
                .map(|_| alphabet[rng.next_u64() as usize % alphabet.len()])
                .collect();
            let mut out = String::new();
            write_string(&s, &mut out);
            assert_eq!(out, escape_by_char(&s), "{s:?}");
        }
    }
}

/// The print `parse_elements` notes for `text` as the one element of an array.
fn streamed_print(text: &str) -> super::Fingerprint {
    let (_, elements) = parse_elements(&format!("[{text}]"), &[]).unwrap();
    assert_eq!(elements.len(), 1);
    elements[0].print
}

#[test]
fn fingerprints_tell_contents_apart() {
    let f = |s: &str| fingerprint(&parse(s).unwrap());
    assert_eq!(f(r#"{"a":"x","b":1}"#), f(r#"{ "a" : "x", "b" : 1 }"#));
    assert_eq!(f(r#"["\u00e9\/"]"#), f(r#"["é/"]"#), "escapes are content");
    for (a, b) in [
        (r#"{"a":"x"}"#, r#"{"a":"y"}"#),
        (r#"{"a":"x","b":"y"}"#, r#"{"a":"xb","":"y"}"#),
        (r#"["ab","c"]"#, r#"["a","bc"]"#),
        (r#"{"n":1}"#, r#"{"n":"1"}"#),
        (r#"{"n":1}"#, r#"{"n":1.0}"#),
        (r#"{"n":null}"#, r#"{"n":false}"#),
        (r#"["a"]"#, r#"["a\u0000"]"#),
        (r#"[[1],2]"#, r#"[[1,2]]"#),
        (r#"[[],[1]]"#, r#"[[1],[]]"#),
        (r#"{"a":[]}"#, r#"{"a":{}}"#),
        (r#"{"a":{"b":1},"c":2}"#, r#"{"a":{"b":1,"c":2}}"#),
        (r#"{"abcdefgh":"i"}"#, r#"{"abcdefghi":""}"#),
    ] {
        assert_ne!(f(a), f(b), "{a} vs {b}");
    }
    // Every one-character edit of an item, at every position, changes the print.
    let base = r#"{"Id":7,"Title":"Mail 7: weekly status update","To":"team@contoso.com"}"#;
    let mut prints = vec![f(base)];
    for (at, _) in base.match_indices(|c: char| c.is_ascii_alphanumeric()) {
        for c in ['0', 'x', 'Z'] {
            let edited = format!("{}{c}{}", &base[..at], &base[at + 1..]);
            if let (true, Ok(v)) = (edited != base, parse(&edited)) {
                prints.push(fingerprint(&v));
            }
        }
    }
    let n = prints.len();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), n);
}

#[test]
fn the_parser_prints_what_fingerprint_prints_without_building_anything() {
    for text in [
        "null",
        " true ",
        "-1.5e3",
        r#""a\"\u00e9\ud83d\ude00""#,
        "[]",
        "{}",
        r#"{"Id": 1, "T": [1, [2, {"x": null}]], "e": {}, "s": "\n"}"#,
        r#"{"__metadata":{"uri":"u"},"Tags":{"results":[1,2]},"ID":3}"#,
    ] {
        assert_eq!(
            streamed_print(text),
            fingerprint(&parse(text).unwrap()),
            "{text}"
        );
    }
}

#[test]
fn elements_are_the_source_text_and_print_of_shallow_array_records() {
    let texts = |text: &str| -> Vec<String> {
        let (value, elements) = parse_elements(text, &["value", "d", "results"]).unwrap();
        assert_eq!(value, parse_only(text, &["value", "d", "results"]).unwrap());
        for e in &elements {
            let print = fingerprint(&parse(&text[e.span.clone()]).unwrap());
            assert_eq!(e.print, print, "{}", &text[e.span.clone()]);
        }
        elements
            .into_iter()
            .map(|e| text[e.span].to_owned())
            .collect()
    };
    // value[i] (one level), d.results[i] (two levels), d[i]: whitespace around each
    // element is left out; arrays inside the elements add nothing, nor do arrays
    // whose member is not kept.
    let value = r#"{"x": [9], "value": [ {"Id": 1, "T": [1, [2]]} ,{ "Id" : 2 }, null ]}"#;
    assert_eq!(
        texts(value),
        [r#"{"Id": 1, "T": [1, [2]]}"#, r#"{ "Id" : 2 }"#, "null"]
    );
    let verbose = "{\"d\":{\"results\":[\n {\"Id\":1,\"L\":{\"results\":[3]}}\n]}}";
    assert_eq!(texts(verbose), [r#"{"Id":1,"L":{"results":[3]}}"#]);
    assert_eq!(texts(r#"{"d":["a\"b", 2]}"#), [r#""a\"b""#, "2"]);
    // Three levels down is too deep to be a collection.
    assert!(texts(r#"{"d":{"results":{"value":[1]}}}"#).is_empty());
    assert!(parse_elements("[1,]", &[]).is_err());
}
