//! The JavaScript binding: convert, call the core, map errors. Nothing else lives here.
//!
//! Inputs and outputs have the shapes of `@aws-sdk/client-kms` (PascalCase members,
//! `Uint8Array` blobs, `Date` timestamps). Every method returns a `Promise`; failures reject with
//! a real `Error` whose `name` is AWS's `__type`, with `$fault` and `$metadata.httpStatusCode`
//! as in the AWS SDK for JavaScript v3.

use js_sys::{Array, ArrayBuffer, Date, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

#[cfg(feature = "bench")]
mod bench;
mod errors;
mod iam;
mod idb;
mod js;
mod json;
pub mod nodefs;
mod persistence;
mod queue;
mod webcrypto;
#[cfg(feature = "bench")]
pub use bench::BenchAesGcm;

use crate::crypto::plan::{Plan, PlanInput};
use crate::persist::fs::DataDir;
use crate::service::engine::Work;
use json::Wire;
use queue::Queue;
use webcrypto::Engine;

use crate::codec::{Format, Timestamp, TIMESTAMP_MEMBERS};
use crate::env::{Clock, OffsetClock, OsEntropy};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::service::options::{
    self, backup_passphrase, check_names, Options, Target, NEW_OPTIONS, OPEN_OPTIONS,
};
use crate::service::{not_an_object, Caller};
use crate::store::{MemoryStore, Store};
use crate::KmsError;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("types.d.ts");

/// JavaScript's clock (`Date.now()`).
#[derive(Clone, Copy, Debug, Default)]
pub struct JsClock;

impl Clock for JsClock {
    fn now(&self) -> Timestamp {
        Timestamp(Date::now() as i64)
    }
}

/// The core: in memory (`new Kms()`) or durable in a data directory (`Kms.open()`).
type Core = crate::Kms<OffsetClock<JsClock>, OsEntropy, Box<dyn Store>>;

/// A core over `store` with this configuration, on the real clock moved by the offset the
/// store keeps.
fn core_over(config: &crate::Config, store: Box<dyn Store>) -> Result<Core, KmsError> {
    let core = Core::new(config.clone(), OffsetClock::new(JsClock), OsEntropy, store)?;
    core.restore_clock()?;
    Ok(core)
}

/// What every view of one KMS shares besides the core.
#[derive(Default)]
struct Shared {
    /// Set by `close()`: every later call is refused.
    closed: Cell<bool>,
    /// The data directory of a durable store (absolute), `None` in memory.
    data_dir: Option<String>,
    /// The IndexedDB store, in browsers.
    idb: RefCell<Option<Rc<persistence::IdbState>>>,
    /// The data directory's store, in Node.
    disk: RefCell<Option<Rc<persistence::DiskState>>>,
}

/// A local AWS KMS.
#[wasm_bindgen(js_name = Kms)]
pub struct JsKms {
    /// One KMS, shared by every view made with `forRegion` and `asService`.
    core: Rc<RefCell<Core>>,
    /// Who this view calls as.
    caller: Caller,
    /// WebCrypto, for the private-key work it does faster (shared by every view).
    engine: Rc<RefCell<Engine>>,
    /// Calls waiting for WebCrypto, so that every call reaches the core in the order it was
    /// made (shared by every view).
    queue: Rc<Queue>,
    /// Closed or not, and the data directory (shared by every view).
    shared: Rc<Shared>,
    /// JavaScript values in and out, or AWS JSON 1.1 bodies (the views `sendJson` makes).
    wire: Wire,
}

/// A plain input object, as the plan reads it.
struct JsMembers<'a>(&'a JsValue);

impl PlanInput for JsMembers<'_> {
    fn string(&self, member: &str) -> Option<String> {
        Reflect::get(self.0, &member.into()).ok()?.as_string()
    }

    fn bytes(&self, member: &str, max: usize) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        let v = Reflect::get(self.0, &member.into()).ok()?;
        v.dyn_ref::<Uint8Array>()
            .filter(|a| usize::try_from(a.length()).is_ok_and(|n| n <= max))
            .map(|a| zeroize::Zeroizing::new(a.to_vec()))
    }
}

/// What WebCrypto could do before `operation` runs with this (already copied) input.
fn plan(operation: &str, input: &JsValue) -> Option<Plan> {
    crate::crypto::plan::plan(crate::Operation::find(operation)?, &JsMembers(input))
}

/// What a call comes to: its output, or the error it rejects with.
type Outcome = Result<JsValue, JsValue>;

/// Serializes a value for JavaScript as plain JSON-compatible data.
fn to_js<T: serde::Serialize + ?Sized>(v: &T) -> Result<JsValue, KmsError> {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    v.serialize(&ser)
        .map_err(|e| KmsError::Internal(format!("A result could not be encoded: {e}")))
}

impl From<KmsError> for JsValue {
    fn from(e: KmsError) -> JsValue {
        errors::to_js_error(&e)
    }
}

/// How deep a request may nest. KMS's deepest shape (`Tags[].TagKey`) is three levels down.
const MAX_INPUT_DEPTH: usize = 16;

/// Copies a caller's input into plain data that serde can read without running caller code:
/// `Date` becomes its epoch milliseconds, a `Map` becomes a plain object, byte arrays and
/// primitives are kept, and anything else (class instances, `Set`, functions, cycles, nesting
/// deeper than [`MAX_INPUT_DEPTH`]) is refused. Every access that can run caller code (getters,
/// `Proxy` traps) goes through `Reflect`, whose failures come back as errors here rather than
/// as exceptions thrown through the module. Objects are copied into objects without a
/// prototype, so a `"__proto__"` key is an ordinary member.
fn plain_input(v: &JsValue, depth: usize) -> Result<JsValue, String> {
    if depth > MAX_INPUT_DEPTH {
        return Err("the request is nested too deeply".to_owned());
    }
    if !v.is_object() {
        return Ok(v.clone());
    }
    if v.is_instance_of::<Uint8Array>() || v.is_instance_of::<ArrayBuffer>() {
        return copy_bytes(v).ok_or_else(|| "a byte array member could not be read".to_owned());
    }
    if let Some(d) = v.dyn_ref::<Date>() {
        return Ok(JsValue::from_f64(d.get_time()));
    }
    let thrown = |_| "a request member could not be read".to_owned();
    if Array::is_array(v) {
        let len = Reflect::get(v, &"length".into()).map_err(thrown)?;
        let len = len.as_f64().unwrap_or(0.0) as u32;
        let out = Array::new();
        for i in 0..len {
            let item = Reflect::get_u32(v, i).map_err(thrown)?;
            out.push(&plain_input(&item, depth + 1)?);
        }
        return Ok(out.into());
    }
    // A null prototype: a "__proto__" key is then an ordinary own property, not a setter.
    let out: Object = Object::create(JsValue::NULL.unchecked_ref::<Object>());
    let put = |key: &JsValue, value: &JsValue| -> Result<(), String> {
        if !key.is_string() {
            return Err("request member names must be strings".to_owned());
        }
        Reflect::set(&out, key, &plain_input(value, depth + 1)?).map_err(thrown)?;
        Ok(())
    };
    if let Some(map) = v.dyn_ref::<js_sys::Map>() {
        let entries = Array::from(&map.entries());
        for entry in entries.iter() {
            let pair: Array = entry.unchecked_into();
            put(&pair.get(0), &pair.get(1))?;
        }
        return Ok(out.into());
    }
    let proto = Reflect::get_prototype_of(v).map_err(thrown)?;
    let object_prototype = Object::get_prototype_of(&Object::new());
    if !JsValue::from(&proto).is_null() && proto != object_prototype {
        return Err("a request member is an object that is neither plain nor a Map".to_owned());
    }
    for key in Reflect::own_keys(v).map_err(thrown)?.iter() {
        if !key.is_string() {
            continue;
        }
        let value = Reflect::get(v, &key).map_err(thrown)?;
        put(&key, &value)?;
    }
    Ok(out.into())
}

/// A fresh `Uint8Array` the KMS owns, copied from a caller's genuine `Uint8Array` (or Buffer)
/// or `ArrayBuffer` through their internal slots, so no getter, own `length` or `Proxy` trap
/// of the caller's runs later while the core reads it. Anything that only looks like one (a
/// `Proxy`, an object with a forged prototype) gives `None`.
fn copy_bytes(v: &JsValue) -> Option<JsValue> {
    // `ArrayBuffer.isView` checks the internal slot, which a Proxy does not have.
    if ArrayBuffer::is_view(v) && v.is_instance_of::<Uint8Array>() {
        let ctor: js_sys::Function = Uint8Array::new_with_length(0)
            .constructor()
            .unchecked_into();
        let args: Array = std::iter::once(v.clone()).collect();
        return Reflect::construct(&ctor, &args).ok();
    }
    // `ArrayBuffer.prototype.slice` throws (catchably) on anything but a real ArrayBuffer.
    let prototype = Reflect::get(&ArrayBuffer::new(0).constructor(), &"prototype".into()).ok()?;
    let slice: js_sys::Function = Reflect::get(&prototype, &"slice".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let copy = Reflect::apply(&slice, v, &Array::new()).ok()?;
    let copy: ArrayBuffer = copy.dyn_into().ok()?;
    Some(Uint8Array::new(&copy).into())
}

/// Replaces, in place, the epoch milliseconds of every timestamp member with a `Date`.
fn millis_to_dates(v: &JsValue) {
    if Array::is_array(v) {
        let arr: &Array = v.unchecked_ref();
        arr.iter().for_each(|x| millis_to_dates(&x));
        return;
    }
    if !v.is_object() || v.is_instance_of::<Uint8Array>() {
        return;
    }
    for entry in Object::entries(v.unchecked_ref()).iter() {
        let pair: Array = entry.unchecked_into();
        let (key, value) = (pair.get(0), pair.get(1));
        let is_time = key
            .as_string()
            .is_some_and(|k| TIMESTAMP_MEMBERS.contains(&k.as_str()));
        match value.as_f64() {
            Some(ms) if is_time => {
                let _ = Reflect::set(v, &key, &Date::new(&JsValue::from_f64(ms)));
            }
            _ => millis_to_dates(&value),
        }
    }
}

fn settle(r: Result<JsValue, JsValue>) -> Promise {
    match r {
        Ok(v) => Promise::resolve(&v),
        Err(e) => Promise::reject(&e),
    }
}

#[wasm_bindgen(js_class = Kms)]
impl JsKms {
    /// `new Kms({ region, account })`: an in-memory KMS on the real clock and the platform RNG.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "KmsOptions")] options: Option<JsValue>,
    ) -> Result<JsKms, JsValue> {
        let options = parse_options(options.unwrap_or(JsValue::UNDEFINED), NEW_OPTIONS, "Kms")?;
        Ok(JsKms::over(
            &options,
            Box::new(MemoryStore::default()),
            None,
        )?)
    }

    /// `Kms.open({ dataDir, passphrase, region, account })`: a KMS whose keys, aliases, audit
    /// trail and clock persist in the directory `dataDir` (Node), created if need be. Every
    /// change is on disk before its call resolves. The store's key rests wrapped by a key
    /// derived from `passphrase` (or the `WASM_KMS_PASSPHRASE` environment variable), or else
    /// by the key in the file `root.key` there. One process at a time may open a directory;
    /// `close()` releases it. In browsers, `Kms.open({ indexedDb, passphrase })` keeps the
    /// store in IndexedDB, its key wrapped by the passphrase or by a non-extractable
    /// `CryptoKey`.
    #[wasm_bindgen(js_name = open)]
    pub async fn open(
        #[wasm_bindgen(unchecked_param_type = "KmsOpenOptions")] options: JsValue,
    ) -> Result<JsKms, JsValue> {
        let mut options = parse_options(options, OPEN_OPTIONS, "Kms.open")?;
        let target = options.take_target("Kms.open", nodefs::available());
        match target? {
            Target::IndexedDb(name) => JsKms::open_indexed_db(options, &name).await,
            Target::Dir(data_dir) => JsKms::open_dir(options, &data_dir),
        }
    }

    /// `Kms.restoreBackup(backup, passphrase, options)`: restores a backup made by
    /// `exportBackup` (in Node or in a browser) into the store `options` names, as for
    /// `Kms.open` (`dataDir` or `indexedDb`, and `passphrase` for the new store's own key),
    /// which must not hold a store yet; then opens it. `passphrase` is the backup's.
    #[wasm_bindgen(js_name = restoreBackup)]
    pub async fn restore_backup(
        backup: Uint8Array,
        passphrase: String,
        #[wasm_bindgen(unchecked_param_type = "KmsOpenOptions")] options: JsValue,
    ) -> Result<JsKms, JsValue> {
        let mut parsed = parse_options(options.clone(), OPEN_OPTIONS, "Kms.restoreBackup")?;
        let target = parsed.take_target("Kms.restoreBackup", nodefs::available())?;
        let backup_passphrase = backup_passphrase(&passphrase)?;
        let backup = zeroize::Zeroizing::new(backup.to_vec());
        match target {
            Target::IndexedDb(name) => {
                let store_passphrase = parsed.take_passphrase();
                let contents = crate::persist::backup::open(&backup, &backup_passphrase)?;
                idb::restore(&name, &contents, store_passphrase.as_ref()).await?;
            }
            Target::Dir(dir) => {
                let passphrase = parsed.passphrase.take();
                let files = nodefs::NodeFiles::get_or_refuse()?;
                DataDir::restore(files, &dir, &backup, &backup_passphrase, passphrase)?;
            }
        }
        JsKms::open(options).await
    }

    /// Closes the KMS once the calls made before have finished: a durable store releases its
    /// data directory (another process may then open it). Every later call is refused.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn close(&self) -> Promise {
        if self.queue.idle() {
            return settle(self.close_now().map(|()| JsValue::UNDEFINED));
        }
        self.queued(|this| async move { this.close_now().map(|()| JsValue::UNDEFINED) })
    }

    /// The data directory of a KMS made with `Kms.open` (an absolute path); `undefined` in
    /// memory.
    #[wasm_bindgen(getter, js_name = dataDir)]
    pub fn data_dir(&self) -> Option<String> {
        self.shared.data_dir.clone()
    }

    /// The KMS's clock: real time unless it was set or moved.
    #[wasm_bindgen(js_name = now)]
    pub fn now(&self) -> Result<Date, JsValue> {
        let millis = self.with_core(|core| Ok(core.now().millis()))?;
        Ok(Date::new(&JsValue::from_f64(millis as f64)))
    }

    /// Sets the KMS's clock to `time` (a `Date` or epoch milliseconds, from 1970 to 9999); it
    /// runs on from there. Rotation and deletion that fall due happen at the next call, as if
    /// time had passed.
    #[wasm_bindgen(js_name = setNow)]
    pub fn set_now(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Date | number")] time: JsValue,
    ) -> Result<(), JsValue> {
        let millis = match time.dyn_ref::<Date>() {
            Some(d) => d.get_time(),
            None => time.as_f64().unwrap_or(f64::NAN),
        };
        self.with_core(|core| core.set_now(millis))?;
        self.write_later()
    }

    /// Moves the KMS's clock forward by `milliseconds` (back, if negative), staying within the
    /// years 1970 to 9999.
    #[wasm_bindgen(js_name = advanceTime)]
    pub fn advance_time(&self, milliseconds: f64) -> Result<(), JsValue> {
        self.with_core(|core| core.advance_time(milliseconds))?;
        self.write_later()
    }

    /// Sets how long a grant made from now on takes to take effect for calls that do not give
    /// one of its tokens, in whole seconds of the KMS's clock (0, the default: at once).
    #[wasm_bindgen(js_name = setGrantPropagationSeconds)]
    pub fn set_grant_propagation_seconds(&self, seconds: f64) -> Result<(), JsValue> {
        self.with_core(|core| core.set_grant_propagation_seconds(seconds))?;
        self.write_later()
    }

    /// Moves the KMS's clock forward by whole or fractional days, for example 365.
    #[wasm_bindgen(js_name = advanceDays)]
    pub fn advance_days(&self, days: f64) -> Result<(), JsValue> {
        self.advance_time(days * 86_400_000.0)
    }

    /// The Region this KMS runs in.
    #[wasm_bindgen(getter)]
    pub fn region(&self) -> String {
        self.caller.scope.region.clone()
    }

    /// The account this KMS runs in.
    #[wasm_bindgen(getter)]
    pub fn account(&self) -> String {
        self.caller.scope.account.clone()
    }

    /// Runs any operation by its AWS name: `send("Encrypt", { KeyId, Plaintext })`.
    #[wasm_bindgen(unchecked_return_type = "Promise<any>")]
    pub fn send(&self, operation: &str, input: JsValue) -> Promise {
        self.run(operation, input)
    }

    /// The audit trail kept in memory: CloudTrail-shaped records, oldest first.
    #[wasm_bindgen(js_name = auditEvents, unchecked_return_type = "AuditEvent[]")]
    pub fn audit_events(&self) -> Result<JsValue, JsValue> {
        self.with_core(|core| to_js(&core.audit().events().collect::<Vec<_>>()))
    }

    /// A view of the same KMS that calls in another Region: its keys, aliases and ARNs are that
    /// Region's. The clock, the store and the audit trail are shared.
    #[wasm_bindgen(js_name = forRegion)]
    pub fn for_region(&self, region: &str) -> Result<JsKms, JsValue> {
        let caller = self.caller.in_region(region)?;
        Ok(self.view(caller))
    }

    /// A view of the same KMS that calls as an AWS service acting for this caller (for example
    /// `asService("s3")`): what S3 does with `alias/aws/s3` when it encrypts an object for you.
    #[wasm_bindgen(js_name = asService)]
    pub fn as_service(&self, service: &str) -> Result<JsKms, JsValue> {
        let caller = self.caller.via(service)?;
        Ok(self.view(caller))
    }

    /// The AWS service this view acts as, if any.
    #[wasm_bindgen(getter, js_name = viaService)]
    pub fn via_service(&self) -> Option<String> {
        self.caller.via_service.clone()
    }
}

/// The options of `new Kms` or `Kms.open` (`who`), refusing any name not in `allowed`.
fn parse_options(options: JsValue, allowed: &[&str], who: &str) -> Result<Options, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(Options::default());
    }
    // serde-wasm-bindgen reads only the fields it knows, so check for misspellings here.
    if let Some(o) = options.dyn_ref::<Object>() {
        let keys: Vec<String> = Object::keys(o)
            .iter()
            .filter_map(|k| k.as_string())
            .collect();
        check_names(keys.iter().map(String::as_str), allowed, who)?;
    }
    serde_wasm_bindgen::from_value(options).map_err(|e| options::invalid(who, e).into())
}

impl JsKms {
    /// A KMS over `store` on the real clock and the platform RNG.
    fn over(
        options: &Options,
        store: Box<dyn Store>,
        data_dir: Option<String>,
    ) -> Result<JsKms, KmsError> {
        let mut core = core_over(&options.config(), store)?;
        if let Some(seconds) = options.grant_propagation_seconds {
            core.set_grant_propagation_seconds(seconds)?;
        }
        let caller = core.caller().clone();
        Ok(JsKms {
            core: Rc::new(RefCell::new(core)),
            caller,
            engine: Rc::new(RefCell::new(Engine::new(
                options.web_crypto.unwrap_or(true),
            ))),
            queue: Rc::new(Queue::default()),
            shared: Rc::new(Shared {
                data_dir,
                ..Shared::default()
            }),
            wire: Wire::Js,
        })
    }

    /// Closes the KMS now: the store is dropped (a durable one releases its directory's lock).
    fn close_now(&self) -> Result<(), JsValue> {
        if self.shared.closed.get() {
            return Ok(());
        }
        // On disk, what waits for a flush is written first (a failure fails those calls).
        let _ = self.flush_disk();
        let old = {
            let mut core = self.core.try_borrow_mut().map_err(|_| {
                JsValue::from(KmsError::Internal(
                    "The KMS was closed from inside one of its own calls.".to_owned(),
                ))
            })?;
            self.shared.closed.set(true);
            std::mem::replace(
                core.store_mut(),
                Box::new(MemoryStore::default()) as Box<dyn Store>,
            )
        };
        drop(old);
        // The journal's last holder: the directory's lock is released.
        self.shared.disk.borrow_mut().take();
        if let Some(idb) = self.shared.idb.borrow_mut().take() {
            idb.store.db.close();
        }
        Ok(())
    }

    /// Runs `f` on the shared core. A call made while another is running (from a getter or
    /// `Proxy` in the input) gets an error instead of a second borrow, which would panic. A
    /// closed KMS refuses every call.
    fn with_core<T>(&self, f: impl FnOnce(&mut Core) -> Result<T, KmsError>) -> Result<T, JsValue> {
        if self.shared.closed.get() {
            return Err(JsValue::from(KmsError::Storage(
                "the store is closed: this Kms was closed with close()".to_owned(),
            )));
        }
        let mut core = self.core.try_borrow_mut().map_err(|_| {
            JsValue::from(KmsError::Internal(
                "The KMS was called from inside one of its own calls.".to_owned(),
            ))
        })?;
        f(&mut core).map_err(JsValue::from)
    }

    /// The same KMS, calling as `caller`.
    fn view(&self, caller: Caller) -> JsKms {
        JsKms {
            core: Rc::clone(&self.core),
            caller,
            engine: Rc::clone(&self.engine),
            queue: Rc::clone(&self.queue),
            shared: Rc::clone(&self.shared),
            wire: self.wire,
        }
    }

    /// Runs `operation`: at once, or queued behind the calls before it (see [`queue`]).
    fn run(&self, operation: &str, input: JsValue) -> Promise {
        // The input is copied (which may run the caller's getters) before anything else.
        self.run_copied(operation, copy_input(input))
    }

    /// [`JsKms::run`] of an input the KMS already owns.
    fn run_copied(&self, operation: &str, input: Result<JsValue, KmsError>) -> Promise {
        let plan = match &input {
            Ok(plain) if self.engine.borrow().available() => match self.wire {
                Wire::Js => plan(operation, plain),
                Wire::Json => json::plan(operation, plain),
                Wire::Iam { .. } | Wire::Explain => None,
            },
            _ => None,
        };
        if plan.is_none() && self.queue.idle() && self.idb().is_none() {
            return self.run_now(operation, input);
        }
        self.enqueue(operation, input, plan)
    }

    /// Asks WebCrypto for what `plan` needs; returns how to offer it to the core, or `None`
    /// if there is nothing to offer (the core then does the work itself).
    async fn prepare(&self, plan: Plan) -> Option<Box<dyn FnOnce(&mut Core)>> {
        let job = self
            .with_core(|c| Ok(c.offload_job(&self.caller, plan)))
            .ok()??;
        let key_der = || match &job.work {
            Work::Use {
                key_ref,
                material,
                purpose,
                ..
            } => self
                .with_core(|c| Ok(c.offload_key_der(&self.caller, key_ref, material, *purpose)))
                .ok()
                .flatten(),
            Work::Generate(_) => None,
        };
        let outcome = webcrypto::run(&self.engine, &job.work, key_der).await?;
        Some(Box::new(move |core: &mut Core| {
            core.offer_outcome(job, outcome)
        }))
    }

    fn dispatch(
        &self,
        operation: &str,
        input: Result<JsValue, KmsError>,
        offer: impl FnOnce(&mut Core),
    ) -> Result<JsValue, JsValue> {
        match self.wire {
            Wire::Json => return json::dispatch(self, operation, input, offer),
            Wire::Iam { service, query } => {
                return iam::dispatch(self, service, query, operation, input)
            }
            Wire::Explain => return iam::explain(self, operation, input),
            Wire::Js => {}
        }
        let timestamps = crate::codec::js_timestamps_written();
        let out = self.with_core(|core| match input {
            Err(e) => Err(core.refuse_input(&self.caller, operation, e)),
            Ok(input) => {
                offer(core);
                let de = serde_wasm_bindgen::Deserializer::from(input);
                let ser = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
                let out = core.call_as(&self.caller, operation, Format::Js, de, &ser);
                // An offered result serves this call only, however the call ended.
                core.offload().clear_result();
                out
            }
        })?;
        // Only a response that holds timestamps needs the walk.
        if crate::codec::js_timestamps_written() != timestamps {
            millis_to_dates(&out);
        }
        Ok(out)
    }
}

/// A request as plain data (see [`plain_input`]), or the error it gets.
fn copy_input(input: JsValue) -> Result<JsValue, KmsError> {
    if input.is_undefined() || input.is_null() {
        Ok(Object::new().into())
    } else if !input.is_object() || Array::is_array(&input) {
        Err(not_an_object())
    } else {
        plain_input(&input, 0).map_err(|why| {
            KmsError::Serialization(format!("The request could not be read: {why}."))
        })
    }
}

/// The JavaScript methods, one per row of the operation table.
macro_rules! js_operations {
    ($( $op:ident ($req:ty) -> $resp:ty {
        run: $run:ident, api: $method:ident, read_only: $ro:expr, plan: $plan:expr,
        js: $js:literal, $param:ident = $input:literal, $output:literal
    } )*) => {
        #[wasm_bindgen(js_class = Kms)]
        impl JsKms {
            $(
                #[doc = concat!("Runs ", stringify!($op), ".")]
                #[wasm_bindgen(js_name = $js, unchecked_return_type = $output)]
                pub fn $method(
                    &self,
                    #[wasm_bindgen($param = $input)] input: JsValue,
                ) -> Promise {
                    self.run(stringify!($op), input)
                }
            )*
        }
    };
}

crate::service::with_operations!(js_operations);
