//! The task that owns one [`Connection`] and performs its outputs.
//!
//! Browser callbacks (socket events, the timer, API calls) only [`Mailbox::post`];
//! the task wakes, hands the core the real current time, performs the outputs,
//! re-arms one timer for the next deadline and calls JavaScript listeners last,
//! with no Rust borrow held.

use super::hub::{Dispatch, Hub};
use super::js;
use super::mailbox::Timer;
use super::socket::BrowserSocket;
use crate::json::Json;
use crate::protocol::{Connection, Frame, Output, SocketId};
use std::rc::Rc;

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
}

/// Runs `connection` for `hub` until [`Message::Shutdown`].
pub(crate) async fn run(hub: Rc<Hub>, mut connection: Connection) {
    let mut socket: Option<(SocketId, BrowserSocket)> = None;
    let mut timer = Timer::new(&hub.mailbox, || Message::Tick);
    let mut shutting_down = false;
    loop {
        let mut dispatch = Dispatch::default();
        while let Some(output) = connection.poll_output() {
            match output {
                Output::OpenSocket { id, url } => {
                    socket = BrowserSocket::open(id, &url, &hub.mailbox).map(|s| (id, s));
                }
                Output::Send { id, frame } => {
                    if let Some((_, s)) = socket.as_ref().filter(|(sid, _)| *sid == id) {
                        s.send(&frame);
                    }
                }
                Output::CloseSocket { id } => {
                    if socket.as_ref().is_some_and(|(sid, _)| *sid == id) {
                        socket = None;
                    }
                }
                Output::Event(event) => hub.collect_event(&event, &mut dispatch),
                Output::Status { state, reason } => {
                    hub.collect_status(state, reason, &mut dispatch)
                }
                Output::Error(error) => hub.collect_error(&error, &mut dispatch),
            }
        }
        timer.arm(connection.poll_timeout(), js::now_ms());
        hub.dispatch(dispatch);
        if shutting_down {
            return;
        }
        let message = hub.mailbox.recv().await;
        let now = js::now_ms();
        match message {
            Message::Opened(id) => connection.handle_socket_open(id, now),
            Message::Frame(id, frame) => connection.handle_frame(id, frame, now),
            Message::Closed(id, reason) => connection.handle_socket_closed(id, &reason, now),
            Message::Tick => connection.handle_timeout(now),
            Message::Emit(name, args) => connection.emit(&name, args),
            Message::ReplayStatus => hub.replay_status(),
            Message::Shutdown => {
                connection.close();
                shutting_down = true;
            }
        }
    }
}
