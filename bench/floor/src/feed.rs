//! `sync::ChangeFeed` and `sync::ListState` behind the C ABI (with the index
//! bookkeeping of src/web/rows.rs).

use crate::io::*;
use crate::json::Json;
use crate::sharepoint::{is_field_path, items_text, ListRef, Metadata};
use crate::sync::{
    diff_ops, Auth, ChangeFeed, ChangeSet, ChangeSetKind, FeedConfig, FeedStatus, HttpResponse,
    ListState, Order, Output as FOut, Wake,
};
use crate::text;

pub struct Feed {
    feed: ChangeFeed,
    /// The list state; it also keeps the order of a reset's rows (JS holds the rows).
    list: ListState,
}

/// Options JSON as `LiveList.open`'s (siteUrl, listId | listTitle, select, orderBy,
/// metadata, clientTag, urlLimit, batch, readAhead, pageSize, hintDebounceMs,
/// hintDebounceMaxMs, hintSettleMs) plus `auth`: 0 digest, 1 bearer, 2 external fetch.
///
/// # Safety
/// `ptr`/`len` from `alloc`.
#[no_mangle]
pub unsafe extern "C" fn feed_new(ptr: *mut u8, len: usize, seed: f64) -> *mut Feed {
    let o = match parse_options(&string(ptr, len)) {
        Ok(o) => o,
        Err(e) => return e.cast(),
    };
    let invalid = |m| fail("invalid-options", m);
    let Some(site_url) = get_str(&o, "siteUrl") else {
        return invalid("`siteUrl` is required");
    };
    if !(site_url.starts_with("https://") || site_url.starts_with("http://")) {
        return invalid("`siteUrl` must be an absolute http(s) URL");
    }
    let list = match (get_str(&o, "listId"), get_str(&o, "listTitle")) {
        (Some(id), None) => match ListRef::by_id(id) {
            Some(l) => l,
            None => return invalid("`listId` is not a GUID"),
        },
        (None, Some(title)) if !title.is_empty() => ListRef::by_title(title),
        (Some(_), Some(_)) => return invalid("give `listId` or `listTitle`, not both"),
        _ => return invalid("`listId` or `listTitle` is required"),
    };
    let mut config = FeedConfig::new(site_url.trim_end_matches('/'), list);
    if let Some(fields) = o.get("select").and_then(Json::as_array) {
        for field in fields {
            let Some(name) = field.as_str() else {
                return invalid("`select` must be an array of field names");
            };
            if !is_field_path(name) {
                return invalid(
                    "`select`: a lookup or person column's field is \"Column/Field\", e.g. \"Author/Title\"",
                );
            }
            if !config.select.iter().any(|f| f == name) {
                config.select.push(name.to_owned());
            }
        }
    }
    if let Some(level) = get_str(&o, "metadata") {
        config.metadata = match level {
            "nometadata" => Metadata::None,
            "minimalmetadata" => Metadata::Minimal,
            "verbose" => Metadata::Verbose,
            "odata4" => Metadata::OData4None,
            _ => {
                return invalid("`metadata` must be nometadata, minimalmetadata, verbose or odata4")
            }
        };
    }
    if let Some(filter) = get_str(&o, "filter") {
        config.filter = filter.to_owned();
    }
    if let Some(tag) = get_str(&o, "clientTag") {
        if tag.contains(['\r', '\n', '\0']) {
            return invalid("`clientTag` must not contain line breaks");
        }
        config.client_tag = tag.to_owned();
    }
    if let Some(v) = get_u64(&o, "urlLimit") {
        config.url_limit = v as usize;
    }
    if let Some(v) = get_bool(&o, "batch") {
        config.batch_reads = v;
    }
    if let Some(v) = get_bool(&o, "readAhead") {
        config.read_ahead = v;
    }
    if let Some(v) = get_u64(&o, "hintDebounceMs") {
        config.hint_debounce_ms = v;
    }
    if let Some(v) = get_u64(&o, "hintDebounceMaxMs") {
        config.hint_debounce_max_ms = v;
    }
    if let Some(v) = get_u64(&o, "hintSettleMs") {
        config.hint_settle_ms = v;
    }
    if let Some(v) = get_u64(&o, "pageSize") {
        config.page_size = (v.min(5000) as u32).max(1);
    }
    config.auth = match get_u64(&o, "auth") {
        Some(2) => Auth::External,
        Some(1) => Auth::Bearer,
        _ => Auth::Digest,
    };
    config.seed = seed as u64;
    let order = match get_str(&o, "orderBy") {
        Some(t) => match Order::parse(t) {
            Some(order) => order,
            None => {
                return invalid(
                    "`orderBy` must be a field name, optionally followed by asc or desc",
                )
            }
        },
        None => Order::default(),
    };
    if let Some(field) = &order.field {
        if !config.select.iter().any(|f| f.eq_ignore_ascii_case(field)) {
            config.select.push(field.clone());
        }
    }
    out().clear();
    Box::into_raw(Box::new(Feed {
        feed: ChangeFeed::new(config),
        list: ListState::with_order(order),
    }))
}

/// # Safety
/// `f` from `feed_new`, not freed.
#[no_mangle]
pub unsafe extern "C" fn feed_free(f: *mut Feed) {
    drop(Box::from_raw(f));
}

#[no_mangle]
pub extern "C" fn feed_start(f: &mut Feed, now: f64) {
    f.feed.handle_start(ms(now));
}

#[no_mangle]
pub extern "C" fn feed_connected(f: &mut Feed, now: f64) {
    f.feed.handle_connected(ms(now));
}

#[no_mangle]
pub extern "C" fn feed_reload(f: &mut Feed, now: f64) {
    f.feed.reload(ms(now));
}

#[no_mangle]
pub extern "C" fn feed_timeout(f: &mut Feed, now: f64) {
    f.feed.handle_timeout(ms(now));
}

/// `online`: 1 back online or the machine slept, 0 the page is visible again.
#[no_mangle]
pub extern "C" fn feed_wake(f: &mut Feed, online: u32, now: f64) {
    let wake = if online == 1 {
        Wake::Online
    } else {
        Wake::Visible
    };
    f.feed.handle_wake(ms(now), wake);
}

/// A webhook hint (the `resource` of a `list:changes` notification); returns 1 when it
/// names this feed's list (for the caller's hint counter).
///
/// # Safety
/// As `feed_new`.
#[no_mangle]
pub unsafe extern "C" fn feed_hint(f: &mut Feed, ptr: *mut u8, len: usize, now: f64) -> u32 {
    let guid = string(ptr, len);
    let own = f.feed.is_own_list(&guid);
    f.feed.handle_hint(ms(now), &guid);
    own as u32
}

/// `retry_after`: the header's text ("" when absent).
///
/// # Safety
/// As `feed_new`.
#[no_mangle]
pub unsafe extern "C" fn feed_response(
    f: &mut Feed,
    id: f64,
    status: u32,
    retry_after: *mut u8,
    retry_after_len: usize,
    body: *mut u8,
    body_len: usize,
    now: f64,
) {
    let retry_after = string(retry_after, retry_after_len);
    let response = HttpResponse {
        status: status as u16,
        retry_after_secs: text::parse_uint(retry_after.trim()),
        body: string(body, body_len),
    };
    f.feed.handle_response(ms(now), id as u64, response);
}

/// # Safety
/// As `feed_new`.
#[no_mangle]
pub unsafe extern "C" fn feed_network_error(
    f: &mut Feed,
    id: f64,
    ptr: *mut u8,
    len: usize,
    now: f64,
) {
    f.feed
        .handle_network_error(ms(now), id as u64, &string(ptr, len));
}

#[no_mangle]
pub extern "C" fn feed_poll_timeout(f: &Feed) -> f64 {
    opt_ms(f.feed.poll_timeout())
}

/// The list GUID once known (for the broadcaster's `subscribe` room); 0 if unknown.
#[no_mangle]
pub extern "C" fn feed_list_guid(f: &Feed) -> usize {
    out().clear();
    match f.feed.list_guid() {
        Some(guid) => put_str(guid),
        None => return 0,
    }
    out().len()
}

impl Feed {
    /// Indices into the kept rows in display order (rows.rs `take_in_order`).
    fn take_in_order(&mut self) -> Vec<u32> {
        let order = self.list.take_reset_order();
        order.into_iter().map(|i| i as u32).collect()
    }

    /// Applies a change set to the list state and writes what JS needs to update its
    /// rows (rows.rs `apply_changes`): ops as (op, index, item) i32 triples.
    fn deliver(&mut self, set: ChangeSet) {
        let diffs = self.list.apply(&set);
        put_str(&set.token);
        if set.kind == ChangeSetKind::Reset {
            put_u8(0);
            put_str(&items_text(&set.items));
            let order = self.take_in_order();
            put_u32(order.len() as u32);
            for i in order {
                put_u32(i);
            }
            return;
        }
        put_u8(1);
        put_str(&items_text(set.added.iter().chain(&set.updated)));
        put_u32(set.added.len() as u32);
        let ops = diff_ops(&set, &diffs);
        put_u32(ops.len() as u32 / 3);
        for v in ops {
            put_u32(v as u32);
        }
        put_u32(set.deleted.len() as u32);
        for id in &set.deleted {
            put_f64(*id as f64);
        }
    }
}

/// Drains every output, applying pages and change sets to the list state. Tags:
/// 0 Request(id,method,url,n,`[name,value]`,body?) 1 LoadPage(first,items JSON)
/// 2 Deliver(token, 0: items JSON, order[] | 1: items JSON, added count, ops[], deleted[])
/// 3 Status(kind,attempt,at) 4 Progress(loaded,total|-1)
/// 5 Error(code,message,request?(method,url),status|-1).
#[no_mangle]
pub extern "C" fn feed_poll(f: &mut Feed) -> usize {
    out().clear();
    while let Some(output) = f.feed.poll_output() {
        match output {
            FOut::Request(r) => {
                put_u8(0);
                put_f64(r.id as f64);
                put_str(r.method);
                put_str(&r.url);
                put_u32(r.headers.len() as u32);
                for (name, value) in &r.headers {
                    put_str(name);
                    put_str(value);
                }
                put_opt_str(r.body.as_deref());
            }
            FOut::LoadPage { first, items } => {
                put_u8(1);
                put_u8(first as u8);
                f.list.load_page(first, &items);
                put_str(&items_text(&items));
            }
            FOut::Deliver(set) => {
                put_u8(2);
                f.deliver(set);
            }
            FOut::Status(status) => {
                put_u8(3);
                let (kind, attempt, at) = match status {
                    FeedStatus::Loading => (0, 0, 0),
                    FeedStatus::Live => (1, 0, 0),
                    FeedStatus::Syncing => (2, 0, 0),
                    FeedStatus::Retrying { attempt, at_ms } => (3, attempt, at_ms),
                };
                put_u8(kind);
                put_u32(attempt);
                put_f64(at as f64);
            }
            FOut::Progress { loaded, total } => {
                put_u8(4);
                put_u32(loaded);
                put_f64(total.map_or(-1.0, f64::from));
            }
            FOut::Error(e) => {
                put_u8(5);
                put_str(e.code);
                put_str(&e.message);
                match &e.request {
                    Some((method, url)) => {
                        put_u8(1);
                        put_str(method);
                        put_str(url);
                    }
                    None => put_u8(0),
                }
                put_f64(e.status.map_or(-1.0, f64::from));
            }
        }
    }
    out().len()
}
