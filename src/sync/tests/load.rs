//! Loads: pages handed out as they come, the reset that completes them, and reloads.

use super::*;

/// Starts `f`'s load and answers its list read (token `tok(10)`): the first page's
/// request.
fn started_load(f: &mut ChangeFeed) -> HttpRequest {
    f.handle_start(0);
    let info = only_request(f);
    let body = format!(
        r#"{{"CurrentChangeToken":{{"StringValue":"{}"}},"Id":"{GUID}"}}"#,
        tok(10)
    );
    f.handle_response(1, info.id, ok(&body));
    only_request(f)
}

#[test]
fn a_paged_load_hands_out_each_page_then_a_reset() {
    let mut cfg = config();
    cfg.page_size = 2;
    let mut f = ChangeFeed::new(cfg);
    let mut req = started_load(&mut f);
    let mut pages = Vec::new();
    let mut sets = Vec::new();
    // Out of order within a page, an id repeated from an earlier page, then the end.
    for (i, page) in [
        vec![(2, "b"), (1, "a")],
        vec![(2, "b2"), (3, "c"), (4, "d")],
        vec![],
    ]
    .iter()
    .enumerate()
    {
        assert!(req.url.contains("$top=2"), "{}", req.url);
        f.handle_response(2 + i as u64, req.id, ok(&items_body(page)));
        let outs = drain(&mut f);
        pages.extend(load_pages(&outs));
        sets.extend(delivered(&outs));
        if !sets.is_empty() {
            break;
        }
        req = requests(&outs).pop().expect("the next page is requested");
    }
    let ids = |items: &[Item]| -> Vec<i64> { items.iter().map(|item| item.id).collect() };
    let firsts: Vec<bool> = pages.iter().map(|(first, _)| *first).collect();
    assert_eq!(firsts, [true, false, false]);
    assert_eq!(ids(&pages[0].1), [1, 2]);
    assert_eq!(
        ids(&pages[1].1),
        [3, 4],
        "a repeated id keeps its first copy"
    );
    assert!(pages[2].1.is_empty());
    assert_eq!(sets.len(), 1);
    assert_eq!(
        (sets[0].kind, sets[0].items.len()),
        (ChangeSetKind::Reset, 0)
    );
    assert_eq!(f.item_ids().collect::<Vec<_>>(), [1, 2, 3, 4]);
    // A list state fed the pages shows the snapshot at the reset.
    let mut list = ListState::new();
    list.load_page(
        true,
        &[Item::from_value(&crate::json::parse(r#"{"Id":99}"#).unwrap()).unwrap()],
    ); // an abandoned load
    for (first, items) in &pages {
        list.load_page(*first, items);
        assert!(list.is_empty(), "nothing shows before the reset");
    }
    assert_eq!(list.apply(&sets[0]), [Diff::Replace]);
    assert_eq!(list.ids(), [1, 2, 3, 4]);
}

#[test]
fn expired_token_reloads_with_a_reset() {
    let mut f = feed(Auth::Bearer);
    let gc = loaded(&mut f, &[(1, "a")]);
    let body = r#"{"odata.error":{"code":"-2146232832, Microsoft.SharePoint.SPException","message":{"lang":"en-US","value":"The changeToken refers to a time before the start of the current change log."}}}"#;
    f.handle_response(
        3,
        gc.id,
        HttpResponse {
            status: 500,
            retry_after_secs: None,
            body: body.into(),
        },
    );
    let outs = drain(&mut f);
    assert!(outs
        .iter()
        .any(|o| matches!(o, Output::Error(e) if e.code == codes::TOKEN_EXPIRED)));
    let info = requests(&outs).pop().unwrap();
    assert!(info
        .url
        .ends_with("?$select=CurrentChangeToken,Id,ItemCount"));
    assert_eq!(
        f.token(),
        Some(tok(10).as_str()),
        "token kept until the reset is delivered"
    );
}

/// `{"value":[...], "odata.nextLink": link}`.
fn page_with_link(items: &[(i64, &str)], link: &str) -> String {
    let body = items_body(items);
    format!(
        r#"{},"odata.nextLink":"{link}"}}"#,
        body.trim_end_matches('}')
    )
}

/// SharePoint may page a view of a big list by windows of the list: a page can hold
/// none of the view's items and still link to the next. The load follows such links
/// (it used to end at the first empty page and miss the rest of the view); an empty
/// page that links to itself, or a long run of them, still ends it.
#[test]
fn a_load_follows_empty_pages_that_link_on() {
    let mut cfg = config();
    cfg.page_size = 2;
    let mut f = ChangeFeed::new(cfg);
    let first = started_load(&mut f);
    let link = |after: i64| {
        format!("{SITE}/_api/web/lists(guid'{GUID}')/items?$top=2&$skiptoken=Paged%3dTRUE%26p_ID%3d{after}")
    };
    f.handle_response(2, first.id, ok(&page_with_link(&[(1, "a")], &link(5000))));
    let second = only_request(&mut f);
    assert_eq!(second.url, link(5000));
    f.handle_response(3, second.id, ok(&page_with_link(&[], &link(10000))));
    let third = only_request(&mut f);
    assert_eq!(third.url, link(10000), "the empty page's link is followed");
    f.handle_response(4, third.id, ok(&items_body(&[(12000, "z")])));
    drain(&mut f);
    assert_eq!(f.item_ids().collect::<Vec<_>>(), [1, 12000]);

    // An empty page linking to itself ends the load.
    let mut f = ChangeFeed::new(config());
    let first = started_load(&mut f);
    f.handle_response(2, first.id, ok(&page_with_link(&[], &first.url)));
    let outs = drain(&mut f);
    assert!(!delivered(&outs).is_empty(), "the load ended");
}

/// However many empty pages a view of a huge list takes, a load follows links that move
/// past the ids paged so far (the ids end); it used to stop after a hundred and deliver
/// the view without the rest.
#[test]
fn a_load_follows_advancing_empty_pages_to_the_end() {
    let mut f = ChangeFeed::new(config());
    let mut req = started_load(&mut f);
    let link = |after: u64| {
        format!("{SITE}/_api/web/lists(guid'{GUID}')/items?$top=2&$skiptoken=Paged%3dTRUE%26p_ID%3d{after}")
    };
    for n in 0u64..300 {
        f.handle_response(
            2 + n,
            req.id,
            ok(&page_with_link(&[], &link(5000 * (n + 1)))),
        );
        let outs = drain(&mut f);
        assert!(
            delivered(&outs).is_empty(),
            "the load ended after {n} empty pages"
        );
        req = requests(&outs).pop().expect("the next page");
    }
    f.handle_response(400, req.id, ok(&items_body(&[(1_500_001, "last")])));
    drain(&mut f);
    assert_eq!(f.item_ids().collect::<Vec<_>>(), [1_500_001]);
}

/// A server that links empty pages for ever without moving past the ids already paged
/// (the same `p_ID`, or none): the load ends after a hundred of them.
#[test]
fn a_run_of_empty_pages_that_do_not_advance_ends_the_load() {
    for same_id in [true, false] {
        let mut f = ChangeFeed::new(config());
        let mut req = started_load(&mut f);
        let mut ended = None;
        for n in 0u64..200 {
            let link = match same_id {
                true => format!("{SITE}/_api/web/lists(guid'{GUID}')/items?$top=2&$skiptoken=Paged%3dTRUE%26p_ID%3d7&n={n}"),
                false => format!("{SITE}/_api/web/lists(guid'{GUID}')/items?$top=2&page={n}"),
            };
            f.handle_response(2 + n, req.id, ok(&page_with_link(&[], &link)));
            let outs = drain(&mut f);
            if !delivered(&outs).is_empty() {
                let codes: Vec<_> = errors(&outs).iter().map(|e| e.code).collect();
                assert_eq!(codes, [codes::PARSE], "not silently");
                ended = Some(n);
                break;
            }
            req = requests(&outs).pop().expect("the next page");
        }
        assert_eq!(ended, Some(100), "same p_ID: {same_id}");
    }
}

/// A read by ID under a view (`filter`) can page as a load does: an empty page that
/// links on is followed, and an item on a later page is not taken as deleted.
#[test]
fn a_read_follows_empty_pages_that_link_on() {
    let mut cfg = config();
    cfg.auth = Auth::Bearer;
    cfg.filter = "Status eq 'Open'".into();
    cfg.batch_reads = false;
    let mut f = ChangeFeed::new(cfg);
    let gc = loaded(&mut f, &[(7000, "a")]);
    f.handle_response(3, gc.id, ok(&changes_body(&[(11, 2, 7000)])));
    let read = only_request(&mut f);
    let next = format!("{}&$skiptoken=Paged%3DTRUE%26p_ID%3D5000", read.url);
    f.handle_response(4, read.id, ok(&page_with_link(&[], &next)));
    let follow = only_request(&mut f);
    assert_eq!(follow.url, next, "the empty page's link is followed");
    f.handle_response(5, follow.id, ok(&items_body(&[(7000, "still open")])));
    let sets = delivered(&drain(&mut f));
    assert_eq!(sets.len(), 1);
    assert!(sets[0].deleted.is_empty(), "7000 is not deleted");
    assert_eq!(sets[0].updated[0].id, 7000);
}

/// A server whose empty pages link one id further for ever: the load ends after 10,000
/// of them in a row, with an error (the rows may lack the rest of the view).
#[test]
fn a_load_of_empty_pages_advancing_for_ever_ends() {
    let mut f = ChangeFeed::new(config());
    let mut req = started_load(&mut f);
    let link = |after: u64| {
        format!("{SITE}/_api/web/lists(guid'{GUID}')/items?$top=2&$skiptoken=Paged%3dTRUE%26p_ID%3d{after}")
    };
    for n in 0u64..20_000 {
        f.handle_response(2 + n, req.id, ok(&page_with_link(&[], &link(n + 1))));
        let outs = drain(&mut f);
        if !delivered(&outs).is_empty() {
            assert_eq!(n, 10_000, "pages followed");
            let codes: Vec<_> = errors(&outs).iter().map(|e| e.code).collect();
            assert_eq!(codes, [codes::PARSE]);
            return;
        }
        req = requests(&outs).pop().expect("the next page");
    }
    panic!("20,000 empty pages followed");
}

/// A read's next links are followed only while they move past the page's ids and short
/// of the last id asked for: a server linking pages in a cycle, or empty pages one id
/// further for ever, cannot hold the round.
#[test]
fn a_read_follows_no_link_cycle_and_no_endless_run() {
    for cycle in [true, false] {
        let mut cfg = config();
        cfg.auth = Auth::Bearer;
        cfg.batch_reads = false;
        let mut f = ChangeFeed::new(cfg);
        let gc = loaded(&mut f, &[(1, "a"), (9000, "z")]);
        f.handle_response(3, gc.id, ok(&changes_body(&[(11, 2, 1), (12, 2, 9000)])));
        let mut req = only_request(&mut f);
        let base = req.url.clone();
        let at = |after: u64| format!("{base}&$skiptoken=Paged%3dTRUE%26p_ID%3d{after}");
        let (a, b) = (at(5), at(9));
        let mut reads = 0;
        loop {
            reads += 1;
            assert!(reads < 10_000, "cycle: {cycle}: the round never ends");
            let body = match (cycle, req.url == b) {
                (true, true) => page_with_link(&[], &a),
                (true, false) => page_with_link(&[(1, "a2")], &b),
                (false, _) => page_with_link(&[], &at(reads + 1)),
            };
            f.handle_response(4 + reads, req.id, ok(&body));
            let outs = drain(&mut f);
            match requests(&outs).pop() {
                Some(next) => req = next,
                None => break,
            }
        }
        // The cycle ends at once; the run at the last id asked for (9000).
        assert!(
            reads <= if cycle { 3 } else { 9000 },
            "cycle: {cycle}: {reads} reads"
        );
    }
}

/// Behind a proxy on the page's own origin (`siteUrl` on the proxy), or with a port
/// written out, SharePoint's next links name SharePoint's own origin (or its server
/// path, without the proxy's prefix). They are followed on the site's origin (what
/// follows `/_api/` put after the site URL), never sent to the other origin: the load of
/// a view paged by windows used to end at the first short page such a link continued
/// (the rest of the view missing, silently), and a read's items on a later page were
/// taken as deleted.
#[test]
fn next_links_on_another_origin_are_followed_on_the_sites() {
    const PROXY: &str = "https://intranet.example/sp/sites/team";
    let link = |after: i64| {
        format!("https://contoso.sharepoint.com/sites/team/_api/web/lists(guid'{GUID}')/items?$top=2&$skiptoken=Paged%3dTRUE%26p_ID%3d{after}")
    };
    let rebased = |after: i64| {
        format!("{PROXY}/_api/web/lists(guid'{GUID}')/items?$top=2&$skiptoken=Paged%3dTRUE%26p_ID%3d{after}")
    };
    let proxied = |cfg: FeedConfig| {
        let mut cfg = FeedConfig {
            site_url: PROXY.into(),
            ..cfg
        };
        cfg.auth = Auth::Bearer;
        cfg.filter = "Status eq 'Open'".into();
        cfg.batch_reads = false;
        ChangeFeed::new(cfg)
    };
    let mut f = proxied(config());
    let first = started_load(&mut f);
    assert!(first.url.starts_with(PROXY));
    f.handle_response(2, first.id, ok(&page_with_link(&[(1, "a")], &link(5000))));
    let second = only_request(&mut f);
    assert_eq!(
        second.url,
        rebased(5000),
        "the short page's link, on the site's origin"
    );
    let relative = link(6000).replace("https://contoso.sharepoint.com", "");
    f.handle_response(3, second.id, ok(&page_with_link(&[], &relative)));
    let third = only_request(&mut f);
    assert_eq!(
        third.url,
        rebased(6000),
        "a server-relative link, after the site URL"
    );
    f.handle_response(4, third.id, ok(&items_body(&[(7000, "z")])));
    let gc = requests(&drain(&mut f)).pop().expect("the catch-up");
    assert_eq!(
        f.item_ids().collect::<Vec<_>>(),
        [1, 7000],
        "the whole view"
    );

    f.handle_response(4, gc.id, ok(&changes_body(&[(11, 2, 7000)])));
    let read = only_request(&mut f);
    assert!(read.url.starts_with(PROXY));
    f.handle_response(5, read.id, ok(&page_with_link(&[], &link(5000))));
    let follow = only_request(&mut f);
    assert_eq!(
        follow.url,
        rebased(5000),
        "the read's link, on the site's origin"
    );
    f.handle_response(6, follow.id, ok(&items_body(&[(7000, "still open")])));
    let sets = delivered(&drain(&mut f));
    assert_eq!(sets.len(), 1);
    assert!(sets[0].deleted.is_empty(), "7000 is not deleted");
    assert_eq!(sets[0].updated[0].id, 7000);

    // A link with no `/_api/` path on another origin is still not followed.
    let mut f = proxied(config());
    let first = started_load(&mut f);
    f.handle_response(
        2,
        first.id,
        ok(&page_with_link(
            &[(1, "a")],
            "https://elsewhere.example/x?p_ID=5",
        )),
    );
    let outs = drain(&mut f);
    assert_eq!(delivered(&outs).len(), 1, "the load ended");
    assert!(requests(&outs).iter().all(|r| r.url.starts_with(PROXY)));
}

/// A `/_api/` only in a next link's query (a link off SharePoint's REST paths, a value
/// passed along) is no REST path to follow on the site: the link is not followed (the
/// load ends with its short page), instead of asking the site for the query's tail.
#[test]
fn a_next_link_with_api_only_in_its_query_is_not_followed() {
    let mut cfg = config();
    cfg.filter = "Status eq 'Open'".into();
    let mut f = ChangeFeed::new(cfg);
    let first = started_load(&mut f);
    let link = "https://elsewhere.example/x?next=/_api/web/lists/items&p_ID=5";
    f.handle_response(2, first.id, ok(&page_with_link(&[(1, "a")], link)));
    let outs = drain(&mut f);
    assert_eq!(delivered(&outs).len(), 1, "the load ended");
    for r in requests(&outs) {
        assert!(!r.url.contains("_api/web/lists/items&"), "{}", r.url);
    }
}
