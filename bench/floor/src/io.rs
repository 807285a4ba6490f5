//! Memory and the output buffer of the C ABI.
//!
//! Inputs: UTF-8 or bytes the caller wrote into memory from `alloc(len)`; the callee
//! takes ownership (frees them). Times, ids and seeds are f64 (JS numbers).
//! Outputs: one global buffer (`out_ptr()` / `out_len()`), rewritten by each call that
//! produces output: u8 tags, u32 LE counts, f64 LE numbers, u32-length-prefixed bytes,
//! optional strings behind a u8 presence flag.

use crate::json::{self, Json};

// ---- memory and the output buffer ----

static mut OUT: Vec<u8> = Vec::new();

pub(crate) fn out() -> &'static mut Vec<u8> {
    // Single-threaded wasm; no reference outlives an export call.
    unsafe { &mut *core::ptr::addr_of_mut!(OUT) }
}

#[no_mangle]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    let mut v = Vec::<u8>::with_capacity(len);
    let p = v.as_mut_ptr();
    core::mem::forget(v);
    p
}

/// # Safety
/// `ptr` must come from `alloc(len)` and not have been handed to another export.
#[no_mangle]
pub unsafe extern "C" fn dealloc(ptr: *mut u8, len: usize) {
    drop(Vec::from_raw_parts(ptr, 0, len));
}

#[no_mangle]
pub extern "C" fn out_ptr() -> *const u8 {
    out().as_ptr()
}

#[no_mangle]
pub extern "C" fn out_len() -> usize {
    out().len()
}

pub(crate) unsafe fn bytes(ptr: *mut u8, len: usize) -> Vec<u8> {
    Vec::from_raw_parts(ptr, len, len)
}

/// The caller (TextEncoder) guarantees UTF-8.
pub(crate) unsafe fn string(ptr: *mut u8, len: usize) -> String {
    String::from_utf8_unchecked(bytes(ptr, len))
}

pub(crate) fn put_u8(v: u8) {
    out().push(v);
}
pub(crate) fn put_u32(v: u32) {
    out().extend_from_slice(&v.to_le_bytes());
}
pub(crate) fn put_f64(v: f64) {
    out().extend_from_slice(&v.to_le_bytes());
}
pub(crate) fn put_bytes(b: &[u8]) {
    put_u32(b.len() as u32);
    out().extend_from_slice(b);
}
pub(crate) fn put_str(s: &str) {
    put_bytes(s.as_bytes());
}
pub(crate) fn put_opt_str(s: Option<&str>) {
    match s {
        Some(s) => {
            put_u8(1);
            put_str(s)
        }
        None => put_u8(0),
    }
}

/// An error for the caller: code and message in the buffer; null handle.
pub(crate) fn fail<T>(code: &str, message: &str) -> *mut T {
    out().clear();
    put_str(code);
    put_str(message);
    core::ptr::null_mut()
}

pub(crate) fn ms(now: f64) -> u64 {
    now as u64
}

pub(crate) fn opt_ms(t: Option<u64>) -> f64 {
    t.map_or(-1.0, |t| t as f64)
}

pub(crate) fn parse_options(text: &str) -> Result<Json, *mut ()> {
    json::parse(text).map_err(|e| fail("invalid-options", &e.message()))
}

// Option readers. Type checks ("must be a string", ...) are left to JavaScript;
// `Infinity` is mapped by JavaScript (absent attempts, 1e15 timeout).
pub(crate) fn get_str<'a>(o: &'a Json, key: &str) -> Option<&'a str> {
    o.get(key).and_then(Json::as_str)
}
pub(crate) fn get_u64(o: &Json, key: &str) -> Option<u64> {
    o.get(key).and_then(Json::as_i64).map(|n| n.max(0) as u64)
}
pub(crate) fn get_bool(o: &Json, key: &str) -> Option<bool> {
    o.get(key).and_then(Json::as_bool)
}
