//! Failure handling: error classification, retries with backoff, digest refresh.

use super::feed::ChangeFeed;
use super::jobs::{InFlight, Job, Step};
use super::{codes, Auth, FeedError, HttpResponse, Output};
use crate::sharepoint::{classify_error, SpErrorKind};

impl ChangeFeed {
    pub(super) fn on_http_error(&mut self, now: u64, inf: &InFlight, resp: &HttpResponse) {
        let e = classify_error(resp.status, &resp.body);
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
    }

    /// Exponential backoff for the `n`th consecutive failure with "equal jitter":
    /// half the delay fixed, half random.
    pub(super) fn backoff(&mut self, n: u32) -> u64 {
        let r = &self.cfg.retry;
        let full = r.initial_ms.saturating_mul(1u64 << n.min(32)).min(r.max_ms);
        full / 2 + self.rng.up_to(full - full / 2)
    }
}
