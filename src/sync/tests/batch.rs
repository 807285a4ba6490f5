//! Scripted tests of item reads in `$batch`: one request for several reads, throttled
//! parts, responses that do not parse, the one-by-one reads without batching, and a
//! burst's reads waiting for its hints to settle, then confirming in the same batch.

use super::*;

/// A loaded bearer-mode feed (no digest) whose next round reads ids 1, 3, .., 59.
pub(super) fn round_with_many_reads(batch_reads: bool) -> (ChangeFeed, HttpRequest) {
    let mut cfg = config();
    cfg.auth = Auth::Bearer;
    cfg.url_limit = 400;
    cfg.batch_reads = batch_reads;
    let mut f = ChangeFeed::new(cfg);
    let gc = loaded(&mut f, &[]);
    let adds: Vec<(i64, i64, i64)> = (0..30).map(|k| (11 + k, 1, 1 + 2 * k)).collect();
    f.handle_response(3, gc.id, ok(&changes_body(&adds)));
    let read = only_request(&mut f);
    (f, read)
}

pub(super) fn batch_response(parts: &[(u16, String)]) -> String {
    let mut out = String::new();
    for (status, body) in parts {
        out += "--batchresponse_1\r\nContent-Type: application/http\r\n\r\n";
        out += &format!("HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n");
        if *status == 429 {
            out += "Retry-After: 9\r\n";
        }
        out += &format!("\r\n{body}\r\n");
    }
    out + "--batchresponse_1--\r\n"
}

/// The GET URLs inside a batch request.
pub(super) fn batch_urls(req: &HttpRequest) -> Vec<String> {
    let body = req.body.as_deref().unwrap_or("");
    body.lines()
        .filter_map(|l| l.strip_prefix("GET "))
        .map(|l| l.trim_end_matches(" HTTP/1.1").to_owned())
        .collect()
}

/// Items of the odd ids a read URL asks for (`ID eq N` terms).
pub(super) fn items_for(url: &str) -> String {
    let ids: Vec<(i64, String)> = url
        .split("ID%20eq%20")
        .skip(1)
        .map(|s| {
            s.split(|c: char| !c.is_ascii_digit())
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .map(|id| (id, format!("t{id}")))
        .collect();
    let refs: Vec<(i64, &str)> = ids.iter().map(|(i, t)| (*i, t.as_str())).collect();
    items_body(&refs)
}

#[test]
fn a_round_with_several_reads_reads_them_in_one_batch() {
    let (mut f, batch) = round_with_many_reads(true);
    assert_eq!(batch.method, "POST");
    assert!(
        batch.url.ends_with("/sites/team/_api/$batch"),
        "{}",
        batch.url
    );
    let content_type = batch
        .headers
        .iter()
        .find(|(k, _)| k == "Content-Type")
        .unwrap();
    assert!(content_type
        .1
        .starts_with("multipart/mixed; boundary=batch_"));
    let accept: Vec<&str> = batch
        .headers
        .iter()
        .filter(|(k, _)| k == "Accept")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(accept, ["application/json"], "the batch's own Accept");
    let body = batch.body.as_deref().unwrap_or_default();
    assert!(
        body.contains("Accept: application/json;odata=nometadata"),
        "the parts keep the metadata level: {body}"
    );
    let urls = batch_urls(&batch);
    assert!(urls.len() > 1 && urls.len() <= 20, "{urls:?}");
    let parts: Vec<(u16, String)> = urls.iter().map(|u| (200, items_for(u))).collect();
    f.handle_response(4, batch.id, ok(&batch_response(&parts)));
    let outs = drain(&mut f);
    assert!(requests(&outs).is_empty(), "one request read everything");
    let sets = delivered(&outs);
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].added.len(), 30);
}

#[test]
fn without_batching_the_reads_go_one_by_one() {
    let (mut f, mut read) = round_with_many_reads(false);
    let mut reads = 0;
    loop {
        assert_eq!(read.method, "GET");
        reads += 1;
        f.handle_response(4, read.id, ok(&items_for(&read.url)));
        let outs = drain(&mut f);
        match requests(&outs).pop() {
            Some(next) => read = next,
            None => {
                assert_eq!(delivered(&outs)[0].added.len(), 30);
                break;
            }
        }
    }
    assert!(reads > 1);
}

#[test]
fn a_throttled_part_is_retried_alone_after_its_retry_after_and_the_rest_count() {
    let (mut f, batch) = round_with_many_reads(true);
    let urls = batch_urls(&batch);
    let parts: Vec<(u16, String)> = urls
        .iter()
        .enumerate()
        .map(|(i, u)| match i {
            1 => (
                429,
                r#"{"odata.error":{"message":{"value":"busy"}}}"#.to_owned(),
            ),
            _ => (200, items_for(u)),
        })
        .collect();
    f.handle_response(4, batch.id, ok(&batch_response(&parts)));
    let outs = drain(&mut f);
    let errors: Vec<&FeedError> = outs
        .iter()
        .filter_map(|o| match o {
            Output::Error(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, codes::THROTTLED);
    assert_eq!(errors[0].request, Some(("GET".into(), urls[1].clone())));
    assert!(requests(&outs).is_empty());
    assert_eq!(f.poll_timeout(), Some(4 + 9_000), "Retry-After of the part");
    f.handle_timeout(4 + 9_000);
    let retry = only_request(&mut f);
    assert_eq!(
        (retry.method, retry.url.as_str()),
        ("GET", urls[1].as_str())
    );
    f.handle_response(9_005, retry.id, ok(&items_for(&retry.url)));
    let sets = delivered(&drain(&mut f));
    assert_eq!(sets[0].added.len(), 30, "the other parts were kept");
}

#[test]
fn parts_after_a_failed_one_fail_as_sharepoint_fails_them_and_are_read_again() {
    // SharePoint Online answers every part after a failed one with a 500
    // IndexOutOfRangeException: one error is reported (the first part's), and every
    // read is made again after its Retry-After, in one batch.
    let (mut f, batch) = round_with_many_reads(true);
    let urls = batch_urls(&batch);
    let cascade = r#"{"odata.error":{"code":"-1, System.IndexOutOfRangeException","message":{"lang":"en-US","value":"Index was outside the bounds of the array."}}}"#;
    let parts: Vec<(u16, String)> = urls
        .iter()
        .enumerate()
        .map(|(i, u)| match i {
            0 => (200, items_for(u)),
            1 => (
                429,
                r#"{"odata.error":{"message":{"value":"busy"}}}"#.to_owned(),
            ),
            _ => (500, cascade.to_owned()),
        })
        .collect();
    f.handle_response(4, batch.id, ok(&batch_response(&parts)));
    let outs = drain(&mut f);
    let errors: Vec<&str> = outs
        .iter()
        .filter_map(|o| match o {
            Output::Error(e) => Some(e.code),
            _ => None,
        })
        .collect();
    assert_eq!(
        errors,
        [codes::THROTTLED],
        "one error, the throttled part's"
    );
    assert!(requests(&outs).is_empty());
    f.handle_timeout(4 + 9_000);
    let again = only_request(&mut f);
    let mut asked = batch_urls(&again);
    asked.sort();
    let mut want = urls[1..].to_vec();
    want.sort();
    assert_eq!(asked, want, "the failed and the unrun parts");
    let parts: Vec<(u16, String)> = batch_urls(&again)
        .iter()
        .map(|u| (200, items_for(u)))
        .collect();
    f.handle_response(9_005, again.id, ok(&batch_response(&parts)));
    let sets = delivered(&drain(&mut f));
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].added.len(), 30, "every item once");
}

#[test]
fn a_batch_that_does_not_parse_or_is_refused_falls_back_to_reads_one_by_one() {
    let one_part = "--batchresponse_1\r\n\r\nHTTP/1.1 200 OK\r\n\r\n{}\r\n--batchresponse_1--";
    let refused = HttpResponse {
        status: 400,
        retry_after_secs: None,
        body: r#"{"odata.error":{"message":{"value":"no $batch here"}}}"#.into(),
    };
    for response in [ok("<html>oops</html>"), ok(one_part), refused] {
        let (mut f, batch) = round_with_many_reads(true);
        let what = response.body.clone();
        f.handle_response(4, batch.id, response);
        let errors = drain(&mut f)
            .into_iter()
            .filter(|o| matches!(o, Output::Error(_)))
            .count();
        assert_eq!(errors, 1, "{what}");
        let at = f.poll_timeout().unwrap();
        f.handle_timeout(at);
        let mut read = only_request(&mut f);
        assert_eq!(read.method, "GET", "{what}");
        assert_eq!(read.url, batch_urls(&batch)[0], "{what}");
        // The rest of the round, and later rounds, read one by one too.
        loop {
            f.handle_response(at + 1, read.id, ok(&items_for(&read.url)));
            let outs = drain(&mut f);
            match requests(&outs).pop() {
                Some(next) => read = next,
                None => {
                    assert_eq!(delivered(&outs)[0].added.len(), 30, "{what}");
                    break;
                }
            }
            assert_eq!(read.method, "GET", "{what}");
        }
    }
}

// ---- a burst: the reads wait for the hints to settle, then confirm in the batch ----

/// A loaded bearer-mode feed, a round started by a hint whose GetChanges has left, and
/// a second hint while it is out; returns the feed, the GetChanges and the time.
fn round_with_a_late_hint(batch_reads: bool) -> (ChangeFeed, HttpRequest, u64) {
    let mut cfg = config();
    cfg.auth = Auth::Bearer;
    cfg.batch_reads = batch_reads;
    let mut f = ChangeFeed::new(cfg);
    let catch_up = loaded(&mut f, &[]);
    f.handle_response(3, catch_up.id, ok(&changes_body(&[])));
    assert!(requests(&drain(&mut f)).is_empty(), "live and idle");
    f.handle_hint(100, GUID);
    let gc = only_request(&mut f);
    assert!(gc.url.ends_with("/GetChanges"));
    f.handle_hint(101, GUID); // after the GetChanges left: not covered by it
    assert!(requests(&drain(&mut f)).is_empty());
    (f, gc, 101)
}

fn confirming_batch_response(items: &str, changes: &str) -> String {
    format!(
        "--batchresponse_1\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 200 OK\r\n\r\n{items}\r\n\
         --batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_2\r\n\r\n\
         --changesetresponse_2\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 200 OK\r\n\r\n{changes}\r\n\
         --changesetresponse_2--\r\n--batchresponse_1--\r\n"
    )
}

#[test]
fn a_burst_costs_two_requests_the_reads_wait_and_confirm_in_one_batch() {
    let (mut f, gc, now) = round_with_a_late_hint(true);
    f.handle_response(now + 2, gc.id, ok(&changes_body(&[(11, 1, 7)])));
    assert!(
        requests(&drain(&mut f)).is_empty(),
        "the read waits for the hints to settle"
    );
    let due = f.poll_timeout().unwrap();
    assert_eq!(due, now + 50, "hint_settle_ms after the late hint");
    f.handle_timeout(due);
    let batch = only_request(&mut f);
    assert!(batch.url.ends_with("/_api/$batch"));
    let body = batch.body.as_deref().unwrap();
    assert_eq!(batch_urls(&batch).len(), 1, "{body}");
    assert!(
        body.contains("Content-Type: multipart/mixed; boundary=changeset_"),
        "{body}"
    );
    assert!(body.contains("/GetChanges HTTP/1.1"), "{body}");
    assert!(
        body.contains(&tok(11)),
        "the confirmation starts at the round's cursor: {body}"
    );
    let response = confirming_batch_response(&items_body(&[(7, "seven")]), r#"{"value":[]}"#);
    f.handle_response(due + 3, batch.id, ok(&response));
    let outs = drain(&mut f);
    assert_eq!(delivered(&outs)[0].added.len(), 1);
    assert!(requests(&outs).is_empty(), "confirmed: no third request");
    assert_eq!(
        f.poll_timeout(),
        Some(due + 3 + 300_000),
        "idle: the safety poll"
    );
}

#[test]
fn a_confirmation_that_finds_changes_or_fails_leads_to_one_more_round() {
    for outcome in ["changes", "throttled", "network"] {
        let (mut f, gc, now) = round_with_a_late_hint(true);
        f.handle_response(now + 2, gc.id, ok(&changes_body(&[(11, 1, 7)])));
        let due = f.poll_timeout().unwrap();
        f.handle_timeout(due);
        let batch = only_request(&mut f);
        let items = items_body(&[(7, "seven")]);
        match outcome {
            "changes" => {
                let more = changes_body(&[(12, 2, 7)]);
                f.handle_response(
                    due + 3,
                    batch.id,
                    ok(&confirming_batch_response(&items, &more)),
                );
            }
            "throttled" => {
                let busy = "--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\n\r\nHTTP/1.1 429 Busy\r\n\r\n{}\r\n--c--\r\n--batchresponse_1--";
                let body = format!(
                    "--batchresponse_1\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 200 OK\r\n\r\n{items}\r\n{}",
                    busy
                );
                f.handle_response(due + 3, batch.id, ok(&body));
            }
            _ => f.handle_network_error(due + 3, batch.id, "offline"),
        }
        let mut outs = drain(&mut f);
        if outcome == "network" {
            // The batch is tried again after the backoff, with its confirmation.
            let at = f.poll_timeout().unwrap();
            f.handle_timeout(at);
            let again = only_request(&mut f);
            assert!(
                again
                    .body
                    .as_deref()
                    .unwrap()
                    .contains("/GetChanges HTTP/1.1"),
                "{outcome}"
            );
            let response = confirming_batch_response(&items, r#"{"value":[]}"#);
            f.handle_response(at + 3, again.id, ok(&response));
            outs = drain(&mut f);
            assert!(
                requests(&outs).is_empty(),
                "{outcome}: confirmed on the retry"
            );
            continue;
        }
        assert_eq!(delivered(&outs)[0].added.len(), 1, "{outcome}");
        let next = requests(&outs);
        assert_eq!(next.len(), 1, "{outcome}: one more round");
        assert!(next[0].url.ends_with("/GetChanges"), "{outcome}");
        assert!(
            next[0].body.as_deref().unwrap().contains(&tok(11)),
            "{outcome}"
        );
    }
}

#[test]
fn without_batching_a_late_hint_costs_a_third_request() {
    let (mut f, gc, now) = round_with_a_late_hint(false);
    f.handle_response(now + 2, gc.id, ok(&changes_body(&[(11, 1, 7)])));
    let read = only_request(&mut f);
    assert_eq!(read.method, "GET", "no waiting without batching");
    f.handle_response(now + 3, read.id, ok(&items_body(&[(7, "seven")])));
    assert_eq!(delivered(&drain(&mut f))[0].added.len(), 1);
    let due = f.poll_timeout().unwrap();
    f.handle_timeout(due);
    assert!(only_request(&mut f).url.ends_with("/GetChanges"));
}
