//! What the feed requests next: starting a due load or round, planning its next
//! request (held item reads while a burst's hints settle, `$batch` for several reads or
//! a confirming GetChanges), and writing the request out with its headers.

use std::collections::VecDeque;

use super::config::Auth;
use super::feed::ChangeFeed;
use super::id_map::IdMap;
use super::jobs::{InFlight, Job, Load, Round, Step};
use super::{HttpRequest, Output};
use crate::sharepoint::{
    batch_content_type, batch_url, context_info_url, get_changes_body, get_changes_url,
    list_info_url, BatchBody, MAX_BATCH,
};
use crate::text;

impl ChangeFeed {
    /// Starts the next job if one is due and issues its next request, unless one is
    /// in flight or a retry is pending; a job with nothing left to request finishes.
    pub(super) fn pump(&mut self, now: u64) {
        // Each pass either issues a request, finishes a job, or returns; a job finishes
        // at most once per pass, so this terminates.
        for _ in 0..8 {
            if !self.started || self.in_flight.is_some() || self.retry_at.is_some() {
                return;
            }
            if matches!(self.job, Job::Idle) {
                if self.needs_reload {
                    self.needs_reload = false;
                    self.resumed = false;
                    self.load_started = Some(now);
                    self.job = Job::Load(Load {
                        token: None,
                        next_url: None,
                        prints: IdMap::new(),
                        pages: 0,
                        empty_pages: 0,
                        total: None,
                    });
                } else if self.again {
                    self.again = false;
                    let Some(token) = self.token.clone() else {
                        self.needs_reload = true;
                        continue;
                    };
                    if self.cursor_too_old(&token, now) {
                        self.needs_reload = true;
                        continue;
                    }
                    self.same_error = None;
                    self.job = Job::Round(Round {
                        cursor: token,
                        paging: true,
                        changes: Vec::new(),
                        reads: VecDeque::new(),
                        requested: Vec::new(),
                        fetched: IdMap::new(),
                        ahead: None,
                    });
                } else {
                    return;
                }
            }
            let site = &self.cfg.site_url;
            let planned = match &self.job {
                Job::Idle => None,
                Job::Load(l) => match (&l.token, &l.next_url) {
                    (None, _) => {
                        Some((Step::ListInfo, "GET", list_info_url(site, &self.list), None))
                    }
                    (Some(_), Some(url)) => Some((Step::LoadPage, "GET", url.clone(), None)),
                    (Some(_), None) => None,
                },
                Job::Round(r) if r.paging && self.read_ahead_since(&r.cursor).is_some() => {
                    // The body is written by `issue`, which knows the id and headers.
                    Some((Step::ChangesAhead, "POST", batch_url(site), None))
                }
                Job::Round(r) if r.paging => {
                    let (url, body) = self.get_changes(&r.cursor);
                    Some((Step::Changes, "POST", url, Some(body)))
                }
                // Hints came while this round ran: hold its reads until they settle,
                // then send them with a GetChanges that confirms there is nothing more
                // (one request for what would be the reads and one more round).
                Job::Round(r)
                    if self.cfg.batch_reads
                        && !r.reads.is_empty()
                        && self.hints_due.is_some_and(|due| due > now) =>
                {
                    return;
                }
                Job::Round(r)
                    if self.cfg.batch_reads
                        && (r.reads.len() > 1 || (self.again && !r.reads.is_empty())) =>
                {
                    // The body is written by `issue`, which knows the id and headers.
                    let changes = self.again;
                    let reads = r.reads.len().min(MAX_BATCH - usize::from(changes)) as u16;
                    let step = Step::ReadBatch { reads, changes };
                    Some((step, "POST", batch_url(site), None))
                }
                Job::Round(r) => r
                    .reads
                    .front()
                    .map(|u| (Step::Read, "GET", u.clone(), None)),
            };
            let Some((step, method, url, body)) = planned else {
                self.finish_job();
                continue;
            };
            let digest_ok = self.digest.as_ref().is_some_and(|(_, until)| *until > now);
            if method == "POST" && self.cfg.auth == Auth::Digest && !digest_ok {
                let url = context_info_url(&self.cfg.site_url);
                self.issue(now, Step::ContextInfo, "POST", url, None);
            } else {
                self.issue(now, step, method, url, body);
            }
            return;
        }
    }

    /// Hands out request `step` (the next id, its headers and body) and puts it in flight.
    fn issue(
        &mut self,
        now: u64,
        step: Step,
        method: &'static str,
        url: String,
        body: Option<String>,
    ) {
        let id = self.next_id;
        self.next_id += 1;
        let mut body = body;
        let mut headers = self
            .cfg
            .metadata
            .headers(body.is_some(), self.explicit_version());
        if let Job::Round(r) = &self.job {
            let boundary = text::concat(&["batch_sp-live-", &text::uint(id)]);
            let batch = match step {
                Step::ReadBatch { reads, changes } => {
                    Some(self.read_batch(r, &boundary, &headers, reads.into(), changes))
                }
                Step::ChangesAhead => Some(self.changes_ahead_batch(r, &boundary, &headers)),
                _ => None,
            };
            if let Some(batch) = batch {
                body = Some(batch);
                headers.push(("Content-Type".into(), batch_content_type(&boundary)));
                // The parts ask for the metadata level; the batch itself for plain JSON,
                // as SPFx's and PnPjs's batches do (SharePoint Online has answered a
                // `$batch` accepting `odata=nometadata` without the parts' details).
                if let Some(accept) = headers.first_mut() {
                    accept.1 = "application/json".into(); // `Metadata::headers` puts it first
                }
            }
        }
        if !self.cfg.client_tag.is_empty() {
            headers.push((
                "X-ClientService-ClientTag".into(),
                self.cfg.client_tag.clone(),
            ));
        }
        if method == "POST" && step != Step::ContextInfo {
            headers.extend(self.digest_header());
        }
        let digest_retry = step != Step::ContextInfo && std::mem::take(&mut self.digest_retry);
        let deadline = now.saturating_add(self.cfg.retry.request_timeout_ms);
        self.in_flight_polled = false;
        self.in_flight = Some(InFlight {
            id,
            step,
            method,
            url: url.clone(),
            deadline,
            digest_retry,
        });
        let item_parts = match step {
            Step::Read => 0..1,
            Step::ReadBatch { reads, .. } => 0..reads,
            Step::ChangesAhead => 1..2,
            _ => 0..0,
        };
        self.outputs.push_back(Output::Request(HttpRequest {
            id,
            method,
            url,
            headers,
            body,
            item_parts,
        }));
    }

    /// The first `reads` reads of round `r` (each part asks for the same metadata level
    /// as a request of its own), then, with `changes`, a confirming GetChanges.
    fn read_batch(
        &self,
        r: &Round,
        boundary: &str,
        headers: &[(String, String)],
        reads: usize,
        changes: bool,
    ) -> String {
        let mut batch = BatchBody::new(boundary);
        for url in r.reads.iter().take(reads) {
            batch.get(url, headers);
        }
        if changes {
            let post_headers = self.post_headers();
            let (url, json) = self.get_changes(&r.cursor);
            batch.post((&url, &post_headers, &json));
        }
        batch.finish()
    }

    /// A GetChanges from round `r`'s cursor, then the read-ahead: the service runs the
    /// GET after the POST, so the items it returns are at least as new as the changes.
    fn changes_ahead_batch(
        &self,
        r: &Round,
        boundary: &str,
        headers: &[(String, String)],
    ) -> String {
        let mut batch = BatchBody::new(boundary);
        let post_headers = self.post_headers();
        let (url, json) = self.get_changes(&r.cursor);
        batch.post((&url, &post_headers, &json));
        let since = self.read_ahead_since(&r.cursor).unwrap_or_default();
        batch.get(&self.read_ahead_url(since), headers);
        batch.finish()
    }

    /// Whether requests name their OData version even when it is SharePoint's default:
    /// with a caller's `fetch`, which may add one of its own (SPFx's `SPHttpClient`).
    fn explicit_version(&self) -> bool {
        self.cfg.auth == Auth::External
    }

    /// The headers of a POST inside a batch.
    fn post_headers(&self) -> Vec<(String, String)> {
        let mut headers = self.cfg.metadata.headers(true, self.explicit_version());
        headers.extend(self.digest_header());
        headers
    }

    /// The URL and body of a GetChanges from `cursor`.
    pub(super) fn get_changes(&self, cursor: &str) -> (String, String) {
        let url = get_changes_url(&self.cfg.site_url, &self.list);
        (
            url,
            get_changes_body(self.cfg.metadata, cursor, self.cfg.fetch_limit),
        )
    }

    /// `X-RequestDigest` for a POST in digest mode, once there is a digest.
    fn digest_header(&self) -> Option<(String, String)> {
        match (self.cfg.auth, &self.digest) {
            (Auth::Digest, Some((digest, _))) => Some(("X-RequestDigest".into(), digest.clone())),
            _ => None,
        }
    }
}
