//! The binding's side of persistence: group commit over the IndexedDB store in browsers and
//! the on-disk store in Node (the rules are [`crate::persist::group`]'s; here is only the
//! I/O), and the JavaScript methods for the audit trail, backups and seed files.

use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::errors::to_js_error;
use super::idb::IdbStore;
use super::nodefs::{NodeDir, NodeFiles};
use super::{core_over, to_js, Core, JsKms, Outcome};
use crate::audit::trail::Query;
use crate::audit::EventSelector;
use crate::env::OsEntropy;
use crate::persist::fs::DataDir;
use crate::persist::group::{run_group, GroupStore, Written};
use crate::persist::{GroupedStore, LogBackend, Shared, StoreKey};
use crate::service::options::{backup_passphrase, Options};
use crate::{Config, KmsError};

/// An open IndexedDB store and the configuration of a core over it.
pub(super) struct IdbState {
    pub(super) store: IdbStore,
    config: Config,
}

/// An open data directory (Node): its journal, flushed once for a group of calls, and what it
/// takes to read it again.
pub(super) struct DiskState {
    log: Shared<LogBackend<NodeDir>>,
    key: StoreKey,
    config: Config,
}

/// A group of calls (`run(i)` runs call `i` in the core) against the IndexedDB store.
struct IdbGroup<'a, F> {
    kms: &'a JsKms,
    idb: &'a IdbState,
    run: F,
}

impl<F: Fn(usize) -> Outcome> GroupStore for IdbGroup<'_, F> {
    type Out = Outcome;
    fn stale(&self) -> bool {
        self.idb.store.stale()
    }
    async fn reload(&self) -> Result<(), KmsError> {
        self.kms.reload_idb(self.idb).await
    }
    fn invalidate(&self) {
        self.idb.store.invalidate();
    }
    fn run(&self, i: usize) -> Outcome {
        (self.run)(i)
    }
    async fn write(&self) -> Result<Written, KmsError> {
        self.idb.store.write().await
    }
}

impl JsKms {
    /// `Kms.open` of the data directory `path` (Node).
    pub(super) fn open_dir(mut options: Options, path: &str) -> Result<JsKms, JsValue> {
        let files = NodeFiles::get_or_refuse()?;
        let (store, log, key) = DataDir::open_grouped(files, path, options.passphrase.take())?;
        let dir = log.with(|l| Ok(l.dir_mut().path().to_owned()))?;
        let kms = JsKms::over(&options, Box::new(store), Some(dir))?;
        let config = options.config();
        *kms.shared.disk.borrow_mut() = Some(Rc::new(DiskState { log, key, config }));
        // A new store's first settings (the audit digest key) are written now.
        kms.flush_disk()?;
        Ok(kms)
    }

    /// `Kms.open` of the IndexedDB store `name`.
    pub(super) async fn open_indexed_db(
        mut options: Options,
        name: &str,
    ) -> Result<JsKms, JsValue> {
        let passphrase = options.take_passphrase();
        let (store, sealed) = super::idb::open(name, passphrase.as_ref()).await?;
        let kms = JsKms::over(&options, Box::new(sealed), None)?;
        let config = options.config();
        *kms.shared.idb.borrow_mut() = Some(Rc::new(IdbState { store, config }));
        // A new store's first settings (the audit digest key) are written now; a page that
        // lost the race to another page's first write reloads and takes that page's.
        kms.run_group(0, |_| Ok(JsValue::UNDEFINED)).await?;
        Ok(kms)
    }

    /// The IndexedDB store, if this KMS has one.
    pub(super) fn idb(&self) -> Option<Rc<IdbState>> {
        self.shared.idb.borrow().clone()
    }

    /// The data directory's store, if this KMS has one.
    pub(super) fn disk(&self) -> Option<Rc<DiskState>> {
        self.shared.disk.borrow().clone()
    }

    /// Puts `core` in place of the one every view shares.
    fn replace_core(&self, core: Core) -> Result<(), KmsError> {
        let mut slot = self.core.try_borrow_mut().map_err(|_| {
            KmsError::Internal("The KMS was reloaded from inside one of its own calls.".to_owned())
        })?;
        *slot = core;
        Ok(())
    }

    /// Replaces the core with one over the store as IndexedDB holds it now (another page wrote,
    /// or a write of this page's failed and memory must drop what the database did not take).
    async fn reload_idb(&self, idb: &IdbState) -> Result<(), KmsError> {
        let sealed = idb.store.load().await?;
        self.replace_core(core_over(&idb.config, Box::new(sealed))?)
    }

    /// Writes what the on-disk calls since the last flush committed (one append, at most one
    /// fsync) and settles their promises. A failed flush reads the store again (memory then
    /// holds what the files do) and fails them all with its error.
    pub(super) fn flush_disk(&self) -> Result<(), KmsError> {
        let Some(disk) = self.disk() else {
            return Ok(());
        };
        let waiting = self.queue.take_unflushed();
        let flushed = disk.log.with(|l| l.flush());
        if flushed.is_err() {
            // If the files cannot be read back, the journal takes no commit (so no call
            // succeeds) until a later flush reads them.
            let _ = GroupedStore::reopen(&disk.log, &disk.key, Box::new(OsEntropy))
                .and_then(|store| core_over(&disk.config, Box::new(store)))
                .and_then(|core| self.replace_core(core));
        }
        for (settle, out) in waiting {
            settle.done(match &flushed {
                Ok(()) => out,
                Err(e) => Err(to_js_error(e)),
            });
        }
        flushed
    }

    /// Runs a group of `calls` calls (`run(i)` runs call `i` in the core; none, to write the
    /// commits made outside any call) and writes what they committed: at once in memory, with
    /// one flush on disk, in one transaction in IndexedDB (run again after another page's
    /// write). Each call's outcome, or the error that fails them all.
    pub(super) async fn run_group(
        &self,
        calls: usize,
        run: impl Fn(usize) -> Outcome,
    ) -> Result<Vec<Outcome>, JsValue> {
        let Some(idb) = self.idb() else {
            let outs = (0..calls).map(run).collect();
            // (On disk this settles any call run at once since the last flush too.)
            self.flush_disk()?;
            return Ok(outs);
        };
        let group = IdbGroup {
            kms: self,
            idb: &idb,
            run,
        };
        Ok(run_group(&group, calls).await?)
    }

    /// Runs `f` (work outside the operation pipeline: a seed, a digest) on an up-to-date core and
    /// writes what it committed, like a call. (What a seed that failed part-way created stays,
    /// as it would on disk; a seed loaded again goes on from there.)
    async fn write_through(&self, f: impl Fn(&mut Core) -> Result<JsValue, KmsError>) -> Outcome {
        let mut outs = self.run_group(1, |_| self.with_core(&f)).await?;
        outs.pop().unwrap_or(Ok(JsValue::UNDEFINED))
    }

    /// Writes a change made outside a call (the clock's setting): on disk at once, to
    /// IndexedDB in its turn.
    pub(super) fn write_later(&self) -> Result<(), JsValue> {
        if self.idb().is_none() {
            return self.flush_disk().map_err(JsValue::from);
        }
        let _ = self.queued(|this| async move {
            this.run_group(0, |_| Ok(JsValue::UNDEFINED)).await?;
            Ok(JsValue::UNDEFINED)
        });
        Ok(())
    }

    /// Brings this page's memory up to date if another page wrote since.
    async fn refresh(&self, idb: &IdbState) -> Result<(), JsValue> {
        if idb.store.stale() {
            self.reload_idb(idb).await?;
        }
        Ok(())
    }

    /// Queues the selection of the events `query` (a JavaScript value) selects, resolving to
    /// what `shape` makes of them.
    fn select_as(
        &self,
        query: JsValue,
        shape: impl FnOnce(Vec<serde_json::Value>) -> Result<JsValue, KmsError> + 'static,
    ) -> Promise {
        let query = parse_query(query);
        self.queued(move |this| async move {
            let query = query?;
            let selected = this
                .with_events(|core, events| match events {
                    None => core.audit_query(&query),
                    Some(events) => EventSelector::select(&query, &events),
                })
                .await?;
            Ok(shape(selected)?)
        })
    }

    /// The stored audit events as a binding reads them: from IndexedDB, or through the core.
    async fn with_events<T>(
        &self,
        scan: impl FnOnce(&mut Core, Option<Vec<crate::store::StoredEvent>>) -> Result<T, KmsError>,
    ) -> Result<T, JsValue> {
        let events = match self.idb() {
            Some(idb) => {
                self.refresh(&idb).await?;
                Some(idb.store.events().await?)
            }
            None => None,
        };
        self.with_core(|core| scan(core, events))
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
        self.select_as(query, |selected| to_js(&selected))
    }

    /// The selected events in CloudTrail's log file shape, `{ Records: [...] }`.
    #[wasm_bindgen(js_name = exportAudit, unchecked_return_type = "Promise<{ Records: AuditEvent[] }>")]
    pub fn export_audit(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "AuditQuery")] query: JsValue,
    ) -> Promise {
        self.select_as(query, |selected| {
            to_js(&crate::audit::trail::export(selected.iter()))
        })
    }

    /// Checks the stored trail against its hash chain, digests and head: `{ eventsChecked,
    /// digestsChecked, problems: [{ kind, seq, eventId, detail }] }`, where `kind` is `edited`,
    /// `removed`, `inserted`, `reordered`, `digestInvalid` or `digestMissing`.
    #[wasm_bindgen(js_name = verifyAudit, unchecked_return_type = "Promise<AuditVerification>")]
    pub fn verify_audit(&self) -> Promise {
        self.queued(|this| async move {
            this.with_events(|core, events| {
                let report = match events {
                    None => core.audit_verify()?,
                    Some(events) => core.verify_events(&events),
                };
                to_js(&report)
            })
            .await
        })
    }

    /// Writes a digest record now for the events since the last one (one is written every
    /// 1,000 events anyway); resolves to it, or `null` if there was nothing new.
    #[wasm_bindgen(js_name = auditDigest, unchecked_return_type = "Promise<object | null>")]
    pub fn audit_digest(&self) -> Promise {
        self.queued(|this| async move {
            this.write_through(|core| {
                core.audit_digest()
                    .and_then(|d| to_js(&d.unwrap_or(serde_json::Value::Null)))
            })
            .await
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
        self.queued(move |this| async move {
            let passphrase = passphrase?;
            let iterations = crate::persist::seal::MIN_PBKDF2_ITERATIONS;
            let bytes = match this.idb() {
                None => {
                    this.with_core(|core| core.store_mut().export_backup(&passphrase, iterations))?
                }
                Some(idb) => {
                    this.refresh(&idb).await?;
                    idb.store.backup(&passphrase, iterations).await?
                }
            };
            Ok(js_sys::Uint8Array::from(bytes.as_slice()).into())
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
        self.queued(move |this| async move {
            let text = text?;
            this.write_through(|core| core.seed_json(&text).and_then(|r| to_js(&r)))
                .await
        })
    }
}
