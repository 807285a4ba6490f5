//! What the feed's work in progress holds: the request in flight, and the load or
//! change round it belongs to.

use std::collections::VecDeque;

use super::id_map::IdMap;
use crate::json::Fingerprint;
use crate::sharepoint::Change;
use crate::sharepoint::Item;

/// The kind of an in-flight request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    ContextInfo,
    ListInfo,
    LoadPage,
    Changes,
    /// A GetChanges from the round's cursor and then the items modified since the
    /// cursor's time (the read-ahead), as one `$batch`.
    ChangesAhead,
    Read,
    /// The first `reads` reads of the round as one `$batch`; with `changes`, a GetChanges
    /// from the round's cursor at its end confirms the hints that came during the round.
    ReadBatch {
        reads: u16,
        changes: bool,
    },
}

pub(super) struct InFlight {
    pub id: u64,
    pub step: Step,
    pub method: &'static str,
    pub url: String,
    pub deadline: u64,
    /// This request is the one retry after a digest refresh.
    pub digest_retry: bool,
}

/// A full load in progress.
pub(super) struct Load {
    /// `CurrentChangeToken`, read before any item.
    pub token: Option<String>,
    pub next_url: Option<String>,
    /// Fingerprints of the items read so far (the items themselves are handed out).
    pub prints: IdMap<Fingerprint>,
    /// Pages handed out so far.
    pub pages: u32,
    /// Empty pages in a row, the last ones read.
    pub empty_pages: u32,
    pub total: Option<u32>,
}

/// A change round in progress.
pub(super) struct Round {
    pub cursor: String,
    pub paging: bool,
    /// The round's change records so far, without their tokens (the newest is the cursor).
    pub changes: Vec<Change>,
    pub reads: VecDeque<String>,
    /// Ids read this round, ascending.
    pub requested: Vec<i64>,
    pub fetched: IdMap,
    /// Items from the read-ahead that came with the latest GetChanges page: as new as
    /// that page or newer, so they stand in for reads of its changed items.
    pub ahead: Option<Vec<Item>>,
}

pub(super) enum Job {
    Idle,
    Load(Load),
    Round(Round),
}
