//! Sans-IO SharePoint change feed (quinn-proto / str0m style).
//!
//! [`ChangeFeed`] keeps one list in sync. It performs no I/O and reads no clock: the
//! driver feeds it inputs (`handle_*`, each with `now` in milliseconds of any monotonic
//! clock) and drains [`Output`]s with [`ChangeFeed::poll_output`] until `None`, then
//! sleeps until [`ChangeFeed::poll_timeout`] (or the next input) and calls
//! [`ChangeFeed::handle_timeout`]. Spurious `handle_timeout` calls are harmless.
//!
//! # Lifecycle
//! - **Load** (on start, token expiry or [`ChangeFeed::reload`]): read the list's
//!   `CurrentChangeToken` (and GUID, item count) *first*, then every item in pages
//!   (`$orderby=ID`, `$top`, next links or `$skiptoken`), each handed out as it comes
//!   ([`Output::LoadPage`]) with a `Progress` output; then deliver `ChangeSet { kind:
//!   Reset, token }`, which completes the snapshot the pages make, and run a catch-up
//!   round from that token. Changes made during the load are in that round; items whose content is
//!   unchanged are *not* re-delivered (the feed keeps a fingerprint of each item's
//!   content, not the item), so every delivered `added`/`updated` is new content.
//! - **Resume** (on start, from a checkpoint: [`ChangeFeed::resume_from`]): the items a
//!   page showed at a token are that token's load, handed out in pages as they are given
//!   ([`ChangeFeed::resume_page`]); the `Reset` at the token follows at once on start,
//!   then the catch-up round from it, as after a load.
//! - **Round** (on a hint for this list, a (re)connect, a wake-up of the page
//!   ([`ChangeFeed::handle_wake`]), or after a load): GetChanges from
//!   the stored token, paged with `FetchLimit` from the last returned token until a page
//!   is empty or short (stopping early never loses a change: the cursor is the last
//!   record returned), collapse per item ([`collapse()`]), read upserted ids by
//!   `$filter` chunked under `url_limit` (ids requested but not returned were deleted
//!   meanwhile; several chunks go in one `$batch` with `batch_reads`), then deliver one
//!   `ChangeSet { kind: Changes, added, updated, deleted, token }`. A round with
//!   nothing to report advances the token silently. With `read_ahead`, each GetChanges
//!   goes in a `$batch` followed by a query for the items modified since the cursor's
//!   time; the changed items it brings need no read (see `read_ahead.rs`).
//! - **Single flight**: one request at a time; hints during a round queue at most one
//!   more round, started once hints have been quiet for `hint_settle_ms` (a hint when
//!   nothing runs starts a round at once); hints for other lists are ignored. With
//!   `batch_reads`, that round is folded into the running one: its reads wait for the
//!   quiet and go with a confirming GetChanges in one `$batch` (see `hints.rs`).
//!
//! # Invariants
//! - The token advances only together with the delivery of the change set built from
//!   it (or silently when that set is empty).
//! - A `Reset` is a full snapshot and comes before any `Changes` built on it.
//! - Failures are outputs: an [`FeedError`] with a stable code, then a retry of the same
//!   request after `Retry-After` or a jittered exponential backoff (seeded PRNG).
//!   Malformed responses never advance the token. Token expired / invalid -> reload
//!   (also after the same SharePoint error from GetChanges three times in a row: an
//!   expiry message in the user's language, see `retry.rs`).
//! - Digest mode: the digest is fetched lazily before the first POST, refreshed before
//!   its timeout, and once more on a 403 security-validation error, after which the
//!   failing request is retried once.
//! - Responses for unknown or stale request ids are ignored.

mod collapse;
mod config;
mod feed;
mod handlers;
mod hints;
mod id_map;
mod jobs;
mod list_state;
mod load;
mod order;
mod plan;
mod read_ahead;
mod resume;
mod retry;
mod rng;
mod sort;
#[cfg(test)]
mod tests;
mod wake;

pub use collapse::{classify, collapse, Classified};
pub use config::{Auth, FeedConfig, RetryPolicy};
pub use feed::ChangeFeed;
pub use id_map::IdMap;
pub use list_state::{diff_ops, Diff, ListState};
pub use order::{compare_values, Order};
pub use resume::MAX_TOKEN_AGE_MS;
pub use rng::SplitMix64;
pub use wake::{Wake, STALE_REQUEST_MS, WAKE_QUIET_MS};

use crate::sharepoint::Item;

/// Stable error codes of [`FeedError::code`].
pub mod codes {
    /// A non-success HTTP status not covered by another code.
    pub const HTTP: &str = "sp-http";
    /// A success response that is not the expected shape.
    pub const PARSE: &str = "sp-parse";
    /// 429 / 503: throttled.
    pub const THROTTLED: &str = "sp-throttled";
    /// The change token is older than the change log (or GetChanges failed with the
    /// same SharePoint error three times in a row: an expiry worded in another
    /// language): a full reload follows.
    pub const TOKEN_EXPIRED: &str = "sp-token-expired";
    /// The change token was refused as invalid (e.g. of another object): a reload follows.
    pub const TOKEN_INVALID: &str = "sp-token-invalid";
    /// 401 / 403, or a digest refused again after a refresh.
    pub const AUTH: &str = "sp-auth";
    /// The driver reported a network error.
    pub const NETWORK: &str = "sp-network";
    /// No response within `request_timeout_ms`.
    pub const TIMEOUT: &str = "sp-timeout";
}

/// An HTTP request for the driver to perform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// Echo this id in `handle_response` / `handle_network_error`.
    pub id: u64,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Absolute URL.
    pub url: String,
    /// Headers to set (the driver adds credentials itself in `Bearer` mode).
    pub headers: Vec<(String, String)>,
    /// JSON body, if any.
    pub body: Option<String>,
    /// The parts of the response that carry list items the feed may deliver (a
    /// response that is not a `$batch` is part 0; empty: none). A driver may parse
    /// them as they arrive, to hand on the objects of items with an [`Origin`] in
    /// this response instead of parsing their texts again.
    ///
    /// [`Origin`]: crate::sharepoint::Origin
    pub item_parts: std::ops::Range<u16>,
}

/// A response handed back by the driver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// `Retry-After` in seconds, if the header was present and numeric.
    pub retry_after_secs: Option<u64>,
    /// Body text.
    pub body: String,
}

/// Whether a change set replaces everything or applies on top.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeSetKind {
    /// `items` is the whole list; drop everything else.
    Reset,
    /// Apply `added`, `updated`, `deleted`.
    Changes,
}

/// What subscribers apply; items are whole SharePoint item objects.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeSet {
    /// Reset or changes.
    pub kind: ChangeSetKind,
    /// Reset from the feed: empty (the snapshot is the [`Output::LoadPage`] pages before
    /// it). Reset built by hand: every item ordered by id. Empty for `Changes`.
    pub items: Vec<Item>,
    /// Items new to the client, ordered by id.
    pub added: Vec<Item>,
    /// Items the client had, with changed content, ordered by id.
    pub updated: Vec<Item>,
    /// Ids of items the client had that are gone, ascending.
    pub deleted: Vec<i64>,
    /// The change token this state corresponds to (persist it to resume later).
    pub token: String,
}

/// The feed's coarse state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedStatus {
    /// Reading the whole list.
    Loading,
    /// Up to date as far as the feed knows; waiting for hints.
    Live,
    /// A change round is running.
    Syncing,
    /// Waiting to retry after a failure.
    Retrying {
        /// Consecutive failures so far.
        attempt: u32,
        /// When the retry happens (same clock as `now`).
        at_ms: u64,
    },
}

/// A failure, reported as an output (the feed keeps going).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedError {
    /// A stable code from [`codes`].
    pub code: &'static str,
    /// Human-readable detail (server message when there is one).
    pub message: String,
    /// The failed request's `(method, url)`.
    pub request: Option<(String, String)>,
    /// The HTTP status, when there was a response.
    pub status: Option<u16>,
}

/// What the driver must do or tell subscribers.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Perform this request and report its outcome with its id.
    Request(HttpRequest),
    /// A page of a full load, items ascending by id and above every id of the
    /// load's earlier pages. Keep the pages: the load's `Deliver` of a `Reset` (whose
    /// `items` are empty) completes the snapshot they make. `first` starts a snapshot:
    /// drop pages kept from a load that was cut short. Streaming the pages keeps a
    /// single page, not the whole list, in memory here.
    LoadPage {
        /// This is the load's first page.
        first: bool,
        /// The page's items.
        items: Vec<Item>,
    },
    /// Apply this change set.
    Deliver(ChangeSet),
    /// The status changed.
    Status(FeedStatus),
    /// Load progress: items read so far, of `total` when known.
    Progress {
        /// Items read so far.
        loaded: u32,
        /// `ItemCount` of the list, when known.
        total: Option<u32>,
    },
    /// Something failed; a retry or reload is already scheduled.
    Error(FeedError),
}
