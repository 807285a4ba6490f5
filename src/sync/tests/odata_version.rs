//! The `OData-Version` a request names: a caller's `fetch` such as SPFx's
//! `SPHttpClient` adds `OData-Version: 4.0` to a request without one, under which
//! SharePoint refuses `odata=nometadata` (406) and the other OData 3 formats, so with
//! a `fetch` every request of an OData 3 level says `3.0` (SPHttpClient then leaves
//! it, sp-dev-docs#44); the page's own fetch adds nothing, so it sends none (a header
//! more would cost a cross-origin page a preflight per request).

use super::*;
use crate::sharepoint::Metadata;

fn versions(r: &HttpRequest) -> Vec<&str> {
    r.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("OData-Version"))
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The next request of `f` after `outs`, a digest asked for on the way answered (and
/// kept in `seen`).
fn next(f: &mut ChangeFeed, mut outs: Vec<Output>, seen: &mut Vec<HttpRequest>) -> HttpRequest {
    loop {
        let r = requests(&outs).remove(0);
        if !r.url.ends_with("/contextinfo") {
            return r;
        }
        seen.push(r.clone());
        let body = r#"{"FormDigestValue":"d","FormDigestTimeoutSeconds":1800}"#;
        f.handle_response(1, r.id, ok(body));
        outs = drain(f);
    }
}

/// The list info GET, a load page and a GetChanges POST of a feed of `level` (and a
/// contextinfo POST in digest mode).
fn three_requests(auth: Auth, level: Metadata) -> Vec<HttpRequest> {
    let mut f = feed(auth);
    f.cfg.metadata = level;
    let mut seen = Vec::new();
    f.handle_start(0);
    let outs = drain(&mut f);
    let info = next(&mut f, outs, &mut seen);
    let body = format!(
        r#"{{"CurrentChangeToken":{{"StringValue":"{}"}},"Id":"{GUID}"}}"#,
        tok(10)
    );
    f.handle_response(2, info.id, ok(&body));
    let outs = drain(&mut f);
    let page = next(&mut f, outs, &mut seen);
    f.handle_response(3, page.id, ok(&items_body(&[(1, "a")])));
    let outs = drain(&mut f);
    let changes = next(&mut f, outs, &mut seen);
    assert!(changes.url.ends_with("/GetChanges"), "{}", changes.url);
    seen.extend([info, page, changes]);
    seen
}

#[test]
fn a_callers_fetch_is_told_the_odata_version_of_every_request() {
    for level in [Metadata::None, Metadata::Minimal, Metadata::Verbose] {
        for r in three_requests(Auth::External, level) {
            assert_eq!(versions(&r), ["3.0"], "{level:?} {} {}", r.method, r.url);
        }
    }
    for r in three_requests(Auth::External, Metadata::OData4None) {
        assert_eq!(versions(&r), ["4.0"], "{} {}", r.method, r.url);
    }
}

#[test]
fn the_pages_own_fetch_sends_no_odata_version_for_odata_3() {
    for auth in [Auth::Digest, Auth::Bearer] {
        for r in three_requests(auth, Metadata::None) {
            assert!(versions(&r).is_empty(), "{auth:?} {} {}", r.method, r.url);
        }
    }
}
