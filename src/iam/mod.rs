//! IAM and STS as a KMS user needs them: users, roles, managed policies, access keys and
//! assumed-role sessions, kept in the store beside the keys, and the operations of IAM and STS
//! that create and read them (`../shared/reference/iam-sts-query-protocol.md`). The decision
//! reads a caller's identity policies and tags from here ([`crate::service`] resolves them once
//! per call); the wire format (AWS's query protocol and XML) is the endpoint's business.

pub mod acting;
pub mod ops;
pub mod seed;
mod simulate;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// An IAM user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Its account.
    pub account: String,
    /// Its name, as created (names are unique per account whatever their case).
    pub name: String,
    /// Its path (`/` or `/dev/`).
    pub path: String,
    /// Its unique ID (`AIDA…`).
    pub id: String,
    /// When it was created (milliseconds since the epoch).
    pub created: i64,
    /// Its tags, in the order given.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// Inline policies by name.
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    /// Attached managed policies, by ARN.
    #[serde(default)]
    pub attached: Vec<String>,
}

/// An IAM role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    /// Its account.
    pub account: String,
    /// Its name, as created.
    pub name: String,
    /// Its path.
    pub path: String,
    /// Its unique ID (`AROA…`).
    pub id: String,
    /// When it was created (milliseconds since the epoch).
    pub created: i64,
    /// Its trust policy (who may assume it), as given.
    pub trust: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// The longest session AssumeRole gives, in seconds.
    pub max_session: u32,
    /// Its tags.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// Inline policies by name.
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    /// Attached managed policies, by ARN.
    #[serde(default)]
    pub attached: Vec<String>,
}

/// A customer managed policy (one version: `v1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedPolicy {
    /// Its account.
    pub account: String,
    /// Its name.
    pub name: String,
    /// Its path.
    pub path: String,
    /// Its unique ID (`ANPA…`).
    pub id: String,
    /// When it was created.
    pub created: i64,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// The document of its default version.
    pub document: String,
    /// Its tags.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
}

impl ManagedPolicy {
    /// Its ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:policy{}{}",
            self.account, self.path, self.name
        )
    }
}

/// A secret credential (a secret access key or a session token): kept sealed in the store,
/// zeroized when dropped, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential(Zeroizing<String>);

impl Serialize for Credential {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Credential {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(Credential(Zeroizing::new(String::deserialize(d)?)))
    }
}

impl Credential {
    /// Wraps a credential's text.
    pub fn new(text: String) -> Self {
        Credential(Zeroizing::new(text))
    }

    /// The text, to hand to the caller who was just given it.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is this credential, compared in constant time.
    pub fn matches(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.0.len() == presented.len() && bool::from(self.0.as_bytes().ct_eq(presented.as_bytes()))
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credential(..)")
    }
}

/// An assumed-role session, as AssumeRole made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// The role's account.
    pub account: String,
    /// The role's name.
    pub role_name: String,
    /// The role's unique ID.
    pub role_id: String,
    /// The session's name.
    pub session_name: String,
    /// The session token the caller must present with the access key.
    pub token: Credential,
    /// When the credentials expire.
    pub expires: i64,
    /// Session tags (they override the role's tags of the same key).
    #[serde(default)]
    pub tags: Vec<(String, String)>,
}

impl Session {
    /// The session's ARN (`arn:aws:sts::<account>:assumed-role/<role>/<session>`).
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            self.account, self.role_name, self.session_name
        )
    }
}

/// Whose an access key is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum KeyOwner {
    /// An IAM user's long-term key.
    User {
        /// The user's account.
        account: String,
        /// The user's name.
        name: String,
    },
    /// An assumed-role session's temporary key.
    Session(Session),
}

/// An access key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessKey {
    /// Its ID (`AKIA…` for a user, `ASIA…` for a session).
    pub id: String,
    /// The secret access key (signatures are not checked: kept so the record is complete).
    pub secret: Credential,
    /// When it was created.
    pub created: i64,
    /// `Active` or `Inactive`.
    pub status: String,
    /// Whose it is.
    pub owner: KeyOwner,
}

/// Any IAM record the store keeps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Identity {
    /// A user.
    User(User),
    /// A role.
    Role(Role),
    /// A managed policy.
    Policy(ManagedPolicy),
    /// An access key.
    AccessKey(AccessKey),
}

/// The store name of `account`'s user called `name` (names are unique whatever their case).
pub fn user_name(account: &str, name: &str) -> String {
    format!("iam/{account}/user/{}", name.to_ascii_lowercase())
}

/// The store name of `account`'s role called `name`.
pub fn role_name(account: &str, name: &str) -> String {
    format!("iam/{account}/role/{}", name.to_ascii_lowercase())
}

/// The store name of `account`'s managed policy called `name`.
pub fn policy_name(account: &str, name: &str) -> String {
    format!("iam/{account}/policy/{}", name.to_ascii_lowercase())
}

/// The store name of the access key `id`.
pub fn access_key_name(id: &str) -> String {
    format!("iam/key/{id}")
}

impl Identity {
    /// The name the store keeps it under.
    pub fn store_name(&self) -> String {
        match self {
            Identity::User(u) => user_name(&u.account, &u.name),
            Identity::Role(r) => role_name(&r.account, &r.name),
            Identity::Policy(p) => policy_name(&p.account, &p.name),
            Identity::AccessKey(k) => access_key_name(&k.id),
        }
    }
}

impl User {
    /// Its ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:user{}{}",
            self.account, self.path, self.name
        )
    }
}

impl Role {
    /// Its ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:role{}{}",
            self.account, self.path, self.name
        )
    }
}

/// The last `/`-separated part of an ARN's resource (`user/dev/alice` → `alice`).
fn last_part(resource: &str) -> &str {
    resource.rsplit('/').next().unwrap_or(resource)
}

/// The account and name of an IAM ARN of `kind` (`user` or `role`):
/// `arn:aws:iam::111122223333:role/ops/app` → (`111122223333`, `app`).
pub fn split_arn<'a>(arn: &'a str, kind: &str) -> Option<(&'a str, &'a str)> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, _region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let tail = resource.strip_prefix(kind)?.strip_prefix('/')?;
    (service == "iam" && !tail.is_empty()).then(|| (account, last_part(tail)))
}

/// The account, role name and session name of an assumed-role session ARN.
pub fn split_session_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, _region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let tail = resource.strip_prefix("assumed-role/")?;
    let (role, session) = tail.split_once('/')?;
    (service == "sts" && !role.is_empty() && !session.is_empty())
        .then_some((account, role, session))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn arns_split_into_account_and_name() {
        assert_eq!(
            split_arn("arn:aws:iam::111122223333:role/ops/app", "role"),
            Some(("111122223333", "app"))
        );
        assert_eq!(
            split_arn("arn:aws:iam::111122223333:user/alice", "role"),
            None
        );
        assert_eq!(
            split_session_arn("arn:aws:sts::111122223333:assumed-role/app/s1"),
            Some(("111122223333", "app", "s1"))
        );
        assert_eq!(
            split_session_arn("arn:aws:iam::111122223333:role/app"),
            None
        );
    }

    #[test]
    fn a_credential_is_not_shown_and_compares_whole() {
        let c = Credential::new("wJalrXUtnFEMI/K7MDENG".to_owned());
        assert_eq!(format!("{c:?}"), "Credential(..)");
        assert!(c.matches("wJalrXUtnFEMI/K7MDENG"));
        assert!(!c.matches("wJalrXUtnFEMI/K7MDEN"));
        assert!(!c.matches("wJalrXUtnFEMI/K7MDENx"));
    }
}
