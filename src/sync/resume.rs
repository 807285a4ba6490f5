//! Starting a feed from a checkpoint instead of a full load: the items a page showed
//! and the change token they were current at (kept by the app, e.g. in
//! `sessionStorage`, across a page load). The feed shows them at once and catches up
//! with GetChanges from that token, exactly as after a reconnect; a token SharePoint
//! no longer knows (expired, another list) reloads the list as usual, and so does a
//! token older than [`MAX_RESUME_AGE_MS`].

use super::feed::ChangeFeed;
use super::id_map::IdMap;
use super::jobs::{Job, Load};
use super::{codes, FeedError, Output};
use crate::sharepoint::{ticks_to_ms, ChangeToken, Item, ListRef, TokenScope};

/// How old (by the token's time) a checkpoint's change token may be to catch up from:
/// an older one reloads the list. SharePoint keeps its change log about 60 days and
/// should refuse an older token, but SharePoint Online has been reported to answer
/// GetChanges from one with no changes and no error (sp-dev-docs issue 10389), which
/// would leave the checkpoint's rows standing as if current.
pub const MAX_RESUME_AGE_MS: i64 = 50 * 24 * 3600 * 1000;

impl ChangeFeed {
    /// Starts from a checkpoint whose items were the list at `token`, a token this
    /// list's feed delivered: call before [`handle_start`](Self::handle_start), then hand
    /// the items over with [`resume_page`](Self::resume_page). On start, the feed
    /// delivers them as a `Reset` at that token and catches up from it. Returns `false`,
    /// and the feed loads the list as usual, when the feed has started or the token does
    /// not parse, is not a list's, names another list than the configured one, or is
    /// older than [`MAX_RESUME_AGE_MS`] at `now_unix_ms` (the wall clock). A list
    /// configured by title takes the token's list GUID (as a load would take the list's).
    pub fn resume_from(&mut self, token: &str, now_unix_ms: i64) -> bool {
        let Ok(parsed) = ChangeToken::parse(token) else {
            return false;
        };
        let other_list = matches!(&self.list, ListRef::Id(id) if *id != parsed.scope_id);
        let too_old = now_unix_ms.saturating_sub(ticks_to_ms(parsed.ticks)) > MAX_RESUME_AGE_MS;
        if self.started || parsed.scope != TokenScope::List || other_list || too_old {
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

    /// Whether the feed started from a checkpoint and no change round has completed
    /// since: what it shows may be old.
    pub fn catching_up(&self) -> bool {
        self.resumed
    }
}
