//! The read-ahead: a round's GetChanges goes in a `$batch` followed by a query for the
//! items modified since the cursor's time. The service runs the two in order, so every
//! item that query returns is at least as new as the changes GetChanges reports, just
//! like a read by ID sent after it: the changed items it covers need no read, and a lone
//! edit costs one round trip instead of two.
//!
//! It only saves requests, it never decides what changed: GetChanges alone says which
//! items to deliver, items the query missed (an older `Modified`, a system update, more
//! than [`READ_AHEAD_TOP`]) are read by ID as before, and deletes are still confirmed by
//! a read. Off for lists over the list view threshold (the unindexed `Modified` filter
//! would be refused), and for the rest of the feed once the query fails other than by
//! throttling or `$batch` is refused.

use super::feed::ChangeFeed;
use super::jobs::{InFlight, Job, Step};
use super::HttpResponse;
use crate::sharepoint::{
    get_changes_url, modified_since_url, parse_batch, parse_items_from, ChangeToken,
};

/// Most items the read-ahead asks for (newest first).
pub const READ_AHEAD_TOP: u32 = 100;

/// Lists with more items than this refuse filters on unindexed columns (SharePoint's
/// list view threshold): no read-ahead there.
pub const LIST_VIEW_THRESHOLD: usize = 5_000;

/// Read-aheads in a row that bring none of their round's changed items after which the
/// feed stops sending them (items changed by system updates keep their `Modified`; a
/// server clock or time zone may put the window elsewhere).
const MAX_MISSES: u32 = 3;

/// How far before the cursor's second the query starts: `Modified` has whole seconds,
/// and the clocks that stamp it and the change log may differ a little.
const SLACK_MS: i64 = 1_000;

impl ChangeFeed {
    /// The start of the read-ahead window for a GetChanges from `cursor`, or `None`
    /// when this round's GetChanges goes alone.
    pub(super) fn read_ahead_since(&self, cursor: &str) -> Option<i64> {
        let on = self.cfg.batch_reads && self.cfg.read_ahead;
        // A view holds fewer items than its list; the threshold counts the list's.
        let size = self.items.len().max(self.list_size as usize);
        if !on || size > LIST_VIEW_THRESHOLD {
            return None;
        }
        let at = ChangeToken::parse(cursor).ok()?.unix_ms();
        Some(at.div_euclid(1000) * 1000 - SLACK_MS)
    }

    /// Counts a read-ahead that came with a round's last GetChanges page: `changed`
    /// items to read, `covered` of them brought by it.
    pub(super) fn read_ahead_done(&mut self, changed: usize, covered: usize) {
        if covered > 0 {
            self.read_ahead_misses = 0;
        } else if changed > 0 {
            self.read_ahead_misses += 1;
            if self.read_ahead_misses >= MAX_MISSES {
                self.cfg.read_ahead = false;
            }
        }
    }

    /// The read-ahead query from `since_ms`.
    pub(super) fn read_ahead_url(&self, since_ms: i64) -> String {
        let (site, list, select) = (&self.cfg.site_url, &self.list, &self.cfg.select);
        modified_since_url(site, list, select, &self.filter, since_ms, READ_AHEAD_TOP)
    }

    /// `inf` (a [`Step::ChangesAhead`]) as the GetChanges it carries, for reports and
    /// the handling of that GetChanges' own answer.
    pub(super) fn as_get_changes(&self, inf: &InFlight) -> InFlight {
        InFlight {
            step: Step::Changes,
            url: get_changes_url(&self.cfg.site_url, &self.list),
            ..*inf
        }
    }

    /// Takes a 2xx `$batch` answer to a [`Step::ChangesAhead`]: keeps the read-ahead's
    /// items in the round (only when the GetChanges succeeded: they belong to its page)
    /// and returns the GetChanges part as that request's own response, to be handled
    /// as without a batch. `None`: the batch did not parse (reported, retried, and
    /// GetChanges goes alone from now on).
    pub(super) fn on_changes_ahead(
        &mut self,
        now: u64,
        inf: &InFlight,
        body: &str,
    ) -> Option<(InFlight, HttpResponse)> {
        let changes_request = self.as_get_changes(inf);
        let mut parts = match parse_batch(body) {
            Ok(parts) if parts.len() == 2 => parts,
            other => {
                let then = "GetChanges goes alone";
                self.unusable_batch(now, &changes_request, other, 2, then);
                return None;
            }
        };
        let ahead = parts.pop()?;
        let changes = parts.pop()?;
        if (200..300).contains(&changes.status) {
            let items = match ahead.status {
                200..=299 => parse_items_from(&ahead.body, inf.id, 1)
                    .ok()
                    .map(|page| page.items),
                _ => None,
            };
            match items {
                Some(items) => {
                    if let Job::Round(r) = &mut self.job {
                        r.ahead = Some(items);
                    }
                }
                None if matches!(ahead.status, 429 | 503) => {} // throttled: next time
                None => self.cfg.read_ahead = false,            // refused or unreadable here
            }
        }
        let response = HttpResponse {
            status: changes.status,
            retry_after_secs: changes.retry_after_secs,
            body: changes.body,
        };
        Some((changes_request, response))
    }
}
