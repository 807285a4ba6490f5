//! Response shapes for SharePoint's three JSON metadata levels and its error bodies.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// JSON metadata level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meta {
    /// `odata=verbose`: `{"d":...}` with `__metadata`.
    Verbose,
    /// `odata=minimalmetadata` (default): `odata.*` annotations, `{"value":[...]}`.
    Minimal,
    /// `odata=nometadata` / `odata.metadata=none`: plain objects.
    None,
}

/// The negotiated response format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fmt {
    /// Metadata level.
    pub meta: Meta,
    /// `OData-Version: 4.0` was sent (annotations become `@odata.*`).
    pub v4: bool,
}

impl Fmt {
    /// Picks the format from `Accept` and `OData-Version`; `Err` means 406: under 4.0
    /// SharePoint reads OData 4 media types only (`odata.metadata=...`), the OData 3
    /// `odata=...` ones are refused (`nometadata`: sp-dev-docs#644; `verbose` needs
    /// SPHttpClient's version taken away, sp-dev-docs#764).
    pub fn negotiate(headers: &HeaderMap) -> Result<Fmt, Fmt> {
        let v4 = headers
            .get("odata-version")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().starts_with('4'));
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase()
            .replace(' ', "");
        if v4 && accept.contains("odata=") {
            return Err(Fmt {
                meta: Meta::Minimal,
                v4,
            });
        }
        let meta = if accept.contains("odata=verbose") {
            Meta::Verbose
        } else if accept.contains("odata=nometadata") || accept.contains("odata.metadata=none") {
            Meta::None
        } else {
            Meta::Minimal
        };
        Ok(Fmt { meta, v4 })
    }

    /// Annotation key, `odata.{name}` or `@odata.{name}` under OData 4.0.
    pub fn key(&self, name: &str) -> String {
        if self.v4 {
            format!("@odata.{name}")
        } else {
            format!("odata.{name}")
        }
    }

    /// Content-Type of JSON responses at this level.
    pub fn content_type(&self) -> &'static str {
        match (self.meta, self.v4) {
            (Meta::Verbose, _) => "application/json;odata=verbose;charset=utf-8",
            (Meta::Minimal, false) => {
                "application/json;odata=minimalmetadata;streaming=true;charset=utf-8"
            }
            (Meta::None, false) => "application/json;odata=nometadata;streaming=true;charset=utf-8",
            (Meta::Minimal, true) => "application/json;odata.metadata=minimal;charset=utf-8",
            (Meta::None, true) => "application/json;odata.metadata=none;charset=utf-8",
        }
    }

    /// A JSON response with the right Content-Type.
    pub fn respond(&self, status: StatusCode, body: Value) -> Response {
        let mut r = (status, body.to_string()).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type()),
        );
        if self.v4 {
            r.headers_mut()
                .insert("odata-version", HeaderValue::from_static("4.0"));
        }
        r
    }

    /// A SharePoint error body: `error` in verbose, `odata.error` otherwise, the message
    /// as `{lang, value}`; under OData 4, `error` with the message as a string (as
    /// SharePoint Online answers SPFx, e.g. SharePoint/sp-dev-docs#599).
    pub fn error(&self, status: StatusCode, code: &str, message: &str) -> Response {
        let inner = if self.v4 {
            json!({"code": code, "message": message})
        } else {
            json!({"code": code, "message": {"lang": "en-US", "value": message}})
        };
        let key = if self.meta == Meta::Verbose || self.v4 {
            "error"
        } else {
            "odata.error"
        };
        let mut m = Map::new();
        m.insert(key.into(), inner);
        self.respond(status, Value::Object(m))
    }

    /// Decorates one entity with metadata: `ty` is the type name, `uri` the absolute
    /// URL, `edit` the relative edit link, `etag` the quoted etag if any.
    pub fn entity(&self, mut props: Map<String, Value>, e: &EntityMeta) -> Value {
        match self.meta {
            Meta::None => {}
            Meta::Minimal => {
                props.insert(self.key("type"), json!(e.ty));
                props.insert(self.key("id"), json!(e.uri));
                if let Some(t) = &e.etag {
                    props.insert(self.key("etag"), json!(t));
                }
                props.insert(self.key("editLink"), json!(e.edit));
            }
            Meta::Verbose => {
                let mut md = Map::new();
                md.insert("id".into(), json!(e.uri));
                md.insert("uri".into(), json!(e.uri));
                if let Some(t) = &e.etag {
                    md.insert("etag".into(), json!(t));
                }
                md.insert("type".into(), json!(e.ty));
                props.insert("__metadata".into(), Value::Object(md));
            }
        }
        Value::Object(props)
    }

    /// Wraps a single entity: `{"d":...}` in verbose, adds `odata.metadata` in minimal.
    pub fn single(&self, v: Value, metadata_url: &str) -> Value {
        match (self.meta, v) {
            (Meta::Verbose, v) => json!({ "d": v }),
            (Meta::Minimal, Value::Object(mut m)) => {
                m.insert(
                    self.key(if self.v4 { "context" } else { "metadata" }),
                    json!(metadata_url),
                );
                Value::Object(m)
            }
            (_, v) => v,
        }
    }

    /// Wraps a collection with an optional next link (`__next` / `odata.nextLink`).
    pub fn collection(&self, items: Vec<Value>, metadata_url: &str, next: Option<String>) -> Value {
        match self.meta {
            Meta::Verbose => {
                let mut d = Map::new();
                d.insert("results".into(), Value::Array(items));
                if let Some(n) = next {
                    d.insert("__next".into(), json!(n));
                }
                json!({ "d": d })
            }
            _ => {
                let mut m = Map::new();
                if self.meta == Meta::Minimal {
                    m.insert(
                        self.key(if self.v4 { "context" } else { "metadata" }),
                        json!(metadata_url),
                    );
                }
                if let Some(n) = next {
                    m.insert(self.key("nextLink"), json!(n));
                }
                m.insert("value".into(), Value::Array(items));
                Value::Object(m)
            }
        }
    }

    /// A nested complex value (e.g. ChangeToken) annotated with its type.
    pub fn complex(&self, mut props: Map<String, Value>, ty: &str) -> Value {
        match self.meta {
            Meta::Verbose => {
                props.insert("__metadata".into(), json!({ "type": ty }));
            }
            Meta::Minimal => {
                props.insert(self.key("type"), json!(ty));
            }
            Meta::None => {}
        }
        Value::Object(props)
    }

    /// A primitive result, e.g. the recycle bin id: `{"d":{name:v}}` or `{"value":v}`.
    pub fn primitive(&self, name: &str, v: Value, metadata_url: &str) -> Value {
        match self.meta {
            Meta::Verbose => json!({ "d": { name: v } }),
            Meta::Minimal => {
                let mut m = Map::new();
                m.insert(
                    self.key(if self.v4 { "context" } else { "metadata" }),
                    json!(metadata_url),
                );
                m.insert("value".into(), v);
                Value::Object(m)
            }
            Meta::None => json!({ "value": v }),
        }
    }
}

/// Metadata of one entity.
pub struct EntityMeta {
    /// Type name, e.g. `SP.Data.MailsListItem`.
    pub ty: String,
    /// Absolute URL.
    pub uri: String,
    /// Relative edit link, e.g. `Web/Lists(guid'..')/Items(1)`.
    pub edit: String,
    /// Quoted etag.
    pub etag: Option<String>,
}

/// Well-known SharePoint error codes.
pub mod codes {
    /// Invalid or expired form digest.
    pub const DIGEST: &str = "-2130575251, Microsoft.SharePoint.SPException";
    /// Digest error message.
    pub const DIGEST_MSG: &str = "The security validation for this page is invalid and might be corrupted. Please use your web browser's Back button to try your operation again.";
    /// Bad query or request shape.
    pub const INVALID_QUERY: &str = "-1, Microsoft.SharePoint.Client.InvalidClientQueryException";
    /// An unknown field in `$select`/`$expand`, or a lookup read without its `$expand`.
    pub const FIELD: &str = "-1, Microsoft.SharePoint.SPException";
    /// An unknown column in `$filter` ("Column 'X' does not exist. ...").
    pub const COLUMN_MISSING: &str = "-2147024809, System.ArgumentException";
    /// Argument errors.
    pub const ARGUMENT: &str = "-1, System.ArgumentException";
    /// A required parameter left out.
    pub const ARGUMENT_NULL: &str = "-2147467261, System.ArgumentNullException";
    /// List missing (by GUID).
    pub const LIST_MISSING: &str = "-1, System.ArgumentException";
    /// Item missing.
    pub const ITEM_MISSING: &str = "-2130575338, Microsoft.SharePoint.SPException";
    /// Etag mismatch.
    pub const ETAG: &str = "-2130575305, Microsoft.SharePoint.SPException";
    /// Duplicate list title.
    pub const LIST_EXISTS: &str = "-2130575342, Microsoft.SharePoint.SPException";
    /// List view threshold.
    pub const THROTTLED: &str = "-2147024860, Microsoft.SharePoint.SPQueryThrottledException";
    /// Change token older than the change log.
    pub const TOKEN_TOO_OLD: &str = "-2130575172, Microsoft.SharePoint.SPException";
    /// Change token of another object.
    pub const TOKEN_OTHER: &str = "-2146232832, Microsoft.SharePoint.SPException";
    /// A batch part after a failed one.
    pub const INDEX_OUT_OF_RANGE: &str = "-1, System.IndexOutOfRangeException";
    /// Unsupported Accept (406).
    pub const NOT_ACCEPTABLE: &str = "-1, Microsoft.SharePoint.Client.ClientServiceException";
}
