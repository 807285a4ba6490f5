//! sp-live-floor: a lower bound on the size of sp-live's WebAssembly.
//!
//! The sans-IO cores of sp-live (`json`, `text`, `protocol`, `sharepoint`, `sync`:
//! the very files of `src/`, compiled here by path) behind a plain C ABI that a
//! JavaScript driver would call, with no wasm-bindgen, web-sys, js-sys or futures
//! executor: everything the browser layer (`src/web`) adds is left out. Each input
//! the browser layer gives the cores has an export here, and every field of every
//! output is written to a buffer, so nothing the real package uses from the cores is
//! dropped as dead code. `make bench` builds it exactly as `make pkg` builds the
//! package and reports its size next to the package's: no split of the work between
//! Rust and JavaScript that keeps these state machines in wasm can ship less wasm.
//! It is never published.

#[path = "../../../src"]
mod cores {
    pub mod json;
    pub mod protocol;
    pub mod sharepoint;
    pub mod sync;
    pub mod text;
}
pub use cores::{json, protocol, sharepoint, sync, text};

mod connection;
mod feed;
mod io;

/// Talc instead of Rust's default dlmalloc, as in sp-live's src/web/mod.rs.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
