//! A hub's listeners: what they listen to, the callbacks they are (JavaScript, Rust
//! sinks, other copies of sp-live), and the calls collected while the hub is borrowed and
//! made after ([`Dispatch`]).

use super::Hub;
use crate::protocol::{Event, State};
use crate::web::js;
use js_sys::{Array, Function};
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// What a listener listens to.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Topic {
    /// A named event.
    Event(String),
    /// Status changes.
    Status,
    /// Error reports.
    Error,
    /// Everything, for Rust sinks.
    All,
    /// Nothing: a holder's `auth` function (a `Js` callback), asked before each attempt
    /// while it is the newest holder's; it goes with its holder like its listeners.
    Auth,
}

/// What a Rust sink receives.
pub(crate) enum HubEvent {
    /// An event from the server.
    Event(Rc<Event>),
    /// The connection state changed.
    Status(State),
    /// A connection error (an `Error` with a `protocol-*` `code`).
    Error(JsValue),
}

/// A Rust consumer (e.g. a change feed); it must only post to its own mailbox.
pub(crate) type Sink = Rc<dyn Fn(&HubEvent)>;

#[derive(Clone)]
pub(super) enum Callback {
    Js(Function),
    Rust(Sink),
    /// Another copy of sp-live on the page, sharing this connection: `f(kind, a, b)`
    /// for everything (see [`crate::web::peers`]).
    Peer(Function),
}

pub(super) struct Listener {
    pub(super) id: u32,
    pub(super) owner: u32,
    pub(super) topic: Topic,
    pub(super) callback: Callback,
    /// No status delivered yet (a late `onStatus` subscriber gets the current one).
    pub(super) fresh: bool,
}

pub(super) enum Args {
    Js(Array),
    Rust(Rc<HubEvent>),
}

/// Calls collected while the core is borrowed, made afterwards.
#[derive(Default)]
pub(crate) struct Dispatch {
    pub(super) calls: Vec<(u32, Callback, Args)>,
}

impl Dispatch {
    /// Makes the calls of the listeners still `alive` (asked before each call: an earlier
    /// one may remove a listener); no borrow is held during a call, and a throwing
    /// listener does not stop the others.
    pub(super) fn run(self, alive: impl Fn(u32) -> bool) {
        for (id, callback, args) in self.calls {
            match (alive(id), callback, args) {
                (true, Callback::Js(f) | Callback::Peer(f), Args::Js(args)) => {
                    js::call_isolated(&f, &args)
                }
                (true, Callback::Rust(sink), Args::Rust(event)) => sink(&event),
                _ => {}
            }
        }
    }
}

/// A listener on a hub (an `auth` function, say), removed when this is dropped.
pub(crate) struct Held(pub(crate) Rc<Hub>, pub(crate) u32);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.remove_listener(self.1);
    }
}
