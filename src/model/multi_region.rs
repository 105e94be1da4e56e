//! Shapes of ReplicateKey, UpdatePrimaryRegion.

use serde::{Deserialize, Serialize};

use super::*;

shape!(
    /// ReplicateKey input.
    ReplicateKeyRequest {
        key_id: String,
        replica_region: String,
        policy: String,
        bypass_policy_lockout_safety_check: bool,
        description: String,
        tags: Vec<Tag>,
    }
);

/// ReplicateKey output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicateKeyResponse {
    /// AWS's member `ReplicaKeyMetadata`.
    pub replica_key_metadata: KeyMetadata,
    /// AWS's member `ReplicaPolicy`.
    pub replica_policy: String,
    /// AWS's member `ReplicaTags`.
    pub replica_tags: Vec<Tag>,
}
