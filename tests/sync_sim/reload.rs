//! A page that closes and later reopens, resuming from a checkpoint of what it showed:
//! the items as delivered and the token of the last delivery. While it is closed its
//! requests die with it and webhooks reach nobody; the reopened feed must catch up
//! from the checkpoint (or reload, when its token has expired) with every version
//! delivered once.

use sp_live::sync::ChangeFeed;

use super::{Event, Sim};

impl Sim {
    pub(crate) fn close_page(&mut self) {
        self.closed = true;
        self.events
            .retain(|_, e| !matches!(e, Event::Response(..) | Event::NetError(_)));
        // Not started: no requests, no timers, until the page reopens.
        self.feed = ChangeFeed::new(self.cfg.clone());
        self.stats.reopens += 1;
    }

    pub(crate) fn reopen_page(&mut self) {
        self.closed = false;
        if let Some(token) = &self.token_text {
            let resumed = self.feed.resume_from(token, super::server::wall(self.now));
            assert!(resumed, "a delivered token resumes its list");
            // In pieces, as the web layer hands a checkpoint over.
            let items = self.view.items();
            let size = 1 + self.rng.up_to(30) as usize;
            for piece in items.chunks(size) {
                self.feed.resume_page(piece.to_vec());
            }
        }
        self.feed.handle_start(self.now);
    }
}
