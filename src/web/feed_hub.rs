//! One change feed per (site, list, fields, broadcaster) per page, shared by every
//! `LiveList` on it: one GetChanges round per burst however many web parts watch.
//! It holds what subscribers see (rows as JavaScript objects in display order) and
//! delivers events with no Rust borrow held.

use super::broadcaster::NewConnection;
use super::feed_driver::{self, FeedMessage};
use super::http::Transport;
use super::hub::{Held, Hub, Topic};
use super::js;
use super::mailbox::Mailbox;
use super::unsubscribe;
use crate::sync::{ChangeFeed, ListState};
use js_sys::{Array, Function};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsValue;

thread_local! {
    // A page holds a handful of feeds: a vector is smaller than a map in wasm.
    static FEEDS: RefCell<Vec<Rc<FeedHub>>> = const { RefCell::new(Vec::new()) };
}

struct Subscriber {
    id: u32,
    owner: u32,
    callback: Function,
    /// Has had its snapshot: only then do `changes` and `reset` reach it.
    synced: bool,
    /// Has heard a status: a new subscriber is told the current one when it joins.
    heard_status: bool,
}

/// Counters for people (the demo's numbers).
#[derive(Default, Clone, Copy)]
pub(crate) struct Stats {
    pub hints: u32,
    pub requests: u32,
    pub changes_applied: u32,
    pub rounds: u32,
    pub last_latency_ms: Option<u64>,
    /// Time the last change set took to apply in wasm (list state, rows, diffs),
    /// without parsing and without the callbacks.
    pub last_apply_ms: Option<f64>,
}

/// What subscribers see.
pub(crate) struct View {
    /// Items in display order (ID ascending).
    pub rows: Array,
    /// The first full load was delivered.
    pub loaded: bool,
    /// The change token of the last change set applied to `rows`.
    pub token: Option<String>,
    /// `connecting | loading | live | reconnecting | offline | resyncing | closed`.
    pub status: &'static str,
    /// Why, for some statuses.
    pub reason: Option<&'static str>,
    /// The last `status` event (what a new subscriber is told).
    pub status_event: JsValue,
    pub stats: Stats,
}

/// Who gets an event.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// Everyone (status, progress, errors).
    All,
    /// Only subscribers that have their snapshot (changes, reset).
    Synced,
}

enum Entry {
    Event(Audience, JsValue),
    /// A `status` event, for everyone.
    Status(JsValue),
    /// The whole list at that point: `reset` for synced subscribers, `snapshot` for
    /// the others.
    Reset(Array),
}

/// Events collected while the feed is borrowed, delivered afterwards, in order.
#[derive(Default)]
pub(crate) struct Outbox {
    entries: Vec<Entry>,
}

impl Outbox {
    /// Queues an event.
    pub(crate) fn push(&mut self, audience: Audience, event: JsValue) {
        self.entries.push(Entry::Event(audience, event));
    }

    /// Queues a `status` event.
    pub(crate) fn status(&mut self, event: JsValue) {
        self.entries.push(Entry::Status(event));
    }

    /// Queues a full-state event; `rows` must be a copy (later changes must not
    /// show through).
    pub(crate) fn reset(&mut self, rows: Array) {
        self.entries.push(Entry::Reset(rows));
    }
}

/// A list on a feed: its handle, its transport and its `auth` function (if it has one),
/// held on the page's connection while the list is open.
struct Joined {
    owner: u32,
    transport: Transport,
    auth: Option<Function>,
    held: Option<Held>,
}

impl Joined {
    /// Holds the list's `auth` function on `bhub` instead of where it was held (on a
    /// connection whose `auth` is no function, it is never asked).
    fn hold(&mut self, bhub: &Rc<Hub>) {
        self.held = (self.auth.clone()).map(|auth| {
            let id = bhub.add_listener(self.owner, Topic::Auth, auth);
            Held(bhub.clone(), id)
        });
    }
}

/// A shared change feed.
pub(crate) struct FeedHub {
    pub(crate) key: String,
    pub(crate) mailbox: Rc<Mailbox<FeedMessage>>,
    subscribers: RefCell<Vec<Subscriber>>,
    pub(crate) view: RefCell<View>,
    handles: Cell<u32>,
    /// The transports of the lists on the feed, by handle, the newest last: requests
    /// use the newest still open (a web part disposed since is not asked again, its
    /// context may be gone), as a shared connection asks its newest holder's `auth`.
    /// With each, the `auth` function of a list that joined the feed with one, held on the
    /// page's connection while the list is open: a reconnection asks the newest open
    /// list's (not a closed one's), as for lists of their own feeds on the connection.
    transports: RefCell<Vec<Joined>>,
    /// A `Catchup` message is queued: don't queue another.
    catchup_pending: Cell<bool>,
}

impl FeedHub {
    /// Joins the feed under `key`, or starts it with `feed` (and the items of the
    /// checkpoint it resumes from, if any), `transport` (the newest list's is used) and
    /// one handle on the page's
    /// connection to the broadcaster `connection` is for (a feed joined has its own:
    /// `connection` then goes to its task, which drives it only if its own has closed
    /// for good).
    pub(crate) fn acquire(
        key: String,
        feed: (ChangeFeed, Option<Array>),
        list: ListState,
        transport: Transport,
        connection: NewConnection,
    ) -> (Rc<FeedHub>, u32) {
        let owner = unsubscribe::next_id();
        let mut joined = Joined {
            owner,
            transport,
            auth: connection.auth.clone(),
            held: None,
        };
        if let Some(existing) = FEEDS.with(|f| f.borrow().iter().find(|h| h.key == key).cloned()) {
            existing.handles.set(existing.handles.get() + 1);
            // Its `auth` is held on the feed's connection when the feed takes the join.
            existing.transports.borrow_mut().push(joined);
            existing
                .mailbox
                .post(FeedMessage::Join(owner, Box::new(connection)));
            return (existing, owner);
        }
        // The first list's `auth` function is held while that list is open, not by the
        // feed's own handle (a feed outlives its first list).
        let broadcaster = Hub::acquire(connection, false);
        joined.hold(&broadcaster.0);
        let hub = Rc::new(FeedHub {
            key: key.clone(),
            mailbox: Rc::new(Mailbox::default()),
            subscribers: RefCell::new(Vec::new()),
            view: RefCell::new(View {
                rows: Array::new(),
                loaded: false,
                token: None,
                status: "connecting",
                reason: None,
                status_event: status_event("connecting", None),
                stats: Stats::default(),
            }),
            handles: Cell::new(1),
            transports: RefCell::new(vec![joined]),
            catchup_pending: Cell::new(false),
        });
        FEEDS.with(|f| f.borrow_mut().push(hub.clone()));
        feed_driver::start(hub.clone(), feed, list, broadcaster);
        (hub, owner)
    }

    /// A fresh id for a handle or a subscriber.
    pub(crate) fn next_id(&self) -> u32 {
        unsubscribe::next_id()
    }

    /// The transport of the newest list still open on the feed.
    pub(crate) fn transport(&self) -> Option<Transport> {
        self.transports.borrow().last().map(|j| j.transport.clone())
    }

    /// Whether list `owner` is still open on the feed.
    pub(crate) fn is_open(&self, owner: u32) -> bool {
        self.transports.borrow().iter().any(|j| j.owner == owner)
    }

    /// The open lists' `auth` functions are held on `bhub`, the feed's connection (a list
    /// joined, or the feed moved to it from one closed for good), in the order the lists
    /// joined (the newest open list's is asked), and no longer where they were. Not on a
    /// connection the joining list's options would share: another list's spelling of the
    /// broadcaster (`protocol`, say) keeps the feed on its own.
    pub(crate) fn hold_auths(&self, bhub: &Rc<Hub>) {
        for joined in self.transports.borrow_mut().iter_mut() {
            joined.hold(bhub);
        }
    }

    /// The queued `Catchup` message is being handled.
    pub(crate) fn catchup_done(&self) {
        self.catchup_pending.set(false);
    }

    /// Lets go of one handle and its subscribers; the last one stops the feed.
    pub(crate) fn release(&self, owner: u32) {
        unsubscribe::remove_where(&mut self.subscribers.borrow_mut(), |s| s.id, &|s| {
            s.owner == owner
        });
        self.transports.borrow_mut().retain(|j| j.owner != owner);
        let left = self.handles.get().saturating_sub(1);
        self.handles.set(left);
        if left == 0 {
            let none_left = FEEDS.with(|feeds| {
                let mut feeds = feeds.borrow_mut();
                if let Some(at) = feeds.iter().position(|h| h.key == self.key) {
                    feeds.remove(at);
                }
                feeds.is_empty()
            });
            if none_left {
                super::peers::unhost();
            }
            self.mailbox.post(FeedMessage::Shutdown);
        }
    }

    /// Adds a subscriber; it gets a snapshot first (now if loaded, else after the load)
    /// and the current status (after the snapshot if loaded, else at once).
    pub(crate) fn subscribe(&self, owner: u32, callback: Function) -> u32 {
        let id = self.next_id();
        self.subscribers.borrow_mut().push(Subscriber {
            id,
            owner,
            callback,
            synced: false,
            heard_status: false,
        });
        if !self.catchup_pending.replace(true) {
            self.mailbox.post(FeedMessage::Catchup);
        }
        id
    }

    /// Removes a subscriber (idempotent).
    pub(crate) fn unsubscribe(&self, id: u32) {
        unsubscribe::remove_where(&mut self.subscribers.borrow_mut(), |s| s.id, &|s| {
            s.id == id
        });
    }

    /// Delivers `outbox` in order. Calls are collected under a short borrow and made
    /// with none held; a subscriber removed meanwhile is skipped and a throwing one
    /// does not stop the others. A subscriber without its snapshot gets `status`,
    /// `progress` and `error` events; once the list is loaded, its snapshot (the rows as
    /// they are after this batch, so it never sees a change twice) takes the place of
    /// the batch's last change to the rows, or comes first if there is none. A
    /// subscriber that has heard no status yet is told the current one last.
    pub(crate) fn deliver(&self, outbox: Outbox) {
        let mut calls: Vec<(u32, Function, JsValue)> = Vec::new();
        let entries = &outbox.entries;
        // Where a joining subscriber's snapshot goes: the rows are what it shows from there.
        let snapshot_at = entries
            .iter()
            .rposition(|e| matches!(e, Entry::Reset(_) | Entry::Event(Audience::Synced, _)))
            .unwrap_or(0);
        {
            let view = self.view.borrow();
            let mut subscribers = self.subscribers.borrow_mut();
            for s in subscribers.iter_mut() {
                let joins = !s.synced && view.loaded;
                let snapshot = || items_event("snapshot", &view.rows);
                for (at, entry) in entries.iter().enumerate() {
                    if joins && at == snapshot_at {
                        calls.push((s.id, s.callback.clone(), snapshot()));
                    }
                    match entry {
                        Entry::Reset(rows) if s.synced => {
                            calls.push((s.id, s.callback.clone(), items_event("reset", rows)));
                        }
                        Entry::Event(audience, event) if s.synced || *audience == Audience::All => {
                            calls.push((s.id, s.callback.clone(), event.clone()));
                        }
                        Entry::Status(event) => {
                            calls.push((s.id, s.callback.clone(), event.clone()));
                            s.heard_status = true;
                        }
                        _ => {}
                    }
                }
                if joins && entries.is_empty() {
                    calls.push((s.id, s.callback.clone(), snapshot()));
                }
                s.synced |= joins;
                if !s.heard_status {
                    calls.push((s.id, s.callback.clone(), view.status_event.clone()));
                    s.heard_status = true;
                }
            }
        }
        for (id, callback, event) in calls {
            let alive = self.subscribers.borrow().iter().any(|s| s.id == id);
            if alive {
                js::call_isolated(&callback, &Array::of1(&event));
            }
        }
    }
}

/// `{type: "status", status, reason}` (`reason` is `null` when there is none).
pub(crate) fn status_event(status: &str, reason: Option<&str>) -> JsValue {
    js::object(&[
        ("type", "status".into()),
        ("status", status.into()),
        ("reason", js::optional(reason)),
    ])
}

/// `{type, items}` with a copy of `rows`.
fn items_event(kind: &str, rows: &Array) -> JsValue {
    js::object(&[
        ("type", kind.into()),
        ("items", rows.slice(0, rows.length()).into()),
    ])
}

#[cfg(test)]
#[path = "feed_hub_tests.rs"]
mod tests;
