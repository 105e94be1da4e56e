//! Seeding: a JSON file declares keys with fixed IDs, aliases, tags and, optionally, fixed key
//! material, so that tests can hard-code ciphertexts and signatures that every fresh store
//! seeded from the same file opens. Loading a seed twice changes nothing the second time.
//!
//! ```json
//! { "Keys": [ {
//!     "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
//!     "Region": "us-east-1",
//!     "KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT",
//!     "Description": "fixture key", "Policy": "{...}",
//!     "Tags": [ { "TagKey": "env", "TagValue": "test" } ],
//!     "KeyMaterial": "<base64: 32 bytes AES, raw HMAC key, or DER PKCS#8>",
//!     "Enabled": true, "EnableKeyRotation": false,
//!     "Aliases": [ "alias/fixture" ]
//! } ] }
//! ```
//!
//! Each key is made by CreateKey's own rules (so a seed gets AWS's errors), then given its fixed
//! ID and material ([`create_seeded_key`]); the rest goes through the ordinary operations, and
//! everything is audited. The service drives the loading (`Kms::seed`).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::crypto::asym::{AsymKey, AsymSpec};
use crate::crypto::{HmacKey, MacHash, Secret, SymmetricKey};
use crate::domain::ids::KeyId;
use crate::domain::spec::KeySpec;
use crate::error::{KmsError, Result};
use crate::model::*;
use crate::ops::ctx::{OpCtx, Outcome};
use crate::store::{Material, Write};

/// A seed file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Seed {
    /// IAM users, roles, policies and access keys (made before the keys, whose policies may
    /// name them).
    #[serde(default)]
    pub iam: Option<crate::iam::seed::SeedIam>,
    /// The keys to create.
    #[serde(default)]
    pub keys: Vec<SeedKey>,
}

/// One key of a seed file.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeedKey {
    /// The fixed key ID (a UUID, or `mrk-` and 32 hex digits for a multi-Region key).
    pub key_id: String,
    /// The Region (default: the service's).
    pub region: Option<String>,
    /// As CreateKey's.
    pub description: Option<String>,
    /// As CreateKey's.
    pub key_spec: Option<String>,
    /// As CreateKey's.
    pub key_usage: Option<String>,
    /// As CreateKey's.
    pub policy: Option<String>,
    /// As CreateKey's.
    pub tags: Option<Vec<Tag>>,
    /// Fixed material, base64: 32 bytes for SYMMETRIC_DEFAULT, the raw key for HMAC, a DER
    /// PKCS#8 private key for an asymmetric spec. Without it, the material is random.
    pub key_material: Option<String>,
    /// `false` leaves the key disabled.
    pub enabled: Option<bool>,
    /// Turns on automatic rotation (symmetric keys).
    pub enable_key_rotation: Option<bool>,
    /// Aliases that point at the key.
    pub aliases: Option<Vec<String>>,
}

impl std::fmt::Debug for SeedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedKey")
            .field("key_id", &self.key_id)
            .field("key_spec", &self.key_spec)
            .field("key_material", &self.key_material.as_ref().map(|_| "..."))
            .finish()
    }
}

/// What loading a seed did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SeedReport {
    /// Keys created (ARNs).
    pub created_keys: Vec<String>,
    /// Keys that were there already, with the same material where the seed fixes it.
    pub existing_keys: Vec<String>,
    /// Aliases created.
    pub created_aliases: Vec<String>,
    /// IAM users, roles and policies created (ARNs), and access keys (IDs); absent when the
    /// seed has no IAM section.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub created_identities: Vec<String>,
    /// IAM users, roles and policies that were there already.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub existing_identities: Vec<String>,
}

pub(crate) fn seed_error(key: &str, what: &str) -> KmsError {
    KmsError::Validation(format!("seed key `{key}`: {what}"))
}

/// The ID of fixed material: the same for the same key and material in every store, so a
/// ciphertext made under it opens in any store seeded from the same file.
pub(crate) fn seeded_material_id(id: &KeyId, material: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"wasm-kms seeded material v1\0");
    h.update((id.as_str().len() as u64).to_be_bytes());
    h.update(id.as_str().as_bytes());
    h.update(material);
    h.finalize().into()
}

fn secret_from(key: &str, spec: KeySpec, bytes: &[u8]) -> Result<Secret> {
    if spec == KeySpec::SymmetricDefault {
        let raw: &[u8; 32] = bytes
            .try_into()
            .map_err(|_| seed_error(key, "KeyMaterial for SYMMETRIC_DEFAULT must be 32 bytes"))?;
        return Ok(Secret::from(SymmetricKey::generate(|k| {
            k.copy_from_slice(raw);
            Ok::<_, KmsError>(())
        })?));
    }
    if let Some(hash) = MacHash::from_key_spec(spec) {
        let (min, max) = hash.import_lengths();
        if bytes.len() < min || bytes.len() > max {
            return Err(seed_error(
                key,
                &format!("KeyMaterial for {spec} must be {min} to {max} bytes"),
            ));
        }
        return Ok(Secret::Hmac(HmacKey::from_bytes(hash, bytes)));
    }
    let asym = AsymSpec::from_key_spec(spec)
        .ok_or_else(|| seed_error(key, &format!("KeyMaterial is not supported for {spec}")))?;
    let k = AsymKey::from_pkcs8(asym, bytes).ok_or_else(|| {
        seed_error(
            key,
            &format!("KeyMaterial is not a DER PKCS#8 private key of {spec}"),
        )
    })?;
    Ok(Secret::Asym(Box::new(k)))
}

/// CreateKey for a seed key: made by CreateKey's own rules (so a seed gets AWS's errors), then
/// given its fixed `id` and, if the seed fixes it, its `material`.
pub(crate) fn create_seeded_key(
    ctx: &mut OpCtx<'_>,
    seed: &SeedKey,
    id: &KeyId,
    material: Option<&[u8]>,
) -> Outcome<KeyMetadataResponse> {
    let name = seed.key_id.as_str();
    let multi_region = id.as_str().starts_with("mrk-");
    let (_, mut batch) = crate::ops::keys::create_key(ctx, seed_request(seed, multi_region))?;
    let Some(Write::PutKey(record)) = batch.0.first_mut() else {
        return Err(KmsError::Internal("CreateKey wrote no key.".to_owned()));
    };
    if ctx.store.key_in_all_regions(id).next().is_some() && !multi_region {
        return Err(seed_error(name, "the key ID is taken in another Region"));
    }
    record.arn = ctx.scope().key_arn(id);
    record.id = id.clone();
    if let Some(m) = material {
        let created = record.created;
        record.materials = vec![Material {
            id: seeded_material_id(id, m),
            key: secret_from(name, record.key_spec, m)?,
            created,
            rotation: None,
        }];
    }
    let response = KeyMetadataResponse {
        key_metadata: crate::ops::keys::metadata(ctx, record),
    };
    Ok((response, batch))
}

/// The CreateKey request a seed key makes.
pub(crate) fn seed_request(seed: &SeedKey, multi_region: bool) -> CreateKeyRequest {
    CreateKeyRequest {
        policy: seed.policy.clone(),
        description: seed.description.clone(),
        key_usage: seed.key_usage.clone(),
        key_spec: seed.key_spec.clone(),
        tags: seed.tags.clone(),
        multi_region: multi_region.then_some(true),
        ..Default::default()
    }
}
