//! An expired token SharePoint reports in another language (a message the feed cannot
//! read, the generic `SPException` code): the same error from GetChanges three times
//! in a row reloads the list, once per completed round; other failures never do.

use super::*;

/// An expiry in German without the `changeToken` name and without the expiry's own code.
const DE_EXPIRED: &str = r#"{"error":{"code":"-2146232832, Microsoft.SharePoint.SPException","message":{"lang":"de-DE","value":"Das Änderungstoken verweist auf einen Zeitpunkt vor dem Beginn des aktuellen Änderungsprotokolls."}}}"#;

fn status(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        retry_after_secs: None,
        body: body.into(),
    }
}

/// Answers `req` with `resp`, then (when the feed waits for a retry) lets the clock run
/// to the retry: the codes of the errors reported and the next request.
fn answer(
    f: &mut ChangeFeed,
    now: &mut u64,
    req: &HttpRequest,
    resp: HttpResponse,
) -> (Vec<&'static str>, HttpRequest) {
    *now += 1;
    f.handle_response(*now, req.id, resp);
    let mut outs = drain(f);
    if requests(&outs).is_empty() {
        *now = f.poll_timeout().expect("a retry is scheduled");
        f.handle_timeout(*now);
        outs.extend(drain(f));
    }
    let codes = errors(&outs).iter().map(|e| e.code).collect();
    (codes, requests(&outs).pop().expect("a next request"))
}

fn is_list_info(req: &HttpRequest) -> bool {
    req.url.contains("$select=CurrentChangeToken")
}

/// Answers the list info and the one page of a reload at token `n`: the catch-up
/// GetChanges.
fn reload_at(f: &mut ChangeFeed, now: &mut u64, info: &HttpRequest, n: i64) -> HttpRequest {
    let body = format!(
        r#"{{"CurrentChangeToken":{{"StringValue":"{}"}},"Id":"{GUID}"}}"#,
        tok(n)
    );
    let (_, page) = answer(f, now, info, ok(&body));
    let (_, gc) = answer(f, now, &page, ok(&items_body(&[(1, "a")])));
    assert!(gc.url.ends_with("/GetChanges"), "{}", gc.url);
    assert!(gc.body.as_deref().unwrap().contains(&tok(n)));
    gc
}

#[test]
fn a_localised_expiry_reloads_after_the_same_error_three_times() {
    let mut f = feed(Auth::Bearer);
    let mut now = 2;
    let mut gc = loaded(&mut f, &[(1, "a")]);
    for _ in 0..2 {
        let (codes, next) = answer(&mut f, &mut now, &gc, status(500, DE_EXPIRED));
        assert_eq!(codes, [codes::HTTP]);
        assert_eq!((&next.url, &next.body), (&gc.url, &gc.body), "retried");
        gc = next;
    }
    let (codes, info) = answer(&mut f, &mut now, &gc, status(500, DE_EXPIRED));
    assert_eq!(codes, [codes::TOKEN_EXPIRED]);
    assert!(is_list_info(&info), "{}", info.url);
    assert_eq!(f.token(), Some(tok(10).as_str()), "kept until the reset");

    // GetChanges from the fresh token fails the same way: not the token, no second reload.
    let mut gc = reload_at(&mut f, &mut now, &info, 20);
    assert_eq!(f.token(), Some(tok(20).as_str()));
    for _ in 0..6 {
        let (codes, next) = answer(&mut f, &mut now, &gc, status(500, DE_EXPIRED));
        assert_eq!(codes, [codes::HTTP]);
        assert!(next.url.ends_with("/GetChanges"), "{}", next.url);
        gc = next;
    }
    f.handle_response(now, gc.id, ok(r#"{"value":[]}"#));
    assert!(f.is_idle());

    // A round completed: an expiry later reloads again.
    f.handle_hint(now, GUID);
    let mut gc = only_request(&mut f);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (codes, next) = answer(&mut f, &mut now, &gc, status(500, DE_EXPIRED));
        seen.extend(codes);
        gc = next;
    }
    assert_eq!(seen, [codes::HTTP, codes::HTTP, codes::TOKEN_EXPIRED]);
    assert!(is_list_info(&gc));
}

#[test]
fn other_failures_never_read_as_an_expiry() {
    let other = r#"{"error":{"code":"-2147024809, System.ArgumentException","message":{"lang":"de-DE","value":"Der Wert liegt außerhalb des erwarteten Bereichs."}}}"#;
    let throttled = status(429, DE_EXPIRED);
    let cases: [&[HttpResponse]; 5] = [
        // Two errors by turns.
        &[status(500, DE_EXPIRED), status(500, other)],
        // The same text with another status.
        &[status(500, DE_EXPIRED), status(400, DE_EXPIRED)],
        // Not a SharePoint error body.
        &[status(500, "<html>Internal Server Error</html>")],
        // Throttling and auth.
        &[throttled],
        &[status(401, DE_EXPIRED), status(403, DE_EXPIRED)],
    ];
    for responses in cases {
        let mut f = feed(Auth::Bearer);
        let mut now = 2;
        let mut gc = loaded(&mut f, &[(1, "a")]);
        for resp in responses.iter().cycle().take(8) {
            let (codes, next) = answer(&mut f, &mut now, &gc, resp.clone());
            assert!(!codes.contains(&codes::TOKEN_EXPIRED), "{resp:?}");
            assert!(next.url.ends_with("/GetChanges"), "{resp:?}: {}", next.url);
            gc = next;
        }
    }
    // A GetChanges that succeeds in between starts the count again.
    let mut f = feed(Auth::Bearer);
    let mut now = 2;
    let mut gc = loaded(&mut f, &[(1, "a")]);
    for _ in 0..2 {
        (_, gc) = answer(&mut f, &mut now, &gc, status(500, DE_EXPIRED));
    }
    f.handle_response(now, gc.id, ok(r#"{"value":[]}"#));
    f.handle_hint(now, GUID);
    let mut gc = only_request(&mut f);
    for _ in 0..2 {
        let (codes, next) = answer(&mut f, &mut now, &gc, status(500, DE_EXPIRED));
        assert_eq!(codes, [codes::HTTP]);
        gc = next;
    }
    let (codes, info) = answer(&mut f, &mut now, &gc, status(500, DE_EXPIRED));
    assert_eq!(
        (codes, is_list_info(&info)),
        (vec![codes::TOKEN_EXPIRED], true)
    );
}
