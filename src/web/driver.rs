//! The task that owns one [`Connection`] and performs its outputs.
//!
//! Browser callbacks (socket events, the timer, API calls) only post to the hub's
//! mailbox; the task's turn hands the core the real current time, performs the
//! outputs, re-arms one timer for the next deadline and calls JavaScript listeners
//! last, with no Rust borrow held.

use super::auth::AuthSource;
use super::hub::{Dispatch, Hub};
use super::js;
use super::mailbox::Timer;
use super::socket::BrowserSocket;
use super::wake::WakeWatch;
use crate::json::Json;
use crate::protocol::{Connection, Frame, Output, SocketId};
use crate::sync::Wake;
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// What a connection task is told.
pub(crate) enum Message {
    /// Socket `id` opened.
    Opened(SocketId),
    /// A frame arrived on socket `id`.
    Frame(SocketId, Frame),
    /// Socket `id` closed, with a reason for people.
    Closed(SocketId, String),
    /// The timer fired.
    Tick,
    /// Send an event.
    Emit(String, Vec<Json>),
    /// Tell new `onStatus` listeners the current status.
    ReplayStatus,
    /// The last handle let go: close and end the task.
    Shutdown,
    /// A holder needs reconnection after the server's DISCONNECT (a live list
    /// joining a connection opened without it): on from now on.
    ReconnectAfterServerDisconnect,
    /// The browser is back online, or the machine slept.
    NetworkBack,
    /// The `auth` function's answer for attempt `id`: the auth object, or why none.
    Auth(SocketId, Result<Option<Json>, String>),
    /// From the copy of sp-live whose connection this hub shares (see
    /// [`super::peers`]): `(kind, a, b)` as its port sent them.
    Peer(u32, JsValue, JsValue),
}

/// Drives `connection` for `hub` from the next microtask until [`Message::Shutdown`].
pub(crate) fn start(hub: &Rc<Hub>, connection: Connection) {
    let mailbox = hub.mailbox.clone();
    let wake = WakeWatch::new(move |wake| {
        if wake == Wake::Online {
            mailbox.post(Message::NetworkBack);
        }
    });
    let mut task = ConnectionTask {
        timer: Timer::new(&hub.mailbox, || Message::Tick),
        _wake: wake,
        hub: hub.clone(),
        connection,
        socket: None,
        auth: None,
        shutting_down: false,
    };
    hub.mailbox.start(move || task.turn());
}

/// What the connection's turns own.
struct ConnectionTask {
    hub: Rc<Hub>,
    connection: Connection,
    socket: Option<(SocketId, BrowserSocket)>,
    /// How the holders' `auth` functions are asked (made at the first attempt that asks).
    auth: Option<AuthSource>,
    timer: Timer,
    shutting_down: bool,
    /// The page's wake-ups, while the task runs.
    _wake: WakeWatch,
}

impl ConnectionTask {
    /// Performs the outputs, then handles one message at a time (performing the
    /// outputs of each) until none is queued; `false` once shut down.
    fn turn(&mut self) -> bool {
        loop {
            self.perform();
            if self.shutting_down {
                return false;
            }
            let Some(message) = self.hub.mailbox.try_recv() else {
                return true;
            };
            let now = js::now_ms();
            let connection = &mut self.connection;
            match message {
                Message::Opened(id) => connection.handle_socket_open(id, now),
                Message::Frame(id, frame) => connection.handle_frame(id, frame, now),
                Message::Closed(id, reason) => connection.handle_socket_closed(id, &reason, now),
                Message::Tick => connection.handle_timeout(now),
                Message::NetworkBack => connection.handle_network_back(now),
                Message::Auth(id, auth) => connection.handle_auth(id, auth, now),
                Message::Emit(name, args) => connection.emit(&name, args),
                Message::ReconnectAfterServerDisconnect => {
                    connection.reconnect_after_server_disconnect()
                }
                Message::ReplayStatus => self.hub.replay_status(),
                Message::Shutdown => {
                    connection.close();
                    self.hub.port.borrow_mut().take(); // withdrawn already
                    self.shutting_down = true;
                }
                Message::Peer(..) => {}
            }
        }
    }

    /// Performs the connection's outputs, re-arms the timer and calls the listeners.
    fn perform(&mut self) {
        let hub = &self.hub;
        let mut dispatch = Dispatch::default();
        while let Some(output) = self.connection.poll_output() {
            match output {
                Output::OpenSocket { id, url } => {
                    self.socket = BrowserSocket::open(id, &url, &hub.mailbox).map(|s| (id, s));
                }
                Output::Send { id, frame } => {
                    if let Some((_, s)) = self.socket.as_ref().filter(|(sid, _)| *sid == id) {
                        s.send(&frame);
                    }
                }
                Output::AuthNeeded { id } => match hub.newest_auth() {
                    Some(ask) => self
                        .auth
                        .get_or_insert_with(|| AuthSource::new(&hub.mailbox))
                        .request(&ask, id),
                    // No open list has one (`Hub::newest_auth`): no `auth`.
                    None => self.connection.handle_auth(id, Ok(None), js::now_ms()),
                },
                Output::CloseSocket { id } => {
                    if self.socket.as_ref().is_some_and(|(sid, _)| *sid == id) {
                        self.socket = None;
                    }
                }
                Output::Event(event) => hub.collect_event(event, &mut dispatch),
                Output::Status { state, reason } => {
                    hub.collect_status(state, reason, &mut dispatch)
                }
                Output::Error(error) => hub.collect_error(&error, &mut dispatch),
            }
        }
        self.timer.arm(self.connection.poll_timeout(), js::now_ms());
        hub.dispatch(dispatch);
    }
}
