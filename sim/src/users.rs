//! The site's users and the person columns that read them: every item's `Author`
//! (created by) and `Editor` (modified by), stored as `AuthorId`/`EditorId` and read
//! through `$select=Author/Title&$expand=Author` as SharePoint does.

use serde_json::{json, Map, Value};

use crate::odata::{EntityMeta, Fmt};

/// The user new items and edits are attributed to unless an admin write says `?by=N`.
pub const DEV_USER: i64 = 9;

/// The person columns every list has (lookups into the site's user list).
pub const PERSON_COLUMNS: [&str; 2] = ["Author", "Editor"];

/// One user of the site's user information list.
pub struct User {
    /// The user's id (what `AuthorId`/`EditorId` hold).
    pub id: i64,
    /// Display name.
    pub title: &'static str,
    /// E-mail address.
    pub email: &'static str,
}

/// Every site has the same users.
pub const USERS: [User; 4] = [
    User {
        id: DEV_USER,
        title: "Dev User",
        email: "dev@contoso.onmicrosoft.com",
    },
    User {
        id: 10,
        title: "Adele Vance",
        email: "adelev@contoso.onmicrosoft.com",
    },
    User {
        id: 11,
        title: "Alex Wilber",
        email: "alexw@contoso.onmicrosoft.com",
    },
    User {
        id: 12,
        title: "Megan Bowen",
        email: "meganb@contoso.onmicrosoft.com",
    },
];

/// The user with this id.
pub fn user(id: i64) -> Option<&'static User> {
    USERS.iter().find(|u| u.id == id)
}

/// A person column's field of an item (`Editor/Title`), for `$filter`; `None` when
/// `path` is not one.
pub fn person_field(author_id: i64, editor_id: i64, path: &str) -> Option<Value> {
    let (column, field) = path.split_once('/')?;
    let id = match PERSON_COLUMNS
        .iter()
        .position(|c| c.eq_ignore_ascii_case(column))?
    {
        0 => author_id,
        _ => editor_id,
    };
    let fields = user(id)?.fields();
    let found = fields
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(field));
    Some(found.map_or(Value::Null, |(_, v)| v))
}

/// Whether `field` is a field of the user list a person column reads (`Title`,
/// `EMail`, ...), its case ignored.
pub fn is_user_field(field: &str) -> bool {
    user(DEV_USER).is_some_and(|u| u.fields().keys().any(|k| k.eq_ignore_ascii_case(field)))
}

impl crate::store::Inner {
    /// Runs `write` with its adds and edits attributed to user `by`.
    pub fn as_user<T>(&mut self, by: i64, write: impl FnOnce(&mut Self) -> T) -> T {
        self.acting_user = by;
        let out = write(self);
        self.acting_user = DEV_USER;
        out
    }
}

impl User {
    /// The user's fields as the user list item exposes them.
    fn fields(&self) -> Map<String, Value> {
        let login = format!("i:0#.f|membership|{}", self.email);
        let mut m = Map::new();
        for (k, v) in [
            ("Id", json!(self.id)),
            ("ID", json!(self.id)),
            ("Title", json!(self.title)),
            ("EMail", json!(self.email)),
            ("Name", json!(login)),
            ("UserName", json!(self.email)),
        ] {
            m.insert(k.into(), v);
        }
        m
    }
}

/// What an items query asks for: `$select` (empty = every field) and `$expand`.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Selected fields as written, `Column/Field` for a person column's field.
    pub select: Vec<String>,
    /// Expanded person columns, in their canonical spelling.
    pub expand: Vec<&'static str>,
}

impl Selection {
    /// Every field (no `$select`, no `$expand`).
    pub fn all() -> Selection {
        Selection::default()
    }

    /// The expanded person columns of an item, each with the fields selected through
    /// it (all of them when nothing is): `(name, value)` pairs to add to the item.
    pub fn person_values(
        &self,
        fmt: Fmt,
        base: &str,
        user_ids: [i64; 2],
    ) -> Vec<(&'static str, Value)> {
        let mut out = Vec::new();
        for (column, id) in PERSON_COLUMNS.into_iter().zip(user_ids) {
            if !self.expand.contains(&column) {
                continue;
            }
            let Some(u) = user(id) else {
                out.push((column, Value::Null));
                continue;
            };
            let all = u.fields();
            let wanted: Vec<&str> = self
                .select
                .iter()
                .filter_map(|s| s.split_once('/'))
                .filter(|(c, _)| c.eq_ignore_ascii_case(column))
                .map(|(_, f)| f)
                .collect();
            let fields = if self.select.is_empty() {
                all
            } else {
                all.into_iter()
                    .filter(|(k, _)| wanted.iter().any(|w| w.eq_ignore_ascii_case(k)))
                    .collect()
            };
            let e = EntityMeta {
                ty: "SP.Data.UserInfoItem".into(),
                uri: format!("{base}/_api/Web/SiteUserInfoList/Items({id})"),
                edit: format!("Web/SiteUserInfoList/Items({id})"),
                etag: None,
            };
            out.push((column, fmt.entity(fields, &e)));
        }
        out
    }
}
