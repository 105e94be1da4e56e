//! The browser store: the sealed records of [`crate::persist`] in IndexedDB (through the `idb`
//! crate), the store key wrapped by a non-extractable WebCrypto AES-GCM key that is kept in the
//! same database (a `CryptoKey` is stored as itself, never as bytes), and several pages on one
//! store kept in step.
//!
//! Object stores: `records` (name → sealed record, or an empty tombstone for a removed one: the
//! records changed since the snapshot), `events` (sequence number → audit event), `meta`
//! (`root`: the `CryptoKey`, absent for a store under a passphrase; `keyring`: the wrapped store
//! key; `snapshot`: every record as of the last fold, in one value, as in the on-disk snapshot
//! file; `generation`: a counter every write raises). What to read, what to write and when a
//! page is behind are the rules of [`crate::persist::pages`]; this module moves the bytes.
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
use std::future::IntoFuture;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::{KmsError, Result};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::persist::group::Written;
use crate::persist::log::encode_snapshot;
use crate::persist::pages::{event_values, merge, read_event_value, PageState, Stored};
use crate::persist::{
    backup, seal, wrap_under, Commit, Outbox, Root, RootKind, SealedStore, StoreKey,
};
use crate::store::StoredEvent;

const RECORDS: &str = "records";
const EVENTS: &str = "events";
const META: &str = "meta";
const DB_VERSION: u32 = 1;
/// The `meta` entry that holds the snapshot: every record as of the last compaction, in one
/// value (one read at open instead of one per record).
const SNAPSHOT: &str = "snapshot";
/// The `meta` entry that holds the generation.
const GENERATION: &str = "generation";

// No `inline_js` here: the Node (CommonJS) build cannot load such snippets, and no
// `new Function` either, which a page's Content-Security-Policy forbids. Every JavaScript API is
// reached through `Reflect`.

fn global_member(name: &str) -> Option<JsValue> {
    Reflect::get(&js_sys::global(), &name.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// Calls `target[method](...args)`.
fn invoke(
    target: &JsValue,
    method: &str,
    args: &[JsValue],
) -> std::result::Result<JsValue, JsValue> {
    let f: Function = Reflect::get(target, &method.into())?.dyn_into()?;
    let args: Array = args.iter().collect();
    Reflect::apply(&f, target, &args)
}

/// Calls `crypto.subtle[method](...args)` and awaits it.
async fn subtle(method: &str, args: &[JsValue]) -> std::result::Result<JsValue, JsValue> {
    let crypto = global_member("crypto").ok_or_else(|| JsValue::from_str("no crypto"))?;
    let subtle = Reflect::get(&crypto, &"subtle".into())?;
    if !subtle.is_object() {
        return Err(JsValue::from_str(
            "no crypto.subtle (a page served over plain HTTP from another host)",
        ));
    }
    let promise: js_sys::Promise = invoke(&subtle, method, args)?.dyn_into()?;
    JsFuture::from(promise).await
}

fn object(members: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in members {
        let _ = Reflect::set(&o, &(*k).into(), v);
    }
    o.into()
}

fn aes_gcm(iv: &[u8], aad: &[u8]) -> JsValue {
    object(&[
        ("name", "AES-GCM".into()),
        ("iv", Uint8Array::from(iv).into()),
        ("additionalData", Uint8Array::from(aad).into()),
    ])
}

/// A new non-extractable AES-256-GCM `CryptoKey`.
async fn root_key_new() -> std::result::Result<JsValue, JsValue> {
    let usages: Array = ["encrypt", "decrypt"]
        .iter()
        .map(|u| JsValue::from_str(u))
        .collect();
    subtle(
        "generateKey",
        &[
            object(&[("name", "AES-GCM".into()), ("length", 256.into())]),
            JsValue::FALSE,
            usages.into(),
        ],
    )
    .await
}

async fn root_seal(
    key: &JsValue,
    iv: &[u8],
    aad: &[u8],
    data: &[u8],
) -> std::result::Result<JsValue, JsValue> {
    let input = Uint8Array::from(data);
    let out = subtle(
        "encrypt",
        &[aes_gcm(iv, aad), key.clone(), input.clone().into()],
    )
    .await;
    // WebCrypto copied the secret when it was called: the copy on JavaScript's heap is wiped.
    input.fill(0, 0, input.length());
    Ok(Uint8Array::new(&out?).into())
}

async fn root_open(
    key: &JsValue,
    iv: &[u8],
    aad: &[u8],
    data: &[u8],
) -> std::result::Result<JsValue, JsValue> {
    let out = subtle(
        "decrypt",
        &[aes_gcm(iv, aad), key.clone(), Uint8Array::from(data).into()],
    )
    .await?;
    Ok(Uint8Array::new(&out).into())
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
fn announce(channel: &JsValue, newest: &Rc<std::cell::Cell<f64>>, generation: f64) {
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

fn channel_close(ch: &JsValue) {
    if ch.is_object() {
        let _ = invoke(ch, "close", &[]);
    }
}

/// The associated data of the wrapped store key.
const KEYRING_AAD: &[u8] = b"wasm-kms store key v1\0webcrypto";

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

fn bytes_of(v: &JsValue) -> Option<Vec<u8>> {
    v.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec)
}

/// A generation as IndexedDB keeps it (a number; none yet is 0).
fn generation_of(v: Option<JsValue>) -> u64 {
    v.and_then(|v| v.as_f64())
        .filter(|g| g.is_finite() && *g >= 0.0)
        .map_or(0, |g| g as u64)
}

/// One open store in IndexedDB, as one page sees it.
pub struct IdbStore {
    db: Database,
    /// Its generation, records and changed names (shared with the channel's listener).
    state: Rc<RefCell<PageState>>,
    channel: JsValue,
    /// The generation to announce on the channel once the current task is done (0: none).
    announcing: Rc<std::cell::Cell<f64>>,
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
        let db_name = database_name(name);
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
                    state.hear(generation_of(g));
                }
            })
        };
        let channel = channel_open(&db_name, &listener);
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
        let tx = self
            .db
            .transaction(&[RECORDS, META], TransactionMode::ReadOnly)
            .map_err(|e| storage("reading the store", e))?;
        let meta = tx
            .object_store(META)
            .map_err(|e| storage("reading the store", e))?;
        let snapshot = meta
            .get(JsValue::from_str(SNAPSHOT))
            .map_err(|e| storage("reading the snapshot", e))?
            .await
            .map_err(|e| storage("reading the snapshot", e))?;
        let records = tx
            .object_store(RECORDS)
            .map_err(|e| storage("reading the store", e))?;
        let names = records
            .get_all_keys(None, None)
            .map_err(|e| storage("reading record names", e))?
            .await
            .map_err(|e| storage("reading record names", e))?;
        let values = records
            .get_all(None, None)
            .map_err(|e| storage("reading records", e))?
            .await
            .map_err(|e| storage("reading records", e))?;
        let generation = meta
            .get(JsValue::from_str(GENERATION))
            .map_err(|e| storage("reading the generation", e))?
            .await
            .map_err(|e| storage("reading the generation", e))?;
        let _ = tx.await;
        let snapshot = match snapshot {
            None => None,
            Some(v) => Some(bytes_of(&v).ok_or_else(|| {
                KmsError::Storage("IndexedDB: the snapshot is not bytes".to_owned())
            })?),
        };
        if names.len() != values.len() {
            return Err(KmsError::Storage(
                "IndexedDB: the record names and values do not match".to_owned(),
            ));
        }
        let mut changed = Vec::with_capacity(names.len());
        for (name, value) in names.iter().zip(values.iter()) {
            let name = name.as_string().ok_or_else(|| {
                KmsError::Storage("IndexedDB: a record has a name that is not text".to_owned())
            })?;
            let bytes = bytes_of(value)
                .ok_or_else(|| KmsError::Storage(format!("stored record `{name}` is not bytes")))?;
            changed.push((name, bytes));
        }
        Ok(Stored {
            snapshot,
            changed,
            generation: generation_of(generation),
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
        let events: Vec<(JsValue, Uint8Array)> = plan
            .events
            .iter()
            .map(|(seq, bytes)| (JsValue::from_f64(*seq as f64), js_bytes(bytes)))
            .collect();
        let tx = self
            .db
            .transaction(&[RECORDS, EVENTS, META], TransactionMode::ReadWrite)
            .map_err(|e| storage("opening a write", e))?;
        let fail = |e| storage("writing", e);
        let meta = tx.object_store(META).map_err(fail)?;
        // The check is read first and every write issued behind it at once (one round trip,
        // not two); a generation that is not this page's aborts the whole transaction, which
        // writes nothing.
        let current = meta
            .get(JsValue::from_str(GENERATION))
            .map_err(fail)?
            .into_future();
        let records = tx.object_store(RECORDS).map_err(fail)?;
        if let Some(snapshot) = &snapshot {
            meta.put(snapshot, Some(&JsValue::from_str(SNAPSHOT)))
                .map_err(fail)?;
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
        meta.put(
            &JsValue::from_f64(next as f64),
            Some(&JsValue::from_str(GENERATION)),
        )
        .map_err(fail)?;
        let current = generation_of(current.await.map_err(fail)?);
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
        let tx = self
            .db
            .transaction(&[EVENTS], TransactionMode::ReadOnly)
            .map_err(|e| storage("reading events", e))?;
        let values = tx
            .object_store(EVENTS)
            .map_err(|e| storage("reading events", e))?
            .get_all(None, None)
            .map_err(|e| storage("reading events", e))?
            .await
            .map_err(|e| storage("reading events", e))?;
        let _ = tx.await;
        let mut events = Vec::with_capacity(values.len());
        for (i, v) in values.iter().enumerate() {
            bytes_of(v)
                .and_then(|b| read_event_value(&b, &mut events))
                .ok_or_else(|| {
                    KmsError::Storage(format!("stored audit event value #{i} is not readable"))
                })?;
        }
        Ok(events)
    }

    /// Closes the database and the channel.
    pub fn close(&self) {
        channel_close(&self.channel);
        self.db.close();
    }
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

fn database_name(name: &str) -> String {
    format!("wasm-kms:{name}")
}

/// A passphrase a browser store's key is wrapped by (PBKDF2-HMAC-SHA256, 600,000 iterations
/// for a new store). Zeroized on drop.
pub type Passphrase = zeroize::Zeroizing<Vec<u8>>;

fn passphrase_root(passphrase: &Passphrase) -> Root {
    Root::Passphrase {
        passphrase: passphrase.clone(),
        iterations: seal::MIN_PBKDF2_ITERATIONS,
    }
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
        Some(p) => (None, wrap_under(&passphrase_root(p), key, &mut entropy)?),
        None => {
            let root = root_key_new()
                .await
                .map_err(|e| js_storage("making the root key (WebCrypto)", &e))?;
            let mut iv = [0u8; 12];
            crate::env::Entropy::fill(&mut entropy, &mut iv)?;
            let sealed = root_seal(&root, &iv, KEYRING_AAD, key.secret_bytes())
                .await
                .map_err(|e| js_storage("wrapping the store key (WebCrypto)", &e))?;
            let mut keyring = iv.to_vec();
            keyring.extend(bytes_of(&sealed).unwrap_or_default());
            (Some(root), keyring)
        }
    };
    let snapshot = match contents {
        Some(c) => Some(Uint8Array::from(
            encode_snapshot(0, 0, 0, &c.records)?.as_slice(),
        )),
        None => None,
    };
    let mut events = Vec::new();
    if let Some(c) = contents {
        // A thousand events to a value: a restore is a few hundred puts, not one per event.
        for (seq, value) in event_values(&c.events, 1000)? {
            events.push((JsValue::from_f64(seq as f64), Uint8Array::from(&value[..])));
        }
    }
    let tx = db
        .transaction(&[RECORDS, EVENTS, META], TransactionMode::ReadWrite)
        .map_err(|e| storage("keeping the store key", e))?;
    let fail = |e| storage("keeping the store key", e);
    let meta = tx.object_store(META).map_err(fail)?;
    let existing = meta
        .get(JsValue::from_str("keyring"))
        .map_err(fail)?
        .await
        .map_err(fail)?;
    let store = tx.object_store(RECORDS).map_err(fail)?;
    let held = if contents.is_some() {
        let snapshot = meta
            .get(JsValue::from_str(SNAPSHOT))
            .map_err(fail)?
            .await
            .map_err(fail)?;
        store.count(None).map_err(fail)?.await.map_err(fail)? + u32::from(snapshot.is_some())
    } else {
        0
    };
    if existing.is_some() || held > 0 {
        let _ = tx.abort();
        return Ok(false);
    }
    if let Some(root) = &root {
        meta.put(root, Some(&JsValue::from_str("root")))
            .map_err(fail)?;
    }
    meta.put(
        &Uint8Array::from(keyring.as_slice()),
        Some(&JsValue::from_str("keyring")),
    )
    .map_err(fail)?;
    if let Some(snapshot) = &snapshot {
        meta.put(snapshot, Some(&JsValue::from_str(SNAPSHOT)))
            .map_err(fail)?;
        let event_store = tx.object_store(EVENTS).map_err(fail)?;
        for (seq, bytes) in &events {
            event_store.put(bytes, Some(seq)).map_err(fail)?;
        }
        meta.put(
            &JsValue::from_f64(1.0),
            Some(&JsValue::from_str(GENERATION)),
        )
        .map_err(fail)?;
    }
    match tx.commit().map_err(fail)?.await {
        Ok(TransactionResult::Committed) => Ok(true),
        _ => Err(KmsError::Storage(
            "IndexedDB: the store key could not be kept".to_owned(),
        )),
    }
}

async fn read_store_key(
    db: &Database,
    passphrase: Option<&Passphrase>,
) -> Result<Option<StoreKey>> {
    let tx = db
        .transaction(&[META], TransactionMode::ReadOnly)
        .map_err(|e| storage("reading the store key", e))?;
    let fail = |e| storage("reading the store key", e);
    let meta = tx.object_store(META).map_err(fail)?;
    let root = meta
        .get(JsValue::from_str("root"))
        .map_err(fail)?
        .await
        .map_err(fail)?;
    let keyring = meta
        .get(JsValue::from_str("keyring"))
        .map_err(fail)?
        .await
        .map_err(fail)?;
    let _ = tx.await;
    let Some(keyring) = keyring else {
        return Ok(None);
    };
    let keyring = bytes_of(&keyring).ok_or_else(|| {
        KmsError::Storage("IndexedDB: the wrapped store key is not bytes".to_owned())
    })?;
    let Some(root) = root else {
        // No root key: the store key is wrapped by a passphrase.
        let Some(passphrase) = passphrase else {
            return Err(KmsError::Storage(
                "this store is protected by a passphrase: open it with the option `passphrase`"
                    .to_owned(),
            ));
        };
        let RootKind::Passphrase { salt, iterations } = seal::keyring_kind(&keyring)? else {
            return Err(KmsError::Storage(
                "IndexedDB: the wrapped store key is of no kind this wasm-kms knows".to_owned(),
            ));
        };
        let root = seal::passphrase_root(passphrase, &salt, iterations)?;
        return seal::unwrap_store_key(&keyring, &root)
            .map(Some)
            .map_err(|_| {
                KmsError::Storage("the store does not open with this passphrase".to_owned())
            });
    };
    if passphrase.is_some() {
        return Err(KmsError::Storage(
            "this store is protected by the browser's own key, not a passphrase: open it without one"
                .to_owned(),
        ));
    }
    if !is_crypto_key(&root) {
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
    let raw = root_open(&root, iv, KEYRING_AAD, sealed)
        .await
        .map_err(|e| js_storage("unwrapping the store key (WebCrypto)", &e))?;
    // The key's bytes are copied out of JavaScript's heap and wiped there at once.
    let raw = match raw.dyn_ref::<Uint8Array>() {
        Some(a) => {
            let copy = zeroize::Zeroizing::new(a.to_vec());
            a.fill(0, 0, a.length());
            copy
        }
        None => zeroize::Zeroizing::new(Vec::new()),
    };
    let raw: &[u8; 32] = raw.as_slice().try_into().map_err(|_| {
        KmsError::Storage("IndexedDB: the store key has the wrong length".to_owned())
    })?;
    Ok(Some(StoreKey::from_bytes(raw)?))
}
