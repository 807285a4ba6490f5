//! Scripted tests of the read-ahead: a GetChanges and the items modified since the
//! cursor in one `$batch`; what it covers needs no read, what it misses is read by ID,
//! and GetChanges alone decides what is delivered.

use super::batch::{batch_response, batch_urls};
use super::*;
use crate::json::Json;

/// `tok(10)`'s time, whole seconds, minus one second.
const SINCE: &str = "datetime'2022-09-28T22:13:19Z'";

fn bearer_feed() -> ChangeFeed {
    let mut cfg = FeedConfig::new(SITE, ListRef::Id(GUID.into()));
    cfg.auth = Auth::Bearer;
    cfg.select = vec!["Title".into()];
    ChangeFeed::new(cfg)
}

/// Asserts `req` is a read-ahead batch: GetChanges from `cursor` first, then the query.
fn assert_changes_ahead(req: &HttpRequest, cursor: &str) {
    assert_eq!(req.method, "POST");
    assert!(req.url.ends_with("/sites/team/_api/$batch"), "{}", req.url);
    let body = req.body.as_deref().unwrap();
    let post = body.find("POST ").expect("a GetChanges part");
    let get = body.find("GET ").expect("a read-ahead part");
    assert!(post < get, "GetChanges runs first: {body}");
    assert!(body.contains("/GetChanges HTTP/1.1"), "{body}");
    assert!(body.contains(cursor), "from the cursor {cursor}: {body}");
    let urls = batch_urls(req);
    assert_eq!(urls.len(), 1);
    assert!(urls[0].contains("/items?$select=Id,Modified,Title&$top=100"));
    assert!(urls[0].contains("&$orderby=Modified%20desc"));
    assert!(urls[0].contains("&$filter=Modified%20ge%20"), "{}", urls[0]);
}

fn titles(items: &[Item]) -> Vec<(i64, String)> {
    items
        .iter()
        .map(|i| {
            let value = i.value();
            let title = value.get("Title").and_then(Json::as_str).unwrap_or("");
            (i.id, title.to_owned())
        })
        .collect()
}

#[test]
fn an_edit_comes_with_its_item_in_one_request() {
    let mut f = bearer_feed();
    let catch_up = loaded(&mut f, &[(1, "a"), (2, "b")]);
    assert_changes_ahead(&catch_up, &tok(10));
    assert!(batch_urls(&catch_up)[0].ends_with(SINCE));
    // Item 1 changed too (after GetChanges ran, say): GetChanges decides, not the query.
    let parts = [
        (200, changes_body(&[(11, 2, 2)])),
        (200, items_body(&[(2, "b2"), (1, "a2")])),
    ];
    f.handle_response(3, catch_up.id, ok(&batch_response(&parts)));
    let outs = drain(&mut f);
    assert!(requests(&outs).is_empty(), "no read by ID");
    let sets = delivered(&outs);
    assert_eq!(sets.len(), 1);
    assert_eq!(titles(&sets[0].updated), [(2, "b2".to_owned())]);
    assert!(sets[0].added.is_empty() && sets[0].deleted.is_empty());
    assert_eq!(sets[0].token, tok(11));
    // The next round reads ahead from the new cursor.
    f.handle_hint(10, GUID);
    assert_changes_ahead(&only_request(&mut f), &tok(11));
}

#[test]
fn what_the_read_ahead_missed_is_read_by_id_and_deletes_are_confirmed() {
    let mut f = bearer_feed();
    let catch_up = loaded(&mut f, &[(1, "a"), (2, "b")]);
    // Update 2, add 3, delete 1; the query brings only 2 (3's Modified was older).
    let parts = [
        (200, changes_body(&[(11, 2, 2), (12, 1, 3), (13, 3, 1)])),
        (200, items_body(&[(2, "b2")])),
    ];
    f.handle_response(3, catch_up.id, ok(&batch_response(&parts)));
    let read = only_request(&mut f);
    assert_eq!(read.method, "GET");
    assert!(
        read.url
            .ends_with("&$filter=(ID%20eq%201)%20or%20(ID%20eq%203)"),
        "{}",
        read.url
    );
    f.handle_response(4, read.id, ok(&items_body(&[(3, "c")])));
    let sets = delivered(&drain(&mut f));
    assert_eq!(sets.len(), 1);
    assert_eq!(titles(&sets[0].updated), [(2, "b2".to_owned())]);
    assert_eq!(titles(&sets[0].added), [(3, "c".to_owned())]);
    assert_eq!(sets[0].deleted, [1]);
}

#[test]
fn a_read_ahead_is_only_good_for_the_page_it_came_with() {
    let mut cfg = FeedConfig::new(SITE, ListRef::Id(GUID.into()));
    cfg.auth = Auth::Bearer;
    cfg.select = vec!["Title".into()];
    cfg.fetch_limit = 2;
    let mut f = ChangeFeed::new(cfg);
    let first = loaded(&mut f, &[(1, "a"), (2, "b")]);
    // A full page: more changes may follow, made after this read-ahead ran.
    let parts = [
        (200, changes_body(&[(11, 2, 1), (12, 2, 2)])),
        (200, items_body(&[(1, "old"), (2, "old")])),
    ];
    f.handle_response(3, first.id, ok(&batch_response(&parts)));
    let second = only_request(&mut f);
    assert_changes_ahead(&second, &tok(12));
    let parts = [
        (200, changes_body(&[(13, 2, 2)])),
        (200, items_body(&[(2, "b3")])),
    ];
    f.handle_response(4, second.id, ok(&batch_response(&parts)));
    // 2 came with the last page; 1's copy from the first page may be stale: read.
    let read = only_request(&mut f);
    assert!(read.url.ends_with("&$filter=(ID%20eq%201)"), "{}", read.url);
    f.handle_response(5, read.id, ok(&items_body(&[(1, "a3")])));
    let sets = delivered(&drain(&mut f));
    let got = titles(&sets[0].updated);
    assert_eq!(got, [(1, "a3".to_owned()), (2, "b3".to_owned())]);
}

#[test]
fn a_failed_get_changes_part_is_handled_as_get_changes_and_retried() {
    let mut f = bearer_feed();
    let catch_up = loaded(&mut f, &[(1, "a")]);
    let busy = r#"{"odata.error":{"message":{"value":"busy"}}}"#.to_owned();
    let parts = [(429, busy), (200, items_body(&[(1, "a2")]))];
    f.handle_response(3, catch_up.id, ok(&batch_response(&parts)));
    let outs = drain(&mut f);
    let errs = errors(&outs);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].code, codes::THROTTLED);
    assert_eq!(errs[0].status, Some(429));
    let (method, url) = errs[0].request.clone().unwrap();
    assert!(method == "POST" && url.ends_with("/GetChanges"), "{url}");
    assert!(requests(&outs).is_empty() && delivered(&outs).is_empty());
    assert_eq!(f.poll_timeout(), Some(3 + 9_000), "the part's Retry-After");
    f.handle_timeout(9_003);
    let retry = only_request(&mut f);
    assert_changes_ahead(&retry, &tok(10));
    // The retry's GetChanges finds the edit; its read-ahead missed the item: read it.
    let parts = [(200, changes_body(&[(11, 2, 1)])), (200, items_body(&[]))];
    f.handle_response(9_004, retry.id, ok(&batch_response(&parts)));
    let read = only_request(&mut f);
    f.handle_response(9_005, read.id, ok(&items_body(&[(1, "a3")])));
    let sets = delivered(&drain(&mut f));
    assert_eq!(titles(&sets[0].updated), [(1, "a3".to_owned())]);
}

#[test]
fn a_refused_read_ahead_turns_it_off_a_throttled_one_does_not() {
    let mut f = bearer_feed();
    let mut gc = loaded(&mut f, &[(1, "a")]);
    let refusals = [
        (429, r#"{"odata.error":{"message":{"value":"busy"}}}"#, true),
        (
            500,
            r#"{"odata.error":{"message":{"value":"list view threshold"}}}"#,
            false,
        ),
    ];
    for (n, (status, body, still_on)) in refusals.into_iter().enumerate() {
        let now = 10 * n as u64 + 3;
        let token = 11 + n as i64;
        let parts = [
            (200, changes_body(&[(token, 2, 1)])),
            (status, body.to_owned()),
        ];
        f.handle_response(now, gc.id, ok(&batch_response(&parts)));
        let outs = drain(&mut f);
        assert!(errors(&outs).is_empty(), "the GetChanges part worked");
        let read = requests(&outs).pop().expect("a read by ID");
        assert!(read.url.ends_with("&$filter=(ID%20eq%201)"));
        f.handle_response(now + 1, read.id, ok(&items_body(&[(1, &format!("v{n}"))])));
        assert_eq!(delivered(&drain(&mut f)).len(), 1);
        f.handle_hint(now + 2, GUID);
        gc = only_request(&mut f);
        assert_eq!(gc.url.ends_with("/_api/$batch"), still_on, "after {status}");
    }
    assert!(gc.url.ends_with("/GetChanges") && gc.body.unwrap().contains(&tok(12)));
}

#[test]
fn a_refused_or_unreadable_batch_sends_get_changes_alone() {
    let refused = HttpResponse {
        status: 404,
        retry_after_secs: None,
        body: r#"{"odata.error":{"message":{"value":"no $batch here"}}}"#.into(),
    };
    // Refused: the same GetChanges goes alone at once, no error.
    let mut f = bearer_feed();
    let catch_up = loaded(&mut f, &[(1, "a")]);
    f.handle_response(3, catch_up.id, refused);
    let outs = drain(&mut f);
    assert!(errors(&outs).is_empty());
    let gc = requests(&outs).pop().expect("GetChanges at once");
    assert!(gc.url.ends_with("/GetChanges") && gc.body.unwrap().contains(&tok(10)));
    // Unreadable: reported and retried later, alone.
    let mut f = bearer_feed();
    let catch_up = loaded(&mut f, &[(1, "a")]);
    f.handle_response(3, catch_up.id, ok("<html>oops</html>"));
    let errs = errors(&drain(&mut f));
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].code, codes::PARSE);
    assert!(errs[0].request.as_ref().unwrap().1.ends_with("/GetChanges"));
    let at = f.poll_timeout().unwrap();
    f.handle_timeout(at);
    let gc = only_request(&mut f);
    assert!(gc.url.ends_with("/GetChanges"), "{}", gc.url);
}

/// A bearer feed loaded with `n` items in pages of 5,000; its catch-up request.
fn loaded_with(n: i64) -> HttpRequest {
    let mut cfg = FeedConfig::new(SITE, ListRef::Id(GUID.into()));
    (cfg.auth, cfg.page_size) = (Auth::Bearer, 5_000);
    let mut f = ChangeFeed::new(cfg);
    f.handle_start(0);
    let info = only_request(&mut f);
    let body = format!(
        r#"{{"CurrentChangeToken":{{"StringValue":"{}"}}}}"#,
        tok(10)
    );
    f.handle_response(1, info.id, ok(&body));
    let mut next = only_request(&mut f);
    for page in (1..=n).collect::<Vec<i64>>().chunks(5_000) {
        let titles: Vec<(i64, &str)> = page.iter().map(|id| (*id, "t")).collect();
        f.handle_response(2, next.id, ok(&items_body(&titles)));
        next = only_request(&mut f);
    }
    next
}

#[test]
fn big_lists_and_the_options_off_send_get_changes_alone() {
    let over = loaded_with(5_001);
    assert!(over.url.ends_with("/GetChanges"), "over the view threshold");
    let at = loaded_with(4_999);
    assert!(at.url.ends_with("/_api/$batch"), "under the view threshold");
    for (batch, ahead) in [(true, false), (false, true)] {
        let mut cfg = FeedConfig::new(SITE, ListRef::Id(GUID.into()));
        cfg.auth = Auth::Bearer;
        (cfg.batch_reads, cfg.read_ahead) = (batch, ahead);
        let mut f = ChangeFeed::new(cfg);
        let gc = loaded(&mut f, &[(1, "a")]);
        assert!(
            gc.url.ends_with("/GetChanges"),
            "batch {batch}, read-ahead {ahead}"
        );
    }
}

/// The catch-up request of a feed whose view (`filter`) lets 3 of `list_size` items through.
fn view_loaded(list_size: u32) -> HttpRequest {
    let mut cfg = FeedConfig::new(SITE, ListRef::Id(GUID.into()));
    cfg.auth = Auth::Bearer;
    cfg.filter = "Status eq 'Open'".into();
    let mut f = ChangeFeed::new(cfg);
    f.handle_start(0);
    let info = only_request(&mut f);
    let body = format!(
        r#"{{"CurrentChangeToken":{{"StringValue":"{}"}},"ItemCount":{list_size}}}"#,
        tok(10)
    );
    f.handle_response(1, info.id, ok(&body));
    let page = only_request(&mut f);
    f.handle_response(2, page.id, ok(&items_body(&[(1, "a"), (7, "b"), (9, "c")])));
    only_request(&mut f)
}

#[test]
fn a_view_of_a_big_list_sends_get_changes_alone() {
    // The view threshold counts the list's items, not the view's: SharePoint would
    // refuse the read-ahead's unindexed `Modified` filter on the list of 6,000.
    let over = view_loaded(6_000);
    assert!(over.url.ends_with("/GetChanges"), "{}", over.url);
    let under = view_loaded(4_000);
    assert!(under.url.ends_with("/_api/$batch"), "{}", under.url);
}

#[test]
fn a_burst_with_the_read_ahead_costs_two_requests() {
    let mut f = bearer_feed();
    let catch_up = loaded(&mut f, &[(1, "a"), (2, "b")]);
    let parts = [(200, changes_body(&[])), (200, items_body(&[]))];
    f.handle_response(3, catch_up.id, ok(&batch_response(&parts)));
    assert!(requests(&drain(&mut f)).is_empty(), "live and idle");
    f.handle_hint(100, GUID);
    let first = only_request(&mut f);
    for t in [101, 110, 130] {
        f.handle_hint(t, GUID); // the rest of the burst, while the first is out
    }
    let parts = [
        (200, changes_body(&[(11, 2, 1)])),
        (200, items_body(&[(1, "a2")])),
    ];
    f.handle_response(140, first.id, ok(&batch_response(&parts)));
    let outs = drain(&mut f);
    assert_eq!(delivered(&outs).len(), 1, "the first edit shows at once");
    assert!(
        requests(&outs).is_empty(),
        "the next round waits for the hints to settle"
    );
    let due = f.poll_timeout().unwrap();
    assert_eq!(due, 130 + 50);
    f.handle_timeout(due);
    let second = only_request(&mut f);
    assert_changes_ahead(&second, &tok(11));
    let parts = [
        (200, changes_body(&[(12, 2, 2)])),
        (200, items_body(&[(2, "b2"), (1, "a2")])),
    ];
    f.handle_response(due + 5, second.id, ok(&batch_response(&parts)));
    let outs = drain(&mut f);
    let sets = delivered(&outs);
    assert_eq!(titles(&sets[0].updated), [(2, "b2".to_owned())]);
    assert!(requests(&outs).is_empty(), "two requests for the burst");
    assert!(f.is_idle());
}

#[test]
fn read_aheads_that_keep_missing_are_turned_off() {
    let mut f = bearer_feed();
    let mut gc = loaded(&mut f, &[(1, "a"), (2, "b")]);
    // Miss, miss, hit (the count starts over), then three misses: off.
    let hits = [false, false, true, false, false, false];
    for (n, hit) in hits.into_iter().enumerate() {
        assert!(gc.url.ends_with("/_api/$batch"), "round {n} reads ahead");
        let (now, token) = (100 * n as u64 + 3, 11 + n as i64);
        let title = format!("v{n}");
        let ahead = if hit {
            vec![(1, title.as_str())]
        } else {
            vec![(2, "b")]
        };
        let parts = [
            (200, changes_body(&[(token, 2, 1)])),
            (200, items_body(&ahead)),
        ];
        f.handle_response(now, gc.id, ok(&batch_response(&parts)));
        if !hit {
            let read = only_request(&mut f);
            f.handle_response(now + 1, read.id, ok(&items_body(&[(1, &title)])));
        }
        let sets = delivered(&drain(&mut f));
        assert_eq!(titles(&sets[0].updated), [(1, title.clone())]);
        f.handle_hint(now + 2, GUID);
        gc = only_request(&mut f);
    }
    assert!(
        gc.url.ends_with("/GetChanges"),
        "off after three misses in a row"
    );
}
