//! Identifiers: key IDs, key and alias ARNs, alias names, and how a `KeyId` argument resolves.
//!
//! Parse, don't validate: a [`KeyId`] or [`AliasName`] value is well formed by construction.

use uuid::{Builder, Uuid};

use crate::codec::hex;
use std::fmt;

use crate::error::{KmsError, Result};

/// The account, Region and partition a call runs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// `aws`, `aws-cn` or `aws-us-gov`.
    pub partition: String,
    /// For example `us-east-1`.
    pub region: String,
    /// Twelve digits.
    pub account: String,
}

impl Scope {
    /// The ARN of a key in this scope.
    pub fn key_arn(&self, id: &KeyId) -> String {
        format!(
            "arn:{}:kms:{}:{}:key/{}",
            self.partition, self.region, self.account, id
        )
    }

    /// The ARN of an alias in this scope.
    pub fn alias_arn(&self, alias: &AliasName) -> String {
        format!(
            "arn:{}:kms:{}:{}:{}",
            self.partition,
            self.region,
            self.account,
            alias.as_str()
        )
    }

    /// The account's root principal, `arn:aws:iam::<account>:root`.
    pub fn root_principal(&self) -> String {
        format!("arn:{}:iam::{}:root", self.partition, self.account)
    }
}

/// Is `s` a Region name as AWS writes them (`us-east-1`, `us-gov-west-1`)?
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let Some((last, words)) = parts.split_last() else {
        return false;
    };
    (2..=3).contains(&words.len())
        && words
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// Is `s` twelve ASCII digits?
pub fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Is `s` one of the partitions KMS runs in?
pub fn is_partition(s: &str) -> bool {
    matches!(s, "aws" | "aws-cn" | "aws-us-gov")
}

/// What kind of principal makes the calls, as CloudTrail's `userIdentity.type` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrincipalKind {
    /// `arn:aws:iam::<account>:root`.
    Root,
    /// `arn:aws:iam::<account>:user/<name>`.
    IamUser,
    /// `arn:aws:iam::<account>:role/<name>` or `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    AssumedRole,
}

impl PrincipalKind {
    /// CloudTrail's name.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Root => "Root",
            PrincipalKind::IamUser => "IAMUser",
            PrincipalKind::AssumedRole => "AssumedRole",
        }
    }
}

/// The caller: an IAM or STS principal ARN, and the account it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The ARN.
    pub arn: String,
    /// Its account.
    pub account: String,
    /// Root, user or role.
    pub kind: PrincipalKind,
}

/// The role ARN of an assumed-role session ARN
/// (`arn:aws:sts::111122223333:assumed-role/app/s` → `arn:aws:iam::111122223333:role/app`).
pub fn role_of_session(arn: &str) -> Option<String> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (partition, service, _, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    match service {
        "sts" => {
            let role = resource.strip_prefix("assumed-role/")?.split('/').next()?;
            Some(format!("arn:{partition}:iam::{account}:role/{role}"))
        }
        "iam" if resource.starts_with("role/") => Some(arn.to_owned()),
        _ => None,
    }
}

impl Principal {
    /// An IAM user's name (`aws:username`), for a user.
    pub fn name(&self) -> Option<&str> {
        match self.kind {
            PrincipalKind::IamUser => self
                .arn
                .rsplit_once(":user/")
                .map(|(_, n)| n.rsplit('/').next().unwrap_or(n)),
            _ => None,
        }
    }

    /// Parses a principal ARN (AWS's principal pattern, 1 to 256 characters).
    pub fn parse(s: &str) -> Option<Principal> {
        let pattern_ok = (1..=256).contains(&s.chars().count())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c));
        if !pattern_ok {
            return None;
        }
        let rest = s.strip_prefix("arn:")?;
        let mut parts = rest.splitn(5, ':');
        let (partition, service, region, account, resource) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if !is_partition(partition) || !region.is_empty() || !is_account(account) {
            return None;
        }
        let named = |prefix: &str| resource.strip_prefix(prefix).is_some_and(|n| !n.is_empty());
        let kind = match service {
            "iam" if resource == "root" => PrincipalKind::Root,
            "iam" if named("user/") => PrincipalKind::IamUser,
            "iam" if named("role/") => PrincipalKind::AssumedRole,
            "sts" if named("assumed-role/") => PrincipalKind::AssumedRole,
            _ => return None,
        };
        Some(Principal {
            arn: s.to_owned(),
            account: account.to_owned(),
            kind,
        })
    }
}

/// A well-formed key ID: a lowercase hyphenated UUID, or `mrk-` and 32 lowercase hex digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

/// The kind byte of a key ID in a ciphertext blob.
const KIND_REGIONAL: u8 = 0;
const KIND_MULTI_REGION: u8 = 1;

impl KeyId {
    /// Parses a bare key ID. AWS accepts upper-case hex too and reports keys in lower case.
    pub fn parse(s: &str) -> Option<KeyId> {
        let lower = s.to_ascii_lowercase();
        if let Some(digits) = lower.strip_prefix("mrk-") {
            return (digits.len() == 32 && digits.bytes().all(|b| b.is_ascii_hexdigit()))
                .then_some(KeyId(lower));
        }
        // Only the hyphenated 8-4-4-4-12 form is 36 characters long (`uuid` reads other forms).
        (lower.len() == 36 && Uuid::try_parse(&lower).is_ok()).then_some(KeyId(lower))
    }

    /// A new random single-Region key ID (UUID version 4).
    pub fn new_regional(raw: [u8; 16]) -> KeyId {
        KeyId(uuid_text(Builder::from_random_bytes(raw).into_uuid()))
    }

    /// A new multi-Region key ID, `mrk-` and 32 hex digits.
    pub fn new_multi_region(raw: [u8; 16]) -> KeyId {
        KeyId(format!("mrk-{}", hex::encode(&raw)))
    }

    /// The ID as AWS shows it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 17-byte binary form used in ciphertext blobs: a kind byte and 128 bits.
    pub fn to_binary(&self) -> [u8; 17] {
        let (kind, raw) = match self.0.strip_prefix("mrk-") {
            Some(digits) => (
                KIND_MULTI_REGION,
                hex::decode(digits).and_then(|v| <[u8; 16]>::try_from(v).ok()),
            ),
            None => (
                KIND_REGIONAL,
                Uuid::try_parse(&self.0).ok().map(|u| *u.as_bytes()),
            ),
        };
        // A `KeyId` is only ever made well-formed (`parse` and the constructors), so `raw`
        // always decodes.
        let mut out = [0u8; 17];
        if let Some((first, rest)) = out.split_first_mut() {
            *first = kind;
            rest.copy_from_slice(&raw.unwrap_or_default());
        }
        out
    }

    /// The inverse of [`KeyId::to_binary`]; `None` for an unknown kind byte.
    pub fn from_binary(b: &[u8; 17]) -> Option<KeyId> {
        let (kind, raw) = b.split_first()?;
        let raw: [u8; 16] = raw.try_into().ok()?;
        match *kind {
            KIND_REGIONAL => Some(KeyId(uuid_text(Uuid::from_bytes(raw)))),
            KIND_MULTI_REGION => Some(KeyId::new_multi_region(raw)),
            _ => None,
        }
    }
}

/// A UUID in its lowercase hyphenated 8-4-4-4-12 form.
fn uuid_text(u: Uuid) -> String {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    u.hyphenated().encode_lower(&mut buf).to_owned()
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.0)
    }
}

/// A well-formed alias name: `alias/` and 1 to 250 characters of `[a-zA-Z0-9:/_-]`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct AliasName(String);

/// The prefix of aliases reserved for AWS managed keys.
pub const RESERVED_ALIAS_PREFIX: &str = "alias/aws/";

impl AliasName {
    /// Parses an alias name, with AWS's errors for each rule it breaks.
    pub fn parse(s: &str) -> Result<AliasName> {
        let len = s.chars().count();
        if len < 1 {
            return Err(KmsError::constraint(
                "aliasName",
                Some(s),
                "Member must have length greater than or equal to 1",
            ));
        }
        if len > 256 {
            return Err(KmsError::constraint(
                "aliasName",
                Some(s),
                "Member must have length less than or equal to 256",
            ));
        }
        if !s.starts_with("alias/") {
            return Err(KmsError::Validation(
                "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html".to_owned(),
            ));
        }
        let pattern_ok = s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'/' | b'_' | b'-'));
        if !pattern_ok || s.len() == "alias/".len() {
            return Err(KmsError::InvalidAliasName(format!(
                "Alias name {s} is invalid: it must satisfy the regular expression pattern ^alias/[a-zA-Z0-9:/_-]+$"
            )));
        }
        Ok(AliasName(s.to_owned()))
    }

    /// The full name, `alias/…`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Is this alias in the `alias/aws/` namespace reserved for AWS managed keys?
    pub fn is_reserved(&self) -> bool {
        self.0.starts_with(RESERVED_ALIAS_PREFIX)
    }
}

/// What a `KeyId` argument names, once parsed against the caller's scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyRef {
    /// A key of the caller's account, by ID or ARN.
    Key(KeyId),
    /// An alias of the caller's account, by name or ARN.
    Alias(AliasName),
    /// Another account's key, by ARN (the account, the ID).
    ForeignKey(String, KeyId),
    /// Another account's alias, by ARN (the account, the name).
    ForeignAlias(String, AliasName),
}

/// Whether an operation's `KeyId` member accepts alias names and alias ARNs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aliases {
    /// DescribeKey and the cryptographic operations.
    Accepted,
    /// Every other operation: key ID or key ARN only.
    Refused,
}

/// Parses a `KeyId` argument. `member` is the camelCase member name for validation messages.
pub fn parse_key_ref(input: &str, member: &str, scope: &Scope, aliases: Aliases) -> Result<KeyRef> {
    let len = input.chars().count();
    if len < 1 {
        return Err(KmsError::constraint(
            member,
            Some(input),
            "Member must have length greater than or equal to 1",
        ));
    }
    if len > 2048 {
        return Err(KmsError::constraint(
            member,
            Some(input),
            "Member must have length less than or equal to 2048",
        ));
    }
    let invalid = || KmsError::NotFound(format!("Invalid keyId '{input}'"));
    if let Some(rest) = input.strip_prefix("arn:") {
        let parsed =
            parse_arn(rest).ok_or_else(|| KmsError::InvalidArn(format!("Invalid arn {input}")))?;
        if parsed.region != scope.region {
            return Err(KmsError::NotFound(format!("Invalid arn {}", parsed.region)));
        }
        if let Some(id) = parsed.resource.strip_prefix("key/") {
            let id = KeyId::parse(id).ok_or_else(invalid)?;
            if parsed.partition != scope.partition {
                return Err(KmsError::NotFound(format!("Key '{input}' does not exist")));
            }
            if parsed.account != scope.account {
                return Ok(KeyRef::ForeignKey(parsed.account.to_owned(), id));
            }
            return Ok(KeyRef::Key(id));
        }
        if parsed.resource.starts_with("alias/") {
            if aliases == Aliases::Refused {
                return Err(invalid());
            }
            let alias = AliasName::parse(parsed.resource).map_err(|_| invalid())?;
            if parsed.partition != scope.partition {
                return Err(KmsError::NotFound(format!("Alias {input} is not found.")));
            }
            if parsed.account != scope.account {
                return Ok(KeyRef::ForeignAlias(parsed.account.to_owned(), alias));
            }
            return Ok(KeyRef::Alias(alias));
        }
        return Err(KmsError::InvalidArn(format!("Invalid arn {input}")));
    }
    if input.starts_with("alias/") {
        if aliases == Aliases::Refused {
            return Err(invalid());
        }
        return AliasName::parse(input)
            .map(KeyRef::Alias)
            .map_err(|_| invalid());
    }
    KeyId::parse(input).map(KeyRef::Key).ok_or_else(invalid)
}

struct Arn<'a> {
    partition: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

/// Parses the part of a KMS ARN after `arn:`.
fn parse_arn(rest: &str) -> Option<Arn<'_>> {
    let mut parts = rest.splitn(5, ':');
    let partition = parts.next()?;
    let service = parts.next()?;
    let region = parts.next()?;
    let account = parts.next()?;
    let resource = parts.next()?;
    (is_partition(partition) && service == "kms" && is_region(region) && is_account(account))
        .then_some(Arn {
            partition,
            region,
            account,
            resource,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            partition: "aws".into(),
            region: "us-east-1".into(),
            account: "111122223333".into(),
        }
    }

    #[test]
    fn key_ids_round_trip_through_binary() {
        for id in [
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "mrk-1234abcd12ab34cd56ef1234567890ab",
        ] {
            let k = KeyId::parse(id).unwrap_or_else(|| KeyId(String::new()));
            assert_eq!(k.as_str(), id);
            assert_eq!(KeyId::from_binary(&k.to_binary()), Some(k));
        }
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in [
            "fake-key-id",
            "134f2428cec14b25a1ae9048164dba47",
            "mrk-fake-key-id",
            "1234abcd-12ab-34cd-56ef-1234567890a",
            "1234abcd-12ab-34cd-56ef-1234567890ag",
        ] {
            assert_eq!(KeyId::parse(bad), None, "{bad}");
            let err = parse_key_ref(bad, "keyId", &scope(), Aliases::Accepted);
            assert_eq!(
                err,
                Err(KmsError::NotFound(format!("Invalid keyId '{bad}'")))
            );
        }
    }

    #[test]
    fn new_ids_are_uuid_v4() {
        let id = KeyId::new_regional([0xff; 16]);
        assert_eq!(id.as_str(), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert!(KeyId::parse(id.as_str()).is_some());
    }

    #[test]
    fn arns_resolve_in_scope() {
        let s = scope();
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        let arn = format!("arn:aws:kms:us-east-1:111122223333:key/{id}");
        assert_eq!(
            parse_key_ref(&arn, "keyId", &s, Aliases::Refused),
            Ok(KeyRef::Key(KeyId(id.into())))
        );
        let other = format!("arn:aws:kms:eu-west-1:111122223333:key/{id}");
        assert_eq!(
            parse_key_ref(&other, "keyId", &s, Aliases::Refused),
            Err(KmsError::NotFound("Invalid arn eu-west-1".into()))
        );
        assert!(matches!(
            parse_key_ref("arn:aws:kms:nowhere", "keyId", &s, Aliases::Refused),
            Err(KmsError::InvalidArn(_))
        ));
        assert!(matches!(
            parse_key_ref("alias/app", "keyId", &s, Aliases::Accepted),
            Ok(KeyRef::Alias(_))
        ));
        assert!(matches!(
            parse_key_ref("alias/app", "keyId", &s, Aliases::Refused),
            Err(KmsError::NotFound(_))
        ));
    }

    #[test]
    fn alias_rules() {
        assert!(AliasName::parse("alias/app-1:x/y_z").is_ok());
        assert!(matches!(
            AliasName::parse("app"),
            Err(KmsError::Validation(_))
        ));
        assert!(matches!(
            AliasName::parse("alias/has space"),
            Err(KmsError::InvalidAliasName(_))
        ));
        assert!(matches!(
            AliasName::parse("alias/"),
            Err(KmsError::InvalidAliasName(_))
        ));
        let longest = format!("alias/{}", "a".repeat(250));
        assert!(AliasName::parse(&longest).is_ok());
        let too_long = format!("alias/{}", "a".repeat(251));
        assert!(matches!(
            AliasName::parse(&too_long),
            Err(KmsError::Validation(_))
        ));
        assert!(AliasName::parse("alias/aws/s3")
            .map(|a| a.is_reserved())
            .unwrap_or(false));
    }

    #[test]
    fn principals() {
        let root = Principal::parse("arn:aws:iam::111122223333:root");
        assert_eq!(
            root.map(|p| (p.account, p.kind)),
            Some(("111122223333".into(), PrincipalKind::Root))
        );
        let role = Principal::parse("arn:aws:sts::444455556666:assumed-role/app/session-1");
        assert_eq!(role.map(|p| p.kind), Some(PrincipalKind::AssumedRole));
        let user = Principal::parse("arn:aws-us-gov:iam::444455556666:user/eve");
        assert_eq!(user.map(|p| p.kind), Some(PrincipalKind::IamUser));
        for bad in [
            "eve",
            "arn:aws:iam::1234:root",
            "arn:aws:iam:us-east-1:111122223333:root",
            "arn:aws:s3::111122223333:root",
            "arn:aws:iam::111122223333:user/",
            "arn:aws:iam::111122223333:user/has space",
        ] {
            assert_eq!(Principal::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn regions() {
        assert!(is_region("us-east-1"));
        assert!(is_region("us-gov-west-1"));
        assert!(!is_region("useast1"));
        assert!(!is_region("US-east-1"));
    }
}
