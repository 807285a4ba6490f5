//! Substring search for the few places that need one. A byte-window scan: `str::find`
//! with a `&str` pattern brings core's two-way searcher (~1.6 KB of WebAssembly) for
//! searches that only ever look at short texts.

/// The byte offset of the first `needle` in `haystack`.
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    let needle = needle.as_bytes();
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &str, needle: &str) -> bool {
    find(haystack, needle).is_some()
}

/// `haystack` split around the first `separator`.
pub fn split_once<'a>(haystack: &'a str, separator: &str) -> Option<(&'a str, &'a str)> {
    let at = find(haystack, separator)?;
    Some((&haystack[..at], &haystack[at + separator.len()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_like_str_find() {
        for (hay, needle) in [
            ("https://host/x", "://"),
            ("abc", ""),
            ("", "a"),
            ("aaab", "aab"),
            ("héllo wörld", "wö"),
            ("short", "longer than it"),
        ] {
            assert_eq!(find(hay, needle), hay.find(needle), "{hay:?} {needle:?}");
            assert_eq!(split_once(hay, needle), hay.split_once(needle));
            assert_eq!(contains(hay, needle), hay.contains(needle));
        }
    }
}
