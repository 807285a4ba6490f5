//! Unsubscribe functions that cost no wasm memory per subscription.
//!
//! One module-wide closure takes a subscription id; each unsubscribe function
//! handed to JavaScript is that closure bound to an id (a pure JavaScript object),
//! so ten thousand subscribe/unsubscribe cycles allocate nothing that lingers in
//! Rust, and calling one after `close()` (or twice) is a harmless no-op.

use super::feed_hub::FeedHub;
use super::hub::Hub;
use js_sys::Function;
use std::cell::{Cell, RefCell};
use std::rc::Weak;
use wasm_bindgen::prelude::*;

/// What an id unsubscribes from.
pub(crate) enum Target {
    /// A `Broadcaster` listener.
    Listener(Weak<Hub>),
    /// A `LiveList` subscriber.
    Subscriber(Weak<FeedHub>),
}

thread_local! {
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
    // Live subscriptions, newest last (most are short-lived or few).
    static TARGETS: RefCell<Vec<(u32, Target)>> = const { RefCell::new(Vec::new()) };
    // Owned by the module for its whole life: the one closure behind every
    // unsubscribe function.
    static UNSUBSCRIBE: Closure<dyn FnMut(u32)> = Closure::new(unsubscribe);
}

/// A page-wide unique id for handles, listeners and subscribers.
pub(crate) fn next_id() -> u32 {
    NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id.wrapping_add(1).max(1));
        id
    })
}

/// An unsubscribe function for listener or subscriber `id`.
pub(crate) fn function(id: u32, target: Target) -> Function {
    TARGETS.with(|t| t.borrow_mut().push((id, target)));
    UNSUBSCRIBE.with(|closure| {
        let f: &Function = closure.as_ref().unchecked_ref();
        f.bind1(&JsValue::NULL, &id.into()).unchecked_into()
    })
}

/// Removes the entries `gone` picks (listeners or subscribers, `id` giving theirs) and
/// forgets their unsubscribe functions.
pub(crate) fn remove_where<T>(entries: &mut Vec<T>, id: fn(&T) -> u32, gone: &dyn Fn(&T) -> bool) {
    entries.retain(|entry| {
        let keep = !gone(entry);
        if !keep {
            forget(id(entry));
        }
        keep
    });
}

/// Forgets `id` (its listener was removed another way, e.g. by `close()`).
pub(crate) fn forget(id: u32) {
    take(id);
}

fn take(id: u32) -> Option<Target> {
    TARGETS.with(|t| {
        let mut targets = t.borrow_mut();
        let at = targets.iter().rposition(|(i, _)| *i == id)?;
        Some(targets.swap_remove(at).1)
    })
}

fn unsubscribe(id: u32) {
    let target = take(id);
    match target {
        Some(Target::Listener(hub)) => {
            if let Some(hub) = hub.upgrade() {
                hub.remove_listener(id);
            }
        }
        Some(Target::Subscriber(feed)) => {
            if let Some(feed) = feed.upgrade() {
                feed.unsubscribe(id);
            }
        }
        None => {}
    }
}
