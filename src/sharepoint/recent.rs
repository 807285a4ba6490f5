//! The read-ahead query: the items modified since a time, newest first. Sent in the
//! same `$batch` as a GetChanges and after it, it brings the changed items with the
//! changes (one round trip instead of two); what it misses is read by ID as before.

use super::url::{items_query, list_url, ListRef};
use crate::text;

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds rounded down) for ms since the Unix
/// epoch; times outside years 1970..=9999 are clamped to them.
pub fn iso_utc(unix_ms: i64) -> String {
    // Up to 9999-12-31T23:59:59Z; unsigned arithmetic keeps the WebAssembly small.
    let secs = (unix_ms.max(0) as u64 / 1000).min(253_402_300_799);
    let (days, day_secs) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm), years from March
    // (era 4 starts 1600-03-01).
    let z = days + 135_080;
    let (era, day_of_era) = (z / 146_097 + 4, z % 146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    let mut out = String::with_capacity(20);
    let fields = [
        (year, 1000, '-'),
        (month, 10, '-'),
        (day, 10, 'T'),
        (day_secs / 3600, 10, ':'),
        (day_secs / 60 % 60, 10, ':'),
        (day_secs % 60, 10, 'Z'),
    ];
    for (value, mut unit, separator) in fields {
        while unit > 0 {
            out.push(char::from(b'0' + (value / unit % 10) as u8));
            unit /= 10;
        }
        out.push(separator);
    }
    out
}

/// Up to `top` items modified at or after `since_ms` that `filter` (a
/// [`view_filter`](super::view_filter)) lets through, newest first:
/// `{list}/items?$select=...&$top=N&$orderby=Modified%20desc&$filter=Modified%20ge%20datetime'...'[%20and%20F]`.
pub fn modified_since_url(
    site_url: &str,
    list: &ListRef,
    select: &[String],
    filter: &str,
    since_ms: i64,
    top: u32,
) -> String {
    let mut url = list_url(site_url, list);
    for part in [&items_query(select), "&$top="] {
        url.push_str(part);
    }
    text::push_uint(&mut url, top.into());
    for part in [
        "&$orderby=Modified%20desc&$filter=Modified%20ge%20datetime'",
        &iso_utc(since_ms),
        "'",
    ] {
        url.push_str(part);
    }
    if !filter.is_empty() {
        url.push_str("%20and%20");
        url.push_str(filter);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_times() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(1_653_999_117_999), "2022-05-31T12:11:57Z");
        assert_eq!(iso_utc(951_825_600_000), "2000-02-29T12:00:00Z");
        assert_eq!(iso_utc(1_798_761_599_000), "2026-12-31T23:59:59Z");
        assert_eq!(iso_utc(-1), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(i64::MIN), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(i64::MAX), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn every_day_from_1970_to_2100_in_order() {
        let (mut y, mut m, mut d) = (1970, 1, 1);
        let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for day in 0..47_482 {
            let want = format!("{y:04}-{m:02}-{d:02}T00:00:00Z");
            assert_eq!(iso_utc(day * 86_400_000), want);
            let len = match m {
                2 if leap(y) => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            d += 1;
            if d > len {
                (d, m) = (1, m + 1);
            }
            if m > 12 {
                (m, y) = (1, y + 1);
            }
        }
        assert_eq!((y, m, d), (2100, 1, 1));
    }

    #[test]
    fn builds_the_read_ahead_url() {
        let list = ListRef::Id("482e418a-0900-414b-8902-02248c2e44e8".into());
        let url = modified_since_url(
            "https://contoso.sharepoint.com/sites/team/",
            &list,
            &["Title".into()],
            "",
            1_653_999_117_000,
            100,
        );
        assert_eq!(
            url,
            "https://contoso.sharepoint.com/sites/team/_api/web/lists(guid'482e418a-0900-414b-\
             8902-02248c2e44e8')/items?$select=Id,Modified,Title&$top=100\
             &$orderby=Modified%20desc&$filter=Modified%20ge%20datetime'2022-05-31T12:11:57Z'"
        );
        let filter = super::super::view_filter("Status eq 'Open'");
        let url = modified_since_url("https://h/s", &list, &[], &filter, 0, 100);
        assert!(url.ends_with(
            "&$filter=Modified%20ge%20datetime'1970-01-01T00:00:00Z'%20and%20(Status%20eq%20%27Open%27)"
        ));
    }
}
