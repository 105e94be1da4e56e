//! How request and response values look at the edges: blobs, secret blobs and timestamps.
//!
//! AWS's JSON 1.1 wire carries blobs as base64 strings and timestamps as epoch seconds; the
//! JavaScript API carries them as `Uint8Array` and `Date`. Both go through the same serde
//! types, so which representation applies is chosen by the caller of (de)serialization with
//! [`with_format`]. The core itself never looks at the format.

use std::cell::Cell;
use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use zeroize::{Zeroize, Zeroizing};

/// The representation that blobs and timestamps take while (de)serializing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// AWS JSON 1.1: blobs are base64 strings, timestamps are epoch seconds (fractional).
    Json,
    /// JavaScript values: blobs are byte arrays (`Uint8Array`), timestamps are epoch
    /// milliseconds (the binding layer turns them into `Date`). A string given for a blob is
    /// taken as UTF-8 text, as the AWS SDK for JavaScript does.
    Js,
    /// Audit records: blobs are left out (serialized as null and then dropped), timestamps are
    /// epoch seconds.
    Audit,
}

thread_local! {
    static FORMAT: Cell<Format> = const { Cell::new(Format::Json) };
    static JS_TIMESTAMPS: Cell<u64> = const { Cell::new(0) };
}

/// How many timestamps have been serialized in [`Format::Js`] on this thread: a binding that
/// turns them into dates after serializing need look only when this changed.
pub fn js_timestamps_written() -> u64 {
    JS_TIMESTAMPS.with(Cell::get)
}

/// Runs `f` with blobs and timestamps (de)serialized in `format`, restoring the previous format
/// afterwards.
pub fn with_format<T>(format: Format, f: impl FnOnce() -> T) -> T {
    struct Restore(Format);
    impl Drop for Restore {
        fn drop(&mut self) {
            FORMAT.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(FORMAT.with(|c| c.replace(format)));
    f()
}

fn current() -> Format {
    FORMAT.with(Cell::get)
}

/// A non-secret binary value (ciphertext, public key, signature).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Blob(pub Vec<u8>);

/// A secret binary value (plaintext, data key). Zeroized on drop, never shown by `Debug`,
/// compared in constant time.
#[derive(Clone, Default, Zeroize)]
#[zeroize(drop)]
pub struct SecretBlob(pub Vec<u8>);

impl PartialEq for SecretBlob {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for SecretBlob {}

impl SecretBlob {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl Blob {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Blob({} bytes)", self.0.len())
    }
}

impl fmt::Debug for SecretBlob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBlob(<redacted, {} bytes>)", self.0.len())
    }
}

fn serialize_bytes<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    match current() {
        Format::Json => {
            let text = Zeroizing::new(B64.encode(bytes));
            s.serialize_str(&text)
        }
        Format::Js => s.serialize_bytes(bytes),
        Format::Audit => s.serialize_none(),
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_bytes(&self.0, s)
    }
}

impl Serialize for SecretBlob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_bytes(&self.0, s)
    }
}

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Zeroizing<Vec<u8>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match current() {
            Format::Js => f.write_str("a Uint8Array"),
            _ => f.write_str("a base64-encoded string"),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        match current() {
            Format::Js => Ok(Zeroizing::new(v.as_bytes().to_vec())),
            _ => B64
                .decode(v.as_bytes())
                .map(Zeroizing::new)
                .map_err(|_| E::custom("blob member is not valid base64")),
        }
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        // An owned string (serde-wasm-bindgen, serde_json::Value) may hold a secret: wipe it.
        let v = Zeroizing::new(v);
        self.visit_str(&v)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        match current() {
            Format::Js => Ok(Zeroizing::new(v.to_vec())),
            _ => Err(E::invalid_type(de::Unexpected::Bytes(&[]), &self)),
        }
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
        let v = Zeroizing::new(v);
        self.visit_bytes(&v)
    }
}

fn deserialize_bytes<'de, D: Deserializer<'de>>(d: D) -> Result<Zeroizing<Vec<u8>>, D::Error> {
    d.deserialize_any(BytesVisitor)
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut bytes = deserialize_bytes(d)?;
        Ok(Blob(std::mem::take(&mut *bytes)))
    }
}

impl<'de> Deserialize<'de> for SecretBlob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut bytes = deserialize_bytes(d)?;
        Ok(SecretBlob(std::mem::take(&mut *bytes)))
    }
}

/// The members of AWS's KMS model whose type is a timestamp: bindings that cannot tell a
/// timestamp from a number by its serde type (JavaScript's `Date`) convert these by name.
pub const TIMESTAMP_MEMBERS: &[&str] = &[
    "CreationDate",
    "DeletionDate",
    "ValidTo",
    "LastUpdatedDate",
    "NextRotationDate",
    "OnDemandRotationStartDate",
    "RotationDate",
    "ParametersValidTo",
    "TrackingStartDate",
    "KeyCreationDate",
    "Timestamp",
];

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_of_known_instants() {
        assert_eq!(Timestamp(0).to_iso8601(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp(1_795_000_000_000).to_iso8601(),
            "2026-11-18T11:06:40Z"
        );
        assert_eq!(
            Timestamp(951_782_400_000).to_iso8601(),
            "2000-02-29T00:00:00Z"
        );
    }

    #[test]
    fn json_blobs_are_base64_and_timestamps_are_seconds() {
        let json = with_format(Format::Json, || {
            serde_json::to_string(&(Blob(b"hi".to_vec()), Timestamp(1_500), Timestamp(2_000)))
        });
        assert_eq!(json.ok().as_deref(), Some(r#"["aGk=",1.5,2]"#));
        let back: Result<(Blob, Timestamp), _> =
            with_format(Format::Json, || serde_json::from_str(r#"["aGk=", 1.5]"#));
        assert_eq!(back.ok(), Some((Blob(b"hi".to_vec()), Timestamp(1_500))));
    }

    #[test]
    fn bad_base64_is_refused() {
        let r: Result<Blob, _> = with_format(Format::Json, || serde_json::from_str(r#""@@""#));
        assert!(r.is_err());
    }

    #[test]
    fn format_is_restored_after_a_scope() {
        with_format(Format::Js, || assert_eq!(current(), Format::Js));
        assert_eq!(current(), Format::Json);
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = SecretBlob(b"top secret".to_vec());
        assert!(!format!("{s:?}").contains("top"));
    }
}
