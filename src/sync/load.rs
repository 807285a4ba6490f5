//! The pages of a full load (and of a checkpoint, which stands for one): handed out by
//! ID as they come, each item's fingerprint kept.

use super::feed::ChangeFeed;
use super::id_map::IdMap;
use super::jobs::Job;
use super::Output;
use crate::sharepoint::Item;

impl ChangeFeed {
    /// Hands out one page of the load in progress, by id and only past the earlier
    /// pages (a repeated id keeps its first copy: the catch-up round after the load
    /// brings any later version), with the load's progress. Returns the last id seen
    /// before the page and the page's highest, or `None` without a load.
    pub(super) fn load_page(&mut self, page: Vec<Item>) -> Option<(Option<i64>, Option<i64>)> {
        let Job::Load(l) = &mut self.job else {
            return None;
        };
        let last_id = page.iter().map(|item| item.id).max();
        let before = l.prints.last_id();
        let mut items = IdMap::new();
        items.extend(page.into_iter().map(|item| (item.id, item)));
        let items: Vec<Item> = items
            .into_entries()
            .into_iter()
            .filter(|(id, _)| before.is_none_or(|b| *id > b))
            .map(|(id, item)| {
                l.prints.insert(id, item.print);
                item
            })
            .collect();
        let first = l.pages == 0;
        self.outputs.push_back(Output::LoadPage { first, items });
        l.pages += 1;
        let loaded = u32::try_from(l.prints.len()).unwrap_or(u32::MAX);
        let total = l.total;
        self.outputs.push_back(Output::Progress { loaded, total });
        Some((before, last_id))
    }
}
