//! The JavaScript surface in headless Chromium: `wasm-pack test --headless --chrome`.
#![cfg(target_arch = "wasm32")]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "wasm/common.rs"]
mod common;

#[path = "wasm/persist_idb.rs"]
mod persist_idb;

#[path = "wasm/compat.rs"]
mod compat;

#[path = "wasm/compat_idb.rs"]
mod compat_idb;
