//! The service: one pipeline that every operation runs through.
//!
//! [`Kms::execute`] takes a parsed [`Request`], builds the call's context (`ops::OpCtx`: the
//! store as it stands, entropy, the offload, the call's facts), runs the operation (which
//! validates, resolves its keys, asks the one authorization point, checks the one state table,
//! and returns its writes as one batch), commits the batch atomically, and records one audit
//! event, whatever the outcome.

use std::cell::RefCell;

use serde::{Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::audit::trail;
use crate::audit::{self, digest_name, AuditEvent, AuditLog, CHAIN_META};
use crate::codec::{self, Format, Timestamp};
use crate::crypto::offload::Offload;
use crate::domain::ids::{self, Principal, Scope};
use crate::domain::schedule::{self, ServiceEvent};
use crate::env::{Clock, Entropy};
use crate::error::{KmsError, Result};
use crate::ops::{self, Call, OpCtx};
use crate::store::{Batch, MemoryStore, Store, StoredEvent, Write};

mod clock;
pub mod engine;
mod events;
mod explain;
mod iam;
mod offload;
mod operations;
pub mod options;
mod seed;

pub use crate::access::Caller;
pub use clock::CLOCK_OFFSET_SETTING;
pub use explain::{ExplainReport, ExplainedError};
#[cfg(target_arch = "wasm32")]
pub(crate) use operations::with_operations;
pub use operations::{not_an_object, Operation, Request, Response};

/// How a [`Kms`] is set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The Region every resource lives in (default `us-east-1`).
    pub region: String,
    /// The account (default `111122223333`).
    pub account: String,
    /// The partition (default `aws`).
    pub partition: String,
    /// The caller's ARN (default: the account's root).
    pub principal: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            region: "us-east-1".to_owned(),
            account: "111122223333".to_owned(),
            partition: "aws".to_owned(),
            principal: None,
        }
    }
}

/// The most passes over what is due in one call (each pass is bounded too); anything still due
/// after them is applied at the next call.
const MAX_DUE_PASSES: usize = 8;

/// The most audit events kept in memory; older ones are dropped first.
pub const AUDIT_MEMORY_LIMIT: usize = 10_000;

/// A key management service with AWS KMS's operations.
///
/// ```
/// use wasm_kms::{Config, Kms, model::*};
/// use wasm_kms::codec::SecretBlob;
///
/// let mut kms = Kms::new_native(Config::default())?;
/// let key = kms.create_key(CreateKeyRequest::default())?.key_metadata;
/// let sealed = kms.encrypt(EncryptRequest {
///     key_id: Some(key.key_id.clone()),
///     plaintext: Some(SecretBlob(b"hello".to_vec())),
///     ..Default::default()
/// })?;
/// let opened = kms.decrypt(DecryptRequest {
///     ciphertext_blob: Some(sealed.ciphertext_blob),
///     ..Default::default()
/// })?;
/// assert_eq!(opened.plaintext.as_bytes(), b"hello");
/// assert_eq!(opened.key_id, key.arn);
/// # Ok::<(), wasm_kms::KmsError>(())
/// ```
pub struct Kms<C: Clock, E: Entropy, S: Store = MemoryStore> {
    /// Who calls when no other caller is named: the configured Region and principal.
    caller: Caller,
    pub(crate) clock: C,
    entropy: RefCell<E>,
    pub(crate) store: S,
    audit: AuditLog,
    /// The earliest time the clock changes a key by itself, once known (`None`: nothing due).
    next_due: Option<Option<Timestamp>>,
    /// Key pairs and private-key results a faster engine computed for the core (see
    /// [`crate::crypto::offload`]).
    offload: RefCell<Offload>,
    /// The head of the audit trail's hash chain.
    chain: trail::Chain,
    /// The key digest records are signed with.
    audit_key: zeroize::Zeroizing<Vec<u8>>,
}

#[cfg(not(target_arch = "wasm32"))]
impl Kms<crate::env::SystemClock, crate::env::OsEntropy, MemoryStore> {
    /// An in-memory service on the system clock and the OS RNG.
    pub fn new_native(config: Config) -> Result<Self> {
        Kms::new(
            config,
            crate::env::SystemClock,
            crate::env::OsEntropy,
            MemoryStore::default(),
        )
    }
}

impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
    /// A service with the given clock, entropy and store.
    pub fn new(config: Config, clock: C, entropy: E, store: S) -> Result<Self> {
        if !ids::is_region(&config.region) {
            return Err(KmsError::Validation(format!(
                "Region `{}` is not a valid Region name",
                config.region
            )));
        }
        if !ids::is_account(&config.account) {
            return Err(KmsError::Validation(format!(
                "Account `{}` is not a 12-digit account ID",
                config.account
            )));
        }
        if !ids::is_partition(&config.partition) {
            return Err(KmsError::Validation(format!(
                "Partition `{}` is not one of aws, aws-cn, aws-us-gov",
                config.partition
            )));
        }
        let scope = Scope {
            partition: config.partition,
            region: config.region,
            account: config.account,
        };
        let arn = config.principal.unwrap_or_else(|| scope.root_principal());
        let principal = Principal::parse(&arn).ok_or_else(|| {
            KmsError::Validation(format!(
                "Principal `{arn}` is not an IAM root, user or role ARN, or an STS assumed-role ARN"
            ))
        })?;
        let mut entropy = entropy;
        let mut store = store;
        let (chain, audit_key) = audit::resume_trail(&mut store, &mut entropy)?;
        Ok(Kms {
            caller: Caller {
                scope,
                principal,
                via_service: None,
                access_key: None,
                network: Default::default(),
            },
            clock,
            entropy: RefCell::new(entropy),
            store,
            audit: AuditLog::new(AUDIT_MEMORY_LIMIT),
            next_due: None,
            offload: RefCell::new(Offload::default()),
            chain,
            audit_key,
        })
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, to change settings that are not KMS state (use [`Kms::set_setting`]).
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Keeps a setting of the binding's (the clock's offset, say) in the store, durably.
    pub fn set_setting(&mut self, name: &str, value: Value) -> Result<()> {
        self.store
            .commit(Batch::one(Write::PutMeta(format!("setting/{name}"), value)))
    }

    /// A setting kept with [`Kms::set_setting`].
    pub fn setting(&self, name: &str) -> Option<&Value> {
        self.store.meta(&format!("setting/{name}"))
    }

    /// Sets how long a grant made from now on takes to take effect for calls that do not give
    /// one of its tokens, in seconds of the KMS's (simulated) clock: AWS's eventual
    /// consistency, up to about 5 minutes there. 0 (the default) makes grants work at once.
    /// Kept in the store.
    pub fn set_grant_propagation_seconds(&mut self, seconds: f64) -> Result<()> {
        if !(seconds.is_finite() && (0.0..=86_400.0).contains(&seconds) && seconds.fract() == 0.0) {
            return Err(KmsError::Validation(
                "The grant propagation delay is a whole number of seconds from 0 to 86400"
                    .to_owned(),
            ));
        }
        self.set_setting(
            ops::grants::GRANT_PROPAGATION_SETTING,
            Value::from(seconds as u32),
        )
    }

    /// How long a new grant takes to take effect without its token, in seconds (0 unless set).
    pub fn grant_propagation_seconds(&self) -> u32 {
        self.setting(ops::grants::GRANT_PROPAGATION_SETTING)
            .and_then(Value::as_u64)
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(0)
    }

    /// The Region and account this service runs in.
    pub fn scope(&self) -> &Scope {
        &self.caller.scope
    }

    /// The caller of [`Kms::execute`] and [`Kms::call`]: the configured Region and principal.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The clock.
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// The audit trail kept in memory.
    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// Runs one operation as the configured caller.
    pub fn execute(&mut self, request: Request) -> Result<Response> {
        let caller = self.caller.clone();
        self.execute_as(&caller, request)
    }

    /// Runs one operation as `caller`: the single pipeline of the service. Whatever result a
    /// faster engine offered is gone when it returns, however the call ended.
    pub fn execute_as(&mut self, caller: &Caller, request: Request) -> Result<Response> {
        let out = self.pipeline(caller, request);
        self.offload.borrow_mut().clear_result();
        out
    }

    fn pipeline(&mut self, caller: &Caller, request: Request) -> Result<Response> {
        let op = request.operation();
        let parameters = request.audit_parameters();
        let mut call = Call::new(self.clock.now(), caller);
        match self.resolve(caller, call.now) {
            Ok((resolved, acting)) => {
                call.caller = resolved;
                call.acting = acting;
            }
            Err(e) => return Err(self.refuse(op, &call, parameters, e.kms_error())),
        }
        if let Err(e) = self.apply_due(call.now) {
            return Err(self.refuse(op, &call, parameters, e));
        }
        // AWS managed keys the request names are created for it; if the call then fails, they
        // are removed again, so a failed call changes nothing.
        let managed =
            ops::managed::managed_keys_to_create(&mut self.op_ctx(&mut call), &parameters)
                .and_then(|(batch, events)| {
                    let undo = batch.undo_creations();
                    self.store.commit(batch)?;
                    Ok((undo, events))
                });
        let (undo, managed_events) = match managed {
            Ok(created) => created,
            Err(e) => return Err(self.refuse(op, &call, parameters, e)),
        };
        if !undo.0.is_empty() {
            self.next_due = None;
        }
        let outcome =
            operations::run(&mut self.op_ctx(&mut call), request).and_then(|(response, batch)| {
                if call.decisions.is_empty() {
                    // Every operation must pass the authorization point; one that did not is a bug.
                    return Err(KmsError::Internal(format!(
                        "{} completed without an authorization decision.",
                        op.name()
                    )));
                }
                Ok((response, batch))
            });
        let (response, batch) = match outcome {
            Ok(done) => done,
            Err(e) => {
                // What this call created is removed again, in the same commit as its event.
                let event = self.call_event(op, &call, parameters, Err(&e));
                if self.commit_with_events(undo, vec![event]).is_err() {
                    self.next_due = None;
                }
                return Err(e);
            }
        };
        // Writes can only bring the next time-driven effect closer (a key that now rotates or
        // is deleted sooner); one that pushes it back leaves an early bound, which only costs
        // one rescan when it is reached. So no write forces a scan of every key.
        let due = self.next_due.map(|known| {
            let written = batch.0.iter().filter_map(|w| match w {
                Write::PutKey(k) => schedule::next_due(k),
                _ => None,
            });
            known.into_iter().chain(written).min()
        });
        let mut events: Vec<AuditEvent> = managed_events
            .into_iter()
            .map(|e| self.service_event(e))
            .collect();
        events.push(self.call_event(op, &call, parameters.clone(), Ok(&response)));
        match self.commit_with_events(batch, events) {
            Ok(()) => {
                if due.is_some() {
                    self.next_due = due;
                }
                Ok(response)
            }
            Err(e) => {
                // Nothing of the call was stored: it failed, and says so in the trail (if the
                // store takes anything at all).
                let event = self.call_event(op, &call, parameters, Err(&e));
                let _ = self.commit_with_events(undo, vec![event]);
                self.next_due = None;
                Err(e)
            }
        }
    }

    /// What the operations of `call` may touch: the store as it stands, entropy, and what a
    /// faster engine offered.
    fn op_ctx<'a>(&'a mut self, call: &'a mut Call) -> OpCtx<'a> {
        OpCtx::new(
            &self.store,
            self.entropy.get_mut(),
            self.offload.get_mut(),
            call,
        )
    }

    /// Records a call refused before its operation ran, and returns the error.
    fn refuse(&mut self, op: Operation, call: &Call, parameters: Value, e: KmsError) -> KmsError {
        let event = self.call_event(op, call, parameters, Err(&e));
        // A store that cannot take the event cannot take anything: the call's error stands.
        let _ = self.commit_with_events(Batch::default(), vec![event]);
        e
    }

    /// Commits `batch` together with `events`, each linked into the audit hash chain (with a
    /// digest record every [`trail::DIGEST_EVERY`] events): all of it, or, on failure, none of
    /// it. The events then join the trail kept in memory.
    pub(crate) fn commit_with_events(
        &mut self,
        mut batch: Batch,
        events: Vec<AuditEvent>,
    ) -> Result<()> {
        let saved = self.chain.clone();
        let encode_failed =
            |_| KmsError::Internal("An audit event could not be encoded.".to_owned());
        for e in &events {
            // An event serializes straight to its canonical JSON (see `AuditEvent`).
            let json = serde_json::to_vec(e).map_err(encode_failed)?;
            let link = self.chain.append_canonical(&json);
            batch.0.push(Write::Event(Box::new(StoredEvent {
                seq: link.seq,
                prev: link.prev,
                hash: link.hash,
                json,
            })));
            if self.chain.should_digest() {
                if let Some(d) = self.chain.digest(&e.event_time, self.audit_key.as_slice()) {
                    batch.0.push(Write::PutMeta(digest_name(link.seq), d));
                }
            }
        }
        if !events.is_empty() {
            let (next_seq, head) = self.chain.head();
            batch.0.push(Write::PutMeta(
                CHAIN_META.to_owned(),
                serde_json::json!({ "nextSeq": next_seq, "head": crate::codec::hex::encode(&head) }),
            ));
        }
        if let Err(e) = self.store.commit(batch) {
            self.chain = saved;
            return Err(e);
        }
        for e in events {
            self.audit.record(e);
        }
        Ok(())
    }

    /// [`Kms::call_as`] as the configured caller.
    pub fn call<'de, D, Ser>(
        &mut self,
        op: &str,
        format: Format,
        input: D,
        serializer: Ser,
    ) -> Result<Ser::Ok>
    where
        D: Deserializer<'de>,
        Ser: Serializer,
    {
        let caller = self.caller.clone();
        self.call_as(&caller, op, format, input, serializer)
    }

    /// Parses `input` for the operation named `op` in `format`, runs it as `caller`, and
    /// serializes the response with `serializer` in the same format: the entry point of every
    /// binding.
    pub fn call_as<'de, D, Ser>(
        &mut self,
        caller: &Caller,
        op: &str,
        format: Format,
        input: D,
        serializer: Ser,
    ) -> Result<Ser::Ok>
    where
        D: Deserializer<'de>,
        Ser: Serializer,
    {
        let op =
            Operation::from_name(op).inspect_err(|_| self.offload.borrow_mut().clear_result())?;
        let request = match codec::with_format(format, || Request::parse(op, input)) {
            Ok(r) => r,
            Err(e) => return Err(self.refuse_input(caller, op.name(), e)),
        };
        let response = self.execute_as(caller, request)?;
        codec::with_format(format, || response.serialize(serializer))
            .map_err(|e| KmsError::Internal(format!("The response could not be encoded: {e}")))
    }

    /// Records a call whose input was refused before the operation could run (it did not parse,
    /// or it was not an object) and returns the error to report: such a call still leaves its
    /// audit event. An unknown operation name gives its own error instead.
    pub fn refuse_input(&mut self, caller: &Caller, op: &str, e: KmsError) -> KmsError {
        self.offload.borrow_mut().clear_result();
        match Operation::from_name(op) {
            Ok(op) => {
                let call = Call::new(self.clock.now(), caller);
                self.refuse(op, &call, Value::Null, e)
            }
            Err(unknown) => unknown,
        }
    }

    /// [`Kms::call`] for JSON values in AWS's wire format (base64 blobs, epoch seconds).
    pub fn call_json(&mut self, op: &str, input: Value) -> Result<Value> {
        // serde would read a JSON array positionally into a request struct; AWS takes only an
        // object (`{}` when there is no input).
        if !input.is_object() {
            let caller = self.caller.clone();
            return Err(self.refuse_input(&caller, op, not_an_object()));
        }
        self.call(op, Format::Json, input, serde_json::value::Serializer)
    }

    /// Applies what the clock has brought about since the last call: deletions whose window has
    /// ended and automatic rotations. AWS does these in the background; here they happen at the
    /// start of the next call, as of the times they fell due, each with its service event, so
    /// no call ever sees a key as it was before.
    fn apply_due(&mut self, now: Timestamp) -> Result<()> {
        // One effect can make another due (the last replica's deletion starts its primary's
        // window, which may already have passed), so passes repeat until nothing is due.
        for _ in 0..MAX_DUE_PASSES {
            let next = match self.next_due {
                Some(known) => known,
                None => {
                    let next = self.store.all_keys().filter_map(schedule::next_due).min();
                    self.next_due = Some(next);
                    next
                }
            };
            if next.is_none_or(|t| t > now) {
                return Ok(());
            }
            let mut call = Call::new(now, &self.caller);
            let (batch, events) = ops::lifecycle::due_effects(&mut self.op_ctx(&mut call))?;
            if batch.0.is_empty() {
                // The bound was early (a write pushed an effect back): learn the exact one.
                self.next_due = None;
                continue;
            }
            self.commit_service_effects(batch, events)?;
        }
        Ok(())
    }

    /// Commits what KMS does by itself (due effects, AWS managed keys) and records its events.
    fn commit_service_effects(&mut self, batch: Batch, events: Vec<ServiceEvent>) -> Result<()> {
        if batch.0.is_empty() {
            return Ok(());
        }
        let events = events.into_iter().map(|e| self.service_event(e)).collect();
        self.commit_with_events(batch, events)?;
        self.next_due = None;
        Ok(())
    }
}
