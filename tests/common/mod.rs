//! The fixture the native integration tests share: an in-memory KMS on a manual clock and a
//! deterministic (insecure) RNG.
#![allow(dead_code, clippy::unwrap_used)]

use std::rc::Rc;

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
