//! Shapes of Deletion (ScheduleKeyDeletion, CancelKeyDeletion) and rotation.

use serde::{Deserialize, Serialize};

use super::*;

shape!(
    /// ScheduleKeyDeletion input.
    ScheduleKeyDeletionRequest { key_id: String, pending_window_in_days: i64 }
);

/// ScheduleKeyDeletion output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduleKeyDeletionResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `DeletionDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_date: Option<Timestamp>,
    /// AWS's member `KeyState`.
    pub key_state: String,
    /// AWS's member `PendingWindowInDays`.
    pub pending_window_in_days: i64,
}

/// Output of the operations that return only the key ARN: CancelKeyDeletion, RotateKeyOnDemand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyIdResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
}

shape!(
    /// EnableKeyRotation input.
    EnableKeyRotationRequest { key_id: String, rotation_period_in_days: i64 }
);

/// GetKeyRotationStatus output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetKeyRotationStatusResponse {
    /// AWS's member `KeyRotationEnabled`.
    pub key_rotation_enabled: bool,
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `RotationPeriodInDays`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_period_in_days: Option<i64>,
    /// AWS's member `NextRotationDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_rotation_date: Option<Timestamp>,
    /// AWS's member `OnDemandRotationStartDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_demand_rotation_start_date: Option<Timestamp>,
}

shape!(
    /// ListKeyRotations input.
    ListKeyRotationsRequest { key_id: String, include_key_material: String, limit: i64, marker: String }
);

/// One entry of ListKeyRotations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RotationsListEntry {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `KeyMaterialId`.
    pub key_material_id: String,
    /// AWS's member `KeyMaterialState`.
    pub key_material_state: String,
    /// AWS's member `RotationDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_date: Option<Timestamp>,
    /// AWS's member `RotationType`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_type: Option<String>,
}

/// ListKeyRotations output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListKeyRotationsResponse {
    /// AWS's member `Rotations`.
    pub rotations: Vec<RotationsListEntry>,
    /// AWS's member `NextMarker`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// AWS's member `Truncated`.
    pub truncated: bool,
}
