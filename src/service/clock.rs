//! Time travel: a KMS on an [`OffsetClock`] can be set to another time or moved, and its store
//! keeps the offset from real time (the setting [`CLOCK_OFFSET_SETTING`], a whole number of
//! milliseconds), so that a reopened store's clock shows the time it showed.

use serde_json::Value;

use crate::codec::Timestamp;
use crate::env::{Clock, Entropy, OffsetClock};
use crate::error::{KmsError, Result};
use crate::store::Store;

use super::Kms;

/// The setting the clock's offset from real time is kept in.
pub const CLOCK_OFFSET_SETTING: &str = "clock.offsetMillis";

/// The latest time the clock may show: the end of the year 9999, as far as AWS's timestamps go.
const LATEST_MILLIS: f64 = 253_402_300_799_999.0;

/// A finite number of milliseconds within the range of `Date`, or a ValidationException
/// saying `what`.
fn finite_millis(ms: f64, what: &str) -> Result<i64> {
    if ms.is_finite() && ms.abs() <= 8.64e15 {
        Ok(ms.round() as i64)
    } else {
        Err(KmsError::Validation(what.to_owned()))
    }
}

/// A clock reading between 1970 and the end of 9999, or a ValidationException saying `what`.
fn clock_millis(ms: f64, what: &str) -> Result<i64> {
    if (0.0..=LATEST_MILLIS).contains(&ms) {
        finite_millis(ms, what)
    } else {
        Err(KmsError::Validation(what.to_owned()))
    }
}

impl<B: Clock, E: Entropy, S: Store> Kms<OffsetClock<B>, E, S> {
    /// The clock offset the store keeps (0 if none).
    pub fn stored_clock_offset(&self) -> Result<i64> {
        match self.setting(CLOCK_OFFSET_SETTING) {
            None => Ok(0),
            Some(v) => v.as_i64().ok_or_else(|| {
                KmsError::Storage(format!(
                    "the stored setting `{CLOCK_OFFSET_SETTING}` is not a whole number"
                ))
            }),
        }
    }

    /// Gives the clock the offset the store keeps (a reopened store's clock shows the time it
    /// showed).
    pub fn restore_clock(&self) -> Result<()> {
        let offset = self.stored_clock_offset()?;
        self.clock.set_offset(offset);
        Ok(())
    }

    /// Gives the clock the offset `offset` from real time, kept in the store first (a store
    /// that refuses it leaves the clock as it was).
    pub fn set_clock_offset(&mut self, offset: i64) -> Result<()> {
        self.set_setting(CLOCK_OFFSET_SETTING, Value::from(offset))?;
        self.clock.set_offset(offset);
        Ok(())
    }

    /// Sets the clock to `millis` (epoch milliseconds, from 1970 to 9999); it runs on from
    /// there.
    pub fn set_now(&mut self, millis: f64) -> Result<()> {
        let t = clock_millis(
            millis,
            "setNow takes a Date or epoch milliseconds from 1970 to 9999",
        )?;
        self.set_clock_offset(t.saturating_sub(self.clock.base_now().millis()))
    }

    /// Moves the clock forward by `millis` (back, if negative), staying within the years 1970
    /// to 9999.
    pub fn advance_time(&mut self, millis: f64) -> Result<()> {
        let target = self.clock.now().millis() as f64 + millis;
        clock_millis(
            target,
            "advanceTime would move the clock outside the years 1970 to 9999",
        )?;
        let ms = finite_millis(millis, "advanceTime takes a finite number of milliseconds")?;
        self.set_clock_offset(self.clock.offset().saturating_add(ms))
    }

    /// The clock's time.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::env::{ManualClock, OsEntropy};
    use crate::store::MemoryStore;
    use crate::Config;

    type TestKms = Kms<OffsetClock<Rc<ManualClock>>, OsEntropy, MemoryStore>;

    fn kms(base: &Rc<ManualClock>, store: MemoryStore) -> TestKms {
        let clock = OffsetClock::new(Rc::clone(base));
        Kms::new(Config::default(), clock, OsEntropy, store).unwrap()
    }

    #[test]
    fn the_offset_is_kept_in_the_store_and_restored_by_a_new_core() {
        let base = Rc::new(ManualClock::new(Timestamp(1_000)));
        let mut k = kms(&base, MemoryStore::default());
        k.set_now(5_000.0).unwrap();
        assert_eq!(k.now(), Timestamp(5_000));
        assert_eq!(k.setting(CLOCK_OFFSET_SETTING), Some(&Value::from(4_000)));
        k.advance_time(-500.4).unwrap();
        assert_eq!(k.now(), Timestamp(4_500));
        base.advance(10);
        assert_eq!(k.now(), Timestamp(4_510));
        // A core over the same store starts at real time until it restores the offset.
        let store = std::mem::take(k.store_mut());
        let again = kms(&base, store);
        assert_eq!(again.now(), Timestamp(1_010));
        again.restore_clock().unwrap();
        assert_eq!(again.now(), Timestamp(4_510));
        assert_eq!(again.stored_clock_offset().unwrap(), 3_500);
    }

    #[test]
    fn times_outside_1970_to_9999_and_non_finite_amounts_are_refused() {
        let base = Rc::new(ManualClock::new(Timestamp(1_000)));
        let mut k = kms(&base, MemoryStore::default());
        for bad in [-1.0, f64::NAN, f64::INFINITY, LATEST_MILLIS + 1.0] {
            let e = k.set_now(bad).unwrap_err();
            assert!(matches!(e, KmsError::Validation(m) if m.starts_with("setNow takes")));
        }
        for bad in [-2_000.0, f64::NAN, f64::NEG_INFINITY, LATEST_MILLIS] {
            let e = k.advance_time(bad).unwrap_err();
            assert!(matches!(e, KmsError::Validation(m) if m.starts_with("advanceTime would")));
        }
        // Nothing refused moved the clock or reached the store.
        assert_eq!(k.now(), Timestamp(1_000));
        assert_eq!(k.setting(CLOCK_OFFSET_SETTING), None);
        k.set_now(LATEST_MILLIS).unwrap();
        assert_eq!(k.now().millis() as f64, LATEST_MILLIS);
    }

    #[test]
    fn a_stored_offset_that_is_not_a_whole_number_is_a_storage_error() {
        let base = Rc::new(ManualClock::new(Timestamp(0)));
        let mut k = kms(&base, MemoryStore::default());
        k.set_setting(CLOCK_OFFSET_SETTING, Value::from(1.5))
            .unwrap();
        assert!(matches!(k.restore_clock(), Err(KmsError::Storage(_))));
    }
}
