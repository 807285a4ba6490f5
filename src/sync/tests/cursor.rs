//! The change cursor against odd servers: change times out of step with change numbers,
//! a server that caps `FetchLimit`, a form digest stale on arrival.

use super::*;

/// A token of change number `n` whose time is `ticks_off` after the fixture's base.
fn tok_at(ticks_off: i64, n: i64) -> String {
    format!("1;3;{GUID};{};{n}", 638_000_000_000_000_000i64 + ticks_off)
}

fn add_record(token: &str, id: i64) -> String {
    format!(r#"{{"ChangeToken":{{"StringValue":"{token}"}},"ChangeType":1,"ItemId":{id}}}"#)
}

/// The list's `CurrentChangeToken` is stamped with a server's "now"; changes logged
/// right after it may carry an earlier time (another clock) but always a higher change
/// number, by which GetChanges pages. A full page of them moves the cursor to the
/// last one's token and the round fetches the next page (ordered by time, the cursor
/// never moved and every round asked for the same page again).
#[test]
fn a_full_page_with_earlier_times_moves_the_cursor_by_change_number() {
    let mut cfg = config();
    cfg.auth = Auth::Bearer;
    cfg.fetch_limit = 2;
    let mut f = ChangeFeed::new(cfg);
    let gc = loaded(&mut f, &[]); // the cursor: tok(10), change number 10
    let page = format!(
        r#"{{"value":[{},{}]}}"#,
        add_record(&tok_at(5, 11), 1),
        add_record(&tok_at(5, 12), 2)
    );
    f.handle_response(3, gc.id, ok(&page));
    let next = only_request(&mut f);
    let body = next.body.as_deref().unwrap_or_default();
    assert!(next.url.contains("GetChanges"), "{}", next.url);
    assert!(
        body.contains(&tok_at(5, 12)),
        "from the page's last change: {body}"
    );
    f.handle_response(4, next.id, ok(r#"{"value":[]}"#));
    let read = only_request(&mut f);
    f.handle_response(5, read.id, ok(&items_body(&[(1, "a"), (2, "b")])));
    let sets = delivered(&drain(&mut f));
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].added.len(), 2);
    assert_eq!(f.token(), Some(tok_at(5, 12).as_str()));
}

/// A limit above SharePoint's default of 1,000 that the server caps: a page of 1,000
/// changes is full, and the round fetches the rest of the burst instead of leaving it
/// for the next webhook or poll.
#[test]
fn a_page_of_the_default_fetch_limit_is_full_whatever_was_asked() {
    let mut cfg = config();
    cfg.auth = Auth::Bearer;
    cfg.fetch_limit = 5_000;
    cfg.poll_interval_ms = 0;
    let mut f = ChangeFeed::new(cfg);
    let gc = loaded(&mut f, &[]);
    let changes: Vec<(i64, i64, i64)> = (0..1_000).map(|i| (11 + i, 1, 1 + i)).collect();
    f.handle_response(3, gc.id, ok(&changes_body(&changes)));
    let next = only_request(&mut f);
    assert!(next.url.contains("GetChanges"), "{}", next.url);
    assert!(next
        .body
        .as_deref()
        .unwrap_or_default()
        .contains(&tok(1_010)));
}

/// `FormDigestTimeoutSeconds: 0`: the digest is used for the GetChanges it was asked
/// for instead of being asked for again at once, forever.
#[test]
fn a_digest_stale_on_arrival_is_used_not_asked_for_again() {
    let mut f = feed(Auth::Digest);
    let ctx = loaded(&mut f, &[]);
    assert!(ctx.url.ends_with("/_api/contextinfo"), "{}", ctx.url);
    let stale = r#"{"FormDigestValue":"0xD","FormDigestTimeoutSeconds":0}"#;
    f.handle_response(3, ctx.id, ok(stale));
    let gc = only_request(&mut f);
    assert!(gc.url.contains("GetChanges"), "{}", gc.url);
    assert!(gc
        .headers
        .iter()
        .any(|(k, v)| k == "X-RequestDigest" && v == "0xD"));
}
