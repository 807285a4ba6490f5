//! Heartbeat bookkeeping for one Engine.IO session, in the direction its version
//! prescribes. Deadlines are absolute times compared with the "now" handed in, so a
//! timer that fires late (background tabs) still judges by real elapsed time.

use super::engineio::EngineVersion;

/// The shortest ping interval followed: a server announcing less (e.g. 0) would have
/// the client ping, or wake, without pause.
const MIN_INTERVAL_MS: u64 = 100;

/// What the heartbeat wants done at a given time.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Beat {
    /// Nothing yet.
    Idle,
    /// Send a ping now (Engine.IO 3: the client pings).
    SendPing,
    /// The server has been silent too long: the link is dead.
    Dead,
}

/// Heartbeat state for one session.
#[derive(Clone, Debug)]
pub(crate) struct Heartbeat {
    version: EngineVersion,
    interval_ms: u64,
    timeout_ms: u64,
    /// v3: when to send the next ping.
    next_ping_at: Option<u64>,
    /// v3: the pong must arrive before this; v4: the next ping must arrive before this.
    deadline: Option<u64>,
}

impl Heartbeat {
    /// Starts the heartbeat when the handshake arrives at `now`. The server's values
    /// are taken as they come (any size) but for an interval under 100 ms.
    pub(crate) fn start(
        version: EngineVersion,
        interval_ms: u64,
        timeout_ms: u64,
        now: u64,
    ) -> Self {
        let mut beat = Self {
            version,
            interval_ms: interval_ms.max(MIN_INTERVAL_MS),
            timeout_ms,
            next_ping_at: None,
            deadline: None,
        };
        match version {
            EngineVersion::V3 => beat.next_ping_at = Some(now.saturating_add(beat.interval_ms)),
            EngineVersion::V4 => beat.deadline = Some(beat.silence_limit(now)),
        }
        beat
    }

    /// v4: when a server silent since `now` counts as gone.
    fn silence_limit(&self, now: u64) -> u64 {
        now.saturating_add(self.interval_ms)
            .saturating_add(self.timeout_ms)
    }

    /// A ping arrived from the server (v4: the link is alive until the next interval).
    pub(crate) fn on_ping(&mut self, now: u64) {
        if self.version == EngineVersion::V4 {
            self.deadline = Some(self.silence_limit(now));
        }
    }

    /// A pong arrived (v3: the ping was answered).
    pub(crate) fn on_pong(&mut self) {
        if self.version == EngineVersion::V3 {
            self.deadline = None;
        }
    }

    /// Judges the link at `now`. [`Beat::SendPing`] also schedules the pong deadline
    /// and the next ping.
    pub(crate) fn poll(&mut self, now: u64) -> Beat {
        if self.deadline.is_some_and(|d| now >= d) {
            return Beat::Dead;
        }
        match self.next_ping_at {
            Some(at) if now >= at => {
                self.next_ping_at = Some(now.saturating_add(self.interval_ms));
                if self.deadline.is_none() {
                    self.deadline = Some(now.saturating_add(self.timeout_ms));
                }
                Beat::SendPing
            }
            _ => Beat::Idle,
        }
    }

    /// The next time [`poll`](Self::poll) has something to say.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        match (self.next_ping_at, self.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_client_pings_and_expects_a_pong() {
        let mut hb = Heartbeat::start(EngineVersion::V3, 100, 50, 0);
        assert_eq!(hb.next_deadline(), Some(100));
        assert_eq!(hb.poll(99), Beat::Idle);
        assert_eq!(hb.poll(100), Beat::SendPing);
        assert_eq!(hb.next_deadline(), Some(150));
        hb.on_pong();
        assert_eq!(hb.poll(150), Beat::Idle);
        assert_eq!(hb.poll(200), Beat::SendPing);
        assert_eq!(hb.poll(250), Beat::Dead);
    }

    #[test]
    fn v4_server_pings_keep_it_alive() {
        let mut hb = Heartbeat::start(EngineVersion::V4, 100, 50, 0);
        assert_eq!(hb.next_deadline(), Some(150));
        hb.on_ping(120);
        assert_eq!(hb.poll(200), Beat::Idle);
        assert_eq!(hb.next_deadline(), Some(270));
        assert_eq!(hb.poll(270), Beat::Dead);
    }

    #[test]
    fn a_late_timer_judges_by_elapsed_time() {
        // A background tab wakes us 10 s late: the server has been silent far longer
        // than interval + timeout, so the link is declared dead at once.
        let mut hb = Heartbeat::start(EngineVersion::V4, 100, 50, 0);
        assert_eq!(hb.poll(10_000), Beat::Dead);
    }

    #[test]
    fn server_values_at_the_extremes_neither_overflow_nor_spin() {
        for version in [EngineVersion::V3, EngineVersion::V4] {
            let mut hb = Heartbeat::start(version, u64::MAX, u64::MAX, 1_000);
            assert_eq!(hb.poll(u64::MAX - 1), Beat::Idle, "{version:?}");
            hb.on_ping(5_000);
            hb.on_pong();
            assert_eq!(hb.next_deadline(), Some(u64::MAX));
        }
        // An interval of 0 would ping at every wake-up: it is taken as 100 ms.
        let mut hb = Heartbeat::start(EngineVersion::V3, 0, 1_000, 0);
        assert_eq!(hb.next_deadline(), Some(100));
        assert_eq!(hb.poll(100), Beat::SendPing);
        hb.on_pong();
        assert_eq!(hb.next_deadline(), Some(200));
    }
}
