//! A key's life over time: ScheduleKeyDeletion, CancelKeyDeletion, EnableKeyRotation,
//! DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand, ListKeyRotations, and the
//! effects the clock brings about (deletions and automatic rotations falling due).

use serde_json::json;

use crate::codec::Timestamp;
use crate::crypto::{Secret, SymmetricKey};
use crate::env::{Clock, Entropy};
use crate::error::{KmsError, Result};
use crate::ids::hex;
use crate::model::*;
use crate::ops::import::{forget_material, origin_not_valid};
use crate::service::{Call, Kms, Outcome};
use crate::state::{KeyState, StateRule};
use crate::store::{
    Batch, Deletion, KeyRecord, Material, MultiRegionRole, RotationSchedule, RotationType, Store,
    Write,
};
use crate::validate::{self, one_of, range};

/// The most on-demand rotations one key may have.
const MAX_ON_DEMAND_ROTATIONS: usize = 25;
/// How close an automatic rotation may be before an on-demand one conflicts with it.
const ROTATION_CONFLICT_MS: i64 = 20 * 60 * 1000;
/// The most automatic rotations applied in one call; any still due are applied at the next.
const MAX_CATCH_UP_ROTATIONS: usize = 1_000;

/// Something the clock brought about, recorded as a CloudTrail service event.
#[derive(Clone, Debug)]
pub(crate) struct ServiceEvent {
    /// `DeleteKey` or `RotateKey`.
    pub name: &'static str,
    /// When it fell due.
    pub at: Timestamp,
    /// The key.
    pub key_arn: String,
    /// The key's Region.
    pub region: String,
    /// CloudTrail's `additionalEventData`.
    pub data: serde_json::Value,
}

/// When the clock next changes `key` by itself: the end of its deletion window, its next
/// automatic rotation (only an enabled key rotates), or the expiry of its imported material.
pub(crate) fn next_due(key: &KeyRecord) -> Option<Timestamp> {
    let deletion = match (key.state, key.deletion) {
        (KeyState::PendingDeletion, Some(d)) => Some(d.date),
        _ => None,
    };
    let rotation = match (key.state, key.rotation) {
        (KeyState::Enabled, Some(r)) => Some(r.next()),
        _ => None,
    };
    [deletion, rotation, material_expiry(key)]
        .into_iter()
        .flatten()
        .min()
}

/// When `key`'s imported material expires, while it has some.
fn material_expiry(key: &KeyRecord) -> Option<Timestamp> {
    key.import
        .as_ref()
        .and_then(|i| i.valid_to)
        .filter(|_| !key.materials.is_empty())
}

/// Only symmetric keys with material made by KMS rotate.
fn rotatable(key: &KeyRecord) -> bool {
    key.key_spec == "SYMMETRIC_DEFAULT" && key.origin == "AWS_KMS"
}

impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
    /// New material for `key`, current from `at`.
    fn new_material(&self, at: Timestamp, kind: RotationType) -> Result<Material> {
        Ok(Material {
            id: self.random()?,
            key: Secret::from(SymmetricKey::generate(|k| self.fill_random(k))?),
            created: at,
            rotation: Some(kind),
        })
    }

    /// The replicas of a multi-Region primary key (none for any other key).
    fn replicas_of<'a>(&'a self, key: &KeyRecord) -> impl Iterator<Item = &'a KeyRecord> + 'a {
        let primary = key.multi_region == Some(MultiRegionRole::Primary);
        self.store
            .key_in_all_regions(&key.id)
            .filter(move |k| primary && k.multi_region == Some(MultiRegionRole::Replica))
    }

    /// The primary of the multi-Region set `key` belongs to (the key itself, if it is one).
    fn primary_of<'a>(&'a self, key: &'a KeyRecord) -> Option<&'a KeyRecord> {
        match key.multi_region {
            Some(MultiRegionRole::Replica) => self
                .store
                .key_in_all_regions(&key.id)
                .find(|k| k.multi_region == Some(MultiRegionRole::Primary)),
            _ => Some(key),
        }
    }

    /// The writes and service events of everything that has fallen due by `now`: deletions
    /// first, then automatic rotations (whose new material every replica of a multi-Region
    /// primary receives too), then the primaries whose last replica has just gone, which start
    /// their own waiting period.
    pub(crate) fn due_effects(&self, now: Timestamp) -> Result<(Batch, Vec<ServiceEvent>)> {
        let mut batch = Batch::default();
        let mut events = Vec::new();
        let due: Vec<&KeyRecord> = self
            .store
            .all_keys()
            .filter(|k| next_due(k).is_some_and(|t| t <= now))
            .collect();
        let mut deleted: Vec<(&str, &KeyRecord, Timestamp)> = Vec::new();
        for key in &due {
            let (KeyState::PendingDeletion, Some(d)) = (key.state, key.deletion) else {
                continue;
            };
            batch
                .0
                .push(Write::DeleteKey(key.region.clone(), key.id.clone()));
            for alias in self
                .store
                .aliases(&key.region)
                .filter(|a| a.target == key.id)
            {
                batch
                    .0
                    .push(Write::DeleteAlias(key.region.clone(), alias.name.clone()));
            }
            events.push(ServiceEvent {
                name: "DeleteKey",
                at: d.date,
                key_arn: key.arn.clone(),
                region: key.region.clone(),
                data: json!({ "pendingWindowInDays": d.window_days }),
            });
            deleted.push((key.region.as_str(), *key, d.date));
        }
        let is_deleted = |k: &KeyRecord| {
            deleted
                .iter()
                .any(|(r, d, _)| *r == k.region && d.id == k.id)
        };
        for key in due.iter().filter(|k| !is_deleted(k)) {
            let Some(at) = material_expiry(key).filter(|t| *t <= now) else {
                continue;
            };
            let mut key = (*key).clone();
            forget_material(&mut key);
            events.push(ServiceEvent {
                name: "DeleteExpiredKeyMaterial",
                at,
                key_arn: key.arn.clone(),
                region: key.region.clone(),
                data: serde_json::Value::Null,
            });
            batch.0.push(Write::PutKey(Box::new(key)));
        }
        let rotation_due = |k: &KeyRecord| {
            k.state == KeyState::Enabled && k.rotation.is_some_and(|r| r.next() <= now)
        };
        for key in due.iter().filter(|k| rotation_due(k)) {
            let mut key = (*key).clone();
            let mut replicas: Vec<KeyRecord> = self
                .replicas_of(&key)
                .filter(|r| !is_deleted(r))
                .cloned()
                .collect();
            let mut rotated = 0;
            while let Some(schedule) = key.rotation.filter(|r| r.next() <= now) {
                if rotated == MAX_CATCH_UP_ROTATIONS {
                    break;
                }
                let at = schedule.next();
                let material = self.new_material(at, RotationType::Automatic)?;
                events.push(ServiceEvent {
                    name: "RotateKey",
                    at,
                    key_arn: key.arn.clone(),
                    region: key.region.clone(),
                    data: json!({ "keyMaterialId": hex(&material.id), "rotationType": "AUTOMATIC" }),
                });
                for replica in &mut replicas {
                    replica.materials.push(material.clone());
                }
                key.materials.push(material);
                key.rotation = Some(RotationSchedule {
                    since: at,
                    ..schedule
                });
                rotated += 1;
            }
            batch.0.push(Write::PutKey(Box::new(key)));
            batch
                .0
                .extend(replicas.into_iter().map(|r| Write::PutKey(Box::new(r))));
        }
        for (_, replica, at) in &deleted {
            let primary = self.store.key_in_all_regions(&replica.id).find(|k| {
                k.multi_region == Some(MultiRegionRole::Primary)
                    && k.state == KeyState::PendingReplicaDeletion
            });
            let Some(primary) = primary else { continue };
            let remaining = self.replicas_of(primary).filter(|r| !is_deleted(r)).count();
            let last_gone = deleted
                .iter()
                .filter(|(_, d, _)| d.id == replica.id)
                .map(|(_, _, t)| *t)
                .max();
            let already = batch
                .0
                .iter()
                .any(|w| matches!(w, Write::PutKey(k) if k.id == primary.id && k.region == primary.region));
            if remaining > 0 || already || last_gone != Some(*at) {
                continue;
            }
            let mut primary = primary.clone();
            let window = primary.deletion.map_or(30, |d| d.window_days);
            primary.state = KeyState::PendingDeletion;
            primary.deletion = Some(Deletion {
                date: at.plus_days(window),
                window_days: window,
            });
            batch.0.push(Write::PutKey(Box::new(primary)));
        }
        events.sort_by_key(|e| e.at);
        Ok((batch, events))
    }

    pub(crate) fn op_schedule_key_deletion(
        &self,
        call: &mut Call,
        req: ScheduleKeyDeletionRequest,
    ) -> Outcome<ScheduleKeyDeletionResponse> {
        let window = req.pending_window_in_days.unwrap_or(30);
        range(window, "pendingWindowInDays", 7, 30)?;
        let key = self.key_by_id(
            call,
            req.key_id.as_deref(),
            "kms:ScheduleKeyDeletion",
            StateRule::ScheduleDeletion,
        )?;
        let deletion = Deletion {
            date: call.now.plus_days(window),
            window_days: window,
        };
        // A multi-Region primary waits for its replicas to be deleted first; its own window
        // starts when the last one has gone.
        let waits_for_replicas = self.replicas_of(key).next().is_some();
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

    pub(crate) fn op_cancel_key_deletion(
        &self,
        call: &mut Call,
        req: KeyIdRequest,
    ) -> Outcome<KeyIdResponse> {
        let key = self.key_by_id(
            call,
            req.key_id.as_deref(),
            "kms:CancelKeyDeletion",
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
    fn rotation_key(
        &self,
        call: &mut Call,
        key_id: Option<&str>,
        action: &str,
        rule: StateRule,
    ) -> Result<&KeyRecord> {
        let key = self.key_by_id(call, key_id, action, rule)?;
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
        &self,
        call: &mut Call,
        key_id: Option<&str>,
        action: &str,
        change: impl FnOnce(Option<RotationSchedule>) -> Option<RotationSchedule>,
    ) -> Outcome<Empty> {
        let key = self.rotation_key(call, key_id, action, StateRule::RotationConfig)?;
        let mut key = key.clone();
        key.rotation = change(key.rotation);
        Ok((Empty {}, Batch::put_key(key)))
    }

    pub(crate) fn op_enable_key_rotation(
        &self,
        call: &mut Call,
        req: EnableKeyRotationRequest,
    ) -> Outcome<Empty> {
        let period = req.rotation_period_in_days.unwrap_or(365);
        range(period, "rotationPeriodInDays", 90, 2560)?;
        let now = call.now;
        // Enabling again only changes the period: the next date counts from the same base.
        self.set_rotation(
            call,
            req.key_id.as_deref(),
            "kms:EnableKeyRotation",
            |current| {
                Some(RotationSchedule {
                    period_days: period,
                    since: current.map_or(now, |r| r.since),
                })
            },
        )
    }

    pub(crate) fn op_disable_key_rotation(
        &self,
        call: &mut Call,
        req: KeyIdRequest,
    ) -> Outcome<Empty> {
        self.set_rotation(
            call,
            req.key_id.as_deref(),
            "kms:DisableKeyRotation",
            |_| None,
        )
    }

    pub(crate) fn op_get_key_rotation_status(
        &self,
        call: &mut Call,
        req: KeyIdRequest,
    ) -> Outcome<GetKeyRotationStatusResponse> {
        let key = self.rotation_key(
            call,
            req.key_id.as_deref(),
            "kms:GetKeyRotationStatus",
            StateRule::RotationStatus,
        )?;
        // A key pending deletion reads as not rotating.
        // A replica reports its primary's schedule.
        let schedule = self
            .primary_of(key)
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

    pub(crate) fn op_rotate_key_on_demand(
        &self,
        call: &mut Call,
        req: KeyIdRequest,
    ) -> Outcome<KeyIdResponse> {
        let key = self.key_by_id(
            call,
            req.key_id.as_deref(),
            "kms:RotateKeyOnDemand",
            StateRule::RotateOnDemand,
        )?;
        if key.key_spec != "SYMMETRIC_DEFAULT" {
            // AWS sends no message here (verified).
            return Err(KmsError::UnsupportedOperation(None));
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
            if next.millis() - call.now.millis() <= ROTATION_CONFLICT_MS {
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
        let material = self.new_material(call.now, RotationType::OnDemand)?;
        let mut batch = Batch::default();
        for replica in self.replicas_of(key) {
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

    pub(crate) fn op_list_key_rotations(
        &self,
        call: &mut Call,
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
        let key = self.key_by_id(
            call,
            req.key_id.as_deref(),
            "kms:ListKeyRotations",
            StateRule::RotationStatus,
        )?;
        if key.key_spec != "SYMMETRIC_DEFAULT" {
            return Err(KmsError::UnsupportedOperation(None));
        }
        let current = key.current_material().map(|m| m.id);
        let entries: Vec<RotationsListEntry> = key
            .materials
            .iter()
            .filter(|m| include == "ALL_KEY_MATERIAL" || m.rotation.is_some())
            .map(|m| RotationsListEntry {
                key_id: key.arn.clone(),
                key_material_id: hex(&m.id),
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
}
