//! Success handling per request kind, and finishing loads and rounds.

use std::collections::VecDeque;
use std::mem;

use super::codes;
use super::collapse::collapse;
use super::feed::ChangeFeed;
use super::id_map::IdMap;
use super::jobs::{InFlight, Job, Step};
use super::{ChangeSet, ChangeSetKind, HttpResponse, Output};

use crate::sharepoint::{
    chunk_item_reads, items_page_url, parse_batch, parse_changes, parse_context_info,
    parse_items_from, parse_list_info, BatchPart, ChangeToken, Item, ItemEffect, ListRef,
    ParseError,
};
use crate::text::{concat, uint};

/// SharePoint's GetChanges `FetchLimit` when none is given: a page this long is full
/// whatever limit was asked.
const DEFAULT_FETCH_LIMIT: usize = 1_000;

/// Shortest time a form digest is used, whatever lifetime the server gave it.
const MIN_DIGEST_USE_MS: u64 = 1_000;

/// Puts `items` at the front of `queue`, in their order.
fn push_front_all<T>(queue: &mut VecDeque<T>, items: impl IntoIterator<Item = T>) {
    let items: Vec<T> = items.into_iter().collect();
    for item in items.into_iter().rev() {
        queue.push_front(item);
    }
}

impl ChangeFeed {
    /// Applies a 2xx response; `Err` means the body was not the expected shape (the
    /// state is then unchanged and the same request is retried).
    pub(super) fn on_success(
        &mut self,
        now: u64,
        inf: &InFlight,
        body: &str,
    ) -> Result<(), String> {
        let bad = |e: crate::sharepoint::ParseError| e.message();
        match inf.step {
            Step::ContextInfo => {
                let info = parse_context_info(body).map_err(bad)?;
                let life = info.timeout_secs.saturating_mul(1000);
                let usable = life.saturating_sub(self.cfg.digest_margin_ms).max(life / 2);
                // A digest stale on arrival (a lifetime of 0) would be asked for again at
                // once, forever: use it for a moment (a refusal refreshes it once).
                let usable = usable.max(MIN_DIGEST_USE_MS);
                self.digest = Some((info.form_digest, now.saturating_add(usable)));
            }
            Step::ListInfo => {
                let info = parse_list_info(body).map_err(bad)?;
                ChangeToken::parse(&info.current_token).map_err(|e| e.message())?;
                if let (ListRef::Title(_), Some(id)) = (&self.list, &info.id) {
                    self.list = ListRef::Id(id.clone());
                }
                let url = items_page_url(
                    &self.cfg.site_url,
                    &self.list,
                    &self.cfg.select,
                    &self.filter,
                    self.cfg.page_size,
                    None,
                );
                self.list_size = info.item_count.unwrap_or(0);
                if let Job::Load(l) = &mut self.job {
                    l.token = Some(info.current_token);
                    // With a filter, how many items it lets through is not known.
                    l.total = info.item_count.filter(|_| self.filter.is_empty());
                    l.next_url = Some(url);
                }
            }
            Step::LoadPage => self.on_load_page(&inf.url, body)?,
            Step::Changes => {
                // The read-ahead that came with this page (if any) is only good for it.
                let ahead = match &mut self.job {
                    Job::Round(r) => r.ahead.take(),
                    _ => None,
                };
                let records = parse_changes(body).map_err(bad)?;
                self.same_error = None;
                let limit = self.cfg.fetch_limit as usize;
                let max = self.cfg.max_changes_per_round;
                let guid = self.list.id().map(str::to_owned);
                let Job::Round(r) = &mut self.job else {
                    return Ok(());
                };
                // A page of SharePoint's default FetchLimit is full too: a server may
                // cap a bigger limit (Online's cap is unconfirmed).
                let short = records.len() < limit.min(DEFAULT_FETCH_LIMIT);
                let mut cursor = ChangeToken::parse(&r.cursor).ok();
                // The newest token so far moves out of its record (the records need none
                // once the cursor has it): no copy per record that advances the cursor.
                let mut newest = None;
                for mut c in records {
                    if let Some(text) = c.token.take() {
                        if let Ok(t) = ChangeToken::parse(&text) {
                            if cursor.as_ref().is_none_or(|cur| t > *cur) {
                                cursor = Some(t);
                                newest = Some(text);
                            }
                        }
                    }
                    let foreign = matches!((&c.list_id, &guid), (Some(a), Some(b)) if a != b);
                    if !foreign {
                        r.changes.push(c);
                    }
                }
                let advanced = newest.is_some();
                if let Some(text) = newest {
                    r.cursor = text;
                }
                if short || !advanced || r.changes.len() >= max {
                    if !short && advanced {
                        self.again = true; // more to fetch: deliver this part first
                    }
                    self.plan_reads(ahead);
                }
            }
            Step::Read => {
                let next = self.apply_read(&inf.url, body, (inf.id, 0))?;
                if let Job::Round(r) = &mut self.job {
                    r.reads.pop_front();
                    push_front_all(&mut r.reads, next);
                }
            }
            // Handled by `on_batch` and `on_changes_ahead`.
            Step::ReadBatch { .. } | Step::ChangesAhead => {}
        }
        Ok(())
    }

    /// Keeps the requested items of one read, part `at.1` of the response to request
    /// `at.0`; returns the next page to read, if any.
    fn apply_read(
        &mut self,
        url: &str,
        body: &str,
        at: (u64, u16),
    ) -> Result<Option<String>, String> {
        let page = parse_items_from(body, at.0, at.1).map_err(|e| e.message())?;
        let next = page.next_link.and_then(|l| self.same_site(&l));
        let Job::Round(r) = &mut self.job else {
            return Ok(None);
        };
        for item in page.items {
            if r.requested.binary_search(&item.id).is_ok() {
                r.fetched.insert(item.id, item);
            }
        }
        // A next link (a view paged by windows of a big list: a page may be empty and
        // link on) is followed while its `$skiptoken` moves past the page's ids and short
        // of the last id asked for, so the pages end whatever the server sends; the ids
        // not read are taken as deleted when the reads end.
        let last_asked = r.requested.last().copied().unwrap_or(0);
        Ok(next.filter(|l| super::load::advance(url, l).is_some_and(|next| next < last_asked)))
    }

    /// Applies a 2xx `$batch` response to the round's first `n` reads, each part as that
    /// read's response. The parts that failed (or do not parse) go back in the queue, and
    /// the first of them is returned, to be handled as that read's own response: the
    /// same retries, throttling and reports as without a batch, while the other parts
    /// count. A response that is not a batch of `n` parts fails the whole batch.
    pub(super) fn on_batch(
        &mut self,
        now: u64,
        inf: &InFlight,
        n: usize,
        changes: bool,
        body: &str,
    ) -> Option<(InFlight, HttpResponse)> {
        let mut parts = match parse_batch(body) {
            Ok(parts) if parts.len() == n + usize::from(changes) => parts,
            other => {
                self.unusable_batch(now, inf, other, n, "reading one by one");
                return None;
            }
        };
        if changes {
            // The confirming GetChanges: empty means every hint so far is covered; new
            // changes (or a failure) leave `confirming` set, so one more round reads them.
            let part = parts.pop();
            let ok = |p: &BatchPart| (200..300).contains(&p.status);
            let empty = part
                .filter(ok)
                .is_some_and(|p| parse_changes(&p.body).is_ok_and(|c| c.is_empty()));
            if empty {
                self.confirming = false;
            }
        }
        let Job::Round(r) = &mut self.job else {
            return None;
        };
        let urls: Vec<String> = (0..n).map_while(|_| r.reads.pop_front()).collect();
        let mut again = Vec::new();
        let mut first_failure = None;
        for (at, (url, part)) in urls.into_iter().zip(parts).enumerate() {
            let outcome = match (200..300).contains(&part.status) {
                true => self.apply_read(&url, &part.body, (inf.id, at as u16)).ok(),
                false => None,
            };
            match outcome {
                Some(next) => again.extend(next),
                None => {
                    again.insert(0, url.clone());
                    first_failure.get_or_insert((url, part));
                }
            }
        }
        if let Job::Round(r) = &mut self.job {
            push_front_all(&mut r.reads, again);
        }
        if first_failure.is_none() {
            self.failures = 0;
        }
        let (url, part) = first_failure?;
        let read = InFlight {
            step: Step::Read,
            method: "GET",
            url,
            ..*inf
        };
        let response = HttpResponse {
            status: part.status,
            retry_after_secs: part.retry_after_secs,
            body: part.body,
        };
        Some((read, response))
    }

    /// Whatever answered `inf` (a batch of `requests`) does not speak `$batch` as
    /// expected: no more batches (`then` says what happens instead), and the request is
    /// reported and retried.
    pub(super) fn unusable_batch(
        &mut self,
        now: u64,
        inf: &InFlight,
        got: Result<Vec<BatchPart>, ParseError>,
        requests: usize,
        then: &str,
    ) {
        self.cfg.batch_reads = false;
        let then = concat(&["; ", then, " from now on"]);
        let message = match got {
            Ok(parts) => concat(&[
                "the $batch response has ",
                &uint(parts.len() as u64),
                " parts for ",
                &uint(requests as u64),
                " requests",
                &then,
            ]),
            Err(e) => concat(&[&e.message(), &then]),
        };
        self.fail(now, inf, codes::PARSE, message, None, None);
    }

    /// A next link to follow, always on the site's origin (credentials must not leak
    /// to another): what comes from its `/_api/` on, after the site URL (none without
    /// one). So a server-relative link, or one on another origin (SharePoint's own, when
    /// the site URL goes through a proxy on the page's origin or spells its port out),
    /// continues on the site as a link on it does. Only the link's path is looked at: a
    /// `/_api/` in its query would rebase what is no REST path.
    pub(super) fn same_site(&self, link: &str) -> Option<String> {
        let path = crate::text::split_once(link, "?").map_or(link, |(path, _)| path);
        let api = crate::text::find(path, "/_api/")?;
        Some(concat(&[&self.cfg.site_url, &link[api..]]))
    }

    /// Paging is over: collapse, take what the read-ahead brought, plan the other reads.
    fn plan_reads(&mut self, ahead: Option<Vec<Item>>) {
        let Job::Round(r) = &mut self.job else { return };
        r.paging = false;
        // Reads return the *current* item, which may be ahead of the round's token (a
        // later restore, say). So a net delete of an item the client has is confirmed
        // by reading it too: delivered state always comes from a read later than any
        // before, and never goes back in time. The read-ahead ran after this page's
        // GetChanges, so its items count as such reads; a delete it cannot confirm (a
        // restored item keeps its old `Modified`).
        let read_ahead = ahead.is_some();
        let mut ahead_items = IdMap::new();
        ahead_items.extend(ahead.into_iter().flatten().map(|item| (item.id, item)));
        let (mut changed, mut covered) = (0, 0);
        let net = collapse(&mem::take(&mut r.changes));
        let mut requested = Vec::new();
        let mut to_read = Vec::new();
        for (id, effect) in net {
            match effect {
                ItemEffect::Upsert => {
                    changed += 1;
                    match ahead_items.remove(id) {
                        Some(item) => {
                            covered += 1;
                            r.fetched.insert(id, item);
                        }
                        None => to_read.push(id),
                    }
                }
                ItemEffect::Delete if self.items.contains_key(id) => to_read.push(id),
                ItemEffect::Delete => continue,
            }
            requested.push(id);
        }
        let urls = chunk_item_reads(
            &self.cfg.site_url,
            &self.list,
            &self.cfg.select,
            &self.filter,
            &to_read,
            self.cfg.url_limit,
        );
        r.requested = requested;
        r.reads = urls.into();
        // With a filter, a changed item the read-ahead missed may just be outside the
        // view (its read finds nothing): not a sign the query's window is wrong.
        if read_ahead && self.filter.is_empty() {
            self.read_ahead_done(changed, covered);
        }
    }

    /// The job has nothing left to request: deliver its result and go idle.
    pub(super) fn finish_job(&mut self) {
        match mem::replace(&mut self.job, Job::Idle) {
            Job::Idle => {}
            Job::Load(l) => {
                let Some(token) = l.token else { return };
                self.items = l.prints;
                self.token = Some(token.clone());
                self.outputs.push_back(Output::Deliver(ChangeSet {
                    kind: ChangeSetKind::Reset,
                    items: Vec::new(),
                    added: Vec::new(),
                    updated: Vec::new(),
                    deleted: Vec::new(),
                    token,
                }));
                self.again = true; // catch up on changes made during the load
            }
            Job::Round(r) => {
                self.reload_streak = 0;
                self.resumed = false;
                let mut set = ChangeSet {
                    kind: ChangeSetKind::Changes,
                    items: Vec::new(),
                    added: Vec::new(),
                    updated: Vec::new(),
                    deleted: Vec::new(),
                    token: r.cursor.clone(),
                };
                let gone = r
                    .requested
                    .iter()
                    .filter(|id| !r.fetched.contains_key(**id));
                // Ascending, as `requested` is: removed in one pass.
                for &id in gone {
                    if self.items.contains_key(id) {
                        set.deleted.push(id);
                    }
                }
                self.items.remove_sorted(&set.deleted);
                for (id, item) in r.fetched.into_entries() {
                    let print = item.print;
                    match self.items.insert(id, print) {
                        None => set.added.push(item),
                        Some(old) if old != print => set.updated.push(item),
                        Some(_) => {} // unchanged: already delivered
                    }
                }
                self.token = Some(r.cursor);
                if !(set.added.is_empty() && set.updated.is_empty() && set.deleted.is_empty()) {
                    self.outputs.push_back(Output::Deliver(set));
                }
            }
        }
    }
}
