//! Change feed configuration.

use crate::sharepoint::{ListRef, Metadata, DEFAULT_URL_LIMIT, MAX_TOP};

/// The default `X-ClientService-ClientTag`: this crate, at its version.
pub const DEFAULT_CLIENT_TAG: &str = concat!("NONISV|sp-live|sp-live/", env!("CARGO_PKG_VERSION"));

/// How requests are authenticated; the engine only needs to know whether it must fetch
/// and send a form digest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Auth {
    /// Same-origin cookies: the engine fetches `/_api/contextinfo` and sends
    /// `X-RequestDigest` on POSTs.
    #[default]
    Digest,
    /// The driver adds `Authorization: Bearer ...` itself; no digest is needed.
    Bearer,
    /// A caller-supplied fetch (e.g. SPFx `SPHttpClient`) owns auth, digest included.
    External,
}

/// Retry and backoff knobs (all in milliseconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// First backoff delay (doubles per consecutive failure, with jitter). Default 1 s.
    pub initial_ms: u64,
    /// Backoff ceiling. Default 60 s.
    pub max_ms: u64,
    /// Ceiling for a server's `Retry-After`. Default 10 min.
    pub retry_after_cap_ms: u64,
    /// A request without a response after this long is treated as a network error
    /// (its late response is then ignored). Default 90 s.
    pub request_timeout_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_ms: 1_000,
            max_ms: 60_000,
            retry_after_cap_ms: 600_000,
            request_timeout_ms: 90_000,
        }
    }
}

/// Everything a [`ChangeFeed`](super::ChangeFeed) needs to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedConfig {
    /// Absolute site (web) URL, e.g. `https://contoso.sharepoint.com/sites/team`.
    pub site_url: String,
    /// The list; a title reference switches to the GUID once the list info is read.
    pub list: ListRef,
    /// Fields to `$select` (`Id` and `Modified` are always added).
    pub select: Vec<String>,
    /// An OData `$filter` for the items to show (`""`: all). SharePoint applies it to
    /// the load, the read-ahead and every read by ID, so an item that stops matching
    /// reads as gone (delivered as deleted) and one that starts matching as added.
    pub filter: String,
    /// OData flavour of requests and responses.
    pub metadata: Metadata,
    /// Maximum URL length for item reads by ID. Default 1,500.
    pub url_limit: usize,
    /// Read a round's changed items through `$batch` when they take more than one
    /// request (up to 20 reads per batch): one round trip instead of one per chunk; and
    /// when hints came during the round, hold its reads until the hints settle and
    /// confirm them with a GetChanges in the same batch (a burst costs two requests).
    /// Default true.
    pub batch_reads: bool,
    /// With `batch_reads`: send each GetChanges in a `$batch` with a query for the items
    /// modified since the cursor's time, run after it, so the changed items it covers
    /// need no read (a lone edit: one round trip instead of two). Lists over 5,000
    /// items never use it; a refused query turns it off. Default true.
    pub read_ahead: bool,
    /// `$top` of the full load's pages (1..=5000). Default 2,000 (as PnPjs's `getAll`):
    /// half the round trips of 1,000 for one page of items in memory at a time.
    pub page_size: u32,
    /// GetChanges `FetchLimit`. Default 1,000.
    pub fetch_limit: u32,
    /// Collected changes after which a round stops paging, delivers, and queues another
    /// round (bounds memory and latency of huge bursts). Default 10,000.
    pub max_changes_per_round: usize,
    /// Authentication mode.
    pub auth: Auth,
    /// Sent as `X-ClientService-ClientTag` when not empty; the driver may also use it
    /// as a `User-Agent`. Default `NONISV|sp-live|sp-live/<crate version>`.
    pub client_tag: String,
    /// Refresh the digest this long before `FormDigestTimeoutSeconds` runs out
    /// (at most half the lifetime). Default 60 s.
    pub digest_margin_ms: u64,
    /// Wait this long for more hints before starting a round (each hint restarts the
    /// wait, up to `hint_debounce_max_ms` after the first): fewer requests per burst
    /// for a little latency. Default 0 (a round starts at the first hint).
    pub hint_debounce_ms: u64,
    /// Longest wait since the first debounced hint. Default 1,000 ms.
    pub hint_debounce_max_ms: u64,
    /// With no debounce: a hint that comes while a round is running (and so needs one
    /// more round) waits until hints have been quiet this long, up to
    /// `hint_debounce_max_ms` after the first, so the rest of a burst costs one more
    /// round, not one per hint that lands in a round. A hint when nothing is running
    /// still starts a round at once. Default 50 ms; 0 runs the next round right away.
    pub hint_settle_ms: u64,
    /// With nothing to do for this long, run a round anyway: webhooks arrive late and
    /// sometimes not at all (a delivery dropped after its retries, a broadcaster out of
    /// reach), and a round that finds nothing costs one small GetChanges. 0: only hints
    /// and reconnects start rounds. Default 300,000 ms (5 minutes).
    pub poll_interval_ms: u64,
    /// Retry and backoff.
    pub retry: RetryPolicy,
    /// Seed of the jitter PRNG (e.g. from `Math.random()` in the driver).
    pub seed: u64,
}

impl FeedConfig {
    /// A configuration with the defaults.
    pub fn new(site_url: &str, list: ListRef) -> Self {
        FeedConfig {
            site_url: crate::text::trim_end_byte(site_url.trim_ascii(), b'/').to_owned(),
            list,
            select: Vec::new(),
            filter: String::new(),
            metadata: Metadata::None,
            url_limit: DEFAULT_URL_LIMIT,
            batch_reads: true,
            read_ahead: true,
            page_size: 2000,
            fetch_limit: 1000,
            max_changes_per_round: 10_000,
            auth: Auth::Digest,
            client_tag: DEFAULT_CLIENT_TAG.to_owned(),
            digest_margin_ms: 60_000,
            hint_debounce_ms: 0,
            hint_debounce_max_ms: 1_000,
            hint_settle_ms: 50,
            poll_interval_ms: 300_000,
            retry: RetryPolicy::default(),
            seed: 0,
        }
    }

    /// The same configuration with out-of-range numbers clamped.
    pub(super) fn sanitized(mut self) -> Self {
        self.page_size = self.page_size.clamp(1, MAX_TOP);
        self.fetch_limit = self.fetch_limit.max(1);
        self.max_changes_per_round = self.max_changes_per_round.max(1);
        self.retry.initial_ms = self.retry.initial_ms.max(1);
        self.retry.max_ms = self.retry.max_ms.max(self.retry.initial_ms);
        self.retry.request_timeout_ms = self.retry.request_timeout_ms.max(1);
        self.site_url = crate::text::trim_end_byte(self.site_url.trim_ascii(), b'/').to_owned();
        self
    }
}
