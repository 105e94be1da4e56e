//! The layout of a store in IndexedDB and the rules of its keyring, without the database: the
//! binding (`src/wasm/idb.rs`) opens the database, runs the transactions and calls WebCrypto;
//! what the names are, what a value read back means and which key unwraps the store are here.
//!
//! Object stores: [`RECORDS`] (name → sealed record, or an empty tombstone for a removed one:
//! the records changed since the snapshot), [`EVENTS`] (sequence number → audit events, see
//! [`super::pages::event_values`]), [`META`] ([`ROOT`]: the non-extractable `CryptoKey`, absent
//! for a store under a passphrase; [`KEYRING`]: the wrapped store key; [`SNAPSHOT`]: every
//! record as of the last fold; [`GENERATION`]: a counter every write raises).

pub mod store;

use super::backup::Contents;
use super::log::encode_snapshot;
use super::pages::{event_values, read_event_value, WritePlan};
use super::seal::{self, RootKind, StoreKey};
pub use super::KEYRING;
use super::{wrap_under, Root};
use crate::env::Entropy;
use crate::error::{KmsError, Result};
use crate::store::StoredEvent;

/// The object store of the records changed since the snapshot.
pub const RECORDS: &str = "records";
/// The object store of the audit events.
pub const EVENTS: &str = "events";
/// The object store of the root key, the keyring, the snapshot and the generation.
pub const META: &str = "meta";
/// The database's version (its object stores are made at version 1).
pub const DB_VERSION: u32 = 1;
/// The `meta` entry that holds the snapshot: every record as of the last compaction, in one
/// value (one read at open instead of one per record).
pub const SNAPSHOT: &str = "snapshot";
/// The `meta` entry that holds the generation.
pub const GENERATION: &str = "generation";
/// The `meta` entry that holds the root `CryptoKey` (a store without a passphrase).
pub const ROOT: &str = "root";
/// The associated data of a store key wrapped by the root `CryptoKey`.
pub const KEYRING_AAD: &[u8] = b"wasm-kms store key v1\0webcrypto";
/// How many audit events a restore puts in one value.
pub const RESTORE_EVENTS_PER_VALUE: usize = 1000;

/// A passphrase a browser store's key is wrapped by (PBKDF2-HMAC-SHA256, 600,000 iterations
/// for a new store). Zeroized on drop.
pub type Passphrase = zeroize::Zeroizing<Vec<u8>>;

/// The name of the IndexedDB database that holds the store `name`.
pub fn database_name(name: &str) -> String {
    format!("wasm-kms:{name}")
}

/// A generation as IndexedDB keeps it (a number; none yet, or anything else, is 0).
pub fn generation_of(v: Option<f64>) -> u64 {
    v.filter(|g| g.is_finite() && *g >= 0.0)
        .map_or(0, |g| g as u64)
}

/// The changed records of a read, from the names and values of the records store (each `None`
/// if it is not text, or not bytes).
pub fn changed_records(
    names: Vec<Option<String>>,
    values: Vec<Option<Vec<u8>>>,
) -> Result<Vec<(String, Vec<u8>)>> {
    if names.len() != values.len() {
        return Err(KmsError::Storage(
            "IndexedDB: the record names and values do not match".to_owned(),
        ));
    }
    names
        .into_iter()
        .zip(values)
        .map(|(name, value)| {
            let name = name.ok_or_else(|| {
                KmsError::Storage("IndexedDB: a record has a name that is not text".to_owned())
            })?;
            match value {
                Some(bytes) => Ok((name, bytes)),
                None => Err(KmsError::Storage(format!(
                    "stored record `{name}` is not bytes"
                ))),
            }
        })
        .collect()
}

/// Every audit event of the values of the events store (each `None` if it is not bytes),
/// oldest first.
pub fn read_events(values: impl IntoIterator<Item = Option<Vec<u8>>>) -> Result<Vec<StoredEvent>> {
    let mut events = Vec::new();
    for (i, v) in values.into_iter().enumerate() {
        v.and_then(|b| read_event_value(&b, &mut events))
            .ok_or_else(|| {
                KmsError::Storage(format!("stored audit event value #{i} is not readable"))
            })?;
    }
    Ok(events)
}

/// What the `meta` entry [`ROOT`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootEntry {
    /// Nothing: the store key is wrapped by a passphrase.
    Absent,
    /// A non-extractable `CryptoKey`.
    CryptoKey,
    /// Anything else.
    Other,
}

/// How a store key is unwrapped.
pub enum Unlock {
    /// Unwrapped already, with the passphrase.
    Key(Box<StoreKey>),
    /// To decrypt with the root `CryptoKey` (AES-GCM, [`KEYRING_AAD`]): the IV and the
    /// ciphertext with its tag, which decrypt to the key's 32 bytes ([`store_key_of`]).
    WebCrypto {
        /// The IV.
        iv: Vec<u8>,
        /// The wrapped key and its tag.
        sealed: Vec<u8>,
    },
}

/// How the store key of a store whose `meta` holds `root` and the keyring `keyring` is
/// unwrapped, opened with `passphrase` or without one; `None` if the store has no key yet.
pub fn unlock(
    keyring: Option<&[u8]>,
    root: RootEntry,
    passphrase: Option<&Passphrase>,
) -> Result<Option<Unlock>> {
    let Some(keyring) = keyring else {
        return Ok(None);
    };
    if root == RootEntry::Absent {
        let Some(passphrase) = passphrase else {
            return Err(KmsError::Storage(
                "this store is protected by a passphrase: open it with the option `passphrase`"
                    .to_owned(),
            ));
        };
        let RootKind::Passphrase { salt, iterations } = seal::keyring_kind(keyring)? else {
            return Err(KmsError::Storage(
                "IndexedDB: the wrapped store key is of no kind this wasm-kms knows".to_owned(),
            ));
        };
        let root = seal::passphrase_root(passphrase, &salt, iterations)?;
        return seal::unwrap_store_key(keyring, &root)
            .map(|k| Some(Unlock::Key(Box::new(k))))
            .map_err(|_| {
                KmsError::Storage("the store does not open with this passphrase".to_owned())
            });
    }
    if passphrase.is_some() {
        return Err(KmsError::Storage(
            "this store is protected by the browser's own key, not a passphrase: open it without one"
                .to_owned(),
        ));
    }
    if root != RootEntry::CryptoKey {
        return Err(KmsError::Storage(
            "IndexedDB: the root key is not a non-extractable CryptoKey".to_owned(),
        ));
    }
    if keyring.len() != 12 + 32 + 16 {
        return Err(KmsError::Storage(
            "IndexedDB: the wrapped store key has the wrong length".to_owned(),
        ));
    }
    let (iv, sealed) = keyring.split_at(12);
    Ok(Some(Unlock::WebCrypto {
        iv: iv.to_vec(),
        sealed: sealed.to_vec(),
    }))
}

/// The store key the root `CryptoKey` unwrapped (its raw bytes).
pub fn store_key_of(raw: &[u8]) -> Result<StoreKey> {
    let raw: &[u8; 32] = raw.try_into().map_err(|_| {
        KmsError::Storage("IndexedDB: the store key has the wrong length".to_owned())
    })?;
    StoreKey::from_bytes(raw)
}

/// The keyring of `key` wrapped by `passphrase` (a new store's: PBKDF2 at the minimum
/// iterations).
pub fn passphrase_keyring(
    key: &StoreKey,
    passphrase: &Passphrase,
    entropy: &mut dyn Entropy,
) -> Result<Vec<u8>> {
    let root = Root::Passphrase {
        passphrase: passphrase.clone(),
        iterations: seal::MIN_PBKDF2_ITERATIONS,
    };
    wrap_under(&root, key, entropy)
}

/// A fresh IV for wrapping a store key under the root `CryptoKey`.
pub fn keyring_iv(entropy: &mut dyn Entropy) -> Result<[u8; 12]> {
    let mut iv = [0u8; 12];
    entropy.fill(&mut iv)?;
    Ok(iv)
}

/// The keyring of a store key the root `CryptoKey` wrapped with `iv` into `sealed`.
pub fn webcrypto_keyring(iv: &[u8; 12], sealed: &[u8]) -> Vec<u8> {
    let mut keyring = iv.to_vec();
    keyring.extend_from_slice(sealed);
    keyring
}

/// What a restore writes, as the first write of a store: the snapshot of every record, the
/// events' values, and generation 1.
pub fn restore_plan(contents: &Contents) -> Result<WritePlan> {
    Ok(WritePlan::first(
        encode_snapshot(0, 0, 0, &contents.records)?,
        event_values(&contents.events, RESTORE_EVENTS_PER_VALUE)?,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
pub(crate) mod tests {
    use super::*;
    use crate::env::OsEntropy;

    /// An audit event of sequence number `seq`.
    pub(crate) fn event(seq: u64) -> StoredEvent {
        StoredEvent {
            seq,
            prev: [0; 32],
            hash: [1; 32],
            json: b"{}".to_vec(),
        }
    }

    fn storage_message<T>(r: Result<T>) -> String {
        match r {
            Err(KmsError::Storage(m)) => m,
            _ => panic!("not a storage error"),
        }
    }

    #[test]
    fn a_restore_is_the_first_write_of_the_whole_store() {
        let contents = Contents {
            key: StoreKey::generate(&mut OsEntropy).unwrap(),
            records: [("key/a".to_owned(), vec![1, 2])].into(),
            events: (1..=RESTORE_EVENTS_PER_VALUE as u64 + 1)
                .map(event)
                .collect(),
        };
        let plan = restore_plan(&contents).unwrap();
        assert_eq!((plan.expected, plan.next()), (0, 1));
        assert!(plan.puts.is_empty());
        let (records, _) = super::super::pages::merge(super::super::pages::Stored {
            snapshot: plan.snapshot.clone(),
            changed: Vec::new(),
            generation: 1,
        })
        .unwrap();
        assert_eq!(records, contents.records);
        let firsts: Vec<u64> = plan.events.iter().map(|(seq, _)| *seq).collect();
        assert_eq!(firsts, [1, RESTORE_EVENTS_PER_VALUE as u64 + 1]);
    }

    #[test]
    fn names_and_generations() {
        assert_eq!(database_name("default"), "wasm-kms:default");
        assert_eq!(generation_of(None), 0);
        assert_eq!(generation_of(Some(7.0)), 7);
        assert_eq!(generation_of(Some(-1.0)), 0);
        assert_eq!(generation_of(Some(f64::NAN)), 0);
    }

    #[test]
    fn records_read_back_must_be_named_by_text_and_hold_bytes() {
        let ok = changed_records(
            vec![Some("key/a".to_owned()), Some("key/b".to_owned())],
            vec![Some(vec![1]), Some(vec![])],
        )
        .unwrap();
        assert_eq!(
            ok,
            vec![("key/a".to_owned(), vec![1]), ("key/b".to_owned(), vec![])]
        );
        assert!(changed_records(vec![None], vec![Some(vec![1])]).is_err());
        let m = storage_message(changed_records(vec![Some("x".to_owned())], vec![None]));
        assert_eq!(m, "stored record `x` is not bytes");
        assert!(changed_records(vec![], vec![Some(vec![1])]).is_err());
    }

    #[test]
    fn events_read_back_are_every_event_of_every_value_or_an_error() {
        let values = event_values(&[event(1), event(2), event(3)], 2).unwrap();
        let read = read_events(values.into_iter().map(|(_, v)| Some(v))).unwrap();
        assert_eq!(read.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
        let m = storage_message(read_events([None]));
        assert_eq!(m, "stored audit event value #0 is not readable");
    }

    #[test]
    fn a_passphrase_keyring_opens_only_with_its_passphrase_and_no_root() {
        let key = StoreKey::generate(&mut OsEntropy).unwrap();
        let pw: Passphrase = zeroize::Zeroizing::new(b"correct horse".to_vec());
        let keyring = passphrase_keyring(&key, &pw, &mut OsEntropy).unwrap();
        let Some(Unlock::Key(k)) = unlock(Some(&keyring), RootEntry::Absent, Some(&pw)).unwrap()
        else {
            panic!("not unwrapped");
        };
        assert_eq!(k.secret_bytes(), key.secret_bytes());
        let wrong: Passphrase = zeroize::Zeroizing::new(b"wrong".to_vec());
        let m = storage_message(unlock(Some(&keyring), RootEntry::Absent, Some(&wrong)));
        assert_eq!(m, "the store does not open with this passphrase");
        let m = storage_message(unlock(Some(&keyring), RootEntry::Absent, None));
        assert!(
            m.starts_with("this store is protected by a passphrase"),
            "{m}"
        );
        assert!(unlock(None, RootEntry::Absent, Some(&pw))
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_webcrypto_keyring_is_split_for_the_root_key_and_checked() {
        let iv = keyring_iv(&mut OsEntropy).unwrap();
        let keyring = webcrypto_keyring(&iv, &[7u8; 48]);
        let Some(Unlock::WebCrypto { iv: got, sealed }) =
            unlock(Some(&keyring), RootEntry::CryptoKey, None).unwrap()
        else {
            panic!("not for WebCrypto");
        };
        assert_eq!(
            (got.as_slice(), sealed.as_slice()),
            (&iv[..], &[7u8; 48][..])
        );
        let pw: Passphrase = zeroize::Zeroizing::new(b"pw".to_vec());
        let m = storage_message(unlock(Some(&keyring), RootEntry::CryptoKey, Some(&pw)));
        assert!(m.contains("browser's own key"), "{m}");
        let m = storage_message(unlock(Some(&keyring), RootEntry::Other, None));
        assert_eq!(
            m,
            "IndexedDB: the root key is not a non-extractable CryptoKey"
        );
        assert!(unlock(Some(&keyring[..59]), RootEntry::CryptoKey, None).is_err());
        assert!(store_key_of(&[1u8; 31]).is_err());
        assert!(store_key_of(&[1u8; 32]).is_ok());
    }
}
