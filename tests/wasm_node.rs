//! The JavaScript surface in Node: `wasm-pack test --node`.
#![cfg(target_arch = "wasm32")]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "wasm/common.rs"]
mod common;
