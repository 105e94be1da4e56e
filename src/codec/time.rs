//! Time at the edges: [`Timestamp`] (milliseconds since the Unix epoch) and its two text forms,
//! epoch seconds on AWS's wire and ISO 8601 in CloudTrail records, written and read here only.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use super::{current, Format, JS_TIMESTAMPS};

/// A point in time, in milliseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Milliseconds since the Unix epoch.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// This time plus a number of whole days.
    pub fn plus_days(self, days: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(days.saturating_mul(86_400_000)))
    }

    /// ISO 8601 in UTC with milliseconds, as CloudTrail writes `eventTime` (`2026-11-24T10:00:00Z`).
    pub fn to_iso8601(self) -> String {
        let secs = self.0.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            (rem % 3600) / 60,
            rem % 60
        )
    }
}

/// Converts days since 1970-01-01 into a proleptic Gregorian (year, month, day).
/// Howard Hinnant's `civil_from_days` algorithm.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match current() {
            // Integral seconds print without a fraction; others as AWS does (1571767572.317).
            Format::Json | Format::Audit => {
                if self.0 % 1000 == 0 {
                    s.serialize_i64(self.0 / 1000)
                } else {
                    s.serialize_f64(self.0 as f64 / 1000.0)
                }
            }
            Format::Js => {
                JS_TIMESTAMPS.with(|c| c.set(c.get().wrapping_add(1)));
                s.serialize_f64(self.0 as f64)
            }
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if !v.is_finite() {
            return Err(de::Error::custom("timestamp is not a finite number"));
        }
        let millis = match current() {
            Format::Js => v,
            Format::Json | Format::Audit => v * 1000.0,
        };
        if millis.abs() > 8.64e15 {
            return Err(de::Error::custom("timestamp is out of range"));
        }
        Ok(Timestamp(millis.round() as i64))
    }
}

/// Parses the ISO 8601 form [`Timestamp::to_iso8601`] writes, `2026-11-27T10:34:09Z`, also with
/// 1 to 3 digits of fractional seconds (`2026-11-27T10:34:09.123Z`, as JavaScript's
/// `toISOString` writes). Anything else, or an impossible date or time, is `None`.
pub fn parse_iso8601(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0i64, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let sep = |at: usize, c: u8| b.get(at) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let millis = match b.get(19..)? {
        b"Z" => 0,
        [b'.', frac @ .., b'Z'] if (1..=3).contains(&frac.len()) => {
            let value = num(20, frac.len())?;
            value * 10i64.pow(3 - frac.len() as u32)
        }
        _ => return None,
    };
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(Timestamp(
        ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis,
    ))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
