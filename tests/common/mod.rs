//! The fixture the native integration tests share: an in-memory KMS on a manual clock and a
//! deterministic (insecure) RNG.
#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use std::rc::Rc;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE};
use base64::Engine as _;

use wasm_kms::codec::Timestamp;
use wasm_kms::env::{InsecureTestEntropy, ManualClock};
use wasm_kms::store::MemoryStore;
use wasm_kms::{Config, Kms};

/// The KMS every native test drives.
pub type TestKms = Kms<Rc<ManualClock>, InsecureTestEntropy, MemoryStore>;

/// Where every test's clock starts (2026-11-18T11:06:40Z).
pub const START: i64 = 1_795_000_000_000;
/// One day in milliseconds.
pub const DAY: i64 = 86_400_000;

/// A KMS in the default Region and account, and its clock.
pub fn setup(seed: u64) -> (TestKms, Rc<ManualClock>) {
    let clock = Rc::new(ManualClock::new(Timestamp(START)));
    let kms = Kms::new(
        Config::default(),
        Rc::clone(&clock),
        InsecureTestEntropy::new(seed),
        MemoryStore::default(),
    )
    .unwrap();
    (kms, clock)
}

/// Every encoding under which `secret` could show up in a JSON trail.
pub fn encodings(secret: &[u8]) -> Vec<String> {
    let mut out = vec![
        STANDARD.encode(secret),
        STANDARD_NO_PAD.encode(secret),
        URL_SAFE.encode(secret),
        secret.iter().map(|b| format!("{b:02x}")).collect(),
        secret.iter().map(|b| format!("{b:02X}")).collect(),
        secret
            .iter()
            .take(12)
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(","),
    ];
    // Base64 at the other two alignments (as if embedded in a longer blob), minus the edges.
    for shift in 1..3 {
        let shifted = STANDARD_NO_PAD.encode([&[0u8; 3][..shift], secret].concat());
        out.push(shifted[4..shifted.len() - 4].to_owned());
    }
    if let Ok(text) = std::str::from_utf8(secret) {
        out.push(text.to_owned());
    }
    out
}
