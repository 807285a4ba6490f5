//! The [`ChangeFeed`] engine: inputs, outputs, scheduling and retries.

use std::collections::VecDeque;

use super::config::FeedConfig;
use super::id_map::IdMap;
use super::jobs::{InFlight, Job, Step};
use super::rng::SplitMix64;
use super::{codes, FeedStatus, HttpResponse, Output};
use crate::json::Fingerprint;
use crate::sharepoint::{view_filter, ListRef, SpError};

/// A sans-IO change feed for one SharePoint list. See the [module docs](super).
pub struct ChangeFeed {
    pub(super) cfg: FeedConfig,
    pub(super) list: ListRef,
    /// `cfg.filter` as a URL component ([`view_filter`]), `""` for none.
    pub(super) filter: String,
    pub(super) rng: SplitMix64,
    pub(super) next_id: u64,
    pub(super) outputs: VecDeque<Output>,
    pub(super) last_status: Option<FeedStatus>,
    pub(super) started: bool,
    pub(super) token: Option<String>,
    /// Fingerprints of the items as last delivered (the items live in JavaScript).
    pub(super) items: IdMap<Fingerprint>,
    /// `(FormDigestValue, refresh after)`.
    pub(super) digest: Option<(String, u64)>,
    pub(super) job: Job,
    pub(super) needs_reload: bool,
    /// The wall clock (Unix ms) as of the latest inputs, if the driver gives it.
    pub(super) wall_ms: Option<i64>,
    /// When the last load started (the feed's clock).
    pub(super) load_started: Option<u64>,
    pub(super) again: bool,
    /// A confirming GetChanges (in a `$batch`) has left and not yet come back empty.
    pub(super) confirming: bool,
    pub(super) in_flight: Option<InFlight>,
    /// The in-flight request has been handed to the driver (polled).
    pub(super) in_flight_polled: bool,
    /// Debounced hints: when their round may start, and when the first came.
    pub(super) hints_due: Option<u64>,
    pub(super) hints_since: Option<u64>,
    /// Since when the feed has been live and idle (the safety poll and
    /// [`handle_wake`](Self::handle_wake) count from it).
    pub(super) idle_since: Option<u64>,
    pub(super) retry_at: Option<u64>,
    /// The retry waiting at `retry_at` is of a request that got no response (a
    /// network error or a timeout): a wake sends it at once.
    pub(super) retry_after_no_response: bool,
    pub(super) failures: u32,
    /// Reloads caused by token errors without a completed round since.
    pub(super) reload_streak: u32,
    /// The last failure of this round's GetChanges from its cursor, and how many times
    /// in a row it came (see `retry.rs`).
    pub(super) same_error: Option<(SpError, u32)>,
    /// The next non-digest request is the single retry after a digest refresh.
    pub(super) digest_retry: bool,
    /// Read-aheads in a row that brought none of their round's changed items.
    pub(super) read_ahead_misses: u32,
    /// The list's `ItemCount` at the last load: every item, including those a view's
    /// filter or the user's permissions leave out (SharePoint's view threshold counts them).
    pub(super) list_size: u32,
    /// Started from a checkpoint, and no change round has completed since.
    pub(super) resumed: bool,
}

impl ChangeFeed {
    /// A feed that does nothing until [`handle_start`](Self::handle_start).
    pub fn new(config: FeedConfig) -> Self {
        let cfg = config.sanitized();
        ChangeFeed {
            list: cfg.list.clone(),
            filter: view_filter(&cfg.filter),
            rng: SplitMix64::new(cfg.seed),
            cfg,
            next_id: 1,
            outputs: VecDeque::new(),
            last_status: None,
            started: false,
            token: None,
            items: IdMap::default(),
            digest: None,
            job: Job::Idle,
            needs_reload: false,
            wall_ms: None,
            load_started: None,
            again: false,
            confirming: false,
            in_flight: None,
            in_flight_polled: false,
            hints_due: None,
            hints_since: None,
            idle_since: None,
            retry_at: None,
            retry_after_no_response: false,
            failures: 0,
            reload_streak: 0,
            same_error: None,
            digest_retry: false,
            read_ahead_misses: 0,
            list_size: 0,
            resumed: false,
        }
    }

    // ---- getters ----

    /// The configuration (with clamped numbers).
    pub fn config(&self) -> &FeedConfig {
        &self.cfg
    }

    /// The list's GUID, once known (configured or learned from the list info).
    pub fn list_guid(&self) -> Option<&str> {
        self.list.id()
    }

    /// Whether a webhook hint's list GUID (any GUID form) is this feed's list: the hints
    /// [`handle_hint`](Self::handle_hint) acts on.
    pub fn is_own_list(&self, guid: &str) -> bool {
        match (self.list_guid(), crate::sharepoint::normalize_guid(guid)) {
            (Some(own), Some(guid)) => own == guid,
            _ => false,
        }
    }

    /// The token of the last delivered state.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The ids of the items as last delivered, ascending.
    pub fn item_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.items.ids()
    }

    /// The current status (`None` before start).
    pub fn status(&self) -> Option<FeedStatus> {
        self.last_status
    }

    /// Whether nothing is running or scheduled (no request, no retry, no queued work).
    pub fn is_idle(&self) -> bool {
        self.in_flight.is_none()
            && self.retry_at.is_none()
            && matches!(self.job, Job::Idle)
            && !self.again
            && self.hints_due.is_none()
            && !self.needs_reload
    }

    // ---- inputs ----

    /// Starts the feed: a full load, then a catch-up round. A second call acts like
    /// [`handle_connected`](Self::handle_connected).
    pub fn handle_start(&mut self, now: u64) {
        if self.started {
            return self.handle_connected(now);
        }
        self.started = true;
        // A checkpoint's load is already there: it finishes at once.
        self.needs_reload = !self.resumed;
        self.step(now);
    }

    /// The broadcaster (re)connected: hints may have been missed, run a catch-up round.
    pub fn handle_connected(&mut self, now: u64) {
        if self.started {
            self.again = true;
            self.step(now);
        }
    }

    /// Discards the token and reloads everything (delivered as a `Reset`).
    pub fn reload(&mut self, now: u64) {
        if self.started {
            self.needs_reload = true;
            if matches!(self.job, Job::Round(_)) {
                self.in_flight = None;
                self.job = Job::Idle;
            }
            self.step(now);
        }
    }

    /// The response to request `id` (stale or unknown ids are ignored).
    pub fn handle_response(&mut self, now: u64, id: u64, response: HttpResponse) {
        let Some(inf) = self.take_in_flight(id) else {
            return;
        };
        let (inf, response) = match (inf.step, response.status) {
            (Step::ReadBatch { reads, changes }, 200..=299) => {
                let reads = usize::from(reads);
                match self.on_batch(now, &inf, reads, changes, &response.body) {
                    Some(failed_part) => failed_part,
                    None => {
                        self.confirmation_done();
                        return self.step(now);
                    }
                }
            }
            (Step::ChangesAhead, 200..=299) => {
                match self.on_changes_ahead(now, &inf, &response.body) {
                    Some(changes) => changes,
                    None => return self.step(now),
                }
            }
            (Step::ChangesAhead, 400 | 404 | 405 | 501) => {
                // $batch is refused here: the same GetChanges goes alone, now.
                self.cfg.batch_reads = false;
                return self.step(now);
            }
            (Step::ChangesAhead, _) => (self.as_get_changes(&inf), response),
            _ => (inf, response),
        };
        // The batch itself, not one of its parts (`inf` is then that part's read).
        if let (Step::ReadBatch { .. }, 400 | 404 | 405 | 501) = (inf.step, response.status) {
            self.cfg.batch_reads = false; // $batch is refused here: read one by one
        }
        if (200..300).contains(&response.status) {
            match self.on_success(now, &inf, &response.body) {
                // A digest is not what failed: the request it is for has yet to pass
                // (a POST refused for its digest every time must still back off more).
                Ok(()) if inf.step == Step::ContextInfo => {}
                Ok(()) => self.failures = 0,
                Err(msg) => {
                    self.fail(now, &inf, codes::PARSE, msg, Some(response.status), None);
                }
            }
        } else {
            self.on_http_error(now, &inf, &response);
        }
        self.confirmation_done();
        self.step(now);
    }

    /// Request `id` failed without a response (stale or unknown ids are ignored).
    pub fn handle_network_error(&mut self, now: u64, id: u64, message: &str) {
        if let Some(inf) = self.take_in_flight(id) {
            self.fail(now, &inf, codes::NETWORK, message.to_owned(), None, None);
            self.confirmation_done();
            self.step(now);
        }
    }

    /// The request that carried a confirming GetChanges is over: unless that came back
    /// empty (`on_batch` cleared `confirming`), the hints it covered need a round.
    pub(super) fn confirmation_done(&mut self) {
        if std::mem::take(&mut self.confirming) {
            self.again = true;
        }
    }

    /// The time is `now`: fires due retries and request timeouts.
    pub fn handle_timeout(&mut self, now: u64) {
        if self.in_flight.as_ref().is_some_and(|f| f.deadline <= now) {
            if let Some(inf) = self.in_flight.take() {
                let msg = "no response in time".to_owned();
                self.fail(now, &inf, codes::TIMEOUT, msg, None, None);
                self.confirmation_done();
            }
        }
        if self.retry_at.is_some_and(|t| t <= now) {
            self.retry_at = None;
        }
        self.release_debounced_hints(now);
        if self.poll_due().is_some_and(|due| due <= now) {
            self.again = true;
        }
        self.step(now);
    }

    // ---- outputs ----

    /// The next output, or `None` when drained.
    pub fn poll_output(&mut self) -> Option<Output> {
        let output = self.outputs.pop_front();
        if let (Some(Output::Request(r)), Some(f)) = (&output, &self.in_flight) {
            if r.id == f.id {
                self.in_flight_polled = true;
                if let Step::ReadBatch { changes: true, .. } = f.step {
                    self.changes_request_left();
                    self.confirming = true;
                } else if matches!(f.step, Step::Changes | Step::ChangesAhead) {
                    self.changes_request_left();
                }
            }
        }
        output
    }

    /// When [`handle_timeout`](Self::handle_timeout) should be called next, if ever.
    pub fn poll_timeout(&self) -> Option<u64> {
        let deadline = self.in_flight.as_ref().map(|f| f.deadline);
        [self.retry_at, deadline, self.hints_due, self.poll_due()]
            .into_iter()
            .flatten()
            .min()
    }

    // ---- internals ----

    /// When the safety poll runs a round: `poll_interval_ms` after the feed last
    /// became idle and live.
    fn poll_due(&self) -> Option<u64> {
        let interval = self.cfg.poll_interval_ms;
        let since = self.idle_since.filter(|_| interval > 0)?;
        Some(since.saturating_add(interval))
    }

    fn take_in_flight(&mut self, id: u64) -> Option<InFlight> {
        if self.in_flight.as_ref().is_some_and(|f| f.id == id) {
            self.in_flight.take()
        } else {
            None
        }
    }

    /// Starts whatever is due, then reports a status change.
    pub(super) fn step(&mut self, now: u64) {
        self.pump(now);
        let status = match (&self.job, self.retry_at) {
            (_, Some(at_ms)) => FeedStatus::Retrying {
                attempt: self.failures,
                at_ms,
            },
            (Job::Load(_), None) => FeedStatus::Loading,
            (Job::Round(_), None) => FeedStatus::Syncing,
            (Job::Idle, None) => FeedStatus::Live,
        };
        if !(self.token.is_some() && self.is_idle()) {
            self.idle_since = None;
        } else if self.idle_since.is_none() {
            self.idle_since = Some(now);
        }
        if self.started && self.last_status != Some(status) {
            self.last_status = Some(status);
            self.outputs.push_back(Output::Status(status));
        }
    }
}
