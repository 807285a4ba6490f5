//! A browser WebSocket whose event handlers are owned closures that only post
//! messages to the connection's mailbox. Dropping it detaches the handlers before
//! closing, so no callback can reach a dropped closure.

use super::driver::Message;
use super::mailbox::Mailbox;
use crate::protocol::{Frame, SocketId};
use crate::text;
use js_sys::{ArrayBuffer, Uint8Array};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

/// An open (or opening) WebSocket tagged with the core's socket id.
pub(crate) struct BrowserSocket {
    socket: WebSocket,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl BrowserSocket {
    /// Opens `url`; a URL the browser refuses is reported as an immediate close.
    pub(crate) fn open(id: SocketId, url: &str, mailbox: &Rc<Mailbox<Message>>) -> Option<Self> {
        let socket = match WebSocket::new(url) {
            Ok(socket) => socket,
            Err(error) => {
                let reason = js_sys::Error::from(error).message();
                let reason = text::concat(&["cannot open ", url, ": ", &String::from(reason)]);
                mailbox.post(Message::Closed(id, reason));
                return None;
            }
        };
        socket.set_binary_type(BinaryType::Arraybuffer);

        let mb = mailbox.clone();
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_| mb.post(Message::Opened(id)));
        let mb = mailbox.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let frame = match data.as_string() {
                Some(text) => Frame::Text(text),
                None => match data.dyn_into::<ArrayBuffer>() {
                    Ok(buffer) => Frame::Binary(Uint8Array::new(&buffer).to_vec()),
                    Err(_) => return,
                },
            };
            mb.post(Message::Frame(id, frame));
        });
        let mb = mailbox.clone();
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            let reason = match event.reason() {
                r if r.is_empty() => text::uint(event.code().into()),
                r => text::concat(&[text::uint(event.code().into()).as_str(), " ", &r]),
            };
            mb.post(Message::Closed(id, reason));
        });
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Some(Self {
            socket,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    /// Sends a frame; a failure surfaces as the socket's close event.
    pub(crate) fn send(&self, frame: &Frame) {
        let _ = match frame {
            Frame::Text(text) => self.socket.send_with_str(text),
            Frame::Binary(bytes) => self.socket.send_with_u8_array(bytes),
        };
    }
}

impl Drop for BrowserSocket {
    fn drop(&mut self) {
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        let _ = self.socket.close();
    }
}
