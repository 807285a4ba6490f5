//! Hints: single flight, coalescing by a GetChanges request that has not left, and the
//! optional debounce.

use super::*;

#[test]
fn hints_are_single_flight_and_other_lists_ignored() {
    let mut f = feed(Auth::Bearer);
    let gc = loaded(&mut f, &[(1, "a")]);
    assert!(!gc.headers.iter().any(|(k, _)| k == "X-RequestDigest"));
    for _ in 0..5 {
        f.handle_hint(3, &GUID.to_uppercase());
    }
    f.handle_hint(3, "00000000-0000-0000-0000-000000000001");
    f.handle_connected(3);
    assert!(
        requests(&drain(&mut f)).is_empty(),
        "no second concurrent round"
    );
    f.handle_response(4, gc.id, ok(r#"{"value":[]}"#));
    let again = only_request(&mut f);
    assert!(
        again.url.ends_with("/GetChanges"),
        "exactly one queued round"
    );
    f.handle_response(5, again.id, ok(r#"{"value":[]}"#));
    assert!(drain(&mut f)
        .iter()
        .all(|o| !matches!(o, Output::Request(_))));
    assert!(f.is_idle());
}

#[test]
fn hints_before_the_get_changes_request_leaves_are_covered_by_it() {
    let mut f = feed(Auth::Bearer);
    let gc = loaded(&mut f, &[(1, "a")]);
    f.handle_response(4, gc.id, ok(r#"{"value":[]}"#));
    assert!(drain(&mut f)
        .iter()
        .all(|o| !matches!(o, Output::Request(_))));
    // A burst of hints handled before the driver polls: one round, one GetChanges.
    for _ in 0..10 {
        f.handle_hint(5, GUID);
    }
    let round = only_request(&mut f);
    assert!(round.url.ends_with("/GetChanges"));
    f.handle_response(6, round.id, ok(r#"{"value":[]}"#));
    assert!(
        drain(&mut f)
            .iter()
            .all(|o| !matches!(o, Output::Request(_))),
        "no second round: the hints came before the request left"
    );
    // A hint after the request left may be for a later change: one more round, once
    // hints have settled (50 ms by default).
    f.handle_hint(7, GUID);
    let round = only_request(&mut f);
    f.handle_hint(8, GUID);
    f.handle_response(9, round.id, ok(r#"{"value":[]}"#));
    assert!(requests(&drain(&mut f)).is_empty());
    assert_eq!(f.poll_timeout(), Some(58));
    f.handle_timeout(58);
    assert!(only_request(&mut f).url.ends_with("/GetChanges"));
}

#[test]
fn a_burst_of_hints_during_a_round_costs_one_more_round() {
    let mut f = feed(Auth::Bearer);
    let gc = loaded(&mut f, &[(1, "a")]);
    f.handle_response(4, gc.id, ok(r#"{"value":[]}"#));
    drain(&mut f);
    // Nothing running: the first hint starts a round at once.
    f.handle_hint(100, GUID);
    let round = only_request(&mut f);
    // The rest of the burst lands in that round, and after it.
    for t in [101, 105, 110] {
        f.handle_hint(t, GUID);
    }
    f.handle_response(111, round.id, ok(r#"{"value":[]}"#));
    f.handle_hint(120, GUID);
    assert!(requests(&drain(&mut f)).is_empty(), "settling");
    assert_eq!(f.poll_timeout(), Some(170), "50 ms after the last hint");
    f.handle_timeout(170);
    let again = only_request(&mut f);
    assert!(again.url.ends_with("/GetChanges"));
    f.handle_response(171, again.id, ok(r#"{"value":[]}"#));
    assert!(f.is_idle(), "one more round for the whole burst");
    // A steady stream during a round waits at most hint_debounce_max_ms (1 s).
    f.handle_hint(200, GUID);
    let round = only_request(&mut f);
    for t in (201..1400).step_by(10) {
        f.handle_hint(t, GUID);
    }
    f.handle_response(1400, round.id, ok(r#"{"value":[]}"#));
    assert_eq!(f.poll_timeout(), Some(1201));
}

#[test]
fn with_no_settle_the_next_round_starts_when_the_running_one_ends() {
    let mut cfg = config();
    cfg.auth = Auth::Bearer;
    cfg.hint_settle_ms = 0;
    let mut f = ChangeFeed::new(cfg);
    let gc = loaded(&mut f, &[(1, "a")]);
    f.handle_hint(5, GUID);
    f.handle_response(6, gc.id, ok(r#"{"value":[]}"#));
    assert!(only_request(&mut f).url.ends_with("/GetChanges"));
}

#[test]
fn debounced_hints_wait_for_quiet_then_run_one_round() {
    let mut cfg = config();
    cfg.auth = Auth::Bearer;
    cfg.hint_debounce_ms = 50;
    cfg.hint_debounce_max_ms = 200;
    let mut f = ChangeFeed::new(cfg);
    let gc = loaded(&mut f, &[(1, "a")]);
    f.handle_response(4, gc.id, ok(r#"{"value":[]}"#));
    drain(&mut f);
    f.handle_hint(100, GUID);
    f.handle_hint(130, GUID);
    assert!(requests(&drain(&mut f)).is_empty(), "waiting for quiet");
    assert_eq!(f.poll_timeout(), Some(180));
    assert!(!f.is_idle());
    f.handle_timeout(179);
    assert!(requests(&drain(&mut f)).is_empty());
    f.handle_timeout(180);
    let round = only_request(&mut f);
    assert!(round.url.ends_with("/GetChanges"));
    f.handle_response(181, round.id, ok(r#"{"value":[]}"#));
    assert!(f.is_idle());
    // A steady trickle cannot postpone the round past the cap.
    for t in (300..600).step_by(40) {
        f.handle_hint(t, GUID);
    }
    assert_eq!(f.poll_timeout(), Some(500));
}

/// Webhooks may never come: with nothing to do for `poll_interval_ms`, the feed runs a
/// round anyway, counted from when it last became idle (a hint's round moves it on).
/// Not while it retries, and never with 0.
#[test]
fn an_idle_feed_polls_in_case_a_webhook_was_lost() {
    let mut f = feed(Auth::Bearer);
    let gc = loaded(&mut f, &[(1, "a")]);
    assert_eq!(
        f.poll_timeout(),
        Some(2 + 90_000),
        "the catch-up's request timeout"
    );
    f.handle_response(4, gc.id, ok(r#"{"value":[]}"#));
    drain(&mut f);
    assert_eq!(f.poll_timeout(), Some(4 + 300_000));
    // A change with no webhook: the poll finds it.
    f.handle_timeout(4 + 300_000);
    let poll = only_request(&mut f);
    assert!(poll.url.ends_with("/GetChanges"));
    f.handle_response(300_010, poll.id, ok(&changes_body(&[(11, 1, 2)])));
    let read = only_request(&mut f);
    f.handle_response(300_011, read.id, ok(&items_body(&[(2, "b")])));
    assert_eq!(delivered(&drain(&mut f))[0].added.len(), 1);
    assert_eq!(f.poll_timeout(), Some(300_011 + 300_000));
    // A hint's round counts as activity: the next poll is 5 minutes after it.
    f.handle_hint(400_000, GUID);
    let round = only_request(&mut f);
    f.handle_response(400_002, round.id, ok(r#"{"value":[]}"#));
    drain(&mut f);
    assert_eq!(f.poll_timeout(), Some(400_002 + 300_000));
    // A failing poll retries on its own schedule, then polling resumes.
    f.handle_timeout(700_002);
    let poll = only_request(&mut f);
    f.handle_network_error(700_003, poll.id, "offline");
    let retry_at = f.poll_timeout().unwrap();
    assert!(
        retry_at < 700_003 + 300_000,
        "the retry, not a poll: {retry_at}"
    );
    f.handle_timeout(retry_at);
    let again = only_request(&mut f);
    f.handle_response(retry_at + 1, again.id, ok(r#"{"value":[]}"#));
    drain(&mut f);
    assert_eq!(f.poll_timeout(), Some(retry_at + 1 + 300_000));

    let mut cfg = config();
    cfg.auth = Auth::Bearer;
    cfg.poll_interval_ms = 0;
    let mut f = ChangeFeed::new(cfg);
    let gc = loaded(&mut f, &[(1, "a")]);
    f.handle_response(4, gc.id, ok(r#"{"value":[]}"#));
    drain(&mut f);
    assert!(f.is_idle());
    assert_eq!(f.poll_timeout(), None, "no poll with 0");
}

/// `refresh` (the app wrote and wants to see it): a round now, even with a debounce;
/// covered by a GetChanges that has not left yet, else one more round right after.
#[test]
fn a_refresh_looks_now_whatever_the_debounce() {
    let mut cfg = config();
    cfg.auth = Auth::Bearer;
    cfg.hint_debounce_ms = 1_000;
    let mut f = ChangeFeed::new(cfg);
    let gc = loaded(&mut f, &[(1, "a")]);
    f.handle_response(4, gc.id, ok(r#"{"value":[]}"#));
    drain(&mut f);
    f.handle_refresh(10);
    let round = only_request(&mut f);
    assert!(round.url.ends_with("/GetChanges"), "at once, no debounce");
    // Its GetChanges has left: a refresh now may be for a later write.
    f.handle_refresh(11);
    f.handle_refresh(12);
    assert!(requests(&drain(&mut f)).is_empty(), "single flight");
    f.handle_response(13, round.id, ok(r#"{"value":[]}"#));
    let again = only_request(&mut f);
    assert!(
        again.url.ends_with("/GetChanges"),
        "one more round, at once"
    );
    f.handle_response(14, again.id, ok(r#"{"value":[]}"#));
    assert!(requests(&drain(&mut f)).is_empty());
    assert!(f.is_idle());
}
