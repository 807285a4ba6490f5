//! OData metadata levels, request headers and request bodies.

use crate::json::write_string;

/// The OData flavour used for requests and expected in responses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Metadata {
    /// `application/json;odata=verbose`: `{"d":{"results":[...]}}`, `__metadata`, `__next`.
    Verbose,
    /// `application/json;odata=minimalmetadata`: `{"value":[...]}` plus `odata.*` members.
    Minimal,
    /// `application/json;odata=nometadata`: `{"value":[...]}`.
    #[default]
    None,
    /// `application/json;odata.metadata=none` with `OData-Version: 4.0`, how SPFx's
    /// `SPHttpClient` talks (`odata=nometadata` gives 406 under 4.0).
    OData4None,
}

impl Metadata {
    /// The `Accept` (and request `Content-Type`) value.
    pub fn media_type(self) -> &'static str {
        match self {
            Metadata::Verbose => "application/json;odata=verbose",
            Metadata::Minimal => "application/json;odata=minimalmetadata",
            Metadata::None => "application/json;odata=nometadata",
            Metadata::OData4None => "application/json;odata.metadata=none",
        }
    }

    /// The `OData-Version` header value, if one must be sent: `4.0` for OData 4 and,
    /// when `explicit`, `3.0` for the others. A caller's `fetch` such as SPFx's
    /// `SPHttpClient` adds `OData-Version: 4.0` to a request without one, under which
    /// SharePoint refuses the OData 3 formats (406 for `odata=nometadata`); it leaves
    /// a version the request names (sp-dev-docs#44).
    pub fn odata_version(self, explicit: bool) -> Option<&'static str> {
        match self {
            Metadata::OData4None => Some("4.0"),
            _ if explicit => Some("3.0"),
            _ => None,
        }
    }

    /// Request headers for this level: `Accept`, `OData-Version` when needed (see
    /// [`odata_version`](Self::odata_version)) and, when the request has a body,
    /// `Content-Type`.
    pub fn headers(self, with_body: bool, explicit_version: bool) -> Vec<(String, String)> {
        let mut h = vec![("Accept".to_owned(), self.media_type().to_owned())];
        if let Some(v) = self.odata_version(explicit_version) {
            h.push(("OData-Version".to_owned(), v.to_owned()));
        }
        if with_body {
            h.push(("Content-Type".to_owned(), self.media_type().to_owned()));
        }
        h
    }
}

/// Change types asked for in a GetChanges query (the object flag `Item` is always set).
pub const CHANGE_QUERY_FLAGS: [&str; 7] = [
    "Add",
    "Update",
    "DeleteObject",
    "Restore",
    "Rename",
    "Move",
    "SystemUpdate",
];

/// The body of `POST .../GetChanges`: item changes of every type that affects item sync,
/// starting (exclusively) after `token`, at most `fetch_limit` changes. Verbose adds the
/// `__metadata` type annotations.
pub fn get_changes_body(metadata: Metadata, token: &str, fetch_limit: u32) -> String {
    let verbose = metadata == Metadata::Verbose;
    let mut out = String::from("{\"query\":{");
    if verbose {
        out.push_str("\"__metadata\":{\"type\":\"SP.ChangeQuery\"},");
    }
    out.push_str("\"Item\":true");
    for flag in CHANGE_QUERY_FLAGS {
        out.push_str(",\"");
        out.push_str(flag);
        out.push_str("\":true");
    }
    out.push_str(",\"ChangeTokenStart\":{");
    if verbose {
        out.push_str("\"__metadata\":{\"type\":\"SP.ChangeToken\"},");
    }
    out.push_str("\"StringValue\":");
    write_string(token, &mut out);
    out.push_str("},\"FetchLimit\":");
    crate::text::push_uint(&mut out, fetch_limit.into());
    out.push_str("}}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{parse, Json};

    #[test]
    fn headers_match_the_metadata_level() {
        let h = Metadata::OData4None.headers(true, false);
        assert!(h.contains(&(
            "Accept".into(),
            "application/json;odata.metadata=none".into()
        )));
        assert!(h.contains(&("OData-Version".into(), "4.0".into())));
        assert!(h.contains(&(
            "Content-Type".into(),
            "application/json;odata.metadata=none".into()
        )));
        let v = Metadata::Verbose.headers(false, false);
        assert_eq!(
            v,
            vec![(
                "Accept".to_string(),
                "application/json;odata=verbose".to_string()
            )]
        );
    }

    #[test]
    fn change_query_bodies() {
        let t = "1;3;482e418a-0900-414b-8902-02248c2e44e8;634955266749500000;5749111";
        let plain = parse(&get_changes_body(Metadata::None, t, 1000)).unwrap();
        let q = plain.get("query").unwrap();
        assert_eq!(q.get("__metadata"), None);
        for flag in [
            "Item",
            "Add",
            "Update",
            "DeleteObject",
            "Restore",
            "SystemUpdate",
        ] {
            assert_eq!(q.get(flag).and_then(Json::as_bool), Some(true), "{flag}");
        }
        let start = q.get("ChangeTokenStart").unwrap();
        assert_eq!(start.get("StringValue").and_then(Json::as_str), Some(t));
        assert_eq!(q.get("FetchLimit").and_then(Json::as_i64), Some(1000));

        let verbose = parse(&get_changes_body(Metadata::Verbose, t, 7)).unwrap();
        let q = verbose.get("query").unwrap();
        let ty = |v: &Json| v.get("__metadata").and_then(|m| m.get("type")).cloned();
        assert_eq!(ty(q), Some(Json::from("SP.ChangeQuery")));
        assert_eq!(
            ty(q.get("ChangeTokenStart").unwrap()),
            Some(Json::from("SP.ChangeToken"))
        );
    }
}
