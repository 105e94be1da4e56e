//! Injected time and randomness.
//!
//! The core never reads the system clock or the OS RNG directly: `SystemTime::now()` panics on
//! `wasm32-unknown-unknown`, tests want fixed values, and the tutor moves time forward. A
//! [`Clock`] and an [`Entropy`] source are handed to [`crate::Kms`] when it is built.

use std::cell::Cell;

use crate::codec::Timestamp;
use crate::error::{KmsError, Result};

/// A source of the current time.
pub trait Clock {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// A source of cryptographically secure random bytes.
pub trait Entropy {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]) -> Result<()>;
}

/// The operating system's clock (not available on `wasm32-unknown-unknown`; the binding layer
/// supplies JavaScript's clock there).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

#[cfg(not(target_arch = "wasm32"))]
impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(millis)
    }
}

/// A clock that stands still until it is set or advanced: for tests and for the tutor.
#[derive(Debug)]
pub struct ManualClock(Cell<Timestamp>);

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: Timestamp) -> Self {
        ManualClock(Cell::new(start))
    }

    /// Sets the time.
    pub fn set(&self, t: Timestamp) {
        self.0.set(t);
    }

    /// Moves the time forward (or back, for a negative amount) by `millis`.
    pub fn advance(&self, millis: i64) {
        self.0.set(Timestamp(self.0.get().0.saturating_add(millis)));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.0.get()
    }
}

impl<C: Clock + ?Sized> Clock for std::rc::Rc<C> {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

/// The operating system's RNG (in browsers and Node, `crypto.getRandomValues`).
#[derive(Clone, Copy, Debug, Default)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<()> {
        getrandom::fill(buf).map_err(|_| {
            KmsError::Internal("The random number generator is unavailable.".to_owned())
        })
    }
}

/// A deterministic, **insecure** generator for tests: the same seed gives the same keys, IDs and
/// nonces. Never use it to protect anything.
#[derive(Clone, Debug)]
pub struct InsecureTestEntropy(u64);

impl InsecureTestEntropy {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        InsecureTestEntropy(seed)
    }
}

impl Entropy for InsecureTestEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<()> {
        // SplitMix64.
        for chunk in buf.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            for (dst, src) in chunk.iter_mut().zip(z.to_le_bytes()) {
                *dst = src;
            }
        }
        Ok(())
    }
}
