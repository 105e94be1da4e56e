//! Shapes of CreateAlias, UpdateAlias, DeleteAlias, ListAliases.

use serde::{Deserialize, Serialize};

use super::*;

shape!(
    /// CreateAlias and UpdateAlias input.
    AliasRequest { alias_name: String, target_key_id: String }
);

shape!(
    /// DeleteAlias input.
    DeleteAliasRequest { alias_name: String }
);

shape!(
    /// ListAliases input.
    ListAliasesRequest { key_id: String, limit: i64, marker: String }
);

/// One entry of ListAliases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasListEntry {
    /// AWS's member `AliasName`.
    pub alias_name: String,
    /// AWS's member `AliasArn`.
    pub alias_arn: String,
    /// AWS's member `TargetKeyId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_key_id: Option<String>,
    /// AWS's member `CreationDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<Timestamp>,
    /// AWS's member `LastUpdatedDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated_date: Option<Timestamp>,
}

/// ListAliases output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAliasesResponse {
    /// AWS's member `Aliases`.
    pub aliases: Vec<AliasListEntry>,
    /// AWS's member `NextMarker`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// AWS's member `Truncated`.
    pub truncated: bool,
}
