//! Starting a feed from a checkpoint instead of a full load: the items a page showed
//! and the change token they were current at (kept by the app, e.g. in
//! `sessionStorage`, across a page load). The feed shows them at once and catches up
//! with GetChanges from that token, exactly as after a reconnect; a token SharePoint
//! no longer knows (expired, another list) reloads the list as usual, and so does a
//! token older than [`MAX_TOKEN_AGE_MS`] (a running feed's cursor too: see
//! [`ChangeFeed::set_wall_clock`]).

use super::feed::ChangeFeed;
use super::id_map::IdMap;
use super::jobs::{Job, Load};
use super::{codes, FeedError, Output};
use crate::sharepoint::{ticks_to_ms, ChangeToken, Item, ListRef, TokenScope};

/// How old (by the token's time) a change token may be to ask GetChanges from: with an
/// older one the list reloads. SharePoint keeps its change log about 60 days and should
/// refuse an older token, but SharePoint Online has been reported to answer GetChanges
/// from one with no changes and no error (sp-dev-docs issue 10389), which would leave a
/// checkpoint's rows standing as if current, or a feed idle that long deaf.
pub const MAX_TOKEN_AGE_MS: i64 = 50 * 24 * 3600 * 1000;

/// How often at most a running feed reloads because its cursor is old (a day).
const RELOAD_FOR_AGE_EVERY_MS: u64 = 24 * 3600 * 1000;

/// Whether `token` is older than [`MAX_TOKEN_AGE_MS`] at `wall_ms` (Unix ms); a token
/// that does not parse is not (it fails on its own).
pub(super) fn too_old(token: &str, wall_ms: i64) -> bool {
    ChangeToken::parse(token)
        .is_ok_and(|t| wall_ms.saturating_sub(ticks_to_ms(t.ticks)) > MAX_TOKEN_AGE_MS)
}

impl ChangeFeed {
    /// Starts from a checkpoint whose items were the list at `token`, a token this
    /// list's feed delivered: call before [`handle_start`](Self::handle_start), then hand
    /// the items over with [`resume_page`](Self::resume_page). On start, the feed
    /// delivers them as a `Reset` at that token and catches up from it. Returns `false`,
    /// and the feed loads the list as usual, when the feed has started or the token does
    /// not parse, is not a list's, names another list than the configured one, or is
    /// older than [`MAX_TOKEN_AGE_MS`] at `now_unix_ms` (the wall clock). A list
    /// configured by title takes the token's list GUID (as a load would take the list's).
    pub fn resume_from(&mut self, token: &str, now_unix_ms: i64) -> bool {
        let Ok(parsed) = ChangeToken::parse(token) else {
            return false;
        };
        let other_list = matches!(&self.list, ListRef::Id(id) if *id != parsed.scope_id);
        let old = too_old(token, now_unix_ms);
        if self.started || parsed.scope != TokenScope::List || other_list || old {
            return false;
        }
        self.list = ListRef::Id(parsed.scope_id);
        self.job = Job::Load(Load {
            token: Some(token.to_owned()),
            next_url: None,
            prints: IdMap::new(),
            pages: 0,
            empty_pages: 0,
            total: None,
        });
        self.resumed = true;
        true
    }

    /// Hands over items of the checkpoint (as SharePoint sent them): out at once as a
    /// load page, so that a big checkpoint is taken in pieces, as a load is. The pieces
    /// go in ascending ID order, as a load's pages (within one, any order): an item not
    /// past the earlier pieces' ids is dropped. Nothing unless
    /// [`resume_from`](Self::resume_from) accepted a checkpoint and the feed has not
    /// started.
    pub fn resume_page(&mut self, items: Vec<Item>) {
        if self.resumed && !self.started {
            self.load_page(items);
        }
    }

    /// Gives up the checkpoint (its items could not be read) with an `sp-parse` error:
    /// the feed loads the list as usual on start; the pages already handed out are
    /// replaced by the load's.
    pub fn resume_failed(&mut self) {
        if self.resumed && !self.started {
            self.resumed = false;
            self.job = Job::Idle;
            self.outputs.push_back(Output::Error(FeedError {
                code: codes::PARSE,
                message: "the checkpoint's items cannot be read: loading the list".into(),
                request: None,
                status: None,
            }));
        }
    }

    /// The wall clock (Unix ms) at the next inputs: a round whose cursor is older than
    /// [`MAX_TOKEN_AGE_MS`] by it reloads the list instead (an idle list's cursor is the
    /// token of its last change or load). Without it the cursor's age is not looked at.
    pub fn set_wall_clock(&mut self, unix_ms: i64) {
        self.wall_ms = Some(unix_ms);
    }

    /// Whether a round from `cursor` should reload instead: it is older than
    /// [`MAX_TOKEN_AGE_MS`] by the wall clock, and no load started in the last day (a
    /// page's clock far ahead of SharePoint's would otherwise reload every round).
    pub(super) fn cursor_too_old(&self, cursor: &str, now: u64) -> bool {
        let loaded_lately = self
            .load_started
            .is_some_and(|at| now.saturating_sub(at) < RELOAD_FOR_AGE_EVERY_MS);
        !loaded_lately && self.wall_ms.is_some_and(|wall| too_old(cursor, wall))
    }

    /// Whether the feed started from a checkpoint and no change round has completed
    /// since: what it shows may be old.
    pub fn catching_up(&self) -> bool {
        self.resumed
    }
}
