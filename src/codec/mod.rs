//! How request and response values look at the edges: blobs, secret blobs and timestamps.
//!
//! AWS's JSON 1.1 wire carries blobs as base64 strings and timestamps as epoch seconds; the
//! JavaScript API carries them as `Uint8Array` and `Date`. Both go through the same serde
//! types, so which representation applies is chosen by the caller of (de)serialization with
//! [`with_format`]. The core itself never looks at the format.

pub mod hex;
mod time;

pub use time::{parse_iso8601, Timestamp};

use std::cell::Cell;
use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use zeroize::{Zeroize, Zeroizing};

/// The canonical JSON text of a value: compact, with object keys sorted by their UTF-8 bytes at
/// every level. `serde_json`'s own writer does exactly that, because its `Value` keeps maps
/// sorted (the crate is built without `preserve_order`; a test in `audit::trail` guards it).
pub fn canonical_json(v: &serde_json::Value) -> String {
    // Writing a `Value` to a string cannot fail (its map keys are strings).
    serde_json::to_string(v).unwrap_or_default()
}

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
    pub(crate) static JS_TIMESTAMPS: Cell<u64> = const { Cell::new(0) };
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

pub(crate) fn current() -> Format {
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
