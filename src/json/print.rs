//! Fingerprints of JSON content: 128 bits from two 64-bit multiplicative hashes over
//! the value's tokens (scalars, unescaped strings, numbers as written, and where each
//! array and object starts and ends), eight bytes at a time, with no allocation.
//!
//! The same tokens are hashed from a parsed [`Json`] ([`fingerprint`]) and by the
//! parser while it reads a text ([`parse_elements`](super::parse_elements)), so a value
//! has one fingerprint however it arrived: whitespace, escapes and how it was read do
//! not change it.

use super::Json;

/// The running state of a fingerprint.
#[derive(Clone, Copy)]
pub(super) struct Hasher([u64; 2]);

impl Hasher {
    pub(super) const fn new() -> Self {
        Hasher([0xcbf2_9ce4_8422_2325, 0x8422_2325_cbf2_9ce4])
    }

    /// Mixes one word into both lanes; a bijection of each lane for a given word.
    fn step(&mut self, w: u64) {
        let h = &mut self.0;
        let a = (h[0] ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h[0] = a ^ (a >> 29);
        h[1] = (h[1].rotate_left(23) ^ w).wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
    }

    /// Mixes a `tag` and the length of `bytes` as one word, then `bytes` as
    /// little-endian words (the last zero-padded: the length tells the padding apart).
    fn mix(&mut self, tag: u64, bytes: &[u8]) {
        self.step(tag | (bytes.len() as u64) << 8);
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.step(u64::from_le_bytes(word));
        }
    }

    pub(super) fn null(&mut self) {
        self.step(1);
    }

    pub(super) fn bool(&mut self, b: bool) {
        self.step(2 + u64::from(b));
    }

    pub(super) fn number(&mut self, text: &str) {
        self.mix(4, text.as_bytes());
    }

    pub(super) fn string(&mut self, s: &str) {
        self.mix(5, s.as_bytes());
    }

    pub(super) fn array_start(&mut self) {
        self.step(6);
    }

    pub(super) fn array_end(&mut self, len: usize) {
        self.step(9 | (len as u64) << 8);
    }

    pub(super) fn object_start(&mut self) {
        self.step(7);
    }

    pub(super) fn key(&mut self, key: &str) {
        self.mix(8, key.as_bytes());
    }

    pub(super) fn object_end(&mut self, len: usize) {
        self.step(10 | (len as u64) << 8);
    }

    pub(super) fn finish(self) -> Fingerprint {
        self.0
    }

    fn value(&mut self, value: &Json) {
        match value {
            Json::Null => self.null(),
            Json::Bool(b) => self.bool(*b),
            Json::Number(n) => self.number(n),
            Json::String(s) => self.string(s),
            Json::Array(items) => {
                self.array_start();
                items.iter().for_each(|item| self.value(item));
                self.array_end(items.len());
            }
            Json::Object(members) => {
                self.object_start();
                for (key, item) in members {
                    self.key(key);
                    self.value(item);
                }
                self.object_end(members.len());
            }
        }
    }
}

/// A content fingerprint: 128 bits in two 64-bit lanes. An array rather than a `u128`,
/// whose 16-byte alignment on wasm32 would pad each `(id, print)` entry of the feed's
/// maps from 24 to 32 bytes (400 KB more for a list of 50,000 items).
pub type Fingerprint = [u64; 2];

/// The fingerprint of a value's content: equal for equal values, and (but for a 2^-128
/// chance) different for different ones. The change feed keeps fingerprints, not items,
/// to recognise an unchanged item: the rows themselves live once, in JavaScript.
pub fn fingerprint(value: &Json) -> Fingerprint {
    let mut h = Hasher::new();
    h.value(value);
    h.finish()
}
