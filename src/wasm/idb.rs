//! The browser store: the sealed records of [`crate::persist`] in IndexedDB (through the `idb`
//! crate), the store key wrapped by a non-extractable WebCrypto AES-GCM key that is kept in the
//! same database (a `CryptoKey` is stored as itself, never as bytes), and several pages on one
//! store kept in step. The layout and the keyring's rules are [`crate::persist::browser`]'s;
//! what to read, what to write and when a page is behind are [`crate::persist::pages`]'s; this
//! module moves the bytes.
//!
//! A group of calls runs in the core first (all cryptography done, their commits queued in an
//! [`Outbox`]); then one read-write transaction checks that the generation is still the one this
//! page loaded, writes every queued commit and raises the generation, and only then are the
//! calls acknowledged. Nothing is awaited inside that transaction but its own requests, so it
//! cannot commit early. If another page wrote in between, the transaction is aborted and the
//! calls run again on the store as reloaded ([`crate::persist::group`]): no update is lost. A
//! `BroadcastChannel` tells the other pages that the store moved on, so they reload before
//! their next call.

use idb::{Database, DatabaseEvent, Factory, TransactionMode, TransactionResult};
use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

use super::js::{bytes_of, call_subtle, global_member, invoke, object};
use crate::error::{KmsError, Result};
use crate::persist::browser::{
    changed_records, database_name, generation_of, keyring_iv, passphrase_keyring, read_events,
    restore_values, store_key_of, unlock, webcrypto_keyring, Passphrase, RootEntry, Unlock,
    DB_VERSION, EVENTS, GENERATION, KEYRING, KEYRING_AAD, META, RECORDS, ROOT, SNAPSHOT,
};
use crate::persist::group::Written;
use crate::persist::pages::{merge, PageState, Stored};
use crate::persist::{backup, Commit, Outbox, SealedStore, StoreKey};
use crate::store::StoredEvent;

fn storage(what: &str, e: impl std::fmt::Debug) -> KmsError {
    KmsError::Storage(format!("IndexedDB: {what} failed ({e:?})"))
}

fn js_storage(what: &str, e: &JsValue) -> KmsError {
    let text = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.name()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "error".to_owned());
    KmsError::Storage(format!("IndexedDB: {what} failed ({text})"))
}

/// The outcome of an `idb` request, made and awaited; either failure says `what` failed.
async fn done<T, R>(request: std::result::Result<R, idb::Error>, what: &str) -> Result<T>
where
    R: IntoFuture<Output = std::result::Result<T, idb::Error>>,
{
    request
        .map_err(|e| storage(what, e))?
        .await
        .map_err(|e| storage(what, e))
}

/// The key `name` of an object store.
fn key_js(name: &str) -> JsValue {
    JsValue::from_str(name)
}

/// A generation as a value of IndexedDB.
fn generation_js(v: Option<JsValue>) -> u64 {
    generation_of(v.and_then(|v| v.as_f64()))
}

fn aes_gcm(iv: &[u8]) -> JsValue {
    object(&[
        ("name", "AES-GCM".into()),
        ("iv", Uint8Array::from(iv).into()),
        ("additionalData", Uint8Array::from(KEYRING_AAD).into()),
    ])
}

/// Whether `v` is a `CryptoKey` that cannot be exported.
fn is_crypto_key(v: &JsValue) -> bool {
    let is_key = global_member("CryptoKey")
        .and_then(|c| c.dyn_into::<Function>().ok())
        .and_then(|c| Reflect::get(&c, &"prototype".into()).ok())
        .and_then(|p| p.dyn_into::<Object>().ok())
        .is_some_and(|p| p.is_prototype_of(v));
    is_key
        && Reflect::get(v, &"extractable".into())
            .ok()
            .and_then(|e| e.as_bool())
            == Some(false)
}

/// A `BroadcastChannel` named `name` whose messages' `generation` goes to `on_message` (`null`
/// where the platform has none).
fn channel_open(name: &str, on_message: &Closure<dyn FnMut(JsValue)>) -> JsValue {
    let Some(ctor) = global_member("BroadcastChannel").and_then(|c| c.dyn_into::<Function>().ok())
    else {
        return JsValue::NULL;
    };
    let args: Array = std::iter::once(JsValue::from_str(name)).collect();
    match Reflect::construct(&ctor, &args) {
        Ok(ch) => {
            let _ = Reflect::set(&ch, &"onmessage".into(), on_message.as_ref());
            ch
        }
        Err(_) => JsValue::NULL,
    }
}

fn channel_post(ch: &JsValue, generation: f64) {
    if ch.is_object() {
        let _ = invoke(
            ch,
            "postMessage",
            &[object(&[("generation", generation.into())])],
        );
    }
}

/// Tells the other pages the store's newest generation: once the calls just written have
/// settled and the next group's transaction is under way (a `setTimeout` of 0), with the newest
/// generation then. (A page that has not heard yet is still safe: its write is refused by the
/// generation check.)
fn announce(channel: &JsValue, newest: &Rc<Cell<f64>>, generation: f64) {
    let scheduled = newest.get() > 0.0;
    newest.set(generation);
    if scheduled || !channel.is_object() {
        return;
    }
    let (channel_now, newest_now) = (channel, newest);
    let (channel, newest) = (channel.clone(), Rc::clone(newest));
    let post = Closure::once_into_js(move || {
        channel_post(&channel, newest.replace(0.0));
    });
    if invoke(&js_sys::global(), "setTimeout", &[post, 0.into()]).is_err() {
        channel_post(channel_now, newest_now.replace(0.0));
    }
}

/// One open store in IndexedDB, as one page sees it.
pub struct IdbStore {
    db: Database,
    /// Its generation, records and changed names (shared with the channel's listener).
    state: Rc<RefCell<PageState>>,
    channel: JsValue,
    /// The generation to announce on the channel once the current task is done (0: none).
    announcing: Rc<Cell<f64>>,
    _listener: Closure<dyn FnMut(JsValue)>,
}

impl IdbStore {
    /// Opens (or creates) the store `name`: its database, its store key (wrapped by the root
    /// `CryptoKey`, or by `passphrase` for a store made with one), and every record, read in one
    /// transaction.
    pub async fn open(
        name: &str,
        passphrase: Option<&Passphrase>,
    ) -> Result<(IdbStore, SealedStore<Outbox>, Outbox, StoreKey)> {
        let db = open_database(name).await?;
        let key = store_key(&db, passphrase).await?;
        let state = Rc::new(RefCell::new(PageState::default()));
        let listener = {
            let state = Rc::clone(&state);
            Closure::new(move |event: JsValue| {
                let g = Reflect::get(&event, &"data".into())
                    .and_then(|d| Reflect::get(&d, &"generation".into()))
                    .ok();
                // The state is never borrowed across an await, so never while this runs.
                if let Ok(state) = state.try_borrow() {
                    state.hear(generation_js(g));
                }
            })
        };
        let channel = channel_open(&database_name(name), &listener);
        let store = IdbStore {
            db,
            state,
            channel,
            announcing: Rc::default(),
            _listener: listener,
        };
        let outbox = Outbox::default();
        let sealed = store.load(key.clone(), outbox.clone()).await?;
        Ok((store, sealed, outbox, key))
    }

    /// Reads every record (and the generation) in one transaction and unseals them.
    pub async fn load(&self, key: StoreKey, outbox: Outbox) -> Result<SealedStore<Outbox>> {
        let stored = self.read().await?;
        let generation = stored.generation;
        let (records, overlay) = merge(stored)?;
        let sealed =
            SealedStore::from_records(&records, outbox, key, Box::new(crate::env::OsEntropy))?;
        self.state.borrow_mut().adopt(records, overlay, generation);
        Ok(sealed)
    }

    /// Every record (sealed, by name), read in one transaction.
    pub async fn records(&self) -> Result<BTreeMap<String, Vec<u8>>> {
        Ok(merge(self.read().await?)?.0)
    }

    /// The snapshot, the records changed since (a tombstone for a removed one) and the
    /// generation, read in one transaction.
    async fn read(&self) -> Result<Stored> {
        let what = "reading the store";
        let tx = self
            .db
            .transaction(&[RECORDS, META], TransactionMode::ReadOnly)
            .map_err(|e| storage(what, e))?;
        let meta = tx.object_store(META).map_err(|e| storage(what, e))?;
        let snapshot = done(meta.get(key_js(SNAPSHOT)), "reading the snapshot").await?;
        let records = tx.object_store(RECORDS).map_err(|e| storage(what, e))?;
        let names = done(records.get_all_keys(None, None), "reading record names").await?;
        let values = done(records.get_all(None, None), "reading records").await?;
        let generation = done(meta.get(key_js(GENERATION)), "reading the generation").await?;
        let _ = tx.await;
        let snapshot = match snapshot {
            None => None,
            Some(v) => Some(bytes_of(&v).ok_or_else(|| {
                KmsError::Storage("IndexedDB: the snapshot is not bytes".to_owned())
            })?),
        };
        Ok(Stored {
            snapshot,
            changed: changed_records(
                names.iter().map(JsValue::as_string).collect(),
                values.iter().map(bytes_of).collect(),
            )?,
            generation: generation_js(generation),
        })
    }

    /// Restores the backup `contents` into the store `name`, which must not exist yet (or be
    /// empty): its store key is wrapped anew (by a new root `CryptoKey`, or by `passphrase`),
    /// and the key, every record and every event are written in one transaction.
    pub async fn restore(
        name: &str,
        contents: &backup::Contents,
        passphrase: Option<&Passphrase>,
    ) -> Result<()> {
        let db = open_database(name).await?;
        let kept = keep_store_key(&db, &contents.key, passphrase, Some(contents)).await;
        db.close();
        match kept? {
            true => Ok(()),
            false => Err(KmsError::Storage(format!(
                "a backup is restored only into a store that does not exist yet: IndexedDB store `{name}` exists"
            ))),
        }
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

    /// Writes the queued commits in one transaction, if the store is still at the generation
    /// this page loaded.
    pub async fn write(&self, commits: &[Commit]) -> Result<Written> {
        if commits.is_empty() {
            return Ok(Written::Done);
        }
        // Everything is encoded before the transaction opens: inside it, only its own requests
        // are awaited.
        let plan = self.state.borrow().plan(commits)?;
        let js_bytes = |b: &[u8]| Uint8Array::from(b);
        let snapshot = plan.snapshot.as_deref().map(js_bytes);
        let puts: Vec<(JsValue, Uint8Array)> = plan
            .puts
            .iter()
            .map(|(name, value)| (JsValue::from_str(name), js_bytes(value)))
            .collect();
        let events = events_js(&plan.events);
        let tx = self
            .db
            .transaction(&[RECORDS, EVENTS, META], TransactionMode::ReadWrite)
            .map_err(|e| storage("opening a write", e))?;
        let fail = |e| storage("writing", e);
        let meta = tx.object_store(META).map_err(fail)?;
        // The check is read first and every write issued behind it at once (one round trip,
        // not two); a generation that is not this page's aborts the whole transaction, which
        // writes nothing.
        let current = meta.get(key_js(GENERATION)).map_err(fail)?.into_future();
        let records = tx.object_store(RECORDS).map_err(fail)?;
        if let Some(snapshot) = &snapshot {
            meta.put(snapshot, Some(&key_js(SNAPSHOT))).map_err(fail)?;
            records.clear().map_err(fail)?;
        }
        for (name, value) in &puts {
            records.put(value, Some(name)).map_err(fail)?;
        }
        let store = tx.object_store(EVENTS).map_err(fail)?;
        for (seq, bytes) in &events {
            store.put(bytes, Some(seq)).map_err(fail)?;
        }
        let next = plan.next();
        meta.put(&JsValue::from_f64(next as f64), Some(&key_js(GENERATION)))
            .map_err(fail)?;
        let current = generation_js(current.await.map_err(fail)?);
        if current != plan.expected {
            let _ = tx.abort();
            self.state.borrow().hear(current);
            return Ok(Written::Conflict);
        }
        match tx.commit().map_err(fail)?.await {
            Ok(TransactionResult::Committed) => {
                self.state.borrow_mut().written(plan);
                announce(&self.channel, &self.announcing, next as f64);
                Ok(Written::Done)
            }
            Ok(TransactionResult::Aborted) => Err(KmsError::Storage(
                "IndexedDB: the write was aborted".to_owned(),
            )),
            Err(e) => Err(storage("writing", e)),
        }
    }

    /// Every audit event, oldest first.
    pub async fn events(&self) -> Result<Vec<StoredEvent>> {
        let what = "reading events";
        let tx = self
            .db
            .transaction(&[EVENTS], TransactionMode::ReadOnly)
            .map_err(|e| storage(what, e))?;
        let store = tx.object_store(EVENTS).map_err(|e| storage(what, e))?;
        let values = done(store.get_all(None, None), what).await?;
        let _ = tx.await;
        read_events(values.iter().map(bytes_of))
    }

    /// Closes the database and the channel.
    pub fn close(&self) {
        if self.channel.is_object() {
            let _ = invoke(&self.channel, "close", &[]);
        }
        self.db.close();
    }
}

/// Values of the events store, keyed by sequence number, as JavaScript values.
fn events_js(events: &[(u64, Vec<u8>)]) -> Vec<(JsValue, Uint8Array)> {
    events
        .iter()
        .map(|(seq, bytes)| (JsValue::from_f64(*seq as f64), Uint8Array::from(&bytes[..])))
        .collect()
}

/// The database of the store `name`, created (with its object stores) if need be.
async fn open_database(name: &str) -> Result<Database> {
    let factory = Factory::new().map_err(|e| storage("opening IndexedDB", e))?;
    let mut request = factory
        .open(&database_name(name), Some(DB_VERSION))
        .map_err(|e| storage("opening the database", e))?;
    request.on_upgrade_needed(|event| {
        if let Ok(db) = event.database() {
            for store in [RECORDS, EVENTS, META] {
                if !db.store_names().iter().any(|s| s == store) {
                    let _ = db.create_object_store(store, idb::ObjectStoreParams::new());
                }
            }
        }
    });
    request
        .await
        .map_err(|e| storage("opening the database", e))
}

/// The store key: unwrapped with the root `CryptoKey` (or the passphrase), or, for a new store,
/// made, wrapped and kept (the first page to write it wins; a page that lost the race uses the
/// winner's).
async fn store_key(db: &Database, passphrase: Option<&Passphrase>) -> Result<StoreKey> {
    if let Some(key) = read_store_key(db, passphrase).await? {
        return Ok(key);
    }
    let key = StoreKey::generate(&mut crate::env::OsEntropy)?;
    if keep_store_key(db, &key, passphrase, None).await? {
        return Ok(key);
    }
    read_store_key(db, passphrase)
        .await?
        .ok_or_else(|| KmsError::Storage("IndexedDB: the store key vanished".to_owned()))
}

/// Keeps `key` as the store key of a store that has none yet, wrapped by a new root `CryptoKey`
/// or by `passphrase`; with `contents` (a restore), also its records and events, and only if
/// the store holds no records. `Ok(false)`: the store has a key (or records) already, and
/// nothing was written.
async fn keep_store_key(
    db: &Database,
    key: &StoreKey,
    passphrase: Option<&Passphrase>,
    contents: Option<&backup::Contents>,
) -> Result<bool> {
    let mut entropy = crate::env::OsEntropy;
    // All cryptography and encoding before the transaction opens.
    let (root, keyring) = match passphrase {
        Some(p) => (None, passphrase_keyring(key, p, &mut entropy)?),
        None => {
            let usages: Array = ["encrypt", "decrypt"]
                .iter()
                .map(|u| JsValue::from(*u))
                .collect();
            let params = object(&[("name", "AES-GCM".into()), ("length", 256.into())]);
            let root = call_subtle("generateKey", &[params, JsValue::FALSE, usages.into()])
                .await
                .map_err(|e| js_storage("making the root key (WebCrypto)", &e))?;
            let iv = keyring_iv(&mut entropy)?;
            let input = Uint8Array::from(&key.secret_bytes()[..]);
            let sealed = call_subtle(
                "encrypt",
                &[aes_gcm(&iv), root.clone(), input.clone().into()],
            )
            .await;
            // WebCrypto copied the secret when it was called: the copy on JavaScript's heap is
            // wiped.
            input.fill(0, 0, input.length());
            let sealed =
                sealed.map_err(|e| js_storage("wrapping the store key (WebCrypto)", &e))?;
            let sealed = bytes_of(&Uint8Array::new(&sealed)).unwrap_or_default();
            (Some(root), webcrypto_keyring(&iv, &sealed))
        }
    };
    let restored = contents.map(restore_values).transpose()?;
    let tx = db
        .transaction(&[RECORDS, EVENTS, META], TransactionMode::ReadWrite)
        .map_err(|e| storage("keeping the store key", e))?;
    let what = "keeping the store key";
    let fail = |e| storage(what, e);
    let meta = tx.object_store(META).map_err(fail)?;
    let existing = done(meta.get(key_js(KEYRING)), what).await?;
    let held = if contents.is_some() {
        let snapshot = done(meta.get(key_js(SNAPSHOT)), what).await?;
        let records = tx.object_store(RECORDS).map_err(fail)?;
        done(records.count(None), what).await? + u32::from(snapshot.is_some())
    } else {
        0
    };
    if existing.is_some() || held > 0 {
        let _ = tx.abort();
        return Ok(false);
    }
    if let Some(root) = &root {
        meta.put(root, Some(&key_js(ROOT))).map_err(fail)?;
    }
    meta.put(
        &Uint8Array::from(keyring.as_slice()),
        Some(&key_js(KEYRING)),
    )
    .map_err(fail)?;
    if let Some((snapshot, events)) = &restored {
        meta.put(
            &Uint8Array::from(snapshot.as_slice()),
            Some(&key_js(SNAPSHOT)),
        )
        .map_err(fail)?;
        let event_store = tx.object_store(EVENTS).map_err(fail)?;
        for (seq, bytes) in &events_js(events) {
            event_store.put(bytes, Some(seq)).map_err(fail)?;
        }
        meta.put(&JsValue::from_f64(1.0), Some(&key_js(GENERATION)))
            .map_err(fail)?;
    }
    match tx.commit().map_err(fail)?.await {
        Ok(TransactionResult::Committed) => Ok(true),
        _ => Err(KmsError::Storage(
            "IndexedDB: the store key could not be kept".to_owned(),
        )),
    }
}

/// The store key, if the store has one (see [`unlock`]).
async fn read_store_key(
    db: &Database,
    passphrase: Option<&Passphrase>,
) -> Result<Option<StoreKey>> {
    let what = "reading the store key";
    let tx = db
        .transaction(&[META], TransactionMode::ReadOnly)
        .map_err(|e| storage(what, e))?;
    let meta = tx.object_store(META).map_err(|e| storage(what, e))?;
    let root = done(meta.get(key_js(ROOT)), what).await?;
    let keyring = done(meta.get(key_js(KEYRING)), what).await?;
    let _ = tx.await;
    let keyring = match keyring {
        None => None,
        Some(k) => Some(bytes_of(&k).ok_or_else(|| {
            KmsError::Storage("IndexedDB: the wrapped store key is not bytes".to_owned())
        })?),
    };
    let entry = match &root {
        None => RootEntry::Absent,
        Some(r) if is_crypto_key(r) => RootEntry::CryptoKey,
        Some(_) => RootEntry::Other,
    };
    let (iv, sealed, root) = match (unlock(keyring.as_deref(), entry, passphrase)?, root) {
        (None, _) => return Ok(None),
        (Some(Unlock::Key(key)), _) => return Ok(Some(*key)),
        (Some(Unlock::WebCrypto { iv, sealed }), Some(root)) => (iv, sealed, root),
        (Some(Unlock::WebCrypto { .. }), None) => {
            return Err(KmsError::Storage(
                "IndexedDB: the root key vanished".to_owned(),
            ))
        }
    };
    let raw = call_subtle(
        "decrypt",
        &[aes_gcm(&iv), root, Uint8Array::from(&sealed[..]).into()],
    )
    .await
    .map_err(|e| js_storage("unwrapping the store key (WebCrypto)", &e))?;
    // The key's bytes are copied out of JavaScript's heap and wiped there at once.
    let raw = Uint8Array::new(&raw);
    let copy = zeroize::Zeroizing::new(raw.to_vec());
    raw.fill(0, 0, raw.length());
    store_key_of(&copy).map(Some)
}
