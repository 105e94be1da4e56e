//! Storage: the records the service keeps, and one interface to read them and commit a batch of
//! writes atomically.
//!
//! Operations are sans-I/O: they read through [`Store`], decide, and hand back one [`Batch`].
//! The service commits that batch in one step, so an operation either takes effect whole or not
//! at all. [`MemoryStore`] is the in-memory backend; durable backends implement the same trait.

use std::collections::BTreeMap;

use crate::access::grant::Grant;
use crate::codec::Timestamp;
use crate::crypto::wrap::WrappingAlgorithm;
use crate::crypto::Secret;
use crate::domain::ids::{AliasName, KeyId};
use crate::domain::spec::{KeySpec, KeyUsage, Origin};
use crate::domain::state::KeyState;
use crate::error::Result;
use crate::iam::Identity;

/// How a generation of material came to be current.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RotationType {
    /// By the key's automatic rotation schedule.
    Automatic,
    /// By RotateKeyOnDemand.
    OnDemand,
}

impl RotationType {
    /// AWS's name.
    pub fn as_str(self) -> &'static str {
        match self {
            RotationType::Automatic => "AUTOMATIC",
            RotationType::OnDemand => "ON_DEMAND",
        }
    }
}

/// One generation of a key's material.
#[derive(Clone, Debug)]
pub struct Material {
    /// 256-bit material ID (shown as 64 hex digits).
    pub id: [u8; 32],
    /// The secret.
    pub key: Secret,
    /// When it was made (for a rotation, the rotation date).
    pub created: Timestamp,
    /// `None` for the key's original material.
    pub rotation: Option<RotationType>,
}

/// A multi-Region key's role in its set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MultiRegionRole {
    /// The key the set is managed from.
    Primary,
    /// A copy in another Region, with the same ID and material.
    Replica,
}

impl MultiRegionRole {
    /// AWS's `MultiRegionKeyType`.
    pub fn as_str(self) -> &'static str {
        match self {
            MultiRegionRole::Primary => "PRIMARY",
            MultiRegionRole::Replica => "REPLICA",
        }
    }
}

/// One set of import parameters from GetParametersForImport: a wrapping key pair and the token
/// that names it, valid for 24 hours.
#[derive(Clone)]
pub struct ImportParameters {
    /// The opaque token the caller sends back with the material.
    pub token: Vec<u8>,
    /// The private half of the wrapping key.
    pub wrapping_key: rsa::PrivateKey,
    /// How the caller will wrap the material.
    pub algorithm: WrappingAlgorithm,
    /// When the token and wrapping key expire.
    pub valid_to: Timestamp,
}

impl std::fmt::Debug for ImportParameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ImportParameters({}, valid to {:?}, wrapping key ...)",
            self.algorithm.as_str(),
            self.valid_to
        )
    }
}

/// What a key with imported material (Origin EXTERNAL) keeps about its import.
#[derive(Clone, Debug, Default)]
pub struct Import {
    /// Outstanding import parameters, oldest first.
    pub parameters: Vec<ImportParameters>,
    /// The ID of the material the key takes, set by the first import: re-imports must match.
    pub material_id: Option<[u8; 32]>,
    /// When the imported material expires (`KEY_MATERIAL_EXPIRES`), while it is imported.
    pub valid_to: Option<Timestamp>,
    /// `KEY_MATERIAL_EXPIRES` or `KEY_MATERIAL_DOES_NOT_EXPIRE`, while material is imported.
    pub expiration_model: Option<String>,
}

/// A scheduled deletion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deletion {
    /// When the key and its material are deleted.
    pub date: Timestamp,
    /// The waiting period asked for, 7 to 30 days.
    pub window_days: i64,
}

/// An automatic rotation schedule: rotations fall due every `period_days` after `since`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RotationSchedule {
    /// 90 to 2560 days.
    pub period_days: i64,
    /// When rotation was enabled, or the last automatic rotation.
    pub since: Timestamp,
}

impl RotationSchedule {
    /// When the next automatic rotation falls due.
    pub fn next(&self) -> Timestamp {
        self.since.plus_days(self.period_days)
    }
}

/// Who manages a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyManager {
    /// Created by the account with CreateKey.
    Customer,
    /// Created on a service's behalf (`alias/aws/<service>`).
    Aws {
        /// The service's short name, for example `s3`.
        service: String,
    },
}

impl KeyManager {
    /// AWS's name.
    pub fn as_str(&self) -> &'static str {
        match self {
            KeyManager::Customer => "CUSTOMER",
            KeyManager::Aws { .. } => "AWS",
        }
    }
}

/// Everything kept about one KMS key in one Region.
#[derive(Clone, Debug)]
pub struct KeyRecord {
    /// The Region it lives in.
    pub region: String,
    /// The key ID.
    pub id: KeyId,
    /// The key ARN.
    pub arn: String,
    /// The owning account.
    pub account: String,
    /// When it was created.
    pub created: Timestamp,
    /// Free text, 0 to 8192 characters.
    pub description: String,
    /// The key state.
    pub state: KeyState,
    /// AWS's `KeySpec`.
    pub key_spec: KeySpec,
    /// AWS's `KeyUsage`.
    pub key_usage: KeyUsage,
    /// AWS's `Origin` (`AWS_KMS` or `EXTERNAL`).
    pub origin: Origin,
    /// Customer or AWS managed.
    pub manager: KeyManager,
    /// The key policy document, as given.
    pub policy: String,
    /// Tags in insertion order.
    pub tags: Vec<(String, String)>,
    /// Every generation of material; the last is current.
    pub materials: Vec<Material>,
    /// Set while the key is pending deletion.
    pub deletion: Option<Deletion>,
    /// Set while automatic rotation is enabled (for a multi-Region set, on its primary only).
    pub rotation: Option<RotationSchedule>,
    /// For a multi-Region key, its role in the set.
    pub multi_region: Option<MultiRegionRole>,
    /// For a key with imported material (Origin EXTERNAL).
    pub import: Option<Import>,
    /// Its grants, oldest first (a replica has its own: grants are not shared in a set).
    pub grants: Vec<Grant>,
}

impl KeyRecord {
    /// The material new ciphertexts use.
    pub fn current_material(&self) -> Option<&Material> {
        self.materials.last()
    }

    /// The material with this ID, if the key has it.
    pub fn material(&self, id: &[u8; 32]) -> Option<&Material> {
        self.materials.iter().find(|m| &m.id == id)
    }

    /// The grant with this ID, if the key has it.
    pub fn grant(&self, id: &str) -> Option<&Grant> {
        self.grants.iter().find(|g| g.id == id)
    }
}

/// An alias and its target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AliasRecord {
    /// The account it belongs to (its target's): each account has its own alias names.
    pub account: String,
    /// The Region it lives in.
    pub region: String,
    /// The alias name.
    pub name: AliasName,
    /// The key it points at.
    pub target: KeyId,
    /// When it was created.
    pub created: Timestamp,
    /// When it was last pointed at a key.
    pub updated: Timestamp,
}

/// One write in a batch.
#[derive(Clone, Debug)]
pub enum Write {
    /// Create or replace a key.
    PutKey(Box<KeyRecord>),
    /// Create or replace an alias.
    PutAlias(AliasRecord),
    /// Remove an alias (account, Region, name).
    DeleteAlias(String, String, AliasName),
    /// Remove a key and all its material (Region, ID).
    DeleteKey(String, KeyId),
    /// Set a service setting (the audit chain's head, the clock's offset).
    PutMeta(String, serde_json::Value),
    /// Create or replace an IAM user, role, managed policy or access key.
    PutIdentity(Box<Identity>),
    /// Remove an IAM record (by its store name, [`Identity::store_name`]).
    DeleteIdentity(String),
    /// Append an audit event.
    Event(Box<StoredEvent>),
}

/// One audit event as stored: its place in the hash chain and its CloudTrail record as JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// Its sequence number in the trail.
    pub seq: u64,
    /// The hash of the event before it.
    pub prev: [u8; 32],
    /// Its own hash.
    pub hash: [u8; 32],
    /// The CloudTrail record, as JSON.
    pub json: Vec<u8>,
}

/// The writes of one operation, committed together or not at all.
#[derive(Clone, Debug, Default)]
pub struct Batch(pub Vec<Write>);

impl Batch {
    /// A batch of one write.
    pub fn one(w: Write) -> Self {
        Batch(vec![w])
    }

    /// A batch that creates or replaces one key.
    pub fn put_key(key: KeyRecord) -> Self {
        Batch::one(Write::PutKey(Box::new(key)))
    }

    /// The writes that undo this batch's creation of keys and aliases (for a batch that only
    /// creates: AWS managed keys made for a call that then fails).
    pub fn undo_creations(&self) -> Batch {
        Batch(
            self.0
                .iter()
                .filter_map(|w| match w {
                    Write::PutKey(k) => Some(Write::DeleteKey(k.region.clone(), k.id.clone())),
                    Write::PutAlias(a) => Some(Write::DeleteAlias(
                        a.account.clone(),
                        a.region.clone(),
                        a.name.clone(),
                    )),
                    Write::DeleteAlias(..)
                    | Write::DeleteKey(..)
                    | Write::PutMeta(..)
                    | Write::PutIdentity(_)
                    | Write::DeleteIdentity(_)
                    | Write::Event(_) => None,
                })
                .collect(),
        )
    }
}

/// Read access to the records, and atomic commits. Every record belongs to one Region.
pub trait Store {
    /// A key by Region and ID.
    fn key(&self, region: &str, id: &KeyId) -> Option<&KeyRecord>;
    /// The keys of one Region, ordered by ID.
    fn keys(&self, region: &str) -> Box<dyn Iterator<Item = &KeyRecord> + '_>;
    /// The keys of every Region.
    fn all_keys(&self) -> Box<dyn Iterator<Item = &KeyRecord> + '_>;
    /// The keys with this ID in every Region (a multi-Region set), ordered by Region.
    fn key_in_all_regions(&self, id: &KeyId) -> Box<dyn Iterator<Item = &KeyRecord> + '_>;
    /// An alias by account, Region and name.
    fn alias(&self, account: &str, region: &str, name: &AliasName) -> Option<&AliasRecord>;
    /// The aliases of one account in one Region, ordered by name.
    fn aliases(&self, account: &str, region: &str) -> Box<dyn Iterator<Item = &AliasRecord> + '_>;
    /// A service setting.
    fn meta(&self, name: &str) -> Option<&serde_json::Value>;
    /// The settings whose names start with `prefix`, ordered by name.
    fn meta_prefixed<'a>(
        &'a self,
        prefix: &'a str,
    ) -> Box<dyn Iterator<Item = (&'a String, &'a serde_json::Value)> + 'a>;
    /// An IAM record by its store name ([`crate::iam::user_name`] and the like).
    fn identity(&self, name: &str) -> Option<&Identity>;
    /// The IAM records whose store names start with `prefix`, in name order.
    fn identities<'a>(&'a self, prefix: &'a str) -> Box<dyn Iterator<Item = &'a Identity> + 'a>;
    /// Applies every write of `batch`, or none of them.
    fn commit(&mut self, batch: Batch) -> Result<()>;
    /// Calls `f` with every audit event the store holds, oldest first, until it returns
    /// `false`. (The in-memory store holds the most recent [`MEMORY_EVENT_LIMIT`].)
    fn scan_events(&mut self, f: &mut dyn FnMut(StoredEvent) -> bool) -> Result<()>;

    /// The whole store as one backup encrypted under `passphrase` (see
    /// [`crate::persist::backup`]), for a store that keeps its records sealed and can read
    /// them all itself. Others refuse.
    fn export_backup(&mut self, passphrase: &[u8], iterations: u32) -> Result<Vec<u8>> {
        let _ = (passphrase, iterations);
        Err(crate::error::KmsError::Storage(
            "only a store opened with Kms.open can be backed up".to_owned(),
        ))
    }
}

/// The most audit events the in-memory store keeps; older ones are dropped first.
pub const MEMORY_EVENT_LIMIT: usize = 10_000;

/// Records in memory: for tests, and for pages that need no persistence.
#[derive(Default)]
pub struct MemoryStore {
    keys: BTreeMap<String, BTreeMap<KeyId, KeyRecord>>,
    /// By (account, Region), then name.
    aliases: BTreeMap<(String, String), BTreeMap<AliasName, AliasRecord>>,
    meta: BTreeMap<String, serde_json::Value>,
    identities: BTreeMap<String, Identity>,
    events: std::collections::VecDeque<StoredEvent>,
    /// How many events to keep (`None`: [`MEMORY_EVENT_LIMIT`]).
    event_limit: Option<usize>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Settings may hold secrets (the audit digest key): show only counts.
        f.debug_struct("MemoryStore")
            .field(
                "keys",
                &self.keys.values().map(BTreeMap::len).sum::<usize>(),
            )
            .field(
                "aliases",
                &self.aliases.values().map(BTreeMap::len).sum::<usize>(),
            )
            .field("settings", &self.meta.len())
            .field("events", &self.events.len())
            .finish()
    }
}

impl MemoryStore {
    /// A store that keeps at most `limit` audit events (a durable store keeps only those not
    /// yet in its audit file, and sets no limit).
    pub fn with_event_limit(limit: usize) -> Self {
        MemoryStore {
            event_limit: Some(limit),
            ..MemoryStore::default()
        }
    }

    /// Drops the audit events held in memory (a durable store's audit file now has them).
    pub fn take_events(&mut self) -> std::collections::VecDeque<StoredEvent> {
        std::mem::take(&mut self.events)
    }

    /// Every meta setting.
    pub fn all_meta(&self) -> &BTreeMap<String, serde_json::Value> {
        &self.meta
    }
}

impl Store for MemoryStore {
    fn key(&self, region: &str, id: &KeyId) -> Option<&KeyRecord> {
        self.keys.get(region)?.get(id)
    }

    fn keys(&self, region: &str) -> Box<dyn Iterator<Item = &KeyRecord> + '_> {
        Box::new(self.keys.get(region).into_iter().flat_map(BTreeMap::values))
    }

    fn all_keys(&self) -> Box<dyn Iterator<Item = &KeyRecord> + '_> {
        Box::new(self.keys.values().flat_map(BTreeMap::values))
    }

    fn key_in_all_regions(&self, id: &KeyId) -> Box<dyn Iterator<Item = &KeyRecord> + '_> {
        let id = id.clone();
        Box::new(self.keys.values().filter_map(move |region| region.get(&id)))
    }

    fn alias(&self, account: &str, region: &str, name: &AliasName) -> Option<&AliasRecord> {
        self.aliases
            .get(&(account.to_owned(), region.to_owned()))?
            .get(name)
    }

    fn aliases(&self, account: &str, region: &str) -> Box<dyn Iterator<Item = &AliasRecord> + '_> {
        Box::new(
            self.aliases
                .get(&(account.to_owned(), region.to_owned()))
                .into_iter()
                .flat_map(BTreeMap::values),
        )
    }

    fn meta(&self, name: &str) -> Option<&serde_json::Value> {
        self.meta.get(name)
    }

    fn meta_prefixed<'a>(
        &'a self,
        prefix: &'a str,
    ) -> Box<dyn Iterator<Item = (&'a String, &'a serde_json::Value)> + 'a> {
        Box::new(
            self.meta
                .range(prefix.to_owned()..)
                .take_while(move |(k, _)| k.starts_with(prefix)),
        )
    }

    fn scan_events(&mut self, f: &mut dyn FnMut(StoredEvent) -> bool) -> Result<()> {
        for e in &self.events {
            if !f(e.clone()) {
                break;
            }
        }
        Ok(())
    }

    fn identity(&self, name: &str) -> Option<&Identity> {
        self.identities.get(name)
    }

    fn identities<'a>(&'a self, prefix: &'a str) -> Box<dyn Iterator<Item = &'a Identity> + 'a> {
        Box::new(
            self.identities
                .range(prefix.to_owned()..)
                .take_while(move |(name, _)| name.starts_with(prefix))
                .map(|(_, i)| i),
        )
    }

    fn commit(&mut self, batch: Batch) -> Result<()> {
        // In memory nothing can fail part-way, so applying in order is atomic.
        for w in batch.0 {
            match w {
                Write::PutKey(k) => {
                    let region = self.keys.entry(k.region.clone()).or_default();
                    region.insert(k.id.clone(), *k);
                }
                Write::PutAlias(a) => {
                    let place = (a.account.clone(), a.region.clone());
                    self.aliases
                        .entry(place)
                        .or_default()
                        .insert(a.name.clone(), a);
                }
                Write::DeleteAlias(account, region, name) => {
                    if let Some(r) = self.aliases.get_mut(&(account, region)) {
                        r.remove(&name);
                    }
                }
                Write::DeleteKey(region, id) => {
                    if let Some(r) = self.keys.get_mut(&region) {
                        r.remove(&id);
                    }
                }
                Write::PutMeta(name, value) => {
                    self.meta.insert(name, value);
                }
                Write::PutIdentity(i) => {
                    self.identities.insert(i.store_name(), *i);
                }
                Write::DeleteIdentity(name) => {
                    self.identities.remove(&name);
                }
                Write::Event(e) => {
                    let limit = self.event_limit.unwrap_or(MEMORY_EVENT_LIMIT);
                    while self.events.len() >= limit.max(1) {
                        self.events.pop_front();
                    }
                    self.events.push_back(*e);
                }
            }
        }
        Ok(())
    }
}

/// A store chosen at run time (in memory, or durable), behind one type.
impl<T: Store + ?Sized> Store for Box<T> {
    fn key(&self, region: &str, id: &KeyId) -> Option<&KeyRecord> {
        (**self).key(region, id)
    }
    fn keys(&self, region: &str) -> Box<dyn Iterator<Item = &KeyRecord> + '_> {
        (**self).keys(region)
    }
    fn all_keys(&self) -> Box<dyn Iterator<Item = &KeyRecord> + '_> {
        (**self).all_keys()
    }
    fn key_in_all_regions(&self, id: &KeyId) -> Box<dyn Iterator<Item = &KeyRecord> + '_> {
        (**self).key_in_all_regions(id)
    }
    fn alias(&self, account: &str, region: &str, name: &AliasName) -> Option<&AliasRecord> {
        (**self).alias(account, region, name)
    }
    fn aliases(&self, account: &str, region: &str) -> Box<dyn Iterator<Item = &AliasRecord> + '_> {
        (**self).aliases(account, region)
    }
    fn meta(&self, name: &str) -> Option<&serde_json::Value> {
        (**self).meta(name)
    }
    fn meta_prefixed<'a>(
        &'a self,
        prefix: &'a str,
    ) -> Box<dyn Iterator<Item = (&'a String, &'a serde_json::Value)> + 'a> {
        (**self).meta_prefixed(prefix)
    }
    fn identity(&self, name: &str) -> Option<&Identity> {
        (**self).identity(name)
    }
    fn identities<'a>(&'a self, prefix: &'a str) -> Box<dyn Iterator<Item = &'a Identity> + 'a> {
        (**self).identities(prefix)
    }
    fn commit(&mut self, batch: Batch) -> Result<()> {
        (**self).commit(batch)
    }
    fn scan_events(&mut self, f: &mut dyn FnMut(StoredEvent) -> bool) -> Result<()> {
        (**self).scan_events(f)
    }
    fn export_backup(&mut self, passphrase: &[u8], iterations: u32) -> Result<Vec<u8>> {
        (**self).export_backup(passphrase, iterations)
    }
}
