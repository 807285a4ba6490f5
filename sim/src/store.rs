//! The in-memory SharePoint model: sites, lists, items, the change log, the recycle
//! bin and webhook subscriptions. Everything lives in [`Inner`] behind one mutex.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::config::Knobs;
use crate::faults::Faults;
use crate::time;
use crate::webhooks::HookState;

/// One list item.
#[derive(Clone, Debug)]
pub struct Item {
    /// Integer item id (`Id`/`ID`).
    pub id: u32,
    /// The item's `GUID` / change `UniqueId`.
    pub unique_id: Uuid,
    /// User fields (Title and anything set by a client).
    pub fields: Map<String, Value>,
    /// Version, used as the etag `"N"`.
    pub version: u32,
    /// Creation time, Unix ms.
    pub created_ms: i64,
    /// Last modification, Unix ms.
    pub modified_ms: i64,
    /// Author user id.
    pub author_id: i64,
    /// Last editor user id.
    pub editor_id: i64,
}

/// One entry of a list's change log.
#[derive(Clone, Debug)]
pub struct Change {
    /// Monotonic change number within the list.
    pub number: i64,
    /// SharePoint ChangeType number (1 Add, 2 Update, 3 DeleteObject, 7 Restore, 15 SystemUpdate).
    pub change_type: u8,
    /// Item id the change is about.
    pub item_id: u32,
    /// Item GUID.
    pub unique_id: Uuid,
    /// When it happened (sim clock), Unix ms.
    pub time_ms: i64,
}

/// A webhook subscription on a list.
#[derive(Clone, Debug)]
pub struct Subscription {
    /// Subscription id.
    pub id: Uuid,
    /// Where notifications are POSTed.
    pub notification_url: String,
    /// Expiry (sim clock), Unix ms.
    pub expiration_ms: i64,
    /// Opaque client state echoed in notifications.
    pub client_state: Option<String>,
}

/// A generic list (BaseTemplate 100 by default).
#[derive(Clone, Debug)]
pub struct List {
    /// List GUID.
    pub id: Uuid,
    /// Display title.
    pub title: String,
    /// Description.
    pub description: String,
    /// BaseTemplate number.
    pub base_template: i64,
    /// Creation time, Unix ms.
    pub created_ms: i64,
    /// Last item change time, Unix ms.
    pub last_modified_ms: i64,
    /// Last item deletion time, Unix ms.
    pub last_deleted_ms: i64,
    /// Live items by id.
    pub items: BTreeMap<u32, Item>,
    /// Next item id to hand out.
    pub next_id: u32,
    /// Change log, in change-number order.
    pub changes: Vec<Change>,
    /// Last change number handed out.
    pub last_change: i64,
    /// Webhook subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// Columns of the list beyond the built-in ones (see [`crate::schema`]), as first
    /// spelt: every field a write ever set, and those declared through the admin API.
    pub columns: Vec<String>,
}

impl List {
    /// Entity name used in URLs and types, e.g. `MailsList` for a list titled "Mails".
    pub fn entity_name(&self) -> String {
        let mut s: String = self
            .title
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
            s.insert_str(0, "OData_");
        }
        s.push_str("List");
        s
    }

    /// `SP.Data.{EntityName}Item`.
    pub fn item_type(&self) -> String {
        format!("SP.Data.{}Item", self.entity_name())
    }
}

/// An item in the site recycle bin.
#[derive(Clone, Debug)]
pub struct RecycledItem {
    /// Recycle bin item id (returned by `recycle()`).
    pub id: Uuid,
    /// The list it came from.
    pub list_id: Uuid,
    /// The item as it was.
    pub item: Item,
}

/// One site (web) with its lists.
#[derive(Clone, Debug)]
pub struct Site {
    /// Server-relative URL, e.g. `/sites/dev`.
    pub path: String,
    /// Web id.
    pub web_id: Uuid,
    /// Site collection id.
    pub site_id: Uuid,
    /// Lists in creation order.
    pub lists: Vec<List>,
    /// Recycle bin.
    pub recycle_bin: Vec<RecycledItem>,
}

impl Site {
    /// A fresh, empty site.
    pub fn new(path: &str) -> Site {
        Site {
            path: path.to_string(),
            web_id: Uuid::new_v4(),
            site_id: Uuid::new_v4(),
            lists: Vec::new(),
            recycle_bin: Vec::new(),
        }
    }

    /// Finds a list by GUID (any case, braces allowed).
    pub fn list_by_id(&self, id: &str) -> Option<usize> {
        let id = parse_guid(id)?;
        self.lists.iter().position(|l| l.id == id)
    }

    /// Finds a list by title, case-insensitively.
    pub fn list_by_title(&self, title: &str) -> Option<usize> {
        self.lists
            .iter()
            .position(|l| l.title.eq_ignore_ascii_case(title))
    }

    /// Finds a list by GUID or, failing that, by title.
    pub fn list_by_key(&self, key: &str) -> Option<usize> {
        self.list_by_id(key).or_else(|| self.list_by_title(key))
    }
}

/// Parses a GUID with or without braces, any case.
pub fn parse_guid(s: &str) -> Option<Uuid> {
    let t = s.trim().trim_start_matches('{').trim_end_matches('}');
    Uuid::parse_str(t).ok()
}

/// A form digest handed out by contextinfo.
#[derive(Clone, Debug)]
pub struct Digest {
    /// Site it belongs to.
    pub site: usize,
    /// Expiry on the sim clock, Unix ms.
    pub expires_ms: i64,
}

/// All mutable simulator state.
pub struct Inner {
    /// Current knob values.
    pub knobs: Knobs,
    /// Start-up knob values (restored by a full reset).
    pub initial_knobs: Knobs,
    /// Offset added to the wall clock, ms.
    pub clock_offset_ms: i64,
    /// Sites served.
    pub sites: Vec<Site>,
    /// Valid digests.
    pub digests: HashMap<String, Digest>,
    /// Request counts by endpoint kind.
    pub counters: BTreeMap<String, u64>,
    /// Fault injection rules.
    pub faults: Faults,
    /// Webhook delivery state.
    pub hooks: HookState,
    /// The user writes are attributed to (`AuthorId`/`EditorId`): the dev user, except
    /// during an admin write with `?by=N`.
    pub acting_user: i64,
}

impl Inner {
    /// Fresh state for the given site paths.
    pub fn new(sites: &[String], knobs: Knobs) -> Inner {
        Inner {
            initial_knobs: knobs.clone(),
            knobs,
            clock_offset_ms: 0,
            sites: sites.iter().map(|s| Site::new(s)).collect(),
            digests: HashMap::new(),
            counters: BTreeMap::new(),
            faults: Faults::default(),
            hooks: HookState::default(),
            acting_user: crate::users::DEV_USER,
        }
    }

    /// Current sim time, Unix ms.
    pub fn now_ms(&self) -> i64 {
        time::system_ms().saturating_add(self.clock_offset_ms)
    }

    /// Clears lists, digests, counters, faults, webhooks, clock offset and knobs.
    pub fn reset(&mut self) {
        let paths: Vec<String> = self.sites.iter().map(|s| s.path.clone()).collect();
        *self = Inner::new(&paths, self.initial_knobs.clone());
    }

    /// Finds a site index by server-relative path (case-insensitive); `None` path = first.
    pub fn site_index(&self, path: Option<&str>) -> Option<usize> {
        match path {
            None | Some("") => (!self.sites.is_empty()).then_some(0),
            Some(p) => {
                let p = p.trim_end_matches('/');
                self.sites
                    .iter()
                    .position(|s| s.path.eq_ignore_ascii_case(p))
            }
        }
    }

    /// Marks every live subscription of a list as having pending changes.
    pub fn mark_dirty(&mut self, site: usize, list: usize) {
        let ids: BTreeSet<Uuid> = self.sites[site].lists[list]
            .subscriptions
            .iter()
            .map(|s| s.id)
            .collect();
        self.hooks.dirty.extend(ids);
    }
}
