//! The browser store over any database of its layout ([`Database`]: IndexedDB, in the binding):
//! opening a store (the first page makes and keeps its key; the others unwrap it), loading it,
//! writing a group's commits unless another page wrote first, and reading its events. What a
//! page holds and when it is behind are [`PageState`]'s rules.

use std::cell::RefCell;
use std::rc::Rc;

use zeroize::Zeroizing;

use super::{
    keyring_iv, passphrase_keyring, read_events, restore_plan, store_key_of, unlock,
    webcrypto_keyring, Passphrase, RootEntry, Unlock,
};
use crate::env::OsEntropy;
use crate::error::{KmsError, Result};
use crate::persist::backup::{self, Contents};
use crate::persist::group::Written;
use crate::persist::pages::{merge, PageState, Stored, WritePlan};
use crate::persist::{Outbox, SealedStore, StoreKey};
use crate::store::StoredEvent;

/// A database of the browser store's layout ([`super`]), as a binding reaches it: each call is
/// one transaction (or one WebCrypto call).
#[allow(async_fn_in_trait)] // a binding's futures are not sent anywhere
pub trait Database {
    /// The root key: a non-extractable AES-GCM `CryptoKey`, kept in the database.
    type Root;
    /// The snapshot, the records changed since and the generation.
    async fn read(&self) -> Result<Stored>;
    /// Writes `plan` if the store is still at `plan.expected`: `None` once committed, else the
    /// generation another page's write left it at (and nothing is written).
    async fn write(&self, plan: &WritePlan) -> Result<Option<u64>>;
    /// Every value of the events store, oldest first (`None`: not bytes).
    async fn events(&self) -> Result<Vec<Option<Vec<u8>>>>;
    /// The root key, what its entry holds, and the keyring.
    async fn read_key(&self) -> Result<(Option<Self::Root>, RootEntry, Option<Vec<u8>>)>;
    /// Keeps `root` (none under a passphrase), `keyring` and what `restore` writes, unless the
    /// store has a keyring already or, restoring, holds records: whether it kept them.
    async fn keep_key(
        &self,
        root: Option<&Self::Root>,
        keyring: &[u8],
        restore: Option<&WritePlan>,
    ) -> Result<bool>;
    /// A new root key.
    async fn new_root(&self) -> Result<Self::Root>;
    /// `key` sealed under `root` with `iv` (AES-GCM, [`super::KEYRING_AAD`]).
    async fn wrap(&self, root: &Self::Root, iv: &[u8], key: &[u8]) -> Result<Vec<u8>>;
    /// What `sealed` unwraps to under `root` with `iv`.
    async fn unwrap(
        &self,
        root: &Self::Root,
        iv: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>>;
    /// Tells the other pages that the store is at `generation` now.
    fn announce(&self, generation: u64);
}

/// One open store, as one page sees it.
pub struct BrowserStore<D: Database> {
    /// The database.
    pub db: D,
    /// What the page holds (shared with whatever hears of other pages' writes).
    state: Rc<RefCell<PageState>>,
    /// The commits of the calls since the last write.
    outbox: Outbox,
    key: StoreKey,
}

impl<D: Database> BrowserStore<D> {
    /// Opens the store in `db`: its store key (wrapped by the root key, or by `passphrase` for a
    /// store made with one; made and kept for a new store), and the store of every record,
    /// whose commits wait for [`BrowserStore::write`]. `state` is the page's, which hears of
    /// other pages' writes.
    pub async fn open(
        db: D,
        state: Rc<RefCell<PageState>>,
        passphrase: Option<&Passphrase>,
    ) -> Result<(Self, SealedStore<Outbox>)> {
        let key = store_key(&db, passphrase).await?;
        let outbox = Outbox::default();
        let store = BrowserStore {
            db,
            state,
            outbox,
            key,
        };
        let sealed = store.load().await?;
        Ok((store, sealed))
    }

    /// Reads every record (and the generation) again and unseals them, dropping every commit
    /// not written.
    pub async fn load(&self) -> Result<SealedStore<Outbox>> {
        let _ = self.outbox.take();
        let stored = self.db.read().await?;
        let generation = stored.generation;
        let (records, overlay) = merge(stored)?;
        let (outbox, key) = (self.outbox.clone(), self.key.clone());
        let sealed = SealedStore::from_records(&records, outbox, key, Box::new(OsEntropy))?;
        self.state.borrow_mut().adopt(records, overlay, generation);
        Ok(sealed)
    }

    /// The whole store as one backup under `passphrase` (see [`crate::persist::backup`]).
    pub async fn backup(&self, passphrase: &[u8], iterations: u32) -> Result<Vec<u8>> {
        let records = merge(self.db.read().await?)?.0;
        let events = self.events().await?;
        let key = &self.key;
        backup::seal(
            key,
            &records,
            &events,
            passphrase,
            iterations,
            &mut OsEntropy,
        )
    }

    /// Whether another page wrote since this one loaded (or this page's memory is not the
    /// database's).
    pub fn stale(&self) -> bool {
        self.state.borrow().stale()
    }

    /// This page's memory holds what the database does not: read it before anything runs.
    pub fn invalidate(&self) {
        self.state.borrow().invalidate();
    }

    /// Writes the commits made since the last write, if the store is still at the generation
    /// this page loaded.
    pub async fn write(&self) -> Result<Written> {
        let commits = self.outbox.take();
        if commits.is_empty() {
            return Ok(Written::Done);
        }
        let plan = self.state.borrow().plan(&commits)?;
        if let Some(current) = self.db.write(&plan).await? {
            self.state.borrow().hear(current);
            return Ok(Written::Conflict);
        }
        let next = plan.next();
        self.state.borrow_mut().written(plan);
        self.db.announce(next);
        Ok(Written::Done)
    }

    /// Every audit event, oldest first.
    pub async fn events(&self) -> Result<Vec<StoredEvent>> {
        read_events(self.db.events().await?)
    }
}

/// Restores the backup `contents` into the store `name` in `db`, which must hold no store yet:
/// its store key is wrapped anew (by a new root key, or by `passphrase`), and the key, every
/// record and every event are written together.
pub async fn restore<D: Database>(
    db: &D,
    name: &str,
    contents: &Contents,
    passphrase: Option<&Passphrase>,
) -> Result<()> {
    if keep_store_key(db, &contents.key, passphrase, Some(contents)).await? {
        return Ok(());
    }
    Err(KmsError::Storage(format!(
        "a backup is restored only into a store that does not exist yet: IndexedDB store `{name}` exists"
    )))
}

/// The store key: unwrapped with the root key (or the passphrase), or, for a new store, made,
/// wrapped and kept (the first page to keep it wins; a page that lost the race uses the
/// winner's).
async fn store_key<D: Database>(db: &D, passphrase: Option<&Passphrase>) -> Result<StoreKey> {
    if let Some(key) = read_store_key(db, passphrase).await? {
        return Ok(key);
    }
    let key = StoreKey::generate(&mut OsEntropy)?;
    if keep_store_key(db, &key, passphrase, None).await? {
        return Ok(key);
    }
    read_store_key(db, passphrase)
        .await?
        .ok_or_else(|| KmsError::Storage("IndexedDB: the store key vanished".to_owned()))
}

/// Keeps `key` as the store key of a store that has none yet, wrapped by a new root key or by
/// `passphrase`; with `contents` (a restore), also its records and events, and only if the
/// store holds no records. `Ok(false)`: nothing was written. All cryptography and encoding is
/// done before the database's transaction opens.
async fn keep_store_key<D: Database>(
    db: &D,
    key: &StoreKey,
    passphrase: Option<&Passphrase>,
    contents: Option<&Contents>,
) -> Result<bool> {
    let (root, keyring) = match passphrase {
        Some(p) => (None, passphrase_keyring(key, p, &mut OsEntropy)?),
        None => {
            let root = db.new_root().await?;
            let iv = keyring_iv(&mut OsEntropy)?;
            let sealed = db.wrap(&root, &iv, &key.secret_bytes()[..]).await?;
            (Some(root), webcrypto_keyring(&iv, &sealed))
        }
    };
    let restore = contents.map(restore_plan).transpose()?;
    db.keep_key(root.as_ref(), &keyring, restore.as_ref()).await
}

/// The store key, if the store has one (see [`unlock`]).
async fn read_store_key<D: Database>(
    db: &D,
    passphrase: Option<&Passphrase>,
) -> Result<Option<StoreKey>> {
    let (root, entry, keyring) = db.read_key().await?;
    match (unlock(keyring.as_deref(), entry, passphrase)?, root) {
        (None, _) => Ok(None),
        (Some(Unlock::Key(key)), _) => Ok(Some(*key)),
        (Some(Unlock::WebCrypto { iv, sealed }), Some(root)) => {
            store_key_of(&db.unwrap(&root, &iv, &sealed).await?).map(Some)
        }
        (Some(Unlock::WebCrypto { .. }), None) => Err(KmsError::Storage(
            "IndexedDB: the root key vanished".to_owned(),
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::persist::browser::tests::event;
    use crate::persist::group::tests::ready;
    use crate::store::{Batch, Store as _, Write};
    use std::cell::Cell;
    use std::collections::BTreeMap;

    /// What the database holds.
    #[derive(Default)]
    struct Held {
        root: Option<u8>,
        keyring: Option<Vec<u8>>,
        snapshot: Option<Vec<u8>>,
        records: BTreeMap<String, Vec<u8>>,
        events: BTreeMap<u64, Vec<u8>>,
        generation: u64,
    }

    /// A database shared by pages: a root "key" is one byte that wraps by XOR (a fake).
    #[derive(Clone, Default)]
    struct Fake {
        held: Rc<RefCell<Held>>,
        announced: Rc<Cell<u64>>,
    }

    fn xor(root: u8, bytes: &[u8]) -> Vec<u8> {
        bytes.iter().map(|b| b ^ root).collect()
    }

    impl Database for Fake {
        type Root = u8;
        async fn read(&self) -> Result<Stored> {
            let held = self.held.borrow();
            Ok(Stored {
                snapshot: held.snapshot.clone(),
                changed: held.records.clone().into_iter().collect(),
                generation: held.generation,
            })
        }
        async fn write(&self, plan: &WritePlan) -> Result<Option<u64>> {
            let mut held = self.held.borrow_mut();
            if held.generation != plan.expected {
                return Ok(Some(held.generation));
            }
            if let Some(snapshot) = &plan.snapshot {
                held.snapshot = Some(snapshot.clone());
                held.records.clear();
            }
            held.records.extend(plan.puts.iter().cloned());
            held.events.extend(plan.events.iter().cloned());
            held.generation = plan.next();
            Ok(None)
        }
        async fn events(&self) -> Result<Vec<Option<Vec<u8>>>> {
            Ok(self
                .held
                .borrow()
                .events
                .values()
                .cloned()
                .map(Some)
                .collect())
        }
        async fn read_key(&self) -> Result<(Option<u8>, RootEntry, Option<Vec<u8>>)> {
            let held = self.held.borrow();
            let entry = match held.root {
                Some(_) => RootEntry::CryptoKey,
                None => RootEntry::Absent,
            };
            Ok((held.root, entry, held.keyring.clone()))
        }
        async fn keep_key(
            &self,
            root: Option<&u8>,
            keyring: &[u8],
            restore: Option<&WritePlan>,
        ) -> Result<bool> {
            {
                let held = self.held.borrow();
                let records = held.records.len() + usize::from(held.snapshot.is_some());
                if held.keyring.is_some() || (restore.is_some() && records > 0) {
                    return Ok(false);
                }
            }
            if let Some(plan) = restore {
                assert!(self.write(plan).await?.is_none());
            }
            let mut held = self.held.borrow_mut();
            held.root = root.copied();
            held.keyring = Some(keyring.to_vec());
            Ok(true)
        }
        async fn new_root(&self) -> Result<u8> {
            Ok(0x5a)
        }
        async fn wrap(&self, root: &u8, _: &[u8], key: &[u8]) -> Result<Vec<u8>> {
            let mut sealed = xor(*root, key);
            sealed.extend_from_slice(&[0; 16]);
            Ok(sealed)
        }
        async fn unwrap(&self, root: &u8, _: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
            Ok(Zeroizing::new(xor(*root, &sealed[..sealed.len() - 16])))
        }
        fn announce(&self, generation: u64) {
            self.announced.set(generation);
        }
    }

    type Page = (BrowserStore<Fake>, SealedStore<Outbox>);

    fn page(db: &Fake, passphrase: Option<&Passphrase>) -> Result<Page> {
        ready(BrowserStore::open(db.clone(), Rc::default(), passphrase))
    }

    /// Puts a setting `name` in `store` (its commit waits for the write).
    fn commit(store: &mut SealedStore<Outbox>, name: &str) {
        let write = Write::PutMeta(name.to_owned(), serde_json::json!(1));
        store.commit(Batch(vec![write])).unwrap();
    }

    #[test]
    fn the_first_page_keeps_the_key_and_the_others_unwrap_it() {
        let db = Fake::default();
        let (first, _) = page(&db, None).unwrap();
        assert_eq!(db.held.borrow().root, Some(0x5a));
        assert_eq!(db.held.borrow().keyring.as_ref().unwrap().len(), 60);
        let (second, _) = page(&db, None).unwrap();
        assert_eq!(first.key.secret_bytes(), second.key.secret_bytes());
        // A store under the browser's key does not open with a passphrase.
        let pw: Passphrase = Zeroizing::new(b"pw".to_vec());
        let e = page(&db, Some(&pw)).err().unwrap();
        assert!(e.to_string().contains("browser's own key"), "{e}");
        // One made with a passphrase keeps no root key.
        let db = Fake::default();
        let (first, _) = page(&db, Some(&pw)).unwrap();
        assert_eq!(db.held.borrow().root, None);
        let (second, _) = page(&db, Some(&pw)).unwrap();
        assert_eq!(first.key.secret_bytes(), second.key.secret_bytes());
    }

    #[test]
    fn a_write_after_another_pages_write_is_a_conflict_until_the_page_reloads() {
        let db = Fake::default();
        let (a, mut sealed_a) = page(&db, None).unwrap();
        let (b, mut sealed_b) = page(&db, None).unwrap();
        commit(&mut sealed_b, "b");
        assert_eq!(ready(b.write()).unwrap(), Written::Done);
        assert_eq!(db.announced.get(), 1);
        assert!(!a.stale(), "page a has not heard yet");
        commit(&mut sealed_a, "a");
        assert_eq!(ready(a.write()).unwrap(), Written::Conflict);
        assert!(a.stale(), "the conflict told page a");
        assert!(!db.held.borrow().records.contains_key("meta/a"));
        commit(&mut sealed_a, "unwritten");
        let mut sealed_a = ready(a.load()).unwrap();
        assert!(!a.stale());
        commit(&mut sealed_a, "a");
        assert_eq!(ready(a.write()).unwrap(), Written::Done);
        let names: Vec<String> = db.held.borrow().records.keys().cloned().collect();
        assert_eq!(
            names,
            ["meta/a", "meta/b"],
            "a reload drops what was not written"
        );
        assert_eq!(db.announced.get(), 2);
        assert_eq!(ready(a.write()).unwrap(), Written::Done);
        assert_eq!(db.announced.get(), 2, "nothing to write is no write");
    }

    #[test]
    fn a_backup_restores_only_into_a_store_that_holds_nothing() {
        let contents = Contents {
            key: StoreKey::generate(&mut OsEntropy).unwrap(),
            records: BTreeMap::new(),
            events: vec![event(1)],
        };
        let db = Fake::default();
        ready(restore(&db, "s", &contents, None)).unwrap();
        let (store, _) = page(&db, None).unwrap();
        assert_eq!(store.key.secret_bytes(), contents.key.secret_bytes());
        assert_eq!(ready(store.events()).unwrap().len(), 1);
        let e = ready(restore(&db, "s", &contents, None)).unwrap_err();
        assert!(e.to_string().contains("IndexedDB store `s` exists"), "{e}");
    }
}
