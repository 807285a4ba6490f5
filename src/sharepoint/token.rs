//! SharePoint change tokens: `version;scope;scopeGuid;ticks;changeNumber`.

use crate::text::{parse_int, parse_uint};
use std::cmp::Ordering;
use std::fmt;

/// .NET ticks (100 ns since 0001-01-01) at the Unix epoch.
pub const TICKS_AT_UNIX_EPOCH: i64 = 621_355_968_000_000_000;

/// Milliseconds since the Unix epoch to .NET UTC ticks (`ms * 10000 + 621355968000000000`).
/// Saturates instead of overflowing.
pub fn ms_to_ticks(ms: i64) -> i64 {
    ms.saturating_mul(10_000)
        .saturating_add(TICKS_AT_UNIX_EPOCH)
}

/// .NET UTC ticks to milliseconds since the Unix epoch (rounded down).
pub fn ticks_to_ms(ticks: i64) -> i64 {
    ticks.saturating_sub(TICKS_AT_UNIX_EPOCH).div_euclid(10_000)
}

/// The scope a change token belongs to (second field of the token).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokenScope {
    /// 0: a content database.
    ContentDb,
    /// 1: a site collection.
    Site,
    /// 2: a web.
    Web,
    /// 3: a list.
    List,
    /// Any other number (kept so that formatting round-trips).
    Other(u32),
}

impl TokenScope {
    fn from_number(n: u32) -> Self {
        match n {
            0 => TokenScope::ContentDb,
            1 => TokenScope::Site,
            2 => TokenScope::Web,
            3 => TokenScope::List,
            n => TokenScope::Other(n),
        }
    }

    /// The number used in the token text.
    pub fn number(self) -> u32 {
        match self {
            TokenScope::ContentDb => 0,
            TokenScope::Site => 1,
            TokenScope::Web => 2,
            TokenScope::List => 3,
            TokenScope::Other(n) => n,
        }
    }
}

/// A parsed change token, e.g. `1;3;482e418a-0900-414b-8902-02248c2e44e8;634955266749500000;5749111`.
///
/// Tokens order by their position in the change log: `(change_number, ticks)`. The
/// change number is the log's sequence (GetChanges pages by it); the time comes from a
/// server clock and need not follow it (a list's `CurrentChangeToken` is stamped "now",
/// a change logged right after may carry an earlier time), so it only orders tokens of
/// one change number, such as hand-made start tokens (`-1`: before every real one). The
/// other fields only break ties so that `Ord` stays consistent with `Eq`. A start token
/// is exclusive: GetChanges returns the changes strictly after it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChangeToken {
    /// Format version (1).
    pub version: u32,
    /// What the token is scoped to (3 for a list).
    pub scope: TokenScope,
    /// The GUID of the scoped object, lower-case, without braces.
    pub scope_id: String,
    /// .NET UTC ticks of the change.
    pub ticks: i64,
    /// Change number in the content database's log; `-1` in a hand-made start token.
    pub change_number: i64,
}

/// Why a text is not a change token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenError(pub &'static str);

impl TokenError {
    /// The error for people (what `Display` shows).
    pub fn message(&self) -> String {
        crate::text::concat(&["invalid change token: ", self.0])
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for TokenError {}

impl ChangeToken {
    /// Parses `version;scope;scopeGuid;ticks;changeNumber`.
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let mut parts = crate::text::split(text.trim_ascii(), ";");
        let mut next = |what| parts.next().ok_or(TokenError(what));
        let small = |text: &str| parse_uint(text).and_then(|n| u32::try_from(n).ok());
        let version = small(next("missing version")?).ok_or(TokenError("bad version"))?;
        let scope = small(next("missing scope")?).ok_or(TokenError("bad scope"))?;
        let scope_id = normalize_guid(next("missing scope id")?).ok_or(TokenError("bad GUID"))?;
        let ticks = parse_int(next("missing ticks")?).ok_or(TokenError("bad ticks"))?;
        let change_number =
            parse_int(next("missing change number")?).ok_or(TokenError("bad change number"))?;
        if parts.next().is_some() {
            return Err(TokenError("too many fields"));
        }
        Ok(ChangeToken {
            version,
            scope: TokenScope::from_number(scope),
            scope_id,
            ticks,
            change_number,
        })
    }

    /// A hand-made list start token at a time (ms since the Unix epoch), with change
    /// number `-1`: GetChanges from it returns the changes made after that time.
    pub fn list_start(list_id: &str, unix_ms: i64) -> Option<Self> {
        Some(ChangeToken {
            version: 1,
            scope: TokenScope::List,
            scope_id: normalize_guid(list_id)?,
            ticks: ms_to_ticks(unix_ms),
            change_number: -1,
        })
    }

    /// The time of the token in ms since the Unix epoch.
    pub fn unix_ms(&self) -> i64 {
        ticks_to_ms(self.ticks)
    }
}

impl fmt::Display for ChangeToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{};{};{};{};{}",
            self.version,
            self.scope.number(),
            self.scope_id,
            self.ticks,
            self.change_number
        )
    }
}

impl Ord for ChangeToken {
    fn cmp(&self, other: &Self) -> Ordering {
        (
            self.change_number,
            self.ticks,
            self.version,
            self.scope,
            &self.scope_id,
        )
            .cmp(&(
                other.change_number,
                other.ticks,
                other.version,
                other.scope,
                &other.scope_id,
            ))
    }
}

impl PartialOrd for ChangeToken {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Normalises a GUID: trims whitespace and braces, lower-cases, and checks the
/// `8-4-4-4-12` hex shape. `None` if it is not a GUID.
pub fn normalize_guid(text: &str) -> Option<String> {
    let t = crate::text::trim_braces(text.trim_ascii());
    // One pass over the bytes, no allocation but the result: a change log has a
    // `ListId` per record.
    let shaped = t.len() == 36
        && t.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    shaped.then(|| t.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "1;3;482e418a-0900-414b-8902-02248c2e44e8;634955266749500000;5749111";

    #[test]
    fn guids_are_checked_byte_by_byte_and_lower_cased() {
        let lower = "482e418a-0900-414b-8902-02248c2e44e8";
        for ok in [
            lower,
            " {482E418A-0900-414B-8902-02248C2E44E8} ",
            "{482e418a-0900-414b-8902-02248c2e44e8}",
        ] {
            assert_eq!(normalize_guid(ok).as_deref(), Some(lower), "{ok}");
        }
        let bad = [
            "",
            "482e418a-0900-414b-8902-02248c2e44e",   // 35 bytes
            "482e418a-0900-414b-8902-02248c2e44e80", // 37 bytes
            "482e418a0-900-414b-8902-02248c2e44e8",  // a dash moved
            "482e418a-0900-414b-8902-02248c2e44g8",  // not hex
            "482e418a-0900-414b-8902_02248c2e44e8",  // not a dash
            "482e418a-0900-414b-8902-02248c2e4\u{e9}", // 36 bytes, not ASCII
        ];
        for b in bad {
            assert_eq!(normalize_guid(b), None, "{b:?}");
        }
    }

    #[test]
    fn parses_and_formats_round_trip() {
        let t = ChangeToken::parse(SAMPLE).unwrap();
        assert_eq!(t.version, 1);
        assert_eq!(t.scope, TokenScope::List);
        assert_eq!(t.scope_id, "482e418a-0900-414b-8902-02248c2e44e8");
        assert_eq!(t.ticks, 634_955_266_749_500_000);
        assert_eq!(t.change_number, 5_749_111);
        assert_eq!(t.to_string(), SAMPLE);
        let upper = "1;2;{482E418A-0900-414B-8902-02248C2E44E8};634955266749500000;-1";
        let w = ChangeToken::parse(upper).unwrap();
        assert_eq!(w.scope, TokenScope::Web);
        assert_eq!(
            w.to_string(),
            "1;2;482e418a-0900-414b-8902-02248c2e44e8;634955266749500000;-1"
        );
    }

    #[test]
    fn rejects_malformed_tokens() {
        for bad in [
            "",
            "1;3;482e418a-0900-414b-8902-02248c2e44e8;634955266749500000",
            "1;3;482e418a-0900-414b-8902-02248c2e44e8;634955266749500000;5;6",
            "x;3;482e418a-0900-414b-8902-02248c2e44e8;1;2",
            "1;3;not-a-guid;1;2",
            "1;3;482e418a-0900-414b-8902-02248c2e44e8;1.5;2",
            "1;-3;482e418a-0900-414b-8902-02248c2e44e8;1;2",
        ] {
            assert!(ChangeToken::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn orders_by_change_number_then_ticks() {
        let g = "482e418a-0900-414b-8902-02248c2e44e8";
        let t = |ticks, n| ChangeToken::parse(&format!("1;3;{g};{ticks};{n}")).unwrap();
        assert!(t(10, 5) < t(10, 6));
        // A change logged after a token stamped by a clock ahead of the log's.
        assert!(t(11, 9) < t(10, 10));
        assert!(t(10, 9) < t(11, 9));
        assert!(t(10, -1) < t(10, 0));
        assert!(t(99, -1) < t(1, 0)); // a hand-made start token: before every real one
        assert_eq!(t(10, 5).cmp(&t(10, 5)), Ordering::Equal);
    }

    #[test]
    fn converts_ms_and_ticks() {
        assert_eq!(ms_to_ticks(0), TICKS_AT_UNIX_EPOCH);
        assert_eq!(ms_to_ticks(1_654_000_317_000), 637_895_971_170_000_000);
        assert_eq!(ticks_to_ms(637_895_971_170_000_000), 1_654_000_317_000);
        assert_eq!(ms_to_ticks(i64::MAX), i64::MAX);
        let s = ChangeToken::list_start("{482E418A-0900-414B-8902-02248C2E44E8}", 1000).unwrap();
        assert_eq!(
            s.to_string(),
            "1;3;482e418a-0900-414b-8902-02248c2e44e8;621355968010000000;-1"
        );
        assert_eq!(s.unix_ms(), 1000);
        assert!(ChangeToken::list_start("nope", 0).is_none());
    }
}
