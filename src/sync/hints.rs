//! Hints: turning broadcaster notifications into as few GetChanges rounds as is safe.
//!
//! A hint only says "the list changed before now". A GetChanges request that leaves
//! after the hint arrived sees that change, so:
//! - a hint that arrives while the running round still has a GetChanges request to
//!   send (queued, waiting for a digest or a retry) needs nothing more;
//! - otherwise one more round is queued (single flight: at most one), or, with
//!   `hint_debounce_ms`, scheduled once hints have been quiet that long; without a
//!   debounce, a hint while a round runs waits for `hint_settle_ms` of quiet (the rest
//!   of a burst then costs one round), and a hint when nothing runs starts one at once;
//! - whenever a GetChanges request leaves, every hint before it is covered;
//! - with `batch_reads`, a round that got hints after its GetChanges left holds its item
//!   reads until those hints settle, then sends the reads and a GetChanges from the
//!   round's cursor in one `$batch`: if that GetChanges comes back empty, the hints are
//!   covered and the burst cost two requests; otherwise (new changes, a failure) one
//!   more round follows, as it would have anyway.

use super::feed::ChangeFeed;
use super::jobs::{Job, Step};

impl ChangeFeed {
    /// A broadcaster hint for `list_guid` (any GUID form); other lists are ignored.
    pub fn handle_hint(&mut self, now: u64, list_guid: &str) {
        if !self.is_own_list(list_guid) || !self.started {
            return;
        }
        if !self.round_will_read_changes() {
            let wait = match self.cfg.hint_debounce_ms {
                0 if matches!(self.job, Job::Idle) && self.hints_due.is_none() => 0,
                0 => self.cfg.hint_settle_ms,
                ms => ms,
            };
            if wait == 0 {
                self.again = true;
            } else {
                let since = *self.hints_since.get_or_insert(now);
                let cap = self.cfg.hint_debounce_max_ms.max(wait);
                let due = now.saturating_add(wait);
                self.hints_due = Some(due.min(since.saturating_add(cap)));
            }
        }
        self.step(now);
    }

    /// Look for changes now (the app wrote to the list and wants to see it without
    /// waiting for the webhook): a round as for a hint, without a debounce or a settle.
    pub fn handle_refresh(&mut self, now: u64) {
        if self.started && !self.round_will_read_changes() {
            self.again = true;
        }
        self.step(now);
    }

    /// Whether the running round will still send a GetChanges request that has not
    /// been handed out yet.
    pub(super) fn round_will_read_changes(&self) -> bool {
        match (&self.job, &self.in_flight) {
            (Job::Round(r), Some(f)) if r.paging => {
                !matches!(f.step, Step::Changes | Step::ChangesAhead) || !self.in_flight_polled
            }
            (Job::Round(r), None) => r.paging,
            _ => false,
        }
    }

    /// Debounced hints whose wait is over queue their round.
    pub(super) fn release_debounced_hints(&mut self, now: u64) {
        if self.hints_due.is_some_and(|due| due <= now) {
            self.hints_due = None;
            self.hints_since = None;
            self.again = true;
        }
    }

    /// A GetChanges request was handed out: every hint and reconnect before it is
    /// covered by it (a round queued for "more pages" is set only later).
    pub(super) fn changes_request_left(&mut self) {
        self.again = false;
        self.hints_due = None;
        self.hints_since = None;
    }
}
