//! Durable storage: the records of [`crate::store`] kept across restarts, sealed at rest.
//!
//! A [`DurableStore`] keeps every record decoded in memory (a [`MemoryStore`]) for reads, and
//! commits each operation's batch to a [`LogBackend`] (journal, snapshot and audit files over a
//! [`Dir`]) before applying it in memory: a batch the backend refused changes nothing, and a
//! batch it took survives any crash. Every key and alias document, with its key material, is
//! sealed under the store key ([`seal`]), which rests only wrapped by a root key.

pub mod backup;
pub mod browser;
pub mod group;
pub mod log;
pub mod pages;
pub mod records;
pub mod seal;

pub mod fs;

use std::collections::BTreeMap;

use crate::domain::ids::{AliasName, KeyId};
use crate::env::Entropy;
use crate::error::{KmsError, Result};
use crate::store::{AliasRecord, Batch, KeyRecord, MemoryStore, Store, StoredEvent, Write};

pub use log::{Commit, Dir, LogBackend};

/// A backend for a database the binding writes asynchronously (IndexedDB): each commit is
/// queued here, and the binding writes the queue out in one transaction, awaiting it, before it
/// acknowledges the call. If that write fails, the binding reloads the store from the database,
/// so memory never holds what the database does not.
#[derive(Clone, Default)]
pub struct Outbox(std::rc::Rc<std::cell::RefCell<Vec<Commit>>>);

impl Outbox {
    /// The commits queued since the last call, oldest first.
    pub fn take(&self) -> Vec<Commit> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

impl Backend for Outbox {
    fn commit(&mut self, commit: Commit) -> Result<()> {
        if !commit.writes.is_empty() || !commit.events.is_empty() {
            self.0.borrow_mut().push(commit);
        }
        Ok(())
    }
    fn scan_events(&mut self, _f: &mut dyn FnMut(StoredEvent) -> bool) -> Result<()> {
        // The events are in the binding's database, which it reads itself (asynchronously) and
        // hands to [`crate::Kms::verify_events`] and [`crate::audit::EventSelector`].
        Ok(())
    }
    fn contents(&mut self) -> Result<Option<Everything>> {
        Ok(None)
    }
}
pub use seal::{RootKind, StoreKey};

/// The file that holds the store key, wrapped by the root key.
pub const KEYRING: &str = "keyring";
/// The lock file of a data directory: it exists while a process has the store open, and holds
/// that process's ID.
pub const LOCK: &str = "LOCK";
/// The root key file a store uses unless it is opened with a passphrase.
pub const ROOT_KEY_FILE: &str = "root.key";
/// The environment variable the Node binding takes a passphrase from.
pub const PASSPHRASE_ENV: &str = "WASM_KMS_PASSPHRASE";

/// The name a setting is stored under.
fn meta_name(name: &str) -> String {
    format!("meta/{name}")
}

/// How the root key that wraps the store key is had.
pub enum Root {
    /// A 256-bit key (from a key file, or handed over by the platform).
    Key(zeroize::Zeroizing<[u8; 32]>),
    /// A passphrase, stretched with PBKDF2-HMAC-SHA256 (salt and iteration count are kept
    /// beside the wrapped store key; a new store uses `iterations`).
    Passphrase {
        /// The passphrase.
        passphrase: zeroize::Zeroizing<Vec<u8>>,
        /// Iterations for a new store (at least [`seal::MIN_PBKDF2_ITERATIONS`]).
        iterations: u32,
    },
}

impl std::fmt::Debug for Root {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Root::Key(_) => f.write_str("Root::Key(...)"),
            Root::Passphrase { iterations, .. } => write!(f, "Root::Passphrase(..., {iterations})"),
        }
    }
}

/// The store key of the store in `dir`: unwrapped from its keyring file with `root`, or, for a
/// new store, made and written wrapped under `root`.
pub fn store_key<D: Dir>(dir: &mut D, root: &Root, entropy: &mut dyn Entropy) -> Result<StoreKey> {
    if let Some(wrapped) = dir.read(KEYRING)? {
        let kind = seal::keyring_kind(&wrapped)?;
        let root_key = match (root, kind) {
            (Root::Key(k), RootKind::KeyFile) => k.clone(),
            (Root::Passphrase { passphrase, .. }, RootKind::Passphrase { salt, iterations }) => {
                seal::passphrase_root(passphrase, &salt, iterations)?
            }
            (Root::Key(_), RootKind::Passphrase { .. }) => {
                return Err(KmsError::Storage(
                    "this store is protected by a passphrase: open it with its passphrase"
                        .to_owned(),
                ))
            }
            (Root::Passphrase { .. }, RootKind::KeyFile) => {
                return Err(KmsError::Storage(
                    "this store is protected by a root key file, not a passphrase".to_owned(),
                ))
            }
        };
        return seal::unwrap_store_key(&wrapped, &root_key);
    }
    if dir.read(log::JOURNAL)?.is_some_and(|j| !j.is_empty()) || dir.read(log::SNAPSHOT)?.is_some()
    {
        return Err(KmsError::Storage(
            "the store's `keyring` file is missing: its records cannot be opened".to_owned(),
        ));
    }
    let key = StoreKey::generate(entropy)?;
    dir.replace(KEYRING, &wrap_under(root, &key, entropy)?)?;
    Ok(key)
}

/// The root key of the store in `dir` when no passphrase is given: the key in the file
/// `root.key`, made now (mode 0600) for a new store. An existing store without that file is
/// refused: a new key could not unwrap its keyring, and would stand in the way of the real one
/// being put back.
pub fn key_file_root<D: Dir>(dir: &mut D, entropy: &mut dyn Entropy) -> Result<Root> {
    let file = dir.path_of(ROOT_KEY_FILE);
    if let Some(wrapped) = dir.read(KEYRING)? {
        if dir.read(ROOT_KEY_FILE)?.is_none() {
            return Err(KmsError::Storage(match seal::keyring_kind(&wrapped) {
                Ok(RootKind::Passphrase { .. }) => format!(
                    "the store is protected by a passphrase, not a root key file: open it with its passphrase (in Node, the option `passphrase` or the environment variable {PASSPHRASE_ENV})"
                ),
                _ => format!(
                    "the root key file `{file}` is missing: the store's key cannot be unwrapped without it"
                ),
            }));
        }
    }
    let mut fresh = zeroize::Zeroizing::new([0u8; 32]);
    entropy.fill(&mut *fresh)?;
    if dir.create_new(ROOT_KEY_FILE, &*fresh)? {
        return Ok(Root::Key(fresh));
    }
    let held = zeroize::Zeroizing::new(dir.read(ROOT_KEY_FILE)?.ok_or_else(|| {
        KmsError::Storage(format!(
            "the root key file `{file}` vanished while it was read"
        ))
    })?);
    let key: [u8; 32] = held
        .as_slice()
        .try_into()
        .map_err(|_| KmsError::Storage(format!("the root key file `{file}` is not 32 bytes")))?;
    Ok(Root::Key(zeroize::Zeroizing::new(key)))
}

/// The root key of the store in `dir`, opened with the option `passphrase` or without: derived
/// from that passphrase, or else from `env_passphrase` (the [`PASSPHRASE_ENV`] variable, when
/// it is set and not empty), or else the key in `root.key` ([`key_file_root`]).
pub fn root_for<D: Dir>(
    dir: &mut D,
    passphrase: Option<zeroize::Zeroizing<String>>,
    env_passphrase: Option<zeroize::Zeroizing<String>>,
    entropy: &mut dyn Entropy,
) -> Result<Root> {
    match passphrase.or_else(|| env_passphrase.filter(|p| !p.is_empty())) {
        Some(p) => Ok(Root::Passphrase {
            passphrase: zeroize::Zeroizing::new(p.as_bytes().to_vec()),
            iterations: seal::MIN_PBKDF2_ITERATIONS,
        }),
        None => key_file_root(dir, entropy),
    }
}

/// The store key wrapped under `root` (a passphrase gets a fresh salt).
pub fn wrap_under(root: &Root, key: &StoreKey, entropy: &mut dyn Entropy) -> Result<Vec<u8>> {
    match root {
        Root::Key(k) => seal::wrap_store_key(key, k, RootKind::KeyFile, entropy),
        Root::Passphrase {
            passphrase,
            iterations,
        } => {
            let mut salt = [0u8; 16];
            entropy.fill(&mut salt)?;
            let root_key = seal::passphrase_root(passphrase, &salt, *iterations)?;
            let kind = RootKind::Passphrase {
                salt,
                iterations: *iterations,
            };
            seal::wrap_store_key(key, &root_key, kind, entropy)
        }
    }
}

/// Every record (sealed, by name) and every audit event of a store.
pub type Everything = (BTreeMap<String, Vec<u8>>, Vec<StoredEvent>);

/// Where a [`SealedStore`] commits: the journal on a file system ([`LogBackend`]), or a
/// binding's asynchronous database, which takes each commit after the call (IndexedDB).
pub trait Backend {
    /// Makes one operation's writes durable, or fails having written none of them.
    fn commit(&mut self, commit: Commit) -> Result<()>;
    /// Calls `f` with every audit event held, oldest first, until it returns `false`.
    fn scan_events(&mut self, f: &mut dyn FnMut(StoredEvent) -> bool) -> Result<()>;
    /// Every record (sealed, by name) and every audit event, for a backup; `None` from a
    /// backend whose database the binding reads itself.
    fn contents(&mut self) -> Result<Option<Everything>>;
}

impl<D: Dir> Backend for LogBackend<D> {
    fn commit(&mut self, commit: Commit) -> Result<()> {
        LogBackend::commit(self, &commit)
    }
    fn scan_events(&mut self, f: &mut dyn FnMut(StoredEvent) -> bool) -> Result<()> {
        LogBackend::scan_events(self, f)
    }
    fn contents(&mut self) -> Result<Option<Everything>> {
        // Folded into one snapshot first, so the backup matches what a restart would read.
        self.compact()?;
        let mut events = Vec::new();
        LogBackend::scan_events(self, &mut |e| {
            events.push(e);
            true
        })?;
        Ok(Some((self.records().clone(), events)))
    }
}

/// A backend the binding shares with its store: the store commits through it, and the binding
/// flushes it once for a group of calls (group commit) and reads it again after a failed flush.
pub struct Shared<B>(pub std::rc::Rc<std::cell::RefCell<B>>);

impl<B> Clone for Shared<B> {
    fn clone(&self) -> Self {
        Shared(std::rc::Rc::clone(&self.0))
    }
}

impl<B> Shared<B> {
    /// Runs `f` on the backend (an error, not a panic, if it is in use already).
    pub fn with<T>(&self, f: impl FnOnce(&mut B) -> Result<T>) -> Result<T> {
        let mut b = self.0.try_borrow_mut().map_err(|_| {
            KmsError::Internal("The store was used from inside one of its own writes.".to_owned())
        })?;
        f(&mut b)
    }
}

impl<B: Backend> Backend for Shared<B> {
    fn commit(&mut self, commit: Commit) -> Result<()> {
        self.with(|b| b.commit(commit))
    }
    fn scan_events(&mut self, f: &mut dyn FnMut(StoredEvent) -> bool) -> Result<()> {
        self.with(|b| b.scan_events(f))
    }
    fn contents(&mut self) -> Result<Option<Everything>> {
        self.with(|b| b.contents())
    }
}

/// The durable store on a file system, its commits deferred until the binding flushes the
/// journal ([`LogBackend::flush`]) for a group of calls.
pub type GroupedStore<D> = SealedStore<Shared<LogBackend<D>>>;

impl<D: Dir> SealedStore<Shared<LogBackend<D>>> {
    /// Opens the store in `dir` as [`DurableStore::open`] does, its journal in deferred mode;
    /// also gives the journal and the store key, to flush it and to read it again
    /// ([`SealedStore::reopen`]).
    pub fn open_grouped(
        mut dir: D,
        root: &Root,
        mut entropy: Box<dyn Entropy>,
    ) -> Result<(Self, Shared<LogBackend<D>>, StoreKey)> {
        let key = store_key(&mut dir, root, &mut *entropy)?;
        let (mut log, loaded) = LogBackend::open(dir)?;
        log.set_deferred(true)?;
        let log = Shared(std::rc::Rc::new(std::cell::RefCell::new(log)));
        let store = SealedStore::from_records(&loaded.records, log.clone(), key.clone(), entropy)?;
        Ok((store, log, key))
    }

    /// The store as its files hold it, read again (after a failed flush, whatever was not
    /// written is gone from it).
    pub fn reopen(
        log: &Shared<LogBackend<D>>,
        key: &StoreKey,
        entropy: Box<dyn Entropy>,
    ) -> Result<Self> {
        let loaded = log.with(|l| l.reload())?;
        SealedStore::from_records(&loaded.records, log.clone(), key.clone(), entropy)
    }
}

/// A store whose every record is sealed and whose every commit reaches its backend before it
/// is applied in memory.
pub struct SealedStore<B: Backend> {
    mem: MemoryStore,
    /// Alias records still under their name from before aliases were kept per account, by
    /// (account, Region, name): removed with the alias's next write.
    legacy_aliases: BTreeMap<(String, String, AliasName), String>,
    log: B,
    key: StoreKey,
    entropy: Box<dyn Entropy>,
}

/// The durable store on a file system.
pub type DurableStore<D> = SealedStore<LogBackend<D>>;

impl<D: Dir> SealedStore<LogBackend<D>> {
    /// Opens the store in `dir` with the root key: recovers from any crash, unseals and reads
    /// every record. A record that is corrupted, truncated, foreign or of an unknown schema
    /// version is an error that names it.
    pub fn open(mut dir: D, root: &Root, mut entropy: Box<dyn Entropy>) -> Result<Self> {
        let key = store_key(&mut dir, root, &mut *entropy)?;
        let (log, loaded) = LogBackend::open(dir)?;
        SealedStore::from_records(&loaded.records, log, key, entropy)
    }
}

impl<B: Backend> SealedStore<B> {
    /// A store over `backend` holding `records` (sealed, by name), which are unsealed and read
    /// now. A record that is corrupted, truncated, foreign or of an unknown schema version is
    /// an error that names it.
    pub fn from_records<'a>(
        records: impl IntoIterator<Item = (&'a String, &'a Vec<u8>)>,
        backend: B,
        key: StoreKey,
        entropy: Box<dyn Entropy>,
    ) -> Result<Self> {
        let log = backend;
        let mut batch = Vec::new();
        let mut aliases = Vec::new();
        for (name, sealed) in records {
            let plain = key.open(name, sealed)?;
            if name.starts_with("key/") {
                batch.push(Write::PutKey(Box::new(records::decode_key(name, &plain)?)));
            } else if name.starts_with("alias/") {
                aliases.push((name, records::decode_alias(name, &plain)?));
            } else if name.starts_with("iam/") {
                batch.push(Write::PutIdentity(Box::new(records::decode_identity(
                    name, &plain,
                )?)));
            } else if let Some(meta) = name.strip_prefix("meta/") {
                let value = serde_json::from_slice(&plain).map_err(|_| {
                    KmsError::Storage(format!("stored record `{name}` is not readable: bad JSON"))
                })?;
                batch.push(Write::PutMeta(meta.to_owned(), value));
            } else {
                return Err(KmsError::Storage(format!(
                    "stored record `{name}` is of no kind this wasm-kms knows"
                )));
            }
        }
        let mut mem = MemoryStore::default();
        mem.commit(Batch(batch))?;
        // Aliases after keys: a record from before aliases were kept per account takes its
        // target key's account (an alias with no target left is dropped), and gives way to a
        // record of the same alias under its new name.
        let mut legacy_aliases = BTreeMap::new();
        let mut batch = Vec::new();
        // Records under their new names first.
        aliases.sort_by_key(|(_, a)| a.account.is_empty());
        for (name, mut alias) in aliases {
            if alias.account.is_empty() {
                let Some(target) = mem.key(&alias.region, &alias.target) else {
                    continue;
                };
                alias.account = target.account.clone();
                let place = (
                    alias.account.clone(),
                    alias.region.clone(),
                    alias.name.clone(),
                );
                legacy_aliases.insert(place, name.clone());
                let taken = batch.iter().any(|w| {
                    matches!(w, Write::PutAlias(a)
                        if a.account == alias.account && a.region == alias.region && a.name == alias.name)
                });
                if taken {
                    continue;
                }
            }
            batch.push(Write::PutAlias(alias));
        }
        mem.commit(Batch(batch))?;
        Ok(SealedStore {
            mem,
            legacy_aliases,
            log,
            key,
            entropy,
        })
    }

    /// The backend, for compaction and its directory.
    pub fn backend(&mut self) -> &mut B {
        &mut self.log
    }

    /// Seals one write for the backend.
    fn encode(&mut self, w: &Write, commit: &mut Commit) -> Result<()> {
        let (name, plain) = match w {
            Write::PutKey(k) => (records::key_name(&k.region, &k.id), records::encode_key(k)?),
            Write::PutAlias(a) => (
                records::alias_name(&a.account, &a.region, &a.name),
                records::encode_alias(a)?,
            ),
            Write::PutMeta(name, value) => (
                meta_name(name),
                zeroize::Zeroizing::new(serde_json::to_vec(value).map_err(|_| {
                    KmsError::Internal("A setting could not be encoded.".to_owned())
                })?),
            ),
            Write::PutIdentity(i) => (i.store_name(), records::encode_identity(i)?),
            Write::DeleteIdentity(name) => {
                commit.writes.push((name.clone(), None));
                return Ok(());
            }
            Write::DeleteKey(region, id) => {
                commit.writes.push((records::key_name(region, id), None));
                return Ok(());
            }
            Write::DeleteAlias(account, region, name) => {
                commit
                    .writes
                    .push((records::alias_name(account, region, name), None));
                return Ok(());
            }
            Write::Event(e) => {
                commit.events.push((**e).clone());
                return Ok(());
            }
        };
        let sealed = self.key.seal(&name, &plain, &mut *self.entropy)?;
        commit.writes.push((name, Some(sealed)));
        Ok(())
    }
}

impl<B: Backend> Store for SealedStore<B> {
    fn key(&self, region: &str, id: &KeyId) -> Option<&KeyRecord> {
        self.mem.key(region, id)
    }
    fn keys(&self, region: &str) -> Box<dyn Iterator<Item = &KeyRecord> + '_> {
        self.mem.keys(region)
    }
    fn all_keys(&self) -> Box<dyn Iterator<Item = &KeyRecord> + '_> {
        self.mem.all_keys()
    }
    fn key_in_all_regions(&self, id: &KeyId) -> Box<dyn Iterator<Item = &KeyRecord> + '_> {
        self.mem.key_in_all_regions(id)
    }
    fn alias(&self, account: &str, region: &str, name: &AliasName) -> Option<&AliasRecord> {
        self.mem.alias(account, region, name)
    }
    fn aliases(&self, account: &str, region: &str) -> Box<dyn Iterator<Item = &AliasRecord> + '_> {
        self.mem.aliases(account, region)
    }
    fn meta(&self, name: &str) -> Option<&serde_json::Value> {
        self.mem.meta(name)
    }
    fn identity(&self, name: &str) -> Option<&crate::iam::Identity> {
        self.mem.identity(name)
    }
    fn identities<'a>(
        &'a self,
        prefix: &'a str,
    ) -> Box<dyn Iterator<Item = &'a crate::iam::Identity> + 'a> {
        self.mem.identities(prefix)
    }
    fn meta_prefixed<'a>(
        &'a self,
        prefix: &'a str,
    ) -> Box<dyn Iterator<Item = (&'a String, &'a serde_json::Value)> + 'a> {
        self.mem.meta_prefixed(prefix)
    }

    fn commit(&mut self, batch: Batch) -> Result<()> {
        let mut commit = Commit::default();
        for w in &batch.0 {
            self.encode(w, &mut commit)?;
        }
        // Only the audit trail's own bookkeeping may wait for the next sync.
        commit.sync = batch.0.iter().any(|w| match w {
            Write::Event(_) => false,
            Write::PutMeta(name, _) => !name.starts_with("audit."),
            _ => true,
        });
        // An alias written (or removed) for the first time since aliases were kept per
        // account leaves no record under its old name.
        let mut migrated = Vec::new();
        for w in &batch.0 {
            let place = match w {
                Write::PutAlias(a) => (a.account.clone(), a.region.clone(), a.name.clone()),
                Write::DeleteAlias(account, region, name) => {
                    (account.clone(), region.clone(), name.clone())
                }
                _ => continue,
            };
            if let Some(old) = self.legacy_aliases.get(&place) {
                commit.writes.push((old.clone(), None));
                migrated.push(place);
            }
        }
        // Durable first; only then visible. A failed append leaves memory as it was.
        self.log.commit(commit)?;
        for place in migrated {
            self.legacy_aliases.remove(&place);
        }
        self.mem.commit(batch)?;
        // The backend holds the events; memory need not.
        self.mem.take_events();
        Ok(())
    }

    fn scan_events(&mut self, f: &mut dyn FnMut(StoredEvent) -> bool) -> Result<()> {
        self.log.scan_events(f)
    }

    /// The whole store as one encrypted backup ([`backup`]): every record as it rests (sealed
    /// under the store key), the whole audit trail, and the store key wrapped under a key
    /// derived from `passphrase` (PBKDF2-HMAC-SHA256, `iterations`, at least 600,000).
    fn export_backup(&mut self, passphrase: &[u8], iterations: u32) -> Result<Vec<u8>> {
        let Some((records, events)) = self.log.contents()? else {
            return Err(KmsError::Storage(
                "this store's database is read by its binding: back it up from there".to_owned(),
            ));
        };
        backup::seal(
            &self.key,
            &records,
            &events,
            passphrase,
            iterations,
            &mut *self.entropy,
        )
    }
}

/// Restores a backup made by [`Store::export_backup`] (or by a browser's store) into
/// `dir`, which must hold no store: the store key is unwrapped with `passphrase` and wrapped
/// again under `root`. The restored store is then opened with [`DurableStore::open`] as usual,
/// which checks every record.
pub fn restore_backup<D: Dir>(
    dir: &mut D,
    backup: &[u8],
    passphrase: &[u8],
    root: &Root,
    entropy: &mut dyn Entropy,
) -> Result<()> {
    let contents = backup::open(backup, passphrase)?;
    if dir.read(KEYRING)?.is_some()
        || dir.read(log::SNAPSHOT)?.is_some()
        || dir.read(log::JOURNAL)?.is_some_and(|j| !j.is_empty())
    {
        return Err(KmsError::Storage(
            "a backup is restored only into a directory that holds no store".to_owned(),
        ));
    }
    let wrapped = wrap_under(root, &contents.key, entropy)?;
    let audit = if contents.events.is_empty() {
        Vec::new()
    } else {
        log::encode_audit(&contents.events)?
    };
    let snapshot = log::encode_snapshot(
        0,
        contents.next_event_seq(),
        audit.len() as u64,
        &contents.records,
    )?;
    dir.replace(log::AUDIT, &audit)?;
    dir.replace(log::SNAPSHOT, &snapshot)?;
    dir.replace(log::JOURNAL, &[])?;
    // The keyring last: a restore cut short leaves no store that opens half-made.
    dir.replace(KEYRING, &wrapped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::OsEntropy;
    use crate::store::Write;

    fn setting(value: u64) -> Batch {
        Batch(vec![Write::PutMeta(
            "test.setting".to_owned(),
            serde_json::Value::from(value),
        )])
    }

    fn held(dir: &log::tests::MemDir, root: &Root) -> Option<serde_json::Value> {
        DurableStore::open(dir.clone(), root, Box::new(OsEntropy))
            .unwrap()
            .meta("test.setting")
            .cloned()
    }

    #[test]
    fn the_root_is_the_passphrase_option_else_the_environment_else_the_key_file() {
        let passphrase_of = |root: Root| match root {
            Root::Passphrase { passphrase, .. } => passphrase.to_vec(),
            Root::Key(_) => b"(key file)".to_vec(),
        };
        let mut dir = log::tests::MemDir::default();
        let mut root = |p: Option<&str>, env: Option<&str>| {
            let r = root_for(
                &mut dir,
                p.map(|p| p.to_owned().into()),
                env.map(|e| e.to_owned().into()),
                &mut OsEntropy,
            );
            passphrase_of(r.unwrap())
        };
        assert_eq!(root(Some("opt"), Some("env")), b"opt");
        assert_eq!(root(None, Some("env")), b"env");
        assert_eq!(root(None, Some("")), b"(key file)");
        assert_eq!(root(None, None), b"(key file)");
        assert!(dir.files.contains_key(ROOT_KEY_FILE));
    }

    #[test]
    fn a_root_key_file_is_made_for_a_new_store_and_never_for_one_that_exists() {
        let key_of = |root: Root| match root {
            Root::Key(k) => *k,
            Root::Passphrase { .. } => panic!("not a key file"),
        };
        let mut dir = log::tests::MemDir::default();
        let made = key_of(key_file_root(&mut dir, &mut OsEntropy).unwrap());
        assert_eq!(dir.files[ROOT_KEY_FILE], made);
        assert_eq!(
            key_of(key_file_root(&mut dir, &mut OsEntropy).unwrap()),
            made
        );
        // A store without its key file is refused, and no new one is made.
        let mut store =
            DurableStore::open(dir, &Root::Key(made.into()), Box::new(OsEntropy)).unwrap();
        let dir = store.backend().dir_mut();
        dir.files.remove(ROOT_KEY_FILE);
        let e = key_file_root(dir, &mut OsEntropy).err().unwrap();
        assert!(e.to_string().contains("`root.key` is missing"), "{e}");
        assert!(!dir.files.contains_key(ROOT_KEY_FILE));
        dir.files
            .insert(ROOT_KEY_FILE.to_owned(), b"short".to_vec());
        let e = key_file_root(dir, &mut OsEntropy).err().unwrap();
        assert!(e.to_string().contains("is not 32 bytes"), "{e}");
        // A store under a passphrase says so.
        let mut dir = log::tests::MemDir::default();
        let root = Root::Passphrase {
            passphrase: zeroize::Zeroizing::new(b"pass".to_vec()),
            iterations: seal::MIN_PBKDF2_ITERATIONS,
        };
        store_key(&mut dir, &root, &mut OsEntropy).unwrap();
        let e = key_file_root(&mut dir, &mut OsEntropy).err().unwrap();
        assert!(e.to_string().contains("protected by a passphrase"), "{e}");
    }

    #[test]
    fn a_grouped_store_writes_at_the_flush_and_reopens_as_its_files_after_a_failed_one() {
        let root = Root::Key(zeroize::Zeroizing::new([7; 32]));
        let (mut store, log, key) =
            GroupedStore::open_grouped(log::tests::MemDir::default(), &root, Box::new(OsEntropy))
                .unwrap();
        store.commit(setting(1)).unwrap();
        store.commit(setting(2)).unwrap();
        // Seen at once, written only by the flush, in one append.
        assert_eq!(
            store.meta("test.setting"),
            Some(&serde_json::Value::from(2))
        );
        let dir = || log.with(|l| Ok(l.dir_mut().clone())).unwrap();
        assert_eq!(held(&dir(), &root), None);
        let appends = dir().appends.len();
        log.with(|l| l.flush()).unwrap();
        assert_eq!(dir().appends.len(), appends + 1);
        assert_eq!(held(&dir(), &root), Some(serde_json::Value::from(2)));

        // A flush that fails: the store read again holds what the files do.
        store.commit(setting(3)).unwrap();
        log.with(|l| {
            l.dir_mut().fail_after = Some(3);
            Ok(())
        })
        .unwrap();
        assert!(log.with(|l| l.flush()).is_err());
        assert!(
            store.commit(setting(4)).is_err(),
            "no commit before reopening"
        );
        log.with(|l| {
            l.dir_mut().fail_after = None;
            Ok(())
        })
        .unwrap();
        let mut store = GroupedStore::reopen(&log, &key, Box::new(OsEntropy)).unwrap();
        assert_eq!(
            store.meta("test.setting"),
            Some(&serde_json::Value::from(2))
        );
        store.commit(setting(5)).unwrap();
        log.with(|l| l.flush()).unwrap();
        assert_eq!(held(&dir(), &root), Some(serde_json::Value::from(5)));
    }

    #[test]
    fn iam_records_are_sealed_and_come_back_whole() {
        use crate::iam::{AccessKey, Credential, Identity, KeyOwner, User};
        let root = Root::Key(zeroize::Zeroizing::new([9; 32]));
        let dir = log::tests::MemDir::default();
        let mut store = DurableStore::open(dir, &root, Box::new(OsEntropy)).unwrap();
        let user = Identity::User(User {
            account: "111122223333".to_owned(),
            name: "Alice".to_owned(),
            path: "/dev/".to_owned(),
            id: "AIDAEXAMPLEEXAMPLE01".to_owned(),
            created: 1,
            tags: vec![("team".to_owned(), "crypto".to_owned())],
            inline: [("use".to_owned(), "{}".to_owned())].into_iter().collect(),
            attached: vec!["arn:aws:iam::aws:policy/AdministratorAccess".to_owned()],
        });
        let secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY0001";
        let key = Identity::AccessKey(AccessKey {
            id: "AKIAEXAMPLEEXAMPLE01".to_owned(),
            secret: Credential::new(secret.to_owned()),
            created: 2,
            status: "Active".to_owned(),
            owner: KeyOwner::User {
                account: "111122223333".to_owned(),
                name: "Alice".to_owned(),
            },
        });
        store
            .commit(Batch(vec![
                Write::PutIdentity(Box::new(user.clone())),
                Write::PutIdentity(Box::new(key.clone())),
            ]))
            .unwrap();
        let dir = store.backend().dir_mut().clone();
        let raw: Vec<u8> = dir.files.values().flatten().copied().collect();
        assert!(
            !raw.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the secret is sealed"
        );
        let mut again = DurableStore::open(dir, &root, Box::new(OsEntropy)).unwrap();
        assert_eq!(again.identity(&user.store_name()), Some(&user));
        assert_eq!(again.identity(&key.store_name()), Some(&key));
        assert_eq!(again.identities("iam/111122223333/").count(), 1);
        again
            .commit(Batch(vec![Write::DeleteIdentity(key.store_name())]))
            .unwrap();
        let dir = again.backend().dir_mut().clone();
        let reopened = DurableStore::open(dir, &root, Box::new(OsEntropy)).unwrap();
        assert_eq!(reopened.identity(&key.store_name()), None);
        assert_eq!(reopened.identity(&user.store_name()), Some(&user));
    }
}
