//! The binding's side of persistence: the IndexedDB store in browsers (its writes awaited after
//! each call, conflicts with other pages resolved by reloading and running the call again), and
//! the JavaScript methods for the audit trail and seed files, on every kind of store.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::idb::{IdbStore, Passphrase, Written};
use super::{to_js_error, Core, JsClock, JsKms, CLOCK_OFFSET_SETTING};
use crate::audit::trail::Query;
use crate::audit::EventSelector;
use crate::env::{OffsetClock, OsEntropy};
use crate::persist::{Outbox, StoreKey};
use crate::store::Store;
use crate::{Config, KmsError};

/// How often a call that keeps meeting other pages' writes is run again before it fails.
const MAX_CONFLICT_RETRIES: usize = 8;

/// An open IndexedDB store and what it takes to reload it.
pub(super) struct IdbState {
    pub(super) store: IdbStore,
    pub(super) outbox: Outbox,
    pub(super) key: StoreKey,
    pub(super) config: Config,
}

type Job = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// Serializes a value for JavaScript as plain JSON-compatible data.
fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, KmsError> {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    v.serialize(&ser)
        .map_err(|e| KmsError::Internal(format!("A result could not be encoded: {e}")))
}

/// Opens the IndexedDB store `name` and the core over it.
pub(super) async fn open_idb(
    name: &str,
    passphrase: Option<&Passphrase>,
    config: Config,
) -> Result<(Core, Rc<IdbState>), KmsError> {
    let (store, sealed, outbox, key) = IdbStore::open(name, passphrase).await?;
    let core = Core::new(
        config.clone(),
        OffsetClock::new(JsClock),
        OsEntropy,
        Box::new(sealed) as Box<dyn Store>,
    )?;
    Ok((
        core,
        Rc::new(IdbState {
            store,
            outbox,
            key,
            config,
        }),
    ))
}

impl JsKms {
    /// The IndexedDB store, if this KMS has one.
    pub(super) fn idb(&self) -> Option<Rc<IdbState>> {
        self.shared.idb.borrow().clone()
    }

    /// Replaces the core with one over the store as IndexedDB holds it now (another page wrote,
    /// or a write of this page's failed and memory must drop what the database did not take).
    pub(super) async fn reload(&self, idb: &IdbState) -> Result<(), KmsError> {
        let _ = idb.outbox.take();
        let sealed = idb.store.load(idb.key.clone(), idb.outbox.clone()).await?;
        let core = Core::new(
            idb.config.clone(),
            OffsetClock::new(JsClock),
            OsEntropy,
            Box::new(sealed) as Box<dyn Store>,
        )?;
        let offset = stored_offset(&core)?;
        core.clock().advance(offset);
        self.shared.offset.set(offset);
        let mut slot = self.core.try_borrow_mut().map_err(|_| {
            KmsError::Internal("The KMS was reloaded from inside one of its own calls.".to_owned())
        })?;
        *slot = core;
        Ok(())
    }

    /// Writes what the last call queued. `Ok(true)`: durable. `Ok(false)`: another page wrote
    /// first; the store was reloaded and the call must run again. On a failed write the store is
    /// reloaded too (so memory holds nothing the database does not) and the error returned.
    pub(super) async fn write_out(&self, idb: &IdbState) -> Result<bool, KmsError> {
        let commits = idb.outbox.take();
        match idb.store.write(&commits).await {
            Ok(Written::Done) => Ok(true),
            Ok(Written::Conflict) => {
                self.reload(idb).await?;
                Ok(false)
            }
            Err(e) => {
                let _ = self.reload(idb).await;
                Err(e)
            }
        }
    }

    /// Brings this page's memory up to date if another page wrote since.
    pub(super) async fn refresh(&self, idb: &IdbState) -> Result<(), KmsError> {
        if idb.store.stale() {
            self.reload(idb).await?;
        }
        Ok(())
    }

    /// Runs `operation` against the IndexedDB store: refreshes, runs the call in the core,
    /// writes what it queued, and on a conflict with another page reloads and runs it again.
    pub(super) async fn run_idb(
        &self,
        idb: &IdbState,
        operation: &str,
        input: Result<JsValue, KmsError>,
        first: Result<JsValue, JsValue>,
    ) -> Result<JsValue, JsValue> {
        let mut out = first;
        for _ in 0..MAX_CONFLICT_RETRIES {
            if self.write_out(idb).await.map_err(|e| to_js_error(&e))? {
                return out;
            }
            out = self.dispatch(operation, input.clone(), |_| {});
        }
        Err(to_js_error(&KmsError::Internal(
            "The store kept changing under this call (other pages wrote); try again.".to_owned(),
        )))
    }

    /// Runs `job` in its turn among this KMS's calls.
    pub(super) fn queued(&self, job: impl FnOnce(JsKms) -> Job + 'static) -> Promise {
        let this = self.view(self.caller.clone());
        let before = self.queue.tail.borrow_mut().take();
        self.queue.pending.set(self.queue.pending.get() + 1);
        let promise = wasm_bindgen_futures::future_to_promise(async move {
            if let Some(before) = before {
                // Only the order matters here, not how the earlier call ended.
                let _ = JsFuture::from(before).await;
            }
            let queue = Rc::clone(&this.queue);
            let out = job(this).await;
            queue.pending.set(queue.pending.get().saturating_sub(1));
            out
        });
        *self.queue.tail.borrow_mut() = Some(promise.clone());
        promise
    }

    /// Runs `f` (work outside the operation pipeline: a seed, a digest) on an up-to-date core and
    /// writes what it queued; after another page's write, reloads and runs it again.
    async fn write_through(
        &self,
        f: impl Fn(&mut Core) -> Result<JsValue, KmsError>,
    ) -> Result<JsValue, JsValue> {
        if let Some(idb) = self.idb() {
            self.refresh(&idb).await.map_err(|e| to_js_error(&e))?;
        }
        for _ in 0..MAX_CONFLICT_RETRIES {
            let out = self.with_core(&f);
            match self.idb() {
                None => return out,
                // What a seed that failed part-way created stays, as it would on disk; a seed
                // loaded again goes on from there.
                Some(idb) => {
                    if self.write_out(&idb).await.map_err(|e| to_js_error(&e))? {
                        return out;
                    }
                }
            }
        }
        Err(to_js_error(&KmsError::Internal(
            "The store kept changing under this call (other pages wrote); try again.".to_owned(),
        )))
    }

    /// Writes a change made outside a call (the clock's setting) in its turn.
    pub(super) fn write_later(&self) {
        if self.idb().is_none() {
            return;
        }
        let _ = self.queued(|this| {
            Box::pin(async move {
                if let Some(idb) = this.idb() {
                    this.write_out(&idb).await.map_err(|e| to_js_error(&e))?;
                }
                Ok(JsValue::UNDEFINED)
            })
        });
    }

    /// Gives the clock the offset the store keeps (a reopened store's clock shows the time it
    /// showed).
    pub(super) fn restore_clock(&self) -> Result<(), JsValue> {
        let offset = self.with_core(|core| stored_offset(core))?;
        self.with_core(|core| {
            core.clock().advance(offset);
            Ok(())
        })?;
        self.shared.offset.set(offset);
        Ok(())
    }

    /// The events `query` selects, from IndexedDB or through the core.
    async fn select(&self, query: &Query) -> Result<Vec<serde_json::Value>, JsValue> {
        self.with_events(|core, events| match events {
            None => core.audit_query(query),
            Some(events) => {
                let mut s = EventSelector::new(query);
                for e in &events {
                    if !s.offer(e) {
                        break;
                    }
                }
                s.finish()
            }
        })
        .await
    }

    /// The stored audit events as a binding reads them: from IndexedDB, or through the core.
    async fn with_events<T>(
        &self,
        scan: impl FnOnce(&mut Core, Option<Vec<crate::store::StoredEvent>>) -> Result<T, KmsError>,
    ) -> Result<T, JsValue> {
        let events = match self.idb() {
            Some(idb) => {
                self.refresh(&idb).await.map_err(|e| to_js_error(&e))?;
                Some(idb.store.events().await.map_err(|e| to_js_error(&e))?)
            }
            None => None,
        };
        self.with_core(|core| scan(core, events))
    }
}

/// The clock offset a store keeps.
pub(super) fn stored_offset(core: &Core) -> Result<i64, KmsError> {
    match core.setting(CLOCK_OFFSET_SETTING) {
        None => Ok(0),
        Some(v) => v.as_i64().ok_or_else(|| {
            KmsError::Storage(format!(
                "the stored setting `{CLOCK_OFFSET_SETTING}` is not a whole number"
            ))
        }),
    }
}

fn parse_query(query: JsValue) -> Result<Query, KmsError> {
    if query.is_undefined() || query.is_null() {
        return Ok(Query::default());
    }
    let q: Query = serde_wasm_bindgen::from_value(query)
        .map_err(|e| KmsError::Validation(format!("Invalid audit query: {e}")))?;
    q.check().map_err(KmsError::Validation)?;
    Ok(q)
}

#[wasm_bindgen(js_class = Kms)]
impl JsKms {
    /// The stored audit events a query selects (`{ key, eventName, principal, start, end,
    /// limit }`, every member optional; times in ISO 8601), oldest first, as CloudTrail records.
    #[wasm_bindgen(js_name = auditQuery, unchecked_return_type = "Promise<AuditEvent[]>")]
    pub fn audit_query(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "AuditQuery")] query: JsValue,
    ) -> Promise {
        let query = parse_query(query);
        self.queued(move |this| {
            Box::pin(async move {
                let query = query.map_err(|e| to_js_error(&e))?;
                let selected = this.select(&query).await?;
                to_js(&selected).map_err(|e| to_js_error(&e))
            })
        })
    }

    /// The selected events in CloudTrail's log file shape, `{ Records: [...] }`.
    #[wasm_bindgen(js_name = exportAudit, unchecked_return_type = "Promise<{ Records: AuditEvent[] }>")]
    pub fn export_audit(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "AuditQuery")] query: JsValue,
    ) -> Promise {
        let query = parse_query(query);
        self.queued(move |this| {
            Box::pin(async move {
                let query = query.map_err(|e| to_js_error(&e))?;
                let selected = this.select(&query).await?;
                to_js(&crate::audit::trail::export(selected.iter())).map_err(|e| to_js_error(&e))
            })
        })
    }

    /// Checks the stored trail against its hash chain, digests and head: `{ eventsChecked,
    /// digestsChecked, problems: [{ kind, seq, eventId, detail }] }`, where `kind` is `edited`,
    /// `removed`, `inserted`, `reordered`, `digestInvalid` or `digestMissing`.
    #[wasm_bindgen(js_name = verifyAudit, unchecked_return_type = "Promise<AuditVerification>")]
    pub fn verify_audit(&self) -> Promise {
        self.queued(|this| {
            Box::pin(async move {
                this.with_events(|core, events| {
                    let report = match events {
                        None => core.audit_verify()?,
                        Some(events) => core.verify_events(&events),
                    };
                    to_js(&report)
                })
                .await
            })
        })
    }

    /// Writes a digest record now for the events since the last one (one is written every
    /// 1,000 events anyway); resolves to it, or `null` if there was nothing new.
    #[wasm_bindgen(js_name = auditDigest, unchecked_return_type = "Promise<object | null>")]
    pub fn audit_digest(&self) -> Promise {
        self.queued(|this| {
            Box::pin(async move {
                this.write_through(|core| {
                    core.audit_digest()
                        .and_then(|d| to_js(&d.unwrap_or(serde_json::Value::Null)))
                })
                .await
            })
        })
    }

    /// The whole store as one backup, encrypted under `passphrase` (PBKDF2-HMAC-SHA256, 600,000
    /// iterations, AES-256-GCM): every key with all its material, alias, tag, policy and
    /// setting, and the whole audit trail. It opens with `Kms.restoreBackup` into an on-disk
    /// store (Node) or an IndexedDB store (browsers), whichever made it. Only for stores made
    /// with `Kms.open`.
    #[wasm_bindgen(js_name = exportBackup, unchecked_return_type = "Promise<Uint8Array>")]
    pub fn export_backup(&self, passphrase: &str) -> Promise {
        let passphrase = backup_passphrase(passphrase);
        self.queued(move |this| {
            Box::pin(async move {
                let passphrase = passphrase.map_err(|e| to_js_error(&e))?;
                let iterations = crate::persist::seal::MIN_PBKDF2_ITERATIONS;
                let bytes = match this.idb() {
                    None => this.with_core(|core| {
                        core.store_mut().export_backup(&passphrase, iterations)
                    })?,
                    Some(idb) => {
                        this.refresh(&idb).await.map_err(|e| to_js_error(&e))?;
                        let records = idb.store.records().await.map_err(|e| to_js_error(&e))?;
                        let events = idb.store.events().await.map_err(|e| to_js_error(&e))?;
                        crate::persist::backup::seal(
                            &idb.key,
                            &records,
                            &events,
                            &passphrase,
                            iterations,
                            &mut OsEntropy,
                        )
                        .map_err(|e| to_js_error(&e))?
                    }
                };
                Ok(js_sys::Uint8Array::from(bytes.as_slice()).into())
            })
        })
    }

    /// Loads a seed file (its JSON text, or the parsed object): keys with fixed IDs, specs,
    /// tags, aliases and, optionally, fixed key material. Loading it again changes nothing.
    /// Resolves to `{ CreatedKeys, ExistingKeys, CreatedAliases }`.
    #[wasm_bindgen(unchecked_return_type = "Promise<SeedReport>")]
    pub fn seed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | object")] seed: JsValue,
    ) -> Promise {
        let text = match seed.as_string() {
            Some(t) => Ok(t),
            None => js_sys::JSON::stringify(&seed)
                .ok()
                .and_then(|s| s.as_string())
                .ok_or_else(|| KmsError::Validation("the seed is not JSON".to_owned())),
        };
        self.queued(move |this| {
            Box::pin(async move {
                let text = text.map_err(|e| to_js_error(&e))?;
                this.write_through(|core| core.seed_json(&text).and_then(|r| to_js(&r)))
                    .await
            })
        })
    }
}

/// A backup's passphrase: not empty.
pub(super) fn backup_passphrase(passphrase: &str) -> Result<Passphrase, KmsError> {
    if passphrase.is_empty() {
        return Err(KmsError::Validation(
            "A backup needs a passphrase that is not empty".to_owned(),
        ));
    }
    Ok(zeroize::Zeroizing::new(passphrase.as_bytes().to_vec()))
}
