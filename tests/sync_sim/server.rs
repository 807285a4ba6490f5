//! An in-memory SharePoint list for the simulation: items, recycle bin, a change log
//! with retention, change tokens, GetChanges with FetchLimit, items by `$filter`, paging
//! with `$skiptoken`, contextinfo digests, and every metadata shape.

use std::collections::{BTreeMap, VecDeque};

use sp_live::json::{parse, write_string, Json};
use sp_live::sharepoint::{filter_ids, ms_to_ticks, ChangeToken, Metadata};
use sp_live::sync::{Auth, HttpRequest, HttpResponse};

pub const SITE: &str = "https://contoso.sharepoint.com/sites/team";
pub const GUID: &str = "6f9d1c2e-4b7a-4e1f-9a3b-2c8d7e6f5a40";
pub const TITLE: &str = "Team's Tasks";
/// Wall-clock ms at simulated time 0.
const EPOCH_MS: i64 = 1_700_000_000_000;

#[derive(Clone, Debug)]
pub struct Item {
    pub version: u64,
    pub title: String,
}

/// The view filter some seeds give the feed: every third version of an item is hidden,
/// so updates take items out of the view and back in.
pub const VIEW_FILTER: &str = "Version mod 3 ne 0";

impl Item {
    /// Whether [`VIEW_FILTER`] lets the item through.
    pub fn shown(&self) -> bool {
        self.version % 3 != 0
    }
}

/// Whether a request's URL carries [`VIEW_FILTER`] (as the feed encodes it).
pub fn filtered(url: &str) -> bool {
    url.contains("(Version%20mod%203%20ne%200)")
}

struct Entry {
    cn: i64,
    ticks: i64,
    item: Option<i64>,
    ctype: i64,
}

pub struct Server {
    pub metadata: Metadata,
    pub auth: Auth,
    pub items: BTreeMap<i64, Item>,
    pub recycle: BTreeMap<i64, Item>,
    next_id: i64,
    log: VecDeque<Entry>,
    last_cn: i64,
    last_ticks: i64,
    trimmed_upto: i64,
    pub retention_ms: u64,
    pub digest_life_secs: u64,
    digests: BTreeMap<String, u64>,
    digest_counter: u64,
    /// Leave out next links (the client must fall back to `$skiptoken`).
    pub omit_next_links: bool,
    /// Write next links on SharePoint's own origin while the client reaches the site
    /// through another (a proxy on the page's origin): the client follows them on its own.
    pub links_elsewhere: bool,
    /// Every Nth request inside a `$batch` answers 429 (0: never).
    pub batch_part_fault_every: u64,
    batch_parts: u64,
    /// Refuse read-ahead queries (`$filter` on `Modified`) as over the view threshold.
    pub refuse_read_ahead: bool,
    /// How far the clock that stamps `CurrentChangeToken` runs ahead of the change
    /// log's: changes logged right after a list read carry an earlier time than its
    /// token (GetChanges pages by change number all the same).
    pub clock_ahead_ms: u64,
    /// Read a view's load pages and its reads by ID by windows of this many items of the
    /// list (0: off): short and empty pages that link on.
    pub scan_window: usize,
    /// Read-ahead queries answered with items.
    pub read_aheads: u64,
}

#[path = "reads.rs"]
mod reads;

pub(crate) fn wall(now: u64) -> i64 {
    EPOCH_MS + now as i64
}

impl Server {
    pub fn new(metadata: Metadata, auth: Auth, retention_ms: u64, digest_life_secs: u64) -> Self {
        Server {
            metadata,
            auth,
            items: BTreeMap::new(),
            recycle: BTreeMap::new(),
            next_id: 1,
            log: VecDeque::new(),
            last_cn: 1000,
            last_ticks: ms_to_ticks(EPOCH_MS),
            trimmed_upto: 0,
            retention_ms,
            digest_life_secs,
            digests: BTreeMap::new(),
            digest_counter: 0,
            omit_next_links: false,
            links_elsewhere: false,
            batch_part_fault_every: 0,
            batch_parts: 0,
            refuse_read_ahead: false,
            clock_ahead_ms: 0,
            scan_window: 0,
            read_aheads: 0,
        }
    }

    fn record(&mut self, now: u64, item: Option<i64>, ctype: i64) {
        self.last_cn += 1;
        self.last_ticks = ms_to_ticks(wall(now)).max(self.last_ticks);
        let (cn, ticks) = (self.last_cn, self.last_ticks);
        self.log.push_back(Entry {
            cn,
            ticks,
            item,
            ctype,
        });
    }

    /// Drops log entries older than the retention.
    pub fn trim(&mut self, now: u64) {
        let horizon = ms_to_ticks(wall(now.saturating_sub(self.retention_ms)));
        while self.log.front().is_some_and(|e| e.ticks < horizon) {
            if let Some(e) = self.log.pop_front() {
                self.trimmed_upto = e.cn;
            }
        }
    }

    pub fn add(&mut self, now: u64) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.items.insert(
            id,
            Item {
                version: 1,
                title: format!("item {id} \"v1\""),
            },
        );
        self.record(now, Some(id), 1);
        id
    }

    pub fn update(&mut self, now: u64, id: i64, system: bool) {
        if let Some(it) = self.items.get_mut(&id) {
            it.version += 1;
            it.title = format!("item {id} v{} ünï", it.version);
            self.record(now, Some(id), if system { 15 } else { 2 });
        }
    }

    pub fn delete(&mut self, now: u64, id: i64) {
        if let Some(it) = self.items.remove(&id) {
            self.recycle.insert(id, it);
            self.record(now, Some(id), 3);
        }
    }

    pub fn restore(&mut self, now: u64, id: i64) {
        if let Some(mut it) = self.recycle.remove(&id) {
            it.version += 1;
            self.items.insert(id, it);
            self.record(now, Some(id), 7);
        }
    }

    /// A change that is not about an item (role assignment).
    pub fn noise(&mut self, now: u64) {
        self.record(now, None, 8);
    }

    pub fn forget_digests(&mut self) {
        self.digests.clear();
    }

    fn token(&self, ticks: i64, cn: i64) -> String {
        format!("1;3;{GUID};{ticks};{cn}")
    }

    /// The list's token as read at `now` (the log's newest change number, the time of
    /// the clock that answers, maybe ahead of the log's).
    pub fn current_token(&self, now: u64) -> String {
        let ahead = ms_to_ticks(wall(now.saturating_add(self.clock_ahead_ms)));
        self.token(self.last_ticks.max(ahead), self.last_cn)
    }

    pub fn handle(&mut self, now: u64, req: &HttpRequest) -> HttpResponse {
        self.trim(now);
        let Some(path) = req.url.strip_prefix(SITE) else {
            return self.error(404, "0", "bad site");
        };
        if path == "/_api/contextinfo" && req.method == "POST" {
            self.digest_counter += 1;
            let digest = format!("0x{:X},{}", self.digest_counter, now);
            self.digests
                .insert(digest.clone(), now + self.digest_life_secs * 1000);
            let mut o = String::new();
            write_string(&digest, &mut o);
            let inner = format!(
                "\"FormDigestTimeoutSeconds\":{},\"FormDigestValue\":{o}",
                self.digest_life_secs
            );
            let body = if self.metadata == Metadata::Verbose {
                format!("{{\"d\":{{\"GetContextWebInformation\":{{\"__metadata\":{{\"type\":\"SP.ContextWebInformation\"}},{inner}}}}}}}")
            } else {
                format!("{{{inner},\"LibraryVersion\":\"16.0\"}}")
            };
            return ok(body);
        }
        if path == "/_api/$batch" && req.method == "POST" {
            return self.batch(now, req);
        }
        let by_id = format!("/_api/web/lists(guid'{GUID}')");
        let by_title = "/_api/web/lists/getbytitle('Team''s%20Tasks')";
        let rest = path
            .strip_prefix(&by_id)
            .or_else(|| path.strip_prefix(by_title));
        let Some(rest) = rest else {
            return self.error(404, "-1", "List does not exist.");
        };
        if rest.starts_with("?$select=CurrentChangeToken") && req.method == "GET" {
            let tok = self.current_token(now);
            let inner = format!(
                "\"CurrentChangeToken\":{{{}\"StringValue\":\"{tok}\"}},\"Id\":\"{}\",\"ItemCount\":{}",
                if self.metadata == Metadata::Verbose { "\"__metadata\":{\"type\":\"SP.ChangeToken\"}," } else { "" },
                GUID.to_uppercase(),
                self.items.len()
            );
            return ok(match self.metadata {
                Metadata::Verbose => {
                    format!("{{\"d\":{{\"__metadata\":{{\"type\":\"SP.List\"}},{inner}}}}}")
                }
                _ => format!("{{{inner}}}"),
            });
        }
        if rest == "/GetChanges" && req.method == "POST" {
            if self.auth == Auth::Digest {
                let digest = req
                    .headers
                    .iter()
                    .find(|(k, _)| k == "X-RequestDigest")
                    .map(|(_, v)| v);
                let valid = digest
                    .and_then(|d| self.digests.get(d))
                    .is_some_and(|exp| *exp > now);
                if !valid {
                    return self.error(403, "-2130575251, Microsoft.SharePoint.SPException",
                        "The security validation for this page is invalid and might be corrupted. Please use your web browser's Back button to try your operation again.");
                }
            }
            return self.get_changes(req.body.as_deref().unwrap_or(""));
        }
        if let Some(query) = rest.strip_prefix("/items?") {
            if query.contains("$filter=Modified%20ge%20") {
                return self.read_ahead(&req.url, query);
            }
            return self.items_page(&req.url, query);
        }
        self.error(400, "-1", "unsupported request")
    }

    fn get_changes(&self, body: &str) -> HttpResponse {
        let Ok(q) = parse(body) else {
            return self.error(400, "-1", "bad body");
        };
        let q = q.get("query");
        let start = q
            .and_then(|q| q.get("ChangeTokenStart"))
            .and_then(|t| t.get("StringValue"));
        let limit = q
            .and_then(|q| q.get("FetchLimit"))
            .and_then(Json::as_i64)
            .unwrap_or(1000);
        let Some(Ok(start)) = start.and_then(Json::as_str).map(ChangeToken::parse) else {
            return self.error(400, "-1", "bad token");
        };
        if start.scope_id != GUID {
            return self.error(
                500,
                "-1, System.InvalidOperationException",
                "Cannot use the changeToken from one object against a different object",
            );
        }
        if start.change_number < self.trimmed_upto {
            return self.error(
                500,
                "-2146232832, Microsoft.SharePoint.SPException",
                "The changeToken refers to a time before the start of the current change log.",
            );
        }
        let verbose = self.metadata == Metadata::Verbose;
        let records: Vec<String> = self
            .log
            .iter()
            .filter(|e| e.cn > start.change_number)
            .take(limit.max(1) as usize)
            .map(|e| {
                let tok = self.token(e.ticks, e.cn);
                let meta = if verbose { "\"__metadata\":{\"type\":\"SP.ChangeItem\"}," } else { "" };
                let tmeta = if verbose { "\"__metadata\":{\"type\":\"SP.ChangeToken\"}," } else { "" };
                let item = e.item.map_or(String::new(), |id| format!(",\"ItemId\":{id}"));
                format!("{{{meta}\"ChangeToken\":{{{tmeta}\"StringValue\":\"{tok}\"}},\"ChangeType\":{},\"SiteId\":\"0d5f\",\"Time\":\"2023-11-14T22:13:20Z\"{item},\"ListId\":\"{GUID}\",\"WebId\":\"a1b2\",\"Editor\":\"i:0#.f|membership|bob@contoso.com\",\"NewField\":{{\"x\":[1,2]}}}}", e.ctype)
            })
            .collect();
        ok(self.collection(&records, None))
    }

    fn item_json(&self, id: i64, it: &Item) -> String {
        let mut title = String::new();
        write_string(&it.title, &mut title);
        let meta = match self.metadata {
            Metadata::Verbose => format!(
                "\"__metadata\":{{\"type\":\"SP.Data.TasksListItem\",\"etag\":\"\\\"{}\\\"\"}},",
                it.version
            ),
            Metadata::Minimal => format!(
                "\"odata.type\":\"SP.Data.TasksListItem\",\"odata.etag\":\"\\\"{}\\\"\",",
                it.version
            ),
            _ => String::new(),
        };
        format!("{{{meta}\"Id\":{id},\"ID\":{id},\"Title\":{title},\"Version\":{},\"Modified\":\"{}\"}}", it.version, it.version)
    }

    fn collection(&self, records: &[String], next: Option<String>) -> String {
        let list = records.join(",");
        let next = match self.links_elsewhere {
            true => {
                next.map(|n| n.replace("https://contoso.sharepoint.com", "https://sp.internal"))
            }
            false => next,
        };
        let link = |key: &str| {
            next.as_ref()
                .map_or(String::new(), |n| format!(",\"{key}\":\"{n}\""))
        };
        match self.metadata {
            Metadata::Verbose => format!("{{\"d\":{{\"results\":[{list}]{}}}}}", link("__next")),
            Metadata::Minimal => format!(
                "{{\"odata.metadata\":\"{SITE}/_api/$metadata#X\",\"value\":[{list}]{}}}",
                link("odata.nextLink")
            ),
            Metadata::None => format!("{{\"value\":[{list}]{}}}", link("odata.nextLink")),
            Metadata::OData4None => format!("{{\"value\":[{list}]{}}}", link("@odata.nextLink")),
        }
    }

    fn error(&self, status: u16, code: &str, message: &str) -> HttpResponse {
        let mut m = String::new();
        write_string(message, &mut m);
        let body = match self.metadata {
            Metadata::Verbose | Metadata::Minimal => format!("{{\"error\":{{\"code\":\"{code}\",\"message\":{{\"lang\":\"en-US\",\"value\":{m}}}}}}}"),
            Metadata::None => format!("{{\"odata.error\":{{\"code\":\"{code}\",\"message\":{{\"lang\":\"en-US\",\"value\":{m}}}}}}}"),
            Metadata::OData4None => format!("{{\"error\":{{\"code\":\"{code}\",\"message\":{m}}}}}"),
        };
        HttpResponse {
            status,
            retry_after_secs: None,
            body,
        }
    }
}

fn ok(body: String) -> HttpResponse {
    HttpResponse {
        status: 200,
        retry_after_secs: None,
        body,
    }
}
