//! Backups: a whole store as one file, encrypted under a passphrase, that opens in any kind of
//! store (the on-disk store of Node and native Rust, or IndexedDB in a browser).
//!
//! A backup is `WKMSBAK1`, then two parts, each preceded by its length (u64, big-endian):
//!
//! 1. the store key, wrapped under a key derived from the passphrase (PBKDF2-HMAC-SHA256; the
//!    salt and iteration count are in the part, as in a keyring file);
//! 2. the body, sealed whole under the store key (AES-256-GCM, bound to the name
//!    `backup/body`): every record as a snapshot file holds them (each still sealed under the
//!    store key and bound to its name), then the audit trail as the audit file holds it, each
//!    preceded by its length.
//!
//! Nothing in it, not even a record's name or an audit event, is readable without the
//! passphrase, and opening checks every record against the store key before anything is
//! written anywhere.

use std::collections::BTreeMap;

use super::{log, seal, RootKind, StoreKey};
use crate::env::Entropy;
use crate::error::{KmsError, Result};
use crate::store::StoredEvent;

/// The first bytes of a backup.
const MAGIC: &[u8; 8] = b"WKMSBAK1";

/// A backup, opened.
pub struct Contents {
    /// The store key the records are sealed under.
    pub key: StoreKey,
    /// Every record, by name (sealed).
    pub records: BTreeMap<String, Vec<u8>>,
    /// The audit trail, oldest first.
    pub events: Vec<StoredEvent>,
}

impl std::fmt::Debug for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "backup::Contents({} records, {} events, key ...)",
            self.records.len(),
            self.events.len()
        )
    }
}

impl Contents {
    /// The sequence number the next audit event takes.
    pub fn next_event_seq(&self) -> u64 {
        self.events.last().map_or(0, |e| e.seq.saturating_add(1))
    }
}

/// The name the body is sealed under.
const BODY: &str = "backup/body";

/// `parts`, each preceded by its length.
fn join(out: &mut Vec<u8>, parts: &[&[u8]]) {
    for part in parts {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part);
    }
}

/// Exactly `n` parts, each preceded by its length, and nothing after them.
fn split(mut rest: &[u8], n: usize) -> Option<Vec<&[u8]>> {
    let mut parts = Vec::with_capacity(n);
    for _ in 0..n {
        let (len, tail) = rest.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_be_bytes(*len)).ok()?;
        if tail.len() < len {
            return None;
        }
        let (part, tail) = tail.split_at(len);
        parts.push(part);
        rest = tail;
    }
    rest.is_empty().then_some(parts)
}

/// A backup of a store with the store key `key`, its `records` (sealed, by name) and its audit
/// `events` (oldest first), under a key derived from `passphrase`.
pub fn seal(
    key: &StoreKey,
    records: &BTreeMap<String, Vec<u8>>,
    events: &[StoredEvent],
    passphrase: &[u8],
    iterations: u32,
    entropy: &mut dyn Entropy,
) -> Result<Vec<u8>> {
    let mut salt = [0u8; 16];
    entropy.fill(&mut salt)?;
    let kek = seal::passphrase_root(passphrase, &salt, iterations)?;
    let keyring = seal::wrap_store_key(
        key,
        &kek,
        RootKind::Passphrase { salt, iterations },
        entropy,
    )?;
    let audit = if events.is_empty() {
        Vec::new()
    } else {
        log::encode_audit(events)?
    };
    let next = events.last().map_or(0, |e| e.seq.saturating_add(1));
    let snapshot = log::encode_snapshot(0, next, audit.len() as u64, records)?;
    let mut body = Vec::with_capacity(16 + snapshot.len() + audit.len());
    join(&mut body, &[&snapshot, &audit]);
    let body = key.seal(BODY, &body, entropy)?;
    let mut out = MAGIC.to_vec();
    join(&mut out, &[&keyring, &body]);
    Ok(out)
}

fn not_a_backup() -> KmsError {
    KmsError::Storage("the backup is not a wasm-kms backup, or it is truncated".to_owned())
}

fn damaged(what: &str) -> KmsError {
    KmsError::Storage(format!("the backup is damaged: {what}"))
}

/// Opens a backup with its passphrase: unwraps the store key, reads every record and event,
/// and checks that each record unseals under the key (a damaged backup is refused whole).
pub fn open(backup: &[u8], passphrase: &[u8]) -> Result<Contents> {
    open_with(backup, |salt, iterations| {
        seal::passphrase_root(passphrase, salt, iterations)
    })
}

/// [`open`] with the passphrase's key derivation given as `derive(salt, iterations)`: for the
/// fuzzer, which cannot afford PBKDF2's 600,000 iterations on every input.
#[doc(hidden)]
pub fn open_with(
    backup: &[u8],
    derive: impl FnOnce(&[u8; 16], u32) -> Result<zeroize::Zeroizing<[u8; 32]>>,
) -> Result<Contents> {
    let rest = backup
        .strip_prefix(MAGIC.as_slice())
        .ok_or_else(not_a_backup)?;
    let Some(&[keyring, body]) = split(rest, 2).as_deref() else {
        return Err(not_a_backup());
    };
    let RootKind::Passphrase { salt, iterations } = seal::keyring_kind(keyring)? else {
        return Err(not_a_backup());
    };
    let kek = derive(&salt, iterations)?;
    let key = seal::unwrap_store_key(keyring, &kek).map_err(|_| {
        KmsError::Storage("the backup does not open with this passphrase".to_owned())
    })?;
    let body = key
        .open(BODY, body)
        .map_err(|_| damaged("its seal does not verify"))?;
    let Some(&[snapshot, audit]) = split(&body, 2).as_deref() else {
        return Err(damaged("its parts do not fit together"));
    };
    let records = log::decode_snapshot(snapshot)
        .map_err(|_| damaged("its records do not read"))?
        .records;
    for (name, sealed) in &records {
        key.open(name, sealed)?;
    }
    let mut events = Vec::new();
    let mut ordered = true;
    log::decode_audit(audit, &mut |e| {
        ordered &= events
            .last()
            .is_none_or(|last: &StoredEvent| e.seq > last.seq);
        events.push(e);
        true
    })
    .map_err(|_| damaged("its audit trail does not read"))?;
    if !ordered {
        return Err(damaged("its audit trail is out of order"));
    }
    Ok(Contents {
        key,
        records,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::InsecureTestEntropy;

    /// A backup's iteration count is read from the file: one set to u32::MAX (hours of PBKDF2)
    /// is refused before any work, as any count past the maximum is.
    #[test]
    fn a_hostile_iteration_count_is_refused_at_once() {
        let mut rng = InsecureTestEntropy::new(3);
        let key = StoreKey::generate(&mut rng).unwrap();
        let good = seal(
            &key,
            &BTreeMap::new(),
            &[],
            b"pass",
            seal::MIN_PBKDF2_ITERATIONS,
            &mut rng,
        )
        .unwrap();
        assert!(open(&good, b"pass").is_ok());
        // MAGIC, the keyring's length, `WKK1`, the kind byte and the salt come first.
        let at = MAGIC.len() + 8 + 4 + 1 + 16;
        for iterations in [seal::MAX_PBKDF2_ITERATIONS + 1, u32::MAX] {
            let mut hostile = good.clone();
            hostile[at..at + 4].copy_from_slice(&iterations.to_be_bytes());
            let e = open(&hostile, b"pass").unwrap_err();
            assert!(e.to_string().contains("at most"), "{e}");
        }
    }
}
