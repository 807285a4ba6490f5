//! Failures: stale responses, throttling and backoff, and bodies that are malformed,
//! truncated or odd (never a panic, never an advanced token).

use super::batch::{batch_response, batch_urls, items_for, round_with_many_reads};
use super::*;

#[test]
fn stale_responses_are_ignored_and_throttling_honours_retry_after() {
    let mut f = feed(Auth::Bearer);
    let gc = loaded(&mut f, &[]);
    f.handle_response(3, gc.id + 100, ok("garbage"));
    assert!(drain(&mut f).is_empty());
    let throttled = HttpResponse {
        status: 429,
        retry_after_secs: Some(7),
        body: String::new(),
    };
    f.handle_response(3, gc.id, throttled);
    let outs = drain(&mut f);
    assert!(outs
        .iter()
        .any(|o| matches!(o, Output::Error(e) if e.code == codes::THROTTLED)));
    assert!(outs
        .iter()
        .any(|o| matches!(o, Output::Status(FeedStatus::Retrying { at_ms: 7003, .. }))));
    assert_eq!(f.poll_timeout(), Some(7003));
    f.handle_timeout(7002); // early wake-up: nothing happens
    assert!(drain(&mut f).is_empty());
    f.handle_response(7002, gc.id, ok(r#"{"value":[]}"#)); // late answer to the old id
    assert!(drain(&mut f).is_empty());
    f.handle_timeout(7003);
    let retry = only_request(&mut f);
    assert_eq!((retry.url, retry.body), (gc.url, gc.body));
}

#[test]
fn backoff_grows_with_jitter_and_is_bounded() {
    let mut f = feed(Auth::Bearer);
    let mut req = loaded(&mut f, &[]);
    let mut now = 10;
    let mut delays = Vec::new();
    for _ in 0..12 {
        f.handle_network_error(now, req.id, "offline");
        let at = f.poll_timeout().unwrap();
        delays.push(at - now);
        now = at;
        f.handle_timeout(now);
        req = only_request(&mut f);
    }
    assert!(delays[0] >= 500 && delays[0] <= 1000, "{delays:?}");
    assert!(delays.iter().all(|d| *d <= 60_000), "{delays:?}");
    assert!(delays[11] >= 30_000, "{delays:?}");
    // Success resets the backoff.
    f.handle_response(now, req.id, ok(r#"{"value":[]}"#));
    assert!(f.is_idle());
}

#[test]
fn malformed_responses_do_not_advance_the_token() {
    let mut f = feed(Auth::Bearer);
    let gc = loaded(&mut f, &[]);
    f.handle_response(3, gc.id, ok(r#"{"value":[{"ChangeToken":"#));
    let outs = drain(&mut f);
    let err = outs.iter().find_map(|o| match o {
        Output::Error(e) => Some(e.clone()),
        _ => None,
    });
    let err = err.unwrap();
    assert_eq!((err.code, err.status), (codes::PARSE, Some(200)));
    assert_eq!(err.request, Some(("POST".into(), gc.url.clone())));
    assert_eq!(f.token(), Some(tok(10).as_str()));
}

#[test]
fn truncated_or_odd_bodies_never_panic() {
    let t = tok(11);
    let bodies = [
        items_body(&[(1, "a"), (2, "b")]),
        changes_body(&[(11, 1, 1), (12, 3, 2)]),
        format!(r#"{{"d":{{"CurrentChangeToken":{{"StringValue":"{t}"}},"Id":"{GUID}","ItemCount":-5}}}}"#),
        r#"{"d":{"GetContextWebInformation":{"FormDigestValue":"x","FormDigestTimeoutSeconds":-1}}}"#.into(),
        r#"{"value":[{"ChangeToken":{"StringValue":"1;3;bad"},"ChangeType":"Weird","ItemId":1e99}]}"#.into(),
        r#"{"value":[{"Id":-9223372036854775808}],"odata.nextLink":"https://evil.example/x"}"#.into(),
    ];
    for auth in [Auth::Digest, Auth::Bearer] {
        let mut f = feed(auth);
        f.handle_start(0);
        let mut now = 0;
        for body in &bodies {
            for cut in (0..=body.len()).filter(|i| body.is_char_boundary(*i)) {
                for status in [200, 403, 429, 500] {
                    now += 1;
                    let Some(req) = requests(&drain(&mut f)).pop() else {
                        now += 10_000_000;
                        f.handle_timeout(now);
                        f.handle_hint(now, GUID);
                        continue;
                    };
                    let resp = HttpResponse {
                        status,
                        retry_after_secs: Some(u64::MAX),
                        body: body[..cut].into(),
                    };
                    f.handle_response(now, req.id, resp);
                    if let Some(t) = f.poll_timeout() {
                        now = now.max(t);
                        f.handle_timeout(now);
                    }
                }
            }
        }
        assert!(f.token().is_some(), "some load completed");
    }
}

/// A POST refused for its digest again and again (cookies a frame may not send, say):
/// each cycle refreshes the digest and retries once, but the backoff between cycles
/// still grows; the digest's own success does not count as the request's.
#[test]
fn a_digest_refused_for_ever_backs_off_more_and_more() {
    let mut f = feed(Auth::Digest);
    let mut req = loaded(&mut f, &[]);
    let digest = r#"{"FormDigestValue":"0xD","FormDigestTimeoutSeconds":1800}"#;
    let denied = HttpResponse {
        status: 403,
        retry_after_secs: None,
        body: r#"{"error":{"code":"-2130575251, Microsoft.SharePoint.SPException","message":{"value":"The security validation for this page is invalid."}}}"#.into(),
    };
    let mut now = 10;
    let mut delays = Vec::new();
    for _ in 0..8 {
        // Digest, the POST, refused: refresh, the one retry, refused: an auth error.
        for _ in 0..4 {
            if req.url.ends_with("/_api/contextinfo") {
                f.handle_response(now, req.id, ok(digest));
            } else {
                f.handle_response(now, req.id, denied.clone());
            }
            let outs = drain(&mut f);
            if let Some(e) = errors(&outs).first() {
                assert_eq!(e.code, codes::AUTH);
                break;
            }
            req = requests(&outs)[0].clone();
        }
        let at = f.poll_timeout().unwrap();
        delays.push(at - now);
        now = at;
        f.handle_timeout(now);
        req = only_request(&mut f);
    }
    assert!(delays[7] >= 30_000, "the backoff grows: {delays:?}");
}

/// A read that fails in a batch with a status that would mean "no `$batch` here" for the
/// batch itself (a 404 of a list briefly missing, a 400) is that read's failure: the
/// batch worked, so the reads go on in batches.
#[test]
fn a_part_failing_with_404_or_400_keeps_the_reads_batched() {
    for status in [400, 404] {
        let (mut f, batch) = round_with_many_reads(true);
        let urls = batch_urls(&batch);
        let parts: Vec<(u16, String)> = urls
            .iter()
            .enumerate()
            .map(|(i, u)| match i {
                0 => (200, items_for(u)),
                1 => (
                    status,
                    r#"{"odata.error":{"code":"-1, X","message":{"value":"no"}}}"#.into(),
                ),
                _ => (
                    500,
                    r#"{"odata.error":{"code":"-1, Y","message":{"value":"n"}}}"#.into(),
                ),
            })
            .collect();
        f.handle_response(4, batch.id, ok(&batch_response(&parts)));
        let outs = drain(&mut f);
        assert_eq!(errors(&outs)[0].status, Some(status));
        f.handle_timeout(f.poll_timeout().unwrap());
        let again = only_request(&mut f);
        assert_eq!(
            batch_urls(&again).len(),
            urls.len() - 1,
            "{status}: the failed and unrun parts in one batch, not {}",
            again.url
        );
    }
}
