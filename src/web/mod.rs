//! The browser layer: the only code that touches js-sys, wasm-bindgen or JavaScript.
//!
//! It drives the sans-IO cores and owns every browser object. Rules it keeps:
//! - every `Closure` has an owner and is detached in `Drop` (no `forget`);
//! - browser callbacks only post a message to a `mailbox::Mailbox`; one task per
//!   connection owns the core and performs its outputs;
//! - JavaScript callbacks run after Rust borrows are released, each in isolation;
//! - failures reach JavaScript as `Error` objects with a stable `code`.

mod auth;
mod broadcaster;
pub use broadcaster::Broadcaster;

mod checkpoint;
mod driver;
mod feed_driver;
mod feed_hub;
mod http;
mod hub;
mod js;
mod live_list;
pub use live_list::LiveList;
mod live_list_ts;
mod mailbox;
mod peers;
mod rows;
mod socket;
mod unsubscribe;
mod wake;

/// Talc instead of Rust's default dlmalloc: smaller, and as fast for sp-live's pattern of
/// many small JSON allocations (see bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

// The library's own unit tests (the timer, ...) need a page: setTimeout, performance.
#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
