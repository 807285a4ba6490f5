//! Items delivered with their [`Origin`]: the request, `$batch` part and record they
//! were read from, which the requests announce (`item_parts`), so a driver that parsed
//! those parts as they came can hand on its objects instead of parsing the texts again.

use super::batch::{batch_response, batch_urls, items_for, round_with_many_reads};
use super::*;
use crate::sharepoint::Origin;

/// `(part, index)` of each item, in order.
fn places(items: &[Item], request: u64) -> Vec<(u16, u32)> {
    items
        .iter()
        .map(|item| {
            let origin = item.origin.expect("an origin");
            assert_eq!(origin.request, request);
            (origin.part, origin.index)
        })
        .collect()
}

#[test]
fn items_read_in_a_batch_know_their_part_and_record() {
    let (mut f, batch) = round_with_many_reads(true);
    let urls = batch_urls(&batch);
    assert_eq!(
        batch.item_parts,
        0..urls.len() as u16,
        "every part is a read"
    );
    // Each part's items in descending id order: the records' places are not the ids'.
    let parts: Vec<(u16, String)> = urls
        .iter()
        .map(|u| {
            let body = items_for(u);
            let mut items: Vec<&str> = body
                .trim_start_matches(r#"{"value":["#)
                .trim_end_matches("]}")
                .split("},")
                .collect();
            items.reverse();
            let joined = items.join("},").replace("}}", "}");
            (200, format!(r#"{{"value":[{joined}}}]}}"#))
        })
        .collect();
    f.handle_response(4, batch.id, ok(&batch_response(&parts)));
    let sets = delivered(&drain(&mut f));
    let added = &sets[0].added;
    assert_eq!(added.len(), 30);
    let first_part = urls[0].matches("ID%20eq%20").count() as u32;
    let places = places(added, batch.id);
    // Ids ascending: the first part's last record first.
    assert_eq!(places[0], (0, first_part - 1));
    assert_eq!(places[first_part as usize - 1], (0, 0));
    assert_eq!(places[first_part as usize].0, 1);
    for item in added {
        let Origin { part, index, .. } = item.origin.unwrap();
        let body = &parts[part as usize].1;
        let record = crate::json::parse(body).unwrap();
        let record = &record.get("value").unwrap().as_array().unwrap()[index as usize];
        assert_eq!(item.value(), *record, "the record it names is the item");
    }
}

#[test]
fn items_read_alone_are_part_0_and_the_read_ahead_part_1() {
    let (mut f, read) = round_with_many_reads(false);
    assert_eq!(read.item_parts, 0..1);
    f.handle_response(4, read.id, ok(&items_for(&read.url)));
    let outs = drain(&mut f);
    let next = requests(&outs).pop().expect("the next read");
    f.handle_response(5, next.id, ok(&items_for(&next.url)));
    drain(&mut f); // (more reads follow; the first one is enough)

    let mut cfg = FeedConfig::new(SITE, ListRef::Id(GUID.into()));
    cfg.auth = Auth::Bearer;
    cfg.select = vec!["Title".into()];
    let mut f = ChangeFeed::new(cfg);
    let ahead = loaded(&mut f, &[(1, "a")]);
    assert_eq!(ahead.item_parts, 1..2, "GetChanges first, then the items");
    let parts = [
        (200, changes_body(&[(11, 2, 1)])),
        (200, items_body(&[(2, "b"), (1, "a2")])),
    ];
    f.handle_response(3, ahead.id, ok(&batch_response(&parts)));
    let sets = delivered(&drain(&mut f));
    assert_eq!(places(&sets[0].updated, ahead.id), [(1, 1)]);
}

#[test]
fn requests_without_items_to_deliver_announce_no_parts() {
    let mut f = feed(Auth::Digest);
    f.handle_start(0);
    let info = only_request(&mut f);
    assert!(info.item_parts.is_empty(), "{}", info.url);
}
