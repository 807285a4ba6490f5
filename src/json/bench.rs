//! A timing harness for the parse path (`#[ignore]`d). Natively:
//! `cargo test --release --lib parse_timings -- --ignored --nocapture`; in
//! WebAssembly (headless Chromium, as the library's other unit tests):
//! `wasm-pack test --headless --chrome --release --lib -- parse_timings
//! --include-ignored --nocapture` (after a change, its first run may fail to compile
//! the browser tests with "multiple different versions of crate `wasm_bindgen`": the
//! release profile's `panic = "abort"` makes cargo build the library twice under one
//! file name, rust-lang/cargo#6313; the second run works). Rows are µs per call; `skip` is
//! a parse that keeps nothing (the scanning floor); `write` writes the parsed items
//! back as JSON text (what a load page or change set costs on its way to JavaScript).
//!
//! The bodies mimic what the simulator (`sim/`) sends for a round of 1,000 changes:
//! a GetChanges response of 1,000 records and item reads of 60 items with five
//! selected fields, in each metadata level (keys sorted as serde_json writes them).

use std::fmt::Write as _;
use std::hint::black_box;

use super::{fingerprint, parse, parse_only};
use crate::sharepoint::{parse_changes, parse_items};

const SITE: &str = "https://contoso.sharepoint.com/sites/team";
const LIST: &str = "482e418a-0900-414b-8902-02248c2e44e8";

#[derive(Clone, Copy)]
enum Level {
    None,
    Minimal,
    Verbose,
}

const LEVELS: [(Level, &str); 3] = [
    (Level::None, "nometadata"),
    (Level::Minimal, "minimal"),
    (Level::Verbose, "verbose"),
];

fn guid(n: usize) -> String {
    format!(
        "{:08x}-{:04x}-4b8f-9c2d-{:012x}",
        (n as u64 * 2_654_435_761) % (1 << 32),
        n % 65_536,
        n
    )
}

fn wrap(level: Level, records: &[String], ty: &str) -> String {
    let joined = records.join(",");
    match level {
        Level::Verbose => format!(r#"{{"d":{{"results":[{joined}]}}}}"#),
        Level::Minimal => {
            format!(r#"{{"odata.metadata":"{SITE}/_api/$metadata#{ty}","value":[{joined}]}}"#)
        }
        Level::None => format!(r#"{{"value":[{joined}]}}"#),
    }
}

/// A GetChanges response of `n` item changes.
fn changes_body(level: Level, n: usize) -> String {
    let records: Vec<String> = (0..n)
        .map(|i| {
            let (item, number) = (i % 900 + 1, 5_749_111 + i);
            let token = format!("1;3;{LIST};{};{number}", 638_677_000_000_000_000_u64 + i as u64);
            let token = match level {
                Level::Verbose => {
                    format!(r#"{{"StringValue":"{token}","__metadata":{{"type":"SP.ChangeToken"}}}}"#)
                }
                Level::Minimal => format!(r#"{{"StringValue":"{token}","odata.type":"SP.ChangeToken"}}"#),
                Level::None => format!(r#"{{"StringValue":"{token}"}}"#),
            };
            let mut r = format!(
                r#"{{"ChangeToken":{token},"ChangeType":{},"Editor":"Dev User","EditorEmailHint":"dev@contoso.onmicrosoft.com","ItemId":{item},"ListId":"{LIST}","ListTitle":"Mails","ServerRelativeUrl":"/sites/team/Lists/Mails/{item}_.000","SiteId":"{}","Time":"2026-11-25T10:{:02}:{:02}Z","UniqueId":"{}","WebId":"{}""#,
                [1, 2, 2, 3][i % 4],
                guid(1),
                i / 60 % 60,
                i % 60,
                guid(i + 100),
                guid(2)
            );
            let id = format!("SP.ChangeItem{}", guid(i + 5000));
            match level {
                Level::Verbose => {
                    let _ = write!(r, r#","__metadata":{{"id":"{SITE}/_api/{id}","uri":"{SITE}/_api/{id}","type":"SP.ChangeItem"}}"#);
                }
                Level::Minimal => {
                    let _ = write!(r, r#","odata.editLink":"{id}","odata.id":"{SITE}/_api/{id}","odata.type":"SP.ChangeItem""#);
                }
                Level::None => {}
            }
            r.push('}');
            r
        })
        .collect();
    wrap(level, &records, "Collection(SP.Change)")
}

/// An item read of `n` items with Title, Subject, From, To (and Id/ID).
fn items_body(level: Level, n: usize) -> String {
    let records: Vec<String> = (0..n)
        .map(|i| {
            let id = i * 7 + 3;
            let mut r = format!(
                r#"{{"From":"sender{i}@contoso.onmicrosoft.com","ID":{id},"Id":{id},"Subject":"Re: quarterly planning — item {i} and follow-ups","Title":"Mail {i}: weekly status update","To":"team-{i}@contoso.onmicrosoft.com""#
            );
            let uri = format!("{SITE}/_api/Web/Lists(guid'{LIST}')/Items({id})");
            let (edit, etag, ty) = (
                format!("Web/Lists(guid'{LIST}')/Items({id})"),
                format!(r#"\"{}\""#, i % 5 + 1),
                "SP.Data.MailsListItem",
            );
            match level {
                Level::Verbose => {
                    let _ = write!(r, r#","__metadata":{{"id":"{uri}","uri":"{uri}","etag":"{etag}","type":"{ty}"}}"#);
                }
                Level::Minimal => {
                    let _ = write!(r, r#","odata.editLink":"{edit}","odata.etag":"{etag}","odata.id":"{uri}","odata.type":"{ty}""#);
                }
                Level::None => {}
            }
            r.push('}');
            r
        })
        .collect();
    wrap(level, &records, "SP.Data.MailsListItems")
}

/// Milliseconds from an arbitrary origin.
#[cfg(not(target_arch = "wasm32"))]
fn now_ms() -> f64 {
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    ORIGIN
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
        * 1e3
}

#[cfg(target_arch = "wasm32")]
fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Runs `f` for 5 batches of 40 ms; returns µs per call (best batch).
fn time(f: &mut dyn FnMut()) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..5 {
        let (start, mut n) = (now_ms(), 0u32);
        while now_ms() - start < 40.0 {
            f();
            n += 1;
        }
        best = best.min((now_ms() - start) * 1e3 / f64::from(n));
    }
    best
}

/// Prints µs per call of each parse step on each body. `SP_PARSE_BENCH=<text>` runs
/// only the rows whose label (e.g. `changes/verbose sp`) contains the text.
#[test]
#[ignore = "timing harness: run with --release --ignored --nocapture"]
fn parse_timings() {
    run(&|line| println!("{line}"));
}

/// The same in WebAssembly (see the module docs for the commands).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test::wasm_bindgen_test]
#[ignore]
fn parse_timings_wasm() {
    run(&|line| wasm_bindgen_test::console_log!("{line}"));
}

fn run(print: &dyn Fn(&str)) {
    let only = std::env::var("SP_PARSE_BENCH").unwrap_or_default();
    print(&format!(
        "{:<24} {:>7} {:>9}",
        "body op", "bytes", "µs/call"
    ));
    for (level, name) in LEVELS {
        let changes = changes_body(level, 1000);
        let items = items_body(level, 60);
        assert_eq!(parse_changes(&changes).unwrap().len(), 1000);
        assert_eq!(parse_items(&items).unwrap().items.len(), 60);
        let (c, i) = (changes.as_str(), items.as_str());
        let row = |kind: &str, op: &str, f: &mut dyn FnMut()| {
            let label = format!("{kind}/{name} {op}");
            if label.contains(&only) {
                let bytes = if kind == "changes" { c.len() } else { i.len() };
                print(&format!("{label:<24} {bytes:>7} {:>9.1}", time(f)));
            }
        };
        row("changes", "json", &mut || {
            drop(black_box(parse(black_box(c))))
        });
        row("changes", "skip", &mut || {
            drop(black_box(parse_only(black_box(c), &[])))
        });
        row("changes", "sp", &mut || {
            drop(black_box(parse_changes(black_box(c))))
        });
        row("items", "json", &mut || {
            drop(black_box(parse(black_box(i))))
        });
        row("items", "sp", &mut || {
            drop(black_box(parse_items(black_box(i))))
        });
        let parsed = parse(i).unwrap();
        row("items", "write", &mut || {
            drop(black_box(black_box(&parsed).to_json()))
        });
        row("items", "print", &mut || {
            black_box(fingerprint(black_box(&parsed)));
        });
    }
}
