//! The request context: what a call tells the policies about itself, read by condition key.
//! The caller and its network, the time, the key's properties, and the parameters of the
//! operation; everything is borrowed from the call, and a key's value is produced only when
//! a condition asks for it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::condition::{CondKey, Known, Values};
use crate::codec::Timestamp;

/// What kind of principal calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallerKind {
    /// An account's root user.
    Root,
    /// An IAM user.
    User,
    /// A session of an IAM role (`assumed-role`).
    AssumedRole,
    /// An AWS service principal calling as itself.
    Service,
}

/// Who calls, from where.
#[derive(Clone, Debug)]
pub struct Who<'a> {
    /// The caller's ARN (a session's `assumed-role` ARN), or the service principal's name.
    pub arn: &'a str,
    /// The caller's account (a service principal: the account it acts in).
    pub account: &'a str,
    /// Root, user, role session or service.
    pub kind: CallerKind,
    /// For a role session, the role's ARN (`aws:PrincipalArn`, and key policies naming the
    /// role cover its sessions).
    pub role_arn: Option<&'a str>,
    /// `aws:userid` (`AIDA…`, `AROA…:session`, the account ID for root).
    pub user_id: Option<&'a str>,
    /// `aws:username`, for IAM users.
    pub username: Option<&'a str>,
    /// The user's or role's tags (`aws:PrincipalTag/*`).
    pub tags: &'a [(String, String)],
    /// The service forwarding the caller's credentials, as `kms:ViaService` spells it
    /// (`s3.us-east-1.amazonaws.com`).
    pub via_service: Option<&'a str>,
    /// `aws:SourceIp`.
    pub source_ip: Option<&'a str>,
    /// `aws:SourceVpce`, through a VPC endpoint only.
    pub source_vpce: Option<&'a str>,
    /// `aws:SourceVpc`, through a VPC endpoint only.
    pub source_vpc: Option<&'a str>,
    /// `aws:SecureTransport`.
    pub secure_transport: bool,
}

impl<'a> Who<'a> {
    /// An account's root user, calling directly with no network facts.
    pub fn root(arn: &'a str, account: &'a str) -> Who<'a> {
        Who {
            arn,
            account,
            kind: CallerKind::Root,
            role_arn: None,
            user_id: Some(account),
            username: None,
            tags: &[],
            via_service: None,
            source_ip: None,
            source_vpce: None,
            source_vpc: None,
            secure_transport: false,
        }
    }

    /// `aws:PrincipalArn`: the role's ARN for a session, else the caller's.
    pub fn principal_arn(&self) -> &'a str {
        self.role_arn.unwrap_or(self.arn)
    }
}

/// A key's properties, as key-resource actions supply them.
#[derive(Clone, Debug)]
pub struct KeyFacts<'a> {
    /// `kms:KeySpec`.
    pub spec: &'a str,
    /// `kms:KeyUsage`.
    pub usage: &'a str,
    /// `kms:KeyOrigin`.
    pub origin: &'a str,
    /// `kms:MultiRegionKeyType` (`PRIMARY` or `REPLICA`), on multi-Region keys.
    pub multi_region: Option<&'a str>,
    /// `aws:ResourceTag/*` (IAM policies only).
    pub tags: &'a [(String, String)],
    /// `kms:ResourceAliases` (IAM policies only): the key's alias names.
    pub aliases: &'a [String],
}

/// The request's condition keys.
#[derive(Clone, Debug)]
pub struct Context<'a> {
    /// Who calls.
    pub who: Who<'a>,
    /// The Region the call is made in (`aws:RequestedRegion`).
    pub region: &'a str,
    /// The call's time, from the (simulated) clock.
    pub now: Timestamp,
    /// The key's properties, for key-resource actions.
    pub key: Option<KeyFacts<'a>>,
    /// The encryption context (`kms:EncryptionContext:*`, `kms:EncryptionContextKeys`).
    pub encryption_context: Option<&'a BTreeMap<String, String>>,
    /// Tags in the request (`aws:RequestTag/*`, `aws:TagKeys`).
    pub request_tags: Option<&'a [(String, String)]>,
    /// Tag keys in the request, when it has keys only (UntagResource's `aws:TagKeys`).
    pub tag_keys: Option<&'a [String]>,
    /// The operation's own single-valued keys (`kms:EncryptionAlgorithm`, …).
    pub params: Vec<(Known, Cow<'a, str>)>,
    /// The operation's own multi-valued keys (`kms:GrantOperations`).
    pub sets: Vec<(Known, Vec<Cow<'a, str>>)>,
}

fn one(s: &str) -> Option<Values<'_>> {
    Some(Values::One(Cow::Borrowed(s)))
}

fn tag<'t>(tags: &'t [(String, String)], key: &str) -> Option<Values<'t>> {
    tags.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| Values::One(Cow::Borrowed(v.as_str())))
}

impl<'a> Context<'a> {
    /// A context with only the caller, the Region and the time.
    pub fn new(who: Who<'a>, region: &'a str, now: Timestamp) -> Context<'a> {
        Context {
            who,
            region,
            now,
            key: None,
            encryption_context: None,
            request_tags: None,
            tag_keys: None,
            params: Vec::new(),
            sets: Vec::new(),
        }
    }

    /// Adds an operation parameter's key.
    pub fn with(mut self, key: Known, value: impl Into<Cow<'a, str>>) -> Context<'a> {
        self.params.push((key, value.into()));
        self
    }

    /// The request's value(s) of `key`; in a key policy, `aws:ResourceTag/*` and
    /// `kms:ResourceAliases` are never present (AWS supports them in IAM policies only).
    pub fn value(&self, key: &CondKey, in_key_policy: bool) -> Option<Values<'_>> {
        match key {
            CondKey::Known(k) => self.known(*k, in_key_policy),
            CondKey::EncryptionContext(name) => self
                .encryption_context?
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| Values::One(Cow::Borrowed(v.as_str()))),
            CondKey::PrincipalTag(name) => tag(self.who.tags, name),
            CondKey::ResourceTag(name) if !in_key_policy => tag(self.key.as_ref()?.tags, name),
            CondKey::RequestTag(name) => tag(self.request_tags?, name),
            CondKey::ResourceTag(_) | CondKey::Other(_) => None,
        }
    }

    fn known(&self, k: Known, in_key_policy: bool) -> Option<Values<'_>> {
        if let Some((_, v)) = self.params.iter().find(|(p, _)| *p == k) {
            return Some(Values::One(Cow::Borrowed(v.as_ref())));
        }
        if let Some((_, v)) = self.sets.iter().find(|(p, _)| *p == k) {
            return Some(Values::Many(
                v.iter().map(|s| Cow::Borrowed(s.as_ref())).collect(),
            ));
        }
        let who = &self.who;
        let key = self.key.as_ref();
        let flag = |b: bool| Some(Values::One(Cow::Borrowed(if b { "true" } else { "false" })));
        match k {
            Known::CallerAccount => key.and(one(who.account)),
            Known::ViaService => key.and(who.via_service).and_then(one),
            Known::KeySpec | Known::CustomerMasterKeySpec => one(key?.spec),
            Known::KeyUsage | Known::CustomerMasterKeyUsage => one(key?.usage),
            Known::KeyOrigin => one(key?.origin),
            Known::MultiRegion => key.and_then(|k| flag(k.multi_region.is_some())),
            Known::MultiRegionKeyType => one(key?.multi_region?),
            Known::ResourceAliases if !in_key_policy => Some(Values::Many(
                key?.aliases
                    .iter()
                    .map(|a| Cow::Borrowed(a.as_str()))
                    .collect(),
            )),
            Known::EncryptionContextKeys => Some(Values::Many(
                self.encryption_context?
                    .keys()
                    .map(|k| Cow::Borrowed(k.as_str()))
                    .collect(),
            )),
            Known::TagKeys => match (self.request_tags, self.tag_keys) {
                (Some(tags), _) => Some(Values::Many(
                    tags.iter()
                        .map(|(k, _)| Cow::Borrowed(k.as_str()))
                        .collect(),
                )),
                (None, Some(keys)) => Some(Values::Many(
                    keys.iter().map(|k| Cow::Borrowed(k.as_str())).collect(),
                )),
                (None, None) => None,
            },
            Known::PrincipalArn => (who.kind != CallerKind::Service)
                .then(|| who.principal_arn())
                .and_then(one),
            Known::PrincipalAccount => (who.kind != CallerKind::Service)
                .then_some(who.account)
                .and_then(one),
            Known::PrincipalType => one(match who.kind {
                CallerKind::Root => "Account",
                CallerKind::User => "User",
                CallerKind::AssumedRole => "AssumedRole",
                CallerKind::Service => "AWSService",
            }),
            Known::PrincipalIsAwsService => flag(who.kind == CallerKind::Service),
            Known::PrincipalServiceName => (who.kind == CallerKind::Service)
                .then_some(who.arn)
                .and_then(one),
            Known::UserId => who.user_id.and_then(one),
            Known::Username => who.username.and_then(one),
            Known::SourceIp => who.source_ip.and_then(one),
            Known::SourceVpce => who.source_vpce.and_then(one),
            Known::SourceVpc => who.source_vpc.and_then(one),
            Known::SecureTransport => flag(who.secure_transport),
            Known::ViaAwsService => flag(who.via_service.is_some()),
            Known::CalledVia => who
                .via_service
                .map(|s| Values::Many(vec![Cow::Borrowed(s)])),
            Known::CalledViaFirst | Known::CalledViaLast => who.via_service.and_then(one),
            Known::CurrentTime => Some(Values::One(Cow::Owned(self.now.to_iso8601()))),
            Known::EpochTime => Some(Values::One(Cow::Owned(
                self.now.millis().div_euclid(1000).to_string(),
            ))),
            Known::RequestedRegion => one(self.region),
            _ => None,
        }
    }

    /// A policy variable's value (`aws:username`, `aws:PrincipalTag/team`, …).
    pub fn variable(&self, name: &str) -> Option<String> {
        match self.value(&CondKey::parse(name), false)? {
            Values::One(v) => Some(v.into_owned()),
            Values::Many(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_from_the_call() {
        let tags = vec![("Team".to_owned(), "blue".to_owned())];
        let key_tags = vec![("Env".to_owned(), "prod".to_owned())];
        let aliases = vec!["alias/app".to_owned()];
        let ec: BTreeMap<String, String> = [("AppName".to_owned(), "ExampleApp".to_owned())].into();
        let mut who = Who::root("arn:aws:iam::111122223333:root", "111122223333");
        who.tags = &tags;
        who.via_service = Some("s3.us-east-1.amazonaws.com");
        let mut cx = Context::new(who, "us-east-1", Timestamp(1_796_000_000_000))
            .with(Known::EncryptionAlgorithm, "SYMMETRIC_DEFAULT");
        cx.encryption_context = Some(&ec);
        let get = |cx: &Context<'_>, name: &str, kp: bool| {
            cx.value(&CondKey::parse(name), kp).map(|v| v.to_strings())
        };
        assert_eq!(
            get(&cx, "aws:PrincipalTag/team", false),
            Some(vec!["blue".into()])
        );
        assert_eq!(
            get(&cx, "kms:encryptioncontext:appname", false),
            Some(vec!["ExampleApp".into()])
        );
        assert_eq!(
            get(&cx, "kms:EncryptionContextKeys", false),
            Some(vec!["AppName".into()])
        );
        assert_eq!(
            get(&cx, "kms:EncryptionAlgorithm", false),
            Some(vec!["SYMMETRIC_DEFAULT".into()])
        );
        assert_eq!(
            get(&cx, "kms:ViaService", false),
            None,
            "no key: no key-resource keys"
        );
        assert_eq!(
            get(&cx, "aws:CurrentTime", false),
            Some(vec!["2026-11-30T00:53:20Z".into()])
        );
        assert_eq!(
            get(&cx, "aws:SecureTransport", false),
            Some(vec!["false".into()])
        );
        assert_eq!(get(&cx, "aws:SourceVpce", false), None);
        cx.key = Some(KeyFacts {
            spec: "SYMMETRIC_DEFAULT",
            usage: "ENCRYPT_DECRYPT",
            origin: "AWS_KMS",
            multi_region: None,
            tags: &key_tags,
            aliases: &aliases,
        });
        assert_eq!(
            get(&cx, "kms:ViaService", false),
            Some(vec!["s3.us-east-1.amazonaws.com".into()])
        );
        assert_eq!(
            get(&cx, "kms:CallerAccount", true),
            Some(vec!["111122223333".into()])
        );
        assert_eq!(
            get(&cx, "aws:ResourceTag/Env", false),
            Some(vec!["prod".into()])
        );
        assert_eq!(
            get(&cx, "aws:ResourceTag/Env", true),
            None,
            "IAM policies only"
        );
        assert_eq!(get(&cx, "kms:ResourceAliases", true), None);
        assert_eq!(
            get(&cx, "kms:MultiRegion", true),
            Some(vec!["false".into()])
        );
        assert_eq!(get(&cx, "kms:MultiRegionKeyType", true), None);
        assert_eq!(
            cx.variable("aws:PrincipalTag/Team").as_deref(),
            Some("blue")
        );
        assert_eq!(cx.variable("aws:username"), None);
    }
}
