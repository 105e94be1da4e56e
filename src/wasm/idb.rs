//! The browser store's [`store::Database`] in IndexedDB (through the `idb` crate): the root key
//! is a non-extractable WebCrypto AES-GCM key stored as itself, never as bytes, and a
//! `BroadcastChannel` tells the other pages that the store moved on. The rules are
//! [`crate::persist::browser`]'s; this moves the bytes. A write is one read-write transaction in
//! which nothing is awaited but its own requests, so that it cannot commit early.

use idb::{
    Database, DatabaseEvent, Factory, ObjectStore, Transaction, TransactionMode, TransactionResult,
};
use js_sys::{Array, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use std::future::IntoFuture;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{BroadcastChannel, CryptoKey};
use zeroize::Zeroizing;

use super::js::{bytes_of, call_subtle, invoke, object, take_buffer};
use crate::error::{KmsError, Result};
use crate::persist::browser::store::{self, BrowserStore};
use crate::persist::browser::{
    changed_records, database_name, generation_of, Passphrase, RootEntry, DB_VERSION, EVENTS,
    GENERATION, KEYRING, KEYRING_AAD, META, RECORDS, ROOT, SNAPSHOT,
};
use crate::persist::pages::{PageState, Stored, WritePlan};
use crate::persist::{backup, Outbox, SealedStore};

const READ_WRITE: TransactionMode = TransactionMode::ReadWrite;

fn storage(what: &str, e: impl std::fmt::Debug) -> KmsError {
    KmsError::Storage(format!("IndexedDB: {what} failed ({e:?})"))
}

/// WebCrypto failed while `what` was under way.
fn js_storage(what: &str, e: &JsValue) -> KmsError {
    let text = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.name()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "error".to_owned());
    KmsError::Storage(format!("IndexedDB: {what} failed ({text})"))
}

/// An `idb` result as the core's, saying what failed.
trait During<T> {
    fn during(self, what: &str) -> Result<T>;
}

impl<T> During<T> for std::result::Result<T, idb::Error> {
    fn during(self, what: &str) -> Result<T> {
        self.map_err(|e| storage(what, e))
    }
}

/// An `idb` request, made and awaited.
async fn done<T, R>(request: std::result::Result<R, idb::Error>, what: &str) -> Result<T>
where
    R: IntoFuture<Output = std::result::Result<T, idb::Error>>,
{
    request.during(what)?.await.during(what)
}

fn name_js(name: &str) -> JsValue {
    JsValue::from_str(name)
}

/// The value of the `meta` entry `name`.
async fn meta_get(meta: &ObjectStore, name: &str, what: &str) -> Result<Option<JsValue>> {
    done(meta.get(name_js(name)), what).await
}

/// The bytes of a value read back (`what` names it if it is not bytes).
fn bytes_or(v: Option<JsValue>, what: &str) -> Result<Option<Vec<u8>>> {
    v.map(|v| {
        bytes_of(&v).ok_or_else(|| KmsError::Storage(format!("IndexedDB: {what} is not bytes")))
    })
    .transpose()
}

fn generation_js(v: Option<JsValue>) -> u64 {
    generation_of(v.and_then(|v| v.as_f64()))
}

/// AES-GCM `method` (`encrypt`, `decrypt`) of `data` under the root `CryptoKey`. WebCrypto
/// copies its input when it is called: the copy on JavaScript's heap is wiped then, and the
/// output once copied out.
async fn aes_gcm(
    method: &str,
    root: &JsValue,
    iv: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, JsValue> {
    let params = object(&[
        ("name", "AES-GCM".into()),
        ("iv", Uint8Array::from(iv).into()),
        ("additionalData", Uint8Array::from(KEYRING_AAD).into()),
    ]);
    let input = Uint8Array::from(data);
    let out = call_subtle(method, &[params, root.clone(), input.clone().into()]).await;
    input.fill(0, 0, input.length());
    take_buffer(&out?).ok_or_else(|| JsValue::from_str("not an ArrayBuffer"))
}

/// A write plan's values as JavaScript values, made before its transaction opens.
struct Values {
    snapshot: Option<Uint8Array>,
    puts: Vec<(JsValue, Uint8Array)>,
    events: Vec<(JsValue, Uint8Array)>,
    next: JsValue,
}

impl Values {
    fn of(plan: &WritePlan) -> Values {
        let named = |(k, v): &(String, Vec<u8>)| (name_js(k), Uint8Array::from(&v[..]));
        let numbered =
            |(k, v): &(u64, Vec<u8>)| (JsValue::from_f64(*k as f64), Uint8Array::from(&v[..]));
        Values {
            snapshot: plan.snapshot.as_deref().map(Uint8Array::from),
            puts: plan.puts.iter().map(named).collect(),
            events: plan.events.iter().map(numbered).collect(),
            next: JsValue::from_f64(plan.next() as f64),
        }
    }

    /// Issues the writes in `tx`: a snapshot replaces the changed records; then the records,
    /// the events and the next generation.
    fn put(&self, tx: &Transaction, what: &str) -> Result<()> {
        let meta = tx.object_store(META).during(what)?;
        let records = tx.object_store(RECORDS).during(what)?;
        if let Some(snapshot) = &self.snapshot {
            meta.put(snapshot, Some(&name_js(SNAPSHOT))).during(what)?;
            records.clear().during(what)?;
        }
        for (name, value) in &self.puts {
            records.put(value, Some(name)).during(what)?;
        }
        let events = tx.object_store(EVENTS).during(what)?;
        for (seq, value) in &self.events {
            events.put(value, Some(seq)).during(what)?;
        }
        meta.put(&self.next, Some(&name_js(GENERATION)))
            .during(what)?;
        Ok(())
    }
}

/// Posts the newest generation on `channel` (and forgets it).
fn post(channel: &BroadcastChannel, newest: &Cell<f64>) {
    let _ = channel.post_message(&object(&[("generation", newest.replace(0.0).into())]));
}

/// The store `name` in IndexedDB, as one page sees it.
pub type IdbStore = BrowserStore<IdbDatabase>;

/// One page's IndexedDB database of a store, and its channel to the other pages.
pub struct IdbDatabase {
    db: Database,
    channel: Option<BroadcastChannel>,
    /// The generation to announce on the channel once the current task is done (0: none).
    announcing: Rc<Cell<f64>>,
    _listener: Option<Closure<dyn FnMut(JsValue)>>,
}

impl IdbDatabase {
    /// The database of the store `name`, created (with its object stores) if need be.
    async fn open(name: &str) -> Result<IdbDatabase> {
        let what = "opening the database";
        let factory = Factory::new().during("opening IndexedDB")?;
        let mut request = factory
            .open(&database_name(name), Some(DB_VERSION))
            .during(what)?;
        request.on_upgrade_needed(|event| {
            if let Ok(db) = event.database() {
                for store in [RECORDS, EVENTS, META] {
                    if !db.store_names().iter().any(|s| s == store) {
                        let _ = db.create_object_store(store, idb::ObjectStoreParams::new());
                    }
                }
            }
        });
        Ok(IdbDatabase {
            db: request.await.during(what)?,
            channel: None,
            announcing: Rc::default(),
            _listener: None,
        })
    }

    /// Closes the database and the channel.
    pub fn close(&self) {
        if let Some(channel) = &self.channel {
            channel.close();
        }
        self.db.close();
    }
}

/// Opens (or creates) the store `name`, with a channel on which the page hears of other pages'
/// writes (see [`BrowserStore::open`]).
pub async fn open(
    name: &str,
    passphrase: Option<&Passphrase>,
) -> Result<(IdbStore, SealedStore<Outbox>)> {
    let mut db = IdbDatabase::open(name).await?;
    let state = Rc::new(RefCell::new(PageState::default()));
    let heard = Rc::clone(&state);
    let listener = Closure::new(move |event: JsValue| {
        let g = Reflect::get(&event, &"data".into())
            .and_then(|d| Reflect::get(&d, &"generation".into()))
            .ok();
        // The state is never borrowed across an await, so never while this runs.
        if let Ok(state) = heard.try_borrow() {
            state.hear(generation_js(g));
        }
    });
    db.channel = BroadcastChannel::new(&database_name(name)).ok();
    if let Some(channel) = &db.channel {
        channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
    }
    db._listener = Some(listener);
    BrowserStore::open(db, state, passphrase).await
}

/// Restores the backup `contents` into the store `name` (see [`store::restore`]).
pub async fn restore(
    name: &str,
    contents: &backup::Contents,
    passphrase: Option<&Passphrase>,
) -> Result<()> {
    let db = IdbDatabase::open(name).await?;
    let restored = store::restore(&db, name, contents, passphrase).await;
    db.close();
    restored
}

impl store::Database for IdbDatabase {
    type Root = JsValue;

    async fn read(&self) -> Result<Stored> {
        let what = "reading the store";
        let tx = self
            .db
            .transaction(&[RECORDS, META], TransactionMode::ReadOnly)
            .during(what)?;
        let meta = tx.object_store(META).during(what)?;
        let snapshot = meta_get(&meta, SNAPSHOT, "reading the snapshot").await?;
        let records = tx.object_store(RECORDS).during(what)?;
        let names = done(records.get_all_keys(None, None), "reading record names").await?;
        let values = done(records.get_all(None, None), "reading records").await?;
        let generation = meta_get(&meta, GENERATION, "reading the generation").await?;
        let _ = tx.await;
        Ok(Stored {
            snapshot: bytes_or(snapshot, "the snapshot")?,
            changed: changed_records(
                names.iter().map(JsValue::as_string).collect(),
                values.iter().map(bytes_of).collect(),
            )?,
            generation: generation_js(generation),
        })
    }

    async fn write(&self, plan: &WritePlan) -> Result<Option<u64>> {
        // Everything is encoded before the transaction opens: inside it, only its own requests
        // are awaited.
        let values = Values::of(plan);
        let what = "writing";
        let tx = self
            .db
            .transaction(&[RECORDS, EVENTS, META], READ_WRITE)
            .during("opening a write")?;
        // The check is read first and every write issued behind it at once (one round trip,
        // not two); a generation that is not this page's aborts the whole transaction, which
        // writes nothing.
        let meta = tx.object_store(META).during(what)?;
        let current = meta.get(name_js(GENERATION)).during(what)?.into_future();
        values.put(&tx, what)?;
        let current = generation_js(current.await.during(what)?);
        if current != plan.expected {
            let _ = tx.abort();
            return Ok(Some(current));
        }
        match tx.commit().during(what)?.await {
            Ok(TransactionResult::Committed) => Ok(None),
            Ok(TransactionResult::Aborted) => Err(KmsError::Storage(
                "IndexedDB: the write was aborted".to_owned(),
            )),
            Err(e) => Err(storage(what, e)),
        }
    }

    async fn events(&self) -> Result<Vec<Option<Vec<u8>>>> {
        let what = "reading events";
        let tx = self
            .db
            .transaction(&[EVENTS], TransactionMode::ReadOnly)
            .during(what)?;
        let values = done(
            tx.object_store(EVENTS).during(what)?.get_all(None, None),
            what,
        )
        .await?;
        let _ = tx.await;
        Ok(values.iter().map(bytes_of).collect())
    }

    async fn read_key(&self) -> Result<(Option<JsValue>, RootEntry, Option<Vec<u8>>)> {
        let what = "reading the store key";
        let tx = self
            .db
            .transaction(&[META], TransactionMode::ReadOnly)
            .during(what)?;
        let meta = tx.object_store(META).during(what)?;
        let root = meta_get(&meta, ROOT, what).await?;
        let keyring = bytes_or(
            meta_get(&meta, KEYRING, what).await?,
            "the wrapped store key",
        )?;
        let _ = tx.await;
        let entry = match &root {
            None => RootEntry::Absent,
            Some(r) if r.dyn_ref::<CryptoKey>().is_some_and(|k| !k.extractable()) => {
                RootEntry::CryptoKey
            }
            Some(_) => RootEntry::Other,
        };
        Ok((root, entry, keyring))
    }

    async fn keep_key(
        &self,
        root: Option<&JsValue>,
        keyring: &[u8],
        restore: Option<&WritePlan>,
    ) -> Result<bool> {
        let restored = restore.map(Values::of);
        let keyring = Uint8Array::from(keyring);
        let what = "keeping the store key";
        let tx = self
            .db
            .transaction(&[RECORDS, EVENTS, META], READ_WRITE)
            .during(what)?;
        let meta = tx.object_store(META).during(what)?;
        let mut held = u32::from(meta_get(&meta, KEYRING, what).await?.is_some());
        if restored.is_some() {
            held += u32::from(meta_get(&meta, SNAPSHOT, what).await?.is_some());
            held += done(tx.object_store(RECORDS).during(what)?.count(None), what).await?;
        }
        if held > 0 {
            let _ = tx.abort();
            return Ok(false);
        }
        if let Some(root) = root {
            meta.put(root, Some(&name_js(ROOT))).during(what)?;
        }
        meta.put(&keyring, Some(&name_js(KEYRING))).during(what)?;
        if let Some(values) = &restored {
            values.put(&tx, what)?;
        }
        match tx.commit().during(what)?.await {
            Ok(TransactionResult::Committed) => Ok(true),
            _ => Err(KmsError::Storage(
                "IndexedDB: the store key could not be kept".to_owned(),
            )),
        }
    }

    async fn new_root(&self) -> Result<JsValue> {
        let params = object(&[("name", "AES-GCM".into()), ("length", 256.into())]);
        let usages: Array = ["encrypt", "decrypt"]
            .iter()
            .map(|u| JsValue::from(*u))
            .collect();
        call_subtle("generateKey", &[params, JsValue::FALSE, usages.into()])
            .await
            .map_err(|e| js_storage("making the root key (WebCrypto)", &e))
    }

    async fn wrap(&self, root: &JsValue, iv: &[u8], key: &[u8]) -> Result<Vec<u8>> {
        let sealed = aes_gcm("encrypt", root, iv, key).await;
        Ok(sealed
            .map_err(|e| js_storage("wrapping the store key (WebCrypto)", &e))?
            .to_vec())
    }

    async fn unwrap(&self, root: &JsValue, iv: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let raw = aes_gcm("decrypt", root, iv, sealed).await;
        raw.map_err(|e| js_storage("unwrapping the store key (WebCrypto)", &e))
    }

    /// Once the calls just written have settled and the next group's transaction is under way
    /// (a `setTimeout` of 0), with the newest generation then. (A page that has not heard yet
    /// is still safe: its write is refused by the generation check.)
    fn announce(&self, generation: u64) {
        let scheduled = self.announcing.replace(generation as f64) > 0.0;
        let Some(channel) = self.channel.clone().filter(|_| !scheduled) else {
            return;
        };
        let newest = Rc::clone(&self.announcing);
        let later = Closure::once_into_js(move || post(&channel, &newest));
        if invoke(&js_sys::global(), "setTimeout", &[later, 0.into()]).is_err() {
            if let Some(channel) = &self.channel {
                post(channel, &self.announcing);
            }
        }
    }
}
