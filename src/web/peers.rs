//! One WebSocket per broadcaster for the whole page, across copies of sp-live.
//!
//! Each web part bundle of an SPFx solution, and each solution, carries its own copy of
//! sp-live with its own wasm instance: left alone, each copy would open its own
//! WebSocket to the same broadcaster. So the copy that opens a connection publishes a
//! *port* for it in `globalThis[Symbol.for("sp-live.ports.1")]`, a `Map` from the
//! connection's sharing key to a function; a copy that finds a port for the connection
//! it wants joins it instead of opening one, and its [`Hub`] is driven by what the port
//! sends (a [`RemoteTask`]) instead of by a socket. Everything above the hub (the
//! `Broadcaster` handles, the change feeds) works the same either way.
//!
//! A port is one function, `port(op, a, b)`, so that copies of different versions keep
//! understanding each other (a change of it would get a new symbol):
//! - `port(0, peer, auth)` attaches `peer(kind, a, b)` and returns its id; `auth`, the
//!   peer's `auth` function if its connection has one, is asked while it is the newest
//!   holder's (a port of an older copy ignores it). From then on the
//!   peer gets `(0, name, args)` for every event (`args` a JSON array text; a binary
//!   attachment is `{}`), `(1, state, reason)` for every change of state (`state` 0
//!   connecting, 1 open, 2 reconnecting, 3 closed) and `(2, code, message)` for every
//!   error.
//! - `port(1, id)` detaches a peer; the connection closes once no copy holds a handle.
//! - `port(2, name, args)` emits an event (`args` a JSON array text).
//! - `port(3)` is the current state.
//! - `port(4)`: reconnect after the server's DISCONNECT from now on (a peer's live list
//!   needs it). A port of an older copy answers NaN and keeps its own setting.
//!
//! The owner keeps the connection while a peer is attached and withdraws the port when
//! it closes. A port that throws is taken for gone: the copy opens its own connection.
//!
//! Copies of the same version go further: the first to open a live list publishes its
//! `LiveList.open` under `lists@<version>` in the same map, and the others open their
//! lists through it, so that every web part on the page shares feeds (one GetChanges
//! round per burst) as the lists of one copy do. It is withdrawn with the host's last
//! feed.

use super::driver::Message;
use super::hub::{Dispatch, Hub};
use crate::json::Json;
use crate::protocol::{Event, EventArg, State};
use js_sys::Function;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/bridge.js")]
extern "C" {
    /// Publishes `port` for `key` (`publish`), or withdraws it if it is still the one
    /// there; returns the port for `key` after that.
    fn ports(key: &str, port: &JsValue, publish: bool) -> Option<Function>;
    /// `port(op, a, b)`, or NaN if it throws.
    #[wasm_bindgen(js_name = callPort)]
    fn call_port(port: &Function, op: u32, a: &JsValue, b: &JsValue) -> f64;
    /// `(cb) => peer(3)(cb)`: the `auth` function a copy hands to the connection it joins.
    #[wasm_bindgen(js_name = peerAuth)]
    fn peer_auth(peer: &JsValue) -> Function;
}

/// The port published for `key`, if any.
fn find(key: &str) -> Option<Function> {
    ports(key, &JsValue::NULL, false)
}

/// A port, a peer or a host (one signature: one piece of glue): `f(op or kind, a, b)`.
pub(crate) type Port = Closure<dyn Fn(u32, JsValue, JsValue) -> JsValue>;

/// Publishes a port for `hub`'s connection, which this copy has just opened.
pub(crate) fn publish(hub: &Rc<Hub>) {
    let weak = Rc::downgrade(hub);
    let port = Port::new(move |op: u32, a: JsValue, b: JsValue| {
        let Some(hub) = weak.upgrade() else {
            return JsValue::UNDEFINED;
        };
        let answer = match op {
            0 => {
                let auth = b.is_function().then(|| b.unchecked_into());
                a.dyn_into::<Function>()
                    .map_or(f64::NAN, |peer| hub.attach_peer(peer, auth).into())
            }
            1 => {
                hub.detach_peer(a.as_f64().unwrap_or(-1.0) as u32);
                0.0
            }
            2 => match (a.as_string(), json_array(&b)) {
                (Some(name), Some(args)) => {
                    hub.mailbox.post(Message::Emit(name, args));
                    0.0
                }
                _ => f64::NAN,
            },
            3 => hub.state() as u32 as f64,
            4 => {
                hub.mailbox.post(Message::ReconnectAfterServerDisconnect);
                0.0
            }
            _ => f64::NAN,
        };
        answer.into()
    });
    ports(hub.key(), port.as_ref(), true);
    *hub.port.borrow_mut() = Some(port);
}

/// Withdraws `hub`'s port (its last handle went): no copy may join it any more. The
/// closure itself goes with the connection's task.
pub(crate) fn withdraw(hub: &Hub) {
    if let Some(port) = hub.port.borrow().as_ref() {
        ports(hub.key(), port.as_ref(), false);
    }
}

/// The items of a JSON array text.
fn json_array(text: &JsValue) -> Option<Vec<Json>> {
    match crate::json::parse(&text.as_string()?) {
        Ok(Json::Array(items)) => Some(items),
        _ => None,
    }
}

/// Joins another copy's connection for `hub`'s key if one is published, and drives
/// `hub` from it; `false` if there is none (or it is gone). If this copy's holders have
/// `auth` functions, the owner is handed one that asks whichever is the newest holder's
/// when it is called (`peer(3)` here names it), as a connection of this copy's own would:
/// not the first holder's, which may have let go (a disposed web part).
pub(crate) fn join(hub: &Rc<Hub>, auth: Option<&Function>) -> bool {
    let Some(port) = find(hub.key()) else {
        return false;
    };
    let weak = Rc::downgrade(hub);
    let listener = Port::new(move |kind, a, b| {
        let Some(hub) = weak.upgrade() else {
            return JsValue::UNDEFINED;
        };
        if kind == 3 {
            // Which function to ask: the newest holder's (`peerAuth` calls it).
            return hub.newest_auth().map_or(JsValue::UNDEFINED, Into::into);
        }
        hub.mailbox.post(Message::Peer(kind, a, b));
        JsValue::UNDEFINED
    });
    let auth = match auth {
        Some(_) => peer_auth(listener.as_ref()).into(),
        None => JsValue::UNDEFINED,
    };
    let id = call_port(&port, 0, listener.as_ref(), &auth);
    if id.is_nan() {
        ports(hub.key(), &port, false);
        return false;
    }
    // The current state first: later changes reach the mailbox after it.
    let state = call_port(&port, 3, &JsValue::UNDEFINED, &JsValue::UNDEFINED);
    hub.mailbox
        .post(Message::Peer(1, state.into(), JsValue::NULL));
    let mut task = RemoteTask {
        hub: hub.clone(),
        port,
        id,
        _listener: listener,
    };
    hub.mailbox.start(move || task.turn());
    true
}

/// Drives a hub from another copy's connection.
struct RemoteTask {
    hub: Rc<Hub>,
    port: Function,
    /// This copy's id at the port.
    id: f64,
    /// What the port calls; dropped with the task, after detaching.
    _listener: Port,
}

impl RemoteTask {
    /// Handles what is queued, then calls the listeners; `false` once shut down.
    fn turn(&mut self) -> bool {
        let hub = &self.hub;
        let mut dispatch = Dispatch::default();
        let mut running = true;
        while let Some(message) = hub.mailbox.try_recv() {
            match message {
                Message::Peer(0, name, args) => {
                    if let (Some(name), Some(args)) = (name.as_string(), json_array(&args)) {
                        let args = args.into_iter().map(EventArg::Json).collect();
                        hub.collect_event(Event { name, args }, &mut dispatch);
                    }
                }
                Message::Peer(1, state, reason) => {
                    let states = [
                        State::Connecting,
                        State::Open,
                        State::Reconnecting,
                        State::Closed,
                    ];
                    if let Some(state) = state.as_f64().and_then(|n| states.get(n as usize)) {
                        hub.collect_status(*state, reason.as_string(), &mut dispatch);
                    }
                }
                Message::Peer(2, code, message) => {
                    let (code, message) = (code.as_string(), message.as_string());
                    hub.collect_coded_error(
                        code.as_deref().unwrap_or("protocol-transport"),
                        message.as_deref().unwrap_or_default(),
                        &mut dispatch,
                    );
                }
                Message::Emit(name, args) => {
                    let args = Json::Array(args).to_json();
                    call_port(&self.port, 2, &name.into(), &args.into());
                }
                Message::ReconnectAfterServerDisconnect => {
                    call_port(&self.port, 4, &JsValue::UNDEFINED, &JsValue::UNDEFINED);
                }
                Message::ReplayStatus => hub.replay_status(),
                Message::Shutdown => {
                    call_port(&self.port, 1, &self.id.into(), &JsValue::UNDEFINED);
                    running = false;
                    break;
                }
                _ => {}
            }
        }
        hub.dispatch(dispatch);
        running
    }
}

/// Where the copy of sp-live that hosts the page's live lists publishes its
/// `LiveList.open`: copies of one version share feeds (their options and events are
/// the same); another version opens its own, sharing only the connection.
const LISTS_KEY: &str = concat!("lists@", env!("CARGO_PKG_VERSION"));

thread_local! {
    /// This copy's `LiveList.open` as `f(0, options)`, while it hosts lists.
    static HOST: std::cell::RefCell<Option<Port>> = const { std::cell::RefCell::new(None) };
}

/// Opens a live list in the copy of sp-live that hosts the page's lists, if another
/// copy does: its `LiveList.open(options)` promise. Every web part then shares its
/// feeds, as the lists of one copy do.
pub(crate) fn open_elsewhere(options: &JsValue) -> Option<JsValue> {
    if HOST.with(|h| h.borrow().is_some()) {
        return None;
    }
    let open = find(LISTS_KEY)?;
    match open.call2(&JsValue::NULL, &0.into(), options) {
        Ok(promise) => Some(promise),
        Err(_) => {
            ports(LISTS_KEY, &open, false); // its copy is gone
            None
        }
    }
}

/// This copy has opened a list: it hosts the page's lists unless another copy does.
pub(crate) fn host(open: fn(&JsValue) -> JsValue) {
    if HOST.with(|h| h.borrow().is_some()) || find(LISTS_KEY).is_some() {
        return;
    }
    let host = Port::new(move |_, options, _| open(&options));
    ports(LISTS_KEY, host.as_ref(), true);
    HOST.with(|h| *h.borrow_mut() = Some(host));
}

/// This copy's last feed has closed: it hosts no lists any more.
pub(crate) fn unhost() {
    if let Some(host) = HOST.with(|h| h.borrow_mut().take()) {
        ports(LISTS_KEY, host.as_ref(), false);
    }
}
