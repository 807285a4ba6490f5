//! A list opened by title goes on by its GUID once known (through a rename too), and is
//! looked up by title again when that GUID is gone: a list deleted and created again
//! under the same title (another GUID) is followed, from a load or from a checkpoint,
//! instead of asking for the deleted list's GUID for ever.

use super::*;

const NEW_GUID: &str = "99999999-0000-4000-8000-000000000001";

/// What SharePoint answers for a list GUID that no longer exists.
const NO_LIST: &str = r#"{"odata.error":{"code":"-1, System.ArgumentException","message":{"lang":"en-US","value":"List 'x' does not exist at site with URL 'https://contoso.sharepoint.com/sites/team'."}}}"#;

fn by_title() -> ChangeFeed {
    let mut cfg = config();
    (cfg.list, cfg.auth) = (ListRef::Title("Tasks".into()), Auth::Bearer);
    ChangeFeed::new(cfg)
}

fn list_info(guid: &str, n: i64) -> String {
    let token = tok(n).replace(GUID, guid);
    format!(r#"{{"CurrentChangeToken":{{"StringValue":"{token}"}},"Id":"{guid}"}}"#)
}

/// Answers `req` with a 404 for the deleted list until the feed asks something else
/// (running the clock to each retry): that request, within 10 answers.
fn until_it_asks_again(f: &mut ChangeFeed, now: &mut u64, req: HttpRequest) -> HttpRequest {
    let mut req = req;
    for _ in 0..10 {
        *now += 1;
        let gone = HttpResponse {
            status: 404,
            retry_after_secs: None,
            body: NO_LIST.into(),
        };
        f.handle_response(*now, req.id, gone);
        let mut outs = drain(f);
        while requests(&outs).is_empty() {
            *now = f.poll_timeout().expect("a retry is scheduled");
            f.handle_timeout(*now);
            outs.extend(drain(f));
        }
        req = requests(&outs).pop().unwrap();
        if req.url.contains("getbytitle('Tasks')") {
            return req;
        }
    }
    panic!("still asking for the deleted list: {}", req.url);
}

/// The list under the title now: its info, its one page, then the caught-up feed.
fn follows_the_new_list(f: &mut ChangeFeed, now: &mut u64, info: HttpRequest) {
    f.handle_response(*now + 1, info.id, ok(&list_info(NEW_GUID, 50)));
    let page = only_request(f);
    assert!(page.url.contains(NEW_GUID), "{}", page.url);
    f.handle_response(*now + 2, page.id, ok(&items_body(&[(1, "fresh")])));
    let outs = drain(f);
    let pages = load_pages(&outs);
    assert!(pages[0].0, "a new snapshot");
    assert_eq!(pages[0].1[0].id, 1);
    let gc = requests(&outs).pop().expect("the catch-up GetChanges");
    assert!(gc.url.contains(NEW_GUID), "{}", gc.url);
    assert!(
        f.is_own_list(NEW_GUID) && !f.is_own_list(GUID),
        "the new list's hints"
    );
}

#[test]
fn a_list_created_again_under_its_title_is_followed_after_a_load() {
    let mut f = by_title();
    f.handle_start(0);
    let info = only_request(&mut f);
    assert!(info.url.contains("getbytitle('Tasks')"));
    f.handle_response(1, info.id, ok(&list_info(GUID, 10)));
    let page = only_request(&mut f);
    f.handle_response(2, page.id, ok(&items_body(&[(1, "a"), (2, "b")])));
    let gc = requests(&drain(&mut f)).pop().unwrap();
    assert!(gc.url.contains(GUID), "by GUID once known: {}", gc.url);
    let mut now = 3;
    let info = until_it_asks_again(&mut f, &mut now, gc);
    follows_the_new_list(&mut f, &mut now, info);
}

#[test]
fn a_list_created_again_under_its_title_is_followed_from_a_checkpoint() {
    let mut f = by_title();
    assert!(f.resume_from(&tok(10), wall()));
    let items = crate::sharepoint::parse_items(&items_body(&[(1, "a")])).unwrap();
    f.resume_page(items.items);
    f.handle_start(0);
    let gc = requests(&drain(&mut f)).pop().unwrap();
    assert!(gc.url.contains(GUID), "the checkpoint's list: {}", gc.url);
    let mut now = 1;
    let info = until_it_asks_again(&mut f, &mut now, gc);
    follows_the_new_list(&mut f, &mut now, info);
}

/// Renamed (same GUID), then its token expires: the reload goes on by the GUID, which
/// still answers, rather than by the old title, which no longer does.
#[test]
fn a_renamed_list_is_reloaded_by_its_guid() {
    let mut f = by_title();
    f.handle_start(0);
    let info = only_request(&mut f);
    f.handle_response(1, info.id, ok(&list_info(GUID, 10)));
    let page = only_request(&mut f);
    f.handle_response(2, page.id, ok(&items_body(&[(1, "a")])));
    let gc = requests(&drain(&mut f)).pop().unwrap();
    let expired = r#"{"odata.error":{"code":"-2130575172, Microsoft.SharePoint.SPException","message":{"lang":"en-US","value":"The change token refers to a time before the start of the current change log."}}}"#;
    let resp = HttpResponse {
        status: 400,
        retry_after_secs: None,
        body: expired.into(),
    };
    f.handle_response(3, gc.id, resp);
    let info = requests(&drain(&mut f))
        .pop()
        .expect("the reload's list info");
    assert!(info.url.contains(GUID), "by its GUID: {}", info.url);
    f.handle_response(4, info.id, ok(&list_info(GUID, 60)));
    let page = only_request(&mut f);
    assert!(page.url.contains(GUID), "{}", page.url);
}
