//! The webhook subscriptions seen in notifications, and a warning before one expires.
//!
//! A SharePoint list webhook subscription lasts at most 180 days and then ends without a
//! word: no more notifications, and pages fall back to their safety poll (minutes late).
//! Every notification carries its subscription's `expirationDateTime`, so the broadcaster
//! knows when each subscription it hears from ends: it logs a warning once a day for each
//! that ends within [`WARN_WITHIN_SECS`], and `/health` sums them up. Only entries that
//! passed the `clientState` check are noted.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{json, Value};

/// How long before its end a subscription is warned about: 30 days.
pub const WARN_WITHIN_SECS: i64 = 30 * DAY;
/// How often the same subscription is warned about at most.
const WARN_EVERY_SECS: i64 = DAY;
/// How long an ended subscription is still reported (it sends nothing more).
const KEEP_ENDED_SECS: i64 = 7 * DAY;
/// Most subscriptions tracked (the least urgent give way).
pub const MAX_TRACKED: usize = 1024;
const DAY: i64 = 86_400;

struct Seen {
    resource: String,
    site_url: String,
    expires: i64,
    warned_at: Option<i64>,
}

/// A subscription that ends soon (or has ended), to warn about.
#[derive(Debug, PartialEq, Eq)]
pub struct Expiring {
    /// Its `subscriptionId`.
    pub id: String,
    /// Its list (`resource`).
    pub resource: String,
    /// Its site, server-relative (`siteUrl`), as the notification gave it.
    pub site_url: String,
    /// When it ends, as ISO 8601 UTC.
    pub expires: String,
    /// Whole days left (negative once it has ended).
    pub days_left: i64,
}

impl Expiring {
    /// What to do about it, for the log: renew it while it lasts; once it has ended,
    /// SharePoint has deleted it (it can no longer be renewed), so a new one is needed.
    pub fn advice(&self) -> &'static str {
        if self.days_left < 0 {
            "webhook subscription has ended (SharePoint deleted it; it cannot be renewed); \
             create a new one: POST <site>/_api/web/lists('<list>')/subscriptions with \
             resource, notificationUrl, expirationDateTime (at most 180 days ahead) and \
             clientState, or `m365 spo list webhook add`"
        } else {
            "webhook subscription ends soon; renew it: PATCH <site>/_api/web/lists('<list>')\
             /subscriptions('<subscription>') with a new expirationDateTime (at most 180 days \
             ahead), or `m365 spo list webhook set`"
        }
    }
}

/// The subscriptions heard from, by id.
#[derive(Default)]
pub struct Subscriptions {
    seen: Mutex<HashMap<String, Seen>>,
}

impl Subscriptions {
    /// Notes the subscriptions of `entries` (the JSON array text of accepted entries) at
    /// `now` (Unix seconds); returns those to warn about now. Entries without an id or a
    /// readable `expirationDateTime` are skipped.
    pub fn note(&self, entries: &str, now: i64) -> Vec<Expiring> {
        let Ok(notices) = serde_json::from_str::<Vec<Value>>(entries) else {
            return Vec::new();
        };
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.retain(|_, s| s.expires + KEEP_ENDED_SECS > now);
        let mut warnings = Vec::new();
        for n in notices {
            // Each member on its own: an odd one leaves the others' entries noted.
            let text = |name: &str| n.get(name).and_then(Value::as_str).map(str::to_owned);
            let Some(id) = text("subscriptionId") else {
                continue;
            };
            let Some(expires) = text("expirationDateTime").as_deref().and_then(parse_utc) else {
                continue;
            };
            if !seen.contains_key(&id)
                && seen.len() >= MAX_TRACKED
                && !make_room(&mut seen, expires)
            {
                continue;
            }
            let entry = seen.entry(id.clone()).or_insert(Seen {
                resource: String::new(),
                site_url: String::new(),
                expires,
                warned_at: None,
            });
            if entry.expires != expires {
                entry.warned_at = None; // renewed (or shortened): news
            }
            entry.expires = expires;
            entry.resource = text("resource").unwrap_or_default();
            entry.site_url = text("siteUrl").unwrap_or_default();
            let due = entry.warned_at.is_none_or(|at| now - at >= WARN_EVERY_SECS);
            if expires - now <= WARN_WITHIN_SECS && due {
                entry.warned_at = Some(now);
                warnings.push(Expiring {
                    id,
                    resource: entry.resource.clone(),
                    site_url: entry.site_url.clone(),
                    expires: format_utc(expires),
                    days_left: (expires - now).div_euclid(DAY),
                });
            }
        }
        warnings
    }

    /// `{seen, ending_within_30_days, ended, soonest_end}` at `now` for `/health` (no ids).
    pub fn summary(&self, now: i64) -> Value {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.retain(|_, s| s.expires + KEEP_ENDED_SECS > now);
        let live = seen.values().filter(|s| s.expires > now);
        let soonest = live.clone().map(|s| s.expires).min();
        json!({
            "seen": seen.len(),
            "ending_within_30_days": live.filter(|s| s.expires - now <= WARN_WITHIN_SECS).count(),
            "ended": seen.values().filter(|s| s.expires <= now).count(),
            "soonest_end": soonest.map(format_utc),
        })
    }
}

/// Drops the subscription that ends last if it ends after `expires`; whether there is
/// room now.
fn make_room(seen: &mut HashMap<String, Seen>, expires: i64) -> bool {
    let last = seen
        .iter()
        .max_by_key(|(_, s)| s.expires)
        .map(|(id, s)| (id.clone(), s.expires));
    match last {
        Some((id, end)) if end > expires => {
            seen.remove(&id);
            true
        }
        _ => false,
    }
}

/// The wall clock in Unix seconds.
pub fn unix_now() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.map_or(0, |d| d.as_secs() as i64)
}

/// Logs a warning for each subscription in `warnings`, with how to renew or replace it.
pub fn log(warnings: &[Expiring]) {
    for w in warnings {
        tracing::warn!(
            subscription = %w.id,
            list = %w.resource,
            site = %w.site_url,
            expires = %w.expires,
            days_left = w.days_left,
            "{}",
            w.advice()
        );
    }
}

/// Unix seconds of an ISO 8601 date and time with a zone (`Z` or `±HH:MM`), as SharePoint
/// writes `expirationDateTime` (`2026-05-01T12:00:00.0000000Z`); fractions are dropped.
/// A date the calendar does not have (`2026-02-29`) or an offset past `±23:59` is `None`.
pub fn parse_utc(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0i64, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(at, c)| b.get(at) != Some(&c))
        || !matches!(b.get(10), Some(b'T' | b't' | b' '))
    {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month)
        || !(1..=days_in_month(year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut at = 19;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let digits = b[at..].iter().take_while(|d| d.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        at += digits;
    }
    let offset = match (b.get(at), b.len() - at) {
        (Some(b'Z' | b'z'), 1) => 0,
        (Some(&sign @ (b'+' | b'-')), 6) if b[at + 3] == b':' => {
            let (hours, minutes) = (num(at + 1, 2)?, num(at + 4, 2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let minutes = hours * 60 + minutes;
            if sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(days * DAY + hour * 3600 + minute * 60 + second - offset * 60)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of Unix seconds.
pub fn format_utc(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(DAY), secs.rem_euclid(DAY));
    let (year, month, day) = civil_from_days(days);
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
}

/// How many days `month` (1-12) of `year` has in the Gregorian calendar.
fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
#[path = "expiry_tests.rs"]
mod tests;
