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
// `keep.contains(&b)` would call `memchr` (~0.3 KB of wasm) for a dozen bytes.
#[allow(clippy::manual_contains)]
pub fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
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

/// `scheme://host` of an absolute URL (used to refuse next links to another origin).
pub fn origin(url: &str) -> &str {
    let after_scheme = text::find(url, "://").map_or(0, |i| i + 3);
    match text::find(&url[after_scheme..], "/") {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// `{site}/_api/web/lists(guid'{id}')` or `{site}/_api/web/lists/getbytitle('{title}')`
/// (a `'` in the title is doubled, then the title is percent-encoded).
pub fn list_url(site_url: &str, list: &ListRef) -> String {
    let site = site_base(site_url);
    match list {
        ListRef::Id(id) => text::concat(&[site, "/_api/web/lists(guid'", id, "')"]),
        ListRef::Title(title) => {
            let escaped = text::join(&text::split(title, "'").collect::<Vec<_>>(), "''");
            let enc = percent_encode(&escaped, b"'()!*,;:@$&=+");
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
/// (`Author/Title` needs `$expand=Author`; SharePoint refuses the select without it).
pub fn items_query(select: &[String]) -> String {
    let mut fields: Vec<&str> = vec!["Id", "Modified"];
    let mut lookups: Vec<&str> = Vec::new();
    for f in select {
        let f = f.trim_ascii();
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
    query.push_str(&percent_encode(&text::join(&fields, ","), b",/"));
    if !lookups.is_empty() {
        query.push_str("&$expand=");
        query.push_str(&percent_encode(&text::join(&lookups, ","), b","));
    }
    query
}

/// One page of all items ordered by ID:
/// `{list}/items?$select=...&$orderby=ID&$top=N[&$skiptoken=Paged%3DTRUE%26p_ID%3D{after}]`.
pub fn items_page_url(
    site_url: &str,
    list: &ListRef,
    select: &[String],
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
    url
}

/// Item reads by ID: `{list}/items?$select=...&$top=5000&$filter=(ID eq 1) or (ID eq 7)`
/// (spaces percent-encoded, as the browser would send them), split so that every URL is
/// at most `limit` characters. Ids are read in ascending order, duplicates dropped, and
/// a run of three or more consecutive ids is one range term (`(ID ge 4 and ID le 90)`,
/// exact because every id in it is wanted), so a burst of new items is one read.
/// Every id is covered by exactly one URL; a URL exceeds the limit only if a single
/// term does not fit.
pub fn chunk_item_reads(
    site_url: &str,
    list: &ListRef,
    select: &[String],
    ids: &[i64],
    limit: usize,
) -> Vec<String> {
    let mut base = list_url(site_url, list);
    for part in [&items_query(select), "&$top="] {
        base.push_str(part);
    }
    text::push_uint(&mut base, MAX_TOP.into());
    base.push_str("&$filter=");
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut urls = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[j] + 1 {
            j += 1;
        }
        let mut term = String::new();
        if j - i >= 2 {
            term.push_str("(ID%20ge%20");
            text::push_int(&mut term, sorted[i]);
            term.push_str("%20and%20ID%20le%20");
            text::push_int(&mut term, sorted[j]);
        } else {
            j = i;
            term.push_str("(ID%20eq%20");
            text::push_int(&mut term, sorted[i]);
        }
        term.push(')');
        i = j + 1;
        let sep = if current.is_empty() { "" } else { "%20or%20" };
        if !current.is_empty() && base.len() + current.len() + sep.len() + term.len() > limit {
            urls.push(base.clone() + &current);
            current.clear();
            current.push_str(&term);
        } else {
            current.push_str(sep);
            current.push_str(&term);
        }
    }
    if !current.is_empty() {
        urls.push(base + &current);
    }
    urls
}

/// Parses the ids back out of a URL made by [`chunk_item_reads`], ranges expanded
/// (for tests and fakes).
pub fn filter_ids(url: &str) -> Vec<i64> {
    let Some(start) = url.find("$filter=") else {
        return Vec::new();
    };
    let mut ids = Vec::new();
    for term in url[start + 8..].split("%20or%20") {
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
mod tests {
    use super::*;

    const SITE: &str = "https://contoso.sharepoint.com/sites/team/";
    const GUID: &str = "482e418a-0900-414b-8902-02248c2e44e8";

    #[test]
    fn builds_list_urls_by_id_and_title() {
        let by_id = ListRef::by_id("{482E418A-0900-414B-8902-02248C2E44E8}").unwrap();
        assert_eq!(by_id, ListRef::Id(GUID.into()));
        assert_eq!(
            list_url(SITE, &by_id),
            format!("https://contoso.sharepoint.com/sites/team/_api/web/lists(guid'{GUID}')")
        );
        let by_title = ListRef::by_title("Bob's Tasks #1/2");
        assert_eq!(
            list_url(SITE, &by_title),
            "https://contoso.sharepoint.com/sites/team/_api/web/lists/getbytitle('Bob''s%20Tasks%20%231%2F2')"
        );
        assert_eq!(
            list_url(SITE, &ListRef::by_title("Ünïcode")),
            "https://contoso.sharepoint.com/sites/team/_api/web/lists/getbytitle('%C3%9Cn%C3%AFcode')"
        );
        assert!(ListRef::by_id("tasks").is_none());
        assert_eq!(
            context_info_url(SITE),
            "https://contoso.sharepoint.com/sites/team/_api/contextinfo"
        );
        assert!(list_info_url(SITE, &by_id).ends_with("')?$select=CurrentChangeToken,Id,ItemCount"));
        assert!(get_changes_url(SITE, &by_id).ends_with("')/GetChanges"));
        assert_eq!(origin("https://a.b/c/d?x"), "https://a.b");
        assert_eq!(origin("https://a.b"), "https://a.b");
    }

    #[test]
    fn builds_paged_item_urls() {
        let list = ListRef::Id(GUID.into());
        let select = vec![
            "Title".to_string(),
            "id".to_string(),
            "Due Date".to_string(),
        ];
        let first = items_page_url(SITE, &list, &select, 1000, None);
        assert!(
            first.ends_with("/items?$select=Id,Modified,Title,Due%20Date&$orderby=ID&$top=1000")
        );
        let next = items_page_url(SITE, &list, &[], 9000, Some(42));
        assert!(
            next.ends_with("$top=5000&$skiptoken=Paged%3DTRUE%26p_ID%3D42"),
            "{next}"
        );
    }

    #[test]
    fn expands_each_lookup_or_person_column_a_field_reads_through() {
        let list = ListRef::Id(GUID.into());
        let select: Vec<String> = ["Title", "Author/Title", "author/EMail", "Project/Code"]
            .map(String::from)
            .into();
        let expect = "/items?$select=Id,Modified,Title,Author/Title,author/EMail,Project/Code\
                      &$expand=Author,Project";
        assert_eq!(items_query(&select), expect);
        let page = items_page_url(SITE, &list, &select, 100, None);
        assert!(
            page.ends_with(&(expect.to_owned() + "&$orderby=ID&$top=100")),
            "{page}"
        );
        let reads = chunk_item_reads(SITE, &list, &select, &[4], 1500);
        assert!(reads[0].contains("&$expand=Author,Project&$top=5000&$filter="));
        assert!(is_field_path("Title") && is_field_path("Author/Title"));
        for bad in ["Author/", "/Title", "A/B/C", " /x"] {
            assert!(!is_field_path(bad), "{bad}");
        }
        // No expand without a lookup field.
        assert_eq!(
            items_query(&["Title".into()]),
            "/items?$select=Id,Modified,Title"
        );
    }

    #[test]
    fn chunks_item_reads_under_the_limit_covering_each_id_once() {
        let list = ListRef::by_title("Tasks");
        let select: Vec<String> = vec!["Title".into(), "Status".into()];
        for limit in [200, 333, 700, 1500, 2000] {
            let mut ids: Vec<i64> = (1..400).map(|i| i * 37 % 100_003).collect();
            ids.push(ids[3]);
            let urls = chunk_item_reads(SITE, &list, &select, &ids, limit);
            assert!(urls.iter().all(|u| u.len() <= limit), "limit {limit}");
            let mut got: Vec<i64> = urls.iter().flat_map(|u| filter_ids(u)).collect();
            assert_eq!(got.len(), ids.len() - 1, "each id exactly once");
            got.sort_unstable();
            got.dedup();
            assert_eq!(got.len(), ids.len() - 1);
        }
        assert!(chunk_item_reads(SITE, &list, &select, &[], 1500).is_empty());
        let one = chunk_item_reads(SITE, &list, &select, &[1, 7], 1500);
        assert_eq!(one.len(), 1);
        assert!(one[0].ends_with("$top=5000&$filter=(ID%20eq%201)%20or%20(ID%20eq%207)"));
        // A limit too small for one id still yields one URL per id.
        assert_eq!(
            chunk_item_reads(SITE, &list, &select, &[1, 3, 5], 10).len(),
            3
        );
        // Runs of three or more become one range; pairs stay single terms.
        let runs = chunk_item_reads(SITE, &list, &select, &[9, 5, 6, 7, 8, 20, 21, 30], 1500);
        assert_eq!(runs.len(), 1);
        assert!(runs[0].ends_with(
            "$filter=(ID%20ge%205%20and%20ID%20le%209)%20or%20(ID%20eq%2020)%20or%20(ID%20eq%2021)%20or%20(ID%20eq%2030)"
        ));
        assert_eq!(filter_ids(&runs[0]), [5, 6, 7, 8, 9, 20, 21, 30]);
        let burst: Vec<i64> = (1000..3000).collect();
        assert_eq!(
            chunk_item_reads(SITE, &list, &select, &burst, 1500).len(),
            1
        );
    }
}
