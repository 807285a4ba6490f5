//! Sans-IO Engine.IO + Socket.IO client.
//!
//! Nothing here touches a socket or a clock: [`Connection`] takes inputs (socket
//! opened, frame received, socket closed, "the time is now T") and returns
//! [`Output`]s (open a socket, send a frame, deliver an event, status changed,
//! wake me at T). `src/web` drives it in the browser; the tests drive it with a
//! fake clock.

mod backoff;
mod connection;
pub mod engineio;
mod error;
mod heartbeat;
mod options;
mod session;
pub mod socketio;

pub use backoff::Backoff;
pub use connection::{Connection, Output, SocketId};
pub use error::ProtocolError;
pub use options::{ConnectOptions, Protocol};
pub use socketio::{Event, EventArg};

/// One WebSocket frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Vec<u8>),
}

/// The connection's state as users see it. Copies of sp-live on one page tell each
/// other states by number, in this order (`src/web/peers.rs`): keep it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// The first connection attempt is under way.
    Connecting,
    /// Connected: events flow.
    Open,
    /// The link was lost; a new attempt is scheduled or under way.
    Reconnecting,
    /// Closed for good (by the user, by the server, or reconnection gave up).
    Closed,
}

impl State {
    /// The lower-case name JavaScript sees.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Connecting => "connecting",
            State::Open => "open",
            State::Reconnecting => "reconnecting",
            State::Closed => "closed",
        }
    }
}
