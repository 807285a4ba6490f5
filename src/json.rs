//! A small, strict JSON reader and writer.
//!
//! sp-live parses only small control payloads (Engine.IO open packets, Socket.IO
//! envelopes, SharePoint change records) in Rust; bulk item data is handed to
//! JavaScript as JSON text. A dedicated ~300-line codec keeps the WebAssembly
//! download small (no serde, no float parsing: numbers keep their source text so
//! they round-trip exactly) and is tested natively.

use std::fmt;
use std::ops::Range;

pub use print::{fingerprint, Fingerprint};
use reader::Parser;

mod print;
mod reader;

/// Maximum nesting of arrays and objects accepted by [`parse`]; deeper input is an
/// error instead of a stack overflow.
pub const MAX_DEPTH: usize = 128;

/// A parsed JSON value. Objects keep their members in source order.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, kept as its exact source text (e.g. `"25000"`, `"-1.5e3"`).
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object: members in source order (duplicate keys are kept; [`Json::get`]
    /// returns the first).
    Object(Vec<(String, Json)>),
}

/// Why a text is not valid JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset in the input where the problem was found.
    pub offset: usize,
    /// What was expected or found.
    pub reason: &'static str,
}

impl JsonError {
    /// The error for people (what `Display` shows).
    pub fn message(&self) -> String {
        let mut out = String::from("invalid JSON at byte ");
        crate::text::push_uint(&mut out, self.offset as u64);
        out.push_str(": ");
        out.push_str(self.reason);
        out
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for JsonError {}

/// Parses one complete JSON text (surrounding whitespace allowed).
pub fn parse(text: &str) -> Result<Json, JsonError> {
    parse_with(text, None)
}

/// Parses like [`parse`] (as strictly, with the same errors), but keeps only the
/// object members named in `keep`, at every depth: the others are checked and
/// dropped without building anything. For reading a few fields of a large body.
pub fn parse_only(text: &str, keep: &[&str]) -> Result<Json, JsonError> {
    parse_with(text, Some(keep))
}

/// An element of a collection in a text read by [`parse_elements`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    /// Its byte range in the text (no surrounding whitespace).
    pub span: Range<usize>,
    /// Its [`fingerprint`].
    pub print: Fingerprint,
}

/// Parses like [`parse_only`] (keeping the members named in `keep`), and also notes
/// each element of the arrays nested at most two levels deep, whether or not its
/// members are kept: where a collection response keeps its records (`value[i]`,
/// `d[i]`, `d.results[i]`). So a record's source text can be handed on as it is, and
/// its content recognised by its fingerprint, without building it. The elements of
/// arrays inside a noted element are not noted.
pub fn parse_elements(text: &str, keep: &[&str]) -> Result<(Json, Vec<Element>), JsonError> {
    let mut parser = Parser::new(text, Some(keep));
    parser.elements = Some(Vec::new());
    let value = parser.document()?;
    Ok((value, parser.elements.unwrap_or_default()))
}

fn parse_with(text: &str, keep: Option<&[&str]>) -> Result<Json, JsonError> {
    Parser::new(text, keep).document()
}

impl Json {
    /// The member `key` of an object (first match), or `None`.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string content, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer, if it is a number without fraction or exponent that
    /// fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Number(n) => crate::text::parse_int(n),
            _ => None,
        }
    }

    /// The boolean, if this is `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Serialises the value as compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_to(&mut out);
        out
    }

    /// Appends this value as compact JSON text to `out`.
    pub fn write_to(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(n),
            Json::String(s) => write_string(s, out),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_to(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(key, out);
                    out.push(':');
                    value.write_to(out);
                }
                out.push('}');
            }
        }
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Self {
        Json::String(s.to_owned())
    }
}

impl From<i64> for Json {
    fn from(n: i64) -> Self {
        Json::Number(crate::text::int(n))
    }
}

/// Appends `s` to `out` as a quoted, escaped JSON string.
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    // Runs of bytes that need no escape are copied whole; every escaped byte is ASCII,
    // so the run boundaries fall between characters.
    let mut run = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        run = i + 1;
        if escape.is_empty() {
            out.push_str(if b < 0x10 { "\\u000" } else { "\\u001" });
            out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&s[run..]);
    out.push('"');
}

#[cfg(test)]
mod bench;
#[cfg(test)]
mod tests;
