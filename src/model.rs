//! Request and response shapes, named and nested exactly as in AWS's API (PascalCase members).
//!
//! Every request member is optional here, even the required ones: the operations check presence
//! themselves so that a missing member gets AWS's ValidationException rather than a serde error.

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

/// The output of operations that return nothing (`{}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

shape!(
    /// Encrypt input.
    EncryptRequest {
        key_id: String,
        plaintext: SecretBlob,
        encryption_context: EncryptionContext,
        grant_tokens: Vec<String>,
        encryption_algorithm: String,
        dry_run: bool,
    }
);

/// Encrypt output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EncryptResponse {
    /// AWS's member `CiphertextBlob`.
    pub ciphertext_blob: Blob,
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `EncryptionAlgorithm`.
    pub encryption_algorithm: String,
}

shape!(
    /// Decrypt input.
    DecryptRequest {
        ciphertext_blob: Blob,
        encryption_context: EncryptionContext,
        grant_tokens: Vec<String>,
        key_id: String,
        encryption_algorithm: String,
        dry_run: bool,
        recipient: Unsupported,
    }
);

/// Decrypt output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DecryptResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `Plaintext`.
    pub plaintext: SecretBlob,
    /// AWS's member `EncryptionAlgorithm`.
    pub encryption_algorithm: String,
    /// Present only when a symmetric key decrypted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_id: Option<String>,
}

shape!(
    /// ReEncrypt input.
    ReEncryptRequest {
        ciphertext_blob: Blob,
        source_encryption_context: EncryptionContext,
        source_key_id: String,
        destination_key_id: String,
        destination_encryption_context: EncryptionContext,
        source_encryption_algorithm: String,
        destination_encryption_algorithm: String,
        grant_tokens: Vec<String>,
        dry_run: bool,
    }
);

/// ReEncrypt output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReEncryptResponse {
    /// AWS's member `CiphertextBlob`.
    pub ciphertext_blob: Blob,
    /// AWS's member `SourceKeyId`.
    pub source_key_id: String,
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `SourceEncryptionAlgorithm`.
    pub source_encryption_algorithm: String,
    /// AWS's member `DestinationEncryptionAlgorithm`.
    pub destination_encryption_algorithm: String,
    /// AWS's member `SourceKeyMaterialId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_key_material_id: Option<String>,
    /// AWS's member `DestinationKeyMaterialId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_key_material_id: Option<String>,
}

shape!(
    /// GenerateDataKey and GenerateDataKeyWithoutPlaintext input.
    GenerateDataKeyRequest {
        key_id: String,
        encryption_context: EncryptionContext,
        number_of_bytes: i64,
        key_spec: String,
        grant_tokens: Vec<String>,
        dry_run: bool,
        recipient: Unsupported,
    }
);

/// GenerateDataKey output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateDataKeyResponse {
    /// AWS's member `CiphertextBlob`.
    pub ciphertext_blob: Blob,
    /// AWS's member `Plaintext`.
    pub plaintext: SecretBlob,
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `KeyMaterialId`.
    pub key_material_id: String,
}

/// GenerateDataKeyWithoutPlaintext output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateDataKeyWithoutPlaintextResponse {
    /// AWS's member `CiphertextBlob`.
    pub ciphertext_blob: Blob,
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `KeyMaterialId`.
    pub key_material_id: String,
}

shape!(
    /// GenerateRandom input.
    GenerateRandomRequest {
        number_of_bytes: i64,
        custom_key_store_id: String,
        recipient: Unsupported,
    }
);

/// GenerateRandom output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateRandomResponse {
    /// AWS's member `Plaintext`.
    pub plaintext: SecretBlob,
}

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

shape!(
    /// ScheduleKeyDeletion input.
    ScheduleKeyDeletionRequest { key_id: String, pending_window_in_days: i64 }
);

/// ScheduleKeyDeletion output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduleKeyDeletionResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `DeletionDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_date: Option<Timestamp>,
    /// AWS's member `KeyState`.
    pub key_state: String,
    /// AWS's member `PendingWindowInDays`.
    pub pending_window_in_days: i64,
}

/// Output of the operations that return only the key ARN: CancelKeyDeletion, RotateKeyOnDemand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyIdResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
}

shape!(
    /// EnableKeyRotation input.
    EnableKeyRotationRequest { key_id: String, rotation_period_in_days: i64 }
);

/// GetKeyRotationStatus output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetKeyRotationStatusResponse {
    /// AWS's member `KeyRotationEnabled`.
    pub key_rotation_enabled: bool,
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `RotationPeriodInDays`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_period_in_days: Option<i64>,
    /// AWS's member `NextRotationDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_rotation_date: Option<Timestamp>,
    /// AWS's member `OnDemandRotationStartDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_demand_rotation_start_date: Option<Timestamp>,
}

shape!(
    /// ListKeyRotations input.
    ListKeyRotationsRequest { key_id: String, include_key_material: String, limit: i64, marker: String }
);

/// One entry of ListKeyRotations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RotationsListEntry {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `KeyMaterialId`.
    pub key_material_id: String,
    /// AWS's member `KeyMaterialState`.
    pub key_material_state: String,
    /// AWS's member `RotationDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_date: Option<Timestamp>,
    /// AWS's member `RotationType`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_type: Option<String>,
}

/// ListKeyRotations output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListKeyRotationsResponse {
    /// AWS's member `Rotations`.
    pub rotations: Vec<RotationsListEntry>,
    /// AWS's member `NextMarker`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// AWS's member `Truncated`.
    pub truncated: bool,
}

shape!(
    /// ReplicateKey input.
    ReplicateKeyRequest {
        key_id: String,
        replica_region: String,
        policy: String,
        bypass_policy_lockout_safety_check: bool,
        description: String,
        tags: Vec<Tag>,
    }
);

/// ReplicateKey output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicateKeyResponse {
    /// AWS's member `ReplicaKeyMetadata`.
    pub replica_key_metadata: KeyMetadata,
    /// AWS's member `ReplicaPolicy`.
    pub replica_policy: String,
    /// AWS's member `ReplicaTags`.
    pub replica_tags: Vec<Tag>,
}

shape!(
    /// UpdatePrimaryRegion input.
    UpdatePrimaryRegionRequest { key_id: String, primary_region: String }
);

shape!(
    /// GetParametersForImport input.
    GetParametersForImportRequest { key_id: String, wrapping_algorithm: String, wrapping_key_spec: String }
);

/// GetParametersForImport output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetParametersForImportResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `ImportToken`.
    pub import_token: Blob,
    /// AWS's member `PublicKey`.
    pub public_key: Blob,
    /// AWS's member `ParametersValidTo`.
    pub parameters_valid_to: Timestamp,
}

shape!(
    /// ImportKeyMaterial input.
    ImportKeyMaterialRequest {
        key_id: String,
        import_token: Blob,
        encrypted_key_material: SecretBlob,
        valid_to: Timestamp,
        expiration_model: String,
        import_type: String,
        key_material_description: String,
        key_material_id: String,
    }
);

/// ImportKeyMaterial and DeleteImportedKeyMaterial output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMaterialResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `KeyMaterialId`.
    pub key_material_id: String,
}

shape!(
    /// DeleteImportedKeyMaterial input.
    DeleteImportedKeyMaterialRequest { key_id: String, key_material_id: String }
);

shape!(
    /// GenerateMac input.
    GenerateMacRequest {
        message: SecretBlob,
        key_id: String,
        mac_algorithm: String,
        grant_tokens: Vec<String>,
        dry_run: bool,
    }
);

/// GenerateMac output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateMacResponse {
    /// AWS's member `Mac`.
    pub mac: Blob,
    /// AWS's member `MacAlgorithm`.
    pub mac_algorithm: String,
    /// AWS's member `KeyId`.
    pub key_id: String,
}

shape!(
    /// VerifyMac input.
    VerifyMacRequest {
        message: SecretBlob,
        key_id: String,
        mac_algorithm: String,
        mac: Blob,
        grant_tokens: Vec<String>,
        dry_run: bool,
    }
);

/// VerifyMac output (it never says false: a mismatch is KMSInvalidMacException).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyMacResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `MacValid`.
    pub mac_valid: bool,
    /// AWS's member `MacAlgorithm`.
    pub mac_algorithm: String,
}

shape!(
    /// Sign input.
    SignRequest {
        key_id: String,
        message: SecretBlob,
        message_type: String,
        grant_tokens: Vec<String>,
        signing_algorithm: String,
        dry_run: bool,
    }
);

/// Sign output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SignResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `Signature`.
    pub signature: Blob,
    /// AWS's member `SigningAlgorithm`.
    pub signing_algorithm: String,
}

shape!(
    /// Verify input.
    VerifyRequest {
        key_id: String,
        message: SecretBlob,
        message_type: String,
        signature: Blob,
        signing_algorithm: String,
        grant_tokens: Vec<String>,
        dry_run: bool,
    }
);

/// Verify output. `SignatureValid` is always true: a bad signature is KMSInvalidSignatureException.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `SignatureValid`.
    pub signature_valid: bool,
    /// AWS's member `SigningAlgorithm`.
    pub signing_algorithm: String,
}

shape!(
    /// GetPublicKey input.
    GetPublicKeyRequest { key_id: String, grant_tokens: Vec<String> }
);

/// GetPublicKey output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPublicKeyResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `PublicKey`.
    pub public_key: Blob,
    /// AWS's member `CustomerMasterKeySpec`.
    pub customer_master_key_spec: String,
    /// AWS's member `KeySpec`.
    pub key_spec: String,
    /// AWS's member `KeyUsage`.
    pub key_usage: String,
    /// AWS's member `EncryptionAlgorithms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_algorithms: Option<Vec<String>>,
    /// AWS's member `SigningAlgorithms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_algorithms: Option<Vec<String>>,
    /// AWS's member `KeyAgreementAlgorithms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_agreement_algorithms: Option<Vec<String>>,
}

shape!(
    /// GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext input.
    GenerateDataKeyPairRequest {
        encryption_context: EncryptionContext,
        key_id: String,
        key_pair_spec: String,
        grant_tokens: Vec<String>,
        dry_run: bool,
        recipient: Unsupported,
    }
);

/// GenerateDataKeyPair output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateDataKeyPairResponse {
    /// AWS's member `PrivateKeyCiphertextBlob`.
    pub private_key_ciphertext_blob: Blob,
    /// AWS's member `PrivateKeyPlaintext`.
    pub private_key_plaintext: SecretBlob,
    /// AWS's member `PublicKey`.
    pub public_key: Blob,
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `KeyPairSpec`.
    pub key_pair_spec: String,
    /// AWS's member `KeyMaterialId`.
    pub key_material_id: String,
}

/// GenerateDataKeyPairWithoutPlaintext output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateDataKeyPairWithoutPlaintextResponse {
    /// AWS's member `PrivateKeyCiphertextBlob`.
    pub private_key_ciphertext_blob: Blob,
    /// AWS's member `PublicKey`.
    pub public_key: Blob,
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `KeyPairSpec`.
    pub key_pair_spec: String,
    /// AWS's member `KeyMaterialId`.
    pub key_material_id: String,
}

shape!(
    /// DeriveSharedSecret input.
    DeriveSharedSecretRequest {
        key_id: String,
        key_agreement_algorithm: String,
        public_key: Blob,
        grant_tokens: Vec<String>,
        dry_run: bool,
        recipient: Unsupported,
    }
);

/// DeriveSharedSecret output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeriveSharedSecretResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `SharedSecret`.
    pub shared_secret: SecretBlob,
    /// AWS's member `KeyAgreementAlgorithm`.
    pub key_agreement_algorithm: String,
    /// AWS's member `KeyOrigin`.
    pub key_origin: String,
}
