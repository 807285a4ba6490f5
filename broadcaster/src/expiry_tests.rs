//! Tests of the subscription expiry watch and its date handling.

use super::*;

const NOW: i64 = 1_795_000_000; // 2026-11-18T11:06:40Z

fn entries(list: &[(&str, &str)]) -> String {
    let entries: Vec<Value> = list
        .iter()
        .map(|(id, expires)| {
            json!({
                "subscriptionId": id,
                "resource": "482e418a-0900-414b-8902-02248c2e44e8",
                "siteUrl": "/sites/team",
                "expirationDateTime": expires,
            })
        })
        .collect();
    Value::from(entries).to_string()
}

#[test]
fn dates_as_sharepoint_writes_them() {
    assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(
        parse_utc("2026-05-01T12:00:00.0000000Z"),
        Some(1_777_636_800)
    );
    assert_eq!(parse_utc("2026-05-01T14:00:00+02:00"), Some(1_777_636_800));
    assert_eq!(parse_utc("2026-05-01T07:30:00-04:30"), Some(1_777_636_800));
    assert_eq!(parse_utc(" 2000-02-29T23:59:59.5z "), Some(951_868_799));
    assert_eq!(parse_utc("2024-02-29T00:00:00Z"), Some(1_709_164_800));
    assert_eq!(parse_utc("2026-12-31T23:59:59Z"), Some(1_798_761_599));
    assert_eq!(parse_utc("2026-05-02T11:59:00+23:59"), Some(1_777_636_800));
    for bad in [
        "",
        "2026-05-01",
        "2026-05-01T12:00:00",
        "2026-13-01T12:00:00Z",
        "2026-05-01T24:00:00Z",
        "2026-05-01T12:00:00.Z",
        "2026-05-01T12:00:00Zx",
        "2026-05-01T12:00:00+0200",
        "2026/05/01T12:00:00Z",
        "२०२६-05-01T12:00:00Z",
        "2026-02-29T12:00:00Z",
        "2026-02-31T12:00:00Z",
        "2026-04-31T12:00:00Z",
        "1900-02-29T12:00:00Z",
        "2026-05-01T12:00:00+24:00",
        "2026-05-01T12:00:00-02:60",
    ] {
        assert_eq!(parse_utc(bad), None, "{bad:?}");
    }
    for secs in [0, 951_868_799, 1_777_636_800, -86_400, 4_102_444_800] {
        assert_eq!(parse_utc(&format_utc(secs)), Some(secs), "{secs}");
    }
    assert_eq!(format_utc(1_777_636_800), "2026-05-01T12:00:00Z");
}

#[test]
fn a_subscription_ending_within_30_days_is_warned_about_once_a_day() {
    let subs = Subscriptions::default();
    let soon = format_utc(NOW + 10 * DAY + 60);
    let later = format_utc(NOW + 90 * DAY);
    let warned = subs.note(&entries(&[("a", &soon), ("b", &later)]), NOW);
    assert_eq!(
        warned,
        [Expiring {
            id: "a".into(),
            resource: "482e418a-0900-414b-8902-02248c2e44e8".into(),
            site_url: "/sites/team".into(),
            expires: soon.clone(),
            days_left: 10,
        }]
    );
    assert!(subs
        .note(&entries(&[("a", &soon)]), NOW + DAY - 1)
        .is_empty());
    assert_eq!(subs.note(&entries(&[("a", &soon)]), NOW + DAY).len(), 1);
    let summary = subs.summary(NOW + DAY);
    assert_eq!(summary["seen"], 2);
    assert_eq!(summary["ending_within_30_days"], 1);
    assert_eq!(summary["soonest_end"], Value::from(soon));
    // Renewed: no more warnings, and the summary says so.
    let renewed = format_utc(NOW + 180 * DAY);
    assert!(subs
        .note(&entries(&[("a", &renewed)]), NOW + DAY)
        .is_empty());
    assert_eq!(subs.summary(NOW + DAY)["ending_within_30_days"], 0);
}

#[test]
fn an_ended_subscription_is_reported_for_a_week_then_forgotten() {
    let subs = Subscriptions::default();
    let ended = format_utc(NOW - DAY);
    let warned = subs.note(&entries(&[("gone", &ended)]), NOW);
    assert_eq!(warned[0].days_left, -1);
    // SharePoint deleted it at its end: it can no longer be renewed.
    let advice = warned[0].advice();
    assert!(
        advice.contains("create a new one") && !advice.contains("PATCH"),
        "{advice}"
    );
    let other = Subscriptions::default();
    let soon = other.note(&entries(&[("soon", &format_utc(NOW + DAY))]), NOW);
    assert!(soon[0].advice().contains("renew it: PATCH"));
    let summary = subs.summary(NOW);
    assert_eq!(
        (summary["ended"].clone(), summary["soonest_end"].clone()),
        (json!(1), Value::Null)
    );
    assert_eq!(
        subs.summary(NOW + 6 * DAY + 1)["seen"],
        0,
        "forgotten without new notes"
    );
}

#[test]
fn unreadable_entries_are_skipped_and_the_least_urgent_give_way() {
    let subs = Subscriptions::default();
    assert!(subs.note("not json", NOW).is_empty());
    let no_date =
        json!([{ "subscriptionId": "x" }, { "expirationDateTime": "2026-12-01T00:00:00Z" }]);
    assert!(subs.note(&no_date.to_string(), NOW).is_empty());
    assert!(subs.note(&entries(&[("y", "soon")]), NOW).is_empty());
    assert_eq!(subs.summary(NOW)["seen"], 0);
    // An entry with odd members does not hide the others of its batch.
    let soon = format_utc(NOW + 2 * DAY);
    let mixed = json!([
        { "subscriptionId": 7, "expirationDateTime": soon },
        { "subscriptionId": "ok", "expirationDateTime": soon, "resource": ["odd"] },
    ]);
    assert_eq!(subs.note(&mixed.to_string(), NOW).len(), 1);
    assert_eq!(subs.summary(NOW)["seen"], 1);
    let subs = Subscriptions::default();

    let far: Vec<(String, String)> = (0..MAX_TRACKED)
        .map(|i| (format!("s{i}"), format_utc(NOW + 100 * DAY + i as i64)))
        .collect();
    let far: Vec<(&str, &str)> = far.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    subs.note(&entries(&far), NOW);
    assert_eq!(subs.summary(NOW)["seen"], MAX_TRACKED);
    // A more urgent one takes the place of the one that ends last; a later one is dropped.
    let urgent = format_utc(NOW + 5 * DAY);
    assert_eq!(subs.note(&entries(&[("urgent", &urgent)]), NOW).len(), 1);
    assert!(subs
        .note(&entries(&[("late", &format_utc(NOW + 200 * DAY))]), NOW)
        .is_empty());
    let summary = subs.summary(NOW);
    assert_eq!(summary["seen"], MAX_TRACKED);
    assert_eq!(summary["soonest_end"], Value::from(urgent));
}
