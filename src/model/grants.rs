//! Shapes of CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::*;

/// A grant's encryption-context constraint, as AWS spells it (`GrantConstraints`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GrantConstraints {
    /// AWS's member `EncryptionContextSubset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_context_subset: Option<BTreeMap<String, String>>,
    /// AWS's member `EncryptionContextEquals`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_context_equals: Option<BTreeMap<String, String>>,
}

shape!(
    /// CreateGrant input.
    CreateGrantRequest {
        key_id: String,
        grantee_principal: String,
        retiring_principal: String,
        operations: Vec<String>,
        constraints: GrantConstraints,
        grant_tokens: Vec<String>,
        name: String,
        dry_run: bool,
    }
);

/// CreateGrant output.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateGrantResponse {
    /// AWS's member `GrantToken`.
    pub grant_token: String,
    /// AWS's member `GrantId`.
    pub grant_id: String,
}

impl std::fmt::Debug for CreateGrantResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A grant token lets its bearer use the grant before it takes effect: not printed.
        f.debug_struct("CreateGrantResponse")
            .field("grant_token", &"...")
            .field("grant_id", &self.grant_id)
            .finish()
    }
}

shape!(
    /// ListGrants input.
    ListGrantsRequest {
        limit: i64,
        marker: String,
        key_id: String,
        grant_id: String,
        grantee_principal: String,
    }
);

shape!(
    /// ListRetirableGrants input.
    ListRetirableGrantsRequest { limit: i64, marker: String, retiring_principal: String }
);

/// One grant, as ListGrants and ListRetirableGrants show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GrantListEntry {
    /// AWS's member `KeyId` (the key ARN).
    pub key_id: String,
    /// AWS's member `GrantId`.
    pub grant_id: String,
    /// AWS's member `Name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// AWS's member `CreationDate`.
    pub creation_date: Timestamp,
    /// AWS's member `GranteePrincipal`.
    pub grantee_principal: String,
    /// AWS's member `RetiringPrincipal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retiring_principal: Option<String>,
    /// AWS's member `IssuingAccount` (`arn:aws:iam::<account>:root`).
    pub issuing_account: String,
    /// AWS's member `Operations`.
    pub operations: Vec<String>,
    /// AWS's member `Constraints`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraints: Option<GrantConstraints>,
}

/// ListGrants and ListRetirableGrants output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListGrantsResponse {
    /// AWS's member `Grants`.
    pub grants: Vec<GrantListEntry>,
    /// AWS's member `NextMarker`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// AWS's member `Truncated`.
    pub truncated: bool,
}

shape!(
    /// RetireGrant input.
    RetireGrantRequest { grant_token: String, key_id: String, grant_id: String, dry_run: bool }
);

shape!(
    /// RevokeGrant input.
    RevokeGrantRequest { key_id: String, grant_id: String, dry_run: bool }
);
