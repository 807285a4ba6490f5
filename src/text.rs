//! Small text helpers that keep big machinery out of the WebAssembly build: substring
//! search by a byte-window scan (`str::find` with a `&str` pattern brings core's two-way
//! searcher, ~1.6 KB), splitting and trimming by ASCII bytes (`char` patterns bring the
//! char searcher, `memchr` and UTF-8 decoding, ~1 KB), and decimal numbers without
//! `core::fmt` (messages and URLs are built with `concat` and these instead of
//! `format!`). The formats sp-live reads (URLs, headers, change tokens, multipart
//! bodies, JSON) delimit and pad with ASCII only.

/// The byte offset of the first `needle` in `haystack`: candidates by their first byte
/// (found eight bytes at a time), then a compare.
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    let mut at = 0;
    while let Some(i) = find_byte(&haystack[at..], first) {
        let start = at + i;
        if haystack[start + 1..].starts_with(rest) {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

/// The offset of the first `byte` in `bytes`, eight bytes at a time (as `memchr` does,
/// for ~100 bytes of wasm instead of ~0.5 KB: multipart bodies are split by lines).
fn find_byte(bytes: &[u8], byte: u8) -> Option<usize> {
    let pattern = u64::from_ne_bytes([byte; 8]);
    let mut at = 0;
    for chunk in bytes.chunks_exact(8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])) ^ pattern;
        // Nonzero when some byte of `word` is zero, i.e. equal to `byte`.
        if word.wrapping_sub(0x0101_0101_0101_0101) & !word & 0x8080_8080_8080_8080 != 0 {
            break;
        }
        at += 8;
    }
    bytes[at..].iter().position(|b| *b == byte).map(|i| at + i)
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

/// The parts of `haystack` between `separator`s (not empty), like `str::split` (whose
/// `char` patterns bring core's char searcher and `memchr`).
pub fn split<'a>(haystack: &'a str, separator: &'a str) -> Split<'a> {
    Split {
        rest: Some(haystack),
        separator,
    }
}

/// The iterator of [`split`].
pub struct Split<'a> {
    rest: Option<&'a str>,
    separator: &'a str,
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match split_once(rest, self.separator).filter(|_| !self.separator.is_empty()) {
            Some((part, after)) => {
                self.rest = Some(after);
                Some(part)
            }
            None => self.rest.take(),
        }
    }
}

/// `text` without any leading `b` bytes (an ASCII character), like
/// `str::trim_start_matches(char)`.
pub fn trim_start_byte(text: &str, b: u8) -> &str {
    let skip = text.bytes().take_while(|x| *x == b).count();
    &text[skip..]
}

/// `text` without any trailing `b` bytes (an ASCII character), like
/// `str::trim_end_matches(char)`.
pub fn trim_end_byte(text: &str, b: u8) -> &str {
    let skip = text.bytes().rev().take_while(|x| *x == b).count();
    &text[..text.len() - skip]
}

/// `text` without its leading `{`s and trailing `}`s (a GUID as `{...}`).
pub fn trim_braces(text: &str) -> &str {
    trim_end_byte(trim_start_byte(text, b'{'), b'}')
}

/// The parts one after another (`[&str]::concat` brings a generic join of ~0.9 KB).
pub fn concat(parts: &[&str]) -> String {
    join(parts, "")
}

/// The parts with `separator` between them.
pub fn join(parts: &[&str], separator: &str) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        out.push_str(part);
    }
    out
}

/// Appends `n` in decimal.
pub fn push_uint(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(d as char);
    }
}

/// Appends `n` in decimal.
pub fn push_int(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_uint(out, n.unsigned_abs());
}

/// `n` in decimal.
pub fn uint(n: u64) -> String {
    let mut out = String::new();
    push_uint(&mut out, n);
    out
}

/// `n` in decimal.
pub fn int(n: i64) -> String {
    let mut out = String::new();
    push_int(&mut out, n);
    out
}

/// Parses a decimal integer as `str::parse::<i64>` does (an optional sign, then digits,
/// nothing else); `None` when the text is not one or the number does not fit.
pub fn parse_int(text: &str) -> Option<i64> {
    match text.as_bytes().first() {
        Some(b'-') => 0i64.checked_sub_unsigned(parse_digits(&text[1..])?),
        Some(b'+') => i64::try_from(parse_digits(&text[1..])?).ok(),
        _ => i64::try_from(parse_digits(text)?).ok(),
    }
}

/// Parses a decimal integer as `str::parse::<u64>` does (an optional `+`, then digits).
pub fn parse_uint(text: &str) -> Option<u64> {
    parse_digits(text.strip_prefix("+").unwrap_or(text))
}

fn parse_digits(digits: &str) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0u64, |n, b| {
        let digit = b.checked_sub(b'0').filter(|d| *d < 10)?;
        n.checked_mul(10)?.checked_add(digit.into())
    })
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
            ("abcdefgh\nij", "\n"),
            ("abcdefghijklmnop", "p"),
            ("abcdefghijklmnop", "q"),
            ("x%20or%20y%20or%20z", "%20or%20"),
            ("aaaaaaaaaaaaaaaab", "ab"),
            ("ÿÿÿÿÿÿÿÿÿ\u{80}", "\u{80}"),
        ] {
            assert_eq!(find(hay, needle), hay.find(needle), "{hay:?} {needle:?}");
            assert_eq!(split_once(hay, needle), hay.split_once(needle));
            assert_eq!(contains(hay, needle), hay.contains(needle));
        }
    }

    #[test]
    fn splits_and_trims_like_std() {
        for (hay, sep) in [
            ("a;b;;c", ";"),
            ("", ";"),
            (";", ";"),
            ("abc", ";"),
            ("x%20or%20y%20or%20", "%20or%20"),
            ("héllo wörld", "ö"),
        ] {
            let ours: Vec<&str> = split(hay, sep).collect();
            let std: Vec<&str> = hay.split(sep).collect();
            assert_eq!(ours, std, "{hay:?} {sep:?}");
        }
        for (text, b) in [
            ("//a//", b'/'),
            ("{x}", b'{'),
            ("", b'/'),
            ("///", b'/'),
            ("é/", b'/'),
        ] {
            let c = char::from(b);
            assert_eq!(trim_start_byte(text, b), text.trim_start_matches(c));
            assert_eq!(trim_end_byte(text, b), text.trim_end_matches(c));
        }
    }

    #[test]
    fn concat_and_join_like_std() {
        assert_eq!(concat(&["a", "", "bc"]), ["a", "", "bc"].concat());
        assert_eq!(join(&["a", "", "bc"], "|"), ["a", "", "bc"].join("|"));
        assert_eq!(join(&[], ","), "");
    }

    #[test]
    fn numbers_like_to_string() {
        for n in [0, 1, -1, 9, 10, 42, -1234567, i64::MAX, i64::MIN] {
            assert_eq!(int(n), n.to_string());
        }
        for n in [0, 7, 1000, u64::MAX] {
            assert_eq!(uint(n), n.to_string());
        }
    }

    #[test]
    fn parses_like_str_parse() {
        let texts = [
            "0",
            "7",
            "-7",
            "+7",
            "",
            "-",
            "+",
            "+-1",
            "--1",
            " 1",
            "1 ",
            "1a",
            "007",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "18446744073709551615",
            "18446744073709551616",
            "٣",
        ];
        for text in texts {
            assert_eq!(parse_int(text), text.parse::<i64>().ok(), "{text:?}");
            assert_eq!(parse_uint(text), text.parse::<u64>().ok(), "{text:?}");
        }
    }
}
