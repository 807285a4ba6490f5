//! The check before the final catch-up: a change the feed was told about must be
//! delivered without any help.
//!
//! The end-of-run check comes after a forced catch-up round, which repairs a change the
//! feed was told about and never read (a hint absorbed by a round that had already sent
//! its GetChanges, say). So the world is checked once more just before it: when
//! [`Sim::drive`] first returns, every event has been handled and the feed is idle (no
//! request out, no retry, backoff or `Retry-After` waiting, no debounced hint), so it has
//! had all the simulated time it wants to settle. Then, if it was *fair* to expect the
//! client to be up to date, its rows must be the server's.
//!
//! It is fair when every change to the server's items (an add, update, delete or
//! restore; not a change-log record about no item) was followed, in the order the
//! events were handled, by something that tells an open page to look for changes:
//! - a webhook hint for this list (not one for another list, not one lost or sent while
//!   the broadcaster was down: those never arrive);
//! - the broadcaster reconnecting (`handle_connected`);
//! - the page coming back online (`Wake::Online`; not `Wake::Visible`, which looks only
//!   after a quiet spell);
//! - the page reopening (from its checkpoint, or with a full load).
//!
//! Anything the page gets while closed reaches nobody and counts for nothing. Lost
//! hints of earlier changes, request faults and expired tokens are all allowed: the
//! round that a later signal starts reads every change since the feed's token.

use std::collections::BTreeMap;

use super::server::GUID;
use super::{Event, Sim};
use sp_live::sync::Wake;

impl Sim {
    /// Called before each event is handled: an event that tells the page to look for
    /// changes covers every change made before it.
    pub(crate) fn note_event(&mut self, event: &Event) {
        let signal = match event {
            Event::Reopen => true,
            _ if self.closed => false,
            Event::Hint(guid) => guid.eq_ignore_ascii_case(GUID),
            Event::Connected | Event::Wake(Wake::Online) => true,
            _ => false,
        };
        if signal {
            self.unsignalled = false;
        }
    }

    /// Called after an edit that changed the server's items.
    pub(crate) fn note_change(&mut self) {
        self.unsignalled = true;
    }

    /// The server's items as the client should hold them (id -> version): those the
    /// view's filter shows, if there is one.
    pub(crate) fn server_rows(&self, view_filter: bool) -> BTreeMap<i64, u64> {
        self.server
            .items
            .iter()
            .filter(|(_, it)| !view_filter || it.shown())
            .map(|(id, it)| (*id, it.version))
            .collect()
    }

    /// Before the final catch-up: the client must hold the server's rows if every
    /// change was signalled (see the module docs). Returns whether it was checked.
    pub(crate) fn check_settled(&self, seed: u64, view_filter: bool) -> bool {
        if self.unsignalled {
            return false; // not fair: a change nothing told the page about
        }
        assert!(
            self.feed.is_idle(),
            "seed {seed}: the feed is not idle at t={} with no event left",
            self.now
        );
        if let Some(diff) = first_difference(&self.client, &self.server_rows(view_filter)) {
            panic!(
                "seed {seed}: before the final catch-up (t={}), with every change \
                 signalled, the client differs from the server: {diff}",
                self.now
            );
        }
        true
    }
}

/// The first row (by id) where `client` and `server` differ, and how many do.
pub(crate) fn first_difference(
    client: &BTreeMap<i64, u64>,
    server: &BTreeMap<i64, u64>,
) -> Option<String> {
    let mut ids: Vec<i64> = client.keys().chain(server.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let differ: Vec<i64> = ids
        .into_iter()
        .filter(|id| client.get(id) != server.get(id))
        .collect();
    let id = *differ.first()?;
    let first = match (client.get(&id), server.get(&id)) {
        (Some(c), Some(s)) => format!("item {id} is v{c} on the client, v{s} on the server"),
        (Some(c), None) => format!("item {id} (v{c}) is on the client, gone from the server"),
        (None, Some(s)) => format!("item {id} (v{s}) is on the server, missing on the client"),
        (None, None) => unreachable!("a differing id is on one side"),
    };
    Some(format!("{first} ({} rows differ)", differ.len()))
}
