//! Mutations of the model. Each item mutation appends to the list's change log and
//! marks the list's webhook subscriptions dirty.

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::store::{Change, Inner, Item, List, RecycledItem};

/// Why a mutation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpError {
    /// No such item (or it is in the recycle bin).
    ItemNotFound,
    /// `IF-MATCH` did not match the current etag.
    EtagMismatch,
    /// No such recycle bin entry.
    RecycleNotFound,
    /// A list with that title already exists.
    TitleExists,
}

/// SharePoint ChangeType numbers used by the simulator.
pub mod change_type {
    /// Add.
    pub const ADD: u8 = 1;
    /// Update.
    pub const UPDATE: u8 = 2;
    /// DeleteObject (also recycle).
    pub const DELETE_OBJECT: u8 = 3;
    /// Restore from the recycle bin.
    pub const RESTORE: u8 = 7;
    /// SystemUpdate (no new version, Modified kept).
    pub const SYSTEM_UPDATE: u8 = 15;
}

/// Field names a client cannot set directly.
const RESERVED: &[&str] = &[
    "id",
    "created",
    "modified",
    "authorid",
    "editorid",
    "guid",
    "contenttypeid",
    "filesystemobjecttype",
    "attachments",
];

/// Drops metadata and read-only keys from a client's field object.
pub fn clean_fields(body: &Map<String, Value>) -> Map<String, Value> {
    body.iter()
        .filter(|(k, _)| {
            let l = k.to_ascii_lowercase();
            !l.starts_with("__")
                && !l.starts_with("odata.")
                && !l.starts_with("@odata")
                && !RESERVED.contains(&l.as_str())
        })
        // A field set by its REST name (`OData__X`) is the column `_X`.
        .map(|(k, v)| (crate::schema::internal_name(k).to_string(), v.clone()))
        .collect()
}

/// Whether an `IF-MATCH` value matches a version (`*`, `"N"`, `W/"N"`, `"guid,N"`).
pub fn etag_matches(if_match: Option<&str>, version: u32) -> bool {
    let Some(v) = if_match.map(str::trim).filter(|v| !v.is_empty()) else {
        return true;
    };
    if v == "*" {
        return true;
    }
    let v = v.trim_start_matches("W/").trim_matches('"');
    let n = v.rsplit(',').next().unwrap_or(v).trim();
    n.parse::<u32>().map(|n| n == version).unwrap_or(false)
}

impl Inner {
    /// Creates a list; returns its index in the site.
    pub fn create_list(
        &mut self,
        site: usize,
        title: &str,
        description: &str,
        base_template: i64,
    ) -> Result<usize, OpError> {
        if self.sites[site].list_by_title(title).is_some() {
            return Err(OpError::TitleExists);
        }
        let now = self.now_ms();
        self.sites[site].lists.push(List {
            id: Uuid::new_v4(),
            title: title.to_string(),
            description: description.to_string(),
            base_template,
            created_ms: now,
            last_modified_ms: now,
            last_deleted_ms: now,
            items: Default::default(),
            next_id: 1,
            changes: Vec::new(),
            last_change: 0,
            subscriptions: Vec::new(),
            columns: Vec::new(),
        });
        Ok(self.sites[site].lists.len() - 1)
    }

    fn record(&mut self, site: usize, list: usize, change_type: u8, item: &Item) {
        let now = self.now_ms();
        let l = &mut self.sites[site].lists[list];
        l.last_change += 1;
        l.changes.push(Change {
            number: l.last_change,
            change_type,
            item_id: item.id,
            unique_id: item.unique_id,
            time_ms: now,
        });
        if change_type == change_type::DELETE_OBJECT {
            l.last_deleted_ms = now;
        } else {
            l.last_modified_ms = now;
        }
        self.mark_dirty(site, list);
    }

    /// Adds an item; returns its id.
    pub fn add_item(&mut self, site: usize, list: usize, fields: Map<String, Value>) -> u32 {
        let now = self.now_ms();
        let l = &mut self.sites[site].lists[list];
        let id = l.next_id;
        l.next_id += 1;
        let mut fields = clean_fields(&fields);
        fields.entry("Title").or_insert(Value::Null);
        l.add_columns(fields.keys());
        let item = Item {
            id,
            unique_id: Uuid::new_v4(),
            fields,
            version: 1,
            created_ms: now,
            modified_ms: now,
            author_id: self.acting_user,
            editor_id: self.acting_user,
        };
        l.items.insert(id, item.clone());
        self.record(site, list, change_type::ADD, &item);
        id
    }

    /// Updates an item's fields (MERGE semantics); returns the new version.
    /// A system update keeps Modified and the version and records ChangeType 15.
    pub fn update_item(
        &mut self,
        site: usize,
        list: usize,
        id: u32,
        fields: &Map<String, Value>,
        if_match: Option<&str>,
        system: bool,
    ) -> Result<u32, OpError> {
        let (now, editor) = (self.now_ms(), self.acting_user);
        let l = &mut self.sites[site].lists[list];
        let item = l.items.get_mut(&id).ok_or(OpError::ItemNotFound)?;
        if !etag_matches(if_match, item.version) {
            return Err(OpError::EtagMismatch);
        }
        let fields = clean_fields(fields);
        for (k, v) in &fields {
            item.fields.insert(k.clone(), v.clone());
        }
        if !system {
            item.version += 1;
            item.modified_ms = now;
            item.editor_id = editor;
        }
        let (version, snapshot) = (item.version, item.clone());
        l.add_columns(fields.keys());
        let ct = if system {
            change_type::SYSTEM_UPDATE
        } else {
            change_type::UPDATE
        };
        self.record(site, list, ct, &snapshot);
        Ok(version)
    }

    fn take_item(
        &mut self,
        site: usize,
        list: usize,
        id: u32,
        if_match: Option<&str>,
    ) -> Result<Item, OpError> {
        let l = &mut self.sites[site].lists[list];
        let item = l.items.get(&id).ok_or(OpError::ItemNotFound)?;
        if !etag_matches(if_match, item.version) {
            return Err(OpError::EtagMismatch);
        }
        let item = l.items.remove(&id).ok_or(OpError::ItemNotFound)?;
        self.record(site, list, change_type::DELETE_OBJECT, &item);
        Ok(item)
    }

    /// Deletes an item permanently.
    pub fn delete_item(
        &mut self,
        site: usize,
        list: usize,
        id: u32,
        if_match: Option<&str>,
    ) -> Result<(), OpError> {
        self.take_item(site, list, id, if_match).map(|_| ())
    }

    /// Moves an item to the recycle bin (a DeleteObject change); returns the bin id.
    pub fn recycle_item(
        &mut self,
        site: usize,
        list: usize,
        id: u32,
        if_match: Option<&str>,
    ) -> Result<Uuid, OpError> {
        let item = self.take_item(site, list, id, if_match)?;
        let bin_id = Uuid::new_v4();
        let list_id = self.sites[site].lists[list].id;
        self.sites[site].recycle_bin.push(RecycledItem {
            id: bin_id,
            list_id,
            item,
        });
        Ok(bin_id)
    }

    /// Restores a recycle bin entry (a Restore change); returns (list index, item id).
    pub fn restore_recycled(&mut self, site: usize, bin_id: Uuid) -> Result<(usize, u32), OpError> {
        let s = &mut self.sites[site];
        let pos = s
            .recycle_bin
            .iter()
            .position(|r| r.id == bin_id)
            .ok_or(OpError::RecycleNotFound)?;
        let Some(list) = s
            .lists
            .iter()
            .position(|l| l.id == s.recycle_bin[pos].list_id)
        else {
            return Err(OpError::RecycleNotFound);
        };
        let entry = s.recycle_bin.remove(pos);
        let item = entry.item;
        let id = item.id;
        s.lists[list].items.insert(id, item.clone());
        self.record(site, list, change_type::RESTORE, &item);
        Ok((list, id))
    }

    /// Restores the recycled item with this id from this list.
    pub fn restore_item(&mut self, site: usize, list: usize, id: u32) -> Result<Uuid, OpError> {
        let list_id = self.sites[site].lists[list].id;
        let bin = self.sites[site]
            .recycle_bin
            .iter()
            .find(|r| r.list_id == list_id && r.item.id == id)
            .map(|r| r.id)
            .ok_or(OpError::RecycleNotFound)?;
        self.restore_recycled(site, bin)?;
        Ok(bin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags() {
        assert!(etag_matches(None, 3));
        assert!(etag_matches(Some("*"), 3));
        assert!(etag_matches(Some("\"3\""), 3));
        assert!(etag_matches(Some("W/\"3\""), 3));
        assert!(!etag_matches(Some("\"2\""), 3));
        assert!(!etag_matches(Some("garbage"), 3));
    }
}
