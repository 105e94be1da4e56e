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
//! ID and material; the rest goes through the ordinary operations, and everything is audited.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::crypto::asym::{AsymKey, AsymSpec};
use crate::crypto::{HmacKey, MacHash, Secret, SymmetricKey};
use crate::domain::ids::KeyId;
use crate::env::{Clock, Entropy};
use crate::error::{KmsError, Result};
use crate::model::*;
use crate::service::{Call, Kms, Operation, Request, Response};
use crate::store::{Material, Store, Write};

/// A seed file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Seed {
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
}

fn seed_error(key: &str, what: &str) -> KmsError {
    KmsError::Validation(format!("seed key `{key}`: {what}"))
}

/// The ID of fixed material: the same for the same key and material in every store, so a
/// ciphertext made under it opens in any store seeded from the same file.
fn seeded_material_id(id: &KeyId, material: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"wasm-kms seeded material v1\0");
    h.update((id.as_str().len() as u64).to_be_bytes());
    h.update(id.as_str().as_bytes());
    h.update(material);
    h.finalize().into()
}

fn secret_from(key: &str, spec: &str, bytes: &[u8]) -> Result<Secret> {
    if spec == "SYMMETRIC_DEFAULT" {
        let raw: &[u8; 32] = bytes
            .try_into()
            .map_err(|_| seed_error(key, "KeyMaterial for SYMMETRIC_DEFAULT must be 32 bytes"))?;
        return Ok(Secret::from(SymmetricKey::generate(|k| {
            k.copy_from_slice(raw);
            Ok::<_, KmsError>(())
        })?));
    }
    if let Some(hash) = MacHash::parse(spec).filter(|_| spec.starts_with("HMAC_")) {
        let (min, max) = hash.import_lengths();
        if bytes.len() < min || bytes.len() > max {
            return Err(seed_error(
                key,
                &format!("KeyMaterial for {spec} must be {min} to {max} bytes"),
            ));
        }
        return Ok(Secret::Hmac(HmacKey::from_bytes(hash, bytes)));
    }
    let asym = AsymSpec::parse(spec)
        .ok_or_else(|| seed_error(key, &format!("KeyMaterial is not supported for {spec}")))?;
    let k = AsymKey::from_pkcs8(asym, bytes).ok_or_else(|| {
        seed_error(
            key,
            &format!("KeyMaterial is not a DER PKCS#8 private key of {spec}"),
        )
    })?;
    Ok(Secret::Asym(Box::new(k)))
}

impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
    /// Loads a seed (see the module docs) as the configured caller.
    pub fn seed(&mut self, seed: &Seed) -> Result<SeedReport> {
        let mut report = SeedReport::default();
        for key in &seed.keys {
            self.seed_key(key, &mut report)?;
        }
        Ok(report)
    }

    /// Loads a seed file's JSON text.
    pub fn seed_json(&mut self, text: &str) -> Result<SeedReport> {
        let seed: Seed = serde_json::from_str(text).map_err(|e| {
            KmsError::Validation(format!(
                "the seed file is not valid: {} at line {} column {}",
                match e.classify() {
                    serde_json::error::Category::Data => "a member is unknown or of the wrong type",
                    _ => "not JSON",
                },
                e.line(),
                e.column()
            ))
        })?;
        self.seed(&seed)
    }

    fn seed_key(&mut self, seed: &SeedKey, report: &mut SeedReport) -> Result<()> {
        let name = seed.key_id.as_str();
        let id = KeyId::parse(name).ok_or_else(|| seed_error(name, "KeyId is not a key ID"))?;
        let multi_region = id.as_str().starts_with("mrk-");
        let caller = match &seed.region {
            Some(r) => self.caller().in_region(r)?,
            None => self.caller().clone(),
        };
        let material = match &seed.key_material {
            None => None,
            Some(b64) => {
                Some(zeroize::Zeroizing::new(B64.decode(b64).map_err(|_| {
                    seed_error(name, "KeyMaterial is not base64")
                })?))
            }
        };
        let region = caller.scope.region.clone();
        if let Some(existing) = self.store.key(&region, &id) {
            if let Some(m) = &material {
                let same =
                    existing.materials.first().map(|f| f.id) == Some(seeded_material_id(&id, m));
                if !same {
                    return Err(seed_error(
                        name,
                        "the key exists with other key material (a seed never replaces material)",
                    ));
                }
            }
            report.existing_keys.push(existing.arn.clone());
        } else {
            let request = CreateKeyRequest {
                policy: seed.policy.clone(),
                description: seed.description.clone(),
                key_usage: seed.key_usage.clone(),
                key_spec: seed.key_spec.clone(),
                tags: seed.tags.clone(),
                multi_region: multi_region.then_some(true),
                ..Default::default()
            };
            let parameters = Request::CreateKey(request.clone()).audit_parameters();
            let mut call = Call::new(self.clock.now(), &caller);
            let made = self
                .op_create_key(&mut call, request)
                .and_then(|(_, mut batch)| {
                    let Some(Write::PutKey(record)) = batch.0.first_mut() else {
                        return Err(KmsError::Internal("CreateKey wrote no key.".to_owned()));
                    };
                    if self.store.key_in_all_regions(&id).next().is_some() && !multi_region {
                        return Err(seed_error(name, "the key ID is taken in another Region"));
                    }
                    record.arn = call.scope().key_arn(&id);
                    record.id = id.clone();
                    if let Some(m) = &material {
                        let created = record.created;
                        record.materials = vec![Material {
                            id: seeded_material_id(&id, m),
                            key: secret_from(name, &record.key_spec, m)?,
                            created,
                            rotation: None,
                        }];
                    }
                    let response = Response::CreateKey(KeyMetadataResponse {
                        key_metadata: self.metadata(record),
                    });
                    Ok((response, batch))
                });
            match made {
                Ok((response, batch)) => {
                    let event =
                        self.call_event(Operation::CreateKey, &call, parameters, Ok(&response));
                    self.commit_with_events(batch, vec![event])?;
                    report.created_keys.push(call.scope().key_arn(&id));
                }
                Err(e) => {
                    let event = self.call_event(Operation::CreateKey, &call, parameters, Err(&e));
                    self.commit_with_events(Default::default(), vec![event])?;
                    return Err(e);
                }
            }
            if seed.enabled == Some(false) {
                self.execute_as(
                    &caller,
                    Request::DisableKey(KeyIdRequest {
                        key_id: Some(id.as_str().to_owned()),
                    }),
                )?;
            }
            if seed.enable_key_rotation == Some(true) {
                self.execute_as(
                    &caller,
                    Request::EnableKeyRotation(EnableKeyRotationRequest {
                        key_id: Some(id.as_str().to_owned()),
                        rotation_period_in_days: None,
                    }),
                )?;
            }
        }
        for alias in seed.aliases.iter().flatten() {
            let target = crate::domain::ids::AliasName::parse(alias)
                .ok()
                .and_then(|a| self.store.alias(&caller.scope.account, &region, &a))
                .map(|a| a.target.clone());
            match target {
                Some(t) if t == id => {}
                Some(_) => {
                    return Err(seed_error(
                        name,
                        &format!("alias `{alias}` exists and points at another key"),
                    ))
                }
                None => {
                    self.execute_as(
                        &caller,
                        Request::CreateAlias(AliasRequest {
                            alias_name: Some(alias.clone()),
                            target_key_id: Some(id.as_str().to_owned()),
                        }),
                    )?;
                    report.created_aliases.push(alias.clone());
                }
            }
        }
        Ok(())
    }
}
