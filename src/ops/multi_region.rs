//! Multi-Region keys: ReplicateKey and UpdatePrimaryRegion. A set shares its key ID, its key
//! material (every generation) and its rotation; each key has its own Region, ARN, policy,
//! tags, description, aliases and state.

use crate::access::default_policy;
use crate::access::Action;
use crate::domain::ids::{self, Scope};
use crate::domain::state::{KeyState, StateRule};
use crate::error::{KmsError, Result};
use crate::model::*;
use crate::ops::ctx::{On, OpCtx, Outcome};
use crate::ops::keys::{check_policy, lockout_check};
use crate::store::{Batch, Import, KeyManager, KeyRecord, MultiRegionRole, Write};
use crate::validate::{self, length, required};

/// Checks a Region member (`replicaRegion`, `primaryRegion`).
fn region_member(value: Option<String>, member: &str) -> Result<String> {
    let region = required(value, member)?;
    length(&region, member, 1, 32)?;
    if !ids::is_region(&region) {
        return Err(KmsError::constraint(
            member,
            Some(&region),
            "Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$",
        ));
    }
    Ok(region)
}

/// AWS's text for an operation that needs a multi-Region primary key.
fn not_a_primary(key: &KeyRecord) -> KmsError {
    KmsError::UnsupportedOperation(Some(format!(
        "{} is not a multi-region primary key.",
        key.arn
    )))
}

pub(crate) fn replicate_key(
    ctx: &mut OpCtx<'_>,
    req: ReplicateKeyRequest,
) -> Outcome<ReplicateKeyResponse> {
    let region = region_member(req.replica_region, "replicaRegion")?;
    let parsed = req
        .policy
        .as_deref()
        .map(|p| check_policy(ctx.store, p))
        .transpose()?;
    let description = req.description.unwrap_or_default();
    length(&description, "description", 0, 8192)?;
    let tags = validate::tags(req.tags.as_deref().unwrap_or_default())?;
    validate::tag_count(tags.len())?;
    let primary = ctx.key_by_id(
        req.key_id.as_deref(),
        Action::ReplicateKey,
        StateRule::MultiRegion,
    )?;
    if primary.multi_region != Some(MultiRegionRole::Primary) {
        return Err(not_a_primary(primary));
    }
    let scope = Scope {
        region: region.clone(),
        ..ctx.scope().clone()
    };
    // Replicating creates a key in the replica's Region.
    ctx.authorize(Action::CreateKey, On::Account)?;
    if ctx.store.key(&region, &primary.id).is_some() {
        return Err(KmsError::AlreadyExists(format!(
            "Multi-Region key {} already exists in {region}.",
            primary.id
        )));
    }
    let policy = req
        .policy
        .clone()
        .unwrap_or_else(|| default_policy(&scope.partition, &scope.account));
    let replica = KeyRecord {
        region: region.clone(),
        id: primary.id.clone(),
        arn: scope.key_arn(&primary.id),
        account: scope.account.clone(),
        created: ctx.now(),
        description,
        state: KeyState::Enabled,
        key_spec: primary.key_spec,
        key_usage: primary.key_usage,
        origin: primary.origin,
        manager: KeyManager::Customer,
        policy: policy.clone(),
        tags,
        materials: primary.materials.clone(),
        deletion: None,
        rotation: None,
        multi_region: Some(MultiRegionRole::Replica),
        // A replica of a key with imported material has none until the same material is
        // imported into it too.
        import: primary.import.as_ref().map(|i| Import {
            material_id: i.material_id,
            ..Import::default()
        }),
        grants: Vec::new(),
    };
    if let Some(parsed) = &parsed {
        lockout_check(
            ctx,
            &replica,
            parsed,
            req.bypass_policy_lockout_safety_check,
        )?;
    }
    let mut replica = replica;
    if replica.import.is_some() {
        replica.materials.clear();
        replica.state = KeyState::PendingImport;
    }
    // AWS answers while the replica is still being created (verified): Creating, disabled,
    // no current material yet. It is ready by the time any later call can see it.
    let mut creating = replica.clone();
    creating.state = KeyState::Creating;
    creating.materials.clear();
    let out = ReplicateKeyResponse {
        replica_key_metadata: crate::ops::keys::metadata(ctx, &creating),
        replica_policy: policy,
        replica_tags: replica
            .tags
            .iter()
            .map(|(k, v)| Tag {
                tag_key: Some(k.clone()),
                tag_value: Some(v.clone()),
            })
            .collect(),
    };
    Ok((out, Batch::put_key(replica)))
}

pub(crate) fn update_primary_region(
    ctx: &mut OpCtx<'_>,
    req: UpdatePrimaryRegionRequest,
) -> Outcome<Empty> {
    let region = region_member(req.primary_region, "primaryRegion")?;
    let primary = ctx.key_by_id(
        req.key_id.as_deref(),
        Action::UpdatePrimaryRegion,
        StateRule::MultiRegion,
    )?;
    if primary.multi_region != Some(MultiRegionRole::Primary) {
        return Err(not_a_primary(primary));
    }
    if region == primary.region {
        return Ok((Empty {}, Batch::default()));
    }
    let replica = ctx.store.key(&region, &primary.id).ok_or_else(|| {
        let scope = Scope {
            region: region.clone(),
            ..ctx.scope().clone()
        };
        KmsError::NotFound(format!(
            "Key '{}' does not exist",
            scope.key_arn(&primary.id)
        ))
    })?;
    ctx.admit(replica, Action::UpdatePrimaryRegion, StateRule::MultiRegion)?;
    let (mut old, mut new) = (primary.clone(), replica.clone());
    old.multi_region = Some(MultiRegionRole::Replica);
    new.multi_region = Some(MultiRegionRole::Primary);
    // The set's rotation schedule moves with the primary role.
    new.rotation = old.rotation.take();
    let batch = Batch(vec![
        Write::PutKey(Box::new(old)),
        Write::PutKey(Box::new(new)),
    ]);
    Ok((Empty {}, batch))
}
