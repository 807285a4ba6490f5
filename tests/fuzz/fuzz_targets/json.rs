//! The JSON reader on any text: never panics; what it reads writes back to a text that
//! reads the same; `parse_only` and `parse_elements` accept exactly what `parse` does;
//! every noted element is a slice of the text that parses on its own to a value with
//! the noted fingerprint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sp_live::json::{fingerprint, parse, parse_elements, parse_only};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let full = parse(text);
    let keep = ["value", "d", "results", "Id"];
    assert_eq!(
        parse_only(text, &keep).is_ok(),
        full.is_ok(),
        "parse_only vs parse"
    );
    let elements = parse_elements(text, &keep);
    assert_eq!(elements.is_ok(), full.is_ok(), "parse_elements vs parse");
    let Ok(value) = full else {
        return;
    };
    let written = value.to_json();
    assert_eq!(parse(&written).as_ref(), Ok(&value), "written: {written}");
    for element in elements.unwrap().1 {
        let slice = text
            .get(element.span.clone())
            .expect("span on char boundaries");
        let parsed = parse(slice).expect("an element parses on its own");
        assert_eq!(fingerprint(&parsed), element.print, "element {slice}");
    }
});
