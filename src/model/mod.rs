//! Request and response shapes, named and nested exactly as in AWS's API (PascalCase members).
//!
//! Every request member is optional here, even the required ones: the operations check presence
//! themselves so that a missing member gets AWS's ValidationException rather than a serde error.
//! One file per API group, as `ops/` groups the operations; all of them are re-exported here.

use serde::{Deserialize, Serialize};

use crate::codec::{Blob, SecretBlob, Timestamp};
use crate::domain::context::EncryptionContext;

/// A tag, as AWS spells it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// 1 to 128 characters; not starting with `aws:`.
    pub tag_key: Option<String>,
    /// 0 to 256 characters.
    pub tag_value: Option<String>,
}

/// The metadata of a KMS key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadata {
    /// AWS's member `AWSAccountId`.
    #[serde(rename = "AWSAccountId")]
    pub aws_account_id: String,
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `Arn`.
    pub arn: String,
    /// AWS's member `CreationDate`.
    pub creation_date: Timestamp,
    /// AWS's member `Enabled`.
    pub enabled: bool,
    /// AWS's member `Description`.
    pub description: String,
    /// AWS's member `KeyUsage`.
    pub key_usage: String,
    /// AWS's member `KeyState`.
    pub key_state: String,
    /// AWS's member `DeletionDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_date: Option<Timestamp>,
    /// AWS's member `Origin`.
    pub origin: String,
    /// AWS's member `KeyManager`.
    pub key_manager: String,
    /// AWS's member `CustomerMasterKeySpec`.
    pub customer_master_key_spec: String,
    /// AWS's member `KeySpec`.
    pub key_spec: String,
    /// AWS's member `EncryptionAlgorithms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_algorithms: Option<Vec<String>>,
    /// AWS's member `SigningAlgorithms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_algorithms: Option<Vec<String>>,
    /// AWS's member `KeyAgreementAlgorithms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_agreement_algorithms: Option<Vec<String>>,
    /// AWS's member `MacAlgorithms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_algorithms: Option<Vec<String>>,
    /// AWS's member `MultiRegion`.
    pub multi_region: bool,
    /// AWS's member `MultiRegionConfiguration`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_region_configuration: Option<MultiRegionConfiguration>,
    /// AWS's member `PendingDeletionWindowInDays`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_deletion_window_in_days: Option<i64>,
    /// AWS's member `CurrentKeyMaterialId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_key_material_id: Option<String>,
    /// AWS's member `ExpirationModel`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_model: Option<String>,
    /// AWS's member `ValidTo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<Timestamp>,
}

/// A key of a multi-Region set, by ARN and Region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MultiRegionKey {
    /// AWS's member `Arn`.
    pub arn: String,
    /// AWS's member `Region`.
    pub region: String,
}

/// Where the keys of a multi-Region set are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MultiRegionConfiguration {
    /// AWS's member `MultiRegionKeyType`.
    pub multi_region_key_type: String,
    /// AWS's member `PrimaryKey`.
    pub primary_key: MultiRegionKey,
    /// AWS's member `ReplicaKeys`.
    pub replica_keys: Vec<MultiRegionKey>,
}

/// A member AWS has and wasm-kms does not support: that it was sent is kept, its value is not
/// (so nothing of it reaches the audit trail), and the operation refuses it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unsupported;

impl<'de> Deserialize<'de> for Unsupported {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d)?;
        Ok(Unsupported)
    }
}

impl Serialize for Unsupported {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

macro_rules! shape {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "PascalCase")]
        pub struct $name {
            $(
                #[doc = concat!("AWS's member `", stringify!($field), "`, in PascalCase on the wire.")]
                $(#[$fm])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }
    };
}

/// The output of operations that return nothing (`{}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

mod aliases;
mod asymmetric;
mod crypto;
mod grants;
mod import;
mod keys;
mod lifecycle;
mod mac;
mod multi_region;

pub use aliases::*;
pub use asymmetric::*;
pub use crypto::*;
pub use grants::*;
pub use import::*;
pub use keys::*;
pub use lifecycle::*;
pub use mac::*;
pub use multi_region::*;
