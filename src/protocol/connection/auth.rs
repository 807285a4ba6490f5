//! Credentials asked for before every attempt ([`ConnectOptions::auth_each_attempt`]):
//! the attempt waits for its answer, then opens with it, or fails as `protocol-auth`.

use super::{Connection, Output, ProtocolError, SessionEnd, SocketId};
use crate::json::Json;
use crate::protocol::options::target;
#[cfg(doc)]
use crate::protocol::ConnectOptions;

impl Connection {
    /// The answer to [`Output::AuthNeeded`] for attempt `id`: the auth object (`None`:
    /// none), or why there is none (for people). An object opens the attempt's socket
    /// with it; anything else fails the attempt as `protocol-auth`, and the usual
    /// reconnection follows. Answers for an attempt no longer waiting are ignored.
    pub fn handle_auth(&mut self, id: SocketId, auth: Result<Option<Json>, String>, now: u64) {
        if self.awaiting_auth.is_none_or(|(waiting, _)| waiting != id) {
            return;
        }
        self.awaiting_auth = None;
        match auth {
            Ok(auth @ (None | Some(Json::Object(_)))) => {
                self.options.auth = auth;
                // Valid options with a valid auth: the target cannot fail.
                if let Ok(target) = target(&self.options) {
                    self.target = target;
                }
                self.open_socket(id, now);
            }
            Ok(Some(_)) => self.auth_failed("`auth` must give an object".into(), now),
            Err(message) => self.auth_failed(message, now),
        }
    }

    /// Asks for attempt `id`'s auth, to come within the connect timeout.
    pub(super) fn ask_auth(&mut self, id: SocketId, now: u64) {
        let until = now.saturating_add(self.options.connect_timeout_ms);
        self.awaiting_auth = Some((id, until));
        self.outputs.push_back(Output::AuthNeeded { id });
    }

    /// Fails the attempt whose answer is overdue at `now`, if any.
    pub(super) fn auth_timeout(&mut self, now: u64) {
        if self.awaiting_auth.is_some_and(|(_, until)| now >= until) {
            self.awaiting_auth = None;
            let ms = crate::text::uint(self.options.connect_timeout_ms);
            let message = crate::text::concat(&["no answer from `auth` within ", &ms, " ms"]);
            self.auth_failed(message, now);
        }
    }

    /// An attempt without its auth ends as a failed one.
    fn auth_failed(&mut self, message: String, now: u64) {
        let end = SessionEnd {
            reason: crate::text::concat(&["auth: ", &message]),
            error: Some(ProtocolError::auth(message)),
            server_disconnect: false,
            retry_now: false,
        };
        self.after_session_end(end, now);
    }
}
