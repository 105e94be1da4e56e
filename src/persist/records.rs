//! How the records the service keeps are written down: each key and alias as one JSON document
//! carrying a schema version, with the secrets in it (key material, wrapping keys) as base64.
//! These documents are sealed ([`super::seal`]) before they reach any backend: their plaintext
//! never leaves memory, and the buffers that hold it are zeroized.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use std::collections::BTreeMap;

use crate::access::grant::{Constraint, Grant, GRANT_OPERATIONS};
use crate::access::{Action, ActionSet};
use crate::codec::hex;
use crate::codec::Timestamp;
use crate::crypto::asym::{AsymKey, AsymSpec};
use crate::crypto::wrap::WrappingAlgorithm;
use crate::crypto::{HmacKey, MacHash, Secret, SymmetricKey};
use crate::domain::ids::{AliasName, KeyId};
use crate::domain::spec::{AwsEnum, KeySpec, KeyUsage, Origin};
use crate::domain::state::KeyState;
use crate::error::{KmsError, Result};
use crate::store::{
    AliasRecord, Deletion, Import, ImportParameters, KeyManager, KeyRecord, Material,
    MultiRegionRole, RotationSchedule, RotationType,
};

/// The schema version of key and alias documents. A document of another version is refused
/// with an error that names it, never guessed at.
pub const SCHEMA_VERSION: u32 = 1;

/// The name a key is stored under.
pub fn key_name(region: &str, id: &KeyId) -> String {
    format!("key/{region}/{}", id.as_str())
}

/// The name an alias is stored under: each account has its own alias names.
pub fn alias_name(account: &str, region: &str, name: &AliasName) -> String {
    format!("alias/{region}/{account}/{}", name.as_str())
}

/// The name an alias was stored under before aliases were kept per account (such a record
/// holds no account: it is its target key's).
pub fn legacy_alias_name(region: &str, name: &AliasName) -> String {
    format!("alias/{region}/{}", name.as_str())
}

/// The ARN of a key in the `aws` partition.
fn usual_arn(region: &str, account: &str, id: &str) -> String {
    format!("arn:aws:kms:{region}:{account}:key/{id}")
}

/// The partition a key ARN names (`aws` in `arn:aws:kms:...`).
fn partition_of(arn: &str) -> &str {
    arn.split(':').nth(1).unwrap_or("aws")
}

/// A secret as base64 text whose buffer is zeroized when dropped.
#[derive(Default)]
struct SecretText(Zeroizing<String>);

impl Serialize for SecretText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(SecretText(Zeroizing::new(String::deserialize(d)?)))
    }
}

impl SecretText {
    fn encode(bytes: &[u8]) -> Self {
        SecretText(Zeroizing::new(B64.encode(bytes)))
    }

    fn decode(&self) -> Option<Zeroizing<Vec<u8>>> {
        B64.decode(self.0.as_bytes()).ok().map(Zeroizing::new)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MaterialDoc {
    id: String,
    /// Absent when it is the key's own creation date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rotation: Option<String>,
    /// `AES`, an HMAC spec (`HMAC_256`) or an asymmetric spec (`RSA_2048`).
    kind: String,
    secret: SecretText,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParametersDoc {
    token: String,
    /// The wrapping key as PKCS#8.
    wrapping_key: SecretText,
    algorithm: String,
    valid_to: i64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportDoc {
    parameters: Vec<ParametersDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    material_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    valid_to: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expiration_model: Option<String>,
}

/// A grant: its operations by their names without `kms:`, its constraint as one of two maps.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantDoc {
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    grantee: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retiring: Option<String>,
    operations: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    equals: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subset: Option<BTreeMap<String, String>>,
    /// Absent when it is the key's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    issuing_account: Option<String>,
    created: i64,
    /// Absent when the grant took effect when it was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    effective: Option<i64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyDoc {
    v: u32,
    region: String,
    id: String,
    /// Absent when it is `arn:aws:kms:<region>:<account>:key/<id>`. (Members at their most
    /// common value are left out: records are unsealed at every open, so shorter is faster.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    arn: Option<String>,
    account: String,
    created: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    description: String,
    /// Absent when `Enabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    /// Absent when `SYMMETRIC_DEFAULT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key_spec: Option<String>,
    /// Absent when `ENCRYPT_DECRYPT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key_usage: Option<String>,
    /// Absent when `AWS_KMS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    origin: Option<String>,
    /// The service of an AWS managed key; absent for a customer managed key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aws_service: Option<String>,
    /// Absent when it is the account's default key policy (most keys): a shorter record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    policy: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<(String, String)>,
    materials: Vec<MaterialDoc>,
    /// (date, window in days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deletion: Option<(i64, i64)>,
    /// (period in days, since).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rotation: Option<(i64, i64)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    multi_region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    import: Option<ImportDoc>,
    /// Absent in records written before grants were kept, and for keys without grants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    grants: Vec<GrantDoc>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AliasDoc {
    v: u32,
    /// Absent only in records written before aliases were kept per account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account: Option<String>,
    region: String,
    name: String,
    target: String,
    created: i64,
    updated: i64,
}

/// Serializes into a zeroizing buffer sized up front, so that no reallocation leaves a copy
/// of a secret behind.
fn to_zeroizing_json<T: Serialize>(doc: &T, capacity: usize) -> Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::with_capacity(capacity));
    serde_json::to_writer(&mut *out, doc)
        .map_err(|_| KmsError::Internal("A record could not be encoded.".to_owned()))?;
    Ok(out)
}

fn corrupt(name: &str, what: &str) -> KmsError {
    KmsError::Storage(format!("stored record `{name}` is not readable: {what}"))
}

fn material_doc(m: &Material, key_created: Timestamp) -> Result<MaterialDoc> {
    let (kind, secret) = match &m.key {
        Secret::Aes(k) => ("AES".to_owned(), SecretText::encode(k.secret_bytes())),
        Secret::Hmac(k) => (
            k.hash().key_spec().as_str().to_owned(),
            SecretText::encode(k.secret_bytes()),
        ),
        Secret::Asym(k) => (
            k.spec().as_str().to_owned(),
            SecretText::encode(&k.to_pkcs8()?),
        ),
    };
    Ok(MaterialDoc {
        id: hex::encode(&m.id),
        created: (m.created != key_created).then(|| m.created.millis()),
        rotation: m.rotation.map(|r| r.as_str().to_owned()),
        kind,
        secret,
    })
}

fn material_from(name: &str, d: &MaterialDoc, key_created: i64) -> Result<Material> {
    let bytes = d
        .secret
        .decode()
        .ok_or_else(|| corrupt(name, "key material is not base64"))?;
    let key = if d.kind == "AES" {
        let raw: &[u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| corrupt(name, "AES key material is not 32 bytes"))?;
        Secret::from(SymmetricKey::generate(|k| {
            k.copy_from_slice(raw);
            Ok::<_, KmsError>(())
        })?)
    } else if let Some(hash) = MacHash::parse(&d.kind) {
        Secret::Hmac(HmacKey::from_bytes(hash, &bytes))
    } else if let Some(spec) = AsymSpec::parse(&d.kind) {
        Secret::Asym(Box::new(
            AsymKey::from_pkcs8(spec, &bytes)
                .ok_or_else(|| corrupt(name, "a private key does not load"))?,
        ))
    } else {
        return Err(corrupt(name, "unknown kind of key material"));
    };
    let rotation = match d.rotation.as_deref() {
        None => None,
        Some("AUTOMATIC") => Some(RotationType::Automatic),
        Some("ON_DEMAND") => Some(RotationType::OnDemand),
        Some(_) => return Err(corrupt(name, "unknown rotation type")),
    };
    Ok(Material {
        id: hex::decode32(&d.id).ok_or_else(|| corrupt(name, "bad material ID"))?,
        key,
        created: Timestamp(d.created.unwrap_or(key_created)),
        rotation,
    })
}

fn grant_doc(g: &Grant, key_account: &str) -> GrantDoc {
    let (equals, subset) = match &g.constraint {
        None => (None, None),
        Some(Constraint::Equals(m)) => (Some(m.clone()), None),
        Some(Constraint::Subset(m)) => (None, Some(m.clone())),
    };
    GrantDoc {
        id: g.id.clone(),
        name: g.name.clone(),
        grantee: g.grantee.clone(),
        retiring: g.retiring.clone(),
        operations: g
            .operations
            .iter()
            .map(|a| a.bare_name().to_owned())
            .collect(),
        equals,
        subset,
        issuing_account: (g.issuing_account != key_account).then(|| g.issuing_account.clone()),
        created: g.created.millis(),
        effective: (g.effective != g.created).then(|| g.effective.millis()),
    }
}

fn grant_from(name: &str, d: GrantDoc, key_account: &str) -> Result<Grant> {
    let mut operations = ActionSet::EMPTY;
    for op in &d.operations {
        let action = Action::parse(&format!("kms:{op}"))
            .filter(|a| GRANT_OPERATIONS.contains(a))
            .ok_or_else(|| corrupt(name, "unknown grant operation"))?;
        operations = operations.with(action);
    }
    let constraint = match (d.equals, d.subset) {
        (None, None) => None,
        (Some(m), None) => Some(Constraint::Equals(m)),
        (None, Some(m)) => Some(Constraint::Subset(m)),
        (Some(_), Some(_)) => return Err(corrupt(name, "a grant has two constraints")),
    };
    Ok(Grant {
        id: d.id,
        name: d.name,
        grantee: d.grantee,
        retiring: d.retiring,
        operations,
        constraint,
        issuing_account: d.issuing_account.unwrap_or_else(|| key_account.to_owned()),
        created: Timestamp(d.created),
        effective: Timestamp(d.effective.unwrap_or(d.created)),
    })
}

fn state_from(name: &str, s: &str) -> Result<KeyState> {
    KeyState::parse(s).ok_or_else(|| corrupt(name, "unknown key state"))
}

/// A stored AWS name (`usual` when the record leaves it out, as it does the most common one).
fn named<T: AwsEnum>(name: &str, stored: Option<String>, usual: T, what: &str) -> Result<T> {
    match stored {
        None => Ok(usual),
        Some(s) => T::parse(&s).ok_or_else(|| corrupt(name, what)),
    }
}

/// A key as the JSON document that is sealed and stored (zeroized when dropped).
pub fn encode_key(k: &KeyRecord) -> Result<Zeroizing<Vec<u8>>> {
    let materials = k
        .materials
        .iter()
        .map(|m| material_doc(m, k.created))
        .collect::<Result<_>>()?;
    let unless = |value: &str, usual: &str| (value != usual).then(|| value.to_owned());
    let import = match &k.import {
        None => None,
        Some(i) => Some(ImportDoc {
            parameters: i
                .parameters
                .iter()
                .map(|p| {
                    use rsa::pkcs8::EncodePrivateKey as _;
                    let der = p.wrapping_key.to_pkcs8_der().map_err(|_| {
                        KmsError::Internal("A wrapping key could not be encoded.".to_owned())
                    })?;
                    Ok(ParametersDoc {
                        token: B64.encode(&p.token),
                        wrapping_key: SecretText::encode(der.as_bytes()),
                        algorithm: p.algorithm.as_str().to_owned(),
                        valid_to: p.valid_to.millis(),
                    })
                })
                .collect::<Result<_>>()?,
            material_id: i.material_id.as_ref().map(|m| hex::encode(m)),
            valid_to: i.valid_to.map(Timestamp::millis),
            expiration_model: i.expiration_model.clone(),
        }),
    };
    let doc = KeyDoc {
        v: SCHEMA_VERSION,
        region: k.region.clone(),
        id: k.id.as_str().to_owned(),
        arn: unless(&k.arn, &usual_arn(&k.region, &k.account, k.id.as_str())),
        account: k.account.clone(),
        created: k.created.millis(),
        description: k.description.clone(),
        state: unless(k.state.as_str(), "Enabled"),
        key_spec: unless(k.key_spec.as_str(), KeySpec::SymmetricDefault.as_str()),
        key_usage: unless(k.key_usage.as_str(), KeyUsage::EncryptDecrypt.as_str()),
        origin: unless(k.origin.as_str(), Origin::AwsKms.as_str()),
        aws_service: match &k.manager {
            KeyManager::Customer => None,
            KeyManager::Aws { service } => Some(service.clone()),
        },
        policy: (k.policy != crate::default_policy(partition_of(&k.arn), &k.account))
            .then(|| k.policy.clone()),
        tags: k.tags.clone(),
        materials,
        deletion: k.deletion.map(|d| (d.date.millis(), d.window_days)),
        rotation: k.rotation.map(|r| (r.period_days, r.since.millis())),
        multi_region: k.multi_region.map(|r| r.as_str().to_owned()),
        import,
        grants: k.grants.iter().map(|g| grant_doc(g, &k.account)).collect(),
    };
    let secrets: usize = doc
        .materials
        .iter()
        .map(|m| m.secret.0.len() + 256)
        .sum::<usize>()
        + doc.import.as_ref().map_or(0, |i| {
            i.parameters
                .iter()
                .map(|p| p.wrapping_key.0.len() + p.token.len() + 128)
                .sum()
        });
    let pairs = |m: &Option<BTreeMap<String, String>>| {
        m.iter()
            .flatten()
            .map(|(k, v)| 2 * (k.len() + v.len()) + 8)
            .sum::<usize>()
    };
    let grants: usize = doc
        .grants
        .iter()
        .map(|g| {
            512 + 2
                * (g.grantee.len()
                    + g.retiring.as_ref().map_or(0, String::len)
                    + g.name.as_ref().map_or(0, String::len))
                + pairs(&g.equals)
                + pairs(&g.subset)
        })
        .sum();
    to_zeroizing_json(
        &doc,
        1024 + grants
            + doc.policy.as_ref().map_or(0, String::len) * 2
            + doc.description.len() * 2
            + secrets,
    )
}

/// Reads a key document stored under `name`.
pub fn decode_key(name: &str, bytes: &[u8]) -> Result<KeyRecord> {
    let doc: KeyDoc = parse_versioned(name, bytes)?;
    let id = KeyId::parse(&doc.id).ok_or_else(|| corrupt(name, "bad key ID"))?;
    if name != key_name(&doc.region, &id) {
        return Err(corrupt(name, "it holds another key"));
    }
    let materials = doc
        .materials
        .iter()
        .map(|m| material_from(name, m, doc.created))
        .collect::<Result<Vec<_>>>()?;
    let import = match doc.import {
        None => None,
        Some(i) => Some(Import {
            parameters: i
                .parameters
                .iter()
                .map(|p| {
                    use rsa::pkcs8::DecodePrivateKey as _;
                    let der = p
                        .wrapping_key
                        .decode()
                        .ok_or_else(|| corrupt(name, "a wrapping key is not base64"))?;
                    Ok(ImportParameters {
                        token: B64
                            .decode(&p.token)
                            .map_err(|_| corrupt(name, "an import token is not base64"))?,
                        wrapping_key: rsa::PrivateKey::from_pkcs8_der(&der)
                            .map_err(|_| corrupt(name, "a wrapping key does not load"))?,
                        algorithm: WrappingAlgorithm::parse(&p.algorithm)
                            .ok_or_else(|| corrupt(name, "unknown wrapping algorithm"))?,
                        valid_to: Timestamp(p.valid_to),
                    })
                })
                .collect::<Result<_>>()?,
            material_id: match i.material_id {
                None => None,
                Some(m) => Some(hex::decode32(&m).ok_or_else(|| corrupt(name, "bad material ID"))?),
            },
            valid_to: i.valid_to.map(Timestamp),
            expiration_model: i.expiration_model,
        }),
    };
    let arn = doc
        .arn
        .unwrap_or_else(|| usual_arn(&doc.region, &doc.account, id.as_str()));
    let policy = doc
        .policy
        .unwrap_or_else(|| crate::default_policy(partition_of(&arn), &doc.account));
    let grants = doc
        .grants
        .into_iter()
        .map(|g| grant_from(name, g, &doc.account))
        .collect::<Result<Vec<_>>>()?;
    Ok(KeyRecord {
        state: state_from(name, doc.state.as_deref().unwrap_or("Enabled"))?,
        region: doc.region,
        id,
        arn,
        account: doc.account,
        created: Timestamp(doc.created),
        description: doc.description,
        key_spec: named(
            name,
            doc.key_spec,
            KeySpec::SymmetricDefault,
            "unknown key spec",
        )?,
        key_usage: named(
            name,
            doc.key_usage,
            KeyUsage::EncryptDecrypt,
            "unknown key usage",
        )?,
        origin: named(name, doc.origin, Origin::AwsKms, "unknown origin")?,
        manager: match doc.aws_service {
            None => KeyManager::Customer,
            Some(service) => KeyManager::Aws { service },
        },
        policy,
        tags: doc.tags,
        materials,
        deletion: doc.deletion.map(|(date, window_days)| Deletion {
            date: Timestamp(date),
            window_days,
        }),
        rotation: doc.rotation.map(|(period_days, since)| RotationSchedule {
            period_days,
            since: Timestamp(since),
        }),
        multi_region: match doc.multi_region.as_deref() {
            None => None,
            Some("PRIMARY") => Some(MultiRegionRole::Primary),
            Some("REPLICA") => Some(MultiRegionRole::Replica),
            Some(_) => return Err(corrupt(name, "unknown multi-Region role")),
        },
        import,
        grants,
    })
}

/// An alias as the JSON document that is stored.
pub fn encode_alias(a: &AliasRecord) -> Result<Zeroizing<Vec<u8>>> {
    to_zeroizing_json(
        &AliasDoc {
            v: SCHEMA_VERSION,
            account: Some(a.account.clone()),
            region: a.region.clone(),
            name: a.name.as_str().to_owned(),
            target: a.target.as_str().to_owned(),
            created: a.created.millis(),
            updated: a.updated.millis(),
        },
        512,
    )
}

/// Reads an alias document stored under `name`. A record from before aliases were kept per
/// account comes back with an empty `account`, for the caller to fill in from its target key.
pub fn decode_alias(name: &str, bytes: &[u8]) -> Result<AliasRecord> {
    let doc: AliasDoc = parse_versioned(name, bytes)?;
    let alias = AliasName::parse(&doc.name).map_err(|_| corrupt(name, "bad alias name"))?;
    let expected = match &doc.account {
        Some(account) => alias_name(account, &doc.region, &alias),
        None => legacy_alias_name(&doc.region, &alias),
    };
    if name != expected {
        return Err(corrupt(name, "it holds another alias"));
    }
    Ok(AliasRecord {
        account: doc.account.unwrap_or_default(),
        region: doc.region,
        name: alias,
        target: KeyId::parse(&doc.target).ok_or_else(|| corrupt(name, "bad target key ID"))?,
        created: Timestamp(doc.created),
        updated: Timestamp(doc.updated),
    })
}

/// An IAM record as stored: the schema version beside the record.
#[derive(Serialize, Deserialize)]
struct IdentityDoc {
    v: u32,
    identity: crate::iam::Identity,
}

/// Writes an IAM record (a user, role, managed policy or access key, with any secret it
/// holds: the document is sealed before it is stored).
pub fn encode_identity(i: &crate::iam::Identity) -> Result<Zeroizing<Vec<u8>>> {
    let doc = IdentityDoc {
        v: SCHEMA_VERSION,
        identity: i.clone(),
    };
    serde_json::to_vec(&doc)
        .map(Zeroizing::new)
        .map_err(|_| KmsError::Internal("An IAM record could not be encoded.".to_owned()))
}

/// Reads an IAM record stored under `name`.
pub fn decode_identity(name: &str, bytes: &[u8]) -> Result<crate::iam::Identity> {
    let doc: IdentityDoc = parse_versioned(name, bytes)?;
    if doc.identity.store_name() != name {
        return Err(corrupt(name, "it holds another IAM record"));
    }
    Ok(doc.identity)
}

/// Parses a document after checking its schema version, so that a record from a newer
/// wasm-kms is named as such rather than misread.
fn parse_versioned<T: for<'de> Deserialize<'de>>(name: &str, bytes: &[u8]) -> Result<T> {
    #[derive(Deserialize)]
    struct Version {
        v: Option<u32>,
    }
    match serde_json::from_slice::<Version>(bytes) {
        Ok(Version {
            v: Some(SCHEMA_VERSION),
        }) => {}
        Ok(Version { v: Some(other) }) => {
            return Err(corrupt(
                name,
                &format!(
                    "schema version {other}, and this wasm-kms reads version {SCHEMA_VERSION}"
                ),
            ))
        }
        Ok(Version { v: None }) | Err(_) => return Err(corrupt(name, "not a wasm-kms record")),
    }
    serde_json::from_slice(bytes)
        .map_err(|e| corrupt(name, &format!("bad document ({})", e.classify_name())))
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        // serde's own text can quote the document, which holds secrets: give only its class.
        match self.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "missing or wrong-typed field",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;
    use crate::store::{Import, KeyManager};

    fn record(key_spec: KeySpec, key_usage: KeyUsage, origin: Origin) -> KeyRecord {
        let id = KeyId::parse("1234abcd-12ab-34cd-56ef-1234567890ab").unwrap();
        KeyRecord {
            region: "us-east-1".to_owned(),
            arn: usual_arn("us-east-1", "111122223333", id.as_str()),
            id,
            account: "111122223333".to_owned(),
            created: Timestamp(1_700_000_000_000),
            description: String::new(),
            state: KeyState::PendingImport,
            key_spec,
            key_usage,
            origin,
            manager: KeyManager::Customer,
            policy: crate::default_policy("aws", "111122223333"),
            tags: Vec::new(),
            materials: Vec::new(),
            deletion: None,
            rotation: None,
            multi_region: None,
            import: Some(Import::default()),
            grants: Vec::new(),
        }
    }

    fn doc(k: &KeyRecord) -> serde_json::Value {
        serde_json::from_slice(&encode_key(k).unwrap()).unwrap()
    }

    #[test]
    fn spec_usage_and_origin_are_stored_by_their_aws_names_and_read_back() {
        let k = record(KeySpec::Rsa2048, KeyUsage::SignVerify, Origin::External);
        let d = doc(&k);
        assert_eq!(d["key_spec"], "RSA_2048");
        assert_eq!(d["key_usage"], "SIGN_VERIFY");
        assert_eq!(d["origin"], "EXTERNAL");
        let name = key_name(&k.region, &k.id);
        let back = decode_key(&name, &encode_key(&k).unwrap()).unwrap();
        assert_eq!(
            (back.key_spec, back.key_usage, back.origin),
            (KeySpec::Rsa2048, KeyUsage::SignVerify, Origin::External)
        );
        // The usual values are left out, and read back as themselves.
        let usual = record(
            KeySpec::SymmetricDefault,
            KeyUsage::EncryptDecrypt,
            Origin::AwsKms,
        );
        let d = doc(&usual);
        for member in ["key_spec", "key_usage", "origin"] {
            assert!(d.get(member).is_none(), "{member} is written");
        }
        let back = decode_key(&name, &encode_key(&usual).unwrap()).unwrap();
        assert_eq!(
            (back.key_spec, back.key_usage, back.origin),
            (
                KeySpec::SymmetricDefault,
                KeyUsage::EncryptDecrypt,
                Origin::AwsKms
            )
        );
    }

    #[test]
    fn a_stored_name_aws_does_not_have_is_a_corrupt_record() {
        let k = record(KeySpec::Rsa2048, KeyUsage::SignVerify, Origin::External);
        let name = key_name(&k.region, &k.id);
        for (member, value) in [
            ("key_spec", "RSA_1024"),
            ("key_usage", "SIGN"),
            ("origin", "ELSEWHERE"),
        ] {
            let mut d = doc(&k);
            d[member] = serde_json::Value::from(value);
            let e = decode_key(&name, &serde_json::to_vec(&d).unwrap()).unwrap_err();
            assert!(matches!(e, KmsError::Storage(_)), "{member}: {e:?}");
        }
    }
}
