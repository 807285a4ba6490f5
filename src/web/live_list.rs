//! `LiveList`: a SharePoint list kept live in the page.

use super::broadcaster::connection_for;
use super::checkpoint;
use super::feed_driver::FeedMessage;
use super::feed_hub::FeedHub;
use super::http::Transport;
use super::js::{self, coded_error};
use super::unsubscribe::{self, Target};
use crate::sharepoint::{is_field_path, site_path_at, ListRef, Metadata};
use crate::sync::{Auth, ChangeFeed, FeedConfig, ListState, Order};
use crate::text;
use js_sys::{Array, Function, Promise};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// A SharePoint list kept live: every `LiveList` on the same site, list, fields, view
/// filter, order, metadata, kind of auth and broadcaster shares one change feed; the lists
/// of one broadcaster connection share its WebSocket.
#[wasm_bindgen(skip_typescript)]
pub struct LiveList {
    hub: Option<Rc<FeedHub>>,
    id: u32,
}

impl LiveList {
    /// `LiveList.open` for Rust callers (the browser tests).
    pub async fn open(options: JsValue) -> Result<LiveList, JsValue> {
        Self::open_now(&options)
    }

    fn open_now(options: &JsValue) -> Result<LiveList, JsValue> {
        let broadcaster = js::get_string(options, "broadcaster")?
            .ok_or_else(|| invalid("`broadcaster` (the broadcaster's URL) is required"))?;
        let (mut config, transport) = read_feed_options(options)?;
        let order = match js::get_string(options, "orderBy")? {
            Some(text) => Order::parse(&text).ok_or_else(|| {
                invalid("`orderBy` must be a field name, optionally followed by asc or desc")
            })?,
            None => Order::default(),
        };
        if let Some(field) = &order.field {
            if !config.select.iter().any(|f| f.eq_ignore_ascii_case(field)) {
                config.select.push(field.clone());
            }
        }
        let list = match &config.list {
            ListRef::Id(id) => text::concat(&["id:", id]),
            ListRef::Title(title) => text::concat(&["title:", title]),
        };
        let connection = connection_for(broadcaster, options, true)?;
        // No `format!`: it would pull core's formatting machinery into the wasm.
        let key = text::join(
            &[
                config.site_url.as_str(),
                &list,
                &text::join(
                    &config.select.iter().map(String::as_str).collect::<Vec<_>>(),
                    ",",
                ),
                &text::uint(config.metadata as u64),
                &text::uint(config.auth as u64),
                connection.connection.place(),
                order.field.as_deref().unwrap_or("ID"),
                if order.descending { "desc" } else { "asc" },
                // Last: whatever it contains cannot shift the other parts.
                &config.filter,
            ],
            "|",
        );
        let mut feed = ChangeFeed::new(config);
        let checkpoint = checkpoint::resume(&mut feed, options, &key)?;
        let list = ListState::with_order(order);
        let (hub, id) = FeedHub::acquire(key, (feed, checkpoint), list, transport, connection);
        Ok(LiveList { hub: Some(hub), id })
    }
}

#[wasm_bindgen]
impl LiveList {
    /// Opens (or joins) the live list described by `options` (JavaScript's
    /// `LiveList.open`); rejects with an `Error` whose `code` is `invalid-options`
    /// when they are wrong.
    #[wasm_bindgen(js_name = open, skip_typescript)]
    pub fn open_js(options: JsValue) -> Promise {
        // Another copy of sp-live on the page (another web part bundle) may host the
        // page's lists: it opens this one too, so that they share feeds.
        match super::peers::open_elsewhere(&options) {
            Some(promise) => promise.unchecked_into(),
            None => open_here(&options).unchecked_into(),
        }
    }
    /// Calls `callback(event)` for every event, a snapshot before any change; returns a
    /// function that removes it, which is also its own `unsubscribe` method (a
    /// `Subscription`: `sub()` or `sub.unsubscribe()`, as a React effect's cleanup wants).
    #[wasm_bindgen(skip_typescript)]
    pub fn subscribe(&self, callback: Function) -> Result<JsValue, JsValue> {
        let hub = self.hub.as_ref().ok_or_else(closed)?;
        let id = hub.subscribe(self.id, js::callback(callback)?);
        let unsubscribe = unsubscribe::function(id, Target::Subscriber(Rc::downgrade(hub)));
        let _ = js_sys::Reflect::set(&unsubscribe, &"unsubscribe".into(), &unsubscribe);
        Ok(unsubscribe.into())
    }

    /// Looks for changes now, without waiting for a webhook (after the app's own
    /// write, say); they arrive as `changes` events as usual. Nothing after `close()`.
    #[wasm_bindgen(skip_typescript)]
    pub fn refresh(&self) {
        if let Some(hub) = &self.hub {
            hub.mailbox.post(FeedMessage::Refresh);
        }
    }

    /// The current rows in display order (`orderBy`, else by ID), a copy.
    #[wasm_bindgen(skip_typescript)]
    pub fn items(&self) -> Array {
        match &self.hub {
            Some(hub) => {
                let view = hub.view.borrow();
                view.rows.slice(0, view.rows.length())
            }
            None => Array::new(),
        }
    }

    /// The rows and the change token they are current at (`resume` for a later
    /// `open`), or `null`.
    #[wasm_bindgen(skip_typescript)]
    pub fn checkpoint(&self) -> JsValue {
        self.hub
            .as_ref()
            .map_or(JsValue::NULL, |hub| checkpoint::of(hub))
    }

    /// `connecting | loading | live | reconnecting | offline | resyncing | closed`.
    #[wasm_bindgen(getter, skip_typescript)]
    pub fn status(&self) -> String {
        match &self.hub {
            Some(hub) => hub.view.borrow().status.to_owned(),
            None => "closed".into(),
        }
    }

    /// Counters: hints, requests, changesApplied, rounds, lastLatencyMs, lastApplyMs.
    #[wasm_bindgen(skip_typescript)]
    pub fn stats(&self) -> JsValue {
        let stats = self
            .hub
            .as_ref()
            .map(|h| h.view.borrow().stats)
            .unwrap_or_default();
        js::object(&[
            ("hints", stats.hints.into()),
            ("requests", stats.requests.into()),
            ("changesApplied", stats.changes_applied.into()),
            ("rounds", stats.rounds.into()),
            (
                "lastLatencyMs",
                stats
                    .last_latency_ms
                    .map_or(JsValue::NULL, |ms| (ms as f64).into()),
            ),
            (
                "lastApplyMs",
                stats.last_apply_ms.map_or(JsValue::NULL, JsValue::from),
            ),
        ])
    }

    /// Lets go of this list and its subscriptions; the shared feed and socket close
    /// with the last user. Idempotent.
    #[wasm_bindgen(skip_typescript)]
    pub fn close(&mut self) {
        if let Some(hub) = self.hub.take() {
            hub.release(self.id);
        }
    }
}

impl Drop for LiveList {
    fn drop(&mut self) {
        self.close();
    }
}

/// `LiveList.open` in this copy; it then hosts the page's lists unless another does.
/// A settled promise, not an `async fn`: nothing here waits, and the future machinery
/// would cost ~1 KB of wasm.
fn open_here(options: &JsValue) -> JsValue {
    let opened = LiveList::open_now(options);
    if opened.is_ok() {
        super::peers::host(open_here);
    }
    js::settled(opened.map(JsValue::from)).into()
}

pub(crate) fn invalid(message: &str) -> JsValue {
    coded_error("invalid-options", message)
}

fn closed() -> JsValue {
    coded_error("closed", "this LiveList was closed")
}

fn read_feed_options(o: &JsValue) -> Result<(FeedConfig, Transport), JsValue> {
    let mut site_url =
        js::get_string(o, "siteUrl")?.ok_or_else(|| invalid("`siteUrl` is required"))?;
    let path_at = site_path_at(&site_url).ok_or_else(|| {
        invalid("`siteUrl` must be a site's http(s) URL, with no query or fragment")
    })?;
    // One site, one feed key however its scheme and host are cased.
    site_url[..path_at].make_ascii_lowercase();
    // An empty string counts as absent (a web part's property pane leaves one field empty).
    let given = |key| js::get_string(o, key).map(|v| v.filter(|v| !v.is_empty()));
    let list = match (given("listId")?, given("listTitle")?) {
        (Some(id), None) => ListRef::by_id(&id).ok_or_else(|| invalid("`listId` is not a GUID"))?,
        (None, Some(title)) => ListRef::by_title(&title),
        (Some(_), Some(_)) => return Err(invalid("give `listId` or `listTitle`, not both")),
        _ => return Err(invalid("`listId` or `listTitle` is required")),
    };
    let mut config = FeedConfig::new(&site_url, list);
    let select = js::get(o, "select");
    if !select.is_undefined() && !select.is_null() {
        let fields: Array = select
            .dyn_into()
            .map_err(|_| invalid("`select` must be an array of field names"))?;
        for field in fields.iter() {
            let name = field
                .as_string()
                .ok_or_else(|| invalid("`select` must be an array of field names"))?;
            if !is_field_path(&name) {
                return Err(invalid(
                    "`select`: a lookup or person column's field is \"Column/Field\", e.g. \"Author/Title\"",
                ));
            }
            if !config.select.contains(&name) {
                config.select.push(name);
            }
        }
    }
    let metadata = match js::get_string(o, "metadata")?.as_deref() {
        None => None,
        Some("nometadata") => Some(Metadata::None),
        Some("minimalmetadata") => Some(Metadata::Minimal),
        Some("verbose") => Some(Metadata::Verbose),
        Some("odata4") => Some(Metadata::OData4None),
        Some(_) => {
            return Err(invalid(
                "`metadata` must be nometadata, minimalmetadata, verbose or odata4",
            ))
        }
    };
    if let Some(filter) = js::get_string(o, "filter")? {
        config.filter = filter;
    }
    if let Some(tag) = js::get_string(o, "clientTag")? {
        if tag.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
            return Err(invalid("`clientTag` must not contain line breaks"));
        }
        config.client_tag = tag;
    }
    if let Some(limit) = js::get_number(o, "urlLimit")? {
        config.url_limit = limit as usize;
    }
    if let Some(batch) = js::get_bool(o, "batch")? {
        config.batch_reads = batch;
    }
    if let Some(ahead) = js::get_bool(o, "readAhead")? {
        config.read_ahead = ahead;
    }
    if let Some(ms) = js::get_number(o, "hintDebounceMs")? {
        config.hint_debounce_ms = ms as u64;
    }
    if let Some(ms) = js::get_number(o, "hintDebounceMaxMs")? {
        config.hint_debounce_max_ms = ms as u64;
    }
    if let Some(ms) = js::get_number(o, "pollIntervalMs")? {
        config.poll_interval_ms = ms as u64;
    }
    if let Some(ms) = js::get_number(o, "hintSettleMs")? {
        config.hint_settle_ms = ms as u64;
    }
    if let Some(size) = js::get_number(o, "pageSize")? {
        config.page_size = (size as u32).clamp(1, 5000);
    }
    let fetch = match js::get(o, "fetch") {
        f if f.is_undefined() || f.is_null() => None,
        f => Some(
            f.dyn_into::<Function>()
                .map_err(|_| invalid("`fetch` must be a function"))?,
        ),
    };
    let access_token = match js::get(o, "accessToken") {
        t if t.is_undefined() || t.is_null() => None,
        t if t.is_string() || t.is_function() => Some(t),
        _ => return Err(invalid("`accessToken` must be a string or a function")),
    };
    // SPFx's SPHttpClient sends `OData-Version: 4.0` unless a request has one: with a
    // `fetch`, ask for OData 4 JSON by default, so that the two agree.
    config.metadata = match (metadata, &fetch) {
        (Some(level), _) => level,
        (None, Some(_)) => Metadata::OData4None,
        (None, None) => config.metadata,
    };
    config.auth = match (&fetch, &access_token) {
        (Some(_), _) => Auth::External,
        (None, Some(_)) => Auth::Bearer,
        (None, None) => Auth::Digest,
    };
    config.seed = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    Ok((
        config,
        Transport {
            fetch,
            access_token,
        },
    ))
}
