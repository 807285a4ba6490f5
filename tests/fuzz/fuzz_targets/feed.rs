//! A change feed answered by a server that may say anything: well-formed answers built
//! from the bytes (list info, item pages, change logs, `$batch` responses), bodies of
//! any bytes, every kind of status, network errors, hints, time passing, refreshes and
//! wake-ups. Nothing panics, only requests in flight are answered, a deadline once
//! handled moves on, and a change set never names an id both as changed and deleted.
//! The sets go through a list state in one of three orders, as the browser layer does:
//! its diffs replayed on the ids before give its ids after, each id once, in order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sp_live::sharepoint::{parse_items, ticks_to_ms, ListRef};
use sp_live::sync::{
    diff_ops, Auth, ChangeFeed, ChangeSetKind, Diff, FeedConfig, HttpRequest, HttpResponse,
    ListState, Order, Output, Wake,
};

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
    let setup2 = s.byte();
    let order = ["", "Title desc", "Modified"][usize::from(setup2 % 3)];
    let order = Order::parse(order).unwrap();
    let mut feed = ChangeFeed::new(cfg);
    let mut now = 0u64;
    let mut shown = Shown {
        in_flight: Vec::new(),
        list: ListState::with_order(order.clone()),
        ids: Vec::new(),
        by_id: order.field.is_none().then_some(order.descending),
    };
    let mut change_number = 10i64;
    // The wall clock: the tokens' time and on (see `token`).
    let mut wall = ticks_to_ms(TICKS_AT_10) + i64::from(s.byte()) * 3_600_000;
    feed.set_wall_clock(wall);
    if setup2 & 4 != 0 {
        // A page load from a checkpoint: its token and items, in pages.
        let from = i64::from(s.byte() % 12);
        feed.resume_from(&token(from), wall);
        for _ in 0..s.byte() % 3 {
            let body = simple(&items_request(), &mut s, &mut change_number);
            if let Ok(page) = parse_items(&body) {
                feed.resume_page(page.items);
            }
            shown.drain(&mut feed);
        }
    }
    feed.handle_start(now);
    feed.handle_connected(now);
    shown.drain(&mut feed);
    while !s.0.is_empty() {
        let op = s.byte();
        match op % 8 {
            0..=2 if !shown.in_flight.is_empty() => {
                let at = usize::from(op >> 3) % shown.in_flight.len();
                let request = shown.in_flight.remove(at);
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
            3 if !shown.in_flight.is_empty() => {
                let request = shown.in_flight.remove(0);
                feed.handle_network_error(now, request.id, "Failed to fetch");
            }
            4 => feed.handle_hint(now, if op & 8 != 0 { GUID } else { "another" }),
            5 => now += u64::from(s.byte()) * 250,
            6 => feed.handle_refresh(now),
            7 if op & 0x40 != 0 => {
                // The machine slept, or the clock jumped: up to 60 days.
                wall += i64::from(s.byte()) * 6 * 3_600_000;
                feed.set_wall_clock(wall);
            }
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
            shown.drain(&mut feed);
            if let Some(next) = feed.poll_timeout() {
                assert!(next > now || next > at, "deadline {at} again at {now}");
            }
        }
        shown.drain(&mut feed);
    }
});

/// What the browser layer keeps of the feed: the requests in flight, and the list state
/// with the ids a UI shows after replaying each set's diffs.
struct Shown {
    in_flight: Vec<HttpRequest>,
    list: ListState,
    ids: Vec<i64>,
    /// `Some(descending)` when ordered by ID.
    by_id: Option<bool>,
}

impl Shown {
    /// Takes the feed's outputs: requests go in flight (a new request for an id in
    /// flight is a repeat: it replaces it); load pages and change sets go to the list.
    fn drain(&mut self, feed: &mut ChangeFeed) {
        while let Some(output) = feed.poll_output() {
            match output {
                Output::Request(request) => {
                    self.in_flight.retain(|r| r.id != request.id);
                    self.in_flight.push(request);
                }
                Output::LoadPage { first, items } => self.list.load_page(first, &items),
                Output::Deliver(set) => {
                    for id in &set.deleted {
                        let changed = set.added.iter().chain(&set.updated).any(|i| i.id == *id);
                        assert!(!changed, "id {id} both changed and deleted");
                    }
                    let diffs = self.list.apply(&set);
                    let ops = diff_ops(&set, &diffs);
                    let positional = diffs.iter().filter(|d| **d != Diff::Replace).count();
                    assert_eq!(ops.len(), positional * 3);
                    if set.kind == ChangeSetKind::Reset {
                        self.list.take_reset_order();
                    }
                    self.replay(&diffs);
                }
                _ => {}
            }
        }
    }

    /// Applies `diffs` to the ids shown: they must give the list's ids, each once, in
    /// order when by ID.
    fn replay(&mut self, diffs: &[Diff]) {
        for diff in diffs {
            match *diff {
                Diff::Insert { index, id } => {
                    assert!(
                        index <= self.ids.len(),
                        "insert at {index} of {}",
                        self.ids.len()
                    );
                    self.ids.insert(index, id);
                }
                Diff::Update { index, id } => {
                    assert_eq!(self.ids.get(index), Some(&id), "update at {index}");
                }
                Diff::Remove { index } => {
                    assert!(
                        index < self.ids.len(),
                        "remove at {index} of {}",
                        self.ids.len()
                    );
                    self.ids.remove(index);
                }
                Diff::Replace => self.ids = self.list.ids(),
            }
        }
        assert_eq!(self.ids, self.list.ids(), "diffs replayed");
        let mut unique = self.ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), self.ids.len(), "an id shown twice");
        if let Some(descending) = self.by_id {
            let ordered = self.ids.windows(2).all(|w| (w[0] < w[1]) != descending);
            assert!(ordered, "not in ID order: {:?}", self.ids);
        }
    }
}

/// The ticks of `token(10)`, the first token of the list.
const TICKS_AT_10: i64 = 638_000_000_000_000_000 + 10 * 10_000_000;

/// A request for a page of items (for the pages of a checkpoint).
fn items_request() -> HttpRequest {
    HttpRequest {
        id: 0,
        method: "GET",
        url: format!("{SITE}/_api/web/lists/items"),
        headers: vec![],
        body: None,
        item_parts: 0..1,
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
                item_parts: 0..0,
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
