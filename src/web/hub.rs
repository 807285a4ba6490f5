//! One shared connection per (socket URL, namespace, protocol, auth) per page (an `auth`
//! function counts as one auth: the newest holder's is asked).
//!
//! Every `Broadcaster` handle for the same target shares one [`Hub`]: one
//! WebSocket, one driver task. Handles are counted; when the last one closes, the
//! hub leaves the registry and its task shuts the connection down.

use super::broadcaster::NewConnection;
use super::driver::{self, Message};
use super::js;
use super::mailbox::Mailbox;
use super::unsubscribe;
use crate::protocol::{Event, ProtocolError, State};
use js_sys::{Array, Function};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsValue;

mod listeners;
use listeners::{Args, Callback, Listener};
pub(crate) use listeners::{Dispatch, Held, HubEvent, Sink, Topic};

thread_local! {
    // A page holds a handful of connections: a vector is smaller than a map in wasm.
    static HUBS: RefCell<Vec<Rc<Hub>>> = const { RefCell::new(Vec::new()) };
}

/// A shared connection.
pub(crate) struct Hub {
    key: String,
    /// The driver task's mailbox.
    pub(crate) mailbox: Rc<Mailbox<Message>>,
    listeners: RefCell<Vec<Listener>>,
    status: RefCell<(State, Option<String>)>,
    handles: Cell<u32>,
    /// A `ReplayStatus` message is queued: don't queue another.
    replay_pending: Cell<bool>,
    /// The port other copies of sp-live join this connection through, while it is
    /// published (its owner's hubs only).
    pub(crate) port: RefCell<Option<super::peers::Port>>,
}

impl Hub {
    /// Returns the hub for `connection`'s target (its sharing key), creating it (and
    /// starting its task) if there is none, and the handle id the caller holds it by
    /// (its `auth` function, if any, is asked from now on if `holds`; else the caller
    /// holds it as long as it should be asked: a change feed, for each list's).
    pub(crate) fn acquire(new: NewConnection, holds: bool) -> (Rc<Hub>, u32) {
        let NewConnection { connection, auth } = new;
        let held = auth.as_ref().filter(|_| holds);
        let key = connection.sharing_key();
        // A shared connection reconnects after the server's DISCONNECT if any of its
        // holders asks for it (the option is not part of the key: one socket per page).
        let reconnect = |hub: &Hub| {
            if connection.reconnects_after_server_disconnect() {
                hub.mailbox.post(Message::ReconnectAfterServerDisconnect);
            }
        };
        if let Some(hub) = Hub::find_open(&key) {
            hub.handles.set(hub.handles.get() + 1);
            reconnect(&hub);
            let id = hub.hold(held);
            return (hub, id); // the new `connection` was never driven: dropping it does nothing
        }
        let hub = Rc::new(Hub {
            key: key.clone(),
            mailbox: Rc::new(Mailbox::default()),
            listeners: RefCell::new(Vec::new()),
            status: RefCell::new((connection.state(), None)),
            handles: Cell::new(1),
            replay_pending: Cell::new(false),
            port: RefCell::new(None),
        });
        let id = hub.hold(held);
        HUBS.with(|hubs| hubs.borrow_mut().push(hub.clone()));
        // Another copy of sp-live on the page may hold this connection already.
        if super::peers::join(&hub, auth.as_ref()) {
            reconnect(&hub);
        } else {
            driver::start(&hub, connection);
            super::peers::publish(&hub);
        }
        (hub, id)
    }

    /// The open connection for sharing key `key`, if any. A connection closed for good
    /// (reconnection off or given up) is not joined: its holders keep it until they let
    /// go, and a new holder opens a fresh one.
    pub(crate) fn find_open(key: &str) -> Option<Rc<Hub>> {
        let open = |h: &&Rc<Hub>| h.key == key && h.state() != State::Closed;
        HUBS.with(|hubs| hubs.borrow().iter().find(open).cloned())
    }

    /// A new handle's id; its `auth` function, if any, is asked from now on.
    fn hold(&self, auth: Option<&Function>) -> u32 {
        let id = self.next_id();
        if let Some(ask) = auth {
            self.push_listener(id, Topic::Auth, Callback::Js(ask.clone()));
        }
        id
    }

    /// The `auth` function to ask: the newest holder's (one that let go, a disposed web
    /// part, is not asked any more). None when only change feeds hold the connection
    /// and none of their open lists has one (the list that brought it closed): the
    /// attempt then goes with no `auth`, as the open lists' options would have it.
    pub(crate) fn newest_auth(&self) -> Option<Function> {
        let listeners = self.listeners.borrow();
        listeners
            .iter()
            .rev()
            .find_map(|l| match (&l.topic, &l.callback) {
                (Topic::Auth, Callback::Js(ask)) => Some(ask.clone()),
                _ => None,
            })
    }

    /// Lets go of one handle: drops `owner`'s listeners, and the connection with
    /// the last handle.
    pub(crate) fn release(&self, owner: u32) {
        unsubscribe::remove_where(&mut self.listeners.borrow_mut(), |l| l.id, &|l| {
            l.owner == owner
        });
        let left = self.handles.get().saturating_sub(1);
        self.handles.set(left);
        if left == 0 {
            HUBS.with(|hubs| {
                let mut hubs = hubs.borrow_mut();
                if let Some(at) = hubs.iter().position(|h| std::ptr::eq(&**h, self)) {
                    hubs.remove(at);
                }
            });
            super::peers::withdraw(self);
            self.mailbox.post(Message::Shutdown);
        }
    }

    /// The sharing key of the connection.
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// A fresh id for a handle or a listener.
    pub(crate) fn next_id(&self) -> u32 {
        unsubscribe::next_id()
    }

    /// Queues one status replay for fresh status listeners (coalesced).
    pub(crate) fn request_status_replay(&self) {
        if !self.replay_pending.replace(true) {
            self.mailbox.post(Message::ReplayStatus);
        }
    }

    /// Registers `callback` for `topic`; returns the listener id.
    pub(crate) fn add_listener(&self, owner: u32, topic: Topic, callback: Function) -> u32 {
        self.push_listener(owner, topic, Callback::Js(callback))
    }

    /// Registers a Rust sink for every event and status change.
    pub(crate) fn add_sink(&self, owner: u32, sink: Sink) -> u32 {
        self.push_listener(owner, Topic::All, Callback::Rust(sink))
    }

    /// Lets another copy of sp-live share this connection: `peer(kind, a, b)` gets
    /// every event, status change and error from now on, and its `auth` function, if
    /// any, is asked while it is the newest holder's. The peer holds a handle until
    /// [`Hub::detach_peer`]; returns its id.
    pub(crate) fn attach_peer(&self, peer: Function, auth: Option<Function>) -> u32 {
        self.handles.set(self.handles.get() + 1);
        let id = self.next_id();
        if let Some(ask) = auth {
            self.push_listener(id, Topic::Auth, Callback::Js(ask));
        }
        self.listeners.borrow_mut().push(Listener {
            id,
            owner: id,
            topic: Topic::All,
            callback: Callback::Peer(peer),
            fresh: false,
        });
        id
    }

    /// Lets go of peer `id`'s handle (once; any other id does nothing).
    pub(crate) fn detach_peer(&self, id: u32) {
        let known = self
            .listeners
            .borrow()
            .iter()
            .any(|l| l.owner == id && matches!(l.callback, Callback::Peer(_)));
        if known {
            self.release(id);
        }
    }

    fn push_listener(&self, owner: u32, topic: Topic, callback: Callback) -> u32 {
        let id = self.next_id();
        let fresh = true;
        self.listeners.borrow_mut().push(Listener {
            id,
            owner,
            topic,
            callback,
            fresh,
        });
        id
    }

    /// Removes a listener (idempotent).
    pub(crate) fn remove_listener(&self, id: u32) {
        unsubscribe::remove_where(&mut self.listeners.borrow_mut(), |l| l.id, &|l| l.id == id);
    }

    /// The current connection state.
    pub(crate) fn state(&self) -> State {
        self.status.borrow().0
    }

    /// The current status as `{state, reason}`.
    pub(crate) fn status_object(&self) -> JsValue {
        let (state, reason) = &*self.status.borrow();
        status_object(*state, reason.as_deref())
    }

    /// Queues the calls of the listeners of `topic` (with `args`), of the Rust sinks
    /// (with `sink_event`) and of the peers (with `[kind, a, b]`).
    fn collect(
        &self,
        topic: &Topic,
        args: &Array,
        sink_event: Option<HubEvent>,
        peer: [JsValue; 3],
        dispatch: &mut Dispatch,
    ) {
        let sink_event = sink_event.map(Rc::new);
        let peer = Array::from_iter(peer);
        for l in self.listeners.borrow_mut().iter_mut() {
            let call = match (&l.callback, &sink_event) {
                (Callback::Js(_), _) if &l.topic == topic => Args::Js(args.clone()),
                (Callback::Rust(_), Some(event)) => Args::Rust(event.clone()),
                (Callback::Peer(_), _) => Args::Js(peer.clone()),
                _ => continue,
            };
            if *topic == Topic::Status {
                l.fresh = false;
            }
            dispatch.calls.push((l.id, l.callback.clone(), call));
        }
    }

    pub(crate) fn collect_event(&self, event: Event, dispatch: &mut Dispatch) {
        let topic = Topic::Event(event.name.clone());
        let wanted = self
            .listeners
            .borrow()
            .iter()
            .any(|l| l.topic == topic || matches!(l.callback, Callback::Peer(_)));
        let args = if wanted {
            js::event_args(&event)
        } else {
            Array::new()
        };
        // Peers get the arguments as JSON text (a binary attachment as `{}`).
        let text = js_sys::JSON::stringify(&args).map_or(JsValue::NULL, JsValue::from);
        let peer = [0.into(), event.name.as_str().into(), text];
        let sink_event = HubEvent::Event(Rc::new(event));
        self.collect(&topic, &args, Some(sink_event), peer, dispatch);
    }

    pub(crate) fn collect_status(
        &self,
        state: State,
        reason: Option<String>,
        dispatch: &mut Dispatch,
    ) {
        let args = Array::of1(&status_object(state, reason.as_deref()));
        let peer = [
            1.into(),
            (state as u32).into(),
            js::optional(reason.as_deref()),
        ];
        *self.status.borrow_mut() = (state, reason);
        if state == State::Closed {
            super::peers::withdraw(self); // other copies must not join a closed connection
        }
        self.collect(
            &Topic::Status,
            &args,
            Some(HubEvent::Status(state)),
            peer,
            dispatch,
        );
    }

    pub(crate) fn collect_error(&self, error: &ProtocolError, dispatch: &mut Dispatch) {
        self.collect_coded_error(error.code(), error.message(), dispatch);
    }

    /// Queues an error report (`code`, `message`) for the error listeners and peers.
    pub(crate) fn collect_coded_error(&self, code: &str, message: &str, dispatch: &mut Dispatch) {
        let error = js::coded_error(code, message);
        let args = Array::of1(&error);
        let peer = [2.into(), code.into(), message.into()];
        let sink_event = Some(HubEvent::Error(error));
        self.collect(&Topic::Error, &args, sink_event, peer, dispatch);
    }

    /// Makes the collected calls. No borrow is held during a call, a listener
    /// removed by an earlier call is skipped, and a throwing listener does not stop
    /// the others.
    pub(crate) fn dispatch(&self, dispatch: Dispatch) {
        dispatch.run(|id| self.listeners.borrow().iter().any(|l| l.id == id));
    }

    /// Tells every new status listener the current status, unless a change reached
    /// it first.
    pub(crate) fn replay_status(&self) {
        self.replay_pending.set(false);
        let mut dispatch = Dispatch::default();
        let args = Array::of1(&self.status_object());
        for l in self.listeners.borrow_mut().iter_mut() {
            if l.topic == Topic::Status && l.fresh {
                l.fresh = false;
                dispatch
                    .calls
                    .push((l.id, l.callback.clone(), Args::Js(args.clone())));
            }
        }
        self.dispatch(dispatch);
    }
}

fn status_object(state: State, reason: Option<&str>) -> JsValue {
    js::object(&[
        ("state", state.as_str().into()),
        ("reason", js::optional(reason)),
    ])
}
