//! A key's life over time: ScheduleKeyDeletion, CancelKeyDeletion, EnableKeyRotation,
//! DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand, ListKeyRotations, and the
//! effects the clock brings about (deletions and automatic rotations falling due).

use std::collections::BTreeMap;

use serde_json::json;

use crate::access::Action;
use crate::codec::hex;
use crate::codec::Timestamp;
use crate::crypto::{Secret, SymmetricKey};
use crate::domain::ids::KeyId;
use crate::domain::schedule::{material_expiry, next_due, rotatable, ServiceEvent};
use crate::domain::spec::KeySpec;
use crate::domain::state::{KeyState, StateRule};
use crate::error::{KmsError, Result};
use crate::model::*;
use crate::ops::ctx::{OpCtx, Outcome};
use crate::ops::import::{forget_material, origin_not_valid};
use crate::store::{
    Batch, Deletion, KeyRecord, Material, MultiRegionRole, RotationSchedule, RotationType, Write,
};
use crate::validate::{self, one_of, range};

/// The most on-demand rotations one key may have.
const MAX_ON_DEMAND_ROTATIONS: usize = 25;
/// How close an automatic rotation may be before an on-demand one conflicts with it.
const ROTATION_CONFLICT_MS: i64 = 20 * 60 * 1000;
/// The most automatic rotations applied in one pass over what is due (all keys together); any
/// still due are applied by the next pass or call.
const MAX_CATCH_UP_ROTATIONS: usize = 10_000;

/// New material for `key`, current from `at`.
fn new_material(ctx: &mut OpCtx<'_>, at: Timestamp, kind: RotationType) -> Result<Material> {
    Ok(Material {
        id: ctx.random()?,
        key: Secret::from(SymmetricKey::generate(|k| ctx.fill_random(k))?),
        created: at,
        rotation: Some(kind),
    })
}

/// The replicas of a multi-Region primary key (none for any other key).
fn replicas_of<'a>(ctx: &OpCtx<'a>, key: &KeyRecord) -> impl Iterator<Item = &'a KeyRecord> + 'a {
    let primary = key.multi_region == Some(MultiRegionRole::Primary);
    ctx.store
        .key_in_all_regions(&key.id)
        .filter(move |k| primary && k.multi_region == Some(MultiRegionRole::Replica))
}

/// The primary of the multi-Region set `key` belongs to (the key itself, if it is one).
fn primary_of<'a>(ctx: &OpCtx<'a>, key: &'a KeyRecord) -> Option<&'a KeyRecord> {
    match key.multi_region {
        Some(MultiRegionRole::Replica) => ctx
            .store
            .key_in_all_regions(&key.id)
            .find(|k| k.multi_region == Some(MultiRegionRole::Primary)),
        _ => Some(key),
    }
}

/// The writes and service events of everything that has fallen due by `now`: deletions,
/// expiries of imported material, automatic rotations (whose new material every replica of
/// a multi-Region primary receives too), and the primaries whose last replica has just gone,
/// which start their own waiting period. Every key changed is changed in one working copy
/// and written once, so no effect can undo another in the same batch.
pub(crate) fn due_effects(ctx: &mut OpCtx<'_>) -> Result<(Batch, Vec<ServiceEvent>)> {
    let now = ctx.now();
    let mut events = Vec::new();
    let mut work: BTreeMap<(String, KeyId), KeyRecord> = BTreeMap::new();
    let mut deleted: BTreeMap<(String, KeyId), Timestamp> = BTreeMap::new();
    let mut alias_deletes = Vec::new();
    let due: Vec<&KeyRecord> = ctx
        .store
        .all_keys()
        .filter(|k| next_due(k).is_some_and(|t| t <= now))
        .collect();
    let slot = |k: &KeyRecord| (k.region.clone(), k.id.clone());

    for key in &due {
        let (KeyState::PendingDeletion, Some(d)) = (key.state, key.deletion) else {
            continue;
        };
        deleted.insert(slot(key), d.date);
        for alias in ctx
            .store
            .aliases(&key.account, &key.region)
            .filter(|a| a.target == key.id)
        {
            alias_deletes.push(Write::DeleteAlias(
                key.account.clone(),
                key.region.clone(),
                alias.name.clone(),
            ));
        }
        events.push(ServiceEvent {
            name: "DeleteKey",
            at: d.date,
            key_arn: key.arn.clone(),
            region: key.region.clone(),
            data: json!({ "pendingWindowInDays": d.window_days }),
        });
    }

    for key in due.iter().filter(|k| !deleted.contains_key(&slot(k))) {
        let Some(at) = material_expiry(key).filter(|t| *t <= now) else {
            continue;
        };
        let copy = work.entry(slot(key)).or_insert_with(|| (*key).clone());
        forget_material(copy);
        events.push(ServiceEvent {
            name: "DeleteExpiredKeyMaterial",
            at,
            key_arn: key.arn.clone(),
            region: key.region.clone(),
            data: serde_json::Value::Null,
        });
    }

    let mut budget = MAX_CATCH_UP_ROTATIONS;
    for key in &due {
        if deleted.contains_key(&slot(key)) {
            continue;
        }
        let replica_slots: Vec<(String, KeyId)> = replicas_of(ctx, key)
            .filter(|r| !deleted.contains_key(&slot(r)))
            .map(|r| {
                work.entry(slot(r)).or_insert_with(|| r.clone());
                slot(r)
            })
            .collect();
        loop {
            let copy = work.entry(slot(key)).or_insert_with(|| (*key).clone());
            let Some(schedule) = copy
                .rotation
                .filter(|r| copy.state == KeyState::Enabled && r.next() <= now)
            else {
                break;
            };
            if budget == 0 {
                break;
            }
            budget -= 1;
            let at = schedule.next();
            let material = new_material(ctx, at, RotationType::Automatic)?;
            events.push(ServiceEvent {
                name: "RotateKey",
                at,
                key_arn: copy.arn.clone(),
                region: copy.region.clone(),
                data: json!({ "keyMaterialId": hex::encode(&material.id), "rotationType": "AUTOMATIC" }),
            });
            copy.materials.push(material.clone());
            copy.rotation = Some(RotationSchedule {
                since: at,
                ..schedule
            });
            for r in &replica_slots {
                if let Some(replica) = work.get_mut(r) {
                    replica.materials.push(material.clone());
                }
            }
        }
    }

    for (_, id) in deleted.keys() {
        let primary = ctx.store.key_in_all_regions(id).find(|k| {
            k.multi_region == Some(MultiRegionRole::Primary)
                && k.state == KeyState::PendingReplicaDeletion
                && !deleted.contains_key(&slot(k))
        });
        let Some(primary) = primary else { continue };
        if replicas_of(ctx, primary).any(|r| !deleted.contains_key(&slot(r))) {
            continue;
        }
        let last_gone = deleted
            .iter()
            .filter(|((_, d), _)| d == id)
            .map(|(_, t)| *t)
            .max()
            .unwrap_or(now);
        let copy = work.entry(slot(primary)).or_insert_with(|| primary.clone());
        if copy.state == KeyState::PendingReplicaDeletion {
            let window = copy.deletion.map_or(30, |d| d.window_days);
            copy.state = KeyState::PendingDeletion;
            copy.deletion = Some(Deletion {
                date: last_gone.plus_days(window),
                window_days: window,
            });
        }
    }

    let mut batch = Batch::default();
    for (region, id) in deleted.keys() {
        batch.0.push(Write::DeleteKey(region.clone(), id.clone()));
    }
    batch.0.extend(alias_deletes);
    for (key_slot, key) in work {
        if !deleted.contains_key(&key_slot) {
            batch.0.push(Write::PutKey(Box::new(key)));
        }
    }
    events.sort_by_key(|e| e.at);
    Ok((batch, events))
}

pub(crate) fn schedule_key_deletion(
    ctx: &mut OpCtx<'_>,
    req: ScheduleKeyDeletionRequest,
) -> Outcome<ScheduleKeyDeletionResponse> {
    let window = req.pending_window_in_days.unwrap_or(30);
    range(window, "pendingWindowInDays", 7, 30)?;
    let key = ctx.key_by_id(
        req.key_id.as_deref(),
        Action::ScheduleKeyDeletion,
        StateRule::ScheduleDeletion,
    )?;
    let deletion = Deletion {
        date: ctx.now().plus_days(window),
        window_days: window,
    };
    // A multi-Region primary waits for its replicas to be deleted first; its own window
    // starts when the last one has gone.
    let waits_for_replicas = replicas_of(ctx, key).next().is_some();
    let mut key = key.clone();
    key.state = if waits_for_replicas {
        KeyState::PendingReplicaDeletion
    } else {
        KeyState::PendingDeletion
    };
    key.deletion = Some(deletion);
    let out = ScheduleKeyDeletionResponse {
        key_id: key.arn.clone(),
        deletion_date: (!waits_for_replicas).then_some(deletion.date),
        key_state: key.state.as_str().to_owned(),
        pending_window_in_days: window,
    };
    Ok((out, Batch::put_key(key)))
}

pub(crate) fn cancel_key_deletion(
    ctx: &mut OpCtx<'_>,
    req: KeyIdRequest,
) -> Outcome<KeyIdResponse> {
    let key = ctx.key_by_id(
        req.key_id.as_deref(),
        Action::CancelKeyDeletion,
        StateRule::CancelDeletion,
    )?;
    let mut key = key.clone();
    key.state = KeyState::Disabled;
    key.deletion = None;
    let out = KeyIdResponse {
        key_id: key.arn.clone(),
    };
    Ok((out, Batch::put_key(key)))
}

/// The key of a rotation operation, refused as AWS refuses keys that cannot rotate.
fn rotation_key<'a>(
    ctx: &mut OpCtx<'a>,
    key_id: Option<&str>,
    action: Action,
    rule: StateRule,
) -> Result<&'a KeyRecord> {
    let key = ctx.key_by_id(key_id, action, rule)?;
    if rule != StateRule::RotationStatus && key.multi_region == Some(MultiRegionRole::Replica) {
        return Err(KmsError::UnsupportedOperation(Some(format!(
            "{} is a multi-Region replica key: its rotation is managed on its primary key.",
            key.arn
        ))));
    }
    if !rotatable(key) {
        return Err(origin_not_valid(key));
    }
    Ok(key)
}

/// EnableKeyRotation and DisableKeyRotation: the schedule `change` makes of the current one.
fn set_rotation(
    ctx: &mut OpCtx<'_>,
    key_id: Option<&str>,
    action: Action,
    change: impl FnOnce(Option<RotationSchedule>) -> Option<RotationSchedule>,
) -> Outcome<Empty> {
    let key = rotation_key(ctx, key_id, action, StateRule::RotationConfig)?;
    let mut key = key.clone();
    key.rotation = change(key.rotation);
    Ok((Empty {}, Batch::put_key(key)))
}

pub(crate) fn enable_key_rotation(
    ctx: &mut OpCtx<'_>,
    req: EnableKeyRotationRequest,
) -> Outcome<Empty> {
    let period = req.rotation_period_in_days.unwrap_or(365);
    range(period, "rotationPeriodInDays", 90, 2560)?;
    let now = ctx.now();
    // Enabling again only changes the period: the next date counts from the same base.
    set_rotation(
        ctx,
        req.key_id.as_deref(),
        Action::EnableKeyRotation,
        |current| {
            // If the new period has already run out, the rotation falls due now (it is
            // never back-dated to a time when the old material was still in use).
            let since = current.map_or(now, |r| r.since);
            let since = if since.plus_days(period) <= now {
                now.plus_days(-period)
            } else {
                since
            };
            Some(RotationSchedule {
                period_days: period,
                since,
            })
        },
    )
}

pub(crate) fn disable_key_rotation(ctx: &mut OpCtx<'_>, req: KeyIdRequest) -> Outcome<Empty> {
    set_rotation(
        ctx,
        req.key_id.as_deref(),
        Action::DisableKeyRotation,
        |_| None,
    )
}

pub(crate) fn get_key_rotation_status(
    ctx: &mut OpCtx<'_>,
    req: KeyIdRequest,
) -> Outcome<GetKeyRotationStatusResponse> {
    let key = rotation_key(
        ctx,
        req.key_id.as_deref(),
        Action::GetKeyRotationStatus,
        StateRule::RotationStatus,
    )?;
    // A key pending deletion reads as not rotating.
    // A replica reports its primary's schedule.
    let schedule = primary_of(ctx, key)
        .and_then(|p| p.rotation)
        .filter(|_| key.state != KeyState::PendingDeletion);
    let out = GetKeyRotationStatusResponse {
        key_rotation_enabled: schedule.is_some(),
        key_id: key.arn.clone(),
        rotation_period_in_days: schedule.map(|r| r.period_days),
        next_rotation_date: schedule.map(|r| r.next()),
        // On-demand rotations complete within the call, so none is ever seen running.
        on_demand_rotation_start_date: None,
    };
    Ok((out, Batch::default()))
}

pub(crate) fn rotate_key_on_demand(
    ctx: &mut OpCtx<'_>,
    req: KeyIdRequest,
) -> Outcome<KeyIdResponse> {
    let key = ctx.key_by_id(
        req.key_id.as_deref(),
        Action::RotateKeyOnDemand,
        StateRule::RotateOnDemand,
    )?;
    if key.key_spec != KeySpec::SymmetricDefault {
        // AWS sends no message here (verified).
        return Err(KmsError::UnsupportedOperation(None));
    }
    if key.import.is_some() {
        // Imported material rotates only to new imported material, and none is pending.
        return Err(KmsError::InvalidState(format!(
            "No available key material pending rotation for the key: {}.",
            key.arn
        )));
    }
    if !rotatable(key) {
        return Err(origin_not_valid(key));
    }
    let on_demand = key
        .materials
        .iter()
        .filter(|m| m.rotation == Some(RotationType::OnDemand))
        .count();
    if on_demand >= MAX_ON_DEMAND_ROTATIONS {
        return Err(KmsError::LimitExceeded(format!(
            "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {}",
            key.arn
        )));
    }
    if let Some(next) = key.rotation.map(|r| r.next()) {
        if next.millis().saturating_sub(ctx.now().millis()) <= ROTATION_CONFLICT_MS {
            return Err(KmsError::Conflict(format!(
                "An automatic rotation of {} is due within 20 minutes; try again after it.",
                key.arn
            )));
        }
    }
    if key.multi_region == Some(MultiRegionRole::Replica) {
        return Err(KmsError::UnsupportedOperation(Some(format!(
            "{} is a multi-Region replica key: its rotation is managed on its primary key.",
            key.arn
        ))));
    }
    let material = new_material(ctx, ctx.now(), RotationType::OnDemand)?;
    let mut batch = Batch::default();
    for replica in replicas_of(ctx, key) {
        let mut replica = replica.clone();
        replica.materials.push(material.clone());
        batch.0.push(Write::PutKey(Box::new(replica)));
    }
    let mut key = key.clone();
    key.materials.push(material);
    let out = KeyIdResponse {
        key_id: key.arn.clone(),
    };
    batch.0.push(Write::PutKey(Box::new(key)));
    Ok((out, batch))
}

pub(crate) fn list_key_rotations(
    ctx: &mut OpCtx<'_>,
    req: ListKeyRotationsRequest,
) -> Outcome<ListKeyRotationsResponse> {
    let include = req
        .include_key_material
        .clone()
        .unwrap_or_else(|| "ROTATIONS_ONLY".to_owned());
    one_of(
        &include,
        "includeKeyMaterial",
        &["ALL_KEY_MATERIAL", "ROTATIONS_ONLY"],
    )?;
    let args = validate::page_args(req.limit, req.marker.as_deref(), (100, 1000))?;
    let key = ctx.key_by_id(
        req.key_id.as_deref(),
        Action::ListKeyRotations,
        StateRule::RotationStatus,
    )?;
    if key.key_spec != KeySpec::SymmetricDefault {
        return Err(KmsError::UnsupportedOperation(None));
    }
    let current = key.current_material().map(|m| m.id);
    let entries: Vec<RotationsListEntry> = key
        .materials
        .iter()
        .filter(|m| include == "ALL_KEY_MATERIAL" || m.rotation.is_some())
        .map(|m| RotationsListEntry {
            key_id: key.arn.clone(),
            key_material_id: hex::encode(&m.id),
            key_material_state: if Some(m.id) == current {
                "CURRENT"
            } else {
                "NON_CURRENT"
            }
            .to_owned(),
            rotation_date: m.rotation.map(|_| m.created),
            rotation_type: m.rotation.map(|r| r.as_str().to_owned()),
        })
        .collect();
    let page = validate::page(entries, "rotations", args)?;
    let out = ListKeyRotationsResponse {
        rotations: page.items,
        next_marker: page.next_marker,
        truncated: page.truncated,
    };
    Ok((out, Batch::default()))
}
