//! SharePoint REST shapes and change tokens (pure Rust, no I/O).
//!
//! - [`ChangeToken`]: `version;scope;scopeGuid;ticks;changeNumber`, ordered by position
//!   in the change log, plus ms <-> .NET ticks conversion and hand-made start tokens.
//! - [`ListRef`] and the URL builders: list by GUID or title, current token, GetChanges,
//!   paged item loads, item reads by ID chunked under a URL length limit, contextinfo.
//! - [`Metadata`]: the OData flavour (verbose, minimal, none, OData 4 none) with its
//!   headers, and the GetChanges request body in the matching form.
//! - Response parsing for every shape (`{"value":[...]}`, `{"d":{"results":[...]}}`,
//!   `{"d":{...}}`): change records, items ([`Item`]: the id, the
//!   source text, handed on as it is, and a fingerprint of the content; never built as
//!   a tree), contextinfo, the current token, and error bodies classified into
//!   [`SpErrorKind`] (token expired, token invalid, digest, throttled, auth, other).
//! - `$batch`: item reads as parts of one multipart request, and the response's parts;
//!   the read-ahead query (items modified since a time) that rides with a GetChanges.
//! - Webhook notifications passed on by a broadcaster: the lists a `list:changes` event
//!   names, and whether part of it could not be read ([`notified_lists`]).

mod batch;
mod errors;
mod items;
mod notification;
mod parse;
mod recent;
mod rest;
mod token;
mod url;

pub use batch::{
    batch_body, batch_content_type, batch_url, parse_batch, BatchBody, BatchPart, BatchPost,
    MAX_BATCH,
};
pub use errors::{classify_error, error_body, SpError, SpErrorKind};
pub use items::{item_id, items_text, parse_items, parse_items_from, Item, ItemsPage, Origin};
pub use notification::{notified_lists, NotifiedLists};
pub use parse::{
    collection, parse_changes, parse_context_info, parse_list_info, Change, ChangeType,
    ContextInfo, ItemEffect, ListInfo, ParseError,
};
pub use recent::{iso_utc, modified_since_url};
pub use rest::{get_changes_body, Metadata, CHANGE_QUERY_FLAGS};
pub use token::{
    ms_to_ticks, normalize_guid, ticks_to_ms, ChangeToken, TokenError, TokenScope,
    TICKS_AT_UNIX_EPOCH,
};
pub use url::{
    chunk_item_reads, context_info_url, filter_ids, get_changes_url, is_field_path, items_page_url,
    items_query, list_info_url, list_url, percent_encode, site_base, site_path_at, skiptoken_id,
    view_filter, ListRef, DEFAULT_URL_LIMIT, MAX_TOP,
};

#[cfg(test)]
mod tests;
