//! sp-live: live SharePoint lists in the browser.
//!
//! The crate is split into pure, natively tested cores and one thin browser layer:
//! - [`json`]: a small JSON reader/writer (no serde in the wasm build: every byte counts).
//! - [`protocol`]: sans-IO Engine.IO and Socket.IO client (framing and connection state).
//! - [`sharepoint`]: REST request/response shapes, change tokens (pure Rust).
//! - [`sync`]: sans-IO change feed (GetChanges rounds, item reads) and list state.
//! - [`text`]: substring search without core's two-way searcher.
//! - `web` (wasm32 only): drivers for WebSocket and timers, and the wasm-bindgen API.

pub mod json;
pub mod protocol;
pub mod sharepoint;
pub mod sync;
pub mod text;

#[cfg(target_arch = "wasm32")]
pub mod web;
