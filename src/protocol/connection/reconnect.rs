//! What follows a session's end (a retry at once, a reconnection after the backoff, or
//! closed for good) and a network that came back (a reconnection waiting goes now).

use super::{Connection, Output, SessionEnd};
use crate::protocol::options::Protocol;
use crate::protocol::State;

/// The longest wait before trying again after the server refused the connection (a
/// CONNECT_ERROR, or a WebSocket closed with a 4000-4999 code), when longer than
/// `reconnectionDelayMax`. socket.io-client does not try again at all; sp-live does (an
/// `auth` function may have a fresh token, a server's configuration may be fixed), but a
/// refusal that lasts (a wrong fixed `auth`, a misconfigured server) then costs the
/// server an attempt a minute from each page instead of one every few seconds.
const REFUSED_DELAY_MAX_MS: u64 = 60_000;

/// How long a connection whose opening proves no admission must have stayed open for its
/// end to start the backoff over (sp-broadcaster refuses a plain WebSocket by closing it
/// at once, 4401; a socket.io 2.x server may refuse `/` right after its CONNECT).
const STABLE_MS: u64 = 10_000;

impl Connection {
    /// The browser is back online at `now`, or the machine slept: a reconnection waiting
    /// out its backoff starts now, and an open plain WebSocket is opened again (it has no
    /// heartbeat to notice a link that died meanwhile; socket.io's does) unless
    /// reconnection is off (one failed attempt would then close it for good).
    pub fn handle_network_back(&mut self, now: u64) {
        let plain = self.options.protocol == Protocol::WebSocket;
        if self.state == State::Open && plain && self.options.reconnection {
            self.settle_unproven_open(now);
            if let Some(mut session) = self.session.take() {
                session.close_by_client();
                self.outputs.extend(session.take_outputs());
            }
            self.set_state(State::Reconnecting, Some("network back".into()));
            self.reconnect_at = Some(now);
        } else if self.reconnect_at.is_some() {
            self.reconnect_at = Some(now);
        }
    }

    /// A session whose opening proved no admission ends (or is replaced) at `now`: the
    /// backoff starts over if it stayed open [`STABLE_MS`].
    fn settle_unproven_open(&mut self, now: u64) {
        let opened = self.unproven_open_at.take();
        if opened.is_some_and(|at| now.saturating_sub(at) >= STABLE_MS) {
            self.backoff.reset();
        }
    }

    pub(super) fn after_session_end(&mut self, end: SessionEnd, now: u64) {
        self.settle_unproven_open(now);
        let refused = (end.error.as_ref()).is_some_and(|e| e.code() == "protocol-connect-refused");
        if let Some(error) = end.error {
            self.outputs.push_back(Output::Error(error));
        }
        if end.retry_now {
            // Not a reconnection (none is counted, `reconnection: false` does not stop
            // it): the same attempt again, in the protocol `auto` has just found.
            self.reconnect_at = Some(now);
            return;
        }
        let exhausted = self
            .options
            .reconnection_attempts
            .is_some_and(|max| self.backoff.attempts() >= max);
        let may_retry = self.options.reconnection
            && (!end.server_disconnect || self.options.reconnect_after_server_disconnect);
        if !may_retry {
            self.set_state(State::Closed, Some(end.reason));
        } else if exhausted {
            self.set_state(
                State::Closed,
                Some(crate::text::concat(&["reconnect failed: ", &end.reason])),
            );
        } else {
            let max = self.options.reconnection_delay_max_ms;
            let delay = match refused {
                true => self.backoff.next_delay_up_to(max.max(REFUSED_DELAY_MAX_MS)),
                false => self.backoff.next_delay(),
            };
            self.reconnect_at = Some(now.saturating_add(delay));
            let state = if self.state == State::Connecting {
                State::Connecting
            } else {
                State::Reconnecting
            };
            self.set_state(state, Some(end.reason));
        }
    }
}
