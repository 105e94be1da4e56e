//! Every `kms:` action of AWS KMS, written once: the table below is the only place in the core
//! where an action's name is spelt.

use serde::{Serialize, Serializer};

macro_rules! actions {
    ($( $action:ident )*) => {
        /// An IAM action of AWS KMS (`kms:<name>`), as key policies, IAM policies and grants
        /// name it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $( #[doc = concat!("`kms:", stringify!($action), "`")] $action, )* }

        impl Action {
            /// Every action, in AWS's alphabetical order.
            pub const ALL: &'static [Action] = &[ $( Action::$action, )* ];

            /// The action's IAM name, `kms:<name>`.
            pub fn name(self) -> &'static str {
                match self { $( Action::$action => concat!("kms:", stringify!($action)), )* }
            }

            /// The action's name without the `kms:` service prefix.
            pub fn bare_name(self) -> &'static str {
                match self { $( Action::$action => stringify!($action), )* }
            }

            /// The action an IAM name (`kms:Encrypt`, any case as IAM allows) names.
            pub fn parse(name: &str) -> Option<Action> {
                let (service, bare) = name.split_once(':')?;
                if !service.eq_ignore_ascii_case("kms") {
                    return None;
                }
                Action::ALL.iter().copied().find(|a| a.bare_name().eq_ignore_ascii_case(bare))
            }
        }
    };
}

actions! {
    CancelKeyDeletion ConnectCustomKeyStore CreateAlias CreateCustomKeyStore CreateGrant CreateKey
    Decrypt DeleteAlias DeleteCustomKeyStore DeleteImportedKeyMaterial DeriveSharedSecret
    DescribeCustomKeyStores DescribeKey DisableKey DisableKeyRotation DisconnectCustomKeyStore
    EnableKey EnableKeyRotation Encrypt GenerateDataKey GenerateDataKeyPair
    GenerateDataKeyPairWithoutPlaintext GenerateDataKeyWithoutPlaintext GenerateMac GenerateRandom
    GetKeyLastUsage GetKeyPolicy GetKeyRotationStatus GetParametersForImport GetPublicKey
    ImportKeyMaterial ListAliases ListGrants ListKeyPolicies ListKeyRotations ListKeys
    ListResourceTags ListRetirableGrants PutKeyPolicy ReEncryptFrom ReEncryptTo ReplicateKey
    RetireGrant RevokeGrant RotateKeyOnDemand ScheduleKeyDeletion Sign SynchronizeMultiRegionKey
    TagResource UntagResource UpdateAlias UpdateCustomKeyStore UpdateKeyDescription
    UpdatePrimaryRegion Verify VerifyMac
}

/// A set of actions (what a statement's `Action` patterns cover), one bit per action.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ActionSet(u64);

const _: () = assert!(
    Action::ALL.len() <= 64,
    "an ActionSet holds at most 64 actions"
);

impl ActionSet {
    /// No action.
    pub const EMPTY: ActionSet = ActionSet(0);

    /// Every action.
    pub fn all() -> ActionSet {
        ActionSet(u64::MAX >> (64 - Action::ALL.len()))
    }

    /// The actions one pattern of a statement's `Action` covers: `*`, or `<service>:<glob>`
    /// (case-insensitive; another service's actions cover none of KMS's). `None` if the
    /// pattern names no service.
    pub fn matching(pattern: &str) -> Option<ActionSet> {
        if pattern == "*" {
            return Some(ActionSet::all());
        }
        let (service, name) = pattern.split_once(':')?;
        let service_ok = !service.is_empty()
            && service
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !service_ok || name.is_empty() {
            return None;
        }
        if !super::pattern::glob(service, "kms", true) {
            return Some(ActionSet::EMPTY);
        }
        let mut set = ActionSet::EMPTY;
        for a in Action::ALL {
            if super::pattern::glob(name, a.bare_name(), true) {
                set = set.with(*a);
            }
        }
        Some(set)
    }

    /// This set and `a`.
    pub fn with(self, a: Action) -> ActionSet {
        ActionSet(self.0 | (1u64 << (a as u32)))
    }

    /// Both sets.
    pub fn union(self, other: ActionSet) -> ActionSet {
        ActionSet(self.0 | other.0)
    }

    /// Every action not in this set.
    pub fn complement(self) -> ActionSet {
        ActionSet(!self.0 & ActionSet::all().0)
    }

    /// Whether `a` is in the set.
    pub fn contains(self, a: Action) -> bool {
        self.0 & (1u64 << (a as u32)) != 0
    }

    /// Whether no action is in the set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The actions in the set, in AWS's order.
    pub fn iter(self) -> impl Iterator<Item = Action> {
        Action::ALL
            .iter()
            .copied()
            .filter(move |a| self.contains(*a))
    }
}

impl Action {
    /// Reads key metadata only (`kms:Describe*`, `kms:Get*`, `kms:List*`), what an AWS managed
    /// key's policy lets the account do directly.
    pub fn reads_metadata(self) -> bool {
        let bare = self.bare_name();
        ["Describe", "Get", "List"]
            .iter()
            .any(|prefix| bare.starts_with(prefix))
    }

    /// Creates, repoints or deletes an alias.
    pub fn changes_alias(self) -> bool {
        matches!(
            self,
            Action::CreateAlias | Action::UpdateAlias | Action::DeleteAlias
        )
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_are_sorted_and_unique() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.name()), Some(*a));
            assert_eq!(Action::parse(&a.name().to_uppercase()), Some(*a));
        }
        assert!(Action::ALL
            .windows(2)
            .all(|w| matches!(w, [a, b] if a.bare_name() < b.bare_name())));
        assert_eq!(Action::parse("kms:Nope"), None);
        assert_eq!(Action::parse("iam:Encrypt"), None);
        assert_eq!(Action::parse("Encrypt"), None);
    }

    #[test]
    fn action_patterns_expand_as_the_key_policy_guide_lists() {
        let names = |p: &str| -> Vec<&str> {
            ActionSet::matching(p)
                .map(|s| s.iter().map(Action::bare_name).collect())
                .unwrap_or_default()
        };
        assert_eq!(names("kms:ReEncrypt*"), ["ReEncryptFrom", "ReEncryptTo"]);
        assert_eq!(
            names("kms:GenerateDataKey*"),
            [
                "GenerateDataKey",
                "GenerateDataKeyPair",
                "GenerateDataKeyPairWithoutPlaintext",
                "GenerateDataKeyWithoutPlaintext"
            ]
        );
        assert_eq!(
            names("KMS:describe*"),
            ["DescribeCustomKeyStores", "DescribeKey"]
        );
        assert_eq!(names("kms:Put*"), ["PutKeyPolicy"]);
        assert_eq!(names("kms:Revoke*"), ["RevokeGrant"]);
        assert_eq!(
            names("kms:Delete*"),
            [
                "DeleteAlias",
                "DeleteCustomKeyStore",
                "DeleteImportedKeyMaterial"
            ]
        );
        assert_eq!(names("s3:*"), Vec::<&str>::new());
        assert_eq!(names("*").len(), Action::ALL.len());
        assert_eq!(names("KMS:ENCRYPT"), ["Encrypt"]);
        assert!(ActionSet::matching("Encrypt").is_none());
        assert!(ActionSet::matching("kms:").is_none());
        let all = ActionSet::all();
        assert_eq!(all.complement(), ActionSet::EMPTY);
        assert!(Action::ALL.iter().all(|a| all.contains(*a)));
    }

    #[test]
    fn metadata_reads_are_describe_get_and_list() {
        assert!(Action::DescribeKey.reads_metadata());
        assert!(Action::GetPublicKey.reads_metadata());
        assert!(Action::ListAliases.reads_metadata());
        assert!(!Action::Encrypt.reads_metadata());
        assert!(!Action::GenerateDataKey.reads_metadata());
    }
}
