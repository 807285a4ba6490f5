//! The connection state machine: attempts, reconnection and user-visible status. The
//! `auth` asked before an attempt is in `connection/auth.rs`, what follows a session's end
//! in `connection/reconnect.rs`.
//! What happens inside one WebSocket session lives in [`super::session`].

use super::backoff::Backoff;
use super::error::ProtocolError;
use super::options::{target, ConnectOptions, Target};
use super::session::{Session, SessionEnd};
use super::socketio::Event;
use super::{Frame, State};
use crate::json::Json;
use std::collections::VecDeque;

mod auth;
mod reconnect;

/// Identifies one WebSocket opened for this connection; inputs naming an older
/// socket are ignored (browser callbacks can fire after a close).
pub type SocketId = u32;

/// Most messages kept while offline; older ones are dropped first.
const SEND_BUFFER_LIMIT: usize = 1000;

/// What the driver must do, or tell its users.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Open a WebSocket to `url`, tagged `id`.
    OpenSocket {
        /// Tag for the socket's later inputs.
        id: SocketId,
        /// `ws://` or `wss://` URL.
        url: String,
    },
    /// Send a frame on socket `id`.
    Send {
        /// The socket.
        id: SocketId,
        /// The frame.
        frame: Frame,
    },
    /// Ask the caller's `auth` function for this attempt's credentials and answer with
    /// [`Connection::handle_auth`] (with [`ConnectOptions::auth_each_attempt`]); socket
    /// `id` opens after the answer.
    AuthNeeded {
        /// The attempt: the tag its socket will have.
        id: SocketId,
    },
    /// Close socket `id` and forget it.
    CloseSocket {
        /// The socket.
        id: SocketId,
    },
    /// An event for the application.
    Event(Event),
    /// The user-visible state changed.
    Status {
        /// The new state.
        state: State,
        /// Why, when it is not the normal course (e.g. `transport close`).
        reason: Option<String>,
    },
    /// A failure worth reporting; the connection already recovers on its own.
    Error(ProtocolError),
}

/// A sans-IO socket.io / WebSocket client connection.
#[derive(Debug)]
pub struct Connection {
    sharing_key: String,
    options: ConnectOptions,
    /// `protocol` was `auto`: what it found holds until an attempt shows otherwise.
    auto: bool,
    target: Target,
    backoff: Backoff,
    state: State,
    session: Option<Session>,
    reconnect_at: Option<u64>,
    /// When a connection whose opening proves no admission became open: a plain WebSocket
    /// (a server refuses by closing it), or a socket.io 2.x server's `/` (a Node server
    /// sends its CONNECT with the handshake, before middleware added after `attach` can
    /// refuse). The backoff starts over only once it has stayed open a while.
    unproven_open_at: Option<u64>,
    /// The attempt waiting for its `auth` answer, and when it gives up.
    awaiting_auth: Option<(SocketId, u64)>,
    next_socket_id: SocketId,
    send_buffer: VecDeque<Json>,
    outputs: VecDeque<Output>,
}

impl Connection {
    /// Validates `options` and starts the first attempt at `now` (milliseconds on
    /// any monotonic clock).
    pub fn new(options: ConnectOptions, now: u64) -> Result<Self, ProtocolError> {
        let target = target(&options)?;
        // An `auth` function's answers are not known yet: its connections share by the
        // function's presence (the first holder's function is asked).
        let auth = match options.auth_each_attempt {
            true => Some("auth()".into()),
            false => options.auth.as_ref().map(Json::to_json),
        };
        let protocol = crate::text::uint(options.protocol as u64);
        let sharing_key = crate::text::join(
            &[
                &target.socket_url,
                &target.namespace,
                &protocol,
                auth.as_deref().unwrap_or_default(),
            ],
            "|",
        );
        let backoff = Backoff::new(
            options.reconnection_delay_ms,
            options.reconnection_delay_max_ms,
            options.randomization_factor,
            options.seed,
        );
        let mut connection = Self {
            sharing_key,
            auto: options.protocol == super::Protocol::Auto,
            options,
            target,
            backoff,
            state: State::Connecting,
            session: None,
            reconnect_at: None,
            unproven_open_at: None,
            awaiting_auth: None,
            next_socket_id: 0,
            send_buffer: VecDeque::new(),
            outputs: VecDeque::new(),
        };
        connection.outputs.push_back(Output::Status {
            state: State::Connecting,
            reason: None,
        });
        connection.start_attempt(now);
        Ok(connection)
    }

    // ----- getters -----

    /// The user-visible state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The Socket.IO namespace joined (`/` for plain WebSockets).
    pub fn namespace(&self) -> &str {
        &self.target.namespace
    }

    /// The WebSocket URL this connection opens.
    pub fn socket_url(&self) -> &str {
        &self.target.socket_url
    }

    /// What makes two connections interchangeable (a page shares one per key): the
    /// socket URL, the namespace, the protocol and the auth payload, as given (`auto`
    /// stays `auto` here when it has found the server's protocol). Copies of sp-live on
    /// a page, of any version, find each other's connections by it: its form is kept.
    pub fn sharing_key(&self) -> String {
        self.sharing_key.clone()
    }

    /// Where it listens, whatever the URL's spelling (`http://H:1` and `ws://h:1/` are
    /// one place) and without `auth`: the socket's scheme, host, path and the URL's own
    /// query, then the namespace (a live list's feed is shared by it).
    pub fn place(&self) -> &str {
        &self.target.place
    }

    /// Whether it reconnects after the server's DISCONNECT
    /// ([`ConnectOptions::reconnect_after_server_disconnect`]).
    pub fn reconnects_after_server_disconnect(&self) -> bool {
        self.options.reconnect_after_server_disconnect
    }

    /// From now on it reconnects after the server's DISCONNECT too: a holder of a
    /// shared connection that needs it (a live list) asks for it.
    pub fn reconnect_after_server_disconnect(&mut self) {
        self.options.reconnect_after_server_disconnect = true;
    }

    // ----- inputs -----

    /// The WebSocket `id` opened.
    pub fn handle_socket_open(&mut self, id: SocketId, now: u64) {
        let Some(session) = self.session_for(id) else {
            return;
        };
        session.on_socket_open(now);
        self.drain_session(now);
    }

    /// A frame arrived on socket `id`.
    pub fn handle_frame(&mut self, id: SocketId, frame: Frame, now: u64) {
        let limit = self.options.max_frame_bytes;
        let Some(session) = self.session_for(id) else {
            return;
        };
        let size = match &frame {
            Frame::Text(text) => text.len(),
            Frame::Binary(bytes) => bytes.len(),
        };
        if size > limit {
            session.fail(ProtocolError::too_large(size, limit));
        } else {
            session.on_frame(frame, now);
        }
        self.drain_session(now);
    }

    /// Socket `id` closed or failed (`reason` is for people: code and text).
    pub fn handle_socket_closed(&mut self, id: SocketId, reason: &str, now: u64) {
        let Some(session) = self.session_for(id) else {
            return;
        };
        session.on_socket_closed(reason);
        self.drain_session(now);
    }

    /// Time passed: run heartbeats, timeouts and scheduled reconnections. Harmless
    /// to call at any time.
    pub fn handle_timeout(&mut self, now: u64) {
        self.auth_timeout(now);
        if let Some(session) = self.session.as_mut() {
            session.on_time(now);
            self.drain_session(now);
        }
        if self.reconnect_at.is_some_and(|at| now >= at) {
            self.reconnect_at = None;
            self.start_attempt(now);
        }
    }

    // ----- mutators -----

    /// Sends an event (`42["name",...args]`; on a plain WebSocket
    /// `{"event":name,"data":args[0]}`). Kept until connected when offline.
    pub fn emit(&mut self, name: &str, args: Vec<Json>) {
        if self.state == State::Closed {
            return;
        }
        let mut items = Vec::with_capacity(args.len() + 1);
        items.push(Json::from(name));
        items.extend(args);
        let message = Json::Array(items);
        match self.session.as_mut().filter(|s| s.is_ready()) {
            Some(session) => session.send_event(&message),
            None => {
                if self.send_buffer.len() == SEND_BUFFER_LIMIT {
                    self.send_buffer.pop_front();
                }
                self.send_buffer.push_back(message);
            }
        }
        self.move_session_outputs();
    }

    /// Closes the connection for good (the user let go).
    pub fn close(&mut self) {
        if let Some(mut session) = self.session.take() {
            session.close_by_client();
            self.outputs.extend(session.take_outputs());
        }
        self.reconnect_at = None;
        self.awaiting_auth = None;
        self.set_state(State::Closed, Some("client close".into()));
    }

    // ----- outputs -----

    /// The next thing to do, or `None` when idle; then wait until
    /// [`poll_timeout`](Self::poll_timeout) or the next input.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next.
    pub fn poll_timeout(&self) -> Option<u64> {
        let session = self.session.as_ref().and_then(Session::next_deadline);
        // Besides the session's, one at most: waiting to reconnect, or for `auth`.
        let waiting = self
            .reconnect_at
            .or(self.awaiting_auth.map(|(_, until)| until));
        match (session, waiting) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ----- internals -----

    fn session_for(&mut self, id: SocketId) -> Option<&mut Session> {
        self.session.as_mut().filter(|s| s.socket_id() == id)
    }

    fn start_attempt(&mut self, now: u64) {
        if self.state == State::Closed {
            return;
        }
        self.next_socket_id = self.next_socket_id.wrapping_add(1);
        let id = self.next_socket_id;
        if self.options.auth_each_attempt {
            self.ask_auth(id, now);
        } else {
            self.open_socket(id, now);
        }
    }

    fn open_socket(&mut self, id: SocketId, now: u64) {
        let session = Session::new(id, &self.options, &self.target, self.auto, now);
        self.session = Some(session);
        self.outputs.push_back(Output::OpenSocket {
            id,
            url: self.target.socket_url.clone(),
        });
    }

    fn move_session_outputs(&mut self) {
        if let Some(session) = self.session.as_mut() {
            self.outputs.extend(session.take_outputs());
        }
    }

    /// Collects what the session produced and reacts to its readiness or its end.
    fn drain_session(&mut self, now: u64) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        self.outputs.extend(session.take_outputs());
        let end = session.take_end();
        // What `auto` found holds for the next attempts (a 2.x server's URL has the auth)
        // until one gets no Engine.IO handshake: the server may have been replaced by one
        // of the other generation (3.x/4.x refuse EIO=3), so the next one detects again.
        let mut found = session.take_found();
        if self.auto && end.is_some() && !session.handshaken() {
            found = Some(super::Protocol::Auto);
        }
        if let Some(protocol) = found {
            self.options.protocol = protocol;
            if let Ok(target) = target(&self.options) {
                self.target = target;
            }
        }
        let became_ready = session.is_ready() && self.state != State::Open;
        if became_ready {
            let unproven = match self.options.protocol {
                super::Protocol::WebSocket => true,
                super::Protocol::SocketIoV2 => self.target.namespace == "/",
                _ => false,
            };
            if unproven {
                self.unproven_open_at = Some(now);
            } else {
                self.backoff.reset();
            }
            while let Some(message) = self.send_buffer.pop_front() {
                session.send_event(&message);
            }
            self.outputs.extend(session.take_outputs());
        }
        if end.is_some() {
            self.session = None;
        }
        if became_ready {
            self.set_state(State::Open, None);
        }
        if let Some(end) = end {
            self.after_session_end(end, now);
        }
    }

    fn set_state(&mut self, state: State, reason: Option<String>) {
        if self.state != state {
            self.state = state;
            self.outputs.push_back(Output::Status { state, reason });
        }
    }
}

#[cfg(test)]
#[path = "connection_tests/mod.rs"]
mod tests;
