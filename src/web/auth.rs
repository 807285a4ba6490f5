//! A broadcaster `auth` function, asked before each connection attempt as
//! socket.io-client asks one: credentials that expire are fresh on every reconnection.
//! `bridge.js` calls it; the answer goes to the connection task's mailbox.

use super::driver::Message;
use super::http::Done;
use super::js;
use super::mailbox::Mailbox;
use crate::protocol::SocketId;
use js_sys::Function;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/bridge.js")]
extern "C" {
    /// Calls `ask` for attempt `id`; `done(id, 0, undefined, auth, error)` is called once.
    #[wasm_bindgen(js_name = askAuth)]
    fn ask_auth(ask: &Function, id: u32, done: &Function);
}

/// The callback the holders' `auth` functions answer through, owned by the connection
/// task (answers after it ended are dropped in `bridge.js`).
pub(crate) struct AuthSource {
    done: Closure<Done>,
}

impl AuthSource {
    /// Answers go to `mailbox` as [`Message::Auth`].
    pub(crate) fn new(mailbox: &Rc<Mailbox<Message>>) -> Self {
        let mailbox = mailbox.clone();
        let done = Closure::<Done>::new(move |id: f64, _, _, auth, error: Option<String>| {
            let auth = match error {
                Some(error) => Err(error),
                None => js::js_to_json(&auth)
                    .map_err(|_| "the answer cannot be converted to JSON".to_owned()),
            };
            mailbox.post(Message::Auth(id as SocketId, auth));
        });
        Self { done }
    }

    /// Asks `ask` for attempt `id`'s credentials.
    pub(crate) fn request(&self, ask: &Function, id: SocketId) {
        ask_auth(ask, id, self.done.as_ref().unchecked_ref());
    }
}
