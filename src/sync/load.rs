//! The pages of a full load (and of a checkpoint, which stands for one): handed out by
//! ID as they come, each item's fingerprint kept.

use super::feed::ChangeFeed;
use super::id_map::IdMap;
use super::jobs::Job;
use super::Output;
use crate::sharepoint::{items_page_url, parse_items, skiptoken_id, Item};

/// Empty pages in a row that a load follows when their next links do not move past the
/// ids already paged (a server that links such pages for ever must not hold the feed)...
const MAX_EMPTY_PAGES: u32 = 100;
/// ...and when they do: a view of a huge list paged by windows of 5,000 items may take
/// many (this is 50 million ids), but a server must not hold the feed with them either.
const MAX_ADVANCING_EMPTY_PAGES: u32 = 10_000;

/// The `p_ID` of `link` (a page's next link) when its `$skiptoken` moves past the ids of
/// the page requested as `url`.
pub(super) fn advance(url: &str, link: &str) -> Option<i64> {
    let next = skiptoken_id(link)?;
    skiptoken_id(url).is_none_or(|at| next > at).then_some(next)
}

/// Whether to follow `link`, the next link of an empty page requested as `url`, with
/// `empty` empty pages in a row so far (this one included). SharePoint may page a view
/// (`$filter`) of a big list by windows of the list, some of which hold none of the
/// view's items: links that advance are followed for [`MAX_ADVANCING_EMPTY_PAGES`] in a
/// row, any other (one to itself never) for [`MAX_EMPTY_PAGES`].
fn follow_empty_page(url: &str, link: &str, empty: u32) -> bool {
    let most = match advance(url, link) {
        Some(_) => MAX_ADVANCING_EMPTY_PAGES,
        None => MAX_EMPTY_PAGES,
    };
    link != url && empty <= most
}

impl ChangeFeed {
    /// Takes a 2xx answer to the load's page request `url`: hands the page out and
    /// plans the next page (its next link, else a `$skiptoken` past a full page's last
    /// id), or ends the load.
    pub(super) fn on_load_page(&mut self, url: &str, body: &str) -> Result<(), String> {
        let page = parse_items(body).map_err(|e| e.message())?;
        let full = page.items.len() >= self.cfg.page_size as usize;
        let next = page.next_link.and_then(|l| self.same_site(&l));
        let Some((before, last_id)) = self.load_page(page.items) else {
            return Ok(());
        };
        let Job::Load(l) = &mut self.job else {
            return Ok(());
        };
        l.empty_pages = if last_id.is_none() {
            l.empty_pages + 1
        } else {
            0
        };
        // A page that does not move past the ids already seen (a server ignoring the
        // skip token) ends the load whatever it links to; so does an empty page without
        // a link to follow (see `follow_empty_page`).
        let stuck = last_id.is_some() && last_id <= before;
        l.next_url = match (last_id, next) {
            _ if stuck => None,
            (None, Some(link)) if follow_empty_page(url, &link, l.empty_pages) => Some(link),
            (None, Some(link)) if link != url => {
                // A run of empty pages too long to follow: not silently, as the rows may
                // lack the rest of the view.
                self.outputs.push_back(Output::Error(super::FeedError {
                    code: super::codes::PARSE,
                    message: "the load ended at a long run of empty pages".into(),
                    request: None,
                    status: None,
                }));
                None
            }
            (None, _) => None,
            (Some(_), Some(link)) if link != url => Some(link),
            (Some(id), _) if full => Some(items_page_url(
                &self.cfg.site_url,
                &self.list,
                &self.cfg.select,
                &self.filter,
                self.cfg.page_size,
                Some(id),
            )),
            _ => None,
        };
        Ok(())
    }

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
