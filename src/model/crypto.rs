//! Shapes of Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, GenerateRandom.

use serde::{Deserialize, Serialize};

use super::*;

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
