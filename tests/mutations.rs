#![cfg(not(target_arch = "wasm32"))]
//! Seeded mutation tests of every decoder that reads what a server sends: JSON, the
//! SharePoint response parsers, change tokens, Engine.IO and Socket.IO packets, and a
//! connection fed mutated frames; and of what users type (URLs, paths, titles, GUIDs,
//! `orderBy`). In the browser a panic aborts the whole module (every
//! web part on the page loses its lists), so bad input must only ever be an error.
//!
//! Each case starts from a valid input and applies a few random edits: bytes that matter
//! to the grammar inserted or substituted (quotes, escapes, brackets, separators,
//! multi-byte characters, lone surrogate escapes), ranges deleted, duplicated or cut.
//! Beyond "no panic", what parses must be consistent: JSON written again parses to the
//! same value; an item's text is its object, with its id and fingerprint; a change token
//! formats to a text that parses to the same token. `SP_MUTATIONS` sets the number of
//! mutants per seed input (default 300); a failure names the input and the mutant.

use sp_live::json;
use sp_live::protocol::engineio::{self, EngineVersion};
use sp_live::protocol::{socketio, ConnectOptions, Connection, Frame, Output, Protocol, SocketId};
use sp_live::sharepoint::{
    classify_error, error_body, normalize_guid, parse_batch, parse_changes, parse_context_info,
    parse_items, parse_list_info, ChangeToken,
};
use sp_live::sync::SplitMix64;

/// Every protocol a connection speaks.
const PROTOCOLS: [Protocol; 4] = [
    Protocol::SocketIoV2,
    Protocol::SocketIoV4,
    Protocol::Auto,
    Protocol::WebSocket,
];

const GUID: &str = "482e418a-0900-414b-8902-02248c2e44e8";
const TOKEN: &str = "1;3;482e418a-0900-414b-8902-02248c2e44e8;637896971170000000;5749111";

/// Pieces that matter to some grammar here, inserted or substituted by the mutator.
const PIECES: &[&str] = &[
    "\"",
    "\\",
    "\\u",
    "\\uD83D",
    "\\uDE00",
    "\\u00e9",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    ";",
    "-",
    "0",
    "9",
    "1e999",
    "-0.5e-3",
    "null",
    "true",
    "é",
    "😀",
    "\u{7f}",
    "\u{1}",
    "\r\n",
    "\n\n",
    "--",
    "--batch_1",
    "HTTP/1.1 200 OK",
    "Content-Type: application/json",
    "%",
    "{}",
    "[]",
    "\"Id\":",
    "\"value\":",
    "\"d\":",
    "\"results\":",
    "\"ChangeToken\":",
    "\"StringValue\":",
    "42",
    "40",
    "0{",
    "451-",
    "\"_placeholder\":true",
    "\"num\":0",
    " ",
    "/",
];

fn mutants() -> usize {
    std::env::var("SP_MUTATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300)
}

/// A char boundary of `s` at or before `i`.
fn boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `input` with one to four random edits.
fn mutate(rng: &mut SplitMix64, input: &str) -> String {
    let mut s = input.to_owned();
    for _ in 0..=rng.up_to(3) {
        let len = s.len() as u64;
        let at = boundary(&s, rng.up_to(len) as usize);
        let end = boundary(&s, at + rng.up_to(24) as usize).max(at);
        let piece = PIECES[rng.up_to(PIECES.len() as u64 - 1) as usize];
        match rng.up_to(5) {
            0 => s.insert_str(at, piece),
            1 => s.replace_range(at..end, piece),
            2 => s.replace_range(at..end, ""),
            3 => {
                let copy = s[at..end].to_owned();
                s.insert_str(end, &copy);
            }
            4 => s.truncate(at),
            _ => {
                // An ASCII byte anywhere ASCII is, or a random character.
                let c = char::from_u32(rng.up_to(0x2FF) as u32).unwrap_or('\u{FFFD}');
                s.insert(at, c);
            }
        }
    }
    s
}

/// Runs `check` on every mutant of every input; a panic names the case.
fn each_mutant(seed: u64, inputs: &[String], check: impl Fn(&str)) {
    let mut rng = SplitMix64::new(seed);
    for input in inputs {
        check(input);
        for _ in 0..mutants() {
            let m = mutate(&mut rng, input);
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&m)));
            assert!(caught.is_ok(), "panicked on a mutant of {input:?}:\n{m:?}");
        }
    }
}

fn items_body(level: usize) -> String {
    let items = r#"{"Id":1,"ID":1,"Title":"a \"q\" \u00e9 😀","Modified":"2026-11-25T10:00:00Z"},{"Id":2,"Title":null,"N":-1.5e3,"L":[1,{"x":[]}],"B":true}"#;
    match level {
        0 => format!(
            r#"{{"value":[{items}],"odata.nextLink":"https://contoso.sharepoint.com/_api/x?$skiptoken=Paged%3dTRUE"}}"#
        ),
        1 => format!(r#"{{"odata.metadata":"x","value":[{items}]}}"#),
        _ => format!(
            r#"{{"d":{{"results":[{items}],"__next":"https://contoso.sharepoint.com/_api/y"}}}}"#
        ),
    }
}

fn changes_body(level: usize) -> String {
    let rec = |n: u32, ty: &str| {
        format!(
            r#"{{"ChangeToken":{{"StringValue":"1;3;{GUID};63789697117000000{n};574911{n}"}},"ChangeType":{ty},"ItemId":{n},"ListId":"{{{}}}","Time":"2026-11-25T10:00:0{n}Z"}}"#,
            GUID.to_uppercase()
        )
    };
    let records = [rec(1, "1"), rec(2, "\"Update\""), rec(3, "3")].join(",");
    match level {
        0 => format!(r#"{{"value":[{records}]}}"#),
        _ => format!(r#"{{"d":{{"results":[{records}]}}}}"#),
    }
}

fn batch_body() -> String {
    let part = |status: &str, body: &str| {
        format!("--batchresponse_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 {status}\r\nCONTENT-TYPE: application/json;odata=nometadata;charset=utf-8\r\nRetry-After: 5\r\n\r\n{body}\r\n")
    };
    [
        part("200 OK", &items_body(0)),
        part("429 Too Many Requests", r#"{"odata.error":{"code":"-2147024860, x","message":{"lang":"en-US","value":"throttled"}}}"#),
        "--changesetresponse_2\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 200 OK\r\n\r\n{\"value\":[]}\r\n--changesetresponse_2--\r\n".into(),
        "--batchresponse_1--\r\n".into(),
    ]
    .concat()
}

#[test]
fn json_survives_mutation_and_what_parses_round_trips() {
    let inputs: Vec<String> = (0..3).map(items_body).chain([changes_body(0)]).collect();
    each_mutant(1, &inputs, |text| {
        let Ok(value) = json::parse(text) else { return };
        let again = value.to_json();
        assert_eq!(
            json::parse(&again).as_ref(),
            Ok(&value),
            "written again: {again}"
        );
        if let Ok((_, elements)) = json::parse_elements(text, &["value", "d", "results"]) {
            for e in elements {
                let element = json::parse(&text[e.span.clone()]).expect("an element's text");
                assert_eq!(e.print, json::fingerprint(&element), "{:?}", &text[e.span]);
            }
        }
    });
}

#[test]
fn sharepoint_parsers_survive_mutation() {
    let mut inputs: Vec<String> = (0..3).map(items_body).collect();
    inputs.extend((0..2).map(changes_body));
    inputs.push(batch_body());
    inputs.push(format!(r#"{{"d":{{"CurrentChangeToken":{{"StringValue":"{TOKEN}"}},"Id":"{GUID}","ItemCount":42}}}}"#));
    inputs.push(r#"{"d":{"GetContextWebInformation":{"FormDigestValue":"0x1,25 Nov 2026","FormDigestTimeoutSeconds":1800}}}"#.into());
    inputs.push(r#"{"error":{"code":"-2130575251, Microsoft.SharePoint.SPException","message":{"lang":"en-US","value":"The security validation for this page is invalid."}}}"#.into());
    each_mutant(2, &inputs, |text| {
        if let Ok(page) = parse_items(text) {
            for item in &page.items {
                let value = json::parse(&item.text).expect("an item's text is JSON");
                assert_eq!(item.print, json::fingerprint(&value), "{}", item.text);
                assert_eq!(item.value(), value);
            }
        }
        if let Ok(changes) = parse_changes(text) {
            for c in changes {
                if let Some(list) = c.list_id {
                    assert_eq!(normalize_guid(&list).as_deref(), Some(list.as_str()));
                }
            }
        }
        if let Ok(parts) = parse_batch(text) {
            for p in parts {
                let _ = parse_items(&p.body);
            }
        }
        let _ = parse_list_info(text);
        let _ = parse_context_info(text);
        let _ = error_body(text);
        for status in [400, 403, 404, 429, 500, 503] {
            let _ = classify_error(status, text);
        }
    });
}

#[test]
fn change_tokens_survive_mutation_and_format_back() {
    let inputs = [
        TOKEN.to_owned(),
        format!(" 1;2;{{{}}};0;-1 ", GUID.to_uppercase()),
    ];
    each_mutant(3, &inputs, |text| {
        if let Ok(t) = ChangeToken::parse(text) {
            assert_eq!(ChangeToken::parse(&t.to_string()), Ok(t));
        }
        let _ = normalize_guid(text);
    });
}

#[test]
fn socket_io_packets_survive_mutation() {
    let inputs: Vec<String> = [
        r#"0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#,
        r#"42["list:changes","[{\"subscriptionId\":\"x\",\"resource\":\"482e418a-0900-414b-8902-02248c2e44e8\"}]"]"#,
        r#"42/admin,7["ev",{"a":[1,2]},null]"#,
        r#"451-["bin",{"_placeholder":true,"num":0}]"#,
        r#"44{"message":"not authorized","data":{"code":1}}"#,
        "2probe",
        "40{\"sid\":\"x\"}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    each_mutant(4, &inputs, |text| {
        for version in [EngineVersion::V3, EngineVersion::V4] {
            let _ = engineio::decode(&Frame::Text(text.to_owned()), version);
            let _ = engineio::decode(&Frame::Binary(text.as_bytes().to_vec()), version);
        }
        let _ = socketio::decode(text);
        let _ = socketio::decode(text.get(1..).unwrap_or(""));
    });
}

/// A connection that reads mutated frames keeps going: errors and reconnects, each
/// deadline in the future, never a panic.
#[test]
fn connections_survive_mutated_frames() {
    let opens = [
        r#"0{"sid":"s3","upgrades":[],"pingInterval":1000,"pingTimeout":500}"#,
        r#"0{"sid":"s4","upgrades":[],"pingInterval":1000,"pingTimeout":500,"maxPayload":1000000}"#,
    ];
    let frames: Vec<String> = [
        r#"42["list:changes","[{\"resource\":\"482e418a-0900-414b-8902-02248c2e44e8\"}]"]"#,
        r#"451-["bin",{"_placeholder":true,"num":0}]"#,
        r#"{"value":[{"resource":"x"}]}"#,
        "40",
        "2",
        "3",
        "1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (i, protocol) in PROTOCOLS.into_iter().enumerate() {
        let mut options = ConnectOptions::new("http://127.0.0.1:9", protocol);
        options.randomization_factor = 0.0;
        let conn = std::cell::RefCell::new(Connection::new(options, 0).unwrap());
        let state = std::cell::Cell::new((0u64, 0 as SocketId)); // (now, socket)
        let pump = || {
            for turn in 0.. {
                assert!(turn < 1000, "a deadline that never passes: busy loop");
                let mut c = conn.borrow_mut();
                let (now, mut socket) = state.get();
                while let Some(o) = c.poll_output() {
                    if let Output::OpenSocket { id, .. } = o {
                        socket = id;
                        c.handle_socket_open(id, now);
                        let open = opens[(now % 2) as usize];
                        c.handle_frame(id, Frame::Text(open.into()), now);
                    }
                }
                state.set((now, socket));
                match c.poll_timeout() {
                    Some(at) if at <= now => c.handle_timeout(now),
                    _ => break,
                }
            }
        };
        each_mutant(10 + i as u64, &frames, |text| {
            pump();
            let (now, socket) = state.get();
            conn.borrow_mut()
                .handle_frame(socket, Frame::Text(text.into()), now);
            conn.borrow_mut()
                .handle_frame(socket, Frame::Binary(text.as_bytes().to_vec()), now);
            state.set((now + 97, socket));
            pump();
        });
    }
}

/// What users type (a broadcaster URL, a socket.io path and namespace, a site URL, a
/// list title or GUID, an `orderBy`) is checked or used as given, never a panic.
#[test]
fn user_options_survive_mutation() {
    use sp_live::sharepoint::{
        context_info_url, get_changes_url, items_page_url, list_info_url, ListRef,
    };
    use sp_live::sync::Order;
    let inputs: Vec<String> = [
        "https://broadcaster.contoso.com:8443/socket.io/?EIO=3",
        "wss://h/ws#x",
        "http://[::1]:9/",
        "https://contoso.sharepoint.com/sites/team/",
        "Mails 'n' (things) ü",
        "{482E418A-0900-414B-8902-02248C2E44E8}",
        "SentDate desc",
        "/admin",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    each_mutant(20, &inputs, |text| {
        for protocol in PROTOCOLS {
            let mut options = ConnectOptions::new(text, protocol);
            options.path = Some(text.to_owned());
            options.namespace = Some(text.to_owned());
            if let Ok(mut conn) = Connection::new(options, 0) {
                while conn.poll_output().is_some() {}
                conn.close();
            }
        }
        let _ = Protocol::parse(text);
        let _ = Order::parse(text);
        for list in [ListRef::by_id(text), Some(ListRef::by_title(text))]
            .into_iter()
            .flatten()
        {
            let _ = list_info_url(text, &list);
            let _ = items_page_url(text, &list, &[text.to_owned()], text, 2000, Some(7));
            let _ = get_changes_url(text, &list);
            let _ = context_info_url(text);
        }
    });
}
