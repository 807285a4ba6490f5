//! Waking up: a page visible again or back online looks for changes its broadcaster's
//! lost hints would have told, and retries a request that got no response at once.

use super::*;

/// A loaded feed, idle and live since `t = 4`.
fn idle_feed() -> ChangeFeed {
    let mut f = feed(Auth::Bearer);
    let gc = loaded(&mut f, &[(1, "a")]);
    f.handle_response(4, gc.id, ok(r#"{"value":[]}"#));
    assert!(requests(&drain(&mut f)).is_empty());
    assert!(f.is_idle());
    f
}

#[test]
fn back_online_an_idle_feed_looks_for_changes_at_once() {
    let mut f = idle_feed();
    f.handle_wake(5, Wake::Online);
    let round = only_request(&mut f);
    assert!(round.url.ends_with("/GetChanges"));
    // Back online again while that GetChanges is out: it may have left on the dead
    // link, so one more round follows it (as for `refresh`), and only one.
    f.handle_wake(6, Wake::Online);
    f.handle_wake(6, Wake::Online);
    assert!(requests(&drain(&mut f)).is_empty(), "one request at a time");
    f.handle_response(7, round.id, ok(r#"{"value":[]}"#));
    let again = only_request(&mut f);
    assert!(again.url.ends_with("/GetChanges"));
    f.handle_response(8, again.id, ok(r#"{"value":[]}"#));
    assert!(requests(&drain(&mut f)).is_empty());
    assert!(f.is_idle());
}

#[test]
fn visible_again_a_feed_looks_only_after_being_idle_a_while() {
    let mut f = idle_feed();
    // Tabs switched back and forth: a round that recent has seen it all.
    f.handle_wake(4 + WAKE_QUIET_MS - 1, Wake::Visible);
    assert!(requests(&drain(&mut f)).is_empty());
    // Visible again while a round runs: nothing more (it is recent by definition).
    f.handle_hint(5, GUID);
    let round = only_request(&mut f);
    f.handle_wake(4 + WAKE_QUIET_MS, Wake::Visible);
    assert!(requests(&drain(&mut f)).is_empty());
    f.handle_response(6, round.id, ok(r#"{"value":[]}"#));
    assert!(requests(&drain(&mut f)).is_empty());
    let idle_from = 6;
    f.handle_wake(idle_from + WAKE_QUIET_MS - 1, Wake::Visible);
    assert!(requests(&drain(&mut f)).is_empty());
    assert!(f.is_idle());
    // Idle long enough (a laptop that slept): one round.
    f.handle_wake(idle_from + WAKE_QUIET_MS, Wake::Visible);
    let round = only_request(&mut f);
    assert!(round.url.ends_with("/GetChanges"));
    let now = idle_from + 1 + WAKE_QUIET_MS;
    f.handle_response(now, round.id, ok(r#"{"value":[]}"#));
    // Idle again from `now`: the quiet counts anew, as does the safety poll.
    f.handle_wake(now + 1, Wake::Visible);
    assert!(requests(&drain(&mut f)).is_empty());
    assert_eq!(f.poll_timeout(), Some(now + f.config().poll_interval_ms));
}

#[test]
fn a_wake_sends_a_request_that_got_no_response_at_once_but_not_a_throttled_one() {
    let mut f = feed(Auth::Bearer);
    let gc = loaded(&mut f, &[(1, "a")]);
    f.handle_network_error(3, gc.id, "Failed to fetch");
    drain(&mut f);
    assert!(f.poll_timeout().unwrap() > 3);
    f.handle_wake(4, Wake::Visible);
    let retry = only_request(&mut f);
    assert_eq!((&retry.url, &retry.body), (&gc.url, &gc.body));

    // A timeout too.
    let timeout = f.config().retry.request_timeout_ms;
    f.handle_timeout(4 + timeout);
    drain(&mut f);
    f.handle_wake(5 + timeout, Wake::Online);
    let retry = only_request(&mut f);
    assert_eq!((&retry.url, &retry.body), (&gc.url, &gc.body));

    // Throttled: the wait SharePoint asked for holds.
    let throttled = HttpResponse {
        status: 429,
        retry_after_secs: Some(7),
        body: String::new(),
    };
    let now = 6 + timeout;
    f.handle_response(now, retry.id, throttled);
    drain(&mut f);
    f.handle_wake(now + 1, Wake::Online);
    assert!(requests(&drain(&mut f)).is_empty());
    assert_eq!(f.poll_timeout(), Some(now + 7_000));
}

#[test]
fn a_wake_before_the_start_or_during_the_load_does_nothing_more() {
    let mut f = feed(Auth::Bearer);
    f.handle_wake(0, Wake::Online);
    assert!(drain(&mut f).is_empty());
    f.handle_start(1);
    let info = only_request(&mut f);
    assert!(info.url.contains("CurrentChangeToken"));
    f.handle_wake(2, Wake::Online);
    assert!(requests(&drain(&mut f)).is_empty(), "one request at a time");
}

#[test]
fn back_online_a_request_out_a_while_is_given_up_and_sent_again_now() {
    let mut f = feed(Auth::Bearer);
    let gc = loaded(&mut f, &[(1, "a")]); // sent at t = 2
    f.handle_wake(1 + STALE_REQUEST_MS, Wake::Online);
    assert!(
        drain(&mut f).is_empty(),
        "out for less: it may still answer"
    );
    f.handle_wake(2 + STALE_REQUEST_MS, Wake::Visible);
    assert!(
        drain(&mut f).is_empty(),
        "visible: the network did not drop"
    );
    f.handle_wake(2 + STALE_REQUEST_MS, Wake::Online);
    let outs = drain(&mut f);
    let codes: Vec<_> = errors(&outs).iter().map(|e| e.code).collect();
    assert_eq!(codes, [codes::TIMEOUT]);
    let again = requests(&outs);
    assert_eq!(again.len(), 1, "sent again at once: {outs:?}");
    assert_eq!((&again[0].url, &again[0].body), (&gc.url, &gc.body));
    // The old request's late answer is ignored; the new one's counts.
    f.handle_response(3 + STALE_REQUEST_MS, gc.id, ok(r#"{"value":[]}"#));
    assert!(drain(&mut f).is_empty());
    f.handle_response(4 + STALE_REQUEST_MS, again[0].id, ok(r#"{"value":[]}"#));
    assert!(requests(&drain(&mut f)).is_empty());
    assert!(f.is_idle());
}
