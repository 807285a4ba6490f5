//! The task that owns one [`ChangeFeed`] and its [`ListState`]: performs requests,
//! feeds hints and (re)connects from the broadcaster into it, applies change sets
//! to the rows JavaScript sees, and hands events to the [`FeedHub`].

use super::broadcaster::NewConnection;
use super::checkpoint;
use super::driver::Message as HubMessage;
use super::feed_hub::{status_event, Audience, FeedHub, Outbox};
use super::http::{feed_error, Requests};
use super::hub::{Hub, HubEvent};
use super::js;
use super::mailbox::Timer;
use super::rows::{self, LoadRows};
use super::wake::WakeWatch;
use crate::json::Json;
use crate::protocol::State;
use crate::sharepoint::{notified_lists, parse_items};
use crate::sync::{
    ChangeFeed, ChangeSet, ChangeSetKind, FeedStatus, HttpResponse, ListState, Output, Wake,
};
use js_sys::Array;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// What the feed task is told.
pub(crate) enum FeedMessage {
    /// The outcome of request `id`.
    Response(u64, Result<HttpResponse, String>),
    /// A webhook hint naming a list GUID, or `None` for one whose list could not be read
    /// (taken as this feed's).
    Hint(Option<String>),
    /// The broadcaster's state changed.
    Broadcaster(State),
    /// The broadcaster connection reported an error (a coded `Error`).
    BroadcasterError(JsValue),
    /// The app asked to look for changes now (`LiveList.refresh`).
    Refresh,
    /// The page woke up.
    Wake(Wake),
    /// The timer fired.
    Tick,
    /// A subscriber joined: deliver its snapshot if the list is loaded.
    Catchup,
    /// List `owner` joined the feed with this connection to its broadcaster (not driven
    /// yet).
    Join(u32, Box<NewConnection>),
    /// The last handle let go.
    Shutdown,
}

/// The reason of status `offline` (the link closed for good: changes show on
/// `refresh()` and every `pollIntervalMs`).
const OFFLINE: &str = "broadcaster connection closed: no reconnection";

/// Task-local state besides the feed.
struct Driver {
    hub: Rc<FeedHub>,
    list: ListState,
    feed_status: Option<FeedStatus>,
    broadcaster: State,
    broadcaster_was_open: bool,
    /// The list GUID whose room this feed asked for since the link last opened.
    room: Option<String>,
    hint_at: Option<u64>,
    /// Rows of a load in progress.
    load: LoadRows,
    /// Broadcaster errors not yet delivered as `error` events.
    errors: Vec<JsValue>,
}

/// Drives the feed from the next microtask until the last handle lets go.
pub(crate) fn start(
    hub: Rc<FeedHub>,
    (feed, checkpoint): (ChangeFeed, Option<Array>),
    list: ListState,
    broadcaster: (Rc<Hub>, u32),
) {
    let answers = hub.mailbox.clone();
    let requests = Requests::new(move |id, result| answers.post(FeedMessage::Response(id, result)));
    let (bhub, owner) = broadcaster;
    listen(&hub, &bhub, owner);
    let mailbox = hub.mailbox.clone();
    let wake = WakeWatch::new(move |wake| mailbox.post(FeedMessage::Wake(wake)));
    let mut task = FeedTask {
        timer: Timer::new(&hub.mailbox, || FeedMessage::Tick),
        _wake: wake,
        driver: Driver {
            hub: hub.clone(),
            list,
            feed_status: None,
            broadcaster: State::Connecting,
            broadcaster_was_open: false,
            room: None,
            hint_at: None,
            load: LoadRows::default(),
            errors: Vec::new(),
        },
        feed,
        checkpoint,
        requests,
        bhub,
        owner,
        started: false,
    };
    hub.mailbox.start(move || task.turn());
}

/// Makes `bhub`'s events (through `owner`'s handle) messages of the feed `hub`.
fn listen(hub: &FeedHub, bhub: &Hub, owner: u32) {
    let mailbox = hub.mailbox.clone();
    bhub.add_sink(
        owner,
        Rc::new(move |event: &HubEvent| forward(&mailbox, event)),
    );
    // A shared connection may be open already: no change of state will tell us.
    hub.mailbox.post(FeedMessage::Broadcaster(bhub.state()));
}

/// What the feed's turns own.
struct FeedTask {
    feed: ChangeFeed,
    /// The items of the checkpoint the feed resumes from, until the first turn.
    checkpoint: Option<Array>,
    driver: Driver,
    requests: Requests,
    timer: Timer,
    /// The broadcaster's hub and this feed's handle on it.
    bhub: Rc<Hub>,
    owner: u32,
    started: bool,
    /// The page's wake-ups, while the task runs.
    _wake: WakeWatch,
}

impl FeedTask {
    /// Handles everything queued, then performs the feed's outputs; `false` once the
    /// last handle has let go. Everything already queued is handled before the outputs
    /// are performed, so a burst of hints costs one round (the feed knows its request
    /// has not left).
    fn turn(&mut self) -> bool {
        if !self.started {
            self.started = true;
            if let Some(items) = self.checkpoint.take() {
                self.hand_over(&items);
            }
            self.feed.handle_start(js::now_ms());
            self.perform();
        }
        let now = js::now_ms();
        self.feed.set_wall_clock(js_sys::Date::now() as i64);
        while let Some(message) = self.driver.hub.mailbox.try_recv() {
            if let FeedMessage::Join(owner, connection) = message {
                self.join(owner, *connection);
            } else if !self.driver.handle(message, &mut self.feed, now) {
                self.finish();
                return false;
            }
        }
        self.perform();
        true
    }

    /// List `owner` joined with `connection`: if the feed's own connection has closed for
    /// good (status `offline`), the feed moves to the page's connection for it (a new one,
    /// or one opened since), as a list opened later gets one; else it is dropped, never
    /// driven, and the joining list's `auth` is held on the feed's own connection. So is
    /// the connection of a list closed since it joined: the feed takes nothing of a list
    /// that is gone (its `auth` function, its `protocol`...), as if it had never opened.
    fn join(&mut self, owner: u32, connection: NewConnection) {
        if !self.driver.hub.is_open(owner) {
            return;
        }
        if self.bhub.state() != State::Closed {
            return self.driver.hub.hold_auths(&self.bhub);
        }
        let (bhub, owner) = Hub::acquire(connection, false);
        listen(&self.driver.hub, &bhub, owner);
        self.driver.hub.hold_auths(&bhub);
        std::mem::replace(&mut self.bhub, bhub).release(self.owner);
        self.owner = owner;
    }

    /// Hands a checkpoint's items to the feed a page at a time (each becomes rows before
    /// the next is read, as a load's pages do), or gives it up if one cannot be read.
    fn hand_over(&mut self, items: &Array) {
        let Some(pages) = checkpoint::pages(items, self.feed.config().page_size) else {
            return self.feed.resume_failed();
        };
        for page in pages.iter() {
            match page.as_string().map(|text| parse_items(&text)) {
                Some(Ok(page)) => self.feed.resume_page(page.items),
                _ => return self.feed.resume_failed(),
            }
            self.perform();
        }
    }

    /// Performs the feed's outputs, re-arms the timer and delivers the events.
    fn perform(&mut self) {
        let mut outbox = Outbox::default();
        while let Some(output) = self.feed.poll_output() {
            self.driver.on_output(output, &self.requests, &mut outbox);
        }
        if self.feed.is_idle() {
            // Between rounds (a round that changed nothing, a reload): no item comes from
            // the responses parsed so far.
            self.requests.drop_parsed();
        }
        for error in self.driver.errors.drain(..) {
            let event = js::object(&[("type", "error".into()), ("error", error)]);
            outbox.push(Audience::All, event);
        }
        self.driver
            .update_status(self.feed.catching_up(), &mut outbox);
        self.driver.subscribe_room(&self.feed, &self.bhub);
        self.timer.arm(self.feed.poll_timeout(), js::now_ms());
        self.driver.hub.deliver(outbox);
    }

    /// Lets go of the broadcaster. The list's room is not left: another feed on the
    /// socket (in this copy of sp-live or another) may want it, and the server forgets
    /// the socket's rooms when it closes or reconnects (hints of a list no feed watches
    /// any more are dropped here).
    fn finish(&mut self) {
        self.bhub.release(self.owner);
        self.driver.hub.view.borrow_mut().status = "closed";
    }
}

/// Turns broadcaster events into feed messages (runs inside the hub's dispatch).
fn forward(mailbox: &super::mailbox::Mailbox<FeedMessage>, event: &HubEvent) {
    match event {
        HubEvent::Status(state) => mailbox.post(FeedMessage::Broadcaster(*state)),
        HubEvent::Error(error) => mailbox.post(FeedMessage::BroadcasterError(error.clone())),
        HubEvent::Event(event) if event.name == "list:changes" => {
            // One hint per list per event, however many notifications it batches; a part
            // that cannot be read may be this list's.
            let notified = notified_lists(&event.args);
            for list in notified.lists {
                mailbox.post(FeedMessage::Hint(Some(list)));
            }
            if notified.unreadable {
                mailbox.post(FeedMessage::Hint(None));
            }
        }
        HubEvent::Event(_) => {}
    }
}

fn lists_arg(guid: &str) -> Json {
    Json::Object(vec![("lists".into(), Json::Array(vec![Json::from(guid)]))])
}

impl Driver {
    /// Feeds one message to the feed; `false` means shut down.
    fn handle(&mut self, message: FeedMessage, feed: &mut ChangeFeed, now: u64) -> bool {
        match message {
            FeedMessage::Response(id, Ok(response)) => feed.handle_response(now, id, response),
            FeedMessage::Response(id, Err(error)) => feed.handle_network_error(now, id, &error),
            FeedMessage::Hint(guid) => {
                let Some(guid) = guid.or_else(|| feed.list_guid().map(str::to_owned)) else {
                    return true;
                };
                if feed.is_own_list(&guid) {
                    self.hub.view.borrow_mut().stats.hints += 1;
                    self.hint_at.get_or_insert(now);
                }
                feed.handle_hint(now, &guid);
            }
            FeedMessage::Broadcaster(state) => {
                self.broadcaster = state;
                if state == State::Open {
                    self.broadcaster_was_open = true;
                    self.room = None; // the server forgot the socket's rooms
                    feed.handle_connected(now);
                }
            }
            FeedMessage::BroadcasterError(error) => self.errors.push(error),
            FeedMessage::Refresh => feed.handle_refresh(now),
            FeedMessage::Wake(wake) => feed.handle_wake(now, wake),
            FeedMessage::Tick => feed.handle_timeout(now),
            FeedMessage::Catchup => self.hub.catchup_done(),
            FeedMessage::Join(..) => {} // the task's: `FeedTask::join`
            FeedMessage::Shutdown => return false,
        }
        true
    }

    fn on_output(&mut self, output: Output, requests: &Requests, outbox: &mut Outbox) {
        match output {
            Output::Request(request) => {
                self.hub.view.borrow_mut().stats.requests += 1;
                // The newest open list's, taken now: a list closed since is not asked.
                if let Some(transport) = self.hub.transport() {
                    requests.start(&request, &transport);
                }
            }
            Output::LoadPage { first, items } => {
                self.list.load_page(first, &items);
                self.load.add_page(first, &items);
            }
            Output::Deliver(set) => self.apply(set, requests, outbox),
            Output::Status(status) => {
                if status == FeedStatus::Live {
                    self.hint_at = None;
                }
                self.feed_status = Some(status);
            }
            Output::Progress { loaded, total } => {
                let total = total.map_or(JsValue::NULL, JsValue::from);
                let event = js::object(&[
                    ("type", "progress".into()),
                    ("loaded", loaded.into()),
                    ("total", total),
                ]);
                outbox.push(Audience::All, event);
            }
            Output::Error(error) => {
                let event = js::object(&[("type", "error".into()), ("error", feed_error(&error))]);
                outbox.push(Audience::All, event);
            }
        }
    }

    /// Applies a change set to the list state and the rows, and queues its event.
    fn apply(&mut self, set: ChangeSet, requests: &Requests, outbox: &mut Outbox) {
        let started = js::performance_now();
        let diffs = self.list.apply(&set);
        let mut view = self.hub.view.borrow_mut();
        view.token = Some(set.token.clone());
        if set.kind == ChangeSetKind::Reset {
            // The rows follow the list's display order.
            if !set.items.is_empty() {
                self.load.add_page(false, &set.items);
            }
            view.rows = self.load.take_in_order(&self.list.take_reset_order());
            view.loaded = true;
            outbox.reset(view.rows.slice(0, view.rows.length()));
            return;
        }
        let (event, rows) = rows::apply_changes(&view.rows, &set, diffs, requests.callback());
        view.rows = rows;
        let count = set.added.len() + set.updated.len() + set.deleted.len();
        view.stats.changes_applied += count as u32;
        view.stats.rounds += 1;
        view.stats.last_apply_ms = Some(js::performance_now() - started);
        if let Some(at) = self.hint_at.take() {
            view.stats.last_latency_ms = Some(js::now_ms().saturating_sub(at));
        }
        outbox.push(Audience::Synced, event);
    }

    /// Recomputes the user-facing status and queues a `status` event on change.
    /// `catching_up`: the rows are a checkpoint's, and no round has completed since.
    fn update_status(&mut self, catching_up: bool, outbox: &mut Outbox) {
        let mut view = self.hub.view.borrow_mut();
        let (status, reason) = match (view.loaded, self.feed_status, self.broadcaster) {
            (true, _, _) if catching_up => ("resyncing", Some("catching up from a checkpoint")),
            (false, Some(FeedStatus::Loading | FeedStatus::Retrying { .. }), _) => {
                ("loading", None)
            }
            (false, _, _) => ("connecting", None),
            (true, Some(FeedStatus::Loading), _) => ("resyncing", Some("reloading the whole list")),
            (true, Some(FeedStatus::Retrying { .. }), _) => {
                ("resyncing", Some("retrying SharePoint"))
            }
            (true, _, State::Open) => ("live", None),
            (true, _, State::Closed) => ("offline", Some(OFFLINE)),
            (true, _, _) if self.broadcaster_was_open => {
                ("reconnecting", Some("broadcaster connection lost"))
            }
            (true, _, _) => ("connecting", Some("waiting for the broadcaster")),
        };
        // A reason that changes is news too (a subscriber joining is told the current one).
        if (view.status, view.reason) != (status, reason) {
            (view.status, view.reason) = (status, reason);
            view.status_event = status_event(status, reason);
            outbox.status(view.status_event.clone());
        }
    }

    /// Asks the broadcaster for this list's room once the list GUID is known and the
    /// link is open (servers without rooms ignore it; hints are filtered here anyway).
    fn subscribe_room(&mut self, feed: &ChangeFeed, bhub: &Hub) {
        if self.broadcaster != State::Open {
            return;
        }
        // The GUID may change: a list opened by title and created again under it.
        if let Some(guid) = feed
            .list_guid()
            .filter(|g| self.room.as_deref() != Some(*g))
        {
            bhub.mailbox
                .post(HubMessage::Emit("subscribe".into(), vec![lists_arg(guid)]));
            self.room = Some(guid.to_owned());
        }
    }
}
