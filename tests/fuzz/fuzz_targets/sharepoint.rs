//! SharePoint's answers, whatever they hold: no reader panics; every item of a page is
//! a slice of the body that parses to an object with the item's id and fingerprint; a
//! change token that reads writes back to one that reads the same; item reads by ID
//! cover every id exactly once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sp_live::json::{self, Json};
use sp_live::protocol::EventArg;
use sp_live::sharepoint::{
    chunk_item_reads, classify_error, error_body, filter_ids, item_id, normalize_guid,
    notified_lists, parse_batch, parse_changes, parse_context_info, parse_items, parse_list_info,
    skiptoken_id, ChangeToken, ListRef,
};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    if selector % 8 == 7 {
        return item_reads(rest);
    }
    let body = String::from_utf8_lossy(rest);
    let body = body.as_ref();
    match selector % 8 {
        0 => items(body),
        1 => {
            let _ = parse_changes(body);
        }
        2 => {
            if let Ok(parts) = parse_batch(body) {
                for part in parts {
                    let _ = parse_items(&part.body);
                }
            }
        }
        3 => {
            let _ = error_body(body);
            const STATUSES: [u16; 11] = [0, 400, 401, 403, 404, 409, 410, 429, 500, 503, 999];
            let _ = classify_error(STATUSES[usize::from(selector / 8) % STATUSES.len()], body);
        }
        4 => {
            let _ = parse_context_info(body);
            let _ = parse_list_info(body);
        }
        5 => {
            if let Ok(token) = ChangeToken::parse(body) {
                let again = ChangeToken::parse(&token.to_string()).expect("a written token reads");
                assert_eq!(again, token);
            }
            let _ = normalize_guid(body);
            let _ = skiptoken_id(body);
        }
        _ => {
            let args = match json::parse(body) {
                Ok(value) => vec![EventArg::Json(value)],
                Err(_) => vec![EventArg::Binary(rest.to_vec())],
            };
            let notified = notified_lists(&args);
            assert!(notified.unreadable || !notified.lists.is_empty() || is_empty_array(&args));
        }
    }
});

fn is_empty_array(args: &[EventArg]) -> bool {
    matches!(args, [EventArg::Json(Json::Array(a))] if a.is_empty())
}

fn items(body: &str) {
    let Ok(page) = parse_items(body) else {
        return;
    };
    for item in page.items {
        let value = json::parse(&item.text).expect("an item's text parses");
        assert_eq!(item_id(&value), Some(item.id), "item {}", item.text);
        assert_eq!(json::fingerprint(&value), item.print, "item {}", item.text);
    }
}

/// Ids from the bytes (two bytes each, some far apart), and a URL limit: every id is
/// asked for exactly once.
fn item_reads(rest: &[u8]) {
    let Some((&limit, rest)) = rest.split_first() else {
        return;
    };
    let ids: Vec<i64> = rest
        .chunks(2)
        .map(|c| i64::from(c[0]) * if c.len() > 1 { i64::from(c[1]) + 1 } else { 1 })
        .collect();
    let list = ListRef::Id("482e418a-0900-414b-8902-02248c2e44e8".into());
    let urls = chunk_item_reads(
        "https://contoso.sharepoint.com/sites/team",
        &list,
        &["Title".into()],
        "",
        &ids,
        200 + usize::from(limit) * 8,
    );
    let mut asked: Vec<i64> = urls.iter().flat_map(|u| filter_ids(u)).collect();
    asked.sort_unstable();
    let mut want = ids;
    want.sort_unstable();
    want.dedup();
    assert_eq!(asked, want);
}
