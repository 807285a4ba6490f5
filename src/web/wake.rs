//! Wake-ups from the page: the browser back online, the machine awake after a sleep (the
//! wall clock ran ahead of `performance.now()`: looked at every 10 s and whenever the page
//! is hidden or shown), the page visible again. Each may follow a time during which the
//! broadcaster's hints were lost, so each feed hears of them
//! ([`crate::sync::ChangeFeed::handle_wake`]), and each connection of [`Wake::Online`]
//! ([`crate::protocol::Connection::handle_network_back`]).

use super::peers::Port;
use crate::sync::Wake;
use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/bridge.js")]
extern "C" {
    /// Calls `wake(1)` whenever the browser is back online or the machine has slept, and
    /// `wake(0)` whenever the page is visible again otherwise; returns what stops it.
    #[wasm_bindgen(js_name = watchWake)]
    fn watch_wake(wake: &JsValue) -> Function;
}

/// Calls `on_wake` on each wake-up until dropped.
pub(crate) struct WakeWatch {
    /// Called by the page's listeners; dropped after they are removed.
    _wake: Port,
    stop: Function,
}

impl WakeWatch {
    /// Starts listening.
    pub(crate) fn new(on_wake: impl Fn(Wake) + 'static) -> Self {
        let wake = Port::new(move |kind: u32, _: JsValue, _: JsValue| {
            on_wake(if kind == 1 {
                Wake::Online
            } else {
                Wake::Visible
            });
            JsValue::UNDEFINED
        });
        let stop = watch_wake(wake.as_ref());
        WakeWatch { _wake: wake, stop }
    }
}

impl Drop for WakeWatch {
    fn drop(&mut self) {
        let _ = self.stop.call0(&JsValue::NULL);
    }
}
