//! The JSON of one item: every field (nometadata) and the `$select`ed, negotiated shape.

use serde_json::{json, Map, Value};

use crate::odata::{EntityMeta, Fmt};
use crate::schema;
use crate::store::{Item, List};
use crate::time;
use crate::users::{person_field, Selection};

/// Plain field map of an item (what nometadata returns).
pub fn item_fields(item: &Item) -> Map<String, Value> {
    let mut m: Map<String, Value> = (item.fields.iter())
        .map(|(k, v)| (schema::rest_name(k).into_owned(), v.clone()))
        .collect();
    m.insert("Id".into(), json!(item.id));
    m.insert("ID".into(), json!(item.id));
    m.insert("Created".into(), json!(time::iso(item.created_ms)));
    m.insert("Modified".into(), json!(time::iso(item.modified_ms)));
    m.insert("AuthorId".into(), json!(item.author_id));
    m.insert("EditorId".into(), json!(item.editor_id));
    m.insert("GUID".into(), json!(item.unique_id.to_string()));
    m.insert("FileSystemObjectType".into(), json!(0));
    m.insert(
        "ContentTypeId".into(),
        json!("0x0100A1B2C3D4E5F60718293A4B5C6D7E8F90"),
    );
    m.insert("Attachments".into(), json!(false));
    m
}

/// A field of an item as `$filter` reads it (`Editor/Title` included; `Null` if unset).
pub fn field_value(item: &Item, name: &str) -> Value {
    if name.eq_ignore_ascii_case("id") {
        return json!(item.id);
    }
    if let Some(value) = person_field(item.author_id, item.editor_id, name) {
        return value;
    }
    // By the REST name (`OData__X`), or by the internal one (`_X`, *unconfirmed*).
    let name = schema::rest_name(name);
    item_fields(item)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(&name))
        .map(|(_, v)| v)
        .unwrap_or(Value::Null)
}

/// One item in the negotiated shape, restricted to `$select` if given, with the
/// `$expand`ed person columns.
pub fn item_json(fmt: Fmt, base: &str, list: &List, item: &Item, shape: &Selection) -> Value {
    let mut m = item_fields(item);
    let select = &shape.select;
    if !select.is_empty() {
        let mut out = Map::new();
        // SharePoint answers both spellings of the id whichever was selected.
        let ids = select.iter().any(|s| s.eq_ignore_ascii_case("id"));
        let plain = |s: &&String| !s.eq_ignore_ascii_case("id") && !s.contains('/');
        for s in select.iter().filter(plain) {
            let found = m
                .get_key_value(s.as_str())
                .or_else(|| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(s)))
                .map(|(k, v)| (k.clone(), v.clone()));
            let extra = || schema::extra_value(list, item, base, s);
            let (k, v) = found.or_else(extra).unwrap_or((s.clone(), Value::Null));
            out.insert(k, v);
        }
        if ids {
            out.extend([("Id".into(), json!(item.id)), ("ID".into(), json!(item.id))]);
        }
        m = out;
    }
    for (column, value) in shape.person_values(fmt, base, [item.author_id, item.editor_id]) {
        m.insert(column.into(), value);
    }
    let e = EntityMeta {
        ty: list.item_type(),
        uri: format!(
            "{base}/_api/Web/Lists(guid'{}')/Items({})",
            list.id, item.id
        ),
        edit: format!("Web/Lists(guid'{}')/Items({})", list.id, item.id),
        etag: Some(format!("\"{}\"", item.version)),
    };
    fmt.entity(m, &e)
}
