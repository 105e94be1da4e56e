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

/// A real clock that the caller can set and move: the base clock plus an offset. With no offset
/// it shows real time; the tutor moves it forward to show rotation and deletion happen.
#[derive(Debug, Default)]
pub struct OffsetClock<C: Clock> {
    base: C,
    offset_ms: Cell<i64>,
}

impl<C: Clock> OffsetClock<C> {
    /// `base`, not yet moved.
    pub fn new(base: C) -> Self {
        OffsetClock {
            base,
            offset_ms: Cell::new(0),
        }
    }

    /// Makes the clock show `t` now (it keeps running from there).
    pub fn set(&self, t: Timestamp) {
        self.offset_ms
            .set(t.millis().saturating_sub(self.base.now().millis()));
    }

    /// Moves the clock by `millis` (back, for a negative amount).
    pub fn advance(&self, millis: i64) {
        self.offset_ms
            .set(self.offset_ms.get().saturating_add(millis));
    }

    /// The offset from the base clock, in milliseconds.
    pub fn offset(&self) -> i64 {
        self.offset_ms.get()
    }

    /// Gives the clock the offset `millis` from its base.
    pub fn set_offset(&self, millis: i64) {
        self.offset_ms.set(millis);
    }

    /// The base clock's time.
    pub fn base_now(&self) -> Timestamp {
        self.base.now()
    }
}

impl<C: Clock> Clock for OffsetClock<C> {
    fn now(&self) -> Timestamp {
        Timestamp(
            self.base
                .now()
                .millis()
                .saturating_add(self.offset_ms.get()),
        )
    }
}

impl<C: Clock + ?Sized> Clock for std::rc::Rc<C> {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

/// The operating system's RNG (in browsers and Node, `crypto.getRandomValues`).
///
/// Small requests (nonces, IDs, data keys) are served from a pool the RNG fills
/// [`POOL_BYTES`] at a time: in WebAssembly each request is a call into JavaScript that costs
/// more than the bytes. Every byte handed out is erased from the pool, so no byte is given
/// twice and none lingers after use; larger requests go straight to the RNG.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsEntropy;

/// How many bytes the pool holds.
pub const POOL_BYTES: usize = 512;

struct Pool {
    bytes: zeroize::Zeroizing<[u8; POOL_BYTES]>,
    /// The first byte not yet handed out.
    next: usize,
}

thread_local! {
    static POOL: std::cell::RefCell<Pool> = std::cell::RefCell::new(Pool {
        bytes: zeroize::Zeroizing::new([0; POOL_BYTES]),
        next: POOL_BYTES,
    });
}

fn os_fill(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf)
        .map_err(|_| KmsError::Internal("The random number generator is unavailable.".to_owned()))
}

impl Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<()> {
        if buf.len() > POOL_BYTES / 4 {
            return os_fill(buf);
        }
        POOL.with(|pool| {
            let mut pool = pool.try_borrow_mut().map_err(|_| {
                KmsError::Internal("The random number generator is busy.".to_owned())
            })?;
            if POOL_BYTES - pool.next < buf.len() {
                os_fill(&mut *pool.bytes)?;
                pool.next = 0;
            }
            let start = pool.next;
            let end = start + buf.len();
            let taken = pool.bytes.get_mut(start..end).ok_or_else(|| {
                KmsError::Internal("The random number generator is unavailable.".to_owned())
            })?;
            buf.copy_from_slice(taken);
            zeroize::Zeroize::zeroize(taken);
            pool.next = end;
            Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn the_os_pool_never_hands_out_a_byte_twice_and_erases_what_it_gave() {
        let mut seen = std::collections::HashSet::new();
        // Many pool refills' worth of 16-byte draws, and large draws between them.
        for i in 0..(POOL_BYTES * 8 / 16) {
            let mut id = [0u8; 16];
            OsEntropy.fill(&mut id).unwrap();
            assert!(seen.insert(id), "a 16-byte draw repeated");
            if i % 7 == 0 {
                let mut big = [0u8; POOL_BYTES];
                OsEntropy.fill(&mut big).unwrap();
                assert!(big.iter().any(|b| *b != 0));
            }
        }
        POOL.with(|pool| {
            let pool = pool.borrow();
            let handed_out = pool.bytes.get(..pool.next).unwrap();
            assert!(handed_out.iter().all(|b| *b == 0));
        });
    }

    #[test]
    fn an_offset_clock_follows_its_base_and_can_be_set_and_moved() {
        let base = Rc::new(ManualClock::new(Timestamp(1_000)));
        let clock = OffsetClock::new(Rc::clone(&base));
        assert_eq!(clock.now(), Timestamp(1_000));
        clock.advance(86_400_000);
        assert_eq!(clock.now(), Timestamp(86_401_000));
        base.advance(5);
        assert_eq!(clock.now(), Timestamp(86_401_005));
        clock.set(Timestamp(42));
        assert_eq!(clock.now(), Timestamp(42));
        base.advance(1);
        assert_eq!(clock.now(), Timestamp(43));
    }
}
