//! A browser WebSocket opened by `bridge.js`, whose events all reach one owned closure
//! that only posts messages to the connection's mailbox. Dropping it detaches the
//! handlers before closing, so no event can reach a dropped closure.

use super::driver::Message;
use super::mailbox::Mailbox;
use crate::protocol::{Frame, SocketId};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/bridge.js")]
extern "C" {
    /// Opens a WebSocket whose events go to `on(kind, text, bytes)`; `null` when the
    /// browser refuses the URL (reported to `on` as a close first).
    #[wasm_bindgen(js_name = openSocket)]
    fn open_socket(url: &str, on: &js_sys::Function) -> JsValue;
    /// Sends a text frame, or a binary one when `text` is `undefined`.
    #[wasm_bindgen(js_name = sendFrame)]
    fn send_frame(socket: &JsValue, text: Option<&str>, bytes: &[u8]);
    /// Detaches the handlers, then closes.
    #[wasm_bindgen(js_name = closeSocket)]
    fn close_socket(socket: &JsValue);
}

/// The kinds of socket event `bridge.js` reports.
const OPENED: u32 = 0;
const TEXT: u32 = 1;
const BINARY: u32 = 2;
const CLOSED: u32 = 3;

/// The signature of the event callback: kind, text (a frame, or the close reason),
/// bytes (a binary frame).
type OnEvent = dyn FnMut(u32, Option<String>, Option<Vec<u8>>);

/// An open (or opening) WebSocket tagged with the core's socket id.
pub(crate) struct BrowserSocket {
    socket: JsValue,
    _on_event: Closure<OnEvent>,
}

impl BrowserSocket {
    /// Opens `url`; a URL the browser refuses is reported as an immediate close.
    pub(crate) fn open(id: SocketId, url: &str, mailbox: &Rc<Mailbox<Message>>) -> Option<Self> {
        let mailbox = mailbox.clone();
        let on_event = Closure::<OnEvent>::new(move |kind, text: Option<String>, bytes| {
            let message = match (kind, text, bytes) {
                (OPENED, _, _) => Message::Opened(id),
                (TEXT, Some(text), _) => Message::Frame(id, Frame::Text(text)),
                (BINARY, _, Some(bytes)) => Message::Frame(id, Frame::Binary(bytes)),
                (CLOSED, reason, _) => Message::Closed(id, reason.unwrap_or_default()),
                _ => return,
            };
            mailbox.post(message);
        });
        let socket = open_socket(url, on_event.as_ref().unchecked_ref());
        (!socket.is_null()).then(|| Self {
            socket,
            _on_event: on_event,
        })
    }

    /// Sends a frame; a failure surfaces as the socket's close event.
    pub(crate) fn send(&self, frame: &Frame) {
        match frame {
            Frame::Text(text) => send_frame(&self.socket, Some(text), &[]),
            Frame::Binary(bytes) => send_frame(&self.socket, None, bytes),
        }
    }
}

impl Drop for BrowserSocket {
    fn drop(&mut self) {
        close_socket(&self.socket);
    }
}
