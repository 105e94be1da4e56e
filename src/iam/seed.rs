//! The IAM part of a seed file: users, roles and managed policies (with their inline and
//! attached policies and tags), and users' access keys with fixed IDs and secrets, so that a
//! test suite can hard-code credentials that every fresh store seeded from the same file knows.
//!
//! ```json
//! { "Iam": {
//!     "Policies": [ { "PolicyName": "KmsUse", "PolicyDocument": { "Version": "2012-10-17", … } } ],
//!     "Users": [ { "UserName": "alice", "Tags": [ { "Key": "team", "Value": "blue" } ],
//!                  "Policies": { "encrypt": { … } }, "AttachedPolicies": [ "arn:aws:iam::111122223333:policy/KmsUse" ],
//!                  "AccessKeys": [ { "AccessKeyId": "AKIA…", "SecretAccessKey": "…" } ] } ],
//!     "Roles": [ { "RoleName": "app", "AssumeRolePolicyDocument": { … }, "Policies": { … } } ]
//! } }
//! ```
//!
//! Each entity may name its `Account` (default: the service's). Loading runs IAM's own
//! operations as that account's root, so a seed gets IAM's errors; what exists is left as it
//! is (its policies and tags are put again), so loading twice changes nothing the second time.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// A policy document as a seed gives it: JSON text, or the JSON itself.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum SeedDocument {
    /// The text.
    Text(String),
    /// The document.
    Json(Value),
}

impl SeedDocument {
    /// The document's text.
    pub fn text(&self) -> String {
        match self {
            SeedDocument::Text(t) => t.clone(),
            SeedDocument::Json(v) => v.to_string(),
        }
    }
}

/// A tag.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeedTag {
    /// Its key.
    pub key: String,
    /// Its value.
    pub value: String,
}

/// A fixed access key.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeedAccessKey {
    /// `AKIA` and 16 characters of `[A-Z0-9]`.
    pub access_key_id: String,
    /// 40 characters.
    pub secret_access_key: String,
}

impl std::fmt::Debug for SeedAccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedAccessKey")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// A managed policy.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeedPolicy {
    /// The account (default: the service's).
    pub account: Option<String>,
    /// As CreatePolicy's.
    pub policy_name: String,
    /// As CreatePolicy's.
    pub path: Option<String>,
    /// As CreatePolicy's.
    pub description: Option<String>,
    /// As CreatePolicy's.
    pub policy_document: SeedDocument,
}

/// A user.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeedUser {
    /// The account (default: the service's).
    pub account: Option<String>,
    /// As CreateUser's.
    pub user_name: String,
    /// As CreateUser's.
    pub path: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<SeedTag>,
    /// Inline policies by name.
    #[serde(default)]
    pub policies: BTreeMap<String, SeedDocument>,
    /// Managed policies to attach, by ARN.
    #[serde(default)]
    pub attached_policies: Vec<String>,
    /// Access keys with fixed IDs and secrets (at most 2).
    #[serde(default)]
    pub access_keys: Vec<SeedAccessKey>,
}

/// A role.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeedRole {
    /// The account (default: the service's).
    pub account: Option<String>,
    /// As CreateRole's.
    pub role_name: String,
    /// As CreateRole's.
    pub path: Option<String>,
    /// As CreateRole's.
    pub description: Option<String>,
    /// As CreateRole's.
    pub max_session_duration: Option<u32>,
    /// As CreateRole's.
    pub assume_role_policy_document: SeedDocument,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<SeedTag>,
    /// Inline policies by name.
    #[serde(default)]
    pub policies: BTreeMap<String, SeedDocument>,
    /// Managed policies to attach, by ARN.
    #[serde(default)]
    pub attached_policies: Vec<String>,
}

/// The IAM section of a seed file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeedIam {
    /// Managed policies (made first, so users and roles can attach them).
    #[serde(default)]
    pub policies: Vec<SeedPolicy>,
    /// Users.
    #[serde(default)]
    pub users: Vec<SeedUser>,
    /// Roles.
    #[serde(default)]
    pub roles: Vec<SeedRole>,
}

/// Whether `id` is a well-formed user access key ID.
pub fn is_access_key_id(id: &str) -> bool {
    id.len() == 20
        && id.starts_with("AKIA")
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Whether `secret` is a well-formed secret access key.
pub fn is_secret(secret: &str) -> bool {
    secret.len() == 40
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}
