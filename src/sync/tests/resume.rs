//! Starting from a checkpoint: the items at once, then GetChanges from its token; a
//! token SharePoint no longer knows reloads the list.

use super::*;
use crate::sharepoint::parse_items;

/// Items parsed as the web layer hands a checkpoint's over (ids out of order).
fn checkpoint_items(items: &[(i64, &str)]) -> Vec<Item> {
    parse_items(&items_body(items)).unwrap().items
}

fn titles(items: &[Item]) -> Vec<(i64, String)> {
    items
        .iter()
        .map(|i| {
            let value = i.value();
            let title = value.get("Title").and_then(crate::json::Json::as_str);
            (i.id, title.unwrap_or("").to_owned())
        })
        .collect()
}

/// A feed resumed at token 10 with items 2 "b" and 1 "a", then 3 "c": its outputs on
/// start.
fn resumed(f: &mut ChangeFeed) -> Vec<Output> {
    assert!(f.resume_from(&tok(10), wall()));
    f.resume_page(checkpoint_items(&[(2, "b"), (1, "a")]));
    f.resume_page(checkpoint_items(&[(3, "c")]));
    f.handle_start(0);
    drain(f)
}

#[test]
fn a_checkpoint_shows_at_once_then_get_changes_from_its_token() {
    let mut f = feed(Auth::Bearer);
    let outs = resumed(&mut f);
    let pages = load_pages(&outs);
    assert_eq!(pages.len(), 2, "a load page per piece handed over");
    assert!(
        pages[0].0 && !pages[1].0,
        "the checkpoint's items start the snapshot"
    );
    let first = vec![(1, "a".into()), (2, "b".into())];
    assert_eq!(titles(&pages[0].1), first, "by ID, as a load's page");
    assert_eq!(titles(&pages[1].1), vec![(3, "c".into())]);
    let sets = delivered(&outs);
    assert_eq!((sets.len(), sets[0].kind), (1, ChangeSetKind::Reset));
    assert_eq!(sets[0].token, tok(10));
    let reqs = requests(&outs);
    assert_eq!(reqs.len(), 1, "no list info, no load page: {reqs:?}");
    assert!(reqs[0].url.ends_with("/GetChanges"), "{}", reqs[0].url);
    assert!(reqs[0].body.as_deref().unwrap().contains(&tok(10)));
    assert!(f.catching_up());
    assert_eq!(f.list_guid(), Some(GUID));

    // Item 2 changed, 3 was deleted, 4 added; 1 was touched with no new version.
    let changes = changes_body(&[(11, 2, 2), (12, 3, 3), (13, 1, 4), (14, 2, 1)]);
    f.handle_response(1, reqs[0].id, ok(&changes));
    let read = only_request(&mut f);
    let body = items_body(&[(1, "a"), (2, "b2"), (4, "d")]);
    f.handle_response(2, read.id, ok(&body));
    let sets = delivered(&drain(&mut f));
    assert_eq!(sets.len(), 1);
    assert_eq!(titles(&sets[0].added), vec![(4, "d".into())]);
    assert_eq!(
        titles(&sets[0].updated),
        vec![(2, "b2".into())],
        "1 is unchanged"
    );
    assert_eq!(sets[0].deleted, vec![3]);
    assert_eq!(sets[0].token, tok(14));
    assert!(!f.catching_up(), "a completed round ends the catch-up");
}

#[test]
fn a_list_by_title_takes_the_checkpoints_guid_for_hints() {
    let mut cfg = config();
    (cfg.list, cfg.auth) = (ListRef::Title("Mails".into()), Auth::Bearer);
    let mut f = ChangeFeed::new(cfg);
    let outs = resumed(&mut f);
    let gc = requests(&outs).pop().unwrap();
    assert!(
        gc.url.contains(&format!("lists(guid'{GUID}')")),
        "{}",
        gc.url
    );
    f.handle_response(1, gc.id, ok(r#"{"value":[]}"#));
    drain(&mut f);
    f.handle_hint(2, &GUID.to_uppercase());
    assert_eq!(
        only_request(&mut f).url,
        gc.url,
        "a hint for the list starts a round"
    );
}

#[test]
fn an_expired_checkpoint_reloads_the_list() {
    let mut f = feed(Auth::Bearer);
    let gc = requests(&resumed(&mut f)).pop().unwrap();
    let expired = HttpResponse {
        status: 400,
        retry_after_secs: None,
        body: r#"{"odata.error":{"code":"-2130575172, Microsoft.SharePoint.SPException","message":{"value":"The changeToken refers to a time before the start of the current change log."}}}"#.into(),
    };
    f.handle_response(1, gc.id, expired);
    let outs = drain(&mut f);
    assert_eq!(errors(&outs)[0].code, codes::TOKEN_EXPIRED);
    let info = requests(&outs).pop().expect("a reload");
    assert!(
        info.url.contains("$select=CurrentChangeToken"),
        "{}",
        info.url
    );
    assert!(!f.catching_up(), "a reload is a load, not a catch-up");
}

#[test]
fn checkpoints_that_do_not_fit_are_refused_and_the_list_loads() {
    let other = "1;3;00000000-0000-0000-0000-000000000001;638000000000000010;10";
    let web = format!("1;2;{GUID};638000000000000010;10");
    for token in ["", "not a token", other, &web] {
        let mut f = feed(Auth::Bearer);
        assert!(!f.resume_from(token, wall()), "{token}");
        f.resume_page(checkpoint_items(&[(1, "a")]));
        f.handle_start(0);
        let info = only_request(&mut f);
        assert!(info.url.contains("$select=CurrentChangeToken"), "{token}");
        assert!(!f.catching_up());
    }
    let mut started = feed(Auth::Bearer);
    started.handle_start(0);
    assert!(
        !started.resume_from(&tok(10), wall()),
        "too late once started"
    );
}

#[test]
fn a_checkpoint_older_than_the_change_log_loads_the_list() {
    // SharePoint Online has answered GetChanges from a token past its change log with
    // nothing and no error: the checkpoint's rows would stand as if current.
    let day = 24 * 3600 * 1000;
    for (age, resumes) in [(49 * day, true), (51 * day, false), (400 * day, false)] {
        let mut f = feed(Auth::Bearer);
        assert_eq!(f.resume_from(&tok(10), wall() + age), resumes, "{age}");
        f.resume_page(checkpoint_items(&[(1, "a")]));
        f.handle_start(0);
        let outs = drain(&mut f);
        let url = &requests(&outs)[0].url;
        if resumes {
            assert_eq!(delivered(&outs)[0].kind, ChangeSetKind::Reset);
            assert!(url.ends_with("/GetChanges"), "{url}");
        } else {
            assert!(delivered(&outs).is_empty(), "no rows from the checkpoint");
            assert!(url.contains("$select=CurrentChangeToken"), "{url}");
        }
    }
    // A clock behind SharePoint's (the token from its future) still resumes.
    assert!(feed(Auth::Bearer).resume_from(&tok(10), wall() - day));
}

#[test]
fn a_checkpoint_that_cannot_be_read_is_given_up_for_a_load() {
    let mut f = feed(Auth::Bearer);
    assert!(f.resume_from(&tok(10), wall()));
    f.resume_page(checkpoint_items(&[(1, "a")]));
    f.resume_failed();
    f.handle_start(0);
    let outs = drain(&mut f);
    assert_eq!(errors(&outs)[0].code, codes::PARSE);
    assert!(delivered(&outs).is_empty(), "no reset from the checkpoint");
    let info = requests(&outs).pop().unwrap();
    assert!(
        info.url.contains("$select=CurrentChangeToken"),
        "{}",
        info.url
    );
    assert!(!f.catching_up());
}

#[test]
fn an_empty_checkpoint_is_an_empty_list() {
    let mut f = feed(Auth::Bearer);
    assert!(f.resume_from(&tok(10), wall()));
    f.handle_start(0);
    let outs = drain(&mut f);
    assert!(load_pages(&outs).is_empty());
    assert_eq!(delivered(&outs)[0].kind, ChangeSetKind::Reset);
    assert!(requests(&outs)[0].url.ends_with("/GetChanges"));
}

#[test]
fn a_cursor_older_than_the_change_log_reloads_instead_of_asking_getchanges() {
    // An idle list's cursor is its load's (or last change's) token: after 50 days the
    // next round reloads, as SharePoint Online may answer GetChanges from it with nothing.
    let day = 24 * 3600 * 1000;
    let idle = |f: &mut ChangeFeed, gc: HttpRequest, now: u64| {
        f.handle_response(now, gc.id, ok(&changes_body(&[])));
        drain(f);
    };
    for (age, asks) in [(49 * day, true), (51 * day, false)] {
        let mut f = feed(Auth::Bearer);
        f.set_wall_clock(wall());
        let gc = loaded(&mut f, &[(1, "a")]);
        idle(&mut f, gc, 3);
        f.set_wall_clock(wall() + age);
        f.handle_refresh(day as u64);
        let next = only_request(&mut f);
        let reloads = next.url.contains("$select=CurrentChangeToken");
        assert_eq!(
            (next.url.ends_with("/GetChanges"), reloads),
            (asks, !asks),
            "{age}"
        );
        if asks {
            continue;
        }
        // As with a page's clock 51 days ahead of SharePoint's: the fresh load's token
        // looks as old, but the next reload for age waits a day.
        let info = format!(
            r#"{{"CurrentChangeToken":{{"StringValue":"{}"}},"Id":"{GUID}"}}"#,
            tok(20)
        );
        f.handle_response(day as u64 + 1, next.id, ok(&info));
        let page = only_request(&mut f);
        f.handle_response(day as u64 + 2, page.id, ok(&items_body(&[(1, "a")])));
        let gc = only_request(&mut f);
        assert!(gc.url.ends_with("/GetChanges"), "{}", gc.url);
        idle(&mut f, gc, day as u64 + 3);
        f.handle_refresh(2 * day as u64 - 1);
        let within = only_request(&mut f);
        assert!(within.url.ends_with("/GetChanges"), "within a day");
        idle(&mut f, within, 2 * day as u64);
        f.handle_refresh(2 * day as u64 + 2);
        let later = only_request(&mut f);
        assert!(
            later.url.contains("$select=CurrentChangeToken"),
            "a day later"
        );
    }
    // Without a wall clock the cursor's age is not looked at.
    let mut f = feed(Auth::Bearer);
    let gc = loaded(&mut f, &[(1, "a")]);
    idle(&mut f, gc, 3);
    f.handle_refresh(day as u64);
    assert!(only_request(&mut f).url.ends_with("/GetChanges"));
}
