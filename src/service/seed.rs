//! Loading a seed file (see [`crate::ops::seed`]): the service drives it as a client of its own
//! pipeline, so every key, alias and setting a seed makes is audited.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::domain::ids::KeyId;
use crate::env::{Clock, Entropy};
use crate::error::{KmsError, Result};
use crate::model::*;
use crate::ops::seed::{
    create_seeded_key, seed_error, seed_request, seeded_material_id, Seed, SeedKey, SeedReport,
};
use crate::ops::Call;
use crate::store::Store;

use super::{Kms, Operation, Request, Response};

impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
    /// Loads a seed (see [`Seed`] for the file) as the configured caller.
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
            let parameters =
                Request::CreateKey(seed_request(seed, multi_region)).audit_parameters();
            let mut call = Call::new(self.clock.now(), &caller);
            let made = create_seeded_key(
                &mut self.op_ctx(&mut call),
                seed,
                &id,
                material.as_deref().map(Vec::as_slice),
            )
            .map(|(response, batch)| (Response::CreateKey(response), batch));
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
