//! Time, purely: when the clock next changes a key by itself (the end of a deletion window, an
//! automatic rotation, the expiry of imported material), and the service events such changes
//! leave in the trail. Applying them is the operations' work ([`crate::service`] asks for it at
//! the start of each call); deciding *when* lives here, free of the store and the clock.

use crate::codec::Timestamp;
use crate::domain::spec::{KeySpec, Origin};
use crate::domain::state::KeyState;
use crate::store::KeyRecord;

/// Something the clock brought about, recorded as a CloudTrail service event.
#[derive(Clone, Debug)]
pub struct ServiceEvent {
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
pub fn next_due(key: &KeyRecord) -> Option<Timestamp> {
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
pub fn material_expiry(key: &KeyRecord) -> Option<Timestamp> {
    key.import
        .as_ref()
        .and_then(|i| i.valid_to)
        .filter(|_| !key.materials.is_empty())
}

/// Only symmetric keys with material made by KMS rotate.
pub fn rotatable(key: &KeyRecord) -> bool {
    key.key_spec == KeySpec::SymmetricDefault && key.origin == Origin::AwsKms
}
