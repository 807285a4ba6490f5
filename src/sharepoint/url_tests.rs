//! Tests of the list references and REST URL builders.

use super::*;

const SITE: &str = "https://contoso.sharepoint.com/sites/team/";
const GUID: &str = "482e418a-0900-414b-8902-02248c2e44e8";

#[test]
fn site_urls_have_a_host_and_no_query_or_fragment() {
    for good in [
        "https://contoso.sharepoint.com/sites/team",
        "http://127.0.0.1:9/sites/dev/",
        // `new URL()` takes a scheme in any case.
        "HTTPS://contoso.sharepoint.com/sites/x",
        "Http://127.0.0.1:9/sites/dev",
    ] {
        assert!(site_path_at(good).is_some(), "{good}");
    }
    for bad in [
        "https://",
        "https:///sites/x",
        "ftp://h",
        "FTP://h",
        "h/sites/x",
        "xhttps://h/sites/x",
        "https://h/s?web=1",
        "https://h/s#top",
    ] {
        assert_eq!(site_path_at(bad), None, "{bad}");
    }
}

#[test]
fn a_site_url_path_starts_after_its_host() {
    for (site, at) in [
        ("HTTPS://Contoso.SharePoint.com/sites/Team/", 30),
        ("http://127.0.0.1:9", 18),
        ("Http://h/", 8),
    ] {
        assert_eq!(site_path_at(site), Some(at), "{site}");
    }
}

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
}

/// A `+` in a title is sent as `%2B`: read as a space (form decoding, as sp-sim reads
/// a path), "C++ Notes" was looked up as "C   Notes" and the list was not found.
#[test]
fn a_plus_in_a_list_title_is_percent_encoded() {
    let list = ListRef::by_title("C++ & Co: 100% <ok>? a/b\\c *x* #1 O'Neil");
    assert_eq!(
        list_url(SITE, &list),
        "https://contoso.sharepoint.com/sites/team/_api/web/lists/getbytitle(\
         'C%2B%2B%20&%20Co:%20100%25%20%3Cok%3E%3F%20a%2Fb%5Cc%20*x*%20%231%20O''Neil')"
    );
}

#[test]
fn builds_paged_item_urls() {
    let list = ListRef::Id(GUID.into());
    let select = vec![
        "Title".to_string(),
        "id".to_string(),
        "Due Date".to_string(),
    ];
    let first = items_page_url(SITE, &list, &select, "", 1000, None);
    assert!(first.ends_with("/items?$select=Id,Modified,Title,Due%20Date&$orderby=ID&$top=1000"));
    let next = items_page_url(SITE, &list, &[], "", 9000, Some(42));
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
    let page = items_page_url(SITE, &list, &select, "", 100, None);
    assert!(
        page.ends_with(&(expect.to_owned() + "&$orderby=ID&$top=100")),
        "{page}"
    );
    let reads = chunk_item_reads(SITE, &list, &select, "", &[4], 1500);
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

/// SharePoint's REST names a field whose internal name starts with `_` with `OData_`
/// before it (`_x0032_024Budget`, a column titled "2024 Budget", is the property
/// `OData__x0032_024Budget`); `$select` and `$expand` take that name and refuse the
/// internal one ("The field or property '_x0032_024Budget' does not exist."), so a list
/// read with such a field in `select` or `orderBy` never loaded.
#[test]
fn selects_a_field_starting_with_an_underscore_by_its_rest_name() {
    let select: Vec<String> = [
        "_x0032_024Budget",
        "OData__x0032_024Budget",
        "_UIVersionString",
        "_Owner/_x0031_Code",
        "Title_",
    ]
    .map(String::from)
    .into();
    assert_eq!(
        items_query(&select),
        "/items?$select=Id,Modified,OData__x0032_024Budget,OData__UIVersionString,\
         OData__Owner/OData__x0031_Code,Title_&$expand=OData__Owner"
    );
    assert_eq!(encode("Author/Title,a_b", b",/", true), "Author/Title,a_b");
    let list = ListRef::Id(GUID.into());
    let page = items_page_url(SITE, &list, &select[..1], "", 100, None);
    assert!(
        page.contains("$select=Id,Modified,OData__x0032_024Budget&"),
        "{page}"
    );
    let reads = chunk_item_reads(SITE, &list, &select[..1], "", &[4], 1500);
    assert!(reads[0].contains("$select=Id,Modified,OData__x0032_024Budget&"));
}

#[test]
fn a_view_filter_goes_with_every_read_of_items() {
    let list = ListRef::by_title("Tasks");
    let filter = view_filter(" Status eq 'Open' and (Due ge 3) ");
    assert_eq!(filter, "(Status%20eq%20%27Open%27%20and%20(Due%20ge%203))");
    assert_eq!(view_filter("  "), "");
    // `&`, `#` and `+` cannot end the parameter or read as a space.
    assert_eq!(
        view_filter("a eq 'x&y#z+1'"),
        "(a%20eq%20%27x%26y%23z%2B1%27)"
    );
    let page = items_page_url(SITE, &list, &[], &filter, 10, Some(4));
    assert!(
        page.ends_with(&("p_ID%3D4&$filter=".to_owned() + &filter)),
        "{page}"
    );
    let ids: Vec<i64> = (1..300).map(|i| i * 7).collect();
    for limit in [250, 400, 1500] {
        let urls = chunk_item_reads(SITE, &list, &[], &filter, &ids, limit);
        assert!(urls.iter().all(|u| u.len() <= limit), "limit {limit}");
        let within = "&$filter=".to_owned() + &filter + "%20and%20((ID%20eq%20";
        assert!(urls
            .iter()
            .all(|u| u.contains(&within) && u.ends_with("))")));
        let got: Vec<i64> = urls.iter().flat_map(|u| filter_ids(u)).collect();
        assert_eq!(got, ids, "limit {limit}: each id once, in order");
    }
}

#[test]
fn chunks_item_reads_under_the_limit_covering_each_id_once() {
    let list = ListRef::by_title("Tasks");
    let select: Vec<String> = vec!["Title".into(), "Status".into()];
    for limit in [200, 333, 700, 1500, 2000] {
        let mut ids: Vec<i64> = (1..400).map(|i| i * 37 % 100_003).collect();
        ids.push(ids[3]);
        let urls = chunk_item_reads(SITE, &list, &select, "", &ids, limit);
        assert!(urls.iter().all(|u| u.len() <= limit), "limit {limit}");
        let mut got: Vec<i64> = urls.iter().flat_map(|u| filter_ids(u)).collect();
        assert_eq!(got.len(), ids.len() - 1, "each id exactly once");
        got.sort_unstable();
        got.dedup();
        assert_eq!(got.len(), ids.len() - 1);
    }
    assert!(chunk_item_reads(SITE, &list, &select, "", &[], 1500).is_empty());
    let one = chunk_item_reads(SITE, &list, &select, "", &[1, 7], 1500);
    assert_eq!(one.len(), 1);
    assert!(one[0].ends_with("$top=5000&$filter=(ID%20eq%201)%20or%20(ID%20eq%207)"));
    // A limit too small for one id still yields one URL per id.
    assert_eq!(
        chunk_item_reads(SITE, &list, &select, "", &[1, 3, 5], 10).len(),
        3
    );
    // Runs of three or more become one range; pairs stay single terms.
    let runs = chunk_item_reads(SITE, &list, &select, "", &[9, 5, 6, 7, 8, 20, 21, 30], 1500);
    assert_eq!(runs.len(), 1);
    assert!(runs[0].ends_with(
        "$filter=(ID%20ge%205%20and%20ID%20le%209)%20or%20(ID%20eq%2020)%20or%20(ID%20eq%2021)%20or%20(ID%20eq%2030)"
    ));
    assert_eq!(filter_ids(&runs[0]), [5, 6, 7, 8, 9, 20, 21, 30]);
    let burst: Vec<i64> = (1000..3000).collect();
    assert_eq!(
        chunk_item_reads(SITE, &list, &select, "", &burst, 1500).len(),
        1
    );
    // At most 5,000 ids a URL (one page; a big list's threshold): a bulk import of 12,000
    // items, and ranges and single ids mixed.
    let import: Vec<i64> = (1..=12_000).collect();
    let urls = chunk_item_reads(SITE, &list, &select, "", &import, 1500);
    let counts: Vec<usize> = urls.iter().map(|u| filter_ids(u).len()).collect();
    assert_eq!(counts, [5000, 5000, 2000]);
    assert!(urls[1].ends_with("$filter=(ID%20ge%205001%20and%20ID%20le%2010000)"));
    let mixed: Vec<i64> = (1..=4_999)
        .chain([6_000, 6_002])
        .chain(7_000..7_010)
        .collect();
    let urls = chunk_item_reads(SITE, &list, &select, "", &mixed, 1500);
    let counts: Vec<usize> = urls.iter().map(|u| filter_ids(u).len()).collect();
    assert_eq!(counts, [5000, 11], "{urls:?}");
    let mut got: Vec<i64> = urls.iter().flat_map(|u| filter_ids(u)).collect();
    got.sort_unstable();
    assert_eq!(got, mixed);
}

/// The length of `url` as a browser sends it: the WHATWG URL parser percent-encodes `'`
/// (and space, `"`, `#`, `<`, `>`, controls, non-ASCII) in a query.
fn sent_len(url: &str) -> usize {
    let query = url.find('?').map_or("", |at| &url[at..]);
    let escaped =
        |b: &u8| matches!(b, b'\'' | b' ' | b'"' | b'#' | b'<' | b'>') || !(0x21..0x7F).contains(b);
    url.len() + 2 * query.bytes().filter(escaped).count()
}

#[test]
fn reads_with_a_quoted_view_filter_stay_under_the_limit_as_sent() {
    let filter = view_filter("Status eq 'Open' or Owner eq 'a' or Owner eq 'b'");
    let ids: Vec<i64> = (1..400).map(|i| i * 7).collect();
    for list in [ListRef::by_title("Bob's"), ListRef::Id(GUID.into())] {
        for limit in [400, 1500] {
            let urls = chunk_item_reads(SITE, &list, &["Title".into()], &filter, &ids, limit);
            for url in urls {
                assert_eq!((sent_len(&url), url.len()), (url.len(), url.len()), "{url}");
                assert!(url.len() <= limit, "{url}");
            }
        }
    }
}

#[test]
fn skiptoken_ids_are_read_from_paging_links() {
    let cases = [
        (
            "https://x/_api/web/lists(guid'a')/items?$top=2&$skiptoken=Paged%3dTRUE%26p_ID%3d42",
            Some(42),
        ),
        (
            "https://x/items?%24skiptoken=Paged%3DTRUE%26P_ID%3D7&%24top=2",
            Some(7),
        ),
        (
            "https://x/items?$skiptoken=Paged=TRUE&p_ID=1500000&$filter=x",
            Some(1_500_000),
        ),
        ("https://x/items?$top=2", None),
        (
            "https://x/items?$filter=Title eq 'p_ID=9'&$skiptoken=Paged=TRUE&p_ID=3",
            Some(3),
        ),
        ("https://x/items?$skiptoken=Paged%3dTRUE%26p_ID%3d", None),
    ];
    for (url, id) in cases {
        assert_eq!(skiptoken_id(url), id, "{url}");
    }
}

#[test]
fn filter_ids_stop_at_the_next_parameter() {
    let url = "https://x/items?$top=5000&$filter=(Version%20mod%203%20ne%200)%20and%20((ID%20eq%2038)%20or%20(ID%20ge%2040%20and%20ID%20le%2042))&$skiptoken=Paged%3dTRUE%26p_ID%3d37";
    assert_eq!(filter_ids(url), [38, 40, 41, 42]);
}
