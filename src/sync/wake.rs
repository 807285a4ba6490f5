//! Wake-ups: the page is back after the machine slept, the network dropped or the tab
//! was hidden. The broadcaster's hints of the time in between may be lost (a sleeping
//! laptop's WebSocket is dead before anyone notices), so the feed looks for changes
//! itself, and does not wait out a backoff that only the dead network caused.

use super::codes;
use super::feed::ChangeFeed;

/// How long a feed must have been idle for a page that is visible again to look for
/// changes ([`Wake::Visible`]).
pub const WAKE_QUIET_MS: u64 = 30_000;

/// A request out this long when the network comes back may have left on the dead link:
/// it is given up and sent again ([`Wake::Online`]).
pub const STALE_REQUEST_MS: u64 = 5_000;

/// What woke the page up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// The browser is back online, or the machine slept (its network link may have died
    /// meanwhile).
    Online,
    /// The page is visible again after it was hidden.
    Visible,
}

impl ChangeFeed {
    /// The page woke up at `now` ([`Wake`]):
    /// - a retry waiting for a request that got no response (network error, timeout) goes
    ///   now instead of after its backoff (a throttled one still waits as asked);
    /// - online: a request out for [`STALE_REQUEST_MS`] or more is given up (reported as
    ///   a timeout) and sent again now, and the feed looks for changes as for
    ///   [`refresh`](Self::handle_refresh);
    /// - visible: an idle feed looks for changes if it has been idle [`WAKE_QUIET_MS`] or
    ///   more (a round that recent has seen what the webhooks would tell: switching tabs
    ///   back and forth costs nothing).
    pub fn handle_wake(&mut self, now: u64, wake: Wake) {
        if !self.started {
            return;
        }
        let sent_by = now.saturating_sub(STALE_REQUEST_MS);
        let timeout = self.cfg.retry.request_timeout_ms;
        let stale = |deadline: u64| deadline.saturating_sub(timeout) <= sent_by;
        if wake == Wake::Online && self.in_flight.as_ref().is_some_and(|f| stale(f.deadline)) {
            if let Some(inf) = self.in_flight.take() {
                let msg = "no response before the network came back".to_owned();
                self.fail(now, &inf, codes::TIMEOUT, msg, None, None);
                self.confirmation_done();
            }
        }
        if std::mem::take(&mut self.retry_after_no_response) && self.retry_at.is_some() {
            self.retry_at = None;
        }
        let look = match wake {
            Wake::Online => !self.round_will_read_changes(),
            Wake::Visible => self
                .idle_since
                .is_some_and(|since| now.saturating_sub(since) >= WAKE_QUIET_MS),
        };
        if look {
            self.again = true;
        }
        self.step(now);
    }
}
