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
    fn metadata_reads_are_describe_get_and_list() {
        assert!(Action::DescribeKey.reads_metadata());
        assert!(Action::GetPublicKey.reads_metadata());
        assert!(Action::ListAliases.reads_metadata());
        assert!(!Action::Encrypt.reads_metadata());
        assert!(!Action::GenerateDataKey.reads_metadata());
    }
}
