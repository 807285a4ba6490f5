//! Starting a feed from a checkpoint instead of a full load: the items a page showed
//! and the change token they were current at (kept by the app, e.g. in
//! `sessionStorage`, across a page load). The feed shows them at once and catches up
//! with GetChanges from that token, exactly as after a reconnect; a token SharePoint
//! no longer knows (expired, another list) reloads the list as usual.

use super::feed::ChangeFeed;
use super::id_map::IdMap;
use super::jobs::{Job, Load};
use crate::sharepoint::{ChangeToken, Item, ListRef, TokenScope};

impl ChangeFeed {
    /// Starts from a checkpoint: `items` (as SharePoint sent them) were the list at
    /// `token`, a token this list's feed delivered. Call before
    /// [`handle_start`](Self::handle_start). Returns `false`, and the feed loads the
    /// list as usual, when the feed has started or the token does not parse, is not a
    /// list's, or names another list than the configured one. A list configured by
    /// title takes the token's list GUID (as a load would take the list's).
    pub fn resume_from(&mut self, token: &str, items: Vec<Item>) -> bool {
        let Ok(parsed) = ChangeToken::parse(token) else {
            return false;
        };
        let other_list = matches!(&self.list, ListRef::Id(id) if *id != parsed.scope_id);
        if self.started || parsed.scope != TokenScope::List || other_list {
            return false;
        }
        self.list = ListRef::Id(parsed.scope_id);
        self.resume = Some((token.to_owned(), items));
        true
    }

    /// Whether the feed started from a checkpoint and no change round has completed
    /// since: what it shows may be old.
    pub fn catching_up(&self) -> bool {
        self.resumed
    }

    /// Starts the load a checkpoint stands for, if one is waiting: its items are the
    /// load's one page, so the job finishes at once (a `Reset` at the token) and the
    /// catch-up round follows.
    pub(super) fn take_resume(&mut self) -> bool {
        let Some((token, items)) = self.resume.take() else {
            return false;
        };
        self.job = Job::Load(Load {
            token: Some(token),
            next_url: None,
            prints: IdMap::new(),
            pages: 0,
            total: None,
        });
        self.load_page(items);
        self.resumed = true;
        true
    }
}
