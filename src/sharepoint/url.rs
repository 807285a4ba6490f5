//! List references and SharePoint REST URL builders.

use super::token::normalize_guid;
use crate::text;

/// Default maximum URL length for item reads (SharePoint Online has no documented
/// limit; failures are reported from ~1,500-2,000 characters).
pub const DEFAULT_URL_LIMIT: usize = 1500;

/// Maximum `$top` SharePoint accepts for list items.
pub const MAX_TOP: u32 = 5000;

/// How a list is addressed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ListRef {
    /// By GUID, lower-case without braces (`lists(guid'...')`).
    Id(String),
    /// By title (`lists/getbytitle('...')`).
    Title(String),
}

impl ListRef {
    /// A list by GUID (braces and case are normalised); `None` if `id` is not a GUID.
    pub fn by_id(id: &str) -> Option<Self> {
        normalize_guid(id).map(ListRef::Id)
    }

    /// A list by title.
    pub fn by_title(title: &str) -> Self {
        ListRef::Title(title.to_owned())
    }

    /// The GUID, if the list is addressed by id.
    pub fn id(&self) -> Option<&str> {
        match self {
            ListRef::Id(id) => Some(id),
            ListRef::Title(_) => None,
        }
    }
}

/// Percent-encodes everything except unreserved characters and those in `keep`.
pub fn percent_encode(text: &str, keep: &[u8]) -> String {
    encode(text, keep, false)
}

/// [`percent_encode`]; with `names` (a list of field names split by `,` and `/`),
/// `OData_` goes before each name that starts with `_`: SharePoint's REST names the
/// column titled "2024 Budget", `_x0032_024Budget`, `OData__x0032_024Budget`;
/// `$select` and `$expand` name properties (the internal name is refused) and an item's
/// JSON comes with that name.
// `keep.contains(&b)` would call `memchr` (~0.3 KB of wasm) for a dozen bytes.
#[allow(clippy::manual_contains)]
fn encode(text: &str, keep: &[u8], names: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut starts = true;
    for b in text.bytes() {
        if names && starts && b == b'_' {
            out.push_str("OData_");
        }
        starts = b == b',' || b == b'/';
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || keep.iter().any(|k| *k == b)
        {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
        }
    }
    out
}

/// The site URL without trailing slashes.
pub fn site_base(site_url: &str) -> &str {
    text::trim_end_byte(site_url.trim_ascii(), b'/')
}

/// Where the path of `site_url` starts if it can be a site's URL: `http(s)://` (the
/// scheme in any case, as `new URL()` reads it) and a host, no query or fragment (the REST
/// paths are appended to it); else `None`. The scheme and host before it are compared in
/// lower case (`HTTPS://Contoso.sharepoint.com/sites/x` is one site with
/// `https://contoso.sharepoint.com/sites/x`: one feed, one checkpoint).
pub fn site_path_at(site_url: &str) -> Option<usize> {
    let (scheme, rest) = text::split_once(site_url, "://")?;
    let host = rest.bytes().position(|b| b == b'/').unwrap_or(rest.len());
    let ok = (scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http"))
        && host > 0
        && !rest.bytes().any(|b| b == b'?' || b == b'#');
    ok.then_some(site_url.len() - rest.len() + host)
}

/// `{site}/_api/web/lists(guid'{id}')` or `{site}/_api/web/lists/getbytitle('{title}')`
/// (a `'` in the title is doubled, then the title is percent-encoded, `+` too: a
/// server that reads it as a space, as form decoding does, would look up another title).
pub fn list_url(site_url: &str, list: &ListRef) -> String {
    let site = site_base(site_url);
    match list {
        ListRef::Id(id) => text::concat(&[site, "/_api/web/lists(guid'", id, "')"]),
        ListRef::Title(title) => {
            let escaped = text::join(&text::split(title, "'").collect::<Vec<_>>(), "''");
            let enc = percent_encode(&escaped, b"'()!*,;:@$&=");
            text::concat(&[site, "/_api/web/lists/getbytitle('", &enc, "')"])
        }
    }
}

/// `{site}/_api/contextinfo` (POST) for the form digest.
pub fn context_info_url(site_url: &str) -> String {
    text::concat(&[site_base(site_url), "/_api/contextinfo"])
}

/// The list with its current change token, GUID and item count:
/// `{list}?$select=CurrentChangeToken,Id,ItemCount`.
pub fn list_info_url(site_url: &str, list: &ListRef) -> String {
    list_url(site_url, list) + "?$select=CurrentChangeToken,Id,ItemCount"
}

/// `{list}/GetChanges` (POST with a change query body).
pub fn get_changes_url(site_url: &str, list: &ListRef) -> String {
    list_url(site_url, list) + "/GetChanges"
}

/// Whether `name` can be selected: a field, or one field of a lookup or person
/// column, `Column/Field` (SharePoint expands one level).
pub fn is_field_path(name: &str) -> bool {
    match text::split_once(name, "/") {
        None => true,
        Some((column, field)) => {
            !column.trim_ascii().is_empty()
                && !field.trim_ascii().is_empty()
                && text::find(field, "/").is_none()
        }
    }
}

/// `/items?$select=...`: `Id`, `Modified` and the caller's fields, each once, and
/// `&$expand=` with every lookup or person column a field is read through
/// (`Author/Title` needs `$expand=Author`; SharePoint refuses the select without it);
/// each name as SharePoint's REST spells it (`OData_` before one starting with `_`).
pub fn items_query(select: &[String]) -> String {
    let mut fields: Vec<&str> = vec!["Id", "Modified"];
    let mut lookups: Vec<&str> = Vec::new();
    for f in select {
        let f = f.trim_ascii();
        // `OData__X` is `_X` (the prefix goes back on below): one of them is asked for.
        let f = f
            .strip_prefix("OData_")
            .filter(|r| r.starts_with('_'))
            .unwrap_or(f);
        if !f.is_empty() && !fields.iter().any(|g| g.eq_ignore_ascii_case(f)) {
            fields.push(f);
        }
        if let Some((lookup, _)) = text::split_once(f, "/") {
            if !lookups.iter().any(|g| g.eq_ignore_ascii_case(lookup)) {
                lookups.push(lookup);
            }
        }
    }
    let mut query = String::from("/items?$select=");
    query.push_str(&encode(&text::join(&fields, ","), b",/", true));
    if !lookups.is_empty() {
        query.push_str("&$expand=");
        query.push_str(&encode(&text::join(&lookups, ","), b",", true));
    }
    query
}

/// The caller's `$filter` (the items a list shows) as a URL component in parentheses,
/// to combine with others by `and`; `""` for none. Everything a browser would
/// percent-encode in a query is encoded here, `'` (as `%27`) included, so the length
/// of a URL built with it is the length sent (the read chunks' limit holds).
pub fn view_filter(filter: &str) -> String {
    let filter = filter.trim_ascii();
    if filter.is_empty() {
        return String::new();
    }
    text::concat(&["(", &percent_encode(filter, b"(),/"), ")"])
}

/// One page of the items `filter` (a [`view_filter`]) lets through, ordered by ID:
/// `{list}/items?$select=...&$orderby=ID&$top=N[&$skiptoken=Paged%3DTRUE%26p_ID%3D{after}][&$filter=...]`.
pub fn items_page_url(
    site_url: &str,
    list: &ListRef,
    select: &[String],
    filter: &str,
    top: u32,
    after_id: Option<i64>,
) -> String {
    let mut url = list_url(site_url, list);
    for part in [&items_query(select), "&$orderby=ID&$top="] {
        url.push_str(part);
    }
    text::push_uint(&mut url, top.clamp(1, MAX_TOP).into());
    if let Some(id) = after_id {
        url.push_str("&$skiptoken=Paged%3DTRUE%26p_ID%3D");
        text::push_int(&mut url, id);
    }
    if !filter.is_empty() {
        url.push_str("&$filter=");
        url.push_str(filter);
    }
    url
}

/// The item id a paging link's `$skiptoken` continues after (`p_ID=N`, percent-encoded
/// or not, in any case), if it names one (the first `p_ID` after `skiptoken=`).
pub fn skiptoken_id(url: &str) -> Option<i64> {
    let lower = url.to_ascii_lowercase();
    let lower = &lower[text::find(&lower, "skiptoken=")?..];
    let at = text::find(lower, "p_id%3d")
        .map(|i| i + 7)
        .or_else(|| text::find(lower, "p_id=").map(|i| i + 5))?;
    let rest = &lower[at..];
    let end = rest
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len());
    text::parse_int(&rest[..end])
}

/// Item reads by ID: `{list}/items?$select=...&$top=5000&$filter=(ID eq 1) or (ID eq 7)`
/// (spaces percent-encoded, as the browser would send them; with a [`view_filter`] `F`,
/// `$filter=F and ((ID eq 1) or ...)`, so an item it no longer lets through reads as
/// gone), split so that every URL is
/// at most `limit` characters. Ids are read in ascending order, duplicates dropped, and
/// a run of three or more consecutive ids is one range term (`(ID ge 4 and ID le 90)`,
/// exact because every id in it is wanted), so a burst of new items is one read.
/// A URL asks for at most 5,000 ids (one page at `$top=5000`; a query that matches more
/// rows than the list view threshold may be refused on a big list), so a bigger burst is
/// read in several. Every id is covered by exactly one URL; a URL exceeds the limit only
/// if a single term does not fit.
pub fn chunk_item_reads(
    site_url: &str,
    list: &ListRef,
    select: &[String],
    filter: &str,
    ids: &[i64],
    limit: usize,
) -> Vec<String> {
    let mut base = list_url(site_url, list);
    for part in [&items_query(select), "&$top="] {
        base.push_str(part);
    }
    text::push_uint(&mut base, MAX_TOP.into());
    base.push_str("&$filter=");
    let close = if filter.is_empty() { "" } else { ")" };
    if !filter.is_empty() {
        base.push_str(filter);
        base.push_str("%20and%20(");
    }
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut urls = Vec::new();
    for group in sorted.chunks(MAX_TOP as usize) {
        let mut current = String::new();
        let mut i = 0;
        while i < group.len() {
            let mut j = i;
            while j + 1 < group.len() && group[j + 1] == group[j] + 1 {
                j += 1;
            }
            let mut term = String::new();
            if j - i >= 2 {
                term.push_str("(ID%20ge%20");
                text::push_int(&mut term, group[i]);
                term.push_str("%20and%20ID%20le%20");
                text::push_int(&mut term, group[j]);
            } else {
                j = i;
                term.push_str("(ID%20eq%20");
                text::push_int(&mut term, group[i]);
            }
            term.push(')');
            i = j + 1;
            let sep = if current.is_empty() { "" } else { "%20or%20" };
            let length = base.len() + current.len() + sep.len() + term.len() + close.len();
            if !current.is_empty() && length > limit {
                urls.push(base.clone() + &current + close);
                current.clear();
                current.push_str(&term);
            } else {
                current.push_str(sep);
                current.push_str(&term);
            }
        }
        if !current.is_empty() {
            urls.push(base.clone() + &current + close);
        }
    }
    urls
}

/// Parses the ids back out of a URL made by [`chunk_item_reads`], ranges expanded
/// (for tests and fakes).
pub fn filter_ids(url: &str) -> Vec<i64> {
    let Some(mut start) = url.find("$filter=").map(|at| at + 8) else {
        return Vec::new();
    };
    // The filter ends at the next parameter (a `$skiptoken` of a next link, say).
    let end = url[start..].find('&').map_or(url.len(), |at| start + at);
    // After a view filter, the ids are the last `and`'s operand.
    if let Some(at) = url[..end].rfind("%20and%20((ID%20") {
        start = at + 9;
    }
    let mut ids = Vec::new();
    for term in url[start..end].split("%20or%20") {
        let term = term.trim_start_matches('(').trim_end_matches(')');
        if let Some(id) = term.strip_prefix("ID%20eq%20") {
            ids.extend(id.parse::<i64>().ok());
        } else if let Some(range) = term.strip_prefix("ID%20ge%20") {
            if let Some((a, b)) = range.split_once("%20and%20ID%20le%20") {
                if let (Ok(a), Ok(b)) = (a.parse::<i64>(), b.parse::<i64>()) {
                    ids.extend(a..=b);
                }
            }
        }
    }
    ids
}

#[cfg(test)]
#[path = "url_tests.rs"]
mod tests;
