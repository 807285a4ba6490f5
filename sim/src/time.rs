//! Time helpers: the simulator clock (wall clock plus a settable offset), .NET ticks
//! and ISO 8601 formatting.

use std::time::{SystemTime, UNIX_EPOCH};

/// .NET ticks at the Unix epoch (`DateTime(1970,1,1).Ticks`).
pub const TICKS_EPOCH: i64 = 621_355_968_000_000_000;

/// Milliseconds since the Unix epoch by the machine's wall clock.
pub fn system_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// .NET UTC ticks for a Unix millisecond timestamp: `ms * 10000 + 621355968000000000`.
pub fn ticks(ms: i64) -> i64 {
    ms.saturating_mul(10_000).saturating_add(TICKS_EPOCH)
}

/// Unix milliseconds for .NET ticks (inverse of [`ticks`]).
pub fn ms_from_ticks(t: i64) -> i64 {
    t.saturating_sub(TICKS_EPOCH) / 10_000
}

/// `2022-05-31T12:31:57Z` (second precision, as SharePoint writes item dates).
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// `2022-05-31T12:31:57.123Z` (millisecond precision, used for subscriptions).
pub fn iso_millis(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// `2022-05-31T12:31:57.1230000Z` (seven fraction digits, .NET's round-trip format, as
/// SharePoint writes `expirationDateTime` in webhook notifications).
pub fn iso_ticks(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3f0000Z").to_string())
        .unwrap_or_default()
}

/// Form digest date suffix, e.g. `31 May 2022 12:31:57 -0000`.
pub fn digest_date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%d %b %Y %H:%M:%S -0000").to_string())
        .unwrap_or_default()
}

/// Parses an ISO 8601 date (with or without a zone; no zone means UTC) to Unix ms.
pub fn parse_iso(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(d.timestamp_millis());
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(d.and_utc().timestamp_millis());
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_roundtrip() {
        assert_eq!(ticks(0), TICKS_EPOCH);
        assert_eq!(ms_from_ticks(ticks(1_653_999_117_000)), 1_653_999_117_000);
        assert_eq!(iso(1_653_999_117_000), "2022-05-31T12:11:57Z");
        assert_eq!(parse_iso("2022-05-31T12:11:57Z"), Some(1_653_999_117_000));
        assert_eq!(parse_iso("2022-05-31T12:11:57"), Some(1_653_999_117_000));
        assert_eq!(parse_iso("nope"), None);
        assert_eq!(iso_ticks(1_653_999_117_123), "2022-05-31T12:11:57.1230000Z");
    }
}
