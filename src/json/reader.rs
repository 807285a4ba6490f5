//! The parser behind [`parse`](super::parse) and [`parse_only`](super::parse_only).
//!
//! One pass over the bytes. Strings are copied run by run (a run of plain bytes is
//! found eight bytes at a time, then copied with one `push_str`; the input is a
//! `&str`, so runs need no UTF-8 check); a string without escapes is borrowed until
//! it is kept. Arrays and objects collect on two shared stacks and get vectors of
//! their exact size. A value that is not kept (a member whose name the caller
//! filtered out) is checked exactly as strictly but builds nothing.

use std::borrow::Cow;

use super::print::Hasher;
use super::{Element, Json, JsonError, MAX_DEPTH};

pub(super) struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    /// Member names to keep (at every depth); `None` keeps all.
    keep: Option<&'a [&'a str]>,
    /// The elements and members of the arrays and objects being read, innermost
    /// last: each is moved out into a vector of its exact size when it ends.
    items: Vec<Json>,
    members: Vec<(String, Json)>,
    /// When set, the elements of the arrays at most two levels deep (not inside
    /// another such element), in source order (see [`parse_elements`](super::parse_elements)).
    pub(super) elements: Option<Vec<Element>>,
    /// The fingerprint of the element being read, while one is.
    hash: Option<Hasher>,
}

/// The length of the leading run of `bytes` without `"`, `\` or a control character.
fn plain_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut i = 0;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let (quote, slash) = (w ^ (ONES * 0x22), w ^ (ONES * 0x5c));
        // Per byte, the high bit is set where a byte is zero (or below 0x20); exact
        // as to whether any byte matches, which is all this needs.
        let zero = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x;
        if (zero(quote, 1) | zero(slash, 1) | zero(w, 0x20)) & (ONES * 0x80) != 0 {
            break;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

impl<'a> Parser<'a> {
    pub(super) fn new(text: &'a str, keep: Option<&'a [&'a str]>) -> Self {
        Parser {
            bytes: text.as_bytes(),
            text,
            pos: 0,
            keep,
            items: Vec::new(),
            members: Vec::new(),
            elements: None,
            hash: None,
        }
    }

    /// One complete JSON text: a value with only whitespace around it.
    pub(super) fn document(&mut self) -> Result<Json, JsonError> {
        let value = self.value(0, true)?;
        self.skip_ws();
        if self.pos != self.bytes.len() {
            return Err(self.error("trailing characters after the value"));
        }
        Ok(value)
    }

    fn error(&self, reason: &'static str) -> JsonError {
        JsonError {
            offset: self.pos,
            reason,
        }
    }

    // `skip_ws` and `eat` run for every token: inlined, they make the parse faster
    // and the gzipped WebAssembly smaller than calls do (at opt-level "z").
    #[inline(always)]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    #[inline(always)]
    fn eat(&mut self, byte: u8) -> bool {
        if self.bytes.get(self.pos) == Some(&byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &'static str, value: Json) -> Result<Json, JsonError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            if let Some(h) = &mut self.hash {
                match value {
                    Json::Bool(b) => h.bool(b),
                    _ => h.null(),
                }
            }
            Ok(value)
        } else {
            Err(self.error("unknown literal"))
        }
    }

    /// The value at the cursor; when `build` is false it is only checked (and
    /// strings, numbers, arrays and objects come back as `Null`).
    fn value(&mut self, depth: usize, build: bool) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.skip_ws();
        match self.bytes.get(self.pos) {
            None => Err(self.error("unexpected end of input")),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'"') => {
                let s = self.string()?;
                if let Some(h) = &mut self.hash {
                    h.string(&s);
                }
                Ok(if build {
                    Json::String(s.into_owned())
                } else {
                    Json::Null
                })
            }
            Some(b'[') => self.array(depth, build),
            Some(b'{') => self.object(depth, build),
            Some(b'-' | b'0'..=b'9') => self.number(build),
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    fn array(&mut self, depth: usize, build: bool) -> Result<Json, JsonError> {
        self.pos += 1;
        let mark = self.items.len();
        // Each element of a built array one or two levels deep is an element to note
        // (when asked), unless this array is inside one already.
        let note = build && depth <= 2 && self.elements.is_some() && self.hash.is_none();
        let mut len = 0;
        if let Some(h) = &mut self.hash {
            h.array_start();
        }
        self.skip_ws();
        if !self.eat(b']') {
            loop {
                self.skip_ws();
                let start = self.pos;
                if note {
                    self.hash = Some(Hasher::new());
                }
                let item = self.value(depth + 1, build)?;
                len += 1;
                if build {
                    self.items.push(item);
                }
                if let (true, Some(elements)) = (note, &mut self.elements) {
                    let print = self.hash.take().map_or([0; 2], Hasher::finish);
                    elements.push(Element {
                        span: start..self.pos,
                        print,
                    });
                }
                self.skip_ws();
                if self.eat(b']') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(self.error("expected ',' or ']'"));
                }
            }
        }
        if let Some(h) = &mut self.hash {
            h.array_end(len);
        }
        Ok(if build {
            Json::Array(self.items.split_off(mark))
        } else {
            Json::Null
        })
    }

    fn object(&mut self, depth: usize, build: bool) -> Result<Json, JsonError> {
        self.pos += 1;
        let mark = self.members.len();
        let mut len = 0;
        if let Some(h) = &mut self.hash {
            h.object_start();
        }
        self.skip_ws();
        if !self.eat(b'}') {
            loop {
                self.skip_ws();
                if self.bytes.get(self.pos) != Some(&b'"') {
                    return Err(self.error("expected a member name"));
                }
                let key = self.string()?;
                len += 1;
                if let Some(h) = &mut self.hash {
                    h.key(&key);
                }
                // A member is built when its object is and the filter (if any) keeps it.
                let keep = build && self.keep.is_none_or(|names| names.contains(&&*key));
                self.skip_ws();
                if !self.eat(b':') {
                    return Err(self.error("expected ':'"));
                }
                let value = self.value(depth + 1, keep)?;
                if keep {
                    self.members.push((key.into_owned(), value));
                }
                self.skip_ws();
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(self.error("expected ',' or '}'"));
                }
            }
        }
        if let Some(h) = &mut self.hash {
            h.object_end(len);
        }
        Ok(if build {
            Json::Object(self.members.split_off(mark))
        } else {
            Json::Null
        })
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self, build: bool) -> Result<Json, JsonError> {
        let start = self.pos;
        self.eat(b'-');
        let first = self.bytes.get(self.pos).copied();
        let int_digits = self.digits();
        if int_digits == 0 || (first == Some(b'0') && int_digits > 1) {
            return Err(self.error("malformed number"));
        }
        if self.eat(b'.') && self.digits() == 0 {
            return Err(self.error("malformed number"));
        }
        if self.eat(b'e') || self.eat(b'E') {
            let _ = self.eat(b'+') || self.eat(b'-');
            if self.digits() == 0 {
                return Err(self.error("malformed number"));
            }
        }
        let text = &self.text[start..self.pos];
        if let Some(h) = &mut self.hash {
            h.number(text);
        }
        Ok(if build {
            Json::Number(text.to_owned())
        } else {
            Json::Null
        })
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let hex = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or(self.error("short \\u escape"))?;
        let code = hex
            .bytes()
            .try_fold(0, |code, b| Some(code << 4 | char::from(b).to_digit(16)?))
            .ok_or(self.error("bad \\u escape"))?;
        self.pos += 4;
        Ok(code)
    }

    /// The string at the cursor, unescaped: borrowed from the text when it has no
    /// escapes.
    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        let start = self.pos + 1;
        let (mut run, mut out) = (start, String::new());
        loop {
            self.pos = run + plain_run(&self.bytes[run..]);
            let plain = &self.text[run..self.pos];
            match self.bytes.get(self.pos) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    if run == start {
                        return Ok(Cow::Borrowed(plain));
                    }
                    out.push_str(plain);
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    out.push_str(plain);
                    self.pos += 1;
                    let escaped = self.bytes.get(self.pos).copied();
                    self.pos += 1;
                    out.push(match escaped {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        _ => return Err(self.error("bad escape")),
                    });
                    run = self.pos;
                }
                Some(_) => return Err(self.error("control character in string")),
            }
        }
    }

    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let high = self.hex4()?;
        if (0xD800..0xDC00).contains(&high) {
            // A surrogate pair: \uD83D\uDE00. A lone surrogate becomes U+FFFD, as
            // browsers do when decoding such text.
            if self.bytes[self.pos..].starts_with(b"\\u") {
                self.pos += 2;
                let low = self.hex4()?;
                if (0xDC00..0xE000).contains(&low) {
                    let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    return Ok(char::from_u32(code).unwrap_or('\u{FFFD}'));
                }
                // Not a low surrogate: keep it for the next round.
                self.pos -= 6;
                return Ok('\u{FFFD}');
            }
            return Ok('\u{FFFD}');
        }
        Ok(char::from_u32(high).unwrap_or('\u{FFFD}'))
    }
}
