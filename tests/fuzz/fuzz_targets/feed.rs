//! A change feed answered by a server that may say anything: well-formed answers built
//! from the bytes (list info, item pages, change logs, `$batch` responses), bodies of
//! any bytes, every kind of status, network errors, hints, time passing, refreshes and
//! wake-ups. Nothing panics, only requests in flight are answered, a deadline once
//! handled moves on, and a change set never names an id both as changed and deleted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sp_live::sharepoint::ListRef;
use sp_live::sync::{Auth, ChangeFeed, FeedConfig, HttpRequest, HttpResponse, Output, Wake};

const GUID: &str = "482e418a-0900-414b-8902-02248c2e44e8";
const SITE: &str = "https://contoso.sharepoint.com/sites/team";
const STATUSES: [u16; 12] = [200, 200, 200, 200, 204, 400, 401, 403, 404, 429, 500, 503];

/// The bytes the script is read from.
struct Script<'a>(&'a [u8]);

impl Script<'_> {
    fn byte(&mut self) -> u8 {
        let Some((&b, rest)) = self.0.split_first() else {
            return 0;
        };
        self.0 = rest;
        b
    }

    fn bytes(&mut self, n: usize) -> &[u8] {
        let (taken, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        taken
    }
}

fuzz_target!(|data: &[u8]| {
    let mut s = Script(data);
    let setup = s.byte();
    let mut cfg = FeedConfig::new(SITE, ListRef::Id(GUID.into()));
    cfg.select = vec!["Title".into()];
    cfg.read_ahead = setup & 1 != 0;
    cfg.batch_reads = setup & 2 != 0;
    cfg.auth = [Auth::Digest, Auth::Bearer, Auth::External][usize::from(setup >> 2) % 3];
    cfg.page_size = 1 + u32::from(setup >> 5);
    cfg.fetch_limit = 1 + u32::from(setup >> 5);
    if setup & 16 != 0 {
        cfg.filter = "Title%20ne%20%27x%27".into();
    }
    let mut feed = ChangeFeed::new(cfg);
    let mut now = 0u64;
    let mut in_flight: Vec<HttpRequest> = Vec::new();
    let mut change_number = 10i64;
    feed.handle_start(now);
    feed.handle_connected(now);
    drain(&mut feed, &mut in_flight);
    while !s.0.is_empty() {
        let op = s.byte();
        match op % 8 {
            0..=2 if !in_flight.is_empty() => {
                let request = in_flight.remove(usize::from(op >> 3) % in_flight.len());
                let status = STATUSES[usize::from(s.byte()) % STATUSES.len()];
                let body = if op & 0x80 != 0 {
                    let n = usize::from(s.byte()) * 4;
                    String::from_utf8_lossy(s.bytes(n)).into_owned()
                } else {
                    answer(&request, &mut s, &mut change_number)
                };
                let retry_after_secs = (status == 429 || status == 503).then(|| u64::from(op >> 4));
                feed.handle_response(
                    now,
                    request.id,
                    HttpResponse {
                        status,
                        retry_after_secs,
                        body,
                    },
                );
            }
            3 if !in_flight.is_empty() => {
                let request = in_flight.remove(0);
                feed.handle_network_error(now, request.id, "Failed to fetch");
            }
            4 => feed.handle_hint(now, if op & 8 != 0 { GUID } else { "another" }),
            5 => now += u64::from(s.byte()) * 250,
            6 => feed.handle_refresh(now),
            7 => feed.handle_wake(
                now,
                if op & 8 != 0 {
                    Wake::Online
                } else {
                    Wake::Visible
                },
            ),
            _ => feed.handle_connected(now),
        }
        if let Some(at) = feed.poll_timeout().filter(|at| *at <= now) {
            feed.handle_timeout(now);
            drain(&mut feed, &mut in_flight);
            if let Some(next) = feed.poll_timeout() {
                assert!(next > now || next > at, "deadline {at} again at {now}");
            }
        }
        drain(&mut feed, &mut in_flight);
    }
});

/// Takes the feed's outputs: requests go in flight (a new request for an id in flight
/// is a repeat: it replaces it); change sets are checked.
fn drain(feed: &mut ChangeFeed, in_flight: &mut Vec<HttpRequest>) {
    while let Some(output) = feed.poll_output() {
        match output {
            Output::Request(request) => {
                in_flight.retain(|r| r.id != request.id);
                in_flight.push(request);
            }
            Output::Deliver(set) => {
                for id in &set.deleted {
                    let changed = set.added.iter().chain(&set.updated).any(|i| i.id == *id);
                    assert!(!changed, "id {id} both changed and deleted");
                }
            }
            _ => {}
        }
    }
}

fn token(n: i64) -> String {
    format!(
        "1;3;{GUID};{};{n}",
        638_000_000_000_000_000i64 + n * 10_000_000
    )
}

/// A well-formed answer to `request`, its content from the script.
fn answer(request: &HttpRequest, s: &mut Script, change_number: &mut i64) -> String {
    let url = request.url.as_str();
    if url.ends_with("$batch") {
        let body = request.body.as_deref().unwrap_or("");
        let mut out = String::new();
        for line in body.lines() {
            let Some(part_url) = line
                .strip_prefix("GET ")
                .or_else(|| line.strip_prefix("POST "))
            else {
                continue;
            };
            let part_url = part_url.trim_end_matches(" HTTP/1.1");
            let status = STATUSES[usize::from(s.byte()) % STATUSES.len()];
            let inner = HttpRequest {
                id: 0,
                method: "GET",
                url: part_url.into(),
                headers: vec![],
                body: None,
            };
            let part = simple(&inner, s, change_number);
            out.push_str("--batchresponse_1\r\nContent-Type: application/http\r\n\r\n");
            out.push_str(&format!(
                "HTTP/1.1 {status} X\r\nCONTENT-TYPE: application/json\r\n\r\n{part}\r\n"
            ));
        }
        out.push_str("--batchresponse_1--\r\n");
        return out;
    }
    simple(request, s, change_number)
}

fn simple(request: &HttpRequest, s: &mut Script, change_number: &mut i64) -> String {
    let url = request.url.as_str();
    if url.contains("contextinfo") {
        return r#"{"FormDigestValue":"0x1,2","FormDigestTimeoutSeconds":1800}"#.into();
    }
    if url.contains("GetChanges") {
        let n = s.byte() % 6;
        let changes: Vec<String> = (0..n)
            .map(|_| {
                *change_number += i64::from(s.byte() % 3);
                let kind = [1, 2, 3, 4, 5, 6, 7, 15][usize::from(s.byte()) % 8];
                let id = 1 + i64::from(s.byte() % 16);
                format!(
                    r#"{{"ChangeToken":{{"StringValue":"{}"}},"ChangeType":{kind},"ItemId":{id},"ListId":"{GUID}"}}"#,
                    token(*change_number)
                )
            })
            .collect();
        return format!(r#"{{"value":[{}]}}"#, changes.join(","));
    }
    if url.contains("/items") {
        let n = s.byte() % 6;
        let mut id = i64::from(s.byte() % 4);
        let items: Vec<String> = (0..n)
            .map(|_| {
                id += 1 + i64::from(s.byte() % 3);
                format!(
                    r#"{{"Id":{id},"Title":"t{}","Modified":"2026-11-28T00:00:0{}Z"}}"#,
                    s.byte(),
                    s.byte() % 10
                )
            })
            .collect();
        let next = if s.byte().is_multiple_of(4) {
            format!(
                r#","odata.nextLink":"{SITE}/_api/web/lists/items?%24skiptoken=Paged%3dTRUE%26p_ID%3d{id}""#
            )
        } else {
            String::new()
        };
        return format!(r#"{{"value":[{}]{next}}}"#, items.join(","));
    }
    format!(
        r#"{{"CurrentChangeToken":{{"StringValue":"{}"}},"Id":"{GUID}","ItemCount":{}}}"#,
        token(*change_number),
        s.byte()
    )
}
