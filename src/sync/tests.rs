//! Scripted engine tests with a fake clock (the seeded simulation is tests/sync_sim.rs).

use super::*;
use crate::sharepoint::{Item, ListRef};

const SITE: &str = "https://contoso.sharepoint.com/sites/team";
const GUID: &str = "482e418a-0900-414b-8902-02248c2e44e8";

fn tok(n: i64) -> String {
    format!("1;3;{GUID};{};{n}", 638_000_000_000_000_000i64 + n)
}

/// The wall clock a moment after [`tok`]'s tokens were made (a checkpoint of today).
fn wall() -> i64 {
    crate::sharepoint::ticks_to_ms(638_000_000_000_000_000) + 60_000
}

/// The scripts here follow a round whose GetChanges goes alone (the path of lists over
/// the view threshold, `read_ahead: false`, or a refused `$batch`); the read-ahead has
/// its own in `tests/read_ahead.rs`.
fn config() -> FeedConfig {
    let mut cfg = FeedConfig::new(SITE, ListRef::Id(GUID.into()));
    cfg.read_ahead = false;
    cfg
}

fn feed(auth: Auth) -> ChangeFeed {
    let mut cfg = config();
    cfg.auth = auth;
    cfg.select = vec!["Title".into()];
    ChangeFeed::new(cfg)
}

fn drain(f: &mut ChangeFeed) -> Vec<Output> {
    std::iter::from_fn(|| f.poll_output()).collect()
}

fn requests(outs: &[Output]) -> Vec<HttpRequest> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Request(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

/// The errors among `outs`.
fn errors(outs: &[Output]) -> Vec<FeedError> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Error(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

fn only_request(f: &mut ChangeFeed) -> HttpRequest {
    let reqs = requests(&drain(f));
    assert_eq!(reqs.len(), 1, "exactly one request in flight: {reqs:?}");
    reqs[0].clone()
}

fn ok(body: &str) -> HttpResponse {
    HttpResponse {
        status: 200,
        retry_after_secs: None,
        body: body.into(),
    }
}

fn items_body(items: &[(i64, &str)]) -> String {
    let v: Vec<String> = items
        .iter()
        .map(|(id, t)| format!(r#"{{"Id":{id},"Title":"{t}"}}"#))
        .collect();
    format!(r#"{{"value":[{}]}}"#, v.join(","))
}

fn changes_body(changes: &[(i64, i64, i64)]) -> String {
    let v: Vec<String> = changes
        .iter()
        .map(|(n, ty, id)| {
            format!(
                r#"{{"ChangeToken":{{"StringValue":"{}"}},"ChangeType":{ty},"ItemId":{id}}}"#,
                tok(*n)
            )
        })
        .collect();
    format!(r#"{{"value":[{}]}}"#, v.join(","))
}

/// The items of the load pages among `outs`, and whether the first starts a snapshot.
fn load_pages(outs: &[Output]) -> Vec<(bool, Vec<Item>)> {
    outs.iter()
        .filter_map(|o| match o {
            Output::LoadPage { first, items } => Some((*first, items.clone())),
            _ => None,
        })
        .collect()
}

fn delivered(outs: &[Output]) -> Vec<ChangeSet> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Deliver(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// Start and load `items` at token 10; returns the catch-up GetChanges request.
fn loaded(f: &mut ChangeFeed, items: &[(i64, &str)]) -> HttpRequest {
    f.handle_start(0);
    let info = only_request(f);
    assert!(info
        .url
        .ends_with("?$select=CurrentChangeToken,Id,ItemCount"));
    let body = format!(
        r#"{{"CurrentChangeToken":{{"StringValue":"{}"}},"Id":"{GUID}"}}"#,
        tok(10)
    );
    f.handle_response(1, info.id, ok(&body));
    let page = only_request(f);
    assert!(page.url.contains("&$orderby=ID&$top=2000"));
    f.handle_response(2, page.id, ok(&items_body(items)));
    let outs = drain(f);
    let sets = delivered(&outs);
    assert_eq!(sets.len(), 1);
    assert_eq!(
        (sets[0].kind, sets[0].items.len()),
        (ChangeSetKind::Reset, 0)
    );
    let pages = load_pages(&outs);
    assert_eq!(pages.len(), 1);
    assert!(pages[0].0, "the load's first page starts the snapshot");
    assert_eq!(pages[0].1.len(), items.len());
    assert_eq!(sets[0].token, tok(10));
    let reqs = requests(&outs);
    assert_eq!(reqs.len(), 1);
    reqs[0].clone()
}

#[test]
fn digest_mode_loads_then_catches_up_with_a_digest() {
    let mut f = feed(Auth::Digest);
    let ctx = loaded(&mut f, &[(1, "a"), (2, "b")]);
    assert!(ctx.url.ends_with("/_api/contextinfo") && ctx.method == "POST");
    f.handle_response(
        3,
        ctx.id,
        ok(r#"{"FormDigestValue":"0xD","FormDigestTimeoutSeconds":1800}"#),
    );
    let gc = only_request(&mut f);
    assert!(gc.url.ends_with("/GetChanges") && gc.method == "POST");
    assert!(gc
        .headers
        .contains(&("X-RequestDigest".into(), "0xD".into())));
    assert!(gc
        .headers
        .iter()
        .any(|(k, v)| k == "X-ClientService-ClientTag"
            && *v == format!("NONISV|sp-live|sp-live/{}", env!("CARGO_PKG_VERSION"))));
    assert!(gc.body.as_deref().unwrap().contains(&tok(10)));
    // Update 2, delete 1, add 3 (then updated): one read for 1, 2, 3.
    f.handle_response(
        4,
        gc.id,
        ok(&changes_body(&[
            (11, 2, 2),
            (12, 3, 1),
            (13, 1, 3),
            (14, 2, 3),
        ])),
    );
    let read = only_request(&mut f);
    assert!(read
        .url
        .ends_with("$filter=(ID%20ge%201%20and%20ID%20le%203)"));
    f.handle_response(5, read.id, ok(&items_body(&[(2, "b2"), (3, "c")])));
    let sets = delivered(&drain(&mut f));
    assert_eq!(sets.len(), 1);
    let s = &sets[0];
    assert_eq!(
        (s.kind, s.token.as_str()),
        (ChangeSetKind::Changes, tok(14).as_str())
    );
    assert_eq!(
        (s.added.len(), s.updated.len(), s.deleted.clone()),
        (1, 1, vec![1])
    );
    assert_eq!(f.token(), Some(tok(14).as_str()));
    assert_eq!(f.item_ids().collect::<Vec<_>>(), vec![2, 3]);
    // Idle: nothing due but the safety poll, 5 minutes after the round ended.
    assert!(f.is_idle());
    assert_eq!(f.poll_timeout(), Some(5 + 300_000));
    assert_eq!(f.status(), Some(FeedStatus::Live));
}

#[test]
fn pages_get_changes_until_a_short_page() {
    let mut cfg = config();
    cfg.auth = Auth::External;
    cfg.fetch_limit = 2;
    let mut f = ChangeFeed::new(cfg);
    let gc = loaded(&mut f, &[]);
    assert!(gc.body.as_deref().unwrap().contains("\"FetchLimit\":2"));
    f.handle_response(3, gc.id, ok(&changes_body(&[(11, 1, 5), (12, 2, 5)])));
    let next = only_request(&mut f);
    assert!(
        next.body.as_deref().unwrap().contains(&tok(12)),
        "continues from the last token"
    );
    f.handle_response(4, next.id, ok(&changes_body(&[(13, 1, 6)])));
    let read = only_request(&mut f);
    assert!(read.url.contains("(ID%20eq%205)%20or%20(ID%20eq%206)"));
    // 6 was deleted before the read: not added at all; 5 added.
    f.handle_response(5, read.id, ok(&items_body(&[(5, "e")])));
    let s = &delivered(&drain(&mut f))[0];
    assert_eq!(
        (s.added.len(), s.deleted.len(), s.token.as_str()),
        (1, 0, tok(13).as_str())
    );
}

/// The newest of a page's tokens past the cursor wins, whatever the records' order or the
/// GUID's case, and goes on as it was sent; a record whose token does not parse is kept.
#[test]
fn the_cursor_takes_the_newest_token_of_a_page_in_any_order() {
    let mut cfg = config();
    cfg.auth = Auth::External;
    let mut f = ChangeFeed::new(cfg);
    let gc = loaded(&mut f, &[]);
    let upper = tok(13).to_uppercase();
    let rec = |token: &str, id| {
        format!(r#"{{"ChangeToken":{{"StringValue":"{token}"}},"ChangeType":1,"ItemId":{id}}}"#)
    };
    let records = [
        rec(&tok(12), 5),
        rec(&upper, 6),
        rec("not a token", 7),
        rec(&tok(9), 8),
    ];
    let body = format!(r#"{{"value":[{}]}}"#, records.join(","));
    f.handle_response(3, gc.id, ok(&body));
    let read = only_request(&mut f);
    let items = [(5, "e"), (6, "f"), (7, "g"), (8, "h")];
    f.handle_response(4, read.id, ok(&items_body(&items)));
    let s = &delivered(&drain(&mut f))[0];
    assert_eq!((s.token.as_str(), s.added.len()), (upper.as_str(), 4));
    assert_eq!(f.token(), Some(upper.as_str()));
}

#[test]
fn digest_is_refreshed_once_on_security_validation_error() {
    let mut f = feed(Auth::Digest);
    let ctx = loaded(&mut f, &[]);
    f.handle_response(3, ctx.id, ok(r#"{"d":{"GetContextWebInformation":{"FormDigestValue":"0x1","FormDigestTimeoutSeconds":1800}}}"#));
    let gc = only_request(&mut f);
    let denied = r#"{"error":{"code":"-2130575251, Microsoft.SharePoint.SPException","message":{"lang":"en-US","value":"The security validation for this page is invalid."}}}"#;
    let resp = || HttpResponse {
        status: 403,
        retry_after_secs: None,
        body: denied.into(),
    };
    f.handle_response(4, gc.id, resp());
    let ctx2 = only_request(&mut f);
    assert!(ctx2.url.ends_with("/_api/contextinfo"));
    f.handle_response(
        5,
        ctx2.id,
        ok(r#"{"FormDigestValue":"0x2","FormDigestTimeoutSeconds":1800}"#),
    );
    let retry = only_request(&mut f);
    assert!(retry
        .headers
        .contains(&("X-RequestDigest".into(), "0x2".into())));
    f.handle_response(6, retry.id, resp());
    let outs = drain(&mut f);
    assert!(outs
        .iter()
        .any(|o| matches!(o, Output::Error(e) if e.code == codes::AUTH)));
    assert!(requests(&outs).is_empty(), "backs off instead of looping");
    // Before the digest times out (minus the margin) it is refreshed proactively.
    let mut g = feed(Auth::Digest);
    let ctx = loaded(&mut g, &[]);
    g.handle_response(
        3,
        ctx.id,
        ok(r#"{"FormDigestValue":"0x1","FormDigestTimeoutSeconds":600}"#),
    );
    let gc = only_request(&mut g);
    g.handle_response(4, gc.id, ok(r#"{"value":[]}"#));
    g.handle_hint(539_000, GUID);
    let early = only_request(&mut g);
    assert!(early.url.ends_with("/GetChanges"), "digest still fresh");
    g.handle_response(539_001, early.id, ok(r#"{"value":[]}"#));
    g.handle_hint(541_000, GUID);
    assert!(
        only_request(&mut g).url.ends_with("/_api/contextinfo"),
        "refreshed before expiry"
    );
}

#[test]
fn title_lists_learn_their_guid_for_hints() {
    let mut cfg = FeedConfig::new(SITE, ListRef::by_title("Tasks"));
    cfg.read_ahead = false;
    cfg.auth = Auth::Bearer;
    let mut f = ChangeFeed::new(cfg);
    f.handle_hint(0, GUID);
    assert!(drain(&mut f).is_empty(), "not started");
    f.handle_start(0);
    let info = only_request(&mut f);
    assert!(info.url.contains("getbytitle('Tasks')"));
    let body = format!(
        r#"{{"CurrentChangeToken":{{"StringValue":"{}"}},"Id":"{GUID}"}}"#,
        tok(1)
    );
    f.handle_response(1, info.id, ok(&body));
    let page = only_request(&mut f);
    assert!(page.url.contains(&format!("lists(guid'{GUID}')/items")));
    assert_eq!(f.list_guid(), Some(GUID));
    let braced = format!("{{{}}}", GUID.to_ascii_uppercase());
    assert!(f.is_own_list(GUID) && f.is_own_list(&braced));
    assert!(!f.is_own_list("00000000-0000-0000-0000-000000000000"));
}

mod batch;
mod by_title;
mod cursor;
mod expiry;
mod failures;
mod hints;
mod load;
mod odata_version;
mod origins;
mod read_ahead;
mod resume;
mod wake;
