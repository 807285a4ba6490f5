//! Failure handling: error classification, retries with backoff, digest refresh, and
//! expired tokens whose message SharePoint wrote in another language.
//!
//! SharePoint Online words its errors in the user's language, and the expiry's code is
//! often the generic -2146232832 (any `SPException`), so an expired token may not be
//! recognisable from one response. But it fails every GetChanges from that cursor the
//! same way, while what else fails a GetChanges passes (a transient server error) or
//! is recognised anyway (throttling, auth, network, a known token error). So the same
//! SharePoint error (status, code and message) from [`SAME_ERROR_LIMIT`] GetChanges
//! from one cursor with no other SharePoint error and no success between them (failures
//! of another kind, such as throttling, do not count either way) counts as an expired
//! token: the list reloads. Only once until
//! a round completes (the reload streak): if GetChanges from the fresh token fails the
//! same way, the token was not the cause, and it is retried as any failure.
//! (The token's age cannot tell: the feed has no wall clock, and the change log's
//! retention is only roughly 60 days.)

use super::feed::ChangeFeed;
use super::jobs::{InFlight, Job, Step};
use super::{codes, Auth, FeedError, HttpResponse, Output};
use crate::sharepoint::{classify_error, SpError, SpErrorKind};

/// GetChanges failures in a row with the same SharePoint error after which the token
/// is taken as expired (see the module docs).
pub const SAME_ERROR_LIMIT: u32 = 3;

impl ChangeFeed {
    /// Counts a GetChanges failure; `true` when it is the same SharePoint error (one with
    /// a code, not one classified otherwise) for the [`SAME_ERROR_LIMIT`]th time in a
    /// row, and no token error has reloaded the list since the last completed round.
    fn same_error_again(&mut self, e: &SpError) -> bool {
        if e.kind != SpErrorKind::Http || e.code.is_none() {
            return false;
        }
        let n = match &self.same_error {
            Some((last, n)) if last == e => n + 1,
            _ => 1,
        };
        self.same_error = Some((e.clone(), n));
        n >= SAME_ERROR_LIMIT && self.reload_streak == 0
    }

    pub(super) fn on_http_error(&mut self, now: u64, inf: &InFlight, resp: &HttpResponse) {
        // A list opened by title whose GUID is gone (deleted, and maybe created again
        // under the title: another GUID) is looked up by title again on the retry; a
        // renamed one goes on by its GUID.
        if inf.step == Step::ListInfo && resp.status == 404 {
            self.list = self.cfg.list.clone();
        }
        let mut e = classify_error(resp.status, &resp.body);
        if inf.step == Step::Changes && self.same_error_again(&e) {
            e.kind = SpErrorKind::TokenExpired;
        }
        let status = Some(resp.status);
        let detail = if e.message.is_empty() {
            crate::text::concat(&["HTTP ", &crate::text::uint(resp.status.into())])
        } else {
            e.message
        };
        match e.kind {
            SpErrorKind::SecurityValidation
                if self.cfg.auth == Auth::Digest
                    && inf.step != Step::ContextInfo
                    && !inf.digest_retry =>
            {
                // Refresh the digest, then retry the same request once.
                self.digest = None;
                self.digest_retry = true;
            }
            SpErrorKind::TokenExpired | SpErrorKind::TokenInvalid if inf.step == Step::Changes => {
                let code = if e.kind == SpErrorKind::TokenExpired {
                    codes::TOKEN_EXPIRED
                } else {
                    codes::TOKEN_INVALID
                };
                self.report(inf, code, detail, status);
                self.job = Job::Idle;
                self.needs_reload = true;
                self.reload_streak += 1;
                if self.reload_streak > 1 {
                    let delay = self.backoff(self.reload_streak - 2);
                    self.retry_at = Some(now.saturating_add(delay));
                    self.retry_after_no_response = false;
                }
            }
            SpErrorKind::Throttled => {
                let ra = resp.retry_after_secs;
                self.fail(now, inf, codes::THROTTLED, detail, status, ra);
            }
            SpErrorKind::Unauthorized | SpErrorKind::SecurityValidation => {
                self.fail(now, inf, codes::AUTH, detail, status, None);
            }
            _ => self.fail(now, inf, codes::HTTP, detail, status, None),
        }
    }

    pub(super) fn report(
        &mut self,
        inf: &InFlight,
        code: &'static str,
        message: String,
        status: Option<u16>,
    ) {
        let request = Some((inf.method.to_owned(), inf.url.clone()));
        self.outputs.push_back(Output::Error(FeedError {
            code,
            message,
            request,
            status,
        }));
    }

    /// Reports and schedules a retry of the same step.
    pub(super) fn fail(
        &mut self,
        now: u64,
        inf: &InFlight,
        code: &'static str,
        message: String,
        status: Option<u16>,
        retry_after_secs: Option<u64>,
    ) {
        self.report(inf, code, message, status);
        let delay = match retry_after_secs {
            Some(secs) => secs
                .saturating_mul(1000)
                .min(self.cfg.retry.retry_after_cap_ms)
                .max(self.cfg.retry.initial_ms),
            None => self.backoff(self.failures),
        };
        self.failures = self.failures.saturating_add(1);
        self.retry_at = Some(now.saturating_add(delay));
        self.retry_after_no_response = matches!(code, codes::NETWORK | codes::TIMEOUT);
    }

    /// Exponential backoff for the `n`th consecutive failure with "equal jitter":
    /// half the delay fixed, half random.
    pub(super) fn backoff(&mut self, n: u32) -> u64 {
        let r = &self.cfg.retry;
        let full = r.initial_ms.saturating_mul(1u64 << n.min(32)).min(r.max_ms);
        full / 2 + self.rng.up_to(full - full / 2)
    }
}
