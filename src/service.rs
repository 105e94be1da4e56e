//! The service: one pipeline that every operation runs through.
//!
//! [`Kms::execute`] takes a parsed [`Request`], runs the operation (which validates, resolves its
//! keys, asks the one authorization point, checks the one state table, and returns its writes as
//! one batch), commits the batch atomically, and records one audit event, whatever the outcome.

use std::cell::RefCell;

use serde::{Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::asym::{AsymKey, AsymSpec};
use crate::audit::{self, AuditEvent, AuditLog, Resource, UserIdentity};
use crate::authz::{self, AuthzRequest, Decision, Effect};
use crate::codec::{self, Format, Timestamp};
use crate::env::{Clock, Entropy};
use crate::error::{KmsError, Result};
use crate::ids::{self, Aliases, KeyId, KeyRef, Principal, Scope};
use crate::model::*;
use crate::offload::Offload;
use crate::ops::lifecycle::{self, ServiceEvent};
use crate::state::{self, StateRule};
use crate::store::{Batch, KeyManager, KeyRecord, MemoryStore, Store, StoredEvent, Write};
use crate::trail;

/// What an operation returns: its output and the writes to commit.
pub(crate) type Outcome<T> = Result<(T, Batch)>;

/// Every operation of AWS KMS (the botocore model's 54), so that a known operation that wasm-kms
/// does not implement yet is told apart from a misspelt one.
const AWS_OPERATIONS: &[&str] = &[
    "CancelKeyDeletion",
    "ConnectCustomKeyStore",
    "CreateAlias",
    "CreateCustomKeyStore",
    "CreateGrant",
    "CreateKey",
    "Decrypt",
    "DeleteAlias",
    "DeleteCustomKeyStore",
    "DeleteImportedKeyMaterial",
    "DeriveSharedSecret",
    "DescribeCustomKeyStores",
    "DescribeKey",
    "DisableKey",
    "DisableKeyRotation",
    "DisconnectCustomKeyStore",
    "EnableKey",
    "EnableKeyRotation",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateMac",
    "GenerateRandom",
    "GetKeyLastUsage",
    "GetKeyPolicy",
    "GetKeyRotationStatus",
    "GetParametersForImport",
    "GetPublicKey",
    "ImportKeyMaterial",
    "ListAliases",
    "ListGrants",
    "ListKeyPolicies",
    "ListKeyRotations",
    "ListKeys",
    "ListResourceTags",
    "ListRetirableGrants",
    "PutKeyPolicy",
    "ReEncrypt",
    "ReplicateKey",
    "RetireGrant",
    "RevokeGrant",
    "RotateKeyOnDemand",
    "ScheduleKeyDeletion",
    "Sign",
    "TagResource",
    "UntagResource",
    "UpdateAlias",
    "UpdateCustomKeyStore",
    "UpdateKeyDescription",
    "UpdatePrimaryRegion",
    "Verify",
    "VerifyMac",
];

macro_rules! operations {
    ($( $op:ident ($req:ty) -> $resp:ty { run: $run:ident, api: $api:ident, read_only: $ro:expr } )*) => {
        /// The operations wasm-kms implements.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Operation { $( #[doc = stringify!($op)] $op, )* }

        impl Operation {
            /// Every implemented operation.
            pub const ALL: &'static [Operation] = &[ $( Operation::$op, )* ];

            /// AWS's operation name, as in `X-Amz-Target: TrentService.<name>`.
            pub fn name(self) -> &'static str {
                match self { $( Operation::$op => stringify!($op), )* }
            }

            /// Only reads state (CloudTrail's `readOnly`).
            pub fn read_only(self) -> bool {
                match self { $( Operation::$op => $ro, )* }
            }

            /// The operation with this AWS name: UnknownOperationException for a name AWS does
            /// not have, UnsupportedOperationException for one wasm-kms does not implement yet.
            pub fn from_name(name: &str) -> Result<Operation> {
                match name {
                    $( stringify!($op) => Ok(Operation::$op), )*
                    other if AWS_OPERATIONS.contains(&other) => Err(KmsError::UnsupportedOperation(
                        Some(format!("wasm-kms does not implement {other} yet.")),
                    )),
                    other => Err(KmsError::UnknownOperation(format!(
                        "Operation {other} is not a KMS operation."
                    ))),
                }
            }
        }

        /// A parsed request of any operation.
        #[derive(Clone, Debug)]
        pub enum Request { $( #[doc = stringify!($op)] $op($req), )* }

        /// The response of any operation.
        #[derive(Clone, Debug)]
        pub enum Response { $( #[doc = stringify!($op)] $op($resp), )* }

        impl Request {
            /// Which operation this is.
            pub fn operation(&self) -> Operation {
                match self { $( Request::$op(_) => Operation::$op, )* }
            }

            /// Parses `op`'s input from any serde format. Call it inside
            /// [`codec::with_format`] to choose how blobs and timestamps are read.
            pub fn parse<'de, D: Deserializer<'de>>(op: Operation, input: D) -> Result<Request> {
                match op {
                    $( Operation::$op => serde_path_to_error::deserialize::<_, $req>(input)
                        .map(Request::$op)
                        .map_err(|e| serialization_error(e.path())), )*
                }
            }

            pub(crate) fn audit_parameters(&self) -> Value {
                let v = codec::with_format(Format::Audit, || match self {
                    $( Request::$op(r) => serde_json::to_value(r), )*
                });
                v.map(audit::sanitize).unwrap_or(Value::Null)
            }
        }

        impl Serialize for Response {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                match self { $( Response::$op(r) => r.serialize(s), )* }
            }
        }

        impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
            fn run(&self, call: &mut Call, request: Request) -> Outcome<Response> {
                match request {
                    $( Request::$op(r) => self.$run(call, r).map(|(o, b)| (Response::$op(o), b)), )*
                }
            }

            $(
                #[doc = concat!("Runs ", stringify!($op), ".")]
                pub fn $api(&mut self, request: $req) -> Result<$resp> {
                    match self.execute(Request::$op(request))? {
                        Response::$op(r) => Ok(r),
                        _ => Err(KmsError::Internal("Mismatched response.".to_owned())),
                    }
                }
            )*
        }
    };
}

operations! {
    CreateKey(CreateKeyRequest) -> KeyMetadataResponse { run: op_create_key, api: create_key, read_only: false }
    DescribeKey(DescribeKeyRequest) -> KeyMetadataResponse { run: op_describe_key, api: describe_key, read_only: true }
    ListKeys(ListKeysRequest) -> ListKeysResponse { run: op_list_keys, api: list_keys, read_only: true }
    UpdateKeyDescription(UpdateKeyDescriptionRequest) -> Empty { run: op_update_key_description, api: update_key_description, read_only: false }
    EnableKey(KeyIdRequest) -> Empty { run: op_enable_key, api: enable_key, read_only: false }
    DisableKey(KeyIdRequest) -> Empty { run: op_disable_key, api: disable_key, read_only: false }
    Encrypt(EncryptRequest) -> EncryptResponse { run: op_encrypt, api: encrypt, read_only: true }
    Decrypt(DecryptRequest) -> DecryptResponse { run: op_decrypt, api: decrypt, read_only: true }
    ReEncrypt(ReEncryptRequest) -> ReEncryptResponse { run: op_re_encrypt, api: re_encrypt, read_only: true }
    GenerateDataKey(GenerateDataKeyRequest) -> GenerateDataKeyResponse { run: op_generate_data_key, api: generate_data_key, read_only: true }
    GenerateDataKeyWithoutPlaintext(GenerateDataKeyRequest) -> GenerateDataKeyWithoutPlaintextResponse { run: op_generate_data_key_without_plaintext, api: generate_data_key_without_plaintext, read_only: true }
    GenerateRandom(GenerateRandomRequest) -> GenerateRandomResponse { run: op_generate_random, api: generate_random, read_only: true }
    CreateAlias(AliasRequest) -> Empty { run: op_create_alias, api: create_alias, read_only: false }
    UpdateAlias(AliasRequest) -> Empty { run: op_update_alias, api: update_alias, read_only: false }
    DeleteAlias(DeleteAliasRequest) -> Empty { run: op_delete_alias, api: delete_alias, read_only: false }
    ListAliases(ListAliasesRequest) -> ListAliasesResponse { run: op_list_aliases, api: list_aliases, read_only: true }
    TagResource(TagResourceRequest) -> Empty { run: op_tag_resource, api: tag_resource, read_only: false }
    UntagResource(UntagResourceRequest) -> Empty { run: op_untag_resource, api: untag_resource, read_only: false }
    ListResourceTags(ListResourceTagsRequest) -> ListResourceTagsResponse { run: op_list_resource_tags, api: list_resource_tags, read_only: true }
    GetKeyPolicy(GetKeyPolicyRequest) -> GetKeyPolicyResponse { run: op_get_key_policy, api: get_key_policy, read_only: true }
    ListKeyPolicies(ListKeyPoliciesRequest) -> ListKeyPoliciesResponse { run: op_list_key_policies, api: list_key_policies, read_only: true }
    ScheduleKeyDeletion(ScheduleKeyDeletionRequest) -> ScheduleKeyDeletionResponse { run: op_schedule_key_deletion, api: schedule_key_deletion, read_only: false }
    CancelKeyDeletion(KeyIdRequest) -> KeyIdResponse { run: op_cancel_key_deletion, api: cancel_key_deletion, read_only: false }
    EnableKeyRotation(EnableKeyRotationRequest) -> Empty { run: op_enable_key_rotation, api: enable_key_rotation, read_only: false }
    DisableKeyRotation(KeyIdRequest) -> Empty { run: op_disable_key_rotation, api: disable_key_rotation, read_only: false }
    GetKeyRotationStatus(KeyIdRequest) -> GetKeyRotationStatusResponse { run: op_get_key_rotation_status, api: get_key_rotation_status, read_only: true }
    RotateKeyOnDemand(KeyIdRequest) -> KeyIdResponse { run: op_rotate_key_on_demand, api: rotate_key_on_demand, read_only: false }
    ListKeyRotations(ListKeyRotationsRequest) -> ListKeyRotationsResponse { run: op_list_key_rotations, api: list_key_rotations, read_only: true }
    ReplicateKey(ReplicateKeyRequest) -> ReplicateKeyResponse { run: op_replicate_key, api: replicate_key, read_only: false }
    UpdatePrimaryRegion(UpdatePrimaryRegionRequest) -> Empty { run: op_update_primary_region, api: update_primary_region, read_only: false }
    GetParametersForImport(GetParametersForImportRequest) -> GetParametersForImportResponse { run: op_get_parameters_for_import, api: get_parameters_for_import, read_only: false }
    ImportKeyMaterial(ImportKeyMaterialRequest) -> KeyMaterialResponse { run: op_import_key_material, api: import_key_material, read_only: false }
    DeleteImportedKeyMaterial(DeleteImportedKeyMaterialRequest) -> KeyMaterialResponse { run: op_delete_imported_key_material, api: delete_imported_key_material, read_only: false }
    GenerateMac(GenerateMacRequest) -> GenerateMacResponse { run: op_generate_mac, api: generate_mac, read_only: true }
    VerifyMac(VerifyMacRequest) -> VerifyMacResponse { run: op_verify_mac, api: verify_mac, read_only: true }
    Sign(SignRequest) -> SignResponse { run: op_sign, api: sign, read_only: true }
    Verify(VerifyRequest) -> VerifyResponse { run: op_verify, api: verify, read_only: true }
    GetPublicKey(GetPublicKeyRequest) -> GetPublicKeyResponse { run: op_get_public_key, api: get_public_key, read_only: true }
    GenerateDataKeyPair(GenerateDataKeyPairRequest) -> GenerateDataKeyPairResponse { run: op_generate_data_key_pair, api: generate_data_key_pair, read_only: true }
    GenerateDataKeyPairWithoutPlaintext(GenerateDataKeyPairRequest) -> GenerateDataKeyPairWithoutPlaintextResponse { run: op_generate_data_key_pair_without_plaintext, api: generate_data_key_pair_without_plaintext, read_only: true }
    DeriveSharedSecret(DeriveSharedSecretRequest) -> DeriveSharedSecretResponse { run: op_derive_shared_secret, api: derive_shared_secret, read_only: true }
}

/// A member that serde could not read, as AWS's SerializationException. The message names the
/// member but never repeats serde's text, which can quote the value sent (perhaps a secret in
/// the wrong member) and names Rust types.
fn serialization_error(path: &serde_path_to_error::Path) -> KmsError {
    let path = path.to_string();
    KmsError::Serialization(if path == "." {
        "The request body is not a valid request for this operation.".to_owned()
    } else {
        format!("The value of member {path} is not of the type the operation expects.")
    })
}

/// The error for a request body that is not a JSON object (serde would otherwise read an array
/// positionally into a request).
pub fn not_an_object() -> KmsError {
    KmsError::Serialization(
        "The request body is not a valid request for this operation.".to_owned(),
    )
}

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

/// The setting that holds the audit chain's head (`nextSeq`, `head`).
pub const CHAIN_META: &str = "audit.chain";
/// The setting that holds the key digest records are signed with (secret, sealed at rest).
pub const AUDIT_KEY_META: &str = "audit.key";
/// The prefix of the settings that hold digest records.
pub const DIGEST_META_PREFIX: &str = "audit.digest/";

/// The setting a digest record ending at event `seq` is kept under (ordered by `seq`).
fn digest_name(seq: u64) -> String {
    format!("{DIGEST_META_PREFIX}{seq:020}")
}

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
    /// [`crate::offload`]).
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

/// Picks the events a query selects from a stream of stored events.
pub struct EventSelector<'q> {
    query: &'q trail::Query,
    out: Vec<Value>,
    bad: Option<u64>,
}

impl<'q> EventSelector<'q> {
    /// A selector for `query` (checked by the caller).
    pub fn new(query: &'q trail::Query) -> Self {
        EventSelector {
            query,
            out: Vec::new(),
            bad: None,
        }
    }

    /// Looks at one event; `false` once no more are wanted.
    pub fn offer(&mut self, e: &StoredEvent) -> bool {
        match serde_json::from_slice::<Value>(&e.json) {
            Ok(v) if self.query.matches(&v) => self.out.push(v),
            Ok(_) => {}
            Err(_) => {
                self.bad = Some(e.seq);
                return false;
            }
        }
        self.out.len() < self.query.limit.unwrap_or(usize::MAX)
    }

    /// The selected events, or the error for an event that is not JSON.
    pub fn finish(self) -> Result<Vec<Value>> {
        match self.bad {
            Some(seq) => Err(KmsError::Storage(format!(
                "stored audit event {seq} is not readable JSON"
            ))),
            None => Ok(self.out),
        }
    }
}

/// The audit chain as the store left it, and the digest key (made and stored for a new store).
fn resume_trail<S: Store, E: Entropy>(
    store: &mut S,
    entropy: &mut E,
) -> Result<(trail::Chain, zeroize::Zeroizing<Vec<u8>>)> {
    let damaged = |what: &str| KmsError::Storage(format!("the audit trail's {what} is damaged"));
    let key = match store.meta(AUDIT_KEY_META).and_then(Value::as_str) {
        Some(hex) => zeroize::Zeroizing::new(
            crate::persist::records::unhex(hex).ok_or_else(|| damaged("digest key"))?,
        ),
        None => {
            let mut key = zeroize::Zeroizing::new(vec![0u8; 32]);
            entropy.fill(&mut key)?;
            store.commit(Batch::one(Write::PutMeta(
                AUDIT_KEY_META.to_owned(),
                Value::String(ids::hex(&key)),
            )))?;
            key
        }
    };
    let chain = match store.meta(CHAIN_META) {
        None => trail::Chain::new(),
        Some(head) => {
            let next_seq = head.get("nextSeq").and_then(Value::as_u64);
            let hash = head
                .get("head")
                .and_then(Value::as_str)
                .and_then(crate::persist::records::unhex32);
            let (Some(next_seq), Some(hash)) = (next_seq, hash) else {
                return Err(damaged("head"));
            };
            let last_digest = store
                .meta_prefixed(DIGEST_META_PREFIX)
                .last()
                .map(|(_, d)| d);
            trail::Chain::resume(next_seq, hash, last_digest).map_err(|_| damaged("head"))?
        }
    };
    Ok((chain, key))
}

/// Who makes a call: in which Region and account, as which principal, and whether through an
/// AWS service acting on the principal's behalf (`kms:ViaService`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The partition, Region and account the call is made in.
    pub scope: Scope,
    /// The principal.
    pub principal: Principal,
    /// The service acting for the principal (for example `s3`), if any.
    pub via_service: Option<String>,
}

impl Caller {
    /// The same caller in another Region.
    pub fn in_region(&self, region: &str) -> Result<Caller> {
        if !ids::is_region(region) {
            return Err(KmsError::Validation(format!(
                "Region `{region}` is not a valid Region name"
            )));
        }
        let mut caller = self.clone();
        caller.scope.region = region.to_owned();
        Ok(caller)
    }

    /// The same caller as the root user of another account, in the same partition and Region
    /// (the caller itself if `account` is its own).
    pub fn in_account(&self, account: &str) -> Result<Caller> {
        if account == self.scope.account {
            return Ok(self.clone());
        }
        if !ids::is_account(account) {
            return Err(KmsError::Validation(format!(
                "Account `{account}` is not a 12-digit account ID"
            )));
        }
        let mut caller = self.clone();
        caller.scope.account = account.to_owned();
        let root = caller.scope.root_principal();
        caller.principal = Principal::parse(&root).ok_or_else(|| {
            KmsError::Internal(format!("The root principal `{root}` could not be parsed."))
        })?;
        Ok(caller)
    }

    /// The same caller acting through `service` (its short name, as in `alias/aws/<service>`).
    pub fn via(&self, service: &str) -> Result<Caller> {
        let ok = !service.is_empty()
            && service.len() <= 64
            && service
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            return Err(KmsError::Validation(format!(
                "Service `{service}` is not a service name such as s3 or ebs"
            )));
        }
        let mut caller = self.clone();
        caller.via_service = Some(service.to_owned());
        Ok(caller)
    }
}

/// The state of one call while it runs: who asks, what was decided, what it touched.
pub(crate) struct Call {
    pub(crate) now: Timestamp,
    pub(crate) caller: Caller,
    decisions: Vec<Decision>,
    resources: Vec<String>,
}

impl Call {
    pub(crate) fn new(now: Timestamp, caller: &Caller) -> Self {
        Call {
            now,
            caller: caller.clone(),
            decisions: Vec::new(),
            resources: Vec::new(),
        }
    }

    /// The Region, account and partition the call is made in.
    pub(crate) fn scope(&self) -> &Scope {
        &self.caller.scope
    }

    /// The caller's Region.
    pub(crate) fn region(&self) -> &str {
        &self.caller.scope.region
    }

    /// The caller's account.
    pub(crate) fn account(&self) -> &str {
        &self.caller.scope.account
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
        let (chain, audit_key) = resume_trail(&mut store, &mut entropy)?;
        Ok(Kms {
            caller: Caller {
                scope,
                principal,
                via_service: None,
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

    /// The audit events the store holds that `query` selects, oldest first, as CloudTrail
    /// records. A query that does not check out is a ValidationException.
    pub fn audit_query(&mut self, query: &trail::Query) -> Result<Vec<Value>> {
        query.check().map_err(KmsError::Validation)?;
        let mut selector = EventSelector::new(query);
        self.store.scan_events(&mut |e| selector.offer(&e))?;
        selector.finish()
    }

    /// The selected events in CloudTrail's log file shape, `{"Records": [...]}`.
    pub fn audit_export(&mut self, query: &trail::Query) -> Result<Value> {
        let events = self.audit_query(query)?;
        Ok(trail::export(events.iter()))
    }

    /// Writes a digest record now for the events since the last one (CloudTrail writes one
    /// every hour; here one is written every [`trail::DIGEST_EVERY`] events and on demand).
    pub fn audit_digest(&mut self) -> Result<Option<Value>> {
        let saved = self.chain.clone();
        let at = self.clock.now().to_iso8601();
        let Some(d) = self.chain.digest(&at, self.audit_key.as_slice()) else {
            return Ok(None);
        };
        let end = self.chain.next_seq().saturating_sub(1);
        if let Err(e) = self
            .store
            .commit(Batch::one(Write::PutMeta(digest_name(end), d.clone())))
        {
            self.chain = saved;
            return Err(e);
        }
        Ok(Some(d))
    }

    /// Checks the stored trail against its hash chain, its digest records and the chain's
    /// head: the report names each event edited, removed, inserted or reordered, and each
    /// digest forged or edited.
    pub fn audit_verify(&mut self) -> Result<trail::Report> {
        let mut events = Vec::new();
        self.store.scan_events(&mut |e| {
            events.push(e);
            true
        })?;
        Ok(self.verify_events(&events))
    }

    /// [`Kms::audit_verify`] for events a binding read from its own database (oldest first).
    pub fn verify_events(&self, stored: &[StoredEvent]) -> trail::Report {
        let events: Vec<(trail::Link, Value)> = stored
            .iter()
            .map(|e| {
                let link = trail::Link {
                    seq: e.seq,
                    prev: e.prev,
                    hash: e.hash,
                };
                // An event that is not even JSON was edited: it is checked as a string, which
                // no stored hash matches.
                let value = serde_json::from_slice::<Value>(&e.json).unwrap_or_else(|_| {
                    Value::String(String::from_utf8_lossy(&e.json).into_owned())
                });
                (link, value)
            })
            .collect();
        let digests: Vec<Value> = self
            .store
            .meta_prefixed(DIGEST_META_PREFIX)
            .map(|(_, d)| d.clone())
            .collect();
        trail::verify(
            &events,
            &digests,
            self.audit_key.as_slice(),
            Some(self.chain.head()),
        )
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
        if let Err(e) = self.apply_due(call.now) {
            return Err(self.refuse(op, &call, parameters, e));
        }
        // AWS managed keys the request names are created for it; if the call then fails, they
        // are removed again, so a failed call changes nothing.
        let managed = self
            .managed_keys_to_create(caller, call.now, &parameters)
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
        let outcome = self.run(&mut call, request).and_then(|(response, batch)| {
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
                Write::PutKey(k) => lifecycle::next_due(k),
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
                serde_json::json!({ "nextSeq": next_seq, "head": ids::hex(&head) }),
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

    /// Where a faster engine offers key pairs and private-key results (see [`crate::offload`]).
    pub fn offload(&self) -> std::cell::RefMut<'_, Offload> {
        self.offload.borrow_mut()
    }

    /// The key `key_ref` (a key ID, key ARN, alias name or alias ARN) names in `caller`'s
    /// Region, if `caller` may perform `action` on it in its present state. The decision is
    /// asked at the one authorization point but not recorded: nothing is audited here, because
    /// the call that follows is.
    fn offload_key(&self, caller: &Caller, key_ref: &str, action: &str) -> Option<&KeyRecord> {
        let mut call = Call::new(self.clock.now(), caller);
        let key = self
            .find_key(&call, Some(key_ref), "keyId", Aliases::Accepted)
            .ok()?;
        self.admit(&mut call, key, action, StateRule::Crypto).ok()?;
        Some(key)
    }

    /// For an engine that computes results ahead of a call (see [`crate::offload`]): the
    /// asymmetric key that `key_ref` names, as `(current material ID, spec, usage)`, if
    /// `caller` may perform `action` (`kms:Sign`, `kms:Verify`, `kms:Decrypt`) on it now.
    pub fn offload_target(
        &self,
        caller: &Caller,
        key_ref: &str,
        action: &str,
    ) -> Option<([u8; 32], AsymSpec, String)> {
        let key = self.offload_key(caller, key_ref, action)?;
        let material = key.current_material()?;
        let spec = material.key.asym().ok()?.spec();
        Some((material.id, spec, key.key_usage.clone()))
    }

    /// The PKCS#8 private key of material `material_id` of the key `key_ref` names, for an
    /// engine to import once as a non-extractable key; only if `caller` may perform `action`
    /// on the key now. Zeroized on drop.
    pub fn offload_private_key(
        &self,
        caller: &Caller,
        key_ref: &str,
        material_id: &[u8; 32],
        action: &str,
    ) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        let key = self.offload_key(caller, key_ref, action)?;
        key.material(material_id)?.key.asym().ok()?.to_pkcs8().ok()
    }

    /// The DER SubjectPublicKeyInfo of material `material_id` of the key `key_ref` names, for an
    /// engine to check signatures with; only if `caller` may perform `action` on the key now.
    pub fn offload_public_key(
        &self,
        caller: &Caller,
        key_ref: &str,
        material_id: &[u8; 32],
        action: &str,
    ) -> Option<Vec<u8>> {
        let key = self.offload_key(caller, key_ref, action)?;
        key.material(material_id)?
            .key
            .asym()
            .ok()?
            .public_key_der()
            .ok()
    }

    /// A new key pair of `spec`: one a faster engine offered, else one generated here.
    pub(crate) fn new_key_pair(&self, spec: AsymSpec) -> Result<AsymKey> {
        if let Some(key) = self.offload.borrow_mut().take_key_pair(spec) {
            return Ok(key);
        }
        AsymKey::generate(spec, &mut *self.entropy.borrow_mut())
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
                    let next = self.store.all_keys().filter_map(lifecycle::next_due).min();
                    self.next_due = Some(next);
                    next
                }
            };
            if next.is_none_or(|t| t > now) {
                return Ok(());
            }
            let (batch, events) = self.due_effects(now)?;
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

    /// An event of the kind every record shares, for `name` at `at` by `identity`.
    fn base_event(
        &mut self,
        name: &str,
        at: Timestamp,
        region: &str,
        identity: UserIdentity,
    ) -> AuditEvent {
        AuditEvent {
            event_version: "1.08".to_owned(),
            user_identity: identity,
            event_time: at.to_iso8601(),
            event_source: "kms.amazonaws.com".to_owned(),
            event_name: name.to_owned(),
            aws_region: region.to_owned(),
            source_ip_address: "127.0.0.1".to_owned(),
            user_agent: "wasm-kms".to_owned(),
            request_parameters: Value::Null,
            response_elements: Value::Null,
            error_code: None,
            error_message: None,
            additional_event_data: Value::Null,
            request_id: self.uuid().unwrap_or_default(),
            event_id: self.uuid().unwrap_or_default(),
            read_only: false,
            resources: Vec::new(),
            event_type: "AwsApiCall".to_owned(),
            management_event: true,
            recipient_account_id: self.caller.scope.account.clone(),
            event_category: "Management".to_owned(),
        }
    }

    fn resource(&self, arn: &str) -> Resource {
        Resource {
            account_id: self.caller.scope.account.clone(),
            kind: "AWS::KMS::Key".to_owned(),
            arn: arn.to_owned(),
        }
    }

    /// What KMS did by itself, as CloudTrail records it (`AwsServiceEvent`).
    fn service_event(&mut self, e: ServiceEvent) -> AuditEvent {
        let identity = UserIdentity {
            kind: "AWSService".to_owned(),
            principal_id: None,
            arn: None,
            account_id: self.caller.scope.account.clone(),
            invoked_by: Some("kms.amazonaws.com".to_owned()),
        };
        let mut event = self.base_event(e.name, e.at, &e.region, identity);
        event.source_ip_address = "kms.amazonaws.com".to_owned();
        event.user_agent = "kms.amazonaws.com".to_owned();
        event.additional_event_data = e.data;
        event.resources = vec![self.resource(&e.key_arn)];
        event.event_type = "AwsServiceEvent".to_owned();
        event
    }

    /// The event of one call, allowed or refused.
    pub(crate) fn call_event(
        &mut self,
        op: Operation,
        call: &Call,
        parameters: Value,
        result: std::result::Result<&Response, &KmsError>,
    ) -> AuditEvent {
        let (error_code, error_message) = match result {
            Ok(_) => (None, None),
            Err(e) => (Some(e.name().to_owned()), e.message().map(str::to_owned)),
        };
        let response_elements = match result {
            Ok(r) if !op.read_only() => codec::with_format(Format::Audit, || {
                serde_json::to_value(r).map(audit::sanitize)
            })
            .unwrap_or(Value::Null),
            _ => Value::Null,
        };
        let principal = &call.caller.principal;
        let identity = UserIdentity {
            kind: principal.kind.as_str().to_owned(),
            principal_id: Some(principal.account.clone()),
            arn: Some(principal.arn.clone()),
            account_id: principal.account.clone(),
            invoked_by: call
                .caller
                .via_service
                .as_ref()
                .map(|s| format!("{s}.amazonaws.com")),
        };
        let mut event = self.base_event(op.name(), call.now, call.region(), identity);
        event.request_parameters = parameters;
        event.response_elements = response_elements;
        event.error_code = error_code;
        event.error_message = error_message;
        event.additional_event_data = audit::decisions(&call.decisions);
        event.read_only = op.read_only();
        event.resources = call
            .resources
            .iter()
            .map(|arn| self.resource(arn))
            .collect();
        event
    }

    // ---- helpers the operations share -------------------------------------------------------

    /// Fills a fresh array with random bytes.
    pub(crate) fn random<const N: usize>(&self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        self.entropy.borrow_mut().fill(&mut out)?;
        Ok(out)
    }

    /// The entropy source itself, for code that takes an RNG (RSA key generation, blinding).
    pub(crate) fn entropy(&self) -> std::cell::RefMut<'_, E> {
        self.entropy.borrow_mut()
    }

    /// Fills `buf` with random bytes in place (for secrets: no copy is left behind).
    pub(crate) fn fill_random(&self, buf: &mut [u8]) -> Result<()> {
        self.entropy.borrow_mut().fill(buf)
    }

    /// A fresh vector of random bytes.
    pub(crate) fn random_vec(&self, n: usize) -> Result<Vec<u8>> {
        let mut out = vec![0u8; n];
        self.entropy.borrow_mut().fill(&mut out)?;
        Ok(out)
    }

    fn uuid(&self) -> Result<String> {
        Ok(KeyId::new_regional(self.random()?).as_str().to_owned())
    }

    /// The one authorization point: records the decision and refuses a denial.
    pub(crate) fn authorize(
        &self,
        call: &mut Call,
        action: &str,
        resource: &str,
        resource_account: &str,
        manager: &KeyManager,
    ) -> Result<()> {
        let principal = &call.caller.principal;
        let decision = authz::authorize(&AuthzRequest {
            principal: &principal.arn,
            principal_account: &principal.account,
            action,
            resource,
            resource_account,
            via_service: call.caller.via_service.as_deref(),
            aws_managed_by: match manager {
                KeyManager::Aws { service } => Some(service),
                KeyManager::Customer => None,
            },
        });
        let denied =
            (decision.effect == Effect::Deny).then(|| decision.denial_message(&principal.arn));
        call.decisions.push(decision);
        match denied {
            Some(message) => Err(KmsError::AccessDenied(message)),
            None => Ok(()),
        }
    }

    /// Resolves a `KeyId` argument to a key, with AWS's NotFound texts.
    pub(crate) fn find_key(
        &self,
        call: &Call,
        key_id: Option<&str>,
        member: &str,
        aliases: Aliases,
    ) -> Result<&KeyRecord> {
        let input = key_id.ok_or_else(|| KmsError::missing(member))?;
        let scope = call.scope();
        let id = match ids::parse_key_ref(input, member, scope, aliases)? {
            KeyRef::Key(id) => id,
            KeyRef::Alias(alias) => {
                let record = self
                    .store
                    .alias(&scope.account, &scope.region, &alias)
                    .ok_or_else(|| {
                        KmsError::NotFound(format!(
                            "Alias {} is not found.",
                            scope.alias_arn(&alias)
                        ))
                    })?;
                record.target.clone()
            }
        };
        // A bare key ID or an alias names a key of the caller's own account: another
        // account's key is found only by its ARN (and the ARN of another account's key is
        // refused above), so it is not there for this caller.
        self.store
            .key(&scope.region, &id)
            .filter(|k| k.account == scope.account)
            .ok_or_else(|| {
                KmsError::NotFound(format!("Key '{}' does not exist", scope.key_arn(&id)))
            })
    }

    /// Records that the call touches `key`, asks whether the caller may perform `action` on it,
    /// and checks that its state allows `rule`.
    pub(crate) fn admit(
        &self,
        call: &mut Call,
        key: &KeyRecord,
        action: &str,
        rule: StateRule,
    ) -> Result<()> {
        if !call.resources.contains(&key.arn) {
            call.resources.push(key.arn.clone());
        }
        self.authorize(call, action, &key.arn, &key.account, &key.manager)?;
        state::check(rule, key.state, &key.arn)
    }

    /// Resolves a key, asks whether the caller may perform `action` on it, and checks that its
    /// state allows `rule`: the check order AWS uses after validation.
    pub(crate) fn use_key(
        &self,
        call: &mut Call,
        key_id: Option<&str>,
        member: &str,
        aliases: Aliases,
        action: &str,
        rule: StateRule,
    ) -> Result<&KeyRecord> {
        let key = self.find_key(call, key_id, member, aliases)?;
        self.admit(call, key, action, rule)?;
        Ok(key)
    }

    /// How every cryptographic operation finds its key, after checking its own members:
    /// GrantTokens, then the key `KeyId` names (a key ID, key ARN, alias name or alias ARN),
    /// which the caller may use for `action` in a state that allows cryptography.
    pub(crate) fn crypto_key(
        &self,
        call: &mut Call,
        key_id: Option<&str>,
        grant_tokens: Option<&Vec<String>>,
        action: &str,
    ) -> Result<&KeyRecord> {
        crate::validate::grant_tokens(grant_tokens)?;
        self.use_key(
            call,
            key_id,
            "keyId",
            Aliases::Accepted,
            action,
            StateRule::Crypto,
        )
    }

    /// [`Kms::use_key`] for the common case: a `KeyId` member that takes a key ID or key ARN only.
    pub(crate) fn key_by_id(
        &self,
        call: &mut Call,
        key_id: Option<&str>,
        action: &str,
        rule: StateRule,
    ) -> Result<&KeyRecord> {
        self.use_key(call, key_id, "keyId", Aliases::Refused, action, rule)
    }

    /// Authorizes an action that names no key (CreateKey, ListKeys, GenerateRandom…).
    pub(crate) fn authorize_account(&self, call: &mut Call, action: &str) -> Result<()> {
        let account = call.scope().account.clone();
        self.authorize(call, action, "*", &account, &KeyManager::Customer)
    }
}
