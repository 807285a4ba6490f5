//! How `auto` tells a socket.io 2.x server from a 3.x/4.x one within a session.
//!
//! `auto` asks for Engine.IO 4. A 2.x server (Engine.IO 3) ignores that and answers in
//! its own generation, and so do 3.x/4.x servers; their open packets differ only in
//! `maxPayload`, which Engine.IO 6.2 (socket.io 4.5) added. Without it the server may
//! be 2.x or 3.0-4.4, and the two must not be told apart by trying: a 2.x server takes
//! a CONNECT for `/` as a second socket (every event twice), and a 3.x/4.x server closes
//! a client that pings. What they do unasked tells them apart instead:
//! - a 2.x server joins `/` on its own and says so (`40`, or `44` if its middleware
//!   refuses), right after the open packet unless middleware takes its time;
//! - a 3.x/4.x server sends nothing before the client's CONNECT but its pings.
//!
//! So without `maxPayload` the session waits up to [`GRACE_MS`] for a Socket.IO packet
//! (2.x) or a ping (3.x/4.x), then takes the server for 3.x/4.x and sends CONNECT. A
//! 2.x server whose middleware answers later than that is recognised by its `40`
//! without a `sid` (3.x/4.x always send one); that session ends and the next attempt,
//! at once, speaks 2.x. What a session found is kept for the connection's later
//! attempts ([`crate::protocol::Connection`]), so only the first one waits, until an
//! attempt gets no handshake (a 3.x/4.x server without `allowEIO3` refuses EIO=3): the
//! next one detects again. A 2.x server put where 3.x/4.x was found answers EIO=4 as
//! above: such sessions start as [`Detection::GuessedV4`] and it shows itself.

use super::{Session, SessionEnd};
use crate::protocol::engineio::EngineVersion;
use crate::protocol::heartbeat::Heartbeat;
use crate::protocol::options::Protocol;

/// How long a session without `maxPayload` waits for the server to show its generation.
pub(crate) const GRACE_MS: u64 = 1_000;

/// What `auto` knows in one session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Detection {
    /// Not `auto`, or decided by the open packet or by what the server sent.
    Settled,
    /// Open packet without `maxPayload`: waiting until this time.
    Waiting {
        /// When to take the server for 3.x/4.x.
        until: u64,
        /// The open packet's heartbeat values, for the heartbeat then started.
        interval_ms: u64,
        /// See `interval_ms`.
        timeout_ms: u64,
    },
    /// Taken for 3.x/4.x after the grace, or by an earlier session: a CONNECT answer
    /// without `sid`, or a packet for another namespace, says 2.x.
    GuessedV4,
}

impl Session {
    /// Starts the heartbeat and asks for the namespace, once the generation is known.
    pub(super) fn begin(&mut self, interval_ms: u64, timeout_ms: u64, now: u64) {
        self.heartbeat = Some(Heartbeat::start(self.engine, interval_ms, timeout_ms, now));
        self.send_namespace_connect();
    }

    /// `auto`, waiting: the server showed (`sure`) or, after the grace, seems to speak
    /// Engine.IO `engine`. A 2.x server on `/` never got the auth, which rides in its
    /// URL: the session ends and the next attempt carries it.
    pub(super) fn settle(&mut self, engine: EngineVersion, sure: bool, now: u64) {
        let Detection::Waiting {
            interval_ms,
            timeout_ms,
            ..
        } = self.detection
        else {
            return;
        };
        self.detection = if sure {
            Detection::Settled
        } else {
            Detection::GuessedV4
        };
        self.engine = engine;
        self.found = sure.then_some(match engine {
            EngineVersion::V3 => Protocol::SocketIoV2,
            EngineVersion::V4 => Protocol::SocketIoV4,
        });
        if engine == EngineVersion::V3 && self.auth.is_some() && self.namespace == "/" {
            return self.found_v2_late();
        }
        self.begin(interval_ms, timeout_ms, now);
    }

    /// Ends a session that took a 2.x server for another generation: the next attempt,
    /// at once, speaks 2.x.
    pub(super) fn found_v2_late(&mut self) {
        self.found = Some(Protocol::SocketIoV2);
        self.finish(SessionEnd {
            reason: "a socket.io 2.x server: connecting again as 2.x".into(),
            error: None,
            server_disconnect: false,
            retry_now: true,
        });
    }
}
