//! Shapes of CreateKey, DescribeKey, ListKeys, UpdateKeyDescription, EnableKey and DisableKey; tags and key policies.

use serde::{Deserialize, Serialize};

use super::*;

shape!(
    /// CreateKey input.
    CreateKeyRequest {
        policy: String,
        description: String,
        key_usage: String,
        customer_master_key_spec: String,
        key_spec: String,
        origin: String,
        custom_key_store_id: String,
        bypass_policy_lockout_safety_check: bool,
        tags: Vec<Tag>,
        multi_region: bool,
        xks_key_id: String,
    }
);

/// CreateKey and DescribeKey output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadataResponse {
    /// AWS's member `KeyMetadata`.
    pub key_metadata: KeyMetadata,
}

shape!(
    /// DescribeKey input.
    DescribeKeyRequest { key_id: String, grant_tokens: Vec<String> }
);

shape!(
    /// Input of the operations that take only a key: EnableKey, DisableKey.
    KeyIdRequest { key_id: String }
);

shape!(
    /// ListKeys input.
    ListKeysRequest { limit: i64, marker: String }
);

/// One entry of ListKeys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyListEntry {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `KeyArn`.
    pub key_arn: String,
}

/// ListKeys output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListKeysResponse {
    /// AWS's member `Keys`.
    pub keys: Vec<KeyListEntry>,
    /// AWS's member `NextMarker`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// AWS's member `Truncated`.
    pub truncated: bool,
}

shape!(
    /// UpdateKeyDescription input.
    UpdateKeyDescriptionRequest { key_id: String, description: String }
);

shape!(
    /// TagResource input.
    TagResourceRequest { key_id: String, tags: Vec<Tag> }
);

shape!(
    /// UntagResource input.
    UntagResourceRequest { key_id: String, tag_keys: Vec<String> }
);

shape!(
    /// ListResourceTags input.
    ListResourceTagsRequest { key_id: String, limit: i64, marker: String }
);

/// ListResourceTags output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListResourceTagsResponse {
    /// AWS's member `Tags`.
    pub tags: Vec<Tag>,
    /// AWS's member `NextMarker`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// AWS's member `Truncated`.
    pub truncated: bool,
}

shape!(
    /// PutKeyPolicy input.
    PutKeyPolicyRequest {
        key_id: String,
        policy_name: String,
        policy: String,
        bypass_policy_lockout_safety_check: bool,
    }
);

shape!(
    /// GetKeyPolicy input.
    GetKeyPolicyRequest { key_id: String, policy_name: String }
);

/// GetKeyPolicy output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetKeyPolicyResponse {
    /// AWS's member `Policy`.
    pub policy: String,
    /// AWS's member `PolicyName`.
    pub policy_name: String,
}

shape!(
    /// ListKeyPolicies input.
    ListKeyPoliciesRequest { key_id: String, limit: i64, marker: String }
);

/// ListKeyPolicies output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListKeyPoliciesResponse {
    /// AWS's member `PolicyNames`.
    pub policy_names: Vec<String>,
    /// AWS's member `NextMarker`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// AWS's member `Truncated`.
    pub truncated: bool,
}
